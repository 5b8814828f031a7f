#pragma once
// DataDir: the on-disk layout of the embedded default — `DIR/latchkey.db` (SQLite, WAL) and
// `DIR/pepper` (mode 0600) — and the steps that open it: create the directory (0700), load or
// create the pepper (LATCHKEY_PEPPER wins over the file), open the store, and initialize it
// when it is new.
//
// With a PostgreSQL store (`--store postgres://…`, issue 7) the data directory holds only the
// pepper, which every node on the database must share: it is created only for a database that
// is not initialized yet (the first node); a node that finds an initialized database and no
// pepper refuses to start rather than make one that matches no stored digest.
// Every store remembers which pepper it was initialized with (the setting "pepper_check", an
// HMAC of a fixed text under the pepper, which reveals nothing about it): a node with another
// pepper refuses to start, instead of answering every key with NOT_FOUND.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hmac.h"
#include "crypto/random.h"
#include "domain/clock.h"
#include "index/key_index.h"
#include "service/bootstrap.h"
#include "store/change_source.h"
#include "store/store.h"

namespace latchkey::app {

struct OpenedDataDir {
  std::unique_ptr<store::Store> store;
  // The store's change feed when several nodes may share it (PostgreSQL), else null.
  store::ChangeSource* changes = nullptr;
  std::string description;  // for logs: "sqlite DIR/latchkey.db" or "postgres HOST:PORT/DB"
  std::unique_ptr<crypto::SecretHasher> hasher;
  bool initialized = false;  // whether the store was initialized before this call
};

// Opens (and creates, when `create` is true) the data directory, and the store: SQLite in it
// when `store_url` is empty, else the PostgreSQL database `store_url` names
// ("postgres://…" or "postgresql://…"). Fails with a clear message on a missing directory, a
// pepper that cannot be read or does not match the store's, or a store that cannot be opened
// (kUnavailable when PostgreSQL cannot be reached: the caller may retry).
Result<OpenedDataDir> OpenDataDir(const std::string& dir, bool create, crypto::RandomSource& random,
                                  const std::string& store_url = "");

// The setting that records which pepper a store was initialized with (see above).
inline constexpr std::string_view kPepperCheckSetting = "pepper_check";

// True for a `--store` value that names PostgreSQL.
bool IsPostgresUrl(std::string_view url);
// `url` without its password, for logs and messages.
std::string RedactedUrl(std::string_view url);

}  // namespace latchkey::app
