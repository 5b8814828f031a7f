#include "service/usage_meter.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <chrono>
#include <limits>
#include <mutex>
#include <string>
#include <utility>

namespace latchkey::service {
namespace {

using domain::UnixMillis;

constexpr UnixMillis kNoTime = std::numeric_limits<UnixMillis>::min();
constexpr UnixMillis kNeverMillis = std::numeric_limits<UnixMillis>::max();
constexpr std::int64_t kMaxRateLimit = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kMaxWindowMs = std::int64_t{1} << 40;  // ~35 years: no overflow below
// Refill anchors outside years 0..9999 (a corrupt row) never refill, so that the calendar
// arithmetic below stays in range.
constexpr UnixMillis kMinAnchor = -62'167'219'200'000;  // 0000-01-01T00:00:00Z
constexpr UnixMillis kMaxAnchor = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Bits of Entry::dirty: what TakeDirty still has to return.
constexpr std::uint8_t kQuotaDirty = 1;
constexpr std::uint8_t kLastUseDirty = 2;

// Where the store's refill period lies relative to the one an entry's units are spent in.
enum class StoredPeriod : std::uint8_t { kEarlier, kSame, kLater };

enum class Refill : std::uint8_t { kNone, kDaily, kMonthly };

Refill RefillOf(const std::optional<std::string>& interval) {
  if (!interval) return Refill::kNone;
  if (*interval == "daily") return Refill::kDaily;
  if (*interval == "monthly") return Refill::kMonthly;
  return Refill::kNone;  // validated on the way in; an unknown one never refills
}

// The start of the refill period that `at` lies in: the UTC midnight (daily) or first of the month
// (monthly) at or before it. An anchor outside years 0..9999 is its own start (it never refills).
UnixMillis PeriodStart(Refill refill, UnixMillis at) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  if (refill == Refill::kNone || at < kMinAnchor || at > kMaxAnchor) return at;
  const sys_days day =
      std::chrono::floor<days>(std::chrono::sys_time<milliseconds>(milliseconds(at)));
  sys_days start = day;
  if (refill == Refill::kMonthly) {
    const std::chrono::year_month_day date(day);
    start = sys_days(date.year() / date.month() / 1);
  }
  return std::chrono::duration_cast<milliseconds>(start.time_since_epoch()).count();
}

// The first UTC day or month boundary strictly after `anchor`.
UnixMillis NextRefillAt(Refill refill, UnixMillis anchor) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  if (refill == Refill::kNone || anchor < kMinAnchor || anchor > kMaxAnchor) return kNeverMillis;
  const sys_days day =
      std::chrono::floor<days>(std::chrono::sys_time<milliseconds>(milliseconds(anchor)));
  sys_days next;
  if (refill == Refill::kDaily) {
    next = day + days(1);
  } else {
    const std::chrono::year_month_day date(day);
    next = sys_days((date.year() / date.month() / 1) + std::chrono::months(1));
  }
  return std::chrono::duration_cast<milliseconds>(next.time_since_epoch()).count();
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

std::string PublicId(const index::KeyIdChars& id) {
  std::string out = "key_";
  out.append(id.data(), id.size());
  return out;
}

}  // namespace

// The sliding window of one key (see the header): counts of allowed calls per slot of slot_ms,
// in a ring of kRateSlots. Invariant: only the slots oldest..newest may be non-zero, and
// newest - oldest < kRateSlots, so each of them has its own place in the ring.
struct UsageMeter::RateWindow {
  explicit RateWindow(std::int64_t window)
      : window_ms(window), slot_ms((window + kRateSlots - 2) / (kRateSlots - 1)) {}

