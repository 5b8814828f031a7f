#include "store/sqlite/sqlite_transaction.h"

#include <initializer_list>
#include <limits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "store/conflict_messages.h"
#include "store/json_columns.h"
#include "store/page_cursor.h"
#include "store/sqlite/row_codec.h"

namespace latchkey::store::sqlite {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// The conditions of a WHERE clause, ANDed, and the values they bind in order.
class Where {
 public:
  using Value = std::variant<std::string, std::int64_t>;

  // Adds `condition`, whose '?' placeholders take `values` in order.
  void Add(std::string condition, std::initializer_list<Value> values = {}) {
    conditions_.push_back(std::move(condition));
    values_.insert(values_.end(), values.begin(), values.end());
  }
  void Equals(std::string_view column, std::string value) {
    Add(std::string(column) + " = ?", {std::move(value)});
  }
  void IsNull(std::string_view column) { Add(std::string(column) + " IS NULL"); }
  // `column` is one of `values`; an empty list matches no row.
  void In(std::string_view column, const std::vector<std::string>& values) {
    Add(InListSql(column), {EncodeStringList(values)});
  }
  // Rows strictly after `cursor` in (created_at, id) order.
  void After(const PageCursor& cursor) {
    Add("(created_at, id) > (?, ?)", {cursor.created_at, cursor.id});
  }

  // "<column> IN <the list bound to its one parameter>". The list is bound as one JSON array, so
  // the SQL text, and with it the cached statement, does not depend on the list's length.
  static std::string InListSql(std::string_view column) {
    return std::string(column) + " IN (SELECT value FROM json_each(?))";
  }

  std::string Sql() const {
    std::string sql;
    for (const std::string& condition : conditions_) {
      sql += sql.empty() ? " WHERE " : " AND ";
      sql += condition;
    }
    return sql;
  }
  // Binds the values from ?1 on; returns the next free parameter index.
  int Bind(Statement& stmt) const {
    int index = 1;
    for (const auto& value : values_) {
      if (const auto* s = std::get_if<std::string>(&value)) {
        stmt.BindText(index++, *s);
      } else {
        stmt.BindInt64(index++, std::get<std::int64_t>(value));
      }
    }
    return index;
  }

 private:
  std::vector<std::string> conditions_;
  std::vector<Value> values_;
};

// Returns the one row `sql` selects for `arg`, or kNotFound with `not_found`.
template <typename T>
Result<T> GetOne(Connection& conn, const std::string& sql, const std::string& arg,
                 Result<T> (*read)(const Statement&), const std::string& not_found) {
  LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(sql));
  stmt.BindText(1, arg);
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return NotFound(not_found);
  return read(stmt);
}

// Up to `limit` rows of `select` + `where` in `order_by` order, and the cursor after the last one
// (made by `cursor_of`) when more follow; fetches one row more than asked to learn that.
template <typename T>
Result<Page<T>> FetchPage(Connection& conn, const std::string& select, const Where& where,
                          std::string_view order_by, int limit, Result<T> (*read)(const Statement&),
                          std::string (*cursor_of)(const T&)) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(select + where.Sql() + " ORDER BY " +
                                                   std::string(order_by) + " LIMIT ?"));
  stmt.BindInt64(where.Bind(stmt), static_cast<std::int64_t>(limit) + 1);
  Page<T> out;
  LK_RETURN_IF_ERROR(ReadRows(stmt, read, [&](T&& item) {
    out.items.push_back(std::move(item));
    return Status::Ok();
  }));
  if (out.items.size() > static_cast<std::size_t>(limit)) {
    out.items.pop_back();
    out.next_cursor = cursor_of(out.items.back());
  }
  return out;
}

template <typename T>
std::string CreatedAtCursor(const T& item) {
  return EncodePageCursor({item.created_at, item.id});
}

