#include "store/postgres/postgres_transaction.h"

#include <functional>
#include <initializer_list>
#include <limits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "store/conflict_messages.h"
#include "store/json_columns.h"
#include "store/page_cursor.h"
#include "store/postgres/row_codec.h"

namespace latchkey::store::postgres {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// The kind of a constraint, from its name (migrations/V001__init.sql: <table>_pkey,
// <table>_<what>_key, <table>_<what>_fkey).
Constraint ConstraintKind(std::string_view name) {
  if (name.ends_with("_pkey")) return Constraint::kPrimaryKey;
  if (name.ends_with("_fkey")) return Constraint::kForeignKey;
  return Constraint::kUnique;
}

// Turns a kConflict from the connection into one phrased by `conflict`; other errors pass.
Status PhraseConflict(const Status& status, const Connection& conn,
                      const ConflictMessage& conflict) {
  if (status.code() != ErrorCode::kConflict) return status;
  return Conflict(conflict(ConstraintKind(conn.last_constraint())));
}

// One element of an array literal: double-quoted, with '"' and '\\' escaped.
std::string ArrayElement(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A text[] literal ({"a","b"}) of `values`, bound as one parameter so that the SQL text, and
// with it the prepared statement, does not depend on the list's length.
std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += ArrayElement(v);
  }
  return out + "}";
}

// The conditions of a WHERE clause, ANDed, and the values they bind in order. Conditions are
// written with '?' placeholders, numbered $1, $2, ... in the SQL.
class Where {
 public:
  using Value = std::variant<std::string, std::int64_t>;

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
    Add(InListSql(column), {TextArray(values)});
  }
  void After(const PageCursor& cursor) {
    Add("(created_at, id) > (?::bigint, ?::text)", {cursor.created_at, cursor.id});
  }
  static std::string InListSql(std::string_view column) {
    return std::string(column) + " = ANY (?::text[])";
  }

  // " WHERE ..." with the placeholders numbered from $1.
  std::string Sql() const {
    std::string sql;
    int next = 1;
    for (const std::string& condition : conditions_) {
      sql += sql.empty() ? " WHERE " : " AND ";
      for (char c : condition) {
        if (c == '?') {
          sql += "$" + std::to_string(next++);
        } else {
          sql += c;
        }
      }
    }
    return sql;
  }
  Params Bind() const {
    Params params;
    for (const auto& value : values_) {
      if (const auto* s = std::get_if<std::string>(&value)) {
        params.Text(*s);
      } else {
        params.Int64(std::get<std::int64_t>(value));
      }
    }
    return params;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::string> conditions_;
  std::vector<Value> values_;
};

// Returns the one row `sql` selects for `arg`, or kNotFound with `not_found`.
template <typename T>
Result<T> GetOne(Connection& conn, const std::string& sql, Params params,
                 Result<T> (*read)(const Rows&, int), const std::string& not_found) {
  LK_ASSIGN_OR_RETURN(Rows rows, conn.Execute(sql, params, "reading"));
  if (rows.empty()) return NotFound(not_found);
  return read(rows, 0);
}

// Up to `limit` rows of `select` + `where` in `order_by` order, and the cursor after the last one
// (made by `cursor_of`) when more follow; fetches one row more than asked to learn that.
template <typename T>
Result<Page<T>> FetchPage(Connection& conn, const std::string& select, const Where& where,
                          std::string_view order_by, int limit, Result<T> (*read)(const Rows&, int),
                          std::string (*cursor_of)(const T&)) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  const std::string sql = select + where.Sql() + " ORDER BY " + std::string(order_by) + " LIMIT $" +
                          std::to_string(where.size() + 1);
  Params params = where.Bind();
  params.Int64(static_cast<std::int64_t>(limit) + 1);
  LK_ASSIGN_OR_RETURN(Rows rows, conn.Execute(sql, params, "listing"));
  Page<T> out;
  for (int i = 0; i < rows.size(); ++i) {
    LK_ASSIGN_OR_RETURN(T item, read(rows, i));
    out.items.push_back(std::move(item));
  }
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
                         const PageRequest& page, Result<T> (*read)(const Rows&, int)) {
  if (!page.cursor.empty()) {
    LK_ASSIGN_OR_RETURN(PageCursor cursor, DecodePageCursor(page.cursor));
    where.After(cursor);
  }
  return FetchPage(conn, SelectSql(spec), where, "created_at, id", page.limit, read,
                   &CreatedAtCursor<T>);
}

