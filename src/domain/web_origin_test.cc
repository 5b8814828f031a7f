#include "domain/web_origin.h"

#include <gtest/gtest.h>

namespace latchkey::domain {
namespace {

bool Allows(std::string_view pattern, std::string_view origin) {
  auto parsed = ParseWebOrigin(origin);
  return parsed && HostPatternMatches(pattern, *parsed);
}

TEST(WebOrigin, ParsesOriginsAndReferrers) {
  auto o = ParseWebOrigin("https://App.Example.com:8443");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scheme, "https");
  EXPECT_EQ(o->host, "app.example.com");
  EXPECT_EQ(o->port, 8443);
  auto r = ParseWebOrigin("http://example.com./page?q=1#x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "example.com");
  EXPECT_EQ(r->port, 80);
  auto v6 = ParseWebOrigin("https://[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 9000);
}

TEST(WebOrigin, RejectsWhatIsNotAnOrigin) {
  for (const char* bad :
       {"", "null", "example.com", "ftp://example.com", "https://", "https://user@example.com",
        "https://exa mple.com", "https://a..b", "https://example.com:0",
        "https://example.com:70000", "https://example.com:", "https://-a.com", "https://[zz]"}) {
    EXPECT_FALSE(ParseWebOrigin(bad)) << bad;
  }
}

TEST(WebOrigin, ExactHostAnySchemeAnyPort) {
  EXPECT_TRUE(Allows("app.example.com", "https://app.example.com"));
  EXPECT_TRUE(Allows("app.example.com", "http://app.example.com:8080"));
  EXPECT_TRUE(Allows("APP.example.com.", "https://app.EXAMPLE.com"));
  EXPECT_FALSE(Allows("app.example.com", "https://evil.com"));
  EXPECT_FALSE(Allows("app.example.com", "https://app.example.com.evil.com"));
  EXPECT_FALSE(Allows("app.example.com", "https://xapp.example.com"));
}

TEST(WebOrigin, WildcardCoversSubdomainsOnly) {
  EXPECT_TRUE(Allows("*.example.com", "https://a.example.com"));
  EXPECT_TRUE(Allows("*.example.com", "https://a.b.example.com"));
  EXPECT_FALSE(Allows("*.example.com", "https://example.com"));
  EXPECT_FALSE(Allows("*.example.com", "https://badexample.com"));
}

TEST(WebOrigin, SchemeAndPortWhenGiven) {
  EXPECT_TRUE(Allows("https://app.example.com", "https://app.example.com"));
  EXPECT_FALSE(Allows("https://app.example.com", "http://app.example.com"));
  EXPECT_TRUE(Allows("app.example.com:8443", "https://app.example.com:8443"));
  EXPECT_FALSE(Allows("app.example.com:8443", "https://app.example.com"));
  EXPECT_TRUE(Allows("https://app.example.com:443", "https://app.example.com"));
  EXPECT_TRUE(Allows("localhost:3000", "http://localhost:3000"));
  EXPECT_TRUE(Allows("[::1]:3000", "http://[::1]:3000"));
  EXPECT_TRUE(Allows("127.0.0.1", "http://127.0.0.1:5173"));
}

TEST(WebOrigin, PatternValidation) {
  for (const char* good : {"app.example.com", "*.example.com", "https://a.b", "a.b:1", "[::1]"}) {
    EXPECT_TRUE(IsValidHostPattern(good)) << good;
  }
  for (const char* bad :
       {"", "*", "*.", "*.com", "https://*.io", "a.*.com", "ftp://a.com", "a.com:99999", "*.[::1]",
        "https://", "a..com", "a.com/path", "a b.com"}) {
    EXPECT_FALSE(IsValidHostPattern(bad)) << bad;
    EXPECT_FALSE(Allows(bad, "https://a.com")) << bad;
  }
}

}  // namespace
}  // namespace latchkey::domain
