#include "service/principal_service.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace latchkey::service
