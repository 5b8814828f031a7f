#include "service/session_service.h"

#include <algorithm>
#include <array>

#include "crypto/hmac.h"
#include "crypto/password.h"
#include "crypto/random.h"

namespace latchkey::service {
namespace {

// 43 base62 characters: 256 bits of randomness, like the random part of a key.
constexpr std::size_t kSecretChars = 43;
// Failed sign-ins are audited at most this often per name.
constexpr domain::UnixMillis kFailureAuditInterval = 60'000;
constexpr std::string_view kWrongNameOrPassword = "wrong name or password";
// Domain separation: the CSRF token is an HMAC under the pepper of the secret with this prefix,
// so it differs from the stored digest (the HMAC of the secret alone) and reveals nothing of it.
constexpr std::string_view kCsrfPrefix = "csrf:";
constexpr std::string_view kHexDigits = "0123456789abcdef";

Status SessionEnded() { return Unauthenticated("the session has expired or was signed out"); }

bool IsWellFormedSecret(std::string_view secret) {
  return secret.size() == kSecretChars && std::all_of(secret.begin(), secret.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
         });
}

std::string Hex(const domain::Digest& digest) {
  std::string out;
  out.reserve(digest.size() * 2);
  for (std::uint8_t byte : digest) {
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 0xf];
  }
  return out;
}

// The digest that `hex` (lowercase, as Hex writes it) spells, or std::nullopt.
std::optional<domain::Digest> ParseHex(std::string_view hex) {
  domain::Digest digest;
  if (hex.size() != digest.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    std::size_t high = kHexDigits.find(hex[2 * i]);
    std::size_t low = kHexDigits.find(hex[2 * i + 1]);
    if (high == std::string_view::npos || low == std::string_view::npos) return std::nullopt;
    digest[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return digest;
}

}  // namespace

struct SessionService::Candidate {
  std::optional<domain::Principal> principal;  // the principal the name (or email) names
  std::optional<std::string> hash;             // its password hash, when it is a user with one
};

const std::string& SessionService::DummyHash() {
  if (dummy_hash_.empty()) {
    // A random password nobody knows: verifying against it costs what a real check costs. When
    // libsodium cannot hash (out of memory), it is tried again next time; a real check would
    // fail then too.
    auto hash = crypto::HashPassword(crypto::RandomBase62(ctx_.random, kSecretChars));
    if (hash.ok()) dummy_hash_ = std::move(*hash);
  }
  return dummy_hash_;
}

domain::UnixMillis SessionService::RetryAfterMillis(const SignInInput& input,
                                                    domain::UnixMillis now) const {
  return std::max(failures_by_name_.RetryAfter(input.name, now),
                  failures_by_address_.RetryAfter(input.source_ip, now));
}

std::int64_t SessionService::RetryAfterSeconds(const SignInInput& input) const {
  domain::UnixMillis ms = RetryAfterMillis(input, ctx_.clock.NowMillis());
  return (ms + 999) / 1000;
}

Result<SessionService::Candidate> SessionService::FindCandidate(const std::string& name) {
  Candidate candidate;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    auto by_name = tx.GetPrincipalByName(name);
    if (by_name.ok()) {
      candidate.principal = std::move(*by_name);
    } else if (by_name.status().code() != ErrorCode::kNotFound) {
      return by_name.status();
    } else if (name.find('@') != std::string::npos) {
      // Emails need not be unique: an address shared by several users signs in none of them.
      store::PrincipalFilter filter{.kind = domain::PrincipalKind::kUser, .email = name};
      LK_ASSIGN_OR_RETURN(auto page, tx.ListPrincipals(filter, {.cursor = "", .limit = 2}));
      if (page.items.size() == 1) candidate.principal = std::move(page.items.front());
    }
    const auto& p = candidate.principal;
    if (!p || p->kind != domain::PrincipalKind::kUser || !p->has_password) return Status::Ok();
    auto hash = tx.GetPasswordHash(p->id);
    if (hash.ok()) {
      candidate.hash = std::move(*hash);
    } else if (hash.status().code() != ErrorCode::kNotFound) {
      return hash.status();
    }
    return Status::Ok();
  }));
  return candidate;
}

Result<CreatedSession> SessionService::SignIn(const SignInInput& input) {
  const domain::UnixMillis now = ctx_.clock.NowMillis();
  if (domain::UnixMillis wait = RetryAfterMillis(input, now); wait > 0) {
    return Status(ErrorCode::kRateLimited, "too many failed sign-ins; try again in " +
                                               std::to_string((wait + 999) / 1000) + " seconds");
  }
  // First, so that the one-time cost of making it falls on whichever sign-in comes first.
  const std::string& dummy = DummyHash();
  LK_ASSIGN_OR_RETURN(Candidate candidate, FindCandidate(input.name));
  // The same Argon2id work whether or not the name matched a user with a password.
  const bool password_matches =
      crypto::VerifyPassword(candidate.hash ? *candidate.hash : dummy, input.password);
  const domain::Principal* user = candidate.principal ? &*candidate.principal : nullptr;
  if (!password_matches || !candidate.hash || !user ||
      user->status != domain::PrincipalStatus::kActive) {
    return RefuseSignIn(input, candidate, now);
  }
  failures_by_name_.Forget(input.name);
  return StartSession(input, *user, now);
}

