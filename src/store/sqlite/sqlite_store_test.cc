#include "store/sqlite/sqlite_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "store/sqlite/embedded_migrations.h"
#include "store/sqlite/migrator.h"
#include "store/store_contract_test.h"

namespace latchkey::store::sqlite {
namespace {

using ::testing::HasSubstr;

// A directory made by mkdtemp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "latchkey-store-XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A SqliteStore on a fresh database in its own temporary directory, which it removes when
// destroyed: what the contract suite's factory hands out.
class ScratchSqliteStore final : public Store {
 public:
  static std::unique_ptr<Store> Make() {
    auto dir = std::make_unique<TempDir>();
    if (!dir->ok()) return nullptr;
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir->File("latchkey.db"));
    if (!store.ok()) {
      ADD_FAILURE() << "SqliteStore::Open: " << store.status().message();
      return nullptr;
    }
    return std::unique_ptr<Store>(new ScratchSqliteStore(std::move(dir), std::move(*store)));
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
  ScratchSqliteStore(std::unique_ptr<TempDir> dir, std::unique_ptr<SqliteStore> store)
      : dir_(std::move(dir)), store_(std::move(store)) {}

  std::unique_ptr<TempDir> dir_;  // declared first: outlives the store
  std::unique_ptr<SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreBackend{"Sqlite", &ScratchSqliteStore::Make}),
                         StoreBackendName);

// --- SQLite-specific behaviour ---

// Runs `sql` on the database file directly, bypassing the store; returns the first column of
// the first row (empty if none).
std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string first;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    auto on_row = [](void* out, int columns, char** values, char**) {
      auto* text = static_cast<std::string*>(out);
      if (text->empty() && columns > 0 && values[0] != nullptr) *text = values[0];
      return 0;
    };
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), on_row, &first, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error != nullptr ? error : "?");
      sqlite3_free(error);
    }
  } else {
    ADD_FAILURE() << "cannot open " << path;
  }
  sqlite3_close(db);
  return first;
}

domain::Namespace MakeNamespace(const std::string& id, const std::string& name) {
  domain::Namespace ns;
  ns.id = id;
  ns.name = name;
  ns.created_at = ns.updated_at = 1000;
  return ns;
}

domain::ApiKey MakeKey(const std::string& id, const std::string& owner_id) {
  domain::ApiKey key;
  key.id = id;
  key.name = id;
  key.owner_id = owner_id;
  key.prefix = "lk";
  key.hint = "lk_…" + id;
  key.created_by = owner_id;
  return key;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  std::unique_ptr<SqliteStore> OpenStore() {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    EXPECT_THAT(store.status(), IsOk());
    return store.ok() ? std::move(*store) : nullptr;
  }

  // One namespace "ns_a" with one principal "pr_a".
  void Seed(Store& store) {
    domain::Principal p;
    p.id = "pr_a";
    p.name = "alice";
    p.namespace_id = "ns_a";
    ASSERT_THAT(store.Write([&](Transaction& tx) -> Status {
      LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_a", "a")));
      return tx.InsertPrincipal(p);
    }),
                IsOk());
  }

  TempDir dir_;
  const std::string path_ = dir_.File("latchkey.db");
};

TEST_F(SqliteStoreTest, OpenPutsTheDatabaseInWalMode) {
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawSql(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(SqliteStoreTest, MigrationsApplyOnceAcrossReopens) {
  for (int i = 0; i < 3; ++i) ASSERT_NE(OpenStore(), nullptr);
  const std::string latest = std::to_string(EmbeddedMigrations().size());
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM schema_migrations"), latest);
  EXPECT_EQ(RawSql(path_, "SELECT max(version) FROM schema_migrations"), latest);
  EXPECT_EQ(RawSql(path_, "SELECT name FROM schema_migrations WHERE version = 1"),
            "V001__init.sql");
}

TEST_F(SqliteStoreTest, UpgradesAVersion1DatabaseInPlace) {
  {
    Result<std::unique_ptr<Connection>> conn =
        Connection::Open(path_, Connection::Mode::kReadWrite, SqliteStore::kBusyTimeoutMs);
    ASSERT_THAT(conn.status(), IsOk());
    Result<std::vector<Migration>> migrations = ParseMigrations(EmbeddedMigrations());
    ASSERT_THAT(migrations.status(), IsOk());
    ASSERT_THAT(ApplyMigrations(**conn, std::span(*migrations).first(1), 1).status(), IsOk());
  }
  RawSql(path_,
         "INSERT INTO namespaces VALUES ('ns_a', 'a', 'organization', NULL, "
         "'{\"app_domains\": [], \"default_key_prefix\": \"\"}', 1000, 1000)");
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawSql(path_, "SELECT max(version) FROM schema_migrations"),
            std::to_string(EmbeddedMigrations().size()));
  domain::Group group;
  group.id = "grp_1";
  group.namespace_id = "ns_a";
  group.name = "ops";
  EXPECT_THAT(store->Write([&](Transaction& tx) { return tx.InsertGroup(group); }), IsOk());
  EXPECT_THAT(store->Read([](Transaction& tx) { return tx.GetNamespace("ns_a").status(); }),
              IsOk());
}

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
  domain::ApiKey key = MakeKey("key_1", "pr_a");
  key.scopes = {"raw:read", "ü"};
  key.digest.fill(0xab);
  {
    std::unique_ptr<SqliteStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    Seed(*store);
    ASSERT_THAT(store->Write([&](Transaction& tx) -> Status {
      LK_RETURN_IF_ERROR(tx.InsertKey(key));
      return tx.PutSetting("initialized_at", "42");
    }),
                IsOk());
  }
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Read([&](Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(domain::ApiKey got, tx.GetKey("key_1"));
    EXPECT_EQ(got, key);
    LK_ASSIGN_OR_RETURN(std::string setting, tx.GetSetting("initialized_at"));
    EXPECT_EQ(setting, "42");
    return Status::Ok();
  }),
              IsOk());
}

