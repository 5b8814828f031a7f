#include "http/response_head.h"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

ApiResponse Response(int status, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

HeadOptions Options(bool keep_alive, bool http10, bool head_method, std::string_view id = {}) {
  return {.keep_alive = keep_alive, .http10 = http10, .head_method = head_method, .request_id = id};
}

TEST(ResponseHead, OkWithJsonBody) {
  std::string head;
  EXPECT_TRUE(WriteResponseHead(head, Response(200, R"({"valid":true})"),
                                Options(true, false, false, "req_1")));
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: latchkey\r\nX-Request-Id: req_1\r\n"
            "Content-Type: application/json\r\nContent-Length: 14\r\n\r\n");
}

TEST(ResponseHead, ErrorStatusWithExtraHeadersAndClose) {
  std::string head = "left over from the previous answer";
  EXPECT_TRUE(WriteResponseHead(head, Response(405, "{}", {{"Allow", "POST"}}),
                                Options(false, false, false)));
  EXPECT_EQ(head,
            "HTTP/1.1 405 Method Not Allowed\r\nServer: latchkey\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\nAllow: POST\r\n"
            "Connection: close\r\n\r\n");
}

TEST(ResponseHead, ContentTypeOfTheResponseWins) {
  std::string head;
  ApiResponse response = Response(200, "<p>");
  response.content_type = "text/html; charset=utf-8";
  WriteResponseHead(head, response, Options(true, false, false));
  EXPECT_NE(head.find("\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 3\r\n"),
            std::string::npos);
  EXPECT_EQ(head.find("application/json"), std::string::npos);
}

TEST(ResponseHead, Http10KeepAliveIsExplicit) {
  std::string head;
  WriteResponseHead(head, Response(200, "{}"), Options(true, true, false));
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(ResponseHead, HeadRequestHasLengthButNoBody) {
  std::string head;
  EXPECT_FALSE(
      WriteResponseHead(head, Response(200, R"({"status":"ok"})"), Options(true, false, true)));
  EXPECT_NE(head.find("Content-Length: 15\r\n"), std::string::npos);
}

TEST(ResponseHead, NoContentHasNoLengthAndNoBody) {
  std::string head;
  EXPECT_FALSE(WriteResponseHead(head, Response(204, ""), Options(true, false, false)));
  EXPECT_EQ(head, "HTTP/1.1 204 No Content\r\nServer: latchkey\r\n\r\n");
}

TEST(ResponseHead, HeadersThatWouldBreakFramingAreDropped) {
  ApiResponse response = Response(200, "",
                                  {{"X-Ok", "yes"},
                                   {"X-Bad", "a\r\nSet-Cookie: x"},
                                   {"Bad Name", "v"},
                                   {"", "v"},
                                   {"X:Colon", "v"}});
  std::string head;
  WriteResponseHead(head, response, Options(true, false, false));
  EXPECT_NE(head.find("X-Ok: yes\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(head.find("Bad Name"), std::string::npos);
  EXPECT_EQ(head.find("X:Colon"), std::string::npos);
}

TEST(ResponseHead, OutOfRangeStatusBecomes500) {
  std::string head;
  WriteResponseHead(head, Response(42, "{}"), Options(true, false, false));
  EXPECT_TRUE(head.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
}

}  // namespace
}  // namespace latchkey::http
