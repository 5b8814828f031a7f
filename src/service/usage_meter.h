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
// Quota: the balance of a key starts from the stored quota (Quota::remaining, from the index)
// the first time the key is seen, after Reset, or when the index brings a newer setting of it
// (a greater Quota::set_at); from then on the balance here is the truth on this node, brought in
// line with the store at each flush (Sync, below). Spend(cost) succeeds iff balance >= cost and
// then takes cost; a refused spend takes nothing. cost 0 is a check: allowed while the balance is
// >= 0. A negative cost is treated as 0 (it can never add units); callers should refuse it as bad
// input.
// Refill ("daily" | "monthly", Quota::refill_amount): once the clock reaches the end of the
// refill period (the first UTC midnight, or first day of a month, after refilled_at), the balance
// becomes refill_amount (set, not added: unused units do not carry over) and refilled_at becomes
// the boundary that was passed (the start of the period now running: several missed boundaries
// are one refill). A quota with a refill and no refilled_at is anchored at its first use
// (refilled_at = the start of that day or month, written back like a refill but keeping the
// balance), so a restart does not push its first refill later.
//
// Flushing: about once a second, batch = TakeDirty(), then one store Write running
// stored = tx.RecordUsage(batch); if the Write succeeds, Sync(stored), else PutBack(batch). One
// batch at a time (one UsageFlusher per meter); once more at shutdown, after verification has
// stopped. A batch carries, per key, the units spent here since the previous batch (a delta, not
// a balance), the setting (set_at) and refill period they were spent in, and the last use.
//
// Several nodes on one store (PostgreSQL) each keep their own meter and flusher:
//   - Quota use is a delta. The store subtracts a batch's units from its balance in the flush's
//     transaction and returns the result; Sync sets the balance here to that stored balance less
//     the units spent here since the batch was taken. So the stored balance is always the quota
//     less every unit any node accepted (less than 0 by what was over-spent), and each node sees
//     the others' spending at its next flush.
//   - Refills are named by the period they open (refilled_at, a boundary). Each node refills in
//     memory when its clock passes the boundary and flushes its use of the new period; the store
//     applies the first such use it gets as the refill (balance = refill_amount - units), and
//     subtracts the others' use of that period from it: two nodes refilling the same period
//     refill once and lose none of each other's units. Units spent in a period the store has
//     left (a node whose clock is behind, at a boundary) are dropped; nodes' clocks should agree
//     to well under a flush interval.
//   - An admin's new quota (PATCH) has a greater set_at. The store drops use of an older setting,
//     so no delta spent from the old quota is taken from the new one; this node takes the new
//     setting from SetQuota, or from the index at the next Spend (as do the other nodes once the
//     change feed brings it, with SetQuota or Reset). Until then they spend from the old setting,
//     and that use is not counted against the new one.
//   - last_used_at never goes back in the store (it keeps the later time; the ip goes with it).
//   - Rate limits stay per node: an exact window across nodes would cost a store round trip per
//     verification, against in-memory verification (DESIGN §7). A key may get up to
//     limit x nodes calls per window overall; to hold it to about `limit`, balance keys stickily
//     (one node per key or per client) or give the key limit / nodes.
//
//   Bound. A node accepts a unit only while its balance covers it, and its balance lacks only
//   the units the other nodes accepted that its last flush did not see (those accepted after
//   taking the batches they committed before it). So, per quota setting and refill period, the
//   units accepted beyond the quota are at most
//     (a) the units the other nodes had accepted unseen by the node that accepted the last unit;
//         with one node, none; and
//     (b) the units accepted for the key, on all nodes together, in the 2I + 4L after it ran out,
//         with I the flush interval (1 s) and L the time a flush takes from TakeDirty to the
//         return of its commit (store write lock included): every unit accepted before then is
//         committed within I + 2L, and every node still accepting flushes and learns of it
//         within I + 2L more. That is about 2 s of the key's traffic over all nodes while the
//         store is healthy; while flushes fail, the time since they last succeeded adds to it.
//   The stored balance shows the over-spending: it goes below zero by as much.
//
// Crash-loss window: nothing here is durable until a RecordUsage with it commits. After a kill -9
// the node starts again from the stored balances, which lack the units it spent since its last
// committed flush: those can be spent again. With the flusher running every second, a quota can
// be over-spent by at most the units that node spent in the last second or so before the crash
// (I + 2L; plus, while flushes fail, the time since the last one that succeeded: failed batches
// are put back and retried), on top of the bound above. A refill done in memory is done again
// (the store takes one per period), and last_used may lag by up to one flush interval. A flush
// whose commit failed with its outcome unknown (a lost connection) is retried, and so may count
// its units twice: never fewer. Rate windows are not stored at all: after a restart each key may
// get up to `limit` calls more in its current window.
//
// Memory: one entry per key that was checked, spent or used since start-up (entries go only with
// Reset). Measured with glibc (usage_meter_benchmark, BM_MemoryPerKey): 160 to 240 bytes per key
// (a 112-byte slot of an open-addressing table, holding the id, the quota balance, its unflushed
// use, setting and period, and the last use, at the 44-87% fill the table keeps while it
// doubles; plus its share of the lists of changed keys), 128 bytes more for a key with a rate
// limit. An IP longer than 15 characters adds its heap string (about 48 bytes). 33 KB for an
// empty meter.
//
// Thread-safety: every method may be called from any thread at once. Keys are spread over 256
// shards by id hash, each behind its own mutex held for a few dozen nanoseconds; there is no
// global lock. TakeDirty, Sync and PutBack lock one shard at a time. A shard's table grows by
// doubling under its lock, holding up that shard's callers while it moves its entries (1/256 of
// them).

