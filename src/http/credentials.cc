#include "http/credentials.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace latchkey::http {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Standard base64 with padding; std::nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace

Result<PresentedKey> ExtractKey(const ApiRequest& request) {
  PresentedKey key;
  std::string_view auth = Trim(request.Header("Authorization"));
  if (!auth.empty()) {
    std::size_t space = auth.find(' ');
    std::string_view scheme = auth.substr(0, space);
    std::string_view value = space == std::string_view::npos ? "" : Trim(auth.substr(space + 1));
    if (IEquals(scheme, "Bearer") || IEquals(scheme, "Key")) {
      if (value.empty()) return InvalidArgument("the Authorization header has no key");
      key.present_ = true;
      key.view_ = value;
      return key;
    }
    if (IEquals(scheme, "Basic")) {
      auto decoded = DecodeBase64(value);
      std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos || colon + 1 == decoded->size()) {
        return InvalidArgument("Basic credentials must be base64 of key_id:key");
      }
      key.present_ = true;
      key.basic_user_ = decoded->substr(0, colon);
      key.decoded_ = decoded->substr(colon + 1);
      return key;
    }
  }
  std::string_view header_key = Trim(request.Header("X-API-Key"));
  if (!header_key.empty()) {
    key.present_ = true;
    key.view_ = header_key;
  }
  return key;
}

}  // namespace latchkey::http
