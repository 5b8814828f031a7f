#include "service/principal_service.h"

#include "crypto/key_format.h"
#include "service/audit.h"
#include "service/validation.h"

namespace latchkey::service {
namespace {

using domain::Principal;

Status PrincipalNotFound(const std::string& id) {
  return NotFound("no principal " + id.substr(0, 64));
}

Result<Principal> LoadPrincipal(store::Transaction& tx, const std::string& id) {
  auto found = tx.GetPrincipal(id);
  if (!found.ok() && found.status().code() == ErrorCode::kNotFound) return PrincipalNotFound(id);
  return found;
}

// Every key the principal owns, across all pages.
Result<std::vector<std::string>> KeyIdsOwnedBy(store::Transaction& tx, const std::string& owner) {
  std::vector<std::string> ids;
  store::PageRequest page{.cursor = "", .limit = 1000};
  do {
    LK_ASSIGN_OR_RETURN(auto batch, tx.ListKeys({.owner_id = owner}, page));
    for (const auto& key : batch.items) ids.push_back(key.id);
    page.cursor = batch.next_cursor;
  } while (!page.cursor.empty());
  return ids;
}

}  // namespace

Result<Principal> PrincipalService::LoadForChange(store::Transaction& tx, const Caller& caller,
                                                  const std::string& id,
                                                  domain::AuditEvent& event) {
  event.target = id;
  LK_ASSIGN_OR_RETURN(Principal p, LoadPrincipal(tx, id));
  if (!ctx_.policy.Authorize(caller, "principals:read", p.namespace_id).ok()) {
    return PrincipalNotFound(id);
  }
  event.namespace_id = p.namespace_id;
  LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "principals:write", p.namespace_id));
  if (p.superuser && !caller.superuser) {
    return PermissionDenied("only a superuser can change or delete a superuser");
  }
  return p;
}

Result<CreatedPrincipal> PrincipalService::Create(const Caller& caller,
                                                  CreatePrincipalInput input) {
  LK_RETURN_IF_ERROR(CheckName("name", input.name));
  if (input.email) LK_RETURN_IF_ERROR(CheckEmail("email", *input.email));
  CreatedPrincipal created;
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "principals.create", [&](auto& tx, auto& event) -> Status {
        if (!input.namespace_id) {
          LK_ASSIGN_OR_RETURN(input.namespace_id,
                              tx.GetSetting(std::string(kRootNamespaceSetting)));
        }
        event.namespace_id = *input.namespace_id;
        LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "principals:write", *input.namespace_id));
        if (!tx.GetNamespace(*input.namespace_id).ok()) {
          return InvalidField("namespace", "no namespace " + input.namespace_id->substr(0, 64));
        }
        Principal& p = created.principal;
        p.id = crypto::NewId("pr", ctx_.random);
        p.name = input.name;
        p.kind = input.kind;
        p.email = input.email;
        p.namespace_id = *input.namespace_id;
        p.created_at = p.updated_at = ctx_.clock.NowMillis();
        event.target = p.id;
        event.details_json = AuditDetail("name", p.name);
        LK_RETURN_IF_ERROR(tx.InsertPrincipal(p));
        if (input.kind != domain::PrincipalKind::kUser || !input.default_key) return Status::Ok();
        CreateKeyInput key_input{.name = std::string(kDefaultKeyName),
                                 .namespace_id = p.namespace_id};
        created.default_key = KeyService::NewKey(ctx_, key_input, p.id, caller.principal_id);
        LK_RETURN_IF_ERROR(tx.InsertKey(created.default_key->key));
        // The default key is a key created like any other: it has its own event.
        domain::AuditEvent key_event = audit_.Begin(caller, "keys.create");
        key_event.target = created.default_key->key.id;
        key_event.namespace_id = p.namespace_id;
        key_event.details_json = AuditDetail("name", kDefaultKeyName);
        return AppendAuditEvent(tx, key_event);
      }));
  ctx_.index.PutPrincipal(created.principal);
  if (created.default_key) ctx_.index.PutKey(created.default_key->key);
  return created;
}

Result<Principal> PrincipalService::Get(const Caller& caller, const std::string& id) {
  Principal p;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(p, LoadPrincipal(tx, id));
    return Status::Ok();
  }));
  if (!ctx_.policy.Authorize(caller, "principals:read", p.namespace_id).ok()) {
    return PrincipalNotFound(id);
  }
  return p;
}

Result<Principal> PrincipalService::Self(const Caller& caller) {
  Principal p;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(p, LoadPrincipal(tx, caller.principal_id));
    return Status::Ok();
  }));
  return p;
}

Result<store::Page<Principal>> PrincipalService::List(const Caller& caller,
                                                      const store::PrincipalFilter& filter,
                                                      const store::PageRequest& page) {
  store::PrincipalFilter scoped = filter;
  if (scoped.namespace_id) {
    Status allowed = ctx_.policy.Authorize(caller, "principals:read", *scoped.namespace_id);
    if (!allowed.ok()) {
      audit_.Denied(caller, "principals.list", "", *scoped.namespace_id, allowed);
      return allowed;
    }
  } else if (auto visible = ctx_.policy.NamespacesWith(caller, "principals:read")) {
    scoped.namespace_ids = std::move(*visible);
  }
  store::Page<Principal> result;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(result, tx.ListPrincipals(scoped, page));
    return Status::Ok();
  }));
  return result;
}

Result<Principal> PrincipalService::Update(const Caller& caller, const std::string& id,
                                           const UpdatePrincipalInput& input) {
  if (input.name) LK_RETURN_IF_ERROR(CheckName("name", *input.name));
  if (input.email && *input.email) LK_RETURN_IF_ERROR(CheckEmail("email", **input.email));
  if (input.status == domain::PrincipalStatus::kDisabled && id == caller.principal_id) {
    return Conflict("you cannot disable yourself");
  }
  Principal p;
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "principals.update", [&](auto& tx, auto& event) -> Status {
        LK_ASSIGN_OR_RETURN(p, LoadForChange(tx, caller, id, event));
        if (input.name) p.name = *input.name;
        if (input.email) p.email = *input.email;
        if (input.status) p.status = *input.status;
        p.updated_at = ctx_.clock.NowMillis();
        return tx.UpdatePrincipal(p);
      }));
  ctx_.index.PutPrincipal(p);
  return p;
}

Status PrincipalService::Delete(const Caller& caller, const std::string& id) {
  if (id == caller.principal_id) return Conflict("you cannot delete yourself");
  std::vector<std::string> key_ids;
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "principals.delete", [&](auto& tx, auto& event) -> Status {
        LK_ASSIGN_OR_RETURN(Principal p, LoadForChange(tx, caller, id, event));
        LK_ASSIGN_OR_RETURN(key_ids, KeyIdsOwnedBy(tx, id));
        for (const auto& key_id : key_ids) LK_RETURN_IF_ERROR(tx.DeleteKey(key_id));
        return tx.DeletePrincipal(id);
      }));
  ctx_.index.EraseKeys(key_ids);
  ctx_.index.ErasePrincipal(id);
  return Status::Ok();
}

}  // namespace latchkey::service
