#include "domain/permission.h"

#include <gtest/gtest.h>

namespace latchkey::domain {
namespace {

TEST(Permission, AcceptsTheDesignExamples) {
  for (const char* p : {"*", "All", "raw:read:db1/table1", "raw:*", "timeseries:write",
                        "keys:create", "predict:*", "raw:read:db1/*", "raw:read:*"}) {
    EXPECT_TRUE(IsValidPermission(p)) << p;
  }
}

TEST(Permission, RejectsMalformedStrings) {
  for (const char* p : {"", "raw", ":read", "raw:", "raw::x", "a:b:c:d", "r*w:read", "*:read",
                        "raw:re ad", "raw:read:db1/*/x", "raw:read:\xff", "all"}) {
    EXPECT_FALSE(IsValidPermission(p)) << p;
  }
  EXPECT_FALSE(IsValidPermission("a:" + std::string(300, 'b')));
}

TEST(Permission, NormalizesAllAndDuplicates) {
  auto scopes = NormalizeScopes({"All", "raw:read", "*", "raw:read"}, "scopes");
  ASSERT_TRUE(scopes.ok());
  EXPECT_EQ(*scopes, (std::vector<std::string>{"*", "raw:read"}));
  auto bad = NormalizeScopes({"ok:ok", "bad"}, "scopes");
  EXPECT_EQ(bad.status().field(), "scopes");
}

TEST(PermissionMatch, EverythingGrantsAllAndOnlyEverythingGrantsEverything) {
  for (const char* g : {"*", "All"}) {
    for (const char* r : {"*", "All", "raw:read", "raw:read:db1/t1", "raw:*", "keys:create"}) {
      EXPECT_TRUE(Grants(g, r)) << g << " " << r;
    }
  }
  for (const char* g : {"raw:*", "raw:read", "a:b:c", "raw:read:*"}) {
    EXPECT_FALSE(Grants(g, "*")) << g;
    EXPECT_FALSE(Grants(g, "All")) << g;
  }
}

TEST(PermissionMatch, ExactTargetGrantsOnlyItself) {
  EXPECT_TRUE(Grants("raw:read:db1/t1", "raw:read:db1/t1"));
  EXPECT_FALSE(Grants("raw:read:db1/t1", "raw:read:db1/t2"));
  EXPECT_FALSE(Grants("raw:read:db1/t1", "raw:read"));
  EXPECT_FALSE(Grants("raw:read:db1/t1", "raw:read:db1/t1x"));
  EXPECT_FALSE(Grants("raw:read:db1/t1", "raw:read:db1/*"));
  EXPECT_FALSE(Grants("raw:read:db1", "raw:read:db1/t1"));  // targets are not hierarchical
}

TEST(PermissionMatch, ResourceActionGrantsEveryTarget) {
  EXPECT_TRUE(Grants("raw:read", "raw:read"));
  EXPECT_TRUE(Grants("raw:read", "raw:read:db1/t1"));
  EXPECT_TRUE(Grants("raw:read", "raw:read:*"));
  EXPECT_TRUE(Grants("raw:read", "raw:read:db1/*"));
  EXPECT_FALSE(Grants("raw:read", "raw:readers"));
  EXPECT_FALSE(Grants("raw:read", "raw:readers:x"));
  EXPECT_FALSE(Grants("raw:read", "raw:read*"));  // would include raw:readers
  EXPECT_FALSE(Grants("raw:read", "raw:write"));
  EXPECT_FALSE(Grants("raw:read", "raw:*"));
  EXPECT_FALSE(Grants("raw:read", "raws:read"));
}

TEST(PermissionMatch, TrailingStarIsAPrefix) {
  EXPECT_TRUE(Grants("raw:*", "raw:read"));
  EXPECT_TRUE(Grants("raw:*", "raw:write:db1/t1"));
  EXPECT_TRUE(Grants("raw:*", "raw:read:*"));
  EXPECT_TRUE(Grants("raw:*", "raw:*"));
  EXPECT_FALSE(Grants("raw:*", "rawx:read"));
  EXPECT_FALSE(Grants("raw:*", "timeseries:read"));
  EXPECT_TRUE(Grants("raw:read:db1/*", "raw:read:db1/t1"));
  EXPECT_TRUE(Grants("raw:read:db1/*", "raw:read:db1/sub/t1"));
  EXPECT_FALSE(Grants("raw:read:db1/*", "raw:read:db2/t1"));
  EXPECT_FALSE(Grants("raw:read:db1/*", "raw:read"));
  EXPECT_FALSE(Grants("raw:read:db1/*", "raw:read:*"));
  EXPECT_TRUE(Grants("raw:re*", "raw:read:x"));
  EXPECT_TRUE(Grants("raw:re*", "raw:read*"));
  EXPECT_FALSE(Grants("raw:read*", "raw:re*"));
  EXPECT_TRUE(Grants("raw:read:*", "raw:read:db1/t1"));
  EXPECT_FALSE(Grants("raw:read:*", "raw:read"));  // `raw:read` alone is not a target of it
}

TEST(PermissionMatch, AnyGrants) {
  std::vector<std::string> caps{"raw:read:db1/t1", "raw:write:db1/t1", "keys:*"};
  EXPECT_TRUE(AnyGrants(caps, "raw:read:db1/t1"));
  EXPECT_FALSE(AnyGrants(caps, "raw:read:db1/t2"));
  EXPECT_TRUE(AnyGrants(caps, "keys:create"));
  EXPECT_FALSE(AnyGrants({}, "keys:create"));
  EXPECT_FALSE(AnyGrants({}, "*"));
}

TEST(PermissionMatch, IntersectKeepsTheNarrowerOfOverlappingPairs) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Intersect({"*"}, {"raw:read:db1/t1", "keys:create"}),
            (V{"raw:read:db1/t1", "keys:create"}));
  EXPECT_EQ(Intersect({"raw:read:db1/t1", "keys:create"}, {"*"}),
            (V{"raw:read:db1/t1", "keys:create"}));
  EXPECT_EQ(Intersect({"raw:*"}, {"raw:read:db1/t1", "raw:write:db1/t1", "keys:create"}),
            (V{"raw:read:db1/t1", "raw:write:db1/t1"}));
  EXPECT_EQ(Intersect({"raw:read"}, {"raw:*"}), (V{"raw:read"}));
  EXPECT_EQ(Intersect({"raw:read:db1/*"}, {"raw:read"}), (V{"raw:read:db1/*"}));
  EXPECT_EQ(Intersect({"raw:read"}, {"raw:write"}), V{});
  EXPECT_EQ(Intersect({}, {"*"}), V{});
  EXPECT_EQ(Intersect({"*"}, {"*"}), V{"*"});
  EXPECT_EQ(Intersect({"All"}, {"*"}), V{"*"});
  // Overlaps found twice, or entries inside others, appear once.
  EXPECT_EQ(Intersect({"raw:*", "raw:read"}, {"raw:read:db1/t1", "raw:read"}), (V{"raw:read"}));
}

