#include "service/usage_flusher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace latchkey::service {
namespace {

using domain::UnixMillis;

constexpr UnixMillis kStart = 1'700'000'000'000;
constexpr std::string_view kKeyChars = "TwoNodes00000001";

// Two nodes on one store, as `latchkey serve` wires them: each with its own meter and flusher.
// SQLite stands in for PostgreSQL: the rules are the store's (the contract tests run them on both).
class UsageFlusherTest : public ::testing::Test {
 protected:
  struct Node {
    Node(const domain::Clock& clock, store::Store& store, std::chrono::milliseconds interval)
        : meter(clock), flusher(meter, store, interval) {}
    UsageMeter meter;
    UsageFlusher flusher;
    std::atomic<std::int64_t> accepted{0};  // units, counted after Spend allowed them
  };

  void SetUp() override {
    char tmpl[] = "/tmp/latchkey-flusher-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    auto opened = store::sqlite::SqliteStore::Open(dir_ + "/test.db");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    std::copy(kKeyChars.begin(), kKeyChars.end(), id_.begin());
  }

  void TearDown() override {
    nodes_.clear();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Stores the key with `quota_` and makes the two nodes.
  void Start(std::chrono::milliseconds interval) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Transaction& tx) -> Status {
                      domain::Namespace ns{.id = "ns_a", .name = "a"};
                      LK_RETURN_IF_ERROR(tx.InsertNamespace(ns));
                      domain::Principal owner{.id = "pr_a", .name = "a", .namespace_id = "ns_a"};
                      LK_RETURN_IF_ERROR(tx.InsertPrincipal(owner));
                      domain::ApiKey key;
                      key.id = "key_" + std::string(kKeyChars);
                      key.name = "k";
                      key.owner_id = "pr_a";
                      key.namespace_id = "ns_a";
                      key.prefix = "lk";
                      key.hint = "lk_…0001";
                      key.created_by = "pr_a";
                      key.quota = quota_;
                      return tx.InsertKey(key);
                    })
                    .ok());
    for (int n = 0; n < 2; ++n) nodes_.push_back(std::make_unique<Node>(clock_, *store_, interval));
  }

  domain::ApiKey StoredKey() {
    domain::ApiKey key;
    EXPECT_TRUE(store_
                    ->Read([&](store::Transaction& tx) -> Status {
                      LK_ASSIGN_OR_RETURN(key, tx.GetKey("key_" + std::string(kKeyChars)));
                      return Status::Ok();
                    })
                    .ok());
    return key;
  }

  // Thread `t` of `threads` (spread over the nodes in turn) makes `calls` verifications of one
  // unit each: Spend with the quota as the nodes' indexes have it (never refreshed, as between
  // two changes of the key), then RecordUse at a time of its own.
  void Verify(int t, int threads, int calls, std::chrono::microseconds pause) {
    Node& node = *nodes_[t % 2];
    for (int i = 0; i < calls; ++i) {
      if (node.meter.Spend(id_, quota_, 1).allowed) node.accepted.fetch_add(1);
      node.meter.RecordUse(id_, kStart + std::int64_t{i} * threads + t,
                           "192.0.2." + std::to_string(t));
      if (pause.count() > 0) std::this_thread::sleep_for(pause);
    }
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  domain::FakeClock clock_{kStart};
  index::KeyIdChars id_;
  domain::Quota quota_{.remaining = 0, .set_at = 1};
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(UsageFlusherTest, TwoNodesKeepTheStoredBalanceExactAndTheLatestLastUse) {
  quota_.remaining = 1'000'000;
  Start(std::chrono::milliseconds(2));  // the flushers run on their own, out of step
  constexpr int kThreads = 4;
  constexpr int kCalls = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { Verify(t, kThreads, kCalls, std::chrono::microseconds(0)); });
  }
  for (std::thread& thread : threads) thread.join();
  for (auto& node : nodes_) node->flusher.Stop();  // the last flush of each

  const std::int64_t accepted = nodes_[0]->accepted + nodes_[1]->accepted;
  ASSERT_EQ(accepted, kThreads * kCalls);  // the quota lasted
  const domain::ApiKey key = StoredKey();
  EXPECT_EQ(key.quota->remaining, quota_.remaining - accepted);
  // Each node flushed its uses in their order, but the two out of step with each other.
  EXPECT_EQ(key.last_used_at, kStart + std::int64_t{kCalls - 1} * kThreads + (kThreads - 1));
  EXPECT_EQ(key.last_used_ip, "192.0.2." + std::to_string(kThreads - 1));
}

