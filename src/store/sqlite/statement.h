#pragma once
// Statement: a borrowed handle to a prepared statement that a Connection caches. Binds parameters,
// steps through rows and reads columns; on destruction it resets the statement and clears its
// bindings, so a cached statement never keeps a read snapshot open or leaks values into its next
// use. Ownership: the Connection owns the sqlite3_stmt (StatementPtr); a Statement must not
// outlive it. Thread-safety: none; used by the one thread that holds the connection.
//
// Binding never fails on the spot: the first bind error is remembered and returned by the next
// Step/Run, so call sites bind a whole row and check once.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "store/conflict_messages.h"

namespace latchkey::store::sqlite {

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

using store::Constraint;  // store/conflict_messages.h

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are numbered from 1. Text and blobs are copied.
  void BindText(int index, std::string_view value);
  void BindOptionalText(int index, const std::optional<std::string>& value);
  void BindInt64(int index, std::int64_t value);
  void BindOptionalInt64(int index, std::optional<std::int64_t> value);
  void BindBlob(int index, std::span<const std::uint8_t> value);
  void BindNull(int index);

  // Advances to the next row: true when a row is available, false when done. On failure returns
  // the mapped Status (see sqlite_error.h) and keeps the SQLite code in error_code().
  Result<bool> Step();

  // Runs a statement that returns no rows (INSERT, UPDATE, DELETE). A PRIMARY KEY, UNIQUE or
  // FOREIGN KEY violation becomes kConflict with the message `conflict_message` gives for it;
  // any other failure is mapped as by Step.
  Status Run(const std::function<std::string(Constraint)>& conflict_message);

  // Rows changed by the last Run on this statement's connection.
  std::int64_t changes() const;
  // The extended SQLite code of the last failure, SQLITE_OK if none.
  int error_code() const { return error_code_; }

  // Columns are numbered from 0 and valid only while Step's row is current.
  bool IsNull(int column) const;
  std::int64_t Int64(int column) const;
  std::string_view TextView(int column) const;
  std::string Text(int column) const { return std::string(TextView(column)); }
  std::optional<std::string> OptionalText(int column) const;
  std::optional<std::int64_t> OptionalInt64(int column) const;
  std::span<const std::uint8_t> Blob(int column) const;

 private:
  void NoteBind(int rc);

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
  int error_code_ = SQLITE_OK;
};

}  // namespace latchkey::store::sqlite
