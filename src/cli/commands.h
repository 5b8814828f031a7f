#pragma once
// The client side of the `latchkey` binary: the whoami, namespaces, principals, keys, groups
// and audit subcommands (docs/cli.md), which call a latchkey server over HTTP
// (docs/http_api.md).
//
// AddClientCommands registers them on the lead's CLI11 app; when one runs, its callback does
// the whole job — build the request, call the server, print — and stores the process exit
// code in *exit_code:
//   0  success (keys verify: the key is VALID; audit verify: the chain is intact)
//   1  the server refused (an error response), keys verify's key is not VALID, or audit
//      verify found the chain broken
//   2  a usage error found before sending, or the server cannot be reached / is not latchkey
// Command-line syntax errors are CLI11's and surface as CLI::ParseError from app.parse(); the
// caller should print them with app.exit() and exit with 2 for consistency.
//
// Every subcommand takes --addr (env LATCHKEY_ADDR), --token (env LATCHKEY_TOKEN) and --json.
// The token only ever travels in the Authorization header: it is never printed, and any text
// the CLI prints has it redacted. No exception leaves a command callback.
// `app` and `exit_code` must outlive the parse; the registered callbacks own their state.

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "cli/address.h"
#include "cli/http_client.h"
#include "domain/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace latchkey::cli {

// What the commands need from the outside world; tests substitute every part.
struct ClientEnvironment {
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors and prompts
  std::function<std::unique_ptr<HttpTransport>(const ServerAddress&)> connect;
  std::function<std::chrono::system_clock::time_point()> now;
  // The key for `keys verify` when it is not on the command line; nullopt when there is none.
  std::function<std::optional<std::string>()> read_key;
  // A new console password: with `from_stdin`, the first line of stdin without its line ending;
  // otherwise typed on the terminal without echo, twice. kInvalidArgument with a message for the
  // user when there is none (empty stdin, stdin not a terminal) or the two entries differ.
  std::function<Result<std::string>(bool from_stdin)> read_password;
};

// std::cout, std::cerr, the Beast transport with 30 s timeouts, the system clock, and one line
// from stdin (prompted for, without echo, when stdin is a terminal) for keys and passwords.
ClientEnvironment DefaultClientEnvironment();

// Adds the whoami, namespaces, principals, keys, groups and audit subcommands to `app`. When
// one of them runs it stores the process exit code in *exit_code (0 ok; 1 the server refused,
// the key is not VALID or the audit chain is broken; 2 usage or connection error).
void AddClientCommands(CLI::App& app, int* exit_code);

// The same with an explicit environment.
void AddClientCommands(CLI::App& app, int* exit_code, ClientEnvironment env);

}  // namespace latchkey::cli
