// PostgresStore against a real PostgreSQL: the Store contract suite, plus what only this backend
// has (migrations under concurrency, lost connections, refused schemas). The server comes from
// LATCHKEY_TEST_POSTGRES_URL (ctest starts a private cluster with scripts/pg-test-cluster.sh and
// sets it); without it, every test here is skipped. Each store gets a fresh schema of its own,
// dropped when the store is destroyed.

#include "store/postgres/postgres_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <limits>
#include <thread>
#include <vector>

#include "store/postgres/connection.h"
#include "store/postgres/embedded_migrations.h"
#include "store/store_contract_test.h"

namespace latchkey::store::postgres {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUrlVariable[] = "LATCHKEY_TEST_POSTGRES_URL";

std::string ServerUrl() {
  const char* url = std::getenv(kUrlVariable);
  return url != nullptr ? url : "";
}

std::string SkipReason() {
  return ServerUrl().empty() ? std::string(kUrlVariable) +
                                   " is not set: no PostgreSQL to test against (ctest starts one "
                                   "with scripts/pg-test-cluster.sh)"
                             : "";
}

#define LK_SKIP_WITHOUT_POSTGRES() \
  if (ServerUrl().empty()) GTEST_SKIP() << SkipReason()

// A connection for the test itself (creating schemas, killing sessions).
std::unique_ptr<Connection> Admin() {
  ConnectOptions options;
  options.url = ServerUrl();
  options.application_name = "latchkey-test-admin";
  Result<std::unique_ptr<Connection>> conn = Connection::Open(options);
  EXPECT_TRUE(conn.ok()) << conn.status().message();
  return conn.ok() ? std::move(*conn) : nullptr;
}

// A schema of its own for one test, dropped with everything in it on destruction.
class ScratchSchema {
 public:
  ScratchSchema() {
    static std::atomic<int> counter{0};
    name_ = "lk_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    admin_ = Admin();
    if (admin_ != nullptr) {
      Status created = admin_->Exec("CREATE SCHEMA " + name_, "creating a test schema");
      EXPECT_TRUE(created.ok()) << created.message();
    }
  }
  ~ScratchSchema() {
    if (admin_ != nullptr) (void)admin_->Exec("DROP SCHEMA " + name_ + " CASCADE", "cleaning up");
  }
  ScratchSchema(const ScratchSchema&) = delete;
  ScratchSchema& operator=(const ScratchSchema&) = delete;

  const std::string& name() const { return name_; }
  Connection& admin() { return *admin_; }
  PostgresOptions Options() const {
    PostgresOptions options;
    options.url = ServerUrl();
    options.schema = name_;
    return options;
  }

 private:
  std::string name_;
  std::unique_ptr<Connection> admin_;
};

// A PostgresStore on a fresh schema, which it drops when destroyed (after closing the store):
// what the contract suite's factory hands out.
class ScratchPostgresStore final : public Store {
 public:
  static std::unique_ptr<Store> Make() {
    auto schema = std::make_unique<ScratchSchema>();
    Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(schema->Options());
    if (!store.ok()) {
      ADD_FAILURE() << "PostgresStore::Open: " << store.status().message();
      return nullptr;
    }
    return std::unique_ptr<Store>(new ScratchPostgresStore(std::move(schema), std::move(*store)));
  }

  Status Write(const std::function<Status(Transaction&)>& fn) override { return store_->Write(fn); }
  Status Read(const std::function<Status(Transaction&)>& fn) override { return store_->Read(fn); }
  Status ForEachPrincipal(const std::function<Status(const domain::Principal&)>& fn) override {
    return store_->ForEachPrincipal(fn);
  }
  Status ForEachKey(const std::function<Status(const domain::ApiKey&)>& fn) override {
    return store_->ForEachKey(fn);
  }
  Status ForEachGroup(const std::function<Status(const domain::Group&)>& fn) override {
    return store_->ForEachGroup(fn);
  }
  Status ForEachAuditEvent(const std::function<Status(const domain::AuditEvent&)>& fn) override {
    return store_->ForEachAuditEvent(fn);
  }

 private:
  ScratchPostgresStore(std::unique_ptr<ScratchSchema> schema, std::unique_ptr<PostgresStore> store)
      : schema_(std::move(schema)), store_(std::move(store)) {}

