#pragma once
// PrincipalService: users and service accounts (DESIGN §2). Creating a user also creates its
// `default-key` in the same transaction (DESIGN §6.1). Disabling a principal makes every key it
// owns verify as DISABLED, and deleting it deletes its keys, both published to the KeyIndex
// before the call returns.
// Thread-safety: calls are made from the single management thread.

#include <optional>
#include <string>

#include "service/audit.h"
#include "service/context.h"
#include "service/key_service.h"

namespace latchkey::service {

inline constexpr std::string_view kDefaultKeyName = "default-key";

struct CreatePrincipalInput {
  std::string name;
  domain::PrincipalKind kind = domain::PrincipalKind::kUser;
  std::optional<std::string> namespace_id;  // default: the root organization
  std::optional<std::string> email;
  bool default_key = true;  // users only
};

struct UpdatePrincipalInput {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> email;  // set, or clear with a nested nullopt
  std::optional<domain::PrincipalStatus> status;
};

struct CreatedPrincipal {
  domain::Principal principal;
  std::optional<CreatedKey> default_key;
};

class PrincipalService {
 public:
  explicit PrincipalService(const ServiceContext& ctx) : ctx_(ctx), audit_(ctx) {}

  Result<CreatedPrincipal> Create(const Caller& caller, CreatePrincipalInput input);
  Result<domain::Principal> Get(const Caller& caller, const std::string& id);
  // The caller's own principal: always visible to itself, whatever its permissions.
  Result<domain::Principal> Self(const Caller& caller);
  Result<store::Page<domain::Principal>> List(const Caller& caller,
                                              const store::PrincipalFilter& filter,
                                              const store::PageRequest& page);
  Result<domain::Principal> Update(const Caller& caller, const std::string& id,
                                   const UpdatePrincipalInput& input);
  Status Delete(const Caller& caller, const std::string& id);

 private:
  // The principal `id` for a change in `tx`: readable (else kNotFound), the caller holds
  // principals:write in its home namespace, and only a superuser changes a superuser. Fills
  // the event's target and namespace first.
  Result<domain::Principal> LoadForChange(store::Transaction& tx, const Caller& caller,
                                          const std::string& id, domain::AuditEvent& event);

  const ServiceContext& ctx_;
  AuditLog audit_;
};

// The setting that names the root organization created at bootstrap.
inline constexpr std::string_view kRootNamespaceSetting = "root_namespace";

}  // namespace latchkey::service
