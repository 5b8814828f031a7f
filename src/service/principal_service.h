#pragma once
// PrincipalService: users and service accounts (DESIGN §2). Creating a user also creates its
// `default-key` in the same transaction (DESIGN §6.1). Disabling a principal makes every key it
// owns verify as DISABLED and ends its console sessions, and deleting it deletes its keys (and
// sessions), all published to the KeyIndex before the call returns. Users may have a console
// password (docs/console.md), stored as an Argon2id hash (crypto/password.h).
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
  bool default_key = true;              // users only
  std::optional<std::string> password;  // users only; service/validation.h CheckPassword
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
  // Sets (or replaces) user `id`'s console password and ends the user's other sessions (all but
  // the caller's own, when the caller is that user signed in). Allowed to the user itself, and to
  // a caller with principals:write in the user's home namespace; only a superuser sets a
  // superuser's password. Since the password lets the caller act as the user, the caller's
  // credential must also hold every permission the user holds, in every namespace (a session or
  // a `*` personal token of the user itself does), else kPrivilegeEscalation. kInvalidArgument
  // (field "password") for a bad password or a service account. Audited as
  // principals.set_password, never with the password.
  Status SetPassword(const Caller& caller, const std::string& id, const std::string& password);

 private:
  // The principal `id` for a change in `tx`: readable (else kNotFound), the caller holds
  // principals:write in its home namespace, and only a superuser changes a superuser. Fills
  // the event's target and namespace first.
  Result<domain::Principal> LoadForChange(store::Transaction& tx, const Caller& caller,
                                          const std::string& id, domain::AuditEvent& event);
  // The checks of SetPassword, in `tx`; fills the event's target and namespace first.
  Status CheckPasswordChange(store::Transaction& tx, const Caller& caller, const std::string& id,
                             domain::AuditEvent& event) const;
  // kPrivilegeEscalation unless `caller` holds every permission `user` holds.
  Status CheckActsAs(const Caller& caller, const domain::Principal& user) const;

  const ServiceContext& ctx_;
  AuditLog audit_;
};

// The setting that names the root organization created at bootstrap.
inline constexpr std::string_view kRootNamespaceSetting = "root_namespace";

}  // namespace latchkey::service
