#pragma once
// SqliteStore: the embedded Store backend (DESIGN §7), one SQLite database file in WAL mode.
//
// Durability: journal_mode=WAL with synchronous=FULL, so the WAL is fsynced on every commit and a
// Write that returned OK survives kill -9 and power loss. foreign_keys=ON: references between
// namespaces, principals, keys and groups are enforced (see SqliteTransaction for the resulting
// errors). Schema: Open applies the numbered migrations of migrations/ that are compiled into the
// binary (migrator.h) and refuses a database whose schema is newer than the binary.
//
// Concurrency: one read-write connection, used under a mutex, runs every Write in a
// BEGIN IMMEDIATE transaction, so writes are serialized in the process and take the database's
// write lock up front (another process holding it makes Write wait up to the busy timeout, then
// fail with kUnavailable). Read and the ForEach* methods run on read-only connections leased
// from a small pool; in WAL mode they see the last committed state and never wait for the
// writer, nor it for them.
//
// Ownership: owns its connections; the file stays on disk after destruction.
// Thread-safety: every public method may be called from any thread. Write must not be called
// from inside a Write callback (it returns kInternal); a Read inside a Write callback does not
// see the uncommitted changes.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "domain/result.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/reader_pool.h"
#include "store/store.h"

namespace latchkey::store::sqlite {

class SqliteStore final : public Store {
 public:
  // How long a statement waits for a lock held by another process before failing.
  static constexpr int kBusyTimeoutMs = 5000;
  // Read-only connections kept open for reuse; more are opened while readers overlap.
  static constexpr std::size_t kMaxIdleReaders = 4;

  // Opens the database at `db_path`, creating the file if needed (not its directory), configures
  // it and brings its schema up to date. Errors: kUnavailable when the file cannot be opened,
  // created or locked; kInternal when it is not a database, is corrupt, cannot enter WAL mode, or
  // its schema is newer than this binary.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& db_path);

  ~SqliteStore() override;

  Status Write(const std::function<Status(Transaction&)>& fn) override;
  Status Read(const std::function<Status(Transaction&)>& fn) override;
  Status ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) override;
  Status ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) override;
  Status ForEachGroup(const std::function<Status(const domain::Group&)>& fn) override;
  Status ForEachAuditEvent(const std::function<Status(const domain::AuditEvent&)>& fn) override;

 private:
  SqliteStore(const std::string& db_path, std::unique_ptr<Connection> writer);

  // Runs `body` in a read transaction on a leased read-only connection.
  Status ReadSnapshot(const std::function<Status(Connection&)>& body);

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;           // used only under write_mu_
  std::atomic<std::thread::id> writing_thread_;  // the thread inside Write, to refuse nesting
  ReaderPool readers_;
};

}  // namespace latchkey::store::sqlite
