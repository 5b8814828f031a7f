#pragma once
// Migrator: brings a database's schema up to the newest version this binary knows, applying the
// numbered SQL migrations (V001__init.sql, V002__...) it has not applied yet, in order, and
// recording each in the schema_migrations table (created by V001).
//
// All pending migrations run in one IMMEDIATE transaction: either the schema moves to the newest
// version or it stays where it was. Running it again is a no-op. A database already at a version
// newer than the binary knows, or whose recorded migration names differ from the binary's, is
// refused rather than touched.
// Thread-safety: uses the caller's connection; call before the store is shared.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "domain/result.h"
#include "store/migrations.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/embedded_migrations.h"

namespace latchkey::store::sqlite {

// The migration list and its parsing are store/migrations.h's.
using store::Migration;
using store::ParseMigrations;

// Applies the migrations of `migrations` newer than the database's version, stamping them with
// `now`. Returns the version the database is at afterwards. Errors: kInternal when the database is
// newer than `migrations` or disagrees with them about a migration's name, or when a migration's
// SQL fails (nothing is applied); kUnavailable when the database is busy or unwritable.
Result<int> ApplyMigrations(Connection& conn, std::span<const Migration> migrations,
                            domain::UnixMillis now);

}  // namespace latchkey::store::sqlite
