#pragma once
// The API key format of DESIGN §3, specified in docs/key_format.md:
//
//   {prefix}_{id:16}{secret:43}{checksum:6}
//
// prefix matches ^[a-z][a-z0-9_]{0,15}$; id, secret and checksum are base62 [0-9A-Za-z]; the
// 43 secret characters carry >= 256 bits from the CSPRNG; checksum is CRC32 of everything
// before it, as 6 base62 digits. The public key id is "key_" + the 16 id characters.
// All functions are pure and thread-safe; ParseKey does not allocate.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/random.h"

namespace latchkey::crypto {

inline constexpr std::size_t kKeyIdChars = 16;
inline constexpr std::size_t kSecretChars = 43;
inline constexpr std::size_t kChecksumChars = 6;
inline constexpr std::size_t kKeyBodyChars = kKeyIdChars + kSecretChars + kChecksumChars;
inline constexpr std::string_view kDefaultPrefix = "lk";
inline constexpr std::string_view kPublicKeyIdPrefix = "key_";

// The parts of a well-formed key; views into the string given to ParseKey.
struct ParsedKey {
  std::string_view prefix;
  std::string_view id_chars;  // the 16 id characters
};

// True when `prefix` matches ^[a-z][a-z0-9_]{0,15}$.
bool IsValidPrefix(std::string_view prefix);

// Checks shape, alphabet, prefix and checksum. std::nullopt = MALFORMED (no lookup needed).
std::optional<ParsedKey> ParseKey(std::string_view key);

struct GeneratedKey {
  std::string key;   // the whole secret string shown once to the user
  std::string id;    // the public id, "key_" + id characters
  std::string hint;  // prefix + "_…" + last 4 characters
};

// A fresh key with `prefix` (must satisfy IsValidPrefix).
GeneratedKey GenerateKey(std::string_view prefix, RandomSource& random);

// "key_" + id_chars.
std::string PublicKeyId(std::string_view id_chars);

// The 16 id characters of a public key id ("key_XXXXXXXXXXXXXXXX"), or std::nullopt.
std::optional<std::string_view> IdCharsFromPublicId(std::string_view public_id);

// prefix + "_…" + the last 4 characters of `key`; for display. For a string not shaped like a
// key (wrong length or no "_" before the body) the prefix part is omitted: "…" + last 4.
std::string KeyHint(std::string_view key);

// `text` with every word that is a key, or its first 32+ characters after the prefix (input
// quoted in a message is often cut short), replaced by "[redacted]": a word (a run of
// [A-Za-z0-9_]) with a "_" followed by 32 or more characters, which no id has. For text built from
// user input that may hold a pasted secret (error messages, audit events, logged paths): secrets
// never appear there.
std::string RedactKeys(std::string_view text);

}  // namespace latchkey::crypto
