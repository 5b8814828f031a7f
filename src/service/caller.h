#pragma once
// Caller: who is making a management call, as established by Authenticator from the presented
// credential. AccessPolicy decides whether a caller may perform a management action
// (DESIGN §4.3). Until groups arrive (issue 3) the policy is: a superuser may do everything,
// anyone else nothing; a management key is confined to its own namespace.

#include <optional>
#include <string>
#include <string_view>

#include "domain/model.h"
#include "domain/result.h"
#include "service/verifier.h"

namespace latchkey::service {

struct Caller {
  std::string principal_id;
  std::string key_id;  // public id of the credential used
  domain::KeyType key_type = domain::KeyType::kPersonal;
  std::string key_namespace;  // for management keys
  bool superuser = false;
};

// A management permission such as "keys:create" (DESIGN §4.3).
class AccessPolicy {
 public:
  // OK when `caller` may do `permission` in `namespace_id` (empty = not namespace-bound, e.g.
  // personal keys or listing everything); kPermissionDenied otherwise.
  Status Authorize(const Caller& caller, std::string_view permission,
                   std::string_view namespace_id) const;
};

// Turns a presented credential into a Caller using the verification index only.
class Authenticator {
 public:
  explicit Authenticator(const Verifier& verifier) : verifier_(verifier) {}

  // `basic_user` is the user name of HTTP Basic credentials (must then be the key's public id,
  // see VerifyRequest::claimed_id). kUnauthenticated for a missing or non-VALID credential;
  // kPermissionDenied for a standard key, which never calls the management API.
  Result<Caller> Authenticate(std::string_view secret,
                              std::optional<std::string_view> basic_user) const;

 private:
  const Verifier& verifier_;
};

}  // namespace latchkey::service
