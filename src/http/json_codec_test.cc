#include "http/json_codec.h"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

TEST(ObjectReader, ReadsTypedFields) {
  auto reader = ObjectReader::Parse(
      R"({"s":"x","b":true,"i":42,"l":["a","b"],"t":"2030-01-01T00:00:00Z","o":{"k":1},"n":null})");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->String("s"), "x");
  EXPECT_EQ(reader->Bool("b"), true);
  EXPECT_EQ(reader->Int("i"), 42);
  EXPECT_EQ(reader->StringList("l"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(reader->Time("t"), 1893456000000);
  EXPECT_TRUE(reader->Object("o").has_value());
  EXPECT_FALSE(reader->String("n").has_value());
  EXPECT_TRUE(reader->Finish().ok());
}

TEST(ObjectReader, RejectsUnknownFieldsByName) {
  auto reader = ObjectReader::Parse(R"({"name":"x","nmae":"y"})");
  ASSERT_TRUE(reader.ok());
  reader->String("name");
  Status status = reader->Finish();
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "nmae");
}

TEST(ObjectReader, ReportsTheFirstWrongType) {
  auto reader = ObjectReader::Parse(R"({"a":1,"b":"x","c":[1],"d":"yesterday"})");
  ASSERT_TRUE(reader.ok());
  reader->String("a");
  reader->Int("b");
  reader->StringList("c");
  reader->Time("d");
  EXPECT_EQ(reader->Finish().field(), "a");
}

TEST(ObjectReader, RefusedAndRequiredFields) {
  auto reader = ObjectReader::Parse(R"({"expires_at":"2030-01-01T00:00:00Z"})");
  ASSERT_TRUE(reader.ok());
  reader->Refuse("expires_at", "expires_at cannot be changed");
  EXPECT_EQ(reader->Finish().field(), "expires_at");
  auto empty = ObjectReader::Parse("");
  ASSERT_TRUE(empty.ok());
  empty->RequiredString("name");
  EXPECT_EQ(empty->Finish().field(), "name");
}

TEST(ObjectReader, RejectsNonObjects) {
  for (const char* body : {"[]", "\"x\"", "{", "{\"a\":}", "nul", "1e999999"}) {
    EXPECT_FALSE(ObjectReader::Parse(body).ok()) << body;
  }
}

TEST(JsonCodec, KeyObjectHasEveryDocumentedField) {
  domain::ApiKey key{.id = "key_x", .namespace_id = std::nullopt, .meta_json = R"({"a":1})"};
  boost::json::object json = ToJson(key);
  for (const char* field :
       {"id",         "name",       "description", "type",       "owner",        "namespace",
        "scopes",     "resources",  "data_access", "origins",    "allowed_ips",  "expires_at",
        "rate_limit", "quota",      "meta",        "prefix",     "hint",         "status",
        "created_at", "created_by", "updated_at",  "revoked_at", "last_used_at", "last_used_ip"}) {
    EXPECT_TRUE(json.contains(field)) << field;
  }
  EXPECT_FALSE(json.contains("secret"));
  EXPECT_FALSE(json.contains("digest"));
  EXPECT_TRUE(json.at("namespace").is_null());
  EXPECT_EQ(json.at("meta").at("a").as_int64(), 1);
}

}  // namespace
}  // namespace latchkey::http
