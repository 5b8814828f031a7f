#include "service/usage_meter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>
#include <vector>

namespace latchkey::service {
namespace {

using domain::UnixMillis;

constexpr UnixMillis kStart = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

index::KeyIdChars Id(char c) {
  index::KeyIdChars id;
  id.fill(c);
  return id;
}

index::KeyIdChars IdOf(int n) {
  index::KeyIdChars id;
  id.fill('A');
  std::string digits = std::to_string(n);
  std::copy(digits.begin(), digits.end(), id.end() - static_cast<std::ptrdiff_t>(digits.size()));
  return id;
}

// Milliseconds since the epoch of a UTC date and time.
UnixMillis Utc(int y, unsigned m, unsigned d, int hour = 0, int minute = 0, int second = 0,
               int millis = 0) {
  using namespace std::chrono;
  const sys_days date = year_month_day(year(y), month(m), day(d));
  return duration_cast<milliseconds>(date.time_since_epoch() + hours(hour) + minutes(minute) +
                                     seconds(second) + milliseconds(millis))
      .count();
}

domain::Quota QuotaOf(std::int64_t remaining, std::optional<std::string> interval = std::nullopt,
                      std::int64_t amount = 0, std::optional<UnixMillis> refilled_at = {},
                      UnixMillis set_at = 0) {
  return {.remaining = remaining,
          .refill_interval = std::move(interval),
          .refill_amount = amount,
          .refilled_at = refilled_at,
          .set_at = set_at};
}

// A quota without refill of setting `set_at`.
domain::Quota SetQuotaOf(std::int64_t remaining, UnixMillis set_at) {
  return QuotaOf(remaining, std::nullopt, 0, std::nullopt, set_at);
}

std::string PublicIdOf(const index::KeyIdChars& id) {
  return "key_" + std::string(id.data(), id.size());
}

// Whether no interval [t, t + window) holds more than `limit` of `times` (sorted or not).
::testing::AssertionResult AtMostLimitInAnyWindow(std::vector<UnixMillis> times, std::int64_t limit,
                                                  std::int64_t window) {
  std::sort(times.begin(), times.end());
  std::size_t first = 0;
  for (std::size_t last = 0; last < times.size(); ++last) {
    while (times[last] - times[first] >= window) ++first;
    const std::size_t in_window = last - first + 1;
    if (static_cast<std::int64_t>(in_window) > limit) {
      return ::testing::AssertionFailure() << in_window << " calls allowed in [" << times[first]
                                           << ", " << times[first] + window << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

class UsageMeterTest : public ::testing::Test {
 protected:
  domain::FakeClock clock_{kStart};
  UsageMeter meter_{clock_};
};

// --- Rate limit ---

TEST_F(UsageMeterTest, AllowsUpToTheLimitThenRefusesWithRetryTime) {
  const domain::RateLimit limit{.limit = 3, .window_ms = 1500};  // slots of 100 ms
  for (std::int64_t remaining : {2, 1, 0}) {
    RateDecision d = meter_.CheckRate(Id('a'), limit);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, remaining);
  }
  clock_.Advance(40);
  RateDecision refused = meter_.CheckRate(Id('a'), limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  // kStart is at the start of a 100 ms slot: its calls count until the window no longer
  // overlaps that slot, 1599 ms after kStart.
  EXPECT_EQ(refused.reset_ms, 1599 - 40);
  clock_.Advance(1599 - 40 - 1);
  EXPECT_FALSE(meter_.CheckRate(Id('a'), limit).allowed);
  clock_.Advance(1);
  RateDecision again = meter_.CheckRate(Id('a'), limit);
  EXPECT_TRUE(again.allowed);
  EXPECT_EQ(again.remaining, 2);
}

TEST_F(UsageMeterTest, WindowSlidesInsteadOfResetting) {
  const domain::RateLimit limit{.limit = 2, .window_ms = 1500};
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);  // slot 0
  clock_.Advance(1000);
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);  // slot 10
  clock_.Advance(598);                                    // 1598: slot 0 still overlaps
  EXPECT_FALSE(meter_.CheckRate(Id('a'), limit).allowed);
  clock_.Advance(1);  // 1599: slot 0 has left, the call at 1000 still counts
  RateDecision d = meter_.CheckRate(Id('a'), limit);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.reset_ms, 1000);  // the call at 1000 leaves at 2599
  EXPECT_FALSE(meter_.CheckRate(Id('a'), limit).allowed);
}

TEST_F(UsageMeterTest, BurstAcrossAWindowBoundaryIsNotDoubled) {
  // Weighted fixed windows and token buckets would let a second burst through right after the
  // first one; this window does not before the first burst has left it.
  const domain::RateLimit limit{.limit = 10, .window_ms = 1000};
  clock_.Set(kStart + 999);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);
  for (int step = 0; step < 1000; step += 7) {
    clock_.Set(kStart + 999 + step);
    ASSERT_FALSE(meter_.CheckRate(Id('a'), limit).allowed) << step;
  }
  clock_.Set(kStart + 999 + 1000 + 67);  // at most one slot (67 ms) later, it is free again
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);
}