// Runs `sql` (an INSERT or UPDATE) with `params`. For an UPDATE, `not_found` is returned when no
// row has the id.
Status WriteRow(Connection& conn, const std::string& sql, const Params& params,
                const ConflictMessage& conflict,
                const std::optional<std::string>& not_found = std::nullopt) {
  Result<Rows> rows = conn.Execute(sql, params, "writing");
  if (!rows.ok()) return PhraseConflict(rows.status(), conn, conflict);
  if (not_found && rows->affected() == 0) return NotFound(*not_found);
  return Status::Ok();
}

std::string ByIdSql(const TableSpec& spec) { return SelectSql(spec) + " WHERE id = $1"; }

}  // namespace

Status PostgresTransaction::RequireWritable(std::string_view method) const {
  if (access_ == Access::kReadWrite) return Status::Ok();
  return Internal(std::string(method) + " called in a read-only transaction");
}

Status PostgresTransaction::DeleteById(std::string_view table, std::string_view what,
                                       const std::string& id, const std::string& still_referenced) {
  Result<Rows> rows = conn_.Execute("DELETE FROM " + std::string(table) + " WHERE id = $1",
                                    Params().Text(id), "deleting");
  if (!rows.ok()) {
    return PhraseConflict(rows.status(), conn_, [&](Constraint) { return still_referenced; });
  }
  if (rows->affected() == 0) return NotFound(std::string(what) + " " + Quoted(id) + " not found");
  return Status::Ok();
}

void PostgresTransaction::NoteChange(std::string_view kind, const std::string& id) {
  changes_.emplace_back(kind, id);
}

Status PostgresTransaction::NoteMembersOf(const std::string& group_id) {
  LK_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Execute("SELECT principal_id FROM group_members WHERE group_id = $1",
                                    Params().Text(group_id), "reading group members"));
  for (int i = 0; i < rows.size(); ++i) NoteChange("capabilities", rows.Text(i, 0));
  return Status::Ok();
}

Status PostgresTransaction::FlushChanges(bool notify) {
  if (changes_.empty()) return Status::Ok();
  std::vector<std::string> kinds, ids;
  for (const auto& [kind, id] : changes_) {
    kinds.emplace_back(kind);
    ids.push_back(id);
  }
  changes_.clear();
  // One statement for the whole transaction, in the order the changes were made.
  LK_RETURN_IF_ERROR(conn_
                         .Execute("INSERT INTO change_log (kind, entity_id, created_at) "
                                  "SELECT k, e, (extract(epoch FROM clock_timestamp()) * 1000)"
                                  "::bigint FROM unnest($1::text[], $2::text[]) "
                                  "WITH ORDINALITY AS c (k, e, n) ORDER BY n",
                                  Params().Text(TextArray(kinds)).Text(TextArray(ids)),
                                  "logging changes")
                         .status());
  if (!notify) return Status::Ok();
  return conn_.Execute("SELECT pg_notify('latchkey_changes', '')", Params(), "notifying nodes")
      .status();
}

// --- Namespaces ---

Status PostgresTransaction::InsertNamespace(const domain::Namespace& ns) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertNamespace"));
  static const std::string kSql = InsertSql(kNamespaceTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindNamespace(ns), NamespaceConflict(ns)));
  NoteChange("namespace", ns.id);
  return Status::Ok();
}

Status PostgresTransaction::UpdateNamespace(const domain::Namespace& ns) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdateNamespace"));
  static const std::string kSql = UpdateByIdSql(kNamespaceTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindNamespace(ns), NamespaceConflict(ns),
                              "namespace " + Quoted(ns.id) + " not found"));
  NoteChange("namespace", ns.id);
  return Status::Ok();
}

Status PostgresTransaction::DeleteNamespace(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteNamespace"));
  LK_RETURN_IF_ERROR(DeleteById("namespaces", "namespace", id,
                                "namespace " + Quoted(id) +
                                    " still has principals, keys, groups or child namespaces; "
                                    "delete them first"));
  NoteChange("namespace", id);
  return Status::Ok();
}

