#include "store/sqlite/sqlite_store.h"

#include <utility>
#include <vector>

#include "domain/clock.h"
#include "store/sqlite/migrator.h"
#include "store/sqlite/row_codec.h"
#include "store/sqlite/sqlite_transaction.h"

namespace latchkey::store::sqlite {
namespace {

Status ConfigureWriter(Connection& conn) {
  LK_ASSIGN_OR_RETURN(std::string journal_mode,
                      conn.QueryText("PRAGMA journal_mode = WAL", "enabling WAL mode"));
  if (journal_mode != "wal") {
    return Internal("sqlite: cannot put the database in WAL mode (it stays in '" + journal_mode +
                    "' mode); is it on a network file system?");
  }
  // FULL: with WAL, NORMAL would let a power loss drop the last commits; an acknowledged write
  // must survive it. The size limit truncates the WAL after a checkpoint, so one bulk write does
  // not leave a file as large as the database behind.
  return conn.Exec(
      "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
      "PRAGMA journal_size_limit = 67108864;",
      "configuring the connection");
}

Status Migrate(Connection& conn) {
  LK_ASSIGN_OR_RETURN(std::vector<Migration> migrations, ParseMigrations(EmbeddedMigrations()));
  LK_ASSIGN_OR_RETURN(int version,
                      ApplyMigrations(conn, migrations, domain::SystemClock().NowMillis()));
  (void)version;
  return Status::Ok();
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

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& db_path) {
  LK_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                      Connection::Open(db_path, Connection::Mode::kReadWrite, kBusyTimeoutMs));
  LK_RETURN_IF_ERROR(ConfigureWriter(*writer));
  LK_RETURN_IF_ERROR(Migrate(*writer));
  return std::unique_ptr<SqliteStore>(new SqliteStore(db_path, std::move(writer)));
}

SqliteStore::SqliteStore(const std::string& db_path, std::unique_ptr<Connection> writer)
    : writer_(std::move(writer)), readers_(db_path, kBusyTimeoutMs, kMaxIdleReaders) {}

SqliteStore::~SqliteStore() = default;

Status SqliteStore::Write(const std::function<Status(Transaction&)>& fn) {
  if (writing_thread_.load() == std::this_thread::get_id()) {
    return Internal("Store::Write called from inside a Write callback");
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  WritingThreadScope writing(writing_thread_);
  LK_ASSIGN_OR_RETURN(TransactionScope txn, TransactionScope::Begin(*writer_, "BEGIN IMMEDIATE"));
  SqliteTransaction tx(*writer_, SqliteTransaction::Access::kReadWrite);
  LK_RETURN_IF_ERROR(fn(tx));  // `txn` rolls back as it goes out of scope
  return txn.Commit();
}

Status SqliteStore::Read(const std::function<Status(Transaction&)>& fn) {
  return ReadSnapshot([&](Connection& conn) {
    SqliteTransaction tx(conn, SqliteTransaction::Access::kReadOnly);
    return fn(tx);
  });
}

Status SqliteStore::ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) {
  return ReadSnapshot([&](Connection& conn) -> Status {
    static const std::string kSql = SelectSql(kPrincipalReadTable);
    LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(kSql));
    return ReadRows(stmt, ReadPrincipal, [&](domain::Principal&& p) { return fn(p); });
  });
}

Status SqliteStore::ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) {
  return ReadSnapshot([&](Connection& conn) -> Status {
    static const std::string kSql = SelectSql(kKeyTable);
    LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(kSql));
    return ReadRows(stmt, ReadKey, [&](domain::ApiKey&& key) { return fn(key); });
  });
}

Status SqliteStore::ForEachGroup(const std::function<Status(const domain::Group&)>& fn) {
  return ReadSnapshot([&](Connection& conn) -> Status {
    static const std::string kSql = SelectSql(kGroupReadTable);
    LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(kSql));
    return ReadRows(stmt, ReadGroup, [&](domain::Group&& group) { return fn(group); });
  });
}

Status SqliteStore::ForEachAuditEvent(const std::function<Status(const domain::AuditEvent&)>& fn) {
  return ReadSnapshot([&](Connection& conn) -> Status {
    static const std::string kSql = SelectSql(kAuditTable) + " ORDER BY seq";
    LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(kSql));
    return ReadRows(stmt, ReadAuditEvent, [&](domain::AuditEvent&& event) { return fn(event); });
  });
}

Status SqliteStore::ReadSnapshot(const std::function<Status(Connection&)>& body) {
  LK_ASSIGN_OR_RETURN(ReaderPool::Lease lease, readers_.Acquire());
  Connection& conn = lease.connection();
  LK_ASSIGN_OR_RETURN(TransactionScope txn, TransactionScope::Begin(conn, "BEGIN"));
  Status status = body(conn);
  // Nothing to keep: ending the read transaction just releases its snapshot.
  Status ended = txn.Rollback();
  if (!ended.ok()) {
    lease.Discard();  // a connection stuck in a transaction must not be reused
    if (status.ok()) return ended;
  }
  return status;
}

}  // namespace latchkey::store::sqlite
