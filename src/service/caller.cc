#include "service/caller.h"

#include "crypto/key_format.h"

namespace latchkey::service {

Status AccessPolicy::Authorize(const Caller& caller, std::string_view permission,
                               std::string_view namespace_id) const {
  if (caller.key_type == domain::KeyType::kManagement && !namespace_id.empty() &&
      namespace_id != caller.key_namespace) {
    return PermissionDenied("this management key is bound to namespace " + caller.key_namespace);
  }
  if (caller.superuser) return Status::Ok();
  std::string where = namespace_id.empty() ? "" : " in namespace " + std::string(namespace_id);
  return PermissionDenied("missing permission " + std::string(permission) + where);
}

Result<Caller> Authenticator::Authenticate(std::string_view secret,
                                           std::optional<std::string_view> basic_user) const {
  if (secret.empty())
    return Unauthenticated("a personal access token or management key is required");
  VerifyResult result = verifier_.Verify({.key = secret, .claimed_id = basic_user});
  if (!result.valid()) {
    return Unauthenticated("the credential is not valid (" +
                           std::string(VerifyCodeName(result.code)) + ")");
  }
  std::string key_id = crypto::PublicKeyId(result.id_chars);
  const index::KeyEntry& key = *result.entry;
  if (key.type == domain::KeyType::kStandard) {
    return PermissionDenied("standard keys cannot call the management API");
  }
  auto owner = verifier_.index().FindPrincipal(key.owner_id);
  return Caller{.principal_id = key.owner_id,
                .key_id = std::move(key_id),
                .key_type = key.type,
                .key_namespace = key.namespace_id,
                .superuser = owner && owner->superuser};
}

}  // namespace latchkey::service