  std::unique_ptr<ScratchSchema> schema_;  // destroyed last
  std::unique_ptr<PostgresStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(StoreBackend{"Postgres", &ScratchPostgresStore::Make,
                                                        SkipReason()}),
                         StoreBackendName);

Result<std::int64_t> CountRows(Connection& conn, const std::string& sql) {
  LK_ASSIGN_OR_RETURN(Rows rows, conn.Query(sql, "counting"));
  return rows.Int64(0, 0);
}

Status PutSetting(Store& store, const std::string& name) {
  return store.Write([&](Transaction& tx) { return tx.PutSetting(name, "v"); });
}

Status ReadSetting(Store& store, const std::string& name) {
  return store.Read([&](Transaction& tx) { return tx.GetSetting(name).status(); });
}

// Ends every session of `application_name`, as a server restart or a failover would.
void TerminateSessions(Connection& admin, const std::string& application_name) {
  Result<Rows> killed = admin.Execute(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
      Params().Text(application_name), "terminating sessions");
  ASSERT_TRUE(killed.ok()) << killed.status().message();
  ASSERT_GT(killed->size(), 0);
}

TEST(PostgresStore, MigrationsApplyOnceWhenNodesStartTogether) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  constexpr int kNodes = 4;
  std::vector<std::future<Status>> opened;
  for (int i = 0; i < kNodes; ++i) {
    opened.push_back(std::async(std::launch::async,
                                [&] { return PostgresStore::Open(schema.Options()).status(); }));
  }
  for (auto& f : opened) EXPECT_THAT(f.get(), IsOk());
  Result<std::int64_t> applied =
      CountRows(schema.admin(), "SELECT count(*) FROM " + schema.name() + ".schema_migrations");
  ASSERT_THAT(applied.status(), IsOk());
  EXPECT_EQ(*applied, static_cast<std::int64_t>(EmbeddedMigrations().size()));
  EXPECT_THAT(PostgresStore::Open(schema.Options()).status(), IsOk());  // and again: a no-op
}

TEST(PostgresStore, RefusesASchemaNewerThanTheBinary) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  ASSERT_THAT(PostgresStore::Open(schema.Options()).status(), IsOk());
  const std::string next = std::to_string(EmbeddedMigrations().size() + 1);
  ASSERT_THAT(schema.admin().Exec("INSERT INTO " + schema.name() + ".schema_migrations VALUES (" +
                                      next + ", 'V" + next + "__from_the_future.sql', 0)",
                                  "faking a newer schema"),
              IsOk());
  Status refused = PostgresStore::Open(schema.Options()).status();
  EXPECT_THAT(refused, HasCode(ErrorCode::kInternal));
  EXPECT_THAT(refused.message(), HasSubstr("newer than this binary"));
}

TEST(PostgresStore, RefusesASchemaWithAnotherMigrationHistory) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  ASSERT_THAT(PostgresStore::Open(schema.Options()).status(), IsOk());
  ASSERT_THAT(schema.admin().Exec("UPDATE " + schema.name() +
                                      ".schema_migrations SET name = 'V001__other.sql' "
                                      "WHERE version = 1",
                                  "rewriting history"),
              IsOk());
  EXPECT_THAT(PostgresStore::Open(schema.Options()).status(), HasCode(ErrorCode::kInternal));
}

TEST(PostgresStore, ConnectionLostMidTransactionIsUnavailableAndTheNextCallReconnects) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  PostgresOptions options = schema.Options();
  options.application_name = "lk-test-lost-" + schema.name();
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_THAT(store.status(), IsOk());
  ASSERT_THAT(PutSetting(**store, "before"), IsOk());

  Status status = (*store)->Read([&](Transaction& tx) -> Status {
    TerminateSessions(schema.admin(), options.application_name);
    Status lost = tx.GetSetting("before").status();
    EXPECT_THAT(lost, HasCode(ErrorCode::kUnavailable));
    return lost;
  });
  EXPECT_THAT(status, HasCode(ErrorCode::kUnavailable));
  status = (*store)->Write([&](Transaction& tx) -> Status {
    TerminateSessions(schema.admin(), options.application_name);
    return tx.PutSetting("lost", "v");
  });
  EXPECT_THAT(status, HasCode(ErrorCode::kUnavailable));

  EXPECT_THAT(ReadSetting(**store, "before"), IsOk());  // on a new connection
  EXPECT_THAT(PutSetting(**store, "after"), IsOk());
  EXPECT_THAT(ReadSetting(**store, "lost"), HasCode(ErrorCode::kNotFound));
}

