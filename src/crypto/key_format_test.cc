#include "crypto/key_format.h"

#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <set>
#include <string>
#include <vector>

#include "crypto/base62.h"
#include "crypto/fake_random.h"

namespace latchkey::crypto {
namespace {

constexpr std::string_view kAlphabet = base62::kAlphabet;

std::vector<std::string> SomeKeys() {
  SeededRandom random(42);
  std::vector<std::string> keys;
  for (std::string_view prefix : {"lk", "a", "my_app_live", "abcdefghijklmnop", "x9_"}) {
    keys.push_back(GenerateKey(prefix, random).key);
  }
  return keys;
}

// Recomputes a key's checksum the long way round, independently of key_format.cc.
std::string ExpectedChecksum(std::string_view covered) {
  boost::crc_32_type crc;
  crc.process_bytes(covered.data(), covered.size());
  std::uint64_t value = crc.checksum();
  std::string digits(kChecksumChars, '0');
  for (std::size_t i = kChecksumChars; i-- > 0; value /= 62) digits[i] = kAlphabet[value % 62];
  return digits;
}

TEST(KeyFormat, GeneratedKeyHasDocumentedShape) {
  SeededRandom random(1);
  const GeneratedKey generated = GenerateKey("lk", random);
  const std::string& key = generated.key;
  ASSERT_EQ(key.size(), 2 + 1 + 16 + 43 + 6);
  EXPECT_TRUE(key.starts_with("lk_"));
  EXPECT_TRUE(base62::IsBase62(std::string_view(key).substr(3)));
  EXPECT_EQ(key.substr(key.size() - 6), ExpectedChecksum(std::string_view(key).substr(0, 62)));
  EXPECT_EQ(generated.id, "key_" + key.substr(3, 16));
  EXPECT_EQ(generated.hint, "lk_\u2026" + key.substr(key.size() - 4));
}

// The worked example of docs/key_format.md; if this changes, update the document.
TEST(KeyFormat, MatchesDocumentedExample) {
  constexpr std::string_view kExample =
      "lk_gng1X37YGOZIMnYUN6rI6rx5UZ5ufoqtQRBgNzO8GluNTLrs7w9DtR8DJ0Z264L5X";
  const std::optional<ParsedKey> parsed = ParseKey(kExample);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->id_chars, "gng1X37YGOZIMnYU");
  boost::crc_32_type crc;
  crc.process_bytes(kExample.data(), kExample.size() - kChecksumChars);
  EXPECT_EQ(crc.checksum(), 0x728EC0ABu);
  EXPECT_EQ(KeyHint(kExample),
            "lk_\u2026"
            "4L5X");

