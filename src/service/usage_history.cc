#include "service/usage_history.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <utility>

namespace latchkey::service {
namespace {

using domain::UnixMillis;

constexpr UnixMillis kMinuteMs = 60'000;
constexpr UnixMillis kHourMs = 60 * kMinuteMs;
constexpr std::int32_t kMinutesPerHour = 60;
constexpr std::int32_t kDayMinutes = 24 * kMinutesPerHour;
constexpr std::int32_t kSweepEveryMinutes = 60;
constexpr UnixMillis kNoTime = std::numeric_limits<UnixMillis>::min();
// An entry holds at most 60 minutes' and 23 folded hours' records of 12 codes (996; see the
// header), so its list never needs to grow past this.
constexpr std::uint16_t kMaxRecords = 1024;

// One bucket's count of one code. `bucket` is the minute number (or, in an hour record, the hour
// number) modulo 2^16: every record of an entry lies within a day of the entry's newest minute,
// so the full number is recovered from that one (Unwrap).
struct BucketCount {
  std::uint32_t count;
  std::uint16_t bucket;
  std::uint8_t code;  // a VerifyCode
  std::uint8_t hour;  // 1 in an hour record
};
static_assert(sizeof(BucketCount) == 8);

using BucketCounts = std::array<BucketCount, kMaxRecords>;

// Minutes since the epoch, clamped to what an int32 holds (years 1970..6053).
std::int32_t MinuteOf(UnixMillis t) {
  return static_cast<std::int32_t>(
      std::clamp<UnixMillis>(t / kMinuteMs, 0, std::numeric_limits<std::int32_t>::max()));
}

// The first minute that starts at or after `t`.
std::int32_t CeilMinuteOf(UnixMillis t) { return MinuteOf(t + (kMinuteMs - 1)); }

// The full minute or hour number of `bucket`, the newest one not after `newest`.
std::int32_t Unwrap(std::uint16_t bucket, std::int32_t newest) {
  return newest - static_cast<std::uint16_t>(static_cast<std::uint16_t>(newest) - bucket);
}

std::uint16_t Bucket(std::int32_t number) { return static_cast<std::uint16_t>(number); }

std::uint32_t SaturatingAdd(std::uint32_t a, std::uint32_t b) {
  return a > std::numeric_limits<std::uint32_t>::max() - b
             ? std::numeric_limits<std::uint32_t>::max()
             : a + b;
}

// An entry's list of older records, on the heap: 16 bytes with 16-bit sizes, where a std::vector
// takes 24. Grows by half, so that a busy key's list (82 records for one code every minute)
// keeps about 15% slack rather than doubling's up to 50%; shrinks by half when a quarter full,
// and frees its block when empty (a key gone quiet).
class RecordList {
 public:
  RecordList() = default;
  RecordList(RecordList&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  RecordList& operator=(RecordList&& other) noexcept {
    if (this != &other) {
      delete[] data_;
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  ~RecordList() { delete[] data_; }

  BucketCount* data() { return data_; }
  const BucketCount* data() const { return data_; }
  std::uint16_t size() const { return size_; }

  void Append(const BucketCount& record) {
    if (size_ == capacity_) {
      // Cannot happen (see kMaxRecords); if it did, counting on would overrun the list.
      if (capacity_ == kMaxRecords) std::abort();
      Reallocate(capacity_ == 0
                     ? kFirstCapacity
                     : std::min<std::uint16_t>(kMaxRecords, capacity_ + (capacity_ + 1) / 2));
    }
    data_[size_++] = record;
  }

  // Keeps the first `size` records.
  void Truncate(std::uint16_t size) {
    size_ = size;
    if (size_ == 0) {
      delete[] data_;
      data_ = nullptr;
      capacity_ = 0;
    } else if (size_ <= capacity_ / 4) {
      Reallocate(static_cast<std::uint16_t>(capacity_ / 2));
    }
  }

 private:
  static constexpr std::uint16_t kFirstCapacity = 2;

  void Reallocate(std::uint16_t capacity) {
    auto* resized = new BucketCount[capacity];
    std::copy_n(data_, size_, resized);
    delete[] data_;
    data_ = resized;
    capacity_ = capacity;
  }

  BucketCount* data_ = nullptr;
  std::uint16_t size_ = 0;
  std::uint16_t capacity_ = 0;
};

// A shard's table of key ids to `Value`s, made so that the line a key's slot is on can be named
// (and prefetched) from its id without the shard's lock: the verifier does that before its HMAC,
// so that the miss on the slot, certain once thousands of keys are in use, overlaps the HMAC
// instead of adding to the verification (docs/benchmarks.md §4a). boost::unordered_flat_map, used
// elsewhere, gives no way to know an element's address before a probe under the lock.
//
// Open addressing with linear probing, one slot per cache line, at most 3/4 full: at the 3/8 to
// 3/4 fill that doubling keeps, 78-94% of the keys sit in their home slot or the next one (a
// simulation of linear probing), the two lines Prefetch names. Every method but Prefetch needs
// the owner's lock.
template <typename Value>
class KeyTable {
 public:
  KeyTable() = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  std::size_t size() const { return size_; }

  // The value of `id`, or nullptr.
  Value* Find(const index::KeyIdChars& id) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = HomeOf(id, mask_);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (!slot.used) return nullptr;  // there is always a free slot: the table is <= 3/4 full
      if (slot.id == id) return &slot.value;
    }
  }
  const Value* Find(const index::KeyIdChars& id) const {
    return const_cast<KeyTable*>(this)->Find(id);
  }

  // Adds `id`, which must not be in the table, with a default Value. Growing moves every value.
  Value& Insert(const index::KeyIdChars& id) {
    if ((size_ + 1) * 4 > Capacity() * 3) {
      Rebuild(std::max(kMinCapacity, Capacity() * 2), [](const Value&) { return false; });
    }
    Slot& slot = FreeSlotFor(id);
    slot.used = true;
    slot.id = id;
    ++size_;
    return slot.value;
  }

  // Drops the values for which `doomed(value)` is true and shrinks the table to fit the others;
  // returns how many were dropped.
  template <typename Doomed>
  std::size_t EraseIf(Doomed doomed) {
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < Capacity(); ++i) {
      if (slots_[i].used && doomed(slots_[i].value)) ++dropped;
    }
    if (dropped == 0) return 0;
    std::size_t capacity = kMinCapacity;
    while ((size_ - dropped) * 4 > capacity * 3) capacity *= 2;
    Rebuild(size_ == dropped ? 0 : capacity, doomed);
    return dropped;
  }