TEST_F(SqliteStoreTest, RefusesASchemaNewerThanTheBinary) {
  ASSERT_NE(OpenStore(), nullptr);
  const std::string future = std::to_string(EmbeddedMigrations().size() + 1);
  RawSql(path_, "INSERT INTO schema_migrations VALUES (" + future + ", 'V999__future.sql', 0)");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status(), HasCode(ErrorCode::kInternal));
  EXPECT_THAT(store.status().message(), HasSubstr("newer than this binary"));
}

TEST_F(SqliteStoreTest, RefusesADatabaseWhoseMigrationsDiffer) {
  ASSERT_NE(OpenStore(), nullptr);
  RawSql(path_, "UPDATE schema_migrations SET name = 'V001__other.sql' WHERE version = 1");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("V001__other.sql"));
}

TEST_F(SqliteStoreTest, OpenFailsClearlyForAMissingDirectory) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.File("no/such/dir/x.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status(), HasCode(ErrorCode::kUnavailable));
  EXPECT_THAT(store.status().message(), HasSubstr("no/such/dir/x.db"));
}

TEST_F(SqliteStoreTest, OpenRefusesAFileThatIsNotADatabase) {
  std::ofstream(path_) << std::string(4096, 'x');
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status(), HasCode(ErrorCode::kInternal));
}

TEST_F(SqliteStoreTest, UndecodableColumnIsInternalAndNamesTheRow) {
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Seed(*store);
  ASSERT_THAT(store->Write([](Transaction& tx) { return tx.InsertKey(MakeKey("key_1", "pr_a")); }),
              IsOk());
  RawSql(path_, "UPDATE api_keys SET scopes = 'not json' WHERE id = 'key_1'");
  RawSql(path_, "UPDATE namespaces SET kind = 'galaxy' WHERE id = 'ns_a'");

  Status get_key = store->Read([](Transaction& tx) { return tx.GetKey("key_1").status(); });
  EXPECT_THAT(get_key, HasCode(ErrorCode::kInternal));
  EXPECT_THAT(get_key.message(), HasSubstr("api_keys.scopes of row 'key_1'"));
  EXPECT_THAT(store->ForEachKey([](const domain::ApiKey&) { return Status::Ok(); }),
              HasCode(ErrorCode::kInternal));
  Status get_ns = store->Read([](Transaction& tx) { return tx.GetNamespace("ns_a").status(); });
  EXPECT_THAT(get_ns.message(), HasSubstr("unknown value 'galaxy'"));
}

TEST_F(SqliteStoreTest, UndecodableGroupOrAuditColumnIsInternalAndNamesTheRow) {
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Seed(*store);
  domain::Group group;
  group.id = "grp_1";
  group.namespace_id = "ns_a";
  group.name = "ops";
  domain::AuditEvent event;
  event.seq = 7;
  ASSERT_THAT(store->Write([&](Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertGroup(group));
    return tx.AppendAuditEvent(event);
  }),
              IsOk());
  RawSql(path_, "UPDATE groups SET capabilities = '{' WHERE id = 'grp_1'");
  RawSql(path_, "UPDATE audit_events SET outcome = 'maybe' WHERE seq = 7");

  Status get_group = store->Read([](Transaction& tx) { return tx.GetGroup("grp_1").status(); });
  EXPECT_THAT(get_group, HasCode(ErrorCode::kInternal));
  EXPECT_THAT(get_group.message(), HasSubstr("capabilities of row 'grp_1'"));
  EXPECT_THAT(store->ForEachGroup([](const domain::Group&) { return Status::Ok(); }),
              HasCode(ErrorCode::kInternal));
  Status last = store->Read([](Transaction& tx) { return tx.LastAuditEvent().status(); });
  EXPECT_THAT(last, HasCode(ErrorCode::kInternal));
  EXPECT_THAT(last.message(), HasSubstr("audit_events.outcome of row '7': unknown value 'maybe'"));
  EXPECT_THAT(store->ForEachAuditEvent([](const domain::AuditEvent&) { return Status::Ok(); }),
              HasCode(ErrorCode::kInternal));
}

