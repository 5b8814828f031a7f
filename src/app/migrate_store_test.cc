#include "app/migrate_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "service/audit.h"
#include "service/bootstrap.h"
#include "service/principal_service.h"
#include "store/sqlite/sqlite_store.h"

namespace latchkey::app {
namespace {

constexpr domain::UnixMillis kNow = 1'800'000'000'000;

// A SqliteStore in a temporary directory of its own, removed on destruction.
class ScratchStore {
 public:
  ScratchStore() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "latchkey-migrate-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    auto opened = store::sqlite::SqliteStore::Open(dir_ + "/latchkey.db");
    if (opened.ok()) store_ = std::move(*opened);
  }
  ~ScratchStore() {
    store_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  store::Store& operator*() { return *store_; }
  bool ok() const { return store_ != nullptr; }

 private:
  std::string dir_;
  std::unique_ptr<store::Store> store_;
};

// A Store whose Write runs the callback on the wrapped store and then fails, so that whatever
// the callback wrote is rolled back: a failure at the last moment of a copy.
class FailingAtCommitStore final : public store::Store {
 public:
  explicit FailingAtCommitStore(store::Store& inner) : inner_(inner) {}
  Status Write(const std::function<Status(store::Transaction&)>& fn) override {
    return inner_.Write([&](store::Transaction& tx) -> Status {
      LK_RETURN_IF_ERROR(fn(tx));
      return Unavailable("connection lost at commit");
    });
  }
  Status Read(const std::function<Status(store::Transaction&)>& fn) override {
    return inner_.Read(fn);
  }
  Status ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) override {
    return inner_.ForEachPrincipal(fn);
  }
  Status ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) override {
    return inner_.ForEachKey(fn);
  }
  Status ForEachGroup(const std::function<Status(const domain::Group&)>& fn) override {
    return inner_.ForEachGroup(fn);
  }
  Status ForEachAuditEvent(const std::function<Status(const domain::AuditEvent&)>& fn) override {
    return inner_.ForEachAuditEvent(fn);
  }

 private:
  store::Store& inner_;
};

domain::Namespace MakeNamespace(const std::string& id, domain::UnixMillis created_at,
                                std::optional<std::string> parent = std::nullopt) {
  domain::Namespace ns;
  ns.id = id;
  ns.name = "name-" + id;
  ns.kind = domain::NamespaceKind::kProject;
  ns.parent_id = std::move(parent);
  ns.settings.app_domains = {"app.example.com"};
  ns.settings.default_key_prefix = "pfx";
  ns.created_at = ns.updated_at = created_at;
  return ns;
}

domain::Principal MakePrincipal(const std::string& id, domain::PrincipalKind kind,
                                const std::string& namespace_id) {
  domain::Principal p;
  p.id = id;
  p.name = "name-" + id;
  p.kind = kind;
  p.namespace_id = namespace_id;
  p.created_at = p.updated_at = kNow;
  return p;
}

domain::ApiKey MakeKey(const std::string& id, const std::string& owner, const std::string& ns) {
  domain::ApiKey key;
  key.id = id;
  key.name = "key-" + id;
  key.owner_id = owner;
  key.namespace_id = ns;
  key.scopes = {"raw:read:db1/t1"};
  key.resources = {"algo://demos/*"};
  key.data_access = domain::DataAccess::kRead;
  key.origins.native = false;
  key.origins.browser = true;
  key.origins.referrers = {"*.example.com"};
  key.allowed_ips = {"10.0.0.0/8"};
  key.expires_at = kNow + 86'400'000;
  key.rate_limit.emplace();
  key.rate_limit->limit = 10;
  key.rate_limit->window_ms = 1000;
  key.quota.emplace();
  key.quota->remaining = 7;
  key.quota->refill_interval = "daily";
  key.quota->refill_amount = 9;
  key.meta_json = R"({"team": "billing"})";
  key.prefix = "pfx";
  key.hint = "pfx_…abcd";
  key.digest.fill(0x5a);
  key.created_at = key.updated_at = kNow;
  key.created_by = owner;
  key.last_used_at = kNow + 5;
  key.last_used_ip = "10.1.2.3";
  return key;
}

