#include "store/sqlite/connection.h"

#include <utility>

#include "store/sqlite/sqlite_error.h"

namespace latchkey::store::sqlite {

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                     int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |=
      mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // sqlite3_open_v2 hands back a handle even on failure; it must be closed either way.
  std::unique_ptr<Connection> conn(new Connection(raw, mode));
  if (rc != SQLITE_OK) {
    return SqliteStatus(rc, raw, "opening database '" + path + "'");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return conn;
}

Status Connection::Exec(const std::string& sql, std::string_view context) {
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_.get(), context);
  return Status::Ok();
}

Result<std::string> Connection::QueryText(const std::string& sql, std::string_view context) {
  LK_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return Internal("sqlite: " + std::string(context) + ": no result row");
  return stmt.Text(0);
}

Result<Statement> Connection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size() + 1),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, db_.get(), "preparing a statement");
    it = statements_.emplace(sql, StatementPtr(raw)).first;
  }
  return Statement(it->second.get());
}

Result<TransactionScope> TransactionScope::Begin(Connection& conn, const char* begin_sql) {
  LK_RETURN_IF_ERROR(conn.Exec(begin_sql, "beginning a transaction"));
  return TransactionScope(&conn);
}

TransactionScope::TransactionScope(TransactionScope&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)) {}

TransactionScope::~TransactionScope() {
  if (conn_ != nullptr) (void)Rollback();
}

Status TransactionScope::Commit() {
  if (conn_ == nullptr) return Internal("sqlite: commit without an open transaction");
  Connection* conn = std::exchange(conn_, nullptr);
  if (sqlite3_get_autocommit(conn->handle()) != 0) {
    return Internal("sqlite: the transaction was rolled back by the database after an error");
  }
  Status status = conn->Exec("COMMIT", "committing a transaction");
  if (!status.ok() && sqlite3_get_autocommit(conn->handle()) == 0) {
    (void)conn->Exec("ROLLBACK", "rolling back a transaction");
  }
  return status;
}

Status TransactionScope::Rollback() {
  if (conn_ == nullptr) return Internal("sqlite: rollback without an open transaction");
  Connection* conn = std::exchange(conn_, nullptr);
  if (sqlite3_get_autocommit(conn->handle()) != 0) return Status::Ok();  // already rolled back
  return conn->Exec("ROLLBACK", "rolling back a transaction");
}

}  // namespace latchkey::store::sqlite
