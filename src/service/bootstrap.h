#pragma once
// Bootstrap: initializes an empty store (DESIGN §4.3, issue 2): a root `organization`
// namespace, an admin `user` who is a superuser, the admin's personal access token and the
// first audit event (`system.init`), all in one transaction. The token's secret is returned once
// and never stored.

#include <string>

#include "service/context.h"

namespace latchkey::service {

struct BootstrapResult {
  std::string admin_token;  // secret, shown once
  std::string namespace_id;
  std::string principal_id;
  std::string token_id;
};

// kConflict if the store is already initialized.
Result<BootstrapResult> Bootstrap(const ServiceContext& ctx);

// True when the store has been initialized.
Result<bool> IsInitialized(store::Store& store);

// Loads every namespace, principal (with its capabilities from the groups) and key into the
// index (start-up). Returns the number of keys.
Result<std::size_t> LoadIndex(store::Store& store, index::KeyIndex& index);

}  // namespace latchkey::service
