// Benchmarks of the crypto/ hot paths: ParseKey and Digest run on every verification (DESIGN
// §8: <= 500 ns per verification in all); GenerateKey runs on every create and roll.
// Run: build/release/src/crypto_benchmark (a Release build; see docs/benchmarks.md).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/fake_random.h"
#include "crypto/hmac.h"
#include "crypto/key_format.h"

namespace latchkey::crypto {
namespace {

std::vector<std::string> SampleKeys(std::size_t n) {
  SeededRandom random(1);
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < n; ++i) keys.push_back(GenerateKey("lk", random).key);
  return keys;
}

void BM_ParseKey(benchmark::State& state) {
  const std::vector<std::string> keys = SampleKeys(64);
  std::size_t i = 0;
  for (auto _ : state) {
    std::optional<ParsedKey> parsed = ParseKey(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseKey);

// A key with a wrong checksum costs the full parse too: nothing is skipped.
void BM_ParseKeyBadChecksum(benchmark::State& state) {
  std::string key = SampleKeys(1).front();
  key.back() = key.back() == '0' ? '1' : '0';
  for (auto _ : state) {
    std::optional<ParsedKey> parsed = ParseKey(key);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseKeyBadChecksum);

std::unique_ptr<SecretHasher> BenchHasher() {
  auto hasher = SecretHasher::Create(std::vector<std::uint8_t>(32, 0x5c));
  if (!hasher.ok()) std::abort();
  return std::move(hasher).value();
}

void BM_Digest(benchmark::State& state) {
  static const std::unique_ptr<SecretHasher> hasher = BenchHasher();
  const std::vector<std::string> keys = SampleKeys(64);
  std::size_t i = 0;
  for (auto _ : state) {
    domain::Digest digest = hasher->Digest(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(BM_Digest)->Threads(1)->Threads(2);

void BM_GenerateKey(benchmark::State& state) {
  OsRandom random;
  for (auto _ : state) {
    GeneratedKey generated = GenerateKey("lk", random);
    benchmark::DoNotOptimize(generated);
  }
}
BENCHMARK(BM_GenerateKey);

}  // namespace
}  // namespace latchkey::crypto

BENCHMARK_MAIN();
