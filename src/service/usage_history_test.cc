#include "service/usage_history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/fake_random.h"
#include "crypto/key_format.h"

namespace latchkey::service {
namespace {

using domain::UnixMillis;

constexpr UnixMillis kMinute = 60'000;
constexpr UnixMillis kHour = 60 * kMinute;
constexpr UnixMillis kDay = 24 * kHour;
// 2023-11-14T22:00:00Z: a whole hour, so that minute m of an hour is kStart + m * kMinute.
constexpr UnixMillis kStart = 1'699'999'200'000;

// The codes of a key that was found: the ones the history counts.
constexpr VerifyCode kCounted[] = {VerifyCode::kRevoked,
                                   VerifyCode::kExpired,
                                   VerifyCode::kDisabled,
                                   VerifyCode::kWrongNamespace,
                                   VerifyCode::kIpNotAllowed,
                                   VerifyCode::kOriginNotAllowed,
                                   VerifyCode::kResourceNotAllowed,
                                   VerifyCode::kDataAccessDenied,
                                   VerifyCode::kInsufficientScope,
                                   VerifyCode::kRateLimited,
                                   VerifyCode::kUsageExceeded,
                                   VerifyCode::kValid};

index::KeyIdChars IdOf(int n) {
  index::KeyIdChars id;
  id.fill('A');
  std::string digits = std::to_string(n);
  std::copy(digits.begin(), digits.end(), id.end() - static_cast<std::ptrdiff_t>(digits.size()));
  return id;
}

std::uint64_t Count(const UsageBucket& bucket, VerifyCode code) {
  return bucket.counts[static_cast<std::size_t>(code)];
}

std::uint64_t Total(const std::vector<UsageBucket>& buckets, VerifyCode code) {
  std::uint64_t total = 0;
  for (const UsageBucket& b : buckets) total += Count(b, code);
  return total;
}

TEST(UsageHistory, CountsByCodeInTheCurrentMinuteAndHour) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  const UnixMillis now = kStart + 17 * kMinute + 42'000;
  for (int i = 0; i < 3; ++i) history.Record(IdOf(1), VerifyCode::kValid, now);
  history.Record(IdOf(1), VerifyCode::kRateLimited, now);
  history.Record(IdOf(2), VerifyCode::kValid, now);

  KeyUsageSeries series = history.Read(IdOf(1), now);
  ASSERT_EQ(series.minutes.size(), 60u);
  ASSERT_EQ(series.hours.size(), 24u);
  EXPECT_EQ(series.since, kStart);
  EXPECT_EQ(series.minutes.back().start, kStart + 17 * kMinute);
  EXPECT_EQ(series.minutes.front().start, kStart + 17 * kMinute - 59 * kMinute);
  EXPECT_EQ(series.hours.back().start, kStart);
  EXPECT_EQ(series.hours.front().start, kStart - 23 * kHour);
  EXPECT_EQ(Count(series.minutes.back(), VerifyCode::kValid), 3u);
  EXPECT_EQ(Count(series.minutes.back(), VerifyCode::kRateLimited), 1u);
  EXPECT_EQ(Count(series.hours.back(), VerifyCode::kValid), 3u);
  EXPECT_EQ(Count(series.hours.back(), VerifyCode::kRateLimited), 1u);
  EXPECT_EQ(Total(series.minutes, VerifyCode::kValid), 3u);
  EXPECT_EQ(Total(series.hours, VerifyCode::kValid), 3u);
  EXPECT_EQ(history.KeyCount(), 2u);
}

TEST(UsageHistory, KeysNeverVerifiedReadAsZero) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  KeyUsageSeries series = history.Read(IdOf(9), kStart + kHour);
  ASSERT_EQ(series.minutes.size(), 60u);
  EXPECT_EQ(series.minutes.back().start, kStart + kHour);
  EXPECT_EQ(series.since, kStart);
  for (VerifyCode code : kCounted) EXPECT_EQ(Total(series.hours, code), 0u);
}

TEST(UsageHistory, MalformedAndNotFoundAreNotCounted) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  history.Record(IdOf(1), VerifyCode::kMalformed, kStart);
  history.Record(IdOf(1), VerifyCode::kNotFound, kStart);
  EXPECT_EQ(history.KeyCount(), 0u);
}

