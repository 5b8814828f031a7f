#pragma once
// SnapshotMap: a hash map for read-mostly data, read without locks that a writer holds.
//
// The map is split into shards; each shard is an immutable boost::unordered_flat_map published
// through an atomic shared_ptr. A reader loads one shard pointer (Find) and keeps that version
// alive for as long as it holds the returned Ref, whatever writers do meanwhile. A writer copies
// only the shards it changes, edits the copies and publishes them atomically (Apply), so a write
// costs O(size / kShards) and never blocks readers. Writers are serialized by a mutex.
// Thread-safety: Find may run on any number of threads concurrently with Apply.

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace latchkey::index {

template <typename K, typename V, typename Hash, std::size_t kShards>
class SnapshotMap {
 public:
  using Map = boost::unordered_flat_map<K, V, Hash>;

  // A pinned value: valid while the Ref lives, even if the entry is replaced or erased.
  class Ref {
   public:
    Ref() = default;
    explicit operator bool() const { return value_ != nullptr; }
    const V& operator*() const { return *value_; }
    const V* operator->() const { return value_; }

   private:
    friend class SnapshotMap;
    Ref(std::shared_ptr<const Map> shard, const V* value)
        : shard_(std::move(shard)), value_(value) {}
    std::shared_ptr<const Map> shard_;
    const V* value_ = nullptr;
  };

  // One change: a value to insert or replace, or std::nullopt to erase.
  using Change = std::pair<K, std::optional<V>>;

  SnapshotMap() {
    for (auto& shard : shards_) shard.store(std::make_shared<const Map>());
  }

  Ref Find(const K& key) const {
    std::shared_ptr<const Map> shard = shards_[ShardOf(key)].load(std::memory_order_acquire);
    auto it = shard->find(key);
    if (it == shard->end()) return {};
    const V* value = &it->second;
    return Ref(std::move(shard), value);
  }

  // Applies `changes` in order and publishes each touched shard once.
  void Apply(std::vector<Change> changes) {
    std::lock_guard lock(write_mu_);
    std::array<std::shared_ptr<Map>, kShards> drafts;
    for (auto& [key, value] : changes) {
      std::size_t s = ShardOf(key);
      if (!drafts[s]) drafts[s] = std::make_shared<Map>(*shards_[s].load());
      if (value) {
        drafts[s]->insert_or_assign(std::move(key), std::move(*value));
      } else {
        drafts[s]->erase(key);
      }
    }
    for (std::size_t s = 0; s < kShards; ++s) {
      if (drafts[s]) {
        size_.fetch_add(static_cast<std::ptrdiff_t>(drafts[s]->size()) -
                        static_cast<std::ptrdiff_t>(shards_[s].load()->size()));
        shards_[s].store(std::move(drafts[s]), std::memory_order_release);
      }
    }
  }

  // Calls fn(key, value) for every entry of the current shards (for rare, whole-map reads).
  void ForEach(const std::function<void(const K&, const V&)>& fn) const {
    for (const auto& slot : shards_) {
      std::shared_ptr<const Map> shard = slot.load(std::memory_order_acquire);
      for (const auto& [k, v] : *shard) fn(k, v);
    }
  }

  std::size_t size() const { return static_cast<std::size_t>(size_.load()); }

 private:
  // The maps inside a shard hash the same key again; take the shard from the high bits of a
  // multiplicative mix so the two uses of the hash do not correlate.
  static std::size_t ShardOf(const K& key) {
    return static_cast<std::size_t>((Hash{}(key) * 0x9E3779B97F4A7C15ULL) >> 40) % kShards;
  }

  std::array<std::atomic<std::shared_ptr<const Map>>, kShards> shards_;
  std::mutex write_mu_;
  std::atomic<std::ptrdiff_t> size_{0};
};

}  // namespace latchkey::index