Result<domain::Namespace> PostgresTransaction::GetNamespace(const std::string& id) {
  static const std::string kSql = ByIdSql(kNamespaceTable);
  return GetOne(conn_, kSql, Params().Text(id), ReadNamespace,
                "namespace " + Quoted(id) + " not found");
}

Result<Page<domain::Namespace>> PostgresTransaction::ListNamespaces(const NamespaceFilter& filter,
                                                                    const PageRequest& page) {
  Where where;
  if (filter.parent_id) where.Equals("parent_id", *filter.parent_id);
  if (filter.kind) where.Equals("kind", std::string(domain::NamespaceKindName(*filter.kind)));
  if (filter.ids) where.In("id", *filter.ids);
  return ListPage(conn_, kNamespaceTable, std::move(where), page, ReadNamespace);
}

// --- Principals ---

Status PostgresTransaction::InsertPrincipal(const domain::Principal& p) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertPrincipal"));
  static const std::string kSql = InsertSql(kPrincipalTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindPrincipal(p), PrincipalConflict(p)));
  NoteChange("principal", p.id);
  return Status::Ok();
}

Status PostgresTransaction::UpdatePrincipal(const domain::Principal& p) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdatePrincipal"));
  static const std::string kSql = UpdateByIdSql(kPrincipalTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindPrincipal(p), PrincipalConflict(p),
                              "principal " + Quoted(p.id) + " not found"));
  NoteChange("principal", p.id);
  return Status::Ok();
}

Status PostgresTransaction::DeletePrincipal(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeletePrincipal"));
  // Its memberships go with it (ON DELETE CASCADE), and with the principal its capabilities.
  LK_RETURN_IF_ERROR(DeleteById("principals", "principal", id,
                                "principal " + Quoted(id) + " still owns keys; delete them first"));
  NoteChange("principal", id);
  return Status::Ok();
}

Result<domain::Principal> PostgresTransaction::GetPrincipal(const std::string& id) {
  static const std::string kSql = ByIdSql(kPrincipalReadTable);
  return GetOne(conn_, kSql, Params().Text(id), ReadPrincipal,
                "principal " + Quoted(id) + " not found");
}

Result<domain::Principal> PostgresTransaction::GetPrincipalByName(const std::string& name) {
  static const std::string kSql = SelectSql(kPrincipalReadTable) + " WHERE name = $1";
  return GetOne(conn_, kSql, Params().Text(name), ReadPrincipal,
                "principal named " + Quoted(name) + " not found");
}

Result<Page<domain::Principal>> PostgresTransaction::ListPrincipals(const PrincipalFilter& filter,
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

// The entries of `usage` that can change something, in rounds in which each key appears once,
// a key's entries in their order across the rounds: one UPDATE must not touch a row twice, and
// applying round after round is applying the entries in order. A flush's batch has one entry per
// key: one round.
std::vector<std::vector<const KeyUsage*>> UsageRounds(const std::vector<KeyUsage>& usage) {
  std::vector<std::vector<const KeyUsage*>> rounds;
  std::unordered_map<std::string_view, std::size_t> entries_of;  // a key's entries so far
  for (const KeyUsage& u : usage) {
    if (!u.quota_spent && !u.last_used_at) continue;
    std::size_t& n = entries_of[u.id];
    if (n == rounds.size()) rounds.emplace_back();
    rounds[n++].push_back(&u);
  }
  return rounds;
}

// An array literal of `element(u)` for each entry of `round` ("NULL" for none).
template <typename Element>
std::string UsageArray(const std::vector<const KeyUsage*>& round, Element element) {
  std::string out = "{";
  for (const KeyUsage* u : round) {
    if (out.size() > 1) out += ',';
    out += element(*u);
  }
  return out + "}";
}

std::string Int64Element(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "NULL";
}

}  // namespace

Status PostgresTransaction::InsertKey(const domain::ApiKey& key) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertKey"));
  static const std::string kSql = InsertSql(kKeyTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindKey(key), KeyConflict(key)));
  NoteChange("key", key.id);
  return Status::Ok();
}

