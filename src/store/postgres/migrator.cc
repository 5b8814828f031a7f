#include "store/postgres/migrator.h"

#include <algorithm>
#include <string>

namespace latchkey::store::postgres {
namespace {

Result<std::vector<AppliedMigration>> ReadApplied(Connection& conn) {
  LK_ASSIGN_OR_RETURN(Rows exists, conn.Query("SELECT to_regclass('schema_migrations') IS NOT NULL",
                                              "reading the schema version"));
  std::vector<AppliedMigration> applied;
  if (!exists.Bool(0, 0)) return applied;  // a new, empty schema
  LK_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT version, name FROM schema_migrations "
                                            "ORDER BY version",
                                            "reading the schema version"));
  for (int i = 0; i < rows.size(); ++i) {
    applied.push_back({static_cast<int>(rows.Int64(i, 0)), rows.Text(i, 1)});
  }
  return applied;
}

Status Apply(Connection& conn, const Migration& m, domain::UnixMillis now) {
  const std::string context = "applying migration " + std::string(m.name);
  LK_RETURN_IF_ERROR(conn.Exec(std::string(m.sql), context));
  return conn
      .Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
               Params().Int64(m.version).Text(m.name).Int64(now), context)
      .status();
}

Result<int> MigrateLocked(Connection& conn, std::span<const Migration> migrations,
                          domain::UnixMillis now) {
  // Waits for a node that is migrating this schema right now; READ COMMITTED, so what follows
  // sees what that node committed.
  LK_RETURN_IF_ERROR(conn.Exec("SELECT pg_advisory_xact_lock(" +
                                   std::to_string(kAdvisoryLockSpace) +
                                   ", hashtext(current_schema()))",
                               "locking the schema for migration"));
  LK_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied, ReadApplied(conn));
  LK_RETURN_IF_ERROR(CheckCompatible(applied, migrations, "postgres: "));
  const int current = applied.empty() ? 0 : applied.back().version;
  for (const Migration& m : migrations) {
    if (m.version > current) LK_RETURN_IF_ERROR(Apply(conn, m, now));
  }
  return migrations.empty() ? current : std::max(current, migrations.back().version);
}

}  // namespace

Result<int> ApplyMigrations(Connection& conn, std::span<const Migration> migrations,
                            domain::UnixMillis now) {
  LK_RETURN_IF_ERROR(conn.Exec("BEGIN ISOLATION LEVEL READ COMMITTED", "starting migrations"));
  Result<int> version = MigrateLocked(conn, migrations, now);
  if (!version.ok()) {
    (void)conn.Exec("ROLLBACK", "rolling back migrations");  // the first error is the story
    return version;
  }
  LK_RETURN_IF_ERROR(conn.Exec("COMMIT", "committing migrations"));
  return version;
}

}  // namespace latchkey::store::postgres
