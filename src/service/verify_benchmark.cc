// Benchmarks of in-process verification (DESIGN §8: <= 500 ns median per verification with
// 1 M keys loaded, on one core). Verifier::Verify runs against a KeyIndex holding 1,000,000
// keys made by the real GenerateKey and digested by the real SecretHasher, bulk-loaded the way
// service::LoadIndex does it (one PutEntries call). ParseKey and Digest alone are measured in
// crypto/crypto_benchmark.cc; the index lookup alone is measured here.
//
// Run (Release build; see docs/benchmarks.md): the one-core figures pinned to one core, the
// two-thread ones (names ending in threads:2) on both cores:
//   taskset -c 1 build/release/src/verify_benchmark --benchmark_filter='-threads:2'
//   taskset -c 0,1 build/release/src/verify_benchmark --benchmark_filter='threads:2'
// Building the index takes 5-10 s and ~700 MB before the first benchmark starts.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "crypto/fake_random.h"
#include "crypto/hmac.h"
#include "crypto/key_format.h"
#include "domain/clock.h"
#include "index/key_index.h"
#include "service/usage_history.h"
#include "service/verifier.h"

namespace latchkey::service {
namespace {

constexpr std::size_t kLoadedKeys = 1'000'000;
// Secrets kept for the benchmarks to present, spread evenly over the loaded keys. The largest
// set touches ~64 K random index slots: well beyond L1/L2, so lookups pay for real misses.
constexpr std::size_t kMaxSampled = 65'536;
// Every kDecoyEvery-th sampled key is stored with the digest of another secret: presenting it
// finds the id but fails the digest comparison (the "wrong secret" case).
constexpr std::size_t kDecoyEvery = 2;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "verify_benchmark: %s\n", what);
  std::abort();
}

// The loaded index and the secrets the benchmarks present. Built once, on first use, outside
// every timed loop.
struct World {
  std::unique_ptr<crypto::SecretHasher> hasher;
  domain::SystemClock clock;
  index::KeyIndex index;
  std::vector<std::string> valid;         // secrets of loaded keys
  std::vector<std::string> wrong_secret;  // well-formed, id loaded, digest differs
  std::vector<std::string> unknown;       // well-formed, id not loaded
  std::vector<std::string> bad_checksum;  // loaded keys with the last checksum digit changed
  std::unique_ptr<Verifier> verifier;
  // The same with the per-key outcome counts that `serve` keeps (BM_VerifyValidWithHistory).
  std::unique_ptr<UsageHistory> history;
  std::unique_ptr<Verifier> counting_verifier;
};

std::unique_ptr<crypto::SecretHasher> MakeHasher() {
  crypto::SeededRandom random(7);
  std::vector<std::uint8_t> pepper(32);
  random.Fill(pepper);
  auto hasher = crypto::SecretHasher::Create(pepper);
  if (!hasher.ok()) Die("cannot create the SecretHasher");
  return std::move(hasher).value();
}

// A key record as KeyService::NewKey makes it: a standard key of one service account in one
// namespace, scopes ["*"], no expiry, empty meta.
domain::ApiKey MakeRecord(const crypto::GeneratedKey& generated, std::size_t n,
                          const domain::Digest& digest) {
  domain::ApiKey key;
  key.id = generated.id;
  key.name = "key-" + std::to_string(1'000'000 + n).substr(1);  // "key-000042": 10 chars
  key.type = domain::KeyType::kStandard;
  key.owner_id = "pr_BenchOwner01";
  key.namespace_id = "ns_BenchSpace01";
  key.scopes = {"*"};
  key.prefix = std::string(crypto::kDefaultPrefix);
  key.hint = generated.hint;
  key.digest = digest;
  key.created_at = key.updated_at = 1'700'000'000'000;
  key.created_by = key.owner_id;
  return key;
}