// One page in (created_at, id) order.
template <typename T>
Result<Page<T>> ListPage(Connection& conn, const TableSpec& spec, Where where,
                         const PageRequest& page, Result<T> (*read)(const Statement&)) {
  if (!page.cursor.empty()) {
    LK_ASSIGN_OR_RETURN(PageCursor cursor, DecodePageCursor(page.cursor));
    where.After(cursor);
  }
  return FetchPage(conn, SelectSql(spec), where, "created_at, id", page.limit, read,
                   &CreatedAtCursor<T>);
}

// Binds `row` into `sql` (an INSERT or UPDATE of `spec`'s columns) and runs it. For an UPDATE,
// `not_found` is returned when no row has the id.
template <typename T>
Status WriteRow(Connection& conn, const std::string& sql, const T& row,
                void (*bind)(Statement&, const T&), const ConflictMessage& conflict,
                const std::optional<std::string>& not_found = std::nullopt) {
  LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(sql));
  bind(stmt, row);
  LK_RETURN_IF_ERROR(stmt.Run(conflict));
  if (not_found && stmt.changes() == 0) return NotFound(*not_found);
  return Status::Ok();
}

std::string ByIdSql(const TableSpec& spec) { return SelectSql(spec) + " WHERE id = ?1"; }

}  // namespace

Status SqliteTransaction::RequireWritable(std::string_view method) const {
  if (access_ == Access::kReadWrite) return Status::Ok();
  return Internal(std::string(method) + " called in a read-only transaction");
}

Status SqliteTransaction::DeleteById(std::string_view table, std::string_view what,
                                     const std::string& id, const std::string& still_referenced) {
  LK_ASSIGN_OR_RETURN(Statement stmt,
                      conn_.Prepare("DELETE FROM " + std::string(table) + " WHERE id = ?1"));
  stmt.BindText(1, id);
  LK_RETURN_IF_ERROR(stmt.Run([&](Constraint) { return still_referenced; }));
  if (stmt.changes() == 0) return NotFound(std::string(what) + " " + Quoted(id) + " not found");
  return Status::Ok();
}

// --- Namespaces ---

Status SqliteTransaction::InsertNamespace(const domain::Namespace& ns) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertNamespace"));
  static const std::string kSql = InsertSql(kNamespaceTable);
  return WriteRow(conn_, kSql, ns, BindNamespace, NamespaceConflict(ns));
}

Status SqliteTransaction::UpdateNamespace(const domain::Namespace& ns) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdateNamespace"));
  static const std::string kSql = UpdateByIdSql(kNamespaceTable);
  return WriteRow(conn_, kSql, ns, BindNamespace, NamespaceConflict(ns),
                  "namespace " + Quoted(ns.id) + " not found");
}

Status SqliteTransaction::DeleteNamespace(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteNamespace"));
  return DeleteById("namespaces", "namespace", id,
                    "namespace " + Quoted(id) +
                        " still has principals, keys, groups or child namespaces; delete them "
                        "first");
}

Result<domain::Namespace> SqliteTransaction::GetNamespace(const std::string& id) {
  static const std::string kSql = ByIdSql(kNamespaceTable);
  return GetOne(conn_, kSql, id, ReadNamespace, "namespace " + Quoted(id) + " not found");
}

Result<Page<domain::Namespace>> SqliteTransaction::ListNamespaces(const NamespaceFilter& filter,
                                                                  const PageRequest& page) {
  Where where;
  if (filter.parent_id) where.Equals("parent_id", *filter.parent_id);
  if (filter.kind) where.Equals("kind", std::string(domain::NamespaceKindName(*filter.kind)));
  if (filter.ids) where.In("id", *filter.ids);
  return ListPage(conn_, kNamespaceTable, std::move(where), page, ReadNamespace);
}

// --- Principals ---

Status SqliteTransaction::InsertPrincipal(const domain::Principal& p) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertPrincipal"));
  static const std::string kSql = InsertSql(kPrincipalTable);
  return WriteRow(conn_, kSql, p, BindPrincipal, PrincipalConflict(p));
}