TEST_F(UsageMeterTest, NeverMoreThanTheLimitInAnyWindowOfRandomTraffic) {
  std::mt19937_64 random(7);
  for (const domain::RateLimit limit : {domain::RateLimit{.limit = 5, .window_ms = 1000},
                                        domain::RateLimit{.limit = 100, .window_ms = 60'000},
                                        domain::RateLimit{.limit = 3, .window_ms = 7},
                                        domain::RateLimit{.limit = 1, .window_ms = 1}}) {
    UsageMeter meter(clock_);
    clock_.Set(kStart);
    std::vector<UnixMillis> allowed;
    // Poisson arrivals at 20 times the limit, and now and then a pause of a window or so.
    const double window = static_cast<double>(limit.window_ms);
    const double per_window = static_cast<double>(limit.limit);
    const double mean_gap = window / per_window / 20;
    std::exponential_distribution<double> gap(1.0 / mean_gap);
    double elapsed = 0;
    for (int i = 0; i < 20'000; ++i) {
      elapsed += gap(random);
      if (i % 1000 == 999) elapsed += window * 1.3;
      clock_.Set(kStart + static_cast<UnixMillis>(elapsed));
      if (meter.CheckRate(Id('a'), limit).allowed) allowed.push_back(clock_.NowMillis());
    }
    EXPECT_TRUE(AtMostLimitInAnyWindow(allowed, limit.limit, limit.window_ms))
        << limit.limit << "/" << limit.window_ms;
    // And not much less: the window is conservative by one slot (1/16), and a freed call waits
    // for the next arrival; the pauses (20 of them) let nothing through.
    const double busy_windows = (elapsed - 20 * 1.3 * window) / window;
    EXPECT_GE(static_cast<double>(allowed.size()), 0.9 * per_window * busy_windows - per_window)
        << limit.limit << "/" << limit.window_ms;
  }
}

TEST_F(UsageMeterTest, ConcurrentCallsOnAFixedClockAllowExactlyTheLimitPerWindow) {
  // The clock stands still while the threads run, then moves a quarter window: any four
  // consecutive phases lie within one window.
  const domain::RateLimit limit{.limit = 50, .window_ms = 1000};
  constexpr int kThreads = 8;
  constexpr int kCallsPerPhase = 200;  // per thread
  std::vector<int> allowed_per_phase;
  for (int phase = 0; phase < 24; ++phase) {
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCallsPerPhase; ++i) {
          if (meter_.CheckRate(Id('a'), limit).allowed) allowed.fetch_add(1);
          meter_.CheckRate(IdOf(t), limit);  // other keys in the way
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    allowed_per_phase.push_back(allowed.load());
    clock_.Advance(250);
  }
  EXPECT_EQ(allowed_per_phase[0], 50);
  for (std::size_t i = 0; i + 4 <= allowed_per_phase.size(); ++i) {
    int in_window = 0;
    for (std::size_t j = i; j < i + 4; ++j) in_window += allowed_per_phase[j];
    EXPECT_LE(in_window, 50) << "phases " << i << ".." << i + 3;
  }
  // A burst is counted for at most window_ms + 66 ms < 5 phases: the next one gets through.
  for (std::size_t i = 0; i + 5 <= allowed_per_phase.size(); ++i) {
    int in_five = 0;
    for (std::size_t j = i; j < i + 5; ++j) in_five += allowed_per_phase[j];
    EXPECT_GE(in_five, 50) << "phases " << i << ".." << i + 4;
  }
}

// A clock that moves one millisecond every `reads_per_ms` reads, and remembers on each thread
// the last time it gave that thread: what the meter used for the call the thread just made.
class SteppingClock final : public domain::Clock {
 public:
  explicit SteppingClock(int reads_per_ms) : reads_per_ms_(reads_per_ms) {}
  UnixMillis NowMillis() const override {
    last_read_ = kStart + reads_.fetch_add(1) / reads_per_ms_;
    return last_read_;
  }
  static UnixMillis LastReadOnThisThread() { return last_read_; }

 private:
  const int reads_per_ms_;
  mutable std::atomic<std::int64_t> reads_{0};
  static thread_local UnixMillis last_read_;
};
thread_local UnixMillis SteppingClock::last_read_ = 0;

TEST(UsageMeterConcurrency, ThreadsRacingAMovingClockNeverExceedTheLimitInAnyWindow) {
  SteppingClock clock(/*reads_per_ms=*/8);
  UsageMeter meter(clock);
  const domain::RateLimit limit{.limit = 40, .window_ms = 200};
  constexpr int kThreads = 8;
  constexpr int kCalls = 5000;
  std::vector<std::vector<UnixMillis>> allowed(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        if (meter.CheckRate(Id('a'), limit).allowed) {
          allowed[t].push_back(SteppingClock::LastReadOnThisThread());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<UnixMillis> all;
  for (const auto& times : allowed) all.insert(all.end(), times.begin(), times.end());
  EXPECT_TRUE(AtMostLimitInAnyWindow(all, limit.limit, limit.window_ms));
  // 40 000 calls over 5 000 ms = 25 windows: saturated throughout.
  EXPECT_GE(all.size(), 40u * 25 * 15 / 16 - 40);
}

TEST_F(UsageMeterTest, KeysHaveSeparateWindows) {
  const domain::RateLimit limit{.limit = 1, .window_ms = 1000};
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);
  EXPECT_TRUE(meter_.CheckRate(Id('b'), limit).allowed);
  EXPECT_FALSE(meter_.CheckRate(Id('a'), limit).allowed);
}

TEST_F(UsageMeterTest, NewLimitAppliesToCountedCallsAndNewWindowStartsAfresh) {
  EXPECT_TRUE(meter_.CheckRate(Id('a'), {.limit = 5, .window_ms = 1000}).allowed);
  EXPECT_TRUE(meter_.CheckRate(Id('a'), {.limit = 5, .window_ms = 1000}).allowed);
  RateDecision lowered = meter_.CheckRate(Id('a'), {.limit = 2, .window_ms = 1000});
  EXPECT_FALSE(lowered.allowed);
  EXPECT_EQ(lowered.limit, 2);
  EXPECT_TRUE(meter_.CheckRate(Id('a'), {.limit = 2, .window_ms = 2000}).allowed);
}

TEST_F(UsageMeterTest, ZeroLimitRefusesAndZeroWindowIsOneMillisecond) {
  RateDecision zero = meter_.CheckRate(Id('a'), {.limit = 0, .window_ms = 1000});
  EXPECT_FALSE(zero.allowed);
  EXPECT_EQ(zero.remaining, 0);
  EXPECT_EQ(zero.reset_ms, 0);
  EXPECT_FALSE(meter_.CheckRate(Id('b'), {.limit = -1, .window_ms = 1000}).allowed);
  EXPECT_TRUE(meter_.CheckRate(Id('c'), {.limit = 1, .window_ms = 0}).allowed);
  EXPECT_FALSE(meter_.CheckRate(Id('c'), {.limit = 1, .window_ms = 0}).allowed);
  clock_.Advance(1);
  EXPECT_TRUE(meter_.CheckRate(Id('c'), {.limit = 1, .window_ms = 0}).allowed);
}

TEST_F(UsageMeterTest, ClockSteppingBackStandsStill) {
  const domain::RateLimit limit{.limit = 2, .window_ms = 1000};
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);
  clock_.Advance(900);
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);
  clock_.Advance(-5000);  // back before both calls: still counted
  RateDecision refused = meter_.CheckRate(Id('a'), limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GT(refused.reset_ms, 100);  // counted from kStart + 900, where time stands
  EXPECT_LE(refused.reset_ms, 100 + 66);
  clock_.Set(kStart + 900 + refused.reset_ms - 1);
  EXPECT_FALSE(meter_.CheckRate(Id('a'), limit).allowed);
  clock_.Set(kStart + 900 + refused.reset_ms);
  EXPECT_TRUE(meter_.CheckRate(Id('a'), limit).allowed);
}

TEST_F(UsageMeterTest, ExtremeWindowsStayInRange) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_TRUE(meter_.CheckRate(Id('a'), {.limit = 1, .window_ms = max}).allowed);
  RateDecision d = meter_.CheckRate(Id('a'), {.limit = 1, .window_ms = max});
  EXPECT_FALSE(d.allowed);
  EXPECT_GT(d.reset_ms, std::int64_t{1} << 39);
  EXPECT_TRUE(meter_.CheckRate(Id('b'), {.limit = 1, .window_ms = -max}).allowed);
}

