#pragma once
// ServerAddress: where the CLI finds the latchkey server, parsed from `--addr` /
// LATCHKEY_ADDR. Only plain http:// is supported (TLS belongs to a proxy in front of the
// server). The host may be an IPv4 address, an IPv6 address in brackets or a name; the port
// defaults to 80 as in any http URL; a path ("/latchkey") is kept as a prefix for every request,
// for servers mounted behind a reverse proxy. A missing scheme ("127.0.0.1:8420") means http.
// Plain values; safe to share between threads once built.

#include <string>
#include <string_view>

#include "domain/result.h"

namespace latchkey::cli {

inline constexpr std::string_view kDefaultServerAddress = "http://127.0.0.1:8420";

struct ServerAddress {
  std::string display;      // the address as the user gave it, for messages
  std::string host;         // what the resolver takes: a name or an address, no brackets
  std::string port;         // decimal, 1-65535
  std::string host_header;  // the Host header: host[:port], IPv6 in brackets
  std::string base_path;    // "" or "/prefix" without a trailing slash (percent-encoded)
};

// Parses `url`. On failure returns kInvalidArgument whose message says what is wrong (an
// unsupported scheme, user info, a query, a fragment, a bad port, no host).
Result<ServerAddress> ParseServerAddress(std::string_view url);

}  // namespace latchkey::cli
