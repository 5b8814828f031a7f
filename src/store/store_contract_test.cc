// The Store contract (store.h), run against every backend that instantiates StoreContractTest
// (see store_contract_test.h).

#include "store/store_contract_test.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace latchkey::store {
namespace {

using domain::ApiKey;
using domain::AuditEvent;
using domain::Group;
using domain::Namespace;
using domain::Principal;
using ::testing::HasSubstr;
using ::testing::Property;

auto MessageHas(const std::string& text) { return Property(&Status::message, HasSubstr(text)); }

// --- Test values ---

Namespace MakeNamespace(const std::string& id, const std::string& name,
                        std::optional<std::string> parent = std::nullopt,
                        domain::UnixMillis created_at = 1000) {
  Namespace ns;
  ns.id = id;
  ns.name = name;
  ns.kind = parent ? domain::NamespaceKind::kWorkspace : domain::NamespaceKind::kOrganization;
  ns.parent_id = std::move(parent);
  ns.created_at = created_at;
  ns.updated_at = created_at;
  return ns;
}

Principal MakePrincipal(const std::string& id, const std::string& name,
                        const std::string& namespace_id, domain::UnixMillis created_at = 1000) {
  Principal p;
  p.id = id;
  p.name = name;
  p.namespace_id = namespace_id;
  p.created_at = created_at;
  p.updated_at = created_at;
  return p;
}

// A key with every optional field unset and every list at its default.
ApiKey MakeKey(const std::string& id, const std::string& name, const std::string& owner_id,
               std::optional<std::string> namespace_id, domain::UnixMillis created_at = 1000) {
  ApiKey key;
  key.id = id;
  key.name = name;
  key.owner_id = owner_id;
  key.namespace_id = std::move(namespace_id);
  key.prefix = "lk";
  key.hint = "lk_…" + id.substr(id.size() - std::min<std::size_t>(4, id.size()));
  key.digest.fill(0x5a);
  key.created_at = created_at;
  key.created_by = owner_id;
  key.updated_at = created_at;
  return key;
}

// A key with every field set to a non-default value, strings in several scripts.
ApiKey MakeFullKey(const std::string& id, const std::string& owner_id,
                   const std::string& namespace_id) {
  ApiKey key = MakeKey(id, "ключ 🔑 " + id, owner_id, namespace_id, 1'700'000'000'123);
  key.description = "Beschreibung: ü, 日本語, \"quoted\", back\\slash, tab\t, newline\n";
  key.type = domain::KeyType::kManagement;
  key.scopes = {"raw:read:db1/table1", "predict:*", "ünïcödé:读:*"};
  key.resources = {"algo://demos/sentiment_analysis", "algo://démos/*"};
  key.data_access = domain::DataAccess::kReadWrite;
  key.origins = {.native = false,
                 .browser = true,
                 .referrers = {"app.example.com", "*.example.com", "例子.测试"}};
  key.allowed_ips = {"203.0.113.0/24", "2001:db8::/32"};
  key.expires_at = 1'900'000'000'000;
  key.rate_limit = domain::RateLimit{.limit = 100, .window_ms = 60'000};
  key.quota = domain::Quota{.remaining = 41,
                            .refill_interval = "monthly",
                            .refill_amount = 1000,
                            .refilled_at = 1'700'000'000'321,
                            .set_at = 1'700'000'000'111};
  key.meta_json = R"({"team":"ml","nested":{"list":[1,2.5,null,true],"ü":"✓"}})";
  key.prefix = "acme_prod";
  key.hint = "acme_prod_…Ab12";
  for (std::size_t i = 0; i < key.digest.size(); ++i) key.digest[i] = static_cast<uint8_t>(i * 37);
  key.digest[5] = 0x00;
  key.digest[6] = 0xff;
  key.status = domain::KeyStatus::kDisabled;
  key.created_by = "pr_somebody_else";
  key.updated_at = 1'700'000'000'456;
  key.revoked_at = 1'700'000'000'789;
  key.last_used_at = 1'700'000'000'999;
  key.last_used_ip = "2001:db8::1";
  return key;
}

Group MakeGroup(const std::string& id, const std::string& name, const std::string& namespace_id,
                std::vector<std::string> members = {}, domain::UnixMillis created_at = 1000) {
  Group group;
  group.id = id;
  group.namespace_id = namespace_id;
  group.name = name;
  group.capabilities = {"keys:read"};
  group.members = std::move(members);
  group.created_at = created_at;
  group.updated_at = created_at;
  return group;
}

// An event with every string field set; `time` defaults to follow `seq`.
AuditEvent MakeEvent(std::int64_t seq, const std::string& action = "keys.create",
                     const std::string& namespace_id = "ns_a") {
  AuditEvent event;
  event.seq = seq;
  event.time = 1'700'000'000'000 + seq;
  event.actor_principal = "pr_a";
  event.actor_key = "key_actor";
  event.action = action;
  event.target = "key_" + std::to_string(seq);
  event.namespace_id = namespace_id;
  event.request_id = "req-" + std::to_string(seq);
  event.source_ip = "203.0.113.7";
  event.details_json = R"({"name":"ci"})";
  event.prev_hash = std::string(64, '0');
  event.hash = std::string(63, 'a') + std::to_string(seq % 10);
  return event;
}

// --- Helpers ---

KeyFilter KeyFilterOf(std::optional<std::string> namespace_id, std::optional<std::string> owner_id,
                      std::optional<domain::KeyStatus> status,
                      std::optional<domain::KeyType> type) {
  KeyFilter filter;
  filter.namespace_id = std::move(namespace_id);
  filter.owner_id = std::move(owner_id);
  filter.status = status;
  filter.type = type;
  return filter;
}

NamespaceFilter NamespaceFilterOf(std::optional<std::string> parent_id,
                                  std::optional<domain::NamespaceKind> kind) {
  NamespaceFilter filter;
  filter.parent_id = std::move(parent_id);
  filter.kind = kind;
  return filter;
}

PrincipalFilter PrincipalFilterOf(std::optional<std::string> namespace_id,
                                  std::optional<domain::PrincipalKind> kind,
                                  std::optional<domain::PrincipalStatus> status) {
  PrincipalFilter filter;
  filter.namespace_id = std::move(namespace_id);
  filter.kind = kind;
  filter.status = status;
  return filter;
}

// Runs `fn` in a Read transaction and returns what it returned.
template <typename T>
Result<T> ReadValue(Store& store, const std::function<Result<T>(Transaction&)>& fn) {
  std::optional<Result<T>> out;
  Status status = store.Read([&](Transaction& tx) {
    out.emplace(fn(tx));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return std::move(*out);
}

Status Insert(Store& store, const Namespace& ns) {
  return store.Write([&](Transaction& tx) { return tx.InsertNamespace(ns); });
}
Status Insert(Store& store, const Principal& p) {
  return store.Write([&](Transaction& tx) { return tx.InsertPrincipal(p); });
}
Status Insert(Store& store, const ApiKey& key) {
  return store.Write([&](Transaction& tx) { return tx.InsertKey(key); });
}
Status InsertKeys(Store& store, const std::vector<ApiKey>& keys) {
  return store.Write([&](Transaction& tx) -> Status {
    for (const ApiKey& key : keys) LK_RETURN_IF_ERROR(tx.InsertKey(key));
    return Status::Ok();
  });
}

Status Insert(Store& store, const Group& group) {
  return store.Write([&](Transaction& tx) { return tx.InsertGroup(group); });
}
Status Append(Store& store, const AuditEvent& event) {
  return store.Write([&](Transaction& tx) { return tx.AppendAuditEvent(event); });
}
Status AppendAll(Store& store, const std::vector<AuditEvent>& events) {
  return store.Write([&](Transaction& tx) -> Status {
    for (const AuditEvent& event : events) LK_RETURN_IF_ERROR(tx.AppendAuditEvent(event));
    return Status::Ok();
  });
}

Result<Namespace> GetNamespace(Store& store, const std::string& id) {
  return ReadValue<Namespace>(store, [&](Transaction& tx) { return tx.GetNamespace(id); });
}
Result<Principal> GetPrincipal(Store& store, const std::string& id) {
  return ReadValue<Principal>(store, [&](Transaction& tx) { return tx.GetPrincipal(id); });
}
Result<ApiKey> GetKey(Store& store, const std::string& id) {
  return ReadValue<ApiKey>(store, [&](Transaction& tx) { return tx.GetKey(id); });
}
Result<Group> GetGroup(Store& store, const std::string& id) {
  return ReadValue<Group>(store, [&](Transaction& tx) { return tx.GetGroup(id); });
}
Result<std::optional<AuditEvent>> LastAuditEvent(Store& store) {
  return ReadValue<std::optional<AuditEvent>>(store,
                                              [](Transaction& tx) { return tx.LastAuditEvent(); });
}

// Two organizations, "ns_a" and "ns_b", and a user in each, "pr_a" (alice) and "pr_b" (bob).
Status SeedOwners(Store& store) {
  return store.Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_a", "org-a")));
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_b", "org-b")));
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(MakePrincipal("pr_a", "alice", "ns_a")));
    return tx.InsertPrincipal(MakePrincipal("pr_b", "bob", "ns_b"));
  });
}

// `count` keys of pr_a in ns_a, inserted out of order, with created_at ties (3 keys per ms).
std::vector<ApiKey> InsertKeysWithTies(Store& store, int count) {
  std::vector<ApiKey> keys;
  for (int i = 0; i < count; ++i) {
    const int n = (i * 7) % count;  // a permutation while 7 does not divide count
    keys.push_back(MakeKey("key_" + std::to_string(100 + n), "k" + std::to_string(n), "pr_a",
                           "ns_a", 5000 + n / 3));
  }
  EXPECT_THAT(InsertKeys(store, keys), IsOk());
  return keys;
}

// Follows next_cursor from the first page to the last; records each page's size.
template <typename T>
Result<std::vector<T>> ListAll(
    Store& store, const std::function<Result<Page<T>>(Transaction&, const PageRequest&)>& list,
    int limit, std::vector<std::size_t>* page_sizes = nullptr) {
  std::vector<T> all;
  PageRequest request{.cursor = "", .limit = limit};
  for (int pages = 0; pages < 1000; ++pages) {
    LK_ASSIGN_OR_RETURN(Page<T> page, ReadValue<Page<T>>(store, [&](Transaction& tx) {
                          return list(tx, request);
                        }));
    if (page_sizes != nullptr) page_sizes->push_back(page.items.size());
    all.insert(all.end(), page.items.begin(), page.items.end());
    if (page.next_cursor.empty()) return all;
    request.cursor = page.next_cursor;
  }
  return Internal("pagination did not end");
}

Result<std::vector<ApiKey>> ListAllKeys(Store& store, const KeyFilter& filter, int limit,
                                        std::vector<std::size_t>* page_sizes = nullptr) {
  return ListAll<ApiKey>(
      store, [&](Transaction& tx, const PageRequest& page) { return tx.ListKeys(filter, page); },
      limit, page_sizes);
}

Result<std::vector<Group>> ListAllGroups(Store& store, const GroupFilter& filter, int limit) {
  return ListAll<Group>(
      store, [&](Transaction& tx, const PageRequest& page) { return tx.ListGroups(filter, page); },
      limit);
}

Result<std::vector<AuditEvent>> ListAllAuditEvents(Store& store, const AuditFilter& filter,
                                                   int limit,
                                                   std::vector<std::size_t>* page_sizes = nullptr) {
  return ListAll<AuditEvent>(
      store,
      [&](Transaction& tx, const PageRequest& page) { return tx.ListAuditEvents(filter, page); },
      limit, page_sizes);
}

std::vector<std::int64_t> SeqsOf(const std::vector<AuditEvent>& events) {
  std::vector<std::int64_t> seqs;
  seqs.reserve(events.size());
  for (const AuditEvent& event : events) seqs.push_back(event.seq);
  return seqs;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <typename T>
std::vector<std::string> IdsOf(const std::vector<T>& items) {
  std::vector<std::string> ids;
  for (const T& item : items) ids.push_back(item.id);
  return ids;
}

// The ids of `items` in listing order: (created_at, id) ascending.
template <typename T>
std::vector<std::string> IdsInListingOrder(std::vector<T> items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  return IdsOf(items);
}

// --- Namespaces ---

TEST_P(StoreContractTest, NamespaceRoundTripsEveryField) {
  Namespace top = MakeNamespace("ns_top", "Acme Corp");
  Namespace child = MakeNamespace("ns_child", "Ünïcödé ワークスペース", "ns_top", 1234);
  child.kind = domain::NamespaceKind::kUserGroup;
  child.settings.app_domains = {"https://app.example.com", "https://例子.测试"};
  child.settings.default_key_prefix = "acme";
  child.updated_at = 5678;
  ASSERT_THAT(Insert(store(), top), IsOk());
  ASSERT_THAT(Insert(store(), child), IsOk());

  Result<Namespace> got_top = GetNamespace(store(), "ns_top");
  ASSERT_THAT(got_top.status(), IsOk());
  EXPECT_EQ(*got_top, top);
  Result<Namespace> got_child = GetNamespace(store(), "ns_child");
  ASSERT_THAT(got_child.status(), IsOk());
  EXPECT_EQ(*got_child, child);
}

TEST_P(StoreContractTest, GetMissingNamespaceIsNotFound) {
  EXPECT_THAT(GetNamespace(store(), "ns_missing").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, InsertNamespaceWithTakenIdIsConflict) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_1", "one")), IsOk());
  Status status = Insert(store(), MakeNamespace("ns_1", "another name"));
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("ns_1"));
}

TEST_P(StoreContractTest, NamespaceNamesAreUniqueAmongSiblings) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_p1", "parent-1")), IsOk());
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_p2", "parent-2")), IsOk());
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_c1", "dev", "ns_p1")), IsOk());
  EXPECT_THAT(Insert(store(), MakeNamespace("ns_c2", "dev", "ns_p2")), IsOk());  // another parent
  Status status = Insert(store(), MakeNamespace("ns_c3", "dev", "ns_p1"));
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("'dev'"));
}

