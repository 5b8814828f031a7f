#include "store/sqlite/migrator.h"

#include <algorithm>
#include <utility>

namespace latchkey::store::sqlite {
namespace {

Result<std::vector<AppliedMigration>> ReadApplied(Connection& conn) {
  LK_ASSIGN_OR_RETURN(std::string tables,
                      conn.QueryText("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                     "AND name = 'schema_migrations'",
                                     "reading the schema version"));
  std::vector<AppliedMigration> applied;
  if (tables == "0") return applied;  // a new, empty database
  LK_ASSIGN_OR_RETURN(Statement stmt,
                      conn.Prepare("SELECT version, name FROM schema_migrations ORDER BY version"));
  for (;;) {
    LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    applied.push_back({static_cast<int>(stmt.Int64(0)), stmt.Text(1)});
  }
  return applied;
}

Status Apply(Connection& conn, const Migration& m, domain::UnixMillis now) {
  LK_RETURN_IF_ERROR(conn.Exec(std::string(m.sql), "applying migration " + std::string(m.name)));
  LK_ASSIGN_OR_RETURN(
      Statement stmt,
      conn.Prepare(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"));
  stmt.BindInt64(1, m.version);
  stmt.BindText(2, m.name);
  stmt.BindInt64(3, now);
  return stmt.Run(
      [&](Constraint) { return "migration " + std::string(m.name) + " applied twice"; });
}

}  // namespace

Result<int> ApplyMigrations(Connection& conn, std::span<const Migration> migrations,
                            domain::UnixMillis now) {
  LK_ASSIGN_OR_RETURN(TransactionScope txn, TransactionScope::Begin(conn, "BEGIN IMMEDIATE"));
  LK_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied, ReadApplied(conn));
  LK_RETURN_IF_ERROR(CheckCompatible(applied, migrations, ""));
  const int current = applied.empty() ? 0 : applied.back().version;
  for (const Migration& m : migrations) {
    if (m.version > current) LK_RETURN_IF_ERROR(Apply(conn, m, now));
  }
  LK_RETURN_IF_ERROR(txn.Commit());
  return migrations.empty() ? current : std::max(current, migrations.back().version);
}

}  // namespace latchkey::store::sqlite
