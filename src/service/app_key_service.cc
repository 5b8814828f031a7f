#include "service/app_key_service.h"

#include "crypto/key_format.h"
#include "crypto/random.h"
#include "domain/permission.h"

namespace latchkey::service {
namespace {

using domain::Namespace;
using domain::NamespaceKind;

// The application namespaces whose id or name is `app` and where `caller` may create keys.
Result<std::vector<Namespace>> FindApps(store::Transaction& tx, const AccessPolicy& policy,
                                        const Caller& caller, const std::string& app) {
  std::vector<Namespace> found;
  auto usable = [&](const Namespace& ns) {
    return ns.kind == NamespaceKind::kApplication &&
           policy.Authorize(caller, "keys:create", ns.id).ok();
  };
  if (auto by_id = tx.GetNamespace(app); by_id.ok()) {
    if (usable(*by_id)) found.push_back(*by_id);
    return found;
  }
  store::PageRequest page{.cursor = "", .limit = 1000};
  do {
    LK_ASSIGN_OR_RETURN(auto batch, tx.ListNamespaces({.kind = NamespaceKind::kApplication}, page));
    for (auto& ns : batch.items) {
      if (ns.name == app && usable(ns)) found.push_back(std::move(ns));
    }
    page.cursor = batch.next_cursor;
  } while (!page.cursor.empty());
  return found;
}

}  // namespace

Result<domain::Principal> AppKeyService::ResolveUser(const Caller& caller, const std::string& user,
                                                     std::string_view action) {
  if (caller.key_type != domain::KeyType::kPersonal) {
    Status refused =
        PermissionDenied("these routes take a personal access token (Authorization: Key <PAT>)");
    audit_.Denied(caller, action, "", caller.key_namespace, refused);
    return refused;
  }
  domain::Principal principal;
  Status found = ctx_.store.Read([&](store::Transaction& tx) -> Status {
    auto by_id = tx.GetPrincipal(user);
    if (by_id.ok()) {
      principal = *by_id;
      return Status::Ok();
    }
    LK_ASSIGN_OR_RETURN(principal, tx.GetPrincipalByName(user));
    return Status::Ok();
  });
  // Someone else, or nobody: the same answer, so that user names do not leak.
  if (!found.ok() || principal.id != caller.principal_id) {
    Status refused =
        PermissionDenied("a personal access token can only manage its own user's keys");
    audit_.Denied(caller, action, "", "", refused);
    return refused;
  }
  return principal;
}

Result<std::vector<AppKey>> AppKeyService::Create(const Caller& caller, const std::string& user,
                                                  const std::vector<AppKeyInput>& inputs) {
  LK_ASSIGN_OR_RETURN(domain::Principal principal, ResolveUser(caller, user, "keys.create"));
  std::vector<CreateKeyInput> creates;
  std::vector<std::string> app_names;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::string entry = "keys[" + std::to_string(i) + "].";
      std::string field = entry + "apps";
      if (inputs[i].user_id && *inputs[i].user_id != principal.id &&
          *inputs[i].user_id != principal.name) {
        return InvalidField(field + "[0].user_id", "apps[].user_id must name the user of the path");
      }
      LK_ASSIGN_OR_RETURN(std::vector<std::string> scopes,
                          domain::NormalizeScopes(inputs[i].scopes, entry + "scopes"));
      LK_ASSIGN_OR_RETURN(std::vector<Namespace> apps,
                          FindApps(tx, ctx_.policy, caller, inputs[i].app));
      if (apps.empty()) {
        return InvalidField(field, "no application " + inputs[i].app.substr(0, 64));
      }
      if (apps.size() > 1) {
        return InvalidField(field, "several applications are named " + inputs[i].app.substr(0, 64) +
                                       "; name it by id");
      }
      creates.push_back(
          CreateKeyInput{.name = "app-key-" + crypto::NewId("k", ctx_.random).substr(2),
                         .description = inputs[i].description,
                         .type = domain::KeyType::kStandard,
                         .namespace_id = apps.front().id,
                         .scopes = std::move(scopes)});
      app_names.push_back(apps.front().name);
    }
    return Status::Ok();
  }));
  LK_ASSIGN_OR_RETURN(std::vector<CreatedKey> created, keys_.CreateAll(caller, std::move(creates)));
  std::vector<AppKey> out;
  for (std::size_t i = 0; i < created.size(); ++i) {
    out.push_back(AppKey{std::move(created[i].key), std::move(created[i].secret), app_names[i],
                         principal.name});
  }
  return out;
}

Result<std::vector<AppKey>> AppKeyService::List(const Caller& caller, const std::string& user) {
  LK_ASSIGN_OR_RETURN(domain::Principal principal, ResolveUser(caller, user, "keys.list"));
  if (!domain::AnyGrants(caller.key_scopes, "keys:read")) {
    Status refused = PermissionDenied("this personal access token's scopes do not allow keys:read");
    audit_.Denied(caller, "keys.list", "", "", refused);
    return refused;
  }
  std::vector<AppKey> out;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    store::PageRequest page{.cursor = "", .limit = 1000};
    do {
      LK_ASSIGN_OR_RETURN(auto batch, tx.ListKeys({.owner_id = principal.id}, page));
      for (auto& key : batch.items) {
        if (!key.namespace_id || key.type != domain::KeyType::kStandard) continue;
        auto ns = tx.GetNamespace(*key.namespace_id);
        if (!ns.ok() || ns->kind != NamespaceKind::kApplication) continue;
        out.push_back(AppKey{std::move(key), "", ns->name, principal.name});
      }
      page.cursor = batch.next_cursor;
    } while (!page.cursor.empty());
    return Status::Ok();
  }));
  return out;
}

Status AppKeyService::Delete(const Caller& caller, const std::string& user,
                             const std::string& key) {
  LK_ASSIGN_OR_RETURN(domain::Principal principal, ResolveUser(caller, user, "keys.delete"));
  std::string id = key;
  if (auto parsed = crypto::ParseKey(key)) {
    // The secret itself, as the original API takes it: it must be the key's real secret.
    auto entry = ctx_.index.FindKey(parsed->id_chars);
    if (!entry || !crypto::ConstantTimeEqual(ctx_.hasher.Digest(key), entry->digest)) {
      return NotFound("no such key");
    }
    id = crypto::PublicKeyId(parsed->id_chars);
  }
  auto found = keys_.Get(caller, id);
  if (!found.ok() || found->owner_id != principal.id) return NotFound("no such key");
  return keys_.Delete(caller, id);
}

}  // namespace latchkey::service