TEST_P(StoreContractTest, TopLevelNamespaceNamesAreUnique) {
  // No parent on either side: NULL parents compare equal for uniqueness.
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_1", "acme")), IsOk());
  Status status = Insert(store(), MakeNamespace("ns_2", "acme"));
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("'acme'"));
  // A child may share a top-level namespace's name.
  EXPECT_THAT(Insert(store(), MakeNamespace("ns_3", "acme", "ns_1")), IsOk());
}

TEST_P(StoreContractTest, InsertNamespaceWithMissingParentIsConflict) {
  EXPECT_THAT(Insert(store(), MakeNamespace("ns_1", "orphan", "ns_missing")),
              HasCode(ErrorCode::kConflict));
  EXPECT_THAT(GetNamespace(store(), "ns_1").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, UpdateNamespaceRoundTrips) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_p", "parent")), IsOk());
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_1", "before")), IsOk());
  Namespace changed = MakeNamespace("ns_1", "after", "ns_p");
  changed.kind = domain::NamespaceKind::kProject;
  changed.settings = {.app_domains = {"https://a.example"}, .default_key_prefix = "px"};
  changed.updated_at = 9999;
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateNamespace(changed); }), IsOk());
  Result<Namespace> got = GetNamespace(store(), "ns_1");
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(*got, changed);

  changed.parent_id.reset();  // and back to the top level
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateNamespace(changed); }), IsOk());
  EXPECT_EQ(GetNamespace(store(), "ns_1").value(), changed);
}

TEST_P(StoreContractTest, UpdateMissingNamespaceIsNotFound) {
  Namespace ns = MakeNamespace("ns_missing", "x");
  EXPECT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateNamespace(ns); }),
              HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, UpdateNamespaceToTakenNameIsConflict) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_1", "one")), IsOk());
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_2", "two")), IsOk());
  Namespace renamed = MakeNamespace("ns_2", "one");
  EXPECT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateNamespace(renamed); }),
              HasCode(ErrorCode::kConflict));
  EXPECT_EQ(GetNamespace(store(), "ns_2")->name, "two");
}

TEST_P(StoreContractTest, DeleteNamespace) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_1", "one")), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeleteNamespace("ns_1"); }), IsOk());
  EXPECT_THAT(GetNamespace(store(), "ns_1").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(store().Write([](Transaction& tx) { return tx.DeleteNamespace("ns_1"); }),
              HasCode(ErrorCode::kNotFound));
  // The name is free again.
  EXPECT_THAT(Insert(store(), MakeNamespace("ns_2", "one")), IsOk());
}

TEST_P(StoreContractTest, DeleteNamespaceStillReferencedIsConflict) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_app", "app")), IsOk());
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_ws", "ws", "ns_app")), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "k", "pr_a", "ns_b")), IsOk());
  auto delete_ns = [&](const std::string& id) {
    return store().Write([&](Transaction& tx) { return tx.DeleteNamespace(id); });
  };
  Status home_of_principal = delete_ns("ns_a");
  EXPECT_THAT(home_of_principal, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(home_of_principal, MessageHas("ns_a"));
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeletePrincipal("pr_b"); }), IsOk());
  EXPECT_THAT(delete_ns("ns_b"), HasCode(ErrorCode::kConflict));    // key_1 is bound to it
  EXPECT_THAT(delete_ns("ns_app"), HasCode(ErrorCode::kConflict));  // ns_ws is its child

  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeleteKey("key_1"); }), IsOk());
  EXPECT_THAT(delete_ns("ns_b"), IsOk());
  ASSERT_THAT(delete_ns("ns_ws"), IsOk());
  EXPECT_THAT(delete_ns("ns_app"), IsOk());
}

// --- Principals ---

TEST_P(StoreContractTest, PrincipalRoundTripsEveryField) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_a", "org")), IsOk());
  Principal user = MakePrincipal("pr_user", "Zoë Ångström 李", "ns_a", 1111);
  user.email = "zoë@例子.example";
  user.superuser = true;
  user.status = domain::PrincipalStatus::kDisabled;
  user.updated_at = 2222;
  Principal robot = MakePrincipal("pr_robot", "extractor-bot", "ns_a");
  robot.kind = domain::PrincipalKind::kServiceAccount;
  Principal homeless = MakePrincipal("pr_root", "root", "");  // no home namespace
  for (const Principal& p : {user, robot, homeless}) {
    ASSERT_THAT(Insert(store(), p), IsOk());
    Result<Principal> got = GetPrincipal(store(), p.id);
    ASSERT_THAT(got.status(), IsOk());
    EXPECT_EQ(*got, p);
  }
}

TEST_P(StoreContractTest, GetPrincipalByName) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  Result<Principal> bob =
      ReadValue<Principal>(store(), [](Transaction& tx) { return tx.GetPrincipalByName("bob"); });
  ASSERT_THAT(bob.status(), IsOk());
  EXPECT_EQ(bob->id, "pr_b");
  EXPECT_THAT(GetPrincipal(store(), "pr_missing").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(
      ReadValue<Principal>(store(), [](Transaction& tx) { return tx.GetPrincipalByName("carol"); })
          .status(),
      HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, PrincipalIdAndNameAreUnique) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  Status same_id = Insert(store(), MakePrincipal("pr_a", "someone-else", "ns_a"));
  EXPECT_THAT(same_id, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_id, MessageHas("pr_a"));
  Status same_name = Insert(store(), MakePrincipal("pr_c", "alice", "ns_b"));  // names are global
  EXPECT_THAT(same_name, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_name, MessageHas("'alice'"));
}

TEST_P(StoreContractTest, InsertPrincipalWithMissingNamespaceIsConflict) {
  EXPECT_THAT(Insert(store(), MakePrincipal("pr_1", "x", "ns_missing")),
              HasCode(ErrorCode::kConflict));
  EXPECT_THAT(GetPrincipal(store(), "pr_1").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, UpdatePrincipal) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  Principal changed = MakePrincipal("pr_a", "alice-2", "ns_b", 1000);
  changed.kind = domain::PrincipalKind::kServiceAccount;
  changed.email = "a@example.com";
  changed.status = domain::PrincipalStatus::kDisabled;
  changed.superuser = true;
  changed.updated_at = 3000;
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdatePrincipal(changed); }), IsOk());
  EXPECT_EQ(GetPrincipal(store(), "pr_a").value(), changed);

  Principal missing = MakePrincipal("pr_missing", "m", "ns_a");
  EXPECT_THAT(store().Write([&](Transaction& tx) { return tx.UpdatePrincipal(missing); }),
              HasCode(ErrorCode::kNotFound));
  Principal clash = MakePrincipal("pr_b", "alice-2", "ns_b");
  EXPECT_THAT(store().Write([&](Transaction& tx) { return tx.UpdatePrincipal(clash); }),
              HasCode(ErrorCode::kConflict));
  Principal dangling = MakePrincipal("pr_b", "bob", "ns_missing");
  EXPECT_THAT(store().Write([&](Transaction& tx) { return tx.UpdatePrincipal(dangling); }),
              HasCode(ErrorCode::kConflict));
}

TEST_P(StoreContractTest, DeletePrincipal) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "k", "pr_a", "ns_a")), IsOk());
  auto delete_principal = [&](const std::string& id) {
    return store().Write([&](Transaction& tx) { return tx.DeletePrincipal(id); });
  };
  Status owns_keys = delete_principal("pr_a");
  EXPECT_THAT(owns_keys, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(owns_keys, MessageHas("pr_a"));
  EXPECT_THAT(GetPrincipal(store(), "pr_a").status(), IsOk());

  // What the service does: the principal's keys first, in the same transaction.
  ASSERT_THAT(store().Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.DeleteKey("key_1"));
    return tx.DeletePrincipal("pr_a");
  }),
              IsOk());
  EXPECT_THAT(GetPrincipal(store(), "pr_a").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(delete_principal("pr_a"), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(Insert(store(), MakePrincipal("pr_new", "alice", "ns_a")),
              IsOk());  // name is free again
}

// --- API keys ---

TEST_P(StoreContractTest, KeyRoundTripsEveryField) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ApiKey key = MakeFullKey("key_full", "pr_a", "ns_b");
  ASSERT_THAT(Insert(store(), key), IsOk());
  Result<ApiKey> got = GetKey(store(), "key_full");
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(*got, key);
}

TEST_P(StoreContractTest, KeyRoundTripsWithOptionalFieldsUnset) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ApiKey personal = MakeKey("key_personal", "pat", "pr_a", std::nullopt);
  personal.type = domain::KeyType::kPersonal;
  personal.resources = {};
  personal.origins.referrers = {};
  ApiKey quota_without_refill = MakeKey("key_quota", "q", "pr_a", "ns_a");
  quota_without_refill.quota =
      domain::Quota{.remaining = 0, .refill_interval = std::nullopt, .refill_amount = 0};
  quota_without_refill.rate_limit = domain::RateLimit{};
  quota_without_refill.expires_at = 0;  // set, at the epoch: not the same as unset
  for (const ApiKey& key : {personal, quota_without_refill}) {
    ASSERT_THAT(Insert(store(), key), IsOk());
    Result<ApiKey> got = GetKey(store(), key.id);
    ASSERT_THAT(got.status(), IsOk());
    EXPECT_EQ(*got, key);
  }
}

TEST_P(StoreContractTest, EveryDigestByteValueRoundTrips) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<ApiKey> keys;
  for (int k = 0; k < 8; ++k) {
    ApiKey key = MakeKey("key_d" + std::to_string(k), "d" + std::to_string(k), "pr_a", "ns_a");
    for (int i = 0; i < 32; ++i) key.digest[i] = static_cast<uint8_t>(k * 32 + i);
    keys.push_back(key);
  }
  ASSERT_THAT(InsertKeys(store(), keys), IsOk());
  for (const ApiKey& key : keys) EXPECT_EQ(GetKey(store(), key.id)->digest, key.digest) << key.id;
}

TEST_P(StoreContractTest, KeyIdAndNamePerOwnerAreUnique) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "ci", "pr_a", "ns_a")), IsOk());
  Status same_id = Insert(store(), MakeKey("key_1", "other", "pr_a", "ns_a"));
  EXPECT_THAT(same_id, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_id, MessageHas("key_1"));
  Status same_name = Insert(store(), MakeKey("key_2", "ci", "pr_a", "ns_b"));
  EXPECT_THAT(same_name, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_name, MessageHas("'ci'"));
  EXPECT_THAT(Insert(store(), MakeKey("key_3", "ci", "pr_b", "ns_a")), IsOk());  // another owner
}

TEST_P(StoreContractTest, InsertKeyWithMissingReferenceIsConflict) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  EXPECT_THAT(Insert(store(), MakeKey("key_1", "k", "pr_missing", "ns_a")),
              HasCode(ErrorCode::kConflict));
  EXPECT_THAT(Insert(store(), MakeKey("key_2", "k", "pr_a", "ns_missing")),
              HasCode(ErrorCode::kConflict));
  EXPECT_THAT(GetKey(store(), "key_1").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetKey(store(), "key_2").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, UpdateKeyReplacesEveryField) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "plain", "pr_a", "ns_a")), IsOk());
  ApiKey changed = MakeFullKey("key_1", "pr_b", "ns_b");
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateKey(changed); }), IsOk());
  EXPECT_EQ(GetKey(store(), "key_1").value(), changed);

  ApiKey cleared = MakeKey("key_1", "plain", "pr_a", std::nullopt);  // optionals back to unset
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateKey(cleared); }), IsOk());
  EXPECT_EQ(GetKey(store(), "key_1").value(), cleared);
}

TEST_P(StoreContractTest, UpdateKeyFailures) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "one", "pr_a", "ns_a")), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_2", "two", "pr_a", "ns_a")), IsOk());
  auto update = [&](const ApiKey& key) {
    return store().Write([&](Transaction& tx) { return tx.UpdateKey(key); });
  };
  EXPECT_THAT(update(MakeKey("key_missing", "x", "pr_a", "ns_a")), HasCode(ErrorCode::kNotFound));
  Status clash = update(MakeKey("key_2", "one", "pr_a", "ns_a"));
  EXPECT_THAT(clash, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(clash, MessageHas("'one'"));
  EXPECT_THAT(update(MakeKey("key_2", "two", "pr_missing", "ns_a")), HasCode(ErrorCode::kConflict));
  EXPECT_EQ(GetKey(store(), "key_2")->name, "two");
}

