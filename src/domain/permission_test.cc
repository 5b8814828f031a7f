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

}  // namespace
}  // namespace latchkey::domain
