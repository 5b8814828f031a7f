#include "http/credentials.h"

#include <gtest/gtest.h>

#include <map>

namespace latchkey::http {
namespace {

struct FakeRequest {
  std::map<std::string, std::string> headers;
  ApiRequest Build() const {
    ApiRequest r;
    r.header_fn = [](const void* ctx, std::string_view name) -> std::string_view {
      const auto& h = static_cast<const FakeRequest*>(ctx)->headers;
      auto it = h.find(std::string(name));
      return it == h.end() ? std::string_view() : std::string_view(it->second);
    };
    r.header_ctx = this;
    return r;
  }
};

// A PresentedKey views the request's headers, so the fake request outlives each result (until
// the next Extract).
class Credentials : public ::testing::Test {
 protected:
  Result<PresentedKey> Extract(std::map<std::string, std::string> headers) {
    fake_.headers = std::move(headers);
    return ExtractKey(fake_.Build());
  }
  FakeRequest fake_;
};

TEST_F(Credentials, AcceptsEveryPresentation) {
  EXPECT_EQ(Extract({{"Authorization", "Bearer lk_a"}})->secret(), "lk_a");
  EXPECT_EQ(Extract({{"Authorization", "bearer   lk_a "}})->secret(), "lk_a");
  EXPECT_EQ(Extract({{"Authorization", "Key lk_b"}})->secret(), "lk_b");
  EXPECT_EQ(Extract({{"X-API-Key", "lk_c"}})->secret(), "lk_c");
  auto basic = Extract({{"Authorization", "Basic a2V5X2lkOmxrX3NlY3JldA=="}});  // key_id:lk_secret
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->secret(), "lk_secret");
  EXPECT_EQ(basic->basic_user(), "key_id");
}

TEST_F(Credentials, AbsentOrUnknownSchemeIsNotPresent) {
  EXPECT_FALSE(Extract({})->present());
  EXPECT_FALSE(Extract({{"Authorization", "Digest abc"}})->present());
}

TEST_F(Credentials, MalformedKnownSchemesAreErrors) {
  EXPECT_FALSE(Extract({{"Authorization", "Bearer"}}).ok());
  EXPECT_FALSE(Extract({{"Authorization", "Basic !!!"}}).ok());
  EXPECT_FALSE(Extract({{"Authorization", "Basic bm9jb2xvbg=="}}).ok());  // "nocolon"
  EXPECT_FALSE(Extract({{"Authorization", "Basic dXNlcjo="}}).ok());      // "user:"
}

}  // namespace
}  // namespace latchkey::http