TEST_P(StoreContractTest, DeleteKey) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "k", "pr_a", "ns_a")), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeleteKey("key_1"); }), IsOk());
  EXPECT_THAT(GetKey(store(), "key_1").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(store().Write([](Transaction& tx) { return tx.DeleteKey("key_1"); }),
              HasCode(ErrorCode::kNotFound));
  // "Deleting it and creating a new key with that name brings it back" (DESIGN §1).
  EXPECT_THAT(Insert(store(), MakeKey("key_2", "k", "pr_a", "ns_a")), IsOk());
}

// --- Usage ---

Result<std::vector<StoredQuota>> RecordUsage(Store& store, const std::vector<KeyUsage>& usage) {
  std::vector<StoredQuota> stored;
  LK_RETURN_IF_ERROR(store.Write([&](Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(stored, tx.RecordUsage(usage));
    return Status::Ok();
  }));
  return stored;
}

// UTC midnights: the boundaries of daily refill periods.
constexpr domain::UnixMillis kDay = 86'400'000;
constexpr domain::UnixMillis kDay1 = 19'675 * kDay;  // 2023-11-14T00:00:00Z
constexpr domain::UnixMillis kDay2 = kDay1 + kDay;
constexpr domain::UnixMillis kDay3 = kDay2 + kDay;

// key_1 with `quota`, and nothing else that RecordUsage writes.
Status InsertKeyWithQuota(Store& store, const domain::Quota& quota) {
  ApiKey key = MakeKey("key_1", "k", "pr_a", "ns_a");
  key.quota = quota;
  return Insert(store, key);
}

TEST_P(StoreContractTest, RecordUsageSubtractsWhatWasSpentAndReturnsTheStoredQuota) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ApiKey key = MakeFullKey("key_1", "pr_a", "ns_a");
  key.quota = domain::Quota{.remaining = 100, .refill_interval = std::nullopt, .set_at = 5};
  ASSERT_THAT(Insert(store(), key), IsOk());

  Result<std::vector<StoredQuota>> stored =
      RecordUsage(store(), {{.id = "key_1", .quota_spent = 7, .quota_set_at = 5}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored, (std::vector<StoredQuota>{{.id = "key_1", .remaining = 93, .set_at = 5}}));
  key.quota->remaining = 93;
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);  // everything else kept, updated_at too

  // Two nodes' deltas both count, whatever their order.
  ASSERT_THAT(RecordUsage(store(), {{.id = "key_1", .quota_spent = 3, .quota_set_at = 5}}).status(),
              IsOk());
  stored = RecordUsage(store(), {{.id = "key_1", .quota_spent = 4, .quota_set_at = 5}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored, (std::vector<StoredQuota>{{.id = "key_1", .remaining = 86, .set_at = 5}}));

  // Nothing spent: nothing changes, and the stored quota is returned all the same.
  stored = RecordUsage(store(), {{.id = "key_1", .quota_spent = 0, .quota_set_at = 5}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(stored->at(0).remaining, 86);

  // Over-spending (several nodes) shows as a balance below zero.
  stored = RecordUsage(store(), {{.id = "key_1", .quota_spent = 90, .quota_set_at = 5}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(stored->at(0).remaining, -4);
  EXPECT_EQ(GetKey(store(), "key_1")->quota->remaining, -4);

  // Entries without quota use return nothing, and change nothing of the quota.
  stored = RecordUsage(store(), {{.id = "key_1"}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_TRUE(stored->empty());
  key.quota->remaining = -4;
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);
}

TEST_P(StoreContractTest, RecordUsageDropsUseOfAQuotaSetAnewSince) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(InsertKeyWithQuota(store(), {.remaining = 1000, .set_at = 20}), IsOk());
  Result<std::vector<StoredQuota>> stored =
      RecordUsage(store(), {{.id = "key_1", .quota_spent = 7, .quota_set_at = 10},
                            {.id = "key_1", .quota_spent = 1, .quota_set_at = 30}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored, (std::vector<StoredQuota>{{.id = "key_1", .remaining = 1000, .set_at = 20}}));
  EXPECT_EQ(GetKey(store(), "key_1")->quota->remaining, 1000);
}

TEST_P(StoreContractTest, RecordUsageOfARowWithoutSetAtIsOfSettingZero) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(InsertKeyWithQuota(store(), {.remaining = 10}), IsOk());
  ASSERT_THAT(RecordUsage(store(), {{.id = "key_1", .quota_spent = 1}}).status(), IsOk());
  EXPECT_EQ(GetKey(store(), "key_1")->quota->remaining, 9);
}

TEST_P(StoreContractTest, RecordUsageRefillsOncePerPeriodAndLosesNoUse) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(InsertKeyWithQuota(store(), {.remaining = 2,
                                           .refill_interval = "daily",
                                           .refill_amount = 10,
                                           .refilled_at = kDay1,
                                           .set_at = 1}),
              IsOk());
  auto use = [](std::int64_t spent, domain::UnixMillis period, bool refilled) {
    return KeyUsage{.id = "key_1",
                    .quota_spent = spent,
                    .quota_set_at = 1,
                    .quota_refilled_at = period,
                    .quota_next_refill_at = period + kDay,
                    .quota_refilled = refilled};
  };
  // Node A refilled at the second day's boundary and spent 3 since: the refill.
  Result<std::vector<StoredQuota>> stored = RecordUsage(store(), {use(3, kDay2, true)});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored, (std::vector<StoredQuota>{
                         {.id = "key_1", .remaining = 7, .set_at = 1, .refilled_at = kDay2}}));
  // Node B refilled for the same boundary and spent 2: subtracted, not a second refill.
  stored = RecordUsage(store(), {use(2, kDay2, true)});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(stored->at(0).remaining, 5);
  // Node C, late, still spent 1 in the first day: that period is over, its use dropped.
  stored = RecordUsage(store(), {use(1, kDay1, false)});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored, (std::vector<StoredQuota>{
                         {.id = "key_1", .remaining = 5, .set_at = 1, .refilled_at = kDay2}}));
  // The third day, several boundaries later for a node that did not see the second.
  stored = RecordUsage(store(), {use(4, kDay3 + 2 * kDay, true)});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(stored->at(0).remaining, 6);
  EXPECT_EQ(GetKey(store(), "key_1")->quota, (domain::Quota{.remaining = 6,
                                                            .refill_interval = "daily",
                                                            .refill_amount = 10,
                                                            .refilled_at = kDay3 + 2 * kDay,
                                                            .set_at = 1}));
}

TEST_P(StoreContractTest, RecordUsageTakesARefilledAtInsideThePeriodAsThatPeriod) {
  // Rows written before periods were named by their boundary hold the time of the refill.
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(InsertKeyWithQuota(store(), {.remaining = 8,
                                           .refill_interval = "daily",
                                           .refill_amount = 10,
                                           .refilled_at = kDay2 + 5 * 3'600'000}),
              IsOk());
  Result<std::vector<StoredQuota>> stored = RecordUsage(store(), {{.id = "key_1",
                                                                   .quota_spent = 1,
                                                                   .quota_refilled_at = kDay2,
                                                                   .quota_next_refill_at = kDay3,
                                                                   .quota_refilled = true}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored, (std::vector<StoredQuota>{
                         {.id = "key_1", .remaining = 7, .refilled_at = kDay2 + 5 * 3'600'000}}));
}

TEST_P(StoreContractTest, RecordUsageAnchorsAQuotaNeverRefilled) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(InsertKeyWithQuota(store(),
                                 {.remaining = 4, .refill_interval = "daily", .refill_amount = 10}),
              IsOk());
  // A first use on the first day anchors the quota there, keeping its balance.
  Result<std::vector<StoredQuota>> stored = RecordUsage(store(), {{.id = "key_1",
                                                                   .quota_spent = 1,
                                                                   .quota_refilled_at = kDay1,
                                                                   .quota_next_refill_at = kDay2,
                                                                   .quota_refilled = false}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored,
            (std::vector<StoredQuota>{{.id = "key_1", .remaining = 3, .refilled_at = kDay1}}));

  // A node that anchored and refilled before its first flush: the refill counts.
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeleteKey("key_1"); }), IsOk());
  ASSERT_THAT(InsertKeyWithQuota(store(),
                                 {.remaining = 4, .refill_interval = "daily", .refill_amount = 10}),
              IsOk());
  stored = RecordUsage(store(), {{.id = "key_1",
                                  .quota_spent = 1,
                                  .quota_refilled_at = kDay2,
                                  .quota_next_refill_at = kDay3,
                                  .quota_refilled = true}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored,
            (std::vector<StoredQuota>{{.id = "key_1", .remaining = 9, .refilled_at = kDay2}}));
}

TEST_P(StoreContractTest, RecordUsageIgnoresQuotaFieldsOfAKeyWithoutQuota) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ApiKey key = MakeKey("key_1", "k", "pr_a", "ns_a");
  ASSERT_THAT(Insert(store(), key), IsOk());
  Result<std::vector<StoredQuota>> stored = RecordUsage(store(), {{.id = "key_1",
                                                                   .quota_spent = 3,
                                                                   .quota_refilled_at = 9,
                                                                   .quota_next_refill_at = 10,
                                                                   .quota_refilled = true,
                                                                   .last_used_at = 1234,
                                                                   .last_used_ip = "::1"}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_TRUE(stored->empty());
  key.last_used_at = 1234;
  key.last_used_ip = "::1";
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);  // quota still unset
}

TEST_P(StoreContractTest, RecordUsageNeverMovesTheLastUseBack) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ApiKey key = MakeFullKey("key_1", "pr_a", "ns_a");  // last used at 1'700'000'000'999
  ASSERT_THAT(Insert(store(), key), IsOk());
  const domain::UnixMillis last = *key.last_used_at;

  // Another node flushing an older use, late: neither the time nor the ip goes back.
  ASSERT_THAT(RecordUsage(store(), {{.id = "key_1", .last_used_at = last - 1, .last_used_ip = "b"}})
                  .status(),
              IsOk());
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);
  // The same time: the given ip is taken.
  ASSERT_THAT(
      RecordUsage(store(), {{.id = "key_1", .last_used_at = last, .last_used_ip = "c"}}).status(),
      IsOk());
  key.last_used_ip = "c";
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);
  // A later time without an ip keeps the ip; an ip without a time is not written.
  ASSERT_THAT(RecordUsage(store(), {{.id = "key_1", .last_used_at = last + 1},
                                    {.id = "key_1", .last_used_ip = "d"}})
                  .status(),
              IsOk());
  key.last_used_at = last + 1;
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);
  ASSERT_THAT(RecordUsage(store(), {{.id = "key_1", .last_used_at = last + 2, .last_used_ip = "e"}})
                  .status(),
              IsOk());
  key.last_used_at = last + 2;
  key.last_used_ip = "e";
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);

  // A key never used takes any time.
  ApiKey fresh = MakeKey("key_2", "two", "pr_a", "ns_a");
  ASSERT_THAT(Insert(store(), fresh), IsOk());
  ASSERT_THAT(
      RecordUsage(store(), {{.id = "key_2", .last_used_at = 5, .last_used_ip = "f"}}).status(),
      IsOk());
  EXPECT_EQ(GetKey(store(), "key_2")->last_used_at, 5);
  EXPECT_EQ(GetKey(store(), "key_2")->last_used_ip, "f");
}

TEST_P(StoreContractTest, RecordUsageSkipsKeysThatNoLongerExist) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "one", "pr_a", "ns_a")), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_2", "two", "pr_a", "ns_a")), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeleteKey("key_1"); }), IsOk());
  Result<std::vector<StoredQuota>> stored =
      RecordUsage(store(), {{.id = "key_1", .quota_spent = 1, .last_used_at = 10},
                            {.id = "key_missing", .quota_spent = 1, .last_used_at = 11},
                            {.id = "key_2", .last_used_at = 12}});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_TRUE(stored->empty());
  EXPECT_THAT(GetKey(store(), "key_1").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_EQ(GetKey(store(), "key_2")->last_used_at, 12);  // after the skipped ones
}

TEST_P(StoreContractTest, RecordUsageAppliesEntriesInOrder) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(
      InsertKeyWithQuota(
          store(),
          {.remaining = 5, .refill_interval = "daily", .refill_amount = 10, .refilled_at = kDay1}),
      IsOk());
  auto use = [](std::int64_t spent, domain::UnixMillis period) {
    return KeyUsage{.id = "key_1",
                    .quota_spent = spent,
                    .quota_refilled_at = period,
                    .quota_next_refill_at = period + kDay,
                    .quota_refilled = period != kDay1};
  };
  KeyUsage first_use = use(1, kDay1);
  first_use.last_used_at = 10;
  first_use.last_used_ip = "a";
  KeyUsage older_use = use(2, kDay1);  // after the refill below: dropped
  older_use.last_used_at = 5;
  older_use.last_used_ip = "b";
  Result<std::vector<StoredQuota>> stored =
      RecordUsage(store(), {first_use, use(2, kDay1), use(3, kDay2), older_use, use(1, kDay2)});
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(*stored,
            (std::vector<StoredQuota>{{.id = "key_1", .remaining = 6, .refilled_at = kDay2}}));
  ApiKey got = GetKey(store(), "key_1").value();
  EXPECT_EQ(got.quota->remaining, 6);
  EXPECT_EQ(got.last_used_at, 10);
  EXPECT_EQ(got.last_used_ip, "a");
}