TEST_F(UsageMeterTest, CorruptRefillAnchorsNeverRefill) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  for (UnixMillis anchor : {max, -max, std::numeric_limits<std::int64_t>::min()}) {
    UsageMeter meter(clock_);
    EXPECT_EQ(meter.Spend(Id('a'), QuotaOf(1, "monthly", 9, anchor), 1).remaining, 0);
    EXPECT_FALSE(meter.Spend(Id('a'), QuotaOf(1, "daily", 9, anchor), 1).allowed);
  }
}

TEST_F(UsageMeterTest, HugeLimitsAreCapped) {
  RateDecision d = meter_.CheckRate(
      Id('a'), {.limit = std::numeric_limits<std::int64_t>::max(), .window_ms = 1});
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(d.remaining, std::numeric_limits<std::uint32_t>::max() - 1);
}

// --- Quota ---

TEST_F(UsageMeterTest, SpendsFromTheStoredBalanceThenFromMemory) {
  const domain::Quota stored = QuotaOf(3);
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 2);
  QuotaDecision d = meter_.Spend(Id('a'), stored, 2);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  QuotaDecision refused = meter_.Spend(Id('a'), stored, 1);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  QuotaDecision check = meter_.Spend(Id('a'), stored, 0);  // a check, allowed at zero
  EXPECT_TRUE(check.allowed);
  EXPECT_EQ(check.remaining, 0);
  // The index still says 3: the meter's balance is the truth until a restart.
  EXPECT_FALSE(meter_.Spend(Id('a'), QuotaOf(100), 1).allowed);
}

TEST_F(UsageMeterTest, RefusedSpendTakesNothing) {
  EXPECT_FALSE(meter_.Spend(Id('a'), QuotaOf(5), 6).allowed);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(5), 5).remaining, 0);
}

TEST_F(UsageMeterTest, NegativeCostSpendsNothing) {
  QuotaDecision d = meter_.Spend(Id('a'), QuotaOf(1), -10);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 1);
  EXPECT_TRUE(meter_.TakeDirty().empty());
}

TEST_F(UsageMeterTest, NegativeStoredBalanceRefusesEvenACheck) {
  EXPECT_FALSE(meter_.Spend(Id('a'), QuotaOf(-1), 0).allowed);
}

TEST(UsageMeterConcurrency, ThreadsNeverOverspend) {
  domain::FakeClock clock(kStart);
  UsageMeter meter(clock);
  const domain::Quota stored = QuotaOf(1234);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (meter.Spend(Id('a'), stored, 1).allowed) allowed.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1234);
  std::vector<store::KeyUsage> dirty = meter.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_spent, 1234);
}