  // Starts loading the lines that a Find of `id` reads first, without waiting for them. May be
  // called from any thread at any time, without the lock: it reads only the published geometry,
  // and a stale or torn one (a rebuild running) just prefetches the wrong lines.
  void Prefetch(const index::KeyIdChars& id) const {
    const std::uintptr_t slots = published_slots_.load(std::memory_order_relaxed);
    if (slots == 0) return;
    const std::size_t mask = published_mask_.load(std::memory_order_relaxed);
    const std::size_t home = HomeOf(id, mask);
    PrefetchLine(slots + home * sizeof(Slot));
    PrefetchLine(slots + ((home + 1) & mask) * sizeof(Slot));
  }

 private:
  struct alignas(64) Slot {
    index::KeyIdChars id{};
    Value value{};
    bool used = false;
  };
  static_assert(sizeof(Slot) == 64, "a slot is one cache line");

  static constexpr std::size_t kMinCapacity = 8;

  // The splitmix64 finalizer over the index's id hash: the shard was chosen from the top bits
  // of another mix of the same hash, so the home slot must not depend on those alone.
  static std::size_t HomeOf(const index::KeyIdChars& id, std::size_t mask) {
    std::uint64_t h = index::KeyIdHash()(id);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<std::size_t>(h ^ (h >> 31)) & mask;
  }

  // Integer arithmetic up to here: a torn geometry may name an address past the array, which a
  // prefetch ignores but a pointer must not point to.
  static void PrefetchLine(std::uintptr_t address) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the address is only prefetched, see above
    __builtin_prefetch(reinterpret_cast<const void*>(address), 1);
  }

