#include "index/key_index.h"

#include <gtest/gtest.h>

namespace latchkey::index {
namespace {

domain::ApiKey Key(std::string id_chars, std::vector<std::string> scopes = {"*"}) {
  return domain::ApiKey{.id = "key_" + id_chars,
                        .name = "n",
                        .owner_id = "pr_1",
                        .namespace_id = "ns_1",
                        .scopes = std::move(scopes)};
}

TEST(KeyIndex, FindsKeysByTheirIdCharacters) {
  KeyIndex index;
  index.PutKey(Key("AAAAAAAAAAAAAAAA"));
  auto ref = index.FindKey("AAAAAAAAAAAAAAAA");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->owner_id, "pr_1");
  EXPECT_EQ(ref->namespace_id, "ns_1");
  EXPECT_EQ(ref->expires_at, kNeverExpires);
  EXPECT_FALSE(index.FindKey("BBBBBBBBBBBBBBBB"));
  EXPECT_FALSE(index.FindKey("short"));
  EXPECT_EQ(index.key_count(), 1u);
}

TEST(KeyIndex, IgnoresMalformedIdsAndErases) {
  KeyIndex index;
  index.PutKeys({Key("AAAAAAAAAAAAAAAA"), domain::ApiKey{.id = "bogus"}});
  EXPECT_EQ(index.key_count(), 1u);
  index.EraseKeys({"key_AAAAAAAAAAAAAAAA", "nonsense"});
  EXPECT_EQ(index.key_count(), 0u);
}

TEST(KeyIndex, SharesEqualScopeSets) {
  KeyIndex index;
  index.PutKeys({Key("AAAAAAAAAAAAAAAA", {"raw:read"}), Key("BBBBBBBBBBBBBBBB", {"raw:read"}),
                 Key("CCCCCCCCCCCCCCCC", {"raw:write"})});
  auto a = index.FindKey("AAAAAAAAAAAAAAAA");
  auto b = index.FindKey("BBBBBBBBBBBBBBBB");
  auto c = index.FindKey("CCCCCCCCCCCCCCCC");
  EXPECT_EQ(a->grant.get(), b->grant.get());
  EXPECT_NE(a->grant.get(), c->grant.get());
}

TEST(KeyIndex, TracksPrincipals) {
  KeyIndex index;
  index.PutPrincipal({.id = "pr_1", .superuser = true});
  ASSERT_TRUE(index.FindPrincipal("pr_1"));
  EXPECT_TRUE(index.FindPrincipal("pr_1")->superuser);
  index.PutPrincipal({.id = "pr_1", .status = domain::PrincipalStatus::kDisabled});
  EXPECT_EQ(index.FindPrincipal("pr_1")->status, domain::PrincipalStatus::kDisabled);
  index.ErasePrincipal("pr_1");
  EXPECT_FALSE(index.FindPrincipal("pr_1"));
}

TEST(KeyIndex, IdCharsOfChecksThePublicIdShape) {
  EXPECT_TRUE(KeyIndex::IdCharsOf("key_0123456789abcdef").has_value());
  EXPECT_FALSE(KeyIndex::IdCharsOf("key_0123456789abcde").has_value());
  EXPECT_FALSE(KeyIndex::IdCharsOf("kex_0123456789abcdef").has_value());
}

}  // namespace
}  // namespace latchkey::index
