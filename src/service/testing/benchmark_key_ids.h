#pragma once
// Key ids for the usage benchmarks (usage_meter_benchmark, usage_history_benchmark): distinct,
// well spread, and the same in every program so their figures compare.

#include <cstddef>
#include <vector>

#include "index/key_index.h"

namespace latchkey::service::testing {

inline constexpr std::size_t kPreloadedKeys = 1'000'000;

// The 16 id characters of key number `n` (base 62, zero-padded).
inline index::KeyIdChars BenchmarkKeyId(std::size_t n) {
  index::KeyIdChars id;
  id.fill('0');
  for (std::size_t i = id.size(); n != 0 && i > 0; n /= 62) {
    id[--i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[n % 62];
  }
  return id;
}

// kPreloadedKeys ids, made once.
inline const std::vector<index::KeyIdChars>& PreloadedKeyIds() {
  static const std::vector<index::KeyIdChars> ids = [] {
    std::vector<index::KeyIdChars> out;
    out.reserve(kPreloadedKeys);
    for (std::size_t i = 0; i < kPreloadedKeys; ++i) out.push_back(BenchmarkKeyId(i * 7919 + 13));
    return out;
  }();
  return ids;
}

}  // namespace latchkey::service::testing