domain::Group MakeGroup() {
  domain::Group group;
  group.id = "grp_readers";
  group.namespace_id = "ns_child";
  group.name = "readers";
  group.capabilities = {"raw:read:db1/*"};
  group.members = {"pr_sa", "pr_user"};
  group.created_at = group.updated_at = kNow;
  return group;
}

Status AppendEvents(store::Transaction& tx) {
  for (const char* action : {"system.init", "keys.create", "keys.revoke"}) {
    domain::AuditEvent event;
    event.time = kNow;
    event.actor_principal = "pr_user";
    event.action = action;
    LK_RETURN_IF_ERROR(service::AppendAuditEvent(tx, event));
  }
  return Status::Ok();
}

// A store holding a bit of everything: namespaces whose parent was created after them, a user
// with a password and a disabled service account, keys (one revoked), a group, audit events,
// settings and a session (which is not copied).
Status Fill(store::Store& store) {
  return store.Write([](store::Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_child", kNow)));
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_parent", kNow + 1)));
    LK_RETURN_IF_ERROR(tx.UpdateNamespace(MakeNamespace("ns_child", kNow, "ns_parent")));
    domain::Principal user = MakePrincipal("pr_user", domain::PrincipalKind::kUser, "ns_child");
    user.email = "a@b.c";
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(user));
    domain::Principal sa =
        MakePrincipal("pr_sa", domain::PrincipalKind::kServiceAccount, "ns_parent");
    sa.status = domain::PrincipalStatus::kDisabled;
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(sa));
    LK_RETURN_IF_ERROR(tx.SetPasswordHash("pr_user", "$argon2id$v=19$fake", kNow - 1));
    LK_RETURN_IF_ERROR(tx.InsertKey(MakeKey("key_0000000000000001", "pr_sa", "ns_child")));
    domain::ApiKey revoked = MakeKey("key_0000000000000002", "pr_user", "ns_parent");
    revoked.status = domain::KeyStatus::kRevoked;
    revoked.revoked_at = kNow + 9;
    LK_RETURN_IF_ERROR(tx.InsertKey(revoked));
    LK_RETURN_IF_ERROR(tx.InsertGroup(MakeGroup()));
    LK_RETURN_IF_ERROR(AppendEvents(tx));
    domain::Session session;
    session.id = "ses_1";
    session.principal_id = "pr_user";
    session.expires_at = kNow + 1000;
    LK_RETURN_IF_ERROR(tx.InsertSession(session));
    LK_RETURN_IF_ERROR(tx.PutSetting(std::string(service::kRootNamespaceSetting), "ns_parent"));
    return tx.PutSetting(std::string(service::kInitializedSetting), std::to_string(kNow));
  });
}

template <typename T>
std::vector<T> All(store::Store& store,
                   const std::function<Result<store::Page<T>>(store::Transaction&)>& list) {
  std::vector<T> items;
  Status s = store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(auto page, list(tx));
    items = page.items;
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return items;
}

class MigrateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(source_.ok() && target_.ok());
    Status filled = Fill(*source_);
    ASSERT_TRUE(filled.ok()) << filled.message();
  }

  ScratchStore source_;
  ScratchStore target_;
};

const store::PageRequest kAll{.cursor = "", .limit = 1000};

