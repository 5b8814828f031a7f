#pragma once
// DataDir: the on-disk layout of the embedded default — `DIR/latchkey.db` (SQLite, WAL) and
// `DIR/pepper` (mode 0600) — and the steps that open it: create the directory (0700), load or
// create the pepper (LATCHKEY_PEPPER wins over the file), open the store, and initialize it
// when it is new.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hmac.h"
#include "crypto/random.h"
#include "domain/clock.h"
#include "index/key_index.h"
#include "service/bootstrap.h"
#include "store/store.h"

namespace latchkey::app {

struct OpenedDataDir {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<crypto::SecretHasher> hasher;
  bool initialized = false;  // whether the store was initialized before this call
};

// Opens (and creates, when `create` is true) the data directory. Fails with a clear message on
// a missing directory, a pepper that cannot be read, or a store that cannot be opened.
Result<OpenedDataDir> OpenDataDir(const std::string& dir, bool create,
                                  crypto::RandomSource& random);

}  // namespace latchkey::app
