#include "index/snapshot_map.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace latchkey::index {
namespace {

using Map = SnapshotMap<int, std::string, std::hash<int>, 8>;

TEST(SnapshotMap, InsertsReplacesAndErases) {
  Map map;
  EXPECT_FALSE(map.Find(1));
  map.Apply({{1, "one"}, {2, "two"}});
  ASSERT_TRUE(map.Find(1));
  EXPECT_EQ(*map.Find(1), "one");
  EXPECT_EQ(map.size(), 2u);
  map.Apply({{1, "uno"}, {2, std::nullopt}});
  EXPECT_EQ(*map.Find(1), "uno");
  EXPECT_FALSE(map.Find(2));
  EXPECT_EQ(map.size(), 1u);
}

TEST(SnapshotMap, LaterChangesInOneBatchWin) {
  Map map;
  map.Apply({{1, "a"}, {1, std::nullopt}, {1, "c"}});
  EXPECT_EQ(*map.Find(1), "c");
  EXPECT_EQ(map.size(), 1u);
}

TEST(SnapshotMap, ARefKeepsItsVersionAlive) {
  Map map;
  map.Apply({{1, "old"}});
  Map::Ref ref = map.Find(1);
  map.Apply({{1, "new"}});
  map.Apply({{1, std::nullopt}});
  EXPECT_EQ(*ref, "old");
  EXPECT_FALSE(map.Find(1));
}

TEST(SnapshotMap, ForEachSeesEverything) {
  Map map;
  for (int i = 0; i < 100; ++i) map.Apply({{i, std::to_string(i)}});
  int count = 0;
  map.ForEach([&](const int& k, const std::string& v) {
    EXPECT_EQ(std::to_string(k), v);
    ++count;
  });
  EXPECT_EQ(count, 100);
}

// Readers never see a torn or missing value while a writer keeps replacing it.
TEST(SnapshotMap, ReadersRunConcurrentlyWithAWriter) {
  Map map;
  map.Apply({{7, "v0"}});
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        Map::Ref ref = map.Find(7);
        if (!ref || ref->size() < 2 || (*ref)[0] != 'v') bad.fetch_add(1);
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) map.Apply({{7, "v" + std::to_string(i)}, {i % 50 + 100, "x"}});
  done.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(*map.Find(7), "v2000");
}

}  // namespace
}  // namespace latchkey::index