TEST(PostgresStore, ConnectionsLostWhileIdleAreReplacedTransparently) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  PostgresOptions options = schema.Options();
  options.application_name = "lk-test-idle-" + schema.name();
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_THAT(store.status(), IsOk());
  ASSERT_THAT(PutSetting(**store, "s"), IsOk());
  TerminateSessions(schema.admin(), options.application_name);
  // Nothing had started on the dead connection: the store retries once on a fresh one.
  EXPECT_THAT(ReadSetting(**store, "s"), IsOk());
  TerminateSessions(schema.admin(), options.application_name);
  EXPECT_THAT(PutSetting(**store, "t"), IsOk());
}

TEST(PostgresStore, UnreachableServerIsUnavailable) {
  LK_SKIP_WITHOUT_POSTGRES();
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  PostgresOptions options;
  options.url = "postgresql://postgres@127.0.0.1:1/postgres";
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  EXPECT_THAT(store.status(), HasCode(ErrorCode::kUnavailable));
  EXPECT_THAT(store.status().message(), HasSubstr("cannot connect"));
}

TEST(PostgresStore, BadSchemaNameIsInvalidArgument) {
  PostgresOptions options;
  options.url = "postgresql:///x";
  options.schema = "a; DROP TABLE x";
  EXPECT_THAT(PostgresStore::Open(options).status(), HasCode(ErrorCode::kInvalidArgument));
}

TEST(PostgresStore, MalformedUrlIsInvalidArgumentWithoutRepeatingIt) {
  PostgresOptions options;
  options.url = "postgresql://user:s3cret@127.0.0.1:5432/db?no_such_option=1";
  Status status = PostgresStore::Open(options).status();
  EXPECT_THAT(status, HasCode(ErrorCode::kInvalidArgument));
  EXPECT_THAT(status.message(), Not(HasSubstr("s3cret")));
}

TEST(PostgresStore, TextWithANulByteIsRefusedNotTruncated) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(schema.Options());
  ASSERT_THAT(store.status(), IsOk());
  ASSERT_THAT(PutSetting(**store, "name"), IsOk());
  EXPECT_THAT(ReadSetting(**store, std::string("name\0suffix", 11)),
              HasCode(ErrorCode::kInvalidArgument));
}

TEST(PostgresStore, ConflictMessagesNeverQuoteDigests) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(schema.Options());
  ASSERT_THAT(store.status(), IsOk());
  domain::Principal p;
  p.id = "pr_a";
  p.name = "alice";
  domain::Session session{.id = "ses_1", .principal_id = "pr_a", .expires_at = 5};
  session.digest.fill(0xab);
  ASSERT_THAT((*store)->Write([&](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(p));
    return tx.InsertSession(session);
  }),
              IsOk());
  session.id = "ses_2";
  Status clash = (*store)->Write([&](Transaction& tx) { return tx.InsertSession(session); });
  EXPECT_THAT(clash, HasCode(ErrorCode::kConflict));
  EXPECT_THAT(clash.message(), Not(HasSubstr("abab")));
}

TEST(PostgresStore, IgnoredStatementErrorFailsTheWrite) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(schema.Options());
  ASSERT_THAT(store.status(), IsOk());
  domain::Namespace ns;
  ns.id = "ns_1";
  ns.name = "one";
  ASSERT_THAT((*store)->Write([&](Transaction& tx) { return tx.InsertNamespace(ns); }), IsOk());
  Status status = (*store)->Write([&](Transaction& tx) -> Status {
    EXPECT_THAT(tx.PutSetting("s", "v"), IsOk());
    EXPECT_THAT(tx.InsertNamespace(ns), HasCode(ErrorCode::kConflict));
    return Status::Ok();  // the caller ignores the failure
  });
  EXPECT_THAT(status, HasCode(ErrorCode::kInternal));
  EXPECT_THAT(ReadSetting(**store, "s"), HasCode(ErrorCode::kNotFound));  // nothing committed
}