  RateDecision Check(UnixMillis now, std::int64_t limit) {
    now = std::max(now, last_ms);  // a clock that steps back stands still
    last_ms = now;
    DropSlotsBefore(FloorDiv(now - window_ms + 1, slot_ms));
    const std::int64_t current = FloorDiv(now, slot_ms);
    const std::int64_t effective = std::clamp<std::int64_t>(limit, 0, kMaxRateLimit);
    RateDecision decision{.allowed = total < effective, .limit = limit};
    if (decision.allowed) {
      ++counts[Place(current)];
      ++total;
      newest = std::max(newest, current);
    }
    decision.remaining = std::max<std::int64_t>(0, effective - total);
    decision.reset_ms = ResetMs(now);
    return decision;
  }

  // What Check would find at `now`, changing nothing: `remaining` is before any call.
  RateDecision Peek(UnixMillis now, std::int64_t limit) const {
    now = std::max(now, last_ms);
    const std::int64_t first = std::max(oldest, FloorDiv(now - window_ms + 1, slot_ms));
    std::int64_t counted = 0;
    std::int64_t reset_ms = 0;
    for (std::int64_t slot = first; slot <= newest; ++slot) {
      const std::uint32_t count = counts[Place(slot)];
      if (count != 0 && counted == 0) reset_ms = (slot + 1) * slot_ms + window_ms - 1 - now;
      counted += count;
    }
    const std::int64_t effective = std::clamp<std::int64_t>(limit, 0, kMaxRateLimit);
    const std::int64_t remaining = std::max<std::int64_t>(0, effective - counted);
    return {.allowed = remaining > 0, .limit = limit, .remaining = remaining, .reset_ms = reset_ms};
  }

  // Zeroes the slots before `first`, the oldest slot that overlaps the window.
  void DropSlotsBefore(std::int64_t first) {
    if (first > newest) {
      counts.fill(0);
      total = 0;
    } else {
      for (std::int64_t slot = oldest; slot < first; ++slot) {
        total -= counts[Place(slot)];
        counts[Place(slot)] = 0;
      }
    }
    oldest = std::max(oldest, first);
  }

  // When the oldest counted call leaves the window: the first time t whose window starts after
  // its slot, i.e. FloorDiv(t - window_ms + 1, slot_ms) > slot.
  std::int64_t ResetMs(UnixMillis now) const {
    for (std::int64_t slot = oldest; slot <= newest; ++slot) {
      if (counts[Place(slot)] != 0) return (slot + 1) * slot_ms + window_ms - 1 - now;
    }
    return 0;
  }

  static std::size_t Place(std::int64_t slot) {
    return static_cast<std::size_t>(slot - FloorDiv(slot, kRateSlots) * kRateSlots);
  }

  const std::int64_t window_ms;
  const std::int64_t slot_ms;
  UnixMillis last_ms = kNoTime;
  std::int64_t oldest = std::numeric_limits<std::int64_t>::min();
  std::int64_t newest = std::numeric_limits<std::int64_t>::min();
  std::int64_t total = 0;
  std::array<std::uint32_t, kRateSlots> counts{};
};

struct UsageMeter::Entry {
  // The store's period, refilled_at `stored_at`, relative to the one this entry's units are spent
  // in, compared as RecordUsage compares them (store.h).
  StoredPeriod PeriodOf(std::optional<UnixMillis> stored_at) const {
    if (refilled_at == kNoTime) return StoredPeriod::kSame;  // no refill: a single period
    if (!stored_at || *stored_at < refilled_at) return StoredPeriod::kEarlier;
    return *stored_at < next_refill_at ? StoredPeriod::kSame : StoredPeriod::kLater;
  }

  // The balance the stored `quota` will come to once this entry's unflushed use is recorded, as
  // RecordUsage will record it; std::nullopt when there is none of that setting, or it will be
  // dropped (the store has passed on to a later period).
  std::optional<std::int64_t> BalanceWithUnflushed(const domain::Quota& quota) const {
    if ((dirty & kQuotaDirty) == 0 || quota.set_at != set_at) return std::nullopt;
    switch (PeriodOf(quota.refilled_at)) {
      case StoredPeriod::kSame:
        return quota.remaining - spent;
      case StoredPeriod::kEarlier:  // this entry opens the period: with a refill, or an anchor
        return (quota.refilled_at || period_refilled ? quota.refill_amount : quota.remaining) -
               spent;
      case StoredPeriod::kLater:
        break;
    }
    return std::nullopt;
  }