TEST_F(SqliteStoreTest, NestedWriteIsInternal) {
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Write([&](Transaction& tx) -> Status {
    EXPECT_THAT(store->Write([](Transaction&) { return Status::Ok(); }),
                HasCode(ErrorCode::kInternal));
    return tx.InsertNamespace(MakeNamespace("ns_1", "one"));
  }),
              IsOk());
  EXPECT_THAT(store->Read([](Transaction& tx) { return tx.GetNamespace("ns_1").status(); }),
              IsOk());
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitForAnOpenWriteTransaction) {
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Seed(*store);
  std::promise<void> in_write;
  std::promise<void> reads_done;
  std::atomic<bool> write_finished = false;
  std::thread writer([&] {
    Status status = store->Write([&](Transaction& tx) -> Status {
      LK_RETURN_IF_ERROR(tx.InsertNamespace(MakeNamespace("ns_new", "new")));
      in_write.set_value();
      // Bounded, so that a regression fails the test instead of hanging it.
      reads_done.get_future().wait_for(std::chrono::seconds(30));
      return Status::Ok();
    });
    EXPECT_THAT(status, IsOk());
    write_finished = true;
  });
  in_write.get_future().wait();

  // The write transaction is open and holds the write lock; reads go ahead on the last commit.
  EXPECT_THAT(store->Read([](Transaction& tx) { return tx.GetNamespace("ns_a").status(); }),
              IsOk());
  EXPECT_THAT(store->Read([](Transaction& tx) { return tx.GetNamespace("ns_new").status(); }),
              HasCode(ErrorCode::kNotFound));
  int principals = 0;
  EXPECT_THAT(store->ForEachPrincipal([&](const domain::Principal&) {
    ++principals;
    return Status::Ok();
  }),
              IsOk());
  EXPECT_EQ(principals, 1);
  EXPECT_FALSE(write_finished) << "a read waited for the writer";
  reads_done.set_value();
  writer.join();
  EXPECT_THAT(store->Read([](Transaction& tx) { return tx.GetNamespace("ns_new").status(); }),
              IsOk());
}

TEST_F(SqliteStoreTest, ConcurrentWritersAndReadersAllSucceed) {
  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  constexpr int kWriters = 4;
  constexpr int kWritesEach = 20;
  std::atomic<bool> stop = false;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        const std::string id = "ns_" + std::to_string(w) + "_" + std::to_string(i);
        EXPECT_THAT(store->Write(
                        [&](Transaction& tx) { return tx.InsertNamespace(MakeNamespace(id, id)); }),
                    IsOk());
      }
    });
  }
  std::thread reader([&] {
    while (!stop) {
      EXPECT_THAT(store->Read([](Transaction& tx) {
        return tx.ListNamespaces({}, PageRequest{.cursor = "", .limit = 1000}).status();
      }),
                  IsOk());
    }
  });
  for (std::thread& t : threads) t.join();
  stop = true;
  reader.join();
  Result<Page<domain::Namespace>> all = Status(ErrorCode::kInternal, "unset");
  ASSERT_THAT(store->Read([&](Transaction& tx) {
    all = tx.ListNamespaces({}, PageRequest{.cursor = "", .limit = 1000});
    return all.status();
  }),
              IsOk());
  EXPECT_EQ(all->items.size(), static_cast<std::size_t>(kWriters * kWritesEach));
}

// A child process acknowledges writes one by one over a pipe and is killed with SIGKILL in the
// middle; every write it acknowledged must be in the database afterwards (DESIGN §8).
TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveKill9) {
  {
    std::unique_ptr<SqliteStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    Seed(*store);
  }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    if (!store.ok()) _exit(2);
    for (int i = 0;; ++i) {
      const domain::ApiKey key = MakeKey("key_" + std::to_string(i), "pr_a");
      if (!(*store)->Write([&](Transaction& tx) { return tx.InsertKey(key); }).ok()) _exit(3);
      if (write(acks[1], &i, sizeof i) != sizeof i) _exit(4);
    }
  }
  close(acks[1]);
  int last_acked = -1;
  while (last_acked < 40 && read(acks[0], &last_acked, sizeof last_acked) == sizeof last_acked) {
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(acks[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited on its own: " << WEXITSTATUS(status);

  std::unique_ptr<SqliteStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i <= last_acked; ++i) {
    EXPECT_THAT(store->Read([&](Transaction& tx) {
      return tx.GetKey("key_" + std::to_string(i)).status();
    }),
                IsOk())
        << "acknowledged write " << i << " was lost";
  }
}

}  // namespace
}  // namespace latchkey::store::sqlite