Status SqliteTransaction::UpdatePrincipal(const domain::Principal& p) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdatePrincipal"));
  static const std::string kSql = UpdateByIdSql(kPrincipalTable);
  return WriteRow(conn_, kSql, p, BindPrincipal, PrincipalConflict(p),
                  "principal " + Quoted(p.id) + " not found");
}

Status SqliteTransaction::DeletePrincipal(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeletePrincipal"));
  return DeleteById("principals", "principal", id,
                    "principal " + Quoted(id) + " still owns keys; delete them first");
}

Result<domain::Principal> SqliteTransaction::GetPrincipal(const std::string& id) {
  static const std::string kSql = ByIdSql(kPrincipalReadTable);
  return GetOne(conn_, kSql, id, ReadPrincipal, "principal " + Quoted(id) + " not found");
}

Result<domain::Principal> SqliteTransaction::GetPrincipalByName(const std::string& name) {
  static const std::string kSql = SelectSql(kPrincipalReadTable) + " WHERE name = ?1";
  return GetOne(conn_, kSql, name, ReadPrincipal, "principal named " + Quoted(name) + " not found");
}

Result<Page<domain::Principal>> SqliteTransaction::ListPrincipals(const PrincipalFilter& filter,
                                                                  const PageRequest& page) {
  Where where;
  if (filter.namespace_id) {
    // An empty home namespace is stored as NULL (row_codec.h).
    if (filter.namespace_id->empty()) {
      where.IsNull("namespace_id");
    } else {
      where.Equals("namespace_id", *filter.namespace_id);
    }
  }
  if (filter.namespace_ids) where.In("namespace_id", *filter.namespace_ids);
  if (filter.kind) where.Equals("kind", std::string(domain::PrincipalKindName(*filter.kind)));
  if (filter.status) {
    where.Equals("status", std::string(domain::PrincipalStatusName(*filter.status)));
  }
  if (filter.email) where.Equals("email", *filter.email);
  return ListPage(conn_, kPrincipalReadTable, std::move(where), page, ReadPrincipal);
}

// --- API keys ---

namespace {

Where KeyWhere(const KeyFilter& filter) {
  Where where;
  if (filter.namespace_id) where.Equals("namespace_id", *filter.namespace_id);
  if (filter.namespace_ids) where.In("namespace_id", *filter.namespace_ids);
  if (filter.owner_id) where.Equals("owner_id", *filter.owner_id);
  if (filter.status) where.Equals("status", std::string(domain::KeyStatusName(*filter.status)));
  if (filter.type) where.Equals("type", std::string(domain::KeyTypeName(*filter.type)));
  return where;
}

}  // namespace

Status SqliteTransaction::InsertKey(const domain::ApiKey& key) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertKey"));
  static const std::string kSql = InsertSql(kKeyTable);
  return WriteRow(conn_, kSql, key, BindKey, KeyConflict(key));
}

Status SqliteTransaction::UpdateKey(const domain::ApiKey& key) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdateKey"));
  static const std::string kSql = UpdateByIdSql(kKeyTable);
  return WriteRow(conn_, kSql, key, BindKey, KeyConflict(key),
                  "key " + Quoted(key.id) + " not found");
}

Status SqliteTransaction::DeleteKey(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteKey"));
  return DeleteById("api_keys", "key", id, "key " + Quoted(id) + " is still referenced");
}

Result<domain::ApiKey> SqliteTransaction::GetKey(const std::string& id) {
  static const std::string kSql = ByIdSql(kKeyTable);
  return GetOne(conn_, kSql, id, ReadKey, "key " + Quoted(id) + " not found");
}

Result<Page<domain::ApiKey>> SqliteTransaction::ListKeys(const KeyFilter& filter,
                                                         const PageRequest& page) {
  return ListPage(conn_, kKeyTable, KeyWhere(filter), page, ReadKey);
}