  // The balance Spend would start from at `now`: `entry`'s (when it holds this setting or a
  // newer one) or the stored one, refilled when a refill is due.
  static std::int64_t QuotaBalance(const Entry* entry, const domain::Quota& stored,
                                   UnixMillis now) {
    std::int64_t remaining = stored.remaining;
    UnixMillis next_refill_at = kNeverMillis;
    std::optional<std::int64_t> unflushed;
    if (entry != nullptr && entry->has_quota && entry->set_at >= stored.set_at) {
      remaining = entry->remaining;
      next_refill_at = entry->next_refill_at;
    } else if (entry != nullptr && (unflushed = entry->BalanceWithUnflushed(stored))) {
      remaining = *unflushed;
      next_refill_at = entry->next_refill_at;
    } else if (stored.refilled_at) {
      next_refill_at = NextRefillAt(RefillOf(stored.refill_interval), *stored.refilled_at);
    }
    return now >= next_refill_at ? stored.refill_amount : remaining;
  }

  // Quota. The fields but has_quota outlive a Reset while use of the setting waits to be flushed.
  bool has_quota = false;
  bool period_refilled = false;  // the period began with a refill here (not with an anchor)
  Refill refill = Refill::kNone;
  std::uint8_t dirty = 0;
  // The TakeDirty that took use of the quota, while that use is in flight: until Sync or PutBack
  // or the next TakeDirty (UsageMeter::InFlight); 0 for none.
  std::uint32_t flight = 0;
  std::int64_t remaining = 0;  // the stored balance at the last Sync, less what was spent since
  std::int64_t spent = 0;      // units spent since the last TakeDirty
  UnixMillis set_at = 0;       // the setting (Quota::set_at)
  UnixMillis refilled_at = kNoTime;  // the start of the refill period; kNoTime without refill
  UnixMillis next_refill_at = kNeverMillis;
  // Last use; kNoTime when none.
  UnixMillis last_used_at = kNoTime;
  std::string last_used_ip;
  std::unique_ptr<RateWindow> rate;  // only for keys checked against a rate limit
};

// One mutex and the entries it guards; a cache line apart from the next so that threads working
// on different shards do not contend on the line.
struct alignas(64) UsageMeter::Shard {
  Entry& EntryOf(const index::KeyIdChars& id) { return entries.try_emplace(id).first->second; }

  void MarkDirty(const index::KeyIdChars& id, Entry& entry, std::uint8_t bits) {
    if (entry.dirty == 0) dirty_ids.push_back(id);
    entry.dirty |= bits;
  }

  // Takes the balance, setting and refill period of the stored `quota`, less this node's use of
  // that setting not flushed yet (see BalanceWithUnflushed), which stays to be flushed; other
  // unflushed use is dropped. A refilling quota that was never refilled is anchored at `now`.
  void InstallQuota(const index::KeyIdChars& id, Entry& entry, const domain::Quota& quota,
                    UnixMillis now) {
    entry.has_quota = true;
    entry.refill = RefillOf(quota.refill_interval);
    if (std::optional<std::int64_t> balance = entry.BalanceWithUnflushed(quota)) {
      entry.remaining = *balance;  // in the period of the unflushed use
      return;
    }
    if (quota.set_at != entry.set_at) entry.flight = 0;  // the store drops that use
    entry.dirty &= ~kQuotaDirty;
    entry.remaining = quota.remaining;
    entry.spent = 0;
    entry.set_at = quota.set_at;
    entry.period_refilled = false;
    entry.refilled_at = kNoTime;
    if (entry.refill != Refill::kNone) {
      entry.refilled_at = PeriodStart(entry.refill, quota.refilled_at.value_or(now));
      if (!quota.refilled_at) MarkDirty(id, entry, kQuotaDirty);
    }
    entry.next_refill_at = NextRefillAt(entry.refill, entry.refilled_at);
  }

