#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "crypto/base62.h"

namespace latchkey::crypto {
namespace {

// The largest multiple of 62 that fits in a byte: bytes below it map onto the alphabet with no
// bias (each digit has exactly 4 preimages); bytes at or above it are rejected.
constexpr unsigned kUnbiasedLimit = 256 - 256 % base62::kRadix;  // 248
constexpr std::size_t kEntityIdChars = 12;

[[noreturn]] void AbortOnRandFailure() {
  unsigned long err = ERR_get_error();
  char text[256];
  ERR_error_string_n(err, text, sizeof(text));
  std::fprintf(stderr, "latchkey: FATAL: RAND_bytes failed (%s); refusing to continue\n", text);
  std::abort();
}

}  // namespace

void OsRandom::Fill(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    const std::size_t chunk = std::min<std::size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) AbortOnRandFailure();
    out = out.subspan(chunk);
  }
}

std::string RandomBase62(RandomSource& random, std::size_t n) {
  std::string out;
  out.reserve(n);
  // Draw in batches a little larger than what is left, so that a rejection (3 in 100 bytes)
  // rarely costs another call.
  std::array<std::uint8_t, 96> buffer;
  while (out.size() < n) {
    const std::size_t left = n - out.size();
    const std::size_t want = std::min(buffer.size(), left + left / 16 + 4);
    random.Fill(std::span(buffer.data(), want));
    for (std::size_t i = 0; i < want && out.size() < n; ++i) {
      if (buffer[i] < kUnbiasedLimit) out.push_back(base62::kAlphabet[buffer[i] % base62::kRadix]);
    }
  }
  OPENSSL_cleanse(buffer.data(), buffer.size());  // the bytes that became a secret
  return out;
}

std::string NewId(std::string_view kind, RandomSource& random) {
  std::string id(kind);
  id.push_back('_');
  id += RandomBase62(random, kEntityIdChars);
  return id;
}

}  // namespace latchkey::crypto