TEST_P(StoreContractTest, RecordUsageRollsBackWithItsWrite) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  const ApiKey key = MakeFullKey("key_1", "pr_a", "ns_a");
  ASSERT_THAT(Insert(store(), key), IsOk());
  Status status = store().Write([&](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.RecordUsage({{.id = "key_1",
                                        .quota_spent = 40,
                                        .quota_set_at = key.quota->set_at,
                                        .last_used_at = *key.last_used_at + 1,
                                        .last_used_ip = "::2"}})
                           .status());
    return Unavailable("disk went away");
  });
  EXPECT_THAT(status, HasCode(ErrorCode::kUnavailable));
  EXPECT_EQ(GetKey(store(), "key_1").value(), key);
}

TEST_P(StoreContractTest, RecordUsageOfTenThousandKeysInOneWrite) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  constexpr int kKeys = 10'000;
  std::vector<ApiKey> keys;
  std::vector<KeyUsage> usage;
  for (int i = 0; i < kKeys; ++i) {
    ApiKey key = MakeKey("key_u" + std::to_string(i), "u" + std::to_string(i), "pr_a", "ns_a");
    if (i % 2 == 0) {
      key.quota = domain::Quota{.remaining = 1000,
                                .refill_interval = "daily",
                                .refill_amount = 5,
                                .refilled_at = kDay1,
                                .set_at = 3};
    }
    keys.push_back(key);
    usage.push_back({.id = key.id,
                     .quota_spent = i % 1000,
                     .quota_set_at = 3,
                     .quota_refilled_at = i % 4 == 0 ? kDay1 : kDay2,
                     .quota_next_refill_at = i % 4 == 0 ? kDay2 : kDay3,
                     .quota_refilled = true,
                     .last_used_at = 2'000'000'000'000 + i,
                     .last_used_ip = "198.51.100." + std::to_string(i % 256)});
  }
  ASSERT_THAT(InsertKeys(store(), keys), IsOk());

  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<StoredQuota>> stored = RecordUsage(store(), usage);
  ASSERT_THAT(stored.status(), IsOk());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // One transaction, one commit: far below this even under sanitizers. A backend that wrote
  // each entry in a transaction of its own (an fsync each) would not be.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  RecordProperty(
      "record_usage_10k_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));

  // Keys with a quota: the same period (i % 4 == 0) subtracts, a new one refills.
  auto expected_quota = [](int i) {
    return i % 4 == 0 ? StoredQuota{.id = "key_u" + std::to_string(i),
                                    .remaining = 1000 - i % 1000,
                                    .set_at = 3,
                                    .refilled_at = kDay1}
                      : StoredQuota{.id = "key_u" + std::to_string(i),
                                    .remaining = 5 - i % 1000,
                                    .set_at = 3,
                                    .refilled_at = kDay2};
  };
  ASSERT_EQ(stored->size(), static_cast<std::size_t>(kKeys / 2));
  for (const StoredQuota& q : *stored) {
    const int i = std::stoi(q.id.substr(5));
    EXPECT_EQ(q, expected_quota(i));
  }
  int seen = 0;
  ASSERT_THAT(store().ForEachKey([&](const ApiKey& key) -> Status {
    const int i = std::stoi(key.id.substr(5));
    ++seen;
    EXPECT_EQ(key.last_used_at, 2'000'000'000'000 + i) << key.id;
    EXPECT_EQ(key.last_used_ip, "198.51.100." + std::to_string(i % 256)) << key.id;
    EXPECT_EQ(key.updated_at, keys[i].updated_at) << key.id;
    if (i % 2 == 0) {
      const StoredQuota q = expected_quota(i);
      EXPECT_EQ(key.quota, (domain::Quota{.remaining = q.remaining,
                                          .refill_interval = "daily",
                                          .refill_amount = 5,
                                          .refilled_at = q.refilled_at,
                                          .set_at = 3}))
          << key.id;
    } else {
      EXPECT_EQ(key.quota, std::nullopt) << key.id;
    }
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(seen, kKeys);
}

// --- Groups ---

// SeedOwners plus two more principals without keys, "pr_c" (carol) and "pr_d" (dave), and an
// organization "ns_c".
Status SeedMembers(Store& store) {
  LK_RETURN_IF_ERROR(SeedOwners(store));
  return store.Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_c", "org-c")));
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(MakePrincipal("pr_c", "carol", "ns_a")));
    return tx.InsertPrincipal(MakePrincipal("pr_d", "dave", ""));
  });
}

TEST_P(StoreContractTest, GroupRoundTripsEveryFieldWithMembersSorted) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  Group group = MakeGroup("grp_1", "Ops 🛠 Ünïcödé", "ns_a", {"pr_d", "pr_a", "pr_c"}, 1234);
  group.description = "on call: \"quoted\", back\\slash, newline\n, 日本語";
  group.capabilities = {"keys:write", "groups:read", "*"};  // stored as given, not sorted
  group.updated_at = 5678;
  ASSERT_THAT(Insert(store(), group), IsOk());

  Result<Group> got = GetGroup(store(), "grp_1");
  ASSERT_THAT(got.status(), IsOk());
  Group expected = group;
  expected.members = {"pr_a", "pr_c", "pr_d"};
  EXPECT_EQ(*got, expected);

  Group empty = MakeGroup("grp_2", "empty", "ns_b");
  empty.capabilities = {};
  empty.description = "";
  ASSERT_THAT(Insert(store(), empty), IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_2").value(), empty);
}

TEST_P(StoreContractTest, GetMissingGroupIsNotFound) {
  EXPECT_THAT(GetGroup(store(), "grp_missing").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, GroupIdAndNamePerNamespaceAreUnique) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a")), IsOk());
  Status same_id = Insert(store(), MakeGroup("grp_1", "other", "ns_b"));
  EXPECT_THAT(same_id, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_id, MessageHas("grp_1"));
  Status same_name = Insert(store(), MakeGroup("grp_2", "ops", "ns_a"));
  EXPECT_THAT(same_name, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_name, MessageHas("'ops'"));
  EXPECT_THAT(Insert(store(), MakeGroup("grp_3", "ops", "ns_b")), IsOk());  // another namespace
  EXPECT_EQ(GetGroup(store(), "grp_1")->namespace_id, "ns_a");
  EXPECT_THAT(GetGroup(store(), "grp_2").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, InsertGroupWithMissingNamespaceIsConflict) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  EXPECT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_missing", {"pr_a"})),
              HasCode(ErrorCode::kConflict));
  EXPECT_THAT(GetGroup(store(), "grp_1").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, InsertGroupWithUnknownMemberIsConflict) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  Status status = Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_a", "pr_ghost"}));
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("pr_ghost"));
  EXPECT_THAT(GetGroup(store(), "grp_1").status(), HasCode(ErrorCode::kNotFound));
  // A member must be a principal, not any other kind of id.
  EXPECT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"ns_a"})),
              HasCode(ErrorCode::kConflict));
}

TEST_P(StoreContractTest, DuplicateMembersCollapse) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_b", "pr_a", "pr_b"})), IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_1")->members, (std::vector<std::string>{"pr_a", "pr_b"}));
}

TEST_P(StoreContractTest, GroupMembersAreVisibleInTheirWrite) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(MakePrincipal("pr_new", "new", "ns_a")));
    LK_RETURN_IF_ERROR(tx.InsertGroup(MakeGroup("grp_1", "ops", "ns_a", {"pr_new"})));
    LK_ASSIGN_OR_RETURN(Group got, tx.GetGroup("grp_1"));
    EXPECT_EQ(got.members, std::vector<std::string>{"pr_new"});
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_1")->members, std::vector<std::string>{"pr_new"});
}

TEST_P(StoreContractTest, UpdateGroupReplacesAllButIdNamespaceAndCreatedAt) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  Group original = MakeGroup("grp_1", "ops", "ns_a", {"pr_a", "pr_b"}, 1000);
  ASSERT_THAT(Insert(store(), original), IsOk());

  Group changed = MakeGroup("grp_1", "ops-2", "ns_b", {"pr_d", "pr_c"}, 7777);
  changed.description = "new";
  changed.capabilities = {"keys:write", "keys:read"};
  changed.updated_at = 9999;
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateGroup(changed); }), IsOk());
  Group expected = changed;
  expected.namespace_id = "ns_a";  // unchanged
  expected.created_at = 1000;      // unchanged
  expected.members = {"pr_c", "pr_d"};
  EXPECT_EQ(GetGroup(store(), "grp_1").value(), expected);

  Group emptied = expected;
  emptied.members = {};
  emptied.capabilities = {};
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdateGroup(emptied); }), IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_1").value(), emptied);
}

TEST_P(StoreContractTest, UpdateGroupFailures) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_a"})), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_2", "dev", "ns_a", {"pr_b"})), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_3", "qa", "ns_b")), IsOk());
  auto update = [&](const Group& group) {
    return store().Write([&](Transaction& tx) { return tx.UpdateGroup(group); });
  };
  EXPECT_THAT(update(MakeGroup("grp_missing", "x", "ns_a")), HasCode(ErrorCode::kNotFound));
  Status clash = update(MakeGroup("grp_2", "ops", "ns_a", {"pr_b"}));
  EXPECT_THAT(clash, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(clash, MessageHas("'ops'"));
  Status ghost = update(MakeGroup("grp_2", "dev-2", "ns_a", {"pr_a", "pr_ghost"}));
  EXPECT_THAT(ghost, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(ghost, MessageHas("pr_ghost"));
  Group unchanged = GetGroup(store(), "grp_2").value();
  EXPECT_EQ(unchanged.name, "dev");
  EXPECT_EQ(unchanged.members, std::vector<std::string>{"pr_b"});
  // Names are unique per namespace: "qa" is taken in ns_b only.
  EXPECT_THAT(update(MakeGroup("grp_2", "qa", "ns_a", {"pr_b"})), IsOk());
}

TEST_P(StoreContractTest, DeleteGroupRemovesItsMemberships) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_a", "pr_c"})), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeleteGroup("grp_1"); }), IsOk());
  EXPECT_THAT(GetGroup(store(), "grp_1").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(store().Write([](Transaction& tx) { return tx.DeleteGroup("grp_1"); }),
              HasCode(ErrorCode::kNotFound));
  GroupFilter of_carol;
  of_carol.member_id = "pr_c";
  EXPECT_THAT(ListAllGroups(store(), of_carol, 10).value(), ::testing::IsEmpty());
  // The principals stay, and a new group under the old id and name starts without members.
  EXPECT_THAT(GetPrincipal(store(), "pr_c").status(), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a")), IsOk());
  EXPECT_THAT(GetGroup(store(), "grp_1")->members, ::testing::IsEmpty());
}

TEST_P(StoreContractTest, DeletePrincipalRemovesItsMemberships) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_a", "pr_c"})), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_2", "dev", "ns_b", {"pr_c", "pr_d"})), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeletePrincipal("pr_c"); }), IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_1")->members, std::vector<std::string>{"pr_a"});
  EXPECT_EQ(GetGroup(store(), "grp_2")->members, std::vector<std::string>{"pr_d"});
  GroupFilter of_carol;
  of_carol.member_id = "pr_c";
  EXPECT_THAT(ListAllGroups(store(), of_carol, 10).value(), ::testing::IsEmpty());
  // A principal of the same id later is not a member of anything.
  ASSERT_THAT(Insert(store(), MakePrincipal("pr_c", "carol-2", "ns_a")), IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_1")->members, std::vector<std::string>{"pr_a"});
}

TEST_P(StoreContractTest, DeletePrincipalWithKeysStaysConflictAndKeepsMemberships) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "k", "pr_a", "ns_a")), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_a", "pr_c"})), IsOk());
  Status status = store().Write([](Transaction& tx) { return tx.DeletePrincipal("pr_a"); });
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("pr_a"));
  EXPECT_THAT(GetPrincipal(store(), "pr_a").status(), IsOk());
  EXPECT_EQ(GetGroup(store(), "grp_1")->members, (std::vector<std::string>{"pr_a", "pr_c"}));
}

TEST_P(StoreContractTest, DeleteNamespaceWithGroupsIsConflict) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_c", {"pr_a"})), IsOk());
  Status status = store().Write([](Transaction& tx) { return tx.DeleteNamespace("ns_c"); });
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("ns_c"));
  EXPECT_THAT(GetNamespace(store(), "ns_c").status(), IsOk());
  EXPECT_THAT(GetGroup(store(), "grp_1").status(), IsOk());
  // What the service does: the namespace's groups first, in the same transaction.
  ASSERT_THAT(store().Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.DeleteGroup("grp_1"));
    return tx.DeleteNamespace("ns_c");
  }),
              IsOk());
  EXPECT_THAT(GetNamespace(store(), "ns_c").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetPrincipal(store(), "pr_a").status(), IsOk());
}