Result<std::int64_t> SqliteTransaction::CountKeys(const KeyFilter& filter) {
  Where where = KeyWhere(filter);
  LK_ASSIGN_OR_RETURN(Statement stmt, conn_.Prepare("SELECT count(*) FROM api_keys" + where.Sql()));
  where.Bind(stmt);
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return Internal("sqlite: count(*) returned no row");
  return stmt.Int64(0);
}

// Each key's row is updated on its own with one cached statement: by primary key, that costs a
// few microseconds, so a batch of thousands in one transaction stays well under the fsync of its
// commit. The quota's balance and refilled_at are written with json_set into the quota column,
// leaving its other members as they are; RETURNING reads the result in the same step. The rules
// (store.h) are in the SQL so that they apply to the row as it is, and are those of the
// PostgreSQL backend's statement.
Result<std::vector<StoredQuota>> SqliteTransaction::RecordUsage(
    const std::vector<KeyUsage>& usage) {
  LK_RETURN_IF_ERROR(RequireWritable("RecordUsage"));
  // ?1 id, ?2 spent, ?3 set_at, ?4 period start, ?5 period end, ?6 refilled, ?7 last_used_at,
  // ?8 last_used_ip.
  static const std::string kSql =
      "UPDATE api_keys SET quota = CASE "
      "WHEN quota IS NULL OR ?2 IS NULL "
      "OR coalesce(json_extract(quota, '$.set_at'), 0) <> ?3 THEN quota "
      "WHEN ?4 IS NULL OR (json_extract(quota, '$.refilled_at') >= ?4 "
      "AND json_extract(quota, '$.refilled_at') < ?5) "
      "THEN json_set(quota, '$.remaining', json_extract(quota, '$.remaining') - ?2) "
      "WHEN json_extract(quota, '$.refilled_at') IS NULL AND NOT ?6 "
      "THEN json_set(quota, '$.remaining', json_extract(quota, '$.remaining') - ?2, "
      "'$.refilled_at', ?4) "
      "WHEN json_extract(quota, '$.refilled_at') IS NULL "
      "OR json_extract(quota, '$.refilled_at') < ?4 "
      "THEN json_set(quota, '$.remaining', json_extract(quota, '$.refill_amount') - ?2, "
      "'$.refilled_at', ?4) "
      "ELSE quota END, "
      "last_used_at = CASE WHEN ?7 >= coalesce(last_used_at, ?7) THEN ?7 ELSE last_used_at END, "
      "last_used_ip = CASE WHEN ?7 >= coalesce(last_used_at, ?7) "
      "THEN coalesce(?8, last_used_ip) ELSE last_used_ip END "
      "WHERE id = ?1 "
      "RETURNING json_extract(quota, '$.remaining'), "
      "coalesce(json_extract(quota, '$.set_at'), 0), json_extract(quota, '$.refilled_at')";
  std::vector<StoredQuota> stored;
  std::unordered_map<std::string_view, std::size_t> position;  // of a key's entry in `stored`
  for (const KeyUsage& u : usage) {
    if (!u.quota_spent && !u.last_used_at) continue;  // nothing this entry could change
    LK_ASSIGN_OR_RETURN(Statement stmt, conn_.Prepare(kSql));
    stmt.BindText(1, u.id);
    stmt.BindOptionalInt64(2, u.quota_spent);
    stmt.BindInt64(3, u.quota_set_at);
    stmt.BindOptionalInt64(4, u.quota_refilled_at);
    stmt.BindInt64(5, u.quota_next_refill_at.value_or(std::numeric_limits<std::int64_t>::max()));
    stmt.BindInt64(6, u.quota_refilled ? 1 : 0);
    stmt.BindOptionalInt64(7, u.last_used_at);
    stmt.BindOptionalText(8, u.last_used_ip);
    LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());  // the update is done in this first step
    if (!has_row || !u.quota_spent || stmt.IsNull(0)) continue;  // no key, or no quota
    StoredQuota quota{.id = u.id,
                      .remaining = stmt.Int64(0),
                      .set_at = stmt.Int64(1),
                      .refilled_at = stmt.OptionalInt64(2)};
    auto [it, added] = position.try_emplace(u.id, stored.size());
    if (added) {
      stored.push_back(std::move(quota));
    } else {
      stored[it->second] = std::move(quota);
    }
  }
  return stored;
}