TEST(PermissionMatch, IntersectIsTheSetIntersection) {
  // For every pair of lists from a small vocabulary and every probe permission: the probe is
  // granted by the intersection iff it is granted by both lists.
  std::vector<std::string> vocabulary{"*",         "raw:*",           "raw:read",
                                      "raw:re*",   "raw:read:db1/*",  "raw:read:db1/t1",
                                      "raw:write", "raw:read:db1/t2", "keys:create"};
  std::vector<std::string> probes = vocabulary;
  for (const char* p : {"raw:read:db2/t1", "raw:reader:x", "raw:write:db1/t1", "keys:delete"}) {
    probes.push_back(p);
  }
  for (std::size_t i = 0; i < vocabulary.size(); ++i) {
    for (std::size_t j = 0; j < vocabulary.size(); ++j) {
      std::vector<std::string> a{vocabulary[i]}, b{vocabulary[j], "keys:create"};
      auto both = Intersect(a, b);
      for (const auto& probe : probes) {
        EXPECT_EQ(AnyGrants(both, probe), AnyGrants(a, probe) && AnyGrants(b, probe))
            << vocabulary[i] << " & " << vocabulary[j] << " on " << probe;
      }
    }
  }
}

TEST(PermissionMatch, UnionIsMinimal) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Union({{"raw:read:db1/t1"}, {"raw:read"}, {"keys:create", "raw:read"}}),
            (V{"raw:read", "keys:create"}));
  EXPECT_EQ(Union({{"keys:create"}, {"All"}}), V{"*"});
  EXPECT_EQ(Union({}), V{});
}

}  // namespace
}  // namespace latchkey::domain
