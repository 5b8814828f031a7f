#include "store/postgres/migrator.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace latchkey::store::postgres {
namespace {

struct AppliedMigration {
  int version = 0;
  std::string name;
};

// "V012__add_things.sql" -> 12.
Result<int> ParseVersion(std::string_view file_name) {
  const Status bad = Internal("migration file '" + std::string(file_name) +
                              "' is not named V<number>__<name>.sql");
  const std::size_t separator = file_name.find("__");
  if (file_name.size() < 2 || file_name[0] != 'V' || separator == std::string_view::npos ||
      !file_name.ends_with(".sql") || separator + 2 + 4 >= file_name.size()) {
    return bad;
  }
  int version = 0;
  const char* first = file_name.data() + 1;
  const char* last = file_name.data() + separator;
  auto [end, ec] = std::from_chars(first, last, version);
  if (ec != std::errc() || end != last || first == last) return bad;
  return version;
}

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

Status CheckCompatible(const std::vector<AppliedMigration>& applied,
                       std::span<const Migration> known) {
  for (std::size_t i = 0; i < applied.size(); ++i) {
    const AppliedMigration& a = applied[i];
    if (static_cast<std::size_t>(a.version) != i + 1) {
      return Internal("postgres: table schema_migrations skips version " + std::to_string(i + 1) +
                      "; refusing to use the database");
    }
    if (static_cast<std::size_t>(a.version) > known.size()) {
      return Internal("postgres: database schema version " + std::to_string(a.version) +
                      " is newer than this binary supports (" + std::to_string(known.size()) +
                      "); upgrade latchkey or use another database");
    }
    const Migration& mine = known[a.version - 1];
    if (a.name != mine.name) {
      return Internal("postgres: database migration " + std::to_string(a.version) + " is '" +
                      a.name + "' but this binary's is '" + std::string(mine.name) +
                      "'; refusing to use the database");
    }
  }
  return Status::Ok();
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
  LK_RETURN_IF_ERROR(CheckCompatible(applied, migrations));
  const int current = applied.empty() ? 0 : applied.back().version;
  for (const Migration& m : migrations) {
    if (m.version > current) LK_RETURN_IF_ERROR(Apply(conn, m, now));
  }
  return migrations.empty() ? current : std::max(current, migrations.back().version);
}

}  // namespace

Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedMigration> files) {
  std::vector<Migration> migrations;
  for (const EmbeddedMigration& file : files) {
    LK_ASSIGN_OR_RETURN(int version, ParseVersion(file.file_name));
    if (static_cast<std::size_t>(version) != migrations.size() + 1) {
      return Internal("migration file '" + std::string(file.file_name) + "' should be version " +
                      std::to_string(migrations.size() + 1));
    }
    migrations.push_back({version, file.file_name, file.sql});
  }
  return migrations;
}

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
