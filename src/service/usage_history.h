#pragma once
// UsageHistory: how the verifications of each key turned out lately (issue 6: the console's
// usage chart, docs/console.md). For every key that verification found (every VerifyCode but
// MALFORMED and NOT_FOUND) it counts verifications by code in one-minute buckets over the last
// hour and in one-hour buckets over the last day. In memory only: the counts are this node's,
// since it started; a restart starts from zero, and nodes sharing a store count apart.
//
// Layout. A key gets an entry on its first counted verification: 40 bytes in a 64-byte slot (one
// cache line, with the id) of its shard's open-addressing table, where the slot's line can be
// named from the id alone (Prefetch). Counts are 8-byte records (bucket, code, count), one
// per bucket and code that occurred, not a table of buckets x codes: a key's verifications of
// one minute almost always have one or two outcomes, and a key may go quiet for hours. The
// current minute's records of up to two codes sit in the entry itself, so that counting within
// a minute touches nothing else; the older minutes of the hour and, folded from them once they
// leave the hour, the hours of the day are in a heap list the entry owns (made on the first
// change of minute, freed when empty). A key counted once holds 1 record, one counted every
// minute with one outcome 83 (59 + 1 minutes, 23 folded hours); none can hold more than
// (60 + 23) x 12 codes = 996. Measured with glibc (usage_history_benchmark, BM_MemoryPerKey;
// the table's share depends on its fill, 37-75%): ~110-140 bytes for a key counted once, ~360
// for one counted every hour, ~860 for one counted every minute, ~1.8 KB with two codes every
// minute; 33 KB for an empty history. Counts are 32-bit per bucket and code and saturate at
// 2^32 - 1 (over a million verifications a second of one key for an hour).
//
// Bounds. Entries untouched for a day hold nothing that can still be shown and are dropped:
// each shard sweeps itself about once an hour, on a Record (Sweep() does all shards at once).
// At most `max_keys` keys are tracked, max_keys / kShards (rounded up) in each shard; keys go
// to shards by id hash. The default, 2^21, is twice the 1 M keys the service is sized for, so
// that a store of 1 M keys all in use fits with room for the uneven spread. A key first
// verified while its shard is full (and stays full after a sweep of that shard) is not counted;
// so that the answer stays honest, a key's `since` (from when this node's counts of it are
// complete) is then the last such refusal in its shard, rounded up to a minute, rather than the
// node's start. Only keys that exist can be counted, so besides the cap memory is bounded by the
// keys verified in the last day.
//
// Time: minutes and hours are UTC, from the verifier's clock; a clock that steps back counts as
// standing still in the newest minute a key was counted in. Times before 1970 or after 6053
// count in the nearest representable minute.
//
// Thread-safety: every method may be called from any thread at once. Keys are spread over
// kShards shards, each behind its own mutex, held by a Record for a table probe and a few
// compares (and, once a minute per key, to fold the key's older records: O(records), at most
// a few microseconds). Read copies the key's records out under its shard's lock; a shard's
// hourly sweep holds it for a pass over its entries (and, when it drops some, to move the others
// into a table of fitting size). Prefetch takes no lock.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "domain/clock.h"
#include "index/key_index.h"
#include "service/verifier.h"

namespace latchkey::service {

// Verifications by VerifyCode (MALFORMED and NOT_FOUND always 0).
using OutcomeCounts = std::array<std::uint64_t, static_cast<std::size_t>(VerifyCode::kValid) + 1>;

struct UsageBucket {
  domain::UnixMillis start = 0;  // the first millisecond of the minute or hour
  OutcomeCounts counts{};
};

struct KeyUsageSeries {
  // This node's counts of the key are complete from here: its start, or later after a refusal
  // by the cap (see the header); counts before it may be missing.
  domain::UnixMillis since = 0;
  std::vector<UsageBucket> minutes;  // kMinutes, oldest first; the last is the current minute
  std::vector<UsageBucket> hours;    // kHours, oldest first; the last is the current hour
};

class UsageHistory {
 public:
  static constexpr std::size_t kShards = 256;
  static constexpr int kMinutes = 60;
  static constexpr int kHours = 24;
  static constexpr std::size_t kDefaultMaxKeys = std::size_t{1} << 21;

  // `clock` must outlive the history; the node's counts start at its time now.
  explicit UsageHistory(const domain::Clock& clock, std::size_t max_keys = kDefaultMaxKeys);
  ~UsageHistory();
  UsageHistory(const UsageHistory&) = delete;
  UsageHistory& operator=(const UsageHistory&) = delete;

  // Counts one verification of key `id` with outcome `code` at `now` (the verifier's reading of
  // the clock). MALFORMED and NOT_FOUND are ignored: they name no key. Allocates only when the
  // key gets its entry (a table slot, amortized) and, at most once a minute per key, when its
  // list of older records grows or shrinks.
  void Record(const index::KeyIdChars& id, VerifyCode code, domain::UnixMillis now);

  // Starts loading the cache lines that a Record of key `id` will touch, without waiting for
  // them or taking a lock; changes nothing. The verifier calls it before its HMAC, a few hundred
  // nanoseconds before the Record, so that the Record does not wait on a cache miss when many
  // keys are in use.
  void Prefetch(const index::KeyIdChars& id) const;

  // The buckets of key `id` whose last ones hold `now` (or the key's newest counted minute, when
  // the clock stepped back since); all 0 for a key not counted.
  KeyUsageSeries Read(const index::KeyIdChars& id, domain::UnixMillis now) const;

  // Drops the entries untouched for a day as of the clock's time now; returns how many.
  std::size_t Sweep();

  // When this node's counts started (its construction).
  domain::UnixMillis since() const { return since_; }
  // Keys with an entry, and verifications not counted since start because the cap kept their
  // key out (for metrics and tests).
  std::size_t KeyCount() const;
  std::uint64_t RefusedCount() const;

 private:
  struct Entry;
  struct Shard;

  Shard& ShardOf(const index::KeyIdChars& id) const;

  const domain::Clock& clock_;
  const domain::UnixMillis since_;
  const std::size_t max_keys_per_shard_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace latchkey::service