TEST(UsageHistory, EveryCodeOfAFoundKeyIsKeptApart) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  // Code number i, i + 1 times, all in one minute and again in the next.
  for (UnixMillis minute : {kStart, kStart + kMinute}) {
    for (std::size_t i = 0; i < std::size(kCounted); ++i) {
      for (std::size_t n = 0; n <= i; ++n) history.Record(IdOf(1), kCounted[i], minute + 1000);
    }
  }
  KeyUsageSeries series = history.Read(IdOf(1), kStart + kMinute);
  for (std::size_t i = 0; i < std::size(kCounted); ++i) {
    EXPECT_EQ(Count(series.minutes[58], kCounted[i]), i + 1) << VerifyCodeName(kCounted[i]);
    EXPECT_EQ(Count(series.minutes[59], kCounted[i]), i + 1) << VerifyCodeName(kCounted[i]);
    EXPECT_EQ(Count(series.hours.back(), kCounted[i]), 2 * (i + 1));
  }
}

TEST(UsageHistory, MinutesRollOverAndLeaveTheHourButNotTheDay) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  history.Record(IdOf(1), VerifyCode::kValid, kStart);                   // 22:00
  history.Record(IdOf(1), VerifyCode::kValid, kStart + kMinute - 1);     // 22:00:59.999
  history.Record(IdOf(1), VerifyCode::kValid, kStart + kMinute);         // 22:01
  history.Record(IdOf(1), VerifyCode::kExpired, kStart + 59 * kMinute);  // 22:59

  KeyUsageSeries at_59 = history.Read(IdOf(1), kStart + 59 * kMinute);
  EXPECT_EQ(Count(at_59.minutes[0], VerifyCode::kValid), 2u);  // 22:00
  EXPECT_EQ(Count(at_59.minutes[1], VerifyCode::kValid), 1u);  // 22:01
  EXPECT_EQ(Count(at_59.minutes[59], VerifyCode::kExpired), 1u);
  EXPECT_EQ(Count(at_59.hours.back(), VerifyCode::kValid), 3u);

  // At 23:00 22:00 has left the hour view; the day view still has all of 22:00-22:59.
  history.Record(IdOf(1), VerifyCode::kValid, kStart + 60 * kMinute);
  KeyUsageSeries at_60 = history.Read(IdOf(1), kStart + 60 * kMinute);
  EXPECT_EQ(at_60.minutes[0].start, kStart + kMinute);
  EXPECT_EQ(Count(at_60.minutes[0], VerifyCode::kValid), 1u);  // 22:01
  EXPECT_EQ(Total(at_60.minutes, VerifyCode::kValid), 2u);
  EXPECT_EQ(Count(at_60.hours[22], VerifyCode::kValid), 3u);  // 22:00-22:59
  EXPECT_EQ(Count(at_60.hours[22], VerifyCode::kExpired), 1u);
  EXPECT_EQ(Count(at_60.hours[23], VerifyCode::kValid), 1u);  // 23:00

  // 23 hours later 22:00-22:59 is the oldest hour of the day; an hour after that it is gone.
  KeyUsageSeries later = history.Read(IdOf(1), kStart + 23 * kHour);
  EXPECT_EQ(Count(later.hours[0], VerifyCode::kValid), 3u);
  EXPECT_EQ(Total(later.minutes, VerifyCode::kValid), 0u);
  history.Record(IdOf(1), VerifyCode::kValid, kStart + 24 * kHour);
  KeyUsageSeries gone = history.Read(IdOf(1), kStart + 24 * kHour);
  EXPECT_EQ(Count(gone.hours[0], VerifyCode::kValid), 1u);  // 23:00 of the first day
  EXPECT_EQ(Total(gone.hours, VerifyCode::kValid), 2u);
  EXPECT_EQ(Total(gone.hours, VerifyCode::kExpired), 0u);
}

TEST(UsageHistory, AClockThatStepsBackCountsInTheNewestMinute) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  history.Record(IdOf(1), VerifyCode::kValid, kStart + 10 * kMinute);
  history.Record(IdOf(1), VerifyCode::kValid, kStart + 5 * kMinute);
  KeyUsageSeries series = history.Read(IdOf(1), kStart + 5 * kMinute);
  EXPECT_EQ(series.minutes.back().start, kStart + 10 * kMinute);
  EXPECT_EQ(Count(series.minutes.back(), VerifyCode::kValid), 2u);
}