TEST(PostgresStore, ForEachStreamsMoreRowsThanOneBatch) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(schema.Options());
  ASSERT_THAT(store.status(), IsOk());
  constexpr int kPrincipals = 1234;  // several cursor batches and a partial one
  ASSERT_THAT((*store)->Write([&](Transaction& tx) -> Status {
    for (int i = 0; i < kPrincipals; ++i) {
      domain::Principal p;
      p.id = "pr_" + std::to_string(i);
      p.name = "user" + std::to_string(i);
      LK_RETURN_IF_ERROR(tx.InsertPrincipal(p));
    }
    return Status::Ok();
  }),
              IsOk());
  int seen = 0;
  ASSERT_THAT((*store)->ForEachPrincipal([&](const domain::Principal&) {
    ++seen;
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(seen, kPrincipals);
}

// --- Change feed ---

MATCHER_P(IsOkAndHolds, value, "is OK and holds " + ::testing::PrintToString(value)) {
  return arg.ok() && *arg == value;
}

std::vector<std::pair<ChangeKind, std::string>> KindsAndIds(const ChangeBatch& batch) {
  std::vector<std::pair<ChangeKind, std::string>> out;
  for (const Change& c : batch.changes) out.emplace_back(c.kind, c.id);
  return out;
}

TEST(PostgresStore, EveryChangeIsLoggedInOrderAndNotifiedToOtherNodes) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  auto a = PostgresStore::Open(schema.Options());
  auto b = PostgresStore::Open(schema.Options());
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  ASSERT_THAT((*b)->WaitForChange(std::chrono::milliseconds(0)).status(), IsOk());  // LISTENs
  domain::Namespace ns{.id = "ns_1", .name = "n"};
  domain::Principal p1{.id = "pr_1", .name = "one"}, p2{.id = "pr_2", .name = "two"};
  domain::Group group{.id = "gr_1", .namespace_id = "ns_1", .name = "g", .members = {"pr_1"}};
  ASSERT_THAT((*a)->Write([&](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(ns));
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(p1));
    LK_RETURN_IF_ERROR(tx.InsertPrincipal(p2));
    return tx.InsertGroup(group);
  }),
              IsOk());
  Result<bool> notified = (*b)->WaitForChange(std::chrono::seconds(5));
  ASSERT_THAT(notified.status(), IsOk());
  EXPECT_TRUE(*notified);
  Result<ChangeBatch> batch = (*b)->ChangesAfter(0, 100);
  ASSERT_THAT(batch.status(), IsOk());
  EXPECT_FALSE(batch->missed);
  using K = ChangeKind;
  EXPECT_EQ(KindsAndIds(*batch),
            (std::vector<std::pair<K, std::string>>{{K::kNamespace, "ns_1"},
                                                    {K::kPrincipal, "pr_1"},
                                                    {K::kPrincipal, "pr_2"},
                                                    {K::kCapabilities, "pr_1"}}));
  std::int64_t after = batch->changes.back().seq;
  EXPECT_THAT((*b)->LatestChange(), IsOkAndHolds(after));

  // A group's new members, and the ones it had, may have new capabilities.
  group.members = {"pr_2"};
  ASSERT_THAT((*a)->Write([&](Transaction& tx) { return tx.UpdateGroup(group); }), IsOk());
  batch = (*b)->ChangesAfter(after, 100);
  ASSERT_THAT(batch.status(), IsOk());
  EXPECT_EQ(KindsAndIds(*batch), (std::vector<std::pair<K, std::string>>{
                                     {K::kCapabilities, "pr_1"}, {K::kCapabilities, "pr_2"}}));
  after = batch->changes.back().seq;

  // Nothing is logged for a write that rolled back, or one that changed nothing verification
  // reads (settings, usage).
  EXPECT_THAT((*a)->Write([&](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.DeleteGroup("gr_1"));
    return Conflict("changed my mind");
  }),
              HasCode(ErrorCode::kConflict));
  ASSERT_THAT(PutSetting(**a, "x"), IsOk());
  batch = (*b)->ChangesAfter(after, 100);
  ASSERT_THAT(batch.status(), IsOk());
  EXPECT_TRUE(batch->changes.empty());
  ASSERT_THAT((*a)->Write([&](Transaction& tx) { return tx.DeleteGroup("gr_1"); }), IsOk());
  batch = (*b)->ChangesAfter(after, 1);  // limited
  ASSERT_THAT(batch.status(), IsOk());
  EXPECT_EQ(KindsAndIds(*batch),
            (std::vector<std::pair<K, std::string>>{{K::kCapabilities, "pr_2"}}));
}

TEST(PostgresStore, PruningKeepsTheLatestChangeAndTellsALaggingReader) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  auto store = PostgresStore::Open(schema.Options());
  ASSERT_THAT(store.status(), IsOk());
  for (int i = 0; i < 3; ++i) {
    domain::Principal p{.id = "pr_" + std::to_string(i), .name = "p" + std::to_string(i)};
    ASSERT_THAT((*store)->Write([&](Transaction& tx) { return tx.InsertPrincipal(p); }), IsOk());
  }
  Result<std::int64_t> latest = (*store)->LatestChange();
  ASSERT_THAT(latest.status(), IsOk());
  // Everything is older than "far in the future": all but the latest go.
  EXPECT_THAT((*store)->PruneChanges(std::numeric_limits<domain::UnixMillis>::max()),
              IsOkAndHolds(2));
  EXPECT_THAT((*store)->LatestChange(), IsOkAndHolds(*latest));
  Result<ChangeBatch> lagging = (*store)->ChangesAfter(0, 100);
  ASSERT_THAT(lagging.status(), IsOk());
  EXPECT_TRUE(lagging->missed);
  Result<ChangeBatch> current = (*store)->ChangesAfter(*latest - 1, 100);
  ASSERT_THAT(current.status(), IsOk());
  EXPECT_FALSE(current->missed);
  ASSERT_EQ(current->changes.size(), 1u);
  EXPECT_THAT((*store)->PruneChanges(0), IsOkAndHolds(0));  // nothing that old
}

