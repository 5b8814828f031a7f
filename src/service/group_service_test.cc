#include "service/group_service.h"

#include <gtest/gtest.h>

#include "service/key_service.h"
#include "service/namespace_service.h"
#include "service/principal_service.h"
#include "service/testing/service_fixture.h"

namespace latchkey::service {
namespace {

using domain::KeyType;
using V = std::vector<std::string>;

// A project with a user who has a personal token, and a service account.
class AccessTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    ns_ = MustNamespace("proj", domain::NamespaceKind::kProject);
    other_ns_ = MustNamespace("other", domain::NamespaceKind::kProject);
    user_ = MustPrincipal("olivia", domain::PrincipalKind::kUser);
    sa_ = MustPrincipal("extractor", domain::PrincipalKind::kServiceAccount);
    auto pat = KeyService(*ctx_).Create(
        admin_, {.name = "pat", .type = KeyType::kPersonal, .owner = user_});
    ASSERT_TRUE(pat.ok()) << pat.status().message();
    user_pat_ = pat->secret;
  }

  std::string MustNamespace(std::string name, domain::NamespaceKind kind,
                            std::optional<std::string> parent = {}) {
    auto ns =
        NamespaceService(*ctx_).Create(admin_, {.name = name, .kind = kind, .parent_id = parent});
    EXPECT_TRUE(ns.ok()) << ns.status().message();
    return ns.ok() ? ns->id : "";
  }

  std::string MustPrincipal(std::string name, domain::PrincipalKind kind) {
    auto p = PrincipalService(*ctx_).Create(
        admin_, {.name = name, .kind = kind, .namespace_id = ns_, .default_key = false});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? p->principal.id : "";
  }

  domain::Group MustGroup(const std::string& ns, V capabilities, V members) {
    auto g = groups().Create(admin_, {.namespace_id = ns,
                                      .name = "g" + std::to_string(++group_seq_),
                                      .capabilities = std::move(capabilities),
                                      .members = std::move(members)});
    EXPECT_TRUE(g.ok()) << g.status().message();
    return g.ok() ? *g : domain::Group{};
  }

  // The Caller of a credential, as the management API would see it now.
  Caller As(const std::string& secret) {
    auto caller = authenticator_->Authenticate(secret, std::nullopt);
    EXPECT_TRUE(caller.ok()) << caller.status().message();
    return caller.ok() ? *caller : Caller{};
  }

  VerifyResult Verify(const std::string& secret, std::vector<std::string_view> scopes,
                      std::optional<std::string_view> ns = {}) {
    return verifier_->Verify({.key = secret, .namespace_id = ns, .scopes = scopes});
  }

  GroupService groups() { return GroupService(*ctx_); }
  KeyService keys() { return KeyService(*ctx_); }

  std::string ns_, other_ns_, user_, sa_, user_pat_;
  int group_seq_ = 0;
};