  // Refills at `now`, a time at or past the end of the entry's period: the balance becomes
  // `amount`, in the period that `now` lies in. Unflushed use of the previous one is moot.
  void RefillQuota(const index::KeyIdChars& id, Entry& entry, std::int64_t amount, UnixMillis now) {
    entry.remaining = amount;
    entry.spent = 0;
    entry.refilled_at = PeriodStart(entry.refill, now);
    entry.next_refill_at = NextRefillAt(entry.refill, entry.refilled_at);
    entry.period_refilled = true;
    MarkDirty(id, entry, kQuotaDirty);
  }

  // Whether `entry` holds nothing worth keeping, now that no use of it is in flight.
  static bool Forgettable(const Entry& entry) {
    return !entry.has_quota && entry.dirty == 0 && !entry.rate && entry.last_used_at == kNoTime;
  }

  mutable std::mutex mu;
  // Open addressing: a lookup touches the small metadata array (which stays in cache) and the
  // one slot. Growing moves the entries, so no reference to one outlives a locked section.
  boost::unordered_flat_map<index::KeyIdChars, Entry, index::KeyIdHash> entries;
  std::vector<index::KeyIdChars> dirty_ids;  // may hold ids that are clean again or gone
};

UsageMeter::UsageMeter(const domain::Clock& clock)
    : clock_(clock), shards_(std::make_unique<Shard[]>(kShards)) {}

UsageMeter::~UsageMeter() = default;

UsageMeter::Shard& UsageMeter::ShardOf(const index::KeyIdChars& id) const {
  // The top bits of a second mix: the map inside the shard uses the low bits of the same hash.
  const std::uint64_t h = index::KeyIdHash()(id) * 0xD6E8FEB86659FD93ULL;
  return shards_[h >> 56];
}

RateDecision UsageMeter::CheckRate(const index::KeyIdChars& id, const domain::RateLimit& limit) {
  const std::int64_t window_ms = std::clamp<std::int64_t>(limit.window_ms, 1, kMaxWindowMs);
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  Entry& entry = shard.EntryOf(id);
  if (!entry.rate || entry.rate->window_ms != window_ms) {
    entry.rate = std::make_unique<RateWindow>(window_ms);
  }
  return entry.rate->Check(clock_.NowMillis(), limit.limit);
}

QuotaDecision UsageMeter::Spend(const index::KeyIdChars& id, const domain::Quota& stored,
                                std::int64_t cost) {
  cost = std::max<std::int64_t>(cost, 0);
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  const UnixMillis now = clock_.NowMillis();
  Entry& entry = shard.EntryOf(id);
  if (!entry.has_quota || stored.set_at > entry.set_at) shard.InstallQuota(id, entry, stored, now);
  if (now >= entry.next_refill_at) shard.RefillQuota(id, entry, stored.refill_amount, now);
  if (entry.remaining < cost) return {.allowed = false, .remaining = entry.remaining};
  if (cost > 0) {
    entry.remaining -= cost;
    entry.spent += cost;
    shard.MarkDirty(id, entry, kQuotaDirty);
  }
  return {.allowed = true, .remaining = entry.remaining};
}

void UsageMeter::RecordUse(const index::KeyIdChars& id, UnixMillis now, std::string_view ip) {
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  Entry& entry = shard.EntryOf(id);
  if (now < entry.last_used_at) return;
  const bool same_ip = entry.last_used_ip == ip;
  if (now == entry.last_used_at && same_ip) return;
  entry.last_used_at = now;
  if (!same_ip) entry.last_used_ip.assign(ip);
  shard.MarkDirty(id, entry, kLastUseDirty);
}

