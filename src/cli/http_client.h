#pragma once
// A small synchronous HTTP/1.1 client: one request, one response, one connection (the request
// says `Connection: close`). HttpTransport is the seam: commands talk to an HttpTransport, the
// real one (NewHttpTransport) runs Boost.Beast over TCP with a deadline on every step, and tests
// replace it with a fake. A transport is used from one thread at a time.
//
// All Boost.Beast and Asio code lives in http_client.cc so that only that file pays for it.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/address.h"
#include "domain/result.h"

namespace latchkey::cli {

enum class HttpMethod { kGet, kPost, kPut, kPatch, kDelete };
std::string_view HttpMethodName(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string target;  // origin-form: "/v1/keys?limit=10", already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, User-Agent, ...
  std::string body;  // sent with Content-Length when not empty
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string content_type;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` and reads the whole response. Any HTTP status is a success here. A failure
  // to resolve, connect, send or read (including a timeout or a response that is not HTTP) is
  // kUnavailable with a short reason such as "connect: Connection refused"; the reason never
  // contains header values, so never a credential.
  virtual Result<HttpResponse> RoundTrip(const HttpRequest& request) = 0;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{30'000};  // resolve + TCP connect
  std::chrono::milliseconds io{30'000};       // each of: write the request, read the response
};

// The Beast transport for `address`. Never null.
std::unique_ptr<HttpTransport> NewHttpTransport(ServerAddress address, HttpTimeouts timeouts = {});

}  // namespace latchkey::cli