// --- Audit log ---

TEST_P(StoreContractTest, AuditEventRoundTripsEveryField) {
  AuditEvent full = MakeEvent(1, "groups.add_member", "ns_x");  // no such namespace: fine
  full.outcome = domain::AuditOutcome::kDenied;
  full.details_json = R"({"reason":"ünïcödé ✓","changed":["name","scopes"],"n":1.5})";
  full.source_ip = "2001:db8::1";
  AuditEvent sparse;  // every optional string empty: must read back empty, not missing
  sparse.seq = 2;
  sparse.time = 0;
  sparse.action = "setup.init";
  ASSERT_THAT(AppendAll(store(), {full, sparse}), IsOk());
  Result<std::vector<AuditEvent>> listed = ListAllAuditEvents(store(), {}, 10);
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_EQ(*listed, (std::vector<AuditEvent>{full, sparse}));
}

TEST_P(StoreContractTest, LastAuditEventIsTheHighestSeq) {
  Result<std::optional<AuditEvent>> none = LastAuditEvent(store());
  ASSERT_THAT(none.status(), IsOk());
  EXPECT_EQ(*none, std::nullopt);

  ASSERT_THAT(AppendAll(store(), {MakeEvent(1), MakeEvent(2), MakeEvent(3)}), IsOk());
  EXPECT_EQ(LastAuditEvent(store()).value(), MakeEvent(3));
  // By seq, not by when it was appended.
  ASSERT_THAT(Append(store(), MakeEvent(10)), IsOk());
  ASSERT_THAT(Append(store(), MakeEvent(5)), IsOk());
  EXPECT_EQ(LastAuditEvent(store()).value(), MakeEvent(10));
}

TEST_P(StoreContractTest, LastAuditEventSeesItsOwnWrite) {
  ASSERT_THAT(Append(store(), MakeEvent(1)), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(std::optional<AuditEvent> last, tx.LastAuditEvent());
    EXPECT_EQ(last, MakeEvent(1));
    AuditEvent next = MakeEvent(last->seq + 1);
    next.prev_hash = last->hash;
    LK_RETURN_IF_ERROR(tx.AppendAuditEvent(next));
    LK_ASSIGN_OR_RETURN(last, tx.LastAuditEvent());
    EXPECT_EQ(last, next);
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(LastAuditEvent(store()).value()->prev_hash, MakeEvent(1).hash);
}

TEST_P(StoreContractTest, AppendingATakenSeqIsConflict) {
  ASSERT_THAT(AppendAll(store(), {MakeEvent(1), MakeEvent(2)}), IsOk());
  AuditEvent again = MakeEvent(2, "keys.revoke");
  Status status = Append(store(), again);
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(status, MessageHas("2"));
  EXPECT_EQ(LastAuditEvent(store()).value(), MakeEvent(2));  // the first one stays
  EXPECT_EQ(ListAllAuditEvents(store(), {}, 10)->size(), 2u);
}

TEST_P(StoreContractTest, AuditEventsListInSeqOrderWithoutGapsOrDuplicates) {
  std::vector<AuditEvent> evens;
  std::vector<AuditEvent> odds;
  for (int seq = 1; seq <= 25; ++seq) {
    AuditEvent event = MakeEvent(seq);
    event.time = 5000 - seq;  // time order is not listing order
    (seq % 2 ? odds : evens).push_back(event);
  }
  ASSERT_THAT(AppendAll(store(), evens), IsOk());
  ASSERT_THAT(AppendAll(store(), odds), IsOk());
  std::vector<std::size_t> page_sizes;
  Result<std::vector<AuditEvent>> listed = ListAllAuditEvents(store(), {}, 10, &page_sizes);
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{10, 10, 5}));
  std::vector<std::int64_t> expected(25);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(SeqsOf(*listed), expected);
  EXPECT_EQ(listed->at(6), odds[3]);  // seq 7, the full row

  page_sizes.clear();
  ASSERT_THAT(ListAllAuditEvents(store(), {}, 5, &page_sizes).status(), IsOk());
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{5, 5, 5, 5, 5}));  // no empty last page
}

TEST_P(StoreContractTest, AuditCursorSurvivesAppendsBetweenPages) {
  std::vector<AuditEvent> events;
  for (int seq = 1; seq <= 6; ++seq) events.push_back(MakeEvent(seq));
  ASSERT_THAT(AppendAll(store(), events), IsOk());
  Result<Page<AuditEvent>> first = ReadValue<Page<AuditEvent>>(store(), [](Transaction& tx) {
    return tx.ListAuditEvents({}, PageRequest{.cursor = "", .limit = 4});
  });
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_EQ(SeqsOf(first->items), (std::vector<std::int64_t>{1, 2, 3, 4}));
  ASSERT_THAT(AppendAll(store(), {MakeEvent(7), MakeEvent(8)}), IsOk());
  Result<Page<AuditEvent>> second = ReadValue<Page<AuditEvent>>(store(), [&](Transaction& tx) {
    return tx.ListAuditEvents({}, PageRequest{.cursor = first->next_cursor, .limit = 4});
  });
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_EQ(SeqsOf(second->items), (std::vector<std::int64_t>{5, 6, 7, 8}));
  EXPECT_EQ(second->next_cursor, "");
}

// 36 events over two namespaces and none, actors known by principal, key or both, a few actions
// (with look-alikes of the prefix "keys.") and targets, and times with ties.
std::vector<AuditEvent> MakeAuditMatrix() {
  const char* namespaces[] = {"ns_a", "ns_b", ""};
  const char* actions[] = {"keys.create",    "keys.revoke", "groups.add_member",
                           "keysmith.forge", "keys",        "keys/odd"};
  const std::pair<const char*, const char*> actors[] = {
      {"pr_a", "key_1"}, {"pr_b", "key_2"}, {"", "key_1"}, {"pr_a", ""}};
  const char* targets[] = {"key_1", "grp_1", ""};
  std::vector<AuditEvent> events;
  for (int seq = 1; seq <= 36; ++seq) {
    AuditEvent event = MakeEvent(seq, actions[(seq * 5) % 6], namespaces[seq % 3]);
    event.actor_principal = actors[seq % 4].first;
    event.actor_key = actors[seq % 4].second;
    event.target = targets[(seq / 2) % 3];
    event.time = 1000 + 10 * (seq / 2);
    event.outcome = seq % 7 ? domain::AuditOutcome::kSuccess : domain::AuditOutcome::kDenied;
    events.push_back(event);
  }
  return events;
}

// The meaning of AuditFilter (store.h), written out.
bool AuditFilterMatches(const AuditFilter& f, const AuditEvent& e) {
  if (f.namespace_id && e.namespace_id != *f.namespace_id) return false;
  if (f.namespace_ids && !Contains(*f.namespace_ids, e.namespace_id) &&
      !(f.include_unscoped && e.namespace_id.empty())) {
    return false;
  }
  if (f.actor && e.actor_principal != *f.actor && e.actor_key != *f.actor) return false;
  if (f.target && e.target != *f.target) return false;
  if (f.action) {
    const bool prefix = f.action->ends_with('.');
    if (prefix ? !e.action.starts_with(*f.action) : e.action != *f.action) return false;
  }
  if (f.since && e.time < *f.since) return false;
  if (f.until && e.time >= *f.until) return false;
  return true;
}

TEST_P(StoreContractTest, AuditFiltersCombineWithAnd) {
  const std::vector<AuditEvent> events = MakeAuditMatrix();
  ASSERT_THAT(AppendAll(store(), events), IsOk());
  std::vector<AuditFilter> filters(20);
  filters[1].namespace_id = "ns_a";
  filters[2].namespace_ids = std::vector<std::string>{"ns_a", "ns_missing"};
  filters[3].namespace_ids = std::vector<std::string>{"ns_a", "ns_b"};
  filters[3].include_unscoped = false;
  filters[4].namespace_ids = std::vector<std::string>{};  // with the unscoped events only
  filters[5].namespace_ids = std::vector<std::string>{};
  filters[5].include_unscoped = false;  // nothing
  filters[6].actor = "pr_a";            // as actor_principal
  filters[7].actor = "key_1";           // as actor_key
  filters[8].target = "grp_1";
  filters[9].action = "keys.create";
  filters[10].action = "keys.";  // not "keys", "keys/odd" or "keysmith.forge"
  filters[11].action = "keys";
  filters[12].since = 1050;
  filters[13].until = 1050;
  filters[14].since = 1050;
  filters[14].until = 1100;
  filters[15].namespace_id = "ns_b";
  filters[15].actor = "key_1";
  filters[15].action = "keys.";
  filters[16].namespace_ids = std::vector<std::string>{"ns_b"};
  filters[16].target = "key_1";
  filters[16].since = 1020;
  filters[17].actor = "nobody";
  filters[18].namespace_id = "ns_a";
  filters[18].namespace_ids = std::vector<std::string>{"ns_b"};
  filters[18].include_unscoped = false;  // disjoint: nothing
  filters[19].since = 1100;
  filters[19].until = 1100;  // empty range
  std::size_t non_empty = 0;
  for (std::size_t i = 0; i < filters.size(); ++i) {
    std::vector<std::int64_t> expected;
    for (const AuditEvent& e : events) {
      if (AuditFilterMatches(filters[i], e)) expected.push_back(e.seq);
    }
    non_empty += expected.empty() ? 0 : 1;
    Result<std::vector<AuditEvent>> listed = ListAllAuditEvents(store(), filters[i], 4);
    ASSERT_THAT(listed.status(), IsOk()) << "filter " << i;
    EXPECT_EQ(SeqsOf(*listed), expected) << "filter " << i;
  }
  EXPECT_GE(non_empty, 14u);  // the matrix exercises the filters
}

TEST_P(StoreContractTest, AuditActionPrefixAndTimeBoundsByExample) {
  AuditEvent a = MakeEvent(1, "keys.create");
  AuditEvent b = MakeEvent(2, "keys");
  AuditEvent c = MakeEvent(3, "keysmith.forge");
  AuditEvent d = MakeEvent(4, "keys.roll.finish");
  a.time = 100;
  b.time = 200;
  c.time = 300;
  d.time = 400;
  ASSERT_THAT(AppendAll(store(), {a, b, c, d}), IsOk());
  AuditFilter keys;
  keys.action = "keys.";
  EXPECT_EQ(SeqsOf(ListAllAuditEvents(store(), keys, 10).value()),
            (std::vector<std::int64_t>{1, 4}));
  AuditFilter window;
  window.since = 200;  // inclusive
  window.until = 400;  // exclusive
  EXPECT_EQ(SeqsOf(ListAllAuditEvents(store(), window, 10).value()),
            (std::vector<std::int64_t>{2, 3}));
}

// --- Passwords and sessions ---

// What libsodium's crypto_pwhash_str writes; the store keeps it as an opaque string.
constexpr char kHashA[] =
    "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";
constexpr char kHashB[] =
    "$argon2id$v=19$m=65536,t=2,p=1$b3RoZXJzYWx0b3RoZXJzYQ$b3RoZXJoYXNob3RoZXJoYXNob3RoZXJoYXNo";

Status SetPassword(Store& store, const std::string& principal_id, const std::string& hash) {
  return store.Write([&](Transaction& tx) { return tx.SetPasswordHash(principal_id, hash, 5000); });
}

Result<std::string> GetPasswordHash(Store& store, const std::string& principal_id) {
  return ReadValue<std::string>(store,
                                [&](Transaction& tx) { return tx.GetPasswordHash(principal_id); });
}

domain::Session MakeSession(const std::string& id, const std::string& principal_id,
                            domain::UnixMillis expires_at, std::uint8_t digest_byte) {
  domain::Session session;
  session.id = id;
  session.principal_id = principal_id;
  session.digest.fill(digest_byte);
  session.digest[0] = 0x00;  // every byte value must survive, as for key digests
  session.digest[31] = 0xff;
  session.created_at = 1000;
  session.expires_at = expires_at;
  return session;
}

Status Insert(Store& store, const domain::Session& session) {
  return store.Write([&](Transaction& tx) { return tx.InsertSession(session); });
}

Result<domain::Session> GetSession(Store& store, const domain::Digest& digest) {
  return ReadValue<domain::Session>(store,
                                    [&](Transaction& tx) { return tx.GetSessionByDigest(digest); });
}

Result<std::int64_t> WriteCount(Store& store,
                                const std::function<Result<std::int64_t>(Transaction&)>& fn) {
  std::int64_t count = -1;
  LK_RETURN_IF_ERROR(store.Write([&](Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(count, fn(tx));
    return Status::Ok();
  }));
  return count;
}