// --- Groups ---

namespace {

// UpdateGroup leaves these as they were.
constexpr std::string_view kGroupFixedColumns[] = {"namespace_id", "created_at"};

// OK when every one of `members` names a principal, else kConflict naming the first that does not.
// Checked before anything is written, so that a failed InsertGroup or UpdateGroup changes nothing.
Status CheckMembersExist(Connection& conn, const std::vector<std::string>& members) {
  if (members.empty()) return Status::Ok();
  LK_ASSIGN_OR_RETURN(Statement stmt,
                      conn.Prepare("SELECT value FROM json_each(?1) "
                                   "WHERE value NOT IN (SELECT id FROM principals) LIMIT 1"));
  stmt.BindText(1, EncodeStringList(members));
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (has_row) return Conflict("member " + Quoted(stmt.Text(0)) + " is not a principal");
  return Status::Ok();
}

// Makes `members` (a set: duplicates collapse) the members of group `group_id`.
Status ReplaceMembers(Connection& conn, const std::string& group_id,
                      const std::vector<std::string>& members) {
  LK_ASSIGN_OR_RETURN(Statement clear,
                      conn.Prepare("DELETE FROM group_members WHERE group_id = ?1"));
  clear.BindText(1, group_id);
  LK_RETURN_IF_ERROR(clear.Run([](Constraint) { return std::string("membership conflict"); }));
  if (members.empty()) return Status::Ok();
  // "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT, not a join.
  LK_ASSIGN_OR_RETURN(Statement insert,
                      conn.Prepare("INSERT INTO group_members (group_id, principal_id) "
                                   "SELECT ?1, value FROM json_each(?2) WHERE true "
                                   "ON CONFLICT DO NOTHING"));
  insert.BindText(1, group_id);
  insert.BindText(2, EncodeStringList(members));
  return insert.Run([](Constraint) { return std::string("a member is not a principal"); });
}

}  // namespace

Status SqliteTransaction::InsertGroup(const domain::Group& group) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertGroup"));
  LK_RETURN_IF_ERROR(CheckMembersExist(conn_, group.members));
  static const std::string kSql = InsertSql(kGroupTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, group, BindGroup, GroupConflict(group)));
  return ReplaceMembers(conn_, group.id, group.members);
}

Status SqliteTransaction::UpdateGroup(const domain::Group& group) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdateGroup"));
  LK_RETURN_IF_ERROR(CheckMembersExist(conn_, group.members));
  static const std::string kSql = UpdateByIdSql(kGroupTable, kGroupFixedColumns);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, group, BindGroup, GroupConflict(group),
                              "group " + Quoted(group.id) + " not found"));
  return ReplaceMembers(conn_, group.id, group.members);
}

Status SqliteTransaction::DeleteGroup(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteGroup"));
  // The memberships go with it (ON DELETE CASCADE).
  return DeleteById("groups", "group", id, "group " + Quoted(id) + " is still referenced");
}

Result<domain::Group> SqliteTransaction::GetGroup(const std::string& id) {
  static const std::string kSql = ByIdSql(kGroupReadTable);
  return GetOne(conn_, kSql, id, ReadGroup, "group " + Quoted(id) + " not found");
}

