#pragma once
// SessionService: signing in to the web console and the sessions that gives (docs/console.md,
// "Sessions"). A user with a password signs in with its name (or email) and password and gets a
// session: a random secret for the cookie, stored only as its HMAC digest under the pepper (as
// key secrets are), with an expiry. A request carrying the secret acts as the session's user with
// all of the user's permissions — like a personal access token with scopes {"*"} — and, for any
// method but GET and HEAD, must also carry the session's CSRF token, which is derived from the
// secret (an HMAC under the pepper with its own domain prefix) and never stored.
//
// Sign-in answers every failure — unknown name, wrong password, no password, a disabled user, a
// service account — with the same kUnauthenticated "wrong name or password", after the same
// Argon2id work (an unknown name is checked against a dummy hash), so neither the answer nor its
// time tells which names exist. Failures are throttled per name and per client address
// (SignInThrottle), and audited (`sessions.create`, outcome denied, without the name or the
// password) at most once a minute per name; a sign-in is audited as `sessions.create`, a
// sign-out as `sessions.delete`, each in the transaction of its change.
//
// Sessions end at their expiry (refused from then on, deleted when next presented, and swept at
// every sign-in), at sign-out, when their user is disabled or deleted, and when the user's
// password is set (PrincipalService), except the session that set it.
// Thread-safety: calls are made from the single management thread; the throttles are not locked.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "service/audit.h"
#include "service/context.h"
#include "service/sign_in_throttle.h"

namespace latchkey::service {

struct SessionOptions {
  domain::UnixMillis ttl_ms = 12LL * 60 * 60 * 1000;  // `latchkey serve --session-ttl`
  int max_failures = 5;                               // per name and per address, in one window
  domain::UnixMillis failure_window_ms = 15LL * 60 * 1000;
  std::size_t max_tracked = 10'000;  // names, and addresses, the throttles remember
};

struct SignInInput {
  std::string name;  // the user's name, or its email when no principal has that name
  std::string password;
  std::string source_ip;  // throttled per address; recorded in the audit log
  std::string request_id;
};

// A session as the API shows it (never its secret).
struct SessionInfo {
  domain::Session session;
  domain::Principal principal;
  std::string csrf_token;
};

struct CreatedSession {
  SessionInfo info;
  std::string secret;  // the cookie's value: returned once, never stored
};

class SessionService {
 public:
  SessionService(const ServiceContext& ctx, SessionOptions options)
      : ctx_(ctx),
        audit_(ctx),
        options_(options),
        failures_by_name_(options.max_failures, options.failure_window_ms, options.max_tracked),
        failures_by_address_(options.max_failures, options.failure_window_ms, options.max_tracked) {
  }

  const SessionOptions& options() const { return options_; }

  // Signs a user in. kUnauthenticated "wrong name or password" for every refusal (see above);
  // kRateLimited while the name or the address is throttled (RetryAfterSeconds says how long),
  // without checking the password; kUnavailable/kInternal when the store fails.
  Result<CreatedSession> SignIn(const SignInInput& input);
  // Whole seconds until `input`'s name and address may both try again; 0 when they may now.
  std::int64_t RetryAfterSeconds(const SignInInput& input) const;

  // The Caller of the session whose cookie secret is `secret` (Caller::session set). Refuses
  // with kUnauthenticated "the session has expired or was signed out" an unknown secret, an
  // expired session (deleting it) and a session whose user is disabled or gone.
  Result<Caller> Authenticate(std::string_view secret);
  // The CSRF token of the session with this secret.
  std::string CsrfToken(std::string_view secret) const;
  // True when `token` is CsrfToken(secret); compared in constant time.
  bool CsrfTokenMatches(std::string_view secret, std::string_view token) const;

  // The session of `caller` (authenticated by Authenticate with `secret`) as the API shows it.
  Result<SessionInfo> Describe(const Caller& caller, std::string_view secret);
  // Ends the session of `caller` (audited as sessions.delete). OK if it has ended meanwhile.
  Status SignOut(const Caller& caller);

 private:
  struct Candidate;  // who a sign-in names, and that user's password hash
  Result<Candidate> FindCandidate(const std::string& name);
  Status RefuseSignIn(const SignInInput& input, const Candidate& candidate, domain::UnixMillis now);
  Result<CreatedSession> StartSession(const SignInInput& input, const domain::Principal& user,
                                      domain::UnixMillis now);
  domain::UnixMillis RetryAfterMillis(const SignInInput& input, domain::UnixMillis now) const;
  // A hash of a random password, computed on first use (once per process).
  const std::string& DummyHash();

  const ServiceContext& ctx_;
  AuditLog audit_;
  const SessionOptions options_;
  SignInThrottle failures_by_name_;
  SignInThrottle failures_by_address_;
  std::unordered_map<std::string, domain::UnixMillis> failure_audited_at_;  // by name
  std::string dummy_hash_;
};

}  // namespace latchkey::service
