// The only translation unit with Boost.Beast server templates (build time on 2 cores).
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "http/errors.h"

namespace latchkey::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// Concrete executor types: Beast's tcp_stream carries a type-erased executor that every async
// operation copies, moves and destroys (~7% of a verification request's CPU).
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = tcp::socket::rebind_executor<Strand>::other;
using Stream = beast::basic_stream<tcp, Strand>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Strand>;

struct Server::Impl {
  Impl(ServerOptions o, Api& a, std::shared_ptr<spdlog::logger> l)
      : options(std::move(o)),
        api(a),
        log(std::move(l)),
        ioc(ThreadCount(options)),
        acceptor(ioc),
        signals(ioc),
        drain_timer(ioc) {}

  static int ThreadCount(const ServerOptions& o) {
    if (o.threads > 0) return o.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  void Accept();
  void BeginShutdown();
  void RequestDone();
  std::string NextRequestId() {
    return "req_" + std::to_string(Clock::now().time_since_epoch().count() % 1000000000) + "_" +
           std::to_string(request_seq.fetch_add(1));
  }

  ServerOptions options;
  Api& api;
  std::shared_ptr<spdlog::logger> log;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  asio::thread_pool management{1};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> request_seq{0};
};

namespace {

std::string_view HeaderOf(const void* ctx, std::string_view name) {
  const auto& req = *static_cast<const bhttp::request<bhttp::string_body>*>(ctx);
  auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return {};
  return {it->value().data(), it->value().size()};
}

// Text for a JSON string in the access log. Method, address, ids and most paths need no
// escaping; anything that might is serialized by Boost.JSON (without the quotes added here).
std::string_view Escaped(std::string_view s, std::string& storage) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
  });
  if (plain) return s;
  storage = boost::json::serialize(boost::json::string_view(s.data(), s.size()));
  return std::string_view(storage).substr(1, storage.size() - 2);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Server::Impl& server)
      : stream_(std::move(socket)), deadline_(stream_.get_executor()), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    timed_out_ = false;
    reading_ = true;
    ArmDeadline();
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  // One timer per exchange: reading the request, handling it and writing the answer must all
  // finish within request_timeout. While reading, expiry means 408; while writing, a client too
  // slow to take the answer, whose connection is then closed.
  void ArmDeadline() {
    deadline_.expires_after(server_.options.request_timeout);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      self->timed_out_ = self->reading_;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void OnRead(beast::error_code ec, std::size_t) {
    reading_ = false;
    start_ = Clock::now();
    if (ec) return OnReadError(ec);
    request_ = parser_->release();
    server_.in_flight.fetch_add(1);
    view_ = ApiRequest{.method = {request_.method_string().data(), request_.method_string().size()},
                       .target = {request_.target().data(), request_.target().size()},
                       .body = request_.body(),
                       .remote_address = remote_,
                       .request_id = request_id_ = server_.NextRequestId(),
                       .header_fn = &HeaderOf,
                       .header_ctx = &request_};
    if (!server_.api.IsManagement(view_)) return Send(server_.api.Handle(view_));
    asio::post(server_.management, [self = shared_from_this()] {
      ApiResponse response = self->server_.api.Handle(self->view_);
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(response)]() mutable { self->Send(std::move(r)); });
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset) return Close();
    if (ec == asio::error::operation_aborted && timed_out_) {
      if (!parser_->got_some()) return Close();  // an idle keep-alive connection
      return SendFinal(ErrorResponse(408, "timeout", "the request did not arrive in time"));
    }
    if (ec == bhttp::error::body_limit) {
      return SendFinal(ErrorResponse(413, "too_large",
                                     "the request body is larger than " +
                                         std::to_string(server_.options.max_body_bytes) +
                                         " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return SendFinal(ErrorResponse(431, "too_large", "the request headers are too large"));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return SendFinal(
          ErrorResponse(400, "invalid_argument", "malformed HTTP request: " + ec.message()));
    }
    Close();
  }

  // An error answered before a request could be read: always closes the connection.
  void SendFinal(ApiResponse response) {
    request_ = {};
    request_.version(11);
    request_.keep_alive(false);
    request_id_ = server_.NextRequestId();
    view_ = ApiRequest{.method = "-", .target = "-", .request_id = request_id_};
    server_.in_flight.fetch_add(1);
    ArmDeadline();
    Send(std::move(response));
  }

  void Send(ApiResponse response) {
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<unsigned>(response.status));
    response_.set(bhttp::field::server, "latchkey");
    response_.set("X-Request-Id", request_id_);
    if (!response.body.empty()) response_.set(bhttp::field::content_type, "application/json");
    for (auto& [name, value] : response.headers) response_.set(name, value);
    response_.body() = std::move(response.body);
    response_.keep_alive(request_.keep_alive() && !server_.stopping.load());
    response_.prepare_payload();
    Log(response.status, response.key_id);
    bhttp::async_write(stream_, response_,
                       beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    bool keep_alive = response_.keep_alive();
    server_.RequestDone();
    if (ec) return Close();
    if (!keep_alive) return DrainAndClose();
    Read();
  }

  // Half-closes, then reads and discards what the client is still sending (a body we refused,
  // say) for a bounded time and size, so that the client sees our response rather than a
  // connection reset (RFC 9112 §9.6).
  void DrainAndClose() {
    deadline_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drained_ = 0;
    stream_.expires_after(kDrainTime);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrainBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    deadline_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  void Log(int status, const std::string& key_id) {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
    std::string method_storage, path_storage;
    std::string key_json = key_id.empty() ? "null" : "\"" + key_id + "\"";  // ids are base62
    server_.log->info(
        R"("msg":"request","method":"{}","path":"{}","status":{},"latency_us":{},"key_id":{},"remote":"{}","request_id":"{}")",
        Escaped(view_.method, method_storage), Escaped(view_.Path(), path_storage), status, micros,
        key_json, remote_, request_id_);
  }

  Stream stream_;
  Timer deadline_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
  ApiRequest view_;
  std::string remote_;
  std::string request_id_;
  Clock::time_point start_;
  bool timed_out_ = false;
  bool reading_ = false;  // a request read is in progress (the deadline applies)
  static constexpr auto kDrainTime = std::chrono::seconds(2);
  static constexpr std::size_t kMaxDrainBytes = 4 << 20;
  std::array<char, 16 * 1024> drain_buffer_;
  std::size_t drained_ = 0;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || stopping.load()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), *this)->Start();
    Accept();
  });
}