  std::size_t Capacity() const { return slots_ ? mask_ + 1 : 0; }

  Slot& FreeSlotFor(const index::KeyIdChars& id) {
    std::size_t i = HomeOf(id, mask_);
    while (slots_[i].used) i = (i + 1) & mask_;
    return slots_[i];
  }

  // Moves the values that are not `doomed` into a table of `capacity` slots (none: no table).
  template <typename Doomed>
  void Rebuild(std::size_t capacity, Doomed doomed) {
    const std::size_t old_capacity = Capacity();
    std::unique_ptr<Slot[]> old = std::move(slots_);
    size_ = 0;
    mask_ = capacity - 1;
    if (capacity != 0) slots_ = std::make_unique<Slot[]>(capacity);
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (!old[i].used || doomed(old[i].value)) continue;
      Slot& slot = FreeSlotFor(old[i].id);
      slot.used = true;
      slot.id = old[i].id;
      slot.value = std::move(old[i].value);
      ++size_;
    }
    published_slots_.store(reinterpret_cast<std::uintptr_t>(slots_.get()),
                           std::memory_order_relaxed);
    published_mask_.store(mask_, std::memory_order_relaxed);
  }

  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;  // capacity - 1, while there are slots
  std::size_t size_ = 0;
  // slots_ and mask_ for Prefetch, which reads them without the lock.
  std::atomic<std::uintptr_t> published_slots_{0};
  std::atomic<std::size_t> published_mask_{0};
};

}  // namespace

// A key's counts. The newest minute's counts of up to two codes are in the entry itself (in its
// table slot, one cache line with the id), so that a Record within the same minute, the common
// case, touches nothing else; everything else is in `older`: the hour records first, by hour;
// then the minute records, by minute (a third code of the newest minute among them, last).
// Invariant after Advance(m): the minute records are of minutes m-59..m and the hour records of
// hours m/60-23..m/60-1.
struct UsageHistory::Entry {
  void Add(std::uint8_t code, std::int32_t minute) {
    if (minute > newest_minute) Advance(minute);
    for (BucketCount& c : current) {
      if (c.count == 0) {  // slots fill in order and never empty again until Advance
        c = {.count = 1, .bucket = Bucket(newest_minute), .code = code, .hour = 0};
        return;
      }
      if (c.code == code) {
        c.count = SaturatingAdd(c.count, 1);
        return;
      }
    }
    // A third code this minute: at the end of the list, after the older minutes.
    const std::uint16_t bucket = Bucket(newest_minute);
    BucketCount* r = older.data();
    for (std::uint16_t i = older.size(); i > 0; --i) {
      if (r[i - 1].hour != 0 || r[i - 1].bucket != bucket) break;
      if (r[i - 1].code == code) {
        r[i - 1].count = SaturatingAdd(r[i - 1].count, 1);
        return;
      }
    }
    older.Append({.count = 1, .bucket = bucket, .code = code, .hour = 0});
  }

  // Moves the entry's newest minute on to `minute`: the newest minute's counts join the list,
  // minute records that leave the hour window are folded into hour records, hour records that
  // leave the day window are dropped. In place: each record read produces at most one record
  // written, at or before it.
  void Advance(std::int32_t minute) {
    for (BucketCount& c : current) {
      if (c.count != 0) older.Append(c);
      c = {};
    }
    const std::int32_t old_minute = newest_minute;
    const std::int32_t old_hour = old_minute / kMinutesPerHour;
    newest_minute = minute;
    const std::int32_t first_minute = minute - (kMinutes - 1);
    const std::int32_t first_hour = minute / kMinutesPerHour - (kHours - 1);
    BucketCount* r = older.data();
    const std::uint16_t size = older.size();
    std::uint16_t out = 0;
    std::uint16_t in = 0;
    for (; in < size && r[in].hour != 0; ++in) {
      if (Unwrap(r[in].bucket, old_hour) >= first_hour) r[out++] = r[in];
    }
    for (; in < size; ++in) {
      const BucketCount record = r[in];
      const std::int32_t m = Unwrap(record.bucket, old_minute);
      if (m >= first_minute) break;
      if (m / kMinutesPerHour >= first_hour) FoldIntoHour(record, Bucket(m / kMinutesPerHour), out);
    }
    for (; in < size; ++in) r[out++] = r[in];
    older.Truncate(out);
  }

