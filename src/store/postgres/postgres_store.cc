#include "store/postgres/postgres_store.h"

#include <utility>
#include <vector>

#include "domain/clock.h"
#include "store/postgres/migrator.h"
#include "store/postgres/postgres_transaction.h"
#include "store/postgres/row_codec.h"

namespace latchkey::store::postgres {
namespace {

// The advisory lock key space that serializes writes (see postgres_store.h); the second key is
// the schema's, as for migrations.
constexpr int kWriteLockSpace = 0x6c6b7772;  // "lkwr"
// Rows fetched from a ForEach cursor per round trip.
constexpr int kStreamBatch = 500;

const std::string& WriteBeginSql() {
  static const std::string kSql =
      "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT "
      "pg_advisory_xact_lock(" +
      std::to_string(kWriteLockSpace) + ", hashtext(current_schema()))";
  return kSql;
}

const std::string kReadBeginSql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

bool IsValidSchemaName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && (i == 0 || c < '0' || c > '9')) return false;
  }
  return true;
}

// Ends a transaction that is not to be committed. A connection that cannot even roll back is
// closed rather than reused.
void RollBack(ConnectionPool::Lease& lease) {
  Connection& conn = lease.connection();
  if (conn.broken()) return;  // the pool drops it
  if (conn.in_transaction() && !conn.Exec("ROLLBACK", "rolling back").ok()) lease.Discard();
}

// Clears the nesting guard of Write when the write ends, however it ends.
class WritingThreadScope {
 public:
  explicit WritingThreadScope(std::atomic<std::thread::id>& slot) : slot_(slot) {
    slot_.store(std::this_thread::get_id());
  }
  ~WritingThreadScope() { slot_.store(std::thread::id()); }
  WritingThreadScope(const WritingThreadScope&) = delete;
  WritingThreadScope& operator=(const WritingThreadScope&) = delete;

 private:
  std::atomic<std::thread::id>& slot_;
};

ConnectOptions ConnectOptionsOf(const PostgresOptions& options) {
  return {.url = options.url,
          .schema = options.schema,
          .application_name = options.application_name,
          .connect_timeout_s = options.connect_timeout_s,
          .lock_timeout_ms = options.lock_timeout_ms,
          .statement_timeout_ms = options.statement_timeout_ms};
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  if (!options.schema.empty() && !IsValidSchemaName(options.schema)) {
    return InvalidArgument("postgres: schema name '" + options.schema +
                           "' must match [A-Za-z_][A-Za-z0-9_]*");
  }
  if (options.pool_size < 1) return InvalidArgument("postgres: pool size must be at least 1");
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  LK_ASSIGN_OR_RETURN(std::vector<Migration> migrations, ParseMigrations(EmbeddedMigrations()));
  LK_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, store->pool_.Acquire());
  Result<int> version =
      ApplyMigrations(lease.connection(), migrations, domain::SystemClock().NowMillis());
  if (!version.ok()) return version.status();
  if (store->notify_) {
    // An engine that speaks PostgreSQL without LISTEN/NOTIFY would fail every write at its
    // NOTIFY: find out now, and rely on polling the change log there.
    Result<Rows> probe =
        lease.connection().Query("SELECT pg_notify('latchkey_changes', '')", "checking for NOTIFY");
    if (!probe.ok() && probe.status().code() == ErrorCode::kUnavailable) return probe.status();
    if (!probe.ok()) store->notify_ = false;
  }
  return store;
}

PostgresStore::PostgresStore(const PostgresOptions& options)
    : connect_options_(ConnectOptionsOf(options)),
      notify_(options.notify),
      pool_(connect_options_, options.pool_size, options.acquire_timeout) {}

PostgresStore::~PostgresStore() = default;

Result<ConnectionPool::Lease> PostgresStore::Begin(const std::string& begin_sql) {
  for (int attempt = 0;; ++attempt) {
    LK_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool_.Acquire());
    Status begun = lease.connection().Exec(begin_sql, "beginning a transaction");
    if (begun.ok()) return lease;
    RollBack(lease);
    // Nothing ran yet, so a connection that died while idle (a server restart, a failover) is
    // worth one retry on a fresh one; anything else is the answer.
    if (!lease.connection().broken() || attempt > 0) return begun;
  }
}

