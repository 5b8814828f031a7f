#include "store/postgres/row_codec.h"

#include <algorithm>
#include <optional>

#include "store/json_columns.h"

namespace latchkey::store::postgres {
namespace {

// Reads columns 0, 1, ... of one row in call order, mirroring a table's column list; decoding
// failures name the table, the row and the column.
class RowReader {
 public:
  RowReader(const Rows& rows, int row, const TableSpec& spec)
      : rows_(rows), row_(row), spec_(spec) {}

  std::string Text() { return rows_.Text(row_, next_++); }
  std::optional<std::string> OptionalText() { return rows_.OptionalText(row_, next_++); }
  std::int64_t Int64() { return rows_.Int64(row_, next_++); }
  std::optional<std::int64_t> OptionalInt64() { return rows_.OptionalInt64(row_, next_++); }
  bool Bool() { return rows_.Bool(row_, next_++); }

  template <typename E>
  Result<E> Enum(std::optional<E> (*parse)(std::string_view)) {
    const int column = next_++;
    std::optional<E> value = parse(rows_.TextView(row_, column));
    if (!value) return Corrupt(column, "unknown value '" + rows_.Text(row_, column) + "'");
    return *value;
  }

  template <typename T>
  Result<T> Json(Result<T> (*decode)(std::string_view)) {
    const int column = next_++;
    Result<T> value = decode(rows_.TextView(row_, column));
    if (!value.ok()) return Corrupt(column, value.status().message());
    return value;
  }

  template <typename T>
  Result<std::optional<T>> OptionalJson(Result<T> (*decode)(std::string_view)) {
    if (rows_.IsNull(row_, next_)) {
      ++next_;
      return std::optional<T>();
    }
    LK_ASSIGN_OR_RETURN(T value, Json(decode));
    return std::optional<T>(std::move(value));
  }

  Result<domain::Digest> Digest() {
    const int column = next_++;
    std::optional<std::vector<std::uint8_t>> bytes = rows_.Bytes(row_, column);
    domain::Digest digest;
    if (!bytes || bytes->size() != digest.size()) return Corrupt(column, "digest is not 32 bytes");
    std::copy(bytes->begin(), bytes->end(), digest.begin());
    return digest;
  }

 private:
  Status Corrupt(int column, std::string_view detail) const {
    return Internal("postgres: corrupt value in " + std::string(spec_.table) + "." +
                    std::string(spec_.columns[column]) + " of row '" + rows_.Text(row_, 0) +
                    "': " + std::string(detail));
  }

