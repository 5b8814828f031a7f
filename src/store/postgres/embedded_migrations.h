#pragma once
// The SQL migration files of store/postgres/migrations/, compiled into the binary. The definition
// is generated at configure time by src/CMakeLists.txt (latchkey_embed_migrations: one raw string
// literal per file, in file name order), so the binary never reads migrations from disk.

#include <span>

#include "store/migrations.h"

namespace latchkey::store::postgres {

using store::EmbeddedMigration;  // store/migrations.h

// Every migration file, sorted by file name. Static storage; never empty.
std::span<const EmbeddedMigration> EmbeddedMigrations();

}  // namespace latchkey::store::postgres
