#pragma once
// The base62 alphabet shared by key_format.cc and random.cc: [0-9A-Za-z], in that order, so a
// digit's value is its index. Internal to crypto/; other modules use key_format.h.
// Everything here is constexpr and thread-safe.

#include <array>
#include <cstdint>
#include <string_view>

namespace latchkey::crypto::base62 {

inline constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
inline constexpr int kRadix = 62;
inline constexpr std::int8_t kInvalid = -1;

// Digit value of every byte, kInvalid for bytes outside the alphabet.
inline constexpr std::array<std::int8_t, 256> kDigitValues = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}();

// The value of `c` as a base62 digit, or kInvalid.
constexpr int DigitValue(char c) { return kDigitValues[static_cast<unsigned char>(c)]; }

// True when every character of `s` is in the alphabet (true for an empty `s`). Branch-free
// over the characters (kInvalid is the only value with the sign bit set), since it runs on
// every key verification.
constexpr bool IsBase62(std::string_view s) {
  std::uint8_t seen = 0;
  for (char c : s) seen |= static_cast<std::uint8_t>(DigitValue(c));
  return (seen & 0x80) == 0;
}

}  // namespace latchkey::crypto::base62
