#include "crypto/password.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace latchkey::crypto {
namespace {

// sodium_init picks implementations and seeds libsodium's CSPRNG; it is safe to call from any
// thread and only its first call does work, but it must have returned before any other call.
void EnsureSodium() {
  static const bool initialized = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "latchkey: FATAL: libsodium cannot be initialized\n");
      std::abort();
    }
    return true;
  }();
  (void)initialized;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Internal("cannot hash the password (out of memory)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  EnsureSodium();
  // crypto_pwhash_str_verify reads a NUL-terminated string of at most crypto_pwhash_STRBYTES.
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  char terminated[crypto_pwhash_STRBYTES] = {};
  hash.copy(terminated, hash.size());
  return crypto_pwhash_str_verify(terminated, password.data(), password.size()) == 0;
}

}  // namespace latchkey::crypto
