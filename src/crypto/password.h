#pragma once
// Console passwords (docs/console.md), hashed with Argon2id through libsodium's
// crypto_pwhash_str at its INTERACTIVE limits (2 passes over 64 MiB: tens of milliseconds and
// 64 MiB of memory per call, on purpose). The hash is a self-describing string — algorithm,
// limits, a random salt from libsodium's CSPRNG, and the tag — so a later change of limits still
// verifies older hashes. Only the hash is ever stored; a password is never logged or kept.
// Thread-safe: libsodium is initialized once (sodium_init), on first use, and the functions
// share no state.

#include <string>
#include <string_view>

#include "domain/result.h"

namespace latchkey::crypto {

// The Argon2id string of `password` (any bytes, NUL included). kInternal when libsodium cannot
// hash (out of memory).
Result<std::string> HashPassword(std::string_view password);

// True when `password` is the one `hash` (a HashPassword string) was made from; false for any
// other password and for a `hash` that is not such a string. Costs as much as HashPassword
// whatever the answer, so a caller can spend the same work on a sign-in with an unknown name.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace latchkey::crypto
