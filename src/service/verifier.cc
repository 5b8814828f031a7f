#include "service/verifier.h"

#include <algorithm>

#include "crypto/key_format.h"
#include "domain/permission.h"
#include "domain/resource_pattern.h"
#include "domain/web_origin.h"
#include "service/usage_history.h"

namespace latchkey::service {

std::string_view VerifyCodeName(VerifyCode code) {
  switch (code) {
    case VerifyCode::kMalformed:
      return "MALFORMED";
    case VerifyCode::kNotFound:
      return "NOT_FOUND";
    case VerifyCode::kRevoked:
      return "REVOKED";
    case VerifyCode::kExpired:
      return "EXPIRED";
    case VerifyCode::kDisabled:
      return "DISABLED";
    case VerifyCode::kWrongNamespace:
      return "WRONG_NAMESPACE";
    case VerifyCode::kIpNotAllowed:
      return "IP_NOT_ALLOWED";
    case VerifyCode::kOriginNotAllowed:
      return "ORIGIN_NOT_ALLOWED";
    case VerifyCode::kResourceNotAllowed:
      return "RESOURCE_NOT_ALLOWED";
    case VerifyCode::kDataAccessDenied:
      return "DATA_ACCESS_DENIED";
    case VerifyCode::kInsufficientScope:
      return "INSUFFICIENT_SCOPE";
    case VerifyCode::kRateLimited:
      return "RATE_LIMITED";
    case VerifyCode::kUsageExceeded:
      return "USAGE_EXCEEDED";
    case VerifyCode::kValid:
      return "VALID";
  }
  return "MALFORMED";
}

namespace {

bool IpAllowed(const index::KeyGrant& grant, std::optional<std::string_view> ip) {
  if (!grant.allowed_ips) return true;
  if (!ip) return false;  // a key limited to some addresses needs to be told the address
  auto address = domain::IpAddress::Parse(*ip);
  return address && domain::AnyRangeContains(*grant.allowed_ips, *address);
}

bool OriginAllowed(const index::KeyGrant& grant, std::optional<std::string_view> origin,
                   std::optional<std::string_view> referrer) {
  if (!origin && !referrer) return grant.origins.native;
  return (!origin || BrowserOriginAllowed(grant, *origin)) &&
         (!referrer || BrowserOriginAllowed(grant, *referrer));
}

bool DataAllowed(domain::DataAccess granted, DataRequest wanted) {
  if (wanted == DataRequest::kRead) return granted != domain::DataAccess::kNone;
  return granted == domain::DataAccess::kReadWrite;
}

}  // namespace

bool BrowserOriginAllowed(const index::KeyGrant& grant, std::string_view origin) {
  if (!grant.origins.browser) return false;
  const auto& referrers = grant.origins.referrers;
  if (referrers.empty()) return true;
  auto parsed = domain::ParseWebOrigin(origin);
  return parsed && std::any_of(referrers.begin(), referrers.end(), [&](const std::string& p) {
           return domain::HostPatternMatches(p, *parsed);
         });
}

// The usage controls, last in DESIGN §5's order: the rate limit counts the call, then the
// quota is spent (only when the rate allowed it), then the use is recorded.
VerifyCode Verifier::Meter(const index::KeyEntry& key, const index::KeyIdChars& id,
                           const VerifyRequest& request, domain::UnixMillis now,
                           VerifyResult& result) const {
  if (key.grant->rate_limit) {
    result.rate = usage_->CheckRate(id, *key.grant->rate_limit);
    if (!result.rate->allowed) return VerifyCode::kRateLimited;
  }
  if (key.grant->quota) {
    result.quota = usage_->Spend(id, *key.grant->quota, request.cost);
    if (!result.quota->allowed) return VerifyCode::kUsageExceeded;
  }
  usage_->RecordUse(id, now, request.ip.value_or(request.caller_address));
  return VerifyCode::kValid;
}

VerifyResult Verifier::Verify(const VerifyRequest& request) const {
  VerifyResult result;
  std::optional<crypto::ParsedKey> parsed = crypto::ParseKey(request.key);
  if (!parsed) return result;  // MALFORMED, decided offline
  result.id_chars = parsed->id_chars;
  if (request.claimed_id && crypto::IdCharsFromPublicId(*request.claimed_id) != parsed->id_chars) {
    result.code = VerifyCode::kNotFound;
    return result;
  }

  index::KeyIndex::KeyRef entry = index_.FindKey(parsed->id_chars);
  index::KeyIdChars id;
  std::copy_n(parsed->id_chars.data(), id.size(), id.begin());
  // The history's slot of the key is out of cache when many keys are in use: the HMAC below
  // (~330 ns) hides the miss.
  if (entry && history_) history_->Prefetch(id);
  // A wrong secret for a known id is NOT_FOUND: nothing about the key is revealed to a caller
  // that cannot prove it holds the secret.
  if (!entry || !crypto::ConstantTimeEqual(hasher_.Digest(request.key), entry->digest)) {
    result.code = VerifyCode::kNotFound;
    return result;
  }
  result.entry = std::move(entry);
  const index::KeyEntry& key = *result.entry;
  // One reading of the clock for the expiry, the last use and the history.
  const domain::UnixMillis now = clock_.NowMillis();
  if (key.status == domain::KeyStatus::kRevoked) {
    result.code = VerifyCode::kRevoked;
  } else if (key.expires_at <= now) {
    result.code = VerifyCode::kExpired;
  } else if (key.status == domain::KeyStatus::kDisabled) {
    result.code = VerifyCode::kDisabled;
  } else if (result.owner = index_.FindPrincipal(key.owner_id);
             !result.owner || result.owner->status != domain::PrincipalStatus::kActive) {
    result.code = VerifyCode::kDisabled;
  } else if (request.namespace_id && key.type != domain::KeyType::kPersonal &&
             *request.namespace_id != key.namespace_id) {
    result.code = VerifyCode::kWrongNamespace;
  } else if (!IpAllowed(*key.grant, request.ip)) {
    result.code = VerifyCode::kIpNotAllowed;
  } else if (!OriginAllowed(*key.grant, request.origin, request.referrer)) {
    result.code = VerifyCode::kOriginNotAllowed;
  } else if (request.resource &&
             !domain::AnyResourceMatches(key.grant->resources, *request.resource)) {
    result.code = VerifyCode::kResourceNotAllowed;
  } else if (request.data && !DataAllowed(key.grant->data_access, *request.data)) {
    result.code = VerifyCode::kDataAccessDenied;
  } else {
    if (!key.grant->creator.empty()) result.creator = index_.FindPrincipal(key.grant->creator);
    bool granted = std::all_of(request.scopes.begin(), request.scopes.end(), [&](auto scope) {
      return EffectivelyGrants(key, result.bounds(), request.namespace_id, scope);
    });
    result.code = granted ? VerifyCode::kValid : VerifyCode::kInsufficientScope;
    if (granted && usage_) result.code = Meter(key, id, request, now, result);
  }
  if (history_) history_->Record(id, result.code, now);
  return result;
}

namespace {

const std::vector<std::string> kNoCapabilities;

// The capabilities of `p` that bound `key`: nullptr means `*` (a superuser).
const std::vector<std::string>* CapabilitiesFor(const index::KeyEntry& key,
                                                const index::PrincipalEntry* p,
                                                std::optional<std::string_view> namespace_id,
                                                std::vector<std::string>& storage) {
  if (!p || p->status != domain::PrincipalStatus::kActive) return &kNoCapabilities;
  if (p->superuser) return nullptr;
  if (key.type != domain::KeyType::kPersonal || namespace_id) {
    const auto* caps = p->capabilities->In(key.type != domain::KeyType::kPersonal
                                               ? std::string_view(key.namespace_id)
                                               : *namespace_id);
    return caps ? caps : &kNoCapabilities;
  }
  storage = p->capabilities->Anywhere();
  return &storage;
}

}  // namespace

std::vector<std::string> EffectiveScopes(const index::KeyEntry& key, const KeyBounds& bounds,
                                         std::optional<std::string_view> namespace_id) {
  std::vector<std::string> owner_storage, creator_storage;
  std::vector<std::string> effective = key.grant->scopes;
  if (const auto* caps = CapabilitiesFor(key, bounds.owner, namespace_id, owner_storage)) {
    effective = domain::Intersect(effective, *caps);
  }
  if (bounds.creator_bound) {
    if (const auto* caps = CapabilitiesFor(key, bounds.creator, namespace_id, creator_storage)) {
      effective = domain::Intersect(effective, *caps);
    }
  }
  return effective;
}

bool EffectivelyGrants(const index::KeyEntry& key, const KeyBounds& bounds,
                       std::optional<std::string_view> namespace_id, std::string_view permission) {
  if (!domain::IsValidPermission(permission)) return false;
  if (!domain::AnyGrants(key.grant->scopes, permission)) return false;
  std::vector<std::string> storage;
  const auto* owner_caps = CapabilitiesFor(key, bounds.owner, namespace_id, storage);
  if (owner_caps && !domain::AnyGrants(*owner_caps, permission)) return false;
  if (!bounds.creator_bound) return true;
  const auto* creator_caps = CapabilitiesFor(key, bounds.creator, namespace_id, storage);
  return !creator_caps || domain::AnyGrants(*creator_caps, permission);
}

}  // namespace latchkey::service
