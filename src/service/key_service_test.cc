#include "service/key_service.h"

#include <gtest/gtest.h>

#include <set>

#include "service/testing/service_fixture.h"

namespace latchkey::service {
namespace {

using domain::KeyStatus;
using domain::KeyType;

class KeyServiceTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    ASSERT_NO_FATAL_FAILURE(CreateProjectAndServiceAccount());
    ns_ = project_;
    sa_ = service_account_;
  }

  KeyService keys() { return KeyService(*ctx_); }

  CreatedKey MustCreate(CreateKeyInput input) {
    auto created = keys().Create(admin_, std::move(input));
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? *created : CreatedKey{};
  }

  std::string ns_;
  std::string sa_;
};

TEST_F(KeyServiceTest, CreatedKeyVerifiesAndStoresOnlyTheDigest) {
  CreatedKey created = MustCreate({.name = "k", .owner = sa_, .namespace_id = ns_});
  EXPECT_EQ(VerifyCodeOf(created.secret, ns_), VerifyCode::kValid);
  EXPECT_EQ(created.key.digest, hasher_->Digest(created.secret));
  auto stored = keys().Get(admin_, created.key.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->scopes, std::vector<std::string>{"*"});
  EXPECT_EQ(stored->created_by, admin_.principal_id);
  EXPECT_EQ(stored->hint.substr(0, 3), "lk_");
}