Result<Page<domain::Group>> SqliteTransaction::ListGroups(const GroupFilter& filter,
                                                          const PageRequest& page) {
  Where where;
  if (filter.namespace_id) where.Equals("namespace_id", *filter.namespace_id);
  if (filter.namespace_ids) where.In("namespace_id", *filter.namespace_ids);
  if (filter.member_id) {
    where.Add("id IN (SELECT group_id FROM group_members WHERE principal_id = ?)",
              {*filter.member_id});
  }
  return ListPage(conn_, kGroupReadTable, std::move(where), page, ReadGroup);
}

// --- Audit log ---

namespace {

Where AuditWhere(const AuditFilter& filter) {
  Where where;
  if (filter.namespace_id) where.Equals("namespace_id", *filter.namespace_id);
  if (filter.namespace_ids) {
    if (filter.include_unscoped) {
      // An event with no namespace has namespace_id '' (migrations/V002__groups_audit.sql).
      where.Add("(" + Where::InListSql("namespace_id") + " OR namespace_id = '')",
                {EncodeStringList(*filter.namespace_ids)});
    } else {
      where.In("namespace_id", *filter.namespace_ids);
    }
  }
  if (filter.actor) {
    where.Add("(actor_principal = ? OR actor_key = ?)", {*filter.actor, *filter.actor});
  }
  if (filter.target) where.Equals("target", *filter.target);
  if (filter.action && filter.action->ends_with('.')) {
    // Byte order: the actions that start with "keys." are exactly those in ["keys.", "keys/").
    std::string upper = *filter.action;
    upper.back() = '/';
    where.Add("action >= ? AND action < ?", {*filter.action, std::move(upper)});
  } else if (filter.action) {
    where.Equals("action", *filter.action);
  }
  if (filter.since) where.Add("time >= ?", {*filter.since});
  if (filter.until) where.Add("time < ?", {*filter.until});
  return where;
}

std::string SeqCursor(const domain::AuditEvent& event) { return EncodeSeqCursor(event.seq); }

}  // namespace

Status SqliteTransaction::AppendAuditEvent(const domain::AuditEvent& event) {
  LK_RETURN_IF_ERROR(RequireWritable("AppendAuditEvent"));
  static const std::string kSql = InsertSql(kAuditTable);
  return WriteRow(conn_, kSql, event, BindAuditEvent, AuditEventConflict(event));
}

Result<std::optional<domain::AuditEvent>> SqliteTransaction::LastAuditEvent() {
  static const std::string kSql = SelectSql(kAuditTable) + " ORDER BY seq DESC LIMIT 1";
  LK_ASSIGN_OR_RETURN(Statement stmt, conn_.Prepare(kSql));
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<domain::AuditEvent>();
  LK_ASSIGN_OR_RETURN(domain::AuditEvent event, ReadAuditEvent(stmt));
  return std::optional<domain::AuditEvent>(std::move(event));
}

Result<Page<domain::AuditEvent>> SqliteTransaction::ListAuditEvents(const AuditFilter& filter,
                                                                    const PageRequest& page) {
  Where where = AuditWhere(filter);
  if (!page.cursor.empty()) {
    LK_ASSIGN_OR_RETURN(std::int64_t after, DecodeSeqCursor(page.cursor));
    where.Add("seq > ?", {after});
  }
  static const std::string kSelect = SelectSql(kAuditTable);
  return FetchPage(conn_, kSelect, where, "seq", page.limit, ReadAuditEvent, &SeqCursor);
}

// --- Passwords ---

Status SqliteTransaction::SetPasswordHash(const std::string& principal_id, const std::string& hash,
                                          domain::UnixMillis updated_at) {
  LK_RETURN_IF_ERROR(RequireWritable("SetPasswordHash"));
  // A missing principal selects no row: nothing is written, and changes() says so. (The WHERE
  // clause also tells SQLite's parser that ON CONFLICT belongs to the INSERT, not a join.)
  LK_ASSIGN_OR_RETURN(
      Statement stmt,
      conn_.Prepare("INSERT INTO principal_passwords (principal_id, hash, updated_at) "
                    "SELECT id, ?2, ?3 FROM principals WHERE id = ?1 "
                    "ON CONFLICT (principal_id) DO UPDATE SET "
                    "hash = excluded.hash, updated_at = excluded.updated_at"));
  stmt.BindText(1, principal_id);
  stmt.BindText(2, hash);
  stmt.BindInt64(3, updated_at);
  LK_RETURN_IF_ERROR(stmt.Run([](Constraint) { return std::string("password conflict"); }));
  if (stmt.changes() == 0) return NotFound("principal " + Quoted(principal_id) + " not found");
  return Status::Ok();
}

