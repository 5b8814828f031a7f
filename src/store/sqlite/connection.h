#pragma once
// Connection: one SQLite database connection with its cache of prepared statements, and
// TransactionScope, an open SQL transaction that rolls back unless committed.
//
// Ownership: a Connection owns its sqlite3* and every statement it prepared; Statements handed
// out by Prepare borrow from it. Thread-safety: none. A Connection is opened in SQLite's
// multi-thread mode and must be used by one thread at a time (SqliteStore serializes the writer
// behind a mutex and leases readers from ReaderPool).

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/result.h"
#include "store/sqlite/statement.h"

namespace latchkey::store::sqlite {

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` (creating it in kReadWrite mode) with extended result codes and the given busy
  // timeout. Returns kUnavailable when the file cannot be opened or created.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                  int busy_timeout_ms);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements that return no rows. `context` names the operation in the
  // error message.
  Status Exec(const std::string& sql, std::string_view context);

  // Runs a PRAGMA (or any statement) that returns one row and returns its first column as text.
  Result<std::string> QueryText(const std::string& sql, std::string_view context);

  // Returns the cached prepared statement for `sql`, preparing it on first use. Fails with
  // kInternal for invalid SQL. The statement must not be prepared again while still in use.
  Result<Statement> Prepare(const std::string& sql);

  sqlite3* handle() const { return db_.get(); }
  Mode mode() const { return mode_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  Connection(sqlite3* db, Mode mode) : db_(db), mode_(mode) {}

  // Declared before the cache so that statements are finalized before the database is closed.
  std::unique_ptr<sqlite3, Closer> db_;
  Mode mode_;
  std::unordered_map<std::string, StatementPtr> statements_;
};

// An open transaction on a Connection. Begin runs `begin_sql` ("BEGIN", "BEGIN IMMEDIATE");
// Commit makes the changes durable; destroying an uncommitted scope rolls it back, so an early
// return (or an exception thrown by a callback) never leaves a transaction open.
class TransactionScope {
 public:
  static Result<TransactionScope> Begin(Connection& conn, const char* begin_sql);

  TransactionScope(TransactionScope&& other) noexcept;
  TransactionScope& operator=(TransactionScope&&) = delete;
  ~TransactionScope();

  // Commits. On failure the transaction is rolled back and the error returned; a transaction that
  // SQLite already rolled back on its own (after an I/O error) fails with kInternal.
  Status Commit();
  // Rolls back; returns the error if even that failed (the connection is then suspect).
  Status Rollback();

 private:
  explicit TransactionScope(Connection* conn) : conn_(conn) {}
  Connection* conn_;  // null once committed or rolled back
};

}  // namespace latchkey::store::sqlite
