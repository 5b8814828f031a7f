#include "app/serve.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "app/buffered_stderr_sink.h"
#include "app/console_assets.h"
#include "app/data_dir.h"
#include "app/gateway_config.h"
#include "http/api.h"
#include "http/management_api.h"
#include "http/verify_endpoint.h"
#include "service/bootstrap.h"
#include "service/change_feed.h"
#include "service/key_service.h"
#include "service/namespace_service.h"
#include "service/principal_service.h"
#include "service/session_service.h"
#include "service/usage_flusher.h"

namespace latchkey::app {
namespace {

// One JSON object per line on stderr; the message supplies the fields after "level".
// stderr is made fully buffered and flushed every second, on every warning and at exit, so
// the access log costs no system call per request; a kill -9 may lose the last second of it.
std::shared_ptr<spdlog::logger> MakeLogger(const std::string& level) {
  static char buffer[1 << 16];
  std::setvbuf(stderr, buffer, _IOFBF, sizeof buffer);
  auto logger =
      std::make_shared<spdlog::logger>("latchkey", std::make_shared<BufferedStderrSink>());
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return logger;
}

std::string Quoted(std::string_view s) {
  return boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

Result<http::ServerOptions> ParseListen(const ServeOptions& options) {
  http::ServerOptions server;
  std::string_view listen = options.listen;
  std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return InvalidArgument("--listen must be HOST:PORT");
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = -1;
  try {
    port = std::stoi(std::string(listen.substr(colon + 1)));
  } catch (...) {
  }
  if (port < 0 || port > 65535) return InvalidArgument("--listen: the port must be 0..65535");
  server.address = host;
  server.port = static_cast<std::uint16_t>(port);
  server.threads = options.threads;
  server.max_body_bytes = options.max_body_bytes;
  server.request_timeout = std::chrono::milliseconds(options.request_timeout_ms);
  return server;
}

int Fail(const std::string& what, const Status& status) {
  std::cerr << "latchkey: " << what << ": " << status.message() << "\n";
  return 1;
}

// The wiring of one running server.
// For end-to-end tests of time (quota refills, expiry): with LATCHKEY_TEST_CLOCK_OFFSET_FILE
// set, "now" is the system time plus the milliseconds written in that file (re-read on every
// call, so a test moves time by rewriting it). Never set in production; `serve` logs it.
class OffsetFileClock final : public domain::Clock {
 public:
  explicit OffsetFileClock(std::string path) : path_(std::move(path)) {}
  domain::UnixMillis NowMillis() const override {
    domain::UnixMillis offset = 0;
    if (std::FILE* f = std::fopen(path_.c_str(), "r")) {
      long long value = 0;
      if (std::fscanf(f, "%lld", &value) == 1) offset = value;
      std::fclose(f);
    }
    return system_.NowMillis() + offset;
  }

 private:
  std::string path_;
  domain::SystemClock system_;
};

std::unique_ptr<domain::Clock> MakeClock() {
  if (const char* path = std::getenv("LATCHKEY_TEST_CLOCK_OFFSET_FILE"); path && *path) {
    return std::make_unique<OffsetFileClock>(path);
  }
  return std::make_unique<domain::SystemClock>();
}

struct Runtime {
  crypto::OsRandom random;
  std::unique_ptr<domain::Clock> clock = MakeClock();
  index::KeyIndex index;
  service::AccessPolicy policy{index};
};

// Opens the data directory and store. A PostgreSQL server that cannot be reached is waited for,
// with a log line per attempt (1 s, 2 s, 4 s ... then every 10 s), until it answers or the
// process is stopped: nodes may start before their database.
Result<OpenedDataDir> OpenStoreWaiting(const ServeOptions& options, crypto::RandomSource& random,
                                       spdlog::logger& log) {
  auto delay = std::chrono::seconds(1);
  for (int attempt = 1;; ++attempt) {
    auto opened = OpenDataDir(options.data_dir, /*create=*/true, random, options.store_url);
    if (opened.ok() || opened.status().code() != ErrorCode::kUnavailable ||
        options.store_url.empty()) {
      return opened;
    }
    log.warn(R"("msg":"waiting for the store","store":{},"attempt":{},"retry_in_s":{},"error":{})",
             Quoted(RedactedUrl(options.store_url)), attempt, delay.count(),
             Quoted(opened.status().message()));
    log.flush();
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::seconds>(delay * 2, std::chrono::seconds(10));
  }
}

}  // namespace

int RunServe(const ServeOptions& options) {
  auto log = MakeLogger(options.log_level);
  auto server_options = ParseListen(options);
  if (!server_options.ok()) return Fail("invalid configuration", server_options.status());
  Runtime rt;
  auto opened = OpenStoreWaiting(options, rt.random, *log);
  if (!opened.ok()) {
    return Fail(options.store_url.empty() ? "cannot open data directory " + options.data_dir
                                          : "cannot open the store",
                opened.status());
  }
  log->info(R"("msg":"store open","store":{})", Quoted(opened->description));
  if (std::getenv("LATCHKEY_TEST_CLOCK_OFFSET_FILE")) {
    log->warn(R"("msg":"test clock in use (LATCHKEY_TEST_CLOCK_OFFSET_FILE): not for production")");
  }
  service::UsageMeter usage(*rt.clock);
  // Verifications by outcome over the last hour and day, in memory (docs/console.md, Usage).
  service::UsageHistory history(*rt.clock);
  service::ServiceContext ctx{*opened->store, rt.index,  *opened->hasher, rt.random,
                              *rt.clock,      rt.policy, &usage,          &history};
  if (!opened->initialized) {
    auto boot = service::Bootstrap(ctx);
    if (!boot.ok() && boot.status().code() == ErrorCode::kConflict && opened->changes) {
      // Another node initialized the shared database first: its admin token is the one.
      log->info(R"("msg":"the store was initialized by another node")");
    } else if (!boot.ok()) {
      return Fail("cannot initialize " + opened->description, boot.status());
    } else {
      std::cout << "latchkey: initialized a new "
                << (opened->changes ? "database (" + opened->description + ")"
                                    : "data directory at " + options.data_dir)
                << "\n"
                << "admin personal access token (shown once, store it now): " << boot->admin_token
                << std::endl;
    }
  }
  // Where this node's index starts in the change log: changes committed while it loads are
  // applied again afterwards.
  std::int64_t change_seq = 0;
  if (opened->changes) {
    auto latest = opened->changes->LatestChange();
    if (!latest.ok()) return Fail("cannot read the change log", latest.status());
    change_seq = *latest;
  }
  auto started = std::chrono::steady_clock::now();
  auto loaded = service::LoadIndex(*opened->store, rt.index);
  if (!loaded.ok()) return Fail("cannot load keys", loaded.status());
  auto load_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
  log->info(R"("msg":"index loaded","keys":{},"ms":{})", *loaded, load_ms);

  service::Verifier verifier(rt.index, *opened->hasher, *rt.clock, &usage, &history);
  // Quota balances and last use reach the store once a second (docs/restrictions.md).
  service::UsageFlusher flusher(usage, *opened->store, std::chrono::seconds(1));
  service::Authenticator authenticator(verifier);
  service::KeyService keys(ctx);
  service::NamespaceService namespaces(ctx);
  service::PrincipalService principals(ctx);
  service::GroupService groups(ctx);
  service::AppKeyService app_keys(ctx, keys);
  service::AuditLog audit(ctx);
  http::VerifyEndpoint verify(verifier);
  auto gateway_options = LoadGatewayOptions(options.config_path);
  if (!gateway_options.ok()) return Fail("invalid gateway configuration", gateway_options.status());
  log->info(R"("msg":"gateway routes","routes":{},"trusted_proxies":{})",
            gateway_options->routes.size(), gateway_options->trusted_proxies.size());
  std::vector<domain::IpRange> trusted_proxies = gateway_options->trusted_proxies;
  http::GatewayEndpoint gateway(verifier, std::move(*gateway_options));
  service::SessionService sessions(
      ctx,
      {.ttl_ms =
           std::chrono::duration_cast<std::chrono::milliseconds>(options.session_ttl).count()});
  http::ManagementApi management({authenticator, keys, namespaces, principals, groups, app_keys,
                                  audit, rt.policy, &sessions, std::move(trusted_proxies)});
  std::optional<http::Console> console;
  if (options.console && !options.console_dir.empty()) {
    auto loaded_console = http::Console::FromDirectory(options.console_dir);
    if (!loaded_console.ok()) return Fail("cannot serve the console", loaded_console.status());
    console = std::move(*loaded_console);
    log->info(R"("msg":"console files","dir":{},"files":{})", Quoted(options.console_dir),
              console->size());
  } else if (options.console) {
    console.emplace(ConsoleAssets());
  }
  http::Api api(verify, gateway, management, rt.index, console ? &*console : nullptr);
  // Several nodes on one store: other nodes' changes reach this index through the change feed.
  std::mutex index_writes;
  std::optional<service::ChangeFeed> feed;
  if (opened->changes) {
    api.SetManagementLock(&index_writes);
    feed.emplace(
        *opened->changes, *opened->store, rt.index, index_writes, *rt.clock, &usage,
        service::ChangeFeedOptions{}, [&api, log](const Status& status, std::int64_t caught_up) {
          api.SetStoreAvailable(status.ok());
          if (status.ok()) {
            log->warn(R"("msg":"store reachable again","caught_up_changes":{})", caught_up);
          } else {
            log->warn(
                R"("msg":"store unreachable: verifying from memory, changes fail","error":{})",
                Quoted(status.message()));
          }
        });
    feed->Start(change_seq);
  }
  http::Server server(*server_options, api, log);
  if (Status s = server.Listen(); !s.ok()) return Fail("cannot start", s);
  api.SetReady(true);
  log->info(R"("msg":"listening","address":{},"port":{})", Quoted(server_options->address),
            server.port());
  log->flush();
  std::string host = server_options->address.find(':') != std::string::npos
                         ? "[" + server_options->address + "]"
                         : server_options->address;
  std::cout << "latchkey: listening on http://" << host << ":" << server.port() << std::endl;
  server.Run();
  if (feed) feed->Stop();
  flusher.Stop();  // the last usage, after the last request
  log->info(R"("msg":"stopped")");
  log->flush();
  return 0;
}

int RunInit(const std::string& data_dir, bool json, const std::string& store_url) {
  Runtime rt;
  auto opened = OpenDataDir(data_dir, /*create=*/true, rt.random, store_url);
  if (!opened.ok()) {
    return Fail(
        store_url.empty() ? "cannot open data directory " + data_dir : "cannot open the store",
        opened.status());
  }
  if (opened->initialized) {
    return Fail("cannot initialize " + data_dir,
                Conflict("it is already initialized; its admin token was shown when it was"));
  }
  service::ServiceContext ctx{*opened->store, rt.index,  *opened->hasher,
                              rt.random,      *rt.clock, rt.policy};
  auto boot = service::Bootstrap(ctx);
  if (!boot.ok()) return Fail("cannot initialize " + data_dir, boot.status());
  if (json) {
    std::cout << boost::json::serialize(boost::json::object{{"admin_token", boot->admin_token},
                                                            {"namespace", boot->namespace_id},
                                                            {"principal", boot->principal_id}})
              << std::endl;
  } else {
    std::cout << "initialized " << data_dir << "\n"
              << "root namespace: " << boot->namespace_id << "\n"
              << "admin principal: " << boot->principal_id << "\n"
              << "admin personal access token (shown once, store it now): " << boot->admin_token
              << std::endl;
  }
  return 0;
}

}  // namespace latchkey::app
