#include "store/sqlite/statement.h"

#include <utility>

#include "store/sqlite/sqlite_error.h"

namespace latchkey::store::sqlite {
namespace {

std::optional<Constraint> ConstraintOf(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Constraint::kPrimaryKey;
    case SQLITE_CONSTRAINT_UNIQUE:
      return Constraint::kUnique;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Constraint::kForeignKey;
    default:
      return std::nullopt;
  }
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(other.bind_rc_),
      error_code_(other.error_code_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::NoteBind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::BindText(int index, std::string_view value) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::BindOptionalText(int index, const std::optional<std::string>& value) {
  if (value) {
    BindText(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindInt64(int index, std::int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::BindOptionalInt64(int index, std::optional<std::int64_t> value) {
  if (value) {
    BindInt64(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindBlob(int index, std::span<const std::uint8_t> value) {
  NoteBind(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT));
}

void Statement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_, index)); }

Result<bool> Statement::Step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) {
    error_code_ = bind_rc_;
    return SqliteStatus(bind_rc_, nullptr, "binding a parameter");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  error_code_ = sqlite3_extended_errcode(db);
  return SqliteStatus(error_code_, db, "executing a statement");
}

Status Statement::Run(const std::function<std::string(Constraint)>& conflict_message) {
  Result<bool> row = Step();
  if (row.ok()) {
    if (*row) return Internal("sqlite: a write statement returned a row");
    return Status::Ok();
  }
  if (std::optional<Constraint> constraint = ConstraintOf(error_code_)) {
    return Conflict(conflict_message(*constraint));
  }
  return row.status();
}

std::int64_t Statement::changes() const { return sqlite3_changes64(sqlite3_db_handle(stmt_)); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::TextView(int column) const {
  // sqlite3_column_text before sqlite3_column_bytes: the documented order that avoids a second
  // conversion. NULL reads as the empty string.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<std::int64_t> Statement::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

std::span<const std::uint8_t> Statement::Blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

}  // namespace latchkey::store::sqlite
