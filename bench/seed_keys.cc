// latchkey_seed: fills a new data directory with N API keys for the whole-system benchmarks
// (bench/http/run.sh, bench/startup_memory.sh; docs/benchmarks.md).
//
//   latchkey_seed --data DIR --keys N [--secrets-out FILE --secrets K] [--batch B]
//
// The directory is initialized exactly as `latchkey init --json` does it (same OpenDataDir and
// Bootstrap, same JSON line on stdout with the admin token). Then one `application` namespace
// under the root and one service account in it are created, and N standard keys owned by that
// account are inserted through the Store interface in transactions of B keys (default 50,000),
// each built by KeyService::NewKey: real GenerateKey from the OS CSPRNG, real HMAC digest with
// the directory's pepper, scopes ["*"], no expiry. K of the secrets, spread evenly over the N,
// are written to FILE (mode 0600), one per line as "<secret> <namespace id>", for load
// generators to present. A summary goes to stderr. Exit code 0 on success, 1 on failure,
// 2 on bad arguments. The directory must not be initialized already.

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "crypto/random.h"
#include "domain/clock.h"
#include "index/key_index.h"
#include "service/bootstrap.h"
#include "service/caller.h"
#include "service/context.h"
#include "service/key_service.h"

namespace latchkey::bench {
namespace {

struct SeedOptions {
  std::string data_dir;
  std::size_t keys = 0;
  std::string secrets_out;
  std::size_t secrets = 0;
  std::size_t batch = 50'000;
};

struct Owner {
  std::string namespace_id;
  std::string principal_id;
};

int Fail(const std::string& what, const Status& status) {
  std::cerr << "latchkey_seed: " << what << ": " << status.message() << "\n";
  return 1;
}

// One `application` namespace under the root and one active service account living in it.
Result<Owner> CreateOwner(const service::ServiceContext& ctx, const std::string& root_id) {
  domain::UnixMillis now = ctx.clock.NowMillis();
  domain::Namespace ns;
  ns.id = crypto::NewId("ns", ctx.random);
  ns.name = "bench-app";
  ns.kind = domain::NamespaceKind::kApplication;
  ns.parent_id = root_id;
  ns.created_at = ns.updated_at = now;
  domain::Principal account;
  account.id = crypto::NewId("pr", ctx.random);
  account.name = "bench-service";
  account.kind = domain::PrincipalKind::kServiceAccount;
  account.namespace_id = ns.id;
  account.created_at = account.updated_at = now;
  LK_RETURN_IF_ERROR(ctx.store.Write([&](store::Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(tx.InsertNamespace(ns));
    return tx.InsertPrincipal(account);
  }));
  return Owner{ns.id, account.id};
}

// "key-0000042": unique per owner, as the store requires.
std::string KeyName(std::size_t n) {
  std::string digits = std::to_string(n);
  return "key-" + std::string(digits.size() < 7 ? 7 - digits.size() : 0, '0') + digits;
}

// Inserts `options.keys` keys in transactions of `options.batch`; keeps the secrets of every
// (keys / secrets)-th key in `secrets`.
Status InsertKeys(const service::ServiceContext& ctx, const Owner& owner,
                  const SeedOptions& options, std::vector<std::string>& secrets) {
  const std::size_t stride =
      options.secrets == 0 ? 0 : std::max<std::size_t>(1, options.keys / options.secrets);
  std::vector<service::CreatedKey> batch;
  batch.reserve(options.batch);
  for (std::size_t done = 0; done < options.keys;) {
    batch.clear();
    for (; batch.size() < options.batch && done + batch.size() < options.keys;) {
      const std::size_t n = done + batch.size();
      service::CreateKeyInput input;
      input.name = KeyName(n);
      input.namespace_id = owner.namespace_id;
      batch.push_back(
          service::KeyService::NewKey(ctx, input, owner.principal_id, owner.principal_id));
      if (stride != 0 && n % stride == 0 && secrets.size() < options.secrets) {
        secrets.push_back(batch.back().secret);
      }
    }
    // Kept in creation order: three of the key table's indexes end in (created_at, id) and
    // are then appended to; sorting a batch by id was measured 40% slower at 1 M keys.
    LK_RETURN_IF_ERROR(ctx.store.Write([&](store::Transaction& tx) -> Status {
      for (const auto& created : batch) LK_RETURN_IF_ERROR(tx.InsertKey(created.key));
      return Status::Ok();
    }));
    done += batch.size();
  }
  return Status::Ok();
}

Status WriteSecrets(const std::string& path, const std::vector<std::string>& secrets,
                    const std::string& namespace_id) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return Internal("cannot write " + path);
  ::chmod(path.c_str(), 0600);
  for (const auto& secret : secrets) out << secret << ' ' << namespace_id << '\n';
  out.close();
  if (!out) return Internal("cannot write " + path);
  return Status::Ok();
}

int Seed(const SeedOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  crypto::OsRandom random;
  domain::SystemClock clock;
  index::KeyIndex index;  // Bootstrap publishes to it; unused otherwise
  service::AccessPolicy policy{index};
  auto opened = app::OpenDataDir(options.data_dir, /*create=*/true, random);
  if (!opened.ok()) return Fail("cannot open data directory " + options.data_dir, opened.status());
  if (opened->initialized) {
    return Fail("cannot seed " + options.data_dir, Conflict("it is already initialized"));
  }
  service::ServiceContext ctx{*opened->store, index, *opened->hasher, random, clock, policy};
  auto boot = service::Bootstrap(ctx);
  if (!boot.ok()) return Fail("cannot initialize " + options.data_dir, boot.status());
  std::cout << boost::json::serialize(boost::json::object{{"admin_token", boot->admin_token},
                                                          {"namespace", boot->namespace_id},
                                                          {"principal", boot->principal_id}})
            << std::endl;

  auto owner = CreateOwner(ctx, boot->namespace_id);
  if (!owner.ok()) return Fail("cannot create the namespace and service account", owner.status());
  std::vector<std::string> secrets;
  if (Status s = InsertKeys(ctx, *owner, options, secrets); !s.ok())
    return Fail("cannot insert keys", s);
  if (!options.secrets_out.empty()) {
    if (Status s = WriteSecrets(options.secrets_out, secrets, owner->namespace_id); !s.ok()) {
      return Fail("cannot write secrets", s);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "latchkey_seed: %zu keys in namespace %s owned by %s, %zu secrets written, %.1f s\n",
               options.keys, owner->namespace_id.c_str(), owner->principal_id.c_str(),
               secrets.size(), seconds);
  return 0;
}

}  // namespace
}  // namespace latchkey::bench

int main(int argc, char** argv) {
  CLI::App app{"latchkey_seed: initialize a data directory and fill it with API keys"};
  latchkey::bench::SeedOptions options;
  app.add_option("--data", options.data_dir, "Data directory (must not be initialized)")
      ->required();
  app.add_option("--keys", options.keys, "Number of keys to insert")->required();
  auto* out = app.add_option("--secrets-out", options.secrets_out,
                             "File to write secrets to, one \"<secret> <namespace>\" per line");
  app.add_option("--secrets", options.secrets, "How many secrets to write")->needs(out);
  app.add_option("--batch", options.batch, "Keys per store transaction")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (options.secrets > options.keys) options.secrets = options.keys;
  return latchkey::bench::Seed(options);
}
