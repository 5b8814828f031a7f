#pragma once
// Row codec: how Namespace, Principal, ApiKey, Group, Session and AuditEvent values map to the
// columns of their tables (migrations/). Each table's column list below fixes one order that the
// SQL builders, the Bind* functions (parameters ?1..?n) and the Read* functions (columns 0..n-1)
// all share; the first column is always the id (the audit log's: seq).
// Groups are written to `groups` (their members, to group_members, by the caller) and read from
// the view `groups_with_members`, whose columns are those of `groups` and then `members`.
//
// Read* return kInternal naming the table, the row id and the column when a stored value cannot
// be decoded (an unknown enum spelling, malformed JSON, a digest that is not 32 bytes).
// Thread-safety: pure functions over the caller's statement.

#include <span>
#include <string>
#include <string_view>

#include "domain/model.h"
#include "domain/result.h"
#include "store/sqlite/statement.h"

namespace latchkey::store::sqlite {

struct TableSpec {
  std::string_view table;
  std::span<const std::string_view> columns;
};

inline constexpr std::string_view kNamespaceColumns[] = {
    "id", "name", "kind", "parent_id", "settings", "created_at", "updated_at"};
inline constexpr std::string_view kPrincipalColumns[] = {"id",        "name",       "kind",
                                                         "email",     "status",     "namespace_id",
                                                         "superuser", "created_at", "updated_at"};
// What principal reads select: the view `principals_with_password` (migrations/V003), whose
// columns are those of `principals` and then `has_password`. The password hash itself is read
// and written only by the transaction's password methods.
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
// "INSERT INTO <table> (<columns>) VALUES (?1, ..., ?n)"
std::string InsertSql(const TableSpec& spec);
// "UPDATE <table> SET <column 2> = ?2, ..., <column n> = ?n WHERE id = ?1", leaving out the
// columns named in `fixed` (their parameters stay numbered, so the table's Bind* still fits).
std::string UpdateByIdSql(const TableSpec& spec, std::span<const std::string_view> fixed = {});

void BindNamespace(Statement& stmt, const domain::Namespace& ns);
Result<domain::Namespace> ReadNamespace(const Statement& stmt);

// A principal's empty namespace_id is stored as NULL and read back as empty. BindPrincipal binds
// the columns of `principals` (has_password is not one); ReadPrincipal reads a row of
// `principals_with_password`.
void BindPrincipal(Statement& stmt, const domain::Principal& principal);
Result<domain::Principal> ReadPrincipal(const Statement& stmt);

void BindSession(Statement& stmt, const domain::Session& session);
Result<domain::Session> ReadSession(const Statement& stmt);

void BindKey(Statement& stmt, const domain::ApiKey& key);
Result<domain::ApiKey> ReadKey(const Statement& stmt);

// BindGroup binds the columns of `groups` (not the members); ReadGroup reads a row of
// `groups_with_members` and returns the members sorted.
void BindGroup(Statement& stmt, const domain::Group& group);
Result<domain::Group> ReadGroup(const Statement& stmt);

void BindAuditEvent(Statement& stmt, const domain::AuditEvent& event);
Result<domain::AuditEvent> ReadAuditEvent(const Statement& stmt);

// Steps `stmt` to the end, decoding each row with `read` and passing it to `fn`. Returns the
// first error of stepping, decoding or `fn` (and stops there), OK otherwise.
template <typename T, typename Fn>
Status ReadRows(Statement& stmt, Result<T> (*read)(const Statement&), Fn&& fn) {
  for (;;) {
    LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return Status::Ok();
    LK_ASSIGN_OR_RETURN(T item, read(stmt));
    LK_RETURN_IF_ERROR(fn(std::move(item)));
  }
}

}  // namespace latchkey::store::sqlite
