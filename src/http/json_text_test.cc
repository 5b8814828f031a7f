#include "http/json_text.h"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

TEST(JsonText, PlainTextIsReturnedAsIs) {
  std::string storage;
  std::string_view s = "key_0123456789abcdef /v1/keys?x=1";
  EXPECT_EQ(JsonEscaped(s, storage).data(), s.data());
  EXPECT_TRUE(storage.empty());
}

TEST(JsonText, QuotesBackslashesAndControlsAreEscaped) {
  std::string storage;
  EXPECT_EQ(JsonEscaped("a\"b\\c\nd\x01", storage), R"(a\"b\\c\nd\u0001)");
}

TEST(JsonText, AppendQuotes) {
  std::string out = "[";
  AppendJsonString(out, "caf\xc3\xa9");
  AppendJsonString(out, "\"");
  EXPECT_EQ(out, "[\"caf\xc3\xa9\"\"\\\"\"");
}

}  // namespace
}  // namespace latchkey::http
