#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace latchkey::crypto {
namespace {

std::string Hex(const domain::Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t byte : digest) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xf]);
  }
  return hex;
}

std::unique_ptr<SecretHasher> MakeHasher(std::vector<std::uint8_t> pepper) {
  Result<std::unique_ptr<SecretHasher>> hasher = SecretHasher::Create(pepper);
  EXPECT_TRUE(hasher.ok()) << hasher.status().message();
  return std::move(hasher).value();
}

std::unique_ptr<SecretHasher> MakeHasher(std::uint8_t fill) {
  return MakeHasher(std::vector<std::uint8_t>(32, fill));
}

// RFC 4231 §4.7 and §4.8: a 131-byte key, longer than SHA-256's 64-byte block.
const std::vector<std::uint8_t> kRfc4231LongKey(131, 0xaa);

TEST(SecretHasher, MatchesRfc4231TestCase6) {
  auto hasher = MakeHasher(kRfc4231LongKey);
  EXPECT_EQ(Hex(hasher->Digest("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(SecretHasher, MatchesRfc4231TestCase7) {
  auto hasher = MakeHasher(kRfc4231LongKey);
  const std::string data =
      "This is a test using a larger than block-size key and a larger than block-size data. The "
      "key needs to be hashed before being used by the HMAC algorithm.";
  EXPECT_EQ(Hex(hasher->Digest(data)),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// Reusing the per-thread context must not carry state from one message to the next.
TEST(SecretHasher, RepeatedDigestsAreIndependent) {
  auto hasher = MakeHasher(kRfc4231LongKey);
  const domain::Digest first =
      hasher->Digest("Test Using Larger Than Block-Size Key - Hash Key First");
  hasher->Digest("something else entirely");
  hasher->Digest("");
  EXPECT_EQ(hasher->Digest("Test Using Larger Than Block-Size Key - Hash Key First"), first);
}

TEST(SecretHasher, RejectsShortPepper) {
  for (std::size_t n : {0, 1, 16, 31}) {
    Result<std::unique_ptr<SecretHasher>> hasher =
        SecretHasher::Create(std::vector<std::uint8_t>(n, 7));
    ASSERT_FALSE(hasher.ok());
    EXPECT_EQ(hasher.status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(SecretHasher::Create(std::vector<std::uint8_t>(32, 7)).ok());
}

TEST(SecretHasher, DifferentPeppersGiveDifferentDigests) {
  auto a = MakeHasher(1);
  auto b = MakeHasher(2);
  EXPECT_NE(a->Digest("lk_secret"), b->Digest("lk_secret"));
  EXPECT_EQ(a->Digest("lk_secret"), MakeHasher(1)->Digest("lk_secret"));
}

// Several hashers used alternately from one thread each keep their own context.
TEST(SecretHasher, InterleavedHashersDoNotMix) {
  auto a = MakeHasher(1);
  auto b = MakeHasher(2);
  const domain::Digest da = a->Digest("x");
  const domain::Digest db = b->Digest("x");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a->Digest("x"), da);
    EXPECT_EQ(b->Digest("x"), db);
  }
}

// A hasher destroyed and replaced by another, quite possibly at the same address, must not
// reuse the first one's cached context (which holds the old pepper).
TEST(SecretHasher, ReplacementHasherDoesNotReuseStaleContext) {
  const domain::Digest expected_a = MakeHasher(1)->Digest("x");
  const domain::Digest expected_b = MakeHasher(2)->Digest("x");
  ASSERT_NE(expected_a, expected_b);
  for (int i = 0; i < 50; ++i) {
    const std::uint8_t fill = i % 2 == 0 ? 1 : 2;
    EXPECT_EQ(MakeHasher(fill)->Digest("x"), fill == 1 ? expected_a : expected_b) << i;
  }
}

TEST(SecretHasher, ConcurrentThreadsGetCorrectDigests) {
  auto hasher = MakeHasher(kRfc4231LongKey);
  const std::string input = "Test Using Larger Than Block-Size Key - Hash Key First";
  const std::string other = "lk_0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq000000";
  const domain::Digest expected = hasher->Digest(input);
  const domain::Digest expected_other = hasher->Digest(other);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const bool odd = (i + t) % 2 == 1;
        if (hasher->Digest(odd ? other : input) != (odd ? expected_other : expected)) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_EQ(Hex(hasher->Digest(input)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(ConstantTimeEqual, ComparesWholeDigest) {
  domain::Digest a{};
  domain::Digest b{};
  EXPECT_TRUE(ConstantTimeEqual(a, b));
  b[31] = 1;
  EXPECT_FALSE(ConstantTimeEqual(a, b));
  b[31] = 0;
  b[0] = 0x80;
  EXPECT_FALSE(ConstantTimeEqual(a, b));
}

}  // namespace
}  // namespace latchkey::crypto