void LoadKeys(World& w) {
  crypto::SeededRandom random(42);
  const std::size_t sample_stride = kLoadedKeys / kMaxSampled;
  std::vector<index::KeyIndex::KeyMap::Change> changes;
  changes.reserve(kLoadedKeys);
  for (std::size_t n = 0; n < kLoadedKeys; ++n) {
    crypto::GeneratedKey generated = crypto::GenerateKey(crypto::kDefaultPrefix, random);
    const bool sampled = n % sample_stride == 0 && n / sample_stride < kMaxSampled;
    const bool decoy = sampled && (n / sample_stride) % kDecoyEvery == 1;
    domain::Digest digest = w.hasher->Digest(decoy ? generated.key + "x" : generated.key);
    domain::ApiKey record = MakeRecord(generated, n, digest);
    auto id = index::KeyIndex::IdCharsOf(record.id);
    if (!id) Die("GenerateKey made an id that the index refuses");
    changes.emplace_back(*id, w.index.MakeEntry(record));
    if (sampled) (decoy ? w.wrong_secret : w.valid).push_back(std::move(generated.key));
  }
  w.index.PutEntries(std::move(changes));
  if (w.index.key_count() != kLoadedKeys) Die("duplicate key ids in the generated set");
  domain::Principal owner;
  owner.id = "pr_BenchOwner01";
  owner.name = "bench-service";
  owner.kind = domain::PrincipalKind::kServiceAccount;
  owner.namespace_id = "ns_BenchSpace01";
  w.index.PutPrincipal(owner);
}

void MakeRejectedSecrets(World& w) {
  crypto::SeededRandom random(4242);
  while (w.unknown.size() < w.valid.size()) {
    crypto::GeneratedKey generated = crypto::GenerateKey(crypto::kDefaultPrefix, random);
    auto parsed = crypto::ParseKey(generated.key);
    if (!parsed) Die("GenerateKey made a key that ParseKey refuses");
    if (!w.index.FindKey(parsed->id_chars)) w.unknown.push_back(std::move(generated.key));
  }
  for (const std::string& key : w.valid) {
    std::string bad = key;
    bad.back() = bad.back() == '0' ? '1' : '0';
    w.bad_checksum.push_back(std::move(bad));
  }
}

World& TheWorld() {
  static World* world = [] {
    auto* w = new World;  // never freed: lives for the whole benchmark process
    w->hasher = MakeHasher();
    LoadKeys(*w);
    MakeRejectedSecrets(*w);
    w->verifier = std::make_unique<Verifier>(w->index, *w->hasher, w->clock);
    w->history = std::make_unique<UsageHistory>(w->clock);
    w->counting_verifier = std::make_unique<Verifier>(w->index, *w->hasher, w->clock,
                                                      /*usage=*/nullptr, w->history.get());
    return w;
  }();
  return *world;
}

// Presents the first state.range(0) secrets of `secrets` in turn; every result must be `want`.
void RunVerify(benchmark::State& state, const std::vector<std::string>& secrets, VerifyCode want,
               const Verifier* with = nullptr) {
  const Verifier& verifier = with != nullptr ? *with : *TheWorld().verifier;
  const std::size_t n =
      std::min<std::size_t>(static_cast<std::size_t>(state.range(0)), secrets.size());
  std::size_t i = 0;
  for (auto _ : state) {
    VerifyRequest request;
    request.key = secrets[i];
    VerifyResult result = verifier.Verify(request);
    if (result.code != want) {
      state.SkipWithError("unexpected verification code");
      break;
    }
    benchmark::DoNotOptimize(result);
    if (++i == n) i = 0;
  }
  // Counters are summed over threads: one thread reports.
  if (state.thread_index() == 0) {
    state.counters["keys_loaded"] = static_cast<double>(TheWorld().index.key_count());
  }
}

void BM_VerifyValid(benchmark::State& state) {
  RunVerify(state, TheWorld().valid, VerifyCode::kValid);
}
// 1 = one hot key; 4096 and the whole sample = many clients, index slots mostly not in cache.
BENCHMARK(BM_VerifyValid)->ArgName("cycled")->Arg(1)->Arg(4096)->Arg(kMaxSampled / kDecoyEvery);

// Two threads verifying at once (run unpinned or with taskset -c 0,1: under taskset -c 1 both
// threads share one core). Every VALID verification reads the same owner's PrincipalRef, so this
// shows what the shared shard pointers and reference counts cost when cores contend for them.
BENCHMARK(BM_VerifyValid)->ArgName("cycled")->Arg(4096)->Threads(2);