Status PostgresStore::Write(const std::function<Status(Transaction&)>& fn) {
  if (writing_thread_.load() == std::this_thread::get_id()) {
    return Internal("Store::Write called from inside a Write callback");
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  WritingThreadScope writing(writing_thread_);
  LK_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, Begin(WriteBeginSql()));
  Connection& conn = lease.connection();
  PostgresTransaction tx(conn, PostgresTransaction::Access::kReadWrite);
  Status status = fn(tx);
  if (status.ok() && !conn.transaction_failed()) status = tx.FlushChanges(notify_);
  if (status.ok() && conn.transaction_failed()) {
    // COMMIT of a failed transaction "succeeds" as a rollback: never report that as OK.
    status = Internal(
        "postgres: a statement failed inside Write and its error was ignored; "
        "nothing was written");
  }
  if (!status.ok()) {
    RollBack(lease);
    return status;  // fn's status, as is
  }
  Status committed = conn.Exec("COMMIT", "committing");
  if (!committed.ok()) RollBack(lease);
  return committed;
}

Status PostgresStore::Read(const std::function<Status(Transaction&)>& fn) {
  return ReadSnapshot([&](Connection& conn) {
    PostgresTransaction tx(conn, PostgresTransaction::Access::kReadOnly);
    return fn(tx);
  });
}

Status PostgresStore::ReadSnapshot(const std::function<Status(Connection&)>& body) {
  LK_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, Begin(kReadBeginSql));
  Status status = body(lease.connection());
  // Nothing to keep: ending the read transaction just releases its snapshot.
  if (lease.connection().broken())
    return status.ok() ? Unavailable("postgres: connection lost") : status;
  Status ended = lease.connection().Exec("ROLLBACK", "ending a read");
  if (!ended.ok()) {
    lease.Discard();
    if (status.ok()) return ended;
  }
  return status;
}

Status PostgresStore::Stream(const std::string& select,
                             const std::function<Status(const Rows&, int)>& row_fn) {
  return ReadSnapshot([&](Connection& conn) -> Status {
    // The cursor lives until the snapshot's transaction ends.
    LK_RETURN_IF_ERROR(
        conn.Exec("DECLARE lk_stream NO SCROLL CURSOR FOR " + select, "opening a cursor"));
    static const std::string kFetch = "FETCH " + std::to_string(kStreamBatch) + " FROM lk_stream";
    for (;;) {
      LK_ASSIGN_OR_RETURN(Rows rows, conn.Query(kFetch, "streaming rows"));
      for (int i = 0; i < rows.size(); ++i) LK_RETURN_IF_ERROR(row_fn(rows, i));
      if (rows.size() < kStreamBatch) return Status::Ok();
    }
  });
}

Status PostgresStore::ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) {
  static const std::string kSql = SelectSql(kPrincipalReadTable);
  return Stream(kSql, [&](const Rows& rows, int i) -> Status {
    LK_ASSIGN_OR_RETURN(domain::Principal p, ReadPrincipal(rows, i));
    return fn(p);
  });
}

Status PostgresStore::ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) {
  static const std::string kSql = SelectSql(kKeyTable);
  return Stream(kSql, [&](const Rows& rows, int i) -> Status {
    LK_ASSIGN_OR_RETURN(domain::ApiKey key, ReadKey(rows, i));
    return fn(key);
  });
}

Status PostgresStore::ForEachGroup(const std::function<Status(const domain::Group&)>& fn) {
  static const std::string kSql = SelectSql(kGroupReadTable);
  return Stream(kSql, [&](const Rows& rows, int i) -> Status {
    LK_ASSIGN_OR_RETURN(domain::Group group, ReadGroup(rows, i));
    return fn(group);
  });
}

Status PostgresStore::ForEachAuditEvent(
    const std::function<Status(const domain::AuditEvent&)>& fn) {
  static const std::string kSql = SelectSql(kAuditTable) + " ORDER BY seq";
  return Stream(kSql, [&](const Rows& rows, int i) -> Status {
    LK_ASSIGN_OR_RETURN(domain::AuditEvent event, ReadAuditEvent(rows, i));
    return fn(event);
  });
}

