#pragma once
// Migrator: brings a PostgreSQL schema up to the newest version this binary knows, applying the
// numbered SQL migrations (migrations/V001__init.sql, ...) it has not applied yet, in order, and
// recording each in the schema_migrations table (created by V001).
//
// Several nodes may start at once against one database. The migrator takes a transaction-level
// advisory lock (pg_advisory_xact_lock on a constant key space and the schema's name) before it
// reads the schema version, so one node applies the pending migrations while the others wait,
// then see them applied and do nothing; the lock goes with the transaction, even if the node
// dies. All pending migrations run in that one transaction (DDL is transactional in PostgreSQL):
// the schema moves to the newest version or stays where it was. A schema at a version newer than
// the binary knows, or whose recorded migration names differ from the binary's, is refused
// rather than touched.
// Thread-safety: uses the caller's connection.

#include <span>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "domain/result.h"
#include "store/migrations.h"
#include "store/postgres/connection.h"
#include "store/postgres/embedded_migrations.h"

namespace latchkey::store::postgres {

// The advisory lock key space of latchkey's PostgreSQL locks (the first int4 of the two-key
// form); the second key is a hash of the schema name, so two latchkeys in two schemas of one
// database do not wait for each other.
inline constexpr int kAdvisoryLockSpace = 0x6c6b6d67;  // "lkmg"

// The migration list and its parsing are store/migrations.h's.
using store::Migration;
using store::ParseMigrations;

// Applies the migrations of `migrations` newer than the schema's version, stamping them with
// `now`, and returns the version the schema is at afterwards. Errors: kInternal when the schema
// is newer than `migrations` or disagrees with them about a migration's name, or when a
// migration's SQL fails (nothing is applied); kUnavailable when the server cannot be reached.
Result<int> ApplyMigrations(Connection& conn, std::span<const Migration> migrations,
                            domain::UnixMillis now);

}  // namespace latchkey::store::postgres