TEST_F(UsageMeterTest, DailyRefillSetsTheBalanceAtTheNextUtcMidnight) {
  clock_.Set(Utc(2024, 1, 5, 10));
  const domain::Quota stored = QuotaOf(2, "daily", 5);
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 2).remaining, 0);
  // A quota never refilled is anchored in the period of its first use, and that is written back
  // (as an anchor: no refill).
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0], (store::KeyUsage{.id = "key_aaaaaaaaaaaaaaaa",
                                       .quota_spent = 2,
                                       .quota_refilled_at = Utc(2024, 1, 5),
                                       .quota_next_refill_at = Utc(2024, 1, 6),
                                       .quota_refilled = false}));

  clock_.Set(Utc(2024, 1, 5, 23, 59, 59, 999));
  EXPECT_FALSE(meter_.Spend(Id('a'), stored, 1).allowed);
  clock_.Set(Utc(2024, 1, 6, 0, 0, 0, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 4);  // set to 5, then spent
  // The refill is named by the boundary it passed.
  dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0], (store::KeyUsage{.id = "key_aaaaaaaaaaaaaaaa",
                                       .quota_spent = 1,
                                       .quota_refilled_at = Utc(2024, 1, 6),
                                       .quota_next_refill_at = Utc(2024, 1, 7),
                                       .quota_refilled = true}));
}

TEST_F(UsageMeterTest, StoredRefilledAtInsideAPeriodNamesThatPeriod) {
  // Rows from before periods were named by their boundary hold the time of the refill.
  clock_.Set(Utc(2024, 1, 5, 12));
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(5, "monthly", 10, Utc(2024, 1, 3, 10)), 1).remaining, 4);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_refilled_at, Utc(2024, 1, 1));
  EXPECT_EQ(dirty[0].quota_next_refill_at, Utc(2024, 2, 1));
  EXPECT_FALSE(dirty[0].quota_refilled);
}

TEST_F(UsageMeterTest, RefillSetsRatherThanAdds) {
  clock_.Set(Utc(2024, 1, 5, 10));
  const domain::Quota stored = QuotaOf(3, "daily", 5, Utc(2024, 1, 5, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 3);
  clock_.Set(Utc(2024, 1, 9, 12));  // several boundaries missed: one refill
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 5);
  clock_.Set(Utc(2024, 1, 9, 23));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 4);  // no second refill the same day
}

TEST_F(UsageMeterTest, StoredRefilledAtInThePastRefillsOnFirstUse) {
  // After a restart: the last refill was two days ago.
  clock_.Set(Utc(2024, 3, 3, 8));
  QuotaDecision d = meter_.Spend(Id('a'), QuotaOf(0, "daily", 10, Utc(2024, 3, 1, 8)), 1);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 9);
}

TEST_F(UsageMeterTest, MonthlyRefillAtTheFirstOfTheNextUtcMonth) {
  clock_.Set(Utc(2024, 1, 31, 12));
  const domain::Quota stored = QuotaOf(1, "monthly", 100);
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 0);
  clock_.Set(Utc(2024, 1, 31, 23, 59, 59, 999));
  EXPECT_FALSE(meter_.Spend(Id('a'), stored, 1).allowed);
  clock_.Set(Utc(2024, 2, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 99);
  clock_.Set(Utc(2024, 2, 29, 23));  // leap day: still February
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 98);
  clock_.Set(Utc(2024, 3, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 100);

  clock_.Set(Utc(2024, 12, 15));  // across a year
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 99);
  clock_.Set(Utc(2024, 12, 31, 23, 59));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 98);
  clock_.Set(Utc(2025, 1, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 100);
}

TEST_F(UsageMeterTest, NoRefillWithoutAnInterval) {
  const domain::Quota stored = QuotaOf(1, std::nullopt, 50);
  EXPECT_TRUE(meter_.Spend(Id('a'), stored, 1).allowed);
  clock_.Advance(400LL * 86'400'000);
  EXPECT_FALSE(meter_.Spend(Id('a'), stored, 1).allowed);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_refilled_at, std::nullopt);
}

TEST_F(UsageMeterTest, ANewerSettingInTheIndexReplacesTheBalance) {
  clock_.Set(Utc(2024, 1, 5, 10));
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(1), 1).remaining, 0);
  // A PATCH on another node, which the index has before SetQuota or Reset come.
  const domain::Quota now_daily = QuotaOf(1, "daily", 7, std::nullopt, /*set_at=*/5);
  EXPECT_EQ(meter_.Spend(Id('a'), now_daily, 1).remaining, 0);
  EXPECT_FALSE(meter_.Spend(Id('a'), now_daily, 1).allowed);
  // The unflushed use of the old setting was dropped; the new one's is flushed with its setting.
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_spent, 1);
  EXPECT_EQ(dirty[0].quota_set_at, 5);
  clock_.Set(Utc(2024, 1, 6));
  EXPECT_EQ(meter_.Spend(Id('a'), now_daily, 1).remaining, 6);
  // An older setting (a stale index entry) does not replace it.
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(100), 1).remaining, 5);
}

