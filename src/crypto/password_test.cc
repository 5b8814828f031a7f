#include "crypto/password.h"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::crypto {
namespace {

TEST(Password, HashVerifiesItsPasswordOnly) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, "Correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(Password, SaltMakesEveryHashDifferent) {
  auto a = HashPassword("the same password");
  auto b = HashPassword("the same password");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*b, "the same password"));
}

TEST(Password, EveryByteCounts) {
  const std::string with_nul("before\0after-123", 16);
  auto hash = HashPassword(with_nul);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(*hash, with_nul));
  EXPECT_FALSE(VerifyPassword(*hash, "before"));
  auto unicode = HashPassword("pässwörd-日本語-🔑");
  ASSERT_TRUE(unicode.ok());
  EXPECT_TRUE(VerifyPassword(*unicode, "pässwörd-日本語-🔑"));
}

TEST(Password, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "password-123"));
  EXPECT_FALSE(VerifyPassword("password-123", "password-123"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=65536,t=2,p=1$garbage", "password-123"));
  EXPECT_FALSE(VerifyPassword(std::string(4096, '$'), "password-123"));
}

}  // namespace
}  // namespace latchkey::crypto