TEST_F(MigrateStoreTest, CopiesEveryRowAsStored) {
  auto copied = CopyStore(*source_, *target_, kNow + 100);
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  auto in_source = CountStore(*source_);
  auto in_target = CountStore(*target_);
  ASSERT_TRUE(in_source.ok() && in_target.ok());
  EXPECT_EQ(*copied, *in_source);
  EXPECT_EQ(*in_target, *in_source);
  EXPECT_EQ(in_target->namespaces, 2);
  EXPECT_EQ(in_target->principals, 2);
  EXPECT_EQ(in_target->passwords, 1);
  EXPECT_EQ(in_target->keys, 2);
  EXPECT_EQ(in_target->groups, 1);
  EXPECT_EQ(in_target->group_members, 2);
  EXPECT_EQ(in_target->audit_events, 3);
  EXPECT_EQ(in_target->settings, 2);

  using T = store::Transaction;
  auto namespaces = [](T& tx) { return tx.ListNamespaces({}, kAll); };
  auto principals = [](T& tx) { return tx.ListPrincipals({}, kAll); };
  auto keys = [](T& tx) { return tx.ListKeys({}, kAll); };
  auto groups = [](T& tx) { return tx.ListGroups({}, kAll); };
  auto audit = [](T& tx) { return tx.ListAuditEvents({}, kAll); };
  EXPECT_EQ(All<domain::Namespace>(*target_, namespaces),
            All<domain::Namespace>(*source_, namespaces));
  EXPECT_EQ(All<domain::Principal>(*target_, principals),
            All<domain::Principal>(*source_, principals));
  EXPECT_EQ(All<domain::ApiKey>(*target_, keys), All<domain::ApiKey>(*source_, keys));
  EXPECT_EQ(All<domain::Group>(*target_, groups), All<domain::Group>(*source_, groups));
  EXPECT_EQ(All<domain::AuditEvent>(*target_, audit), All<domain::AuditEvent>(*source_, audit));
  auto chain = service::VerifyAuditChain(*target_);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->ok()) << chain->problem;

  Status read = (*target_).Read([](T& tx) -> Status {
    EXPECT_EQ(tx.GetPasswordHash("pr_user").value(), "$argon2id$v=19$fake");
    EXPECT_EQ(tx.GetPasswordHash("pr_sa").status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(tx.GetSetting(std::string(service::kRootNamespaceSetting)).value(), "ns_parent");
    EXPECT_EQ(tx.GetSessionByDigest(domain::Digest{}).status().code(), ErrorCode::kNotFound);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
  Status source_session = (*source_).Read([](T& tx) { return tx.GetSessionByDigest({}).status(); });
  EXPECT_TRUE(source_session.ok())
      << "the source's session, which is not copied: " << source_session.message();
}

TEST_F(MigrateStoreTest, RefusesATargetThatIsNotEmptyAndWritesNothing) {
  Status seeded = (*target_).Write(
      [](store::Transaction& tx) { return tx.InsertNamespace(MakeNamespace("ns_other", kNow)); });
  ASSERT_TRUE(seeded.ok()) << seeded.message();
  auto copied = CopyStore(*source_, *target_, kNow);
  EXPECT_EQ(copied.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(copied.status().message(), "the target is not empty: it holds namespaces");
  auto in_target = CountStore(*target_);
  ASSERT_TRUE(in_target.ok());
  StoreCounts one_namespace;
  one_namespace.namespaces = 1;
  EXPECT_EQ(*in_target, one_namespace);
}

TEST_F(MigrateStoreTest, RefusesAnInitializedTarget) {
  Status seeded = (*target_).Write([](store::Transaction& tx) {
    return tx.PutSetting(std::string(service::kInitializedSetting), "1");
  });
  ASSERT_TRUE(seeded.ok()) << seeded.message();
  auto copied = CopyStore(*source_, *target_, kNow);
  EXPECT_EQ(copied.status().code(), ErrorCode::kConflict);
  EXPECT_NE(copied.status().message().find("initialized_at"), std::string::npos);
}

TEST_F(MigrateStoreTest, AFailureLeavesTheTargetEmpty) {
  FailingAtCommitStore failing(*target_);
  auto copied = CopyStore(*source_, failing, kNow);
  EXPECT_EQ(copied.status().code(), ErrorCode::kUnavailable);
  auto in_target = CountStore(*target_);
  ASSERT_TRUE(in_target.ok());
  EXPECT_EQ(*in_target, StoreCounts{});
  // And the copy succeeds afterwards.
  EXPECT_TRUE(CopyStore(*source_, *target_, kNow).ok());
}

TEST_F(MigrateStoreTest, CopiesAnEmptyStore) {
  ScratchStore empty;
  ScratchStore target;
  ASSERT_TRUE(empty.ok() && target.ok());
  auto copied = CopyStore(*empty, *target, kNow);
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_EQ(*copied, StoreCounts{});
}

}  // namespace
}  // namespace latchkey::app
