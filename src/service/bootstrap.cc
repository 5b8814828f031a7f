#include "service/bootstrap.h"

#include "crypto/key_format.h"
#include "service/audit.h"
#include "service/group_service.h"
#include "service/key_service.h"
#include "service/principal_service.h"

namespace latchkey::service {

Result<bool> IsInitialized(store::Store& store) {
  bool initialized = false;
  LK_RETURN_IF_ERROR(store.Read([&](store::Transaction& tx) -> Status {
    auto value = tx.GetSetting(std::string(kInitializedSetting));
    if (!value.ok() && value.status().code() != ErrorCode::kNotFound) return value.status();
    initialized = value.ok();
    return Status::Ok();
  }));
  return initialized;
}

Result<BootstrapResult> Bootstrap(const ServiceContext& ctx) {
  domain::UnixMillis now = ctx.clock.NowMillis();
  domain::Namespace root{.id = crypto::NewId("ns", ctx.random),
                         .name = "root",
                         .kind = domain::NamespaceKind::kOrganization,
                         .created_at = now,
                         .updated_at = now};
  domain::Principal admin{.id = crypto::NewId("pr", ctx.random),
                          .name = "admin",
                          .kind = domain::PrincipalKind::kUser,
                          .namespace_id = root.id,
                          .superuser = true,
                          .created_at = now,
                          .updated_at = now};
  CreateKeyInput token_input{.name = "admin-token",
                             .description = "created by latchkey init",
                             .type = domain::KeyType::kPersonal};
  CreatedKey token = KeyService::NewKey(ctx, token_input, admin.id, admin.id);
  LK_RETURN_IF_ERROR(ctx.store.Write([&](store::Transaction& tx) -> Status {
    if (tx.GetSetting(std::string(kInitializedSetting)).ok()) {
      return Conflict("this data directory is already initialized");
    }
    LK_RETURN_IF_ERROR(tx.InsertNamespace(root));
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(admin));
    LK_RETURN_IF_ERROR(tx.InsertKey(token.key));
    LK_RETURN_IF_ERROR(tx.PutSetting(std::string(kRootNamespaceSetting), root.id));
    domain::AuditEvent event{.time = now,
                             .actor_principal = admin.id,
                             .actor_key = token.key.id,
                             .action = "system.init",
                             .target = root.id,
                             .namespace_id = root.id};
    LK_RETURN_IF_ERROR(AppendAuditEvent(tx, event));
    return tx.PutSetting(std::string(kInitializedSetting), std::to_string(now));
  }));
  ctx.index.PutNamespace(root);
  ctx.index.PutPrincipal(admin);
  ctx.index.PutKey(token.key);
  return BootstrapResult{.admin_token = std::move(token.secret),
                         .namespace_id = root.id,
                         .principal_id = admin.id,
                         .token_id = token.key.id};
}

Result<std::size_t> LoadIndex(store::Store& store, index::KeyIndex& index, LoadedIds* loaded) {
  LK_RETURN_IF_ERROR(store.Read([&](store::Transaction& tx) -> Status {
    store::PageRequest page{.cursor = "", .limit = 1000};
    do {
      LK_ASSIGN_OR_RETURN(auto batch, tx.ListNamespaces({}, page));
      for (const auto& ns : batch.items) {
        index.PutNamespace(ns);
        if (loaded) loaded->namespaces.insert(ns.id);
      }
      page.cursor = batch.next_cursor;
    } while (!page.cursor.empty());
    return Status::Ok();
  }));
  LK_RETURN_IF_ERROR(store.ForEachPrincipal([&](const domain::Principal& p) {
    index.PutPrincipal(p);
    if (loaded) loaded->principals.insert(p.id);
    return Status::Ok();
  }));
  LK_RETURN_IF_ERROR(LoadCapabilities(store, index, loaded ? &loaded->members : nullptr));
  // One publication for all keys: loading in batches would copy every shard once per batch.
  std::vector<index::KeyIndex::KeyMap::Change> changes;
  LK_RETURN_IF_ERROR(store.ForEachKey([&](const domain::ApiKey& key) {
    if (auto id = index::KeyIndex::IdCharsOf(key.id))
      changes.emplace_back(*id, index.MakeEntry(key));
    if (loaded) loaded->keys.insert(key.id);
    return Status::Ok();
  }));
  std::size_t count = changes.size();
  index.PutEntries(std::move(changes));
  return count;
}

}  // namespace latchkey::service
