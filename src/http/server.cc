// The only translation unit with Boost.Beast server templates (build time on 2 cores).
#include "http/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "crypto/key_format.h"
#include "http/errors.h"
#include "http/json_text.h"
#include "http/response_head.h"

namespace latchkey::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// One io_context per I/O thread, each connection on one of them: a connection's handlers never
// run concurrently, so no strand is needed. Concrete executor types: the default type-erased
// executor is copied, moved and destroyed by every async operation (~7% of a request's CPU).
using Executor = asio::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;

struct Server::Impl {
  Impl(ServerOptions o, Api& a, std::shared_ptr<spdlog::logger> l)
      : options(std::move(o)),
        api(a),
        log(std::move(l)),
        contexts(MakeContexts(ThreadCount(options))),
        acceptor(*contexts.front()),
        signals(*contexts.front()),
        drain_timer(*contexts.front()) {}

  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int i = 0; i < n; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
    return contexts;
  }

  static int ThreadCount(const ServerOptions& o) {
    if (o.threads > 0) return o.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  void Accept();
  void BeginShutdown();
  void RequestDone();
  void StopAll() {
    for (auto& context : contexts) context->stop();
  }
  // "req_<start-up nanoseconds mod 1e9>_<sequence>": unique within a process, and across
  // restarts in practice.
  void NextRequestId(std::string& out) {
    out.assign("req_");
    fmt::format_to(std::back_inserter(out), "{}_{}", id_epoch, request_seq.fetch_add(1));
  }

  ServerOptions options;
  Api& api;
  std::shared_ptr<spdlog::logger> log;
  std::vector<std::unique_ptr<asio::io_context>> contexts;  // one per I/O thread
  std::size_t next_context = 0;  // round robin of accepted connections (acceptor thread only)
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  asio::thread_pool management{1};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> request_seq{0};
  std::uint64_t id_epoch = static_cast<std::uint64_t>(
      std::chrono::system_clock::now().time_since_epoch().count() % 1'000'000'000);
};

namespace {

std::string_view HeaderOf(const void* ctx, std::string_view name) {
  const auto& req = *static_cast<const bhttp::request<bhttp::string_body>*>(ctx);
  auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return {};
  return {it->value().data(), it->value().size()};
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Server::Impl& server)
      : socket_(std::move(socket)), deadline_(socket_.get_executor()), server_(server) {
    beast::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }

  void Start() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    timed_out_ = false;
    reading_ = true;
    SetDeadline(Clock::now() + server_.options.request_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  // One deadline per exchange: reading the request, handling it and writing the answer must
  // all finish by then. When it passes while reading, the answer is 408; while writing, the
  // client is too slow to take the answer and the connection is closed.
  //
  // Moving the deadline later only records it: the timer, when it fires, waits again for the
  // recorded time. So a busy keep-alive connection touches the timer once per request_timeout,
  // not twice per request (a cancel and a new wait, each a trip through the scheduler).
  void SetDeadline(Clock::time_point at) {
    deadline_at_ = at;
    if (timer_waiting_ && deadline_.expiry() <= at) return;
    WaitForDeadline();
  }

  void WaitForDeadline() {
    timer_waiting_ = true;
    deadline_.expires_at(deadline_at_);  // cancels a wait in progress: its handler sees ec
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;  // superseded by a new wait, or closed
      if (Clock::now() < self->deadline_at_) return self->WaitForDeadline();
      self->timer_waiting_ = false;
      self->timed_out_ = self->reading_;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  void OnRead(beast::error_code ec, std::size_t) {
    reading_ = false;
    start_ = Clock::now();
    if (ec) return OnReadError(ec);
    request_ = parser_->release();
    server_.in_flight.fetch_add(1);
    server_.NextRequestId(request_id_);
    keep_alive_ = request_.keep_alive();
    http10_ = request_.version() == 10;
    head_method_ = request_.method() == bhttp::verb::head;
    view_ = ApiRequest{.method = {request_.method_string().data(), request_.method_string().size()},
                       .target = {request_.target().data(), request_.target().size()},
                       .body = request_.body(),
                       .remote_address = remote_,
                       .request_id = request_id_,
                       .header_fn = &HeaderOf,
                       .header_ctx = &request_};
    if (!server_.api.IsManagement(view_)) return Send(server_.api.Handle(view_));
    asio::post(server_.management, [self = shared_from_this()] {
      ApiResponse response = self->server_.api.Handle(self->view_);
      asio::post(self->socket_.get_executor(),
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
    keep_alive_ = false;
    http10_ = false;
    head_method_ = false;
    server_.NextRequestId(request_id_);
    view_ = ApiRequest{};
    view_.method = view_.target = "-";
    view_.request_id = request_id_;
    server_.in_flight.fetch_add(1);
    SetDeadline(Clock::now() + server_.options.request_timeout);
    Send(std::move(response));
  }

  void Send(ApiResponse response) {
    keep_alive_ = keep_alive_ && !server_.stopping.load();
    bool with_body = WriteResponseHead(head_, response,
                                       {.keep_alive = keep_alive_,
                                        .http10 = http10_,
                                        .head_method = head_method_,
                                        .request_id = request_id_});
    body_ = std::move(response.body);
    if (!with_body) body_.clear();
    Log(response.status, response.key_id);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(socket_, buffers,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    server_.RequestDone();
    if (ec) return Close();
    if (!keep_alive_) return DrainAndClose();
    Read();
  }

  // Half-closes, then reads and discards what the client is still sending (a body we refused,
  // say) for a bounded time and size, so that the client sees our response rather than a
  // connection reset (RFC 9112 §9.6). The deadline's expiry cancels the read, which closes.
  void DrainAndClose() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    drained_ = 0;
    SetDeadline(std::min(deadline_at_, Clock::now() + kDrainTime));
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrainBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    closed_ = true;
    deadline_.cancel();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  void Log(int status, const std::string& key_id) {
    if (!server_.log->should_log(spdlog::level::info)) return;
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
    std::string method_storage, path_storage, redacted;
    std::string_view path = view_.Path();
    if (path.size() > 35) {  // long enough to hold (the start of) a key: never log one
      redacted = crypto::RedactKeys(path);
      path = redacted;
    }
    std::string_view quote = key_id.empty() ? "" : "\"";  // ids are base62: no escaping
    server_.log->info(
        R"("msg":"request","method":"{}","path":"{}","status":{},"latency_us":{},"key_id":{}{}{},"remote":"{}","request_id":"{}")",
        JsonEscaped(view_.method, method_storage), JsonEscaped(path, path_storage), status, micros,
        quote, key_id.empty() ? std::string_view("null") : key_id, quote, remote_, request_id_);
  }

  Socket socket_;
  Timer deadline_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::request<bhttp::string_body> request_;
  std::string head_;  // of the answer being written
  std::string body_;
  ApiRequest view_;
  std::string remote_;
  std::string request_id_;
  Clock::time_point start_;
  Clock::time_point deadline_at_;
  bool timer_waiting_ = false;  // deadline_ has a wait in progress that will act on expiry
  bool closed_ = false;
  bool timed_out_ = false;
  bool reading_ = false;  // a request read is in progress (the deadline applies)
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_method_ = false;
  static constexpr auto kDrainTime = std::chrono::seconds(2);
  static constexpr std::size_t kMaxDrainBytes = 4 << 20;
  std::array<char, 16 * 1024> drain_buffer_;
  std::size_t drained_ = 0;
};

}  // namespace

void Server::Impl::Accept() {
  asio::io_context& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(context.get_executor(), [this](beast::error_code ec, Socket socket) {
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
  if (in_flight.load() == 0) return StopAll();
  drain_timer.expires_after(options.drain_timeout);
  drain_timer.async_wait([this](beast::error_code) { StopAll(); });
}

void Server::Impl::RequestDone() {
  if (in_flight.fetch_sub(1) == 1 && stopping.load()) StopAll();
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
  // Until StopAll(), a context without connections keeps its thread waiting for one.
  std::vector<asio::executor_work_guard<Executor>> guards;
  for (auto& context : impl.contexts) guards.push_back(asio::make_work_guard(*context));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i) {
    threads.emplace_back([context = impl.contexts[i].get()] { context->run(); });
  }
  impl.contexts.front()->run();
  for (auto& t : threads) t.join();
  impl.management.join();
}

void Server::Shutdown() {
  asio::post(*impl_->contexts.front(), [this] { impl_->BeginShutdown(); });
}

}  // namespace latchkey::http
