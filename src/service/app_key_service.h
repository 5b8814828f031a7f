#pragma once
// AppKeyService: app-specific keys created programmatically with a personal access token
// (DESIGN §1 workflow 4, §6.3): the use cases behind /v2/users/{user}/keys. A key made here is
// a standard key owned by the user and bound to one `application` namespace, so it verifies for
// that app and no other. The user is named by id or name and must be the owner of the personal
// token making the call (anyone else gets kPermissionDenied, whether or not the user exists);
// an app is named by namespace id or name. Creating still needs keys:create in the app and is
// bounded by the user's permissions there, like any key (KeyService).
// Thread-safety: calls are made from the single management thread.

#include <optional>
#include <string>
#include <vector>

#include "service/audit.h"
#include "service/context.h"
#include "service/key_service.h"

namespace latchkey::service {

struct AppKeyInput {
  std::string description;
  std::vector<std::string> scopes;     // "All" is "*"
  std::string app;                     // application namespace id or name
  std::optional<std::string> user_id;  // if given, must name the same user (id or name)
};

struct AppKey {
  domain::ApiKey key;
  std::string secret;    // set by Create only
  std::string app_name;  // the application namespace's name
  std::string user_name;
};

class AppKeyService {
 public:
  AppKeyService(const ServiceContext& ctx, KeyService& keys)
      : ctx_(ctx), keys_(keys), audit_(ctx) {}

  // All keys or none. kInvalidArgument with field "keys[i].…" for a bad entry; an app is found
  // by id or name among the applications where the caller may create keys (any other is
  // unknown, so that other tenants' apps neither leak nor clash).
  Result<std::vector<AppKey>> Create(const Caller& caller, const std::string& user,
                                     const std::vector<AppKeyInput>& inputs);
  // The user's keys bound to application namespaces.
  Result<std::vector<AppKey>> List(const Caller& caller, const std::string& user);
  // `key` is the key's public id or its secret.
  Status Delete(const Caller& caller, const std::string& user, const std::string& key);

 private:
  // The user, when it is the caller; kPermissionDenied (audited as `action`) otherwise.
  Result<domain::Principal> ResolveUser(const Caller& caller, const std::string& user,
                                        std::string_view action);

  const ServiceContext& ctx_;
  KeyService& keys_;
  AuditLog audit_;
};

}  // namespace latchkey::service
