#pragma once
// SeededRandom: a deterministic RandomSource for tests, benchmarks and fuzzers. The same seed
// always yields the same bytes (std::mt19937_64 is fully specified by the standard), so a test
// can pin a generated key. NOT for production: its output is predictable. Not thread-safe.

#include <cstdint>
#include <random>
#include <span>

#include "crypto/random.h"

namespace latchkey::crypto {

class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

  void Fill(std::span<std::uint8_t> out) override {
    for (std::uint8_t& byte : out) {
      if (spare_bits_ == 0) {
        spare_ = engine_();
        spare_bits_ = 64;
      }
      byte = static_cast<std::uint8_t>(spare_);
      spare_ >>= 8;
      spare_bits_ -= 8;
    }
  }

 private:
  std::mt19937_64 engine_;
  std::uint64_t spare_ = 0;
  int spare_bits_ = 0;
};

}  // namespace latchkey::crypto