Status PostgresTransaction::UpdateKey(const domain::ApiKey& key) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdateKey"));
  static const std::string kSql = UpdateByIdSql(kKeyTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindKey(key), KeyConflict(key),
                              "key " + Quoted(key.id) + " not found"));
  NoteChange("key", key.id);
  return Status::Ok();
}

Status PostgresTransaction::DeleteKey(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteKey"));
  LK_RETURN_IF_ERROR(
      DeleteById("api_keys", "key", id, "key " + Quoted(id) + " is still referenced"));
  NoteChange("key", id);
  return Status::Ok();
}

Result<domain::ApiKey> PostgresTransaction::GetKey(const std::string& id) {
  static const std::string kSql = ByIdSql(kKeyTable);
  return GetOne(conn_, kSql, Params().Text(id), ReadKey, "key " + Quoted(id) + " not found");
}

Result<Page<domain::ApiKey>> PostgresTransaction::ListKeys(const KeyFilter& filter,
                                                           const PageRequest& page) {
  return ListPage(conn_, kKeyTable, KeyWhere(filter), page, ReadKey);
}

Result<std::int64_t> PostgresTransaction::CountKeys(const KeyFilter& filter) {
  Where where = KeyWhere(filter);
  LK_ASSIGN_OR_RETURN(Rows rows, conn_.Execute("SELECT count(*) FROM api_keys" + where.Sql(),
                                               where.Bind(), "counting keys"));
  if (rows.empty()) return Internal("postgres: count(*) returned no row");
  return rows.Int64(0, 0);
}

// The whole batch is one UPDATE over arrays bound as eight parameters: one round trip for
// thousands of keys (a batch naming a key more than once takes one more per repetition). The
// quota's balance and refilled_at are merged into the quota object, leaving its other members as
// they are; a key without a quota keeps none. The rules (store.h) are in the SQL so that they
// apply to the row as it is, under the store's write lock, and RETURNING reads the result.
Result<std::vector<StoredQuota>> PostgresTransaction::RecordUsage(
    const std::vector<KeyUsage>& usage) {
  LK_RETURN_IF_ERROR(RequireWritable("RecordUsage"));
  static const std::string kSql =
      "UPDATE api_keys AS k SET quota = CASE "
      "WHEN k.quota IS NULL OR u.spent IS NULL "
      "OR coalesce((k.quota->>'set_at')::bigint, 0) <> u.set_at THEN k.quota "
      "WHEN u.period_start IS NULL OR ((k.quota->>'refilled_at')::bigint >= u.period_start "
      "AND (k.quota->>'refilled_at')::bigint < u.period_end) "
      "THEN jsonb_set(k.quota, '{remaining}', to_jsonb((k.quota->>'remaining')::bigint - u.spent)) "
      "WHEN k.quota->>'refilled_at' IS NULL AND NOT u.refilled "
      "THEN k.quota || jsonb_build_object('remaining', (k.quota->>'remaining')::bigint - u.spent, "
      "'refilled_at', u.period_start) "
      "WHEN k.quota->>'refilled_at' IS NULL "
      "OR (k.quota->>'refilled_at')::bigint < u.period_start "
      "THEN k.quota || jsonb_build_object('remaining', "
      "(k.quota->>'refill_amount')::bigint - u.spent, 'refilled_at', u.period_start) "
      "ELSE k.quota END, "
      "last_used_at = GREATEST(k.last_used_at, u.last_used_at), "
      "last_used_ip = CASE WHEN u.last_used_at >= coalesce(k.last_used_at, u.last_used_at) "
      "THEN coalesce(u.last_used_ip, k.last_used_ip) ELSE k.last_used_ip END "
      "FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], "
      "$6::boolean[], $7::bigint[], $8::text[]) AS u (id, spent, set_at, period_start, "
      "period_end, refilled, last_used_at, last_used_ip) "
      "WHERE k.id = u.id "
      "RETURNING k.id, u.spent IS NOT NULL AND k.quota IS NOT NULL, "
      "(k.quota->>'remaining')::bigint, coalesce((k.quota->>'set_at')::bigint, 0), "
      "(k.quota->>'refilled_at')::bigint";
  std::vector<StoredQuota> stored;
  std::unordered_map<std::string, std::size_t> position;  // of a key's entry in `stored`
  for (const std::vector<const KeyUsage*>& round : UsageRounds(usage)) {
    Params params;
    params.Text(UsageArray(round, [](const KeyUsage& u) { return ArrayElement(u.id); }))
        .Text(UsageArray(round, [](const KeyUsage& u) { return Int64Element(u.quota_spent); }))
        .Text(UsageArray(round, [](const KeyUsage& u) { return std::to_string(u.quota_set_at); }))
        .Text(
            UsageArray(round, [](const KeyUsage& u) { return Int64Element(u.quota_refilled_at); }))
        .Text(UsageArray(round,
                         [](const KeyUsage& u) {
                           return std::to_string(u.quota_next_refill_at.value_or(
                               std::numeric_limits<std::int64_t>::max()));
                         }))
        .Text(UsageArray(round, [](const KeyUsage& u) { return u.quota_refilled ? "t" : "f"; }))
        .Text(UsageArray(round, [](const KeyUsage& u) { return Int64Element(u.last_used_at); }))
        .Text(UsageArray(round, [](const KeyUsage& u) {
          return u.last_used_ip ? ArrayElement(*u.last_used_ip) : std::string("NULL");
        }));
    LK_ASSIGN_OR_RETURN(Rows rows, conn_.Execute(kSql, params, "recording key usage"));
    for (int i = 0; i < rows.size(); ++i) {
      if (!rows.Bool(i, 1)) continue;  // no quota use recorded, or no quota
      StoredQuota quota{.id = rows.Text(i, 0),
                        .remaining = rows.Int64(i, 2),
                        .set_at = rows.Int64(i, 3),
                        .refilled_at = rows.OptionalInt64(i, 4)};
      auto [it, added] = position.try_emplace(quota.id, stored.size());
      if (added) {
        stored.push_back(std::move(quota));
      } else {
        stored[it->second] = std::move(quota);  // a later round's entry
      }
    }
  }
  return stored;
}