TEST(PostgresStore, WithoutNotifyNodesStillFindChangesByPolling) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  PostgresOptions options = schema.Options();
  options.notify = false;
  auto store = PostgresStore::Open(options);
  ASSERT_THAT(store.status(), IsOk());
  domain::Principal p{.id = "pr_1", .name = "one"};
  ASSERT_THAT((*store)->Write([&](Transaction& tx) { return tx.InsertPrincipal(p); }), IsOk());
  EXPECT_THAT((*store)->WaitForChange(std::chrono::milliseconds(10)), IsOkAndHolds(false));
  Result<ChangeBatch> batch = (*store)->ChangesAfter(0, 100);
  ASSERT_THAT(batch.status(), IsOk());
  EXPECT_EQ(batch->changes.size(), 1u);
}

// An engine without NOTIFY, played by a role that may not call pg_notify.
TEST(PostgresStore, AServerWithoutNotifyIsFoundOutAndPolled) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  const std::string url = ServerUrl();
  const std::size_t at = url.find("postgres@");
  if (at == std::string::npos) GTEST_SKIP() << "the test URL does not name user postgres";
  auto sql = [&](const std::string& statement) {
    Status s = schema.admin().Exec(statement, "setting up");
    EXPECT_TRUE(s.ok()) << s.message();
  };
  sql("CREATE ROLE lk_no_notify LOGIN");
  sql("GRANT ALL ON SCHEMA " + schema.name() + " TO lk_no_notify");
  sql("REVOKE EXECUTE ON FUNCTION pg_notify(text, text) FROM PUBLIC");
  {
    PostgresOptions options = schema.Options();
    options.url = url.substr(0, at) + "lk_no_notify@" + url.substr(at + 9);
    auto store = PostgresStore::Open(options);
    EXPECT_THAT(store.status(), IsOk());
    if (store.ok()) {
      EXPECT_FALSE((*store)->notifies());
      domain::Principal p{.id = "pr_1", .name = "one"};
      EXPECT_THAT((*store)->Write([&](Transaction& tx) { return tx.InsertPrincipal(p); }), IsOk());
      EXPECT_THAT((*store)->WaitForChange(std::chrono::milliseconds(1)), IsOkAndHolds(false));
      Result<ChangeBatch> batch = (*store)->ChangesAfter(0, 100);
      EXPECT_TRUE(batch.ok() && batch->changes.size() == 1u);  // no ASSERT: clean up below
    }
  }
  sql("GRANT EXECUTE ON FUNCTION pg_notify(text, text) TO PUBLIC");
  sql("DROP OWNED BY lk_no_notify");
  sql("DROP ROLE lk_no_notify");
}

TEST(PostgresStore, ListenerLostWhileWaitingIsUnavailableAndReconnects) {
  LK_SKIP_WITHOUT_POSTGRES();
  ScratchSchema schema;
  PostgresOptions options = schema.Options();
  options.application_name = "latchkey-test-listener";
  auto store = PostgresStore::Open(options);
  ASSERT_THAT(store.status(), IsOk());
  ASSERT_THAT((*store)->WaitForChange(std::chrono::milliseconds(0)).status(), IsOk());
  TerminateSessions(schema.admin(), "latchkey-test-listener");
  // The server's goodbye may arrive before the end of the connection: a wait that returns
  // nothing, then the loss.
  Status waited = Status::Ok();
  for (int i = 0; i < 3 && waited.ok(); ++i) {
    waited = (*store)->WaitForChange(std::chrono::seconds(5)).status();
  }
  EXPECT_THAT(waited, HasCode(ErrorCode::kUnavailable));
  EXPECT_THAT((*store)->WaitForChange(std::chrono::milliseconds(0)), IsOkAndHolds(true));
}

}  // namespace
}  // namespace latchkey::store::postgres
