#pragma once
// Store: durable storage of namespaces, principals, API keys, groups, console passwords and
// sessions, and the audit log (DESIGN §7). One interface,
// several backends (sqlite/ now, postgres/ later); store/store_contract_test.h is the test
// suite every backend must pass.
//
// All access goes through a transaction callback:
//   Write(fn): runs fn in one read-write transaction; commits iff fn returns OK, and the commit
//              is durable (fsynced) when Write returns OK. Any error rolls everything back.
//   Read(fn):  runs fn in a read-only snapshot; mutators return kInternal there.
// Thread-safety: a Store may be called from several threads; writes are serialized inside the
// backend. A Transaction is only valid inside its callback, on the calling thread.
// Errors: kNotFound for a missing row, kConflict for a duplicate id or unique name,
// kUnavailable when the backend cannot be reached, kInternal for anything else.
// References: Namespace::parent_id, Principal::namespace_id (unless empty: no home namespace),
// ApiKey::owner_id and ApiKey::namespace_id must name existing rows, else the write is kConflict;
// deleting a namespace or principal that is still referenced is kConflict too (delete a
// principal's keys first, in the same transaction).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"
#include "domain/result.h"

namespace latchkey::store {

// One page of a listing. `next_cursor` is empty on the last page; it is opaque to callers and
// is passed back as PageRequest::cursor to continue.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;
};

struct PageRequest {
  std::string
      cursor;      // empty = from the start; a cursor the store cannot decode is kInvalidArgument
  int limit = 50;  // 1..1000, enforced by the caller
};

struct NamespaceFilter {
  std::optional<std::string> parent_id;
  std::optional<domain::NamespaceKind> kind;
  std::optional<std::vector<std::string>> ids;  // only these namespaces; empty matches nothing
};

struct PrincipalFilter {
  std::optional<std::string> namespace_id;                // home namespace
  std::optional<std::vector<std::string>> namespace_ids;  // home namespace among these
  std::optional<domain::PrincipalKind> kind;
  std::optional<domain::PrincipalStatus> status;
  std::optional<std::string> email;  // exactly this address (sign-in by email)
};

// `namespace_ids` (in every filter that has it) restricts a listing to rows in those
// namespaces: the namespaces a caller may read. An empty list matches nothing.
struct KeyFilter {
  std::optional<std::string> namespace_id;
  std::optional<std::vector<std::string>> namespace_ids;
  std::optional<std::string> owner_id;
  std::optional<domain::KeyStatus> status;
  std::optional<domain::KeyType> type;
};

struct GroupFilter {
  std::optional<std::string> namespace_id;
  std::optional<std::vector<std::string>> namespace_ids;
  std::optional<std::string> member_id;  // groups that have this principal as a member
};

// Audit events are listed by seq, ascending; the filters are ANDed.
struct AuditFilter {
  std::optional<std::string> namespace_id;
  // Events in these namespaces; with `include_unscoped`, also events with no namespace.
  std::optional<std::vector<std::string>> namespace_ids;
  bool include_unscoped = true;
  std::optional<std::string> actor;  // actor_principal or actor_key equals this
  std::optional<std::string> target;
  std::optional<std::string> action;        // exact, or a prefix when it ends with '.' ("keys.")
  std::optional<domain::UnixMillis> since;  // time >= since
  std::optional<domain::UnixMillis> until;  // time < until
};

// Usage of one key, gathered in memory by verification and written in batches (DESIGN §7):
// only the fields that are set are written. Several nodes record usage of the same keys, so quota
// use is a delta and a last use only moves forward (RecordUsage).
struct KeyUsage {
  std::string id;  // public key id, "key_" + 16 characters
  // Quota units (>= 0) spent since the node's previous flush, from the setting `quota_set_at`
  // (Quota::set_at) and, for a quota that refills, in the refill period
  // [quota_refilled_at, quota_next_refill_at) (quota_refilled_at a UTC day or month boundary).
  // `quota_refilled`: the node began that period with a refill, not by anchoring a quota never
  // refilled. Unset quota_spent: no quota use (the other quota fields are then ignored).
  std::optional<std::int64_t> quota_spent = std::nullopt;
  domain::UnixMillis quota_set_at = 0;
  std::optional<domain::UnixMillis> quota_refilled_at = std::nullopt;
  std::optional<domain::UnixMillis> quota_next_refill_at = std::nullopt;
  bool quota_refilled = false;
  std::optional<domain::UnixMillis> last_used_at = std::nullopt;
  std::optional<std::string> last_used_ip = std::nullopt;
  bool operator==(const KeyUsage&) const = default;
};

