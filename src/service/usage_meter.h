#pragma once
// UsageMeter: the usage state of keys that verification keeps in memory (DESIGN §5, §7): each
// key's rate-limit window, its quota balance and its last use. Verification threads update it
// on every call; a flusher takes what changed (TakeDirty) about once a second and writes it with
// one Transaction::RecordUsage, so the store never sees a write per verification.
//
// Rate limit: a sliding window counted in 16 slots. The window of `window_ms` is cut into slots
// of ceil(window_ms / 15) ms; a call is allowed while the calls allowed in the slots that
// overlap the last `window_ms` milliseconds number fewer than `limit`. Chosen over the two
// weighted fixed windows of Cloudflare/Upstash, and over a token bucket, because both of those
// let through up to 2 x limit in some window (a burst at the end of one window and one at the
// start of the next): a client that counts its successes over any window_ms would see the limit
// broken. The price of exactness is one slot of conservatism, and 128 bytes per rate-limited key.
//
//   Guarantee: for one key, among the calls CheckRate allowed while its window_ms stayed the
//   same, no interval [t, t + window_ms) holds more than `limit`, however many threads call at
//   once. Times are the clock read inside the key's lock (so they are ordered); a clock that
//   steps back counts as standing still until it catches up. An allowed call keeps counting for
//   between window_ms and window_ms + ceil(window_ms / 15) - 1 ms, so a client calling as fast
//   as it is allowed gets at least 15/16 of `limit` per window (about 97% on average).
//
// A new `limit` applies at once to the calls already counted; a new `window_ms` starts the
// window afresh. limit <= 0 refuses every call; window_ms < 1 is taken as 1, and one above 2^40
// (about 35 years) as 2^40. Limits above 2^32 - 1 are treated as 2^32 - 1.
//
// Quota: the balance of a key starts from the stored quota (Quota::remaining) the first time the
// key is seen, or after Reset; from then on the in-memory balance is the truth and the stored
// one is only read again after a restart. Spend(cost) succeeds iff balance >= cost and then takes
// cost; a refused spend takes nothing. cost 0 is a check: allowed while the balance is >= 0. A
// negative cost is treated as 0 (it can never add units); callers should refuse it as bad input.
// Refill ("daily" | "monthly", Quota::refill_amount): once the clock reaches the first UTC
// midnight (daily) or first day of a month (monthly) after refilled_at, the balance becomes
// refill_amount (set, not added: unused units do not carry over) and refilled_at becomes now. A
// quota with a refill and no refilled_at is anchored at its first use (refilled_at = that time,
// written back like a refill), so a restart does not push its first refill later.
//
// Crash-loss window: nothing here is durable until a RecordUsage with it commits. After a kill -9
// the meter starts again from the stored balances, so units spent since the last committed flush
// can be spent again: with the flusher running every second, a quota can be over-spent by at most
// the units spent in the last second before the crash (plus, while flushes fail, the time since
// the last one that succeeded: failed batches are put back and retried). The same holds for a
// refill done in memory (it happens again, which sets the same balance) and for last_used
// (it may go back by up to one flush interval). Rate windows are not stored at all: after a
// restart each key may get up to `limit` calls more in its current window.
//
// Several nodes on one store each keep their own meter: each enforces the rate limit on its own
// (so a key may get limit x nodes per window overall) and spends quota from its own copy of the
// balance, the last flush winning in the store.
//
// Flushing: about once a second, batch = TakeDirty(), then one store Write running
// tx.RecordUsage(batch); if the Write fails, PutBack(batch). Once more at shutdown, after
// verification has stopped.
//
// Memory: one entry per key that was checked, spent or used since start-up (entries go only with
// Reset). Measured with glibc (usage_meter_benchmark, BM_MemoryPerKey): 140 to 210 bytes per key
// (a 96-byte slot of an open-addressing table, holding the id, the quota balance and the last
// use, at the 44-87% fill the table keeps while it doubles; plus its share of the lists of
// changed keys), 128 bytes more for a key with a rate limit. An IP longer than 15 characters
// adds its heap string (about 48 bytes). 33 KB for an empty meter.
//
// Thread-safety: every method may be called from any thread at once. Keys are spread over 256
// shards by id hash, each behind its own mutex held for a few dozen nanoseconds; there is no
// global lock. TakeDirty and PutBack lock one shard at a time. A shard's table grows by doubling
// under its lock, holding up that shard's callers while it moves its entries (1/256 of them).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/model.h"
#include "index/key_index.h"
#include "store/store.h"

