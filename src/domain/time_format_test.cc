#include "domain/time_format.h"

#include <gtest/gtest.h>

namespace latchkey::domain {
namespace {

TEST(TimeFormat, FormatsUtcWithMillis) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(1795341296789), "2026-11-22T09:54:56.789Z");
}

TEST(TimeFormat, ParsesWhatItFormats) {
  for (UnixMillis t : {0LL, 1795341296789LL, 4102444799999LL}) {
    EXPECT_EQ(ParseTime(FormatTime(t)), t);
  }
}

TEST(TimeFormat, ParsesOffsetsAndNoFraction) {
  EXPECT_EQ(ParseTime("2026-11-22T10:54:56+01:00"), 1795341296000);
  EXPECT_EQ(ParseTime("2026-11-22T09:54:56Z"), 1795341296000);
  EXPECT_EQ(ParseTime("2026-11-22t09:54:56.7z"), 1795341296700);
}

TEST(TimeFormat, RejectsGarbage) {
  for (const char* bad :
       {"", "2026", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-22 09:54:56Z",
        "2026-11-22T09:54:56", "2026-11-22T24:00:00Z", "2026-11-22T09:54:56.Z",
        "1969-12-31T23:59:59Z", "2026-11-22T09:54:56Zjunk", "2026-11-22T09:54:56+1:00"}) {
    EXPECT_FALSE(ParseTime(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace latchkey::domain
