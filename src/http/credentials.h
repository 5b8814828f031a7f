#pragma once
// Finds the API key a request presents (DESIGN §3): `Authorization: Bearer <key>`,
// `Authorization: Key <key>`, `X-API-Key: <key>`, or HTTP Basic with the public key id as the
// user name and the key as the password. Scheme names are case-insensitive. The secret is never
// copied into logs or messages.

#include <optional>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "http/message.h"

namespace latchkey::http {

class PresentedKey {
 public:
  bool present() const { return present_; }
  std::string_view secret() const { return decoded_.empty() ? view_ : std::string_view(decoded_); }
  // The Basic user name (the key id the caller claims), when Basic was used.
  const std::optional<std::string>& basic_user() const { return basic_user_; }

 private:
  friend Result<PresentedKey> ExtractKey(const ApiRequest& request);
  bool present_ = false;
  std::string_view view_;
  std::string decoded_;  // the password of Basic credentials
  std::optional<std::string> basic_user_;
};

// kInvalidArgument for an Authorization header that names a known scheme but is malformed
// (e.g. Basic that is not base64 of "id:secret"). An absent or unknown-scheme header gives a
// PresentedKey with present() == false.
Result<PresentedKey> ExtractKey(const ApiRequest& request);

}  // namespace latchkey::http
