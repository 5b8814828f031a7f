#include "store/migrations.h"

#include <charconv>

namespace latchkey::store {
namespace {

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

Status CheckCompatible(const std::vector<AppliedMigration>& applied,
                       std::span<const Migration> known, std::string_view prefix) {
  const std::string p(prefix);
  for (std::size_t i = 0; i < applied.size(); ++i) {
    const AppliedMigration& a = applied[i];
    if (static_cast<std::size_t>(a.version) != i + 1) {
      return Internal(p + "database table schema_migrations skips version " +
                      std::to_string(i + 1) + "; refusing to use the database");
    }
    if (static_cast<std::size_t>(a.version) > known.size()) {
      return Internal(p + "database schema version " + std::to_string(a.version) +
                      " is newer than this binary supports (" + std::to_string(known.size()) +
                      "); upgrade latchkey or use another database");
    }
    const Migration& mine = known[a.version - 1];
    if (a.name != mine.name) {
      return Internal(p + "database migration " + std::to_string(a.version) + " is '" + a.name +
                      "' but this binary's is '" + std::string(mine.name) +
                      "'; refusing to use the database");
    }
  }
  return Status::Ok();
}

}  // namespace latchkey::store