  // Adds minute record `record` to the hour record of `hour` and its code among the first `out`
  // records, the hour records so far (the same hour's are the last ones), or appends one there.
  void FoldIntoHour(const BucketCount& record, std::uint16_t hour, std::uint16_t& out) {
    BucketCount* r = older.data();
    for (std::uint16_t j = out; j > 0 && r[j - 1].bucket == hour; --j) {
      if (r[j - 1].code == record.code) {
        r[j - 1].count = SaturatingAdd(r[j - 1].count, record.count);
        return;
      }
    }
    r[out++] = {.count = record.count, .bucket = hour, .code = record.code, .hour = 1};
  }

  // Every record, the newest minute's in `current` included, into `out`; returns how many.
  std::uint16_t CopyTo(BucketCounts& out) const {
    std::uint16_t n = older.size();
    std::copy_n(older.data(), n, out.begin());
    for (const BucketCount& c : current) {
      if (c.count != 0) out[n++] = c;
    }
    return n;
  }

  // What a Record within the minute reads first, next to the id in the table slot.
  std::int32_t newest_minute = 0;
  // KeyUsageSeries::since: 0 for the node's start, else the first minute (rounded up, so never
  // earlier than the truth) after the last refusal in the shard before the entry was made.
  std::int32_t since_minute = 0;
  std::array<BucketCount, 2> current{};  // count 0: unused
  RecordList older;
};

// One mutex and the entries it guards; a cache line apart from the next so that threads working
// on different shards do not contend on the line.
struct alignas(64) UsageHistory::Shard {
  static_assert(sizeof(Entry) == 40, "a table slot is the 16-byte id, the entry and a flag");

  // Drops the entries whose newest minute is a day or more before `minute`: none of their
  // records is in a window any more.
  std::size_t Sweep(std::int32_t minute) {
    next_sweep_minute = minute + kSweepEveryMinutes;
    return entries.EraseIf(
        [&](const Entry& entry) { return entry.newest_minute <= minute - kDayMinutes; });
  }

  mutable std::mutex mu;
  KeyTable<Entry> entries;
  std::int32_t next_sweep_minute = 0;
  UnixMillis last_refusal = kNoTime;  // the last key the cap kept out of this shard
  std::uint64_t refused = 0;
};

UsageHistory::UsageHistory(const domain::Clock& clock, std::size_t max_keys)
    : clock_(clock),
      since_(clock.NowMillis()),
      max_keys_per_shard_(std::max<std::size_t>(1, (max_keys + kShards - 1) / kShards)),
      shards_(std::make_unique<Shard[]>(kShards)) {
  for (std::size_t i = 0; i < kShards; ++i) {
    shards_[i].next_sweep_minute = MinuteOf(since_) + kSweepEveryMinutes;
  }
}

UsageHistory::~UsageHistory() = default;

UsageHistory::Shard& UsageHistory::ShardOf(const index::KeyIdChars& id) const {
  // The top bits of a second mix: the map inside the shard uses the low bits of the same hash.
  const std::uint64_t h = index::KeyIdHash()(id) * 0xD6E8FEB86659FD93ULL;
  return shards_[h >> 56];
}

void UsageHistory::Prefetch(const index::KeyIdChars& id) const {
  const Shard& shard = ShardOf(id);
  for (std::size_t line = 0; line < sizeof(Shard); line += 64) {
    __builtin_prefetch(reinterpret_cast<const char*>(&shard) + line, 1);
  }
  shard.entries.Prefetch(id);
}