// --- Groups ---

namespace {

// OK when every one of `members` names a principal, else kConflict naming the first that does not.
// Checked before anything is written, so that a failed InsertGroup or UpdateGroup changes nothing.
Status CheckMembersExist(Connection& conn, const std::vector<std::string>& members) {
  if (members.empty()) return Status::Ok();
  LK_ASSIGN_OR_RETURN(Rows rows,
                      conn.Execute("SELECT m FROM unnest($1::text[]) AS m WHERE NOT EXISTS "
                                   "(SELECT 1 FROM principals AS p WHERE p.id = m) LIMIT 1",
                                   Params().Text(TextArray(members)), "checking group members"));
  if (!rows.empty()) return Conflict("member " + Quoted(rows.Text(0, 0)) + " is not a principal");
  return Status::Ok();
}

// Makes `members` (a set: duplicates collapse) the members of group `group_id`.
Status ReplaceMembers(Connection& conn, const std::string& group_id,
                      const std::vector<std::string>& members) {
  LK_RETURN_IF_ERROR(conn.Execute("DELETE FROM group_members WHERE group_id = $1",
                                  Params().Text(group_id), "replacing group members")
                         .status());
  if (members.empty()) return Status::Ok();
  Result<Rows> inserted = conn.Execute(
      "INSERT INTO group_members (group_id, principal_id) "
      "SELECT $1, m FROM unnest($2::text[]) AS m ON CONFLICT DO NOTHING",
      Params().Text(group_id).Text(TextArray(members)), "replacing group members");
  if (!inserted.ok()) {
    return PhraseConflict(inserted.status(), conn,
                          [](Constraint) { return std::string("a member is not a principal"); });
  }
  return Status::Ok();
}

}  // namespace

Status PostgresTransaction::InsertGroup(const domain::Group& group) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertGroup"));
  LK_RETURN_IF_ERROR(CheckMembersExist(conn_, group.members));
  static const std::string kSql = InsertSql(kGroupTable);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, BindGroup(group), GroupConflict(group)));
  LK_RETURN_IF_ERROR(ReplaceMembers(conn_, group.id, group.members));
  for (const std::string& member : group.members) NoteChange("capabilities", member);
  return Status::Ok();
}