#include <atomic>
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
  // `stored`: read for the starting balance and the refill settings when the meter holds no
  // balance of that setting or a newer one (Quota::set_at), and for the refill amount.
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

  // Forgets the rate window and quota balance of key `id` (and its entry, unless usage is
  // waiting to be flushed): for a deleted key, or a changed rate limit or quota. The next Spend
  // starts again from the stored quota it is given. Units spent here and not flushed yet are
  // still flushed (they were spent; the store drops them if their setting was replaced), and when
  // the stored quota is of their setting the new balance is the stored one less them, as the
  // store will have it once they are flushed.
  void Reset(const index::KeyIdChars& id);

  // Installs `quota` as the state of key `id` (std::nullopt: the key has no quota any more, and
  // its unflushed use is dropped), unless the meter holds that setting (Quota::set_at) or a newer
  // one already: a changed key whose quota was not set anew keeps the balance here, fresher than
  // the stored one. Call it once a change that stored a new quota has committed: Spend calls
  // that still see the old index entry spend from the new balance, and no use of the old setting
  // reaches the new one (the store drops it).
  void SetQuota(const index::KeyIdChars& id, const std::optional<domain::Quota>& quota);

  // Everything that changed since the last call, one entry per key with only the changed fields
  // set (the quota's use since the last call with its setting and period; last use time and ip
  // together), for one RecordUsage. Each key is marked clean and its unflushed use zeroed.
  std::vector<store::KeyUsage> TakeDirty();

  // Brings the balances in line with the store once the RecordUsage of the last TakeDirty's
  // batch has committed: a key's balance becomes the stored one less the units spent here since
  // that TakeDirty, when `stored` is of the setting and refill period the balance is in (else it
  // is left: the store will catch up with a refill done here, or the index with a new setting).
  void Sync(const std::vector<store::StoredQuota>& stored);

  // Marks again as changed what a TakeDirty returned and failed to write: its units are added to
  // those spent since (when of the same setting and period; a key reset since keeps them to
  // flush), and a last use unless a newer one has come since.
  void PutBack(const std::vector<store::KeyUsage>& usage);

  // Keys with an entry (for metrics and tests).
  std::size_t EntryCount() const;

 private:
  struct Entry;
  struct RateWindow;
  struct Shard;

  Shard& ShardOf(const index::KeyIdChars& id) const;
  // Whether use of `entry`'s quota was taken by the last TakeDirty and is not yet Synced or put
  // back (its shard locked).
  bool InFlight(const Entry& entry) const;

  const domain::Clock& clock_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<std::uint32_t> flush_epoch_{0};  // counts TakeDirty calls; never 0 after one
};

}  // namespace latchkey::service
