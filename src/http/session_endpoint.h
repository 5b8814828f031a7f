#pragma once
// SessionEndpoint: the web console's sign-in endpoints and cookie authentication (docs/console.md,
// docs/http_api.md "Sessions"):
//   POST   /v1/sessions          {"name", "password"} -> 201 the session, and its cookie
//   GET    /v1/sessions/current  -> 200 the session of the cookie (so a reloaded page recovers
//                                   its CSRF token), or 401
//   DELETE /v1/sessions/current  -> 204, the cookie cleared (also when it had ended already);
//                                   a live session must send its X-CSRF-Token, else 403
// and, for every other management call that presents no other credential, the Caller of the
// request's session cookie, with the CSRF check of any method but GET and HEAD.
//
// The cookie: `latchkey_session=<secret>; Path=/; HttpOnly; SameSite=Strict; Max-Age=<ttl>`,
// plus `Secure` when the request reached a TLS-terminating proxy (`X-Forwarded-Proto: https`).
// Sessions belong to the console, which this server serves itself: a cross-origin request (an
// Origin other than the server's own) can neither sign in nor use a session (403), which also
// shuts out login CSRF. Answers that carry a CSRF token are marked `Cache-Control: no-store`.
// Ownership: borrows the service. Thread-safety: the management thread only, like the service.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "http/message.h"
#include "service/caller.h"
#include "service/session_service.h"

namespace latchkey::http {

inline constexpr std::string_view kSessionCookieName = "latchkey_session";

// The value of the first cookie named `name` in a Cookie header ("a=1; latchkey_session=x"),
// with surrounding spaces and double quotes removed; std::nullopt when there is none.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

// A Set-Cookie value for the session cookie: `value` for `max_age_seconds` (0 clears it).
std::string SessionSetCookie(std::string_view value, std::int64_t max_age_seconds, bool secure);

class SessionEndpoint {
 public:
  explicit SessionEndpoint(service::SessionService& sessions) : sessions_(sessions) {}

  // True for /v1/sessions and the paths below it, which Handle answers.
  static bool Owns(std::string_view path);
  // Answers a request for a path it Owns (404 for unknown ones, 405 with Allow for another
  // method). `cross_origin`: the request has an Origin that is not the server's own.
  ApiResponse Handle(const ApiRequest& request, bool cross_origin);

  // True when the request carries a non-empty session cookie.
  static bool HasSessionCookie(const ApiRequest& request);
  // The Caller of a management call authenticated by its session cookie: kUnauthenticated when
  // the session has ended, kPermissionDenied for a cross-origin request, kCsrfFailed for a
  // method other than GET and HEAD without the session's token in X-CSRF-Token.
  Result<service::Caller> Authenticate(const ApiRequest& request, bool cross_origin);

 private:
  ApiResponse SignIn(const ApiRequest& request);
  ApiResponse Current(const ApiRequest& request);
  ApiResponse SignOut(const ApiRequest& request);

  service::SessionService& sessions_;
};

}  // namespace latchkey::http