UsageSnapshot UsageMeter::Peek(const index::KeyIdChars& id,
                               const std::optional<domain::RateLimit>& limit,
                               const std::optional<domain::Quota>& stored) const {
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  const UnixMillis now = clock_.NowMillis();
  auto it = shard.entries.find(id);
  const Entry* entry = it == shard.entries.end() ? nullptr : &it->second;
  UsageSnapshot snapshot;
  if (limit) {
    const std::int64_t window_ms = std::clamp<std::int64_t>(limit->window_ms, 1, kMaxWindowMs);
    snapshot.rate = entry != nullptr && entry->rate && entry->rate->window_ms == window_ms
                        ? entry->rate->Peek(now, limit->limit)
                        : RateWindow(window_ms).Peek(now, limit->limit);
  }
  if (stored) snapshot.quota_remaining = Entry::QuotaBalance(entry, *stored, now);
  if (entry != nullptr && entry->last_used_at != kNoTime) {
    snapshot.last_used_at = entry->last_used_at;
  }
  return snapshot;
}

void UsageMeter::Reset(const index::KeyIdChars& id) {
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return;
  Entry& entry = it->second;
  const bool in_flight = InFlight(entry);
  if (entry.dirty == 0 && !in_flight) {
    shard.entries.erase(it);
    return;
  }
  // Use waiting to be flushed, or being flushed, keeps the entry (TakeDirty drops it after).
  entry.has_quota = false;
  entry.rate.reset();
  if (entry.dirty == 0) shard.dirty_ids.push_back(id);  // for TakeDirty to look at it again
}

void UsageMeter::SetQuota(const index::KeyIdChars& id, const std::optional<domain::Quota>& quota) {
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  if (!quota) {
    auto it = shard.entries.find(id);
    if (it == shard.entries.end()) return;
    Entry& entry = it->second;
    entry.has_quota = false;
    entry.dirty &= ~kQuotaDirty;
    entry.spent = 0;
    entry.flight = 0;
    return;
  }
  Entry& entry = shard.EntryOf(id);
  if (entry.has_quota && entry.set_at >= quota->set_at) return;  // this setting, or a newer one
  shard.InstallQuota(id, entry, *quota, clock_.NowMillis());
}

namespace {

// What TakeDirty copies out of an entry under its shard's lock; turned into a KeyUsage after.
struct DirtySnapshot {
  index::KeyIdChars id;
  std::uint8_t dirty;
  bool period_refilled;
  std::int64_t spent;
  UnixMillis set_at;
  UnixMillis refilled_at;
  UnixMillis next_refill_at;
  UnixMillis last_used_at;
  std::string last_used_ip;  // an IPv4 address fits in the string itself: no allocation
};

store::KeyUsage UsageOf(DirtySnapshot& s) {
  store::KeyUsage usage{.id = PublicId(s.id)};
  if (s.dirty & kQuotaDirty) {
    usage.quota_spent = s.spent;
    usage.quota_set_at = s.set_at;
    if (s.refilled_at != kNoTime) {
      usage.quota_refilled_at = s.refilled_at;
      usage.quota_next_refill_at = s.next_refill_at;
      usage.quota_refilled = s.period_refilled;
    }
  }
  if (s.dirty & kLastUseDirty) {
    usage.last_used_at = s.last_used_at;
    usage.last_used_ip = std::move(s.last_used_ip);
  }
  return usage;
}

}  // namespace

bool UsageMeter::InFlight(const Entry& entry) const {
  return entry.flight != 0 && entry.flight == flush_epoch_.load(std::memory_order_relaxed);
}

