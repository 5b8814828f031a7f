#pragma once
// SHA-256 of a byte string as 64 lowercase hex characters (the audit log's hash chain). Not for
// secrets: those are HMAC'd with the pepper (hmac.h).

#include <string>
#include <string_view>

namespace latchkey::crypto {

std::string Sha256Hex(std::string_view data);

}  // namespace latchkey::crypto
