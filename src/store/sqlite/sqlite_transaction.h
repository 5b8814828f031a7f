#pragma once
// SqliteTransaction: the store::Transaction of the SQLite backend, run against a Connection on
// which SqliteStore has already begun an SQL transaction (it commits or rolls back; this class
// only issues statements).
//
// Constraint violations become kConflict with a message naming what clashed ("a key named 'x'
// already exists for this owner"); a reference to a missing namespace or principal (a group
// member included), and deleting a namespace or principal that is still referenced, are kConflict
// too. A mutator that fails on a constraint has changed nothing. A read-only transaction
// refuses every mutator with kInternal, since calling one there is a bug in the caller.
// Ownership: borrows the connection. Thread-safety: none; lives on the stack of one callback.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/sqlite/connection.h"
#include "store/store.h"

namespace latchkey::store::sqlite {

class SqliteTransaction final : public Transaction {
 public:
  enum class Access { kReadOnly, kReadWrite };

  SqliteTransaction(Connection& conn, Access access) : conn_(conn), access_(access) {}

  Status InsertNamespace(const domain::Namespace& ns) override;
  Status UpdateNamespace(const domain::Namespace& ns) override;
  Status DeleteNamespace(const std::string& id) override;
  Result<domain::Namespace> GetNamespace(const std::string& id) override;
  Result<Page<domain::Namespace>> ListNamespaces(const NamespaceFilter& filter,
                                                 const PageRequest& page) override;

  Status InsertPrincipal(const domain::Principal& p) override;
  Status UpdatePrincipal(const domain::Principal& p) override;
  Status DeletePrincipal(const std::string& id) override;
  Result<domain::Principal> GetPrincipal(const std::string& id) override;
  Result<domain::Principal> GetPrincipalByName(const std::string& name) override;
  Result<Page<domain::Principal>> ListPrincipals(const PrincipalFilter& filter,
                                                 const PageRequest& page) override;

  Status InsertKey(const domain::ApiKey& key) override;
  Status UpdateKey(const domain::ApiKey& key) override;
  Status DeleteKey(const std::string& id) override;
  Result<domain::ApiKey> GetKey(const std::string& id) override;
  Result<Page<domain::ApiKey>> ListKeys(const KeyFilter& filter, const PageRequest& page) override;
  Result<std::int64_t> CountKeys(const KeyFilter& filter) override;
  Result<std::vector<StoredQuota>> RecordUsage(const std::vector<KeyUsage>& usage) override;

  Status InsertGroup(const domain::Group& group) override;
  Status UpdateGroup(const domain::Group& group) override;
  Status DeleteGroup(const std::string& id) override;
  Result<domain::Group> GetGroup(const std::string& id) override;
  Result<Page<domain::Group>> ListGroups(const GroupFilter& filter,
                                         const PageRequest& page) override;

  Status AppendAuditEvent(const domain::AuditEvent& event) override;
  Result<std::optional<domain::AuditEvent>> LastAuditEvent() override;
  Result<Page<domain::AuditEvent>> ListAuditEvents(const AuditFilter& filter,
                                                   const PageRequest& page) override;

  Status SetPasswordHash(const std::string& principal_id, const std::string& hash,
                         domain::UnixMillis updated_at) override;
  Result<std::string> GetPasswordHash(const std::string& principal_id) override;

  Status InsertSession(const domain::Session& session) override;
  Result<domain::Session> GetSessionByDigest(const domain::Digest& digest) override;
  Status DeleteSession(const std::string& id) override;
  Result<std::int64_t> DeleteExpiredSessions(domain::UnixMillis now) override;
  Result<std::int64_t> DeleteSessionsOf(const std::string& principal_id,
                                        const std::string& except_id) override;

  Status PutSetting(const std::string& name, const std::string& value) override;
  Result<std::string> GetSetting(const std::string& name) override;

 private:
  Status RequireWritable(std::string_view method) const;
  // Runs "DELETE FROM <table> WHERE id = ?1": kNotFound when no row, kConflict with
  // `still_referenced` when another row still points at it.
  Status DeleteById(std::string_view table, std::string_view what, const std::string& id,
                    const std::string& still_referenced);

  Connection& conn_;
  const Access access_;
};

}  // namespace latchkey::store::sqlite