// --- Change feed ---

namespace {

constexpr std::string_view kPrunedThroughSetting = "change_log_pruned_through";

std::optional<ChangeKind> ChangeKindOf(std::string_view name) {
  if (name == "namespace") return ChangeKind::kNamespace;
  if (name == "principal") return ChangeKind::kPrincipal;
  if (name == "key") return ChangeKind::kKey;
  if (name == "capabilities") return ChangeKind::kCapabilities;
  return std::nullopt;
}

}  // namespace

Result<std::int64_t> PostgresStore::LatestChange() {
  std::int64_t latest = 0;
  LK_RETURN_IF_ERROR(ReadSnapshot([&](Connection& conn) -> Status {
    LK_ASSIGN_OR_RETURN(Rows rows, conn.Execute("SELECT coalesce(max(seq), 0) FROM change_log",
                                                Params(), "reading the change log"));
    latest = rows.Int64(0, 0);
    return Status::Ok();
  }));
  return latest;
}

Result<ChangeBatch> PostgresStore::ChangesAfter(std::int64_t after, int limit) {
  ChangeBatch batch;
  LK_RETURN_IF_ERROR(ReadSnapshot([&](Connection& conn) -> Status {
    LK_ASSIGN_OR_RETURN(
        Rows pruned, conn.Execute("SELECT value FROM settings WHERE name = $1",
                                  Params().Text(kPrunedThroughSetting), "reading the change log"));
    std::int64_t pruned_through = pruned.empty() ? 0 : pruned.Int64(0, 0);
    if (pruned_through > after) {
      batch.missed = true;
      return Status::Ok();
    }
    LK_ASSIGN_OR_RETURN(Rows rows,
                        conn.Execute("SELECT seq, kind, entity_id FROM change_log "
                                     "WHERE seq > $1 ORDER BY seq LIMIT $2",
                                     Params().Int64(after).Int64(limit), "reading the change log"));
    for (int i = 0; i < rows.size(); ++i) {
      auto kind = ChangeKindOf(rows.TextView(i, 1));
      if (!kind) return Internal("postgres: change_log holds an unknown kind");
      batch.changes.push_back({.seq = rows.Int64(i, 0), .kind = *kind, .id = rows.Text(i, 2)});
    }
    return Status::Ok();
  }));
  return batch;
}

Result<bool> PostgresStore::WaitForChange(std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(listener_mu_);
  if (!notify_) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  if (listener_ == nullptr) {
    LK_ASSIGN_OR_RETURN(listener_, Connection::Open(connect_options_));
    if (Status s = listener_->Exec("LISTEN latchkey_changes", "listening for changes"); !s.ok()) {
      listener_.reset();
      return s;
    }
    // Anything committed before LISTEN took effect is found by the caller's next read.
    return true;
  }
  Result<bool> notified = listener_->WaitForNotification(timeout);
  if (!notified.ok()) listener_.reset();
  return notified;
}

Result<std::int64_t> PostgresStore::PruneChanges(domain::UnixMillis before) {
  std::int64_t deleted = 0;
  LK_RETURN_IF_ERROR(Write([&](Transaction& tx) -> Status {
    auto& conn = static_cast<PostgresTransaction&>(tx).connection();
    LK_ASSIGN_OR_RETURN(
        Rows rows, conn.Execute("WITH gone AS (DELETE FROM change_log WHERE created_at < $1 AND "
                                "seq < (SELECT max(seq) FROM change_log) RETURNING seq) "
                                "SELECT count(*), coalesce(max(seq), 0) FROM gone",
                                Params().Int64(before), "pruning the change log"));
    deleted = rows.Int64(0, 0);
    if (deleted == 0) return Status::Ok();
    return tx.PutSetting(std::string(kPrunedThroughSetting), std::to_string(rows.Int64(0, 1)));
  }));
  return deleted;
}

}  // namespace latchkey::store::postgres
