#pragma once
// Bootstrap: initializes an empty store (DESIGN §4.3, issue 2): a root `organization`
// namespace, an admin `user` who is a superuser, the admin's personal access token and the
// first audit event (`system.init`), all in one transaction. The token's secret is returned once
// and never stored.

#include <string>
#include <string_view>
#include <unordered_set>

#include "service/context.h"

namespace latchkey::service {

struct BootstrapResult {
  std::string admin_token;  // secret, shown once
  std::string namespace_id;
  std::string principal_id;
  std::string token_id;
};

// The setting whose presence marks an initialized store (its value: when, in Unix milliseconds).
inline constexpr std::string_view kInitializedSetting = "initialized_at";

// kConflict if the store is already initialized.
Result<BootstrapResult> Bootstrap(const ServiceContext& ctx);

// True when the store has been initialized.
Result<bool> IsInitialized(store::Store& store);

// The ids LoadIndex found in the store.
struct LoadedIds {
  std::unordered_set<std::string> namespaces, principals, keys;
  std::unordered_set<std::string> members;  // principals in at least one group
};

// Loads every namespace, principal (with its capabilities from the groups) and key into the
// index (start-up, or a reload after missed changes: entries are put, none is removed). Returns
// the number of keys. With `loaded`, also tells which ids it found.
Result<std::size_t> LoadIndex(store::Store& store, index::KeyIndex& index,
                              LoadedIds* loaded = nullptr);

}  // namespace latchkey::service