namespace latchkey::service {

struct RateDecision {
  bool allowed = false;
  std::int64_t limit = 0;      // as configured
  std::int64_t remaining = 0;  // calls still allowed in the current window, after this one
  // Milliseconds until the oldest call still counted leaves the window, so that `remaining`
  // grows: for a refused call, when a retry can succeed (Retry-After). 0 when nothing is counted.
  std::int64_t reset_ms = 0;
};

struct QuotaDecision {
  bool allowed = false;
  std::int64_t remaining = 0;  // the balance after this spend (unchanged when refused)
};

// A key's usage state as its next verification would find it (UsageMeter::Peek).
struct UsageSnapshot {
  // With a rate limit: `remaining` calls are allowed now (allowed = remaining > 0), and reset_ms
  // is as in CheckRate's answer.
  std::optional<RateDecision> rate;
  // With a quota: the balance, after a refill that is due.
  std::optional<std::int64_t> quota_remaining;
  // The last use recorded on this node since it started, if any.
  std::optional<domain::UnixMillis> last_used_at;
};

class UsageMeter {
 public:
  static constexpr std::size_t kShards = 256;
  static constexpr int kRateSlots = 16;

  // `clock` must outlive the meter; it gives the time of rate-limit checks and refills.
  explicit UsageMeter(const domain::Clock& clock);
  ~UsageMeter();
  UsageMeter(const UsageMeter&) = delete;
  UsageMeter& operator=(const UsageMeter&) = delete;

  // Counts a call of key `id` against `limit` (see the guarantee above); a refused call is not
  // counted.
  RateDecision CheckRate(const index::KeyIdChars& id, const domain::RateLimit& limit);

  // Spends `cost` units of the quota of key `id`, whose stored quota (from the index) is
  // `stored`: read for the starting balance and for the refill settings.
  QuotaDecision Spend(const index::KeyIdChars& id, const domain::Quota& stored, std::int64_t cost);

  // Notes a verification of key `id` at `now` from `ip` (may be empty). An older `now` than the
  // one recorded is ignored. Allocates nothing when the key has an entry and the ip is unchanged
  // (but for the amortized growth of a shard's list of changed keys).
  void RecordUse(const index::KeyIdChars& id, domain::UnixMillis now, std::string_view ip);

  // What CheckRate(id, *limit) and Spend(id, *stored, ...) would start from now, and the last
  // use, without counting, spending or refilling anything (the console's view of a key). Fields
  // for a std::nullopt `limit` or `stored` stay std::nullopt.
  UsageSnapshot Peek(const index::KeyIdChars& id, const std::optional<domain::RateLimit>& limit,
                     const std::optional<domain::Quota>& stored) const;

  // Forgets the rate window and quota balance of key `id` (and its entry, unless a last use is
  // waiting to be flushed): for a deleted key, or a changed rate limit or quota. The next Spend
  // starts from the stored quota it is given.
  //
  // For a PATCH that sets a new quota, SetQuota is better: with Reset, a flush that runs between
  // the PATCH's commit and the Reset writes the old balance over the new one, and a Spend that
  // still sees the old index entry after the Reset starts again from the old stored balance.
  void Reset(const index::KeyIdChars& id);

  // Installs `quota` as the state of key `id` (std::nullopt: the key has no quota any more) and
  // marks it to be flushed. Call it after a change that stored a new quota has committed and been
  // published to the index: the next flush writes the new balance again, which repairs a flush of
  // the old balance that raced with the change, and Spend calls that still see the old index
  // entry spend from the new balance.
  void SetQuota(const index::KeyIdChars& id, const std::optional<domain::Quota>& quota);

  // Everything that changed since the last call, one entry per key with only the changed fields
  // set (quota balance and refilled_at together; last use time and ip together), for one
  // RecordUsage. Each key is marked clean.
  std::vector<store::KeyUsage> TakeDirty();

  // Marks again as changed what a TakeDirty returned and failed to write, unless newer values
  // have come since (they are flushed instead). A quota of a key reset since is dropped.
  void PutBack(const std::vector<store::KeyUsage>& usage);

  // Keys with an entry (for metrics and tests).
  std::size_t EntryCount() const;

 private:
  struct Entry;
  struct RateWindow;
  struct Shard;

  Shard& ShardOf(const index::KeyIdChars& id) const;

  const domain::Clock& clock_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace latchkey::service
