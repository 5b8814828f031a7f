#include "service/key_service.h"

#include "crypto/key_format.h"
#include "domain/permission.h"
#include "service/validation.h"

namespace latchkey::service {
namespace {

using domain::ApiKey;
using domain::KeyStatus;
using domain::KeyType;

std::string_view NamespaceOf(const ApiKey& key) {
  return key.namespace_id ? std::string_view(*key.namespace_id) : std::string_view();
}

// A missing key and a key the caller may not see look the same.
Status KeyNotFound(const std::string& id) { return NotFound("no key " + id.substr(0, 64)); }

Result<ApiKey> LoadKey(store::Transaction& tx, const std::string& id) {
  auto found = tx.GetKey(id);
  if (!found.ok() && found.status().code() == ErrorCode::kNotFound) return KeyNotFound(id);
  return found;
}

}  // namespace

CreatedKey KeyService::NewKey(const ServiceContext& ctx, const CreateKeyInput& input,
                              const std::string& owner_id, const std::string& created_by) {
  std::string prefix = input.prefix.value_or(std::string(crypto::kDefaultPrefix));
  crypto::GeneratedKey generated = crypto::GenerateKey(prefix, ctx.random);
  domain::UnixMillis now = ctx.clock.NowMillis();
  ApiKey key;
  key.id = generated.id;
  key.name = input.name;
  key.description = input.description.value_or("");
  key.type = input.type.value_or(KeyType::kStandard);
  key.owner_id = owner_id;
  key.namespace_id = input.namespace_id;
  key.scopes = input.scopes.value_or(std::vector<std::string>{"*"});
  key.expires_at = input.expires_at;
  key.meta_json = input.meta_json.value_or("{}");
  key.prefix = prefix;
  key.hint = generated.hint;
  key.digest = ctx.hasher.Digest(generated.key);
  key.created_at = key.updated_at = now;
  key.created_by = created_by;
  return CreatedKey{std::move(key), std::move(generated.key)};
}

Status KeyService::Validate(const CreateKeyInput& input) const {
  LK_RETURN_IF_ERROR(CheckName("name", input.name));
  if (input.description) {
    LK_RETURN_IF_ERROR(CheckText("description", *input.description, kMaxDescriptionLength));
  }
  KeyType type = input.type.value_or(KeyType::kStandard);
  if (type == KeyType::kPersonal && input.namespace_id) {
    return InvalidField("namespace", "personal access tokens are not bound to a namespace");
  }
  if (type != KeyType::kPersonal && !input.namespace_id) {
    return InvalidField("namespace", "namespace is required for standard and management keys");
  }
  if (input.expires_at && *input.expires_at <= ctx_.clock.NowMillis()) {
    return InvalidField("expires_at", "expires_at must be in the future");
  }
  if (input.prefix && !crypto::IsValidPrefix(*input.prefix)) {
    return InvalidField("prefix", "prefix must match ^[a-z][a-z0-9_]{0,15}$");
  }
  if (input.meta_json && input.meta_json->size() > kMaxMetaBytes) {
    return InvalidField("meta", "meta is larger than 16 KiB");
  }
  return Status::Ok();
}

Result<CreatedKey> KeyService::Create(const Caller& caller, CreateKeyInput input) {
  LK_RETURN_IF_ERROR(Validate(input));
  if (input.scopes) {
    LK_ASSIGN_OR_RETURN(input.scopes, domain::NormalizeScopes(*input.scopes, "scopes"));
  }
  std::string owner_id = input.owner.value_or(caller.principal_id);
  LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "keys:create", input.namespace_id.value_or("")));
  CreatedKey created;
  LK_RETURN_IF_ERROR(ctx_.store.Write([&](store::Transaction& tx) -> Status {
    auto owner = tx.GetPrincipal(owner_id);
    if (!owner.ok()) return InvalidField("owner", "no principal " + owner_id.substr(0, 64));
    if (input.type == KeyType::kPersonal && owner->kind != domain::PrincipalKind::kUser) {
      return InvalidField("type", "personal access tokens belong to users, not service accounts");
    }
    if (input.namespace_id) {
      auto ns = tx.GetNamespace(*input.namespace_id);
      if (!ns.ok())
        return InvalidField("namespace", "no namespace " + input.namespace_id->substr(0, 64));
      if (!input.prefix && !ns->settings.default_key_prefix.empty()) {
        input.prefix = ns->settings.default_key_prefix;
      }
    }
    created = NewKey(ctx_, input, owner_id, caller.principal_id);
    return tx.InsertKey(created.key);
  }));
  ctx_.index.PutKey(created.key);
  return created;
}

