#include "service/principal_service.h"

#include <gtest/gtest.h>

#include "service/group_service.h"
#include "service/session_service.h"
#include "service/testing/service_fixture.h"

namespace latchkey::service {
namespace {

using domain::PrincipalKind;
using domain::PrincipalStatus;

class PrincipalServiceTest : public testing::ServiceFixture {
 protected:
  PrincipalService principals() { return PrincipalService(*ctx_); }
};

TEST_F(PrincipalServiceTest, UserGetsADefaultKeyThatVerifies) {
  auto created = principals().Create(admin_, {.name = "ada", .kind = PrincipalKind::kUser});
  ASSERT_TRUE(created.ok()) << created.status().message();
  ASSERT_TRUE(created->default_key.has_value());
  EXPECT_EQ(created->default_key->key.name, kDefaultKeyName);
  EXPECT_EQ(created->principal.namespace_id, boot_.namespace_id);
  EXPECT_EQ(VerifyCodeOf(created->default_key->secret, boot_.namespace_id), VerifyCode::kValid);
}

TEST_F(PrincipalServiceTest, ServiceAccountsAndOptOutGetNoDefaultKey) {
  auto sa = principals().Create(admin_, {.name = "sa", .kind = PrincipalKind::kServiceAccount});
  ASSERT_TRUE(sa.ok());
  EXPECT_FALSE(sa->default_key.has_value());
  auto user = principals().Create(
      admin_, {.name = "bob", .kind = PrincipalKind::kUser, .default_key = false});
  ASSERT_TRUE(user.ok());
  EXPECT_FALSE(user->default_key.has_value());
}

TEST_F(PrincipalServiceTest, DisablingTheOwnerDisablesItsKeysAtOnce) {
  auto user = principals().Create(admin_, {.name = "ada", .kind = PrincipalKind::kUser});
  ASSERT_TRUE(user.ok());
  const std::string& secret = user->default_key->secret;
  ASSERT_TRUE(
      principals().Update(admin_, user->principal.id, {.status = PrincipalStatus::kDisabled}).ok());
  EXPECT_EQ(VerifyCodeOf(secret), VerifyCode::kDisabled);
  ASSERT_TRUE(
      principals().Update(admin_, user->principal.id, {.status = PrincipalStatus::kActive}).ok());
  EXPECT_EQ(VerifyCodeOf(secret), VerifyCode::kValid);
}

TEST_F(PrincipalServiceTest, DeletingThePrincipalDeletesItsKeys) {
  auto user = principals().Create(admin_, {.name = "ada", .kind = PrincipalKind::kUser});
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(principals().Delete(admin_, user->principal.id).ok());
  EXPECT_EQ(VerifyCodeOf(user->default_key->secret), VerifyCode::kNotFound);
  EXPECT_EQ(principals().Get(admin_, user->principal.id).status().code(), ErrorCode::kNotFound);
}

TEST_F(PrincipalServiceTest, CallerCannotDisableOrDeleteItself) {
  EXPECT_EQ(principals()
                .Update(admin_, admin_.principal_id, {.status = PrincipalStatus::kDisabled})
                .status()
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(principals().Delete(admin_, admin_.principal_id).code(), ErrorCode::kConflict);
}

TEST_F(PrincipalServiceTest, NamesAreUniqueAndValidated) {
  ASSERT_TRUE(principals().Create(admin_, {.name = "ada"}).ok());
  EXPECT_EQ(principals().Create(admin_, {.name = "ada"}).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(principals().Create(admin_, {.name = "x", .email = "no-at"}).status().field(), "email");
  EXPECT_EQ(principals().Create(admin_, {.name = "x", .namespace_id = "ns_nope"}).status().field(),
            "namespace");
  EXPECT_EQ(principals().Create(admin_, {.name = std::string(200, 'a')}).status().field(), "name");
}

TEST_F(PrincipalServiceTest, BootstrapRefusesASecondRun) {
  EXPECT_EQ(Bootstrap(*ctx_).status().code(), ErrorCode::kConflict);
  auto initialized = IsInitialized(*store_);
  ASSERT_TRUE(initialized.ok());
  EXPECT_TRUE(*initialized);
}

TEST_F(PrincipalServiceTest, LoadIndexRestoresEveryKeyAndPrincipal) {
  auto user = principals().Create(admin_, {.name = "ada"});
  ASSERT_TRUE(user.ok());
  index::KeyIndex fresh;
  auto loaded = LoadIndex(*store_, fresh);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, 2u);
  Verifier verifier(fresh, *hasher_, clock_);
  EXPECT_TRUE(verifier.Verify({.key = user->default_key->secret}).valid());
  EXPECT_TRUE(verifier.Verify({.key = boot_.admin_token}).valid());
}

constexpr char kPassword[] = "correct horse battery staple";

// Users for the password rules: `hr` may write principals in the root namespace; `ada` holds
// raw:* in a project besides; each has a personal token with scopes {"*"}.
class PasswordTest : public PrincipalServiceTest {
 protected:
  void SetUp() override {
    PrincipalServiceTest::SetUp();
    auto project = NamespaceService(*ctx_).Create(
        admin_, {.name = "proj", .kind = domain::NamespaceKind::kProject});
    ASSERT_TRUE(project.ok());
    project_ = project->id;
    hr_ = MustUser("hr");
    ada_ = MustUser("ada");
    MustGroup(boot_.namespace_id, {"principals:*", "keys:read"}, {hr_});
    MustGroup(project_, {"raw:*"}, {ada_});
  }

  std::string MustUser(const std::string& name) {
    auto p = principals().Create(admin_, {.name = name, .default_key = false});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? p->principal.id : "";
  }

  void MustGroup(const std::string& ns, std::vector<std::string> caps,
                 std::vector<std::string> members) {
    auto g = GroupService(*ctx_).Create(admin_, {.namespace_id = ns,
                                                 .name = "g" + std::to_string(++groups_),
                                                 .capabilities = std::move(caps),
                                                 .members = std::move(members)});
    ASSERT_TRUE(g.ok()) << g.status().message();
  }

  // The Caller of a new personal token of `owner` with `scopes`.
  Caller Pat(const std::string& owner, std::vector<std::string> scopes = {"*"}) {
    auto key = KeyService(*ctx_).Create(admin_, {.name = "pat" + std::to_string(++pats_),
                                                 .type = domain::KeyType::kPersonal,
                                                 .owner = owner,
                                                 .scopes = std::move(scopes)});
    EXPECT_TRUE(key.ok()) << key.status().message();
    auto caller = authenticator_->Authenticate(key.ok() ? key->secret : "", std::nullopt);
    EXPECT_TRUE(caller.ok()) << caller.status().message();
    return caller.ok() ? *caller : Caller{};
  }

  bool HasPassword(const std::string& id) { return principals().Get(admin_, id)->has_password; }

  std::string project_, hr_, ada_;
  int groups_ = 0, pats_ = 0;
};

TEST_F(PrincipalServiceTest, CreateWithAPassword) {
  auto user = principals().Create(admin_, {.name = "ada", .password = kPassword});
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_TRUE(user->principal.has_password);
  EXPECT_TRUE(principals().Get(admin_, user->principal.id)->has_password);
  auto plain = principals().Create(admin_, {.name = "bob"});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->principal.has_password);
}

TEST_F(PrincipalServiceTest, CreateRefusesBadPasswords) {
  auto robot = principals().Create(
      admin_, {.name = "robot", .kind = PrincipalKind::kServiceAccount, .password = kPassword});
  EXPECT_EQ(robot.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(robot.status().field(), "password");
  for (std::string bad : {std::string("short"), std::string(11, 'x'), std::string(1025, 'x')}) {
    auto refused = principals().Create(admin_, {.name = "ada", .password = bad});
    EXPECT_EQ(refused.status().field(), "password") << bad.size();
    EXPECT_EQ(refused.status().message().find(bad), std::string::npos);
  }
  // Characters, not bytes: 12 two-byte characters pass, 1024 of them too.
  std::string twelve;
  for (int i = 0; i < 12; ++i) twelve += "é";
  EXPECT_TRUE(principals().Create(admin_, {.name = "u1", .password = twelve}).ok());
  std::string long_one;
  for (int i = 0; i < 1024; ++i) long_one += "é";
  EXPECT_TRUE(principals().Create(admin_, {.name = "u2", .password = long_one}).ok());
}

TEST_F(PasswordTest, AUserSetsItsOwnPassword) {
  ASSERT_TRUE(principals().SetPassword(Pat(ada_), ada_, kPassword).ok());
  EXPECT_TRUE(HasPassword(ada_));
  // The event says who and what, never the password.
  store::AuditFilter filter;
  filter.action = "principals.set_password";
  auto events = AuditLog(*ctx_).List(admin_, filter, {.cursor = "", .limit = 10});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_EQ(events->items[0].target, ada_);
  EXPECT_EQ(events->items[0].actor_principal, ada_);
  EXPECT_EQ(events->items[0].outcome, domain::AuditOutcome::kSuccess);
  EXPECT_EQ(events->items[0].details_json.find("horse"), std::string::npos);
}

TEST_F(PasswordTest, ANarrowTokenCannotSetItsOwnersPassword) {
  // A password signs in with all of the user's permissions: more than this token has.
  Status refused = principals().SetPassword(Pat(ada_, {"raw:read"}), ada_, kPassword);
  EXPECT_EQ(refused.code(), ErrorCode::kPrivilegeEscalation) << refused.message();
  EXPECT_FALSE(HasPassword(ada_));
}

TEST_F(PasswordTest, OthersNeedPrincipalsWriteAndEveryPermissionOfTheUser) {
  Caller hr = Pat(hr_);
  // hr may write principals here, but ada holds raw:* in the project, which hr does not.
  Status escalation = principals().SetPassword(hr, ada_, kPassword);
  EXPECT_EQ(escalation.code(), ErrorCode::kPrivilegeEscalation) << escalation.message();
  EXPECT_NE(escalation.message().find("raw:*"), std::string::npos) << escalation.message();
  EXPECT_FALSE(HasPassword(ada_));
  MustGroup(project_, {"raw:*"}, {hr_});
  EXPECT_TRUE(principals().SetPassword(Pat(hr_), ada_, kPassword).ok());
  EXPECT_TRUE(HasPassword(ada_));
  // Without principals:write in the user's home namespace: refused (and audited).
  Status denied = principals().SetPassword(Pat(ada_), hr_, kPassword);
  EXPECT_EQ(denied.code(), ErrorCode::kNotFound);  // ada cannot even read hr
  MustGroup(boot_.namespace_id, {"principals:read"}, {ada_});
  denied = principals().SetPassword(Pat(ada_), hr_, kPassword);
  EXPECT_EQ(denied.code(), ErrorCode::kPermissionDenied) << denied.message();
}

TEST_F(PasswordTest, OnlyASuperuserSetsASuperusersPassword) {
  MustGroup(boot_.namespace_id, {"*"}, {hr_});
  Status refused = principals().SetPassword(Pat(hr_), admin_.principal_id, kPassword);
  EXPECT_EQ(refused.code(), ErrorCode::kPermissionDenied) << refused.message();
  EXPECT_TRUE(principals().SetPassword(admin_, admin_.principal_id, kPassword).ok());
}

TEST_F(PasswordTest, RefusesServiceAccountsAndBadPasswords) {
  auto robot =
      principals().Create(admin_, {.name = "robot", .kind = PrincipalKind::kServiceAccount});
  ASSERT_TRUE(robot.ok());
  EXPECT_EQ(principals().SetPassword(admin_, robot->principal.id, kPassword).field(), "password");
  EXPECT_EQ(principals().SetPassword(admin_, ada_, "too short").field(), "password");
  EXPECT_EQ(principals().SetPassword(admin_, "pr_nope", kPassword).code(), ErrorCode::kNotFound);
}

TEST_F(PasswordTest, SettingAPasswordEndsTheUsersOtherSessions) {
  ASSERT_TRUE(principals().SetPassword(admin_, ada_, kPassword).ok());
  SessionService sessions(*ctx_, {});
  auto sign_in = [&] {
    auto created = sessions.SignIn({.name = "ada", .password = kPassword, .source_ip = "x"});
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? created->secret : "";
  };
  std::string kept = sign_in();
  std::string other = sign_in();
  auto self = sessions.Authenticate(kept);
  ASSERT_TRUE(self.ok());
  ASSERT_TRUE(principals().SetPassword(*self, ada_, "another long passphrase").ok());
  EXPECT_TRUE(sessions.Authenticate(kept).ok());
  EXPECT_EQ(sessions.Authenticate(other).status().code(), ErrorCode::kUnauthenticated);
  // Set by someone else: every session ends, the old password no longer works.
  ASSERT_TRUE(principals().SetPassword(admin_, ada_, kPassword).ok());
  EXPECT_EQ(sessions.Authenticate(kept).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(
      sessions.SignIn({.name = "ada", .password = "another long passphrase", .source_ip = "y"})
          .status()
          .code(),
      ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace latchkey::service