TEST_F(UsageMeterTest, ResetStartsAgainFromTheStoredQuota) {
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(3), 3).remaining, 0);
  meter_.TakeDirty();
  meter_.Sync({{.id = PublicIdOf(Id('a')), .remaining = 0}});  // as the flusher does
  EXPECT_TRUE(meter_.CheckRate(Id('a'), {.limit = 1, .window_ms = 1000}).allowed);
  meter_.Reset(Id('a'));
  EXPECT_EQ(meter_.EntryCount(), 0u);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(10), 1).remaining, 9);
  EXPECT_TRUE(meter_.CheckRate(Id('a'), {.limit = 1, .window_ms = 1000}).allowed);
  meter_.Reset(Id('z'));  // unknown: nothing happens
}

TEST_F(UsageMeterTest, ResetKeepsTheUseWaitingToBeFlushed) {
  meter_.Spend(Id('a'), QuotaOf(3), 1);
  meter_.RecordUse(Id('a'), kStart, "203.0.113.7");
  meter_.Reset(Id('a'));
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0], (store::KeyUsage{.id = "key_aaaaaaaaaaaaaaaa",
                                       .quota_spent = 1,
                                       .last_used_at = kStart,
                                       .last_used_ip = "203.0.113.7"}));
}

TEST_F(UsageMeterTest, AfterResetTheBalanceIsTheStoredOneLessTheUseNotFlushedYet) {
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(10), 3).remaining, 7);
  meter_.Reset(Id('a'));
  EXPECT_EQ(meter_.EntryCount(), 1u);
  // The stored balance moved on (other nodes spent 2); the 3 spent here are not in it yet.
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, QuotaOf(8)).quota_remaining, 5);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(8), 1).remaining, 4);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_spent, 4);

  // A stored quota of a newer setting: the use of the old one is dropped.
  EXPECT_EQ(meter_.Spend(Id('b'), QuotaOf(10), 3).remaining, 7);
  meter_.Reset(Id('b'));
  EXPECT_EQ(meter_.Spend(Id('b'), SetQuotaOf(8, 1), 1).remaining, 7);
  dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_spent, 1);
  EXPECT_EQ(dirty[0].quota_set_at, 1);
}

TEST_F(UsageMeterTest, AfterResetAnUnflushedRefillStillCounts) {
  clock_.Set(Utc(2024, 1, 5, 10));
  const domain::Quota stored = QuotaOf(3, "daily", 10, Utc(2024, 1, 5));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 2);
  clock_.Set(Utc(2024, 1, 6, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 2).remaining, 8);  // refilled, then spent
  meter_.Reset(Id('a'));
  // The index still has the first day: the store will take this node's refill.
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 8);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_spent, 2);
  EXPECT_EQ(dirty[0].quota_refilled_at, Utc(2024, 1, 6));
  EXPECT_TRUE(dirty[0].quota_refilled);
}

TEST_F(UsageMeterTest, ResetDuringAFlushKeepsTheEntryUntilTheFlushIsDone) {
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(10), 2).remaining, 8);
  std::vector<store::KeyUsage> batch = meter_.TakeDirty();
  meter_.Reset(Id('a'));  // a rate limit PATCH, say
  EXPECT_EQ(meter_.EntryCount(), 1u);
  // The flush commits: 5 left, other nodes having spent 3. Fresher than the index's 10.
  meter_.Sync({{.id = PublicIdOf(Id('a')), .remaining = 5}});
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, QuotaOf(10)).quota_remaining, 5);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(10), 1).remaining, 4);

  // A deleted key: the flush finds no row, and the entry goes at the next TakeDirty.
  EXPECT_EQ(meter_.Spend(Id('b'), QuotaOf(10), 2).remaining, 8);
  (void)meter_.TakeDirty();
  meter_.Reset(Id('b'));
  meter_.Sync({});
  EXPECT_EQ(meter_.EntryCount(), 2u);
  (void)meter_.TakeDirty();
  EXPECT_EQ(meter_.EntryCount(), 1u);
}

TEST_F(UsageMeterTest, SetQuotaInstallsANewSetting) {
  const domain::Quota old_quota = QuotaOf(5);
  meter_.Spend(Id('a'), old_quota, 1);
  meter_.Spend(Id('a'), old_quota, 1);  // not flushed: dropped with the old setting
  const domain::Quota new_quota = QuotaOf(1000, "monthly", 1000, Utc(2023, 11, 1), 10);
  meter_.SetQuota(Id('a'), new_quota);
  EXPECT_TRUE(meter_.TakeDirty().empty());  // the PATCH stored the balance: nothing to flush
  // A verification that still sees the old index entry spends from the new balance.
  EXPECT_EQ(meter_.Spend(Id('a'), old_quota, 1).remaining, 999);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0], (store::KeyUsage{.id = "key_aaaaaaaaaaaaaaaa",
                                       .quota_spent = 1,
                                       .quota_set_at = 10,
                                       .quota_refilled_at = Utc(2023, 11, 1),
                                       .quota_next_refill_at = Utc(2023, 12, 1)}));

  // The same setting again (a change of something else, reloaded with a stored balance older
  // than this node's): the balance here stays.
  domain::Quota reloaded = new_quota;
  reloaded.remaining = 1000;
  meter_.SetQuota(Id('a'), reloaded);
  EXPECT_EQ(meter_.Spend(Id('a'), reloaded, 1).remaining, 998);
  meter_.SetQuota(Id('a'), QuotaOf(50));  // an older setting: ignored too
  EXPECT_EQ(meter_.Spend(Id('a'), reloaded, 1).remaining, 997);

  meter_.SetQuota(Id('b'), SetQuotaOf(7, 3));
  EXPECT_EQ(meter_.Spend(Id('b'), QuotaOf(100), 1).remaining, 6);
  meter_.SetQuota(Id('b'), std::nullopt);  // quota removed: nothing left to flush
  (void)meter_.TakeDirty();
  meter_.Spend(Id('b'), SetQuotaOf(7, 4), 1);
  meter_.SetQuota(Id('b'), std::nullopt);
  EXPECT_TRUE(meter_.TakeDirty().empty());
  EXPECT_EQ(meter_.Spend(Id('b'), SetQuotaOf(3, 5), 1).remaining, 2);
}

