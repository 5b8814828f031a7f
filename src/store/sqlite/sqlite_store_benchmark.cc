// Benchmarks of SqliteStore on the start-up path (DESIGN §8: serving within 3 s with 1 M keys in
// the store): opening an existing database and streaming every key with ForEachKey, which is how
// the verification index is built. Also the bulk insert that sets the data up, in one Write.
// Run: build/release/src/sqlite_store_benchmark (a Release build; see docs/benchmarks.md).

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace latchkey::store::sqlite {
namespace {

// A temporary directory holding a database of `n` keys, removed on destruction.
class KeyDatabase {
 public:
  explicit KeyDatabase(benchmark::State& state, std::int64_t n) {
    std::string pattern = (std::filesystem::temp_directory_path() / "latchkey-bench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      state.SkipWithError("mkdtemp failed");
      return;
    }
    dir_ = pattern;
    path_ = dir_ + "/latchkey.db";
    Status status = Fill(n);
    if (!status.ok()) state.SkipWithError(status.message().c_str());
  }
  ~KeyDatabase() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  // One owner and one namespace; every key looks like one the service would create.
  Status Fill(std::int64_t n) {
    LK_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(path_));
    return store->Write([n](Transaction& tx) -> Status {
      domain::Namespace ns;
      ns.id = "ns_bench";
      ns.name = "bench";
      LK_RETURN_IF_ERROR(tx.InsertNamespace(ns));
      domain::Principal owner;
      owner.id = "pr_bench";
      owner.name = "bench";
      owner.namespace_id = "ns_bench";
      LK_RETURN_IF_ERROR(tx.InsertPrincipal(owner));
      for (std::int64_t i = 0; i < n; ++i) LK_RETURN_IF_ERROR(tx.InsertKey(MakeKey(i)));
      return Status::Ok();
    });
  }

  static domain::ApiKey MakeKey(std::int64_t i) {
    domain::ApiKey key;
    key.id = "key_" + std::to_string(1'000'000'000'000'000 + i);
    key.name = "service-" + std::to_string(i);
    key.owner_id = "pr_bench";
    key.namespace_id = "ns_bench";
    key.scopes = {"raw:read:db1/table1", "timeseries:write"};
    key.prefix = "lk";
    key.hint = "lk_…" + key.id.substr(key.id.size() - 4);
    for (std::size_t b = 0; b < key.digest.size(); ++b) key.digest[b] = (i * 31 + b) & 0xff;
    key.created_at = 1'700'000'000'000 + i;
    key.created_by = "pr_bench";
    key.updated_at = key.created_at;
    return key;
  }

  std::string dir_;
  std::string path_;
};

void BM_BulkInsertKeys(benchmark::State& state) {
  for (auto _ : state) {
    KeyDatabase db(state, state.range(0));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BulkInsertKeys)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_OpenExistingStore(benchmark::State& state) {
  KeyDatabase db(state, state.range(0));
  for (auto _ : state) {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(db.path());
    if (!store.ok()) state.SkipWithError(store.status().message().c_str());
  }
}
BENCHMARK(BM_OpenExistingStore)->Arg(1'000'000)->Iterations(5)->Unit(benchmark::kMillisecond);

void BM_ForEachKey(benchmark::State& state) {
  KeyDatabase db(state, state.range(0));
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(db.path());
  if (!store.ok()) {
    state.SkipWithError(store.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    std::int64_t seen = 0;
    Status status = (*store)->ForEachKey([&](const domain::ApiKey& key) {
      benchmark::DoNotOptimize(key.digest);
      ++seen;
      return Status::Ok();
    });
    if (!status.ok() || seen != state.range(0)) state.SkipWithError("ForEachKey failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ForEachKey)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::store::sqlite

BENCHMARK_MAIN();
