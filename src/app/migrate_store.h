#pragma once
// `latchkey migrate-store`: moves the embedded default's data (SQLite in a data directory) into an
// empty PostgreSQL database (issue 7; docs/operations.md, "Moving from SQLite to PostgreSQL").
//
// CopyStore is the backend-neutral part: it copies one Store into another through the Store
// interface, in ONE write transaction of the target, so the target ends up either with every row
// or with none. Rows keep their ids, times and contents: key digests (never secrets: there are
// none to copy) stay valid as long as the nodes use the same pepper, and audit events keep their
// seq and hashes, so the chain still verifies. Console sessions are not copied: users sign in to
// the console again.
// Thread-safety: CopyStore and CountStore only call the stores, which are thread-safe; nothing
// here is shared.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/model.h"
#include "domain/result.h"
#include "store/store.h"

namespace latchkey::app {

// How many rows of each kind a store holds, and the hash of its last audit event (empty when
// the log is empty). Sessions are not counted: they are not copied.
struct StoreCounts {
  std::int64_t namespaces = 0;
  std::int64_t principals = 0;
  std::int64_t passwords = 0;  // principals with a console password
  std::int64_t keys = 0;
  std::int64_t groups = 0;
  std::int64_t group_members = 0;  // memberships, summed over the groups
  std::int64_t audit_events = 0;
  std::int64_t settings = 0;  // of kCopiedSettings, those that are set
  std::string last_audit_hash;
  bool operator==(const StoreCounts&) const = default;
};

// Every setting name the code base reads or writes with Get/PutSetting on every backend (a
// backend's own bookkeeping, such as PostgreSQL's change-log pruning mark, is not one). A new
// setting must be added here, or migrate-store would drop it.
std::array<std::string_view, 3> CopiedSettings();

// Counts the rows of `store` in one read snapshot.
Result<StoreCounts> CountStore(store::Store& store);

// Copies every namespace (parents before children), principal, console password (written with
// updated_at = `now`), key, group with its members, audit event (as stored) and setting of
// `source`, read in one snapshot, into `target` in one Write. Returns what it copied.
// Errors: kConflict, with nothing written, when `target` is initialized or holds any namespace,
// principal, key, group or audit event; any error of either store (then nothing is written).
Result<StoreCounts> CopyStore(store::Store& source, store::Store& target, domain::UnixMillis now);

struct MigrateStoreOptions {
  std::string data_dir;   // the SQLite data directory to copy from (never modified)
  std::string to_url;     // the PostgreSQL database to copy into (postgres:// or postgresql://)
  std::string to_schema;  // PostgresOptions::schema; empty: the database's search_path
  bool json = false;      // print the counts as one JSON object instead of the human summary
};

// Runs `latchkey migrate-store`: opens both stores, CopyStore, then checks that the target holds
// what the source holds (counts, last audit hash) and that its audit chain verifies, and prints a
// summary and the operator's next steps. Returns the process exit code: 0 on success, 1 (with
// "latchkey: <what>: <why>" on stderr, as `init` does) on any failure.
int RunMigrateStore(const MigrateStoreOptions& options);

}  // namespace latchkey::app