Status PostgresTransaction::UpdateGroup(const domain::Group& group) {
  LK_RETURN_IF_ERROR(RequireWritable("UpdateGroup"));
  LK_RETURN_IF_ERROR(CheckMembersExist(conn_, group.members));
  // Every field but id, namespace_id and created_at (store.h).
  static const std::string kSql =
      "UPDATE groups SET name = $2, description = $3, capabilities = $4, updated_at = $5 "
      "WHERE id = $1";
  Params params;
  params.Text(group.id).Text(group.name).Text(group.description);
  params.Text(EncodeStringList(group.capabilities)).Int64(group.updated_at);
  LK_RETURN_IF_ERROR(WriteRow(conn_, kSql, params, GroupConflict(group),
                              "group " + Quoted(group.id) + " not found"));
  LK_RETURN_IF_ERROR(NoteMembersOf(group.id));  // the members it had, and those it gets
  LK_RETURN_IF_ERROR(ReplaceMembers(conn_, group.id, group.members));
  for (const std::string& member : group.members) NoteChange("capabilities", member);
  return Status::Ok();
}

Status PostgresTransaction::DeleteGroup(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteGroup"));
  LK_RETURN_IF_ERROR(NoteMembersOf(id));
  // The memberships go with it (ON DELETE CASCADE).
  return DeleteById("groups", "group", id, "group " + Quoted(id) + " is still referenced");
}

Result<domain::Group> PostgresTransaction::GetGroup(const std::string& id) {
  static const std::string kSql = ByIdSql(kGroupReadTable);
  return GetOne(conn_, kSql, Params().Text(id), ReadGroup, "group " + Quoted(id) + " not found");
}

Result<Page<domain::Group>> PostgresTransaction::ListGroups(const GroupFilter& filter,
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
      // An event with no namespace has namespace_id '' (migrations/V001__init.sql).
      where.Add("(" + Where::InListSql("namespace_id") + " OR namespace_id = '')",
                {TextArray(*filter.namespace_ids)});
    } else {
      where.In("namespace_id", *filter.namespace_ids);
    }
  }
  if (filter.actor) {
    where.Add("(actor_principal = ? OR actor_key = ?)", {*filter.actor, *filter.actor});
  }
  if (filter.target) where.Equals("target", *filter.target);
  if (filter.action && filter.action->ends_with('.')) {
    // The column's collation is "C" (byte order): the actions that start with "keys." are
    // exactly those in ["keys.", "keys/").
    std::string upper = *filter.action;
    upper.back() = '/';
    where.Add("action >= ? AND action < ?", {*filter.action, std::move(upper)});
  } else if (filter.action) {
    where.Equals("action", *filter.action);
  }
  if (filter.since) where.Add("time >= ?::bigint", {*filter.since});
  if (filter.until) where.Add("time < ?::bigint", {*filter.until});
  return where;
}

std::string SeqCursor(const domain::AuditEvent& event) { return EncodeSeqCursor(event.seq); }

}  // namespace

Status PostgresTransaction::AppendAuditEvent(const domain::AuditEvent& event) {
  LK_RETURN_IF_ERROR(RequireWritable("AppendAuditEvent"));
  static const std::string kSql = InsertSql(kAuditTable);
  return WriteRow(conn_, kSql, BindAuditEvent(event), AuditEventConflict(event));
}

Result<std::optional<domain::AuditEvent>> PostgresTransaction::LastAuditEvent() {
  static const std::string kSql = SelectSql(kAuditTable) + " ORDER BY seq DESC LIMIT 1";
  LK_ASSIGN_OR_RETURN(Rows rows, conn_.Execute(kSql, Params(), "reading the audit log"));
  if (rows.empty()) return std::optional<domain::AuditEvent>();
  LK_ASSIGN_OR_RETURN(domain::AuditEvent event, ReadAuditEvent(rows, 0));
  return std::optional<domain::AuditEvent>(std::move(event));
}