TEST_F(UsageMeterTest, UseOfAnOldSettingInFlightIsNeitherSyncedNorPutBack) {
  meter_.Spend(Id('a'), SetQuotaOf(5, 1), 2);
  std::vector<store::KeyUsage> batch = meter_.TakeDirty();
  meter_.SetQuota(Id('a'), SetQuotaOf(100, 2));
  meter_.Sync({{.id = PublicIdOf(Id('a')), .remaining = 3, .set_at = 1}});
  EXPECT_EQ(meter_.Spend(Id('a'), SetQuotaOf(100, 2), 0).remaining, 100);
  meter_.PutBack(batch);
  EXPECT_TRUE(meter_.TakeDirty().empty());
}

// --- Several nodes: Sync ---

TEST_F(UsageMeterTest, SyncTakesTheStoredBalanceLessWhatWasSpentSinceTheBatch) {
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(100), 10).remaining, 90);
  std::vector<store::KeyUsage> batch = meter_.TakeDirty();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].quota_spent, 10);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(100), 5).remaining, 85);  // while the batch is written
  // The store had 100, another node's flush took 20, this batch 10: 70.
  meter_.Sync({{.id = PublicIdOf(Id('a')), .remaining = 70}});
  QuotaDecision d = meter_.Spend(Id('a'), QuotaOf(100), 0);
  EXPECT_EQ(d.remaining, 65);
  // Only the units spent since the batch go with the next one.
  batch = meter_.TakeDirty();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].quota_spent, 5);
  meter_.Sync({{.id = PublicIdOf(Id('a')), .remaining = -3}});   // other nodes over-spent
  EXPECT_FALSE(meter_.Spend(Id('a'), QuotaOf(100), 0).allowed);  // not even a check
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, QuotaOf(100)).quota_remaining, -3);
}

TEST_F(UsageMeterTest, SyncLeavesABalanceOfAnotherSettingOrPeriod) {
  clock_.Set(Utc(2024, 1, 5, 23));
  const domain::Quota stored = QuotaOf(50, "daily", 100, Utc(2024, 1, 5), 7);
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 49);
  (void)meter_.TakeDirty();
  // A stored quota of another setting (replaced on another node): left to the index.
  meter_.Sync(
      {{.id = PublicIdOf(Id('a')), .remaining = 5, .set_at = 8, .refilled_at = Utc(2024, 1, 5)}});
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 48);
  (void)meter_.TakeDirty();
  // The store in a later period than this node (another node's clock ahead): left too.
  meter_.Sync(
      {{.id = PublicIdOf(Id('a')), .remaining = 90, .set_at = 7, .refilled_at = Utc(2024, 1, 6)}});
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 47);
  (void)meter_.TakeDirty();
  // This node refilled after taking the batch: the store's balance is of the day before.
  clock_.Set(Utc(2024, 1, 6, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 99);
  meter_.Sync(
      {{.id = PublicIdOf(Id('a')), .remaining = 40, .set_at = 7, .refilled_at = Utc(2024, 1, 5)}});
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 99);
  // A Sync after the next TakeDirty is not about this batch: left too (one batch at a time).
  (void)meter_.TakeDirty();
  (void)meter_.TakeDirty();
  meter_.Sync(
      {{.id = PublicIdOf(Id('a')), .remaining = 1, .set_at = 7, .refilled_at = Utc(2024, 1, 6)}});
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 0).remaining, 99);
  meter_.Sync({{.id = "not a key id", .remaining = 1}});  // ignored
}

TEST_F(UsageMeterTest, TwoMetersOnOneBalanceSeeEachOtherAtEachSync) {
  // The store's rules for a quota without refill, for two nodes flushing in turn.
  std::int64_t stored = 100;
  UsageMeter other(clock_);
  auto flush = [&](UsageMeter& meter) {
    for (const store::KeyUsage& u : meter.TakeDirty()) {
      stored -= u.quota_spent.value_or(0);
      meter.Sync({{.id = u.id, .remaining = stored}});
    }
  };
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(100), 30).remaining, 70);
  EXPECT_EQ(other.Spend(Id('a'), QuotaOf(100), 50).remaining, 50);
  flush(meter_);
  flush(other);
  EXPECT_EQ(stored, 20);
  EXPECT_EQ(other.Spend(Id('a'), QuotaOf(100), 0).remaining, 20);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(100), 10).remaining, 60);  // not synced since
  flush(meter_);
  EXPECT_EQ(meter_.Spend(Id('a'), QuotaOf(100), 0).remaining, 10);
  // Both spend what they see: the over-spending is what the other had not seen.
  EXPECT_TRUE(meter_.Spend(Id('a'), QuotaOf(100), 10).allowed);
  EXPECT_TRUE(other.Spend(Id('a'), QuotaOf(100), 20).allowed);
  flush(meter_);
  flush(other);
  EXPECT_EQ(stored, -20);
  flush(meter_);  // nothing spent since: no sync, but nothing to spend either way
  EXPECT_FALSE(other.Spend(Id('a'), QuotaOf(100), 1).allowed);
}

