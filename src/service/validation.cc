#include "service/validation.h"

#include <algorithm>

#include "domain/web_origin.h"

namespace latchkey::service {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

Status Bad(std::string_view field, std::string message) {
  return InvalidField(std::string(field), std::string(field) + " " + message);
}

}  // namespace

Status CheckName(std::string_view field, std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return Bad(field, "must be 1 to " + std::to_string(kMaxNameLength) + " characters");
  }
  if (std::all_of(name.begin(), name.end(), [](char c) { return c == ' '; })) {
    return Bad(field, "must not be blank");
  }
  if (std::any_of(name.begin(), name.end(), [](char c) { return IsControl(c); })) {
    return Bad(field, "must not contain control characters");
  }
  return Status::Ok();
}

Status CheckText(std::string_view field, std::string_view text, std::size_t max) {
  if (text.size() > max) return Bad(field, "is longer than " + std::to_string(max) + " bytes");
  auto bad = [](char c) { return IsControl(c) && c != '\n' && c != '\t'; };
  if (std::any_of(text.begin(), text.end(), bad)) {
    return Bad(field, "must not contain control characters");
  }
  return Status::Ok();
}

Status CheckEmail(std::string_view field, std::string_view email) {
  std::size_t at = email.find('@');
  if (email.size() > 254 || at == 0 || at == std::string_view::npos || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos ||
      std::any_of(email.begin(), email.end(), [](char c) { return c == ' ' || IsControl(c); })) {
    return Bad(field, "is not an email address");
  }
  return Status::Ok();
}

Status CheckPassword(std::string_view field, std::string_view password) {
  // Code points: every byte but UTF-8 continuation bytes starts one.
  std::size_t length = std::count_if(password.begin(), password.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  if (length < kMinPasswordLength || length > kMaxPasswordLength) {
    return Bad(field, "must be " + std::to_string(kMinPasswordLength) + " to " +
                          std::to_string(kMaxPasswordLength) + " characters");
  }
  return Status::Ok();
}

Status CheckDomains(std::string_view field, const std::vector<std::string>& domains) {
  if (domains.size() > 100) return Bad(field, "has more than 100 entries");
  for (const auto& domain : domains) {
    if (!domain::IsValidHostPattern(domain)) {
      return Bad(field, "entry '" + domain.substr(0, 64) +
                            "' is not a host pattern ([scheme://]host[:port], host may start "
                            "with *.)");
    }
  }
  return Status::Ok();
}

}  // namespace latchkey::service