Status KeyService::CheckReadable(const Caller& caller, const ApiKey& key) const {
  if (!ctx_.policy.Authorize(caller, "keys:read", NamespaceOf(key)).ok()) {
    return KeyNotFound(key.id);
  }
  return Status::Ok();
}

Result<ApiKey> KeyService::Get(const Caller& caller, const std::string& id) {
  ApiKey key;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, id));
    return Status::Ok();
  }));
  LK_RETURN_IF_ERROR(CheckReadable(caller, key));
  return key;
}

Result<ApiKey> KeyService::Self(const Caller& caller) {
  ApiKey key;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, caller.key_id));
    return Status::Ok();
  }));
  return key;
}

Result<store::Page<ApiKey>> KeyService::List(const Caller& caller, store::KeyFilter filter,
                                             const store::PageRequest& page) {
  if (caller.key_type == KeyType::kManagement && !filter.namespace_id) {
    filter.namespace_id = caller.key_namespace;  // a management key sees its namespace only
  }
  LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "keys:read", filter.namespace_id.value_or("")));
  store::Page<ApiKey> result;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(result, tx.ListKeys(filter, page));
    return Status::Ok();
  }));
  return result;
}

Result<ApiKey> KeyService::Update(const Caller& caller, const std::string& id,
                                  UpdateKeyInput input) {
  if (input.name) LK_RETURN_IF_ERROR(CheckName("name", *input.name));
  if (input.description) {
    LK_RETURN_IF_ERROR(CheckText("description", *input.description, kMaxDescriptionLength));
  }
  if (input.scopes) {
    LK_ASSIGN_OR_RETURN(input.scopes, domain::NormalizeScopes(*input.scopes, "scopes"));
  }
  if (input.meta_json && input.meta_json->size() > kMaxMetaBytes) {
    return InvalidField("meta", "meta is larger than 16 KiB");
  }
  ApiKey key;
  LK_RETURN_IF_ERROR(ctx_.store.Write([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, key));
    LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "keys:update", NamespaceOf(key)));
    if (input.name) key.name = *input.name;
    if (input.description) key.description = *input.description;
    if (input.scopes) key.scopes = *input.scopes;
    if (input.meta_json) key.meta_json = *input.meta_json;
    key.updated_at = ctx_.clock.NowMillis();
    return tx.UpdateKey(key);
  }));
  ctx_.index.PutKey(key);
  return key;
}

Result<ApiKey> KeyService::Apply(const Caller& caller, const std::string& id, KeyAction action) {
  ApiKey key;
  bool changed = false;
  LK_RETURN_IF_ERROR(ctx_.store.Write([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, key));
    std::string_view permission = action == KeyAction::kRevoke ? "keys:revoke" : "keys:update";
    LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, permission, NamespaceOf(key)));
    if (key.status == KeyStatus::kRevoked) {
      if (action == KeyAction::kRevoke) return Status::Ok();  // revoking twice is a no-op
      return Conflict("the key is revoked; a revoked key cannot be enabled or disabled");
    }
    domain::UnixMillis now = ctx_.clock.NowMillis();
    switch (action) {
      case KeyAction::kDisable:
        key.status = KeyStatus::kDisabled;
        break;
      case KeyAction::kEnable:
        key.status = KeyStatus::kActive;
        break;
      case KeyAction::kRevoke:
        key.status = KeyStatus::kRevoked;
        key.revoked_at = now;
        break;
    }
    key.updated_at = now;
    changed = true;
    return tx.UpdateKey(key);
  }));
  if (changed) ctx_.index.PutKey(key);
  return key;
}

Status KeyService::Delete(const Caller& caller, const std::string& id) {
  LK_RETURN_IF_ERROR(ctx_.store.Write([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(ApiKey key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, key));
    LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "keys:delete", NamespaceOf(key)));
    return tx.DeleteKey(id);
  }));
  ctx_.index.EraseKeys({id});
  return Status::Ok();
}

}  // namespace latchkey::service
