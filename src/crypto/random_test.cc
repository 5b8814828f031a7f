#include "crypto/random.h"

#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <map>
#include <set>

#include "crypto/base62.h"
#include "crypto/fake_random.h"

namespace latchkey::crypto {
namespace {

// Hands out a fixed script of bytes, then zeros; counts how many it handed out.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<std::uint8_t> script) : script_(std::move(script)) {}
  void Fill(std::span<std::uint8_t> out) override {
    for (std::uint8_t& byte : out) {
      byte = script_.empty() ? 0 : script_.front();
      if (!script_.empty()) script_.pop_front();
    }
  }

 private:
  std::deque<std::uint8_t> script_;
};

TEST(OsRandom, FillsWithFreshBytes) {
  OsRandom random;
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  random.Fill(a);
  random.Fill(b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<std::uint8_t, 32>{}));
}

TEST(OsRandom, FillsEmptySpan) {
  OsRandom random;
  random.Fill(std::span<std::uint8_t>());
}

TEST(RandomBase62, HasRequestedLengthAndAlphabet) {
  OsRandom random;
  for (std::size_t n : {0, 1, 12, 43, 100, 1000}) {
    const std::string s = RandomBase62(random, n);
    EXPECT_EQ(s.size(), n);
    EXPECT_TRUE(base62::IsBase62(s)) << s;
  }
}

TEST(RandomBase62, MapsBytesBelow248AndRejectsTheRest) {
  // 248..255 would bias the first 8 digits if reduced modulo 62; they must be skipped.
  ScriptedRandom random({248, 249, 250, 251, 252, 253, 254, 255, 0, 1, 61, 62, 247, 10, 36});
  EXPECT_EQ(RandomBase62(random, 7), "01z0zAa");
}

TEST(RandomBase62, KeepsDrawingWhenEverythingIsRejected) {
  std::deque<std::uint8_t> script(1000, 255);
  script.push_back(5);
  ScriptedRandom random(std::move(script));
  EXPECT_EQ(RandomBase62(random, 2), "50");
}

// With a uniform source each of the 62 digits should appear ~1/62 of the time. A chi-square
// statistic over 61 degrees of freedom above 120 would happen by chance with p < 1e-5; the
// seed is fixed, so this test is deterministic either way.
TEST(RandomBase62, IsUniform) {
  SeededRandom random(2024);
  constexpr int kSamples = 62 * 2000;
  std::map<char, int> counts;
  for (char c : RandomBase62(random, kSamples)) ++counts[c];
  ASSERT_EQ(counts.size(), 62u);
  double chi_square = 0;
  for (const auto& [c, count] : counts) {
    const double diff = count - 2000.0;
    chi_square += diff * diff / 2000.0;
  }
  EXPECT_LT(chi_square, 120.0);
}

TEST(NewId, HasKindUnderscoreAndTwelveCharacters) {
  OsRandom random;
  const std::string id = NewId("ns", random);
  ASSERT_EQ(id.size(), 2 + 1 + 12);
  EXPECT_TRUE(id.starts_with("ns_"));
  EXPECT_TRUE(base62::IsBase62(std::string_view(id).substr(3)));
}

TEST(NewId, IsUnique) {
  OsRandom random;
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewId("pr", random));
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(SeededRandom, IsDeterministic) {
  SeededRandom a(5);
  SeededRandom b(5);
  SeededRandom c(6);
  EXPECT_EQ(RandomBase62(a, 40), RandomBase62(b, 40));
  EXPECT_NE(RandomBase62(a, 40), RandomBase62(c, 40));
}

}  // namespace
}  // namespace latchkey::crypto