TEST_F(UsageFlusherTest, TwoNodesOverSpendAtMostWhatTheOtherHadAcceptedUnseen) {
  quota_.remaining = 3'000;
  Start(std::chrono::hours(1));  // flushed below, by one driver, so that flushes can be counted
  constexpr int kThreads = 4;    // two per node
  constexpr int kThreadsPerNode = kThreads / 2;
  constexpr int kCalls = 3'000;  // each: 12 000 units asked for in all
  std::atomic<int> running{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Verify(t, kThreads, kCalls, std::chrono::microseconds(20));
      running.fetch_sub(1);
    });
  }
  // Flush k is node k % 2's. Around each, the units each node had accepted.
  struct Flush {
    std::array<std::int64_t, 2> before;
    std::array<std::int64_t, 2> after;
  };
  std::vector<Flush> flushes;
  auto flush = [&](int n) {
    Flush f;
    f.before = {nodes_[0]->accepted.load(), nodes_[1]->accepted.load()};
    ASSERT_TRUE(nodes_[n]->flusher.FlushNow().ok());
    f.after = {nodes_[0]->accepted.load(), nodes_[1]->accepted.load()};
    flushes.push_back(f);
  };
  while (running.load() > 0) {
    flush(static_cast<int>(flushes.size() % 2));
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < 3; ++i) flush(static_cast<int>(flushes.size() % 2));

  const std::array<std::int64_t, 2> accepted = {nodes_[0]->accepted.load(),
                                                nodes_[1]->accepted.load()};
  const std::int64_t total = accepted[0] + accepted[1];
  const domain::ApiKey key = StoredKey();
  EXPECT_EQ(key.quota->remaining, quota_.remaining - total);  // exact, below zero by the excess
  EXPECT_EQ(key.last_used_at, kStart + std::int64_t{kCalls - 1} * kThreads + (kThreads - 1));
  ASSERT_GE(total, quota_.remaining);  // 12 000 asked for: used up

  // The documented bound, (a) in usage_meter.h: the excess is at most the units the other node
  // had accepted that the view of the node accepting the last unit lacked. A node's view after
  // the Sync of its flush k lacks at most the other node's units beyond those it had counted
  // before its flush k - 1 (committed before k), and the node spends from that view until its
  // next Sync. A flush surely Syncs when the node accepted a unit since its previous one: when its
  // count grew by more than its threads' in-flight increments (a unit counted after Spend). The
  // bound takes the largest of these gaps over both nodes.
  std::int64_t bound = 0;
  for (int n = 0; n < 2; ++n) {
    const int m = 1 - n;
    std::int64_t seen = 0;  // the other's units the current view is sure to include
    for (std::size_t k = n; k < flushes.size(); k += 2) {
      const std::int64_t previous = k >= 2 ? flushes[k - 2].after[n] : 0;
      if (flushes[k].before[n] <= previous + kThreadsPerNode) continue;  // may not have synced
      bound = std::max(bound, flushes[k].after[m] + kThreadsPerNode - seen);
      seen = k >= 1 ? flushes[k - 1].before[m] : 0;
    }
    bound = std::max(bound, accepted[m] - seen);
  }
  EXPECT_LE(total - quota_.remaining, bound);
  RecordProperty("over_spent", std::to_string(total - quota_.remaining));
  RecordProperty("bound", std::to_string(bound));
  RecordProperty("flushes", std::to_string(flushes.size()));
}

}  // namespace
}  // namespace latchkey::service
