#include "domain/resource_pattern.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace latchkey::domain {
namespace {

using Strings = std::vector<std::string>;

TEST(Resource, AcceptsWellFormedResources) {
  for (const char* r :
       {"algo://demos/sentiment_analysis", "algo://demos", "algo://a/b/c/d", "ALGO://demos/x",
        "s3+x.y-z://bucket/key", "algo://Demos/X", "algo://a.b/c..d/.e/f.", "algo://a%2Fb",
        "algo://a:b/c=d&e;f!~'()[]@$,", "a://x"}) {
    EXPECT_TRUE(IsValidResource(r)) << r;
  }
}

TEST(Resource, RejectsMalformedResources) {
  for (const char* r : {"",
                        "*",
                        "algo",
                        "algo:",
                        "algo:/demos",
                        "algo://",
                        "algo:///demos",
                        "://demos",
                        "1algo://demos",
                        "+algo://demos",
                        "al_go://demos",
                        "al go://demos",
                        "algo ://demos",
                        "algo://demos/",
                        "algo://demos//x",
                        "algo://demos/./x",
                        "algo://demos/..",
                        "algo://./x",
                        "algo://demos/*",
                        "algo://*",
                        "algo://de*mos",
                        "algo://demos?x=1",
                        "algo://demos#frag",
                        "algo://de mos",
                        " algo://demos",
                        "algo://demos ",
                        "algo://demos\t",
                        "algo://demos\n",
                        "algo://d\x7f",
                        "algo://d\xc3\xa9mos"}) {
    EXPECT_FALSE(IsValidResource(r)) << r;
  }
  EXPECT_FALSE(IsValidResource(std::string("algo://de\0mos", 13)));
}

TEST(Resource, LengthLimitIs512) {
  std::string at_limit = "algo://" + std::string(kMaxResourceLength - 7, 'x');
  ASSERT_EQ(at_limit.size(), kMaxResourceLength);
  EXPECT_TRUE(IsValidResource(at_limit));
  EXPECT_TRUE(IsValidResourcePattern(at_limit));
  EXPECT_TRUE(ResourceMatches(at_limit, at_limit));
  EXPECT_FALSE(IsValidResource(at_limit + "x"));
  EXPECT_FALSE(IsValidResourcePattern(at_limit + "x"));
  EXPECT_FALSE(ResourceMatches("*", at_limit + "x"));
  std::string huge = "algo://" + std::string(1 << 20, 'a');
  EXPECT_FALSE(IsValidResource(huge));
  EXPECT_FALSE(ResourceMatches("algo://*", huge));
  std::string prefix_at_limit = "algo://" + std::string(kMaxResourceLength - 9, 'x') + "/*";
  EXPECT_TRUE(IsValidResourcePattern(prefix_at_limit));
  EXPECT_FALSE(IsValidResourcePattern(prefix_at_limit + "/*"));
}

TEST(ResourcePattern, AcceptsEveryKind) {
  for (const char* p : {"*", "algo://*", "ALGO://*", "algo://demos/*", "algo://demos/a/*",
                        "algo://demos/sentiment_analysis", "algo://demos"}) {
    EXPECT_TRUE(IsValidResourcePattern(p)) << p;
  }
}

TEST(ResourcePattern, RejectsMalformedPatterns) {
  for (const char* p : {"",
                        " ",
                        "**",
                        "* ",
                        " *",
                        "*/*",
                        "*://*",
                        "*://demos",
                        "algo://",
                        "algo:/*",
                        "algo://**",
                        "algo://de*",
                        "algo://demos*",
                        "algo://*/x",
                        "algo://demos/*/x",
                        "algo://demos/*/",
                        "algo://demos/x*",
                        "algo://demos/",
                        "algo://demos//*",
                        "algo:///*",
                        "algo://./*",
                        "algo://../*",
                        "algo://demos/?",
                        "algo://demos/#",
                        "algo://dem os/*",
                        "1algo://*",
                        "all",
                        "All",
                        "algo"}) {
    EXPECT_FALSE(IsValidResourcePattern(p)) << p;
  }
}

TEST(ResourceMatch, ExactMatchesOnlyItself) {
  const char* p = "algo://demos/sentiment_analysis";
  EXPECT_TRUE(ResourceMatches(p, "algo://demos/sentiment_analysis"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos/sentiment_analysis2"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos/sentiment"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos/sentiment_analysis/v2"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos"));
  EXPECT_FALSE(ResourceMatches(p, "data://demos/sentiment_analysis"));
  EXPECT_FALSE(ResourceMatches("algo://demos", "algo://demos/x"));  // not hierarchical
}

TEST(ResourceMatch, SchemeIsCaseInsensitivePathIsNot) {
  EXPECT_TRUE(ResourceMatches("algo://demos/x", "ALGO://demos/x"));
  EXPECT_TRUE(ResourceMatches("AlGo://demos/x", "algo://demos/x"));
  EXPECT_TRUE(ResourceMatches("ALGO://*", "algo://demos/x"));
  EXPECT_TRUE(ResourceMatches("Algo://demos/*", "aLGO://demos/x"));
  EXPECT_FALSE(ResourceMatches("algo://demos/x", "algo://Demos/x"));
  EXPECT_FALSE(ResourceMatches("algo://demos/x", "algo://demos/X"));
  EXPECT_FALSE(ResourceMatches("algo://Demos/*", "algo://demos/x"));
}

TEST(ResourceMatch, PrefixCoversWholeSegmentsAtAnyDepth) {
  const char* p = "algo://demos/*";
  EXPECT_TRUE(ResourceMatches(p, "algo://demos/a"));
  EXPECT_TRUE(ResourceMatches(p, "algo://demos/a/b/c"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demosX/a"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos.x/a"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demo/a"));
  EXPECT_FALSE(ResourceMatches(p, "algo://x/demos/a"));
  EXPECT_FALSE(ResourceMatches(p, "data://demos/a"));
  EXPECT_FALSE(ResourceMatches(p, "algo://demos/"));  // malformed, not "demos"
  EXPECT_TRUE(ResourceMatches("algo://demos/a/*", "algo://demos/a/b"));
  EXPECT_FALSE(ResourceMatches("algo://demos/a/*", "algo://demos/a"));
  EXPECT_FALSE(ResourceMatches("algo://demos/a/*", "algo://demos/ab/c"));
  EXPECT_FALSE(ResourceMatches("algo://demos/a/*", "algo://demos/b/a"));
}

TEST(ResourceMatch, SchemeWildcardCoversItsSchemeOnly) {
  EXPECT_TRUE(ResourceMatches("algo://*", "algo://demos"));
  EXPECT_TRUE(ResourceMatches("algo://*", "algo://demos/a/b"));
  EXPECT_FALSE(ResourceMatches("algo://*", "algox://demos"));
  EXPECT_FALSE(ResourceMatches("algo://*", "alg://demos"));
  EXPECT_FALSE(ResourceMatches("algo://*", "data://demos"));
}

TEST(ResourceMatch, StarAloneCoversEveryValidResource) {
  for (const char* r : {"algo://demos", "data://x/y", "S3://bucket/key"}) {
    EXPECT_TRUE(ResourceMatches("*", r)) << r;
  }
  for (const char* r : {"", "*", "demos", "algo://", "algo://demos/", "algo://a//b"}) {
    EXPECT_FALSE(ResourceMatches("*", r)) << r;
  }
}

TEST(ResourceMatch, MalformedNeverMatches) {
  EXPECT_FALSE(ResourceMatches("algo://demos/", "algo://demos/"));
  EXPECT_FALSE(ResourceMatches("algo://de*", "algo://demos"));
  EXPECT_FALSE(ResourceMatches("algo://demos/*/x", "algo://demos/a/x"));
  EXPECT_FALSE(ResourceMatches("", ""));
  EXPECT_FALSE(ResourceMatches("*", "*"));
  EXPECT_FALSE(ResourceMatches("algo://*", "algo://*"));
  EXPECT_FALSE(ResourceMatches("algo://demos/*", "algo://demos/*"));
  EXPECT_FALSE(ResourceMatches(" algo://demos", "algo://demos"));
  EXPECT_FALSE(ResourceMatches("algo://demos", "algo://demos "));
}

TEST(ResourceMatch, AnyOfAList) {
  Strings list{"algo://demos/sentiment_analysis", "data://shared/*"};
  EXPECT_TRUE(AnyResourceMatches(list, "algo://demos/sentiment_analysis"));
  EXPECT_TRUE(AnyResourceMatches(list, "DATA://shared/a/b"));
  EXPECT_FALSE(AnyResourceMatches(list, "algo://demos/other"));
  EXPECT_FALSE(AnyResourceMatches(list, "data://shared"));
  EXPECT_FALSE(AnyResourceMatches(list, "algo://demos/sentiment_analysis/"));
  EXPECT_FALSE(AnyResourceMatches({}, "algo://demos/x"));
  EXPECT_TRUE(AnyResourceMatches({"*"}, "algo://demos/x"));
  EXPECT_FALSE(AnyResourceMatches({"*"}, "not a resource"));
  // A malformed entry is skipped, not fatal.
  EXPECT_TRUE(AnyResourceMatches({"algo://bad/", "algo://*"}, "algo://x"));
  EXPECT_FALSE(AnyResourceMatches({"algo://bad/", "algo://de*"}, "algo://demos"));
}

TEST(ResourcePatterns, NormalizesSchemesAndDuplicatesKeepingOrder) {
  auto list = NormalizeResourcePatterns(
      {"ALGO://Demos/*", "*", "algo://Demos/*", "Algo://*", "algo://x", "*", "algo://*"},
      "resources");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list, (Strings{"algo://Demos/*", "*", "algo://*", "algo://x"}));
}

TEST(ResourcePatterns, KeepsEntriesCoveredByAWildcard) {
  auto list = NormalizeResourcePatterns({"algo://*", "algo://demos/x", "algo://demos/*"}, "r");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (Strings{"algo://*", "algo://demos/x", "algo://demos/*"}));
}

TEST(ResourcePatterns, EmptyListStaysEmpty) {
  auto list = NormalizeResourcePatterns({}, "resources");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST(ResourcePatterns, NamesTheFieldAndTheFirstBadEntry) {
  auto bad = NormalizeResourcePatterns({"algo://ok", "algo://demos/", "algo://de*"}, "resources");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "resources");
  EXPECT_NE(bad.status().message().find("resources[1]"), std::string::npos);
  EXPECT_NE(bad.status().message().find("'algo://demos/'"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("de*"), std::string::npos);
}

TEST(ResourcePatterns, QuotesBadEntriesSafely) {
  auto bad = NormalizeResourcePatterns({"algo://\xc3\xa9\n" + std::string(1000, 'x')}, "r");
  ASSERT_FALSE(bad.ok());
  const std::string& message = bad.status().message();
  EXPECT_LT(message.size(), 200u);
  EXPECT_TRUE(std::all_of(message.begin(), message.end(), [](char c) {
    return c >= ' ' && c <= '~';
  })) << message;
}

TEST(ResourcePatterns, AtMostOneHundredEntries) {
  Strings list;
  for (int i = 0; i < 100; ++i) list.push_back("algo://r" + std::to_string(i));
  EXPECT_TRUE(NormalizeResourcePatterns(list, "resources").ok());
  list.push_back("algo://r100");
  auto bad = NormalizeResourcePatterns(list, "resources");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "resources");
  // Counted before duplicates are removed: the request itself is too long.
  EXPECT_FALSE(NormalizeResourcePatterns(Strings(101, "*"), "resources").ok());
}

TEST(ResourcePatterns, NormalizedPatternsMatchAsTheOriginalsDid) {
  Strings originals{"ALGO://demos/*", "Data://x", "*", "S3://*"};
  auto normalized = NormalizeResourcePatterns(originals, "r");
  ASSERT_TRUE(normalized.ok());
  ASSERT_EQ(normalized->size(), originals.size());
  for (const char* r : {"algo://demos/a", "data://x", "s3://b/k", "data://y", "algo://demos"}) {
    for (std::size_t i = 0; i < originals.size(); ++i) {
      EXPECT_EQ(ResourceMatches((*normalized)[i], r), ResourceMatches(originals[i], r))
          << originals[i] << " " << r;
    }
  }
}

}  // namespace
}  // namespace latchkey::domain
