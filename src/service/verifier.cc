#include "service/verifier.h"

#include "crypto/key_format.h"

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
  } else if (auto owner = index_.FindPrincipal(key.owner_id);
             !owner || owner->status != domain::PrincipalStatus::kActive) {
    result.code = VerifyCode::kDisabled;
  } else if (request.namespace_id && key.type != domain::KeyType::kPersonal &&
             *request.namespace_id != key.namespace_id) {
    result.code = VerifyCode::kWrongNamespace;
  } else {
    result.code = VerifyCode::kValid;
  }
  return result;
}

}  // namespace latchkey::service
