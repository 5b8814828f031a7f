#include "cli/duration.h"

#include <gtest/gtest.h>

namespace latchkey::cli {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsEachUnit) {
  EXPECT_EQ(*ParseDuration("45s"), seconds(45));
  EXPECT_EQ(*ParseDuration("90m"), minutes(90));
  EXPECT_EQ(*ParseDuration("12h"), hours(12));
  EXPECT_EQ(*ParseDuration("30d"), hours(30 * 24));
  EXPECT_EQ(*ParseDuration("2w"), hours(14 * 24));
}

TEST(ParseDuration, AddsParts) {
  EXPECT_EQ(*ParseDuration("1d12h"), hours(36));
  EXPECT_EQ(*ParseDuration("1h30m15s"), seconds(3600 + 1800 + 15));
}

TEST(ParseDuration, RejectsMalformedInput) {
  for (const char* bad : {"", "30", "d", "30x", "30D", " 30d", "30d ", "-5d", "+5d", "1.5h", "0s",
                          "0d0h", "1d-1h", "h1"}) {
    Result<seconds> d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << "'" << bad << "'";
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(ParseDuration, RejectsDurationsThatWouldOverflow) {
  EXPECT_FALSE(ParseDuration("99999999999999999999d").ok());
  EXPECT_FALSE(ParseDuration("1000000w").ok());
  EXPECT_FALSE(ParseDuration("9223372036854775807s").ok());
  EXPECT_TRUE(ParseDuration("36500d").ok());
}

TEST(FormatRfc3339, WritesUtcWithMilliseconds) {
  std::chrono::system_clock::time_point t{std::chrono::milliseconds(1795341600123)};
  EXPECT_EQ(FormatRfc3339(t), "2026-11-22T10:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(ExpiresAtFromDuration, AddsTheDurationToNow) {
  std::chrono::system_clock::time_point now{std::chrono::milliseconds(1795341600000)};
  EXPECT_EQ(*ExpiresAtFromDuration("30d", now), "2026-12-22T10:00:00.000Z");
  EXPECT_EQ(*ExpiresAtFromDuration("90m", now), "2026-11-22T11:30:00.000Z");
  EXPECT_FALSE(ExpiresAtFromDuration("soon", now).ok());
}

}  // namespace
}  // namespace latchkey::cli
