#pragma once
// The SQL migration files of store/postgres/migrations/, compiled into the binary. The definition
// is generated at configure time by src/CMakeLists.txt (latchkey_embed_migrations: one raw string
// literal per file, in file name order), so the binary never reads migrations from disk.

#include <span>
#include <string_view>

namespace latchkey::store::postgres {

struct EmbeddedMigration {
  std::string_view file_name;  // e.g. "V001__init.sql"
  std::string_view sql;        // the file's contents
};

// Every migration file, sorted by file name. Static storage; never empty.
std::span<const EmbeddedMigration> EmbeddedMigrations();

}  // namespace latchkey::store::postgres