  SeededRandom random(1);
  EXPECT_EQ(GenerateKey("lk", random).key, kExample);
}

TEST(KeyFormat, RoundTripsGenerateToParse) {
  SeededRandom random(7);
  for (int i = 0; i < 1000; ++i) {
    const GeneratedKey generated = GenerateKey("lk", random);
    const std::optional<ParsedKey> parsed = ParseKey(generated.key);
    ASSERT_TRUE(parsed.has_value()) << generated.key;
    EXPECT_EQ(parsed->prefix, "lk");
    EXPECT_EQ(PublicKeyId(parsed->id_chars), generated.id);
    // The views point into the parsed string, not into a copy.
    EXPECT_EQ(parsed->prefix.data(), generated.key.data());
  }
}

TEST(KeyFormat, GeneratesDistinctKeys) {
  OsRandom random;
  std::set<std::string> keys;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const GeneratedKey generated = GenerateKey("lk", random);
    keys.insert(generated.key);
    ids.insert(generated.id);
  }
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(KeyFormat, ParsesPrefixContainingUnderscores) {
  SeededRandom random(3);
  for (std::string_view prefix : {"my_app_", "my_app_live", "a_", "a__b", "z_______________"}) {
    const GeneratedKey generated = GenerateKey(prefix, random);
    const std::optional<ParsedKey> parsed = ParseKey(generated.key);
    ASSERT_TRUE(parsed.has_value()) << generated.key;
    EXPECT_EQ(parsed->prefix, prefix);
    EXPECT_EQ(parsed->id_chars, std::string_view(generated.key).substr(prefix.size() + 1, 16));
  }
}

TEST(KeyFormat, RejectsBadChecksum) {
  for (const std::string& key : SomeKeys()) {
    std::string bad = key;
    bad.back() = bad.back() == '0' ? '1' : '0';
    EXPECT_FALSE(ParseKey(bad).has_value()) << bad;
  }
}

// CRC-32 detects every error burst of up to 32 bits, so no single substituted character (and
// no pair of swapped neighbours) can go unnoticed, wherever it is in the key.
TEST(KeyFormat, RejectsEverySingleCharacterTypo) {
  const std::string replacements = std::string(kAlphabet) + "_";
  for (const std::string& key : SomeKeys()) {
    ASSERT_TRUE(ParseKey(key).has_value());
    for (std::size_t pos = 0; pos < key.size(); ++pos) {
      for (char c : replacements) {
        if (c == key[pos]) continue;
        std::string typo = key;
        typo[pos] = c;
        EXPECT_FALSE(ParseKey(typo).has_value()) << typo;
      }
    }
  }
}

TEST(KeyFormat, RejectsSwappedNeighbours) {
  for (const std::string& key : SomeKeys()) {
    for (std::size_t pos = 0; pos + 1 < key.size(); ++pos) {
      if (key[pos] == key[pos + 1]) continue;
      std::string swapped = key;
      std::swap(swapped[pos], swapped[pos + 1]);
      EXPECT_FALSE(ParseKey(swapped).has_value()) << swapped;
    }
  }
}

TEST(KeyFormat, RejectsWrongLengths) {
  for (const std::string& key : SomeKeys()) {
    EXPECT_FALSE(ParseKey(key.substr(0, key.size() - 1)).has_value());
    EXPECT_FALSE(ParseKey(key.substr(1)).has_value());
    EXPECT_FALSE(ParseKey(key + "0").has_value());
    EXPECT_FALSE(ParseKey("a" + key).has_value());
    for (std::size_t n = 0; n < key.size(); ++n) {
      EXPECT_FALSE(ParseKey(std::string_view(key).substr(0, n)).has_value());
    }
  }
}

TEST(KeyFormat, RejectsEmptyAndTrivialStrings) {
  EXPECT_FALSE(ParseKey("").has_value());
  EXPECT_FALSE(ParseKey("_").has_value());
  EXPECT_FALSE(ParseKey("lk_").has_value());
  EXPECT_FALSE(ParseKey(std::string(68, '0')).has_value());
  EXPECT_FALSE(ParseKey("lk_" + std::string(65, '0')).has_value());
  EXPECT_FALSE(ParseKey(std::string(200, 'a')).has_value());
}

TEST(KeyFormat, RejectsNonAlphabetCharacters) {
  const std::string key = SomeKeys().front();  // "lk_..."
  for (char c : std::string("-+/=.~ \t\n\0\x7f\xe2\xff", 13)) {
    for (std::size_t pos : {std::size_t{3}, std::size_t{20}, key.size() - 1}) {
      std::string bad = key;
      bad[pos] = c;
      EXPECT_FALSE(ParseKey(bad).has_value()) << pos << " " << int(c);
    }
  }
}

// A key whose checksum is right for its characters but whose body has a non-alphabet byte:
// the alphabet check must not rely on the checksum to catch it.
TEST(KeyFormat, RejectsNonAlphabetBodyEvenWithMatchingChecksum) {
  std::string key = "lk_" + std::string(16, 'A') + std::string(42, 'b') + "-";
  key += ExpectedChecksum(key);
  EXPECT_FALSE(ParseKey(key).has_value());
}

// The same for prefixes: a valid checksum over an invalid prefix is still malformed.
TEST(KeyFormat, RejectsBadPrefixesEvenWithMatchingChecksum) {
  const std::string body = std::string(16, 'A') + std::string(43, 'b');
  for (std::string_view prefix :
       {"LK", "Lk", "1k", "_lk", "lk-x", "l.k", "abcdefghijklmnopq", "my_app_live_prod1"}) {
    std::string key = std::string(prefix) + "_" + body;
    key += ExpectedChecksum(key);
    EXPECT_FALSE(ParseKey(key).has_value()) << key;
  }
}

TEST(KeyFormat, AcceptsHandBuiltKeyWithMatchingChecksum) {
  std::string key = "lk_" + std::string(16, 'A') + std::string(43, 'b');
  key += ExpectedChecksum(key);
  const std::optional<ParsedKey> parsed = ParseKey(key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->id_chars, std::string(16, 'A'));
}

TEST(KeyFormat, ChecksumAboveCrcRangeIsRejected) {
  // "zzzzzz" is 62^6 - 1, larger than any CRC-32 value.
  const std::string key = "lk_" + std::string(16, 'A') + std::string(43, 'b') + "zzzzzz";
  EXPECT_FALSE(ParseKey(key).has_value());
}

TEST(KeyFormat, ValidatesPrefixes) {
  for (std::string_view ok : {"lk", "a", "sk_live", "my_app_", "a0", "abcdefghijklmnop", "a__"}) {
    EXPECT_TRUE(IsValidPrefix(ok)) << ok;
  }
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "", "A", "Lk", "lK", "0lk", "_lk", "lk-", "lk ", "abcdefghijklmnopq", "l\xc3\xa9",
           std::string_view("l\0k", 3)}) {
    EXPECT_FALSE(IsValidPrefix(bad)) << bad;
  }
}

