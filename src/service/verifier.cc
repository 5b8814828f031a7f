#include "service/verifier.h"

#include <algorithm>

#include "crypto/key_format.h"
#include "domain/permission.h"

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
    case VerifyCode::kInsufficientScope:
      return "INSUFFICIENT_SCOPE";
    case VerifyCode::kValid:
      return "VALID";
  }
  return "MALFORMED";
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
  // A wrong secret for a known id is NOT_FOUND: nothing about the key is revealed to a caller
  // that cannot prove it holds the secret.
  if (!entry || !crypto::ConstantTimeEqual(hasher_.Digest(request.key), entry->digest)) {
    result.code = VerifyCode::kNotFound;
    return result;
  }
  result.entry = std::move(entry);
  const index::KeyEntry& key = *result.entry;
  if (key.status == domain::KeyStatus::kRevoked) {
    result.code = VerifyCode::kRevoked;
  } else if (key.expires_at <= clock_.NowMillis()) {
    result.code = VerifyCode::kExpired;
  } else if (key.status == domain::KeyStatus::kDisabled) {
    result.code = VerifyCode::kDisabled;
  } else if (result.owner = index_.FindPrincipal(key.owner_id);
             !result.owner || result.owner->status != domain::PrincipalStatus::kActive) {
    result.code = VerifyCode::kDisabled;
  } else if (request.namespace_id && key.type != domain::KeyType::kPersonal &&
             *request.namespace_id != key.namespace_id) {
    result.code = VerifyCode::kWrongNamespace;
  } else if (!std::all_of(request.scopes.begin(), request.scopes.end(), [&](std::string_view s) {
               return EffectivelyGrants(key, *result.owner, request.namespace_id, s);
             })) {
    result.code = VerifyCode::kInsufficientScope;
  } else {
    result.code = VerifyCode::kValid;
  }
  return result;
}

namespace {

// The owner's capabilities that bound `key`: nullptr means `*` (a superuser).
const std::vector<std::string>* OwnerCapabilities(const index::KeyEntry& key,
                                                  const index::PrincipalEntry& owner,
                                                  std::optional<std::string_view> namespace_id,
                                                  std::vector<std::string>& storage) {
  static const std::vector<std::string> kNone;
  if (owner.superuser) return nullptr;
  if (key.type != domain::KeyType::kPersonal) {
    const auto* caps = owner.capabilities->In(key.namespace_id);
    return caps ? caps : &kNone;
  }
  if (namespace_id) {
    const auto* caps = owner.capabilities->In(*namespace_id);
    return caps ? caps : &kNone;
  }
  storage = owner.capabilities->Anywhere();
  return &storage;
}

}  // namespace

std::vector<std::string> EffectiveScopes(const index::KeyEntry& key,
                                         const index::PrincipalEntry& owner,
                                         std::optional<std::string_view> namespace_id) {
  std::vector<std::string> storage;
  const auto* caps = OwnerCapabilities(key, owner, namespace_id, storage);
  if (!caps) return *key.scopes;
  return domain::Intersect(*key.scopes, *caps);
}

bool EffectivelyGrants(const index::KeyEntry& key, const index::PrincipalEntry& owner,
                       std::optional<std::string_view> namespace_id, std::string_view permission) {
  if (!domain::IsValidPermission(permission)) return false;
  if (!domain::AnyGrants(*key.scopes, permission)) return false;
  std::vector<std::string> storage;
  const auto* caps = OwnerCapabilities(key, owner, namespace_id, storage);
  return !caps || domain::AnyGrants(*caps, permission);
}

}  // namespace latchkey::service
