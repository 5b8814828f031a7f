#include "http/gateway_endpoint.h"

#include <algorithm>
#include <boost/url.hpp>
#include <cctype>
#include <exception>

#include "crypto/key_format.h"
#include "http/client_address.h"
#include "http/credentials.h"
#include "http/errors.h"

namespace latchkey::http {
namespace {

using service::VerifyCode;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Headers only, no body: nginx keeps an upstream connection of an auth_request subrequest
// alive only when the answer has no body to discard (with one, every check costs a new TCP
// connection: a quarter of the throughput, measured with bench/gateway/run.sh).
ApiResponse Answer(int status, std::string_view code) {
  ApiResponse response;
  response.status = status;
  response.headers.emplace_back("X-Latchkey-Code", std::string(code));
  if (status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"latchkey\"");
  }
  return response;
}

int StatusOf(VerifyCode code) {
  switch (code) {
    case VerifyCode::kMalformed:
    case VerifyCode::kNotFound:
    case VerifyCode::kRevoked:
    case VerifyCode::kExpired:
    case VerifyCode::kDisabled:
      return 401;
    case VerifyCode::kRateLimited:
      return 429;
    case VerifyCode::kValid:
      return 200;
    default:
      return 403;
  }
}

// Access-Control-Request-Headers is echoed into the preflight's answer: only a bounded list of
// header-name characters, commas and spaces gets through.
bool IsHeaderList(std::string_view list) {
  return list.size() <= 1024 && std::all_of(list.begin(), list.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ',' ||
                  c == ' ';
         });
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

}  // namespace

ApiResponse GatewayEndpoint::Handle(const ApiRequest& request) const {
  try {
    return Check(request);
  } catch (const std::exception&) {
    return Answer(500, "INTERNAL");  // fail closed: the gateway refuses the request
  }
}

// The preflight of a cross-origin call carries no key, so no key can judge it: it is answered
// for any origin whose announced request a route allows, and the real call's answer carries
// Access-Control-Allow-Origin only when the key presented there allows the page's origin
// (the same rule as /v1/keys/verify). 204 is not 200: Envoy hands it to the browser instead of
// calling the API, and nginx proxies a preflight here itself (examples/nginx/latchkey.conf).
ApiResponse GatewayEndpoint::Preflight(const ApiRequest& request, std::string_view origin,
                                       std::string_view method) const {
  ApiResponse response = Answer(204, "PREFLIGHT");
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  response.headers.emplace_back("Access-Control-Allow-Methods", std::string(method));
  std::string_view wanted = Trim(request.Header("Access-Control-Request-Headers"));
  response.headers.emplace_back(
      "Access-Control-Allow-Headers",
      !wanted.empty() && IsHeaderList(wanted) ? std::string(wanted) : "Authorization, X-API-Key");
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  response.headers.emplace_back(
      "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return response;
}

ApiResponse GatewayEndpoint::Check(const ApiRequest& request) const {
  // The original request: nginx names it in headers; Envoy sends it below our prefix.
  std::string_view method = request.Header("X-Original-Method");
  if (method.empty()) method = request.method;
  std::string original_uri(request.Header("X-Original-URI"));
  if (original_uri.empty()) {
    std::string_view target = request.target;
    target.remove_prefix(std::min(target.size(), kGatewayPath.size()));
    original_uri =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  }
  auto url = boost::urls::parse_origin_form(original_uri);
  if (!url) return Answer(400, "BAD_ORIGINAL_URI");
  std::string path = url->path();  // decoded

  auto presented = ExtractKey(request);
  std::string_view origin_header = request.Header("Origin");
  std::string_view preflight_method = request.Header("Access-Control-Request-Method");
  bool preflight = method == "OPTIONS" && !origin_header.empty() && !preflight_method.empty() &&
                   presented.ok() && !presented->present();
  // A preflight is judged by the route of the request it announces.
  service::RouteDecision route =
      options_.routes.Decide(preflight ? preflight_method : method, path);
  if (!route.allow) return Answer(403, route.matched ? "ROUTE_DENIED" : "NO_ROUTE");
  if (preflight) return Preflight(request, origin_header, preflight_method);

  if (!presented.ok()) return Answer(401, "MALFORMED");
  std::string from_query;
  std::string_view secret = presented->secret();
  if (!presented->present() && !options_.key_query_param.empty()) {
    auto param = url->params().find(options_.key_query_param);
    if (param != url->params().end() && (*param).has_value) {
      from_query = (*param).value;
      secret = from_query;
    }
  }
  if (secret.empty()) return Answer(401, "NO_KEY");

  std::string client = http::ClientAddress(request, options_.trusted_proxies);
  std::vector<std::string_view> scopes(route.scopes.begin(), route.scopes.end());
  std::optional<service::DataRequest> data;
  if (route.data == "read") data = service::DataRequest::kRead;
  if (route.data == "write") data = service::DataRequest::kWrite;
  std::optional<std::string_view> origin, referrer, resource, namespace_id, claimed;
  if (!origin_header.empty()) origin = origin_header;
  if (auto r = request.Header("Referer"); !r.empty()) referrer = r;
  if (route.resource) resource = *route.resource;
  if (route.namespace_id) namespace_id = *route.namespace_id;
  if (presented->basic_user()) claimed = *presented->basic_user();
  service::VerifyResult result = verifier_.Verify({.key = secret,
                                                   .namespace_id = namespace_id,
                                                   .claimed_id = claimed,
                                                   .scopes = scopes,
                                                   .ip = client,
                                                   .origin = origin,
                                                   .referrer = referrer,
                                                   .resource = resource,
                                                   .data = data,
                                                   .caller_address = client});
  ApiResponse response = Answer(StatusOf(result.code), service::VerifyCodeName(result.code));
  if (result.entry) response.key_id = crypto::PublicKeyId(result.id_chars);
  if (result.code == VerifyCode::kRateLimited && result.rate) {
    response.headers.emplace_back("Retry-After",
                                  std::to_string((result.rate->reset_ms + 999) / 1000));
  }
  // CORS: a page may read the answer (allowed or not) only when the key it presented allows
  // its origin.
  if (!origin_header.empty()) {
    if (result.entry && service::BrowserOriginAllowed(*result.entry->grant, origin_header)) {
      response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin_header));
    }
    response.headers.emplace_back("Vary", "Origin");
  }
  if (result.valid()) {
    const index::KeyEntry& key = *result.entry;
    response.headers.emplace_back("X-Latchkey-Key-Id", response.key_id);
    response.headers.emplace_back("X-Latchkey-Owner", key.owner_id);
    response.headers.emplace_back("X-Latchkey-Namespace", key.namespace_id);
    response.headers.emplace_back(
        "X-Latchkey-Scopes", Joined(service::EffectiveScopes(key, result.bounds(), namespace_id)));
  }
  return response;
}

}  // namespace latchkey::http
