#pragma once
// PostgresStore: the scale-out Store backend (DESIGN §7, issue 7): any number of latchkey nodes
// on one PostgreSQL database (or one schema of it), through libpq.
//
// Schema: Open applies the numbered migrations of migrations/ compiled into the binary
// (migrator.h), under an advisory lock so that nodes starting together do not race, and refuses
// a schema newer than the binary.
//
// Concurrency and isolation. Write runs fn in a READ COMMITTED transaction that first takes a
// transaction-level advisory lock (pg_advisory_xact_lock) shared by every node on the schema, so
// writes are serialized across the whole cluster exactly as the contract (and SQLite's
// BEGIN IMMEDIATE) has them: a write sees every write committed before it, and a read-modify-write
// such as "LastAuditEvent, then append seq + 1" cannot interleave with another node's. The
// alternative, SERIALIZABLE with retries, would have to run fn again after a serialization
// failure, and fn is caller code with side effects the store cannot undo; management writes and
// batched usage flushes are few enough that one writer at a time costs nothing that matters.
// Waiting longer than the lock timeout for another node's write is kUnavailable. Within the
// process, writers queue on a mutex rather than each holding a pooled connection while they wait.
// Read and the ForEach* methods run in a READ ONLY REPEATABLE READ transaction: one snapshot for
// the whole callback, taking no lock that a writer waits for. ForEach* stream through a
// server-side cursor, a batch of rows at a time, so a million keys never sit in memory at once.
//
// Durability: a Write that returned OK is committed (durable as the server's synchronous_commit
// makes it: the default fsyncs the WAL). A connection lost during COMMIT is kUnavailable with the
// outcome unknown.
// Failures: a server that cannot be reached, or a connection lost mid-transaction, is
// kUnavailable; the pool drops dead connections and the next call connects afresh. A Read or
// Write whose connection turns out dead before anything ran in it (a server restart since its
// last use) retries once on a new connection. Nothing here crashes or blocks forever when the
// server is gone.
//
// Ownership: owns its connection pool; the database outlives it.
// Thread-safety: every public method may be called from any thread. Write must not be called
// from inside a Write callback (kInternal); a Read inside a Write callback does not see the
// uncommitted changes; a Read or ForEach callback may itself Read (on another connection).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "domain/result.h"
#include "store/change_source.h"
#include "store/postgres/connection.h"
#include "store/postgres/connection_pool.h"
#include "store/store.h"

namespace latchkey::store::postgres {

struct PostgresOptions {
  // A libpq connection URI ("postgresql://user@host:port/db?sslmode=require") or key=value string.
  std::string url;
  // The schema to use (created by the operator beforehand), or empty for the database's
  // search_path (normally "public"). [A-Za-z_][A-Za-z0-9_]*.
  std::string schema;
  std::size_t pool_size = 8;  // connections per node, opened as needed
  std::chrono::milliseconds acquire_timeout{10'000};
  int connect_timeout_s = 5;
  int lock_timeout_ms = 10'000;
  int statement_timeout_ms = 30'000;
  std::string application_name = "latchkey";
  // NOTIFY the other nodes at each commit that changed something. Off for a PostgreSQL-compatible
  // engine without LISTEN/NOTIFY: the nodes then find changes by polling the change log. Open
  // turns it off by itself when the server has no pg_notify.
  bool notify = true;
};

// Change feed (ChangeSource): every Write that changed a namespace, principal, key or group
// appends its change_log rows (migrations/V002__change_log.sql) and NOTIFYs channel
// latchkey_changes, both in the same transaction. WaitForChange LISTENs on a connection of its
// own, outside the pool, reconnecting on the next call after it was lost.
class PostgresStore final : public Store, public ChangeSource {
 public:
  // Connects, brings the schema up to date and returns the store. Errors: kInvalidArgument for a
  // bad schema name or pool size; kUnavailable when the server cannot be reached; kInternal when
  // the schema is newer than this binary or a migration fails.
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresOptions& options);

  ~PostgresStore() override;

  Status Write(const std::function<Status(Transaction&)>& fn) override;
  Status Read(const std::function<Status(Transaction&)>& fn) override;
  Status ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) override;
  Status ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) override;
  Status ForEachGroup(const std::function<Status(const domain::Group&)>& fn) override;
  Status ForEachAuditEvent(const std::function<Status(const domain::AuditEvent&)>& fn) override;

  Result<std::int64_t> LatestChange() override;
  Result<ChangeBatch> ChangesAfter(std::int64_t after, int limit) override;
  Result<bool> WaitForChange(std::chrono::milliseconds timeout) override;
  Result<std::int64_t> PruneChanges(domain::UnixMillis before) override;

  // Whether writes NOTIFY and WaitForChange LISTENs (PostgresOptions::notify, unless the server
  // turned out not to support it).
  bool notifies() const { return notify_; }

 private:
  explicit PostgresStore(const PostgresOptions& options);

  // A leased connection on which `begin_sql` ran successfully, retrying once on a fresh
  // connection when the first one proves dead.
  Result<ConnectionPool::Lease> Begin(const std::string& begin_sql);
  // Runs `body` in a read-only snapshot on a leased connection.
  Status ReadSnapshot(const std::function<Status(Connection&)>& body);
  // Streams the rows of `select` (in a snapshot) through `row_fn`.
  Status Stream(const std::string& select, const std::function<Status(const Rows&, int)>& row_fn);

  const ConnectOptions connect_options_;
  bool notify_;  // set before the store is shared
  ConnectionPool pool_;
  std::mutex listener_mu_;
  std::unique_ptr<Connection> listener_;  // LISTENing; null until first needed or after a loss
  std::mutex write_mu_;
  std::atomic<std::thread::id> writing_thread_;  // the thread inside Write, to refuse nesting
};

}  // namespace latchkey::store::postgres
