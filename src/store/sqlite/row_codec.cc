#include "store/sqlite/row_codec.h"

#include <algorithm>
#include <optional>

#include "store/json_columns.h"

namespace latchkey::store::sqlite {
namespace {

// Binds parameters ?1, ?2, ... in call order, mirroring a table's column list.
class RowBinder {
 public:
  explicit RowBinder(Statement& stmt) : stmt_(stmt) {}
  void Text(std::string_view v) { stmt_.BindText(next_++, v); }
  void OptionalText(const std::optional<std::string>& v) { stmt_.BindOptionalText(next_++, v); }
  void Int64(std::int64_t v) { stmt_.BindInt64(next_++, v); }
  void OptionalInt64(std::optional<std::int64_t> v) { stmt_.BindOptionalInt64(next_++, v); }
  void Blob(std::span<const std::uint8_t> v) { stmt_.BindBlob(next_++, v); }

 private:
  Statement& stmt_;
  int next_ = 1;
};

// Reads columns 0, 1, ... in call order, mirroring a table's column list; decoding failures name
// the table, the row and the column.
class RowReader {
 public:
  RowReader(const Statement& stmt, const TableSpec& spec) : stmt_(stmt), spec_(spec) {}

  std::string Text() { return stmt_.Text(next_++); }
  std::optional<std::string> OptionalText() { return stmt_.OptionalText(next_++); }
  std::int64_t Int64() { return stmt_.Int64(next_++); }
  std::optional<std::int64_t> OptionalInt64() { return stmt_.OptionalInt64(next_++); }

  template <typename E>
  Result<E> Enum(std::optional<E> (*parse)(std::string_view)) {
    const int column = next_++;
    std::optional<E> value = parse(stmt_.TextView(column));
    if (!value) return Corrupt(column, "unknown value '" + stmt_.Text(column) + "'");
    return *value;
  }

  template <typename T>
  Result<T> Json(Result<T> (*decode)(std::string_view)) {
    const int column = next_++;
    Result<T> value = decode(stmt_.TextView(column));
    if (!value.ok()) return Corrupt(column, value.status().message());
    return value;
  }

  template <typename T>
  Result<std::optional<T>> OptionalJson(Result<T> (*decode)(std::string_view)) {
    if (stmt_.IsNull(next_)) {
      ++next_;
      return std::optional<T>();
    }
    LK_ASSIGN_OR_RETURN(T value, Json(decode));
    return std::optional<T>(std::move(value));
  }

  Result<domain::Digest> Digest() {
    const int column = next_++;
    std::span<const std::uint8_t> bytes = stmt_.Blob(column);
    domain::Digest digest;
    if (bytes.size() != digest.size()) return Corrupt(column, "digest is not 32 bytes");
    std::copy(bytes.begin(), bytes.end(), digest.begin());
    return digest;
  }

 private:
  Status Corrupt(int column, std::string_view detail) const {
    return Internal("corrupt value in " + std::string(spec_.table) + "." +
                    std::string(spec_.columns[column]) + " of row '" + stmt_.Text(0) +
                    "': " + std::string(detail));
  }