// Records at random times (mostly seconds apart, sometimes hours or more than a day, now and then
// a step back) and compares every Read with counts made from the list of what was recorded.
TEST(UsageHistory, MatchesAPlainCountOfEveryRecordedVerification) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  std::mt19937_64 rng(42);
  struct Recorded {
    UnixMillis minute;  // the minute it counts in: a step back counts in the newest
    VerifyCode code;
  };
  std::vector<Recorded> recorded;
  UnixMillis now = kStart;
  UnixMillis newest_minute = now / kMinute;
  for (int step = 0; step < 20'000; ++step) {
    const std::uint64_t dice = rng() % 1000;
    if (dice < 2) {
      now += static_cast<UnixMillis>(rng() % (3 * kDay));
    } else if (dice < 10) {  // about a day: the oldest hour of the day view
      now += 22 * kHour + static_cast<UnixMillis>(rng() % (3 * kHour));
    } else if (dice < 20) {
      now += static_cast<UnixMillis>(rng() % (3 * kHour));
    } else if (dice < 30) {
      now -= static_cast<UnixMillis>(rng() % (5 * kMinute));
    } else if (dice == 999 && step > 10'000) {
      now += 50 * kDay;  // beyond the 2^16 minutes of a record's bucket number
    } else {
      now += static_cast<UnixMillis>(rng() % 20'000);
    }
    // Mostly VALID, sometimes any other code.
    const VerifyCode code = rng() % 4 != 0 ? VerifyCode::kValid : kCounted[rng() % 12];
    history.Record(IdOf(1), code, now);
    newest_minute = std::max(newest_minute, now / kMinute);
    recorded.push_back({newest_minute, code});
    if (rng() % 10 != 0) continue;

    const UnixMillis read_at = now + static_cast<UnixMillis>(rng() % (2 * kHour));
    KeyUsageSeries series = history.Read(IdOf(1), read_at);
    const UnixMillis minute = std::max(read_at / kMinute, newest_minute);
    std::vector<UsageBucket> minutes(60), hours(24);
    for (const Recorded& r : recorded) {
      const UnixMillis m = r.minute - (minute - 59);
      const UnixMillis h = r.minute / 60 - (minute / 60 - 23);
      if (m >= 0 && m < 60) ++minutes[m].counts[static_cast<std::size_t>(r.code)];
      if (h >= 0 && h < 24) ++hours[h].counts[static_cast<std::size_t>(r.code)];
    }
    for (int i = 0; i < 60; ++i) {
      ASSERT_EQ(series.minutes[i].start, (minute - 59 + i) * kMinute) << step;
      ASSERT_EQ(series.minutes[i].counts, minutes[i].counts) << "step " << step << " minute " << i;
    }
    for (int i = 0; i < 24; ++i) {
      ASSERT_EQ(series.hours[i].start, (minute / 60 - 23 + i) * kHour) << step;
      ASSERT_EQ(series.hours[i].counts, hours[i].counts) << "step " << step << " hour " << i;
    }
  }
}

// Every code in every minute for two days: the most records a key can hold (the list is
// bounded; exceeding it would abort), and still exact.
TEST(UsageHistory, AKeyWithEveryCodeEveryMinuteStaysWithinItsBound) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  const UnixMillis end = kStart + 2 * kDay;
  for (UnixMillis t = kStart; t < end; t += kMinute) {
    for (int twice = 0; twice < 2; ++twice) {
      for (VerifyCode code : kCounted) history.Record(IdOf(1), code, t);
    }
  }
  KeyUsageSeries series = history.Read(IdOf(1), end - 1);
  for (VerifyCode code : kCounted) {
    EXPECT_EQ(Total(series.minutes, code), 2u * 60u);
    EXPECT_EQ(Total(series.hours, code), 2u * 24u * 60u);
  }
}

TEST(UsageHistory, SweepDropsKeysUntouchedForADay) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  history.Record(IdOf(1), VerifyCode::kValid, kStart);
  history.Record(IdOf(2), VerifyCode::kValid, kStart + kDay - kMinute);
  clock.Set(kStart + kDay - 1);
  EXPECT_EQ(history.Sweep(), 0u);
  clock.Set(kStart + kDay);
  EXPECT_EQ(history.Sweep(), 1u);
  EXPECT_EQ(history.KeyCount(), 1u);
  // Nothing that could still be shown was lost.
  EXPECT_EQ(Total(history.Read(IdOf(2), kStart + kDay).hours, VerifyCode::kValid), 1u);
}

TEST(UsageHistory, ShardsSweepThemselvesOnRecord) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  // Enough keys that every one of the 256 shards gets some.
  for (int i = 0; i < 5000; ++i) history.Record(IdOf(i), VerifyCode::kValid, kStart);
  for (int i = 5000; i < 10'000; ++i) history.Record(IdOf(i), VerifyCode::kValid, kStart + kDay);
  EXPECT_EQ(history.KeyCount(), 5000u);
}