// The same, counted in a UsageHistory as `serve` does (what the console's usage chart costs).
void BM_VerifyValidWithHistory(benchmark::State& state) {
  RunVerify(state, TheWorld().valid, VerifyCode::kValid, TheWorld().counting_verifier.get());
}
BENCHMARK(BM_VerifyValidWithHistory)
    ->ArgName("cycled")
    ->Arg(1)
    ->Arg(4096)
    ->Arg(kMaxSampled / kDecoyEvery);
BENCHMARK(BM_VerifyValidWithHistory)->ArgName("cycled")->Arg(4096)->Threads(2);

// Well-formed, checksum right, id unknown: parse + lookup, no HMAC.
void BM_VerifyNotFound(benchmark::State& state) {
  RunVerify(state, TheWorld().unknown, VerifyCode::kNotFound);
}
BENCHMARK(BM_VerifyNotFound)->ArgName("cycled")->Arg(4096);

// Id known, secret wrong: parse + lookup + HMAC + compare, i.e. the cost of a VALID check.
void BM_VerifyWrongSecret(benchmark::State& state) {
  RunVerify(state, TheWorld().wrong_secret, VerifyCode::kNotFound);
}
BENCHMARK(BM_VerifyWrongSecret)->ArgName("cycled")->Arg(4096);

// A typo: the checksum is wrong, so the key is refused before any lookup.
void BM_VerifyMalformedChecksum(benchmark::State& state) {
  RunVerify(state, TheWorld().bad_checksum, VerifyCode::kMalformed);
}
BENCHMARK(BM_VerifyMalformedChecksum)->ArgName("cycled")->Arg(4096);

// Not shaped like a key at all: refused on its length.
void BM_VerifyMalformedShape(benchmark::State& state) {
  static const std::vector<std::string> garbage = {"not-a-key"};
  RunVerify(state, garbage, VerifyCode::kMalformed);
}
BENCHMARK(BM_VerifyMalformedShape)->Arg(1);

// The index lookup alone (KeyIndex::FindKey on 16 id characters), hit and miss.
void RunFindKey(benchmark::State& state, const std::vector<std::string>& secrets, bool want_hit) {
  const index::KeyIndex& index = TheWorld().index;
  std::vector<std::string> ids;
  for (std::size_t k = 0; k < 4096 && k < secrets.size(); ++k) {
    ids.emplace_back(crypto::ParseKey(secrets[k])->id_chars);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    index::KeyIndex::KeyRef ref = index.FindKey(ids[i]);
    if (static_cast<bool>(ref) != want_hit) {
      state.SkipWithError("unexpected lookup result");
      break;
    }
    benchmark::DoNotOptimize(ref);
    if (++i == ids.size()) i = 0;
  }
}

void BM_FindKeyHit(benchmark::State& state) { RunFindKey(state, TheWorld().valid, true); }
BENCHMARK(BM_FindKeyHit);

void BM_FindKeyMiss(benchmark::State& state) { RunFindKey(state, TheWorld().unknown, false); }
BENCHMARK(BM_FindKeyMiss);

// The other two steps of a VALID verification: the owner's status, and the expiry check's clock.
void BM_FindPrincipal(benchmark::State& state) {
  const index::KeyIndex& index = TheWorld().index;
  const std::string owner = "pr_BenchOwner01";
  for (auto _ : state) {
    index::KeyIndex::PrincipalRef ref = index.FindPrincipal(owner);
    if (!ref) {
      state.SkipWithError("owner not in the index");
      break;
    }
    benchmark::DoNotOptimize(ref);
  }
}
BENCHMARK(BM_FindPrincipal)->Threads(1)->Threads(2);

void BM_SystemClockNow(benchmark::State& state) {
  const domain::SystemClock& clock = TheWorld().clock;
  for (auto _ : state) benchmark::DoNotOptimize(clock.NowMillis());
}
BENCHMARK(BM_SystemClockNow);

}  // namespace
}  // namespace latchkey::service

int main(int argc, char** argv) {
  // Median of 5 repetitions unless told otherwise on the command line.
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=5";
  std::string aggregates = "--benchmark_report_aggregates_only=true";
  args.insert(args.begin() + 1, {repetitions.data(), aggregates.data()});
  int args_count = static_cast<int>(args.size());
  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