TEST_F(KeyServiceTest, RevokeDisableDeleteTakeEffectBeforeReturning) {
  CreatedKey a = MustCreate({.name = "a", .owner = sa_, .namespace_id = ns_});
  CreatedKey b = MustCreate({.name = "b", .owner = sa_, .namespace_id = ns_});
  CreatedKey c = MustCreate({.name = "c", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(keys().Apply(admin_, a.key.id, KeyAction::kRevoke).ok());
  EXPECT_EQ(VerifyCodeOf(a.secret), VerifyCode::kRevoked);
  ASSERT_TRUE(keys().Apply(admin_, b.key.id, KeyAction::kDisable).ok());
  EXPECT_EQ(VerifyCodeOf(b.secret), VerifyCode::kDisabled);
  ASSERT_TRUE(keys().Apply(admin_, b.key.id, KeyAction::kEnable).ok());
  EXPECT_EQ(VerifyCodeOf(b.secret), VerifyCode::kValid);
  ASSERT_TRUE(keys().Delete(admin_, c.key.id).ok());
  EXPECT_EQ(VerifyCodeOf(c.secret), VerifyCode::kNotFound);
  EXPECT_EQ(keys().Get(admin_, c.key.id).status().code(), ErrorCode::kNotFound);
}

TEST_F(KeyServiceTest, RevokedIsFinal) {
  CreatedKey a = MustCreate({.name = "a", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(keys().Apply(admin_, a.key.id, KeyAction::kRevoke).ok());
  EXPECT_EQ(keys().Apply(admin_, a.key.id, KeyAction::kEnable).status().code(),
            ErrorCode::kConflict);
  EXPECT_EQ(keys().Apply(admin_, a.key.id, KeyAction::kDisable).status().code(),
            ErrorCode::kConflict);
  auto again = keys().Apply(admin_, a.key.id, KeyAction::kRevoke);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, KeyStatus::kRevoked);
}

TEST_F(KeyServiceTest, ExpiryIsCheckedAgainstTheClock) {
  CreatedKey a = MustCreate({.name = "a",
                             .owner = sa_,
                             .namespace_id = ns_,
                             .expires_at = testing::kStartMillis + 60'000});
  EXPECT_EQ(VerifyCodeOf(a.secret), VerifyCode::kValid);
  clock_.Advance(60'000);
  EXPECT_EQ(VerifyCodeOf(a.secret), VerifyCode::kExpired);
}

TEST_F(KeyServiceTest, RejectsBadInputNamingTheField) {
  struct Case {
    CreateKeyInput input;
    std::string field;
  };
  std::vector<Case> cases = {
      {{.name = "", .namespace_id = ns_}, "name"},
      {{.name = "x"}, "namespace"},
      {{.name = "x", .type = KeyType::kPersonal, .namespace_id = ns_}, "namespace"},
      {{.name = "x", .namespace_id = ns_, .scopes = std::vector<std::string>{"nocolon"}}, "scopes"},
      {{.name = "x", .namespace_id = ns_, .expires_at = testing::kStartMillis - 1}, "expires_at"},
      {{.name = "x", .namespace_id = ns_, .prefix = "Bad"}, "prefix"},
      {{.name = "x", .namespace_id = "ns_missing"}, "namespace"},
      {{.name = "x", .owner = "pr_missing", .namespace_id = ns_}, "owner"},
      {{.name = "x", .type = KeyType::kPersonal, .owner = sa_}, "type"},
  };
  for (auto& c : cases) {
    auto result = keys().Create(admin_, c.input);
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument) << c.field;
    EXPECT_EQ(result.status().field(), c.field) << result.status().message();
  }
  EXPECT_EQ(index_.key_count(), 1u) << "nothing but the admin token is indexed";
}

TEST_F(KeyServiceTest, NamesAreUniquePerOwner) {
  MustCreate({.name = "dup", .owner = sa_, .namespace_id = ns_});
  auto second = keys().Create(admin_, {.name = "dup", .owner = sa_, .namespace_id = ns_});
  EXPECT_EQ(second.status().code(), ErrorCode::kConflict);
  MustCreate({.name = "dup", .namespace_id = ns_});  // another owner: the admin
}

TEST_F(KeyServiceTest, UpdateChangesNameScopesAndMeta) {
  CreatedKey a = MustCreate({.name = "a", .owner = sa_, .namespace_id = ns_});
  auto updated = keys().Update(admin_, a.key.id,
                               {.name = "renamed",
                                .scopes = std::vector<std::string>{"All", "raw:read:db1/t1", "All"},
                                .meta_json = R"({"team":"data"})"});
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->name, "renamed");
  EXPECT_EQ(updated->scopes, (std::vector<std::string>{"*", "raw:read:db1/t1"}));
  auto entry = index_.FindKey(a.key.id.substr(4));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->name, "renamed");
  EXPECT_EQ(entry->meta_json, R"({"team":"data"})");
}

TEST_F(KeyServiceTest, EachQuotaSettingIsLaterAndUseOfTheOldOneIsDropped) {
  UsageMeter meter(clock_);
  ctx_->usage = &meter;
  CreatedKey a = MustCreate(
      {.name = "a",
       .owner = sa_,
       .namespace_id = ns_,
       .restrictions = {.quota = std::optional<domain::Quota>(domain::Quota{.remaining = 10})}});
  ASSERT_TRUE(a.key.quota);
  EXPECT_EQ(a.key.quota->set_at, testing::kStartMillis);
  const index::KeyIdChars id = index::KeyIndex::IdCharsOf(a.key.id).value();
  EXPECT_TRUE(meter.Spend(id, *a.key.quota, 4).allowed);
  std::vector<store::KeyUsage> racing = meter.TakeDirty();  // a flush racing with the PATCH

  auto patched = keys().Update(
      admin_, a.key.id,
      {.restrictions = {.quota = std::optional<domain::Quota>(domain::Quota{.remaining = 50})}});
  ASSERT_TRUE(patched.ok()) << patched.status().message();
  EXPECT_EQ(patched->quota->set_at, testing::kStartMillis + 1);  // the clock stood still
  ASSERT_TRUE(
      store_
          ->Write([&](store::Transaction& tx) -> Status { return tx.RecordUsage(racing).status(); })
          .ok());
  EXPECT_EQ(keys().Get(admin_, a.key.id)->quota->remaining, 50);  // the old setting's 4 dropped
  // This node spends from the new setting, even where the index is not read yet.
  EXPECT_EQ(meter.Spend(id, *a.key.quota, 1).remaining, 49);

  auto renamed = keys().Update(admin_, a.key.id, {.name = "b"});
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->quota->set_at, testing::kStartMillis + 1);  // not a new setting
  EXPECT_EQ(meter.Spend(id, *renamed->quota, 1).remaining, 48);
  clock_.Advance(60'000);
  patched = keys().Update(
      admin_, a.key.id,
      {.restrictions = {.quota = std::optional<domain::Quota>(domain::Quota{.remaining = 7})}});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(patched->quota->set_at, testing::kStartMillis + 60'000);
  EXPECT_EQ(meter.Spend(id, *renamed->quota, 1).remaining, 6);
  ctx_->usage = nullptr;
}

TEST_F(KeyServiceTest, NamespaceDefaultPrefixApplies) {
  auto ns = NamespaceService(*ctx_).Create(
      admin_, {.name = "shop",
               .kind = domain::NamespaceKind::kApplication,
               .settings = domain::NamespaceSettings{.default_key_prefix = "shop_live"}});
  ASSERT_TRUE(ns.ok());
  CreatedKey a = MustCreate({.name = "a", .namespace_id = ns->id});
  EXPECT_TRUE(a.secret.starts_with("shop_live_"));
  EXPECT_EQ(VerifyCodeOf(a.secret), VerifyCode::kValid);
}

TEST_F(KeyServiceTest, NonSuperusersAreDenied) {
  CreatedKey mgmt =
      MustCreate({.name = "m", .type = KeyType::kManagement, .owner = sa_, .namespace_id = ns_});
  auto caller = authenticator_->Authenticate(mgmt.secret, std::nullopt);
  ASSERT_TRUE(caller.ok());
  EXPECT_FALSE(caller->superuser);
  auto denied = keys().Create(*caller, {.name = "x", .namespace_id = ns_});
  EXPECT_EQ(denied.status().code(), ErrorCode::kPermissionDenied);
}

TEST_F(KeyServiceTest, StandardKeysCannotAuthenticateForManagement) {
  CreatedKey a = MustCreate({.name = "a", .owner = sa_, .namespace_id = ns_});
  EXPECT_EQ(authenticator_->Authenticate(a.secret, std::nullopt).status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(authenticator_->Authenticate("lk_nope", std::nullopt).status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(authenticator_->Authenticate(boot_.admin_token, "key_wrong").status().code(),
            ErrorCode::kUnauthenticated);
}

TEST_F(KeyServiceTest, ListFiltersAndPaginates) {
  for (int i = 0; i < 5; ++i)
    MustCreate({.name = "k" + std::to_string(i), .owner = sa_, .namespace_id = ns_});
  std::set<std::string> seen;
  store::PageRequest page{.limit = 2};
  int pages = 0;
  do {
    auto result = keys().List(admin_, {.owner_id = sa_}, page);
    ASSERT_TRUE(result.ok());
    for (const auto& k : result->items) EXPECT_TRUE(seen.insert(k.id).second) << k.id;
    page.cursor = result->next_cursor;
    ++pages;
  } while (!page.cursor.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
}

}  // namespace
}  // namespace latchkey::service

namespace latchkey::service {
namespace {

class NamespaceServiceTest : public testing::ServiceFixture {};

TEST_F(NamespaceServiceTest, PatchKeepsSettingsItDoesNotName) {
  NamespaceService namespaces(*ctx_);
  auto ns = namespaces.Create(
      admin_, {.name = "app",
               .kind = domain::NamespaceKind::kApplication,
               .settings = domain::NamespaceSettings{.app_domains = {"app.example.com"}}});
  ASSERT_TRUE(ns.ok());
  auto updated = namespaces.Update(admin_, ns->id, {.default_key_prefix = "app"});
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->settings.app_domains, std::vector<std::string>{"app.example.com"});
  EXPECT_EQ(updated->settings.default_key_prefix, "app");
  auto bad = namespaces.Update(admin_, ns->id, {.default_key_prefix = "Bad-Prefix"});
  EXPECT_EQ(bad.status().field(), "settings.default_key_prefix");
}

}  // namespace
}  // namespace latchkey::service
