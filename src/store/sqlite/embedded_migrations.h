#pragma once
// The SQL migration files of store/sqlite/migrations/, compiled into the binary. The definition
// is generated at configure time by src/CMakeLists.txt (one raw string literal per file, in file
// name order), so the binary never reads migrations from disk.

#include <span>

#include "store/migrations.h"

namespace latchkey::store::sqlite {

using store::EmbeddedMigration;  // store/migrations.h

// Every migration file, sorted by file name. Static storage; never empty.
std::span<const EmbeddedMigration> EmbeddedMigrations();

}  // namespace latchkey::store::sqlite
