#include "cli/api_request.h"

#include <gtest/gtest.h>

namespace latchkey::cli {
namespace {

ServerAddress Local() { return *ParseServerAddress("http://127.0.0.1:8420"); }

std::string Header(const HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

TEST(BuildTarget, JoinsBasePathAndSegments) {
  ApiRequest request;
  request.path = {"v1", "keys", "key_abc", "revoke"};
  EXPECT_EQ(BuildTarget("", request), "/v1/keys/key_abc/revoke");
  EXPECT_EQ(BuildTarget("/latchkey", request), "/latchkey/v1/keys/key_abc/revoke");
}

TEST(BuildTarget, PercentEncodesPathSegments) {
  ApiRequest request;
  request.path = {"v1", "keys", "a/b c?#%"};
  EXPECT_EQ(BuildTarget("", request), "/v1/keys/a%2Fb%20c%3F%23%25");
}

TEST(BuildTarget, PercentEncodesQueryValuesIncludingPlusAndAmpersand) {
  ApiRequest request;
  request.path = {"v1", "keys"};
  request.query = {{"namespace", "ns_1"}, {"cursor", "a+b c&d=e/f"}, {"owner", "é"}};
  EXPECT_EQ(BuildTarget("", request),
            "/v1/keys?namespace=ns_1&cursor=a%2Bb%20c%26d%3De%2Ff&owner=%C3%A9");
}

TEST(ToHttpRequest, SendsTheTokenAsBearerAndTheBodyAsJson) {
  ApiRequest request;
  request.method = HttpMethod::kPost;
  request.path = {"v1", "namespaces"};
  request.body = boost::json::object{{"name", "acme"}};
  HttpRequest http = ToHttpRequest(Local(), "lk_token", request);
  EXPECT_EQ(http.method, HttpMethod::kPost);
  EXPECT_EQ(http.target, "/v1/namespaces");
  EXPECT_EQ(Header(http, "Authorization"), "Bearer lk_token");
  EXPECT_EQ(Header(http, "Content-Type"), "application/json");
  EXPECT_EQ(http.body, R"({"name":"acme"})");
}

TEST(ToHttpRequest, LeavesTheTokenOutOfUnauthenticatedCalls) {
  ApiRequest request;
  request.method = HttpMethod::kPost;
  request.path = {"v1", "keys", "verify"};
  request.authenticated = false;
  request.body = boost::json::object{{"key", "lk_x"}};
  HttpRequest http = ToHttpRequest(Local(), "lk_token", request);
  EXPECT_EQ(Header(http, "Authorization"), "<absent>");
}

TEST(ToHttpRequest, SendsNoAuthorizationWithoutAToken) {
  ApiRequest request;
  request.path = {"v1", "whoami"};
  HttpRequest http = ToHttpRequest(Local(), "", request);
  EXPECT_EQ(Header(http, "Authorization"), "<absent>");
  EXPECT_TRUE(http.body.empty());
}

TEST(ValidateToken, RefusesHeaderInjectionWithoutEchoingTheToken) {
  EXPECT_TRUE(ValidateToken("lk_abcDEF123_").ok());
  EXPECT_TRUE(ValidateToken("").ok());
  for (const char* bad : {"lk_a\r\nX-Evil: 1", "lk a", "lk_\x01", "lk_\xc3\xa9"}) {
    Status s = ValidateToken(bad);
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.message().find("lk_"), std::string::npos);
  }
}

}  // namespace
}  // namespace latchkey::cli
