#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>

namespace latchkey::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::uint64_t kMaxResponseBytes = 64ull << 20;
constexpr std::string_view kUserAgent = "latchkey-cli/0.1";

http::verb ToVerb(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return http::verb::get;
    case HttpMethod::kPost:
      return http::verb::post;
    case HttpMethod::kPut:
      return http::verb::put;
    case HttpMethod::kPatch:
      return http::verb::patch;
    case HttpMethod::kDelete:
      return http::verb::delete_;
  }
  return http::verb::get;
}

http::request<http::string_body> ToBeastRequest(const ServerAddress& address,
                                                const HttpRequest& request) {
  http::request<http::string_body> out{ToVerb(request.method), request.target, 11};
  out.set(http::field::host, address.host_header);
  out.set(http::field::user_agent, kUserAgent);
  out.set(http::field::accept, "application/json");
  out.set(http::field::connection, "close");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  if (!request.body.empty() || request.method != HttpMethod::kGet) {
    out.body() = request.body;
    out.prepare_payload();
  }
  return out;
}

// One request/response exchange driven by a private io_context; every step has a deadline.
class Exchange {
 public:
  Exchange(const ServerAddress& address, HttpTimeouts timeouts,
           http::request<http::string_body> request)
      : address_(address),
        timeouts_(timeouts),
        request_(std::move(request)),
        resolver_(ioc_),
        resolve_timer_(ioc_),
        stream_(ioc_) {
    parser_.body_limit(kMaxResponseBytes);
  }

  Result<HttpResponse> Run() {
    resolve_timer_.expires_after(timeouts_.connect);
    resolve_timer_.async_wait([this](error_code ec) { OnResolveDeadline(ec); });
    resolver_.async_resolve(address_.host, address_.port,
                            [this](error_code ec, const tcp::resolver::results_type& results) {
                              OnResolve(ec, results);
                            });
    ioc_.run();
    if (failure_) return *failure_;
    return TakeResponse();
  }

 private:
  void OnResolveDeadline(error_code ec) {
    if (ec) return;  // cancelled: the resolve finished first
    resolve_timed_out_ = true;
    resolver_.cancel();
  }

  void OnResolve(error_code ec, const tcp::resolver::results_type& results) {
    resolve_timer_.cancel();
    if (resolve_timed_out_) return Fail("resolve", "timed out");
    if (ec) return Fail("resolve", ec);
    stream_.expires_after(timeouts_.connect);
    stream_.async_connect(results, [this](error_code ec, const tcp::endpoint&) { OnConnect(ec); });
  }

  void OnConnect(error_code ec) {
    if (ec) return Fail("connect", ec);
    stream_.expires_after(timeouts_.io);
    http::async_write(stream_, request_, [this](error_code ec, std::size_t) { OnWrite(ec); });
  }

  void OnWrite(error_code ec) {
    if (ec) return Fail("send", ec);
    stream_.expires_after(timeouts_.io);
    http::async_read(stream_, buffer_, parser_, [this](error_code ec, std::size_t) { OnRead(ec); });
  }

  void OnRead(error_code ec) {
    if (ec) return Fail("read", ec);
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  void Fail(std::string_view step, error_code ec) {
    Fail(step, ec == beast::error::timeout ? std::string("timed out") : ec.message());
  }
  void Fail(std::string_view step, const std::string& reason) {
    failure_ = Unavailable(std::string(step) + ": " + reason);
  }

  HttpResponse TakeResponse() {
    auto message = parser_.release();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    response.reason = std::string(message.reason());
    response.content_type = std::string(message[http::field::content_type]);
    response.body = std::move(message.body());
    return response;
  }

  const ServerAddress& address_;
  HttpTimeouts timeouts_;
  http::request<http::string_body> request_;
  asio::io_context ioc_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool resolve_timed_out_ = false;
  std::optional<Status> failure_;
};

class BeastTransport : public HttpTransport {
 public:
  BeastTransport(ServerAddress address, HttpTimeouts timeouts)
      : address_(std::move(address)), timeouts_(timeouts) {}

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    try {
      Exchange exchange(address_, timeouts_, ToBeastRequest(address_, request));
      return exchange.Run();
    } catch (const std::exception& e) {
      // Asio reports most failures as error codes; what still throws (resource exhaustion, a
      // header Beast refuses) must not escape the module.
      return Unavailable(std::string("request failed: ") + e.what());
    }
  }

 private:
  ServerAddress address_;
  HttpTimeouts timeouts_;
};

}  // namespace

std::string_view HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::unique_ptr<HttpTransport> NewHttpTransport(ServerAddress address, HttpTimeouts timeouts) {
  return std::make_unique<BeastTransport>(std::move(address), timeouts);
}

}  // namespace latchkey::cli