// About 80 keys a shard: every shard's table grows several times; then the sweep drops every
// other key and moves the others into a smaller table, where new keys come in again.
TEST(UsageHistory, ManyKeysKeepTheirCountsWhileTablesGrowAndShrink) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  constexpr int kKeys = 20'000;
  for (int i = 0; i < kKeys; ++i) {
    const UnixMillis at = i % 2 == 0 ? kStart : kStart + 12 * kHour;
    for (int n = 0; n <= i % 3; ++n) history.Record(IdOf(i), VerifyCode::kValid, at);
  }
  const UnixMillis later = kStart + kDay;
  clock.Set(later);
  EXPECT_EQ(history.Sweep(), std::size_t{kKeys / 2});
  EXPECT_EQ(history.KeyCount(), std::size_t{kKeys / 2});
  for (int i = 0; i < kKeys; ++i) {
    const std::uint64_t want = i % 2 == 0 ? 0 : static_cast<std::uint64_t>(i % 3 + 1);
    ASSERT_EQ(Total(history.Read(IdOf(i), later).hours, VerifyCode::kValid), want) << i;
  }
  for (int i = 0; i < kKeys; i += 2) history.Record(IdOf(i), VerifyCode::kRevoked, later);
  EXPECT_EQ(history.KeyCount(), std::size_t{kKeys});
  for (int i = 0; i < kKeys; ++i) {
    const KeyUsageSeries series = history.Read(IdOf(i), later);
    ASSERT_EQ(Total(series.hours, VerifyCode::kRevoked), i % 2 == 0 ? 1u : 0u) << i;
    ASSERT_EQ(Total(series.hours, VerifyCode::kValid), i % 2 == 0 ? 0u : i % 3 + 1u) << i;
  }
}

// Prefetch is a hint: it takes no lock, may run while Records grow the tables it reads the
// geometry of, and changes nothing (run under TSan to check the first two).
TEST(UsageHistory, PrefetchChangesNothingAndMayRunDuringRecords) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  history.Prefetch(IdOf(1));  // no table yet
  constexpr int kKeys = 3000;
  std::atomic<bool> done{false};
  std::thread prefetcher([&] {
    while (!done.load()) {
      for (int i = 0; i < kKeys; ++i) history.Prefetch(IdOf(i));
    }
  });
  for (int i = 0; i < kKeys; ++i) history.Record(IdOf(i), VerifyCode::kValid, kStart);
  done.store(true);
  prefetcher.join();
  history.Prefetch(IdOf(kKeys + 1));
  EXPECT_EQ(history.KeyCount(), std::size_t{kKeys});
  EXPECT_EQ(Total(history.Read(IdOf(7), kStart).minutes, VerifyCode::kValid), 1u);
  EXPECT_EQ(Total(history.Read(IdOf(kKeys + 1), kStart).minutes, VerifyCode::kValid), 0u);
}

TEST(UsageHistory, TheCapRefusesNewKeysAndSinceSaysFromWhenCountsAreWhole) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock, /*max_keys=*/UsageHistory::kShards);  // one key per shard
  const UnixMillis first = kStart + kMinute;
  for (int i = 0; i < 2000; ++i) history.Record(IdOf(i), VerifyCode::kValid, first);
  const std::size_t tracked = history.KeyCount();
  EXPECT_LE(tracked, UsageHistory::kShards);
  EXPECT_GT(tracked, UsageHistory::kShards / 2);
  EXPECT_EQ(history.RefusedCount(), 2000 - tracked);
  // Key 0 came first into an empty shard: counted since the start. Some later key was refused,
  // and reads so: since the refusal, with nothing counted.
  EXPECT_EQ(history.Read(IdOf(0), first).since, kStart);
  EXPECT_EQ(Count(history.Read(IdOf(0), first).minutes.back(), VerifyCode::kValid), 1u);
  int refused = -1;
  for (int i = 0; i < 2000 && refused < 0; ++i) {
    if (Total(history.Read(IdOf(i), first).minutes, VerifyCode::kValid) == 0) refused = i;
  }
  ASSERT_GE(refused, 0);
  EXPECT_EQ(history.Read(IdOf(refused), first).since, first);

  // A day later the shard's entry has gone stale; the refused key gets the room, counted since
  // the refusal.
  const UnixMillis later = first + kDay + kMinute;
  history.Record(IdOf(refused), VerifyCode::kRevoked, later);
  KeyUsageSeries series = history.Read(IdOf(refused), later);
  EXPECT_EQ(series.since, first);
  EXPECT_EQ(Count(series.minutes.back(), VerifyCode::kRevoked), 1u);
}