// --- Last use ---

TEST_F(UsageMeterTest, RecordUseKeepsTheNewestUse) {
  meter_.RecordUse(Id('a'), kStart + 10, "203.0.113.7");
  meter_.RecordUse(Id('a'), kStart + 5, "198.51.100.1");  // older: ignored
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0], (store::KeyUsage{.id = "key_aaaaaaaaaaaaaaaa",
                                       .last_used_at = kStart + 10,
                                       .last_used_ip = "203.0.113.7"}));
  meter_.RecordUse(Id('a'), kStart + 10, "203.0.113.7");  // no change: nothing to flush
  EXPECT_TRUE(meter_.TakeDirty().empty());
  meter_.RecordUse(Id('a'), kStart + 10, "2001:db8::1234:5678:9abc:def0");  // same ms, new ip
  meter_.RecordUse(Id('a'), kStart + 11, "");
  dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].last_used_at, kStart + 11);
  EXPECT_EQ(dirty[0].last_used_ip, "");
}

// --- Flushing ---

TEST_F(UsageMeterTest, TakeDirtyReturnsEachChangedKeyOnceWithOnlyItsChangedFields) {
  meter_.Spend(Id('a'), QuotaOf(10), 3);
  meter_.RecordUse(Id('b'), kStart, "::1");
  meter_.Spend(Id('c'), QuotaOf(10), 1);
  meter_.RecordUse(Id('c'), kStart + 1, "::2");
  meter_.CheckRate(Id('d'), {.limit = 5, .window_ms = 1000});  // rate windows are not stored
  meter_.Spend(Id('e'), QuotaOf(0), 1);                        // refused: nothing changed
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  std::sort(dirty.begin(), dirty.end(),
            [](const store::KeyUsage& x, const store::KeyUsage& y) { return x.id < y.id; });
  EXPECT_EQ(dirty,
            (std::vector<store::KeyUsage>{
                {.id = "key_aaaaaaaaaaaaaaaa", .quota_spent = 3},
                {.id = "key_bbbbbbbbbbbbbbbb", .last_used_at = kStart, .last_used_ip = "::1"},
                {.id = "key_cccccccccccccccc",
                 .quota_spent = 1,
                 .last_used_at = kStart + 1,
                 .last_used_ip = "::2"},
            }));
  EXPECT_TRUE(meter_.TakeDirty().empty());
  EXPECT_EQ(meter_.EntryCount(), 5u);
}

TEST_F(UsageMeterTest, PutBackRemarksWithoutOverwritingNewerValues) {
  meter_.Spend(Id('a'), QuotaOf(10), 1);
  meter_.RecordUse(Id('a'), kStart, "::1");
  meter_.RecordUse(Id('b'), kStart, "::1");
  std::vector<store::KeyUsage> failed = meter_.TakeDirty();
  ASSERT_EQ(failed.size(), 2u);

  meter_.Spend(Id('a'), QuotaOf(10), 1);         // newer balance
  meter_.RecordUse(Id('a'), kStart + 5, "::5");  // newer use
  meter_.PutBack(failed);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  std::sort(dirty.begin(), dirty.end(),
            [](const store::KeyUsage& x, const store::KeyUsage& y) { return x.id < y.id; });
  EXPECT_EQ(dirty,
            (std::vector<store::KeyUsage>{
                {.id = "key_aaaaaaaaaaaaaaaa",
                 .quota_spent = 2,  // the put-back unit and the new one
                 .last_used_at = kStart + 5,
                 .last_used_ip = "::5"},
                {.id = "key_bbbbbbbbbbbbbbbb", .last_used_at = kStart, .last_used_ip = "::1"},
            }));
}

TEST_F(UsageMeterTest, PutBackDropsUseOfAPeriodRefilledSince) {
  clock_.Set(Utc(2024, 1, 5, 23));
  const domain::Quota stored = QuotaOf(5, "daily", 10, Utc(2024, 1, 5));
  meter_.Spend(Id('a'), stored, 2);
  std::vector<store::KeyUsage> failed = meter_.TakeDirty();
  clock_.Set(Utc(2024, 1, 6, 1));
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 9);
  meter_.PutBack(failed);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].quota_spent, 1);
  EXPECT_EQ(dirty[0].quota_refilled_at, Utc(2024, 1, 6));
}

TEST_F(UsageMeterTest, PutBackKeepsTheUseOfAKeyResetSince) {
  meter_.Spend(Id('a'), QuotaOf(10), 1);
  meter_.RecordUse(Id('a'), kStart, "::1");
  std::vector<store::KeyUsage> failed = meter_.TakeDirty();
  meter_.Reset(Id('a'));               // e.g. deleted while the flush was failing
  EXPECT_EQ(meter_.EntryCount(), 1u);  // its use is in flight
  meter_.PutBack(failed);
  std::vector<store::KeyUsage> dirty = meter_.TakeDirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0], failed[0]);                               // the store skips a deleted key
  meter_.PutBack({{.id = "not a key id", .last_used_at = 1}});  // ignored
  EXPECT_TRUE(meter_.TakeDirty().empty());
}