void UsageHistory::Record(const index::KeyIdChars& id, VerifyCode code, UnixMillis now) {
  if (code == VerifyCode::kMalformed || code == VerifyCode::kNotFound) return;
  const std::int32_t minute = MinuteOf(now);
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  if (minute >= shard.next_sweep_minute) shard.Sweep(minute);
  Entry* entry = shard.entries.Find(id);
  if (entry == nullptr) {
    // A full shard sweeps again (at most once a minute) before it refuses a key.
    if (shard.entries.size() >= max_keys_per_shard_ &&
        minute > shard.next_sweep_minute - kSweepEveryMinutes) {
      shard.Sweep(minute);
    }
    if (shard.entries.size() >= max_keys_per_shard_) {
      shard.last_refusal = std::max(shard.last_refusal, now);
      ++shard.refused;
      return;
    }
    entry = &shard.entries.Insert(id);
    entry->newest_minute = minute;
    if (shard.last_refusal != kNoTime) entry->since_minute = CeilMinuteOf(shard.last_refusal);
  }
  entry->Add(static_cast<std::uint8_t>(code), minute);
}

namespace {

// Spreads `records` (of an entry whose newest minute is `newest`) over the buckets of `series`,
// which end with the minute `minute`.
void FillBuckets(const BucketCounts& records, std::uint16_t size, std::int32_t newest,
                 std::int32_t minute, KeyUsageSeries& series) {
  const std::int32_t first_minute = minute - (UsageHistory::kMinutes - 1);
  const std::int32_t first_hour = minute / kMinutesPerHour - (UsageHistory::kHours - 1);
  series.minutes.resize(UsageHistory::kMinutes);
  series.hours.resize(UsageHistory::kHours);
  for (int i = 0; i < UsageHistory::kMinutes; ++i) {
    series.minutes[i].start = (first_minute + i) * kMinuteMs;
  }
  for (int i = 0; i < UsageHistory::kHours; ++i) series.hours[i].start = (first_hour + i) * kHourMs;
  auto add_to_hour = [&](std::int32_t hour, const BucketCount& r) {
    if (hour >= first_hour && hour < first_hour + UsageHistory::kHours) {
      series.hours[hour - first_hour].counts[r.code] += r.count;
    }
  };
  for (std::uint16_t i = 0; i < size; ++i) {
    const BucketCount& r = records[i];
    if (r.hour != 0) {
      add_to_hour(Unwrap(r.bucket, newest / kMinutesPerHour), r);
      continue;
    }
    const std::int32_t m = Unwrap(r.bucket, newest);
    if (m >= first_minute && m <= minute)
      series.minutes[m - first_minute].counts[r.code] += r.count;
    add_to_hour(m / kMinutesPerHour, r);
  }
}

}  // namespace

KeyUsageSeries UsageHistory::Read(const index::KeyIdChars& id, UnixMillis now) const {
  std::int32_t minute = MinuteOf(now);
  BucketCounts records;  // 8 KB on the caller's stack: nothing allocated under the lock
  std::uint16_t size = 0;
  std::int32_t newest = minute;
  KeyUsageSeries series;
  {
    Shard& shard = ShardOf(id);
    std::lock_guard lock(shard.mu);
    series.since = std::max(since_, shard.last_refusal);
    if (const Entry* entry = shard.entries.Find(id); entry != nullptr) {
      size = entry->CopyTo(records);
      newest = entry->newest_minute;
      series.since = entry->since_minute == 0
                         ? since_
                         : std::max(since_, UnixMillis{entry->since_minute} * kMinuteMs);
    }
  }
  // A clock that stepped back stands still, as in Record: the newest counts stay in view.
  minute = std::max(minute, newest);
  FillBuckets(records, size, newest, minute, series);
  return series;
}

std::size_t UsageHistory::Sweep() {
  const std::int32_t minute = MinuteOf(clock_.NowMillis());
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    dropped += shards_[i].Sweep(minute);
  }
  return dropped;
}

std::size_t UsageHistory::KeyCount() const {
  std::size_t count = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    count += shards_[i].entries.size();
  }
  return count;
}

std::uint64_t UsageHistory::RefusedCount() const {
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    count += shards_[i].refused;
  }
  return count;
}

}  // namespace latchkey::service
