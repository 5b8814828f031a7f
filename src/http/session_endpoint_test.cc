#include "http/session_endpoint.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <regex>

#include "service/principal_service.h"
#include "service/testing/service_fixture.h"

namespace latchkey::http {
namespace {

namespace json = boost::json;

TEST(CookieValue, FindsTheNamedCookieAmongOthers) {
  EXPECT_EQ(CookieValue("latchkey_session=abc", "latchkey_session"), "abc");
  EXPECT_EQ(CookieValue("a=1; latchkey_session=abc; b=2", "latchkey_session"), "abc");
  EXPECT_EQ(CookieValue("a=1;latchkey_session=abc;b=2", "latchkey_session"), "abc");
  EXPECT_EQ(CookieValue("  latchkey_session = abc  ;", "latchkey_session"), "abc");
  EXPECT_EQ(CookieValue("\tlatchkey_session=\"abc\"", "latchkey_session"), "abc");
  EXPECT_EQ(CookieValue("latchkey_session=first; latchkey_session=second", "latchkey_session"),
            "first");
  EXPECT_EQ(CookieValue("latchkey_session=", "latchkey_session"), "");
  EXPECT_EQ(CookieValue("latchkey_session=a=b", "latchkey_session"), "a=b");
}

TEST(CookieValue, IgnoresOtherNamesAndJunk) {
  EXPECT_EQ(CookieValue("", "latchkey_session"), std::nullopt);
  EXPECT_EQ(CookieValue("xlatchkey_session=abc", "latchkey_session"), std::nullopt);
  EXPECT_EQ(CookieValue("latchkey_sessionx=abc", "latchkey_session"), std::nullopt);
  EXPECT_EQ(CookieValue("latchkey_session", "latchkey_session"), std::nullopt);
  EXPECT_EQ(CookieValue(";;; =; ==", "latchkey_session"), std::nullopt);
  EXPECT_EQ(CookieValue("Latchkey_Session=abc", "latchkey_session"), std::nullopt);
}

TEST(SessionSetCookie, HasEveryAttribute) {
  EXPECT_EQ(SessionSetCookie("abc", 3600, false),
            "latchkey_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
  EXPECT_EQ(SessionSetCookie("", 0, true),
            "latchkey_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
}

TEST(SessionEndpointPaths, OwnsSessionsAndBelowOnly) {
  EXPECT_TRUE(SessionEndpoint::Owns("/v1/sessions"));
  EXPECT_TRUE(SessionEndpoint::Owns("/v1/sessions/current"));
  EXPECT_TRUE(SessionEndpoint::Owns("/v1/sessions/anything"));
  EXPECT_FALSE(SessionEndpoint::Owns("/v1/sessionsx"));
  EXPECT_FALSE(SessionEndpoint::Owns("/v1/session"));
  EXPECT_FALSE(SessionEndpoint::Owns("/v1/keys"));
}

// Requests with headers, for the endpoint over a real (temporary) store.
class SessionEndpointTest : public service::testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    sessions_ = std::make_unique<service::SessionService>(*ctx_, service::SessionOptions{});
    endpoint_ = std::make_unique<SessionEndpoint>(*sessions_);
    auto ada = service::PrincipalService(*ctx_).Create(
        admin_, {.name = "ada", .default_key = false, .password = "correct horse battery"});
    ASSERT_TRUE(ada.ok()) << ada.status().message();
    ada_ = ada->principal.id;
  }

  ApiRequest Request(std::string_view method, std::string_view target,
                     std::map<std::string, std::string> headers = {}, std::string body = "") {
    headers_ = std::move(headers);
    body_ = std::move(body);
    ApiRequest r;
    r.method = method;
    r.target = target;
    r.body = body_;
    r.remote_address = "203.0.113.7";
    r.request_id = "req-1";
    r.header_fn = [](const void* ctx, std::string_view name) -> std::string_view {
      const auto& h = *static_cast<const std::map<std::string, std::string>*>(ctx);
      auto it = h.find(std::string(name));
      return it == h.end() ? std::string_view() : std::string_view(it->second);
    };
    r.header_ctx = &headers_;
    return r;
  }

  static std::string HeaderOf(const ApiResponse& response, std::string_view name) {
    for (const auto& [n, v] : response.headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }

  // Signs ada in; returns the cookie's secret and the CSRF token.
  std::pair<std::string, std::string> SignIn(std::map<std::string, std::string> headers = {}) {
    ApiResponse response =
        endpoint_->Handle(Request("POST", "/v1/sessions", std::move(headers),
                                  R"({"name":"ada","password":"correct horse battery"})"),
                          false);
    EXPECT_EQ(response.status, 201) << response.body;
    std::smatch m;
    std::string cookie = HeaderOf(response, "Set-Cookie");
    EXPECT_TRUE(std::regex_match(cookie, m, std::regex("latchkey_session=([0-9A-Za-z]{43}); .*")))
        << cookie;
    json::object body = json::parse(response.body).as_object();
    return {m.size() > 1 ? m[1].str() : "", std::string(body.at("csrf_token").as_string())};
  }

  std::unique_ptr<service::SessionService> sessions_;
  std::unique_ptr<SessionEndpoint> endpoint_;
  std::map<std::string, std::string> headers_;
  std::string body_;
  std::string ada_;
};

TEST_F(SessionEndpointTest, SignInSetsTheCookieAndAnswersTheSession) {
  ApiResponse response = endpoint_->Handle(
      Request("POST", "/v1/sessions", {}, R"({"name":"ada","password":"correct horse battery"})"),
      false);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
  EXPECT_TRUE(std::regex_match(
      HeaderOf(response, "Set-Cookie"),
      std::regex("latchkey_session=[0-9A-Za-z]{43}; Path=/; HttpOnly; SameSite=Strict; "
                 "Max-Age=43200")));
  json::object body = json::parse(response.body).as_object();
  EXPECT_EQ(body.at("principal").at("id").as_string(), ada_);
  EXPECT_TRUE(response.key_id.starts_with("ses_"));
  EXPECT_EQ(body.at("id").as_string(), response.key_id);

  auto tls = endpoint_->Handle(Request("POST", "/v1/sessions", {{"X-Forwarded-Proto", "https"}},
                                       R"({"name":"ada","password":"correct horse battery"})"),
                               false);
  EXPECT_TRUE(HeaderOf(tls, "Set-Cookie").ends_with("; Secure"));
}

TEST_F(SessionEndpointTest, RefusalsAndThrottling) {
  auto wrong = [&] {
    return endpoint_->Handle(
        Request("POST", "/v1/sessions", {}, R"({"name":"ada","password":"not it at all"})"), false);
  };
  for (int i = 0; i < 5; ++i) {
    ApiResponse refused = wrong();
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(HeaderOf(refused, "Set-Cookie"), "<absent>");
  }
  ApiResponse throttled = wrong();
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(HeaderOf(throttled, "Retry-After"), "900");
}

TEST_F(SessionEndpointTest, MethodsPathsAndOrigins) {
  EXPECT_EQ(endpoint_->Handle(Request("GET", "/v1/sessions"), false).status, 405);
  EXPECT_EQ(HeaderOf(endpoint_->Handle(Request("GET", "/v1/sessions"), false), "Allow"), "POST");
  EXPECT_EQ(HeaderOf(endpoint_->Handle(Request("POST", "/v1/sessions/current"), false), "Allow"),
            "GET, DELETE");
  EXPECT_EQ(endpoint_->Handle(Request("GET", "/v1/sessions/nope"), false).status, 404);
  EXPECT_EQ(endpoint_->Handle(Request("POST", "/v1/sessions", {}, "{}"), true).status, 403);
  EXPECT_EQ(endpoint_->Handle(Request("POST", "/v1/sessions", {}, "[]"), false).status, 400);
}

TEST_F(SessionEndpointTest, CookieAuthenticationChecksCsrfOnChanges) {
  auto [secret, csrf] = SignIn();
  std::string cookie = "theme=dark; latchkey_session=" + secret;
  auto get = endpoint_->Authenticate(Request("GET", "/v1/whoami", {{"Cookie", cookie}}), false);
  ASSERT_TRUE(get.ok()) << get.status().message();
  EXPECT_EQ(get->principal_id, ada_);
  EXPECT_TRUE(
      endpoint_->Authenticate(Request("HEAD", "/v1/whoami", {{"Cookie", cookie}}), false).ok());
  auto post = endpoint_->Authenticate(Request("POST", "/v1/keys", {{"Cookie", cookie}}), false);
  EXPECT_EQ(post.status().code(), ErrorCode::kCsrfFailed);
  post = endpoint_->Authenticate(
      Request("POST", "/v1/keys", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}), false);
  EXPECT_TRUE(post.ok()) << post.status().message();
  auto cross = endpoint_->Authenticate(Request("GET", "/v1/whoami", {{"Cookie", cookie}}), true);
  EXPECT_EQ(cross.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(SessionEndpoint::HasSessionCookie(Request("GET", "/", {{"Cookie", cookie}})));
  EXPECT_FALSE(SessionEndpoint::HasSessionCookie(Request("GET", "/", {{"Cookie", "a=b"}})));
}

TEST_F(SessionEndpointTest, CurrentAndSignOut) {
  auto [secret, csrf] = SignIn();
  std::string cookie = "latchkey_session=" + secret;
  ApiResponse current =
      endpoint_->Handle(Request("GET", "/v1/sessions/current", {{"Cookie", cookie}}), false);
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_EQ(json::parse(current.body).at("csrf_token").as_string(), csrf);

  ApiResponse forged =
      endpoint_->Handle(Request("DELETE", "/v1/sessions/current", {{"Cookie", cookie}}), false);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(HeaderOf(forged, "Set-Cookie"), "<absent>");
  ApiResponse out = endpoint_->Handle(
      Request("DELETE", "/v1/sessions/current", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}),
      false);
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(HeaderOf(out, "Set-Cookie"),
            "latchkey_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_EQ(
      endpoint_->Handle(Request("GET", "/v1/sessions/current", {{"Cookie", cookie}}), false).status,
      401);
  EXPECT_EQ(endpoint_->Handle(Request("DELETE", "/v1/sessions/current"), false).status, 204);
}

}  // namespace
}  // namespace latchkey::http