TEST(UsageMeterConcurrency, FlushingWhileThreadsSpendLosesNothing) {
  domain::FakeClock clock(kStart);
  UsageMeter meter(clock);
  constexpr int kThreads = 4;
  constexpr int kKeys = 64;
  constexpr int kCalls = 20'000;
  std::atomic<bool> done{false};
  std::map<std::string, store::KeyUsage> flushed;  // units and last use written per key
  std::thread flusher([&] {
    auto flush = [&] {
      for (store::KeyUsage& usage : meter.TakeDirty()) {
        store::KeyUsage& last = flushed[usage.id];
        last.id = usage.id;
        if (usage.quota_spent) last.quota_spent = last.quota_spent.value_or(0) + *usage.quota_spent;
        if (usage.last_used_at) {
          EXPECT_GE(*usage.last_used_at, last.last_used_at.value_or(0));
          last.last_used_at = usage.last_used_at;
        }
      }
    };
    while (!done.load()) flush();
    flush();
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<int> spent(std::size_t{kKeys} * kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const int key = i % kKeys;
        if (meter.Spend(IdOf(key), QuotaOf(1'000'000), 1).allowed) ++spent[t * kKeys + key];
        meter.RecordUse(IdOf(key), kStart + i, "::1");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done.store(true);
  flusher.join();
  ASSERT_EQ(flushed.size(), static_cast<std::size_t>(kKeys));
  for (int key = 0; key < kKeys; ++key) {
    int total = 0;
    for (int t = 0; t < kThreads; ++t) total += spent[t * kKeys + key];
    const store::KeyUsage& last =
        flushed.at(std::string("key_") + std::string(IdOf(key).data(), IdOf(key).size()));
    EXPECT_EQ(last.quota_spent, total) << key;
    const int last_call = (kCalls - 1 - key) / kKeys * kKeys + key;  // the last i for this key
    EXPECT_EQ(last.last_used_at, kStart + last_call) << key;
  }
}

// --- Peek ---

TEST_F(UsageMeterTest, PeekShowsTheRateWindowWithoutCountingACall) {
  const domain::RateLimit limit{.limit = 3, .window_ms = 1500};  // slots of 100 ms
  UsageSnapshot fresh = meter_.Peek(Id('a'), limit, std::nullopt);
  ASSERT_TRUE(fresh.rate);
  EXPECT_EQ(fresh.rate->remaining, 3);
  EXPECT_EQ(fresh.rate->reset_ms, 0);
  EXPECT_FALSE(fresh.quota_remaining);
  EXPECT_FALSE(fresh.last_used_at);
  meter_.CheckRate(Id('a'), limit);
  meter_.CheckRate(Id('a'), limit);
  clock_.Advance(40);
  for (int i = 0; i < 3; ++i) {
    UsageSnapshot seen = meter_.Peek(Id('a'), limit, std::nullopt);
    EXPECT_TRUE(seen.rate->allowed);
    EXPECT_EQ(seen.rate->limit, 3);
    EXPECT_EQ(seen.rate->remaining, 1);
    EXPECT_EQ(seen.rate->reset_ms, 1599 - 40);  // as CheckRate would say
  }
  EXPECT_EQ(meter_.CheckRate(Id('a'), limit).remaining, 0);  // the peeks took nothing
  EXPECT_FALSE(meter_.Peek(Id('a'), limit, std::nullopt).rate->allowed);
  clock_.Advance(1599 - 40);  // the calls have left the window
  EXPECT_EQ(meter_.Peek(Id('a'), limit, std::nullopt).rate->remaining, 3);
  // Another window length starts afresh, as CheckRate would.
  const domain::RateLimit longer{.limit = 3, .window_ms = 60'000};
  EXPECT_EQ(meter_.Peek(Id('a'), longer, std::nullopt).rate->remaining, 3);
}

TEST_F(UsageMeterTest, PeekShowsTheBalanceADueRefillWouldSetWithoutRefilling) {
  clock_.Set(Utc(2024, 1, 5, 10));
  const domain::Quota stored = QuotaOf(10, "daily", 50, Utc(2024, 1, 5, 1));
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, stored).quota_remaining, 10);  // not seen yet
  meter_.Spend(Id('a'), stored, 3);
  (void)meter_.TakeDirty();
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, stored).quota_remaining, 7);
  clock_.Set(Utc(2024, 1, 6, 0, 0, 1));
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, stored).quota_remaining, 50);
  EXPECT_TRUE(meter_.TakeDirty().empty());  // nothing refilled by looking
  EXPECT_EQ(meter_.Spend(Id('a'), stored, 1).remaining, 49);
  // A stored quota refilled long ago shows the refill before its first spend here.
  EXPECT_EQ(
      meter_.Peek(Id('b'), std::nullopt, QuotaOf(0, "daily", 5, Utc(2024, 1, 1))).quota_remaining,
      5);
}

TEST_F(UsageMeterTest, PeekShowsTheLastUse) {
  meter_.RecordUse(Id('a'), kStart + 5, "192.0.2.1");
  EXPECT_EQ(meter_.Peek(Id('a'), std::nullopt, std::nullopt).last_used_at, kStart + 5);
  EXPECT_FALSE(meter_.Peek(Id('b'), std::nullopt, std::nullopt).last_used_at);
}

}  // namespace
}  // namespace latchkey::service