TEST_P(StoreContractTest, PasswordHashRoundTripsAndShowsAsHasPassword) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  EXPECT_FALSE(GetPrincipal(store(), "pr_a")->has_password);
  EXPECT_THAT(GetPasswordHash(store(), "pr_a").status(), HasCode(ErrorCode::kNotFound));

  ASSERT_THAT(SetPassword(store(), "pr_a", kHashA), IsOk());
  EXPECT_EQ(GetPasswordHash(store(), "pr_a").value(), kHashA);
  EXPECT_TRUE(GetPrincipal(store(), "pr_a")->has_password);
  EXPECT_FALSE(GetPrincipal(store(), "pr_b")->has_password);
  EXPECT_TRUE(ReadValue<Principal>(store(), [](Transaction& tx) {
                return tx.GetPrincipalByName("alice");
              })->has_password);
  auto listed = ReadValue<Page<Principal>>(
      store(), [](Transaction& tx) { return tx.ListPrincipals({}, {.cursor = "", .limit = 10}); });
  ASSERT_THAT(listed.status(), IsOk());
  for (const Principal& p : listed->items) EXPECT_EQ(p.has_password, p.id == "pr_a") << p.id;
  std::set<std::string> with_password;
  ASSERT_THAT(store().ForEachPrincipal([&](const Principal& p) {
    if (p.has_password) with_password.insert(p.id);
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(with_password, std::set<std::string>{"pr_a"});

  ASSERT_THAT(SetPassword(store(), "pr_a", kHashB), IsOk());  // replaces
  EXPECT_EQ(GetPasswordHash(store(), "pr_a").value(), kHashB);
}

TEST_P(StoreContractTest, PasswordOfAMissingPrincipalIsNotFound) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  EXPECT_THAT(SetPassword(store(), "pr_missing", kHashA), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetPasswordHash(store(), "pr_missing").status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, InsertAndUpdatePrincipalIgnoreHasPassword) {
  ASSERT_THAT(Insert(store(), MakeNamespace("ns_a", "org")), IsOk());
  Principal claims = MakePrincipal("pr_a", "alice", "ns_a");
  claims.has_password = true;
  ASSERT_THAT(Insert(store(), claims), IsOk());
  EXPECT_FALSE(GetPrincipal(store(), "pr_a")->has_password);

  ASSERT_THAT(SetPassword(store(), "pr_a", kHashA), IsOk());
  Principal renamed = MakePrincipal("pr_a", "alice-2", "ns_a");  // has_password false
  ASSERT_THAT(store().Write([&](Transaction& tx) { return tx.UpdatePrincipal(renamed); }), IsOk());
  EXPECT_TRUE(GetPrincipal(store(), "pr_a")->has_password);
  EXPECT_EQ(GetPasswordHash(store(), "pr_a").value(), kHashA);
}

TEST_P(StoreContractTest, PrincipalsFilterByEmail) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  Principal carol = MakePrincipal("pr_c", "carol", "ns_a", 1001);
  carol.email = "team@example.com";
  Principal dave = MakePrincipal("pr_d", "dave", "ns_b", 1002);
  dave.email = "team@example.com";
  Principal erin = MakePrincipal("pr_e", "erin", "ns_a", 1003);
  erin.email = "Team@example.com";  // a different address to the store: compared exactly
  for (const Principal& p : {carol, dave, erin}) ASSERT_THAT(Insert(store(), p), IsOk());
  PrincipalFilter filter;
  filter.email = "team@example.com";
  auto listed = ReadValue<Page<Principal>>(store(), [&](Transaction& tx) {
    return tx.ListPrincipals(filter, {.cursor = "", .limit = 10});
  });
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_EQ(IdsOf(listed->items), (std::vector<std::string>{"pr_c", "pr_d"}));
  filter.email = "nobody@example.com";
  listed = ReadValue<Page<Principal>>(store(), [&](Transaction& tx) {
    return tx.ListPrincipals(filter, {.cursor = "", .limit = 10});
  });
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_TRUE(listed->items.empty());
}

TEST_P(StoreContractTest, SessionRoundTripsByDigest) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  domain::Session session = MakeSession("ses_1", "pr_a", 1'900'000'000'000, 0x5a);
  ASSERT_THAT(Insert(store(), session), IsOk());
  EXPECT_EQ(GetSession(store(), session.digest).value(), session);
  domain::Digest other = session.digest;
  other[7] ^= 1;
  EXPECT_THAT(GetSession(store(), other).status(), HasCode(ErrorCode::kNotFound));
  // Expired sessions are still found: the caller decides (and deletes them).
  domain::Session expired = MakeSession("ses_2", "pr_b", 1, 0x33);
  ASSERT_THAT(Insert(store(), expired), IsOk());
  EXPECT_EQ(GetSession(store(), expired.digest).value(), expired);
}

TEST_P(StoreContractTest, SessionIdAndDigestAreUniqueAndNeedAPrincipal) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeSession("ses_1", "pr_a", 5000, 0x01)), IsOk());
  Status same_id = Insert(store(), MakeSession("ses_1", "pr_b", 5000, 0x02));
  EXPECT_THAT(same_id, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(same_id, MessageHas("ses_1"));
  EXPECT_THAT(Insert(store(), MakeSession("ses_2", "pr_b", 5000, 0x01)),
              HasCode(ErrorCode::kConflict));
  EXPECT_THAT(Insert(store(), MakeSession("ses_3", "pr_missing", 5000, 0x03)),
              HasCode(ErrorCode::kConflict));
  domain::Digest digest;
  digest.fill(0x03);
  digest[0] = 0x00;
  digest[31] = 0xff;
  EXPECT_THAT(GetSession(store(), digest).status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, DeleteSession) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  domain::Session session = MakeSession("ses_1", "pr_a", 5000, 0x01);
  ASSERT_THAT(Insert(store(), session), IsOk());
  auto delete_session = [&](const std::string& id) {
    return store().Write([&](Transaction& tx) { return tx.DeleteSession(id); });
  };
  ASSERT_THAT(delete_session("ses_1"), IsOk());
  EXPECT_THAT(GetSession(store(), session.digest).status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(delete_session("ses_1"), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, DeleteExpiredSessionsDeletesThoseAtOrBeforeNow) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<domain::Session> sessions = {
      MakeSession("ses_1", "pr_a", 4999, 0x01), MakeSession("ses_2", "pr_b", 5000, 0x02),
      MakeSession("ses_3", "pr_a", 5001, 0x03), MakeSession("ses_4", "pr_b", 9000, 0x04)};
  for (const auto& session : sessions) ASSERT_THAT(Insert(store(), session), IsOk());
  auto deleted =
      WriteCount(store(), [](Transaction& tx) { return tx.DeleteExpiredSessions(5000); });
  ASSERT_THAT(deleted.status(), IsOk());
  EXPECT_EQ(*deleted, 2);
  for (const auto& session : sessions) {
    EXPECT_EQ(GetSession(store(), session.digest).ok(), session.expires_at > 5000) << session.id;
  }
  deleted = WriteCount(store(), [](Transaction& tx) { return tx.DeleteExpiredSessions(5000); });
  EXPECT_EQ(deleted.value(), 0);
}

TEST_P(StoreContractTest, DeleteSessionsOfAPrincipalExceptOne) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<domain::Session> sessions = {
      MakeSession("ses_1", "pr_a", 5000, 0x01), MakeSession("ses_2", "pr_a", 5000, 0x02),
      MakeSession("ses_3", "pr_a", 5000, 0x03), MakeSession("ses_4", "pr_b", 5000, 0x04)};
  for (const auto& session : sessions) ASSERT_THAT(Insert(store(), session), IsOk());
  auto deleted =
      WriteCount(store(), [](Transaction& tx) { return tx.DeleteSessionsOf("pr_a", "ses_2"); });
  EXPECT_EQ(deleted.value(), 2);
  EXPECT_THAT(GetSession(store(), sessions[0].digest).status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetSession(store(), sessions[1].digest).status(), IsOk());
  EXPECT_THAT(GetSession(store(), sessions[2].digest).status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetSession(store(), sessions[3].digest).status(), IsOk());
  deleted = WriteCount(store(), [](Transaction& tx) { return tx.DeleteSessionsOf("pr_a", ""); });
  EXPECT_EQ(deleted.value(), 1);
  EXPECT_THAT(GetSession(store(), sessions[3].digest).status(), IsOk());
}

TEST_P(StoreContractTest, DeletePrincipalDeletesItsPasswordAndSessions) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(SetPassword(store(), "pr_a", kHashA), IsOk());
  domain::Session session = MakeSession("ses_1", "pr_a", 5000, 0x01);
  ASSERT_THAT(Insert(store(), session), IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.DeletePrincipal("pr_a"); }), IsOk());
  EXPECT_THAT(GetSession(store(), session.digest).status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetPasswordHash(store(), "pr_a").status(), HasCode(ErrorCode::kNotFound));
  // A new principal with the old id starts with neither.
  ASSERT_THAT(Insert(store(), MakePrincipal("pr_a", "alice", "ns_a")), IsOk());
  EXPECT_FALSE(GetPrincipal(store(), "pr_a")->has_password);
  EXPECT_THAT(GetSession(store(), session.digest).status(), HasCode(ErrorCode::kNotFound));
}

TEST_P(StoreContractTest, PasswordAndSessionWritesRollBackWithTheirWrite) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  domain::Session session = MakeSession("ses_1", "pr_a", 5000, 0x01);
  Status status = store().Write([&](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.SetPasswordHash("pr_a", kHashA, 5000));
    LK_RETURN_IF_ERROR(tx.InsertSession(session));
    return Conflict("the change failed later");
  });
  EXPECT_THAT(status, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(GetPasswordHash(store(), "pr_a").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetSession(store(), session.digest).status(), HasCode(ErrorCode::kNotFound));
}

// --- Settings ---

TEST_P(StoreContractTest, Settings) {
  EXPECT_THAT(
      ReadValue<std::string>(store(), [](Transaction& tx) { return tx.GetSetting("missing"); })
          .status(),
      HasCode(ErrorCode::kNotFound));
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.PutSetting("initialized_at", "1"); }),
              IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.PutSetting("initialized_at", "2"); }),
              IsOk());
  ASSERT_THAT(store().Write([](Transaction& tx) { return tx.PutSetting("empty", ""); }), IsOk());
  EXPECT_EQ(ReadValue<std::string>(store(),
                                   [](Transaction& tx) { return tx.GetSetting("initialized_at"); })
                .value(),
            "2");
  EXPECT_EQ(ReadValue<std::string>(store(), [](Transaction& tx) { return tx.GetSetting("empty"); })
                .value(),
            "");
}

// --- Transactions ---

TEST_P(StoreContractTest, WriteSeesItsOwnChangesAndCommits) {
  ASSERT_THAT(store().Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_1", "one")));
    LK_ASSIGN_OR_RETURN(Namespace ns, tx.GetNamespace("ns_1"));
    EXPECT_EQ(ns.name, "one");
    return tx.InsertPrincipal(MakePrincipal("pr_1", "p", "ns_1"));
  }),
              IsOk());
  EXPECT_THAT(GetNamespace(store(), "ns_1").status(), IsOk());
  EXPECT_THAT(GetPrincipal(store(), "pr_1").status(), IsOk());
}