  const Rows& rows_;
  const int row_;
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
    values += (i == 1 ? "$" : ", $") + std::to_string(i);
  }
  return "INSERT INTO " + std::string(spec.table) + " (" + ColumnList(spec) + ") VALUES (" +
         values + ")";
}

std::string UpdateByIdSql(const TableSpec& spec) {
  std::string assignments;
  for (std::size_t i = 1; i < spec.columns.size(); ++i) {
    if (!assignments.empty()) assignments += ", ";
    assignments += std::string(spec.columns[i]) + " = $" + std::to_string(i + 1);
  }
  return "UPDATE " + std::string(spec.table) + " SET " + assignments + " WHERE id = $1";
}

Params BindNamespace(const domain::Namespace& ns) {
  Params p;
  p.Text(ns.id).Text(ns.name).Text(domain::NamespaceKindName(ns.kind)).OptionalText(ns.parent_id);
  p.Text(EncodeNamespaceSettings(ns.settings)).Int64(ns.created_at).Int64(ns.updated_at);
  return p;
}

Result<domain::Namespace> ReadNamespace(const Rows& rows, int row) {
  RowReader r(rows, row, kNamespaceTable);
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

Params BindPrincipal(const domain::Principal& pr) {
  Params p;
  p.Text(pr.id).Text(pr.name).Text(domain::PrincipalKindName(pr.kind)).OptionalText(pr.email);
  p.Text(domain::PrincipalStatusName(pr.status));
  p.OptionalText(pr.namespace_id.empty() ? std::nullopt : std::optional(pr.namespace_id));
  p.Bool(pr.superuser).Int64(pr.created_at).Int64(pr.updated_at);
  return p;
}

Result<domain::Principal> ReadPrincipal(const Rows& rows, int row) {
  RowReader r(rows, row, kPrincipalReadTable);
  domain::Principal p;
  p.id = r.Text();
  p.name = r.Text();
  LK_ASSIGN_OR_RETURN(p.kind, r.Enum(domain::ParsePrincipalKind));
  p.email = r.OptionalText();
  LK_ASSIGN_OR_RETURN(p.status, r.Enum(domain::ParsePrincipalStatus));
  p.namespace_id = r.OptionalText().value_or("");
  p.superuser = r.Bool();
  p.created_at = r.Int64();
  p.updated_at = r.Int64();
  p.has_password = r.Bool();
  return p;
}

Params BindSession(const domain::Session& session) {
  Params p;
  p.Text(session.id).Bytes(session.digest).Text(session.principal_id);
  p.Int64(session.created_at).Int64(session.expires_at);
  return p;
}

Result<domain::Session> ReadSession(const Rows& rows, int row) {
  RowReader r(rows, row, kSessionTable);
  domain::Session session;
  session.id = r.Text();
  LK_ASSIGN_OR_RETURN(session.digest, r.Digest());
  session.principal_id = r.Text();
  session.created_at = r.Int64();
  session.expires_at = r.Int64();
  return session;
}

Params BindKey(const domain::ApiKey& key) {
  Params p;
  p.Text(key.id).Text(key.name).Text(key.description).Text(domain::KeyTypeName(key.type));
  p.Text(key.owner_id).OptionalText(key.namespace_id);
  p.Text(EncodeStringList(key.scopes)).Text(EncodeStringList(key.resources));
  p.Text(domain::DataAccessName(key.data_access)).Text(EncodeOrigins(key.origins));
  p.Text(EncodeStringList(key.allowed_ips)).OptionalInt64(key.expires_at);
  p.OptionalText(key.rate_limit ? std::optional(EncodeRateLimit(*key.rate_limit)) : std::nullopt);
  p.OptionalText(key.quota ? std::optional(EncodeQuota(*key.quota)) : std::nullopt);
  p.Text(key.meta_json).Text(key.prefix).Text(key.hint).Bytes(key.digest);
  p.Text(domain::KeyStatusName(key.status)).Int64(key.created_at).Text(key.created_by);
  p.Int64(key.updated_at).OptionalInt64(key.revoked_at).OptionalInt64(key.last_used_at);
  p.OptionalText(key.last_used_ip);
  return p;
}

Result<domain::ApiKey> ReadKey(const Rows& rows, int row) {
  RowReader r(rows, row, kKeyTable);
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

Params BindGroup(const domain::Group& group) {
  Params p;
  p.Text(group.id).Text(group.namespace_id).Text(group.name).Text(group.description);
  p.Text(EncodeStringList(group.capabilities)).Int64(group.created_at).Int64(group.updated_at);
  return p;
}

Result<domain::Group> ReadGroup(const Rows& rows, int row) {
  RowReader r(rows, row, kGroupReadTable);
  domain::Group group;
  group.id = r.Text();
  group.namespace_id = r.Text();
  group.name = r.Text();
  group.description = r.Text();
  LK_ASSIGN_OR_RETURN(group.capabilities, r.Json(DecodeStringList));
  group.created_at = r.Int64();
  group.updated_at = r.Int64();
  LK_ASSIGN_OR_RETURN(group.members, r.Json(DecodeStringList));
  std::sort(group.members.begin(), group.members.end());  // byte order, whatever the collation
  return group;
}

Params BindAuditEvent(const domain::AuditEvent& e) {
  Params p;
  p.Int64(e.seq).Int64(e.time).Text(e.actor_principal).Text(e.actor_key).Text(e.action);
  p.Text(e.target).Text(e.namespace_id).Text(domain::AuditOutcomeName(e.outcome));
  p.Text(e.request_id).Text(e.source_ip).Text(e.details_json).Text(e.prev_hash).Text(e.hash);
  return p;
}

Result<domain::AuditEvent> ReadAuditEvent(const Rows& rows, int row) {
  RowReader r(rows, row, kAuditTable);
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

}  // namespace latchkey::store::postgres