// A key's quota as stored once a RecordUsage has applied a batch: what the node that recorded it
// brings its balance in memory to.
struct StoredQuota {
  std::string id;
  std::int64_t remaining = 0;
  domain::UnixMillis set_at = 0;
  std::optional<domain::UnixMillis> refilled_at = std::nullopt;
  bool operator==(const StoredQuota&) const = default;
};

// Listings are ordered by (created_at, id) ascending: stable across pages and inserts
// (audit events: by seq).
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Namespaces. Unique: id; (parent_id, name) with NULL parents compared equal.
  virtual Status InsertNamespace(const domain::Namespace& ns) = 0;
  virtual Status UpdateNamespace(const domain::Namespace& ns) = 0;  // by id; kNotFound
  virtual Status DeleteNamespace(const std::string& id) = 0;        // kNotFound
  virtual Result<domain::Namespace> GetNamespace(const std::string& id) = 0;
  virtual Result<Page<domain::Namespace>> ListNamespaces(const NamespaceFilter& filter,
                                                         const PageRequest& page) = 0;

  // Principals. Unique: id; name.
  virtual Status InsertPrincipal(const domain::Principal& p) = 0;
  virtual Status UpdatePrincipal(const domain::Principal& p) = 0;  // by id; kNotFound
  virtual Status DeletePrincipal(const std::string& id) = 0;       // kNotFound
  virtual Result<domain::Principal> GetPrincipal(const std::string& id) = 0;
  virtual Result<domain::Principal> GetPrincipalByName(const std::string& name) = 0;
  virtual Result<Page<domain::Principal>> ListPrincipals(const PrincipalFilter& filter,
                                                         const PageRequest& page) = 0;

  // API keys. Unique: id; (owner_id, name).
  virtual Status InsertKey(const domain::ApiKey& key) = 0;
  virtual Status UpdateKey(const domain::ApiKey& key) = 0;  // by id, every field; kNotFound
  virtual Status DeleteKey(const std::string& id) = 0;      // kNotFound
  virtual Result<domain::ApiKey> GetKey(const std::string& id) = 0;
  virtual Result<Page<domain::ApiKey>> ListKeys(const KeyFilter& filter,
                                                const PageRequest& page) = 0;
  virtual Result<std::int64_t> CountKeys(const KeyFilter& filter) = 0;
  // Records the usage of keys, entry by entry in order; meant for batches of thousands in one
  // Write. An id that names no key (deleted since) is skipped: that is not an error. Nothing but
  // the key's quota balance and refilled_at and its last use changes, updated_at included.
  //
  // Quota: an entry with quota_spent, for a key with a quota whose set_at equals quota_set_at
  // (else the entry's quota use is dropped: it was spent from a setting replaced since). With F
  // the stored refilled_at:
  //   - a quota without refill (no quota_refilled_at), or F in [quota_refilled_at,
  //     quota_next_refill_at) (the same period): remaining -= quota_spent;
  //   - F < quota_refilled_at, or F unset (a period the store has not entered yet): remaining =
  //     refill_amount - quota_spent, and refilled_at = quota_refilled_at; but when F is unset and
  //     not quota_refilled (the anchoring of a quota never refilled), remaining -= quota_spent.
  //     So the first node to record use of a new period refills it, and the others' use of that
  //     period is subtracted from it: one refill per period, and no use lost;
  //   - F >= quota_next_refill_at (the store has entered a later period): dropped.
  // `remaining` may go below zero: that is the over-spending several nodes allow
  // (service/usage_meter.h).
  // Last use: last_used_at becomes the later of the stored and the given time, so that it never
  // goes back when nodes flush out of order; last_used_ip is written (when given) with a
  // last_used_at at least as late as the stored one, and kept otherwise.
  //
  // Returns the stored quota, once the whole batch is applied, of every key that an entry with
  // quota_spent names and that has a quota: one each, in no particular order.
  virtual Result<std::vector<StoredQuota>> RecordUsage(const std::vector<KeyUsage>& usage) = 0;

  // Groups. Unique: id; (namespace_id, name). The members are stored with the group:
  // InsertGroup and UpdateGroup write `members` as given (every id must name a principal, else
  // kConflict); GetGroup and ListGroups return them sorted. UpdateGroup replaces every field
  // but id, namespace_id and created_at. DeleteGroup removes its memberships.
  // DeletePrincipal removes the principal's memberships; DeleteNamespace of a namespace that
  // still has groups is kConflict.
  virtual Status InsertGroup(const domain::Group& group) = 0;
  virtual Status UpdateGroup(const domain::Group& group) = 0;  // kNotFound
  virtual Status DeleteGroup(const std::string& id) = 0;       // kNotFound
  virtual Result<domain::Group> GetGroup(const std::string& id) = 0;
  virtual Result<Page<domain::Group>> ListGroups(const GroupFilter& filter,
                                                 const PageRequest& page) = 0;

  // The audit chain. AppendAuditEvent stores the event as given (the caller computed seq and
  // the hashes from LastAuditEvent in the same transaction); a seq that exists is kConflict.
  // LastAuditEvent: the event with the highest seq, or std::nullopt when there is none.
  // There is no update or delete.
  virtual Status AppendAuditEvent(const domain::AuditEvent& event) = 0;
  virtual Result<std::optional<domain::AuditEvent>> LastAuditEvent() = 0;
  virtual Result<Page<domain::AuditEvent>> ListAuditEvents(const AuditFilter& filter,
                                                           const PageRequest& page) = 0;

  // Console passwords (docs/console.md), stored as the Argon2id string the caller computed
  // (never a password in clear). SetPasswordHash sets or replaces a principal's password
  // (kNotFound when no principal has the id); Principal::has_password reads true from then on.
  // GetPasswordHash: kNotFound when the principal has none (or does not exist). A principal's
  // password goes with it when it is deleted.
  virtual Status SetPasswordHash(const std::string& principal_id, const std::string& hash,
                                 domain::UnixMillis updated_at) = 0;
  virtual Result<std::string> GetPasswordHash(const std::string& principal_id) = 0;

  // Console sessions. Unique: id; digest. InsertSession: principal_id must name a principal, else
  // kConflict. A principal's sessions go with it when it is deleted. Sessions are found by the
  // digest of the cookie's secret (an HMAC under the pepper: a caller cannot aim a lookup at a
  // digest it chose).
  virtual Status InsertSession(const domain::Session& session) = 0;
  // The session with this digest, expired or not; kNotFound when there is none.
  virtual Result<domain::Session> GetSessionByDigest(const domain::Digest& digest) = 0;
  virtual Status DeleteSession(const std::string& id) = 0;  // kNotFound
  // Deletes every session whose expires_at <= `now`; returns how many it deleted.
  virtual Result<std::int64_t> DeleteExpiredSessions(domain::UnixMillis now) = 0;
  // Deletes every session of `principal_id` except the one with id `except_id` (empty: keeps
  // none); returns how many it deleted.
  virtual Result<std::int64_t> DeleteSessionsOf(const std::string& principal_id,
                                                const std::string& except_id) = 0;

  // Small settings such as "initialized_at". GetSetting: kNotFound when absent.
  virtual Status PutSetting(const std::string& name, const std::string& value) = 0;
  virtual Result<std::string> GetSetting(const std::string& name) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Status Write(const std::function<Status(Transaction&)>& fn) = 0;
  virtual Status Read(const std::function<Status(Transaction&)>& fn) = 0;

  // Streams every principal / key (for building the verification index at start-up), in no
  // particular order, in one read snapshot. Stops and returns the first non-OK callback status.
  virtual Status ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) = 0;
  virtual Status ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) = 0;
  virtual Status ForEachGroup(const std::function<Status(const domain::Group&)>& fn) = 0;
  // Every audit event in seq order, in one read snapshot (for checking the chain).
  virtual Status ForEachAuditEvent(const std::function<Status(const domain::AuditEvent&)>& fn) = 0;
};

}  // namespace latchkey::store
