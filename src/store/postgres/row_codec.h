#pragma once
// Row codec of the PostgreSQL backend: how Namespace, Principal, ApiKey, Group, Session and
// AuditEvent values map to the columns of their tables (migrations/V001__init.sql). Each table's
// column list fixes one order that the SQL builders, the Bind* functions (parameters $1..$n) and
// the Read* functions (columns 0..n-1) share; the first column is always the id (audit: seq).
// The column lists are those of the SQLite backend (store/sqlite/row_codec.h), so the two stay
// easy to compare; the encodings differ only in types (BOOLEAN, BYTEA, JSONB).
// Groups are read from the view `groups_with_members`, principals from
// `principals_with_password`.
//
// Read* return kInternal naming the table, the row id and the column when a stored value cannot
// be decoded (an unknown enum spelling, malformed JSON, a digest that is not 32 bytes).
// Thread-safety: pure functions.

#include <span>
#include <string>
#include <string_view>

#include "domain/model.h"
#include "domain/result.h"
#include "store/postgres/connection.h"

namespace latchkey::store::postgres {

struct TableSpec {
  std::string_view table;
  std::span<const std::string_view> columns;
};

inline constexpr std::string_view kNamespaceColumns[] = {
    "id", "name", "kind", "parent_id", "settings", "created_at", "updated_at"};
inline constexpr std::string_view kPrincipalColumns[] = {"id",        "name",       "kind",
                                                         "email",     "status",     "namespace_id",
                                                         "superuser", "created_at", "updated_at"};
inline constexpr std::string_view kPrincipalReadColumns[] = {
    "id",           "name",      "kind",       "email",      "status",
    "namespace_id", "superuser", "created_at", "updated_at", "has_password"};
inline constexpr std::string_view kKeyColumns[] = {
    "id",           "name",       "description", "type",         "owner_id",
    "namespace_id", "scopes",     "resources",   "data_access",  "origins",
    "allowed_ips",  "expires_at", "rate_limit",  "quota",        "meta",
    "prefix",       "hint",       "digest",      "status",       "created_at",
    "created_by",   "updated_at", "revoked_at",  "last_used_at", "last_used_ip"};
inline constexpr std::string_view kGroupColumns[] = {
    "id", "namespace_id", "name", "description", "capabilities", "created_at", "updated_at"};
inline constexpr std::string_view kGroupReadColumns[] = {
    "id",           "namespace_id", "name",       "description",
    "capabilities", "created_at",   "updated_at", "members"};
inline constexpr std::string_view kSessionColumns[] = {"id", "digest", "principal_id", "created_at",
                                                       "expires_at"};
inline constexpr std::string_view kAuditColumns[] = {
    "seq",     "time",       "actor_principal", "actor_key", "action",    "target", "namespace_id",
    "outcome", "request_id", "source_ip",       "details",   "prev_hash", "hash"};

inline constexpr TableSpec kNamespaceTable{"namespaces", kNamespaceColumns};
inline constexpr TableSpec kPrincipalTable{"principals", kPrincipalColumns};
inline constexpr TableSpec kPrincipalReadTable{"principals_with_password", kPrincipalReadColumns};
inline constexpr TableSpec kKeyTable{"api_keys", kKeyColumns};
inline constexpr TableSpec kGroupTable{"groups", kGroupColumns};
inline constexpr TableSpec kGroupReadTable{"groups_with_members", kGroupReadColumns};
inline constexpr TableSpec kSessionTable{"sessions", kSessionColumns};
inline constexpr TableSpec kAuditTable{"audit_events", kAuditColumns};

// "SELECT <columns> FROM <table>"
std::string SelectSql(const TableSpec& spec);
// "INSERT INTO <table> (<columns>) VALUES ($1, ..., $n)"
std::string InsertSql(const TableSpec& spec);
// "UPDATE <table> SET <column 2> = $2, ..., <column n> = $n WHERE id = $1". (Unlike SQLite,
// PostgreSQL must infer a type for every parameter, so a statement cannot leave some unused.)
std::string UpdateByIdSql(const TableSpec& spec);

Params BindNamespace(const domain::Namespace& ns);
Result<domain::Namespace> ReadNamespace(const Rows& rows, int row);

// A principal's empty namespace_id is stored as NULL and read back as empty. BindPrincipal binds
// the columns of `principals` (has_password is not one).
Params BindPrincipal(const domain::Principal& principal);
Result<domain::Principal> ReadPrincipal(const Rows& rows, int row);

Params BindSession(const domain::Session& session);
Result<domain::Session> ReadSession(const Rows& rows, int row);

Params BindKey(const domain::ApiKey& key);
Result<domain::ApiKey> ReadKey(const Rows& rows, int row);

// BindGroup binds the columns of `groups` (not the members); ReadGroup returns them sorted.
Params BindGroup(const domain::Group& group);
Result<domain::Group> ReadGroup(const Rows& rows, int row);

Params BindAuditEvent(const domain::AuditEvent& event);
Result<domain::AuditEvent> ReadAuditEvent(const Rows& rows, int row);

}  // namespace latchkey::store::postgres
