#include "service/verifier.h"

#include <gtest/gtest.h>

#include "crypto/fake_random.h"
#include "crypto/key_format.h"

namespace latchkey::service {
namespace {

using domain::KeyStatus;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::uint8_t> pepper(32, 1);
    hasher_ = std::move(crypto::SecretHasher::Create(pepper)).value();
    verifier_ = std::make_unique<Verifier>(index_, *hasher_, clock_);
    index_.PutPrincipal({.id = "pr_owner", .name = "owner"});
  }

  // Adds a key to the index and returns its secret.
  std::string AddKey(KeyStatus status = KeyStatus::kActive,
                     std::optional<domain::UnixMillis> expires_at = std::nullopt) {
    crypto::GeneratedKey generated = crypto::GenerateKey("lk", random_);
    domain::ApiKey key{.id = generated.id,
                       .name = "k",
                       .owner_id = "pr_owner",
                       .namespace_id = "ns_a",
                       .scopes = {"*"},
                       .expires_at = expires_at};
    key.status = status;
    key.digest = hasher_->Digest(generated.key);
    index_.PutKey(key);
    return generated.key;
  }

  VerifyCode Code(std::string_view key, std::optional<std::string_view> ns = std::nullopt) {
    return verifier_->Verify({.key = key, .namespace_id = ns}).code;
  }

  crypto::SeededRandom random_{7};
  domain::FakeClock clock_{1'000'000};
  index::KeyIndex index_;
  std::unique_ptr<crypto::SecretHasher> hasher_;
  std::unique_ptr<Verifier> verifier_;
};

TEST_F(VerifierTest, ValidKeyReturnsItsEntry) {
  std::string secret = AddKey();
  VerifyResult result = verifier_->Verify({.key = secret, .namespace_id = "ns_a"});
  EXPECT_EQ(result.code, VerifyCode::kValid);
  ASSERT_TRUE(result.entry);
  EXPECT_EQ(result.entry->owner_id, "pr_owner");
  EXPECT_EQ(crypto::PublicKeyId(result.id_chars), "key_" + secret.substr(3, 16));
}

TEST_F(VerifierTest, MalformedNeedsNoLookup) {
  EXPECT_EQ(Code(""), VerifyCode::kMalformed);
  EXPECT_EQ(Code("hello"), VerifyCode::kMalformed);
  std::string secret = AddKey();
  std::string typo = secret;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Code(typo), VerifyCode::kMalformed);
}

TEST_F(VerifierTest, UnknownIdAndWrongSecretAreNotFoundWithoutTheKey) {
  crypto::GeneratedKey stranger = crypto::GenerateKey("lk", random_);
  EXPECT_EQ(Code(stranger.key), VerifyCode::kNotFound);
  std::string secret = AddKey();
  // Same id, different secret, valid checksum: indexed id, digest mismatch.
  domain::ApiKey other{
      .id = "key_" + stranger.key.substr(3, 16), .owner_id = "pr_owner", .namespace_id = "ns_a"};
  other.digest = hasher_->Digest(secret);
  index_.PutKey(other);
  VerifyResult result = verifier_->Verify({.key = stranger.key});
  EXPECT_EQ(result.code, VerifyCode::kNotFound);
  EXPECT_FALSE(result.entry);
}

TEST_F(VerifierTest, CodesComeInTheDesignOrder) {
  // Revoked beats expired, expired beats disabled, disabled beats wrong namespace.
  EXPECT_EQ(Code(AddKey(KeyStatus::kRevoked, 1)), VerifyCode::kRevoked);
  EXPECT_EQ(Code(AddKey(KeyStatus::kDisabled, 1)), VerifyCode::kExpired);
  EXPECT_EQ(Code(AddKey(KeyStatus::kDisabled), "ns_b"), VerifyCode::kDisabled);
  EXPECT_EQ(Code(AddKey(), "ns_b"), VerifyCode::kWrongNamespace);
  EXPECT_EQ(Code(AddKey(), "ns_a"), VerifyCode::kValid);
}

TEST_F(VerifierTest, ExpiryIsInclusive) {
  std::string secret = AddKey(KeyStatus::kActive, clock_.NowMillis() + 1);
  EXPECT_EQ(Code(secret), VerifyCode::kValid);
  clock_.Advance(1);
  EXPECT_EQ(Code(secret), VerifyCode::kExpired);
}

TEST_F(VerifierTest, DisabledOrMissingOwnerDisablesTheKey) {
  std::string secret = AddKey();
  index_.PutPrincipal({.id = "pr_owner", .status = domain::PrincipalStatus::kDisabled});
  EXPECT_EQ(Code(secret), VerifyCode::kDisabled);
  index_.ErasePrincipal("pr_owner");
  EXPECT_EQ(Code(secret), VerifyCode::kDisabled);
}

TEST_F(VerifierTest, AClaimedIdMustBeTheKeysOwn) {
  std::string secret = AddKey();
  std::string own_id = "key_" + secret.substr(3, 16);
  EXPECT_TRUE(verifier_->Verify({.key = secret, .claimed_id = own_id}).valid());
  for (std::string_view other : {"key_AAAAAAAAAAAAAAAA", "", "nonsense"}) {
    VerifyResult result = verifier_->Verify({.key = secret, .claimed_id = other});
    EXPECT_EQ(result.code, VerifyCode::kNotFound) << other;
    EXPECT_FALSE(result.entry);
  }
}

TEST_F(VerifierTest, PersonalKeysPassTheNamespaceCheck) {
  crypto::GeneratedKey generated = crypto::GenerateKey("lk", random_);
  domain::ApiKey key{
      .id = generated.id, .type = domain::KeyType::kPersonal, .owner_id = "pr_owner"};
  key.digest = hasher_->Digest(generated.key);
  index_.PutKey(key);
  EXPECT_EQ(Code(generated.key, "ns_any"), VerifyCode::kValid);
}

}  // namespace
}  // namespace latchkey::service
