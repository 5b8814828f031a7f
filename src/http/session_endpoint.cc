#include "http/session_endpoint.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <string>

#include "domain/time_format.h"
#include "http/errors.h"
#include "http/json_codec.h"

namespace latchkey::http {
namespace {

namespace json = boost::json;

constexpr std::string_view kSessionsPath = "/v1/sessions";
constexpr std::string_view kCurrentPath = "/v1/sessions/current";

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The request reached us through a TLS-terminating proxy: the first (client-side) entry of
// X-Forwarded-Proto is https. Only ever adds `Secure` to a cookie, so a forged header cannot
// weaken one.
bool OverTls(const ApiRequest& request) {
  std::string_view proto = request.Header("X-Forwarded-Proto");
  return EqualsIgnoreCase(TrimSpaces(proto.substr(0, proto.find(','))), "https");
}

std::string_view SessionSecret(const ApiRequest& request) {
  return CookieValue(request.Header("Cookie"), kSessionCookieName).value_or("");
}

ApiResponse MethodNotAllowed(std::string_view method, std::string_view allow) {
  ApiResponse response = ErrorResponse(Status(
      ErrorCode::kMethodNotAllowed,
      std::string(method.substr(0, 16)) + " is not allowed here; use " + std::string(allow)));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

json::object ToJson(const service::SessionInfo& info) {
  return {{"id", info.session.id},
          {"principal", http::ToJson(info.principal)},
          {"created_at", domain::FormatTime(info.session.created_at)},
          {"expires_at", domain::FormatTime(info.session.expires_at)},
          {"csrf_token", info.csrf_token}};
}

// An answer that carries a CSRF token (or sets the cookie): never cached.
ApiResponse Private(int status, std::string body) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = TrimSpaces(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || TrimSpaces(pair.substr(0, eq)) != name) continue;
    std::string_view value = TrimSpaces(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

std::string SessionSetCookie(std::string_view value, std::int64_t max_age_seconds, bool secure) {
  std::string cookie(kSessionCookieName);
  cookie += '=';
  cookie += value;
  cookie += "; Path=/; HttpOnly; SameSite=Strict; Max-Age=";
  cookie += std::to_string(max_age_seconds);
  if (secure) cookie += "; Secure";
  return cookie;
}

bool SessionEndpoint::Owns(std::string_view path) {
  return path == kSessionsPath ||
         (path.starts_with(kSessionsPath) && path[kSessionsPath.size()] == '/');
}

bool SessionEndpoint::HasSessionCookie(const ApiRequest& request) {
  return !SessionSecret(request).empty();
}

ApiResponse SessionEndpoint::Handle(const ApiRequest& request, bool cross_origin) {
  std::string_view path = request.Path();
  if (path != kSessionsPath && path != kCurrentPath) {
    return ErrorResponse(NotFound("no such endpoint: " + std::string(path.substr(0, 128))));
  }
  const bool current = path == kCurrentPath;
  const bool allowed =
      current ? request.method == "GET" || request.method == "DELETE" : request.method == "POST";
  if (!allowed) return MethodNotAllowed(request.method, current ? "GET, DELETE" : "POST");
  if (cross_origin) {
    return ErrorResponse(
        PermissionDenied("console sessions are only for this server's own origin"));
  }
  if (!current) return SignIn(request);
  return request.method == "GET" ? Current(request) : SignOut(request);
}

ApiResponse SessionEndpoint::SignIn(const ApiRequest& request) {
  auto reader = ObjectReader::Parse(request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::SignInInput input;
  input.name = reader->RequiredString("name");
  input.password = reader->RequiredString("password");
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  input.source_ip = request.remote_address;
  input.request_id = request.request_id;
  auto created = sessions_.SignIn(input);
  if (!created.ok()) {
    ApiResponse response = ErrorResponse(created.status());
    if (created.status().code() == ErrorCode::kRateLimited) {
      response.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(
                                                       1, sessions_.RetryAfterSeconds(input))));
    }
    return response;
  }
  const domain::Session& session = created->info.session;
  ApiResponse response = Private(201, json::serialize(ToJson(created->info)));
  response.headers.emplace_back(
      "Set-Cookie",
      SessionSetCookie(created->secret, (session.expires_at - session.created_at) / 1000,
                       OverTls(request)));
  response.key_id = session.id;
  return response;
}

ApiResponse SessionEndpoint::Current(const ApiRequest& request) {
  std::string_view secret = SessionSecret(request);
  if (secret.empty()) {
    return ErrorResponse(Unauthenticated("no session: sign in with POST /v1/sessions"));
  }
  auto caller = sessions_.Authenticate(secret);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto info = sessions_.Describe(*caller, secret);
  if (!info.ok()) return ErrorResponse(info.status());
  ApiResponse response = Private(200, json::serialize(ToJson(*info)));
  response.key_id = info->session.id;
  return response;
}

ApiResponse SessionEndpoint::SignOut(const ApiRequest& request) {
  std::string_view secret = SessionSecret(request);
  auto caller = secret.empty() ? Result<service::Caller>(Unauthenticated("no session"))
                               : sessions_.Authenticate(secret);
  if (caller.ok()) {
    // Signing out is a change like any other: a forged request must not end the session.
    if (!sessions_.CsrfTokenMatches(secret, request.Header("X-CSRF-Token"))) {
      return ErrorResponse(CsrfFailed("signing out needs the session's X-CSRF-Token"));
    }
    caller->request_id = request.request_id;
    caller->source_ip = request.remote_address;
    if (Status s = sessions_.SignOut(*caller); !s.ok()) return ErrorResponse(s);
  } else if (caller.status().code() != ErrorCode::kUnauthenticated) {
    return ErrorResponse(caller.status());
  }
  // Without a session (none, or one that has ended) there is nothing to end: still 204, and the
  // browser forgets the cookie either way.
  ApiResponse response = Private(204, "");
  response.headers.emplace_back("Set-Cookie", SessionSetCookie("", 0, OverTls(request)));
  if (caller.ok()) response.key_id = caller->key_id;
  return response;
}

Result<service::Caller> SessionEndpoint::Authenticate(const ApiRequest& request,
                                                      bool cross_origin) {
  if (cross_origin) {
    return PermissionDenied(
        "a console session is only accepted from this server's own origin; cross-origin calls "
        "need a token");
  }
  std::string_view secret = SessionSecret(request);
  LK_ASSIGN_OR_RETURN(service::Caller caller, sessions_.Authenticate(secret));
  const bool safe = request.method == "GET" || request.method == "HEAD";
  if (!safe && !sessions_.CsrfTokenMatches(secret, request.Header("X-CSRF-Token"))) {
    return CsrfFailed(
        "a call with a console session needs the session's CSRF token in X-CSRF-Token (from "
        "POST /v1/sessions or GET /v1/sessions/current)");
  }
  return caller;
}

}  // namespace latchkey::http