void Server::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  log->info(R"("msg":"shutting down","in_flight":{})", in_flight.load());
  api.SetDraining();
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  if (in_flight.load() == 0) return ioc.stop();
  drain_timer.expires_after(options.drain_timeout);
  drain_timer.async_wait([this](beast::error_code) { ioc.stop(); });
}

void Server::Impl::RequestDone() {
  if (in_flight.fetch_sub(1) == 1 && stopping.load()) ioc.stop();
}

Server::Server(ServerOptions options, Api& api, std::shared_ptr<spdlog::logger> access_log)
    : impl_(std::make_unique<Impl>(std::move(options), api, std::move(access_log))) {}

Server::~Server() { impl_->management.join(); }

Status Server::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec)
    return InvalidArgument("cannot listen on '" + impl_->options.address + "': not an IP address");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + impl_->options.address + ":" +
                       std::to_string(impl_->options.port) + ": " + ec.message());
  }
  // Installed now, before anyone is told the address: a signal that arrives before Run() is
  // queued and starts the graceful shutdown as soon as Run() begins.
  if (impl_->options.handle_signals) {
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
  }
  return Status::Ok();
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Run() {
  Impl& impl = *impl_;
  if (impl.options.handle_signals) {
    impl.signals.async_wait([&impl](beast::error_code ec, int) {
      if (!ec) impl.BeginShutdown();
    });
  }
  impl.Accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < Impl::ThreadCount(impl.options); ++i) {
    threads.emplace_back([&impl] { impl.ioc.run(); });
  }
  impl.ioc.run();
  for (auto& t : threads) t.join();
  impl.management.join();
}

void Server::Shutdown() {
  asio::post(impl_->ioc, [this] { impl_->BeginShutdown(); });
}

}  // namespace latchkey::http