Result<std::string> SqliteTransaction::GetPasswordHash(const std::string& principal_id) {
  LK_ASSIGN_OR_RETURN(Statement stmt, conn_.Prepare("SELECT hash FROM principal_passwords "
                                                    "WHERE principal_id = ?1"));
  stmt.BindText(1, principal_id);
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return NotFound("principal " + Quoted(principal_id) + " has no password");
  return stmt.Text(0);
}

// --- Sessions ---

namespace {

// Runs a DELETE of sessions and returns how many rows it removed.
Result<std::int64_t> DeleteSessionsWhere(Connection& conn, const std::string& sql,
                                         const std::function<void(Statement&)>& bind) {
  LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(sql));
  bind(stmt);
  LK_RETURN_IF_ERROR(stmt.Run([](Constraint) { return std::string("session conflict"); }));
  return stmt.changes();
}

}  // namespace

Status SqliteTransaction::InsertSession(const domain::Session& session) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertSession"));
  static const std::string kSql = InsertSql(kSessionTable);
  return WriteRow(conn_, kSql, session, BindSession, SessionConflict(session));
}

Result<domain::Session> SqliteTransaction::GetSessionByDigest(const domain::Digest& digest) {
  static const std::string kSql = SelectSql(kSessionTable) + " WHERE digest = ?1";
  LK_ASSIGN_OR_RETURN(Statement stmt, conn_.Prepare(kSql));
  stmt.BindBlob(1, digest);
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return NotFound("no such session");
  return ReadSession(stmt);
}

Status SqliteTransaction::DeleteSession(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteSession"));
  return DeleteById("sessions", "session", id, "session " + Quoted(id) + " is still referenced");
}

Result<std::int64_t> SqliteTransaction::DeleteExpiredSessions(domain::UnixMillis now) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteExpiredSessions"));
  return DeleteSessionsWhere(conn_, "DELETE FROM sessions WHERE expires_at <= ?1",
                             [&](Statement& stmt) { stmt.BindInt64(1, now); });
}

Result<std::int64_t> SqliteTransaction::DeleteSessionsOf(const std::string& principal_id,
                                                         const std::string& except_id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteSessionsOf"));
  return DeleteSessionsWhere(conn_, "DELETE FROM sessions WHERE principal_id = ?1 AND id <> ?2",
                             [&](Statement& stmt) {
                               stmt.BindText(1, principal_id);
                               stmt.BindText(2, except_id);
                             });
}

// --- Settings ---

Status SqliteTransaction::PutSetting(const std::string& name, const std::string& value) {
  LK_RETURN_IF_ERROR(RequireWritable("PutSetting"));
  LK_ASSIGN_OR_RETURN(Statement stmt,
                      conn_.Prepare("INSERT INTO settings (name, value) VALUES (?1, ?2) "
                                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"));
  stmt.BindText(1, name);
  stmt.BindText(2, value);
  return stmt.Run([](Constraint) { return std::string("setting conflict"); });
}

Result<std::string> SqliteTransaction::GetSetting(const std::string& name) {
  LK_ASSIGN_OR_RETURN(Statement stmt, conn_.Prepare("SELECT value FROM settings WHERE name = ?1"));
  stmt.BindText(1, name);
  LK_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return NotFound("setting " + Quoted(name) + " not found");
  return stmt.Text(0);
}

}  // namespace latchkey::store::sqlite
