#include "crypto/key_format.h"

#include <algorithm>
#include <boost/crc.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "crypto/base62.h"

namespace latchkey::crypto {
namespace {

constexpr std::size_t kMaxPrefixChars = 16;
constexpr char kSeparator = '_';
constexpr std::size_t kHintTailChars = 4;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, UTF-8

// A key is `prefix`, kSeparator, then kKeyBodyChars; the smallest and largest lengths follow.
constexpr std::size_t kMinKeyChars = 1 + 1 + kKeyBodyChars;
constexpr std::size_t kMaxKeyChars = kMaxPrefixChars + 1 + kKeyBodyChars;

constexpr bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// CRC-32 (the zlib/PNG one) of everything that precedes the checksum characters.
std::uint32_t Crc32(std::string_view covered) {
  boost::crc_32_type crc;
  crc.process_bytes(covered.data(), covered.size());
  return crc.checksum();
}

struct CoveredScan {
  std::uint32_t crc;  // of the prefix, the separator and the random characters
  bool base62;        // whether the random characters are all base62
};

// One pass over the id and secret characters that both feeds the CRC and checks the alphabet:
// the CRC is a chain of dependent table look-ups, and the alphabet check fills its idle slots.
CoveredScan ScanCovered(std::string_view prefix_and_separator, std::string_view random_chars) {
  boost::crc_32_type crc;
  crc.process_bytes(prefix_and_separator.data(), prefix_and_separator.size());
  std::uint8_t seen = 0;  // kInvalid is the only digit value with the top bit set
  for (char c : random_chars) {
    crc.process_byte(static_cast<unsigned char>(c));
    seen |= static_cast<std::uint8_t>(base62::DigitValue(c));
  }
  return {.crc = crc.checksum(), .base62 = (seen & 0x80) == 0};
}

// Decodes exactly kChecksumChars base62 digits, big-endian; -1 if one is not a digit.
// 62^6 > 2^32, so the result can exceed any CRC value; the caller's comparison rejects that.
std::int64_t DecodeChecksum(std::string_view digits) {
  std::int64_t value = 0;
  for (char c : digits) {
    const int digit = base62::DigitValue(c);
    if (digit == base62::kInvalid) return -1;
    value = value * base62::kRadix + digit;
  }
  return value;
}

void AppendChecksum(std::uint32_t crc, std::string& out) {
  char digits[kChecksumChars];
  std::uint64_t value = crc;
  for (std::size_t i = kChecksumChars; i-- > 0;) {
    digits[i] = base62::kAlphabet[value % base62::kRadix];
    value /= base62::kRadix;
  }
  out.append(digits, kChecksumChars);
}

// Where the prefix ends in `key`, if `key` has the length and separator of a key.
std::optional<std::size_t> PrefixLength(std::string_view key) {
  if (key.size() < kMinKeyChars || key.size() > kMaxKeyChars) return std::nullopt;
  const std::size_t prefix_chars = key.size() - kKeyBodyChars - 1;
  if (key[prefix_chars] != kSeparator) return std::nullopt;
  return prefix_chars;
}

}  // namespace

bool IsValidPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > kMaxPrefixChars) return false;
  if (!IsLowerAlpha(prefix[0])) return false;
  for (char c : prefix.substr(1)) {
    if (!IsLowerAlpha(c) && !IsDigit(c) && c != kSeparator) return false;
  }
  return true;
}

std::optional<ParsedKey> ParseKey(std::string_view key) {
  const std::optional<std::size_t> prefix_chars = PrefixLength(key);
  if (!prefix_chars) return std::nullopt;
  const std::string_view prefix = key.substr(0, *prefix_chars);
  if (!IsValidPrefix(prefix)) return std::nullopt;
  const std::size_t body_start = *prefix_chars + 1;
  const std::string_view random_chars = key.substr(body_start, kKeyIdChars + kSecretChars);
  const std::string_view checksum = key.substr(body_start + random_chars.size());
  const CoveredScan scan = ScanCovered(key.substr(0, body_start), random_chars);
  if (!scan.base62 || DecodeChecksum(checksum) != scan.crc) return std::nullopt;
  return ParsedKey{.prefix = prefix, .id_chars = random_chars.substr(0, kKeyIdChars)};
}

GeneratedKey GenerateKey(std::string_view prefix, RandomSource& random) {
  if (!IsValidPrefix(prefix)) {
    // A caller bug (prefixes are validated where they are configured): crash loudly rather
    // than hand out a key that ParseKey would refuse.
    std::fprintf(stderr, "latchkey: FATAL: GenerateKey called with an invalid prefix\n");
    std::abort();
  }
  const std::string id_chars = RandomBase62(random, kKeyIdChars);
  GeneratedKey generated;
  std::string& key = generated.key;
  key.reserve(prefix.size() + 1 + kKeyBodyChars);
  key.append(prefix).push_back(kSeparator);
  key += id_chars;
  key += RandomBase62(random, kSecretChars);
  AppendChecksum(Crc32(key), key);
  generated.id = PublicKeyId(id_chars);
  generated.hint = KeyHint(key);
  return generated;
}

std::string PublicKeyId(std::string_view id_chars) {
  std::string id(kPublicKeyIdPrefix);
  id += id_chars;
  return id;
}

std::optional<std::string_view> IdCharsFromPublicId(std::string_view public_id) {
  if (public_id.size() != kPublicKeyIdPrefix.size() + kKeyIdChars) return std::nullopt;
  if (!public_id.starts_with(kPublicKeyIdPrefix)) return std::nullopt;
  const std::string_view id_chars = public_id.substr(kPublicKeyIdPrefix.size());
  if (!base62::IsBase62(id_chars)) return std::nullopt;
  return id_chars;
}

std::string KeyHint(std::string_view key) {
  const std::optional<std::size_t> prefix_chars = PrefixLength(key);
  std::string hint(key.substr(0, prefix_chars.value_or(0)));
  if (prefix_chars) hint.push_back(kSeparator);
  hint += kEllipsis;
  hint += key.substr(key.size() - std::min(key.size(), kHintTailChars));
  return hint;
}

namespace {

// Ids have 12 (entities) or 16 (keys) characters after their "_"; secrets have 65.
constexpr std::size_t kMinRedactedBody = 32;

}  // namespace

std::string RedactKeys(std::string_view text) {
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!word_char(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && word_char(text[end])) ++end;
    std::string_view word = text.substr(i, end - i);
    // A key, or the start of one (messages cut long input short): a prefix, "_", and more
    // base62 characters than any id has.
    std::size_t body = word.size() - word.rfind('_') - 1;
    bool looks_like_key = word.find('_') != std::string_view::npos && body >= kMinRedactedBody;
    out += looks_like_key ? std::string_view("[redacted]") : word;
    i = end;
  }
  return out;
}

}  // namespace latchkey::crypto
