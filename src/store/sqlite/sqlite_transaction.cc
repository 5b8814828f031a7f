#include "store/sqlite/sqlite_transaction.h"

#include <variant>
#include <vector>

#include "store/page_cursor.h"
#include "store/sqlite/row_codec.h"

namespace latchkey::store::sqlite {
namespace {

using ConflictMessage = std::function<std::string(Constraint)>;

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// The conditions of a WHERE clause, ANDed, and the values they bind in order.
class Where {
 public:
  void Equals(std::string_view column, std::string value) {
    conditions_.push_back(std::string(column) + " = ?");
    values_.emplace_back(std::move(value));
  }
  void IsNull(std::string_view column) { conditions_.push_back(std::string(column) + " IS NULL"); }
  // Rows strictly after `cursor` in (created_at, id) order.
  void After(const PageCursor& cursor) {
    conditions_.push_back("(created_at, id) > (?, ?)");
    values_.emplace_back(cursor.created_at);
    values_.emplace_back(cursor.id);
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
  std::vector<std::variant<std::string, std::int64_t>> values_;
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

// One page in (created_at, id) order; fetches one row more than asked to learn whether another
// page follows.
template <typename T>
Result<Page<T>> ListPage(Connection& conn, const TableSpec& spec, Where where,
                         const PageRequest& page, Result<T> (*read)(const Statement&)) {
  if (page.limit < 1) return InvalidArgument("limit must be at least 1");
  if (!page.cursor.empty()) {
    LK_ASSIGN_OR_RETURN(PageCursor cursor, DecodePageCursor(page.cursor));
    where.After(cursor);
  }
  LK_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(SelectSql(spec) + where.Sql() +
                                                   " ORDER BY created_at, id LIMIT ?"));
  stmt.BindInt64(where.Bind(stmt), static_cast<std::int64_t>(page.limit) + 1);
  Page<T> out;
  LK_RETURN_IF_ERROR(ReadRows(stmt, read, [&](T&& item) {
    out.items.push_back(std::move(item));
    return Status::Ok();
  }));
  if (out.items.size() > static_cast<std::size_t>(page.limit)) {
    out.items.pop_back();
    out.next_cursor = EncodePageCursor({out.items.back().created_at, out.items.back().id});
  }
  return out;
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

ConflictMessage NamespaceConflict(const domain::Namespace& ns) {
  return [&ns](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a namespace with id " + Quoted(ns.id) + " already exists";
      case Constraint::kUnique:
        return "a namespace named " + Quoted(ns.name) + " already exists " +
               (ns.parent_id ? "under parent " + Quoted(*ns.parent_id) : "at the top level");
      case Constraint::kForeignKey:
        return "parent namespace " + Quoted(ns.parent_id.value_or("")) + " does not exist";
    }
    return "namespace conflict";
  };
}

ConflictMessage PrincipalConflict(const domain::Principal& p) {
  return [&p](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a principal with id " + Quoted(p.id) + " already exists";
      case Constraint::kUnique:
        return "a principal named " + Quoted(p.name) + " already exists";
      case Constraint::kForeignKey:
        return "namespace " + Quoted(p.namespace_id) + " does not exist";
    }
    return "principal conflict";
  };
}

ConflictMessage KeyConflict(const domain::ApiKey& key) {
  return [&key](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a key with id " + Quoted(key.id) + " already exists";
      case Constraint::kUnique:
        return "a key named " + Quoted(key.name) + " already exists for this owner";
      case Constraint::kForeignKey:
        return "the key's owner " + Quoted(key.owner_id) +
               (key.namespace_id ? " or namespace " + Quoted(*key.namespace_id) : "") +
               " does not exist";
    }
    return "key conflict";
  };
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
                        " still has principals, keys or child namespaces; delete them first");
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
  static const std::string kSql = ByIdSql(kPrincipalTable);
  return GetOne(conn_, kSql, id, ReadPrincipal, "principal " + Quoted(id) + " not found");
}

Result<domain::Principal> SqliteTransaction::GetPrincipalByName(const std::string& name) {
  static const std::string kSql = SelectSql(kPrincipalTable) + " WHERE name = ?1";
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
  if (filter.kind) where.Equals("kind", std::string(domain::PrincipalKindName(*filter.kind)));
  if (filter.status) {
    where.Equals("status", std::string(domain::PrincipalStatusName(*filter.status)));
  }
  return ListPage(conn_, kPrincipalTable, std::move(where), page, ReadPrincipal);
}

// --- API keys ---

namespace {

Where KeyWhere(const KeyFilter& filter) {
  Where where;
  if (filter.namespace_id) where.Equals("namespace_id", *filter.namespace_id);
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
