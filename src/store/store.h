#pragma once
// Store: durable storage of namespaces, principals and API keys (DESIGN §7). One interface,
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
};

struct PrincipalFilter {
  std::optional<std::string> namespace_id;
  std::optional<domain::PrincipalKind> kind;
  std::optional<domain::PrincipalStatus> status;
};

struct KeyFilter {
  std::optional<std::string> namespace_id;
  std::optional<std::string> owner_id;
  std::optional<domain::KeyStatus> status;
  std::optional<domain::KeyType> type;
};

// Listings are ordered by (created_at, id) ascending: stable across pages and inserts.
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
};

}  // namespace latchkey::store