TEST(UsageHistory, CountsFromSeveralThreadsAreExact) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  constexpr int kThreads = 4;
  constexpr int kCalls = 20'000;
  // Every thread counts on one shared hot key and on keys of its own, moving through eleven
  // hours (so minutes fold into hours while others count), each at its own pace.
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&history, t] {
      for (int i = 0; i < kCalls; ++i) {
        const UnixMillis now = kStart + static_cast<UnixMillis>(i) * (2000 + t);
        const VerifyCode code = i % 3 == 0 ? VerifyCode::kRateLimited : VerifyCode::kValid;
        history.Record(IdOf(0), code, now);
        history.Record(IdOf(1 + t * 8 + i % 8), VerifyCode::kValid, now);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const UnixMillis end = kStart + 12 * kHour;
  KeyUsageSeries hot = history.Read(IdOf(0), end);
  const std::uint64_t limited = std::uint64_t{kThreads} * ((kCalls + 2) / 3);
  EXPECT_EQ(Total(hot.hours, VerifyCode::kRateLimited), limited);
  EXPECT_EQ(Total(hot.hours, VerifyCode::kValid), std::uint64_t{kThreads} * kCalls - limited);
  std::uint64_t own = 0;
  for (int k = 1; k <= kThreads * 8; ++k)
    own += Total(history.Read(IdOf(k), end).hours, VerifyCode::kValid);
  EXPECT_EQ(own, static_cast<std::uint64_t>(kThreads) * kCalls);
}

// The verifier counts every verification of a key it found, with the code it answered.
TEST(UsageHistory, TheVerifierCountsFoundKeysByCode) {
  domain::FakeClock clock(kStart);
  UsageHistory history(clock);
  UsageMeter meter(clock);
  index::KeyIndex index;
  auto hasher = std::move(crypto::SecretHasher::Create(std::vector<std::uint8_t>(32, 1))).value();
  Verifier verifier(index, *hasher, clock, &meter, &history);
  index.PutPrincipal({.id = "pr_owner", .name = "owner"});
  crypto::SeededRandom random(7);
  crypto::GeneratedKey generated = crypto::GenerateKey("lk", random);
  domain::ApiKey key;
  key.id = generated.id;
  key.owner_id = "pr_owner";
  key.namespace_id = "ns_a";
  key.scopes = {"keys:read"};
  key.rate_limit = domain::RateLimit{.limit = 2, .window_ms = 60'000};
  key.digest = hasher->Digest(generated.key);
  index.PutKey(key);

  const std::string_view write[] = {"keys:write"};
  EXPECT_EQ(verifier.Verify({.key = generated.key}).code, VerifyCode::kValid);
  EXPECT_EQ(verifier.Verify({.key = generated.key, .namespace_id = "ns_b"}).code,
            VerifyCode::kWrongNamespace);
  EXPECT_EQ(verifier.Verify({.key = generated.key, .scopes = write}).code,
            VerifyCode::kInsufficientScope);
  EXPECT_EQ(verifier.Verify({.key = generated.key}).code, VerifyCode::kValid);
  EXPECT_EQ(verifier.Verify({.key = generated.key}).code, VerifyCode::kRateLimited);
  EXPECT_EQ(verifier.Verify({.key = generated.key + "x"}).code, VerifyCode::kMalformed);
  EXPECT_EQ(verifier.Verify({.key = crypto::GenerateKey("lk", random).key}).code,
            VerifyCode::kNotFound);

  auto id = index::KeyIndex::IdCharsOf(generated.id);
  ASSERT_TRUE(id);
  const KeyUsageSeries series = history.Read(*id, kStart);
  const UsageBucket& now = series.minutes.back();
  EXPECT_EQ(Count(now, VerifyCode::kValid), 2u);
  EXPECT_EQ(Count(now, VerifyCode::kWrongNamespace), 1u);
  EXPECT_EQ(Count(now, VerifyCode::kInsufficientScope), 1u);
  EXPECT_EQ(Count(now, VerifyCode::kRateLimited), 1u);
  EXPECT_EQ(history.KeyCount(), 1u);
}

}  // namespace
}  // namespace latchkey::service
