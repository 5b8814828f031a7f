#pragma once
// The pepper: the HMAC key for stored secrets. It lives outside the database: in a file with
// mode 0600 in the data directory (`pepper`, 64 hex characters + newline), or in the
// LATCHKEY_PEPPER environment variable (64+ hex characters), which wins when set.

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "domain/result.h"

namespace latchkey::crypto {

// Writes 32 random bytes as hex to `path`, created with O_EXCL and mode 0600, fsynced.
// kConflict if the file exists; kInternal on an I/O error.
Status CreatePepperFile(const std::string& path, RandomSource& random);

// Reads a pepper file. kNotFound if missing; kInvalidArgument if it is not hex of at least
// 32 bytes or is readable by group/others (mode must be 0600 or stricter).
Result<std::vector<std::uint8_t>> LoadPepperFile(const std::string& path);

// Decodes a hex pepper (e.g. from LATCHKEY_PEPPER). kInvalidArgument if not hex or < 32 bytes.
Result<std::vector<std::uint8_t>> DecodePepper(std::string_view hex);

}  // namespace latchkey::crypto