  const Statement& stmt_;
  const TableSpec& spec_;
  int next_ = 0;
};

std::string ColumnList(const TableSpec& spec) {
  std::string out;
  for (std::string_view column : spec.columns) {
    if (!out.empty()) out += ", ";
    out += column;
  }
  return out;
}

Status ReadKeyRestrictions(RowReader& r, domain::ApiKey& key) {
  LK_ASSIGN_OR_RETURN(key.scopes, r.Json(DecodeStringList));
  LK_ASSIGN_OR_RETURN(key.resources, r.Json(DecodeStringList));
  LK_ASSIGN_OR_RETURN(key.data_access, r.Enum(domain::ParseDataAccess));
  LK_ASSIGN_OR_RETURN(key.origins, r.Json(DecodeOrigins));
  LK_ASSIGN_OR_RETURN(key.allowed_ips, r.Json(DecodeStringList));
  key.expires_at = r.OptionalInt64();
  LK_ASSIGN_OR_RETURN(key.rate_limit, r.OptionalJson(DecodeRateLimit));
  LK_ASSIGN_OR_RETURN(key.quota, r.OptionalJson(DecodeQuota));
  key.meta_json = r.Text();
  return Status::Ok();
}

Status ReadKeyLifecycle(RowReader& r, domain::ApiKey& key) {
  key.prefix = r.Text();
  key.hint = r.Text();
  LK_ASSIGN_OR_RETURN(key.digest, r.Digest());
  LK_ASSIGN_OR_RETURN(key.status, r.Enum(domain::ParseKeyStatus));
  key.created_at = r.Int64();
  key.created_by = r.Text();
  key.updated_at = r.Int64();
  key.revoked_at = r.OptionalInt64();
  key.last_used_at = r.OptionalInt64();
  key.last_used_ip = r.OptionalText();
  return Status::Ok();
}

}  // namespace

std::string SelectSql(const TableSpec& spec) {
  return "SELECT " + ColumnList(spec) + " FROM " + std::string(spec.table);
}

std::string InsertSql(const TableSpec& spec) {
  std::string values;
  for (std::size_t i = 1; i <= spec.columns.size(); ++i) {
    values += (i == 1 ? "?" : ", ?") + std::to_string(i);
  }
  return "INSERT INTO " + std::string(spec.table) + " (" + ColumnList(spec) + ") VALUES (" +
         values + ")";
}

std::string UpdateByIdSql(const TableSpec& spec, std::span<const std::string_view> fixed) {
  std::string assignments;
  for (std::size_t i = 1; i < spec.columns.size(); ++i) {
    if (std::find(fixed.begin(), fixed.end(), spec.columns[i]) != fixed.end()) continue;
    if (!assignments.empty()) assignments += ", ";
    assignments += std::string(spec.columns[i]) + " = ?" + std::to_string(i + 1);
  }
  return "UPDATE " + std::string(spec.table) + " SET " + assignments + " WHERE id = ?1";
}

void BindNamespace(Statement& stmt, const domain::Namespace& ns) {
  RowBinder b(stmt);
  b.Text(ns.id);
  b.Text(ns.name);
  b.Text(domain::NamespaceKindName(ns.kind));
  b.OptionalText(ns.parent_id);
  b.Text(EncodeNamespaceSettings(ns.settings));
  b.Int64(ns.created_at);
  b.Int64(ns.updated_at);
}

Result<domain::Namespace> ReadNamespace(const Statement& stmt) {
  RowReader r(stmt, kNamespaceTable);
  domain::Namespace ns;
  ns.id = r.Text();
  ns.name = r.Text();
  LK_ASSIGN_OR_RETURN(ns.kind, r.Enum(domain::ParseNamespaceKind));
  ns.parent_id = r.OptionalText();
  LK_ASSIGN_OR_RETURN(ns.settings, r.Json(DecodeNamespaceSettings));
  ns.created_at = r.Int64();
  ns.updated_at = r.Int64();
  return ns;
}

void BindPrincipal(Statement& stmt, const domain::Principal& p) {
  RowBinder b(stmt);
  b.Text(p.id);
  b.Text(p.name);
  b.Text(domain::PrincipalKindName(p.kind));
  b.OptionalText(p.email);
  b.Text(domain::PrincipalStatusName(p.status));
  b.OptionalText(p.namespace_id.empty() ? std::nullopt : std::optional(p.namespace_id));
  b.Int64(p.superuser ? 1 : 0);
  b.Int64(p.created_at);
  b.Int64(p.updated_at);
}

Result<domain::Principal> ReadPrincipal(const Statement& stmt) {
  RowReader r(stmt, kPrincipalReadTable);
  domain::Principal p;
  p.id = r.Text();
  p.name = r.Text();
  LK_ASSIGN_OR_RETURN(p.kind, r.Enum(domain::ParsePrincipalKind));
  p.email = r.OptionalText();
  LK_ASSIGN_OR_RETURN(p.status, r.Enum(domain::ParsePrincipalStatus));
  p.namespace_id = r.OptionalText().value_or("");
  p.superuser = r.Int64() != 0;
  p.created_at = r.Int64();
  p.updated_at = r.Int64();
  p.has_password = r.Int64() != 0;
  return p;
}

void BindSession(Statement& stmt, const domain::Session& session) {
  RowBinder b(stmt);
  b.Text(session.id);
  b.Blob(session.digest);
  b.Text(session.principal_id);
  b.Int64(session.created_at);
  b.Int64(session.expires_at);
}

Result<domain::Session> ReadSession(const Statement& stmt) {
  RowReader r(stmt, kSessionTable);
  domain::Session session;
  session.id = r.Text();
  LK_ASSIGN_OR_RETURN(session.digest, r.Digest());
  session.principal_id = r.Text();
  session.created_at = r.Int64();
  session.expires_at = r.Int64();
  return session;
}

void BindKey(Statement& stmt, const domain::ApiKey& key) {
  RowBinder b(stmt);
  b.Text(key.id);
  b.Text(key.name);
  b.Text(key.description);
  b.Text(domain::KeyTypeName(key.type));
  b.Text(key.owner_id);
  b.OptionalText(key.namespace_id);
  b.Text(EncodeStringList(key.scopes));
  b.Text(EncodeStringList(key.resources));
  b.Text(domain::DataAccessName(key.data_access));
  b.Text(EncodeOrigins(key.origins));
  b.Text(EncodeStringList(key.allowed_ips));
  b.OptionalInt64(key.expires_at);
  b.OptionalText(key.rate_limit ? std::optional(EncodeRateLimit(*key.rate_limit)) : std::nullopt);
  b.OptionalText(key.quota ? std::optional(EncodeQuota(*key.quota)) : std::nullopt);
  b.Text(key.meta_json);
  b.Text(key.prefix);
  b.Text(key.hint);
  b.Blob(key.digest);
  b.Text(domain::KeyStatusName(key.status));
  b.Int64(key.created_at);
  b.Text(key.created_by);
  b.Int64(key.updated_at);
  b.OptionalInt64(key.revoked_at);
  b.OptionalInt64(key.last_used_at);
  b.OptionalText(key.last_used_ip);
}

Result<domain::ApiKey> ReadKey(const Statement& stmt) {
  RowReader r(stmt, kKeyTable);
  domain::ApiKey key;
  key.id = r.Text();
  key.name = r.Text();
  key.description = r.Text();
  LK_ASSIGN_OR_RETURN(key.type, r.Enum(domain::ParseKeyType));
  key.owner_id = r.Text();
  key.namespace_id = r.OptionalText();
  LK_RETURN_IF_ERROR(ReadKeyRestrictions(r, key));
  LK_RETURN_IF_ERROR(ReadKeyLifecycle(r, key));
  return key;
}

void BindGroup(Statement& stmt, const domain::Group& group) {
  RowBinder b(stmt);
  b.Text(group.id);
  b.Text(group.namespace_id);
  b.Text(group.name);
  b.Text(group.description);
  b.Text(EncodeStringList(group.capabilities));
  b.Int64(group.created_at);
  b.Int64(group.updated_at);
}

Result<domain::Group> ReadGroup(const Statement& stmt) {
  RowReader r(stmt, kGroupReadTable);
  domain::Group group;
  group.id = r.Text();
  group.namespace_id = r.Text();
  group.name = r.Text();
  group.description = r.Text();
  LK_ASSIGN_OR_RETURN(group.capabilities, r.Json(DecodeStringList));
  group.created_at = r.Int64();
  group.updated_at = r.Int64();
  LK_ASSIGN_OR_RETURN(group.members, r.Json(DecodeStringList));
  // SQLite's json_group_array has no ORDER BY (before 3.44), so the order is fixed here.
  std::sort(group.members.begin(), group.members.end());
  return group;
}

void BindAuditEvent(Statement& stmt, const domain::AuditEvent& event) {
  RowBinder b(stmt);
  b.Int64(event.seq);
  b.Int64(event.time);
  b.Text(event.actor_principal);
  b.Text(event.actor_key);
  b.Text(event.action);
  b.Text(event.target);
  b.Text(event.namespace_id);
  b.Text(domain::AuditOutcomeName(event.outcome));
  b.Text(event.request_id);
  b.Text(event.source_ip);
  b.Text(event.details_json);
  b.Text(event.prev_hash);
  b.Text(event.hash);
}

Result<domain::AuditEvent> ReadAuditEvent(const Statement& stmt) {
  RowReader r(stmt, kAuditTable);
  domain::AuditEvent event;
  event.seq = r.Int64();
  event.time = r.Int64();
  event.actor_principal = r.Text();
  event.actor_key = r.Text();
  event.action = r.Text();
  event.target = r.Text();
  event.namespace_id = r.Text();
  LK_ASSIGN_OR_RETURN(event.outcome, r.Enum(domain::ParseAuditOutcome));
  event.request_id = r.Text();
  event.source_ip = r.Text();
  event.details_json = r.Text();
  event.prev_hash = r.Text();
  event.hash = r.Text();
  return event;
}

}  // namespace latchkey::store::sqlite
