#include "service/principal_service.h"

#include "crypto/key_format.h"
#include "crypto/password.h"
#include "domain/permission.h"
#include "service/audit.h"
#include "service/validation.h"

namespace latchkey::service {
namespace {

using domain::Principal;

Status PrincipalNotFound(const std::string& id) {
  return NotFound("no principal " + id.substr(0, 64));
}

Status NoPasswordForServiceAccounts() {
  return InvalidField("password",
                      "only users have a password; service accounts authenticate with keys");
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
  std::optional<std::string> password_hash;
  if (input.password) {
    if (input.kind != domain::PrincipalKind::kUser) return NoPasswordForServiceAccounts();
    LK_RETURN_IF_ERROR(CheckPassword("password", *input.password));
    // Outside the transaction: Argon2id takes tens of milliseconds.
    LK_ASSIGN_OR_RETURN(password_hash, crypto::HashPassword(*input.password));
  }
  CreatedPrincipal created;
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "principals.create", [&](auto& tx, auto& event) -> Status {
        if (!input.namespace_id) {
          LK_ASSIGN_OR_RETURN(input.namespace_id,
                              tx.GetSetting(std::string(kRootNamespaceSetting)));
        }
        event.namespace_id = *input.namespace_id;
        LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "principals:write", *input.namespace_id));
        auto home = tx.GetNamespace(*input.namespace_id);
        if (!home.ok()) {
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
        if (password_hash) {
          LK_RETURN_IF_ERROR(tx.SetPasswordHash(p.id, *password_hash, p.created_at));
          p.has_password = true;
        }
        if (input.kind != domain::PrincipalKind::kUser || !input.default_key) return Status::Ok();
        CreateKeyInput key_input{.name = std::string(kDefaultKeyName),
                                 .namespace_id = p.namespace_id};
        KeyService::ApplyNamespaceDefaults(home->settings, key_input);
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
        LK_RETURN_IF_ERROR(tx.UpdatePrincipal(p));
        // A disabled user's console sessions end now, and do not come back with an enable.
        if (p.status == domain::PrincipalStatus::kDisabled) {
          LK_RETURN_IF_ERROR(tx.DeleteSessionsOf(p.id, "").status());
        }
        return Status::Ok();
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

Status PrincipalService::CheckActsAs(const Caller& caller, const Principal& user) const {
  const bool holds_everything = caller.superuser &&
                                caller.key_type != domain::KeyType::kManagement &&
                                domain::AnyGrants(caller.key_scopes, "*");
  if (holds_everything) return Status::Ok();
  if (user.superuser) {
    return PrivilegeEscalation(
        "setting a superuser's password lets you act as a superuser: it needs a superuser's "
        "credential with scope *");
  }
  auto entry = ctx_.index.FindPrincipal(user.id);
  // Every principal of the store is in the index (LoadIndex, then every change): fail closed.
  if (!entry) return Internal("principal " + user.id + " is missing from the key index");
  for (const auto& [namespace_id, capabilities] : entry->capabilities->by_namespace) {
    Status covered = ctx_.policy.CheckGrant(caller, capabilities, namespace_id, "capability");
    if (!covered.ok()) {
      return PrivilegeEscalation("setting the password of " + user.id +
                                 " lets you act as them: " + covered.message());
    }
  }
  return Status::Ok();
}

Status PrincipalService::CheckPasswordChange(store::Transaction& tx, const Caller& caller,
                                             const std::string& id,
                                             domain::AuditEvent& event) const {
  event.target = id;
  LK_ASSIGN_OR_RETURN(Principal user, LoadPrincipal(tx, id));
  const bool self = id == caller.principal_id;
  if (!self && !ctx_.policy.Authorize(caller, "principals:read", user.namespace_id).ok()) {
    return PrincipalNotFound(id);
  }
  event.namespace_id = user.namespace_id;
  if (!self) {
    LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "principals:write", user.namespace_id));
  }
  if (user.kind != domain::PrincipalKind::kUser) return NoPasswordForServiceAccounts();
  if (user.superuser && !caller.superuser) {
    return PermissionDenied("only a superuser can set a superuser's password");
  }
  return CheckActsAs(caller, user);
}

Status PrincipalService::SetPassword(const Caller& caller, const std::string& id,
                                     const std::string& password) {
  constexpr std::string_view kAction = "principals.set_password";
  LK_RETURN_IF_ERROR(CheckPassword("password", password));
  // Authorized before hashing, so that a refused caller cannot make the management thread
  // spend Argon2id's time and memory; checked again in the transaction that writes.
  domain::AuditEvent probe;
  Status allowed = ctx_.store.Read(
      [&](store::Transaction& tx) { return CheckPasswordChange(tx, caller, id, probe); });
  if (!allowed.ok()) {
    if (IsAuditedDenial(allowed)) {
      audit_.Denied(caller, kAction, probe.target, probe.namespace_id, allowed);
    }
    return allowed;
  }
  LK_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(password));
  // The user's other sessions end: whoever knew the old password is signed out. The caller's
  // own session, when it is the user's, stays.
  const std::string keep = caller.session && id == caller.principal_id ? caller.session->id : "";
  return audit_.Write(caller, kAction, [&](store::Transaction& tx, auto& event) -> Status {
    LK_RETURN_IF_ERROR(CheckPasswordChange(tx, caller, id, event));
    LK_RETURN_IF_ERROR(tx.SetPasswordHash(id, hash, ctx_.clock.NowMillis()));
    return tx.DeleteSessionsOf(id, keep).status();
  });
}

}  // namespace latchkey::service