TEST_F(AccessTest, EffectiveScopesFollowGroupsAtOnce) {
  domain::Group g = MustGroup(ns_, {"raw:read:db1/t1", "raw:write:db1/t1"}, {sa_});
  auto key = keys().Create(admin_, {.name = "k", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t1"}).code, VerifyCode::kValid);
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t2"}).code, VerifyCode::kInsufficientScope);
  auto valid = Verify(key->secret, {});
  ASSERT_TRUE(valid.owner);
  EXPECT_EQ(EffectiveScopes(*valid.entry, valid.bounds(), std::nullopt),
            (V{"raw:read:db1/t1", "raw:write:db1/t1"}));

  ASSERT_TRUE(groups().RemoveMember(admin_, g.id, sa_).ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t1"}).code, VerifyCode::kInsufficientScope);
  ASSERT_TRUE(groups().AddMember(admin_, g.id, sa_).ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t1"}).code, VerifyCode::kValid);
  ASSERT_TRUE(groups().Update(admin_, g.id, {.capabilities = V{"raw:read:db1/t2"}}).ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t1"}).code, VerifyCode::kInsufficientScope);
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t2"}).code, VerifyCode::kValid);
  ASSERT_TRUE(groups().Delete(admin_, g.id).ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t2"}).code, VerifyCode::kInsufficientScope);
  EXPECT_EQ(Verify(key->secret, {}).code, VerifyCode::kValid);  // no scope required
}

TEST_F(AccessTest, CapabilitiesOfAnotherNamespaceDoNotCount) {
  MustGroup(other_ns_, {"raw:*"}, {sa_});
  auto key = keys().Create(admin_, {.name = "k", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read"}).code, VerifyCode::kInsufficientScope);
}

TEST_F(AccessTest, KeyScopesNarrowTheOwnersCapabilities) {
  MustGroup(ns_, {"raw:*"}, {sa_});
  auto key = keys().Create(admin_, {.name = "k",
                                    .owner = sa_,
                                    .namespace_id = ns_,
                                    .scopes = V{"raw:read:db1/*", "timeseries:read"}});
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t9"}).code, VerifyCode::kValid);
  EXPECT_EQ(Verify(key->secret, {"raw:write:db1/t9"}).code, VerifyCode::kInsufficientScope);
  EXPECT_EQ(Verify(key->secret, {"timeseries:read"}).code, VerifyCode::kInsufficientScope);
}

TEST_F(AccessTest, NoPermissionNoAction) {
  Caller user = As(user_pat_);
  auto created = keys().Create(user, {.name = "k", .namespace_id = ns_});
  EXPECT_EQ(created.status().code(), ErrorCode::kPermissionDenied);
  auto g = groups().Create(user, {.namespace_id = ns_, .name = "mine", .capabilities = {}});
  EXPECT_EQ(g.status().code(), ErrorCode::kPermissionDenied);
}

TEST_F(AccessTest, KeysCannotExceedTheirCreator) {
  MustGroup(ns_, {"keys:*", "raw:read", "principals:read"}, {user_});
  Caller user = As(user_pat_);
  EXPECT_TRUE(
      keys().Create(user, {.name = "ok", .namespace_id = ns_, .scopes = V{"raw:read"}}).ok());
  EXPECT_TRUE(
      keys()
          .Create(user, {.name = "ok2", .namespace_id = ns_, .scopes = V{"raw:read:db1/t1"}})
          .ok());
  for (V scopes : {V{"raw:write"}, V{"raw:*"}, V{"*"}, V{"raw:read", "groups:write"}}) {
    bool star = scopes == V{"*"};
    auto created = keys().Create(
        user,
        {.name = "too-much", .owner = star ? sa_ : user_, .namespace_id = ns_, .scopes = scopes});
    // A `*` key for a service account without capabilities grants nothing: allowed.
    if (star) {
      EXPECT_TRUE(created.ok());
      continue;
    }
    EXPECT_EQ(created.status().code(), ErrorCode::kPrivilegeEscalation) << scopes.front();
  }
  // `*` for someone holding more than the creator is an escalation.
  MustGroup(ns_, {"raw:write"}, {sa_});
  auto star = keys().Create(user, {.name = "star", .owner = sa_, .namespace_id = ns_});
  EXPECT_EQ(star.status().code(), ErrorCode::kPrivilegeEscalation);
  // Nothing was written by the refusals.
  auto listed = keys().List(admin_, {.namespace_id = ns_}, {.cursor = "", .limit = 100});
  ASSERT_TRUE(listed.ok());
  for (const auto& k : listed->items) {
    EXPECT_NE(k.name, "star");
    EXPECT_NE(k.scopes, V{"raw:write"});
  }
}

TEST_F(AccessTest, ScopeUpdatesAreCheckedToo) {
  MustGroup(ns_, {"keys:*", "raw:read"}, {user_});
  Caller user = As(user_pat_);
  auto key = keys().Create(user, {.name = "k", .namespace_id = ns_, .scopes = V{"raw:read"}});
  ASSERT_TRUE(key.ok());
  auto up = keys().Update(user, key->key.id, {.scopes = V{"raw:write"}});
  EXPECT_EQ(up.status().code(), ErrorCode::kPrivilegeEscalation);
  auto stored = keys().Get(admin_, key->key.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->scopes, V{"raw:read"});
}

TEST_F(AccessTest, GroupsCannotExceedTheirEditor) {
  MustGroup(ns_, {"groups:*", "raw:read", "principals:read"}, {user_});
  Caller user = As(user_pat_);
  auto ok = groups().Create(
      user, {.namespace_id = ns_, .name = "readers", .capabilities = {"raw:read:db1/t1"}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  auto bad = groups().Create(
      user, {.namespace_id = ns_, .name = "writers", .capabilities = {"raw:write"}});
  EXPECT_EQ(bad.status().code(), ErrorCode::kPrivilegeEscalation);
  auto up = groups().Update(user, ok->id, {.capabilities = V{"keys:create", "raw:*"}});
  EXPECT_EQ(up.status().code(), ErrorCode::kPrivilegeEscalation);
  // Joining a group that holds more than you is an escalation too.
  domain::Group admins = MustGroup(ns_, {"*"}, {});
  EXPECT_EQ(groups().AddMember(user, admins.id, user_).status().code(),
            ErrorCode::kPrivilegeEscalation);
  EXPECT_EQ(groups().AddMember(user, ok->id, sa_).status().code(), ErrorCode::kOk);
}

TEST_F(AccessTest, OthersAreOnlyNamedWhenVisible) {
  MustGroup(ns_, {"keys:*", "groups:*", "raw:read"}, {user_});
  Caller user = As(user_pat_);  // no principals:read: the service account is unknown to her
  auto key = keys().Create(
      user, {.name = "k", .owner = sa_, .namespace_id = ns_, .scopes = V{"raw:read"}});
  EXPECT_EQ(key.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(key.status().field(), "owner");
  auto g = groups().Create(user, {.namespace_id = ns_, .name = "x", .members = {sa_}});
  EXPECT_EQ(g.status().field(), "members");
  // Never a key owned by a superuser, which would outlive her own rights.
  MustGroup(boot_.namespace_id, {"principals:read"}, {user_});  // she can see the admin
  auto backdoor = keys().Create(
      As(user_pat_),
      {.name = "b", .owner = admin_.principal_id, .namespace_id = ns_, .scopes = V{"raw:read"}});
  EXPECT_EQ(backdoor.status().code(), ErrorCode::kPermissionDenied);
}

TEST_F(AccessTest, ManagementKeysStayInTheirNamespace) {
  MustGroup(ns_, {"keys:*", "groups:read"}, {user_});
  MustGroup(other_ns_, {"keys:*"}, {user_});
  auto mk = keys().Create(
      admin_, {.name = "mk", .type = KeyType::kManagement, .owner = user_, .namespace_id = ns_});
  ASSERT_TRUE(mk.ok());
  Caller m = As(mk->secret);
  EXPECT_TRUE(keys().Create(m, {.name = "in", .namespace_id = ns_, .scopes = V{}}).ok());
  EXPECT_EQ(
      keys().Create(m, {.name = "out", .namespace_id = other_ns_, .scopes = V{}}).status().code(),
      ErrorCode::kPermissionDenied);
  EXPECT_EQ(keys().Create(m, {.name = "pat", .type = KeyType::kPersonal}).status().code(),
            ErrorCode::kPermissionDenied);
  auto visible = ctx_->policy.NamespacesWith(m, "keys:read");
  ASSERT_TRUE(visible);
  EXPECT_EQ(*visible, V{ns_});
}

TEST_F(AccessTest, ApplicationKeysReachTheirWorkspaces) {
  std::string app = MustNamespace("app", domain::NamespaceKind::kApplication);
  std::string ws = MustNamespace("ws", domain::NamespaceKind::kWorkspace, app);
  std::string foreign_ws = MustNamespace("ws2", domain::NamespaceKind::kWorkspace, ns_);
  MustGroup(app, {"namespaces:*", "keys:*"}, {user_});
  auto mk = keys().Create(
      admin_,
      {.name = "app-mk", .type = KeyType::kManagement, .owner = user_, .namespace_id = app});
  ASSERT_TRUE(mk.ok());
  Caller m = As(mk->secret);
  const AccessPolicy& policy = ctx_->policy;
  EXPECT_TRUE(policy.Authorize(m, "namespaces:write", ws).ok());
  EXPECT_FALSE(policy.Authorize(m, "keys:create", ws).ok());  // only namespaces:*
  EXPECT_FALSE(policy.Authorize(m, "namespaces:write", foreign_ws).ok());
  EXPECT_TRUE(
      NamespaceService(*ctx_)
          .Create(m, {.name = "ws3", .kind = domain::NamespaceKind::kWorkspace, .parent_id = app})
          .ok());
  EXPECT_TRUE(NamespaceService(*ctx_).Delete(m, ws).ok());
  // An organization key does not reach its applications.
  std::string org = MustNamespace("org", domain::NamespaceKind::kOrganization);
  std::string org_app = MustNamespace("org-app", domain::NamespaceKind::kApplication, org);
  MustGroup(org, {"namespaces:*"}, {user_});
  auto ok = keys().Create(
      admin_,
      {.name = "org-mk", .type = KeyType::kManagement, .owner = user_, .namespace_id = org});
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(policy.Authorize(As(ok->secret), "namespaces:read", org_app).ok());
}

TEST_F(AccessTest, OwnersManageTheirOwnKeysWithTheirToken) {
  auto key = keys().Create(admin_, {.name = "mine", .owner = user_, .namespace_id = ns_});
  ASSERT_TRUE(key.ok());
  Caller user = As(user_pat_);  // no capabilities at all
  EXPECT_TRUE(keys().Get(user, key->key.id).ok());
  EXPECT_TRUE(keys().Apply(user, key->key.id, KeyAction::kRevoke).ok());
  EXPECT_TRUE(keys().Delete(user, key->key.id).ok());
  auto sa_key = keys().Create(admin_, {.name = "not-mine", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(sa_key.ok());
  EXPECT_EQ(keys().Get(user, sa_key->key.id).status().code(), ErrorCode::kNotFound);
}

TEST_F(AccessTest, AKeyMadeForSomeoneElseNeverOutgrowsItsCreator) {
  domain::Group olivias = MustGroup(ns_, {"keys:create", "principals:read", "raw:read"}, {user_});
  Caller user = As(user_pat_);
  auto key = keys().Create(user, {.name = "for-sa", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(key.ok()) << key.status().message();  // `*`, and the owner holds nothing yet
  EXPECT_EQ(Verify(key->secret, {"raw:read"}).code, VerifyCode::kInsufficientScope);
  // The owner is given more than the creator holds: the key follows only as far as both go.
  MustGroup(ns_, {"raw:*"}, {sa_});
  EXPECT_EQ(Verify(key->secret, {"raw:read:db1/t1"}).code, VerifyCode::kValid);
  EXPECT_EQ(Verify(key->secret, {"raw:write"}).code, VerifyCode::kInsufficientScope);
  auto valid = Verify(key->secret, {});
  EXPECT_EQ(EffectiveScopes(*valid.entry, valid.bounds(), std::nullopt), V{"raw:read"});
  // The creator loses the permission: every key she made loses it at once.
  ASSERT_TRUE(groups().RemoveMember(admin_, olivias.id, user_).ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read"}).code, VerifyCode::kInsufficientScope);
  ASSERT_TRUE(groups().AddMember(admin_, olivias.id, user_).ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read"}).code, VerifyCode::kValid);
  // Disabled or deleted, the creator holds nothing.
  ASSERT_TRUE(PrincipalService(*ctx_)
                  .Update(admin_, user_, {.status = domain::PrincipalStatus::kDisabled})
                  .ok());
  EXPECT_EQ(Verify(key->secret, {"raw:read"}).code, VerifyCode::kInsufficientScope);
  // A superuser's keys for others are bounded by their owner only.
  auto by_admin = keys().Create(admin_, {.name = "by-admin", .owner = sa_, .namespace_id = ns_});
  ASSERT_TRUE(by_admin.ok());
  EXPECT_EQ(Verify(by_admin->secret, {"raw:write"}).code, VerifyCode::kValid);
  // And the bound survives a restart.
  index::KeyIndex fresh;
  ASSERT_TRUE(LoadIndex(*store_, fresh).ok());
  auto entry = fresh.FindKey(key->key.id.substr(4));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->grant->creator, user_);
  EXPECT_TRUE(fresh.FindKey(by_admin->key.id.substr(4))->grant->creator.empty());
}

TEST_F(AccessTest, CapabilitiesAreLoadedAtStartUp) {
  MustGroup(ns_, {"raw:read"}, {sa_});
  MustGroup(ns_, {"raw:write:db1/t1"}, {sa_});
  index::KeyIndex fresh;
  ASSERT_TRUE(LoadIndex(*store_, fresh).ok());
  auto owner = fresh.FindPrincipal(sa_);
  ASSERT_TRUE(owner);
  const V* caps = owner->capabilities->In(ns_);
  ASSERT_NE(caps, nullptr);
  EXPECT_EQ(*caps, (V{"raw:read", "raw:write:db1/t1"}));
  EXPECT_TRUE(fresh.FindNamespace(ns_));
}

}  // namespace
}  // namespace latchkey::service
