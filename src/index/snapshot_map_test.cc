#include "index/snapshot_map.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

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

// Erasing moves another value of the shard into the hole; every other key still finds its own
// value, and a Ref taken before the erase still reads the old version.
TEST(SnapshotMap, ErasingKeepsTheOtherEntriesFindable) {
  using OneShard = SnapshotMap<int, std::string, std::hash<int>, 1>;
  OneShard map;
  std::vector<OneShard::Change> inserts;
  for (int i = 0; i < 100; ++i) inserts.emplace_back(i, std::to_string(i));
  map.Apply(std::move(inserts));
  OneShard::Ref last = map.Find(99);
  map.Apply({{0, std::nullopt}, {50, std::nullopt}, {98, std::nullopt}, {1000, std::nullopt}});
  EXPECT_EQ(map.size(), 97u);
  for (int i = 0; i < 100; ++i) {
    if (i == 0 || i == 50 || i == 98) {
      EXPECT_FALSE(map.Find(i)) << i;
    } else {
      ASSERT_TRUE(map.Find(i)) << i;
      EXPECT_EQ(*map.Find(i), std::to_string(i));
    }
  }
  int count = 0;
  map.ForEach([&](const int& k, const std::string& v) {
    EXPECT_EQ(std::to_string(k), v);
    ++count;
  });
  EXPECT_EQ(count, 97);
  EXPECT_EQ(*last, "99");
  map.Apply({{0, "zero"}, {99, "ninety-nine"}});
  EXPECT_EQ(*map.Find(0), "zero");
  EXPECT_EQ(*map.Find(99), "ninety-nine");
  EXPECT_EQ(map.size(), 98u);
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
