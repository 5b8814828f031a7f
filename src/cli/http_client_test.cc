#include "cli/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <thread>

namespace latchkey::cli {
namespace {

// A one-connection HTTP server on a loopback port chosen by the kernel, written with plain
// sockets so that it shares no code with the client under test. It records the raw request
// and answers `reply` verbatim (nothing when `reply` is nullopt), then waits for the client to
// close the connection.
class OneShotServer {
 public:
  OneShotServer(std::optional<std::string> reply, bool ipv6 = false) : reply_(std::move(reply)) {
    listener_ = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (!Bind(ipv6) || listen(listener_, 1) != 0) return;
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    shutdown(listener_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }

  bool ok() const { return thread_.joinable(); }
  std::string port() const { return std::to_string(port_); }
  // The raw request; valid after the client call returned.
  std::string request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  bool Bind(bool ipv6) {
    sockaddr_storage storage{};
    socklen_t length = ipv6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (ipv6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&storage);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    auto* address = reinterpret_cast<sockaddr*>(&storage);
    if (bind(listener_, address, length) != 0) return false;
    if (getsockname(listener_, address, &length) != 0) return false;
    port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                       : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
    return true;
  }

  void Serve() {
    int connection = accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    ReadRequest(connection);
    if (reply_) (void)!write(connection, reply_->data(), reply_->size());
    char sink[256];
    while (read(connection, sink, sizeof sink) > 0) {
    }
    close(connection);
  }

  void ReadRequest(int connection) {
    char buffer[4096];
    while (!Complete()) {
      ssize_t n = read(connection, buffer, sizeof buffer);
      if (n <= 0) return;
      request_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  bool Complete() const {
    std::size_t end = request_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::size_t at = request_.find("Content-Length: ");
    std::size_t length = at == std::string::npos ? 0 : std::stoul(request_.substr(at + 16));
    return request_.size() >= end + 4 + length;
  }

  std::optional<std::string> reply_;
  int listener_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

ServerAddress Loopback(const std::string& port, const std::string& host = "127.0.0.1") {
  return *ParseServerAddress("http://" + host + ":" + port);
}

HttpRequest PostKeys() {
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.target = "/v1/keys";
  request.headers = {{"Authorization", "Bearer lk_t"}, {"Content-Type", "application/json"}};
  request.body = R"({"name":"k"})";
  return request;
}

TEST(HttpClient, SendsTheRequestAndReadsTheResponse) {
  OneShotServer server(
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
      "Connection: close\r\n\r\n{\"id\":\"key1\"}");
  ASSERT_TRUE(server.ok());
  Result<HttpResponse> response = NewHttpTransport(Loopback(server.port()))->RoundTrip(PostKeys());
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->reason, "Created");
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body, R"({"id":"key1"})");
  std::string raw = server.request();
  EXPECT_EQ(raw.rfind("POST /v1/keys HTTP/1.1\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Host: 127.0.0.1:" + server.port() + "\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Authorization: Bearer lk_t\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Content-Length: 12\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\n\r\n{\"name\":\"k\"}"), std::string::npos) << raw;
}

TEST(HttpClient, SendsAPutWithoutABodyAsContentLengthZero) {
  OneShotServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
      "Connection: close\r\n\r\n{}");
  ASSERT_TRUE(server.ok());
  HttpRequest request;
  request.method = HttpMethod::kPut;
  request.target = "/v1/groups/grp_1/members/pr_1";
  Result<HttpResponse> response = NewHttpTransport(Loopback(server.port()))->RoundTrip(request);
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  std::string raw = server.request();
  EXPECT_EQ(raw.rfind("PUT /v1/groups/grp_1/members/pr_1 HTTP/1.1\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: 0\r\n"), std::string::npos) << raw;
  EXPECT_EQ(HttpMethodName(HttpMethod::kPut), "PUT");
}

TEST(HttpClient, ReadsChunkedResponsesAndNoContent) {
  OneShotServer chunked(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked.ok());
  Result<HttpResponse> response = NewHttpTransport(Loopback(chunked.port()))->RoundTrip({});
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->body, R"({"a":1})");

  OneShotServer empty("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(empty.ok());
  response = NewHttpTransport(Loopback(empty.port()))->RoundTrip({});
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(response->body, "");
}

TEST(HttpClient, TalksToIpv6AndNames) {
  OneShotServer v6("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", /*ipv6=*/true);
  if (v6.ok()) {
    Result<HttpResponse> response =
        NewHttpTransport(*ParseServerAddress("http://[::1]:" + v6.port()))->RoundTrip({});
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_NE(v6.request().find("Host: [::1]:" + v6.port() + "\r\n"), std::string::npos);
  }
  OneShotServer v4("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(v4.ok());
  Result<HttpResponse> response =
      NewHttpTransport(*ParseServerAddress("http://localhost:" + v4.port()))->RoundTrip({});
  // localhost may resolve to ::1 first; the connect falls through to 127.0.0.1.
  ASSERT_TRUE(response.ok()) << response.status().message();
}

TEST(HttpClient, ReportsARefusedConnection) {
  std::string port;
  {
    OneShotServer closed(std::nullopt);
    port = closed.port();
  }
  Result<HttpResponse> response = NewHttpTransport(Loopback(port))->RoundTrip({});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(response.status().message(), "connect: Connection refused");
}

TEST(HttpClient, TimesOutWhenTheServerDoesNotAnswer) {
  OneShotServer silent(std::nullopt);
  ASSERT_TRUE(silent.ok());
  HttpTimeouts timeouts{std::chrono::milliseconds(2000), std::chrono::milliseconds(200)};
  Result<HttpResponse> response =
      NewHttpTransport(Loopback(silent.port()), timeouts)->RoundTrip({});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().message(), "read: timed out");
}

TEST(HttpClient, ReportsAResponseThatIsNotHttp) {
  OneShotServer garbage("SSH-2.0-OpenSSH_9.2\r\n");
  ASSERT_TRUE(garbage.ok());
  Result<HttpResponse> response = NewHttpTransport(Loopback(garbage.port()))->RoundTrip({});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().message().rfind("read: ", 0), 0u) << response.status().message();
}

}  // namespace
}  // namespace latchkey::cli
