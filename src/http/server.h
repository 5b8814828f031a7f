#pragma once
// Server: the HTTP/1.1 listener (Boost.Beast/Asio), with keep-alive and one I/O thread per core.
// Every connection has a time limit for receiving a request (slow clients get 408 and are
// closed), a header limit (431) and a body limit (413); requests on a connection are handled
// one at a time. Management requests are handed to a single management thread and answered
// from there; everything else is answered on the I/O thread. One access-log line per request.
//
// Lifecycle: Listen() binds (port 0 picks a free port; port() tells which), Run() serves on the
// calling thread plus threads-1 more until Shutdown(), which stops accepting, lets requests in
// flight finish (up to drain_timeout) and returns from Run(). Shutdown is safe from any thread
// and from a signal handler context posted through Asio.

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "domain/result.h"
#include "http/api.h"

namespace latchkey::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8420;
  int threads = 0;  // 0 = one per core
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{30'000};  // to receive one whole request
  std::chrono::milliseconds drain_timeout{10'000};
  bool handle_signals = true;  // SIGINT/SIGTERM start a graceful shutdown
};

class Server {
 public:
  Server(ServerOptions options, Api& api, std::shared_ptr<spdlog::logger> access_log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // kUnavailable when the address cannot be bound.
  Status Listen();
  std::uint16_t port() const;
  // Serves until shutdown; returns after in-flight requests and management work are done.
  void Run();
  void Shutdown();

  struct Impl;  // defined in server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::http