Status SessionService::RefuseSignIn(const SignInInput& input, const Candidate& candidate,
                                    domain::UnixMillis now) {
  failures_by_name_.RecordFailure(input.name, now);
  failures_by_address_.RecordFailure(input.source_ip, now);
  Status refusal = Unauthenticated(std::string(kWrongNameOrPassword));
  // The name itself is not recorded: people type passwords into name fields.
  auto [it, first] = failure_audited_at_.try_emplace(input.name, now);
  if (first || now - it->second >= kFailureAuditInterval) {
    it->second = now;
    if (failure_audited_at_.size() > options_.max_tracked) failure_audited_at_.clear();
    Caller anonymous;  // no principal, no credential
    anonymous.request_id = input.request_id;
    anonymous.source_ip = input.source_ip;
    const auto& p = candidate.principal;
    audit_.Denied(anonymous, "sessions.create", p ? p->id : "", p ? p->namespace_id : "", refusal);
  }
  return refusal;
}

Result<CreatedSession> SessionService::StartSession(const SignInInput& input,
                                                    const domain::Principal& user,
                                                    domain::UnixMillis now) {
  CreatedSession created;
  created.secret = crypto::RandomBase62(ctx_.random, kSecretChars);
  domain::Session& session = created.info.session;
  session.id = crypto::NewId("ses", ctx_.random);
  session.digest = ctx_.hasher.Digest(created.secret);
  session.principal_id = user.id;
  session.created_at = now;
  session.expires_at = now + options_.ttl_ms;
  Caller actor;
  actor.principal_id = user.id;
  actor.key_id = session.id;
  actor.request_id = input.request_id;
  actor.source_ip = input.source_ip;
  LK_RETURN_IF_ERROR(
      audit_.Write(actor, "sessions.create", [&](store::Transaction& tx, auto& event) -> Status {
        event.target = session.id;
        event.namespace_id = user.namespace_id;
        LK_RETURN_IF_ERROR(tx.DeleteExpiredSessions(now).status());  // the sweep
        return tx.InsertSession(session);
      }));
  created.info.principal = user;
  created.info.csrf_token = CsrfToken(created.secret);
  return created;
}

Result<Caller> SessionService::Authenticate(std::string_view secret) {
  if (!IsWellFormedSecret(secret)) return SessionEnded();
  const domain::Digest digest = ctx_.hasher.Digest(secret);
  domain::Session session;
  Status found = ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(session, tx.GetSessionByDigest(digest));
    return Status::Ok();
  });
  if (found.code() == ErrorCode::kNotFound) return SessionEnded();
  LK_RETURN_IF_ERROR(found);
  if (session.expires_at <= ctx_.clock.NowMillis()) {
    Status deleted =
        ctx_.store.Write([&](store::Transaction& tx) { return tx.DeleteSession(session.id); });
    if (!deleted.ok() && deleted.code() != ErrorCode::kNotFound) return deleted;
    return SessionEnded();
  }
  // Status and permissions as the verification index has them now, like a token's owner's.
  auto owner = ctx_.index.FindPrincipal(session.principal_id);
  if (!owner || owner->status != domain::PrincipalStatus::kActive) return SessionEnded();
  Caller caller;
  caller.principal_id = session.principal_id;
  caller.key_id = session.id;
  caller.key_type = domain::KeyType::kPersonal;
  caller.key_scopes = {"*"};
  caller.superuser = owner->superuser;
  caller.capabilities = owner->capabilities;
  caller.session = std::move(session);
  return caller;
}

std::string SessionService::CsrfToken(std::string_view secret) const {
  std::string message(kCsrfPrefix);
  message += secret;
  return Hex(ctx_.hasher.Digest(message));
}

bool SessionService::CsrfTokenMatches(std::string_view secret, std::string_view token) const {
  std::optional<domain::Digest> presented = ParseHex(token);
  if (!presented) return false;
  std::string message(kCsrfPrefix);
  message += secret;
  return crypto::ConstantTimeEqual(ctx_.hasher.Digest(message), *presented);
}

Result<SessionInfo> SessionService::Describe(const Caller& caller, std::string_view secret) {
  if (!caller.session) return SessionEnded();
  SessionInfo info;
  info.session = *caller.session;
  Status read = ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(info.principal, tx.GetPrincipal(caller.principal_id));
    return Status::Ok();
  });
  if (read.code() == ErrorCode::kNotFound) return SessionEnded();
  LK_RETURN_IF_ERROR(read);
  info.csrf_token = CsrfToken(secret);
  return info;
}

Status SessionService::SignOut(const Caller& caller) {
  if (!caller.session) return SessionEnded();
  const std::string& id = caller.session->id;
  Status status =
      audit_.Write(caller, "sessions.delete", [&](store::Transaction& tx, auto& event) -> Status {
        event.target = id;
        LK_ASSIGN_OR_RETURN(domain::Principal user, tx.GetPrincipal(caller.principal_id));
        event.namespace_id = user.namespace_id;
        return tx.DeleteSession(id);
      });
  if (status.code() == ErrorCode::kNotFound) return Status::Ok();  // ended meanwhile
  return status;
}

}  // namespace latchkey::service
