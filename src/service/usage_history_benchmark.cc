// Benchmarks of UsageHistory, the per-key counts of verifications by outcome that every
// verification of a found key adds to: Record on 1 and 2 threads over N keys (N = 1 is one hot
// key that every thread hits, the worst contention: one shard mutex; larger N spreads the
// threads over the shards), Read (the endpoint's side), and the heap per tracked key for a few
// patterns of use. The history is pre-filled with kPreloadedKeys keys so that lookups run in a
// map of realistic size.
//
// Run (Release build; see docs/benchmarks.md §4):
//   taskset -c 1 build/release/src/usage_history_benchmark --benchmark_filter='-threads:2'
//   taskset -c 0,1 build/release/src/usage_history_benchmark --benchmark_filter='threads:2'
// BM_MemoryPerKey reports the heap bytes per key (malloc's own count, glibc, including the
// blocks it maps separately: a shard's table of a few thousand keys is one).

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <vector>

#include "domain/clock.h"
#include "service/testing/benchmark_key_ids.h"
#include "service/usage_history.h"

namespace latchkey::service {
namespace {

constexpr domain::UnixMillis kStart = 1'800'000'000'000;
constexpr domain::UnixMillis kDayMs = 24 * domain::UnixMillis{3'600'000};

using testing::kPreloadedKeys;
index::KeyIdChars IdOf(std::size_t n) { return testing::BenchmarkKeyId(n); }
const std::vector<index::KeyIdChars>& Ids() { return testing::PreloadedKeyIds(); }

// One history for every benchmark, filled once: each preloaded key verified once.
UsageHistory& History() {
  static domain::FakeClock clock(kStart);
  static UsageHistory* history = [] {
    auto* h = new UsageHistory(clock);  // lives until exit: threads of every benchmark share it
    for (std::size_t i = 0; i < kPreloadedKeys; ++i)
      h->Record(Ids()[i], VerifyCode::kValid, kStart);
    return h;
  }();
  return *history;
}

std::size_t HeapBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::size_t FirstKey(const benchmark::State& state, std::size_t keys) {
  return keys == 1 ? 0 : static_cast<std::size_t>(state.thread_index()) * keys;
}

// The time moves a millisecond every 64 calls (a minute every ~4 M calls, so the once-a-minute
// fold is in the figure), and one call in 16 is refused by the rate limit: two codes per
// minute, as for a busy key.
void BM_Record(benchmark::State& state) {
  UsageHistory& history = History();
  const std::size_t keys = static_cast<std::size_t>(state.range(0));
  const std::size_t first = FirstKey(state, keys);
  std::size_t i = 0;
  std::int64_t calls = 0;
  for (auto _ : state) {
    const VerifyCode code = (calls & 15) == 0 ? VerifyCode::kRateLimited : VerifyCode::kValid;
    history.Record(Ids()[first + i], code, kStart + (calls++ >> 6));
    if (++i == keys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record)->ArgName("keys")->Arg(1)->Arg(4096)->Arg(262'144)->Threads(1)->Threads(2);

// GET /v1/keys/{id}/usage's read of a key with two codes in each minute of the last hour and
// each hour of the last day.
void BM_Read(benchmark::State& state) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  const domain::UnixMillis end = kStart + kDayMs;
  for (domain::UnixMillis t = kStart; t < end; t += 60'000) {
    history.Record(IdOf(1), VerifyCode::kValid, t);
    history.Record(IdOf(1), VerifyCode::kRateLimited, t);
  }
  for (auto _ : state) benchmark::DoNotOptimize(history.Read(IdOf(1), end - 1));
}
BENCHMARK(BM_Read);

// Heap bytes per tracked key, `keys` keys each verified in the pattern `pattern` for a day:
// 0 = once; 1 = once an hour; 2 = once a minute (one code); 3 = twice a minute with two codes.
// The shards' tables double as they fill, so the figure depends on where they are in that
// cycle: hence several sizes for the first pattern.
void BM_MemoryPerKey(benchmark::State& state) {
  const int pattern = static_cast<int>(state.range(0));
  const std::size_t keys = static_cast<std::size_t>(state.range(1));
  const domain::UnixMillis step = pattern == 1 ? 3'600'000 : 60'000;
  const domain::UnixMillis end = pattern == 0 ? kStart + 1 : kStart + kDayMs;
  for (auto _ : state) {
    domain::FakeClock clock(kStart);
    const std::size_t before = HeapBytes();
    {
      UsageHistory history(clock);
      const std::size_t empty = HeapBytes();
      for (domain::UnixMillis t = kStart; t < end; t += step) {
        for (std::size_t i = 0; i < keys; ++i) {
          history.Record(IdOf(i + 5'000'000), VerifyCode::kValid, t);
          if (pattern == 3) history.Record(IdOf(i + 5'000'000), VerifyCode::kRateLimited, t);
        }
      }
      const std::size_t full = HeapBytes();
      state.counters["bytes_per_key"] =
          static_cast<double>(full - empty) / static_cast<double>(history.KeyCount());
      state.counters["history_bytes_empty"] = static_cast<double>(empty - before);
      state.counters["tracked"] = static_cast<double>(history.KeyCount());
    }
  }
}
BENCHMARK(BM_MemoryPerKey)
    ->ArgNames({"pattern", "keys"})
    ->Args({0, 100'000})
    ->Args({0, 300'000})
    ->Args({0, 1'000'000})
    ->Args({1, 100'000})
    ->Args({2, 20'000})
    ->Args({3, 20'000})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::service

BENCHMARK_MAIN();
