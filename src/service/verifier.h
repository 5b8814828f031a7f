#pragma once
// Verifier: the hot path of DESIGN §5. Decides a key's verification code from the in-memory
// KeyIndex alone — no store access, no locks a writer holds, no allocation on the common path.
// A malformed key (shape or checksum) is decided before any index lookup.
// Thread-safety: Verify is const and may run on any number of threads at once.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hmac.h"
#include "domain/clock.h"
#include "index/key_index.h"
#include "service/usage_meter.h"

namespace latchkey::service {

// In the order they are checked (DESIGN §5).
enum class VerifyCode {
  kMalformed,
  kNotFound,
  kRevoked,
  kExpired,
  kDisabled,
  kWrongNamespace,
  kIpNotAllowed,
  kOriginNotAllowed,
  kResourceNotAllowed,
  kDataAccessDenied,
  kInsufficientScope,
  kRateLimited,
  kUsageExceeded,
  kValid
};

enum class DataRequest { kRead, kWrite };
std::string_view VerifyCodeName(VerifyCode code);

struct VerifyRequest {
  std::string_view key;                          // the presented secret
  std::optional<std::string_view> namespace_id;  // the namespace the caller requires
  // The public key id the caller claims (the user name of HTTP Basic credentials); a key whose
  // id differs is NOT_FOUND.
  std::optional<std::string_view> claimed_id;
  // Permissions the caller requires; each must be granted by the key's effective scopes.
  std::span<const std::string_view> scopes;
  // The restrictions' inputs (DESIGN §5). A call with `origin` or `referrer` is a browser call;
  // without either, a native one. A key with an IP allow-list needs `ip`; `resource` and
  // `data` are checked only when given.
  std::optional<std::string_view> ip;
  std::optional<std::string_view> origin;
  std::optional<std::string_view> referrer;
  std::optional<std::string_view> resource;
  std::optional<DataRequest> data;
  // Units of the key's quota this call spends (a check of the other codes spends nothing).
  std::int64_t cost = 1;
  // Where the verify call came from, recorded as the key's last use when `ip` is not given.
  std::string_view caller_address;
};

// The principals whose capabilities bound a key besides its scopes (DESIGN §4.1, §1.2).
struct KeyBounds {
  const index::PrincipalEntry* owner = nullptr;  // must be set
  // For a key a non-superuser made for someone else (KeyGrant::creator): the creator, whose
  // current capabilities bound the key too. A creator that is gone or disabled holds nothing.
  bool creator_bound = false;
  const index::PrincipalEntry* creator = nullptr;
};

struct VerifyResult {
  VerifyCode code = VerifyCode::kMalformed;
  std::string_view id_chars;      // the key's 16 id characters (a view into the request's key)
  index::KeyIndex::KeyRef entry;  // set when the key was found and its secret matched
  index::KeyIndex::PrincipalRef owner;    // set with `entry` when the owner is in the index
  index::KeyIndex::PrincipalRef creator;  // set when the key is bounded by its creator too
  std::optional<RateDecision> rate;       // when the key has a rate limit and got that far
  std::optional<QuotaDecision> quota;     // when the key has a quota and got that far
  bool valid() const { return code == VerifyCode::kValid; }
  // Requires `entry` and `owner`.
  KeyBounds bounds() const {
    return {.owner = &*owner,
            .creator_bound = !entry->grant->creator.empty(),
            .creator = creator ? &*creator : nullptr};
  }
};

// effective(key) = key.scopes ∩ the owner's current capabilities in the key's namespace
// (DESIGN §4.1) [∩ the creator's, for a key a non-superuser made for someone else]; a
// superuser holds `*` everywhere. A personal token is user-wide: its namespace is
// `namespace_id` when the caller names one, else it reaches the capabilities in every
// namespace together.
std::vector<std::string> EffectiveScopes(const index::KeyEntry& key, const KeyBounds& bounds,
                                         std::optional<std::string_view> namespace_id);

// True when `permission` is within EffectiveScopes(key, bounds, namespace_id), without building
// the list.
bool EffectivelyGrants(const index::KeyEntry& key, const KeyBounds& bounds,
                       std::optional<std::string_view> namespace_id, std::string_view permission);

// True when a browser page at `origin` (an Origin header or a referrer URL) may use a key with
// `grant`: browser calls allowed, and the host among the referrer patterns when there are any.
bool BrowserOriginAllowed(const index::KeyGrant& grant, std::string_view origin);

class UsageHistory;

class Verifier {
 public:
  // Without a `usage` meter, rate limits and quotas are not enforced (tools, tests). With a
  // `history`, every verification of a key that was found is counted there by its code.
  Verifier(const index::KeyIndex& index, const crypto::SecretHasher& hasher,
           const domain::Clock& clock, UsageMeter* usage = nullptr, UsageHistory* history = nullptr)
      : index_(index), hasher_(hasher), clock_(clock), usage_(usage), history_(history) {}

  VerifyResult Verify(const VerifyRequest& request) const;
  const index::KeyIndex& index() const { return index_; }

 private:
  VerifyCode Meter(const index::KeyEntry& key, const index::KeyIdChars& id,
                   const VerifyRequest& request, domain::UnixMillis now,
                   VerifyResult& result) const;

  const index::KeyIndex& index_;
  const crypto::SecretHasher& hasher_;
  const domain::Clock& clock_;
  UsageMeter* usage_;
  UsageHistory* history_;
};

}  // namespace latchkey::service
