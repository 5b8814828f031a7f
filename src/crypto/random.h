#pragma once
// RandomSource: the one source of randomness (secrets, ids), behind an interface so tests can
// inject a deterministic one. OsRandom reads the OS CSPRNG through OpenSSL's RAND_bytes and is
// thread-safe. Fill aborts the process if the CSPRNG fails: issuing a key from bad randomness is
// worse than stopping.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace latchkey::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(std::span<std::uint8_t> out) = 0;
};

class OsRandom final : public RandomSource {
 public:
  void Fill(std::span<std::uint8_t> out) override;
};

// `n` characters drawn uniformly from [0-9A-Za-z] (rejection sampling, no modulo bias).
std::string RandomBase62(RandomSource& random, std::size_t n);

// A public entity id: `kind` + "_" + 12 base62 characters, e.g. NewId("ns", r) -> "ns_4fT9...".
std::string NewId(std::string_view kind, RandomSource& random);

}  // namespace latchkey::crypto
