#include "service/bootstrap.h"

#include "crypto/key_format.h"
#include "service/key_service.h"
#include "service/principal_service.h"

namespace latchkey::service {
namespace {

constexpr std::string_view kInitializedSetting = "initialized_at";

}  // namespace

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
    return tx.PutSetting(std::string(kInitializedSetting), std::to_string(now));
  }));
  ctx.index.PutPrincipal(admin);
  ctx.index.PutKey(token.key);
  return BootstrapResult{.admin_token = std::move(token.secret),
                         .namespace_id = root.id,
                         .principal_id = admin.id,
                         .token_id = token.key.id};
}

Result<std::size_t> LoadIndex(store::Store& store, index::KeyIndex& index) {
  LK_RETURN_IF_ERROR(store.ForEachPrincipal([&](const domain::Principal& p) {
    index.PutPrincipal(p);
    return Status::Ok();
  }));
  // One publication for all keys: loading in batches would copy every shard once per batch.
  std::vector<index::KeyIndex::KeyMap::Change> changes;
  LK_RETURN_IF_ERROR(store.ForEachKey([&](const domain::ApiKey& key) {
    if (auto id = index::KeyIndex::IdCharsOf(key.id))
      changes.emplace_back(*id, index.MakeEntry(key));
    return Status::Ok();
  }));
  std::size_t count = changes.size();
  index.PutEntries(std::move(changes));
  return count;
}

}  // namespace latchkey::service