Result<Page<domain::AuditEvent>> PostgresTransaction::ListAuditEvents(const AuditFilter& filter,
                                                                      const PageRequest& page) {
  Where where = AuditWhere(filter);
  if (!page.cursor.empty()) {
    LK_ASSIGN_OR_RETURN(std::int64_t after, DecodeSeqCursor(page.cursor));
    where.Add("seq > ?::bigint", {after});
  }
  static const std::string kSelect = SelectSql(kAuditTable);
  return FetchPage(conn_, kSelect, where, "seq", page.limit, ReadAuditEvent, &SeqCursor);
}

// --- Passwords ---

Status PostgresTransaction::SetPasswordHash(const std::string& principal_id,
                                            const std::string& hash,
                                            domain::UnixMillis updated_at) {
  LK_RETURN_IF_ERROR(RequireWritable("SetPasswordHash"));
  // A missing principal selects no row: nothing is written, and the row count says so.
  LK_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Execute("INSERT INTO principal_passwords (principal_id, hash, updated_at) "
                    "SELECT id, $2, $3 FROM principals WHERE id = $1 "
                    "ON CONFLICT (principal_id) DO UPDATE SET "
                    "hash = excluded.hash, updated_at = excluded.updated_at",
                    Params().Text(principal_id).Text(hash).Int64(updated_at), "setting password"));
  if (rows.affected() == 0) return NotFound("principal " + Quoted(principal_id) + " not found");
  return Status::Ok();
}

Result<std::string> PostgresTransaction::GetPasswordHash(const std::string& principal_id) {
  LK_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Execute("SELECT hash FROM principal_passwords WHERE principal_id = $1",
                                    Params().Text(principal_id), "reading password"));
  if (rows.empty()) return NotFound("principal " + Quoted(principal_id) + " has no password");
  return rows.Text(0, 0);
}

// --- Sessions ---

namespace {

Result<std::int64_t> DeleteSessionsWhere(Connection& conn, const std::string& sql,
                                         const Params& params) {
  LK_ASSIGN_OR_RETURN(Rows rows, conn.Execute(sql, params, "deleting sessions"));
  return rows.affected();
}

}  // namespace

Status PostgresTransaction::InsertSession(const domain::Session& session) {
  LK_RETURN_IF_ERROR(RequireWritable("InsertSession"));
  static const std::string kSql = InsertSql(kSessionTable);
  return WriteRow(conn_, kSql, BindSession(session), SessionConflict(session));
}

Result<domain::Session> PostgresTransaction::GetSessionByDigest(const domain::Digest& digest) {
  static const std::string kSql = SelectSql(kSessionTable) + " WHERE digest = $1";
  return GetOne(conn_, kSql, Params().Bytes(digest), ReadSession, "no such session");
}

Status PostgresTransaction::DeleteSession(const std::string& id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteSession"));
  return DeleteById("sessions", "session", id, "session " + Quoted(id) + " is still referenced");
}

Result<std::int64_t> PostgresTransaction::DeleteExpiredSessions(domain::UnixMillis now) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteExpiredSessions"));
  return DeleteSessionsWhere(conn_, "DELETE FROM sessions WHERE expires_at <= $1",
                             Params().Int64(now));
}

Result<std::int64_t> PostgresTransaction::DeleteSessionsOf(const std::string& principal_id,
                                                           const std::string& except_id) {
  LK_RETURN_IF_ERROR(RequireWritable("DeleteSessionsOf"));
  return DeleteSessionsWhere(conn_, "DELETE FROM sessions WHERE principal_id = $1 AND id <> $2",
                             Params().Text(principal_id).Text(except_id));
}

// --- Settings ---

Status PostgresTransaction::PutSetting(const std::string& name, const std::string& value) {
  LK_RETURN_IF_ERROR(RequireWritable("PutSetting"));
  return conn_
      .Execute(
          "INSERT INTO settings (name, value) VALUES ($1, $2) "
          "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          Params().Text(name).Text(value), "writing a setting")
      .status();
}

Result<std::string> PostgresTransaction::GetSetting(const std::string& name) {
  LK_ASSIGN_OR_RETURN(Rows rows, conn_.Execute("SELECT value FROM settings WHERE name = $1",
                                               Params().Text(name), "reading a setting"));
  if (rows.empty()) return NotFound("setting " + Quoted(name) + " not found");
  return rows.Text(0, 0);
}

}  // namespace latchkey::store::postgres
