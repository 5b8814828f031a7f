#include "cli/table.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace latchkey::cli {
namespace {

TEST(Table, AlignsColumnsToTheWidestCell) {
  Table table({"ID", "NAME", "STATUS"});
  table.AddRow({"key_1", "billing-export", "active"});
  table.AddRow({"key_22222", "x", "revoked"});
  EXPECT_EQ(table.Render(),
            "ID         NAME            STATUS\n"
            "key_1      billing-export  active\n"
            "key_22222  x               revoked\n");
}

TEST(Table, CountsCodePointsNotBytes) {
  Table table({"NAME", "KIND"});
  table.AddRow({"café", "user"});
  table.AddRow({"tea", "user"});
  EXPECT_EQ(table.Render(),
            "NAME  KIND\n"
            "café  user\n"
            "tea   user\n");
}

TEST(Table, PadsMissingCellsAndTrimsTrailingSpaces) {
  Table table({"A", "B", "C"});
  table.AddRow({"1"});
  EXPECT_FALSE(table.empty());
  EXPECT_EQ(table.Render(), "A  B  C\n1\n");
}

TEST(Table, EscapesControlCharactersInCells) {
  Table table({"NAME"});
  table.AddRow({"evil\x1b[2Jname\n"});
  EXPECT_EQ(table.Render(), "NAME\nevil\\x1b[2Jname\\n\n");
}

TEST(RenderFields, AlignsValues) {
  EXPECT_EQ(RenderFields({{"id", "key_1"}, {"expires_at", "-"}, {"description", ""}}),
            "id:          key_1\n"
            "expires_at:  -\n"
            "description:\n");
}

TEST(DisplayValue, ShowsJsonValuesForHumans) {
  auto show = [](const char* text) { return DisplayValue(boost::json::parse(text)); };
  EXPECT_EQ(show(R"("plain")"), "plain");
  EXPECT_EQ(show("null"), "-");
  EXPECT_EQ(show("true"), "true");
  EXPECT_EQ(show("42"), "42");
  EXPECT_EQ(show("[]"), "[]");
  EXPECT_EQ(show(R"(["raw:read","raw:write"])"), "raw:read,raw:write");
  EXPECT_EQ(show(R"({"limit":100})"), R"({"limit":100})");
  EXPECT_EQ(show(R"([{"a":1}])"), R"([{"a":1}])");
}

TEST(SanitizeForTerminal, EscapesC0DelAndC1ButKeepsUtf8) {
  EXPECT_EQ(SanitizeForTerminal("a\tb\r\x7f"), "a\\tb\\r\\x7f");
  EXPECT_EQ(SanitizeForTerminal("\xc2\x9b"
                                "31m"),
            "\\x9b31m");
  EXPECT_EQ(SanitizeForTerminal("naïve ✓"), "naïve ✓");
}

}  // namespace
}  // namespace latchkey::cli