TEST(KeyFormat, HintShowsPrefixAndLastFourCharacters) {
  SeededRandom random(11);
  const GeneratedKey generated = GenerateKey("my_app", random);
  const std::string tail = generated.key.substr(generated.key.size() - 4);
  EXPECT_EQ(generated.hint, "my_app_\xE2\x80\xA6" + tail);
  EXPECT_EQ(KeyHint(generated.key), generated.hint);
  EXPECT_EQ(generated.hint.find(generated.key.substr(7, 59)), std::string::npos);
}

TEST(KeyFormat, HintOfNonKeyOmitsPrefix) {
  EXPECT_EQ(KeyHint("abcdefgh"),
            "\xE2\x80\xA6"
            "efgh");
  EXPECT_EQ(KeyHint("ab"),
            "\xE2\x80\xA6"
            "ab");
  EXPECT_EQ(KeyHint(""), "\xE2\x80\xA6");
}

TEST(KeyFormat, PublicKeyIdRoundTrips) {
  const std::string id = PublicKeyId("0123456789abcdEF");
  EXPECT_EQ(id, "key_0123456789abcdEF");
  const std::optional<std::string_view> chars = IdCharsFromPublicId(id);
  ASSERT_TRUE(chars.has_value());
  EXPECT_EQ(*chars, "0123456789abcdEF");
}

TEST(KeyFormat, RejectsBadPublicIds) {
  for (std::string_view bad :
       {"", "key_", "key_0123456789abcdE", "key_0123456789abcdEFG", "kex_0123456789abcdEF",
        "KEY_0123456789abcdEF", "key-0123456789abcdEF", "key_0123456789abcd-F",
        "key_0123456789abcd_F", "0123456789abcdEFGHIJ"}) {
    EXPECT_FALSE(IdCharsFromPublicId(bad).has_value()) << bad;
  }
}

TEST(KeyFormat, SeededGenerationIsDeterministic) {
  SeededRandom a(99);
  SeededRandom b(99);
  EXPECT_EQ(GenerateKey("lk", a).key, GenerateKey("lk", b).key);
}

TEST(KeyFormatDeathTest, GenerateKeyRefusesInvalidPrefix) {
  SeededRandom random(1);
  EXPECT_DEATH(GenerateKey("Bad", random), "invalid prefix");
}

TEST(RedactKeys, ReplacesEveryKeyAndNothingElse) {
  SeededRandom random(7);
  std::string a = GenerateKey("lk", random).key;
  std::string b = GenerateKey("acme_test", random).key;
  EXPECT_EQ(RedactKeys("no key " + a + " here/" + b + "?x=" + a),
            "no key [redacted] here/[redacted]?x=[redacted]");
  EXPECT_EQ(RedactKeys("ns_abc key_0123456789abcdef lk_short"),
            "ns_abc key_0123456789abcdef lk_short");
  std::string typo = a;
  typo.back() = typo.back() == 'A' ? 'B' : 'A';  // a typo is still a secret
  EXPECT_EQ(RedactKeys(typo), "[redacted]");
  EXPECT_EQ(RedactKeys("no key " + a.substr(0, 64)), "no key [redacted]");  // cut short
  EXPECT_EQ(RedactKeys("ns_4fT9abcdefgh pr_x grp_y"), "ns_4fT9abcdefgh pr_x grp_y");
  EXPECT_EQ(RedactKeys(""), "");
}

}  // namespace
}  // namespace latchkey::crypto
