// latchkey: one binary, the server (`serve`, `init`) and the client commands (docs/cli.md).
#include <CLI/CLI.hpp>

#include "app/migrate_store.h"
#include "app/serve.h"
#include "cli/commands.h"
#include "cli/duration.h"

namespace {

// Applies `key = value` settings from a TOML/INI file (read by CLI11's own parser) to the
// options of `command` that neither the command line nor the environment has set: precedence
// is command line, then environment, then file. The settings may stand at the top or in a
// section named after the command ([serve]); the [gateway] section is app/gateway_config's.
// Throws CLI::ConfigError on an unknown key.
void ApplyConfigFile(CLI::App& command, const std::string& path) {
  for (const CLI::ConfigItem& item : CLI::ConfigTOML().from_file(path)) {
    bool in_own_section =
        item.parents.empty() || (item.parents.size() == 1 && item.parents[0] == command.get_name());
    if (item.name == "++" || item.name == "--") continue;                 // section markers
    if (!item.parents.empty() && item.parents[0] == "gateway") continue;  // app/gateway_config
    if (!in_own_section || item.name == "config") {
      throw CLI::ConfigError("unknown setting '" + item.fullname() + "' in " + path);
    }
    CLI::Option* option = command.get_option_no_throw("--" + item.name);
    if (option == nullptr) {
      throw CLI::ConfigError("unknown setting '" + item.name + "' in " + path);
    }
    if (option->count() > 0) continue;
    option->add_result(item.inputs);
    option->run_callback();
  }
}

// A console session lifetime: a duration (cli/duration.h) from 1 second to 366 days.
latchkey::Result<std::chrono::seconds> ParseSessionTtl(const std::string& text) {
  auto ttl = latchkey::cli::ParseDuration(text);
  if (ttl.ok() && *ttl > std::chrono::hours(24 * 366)) {
    return latchkey::InvalidArgument("a session lasts at most 366 days");
  }
  return ttl;
}

void AddServe(CLI::App& app, latchkey::app::ServeOptions& o, int* exit_code) {
  CLI::App* serve = app.add_subcommand("serve", "Run the latchkey server");
  auto* config = serve->add_option("--config", "Read options from a file of key = value lines")
                     ->envname("LATCHKEY_CONFIG")
                     ->check(CLI::ExistingFile);
  serve->add_option("--data", o.data_dir, "Data directory (created and initialized if new)")
      ->envname("LATCHKEY_DATA")
      ->capture_default_str();
  serve
      ->add_option("--store", o.store_url,
                   "postgres://… to share a PostgreSQL database with other nodes (default: "
                   "SQLite in --data)")
      ->envname("LATCHKEY_STORE");
  serve->add_option("--listen", o.listen, "Address to listen on, HOST:PORT (port 0 = any free)")
      ->envname("LATCHKEY_LISTEN")
      ->capture_default_str();
  serve->add_option("--threads", o.threads, "I/O threads (0 = one per core)")
      ->envname("LATCHKEY_THREADS")
      ->check(CLI::Range(0, 256));
  serve->add_option("--max-body-bytes", o.max_body_bytes, "Largest accepted request body")
      ->envname("LATCHKEY_MAX_BODY_BYTES")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  serve
      ->add_option("--request-timeout-ms", o.request_timeout_ms,
                   "Time allowed to receive one request before answering 408")
      ->envname("LATCHKEY_REQUEST_TIMEOUT_MS")
      ->check(CLI::Range(50, 3'600'000))
      ->capture_default_str();
  serve->add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->envname("LATCHKEY_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  serve
      ->add_option_function<std::string>(
          "--session-ttl",
          [&o](const std::string& text) { o.session_ttl = ParseSessionTtl(text).value(); },
          "How long a console sign-in lasts: 12h, 30m, 1d, 2h30m (1s to 366d)")
      ->envname("LATCHKEY_SESSION_TTL")
      ->type_name("DURATION")
      ->default_str("12h")
      ->check(CLI::Validator(
          [](std::string& text) {
            auto ttl = ParseSessionTtl(text);
            return ttl.ok() ? std::string() : ttl.status().message();
          },
          ""));
  serve->add_flag("--console,!--no-console", o.console, "Serve the web console at /")
      ->envname("LATCHKEY_CONSOLE")
      ->capture_default_str();
  serve
      ->add_option("--console-dir", o.console_dir,
                   "Serve the console from this directory (a build of web/) instead of the "
                   "copy built into the binary")
      ->envname("LATCHKEY_CONSOLE_DIR")
      ->check(CLI::ExistingDirectory);
  serve->callback([serve, config, &o, exit_code] {
    if (config->count() > 0) {
      o.config_path = config->as<std::string>();
      ApplyConfigFile(*serve, o.config_path);
    }
    *exit_code = latchkey::app::RunServe(o);
  });
}

void AddInit(CLI::App& app, std::string& data_dir, std::string& store_url, bool& json,
             int* exit_code) {
  CLI::App* init = app.add_subcommand("init", "Initialize a new data directory");
  init->add_option("--data", data_dir, "Data directory (with --store: where the pepper goes)")
      ->envname("LATCHKEY_DATA")
      ->required();
  init->add_option("--store", store_url, "postgres://… to initialize a PostgreSQL database")
      ->envname("LATCHKEY_STORE");
  init->add_flag("--json", json, "Print {\"admin_token\",\"namespace\",\"principal\"}");
  init->callback([&data_dir, &store_url, &json, exit_code] {
    *exit_code = latchkey::app::RunInit(data_dir, json, store_url);
  });
}

void AddMigrateStore(CLI::App& app, latchkey::app::MigrateStoreOptions& o, int* exit_code) {
  CLI::App* migrate = app.add_subcommand(
      "migrate-store", "Copy a data directory's SQLite store into an empty PostgreSQL database");
  migrate->add_option("--data", o.data_dir, "Data directory to copy from (its server stopped)")
      ->envname("LATCHKEY_DATA")
      ->required();
  migrate
      ->add_option("--to", o.to_url,
                   "PostgreSQL database to copy into: postgres://USER@HOST:PORT/DB (must be empty)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& url) {
            return url.starts_with("postgres://") || url.starts_with("postgresql://")
                       ? std::string()
                       : std::string("must be a postgres:// or postgresql:// URL");
          },
          "URL"));
  migrate->add_option("--to-schema", o.to_schema,
                      "Schema to copy into (created beforehand; default: the search_path's)");
  migrate->add_flag("--json", o.json, "Print the counts copied as one JSON object");
  migrate->callback([&o, exit_code] { *exit_code = latchkey::app::RunMigrateStore(o); });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"latchkey: API keys issued, scoped, verified and revoked"};
  app.require_subcommand(1);
  int exit_code = 0;
  latchkey::app::ServeOptions serve_options;
  std::string init_dir;
  std::string init_store;
  bool init_json = false;
  AddServe(app, serve_options, &exit_code);
  AddInit(app, init_dir, init_store, init_json, &exit_code);
  latchkey::app::MigrateStoreOptions migrate_options;
  AddMigrateStore(app, migrate_options, &exit_code);
  latchkey::cli::AddClientCommands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