std::vector<store::KeyUsage> UsageMeter::TakeDirty() {
  // A new epoch: use taken by the previous TakeDirty is no longer in flight (Sync or PutBack
  // have had it).
  std::uint32_t epoch = flush_epoch_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (epoch == 0) epoch = flush_epoch_.fetch_add(1, std::memory_order_relaxed) + 1;
  std::vector<store::KeyUsage> out;
  std::vector<index::KeyIdChars> ids;
  std::vector<DirtySnapshot> snapshots;
  for (std::size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    {
      std::lock_guard lock(shard.mu);
      ids.swap(shard.dirty_ids);
    }
    if (ids.empty()) continue;
    snapshots.clear();
    snapshots.reserve(ids.size());  // outside the lock: it may allocate
    {
      std::lock_guard lock(shard.mu);
      for (const index::KeyIdChars& id : ids) {
        auto it = shard.entries.find(id);
        if (it == shard.entries.end()) continue;
        Entry& e = it->second;
        if (e.dirty == 0) {
          // Kept by a Reset while its use was in flight, and not taken again just now.
          if (Shard::Forgettable(e) && e.flight != epoch) shard.entries.erase(it);
          continue;
        }
        snapshots.push_back({id, e.dirty, e.period_refilled, e.spent, e.set_at, e.refilled_at,
                             e.next_refill_at, e.last_used_at, e.last_used_ip});
        if (e.dirty & kQuotaDirty) {
          e.spent = 0;
          e.flight = epoch;
        }
        e.dirty = 0;
      }
    }
    ids.clear();
    for (DirtySnapshot& s : snapshots) out.push_back(UsageOf(s));
  }
  return out;
}

void UsageMeter::Sync(const std::vector<store::StoredQuota>& stored) {
  for (const store::StoredQuota& q : stored) {
    const std::optional<index::KeyIdChars> id = index::KeyIndex::IdCharsOf(q.id);
    if (!id) continue;
    Shard& shard = ShardOf(*id);
    std::lock_guard lock(shard.mu);
    auto it = shard.entries.find(*id);
    if (it == shard.entries.end() || !InFlight(it->second)) continue;  // a new setting since
    Entry& entry = it->second;
    entry.flight = 0;
    if (q.set_at != entry.set_at || entry.PeriodOf(q.refilled_at) != StoredPeriod::kSame) continue;
    // The stored balance is fresher than the index's: it holds after a Reset too.
    entry.has_quota = true;
    entry.remaining = q.remaining - entry.spent;
  }
}

void UsageMeter::PutBack(const std::vector<store::KeyUsage>& usage) {
  for (const store::KeyUsage& u : usage) {
    const std::optional<index::KeyIdChars> id = index::KeyIndex::IdCharsOf(u.id);
    if (!id) continue;
    Shard& shard = ShardOf(*id);
    std::lock_guard lock(shard.mu);
    if (u.quota_spent) {
      // Still in flight unless a new setting came since; a refill since makes the use moot.
      auto it = shard.entries.find(*id);
      if (it != shard.entries.end() && InFlight(it->second)) {
        Entry& entry = it->second;
        entry.flight = 0;
        if (entry.set_at == u.quota_set_at &&
            entry.refilled_at == u.quota_refilled_at.value_or(kNoTime)) {
          entry.spent += *u.quota_spent;
          shard.MarkDirty(*id, entry, kQuotaDirty);
        }
      }
    }
    if (u.last_used_at) {
      Entry& entry = shard.EntryOf(*id);
      if (entry.last_used_at > *u.last_used_at) continue;  // a newer use is waiting already
      if (entry.last_used_at < *u.last_used_at) {  // the entry was reset and made again since
        entry.last_used_at = *u.last_used_at;
        entry.last_used_ip = u.last_used_ip.value_or("");
      }
      shard.MarkDirty(*id, entry, kLastUseDirty);
    }
  }
}

std::size_t UsageMeter::EntryCount() const {
  std::size_t count = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    count += shards_[i].entries.size();
  }
  return count;
}

}  // namespace latchkey::service
