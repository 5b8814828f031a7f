#include "store/json_columns.h"

#include <gtest/gtest.h>

namespace latchkey::store {
namespace {

TEST(JsonColumns, StringListsRoundTrip) {
  const std::vector<std::string> lists[] = {
      {},
      {""},
      {"raw:read:db1/table1", "predict:*"},
      {"ünïcödé", "日本語", "🔑", "quote \" backslash \\ newline \n tab \t nul \x01"},
      {"\xff\xfe not utf-8"},
  };
  for (const auto& list : lists) {
    Result<std::vector<std::string>> decoded = DecodeStringList(EncodeStringList(list));
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(*decoded, list);
  }
  EXPECT_EQ(EncodeStringList({"a", "b"}), R"(["a","b"])");
}

TEST(JsonColumns, ObjectsRoundTrip) {
  domain::NamespaceSettings settings{.app_domains = {"https://例子.测试"},
                                     .default_key_prefix = "acme"};
  EXPECT_EQ(DecodeNamespaceSettings(EncodeNamespaceSettings(settings)).value(), settings);
  domain::Origins origins{.native = false, .browser = true, .referrers = {"*.example.com"}};
  EXPECT_EQ(DecodeOrigins(EncodeOrigins(origins)).value(), origins);
  domain::RateLimit rate_limit{.limit = INT64_MAX, .window_ms = -1};
  EXPECT_EQ(DecodeRateLimit(EncodeRateLimit(rate_limit)).value(), rate_limit);
  domain::Quota quota{.remaining = 5, .refill_interval = "daily", .refill_amount = 10};
  EXPECT_EQ(DecodeQuota(EncodeQuota(quota)).value(), quota);
  domain::Quota no_refill{.remaining = 5, .refill_interval = std::nullopt, .refill_amount = 3};
  EXPECT_EQ(DecodeQuota(EncodeQuota(no_refill)).value(), no_refill);
  domain::Quota refilled{.remaining = 0,
                         .refill_interval = "monthly",
                         .refill_amount = 7,
                         .refilled_at = 1'700'000'000'123,
                         .set_at = 1'700'000'000'001};
  EXPECT_EQ(DecodeQuota(EncodeQuota(refilled)).value(), refilled);
}

TEST(JsonColumns, QuotaWithoutSetAtIsSettingZero) {
  Result<domain::Quota> old_row = DecodeQuota(
      R"({"remaining": 3, "refill_interval": null, "refill_amount": 0, "refilled_at": null})");
  ASSERT_TRUE(old_row.ok()) << old_row.status().message();
  EXPECT_EQ(old_row->set_at, 0);
  EXPECT_FALSE(DecodeQuota(R"({"remaining": 3, "refill_interval": null, "refill_amount": 0,
                               "set_at": 1.5})")
                   .ok());
}

TEST(JsonColumns, QuotaWithoutRefilledAtIsARowFromBeforeUsageTracking) {
  Result<domain::Quota> old_row =
      DecodeQuota(R"({"remaining": 3, "refill_interval": "daily", "refill_amount": 9})");
  ASSERT_TRUE(old_row.ok()) << old_row.status().message();
  EXPECT_EQ(old_row->refilled_at, std::nullopt);
  EXPECT_EQ(DecodeQuota(R"({"remaining": 3, "refill_interval": null, "refill_amount": 0,
                            "refilled_at": null})")
                ->refilled_at,
            std::nullopt);
  EXPECT_FALSE(DecodeQuota(R"({"remaining": 3, "refill_interval": null, "refill_amount": 0,
                               "refilled_at": "yesterday"})")
                   .ok());
}

TEST(JsonColumns, EncodesCommonValuesCanonically) {
  // The decoders short-cut these exact texts; an encoder change must keep them in step.
  EXPECT_EQ(EncodeStringList({}), "[]");
  EXPECT_EQ(EncodeStringList({"*"}), R"(["*"])");
  EXPECT_EQ(EncodeOrigins({}), R"({"native":true,"browser":false,"referrers":[]})");
  EXPECT_EQ(DecodeOrigins(EncodeOrigins({})).value(), domain::Origins());
  EXPECT_EQ(DecodeStringList(R"(["*"])").value(), std::vector<std::string>{"*"});
}

TEST(JsonColumns, IgnoresUnknownMembers) {
  Result<domain::RateLimit> decoded =
      DecodeRateLimit(R"({"limit": 3, "window_ms": 1000, "burst": 9})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->limit, 3);
}

TEST(JsonColumns, RejectsMalformedText) {
  EXPECT_FALSE(DecodeStringList("").ok());
  EXPECT_FALSE(DecodeStringList("[1]").ok());
  EXPECT_FALSE(DecodeStringList(R"({"a": 1})").ok());
  EXPECT_FALSE(DecodeOrigins(R"({"native": true, "browser": false})").ok());
  EXPECT_FALSE(DecodeOrigins(R"({"native": 1, "browser": false, "referrers": []})").ok());
  EXPECT_FALSE(DecodeRateLimit(R"({"limit": 1.5, "window_ms": 1})").ok());
  EXPECT_FALSE(DecodeQuota(R"({"remaining": 1, "refill_interval": 7, "refill_amount": 1})").ok());
  Result<domain::NamespaceSettings> bad = DecodeNamespaceSettings("[");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "namespace settings: not valid JSON");
}

}  // namespace
}  // namespace latchkey::store
