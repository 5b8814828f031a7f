#pragma once
// The server-side commands of the `latchkey` binary: `serve` and `init`. This is the
// composition root: it opens the data directory, loads the pepper, opens the store, builds
// the index and services, wires the HTTP server and runs it.

#include <chrono>
#include <string>

#include "http/server.h"

namespace latchkey::app {

struct ServeOptions {
  std::string data_dir = "./data";  // SQLite's files and the pepper; with store_url the pepper only
  // Empty: the embedded SQLite in data_dir. "postgres://…": a PostgreSQL database that several
  // nodes may share (docs/operations.md).
  std::string store_url;
  std::string listen = "127.0.0.1:8420";
  int threads = 0;
  std::size_t max_body_bytes = 1024 * 1024;
  int request_timeout_ms = 30'000;
  std::string log_level = "info";
  std::string config_path;  // its [gateway] section configures /v1/gateway/check
  std::chrono::seconds session_ttl = std::chrono::hours(12);  // console sessions (--session-ttl)
  bool console = true;                                        // serve the web console at `/`
  std::string console_dir;  // serve the console's files from here instead of the embedded ones
};

// Runs the server until SIGINT/SIGTERM. Initializes a new data directory first (printing the
// admin token once on stdout). Returns the process exit code.
int RunServe(const ServeOptions& options);

// Initializes `data_dir`; refuses an initialized one. Prints the admin token once (as JSON
// {"admin_token","namespace","principal"} when `json`). Returns the process exit code.
int RunInit(const std::string& data_dir, bool json, const std::string& store_url = "");

}  // namespace latchkey::app
