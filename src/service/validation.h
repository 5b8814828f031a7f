#pragma once
// Input checks shared by the management services. Each returns kInvalidArgument naming the
// field, or OK.

#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"

namespace latchkey::service {

inline constexpr std::size_t kMaxNameLength = 128;
inline constexpr std::size_t kMaxDescriptionLength = 1024;
inline constexpr std::size_t kMaxMetaBytes = 16 * 1024;
inline constexpr std::size_t kMinPasswordLength = 12;    // characters (Unicode code points)
inline constexpr std::size_t kMaxPasswordLength = 1024;  // characters

// 1..kMaxNameLength bytes, no control characters, not blank.
Status CheckName(std::string_view field, std::string_view name);
// Up to `max` bytes, no control characters other than newline and tab.
Status CheckText(std::string_view field, std::string_view text, std::size_t max);
// A plausible address: one '@' with text on both sides, no spaces, up to 254 bytes.
Status CheckEmail(std::string_view field, std::string_view email);
// A console password: kMinPasswordLength..kMaxPasswordLength characters (UTF-8 code points; any
// characters, spaces included). The message never repeats the password.
Status CheckPassword(std::string_view field, std::string_view password);
// Host patterns such as "app.example.com" or "*.example.com", optionally with scheme and port
// (domain/web_origin.h).
Status CheckDomains(std::string_view field, const std::vector<std::string>& domains);

}  // namespace latchkey::service