TEST_P(StoreContractTest, WriteRollsBackEverythingWhenFnFails) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  const Group group = MakeGroup("grp_a", "ops", "ns_a", {"pr_a", "pr_b"});
  ASSERT_THAT(Insert(store(), group), IsOk());
  ASSERT_THAT(Append(store(), MakeEvent(1)), IsOk());
  Status status = store().Write([](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_new", "new")));
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(MakePrincipal("pr_new", "new", "ns_new")));
    LK_RETURN_IF_ERROR(tx.InsertKey(MakeKey("key_new", "new", "pr_new", "ns_new")));
    LK_RETURN_IF_ERROR(tx.UpdatePrincipal(MakePrincipal("pr_a", "renamed", "ns_a")));
    LK_RETURN_IF_ERROR(tx.DeletePrincipal("pr_b"));
    LK_RETURN_IF_ERROR(tx.PutSetting("s", "v"));
    LK_RETURN_IF_ERROR(tx.InsertGroup(MakeGroup("grp_new", "new", "ns_new", {"pr_new", "pr_a"})));
    LK_RETURN_IF_ERROR(tx.UpdateGroup(MakeGroup("grp_a", "renamed", "ns_a")));
    LK_RETURN_IF_ERROR(tx.AppendAuditEvent(MakeEvent(2)));
    return PermissionDenied("changed my mind");
  });
  EXPECT_THAT(status, HasCode(ErrorCode::kPermissionDenied));
  EXPECT_EQ(status.message(), "changed my mind");  // fn's status, as is

  EXPECT_THAT(GetNamespace(store(), "ns_new").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetPrincipal(store(), "pr_new").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetKey(store(), "key_new").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_EQ(GetPrincipal(store(), "pr_a")->name, "alice");
  EXPECT_THAT(GetPrincipal(store(), "pr_b").status(), IsOk());
  EXPECT_THAT(
      ReadValue<std::string>(store(), [](Transaction& tx) { return tx.GetSetting("s"); }).status(),
      HasCode(ErrorCode::kNotFound));
  EXPECT_THAT(GetGroup(store(), "grp_new").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_EQ(GetGroup(store(), "grp_a").value(), group);  // pr_b's membership is back too
  EXPECT_EQ(LastAuditEvent(store()).value(), MakeEvent(1));
}

TEST_P(StoreContractTest, MutatorsInsideReadAreInternal) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  ASSERT_THAT(Insert(store(), MakeKey("key_1", "k", "pr_a", "ns_a")), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "ops", "ns_a", {"pr_a"})), IsOk());
  Status status = store().Read([](Transaction& tx) {
    EXPECT_THAT(tx.InsertNamespace(MakeNamespace("ns_x", "x")), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.UpdateNamespace(MakeNamespace("ns_a", "x")), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeleteNamespace("ns_b"), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.InsertPrincipal(MakePrincipal("pr_x", "x", "ns_a")),
                HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.UpdatePrincipal(MakePrincipal("pr_a", "x", "ns_a")),
                HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeletePrincipal("pr_b"), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.InsertKey(MakeKey("key_x", "x", "pr_a", "ns_a")), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.UpdateKey(MakeKey("key_1", "x", "pr_a", "ns_a")), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeleteKey("key_1"), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.PutSetting("s", "v"), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.InsertGroup(MakeGroup("grp_x", "x", "ns_a")), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.UpdateGroup(MakeGroup("grp_1", "x", "ns_a")), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeleteGroup("grp_1"), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.AppendAuditEvent(MakeEvent(1)), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.RecordUsage({{.id = "key_1", .last_used_at = 5}}).status(),
                HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.SetPasswordHash("pr_a", kHashA, 5), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.InsertSession(MakeSession("ses_x", "pr_a", 5000, 0x01)),
                HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeleteSession("ses_x"), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeleteExpiredSessions(5000).status(), HasCode(ErrorCode::kInternal));
    EXPECT_THAT(tx.DeleteSessionsOf("pr_a", "").status(), HasCode(ErrorCode::kInternal));
    return Status::Ok();
  });
  EXPECT_THAT(status, IsOk());
  EXPECT_THAT(GetNamespace(store(), "ns_x").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_EQ(GetNamespace(store(), "ns_a")->name, "org-a");
  EXPECT_THAT(GetNamespace(store(), "ns_b").status(), IsOk());
  EXPECT_THAT(GetPrincipal(store(), "pr_b").status(), IsOk());
  EXPECT_EQ(GetKey(store(), "key_1")->name, "k");
  EXPECT_EQ(GetKey(store(), "key_1")->last_used_at, std::nullopt);
  EXPECT_EQ(GetGroup(store(), "grp_1")->name, "ops");
  EXPECT_THAT(GetGroup(store(), "grp_x").status(), HasCode(ErrorCode::kNotFound));
  EXPECT_EQ(LastAuditEvent(store()).value(), std::nullopt);
  EXPECT_FALSE(GetPrincipal(store(), "pr_a")->has_password);
}

TEST_P(StoreContractTest, ReadReturnsFnStatus) {
  Status status = store().Read([](Transaction&) { return Unavailable("from fn"); });
  EXPECT_THAT(status, HasCode(ErrorCode::kUnavailable));
  EXPECT_EQ(status.message(), "from fn");
}

// --- Listings ---

TEST_P(StoreContractTest, KeysPageInCreatedAtIdOrderWithoutGapsOrDuplicates) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<ApiKey> keys = InsertKeysWithTies(store(), 25);
  std::vector<std::size_t> page_sizes;
  Result<std::vector<ApiKey>> listed = ListAllKeys(store(), {}, 10, &page_sizes);
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{10, 10, 5}));
  EXPECT_EQ(IdsOf(*listed), IdsInListingOrder(keys));
  EXPECT_EQ(listed->front(),
            GetKey(store(), listed->front().id).value());  // full rows, not just ids
}

TEST_P(StoreContractTest, LastFullPageHasNoCursor) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  InsertKeysWithTies(store(), 20);
  std::vector<std::size_t> page_sizes;
  ASSERT_THAT(ListAllKeys(store(), {}, 10, &page_sizes).status(), IsOk());
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{10, 10}));  // no empty third page
}

TEST_P(StoreContractTest, EmptyListingHasNoCursor) {
  Result<Page<ApiKey>> page = ReadValue<Page<ApiKey>>(store(), [](Transaction& tx) {
    return tx.ListKeys({}, PageRequest{.cursor = "", .limit = 10});
  });
  ASSERT_THAT(page.status(), IsOk());
  EXPECT_TRUE(page->items.empty());
  EXPECT_EQ(page->next_cursor, "");
}

TEST_P(StoreContractTest, CursorSurvivesInsertsBetweenPages) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<ApiKey> keys = InsertKeysWithTies(store(), 10);
  Result<Page<ApiKey>> first = ReadValue<Page<ApiKey>>(store(), [](Transaction& tx) {
    return tx.ListKeys({}, PageRequest{.cursor = "", .limit = 4});
  });
  ASSERT_THAT(first.status(), IsOk());
  ApiKey late = MakeKey("key_late", "late", "pr_a", "ns_a", 9999);
  ASSERT_THAT(Insert(store(), late), IsOk());
  keys.push_back(late);

  std::vector<ApiKey> all = first->items;
  std::string cursor = first->next_cursor;
  while (!cursor.empty()) {
    Result<Page<ApiKey>> page = ReadValue<Page<ApiKey>>(store(), [&](Transaction& tx) {
      return tx.ListKeys({}, PageRequest{.cursor = cursor, .limit = 4});
    });
    ASSERT_THAT(page.status(), IsOk());
    all.insert(all.end(), page->items.begin(), page->items.end());
    cursor = page->next_cursor;
  }
  EXPECT_EQ(IdsOf(all), IdsInListingOrder(keys));
}

// 36 keys spread over both owners, both namespaces, every status and two types.
std::vector<ApiKey> MakeKeyMatrix() {
  const domain::KeyStatus statuses[] = {domain::KeyStatus::kActive, domain::KeyStatus::kDisabled,
                                        domain::KeyStatus::kRevoked};
  const domain::KeyType types[] = {domain::KeyType::kStandard, domain::KeyType::kManagement};
  std::vector<ApiKey> keys;
  for (int i = 0; i < 36; ++i) {
    ApiKey key = MakeKey("key_" + std::to_string(1000 + i), "k" + std::to_string(i),
                         i % 2 ? "pr_a" : "pr_b", (i / 2) % 2 ? "ns_a" : "ns_b", 100 + i);
    key.status = statuses[(i / 4) % 3];
    key.type = types[(i / 12) % 2];
    keys.push_back(key);
  }
  return keys;
}

// `filter` restricted to the namespaces `namespace_ids`.
template <typename Filter>
Filter InNamespaces(Filter filter, const std::vector<std::string>& namespace_ids) {
  filter.namespace_ids = namespace_ids;
  return filter;
}

TEST_P(StoreContractTest, KeyFiltersCombineWithAnd) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<ApiKey> keys = MakeKeyMatrix();
  ApiKey personal = MakeKey("key_personal", "pat", "pr_a", std::nullopt, 150);
  personal.type = domain::KeyType::kPersonal;
  keys.push_back(personal);  // in no namespace
  ASSERT_THAT(InsertKeys(store(), keys), IsOk());
  using domain::KeyStatus;
  using domain::KeyType;
  const KeyFilter no_filter;
  const KeyFilter filters[] = {
      KeyFilterOf(std::nullopt, std::nullopt, std::nullopt, std::nullopt),
      KeyFilterOf("ns_a", std::nullopt, std::nullopt, std::nullopt),
      KeyFilterOf(std::nullopt, "pr_b", std::nullopt, std::nullopt),
      KeyFilterOf(std::nullopt, std::nullopt, KeyStatus::kRevoked, std::nullopt),
      KeyFilterOf(std::nullopt, std::nullopt, std::nullopt, KeyType::kManagement),
      KeyFilterOf("ns_b", "pr_a", KeyStatus::kActive, std::nullopt),
      KeyFilterOf("ns_a", "pr_a", KeyStatus::kDisabled, KeyType::kStandard),
      KeyFilterOf("ns_missing", std::nullopt, std::nullopt, std::nullopt),
      KeyFilterOf(std::nullopt, std::nullopt, std::nullopt, KeyType::kPersonal),
      InNamespaces(no_filter, {}),  // matches nothing
      InNamespaces(no_filter, {"ns_a"}),
      InNamespaces(no_filter, {"ns_a", "ns_b", "ns_missing"}),  // not the personal key
      InNamespaces(KeyFilterOf(std::nullopt, "pr_a", KeyStatus::kActive, std::nullopt), {"ns_b"}),
      InNamespaces(KeyFilterOf("ns_a", std::nullopt, std::nullopt, std::nullopt), {"ns_b"}),
  };
  for (const KeyFilter& filter : filters) {
    std::vector<ApiKey> expected;
    std::copy_if(keys.begin(), keys.end(), std::back_inserter(expected), [&](const ApiKey& k) {
      return (!filter.namespace_id || k.namespace_id == filter.namespace_id) &&
             (!filter.namespace_ids ||
              (k.namespace_id && Contains(*filter.namespace_ids, *k.namespace_id))) &&
             (!filter.owner_id || k.owner_id == *filter.owner_id) &&
             (!filter.status || k.status == *filter.status) &&
             (!filter.type || k.type == *filter.type);
    });
    Result<std::vector<ApiKey>> listed = ListAllKeys(store(), filter, 3);
    ASSERT_THAT(listed.status(), IsOk());
    EXPECT_EQ(IdsOf(*listed), IdsInListingOrder(expected));
    Result<std::int64_t> count =
        ReadValue<std::int64_t>(store(), [&](Transaction& tx) { return tx.CountKeys(filter); });
    ASSERT_THAT(count.status(), IsOk());
    EXPECT_EQ(*count, static_cast<std::int64_t>(expected.size()));
  }
}

TEST_P(StoreContractTest, NamespaceFiltersAndPagination) {
  std::vector<Namespace> all;
  all.push_back(MakeNamespace("ns_p1", "p1", std::nullopt, 1));
  all.push_back(MakeNamespace("ns_p2", "p2", std::nullopt, 2));
  for (int i = 0; i < 12; ++i) {
    Namespace ns = MakeNamespace("ns_c" + std::to_string(10 + i), "c" + std::to_string(i),
                                 i % 3 ? "ns_p1" : "ns_p2", 50 - i);
    ns.kind = i % 2 ? domain::NamespaceKind::kUserGroup : domain::NamespaceKind::kWorkspace;
    all.push_back(ns);
  }
  for (const Namespace& ns : all) ASSERT_THAT(Insert(store(), ns), IsOk());
  auto with_ids = [](NamespaceFilter filter, std::vector<std::string> ids) {
    filter.ids = std::move(ids);
    return filter;
  };
  const NamespaceFilter filters[] = {
      NamespaceFilterOf(std::nullopt, std::nullopt),
      NamespaceFilterOf("ns_p1", std::nullopt),
      NamespaceFilterOf(std::nullopt, domain::NamespaceKind::kOrganization),
      NamespaceFilterOf("ns_p1", domain::NamespaceKind::kUserGroup),
      with_ids({}, {}),  // matches nothing
      with_ids({}, {"ns_p1", "ns_c10", "ns_c11", "ns_c15", "ns_missing"}),
      with_ids(NamespaceFilterOf("ns_p1", std::nullopt), {"ns_p1", "ns_c10", "ns_c11"}),
      with_ids(NamespaceFilterOf(std::nullopt, domain::NamespaceKind::kUserGroup),
               {"ns_c10", "ns_c11", "ns_c13", "ns_c14"}),
  };
  for (const NamespaceFilter& filter : filters) {
    std::vector<Namespace> expected;
    std::copy_if(all.begin(), all.end(), std::back_inserter(expected), [&](const Namespace& ns) {
      return (!filter.parent_id || ns.parent_id == filter.parent_id) &&
             (!filter.kind || ns.kind == *filter.kind) &&
             (!filter.ids || Contains(*filter.ids, ns.id));
    });
    Result<std::vector<Namespace>> listed = ListAll<Namespace>(
        store(),
        [&](Transaction& tx, const PageRequest& p) { return tx.ListNamespaces(filter, p); }, 4);
    ASSERT_THAT(listed.status(), IsOk());
    EXPECT_EQ(IdsOf(*listed), IdsInListingOrder(expected));
  }
}

