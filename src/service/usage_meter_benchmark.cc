// Benchmarks of UsageMeter, the per-key usage state that verification updates on every call:
// CheckRate (rate limit), Spend (quota), RecordUse (last use), all three together as one
// verification would call them, and TakeDirty (the flusher's side). Each runs on 1 and 2
// threads over N keys: N = 1 is one hot key that every thread hits (the worst contention: one
// shard mutex), larger N spreads the threads over the shards. The meter is pre-filled with
// kPreloadedKeys entries so that lookups run in a map of realistic size.
//
// Run (Release build; see docs/benchmarks.md):
//   taskset -c 1 build/release/src/usage_meter_benchmark --benchmark_filter='-threads:2'
//   taskset -c 0,1 build/release/src/usage_meter_benchmark --benchmark_filter='threads:2'
// BM_MemoryPerKey reports the heap bytes per entry (malloc's own count, glibc).

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "service/testing/benchmark_key_ids.h"
#include "service/usage_meter.h"

namespace latchkey::service {
namespace {

using testing::kPreloadedKeys;
index::KeyIdChars IdOf(std::size_t n) { return testing::BenchmarkKeyId(n); }
const std::vector<index::KeyIdChars>& Ids() { return testing::PreloadedKeyIds(); }

const domain::RateLimit kLimit{.limit = 1'000'000'000, .window_ms = 60'000};
const domain::Quota kQuota{.remaining = std::int64_t{1} << 62,
                           .refill_interval = "monthly",
                           .refill_amount = std::int64_t{1} << 62};

// One meter for every benchmark, filled once: each preloaded key has been used, spent from and
// rate checked.
UsageMeter& Meter() {
  static domain::SystemClock clock;
  static UsageMeter* meter = [] {
    auto* m = new UsageMeter(clock);  // lives until exit: threads of every benchmark share it
    for (std::size_t i = 0; i < kPreloadedKeys; ++i) {
      m->CheckRate(Ids()[i], kLimit);
      m->Spend(Ids()[i], kQuota, 1);
      m->RecordUse(Ids()[i], 1, "203.0.113.7");
    }
    (void)m->TakeDirty();
    return m;
  }();
  return *meter;
}

// The keys thread `thread` of a run over `keys` keys cycles through: with one key, the same
// hot key for every thread; else disjoint ranges.
std::size_t FirstKey(const benchmark::State& state, std::size_t keys) {
  return keys == 1 ? 0 : static_cast<std::size_t>(state.thread_index()) * keys;
}

void BM_CheckRate(benchmark::State& state) {
  UsageMeter& meter = Meter();
  const std::size_t keys = static_cast<std::size_t>(state.range(0));
  const std::size_t first = FirstKey(state, keys);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(meter.CheckRate(Ids()[first + i], kLimit));
    if (++i == keys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Spend(benchmark::State& state) {
  UsageMeter& meter = Meter();
  const std::size_t keys = static_cast<std::size_t>(state.range(0));
  const std::size_t first = FirstKey(state, keys);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(meter.Spend(Ids()[first + i], kQuota, 1));
    if (++i == keys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// The verifier passes the time it read once per request; here it moves a millisecond every
// 1024 calls, so most calls find the same time and ip (the common case under load).
void BM_RecordUse(benchmark::State& state) {
  UsageMeter& meter = Meter();
  const std::size_t keys = static_cast<std::size_t>(state.range(0));
  const std::size_t first = FirstKey(state, keys);
  std::size_t i = 0;
  std::int64_t calls = 0;
  for (auto _ : state) {
    meter.RecordUse(Ids()[first + i], 1'800'000'000'000 + (calls++ >> 10), "203.0.113.7");
    if (++i == keys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// What one verification of a key with a rate limit and a quota costs the meter.
void BM_VerificationUsage(benchmark::State& state) {
  UsageMeter& meter = Meter();
  const std::size_t keys = static_cast<std::size_t>(state.range(0));
  const std::size_t first = FirstKey(state, keys);
  std::size_t i = 0;
  std::int64_t calls = 0;
  for (auto _ : state) {
    const index::KeyIdChars& id = Ids()[first + i];
    benchmark::DoNotOptimize(meter.CheckRate(id, kLimit));
    benchmark::DoNotOptimize(meter.Spend(id, kQuota, 1));
    meter.RecordUse(id, 1'800'000'000'000 + (calls++ >> 10), "203.0.113.7");
    if (++i == keys) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

#define LATCHKEY_USAGE_BENCHMARK(fn) \
  BENCHMARK(fn)->ArgName("keys")->Arg(1)->Arg(4096)->Arg(262'144)->Threads(1)->Threads(2)

LATCHKEY_USAGE_BENCHMARK(BM_CheckRate);
LATCHKEY_USAGE_BENCHMARK(BM_Spend);
LATCHKEY_USAGE_BENCHMARK(BM_RecordUse);
LATCHKEY_USAGE_BENCHMARK(BM_VerificationUsage);

// The flusher's side: N keys changed since the last flush, taken as KeyUsage values.
void BM_TakeDirty(benchmark::State& state) {
  UsageMeter& meter = Meter();
  const std::size_t keys = static_cast<std::size_t>(state.range(0));
  static std::int64_t round = 0;  // across repetitions: each round's uses are newer
  for (auto _ : state) {
    state.PauseTiming();
    ++round;
    for (std::size_t i = 0; i < keys; ++i) {
      meter.RecordUse(Ids()[i], 1'900'000'000'000 + round, "203.0.113.7");
    }
    state.ResumeTiming();
    std::vector<store::KeyUsage> dirty = meter.TakeDirty();
    if (dirty.size() != keys) state.SkipWithError("TakeDirty missed changed keys");
    benchmark::DoNotOptimize(dirty);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(keys));
}
BENCHMARK(BM_TakeDirty)->ArgName("dirty")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// Heap bytes per entry: `keys` fresh keys used (last use with an IPv4 address and a quota
// spend), with a rate limit checked too when `rate` is 1. The shards' tables double as they
// fill, so the figure depends on where they are in that cycle: hence several sizes.
void BM_MemoryPerKey(benchmark::State& state) {
  const bool with_rate = state.range(0) != 0;
  const std::size_t keys = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    domain::SystemClock clock;
    const std::size_t before = mallinfo2().uordblks;
    {
      UsageMeter meter(clock);
      const std::size_t empty = mallinfo2().uordblks;
      for (std::size_t i = 0; i < keys; ++i) {
        const index::KeyIdChars id = IdOf(i + 5'000'000);
        meter.Spend(id, kQuota, 1);
        meter.RecordUse(id, 1, "203.0.113.7");
        if (with_rate) meter.CheckRate(id, kLimit);
      }
      (void)meter.TakeDirty();  // the dirty lists keep their capacity: counted
      const std::size_t full = mallinfo2().uordblks;
      state.counters["bytes_per_key"] =
          static_cast<double>(full - empty) / static_cast<double>(keys);
      state.counters["meter_bytes_empty"] = static_cast<double>(empty - before);
    }
  }
}
BENCHMARK(BM_MemoryPerKey)
    ->ArgNames({"rate", "keys"})
    ->ArgsProduct({{0, 1}, {100'000, 300'000, 1'000'000}})
    ->Iterations(1);

}  // namespace
}  // namespace latchkey::service

BENCHMARK_MAIN();
