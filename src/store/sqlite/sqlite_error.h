#pragma once
// Turns SQLite result codes into Status values, the one place that decides which failures are
// transient (kUnavailable: the caller may retry later) and which are not (kInternal).
// Constraint violations are not mapped here: only the caller knows which row clashed, so it
// builds the kConflict message itself (see Statement::Run and SqliteTransaction).
// Thread-safety: pure functions (sqlite3_errmsg is read from the connection the caller owns).

#include <sqlite3.h>

#include <string_view>

#include "domain/result.h"

namespace latchkey::store::sqlite {

// Maps `rc` (a primary or extended result code, not SQLITE_OK) to kUnavailable for busy, locked,
// I/O, disk-full, cannot-open and read-only failures, and to kInternal for everything else.
// The message reads "sqlite: <context>: <what SQLite said>"; `db` may be null, in which case only
// the generic text for `rc` is used.
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// True for the SQLITE_CONSTRAINT family (the primary code of `rc` is SQLITE_CONSTRAINT).
bool IsConstraintViolation(int rc);

}  // namespace latchkey::store::sqlite