TEST_P(StoreContractTest, PrincipalFiltersAndPagination) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<Principal> all = {GetPrincipal(store(), "pr_a").value(),
                                GetPrincipal(store(), "pr_b").value()};
  for (int i = 0; i < 14; ++i) {
    Principal p = MakePrincipal("pr_" + std::to_string(10 + i), "user" + std::to_string(i),
                                i % 2 ? "ns_a" : "ns_b", 2000 - (i % 4));
    p.kind = i % 3 ? domain::PrincipalKind::kUser : domain::PrincipalKind::kServiceAccount;
    p.status = i % 5 ? domain::PrincipalStatus::kActive : domain::PrincipalStatus::kDisabled;
    all.push_back(p);
    ASSERT_THAT(Insert(store(), p), IsOk());
  }
  all.push_back(MakePrincipal("pr_homeless", "homeless", "", 1999));  // no home namespace
  ASSERT_THAT(Insert(store(), all.back()), IsOk());
  using domain::PrincipalKind;
  using domain::PrincipalStatus;
  const PrincipalFilter no_filter;
  const PrincipalFilter filters[] = {
      PrincipalFilterOf(std::nullopt, std::nullopt, std::nullopt),
      PrincipalFilterOf("ns_a", std::nullopt, std::nullopt),
      PrincipalFilterOf(std::nullopt, PrincipalKind::kServiceAccount, std::nullopt),
      PrincipalFilterOf(std::nullopt, std::nullopt, PrincipalStatus::kDisabled),
      PrincipalFilterOf("ns_b", PrincipalKind::kUser, PrincipalStatus::kActive),
      InNamespaces(no_filter, {}),  // matches nothing
      InNamespaces(no_filter, {"ns_a"}),
      InNamespaces(no_filter, {"ns_a", "ns_b"}),  // not the principal without a home
      InNamespaces(PrincipalFilterOf(std::nullopt, PrincipalKind::kUser, std::nullopt),
                   {"ns_b", "ns_missing"}),
      InNamespaces(PrincipalFilterOf("ns_a", std::nullopt, std::nullopt), {"ns_b"}),
  };
  for (const PrincipalFilter& filter : filters) {
    std::vector<Principal> expected;
    std::copy_if(all.begin(), all.end(), std::back_inserter(expected), [&](const Principal& p) {
      return (!filter.namespace_id || p.namespace_id == *filter.namespace_id) &&
             (!filter.namespace_ids || Contains(*filter.namespace_ids, p.namespace_id)) &&
             (!filter.kind || p.kind == *filter.kind) &&
             (!filter.status || p.status == *filter.status);
    });
    Result<std::vector<Principal>> listed = ListAll<Principal>(
        store(),
        [&](Transaction& tx, const PageRequest& p) { return tx.ListPrincipals(filter, p); }, 3);
    ASSERT_THAT(listed.status(), IsOk());
    EXPECT_EQ(IdsOf(*listed), IdsInListingOrder(expected));
  }
}

TEST_P(StoreContractTest, UndecodableCursorIsInvalidArgument) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  const std::string bad_cursors[] = {"zz",
                                     "abc",
                                     "not a cursor!",
                                     "6e6f636f6c6f6e" /*nocolon*/,
                                     "3a6b6579" /*":key"*/,
                                     std::string(2000, 'a')};
  for (const std::string& cursor : bad_cursors) {
    const PageRequest page{.cursor = cursor, .limit = 10};
    Status status = store().Read([&](Transaction& tx) {
      EXPECT_THAT(tx.ListKeys({}, page).status(), HasCode(ErrorCode::kInvalidArgument)) << cursor;
      EXPECT_THAT(tx.ListPrincipals({}, page).status(), HasCode(ErrorCode::kInvalidArgument));
      EXPECT_THAT(tx.ListNamespaces({}, page).status(), HasCode(ErrorCode::kInvalidArgument));
      EXPECT_THAT(tx.ListGroups({}, page).status(), HasCode(ErrorCode::kInvalidArgument));
      EXPECT_THAT(tx.ListAuditEvents({}, page).status(), HasCode(ErrorCode::kInvalidArgument));
      Status s = tx.ListKeys({}, page).status();
      EXPECT_THAT(s, MessageHas("invalid cursor"));
      return Status::Ok();
    });
    EXPECT_THAT(status, IsOk());
  }
}

TEST_P(StoreContractTest, CursorsOfOtherListingsAreInvalidArgument) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  InsertKeysWithTies(store(), 3);
  std::vector<AuditEvent> events = {MakeEvent(1), MakeEvent(2), MakeEvent(3)};
  ASSERT_THAT(AppendAll(store(), events), IsOk());
  Status status = store().Read([](Transaction& tx) -> Status {
    const PageRequest first{.cursor = "", .limit = 1};
    LK_ASSIGN_OR_RETURN(Page<ApiKey> keys, tx.ListKeys({}, first));
    LK_ASSIGN_OR_RETURN(Page<AuditEvent> audit, tx.ListAuditEvents({}, first));
    EXPECT_THAT(tx.ListAuditEvents({}, {.cursor = keys.next_cursor, .limit = 1}).status(),
                HasCode(ErrorCode::kInvalidArgument));
    EXPECT_THAT(tx.ListKeys({}, {.cursor = audit.next_cursor, .limit = 1}).status(),
                HasCode(ErrorCode::kInvalidArgument));
    return Status::Ok();
  });
  EXPECT_THAT(status, IsOk());
}

// 15 groups over three namespaces with different members, created_at ties (2 groups per ms),
// inserted out of listing order.
std::vector<Group> MakeGroupMatrix() {
  const char* namespaces[] = {"ns_a", "ns_b", "ns_c"};
  const std::vector<std::string> member_sets[] = {
      {}, {"pr_a"}, {"pr_b", "pr_c"}, {"pr_a", "pr_b", "pr_c", "pr_d"}, {"pr_d"}};
  std::vector<Group> groups;
  for (int i = 0; i < 15; ++i) {
    const int n = (i * 4) % 15;
    groups.push_back(MakeGroup("grp_" + std::to_string(100 + n), "g" + std::to_string(n),
                               namespaces[n % 3], member_sets[(n / 3) % 5], 3000 + n / 2));
  }
  return groups;
}

TEST_P(StoreContractTest, GroupFiltersAndPagination) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  const std::vector<Group> groups = MakeGroupMatrix();
  ASSERT_THAT(store().Write([&](Transaction& tx) -> Status {
    for (const Group& group : groups) LK_RETURN_IF_ERROR(tx.InsertGroup(group));
    return Status::Ok();
  }),
              IsOk());
  auto filter_of = [](std::optional<std::string> namespace_id,
                      std::optional<std::vector<std::string>> namespace_ids,
                      std::optional<std::string> member_id) {
    GroupFilter filter;
    filter.namespace_id = std::move(namespace_id);
    filter.namespace_ids = std::move(namespace_ids);
    filter.member_id = std::move(member_id);
    return filter;
  };
  using Ids = std::vector<std::string>;
  const GroupFilter filters[] = {
      filter_of(std::nullopt, std::nullopt, std::nullopt),
      filter_of("ns_a", std::nullopt, std::nullopt),
      filter_of(std::nullopt, Ids{}, std::nullopt),  // matches nothing
      filter_of(std::nullopt, Ids{"ns_a", "ns_c", "ns_missing"}, std::nullopt),
      filter_of(std::nullopt, std::nullopt, "pr_b"),
      filter_of(std::nullopt, std::nullopt, "pr_d"),
      filter_of(std::nullopt, std::nullopt, "pr_missing"),
      filter_of("ns_b", std::nullopt, "pr_a"),
      filter_of(std::nullopt, Ids{"ns_b", "ns_c"}, "pr_c"),
      filter_of("ns_a", Ids{"ns_b"}, std::nullopt),  // disjoint: nothing
  };
  for (const GroupFilter& filter : filters) {
    std::vector<Group> expected;
    std::copy_if(groups.begin(), groups.end(), std::back_inserter(expected), [&](const Group& g) {
      return (!filter.namespace_id || g.namespace_id == *filter.namespace_id) &&
             (!filter.namespace_ids || Contains(*filter.namespace_ids, g.namespace_id)) &&
             (!filter.member_id || Contains(g.members, *filter.member_id));
    });
    Result<std::vector<Group>> listed = ListAllGroups(store(), filter, 4);
    ASSERT_THAT(listed.status(), IsOk());
    EXPECT_EQ(IdsOf(*listed), IdsInListingOrder(expected));
    for (const Group& group : *listed) {
      EXPECT_EQ(group, GetGroup(store(), group.id).value());  // full rows, members included
    }
  }
}

// --- Streaming ---

TEST_P(StoreContractTest, ForEachKeyVisitsEveryKeyOnce) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::vector<ApiKey> keys = {MakeFullKey("key_1", "pr_a", "ns_a"),
                              MakeKey("key_2", "two", "pr_b", std::nullopt),
                              MakeKey("key_3", "three", "pr_a", "ns_b")};
  for (const ApiKey& key : keys) ASSERT_THAT(Insert(store(), key), IsOk());
  std::vector<ApiKey> seen;
  ASSERT_THAT(store().ForEachKey([&](const ApiKey& key) {
    seen.push_back(key);
    return Status::Ok();
  }),
              IsOk());
  auto by_id = [](const ApiKey& a, const ApiKey& b) { return a.id < b.id; };
  std::sort(seen.begin(), seen.end(), by_id);
  EXPECT_EQ(seen, keys);
}

TEST_P(StoreContractTest, ForEachPrincipalVisitsEveryPrincipalOnce) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  std::multiset<std::string> seen;
  ASSERT_THAT(store().ForEachPrincipal([&](const Principal& p) {
    seen.insert(p.id);
    EXPECT_EQ(p, GetPrincipal(store(), p.id).value());
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(seen, (std::multiset<std::string>{"pr_a", "pr_b"}));
}

TEST_P(StoreContractTest, ForEachGroupVisitsEveryGroupOnce) {
  ASSERT_THAT(SeedMembers(store()), IsOk());
  std::vector<Group> groups = {MakeGroup("grp_1", "ops", "ns_a", {"pr_a", "pr_c"}),
                               MakeGroup("grp_2", "dev", "ns_b"),
                               MakeGroup("grp_3", "ops", "ns_c", {"pr_d"})};
  for (const Group& group : groups) ASSERT_THAT(Insert(store(), group), IsOk());
  std::vector<Group> seen;
  ASSERT_THAT(store().ForEachGroup([&](const Group& group) {
    seen.push_back(group);
    return Status::Ok();
  }),
              IsOk());
  std::sort(seen.begin(), seen.end(), [](const Group& a, const Group& b) { return a.id < b.id; });
  EXPECT_EQ(seen, groups);
}

TEST_P(StoreContractTest, ForEachAuditEventVisitsEveryEventInSeqOrder) {
  ASSERT_THAT(AppendAll(store(), {MakeEvent(3), MakeEvent(1)}), IsOk());
  ASSERT_THAT(AppendAll(store(), {MakeEvent(4), MakeEvent(2)}), IsOk());
  std::vector<AuditEvent> seen;
  ASSERT_THAT(store().ForEachAuditEvent([&](const AuditEvent& event) {
    seen.push_back(event);
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(seen,
            (std::vector<AuditEvent>{MakeEvent(1), MakeEvent(2), MakeEvent(3), MakeEvent(4)}));
}

TEST_P(StoreContractTest, ForEachStopsAtFirstCallbackError) {
  ASSERT_THAT(SeedOwners(store()), IsOk());
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(
        Insert(store(), MakeKey("key_" + std::to_string(i), std::to_string(i), "pr_a", "ns_a")),
        IsOk());
  }
  int calls = 0;
  Status keys = store().ForEachKey([&](const ApiKey&) {
    return ++calls == 3 ? Status(ErrorCode::kTooLarge, "enough") : Status::Ok();
  });
  EXPECT_THAT(keys, HasCode(ErrorCode::kTooLarge));
  EXPECT_EQ(keys.message(), "enough");
  EXPECT_EQ(calls, 3);

  calls = 0;
  Status principals = store().ForEachPrincipal([&](const Principal&) {
    ++calls;
    return NotFound("stop");
  });
  EXPECT_THAT(principals, HasCode(ErrorCode::kNotFound));
  EXPECT_EQ(calls, 1);

  ASSERT_THAT(Insert(store(), MakeGroup("grp_1", "one", "ns_a")), IsOk());
  ASSERT_THAT(Insert(store(), MakeGroup("grp_2", "two", "ns_a")), IsOk());
  calls = 0;
  Status groups = store().ForEachGroup([&](const Group&) {
    ++calls;
    return Conflict("stop");
  });
  EXPECT_THAT(groups, HasCode(ErrorCode::kConflict));
  EXPECT_EQ(calls, 1);

  ASSERT_THAT(AppendAll(store(), {MakeEvent(1), MakeEvent(2), MakeEvent(3)}), IsOk());
  std::vector<std::int64_t> seqs;
  Status audit = store().ForEachAuditEvent([&](const AuditEvent& event) {
    seqs.push_back(event.seq);
    return seqs.size() == 2 ? Unavailable("stop") : Status::Ok();
  });
  EXPECT_THAT(audit, HasCode(ErrorCode::kUnavailable));
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2}));
}

TEST_P(StoreContractTest, ForEachOnEmptyStoreCallsNothing) {
  int calls = 0;
  EXPECT_THAT(store().ForEachKey([&](const ApiKey&) { return ++calls, Status::Ok(); }), IsOk());
  EXPECT_THAT(store().ForEachPrincipal([&](const Principal&) { return ++calls, Status::Ok(); }),
              IsOk());
  EXPECT_THAT(store().ForEachGroup([&](const Group&) { return ++calls, Status::Ok(); }), IsOk());
  EXPECT_THAT(store().ForEachAuditEvent([&](const AuditEvent&) { return ++calls, Status::Ok(); }),
              IsOk());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace latchkey::store
