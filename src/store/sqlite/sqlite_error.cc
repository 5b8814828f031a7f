#include "store/sqlite/sqlite_error.h"

#include <string>

namespace latchkey::store::sqlite {
namespace {

bool IsTransient(int primary_rc) {
  switch (primary_rc) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  // sqlite3_errmsg describes the most recent failure on `db`, which is `rc` when called at once;
  // it names tables and columns but never bound values, so no data leaks into the message.
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = "sqlite: " + std::string(context) + ": " + detail;
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    message += " (the database is in use by another process; try again)";
  }
  if (IsTransient(primary)) return Unavailable(std::move(message));
  return Internal(std::move(message));
}

bool IsConstraintViolation(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }

}  // namespace latchkey::store::sqlite
