#pragma once
// SnapshotMap: a hash map for read-mostly data, read without locks that a writer holds.
//
// The map is split into shards; each shard is immutable once published through an atomic
// shared_ptr. A reader loads one shard pointer (Find) and keeps that version alive for as long as
// it holds the returned Ref, whatever writers do meanwhile. A writer copies only the shards it
// changes, edits the copies and publishes them atomically (Apply), so a write costs
// O(size / kShards) and never blocks readers. Writers are serialized by a mutex.
//
// Memory layout (DESIGN §8: <= 256 bytes per loaded key): a shard keeps its values in a dense
// vector sized exactly by Apply, and a boost::unordered_flat_map from key to position. An open-
// addressing table is only 44-87% full (its capacity doubles), so values stored inline in its
// slots would cost up to 2.3x their size; here only the small (key, position) slots pay that.
// Thread-safety: Find may run on any number of threads concurrently with Apply.

#include <array>
#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace latchkey::index {

template <typename K, typename V, typename Hash, std::size_t kShards>
class SnapshotMap {
 public:
  // One version of a shard: values[positions[key]] is the value of key.
  struct Shard {
    boost::unordered_flat_map<K, std::uint32_t, Hash> positions;
    std::vector<V> values;
  };

  // A pinned value: valid while the Ref lives, even if the entry is replaced or erased.
  class Ref {
   public:
    Ref() = default;
    explicit operator bool() const { return value_ != nullptr; }
    const V& operator*() const { return *value_; }
    const V* operator->() const { return value_; }

   private:
    friend class SnapshotMap;
    Ref(std::shared_ptr<const Shard> shard, const V* value)
        : shard_(std::move(shard)), value_(value) {}
    std::shared_ptr<const Shard> shard_;
    const V* value_ = nullptr;
  };

  // One change: a value to insert or replace, or std::nullopt to erase.
  using Change = std::pair<K, std::optional<V>>;

  SnapshotMap() {
    for (auto& shard : shards_) shard.store(std::make_shared<const Shard>());
  }

  Ref Find(const K& key) const {
    std::shared_ptr<const Shard> shard = shards_[ShardOf(key)].load(std::memory_order_acquire);
    auto it = shard->positions.find(key);
    if (it == shard->positions.end()) return {};
    const V* value = &shard->values[it->second];
    return Ref(std::move(shard), value);
  }

  // Applies `changes` in order and publishes each touched shard once.
  void Apply(std::vector<Change> changes) {
    std::lock_guard lock(write_mu_);
    // Changes per shard, counted first so that each draft is allocated once at its final size
    // (exactly, when every change is an insert, as in a bulk load).
    std::vector<std::uint32_t> pending(kShards, 0);
    for (const auto& change : changes) ++pending[ShardOf(change.first)];
    std::array<std::shared_ptr<Shard>, kShards> drafts;
    for (auto& [key, value] : changes) {
      std::size_t s = ShardOf(key);
      if (!drafts[s]) drafts[s] = Draft(*shards_[s].load(), pending[s]);
      if (value) {
        Put(*drafts[s], std::move(key), std::move(*value));
      } else {
        Erase(*drafts[s], key);
      }
    }
    for (std::size_t s = 0; s < kShards; ++s) {
      if (drafts[s]) {
        size_.fetch_add(static_cast<std::ptrdiff_t>(drafts[s]->values.size()) -
                        static_cast<std::ptrdiff_t>(shards_[s].load()->values.size()));
        shards_[s].store(std::move(drafts[s]), std::memory_order_release);
      }
    }
  }

  // Calls fn(key, value) for every entry of the current shards (for rare, whole-map reads).
  void ForEach(const std::function<void(const K&, const V&)>& fn) const {
    for (const auto& slot : shards_) {
      std::shared_ptr<const Shard> shard = slot.load(std::memory_order_acquire);
      for (const auto& [k, position] : shard->positions) fn(k, shard->values[position]);
    }
  }

  std::size_t size() const { return static_cast<std::size_t>(size_.load()); }

 private:
  // The maps inside a shard hash the same key again; take the shard from the high bits of a
  // multiplicative mix so the two uses of the hash do not correlate.
  static std::size_t ShardOf(const K& key) {
    return static_cast<std::size_t>((Hash{}(key)*0x9E3779B97F4A7C15ULL) >> 40) % kShards;
  }

  // A copy of `shard` with room for `changes` more entries.
  static std::shared_ptr<Shard> Draft(const Shard& shard, std::size_t changes) {
    auto draft = std::make_shared<Shard>();
    draft->positions.reserve(shard.positions.size() + changes);
    draft->positions.insert(shard.positions.begin(), shard.positions.end());
    draft->values.reserve(shard.values.size() + changes);
    draft->values.insert(draft->values.end(), shard.values.begin(), shard.values.end());
    return draft;
  }

  static void Put(Shard& shard, K&& key, V&& value) {
    auto [it, inserted] = shard.positions.try_emplace(
        std::move(key), static_cast<std::uint32_t>(shard.values.size()));
    if (inserted) {
      shard.values.push_back(std::move(value));
    } else {
      shard.values[it->second] = std::move(value);
    }
  }

  // Moves the last value into the hole, so values stay dense. Finding the slot that pointed at
  // the last value is a scan of the shard, no worse than the copy that Draft already made.
  static void Erase(Shard& shard, const K& key) {
    auto it = shard.positions.find(key);
    if (it == shard.positions.end()) return;
    const std::uint32_t hole = it->second;
    const auto last = static_cast<std::uint32_t>(shard.values.size() - 1);
    shard.positions.erase(it);
    if (hole != last) {
      shard.values[hole] = std::move(shard.values[last]);
      for (auto& [k, position] : shard.positions) {
        if (position == last) {
          position = hole;
          break;
        }
      }
    }
    shard.values.pop_back();
  }

  std::array<std::atomic<std::shared_ptr<const Shard>>, kShards> shards_;
  std::mutex write_mu_;
  std::atomic<std::ptrdiff_t> size_{0};
};

}  // namespace latchkey::index
