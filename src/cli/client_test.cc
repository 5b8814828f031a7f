#include "cli/client.h"

#include <gtest/gtest.h>

#include "cli/fake_transport.h"
#include "cli/requests.h"

namespace latchkey::cli {
namespace {

class ClientTest : public ::testing::Test {
 protected:
  FakeTransport transport_;
  Client client_{transport_, *ParseServerAddress("http://127.0.0.1:8420"), "lk_token"};
};

TEST_F(ClientTest, ParsesASuccessBody) {
  transport_.Answer(200, R"({"id": "key_1"})");
  Result<Reply> reply = client_.Call(BuildGet("keys", "key_1"));
  ASSERT_TRUE(reply.ok());
  EXPECT_FALSE(reply->error);
  EXPECT_EQ(reply->json.at("id").as_string(), "key_1");
  EXPECT_EQ(reply->body, R"({"id": "key_1"})");
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/keys/key_1");
}

TEST_F(ClientTest, AcceptsNoContent) {
  transport_.Answer(204, "");
  Result<Reply> reply = client_.Call(BuildDelete("keys", "key_1"));
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->json.is_null());
  EXPECT_FALSE(reply->error);
}

TEST_F(ClientTest, ReportsAnErrorReply) {
  transport_.Answer(404, R"({"error": {"code": "not_found", "message": "no such key"}})");
  Result<Reply> reply = client_.Call(BuildGet("keys", "key_9"));
  ASSERT_TRUE(reply.ok());
  ASSERT_TRUE(reply->error);
  EXPECT_EQ(reply->error->code, "not_found");
}

TEST_F(ClientTest, FailsOnTransportErrors) {
  transport_.Fail("connect: Connection refused");
  Result<Reply> reply = client_.Call(BuildWhoami());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnavailable);
}

TEST_F(ClientTest, FailsWhenASuccessIsNotJson) {
  transport_.Answer(200, "<html>hello</html>");
  Result<Reply> reply = client_.Call(BuildWhoami());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kInternal);
}

TEST_F(ClientTest, FollowsCursorsForAllPages) {
  transport_.Answer(200, R"({"items": [{"id": "a"}, {"id": "b"}], "next_cursor": "c/2"})");
  transport_.Answer(200, R"({"items": [{"id": "c"}], "next_cursor": null})");
  ListArgs args;
  args.limit = 2;
  Result<Reply> reply = client_.CallAllPages(BuildList("keys", args));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body, R"({"items":[{"id":"a"},{"id":"b"},{"id":"c"}],"next_cursor":null})");
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/keys?limit=2");
  EXPECT_EQ(transport_.requests()[1].target, "/v1/keys?limit=2&cursor=c%2F2");
}

TEST_F(ClientTest, StopsAllPagesAtTheFirstError) {
  transport_.Answer(200, R"({"items": [{"id": "a"}], "next_cursor": "c2"})");
  transport_.Answer(400, R"({"error": {"code": "invalid_argument", "message": "bad cursor"}})");
  Result<Reply> reply = client_.CallAllPages(BuildList("keys", {}));
  ASSERT_TRUE(reply.ok());
  ASSERT_TRUE(reply->error);
  EXPECT_EQ(reply->error->message, "bad cursor");
}

TEST_F(ClientTest, RefusesARepeatedCursor) {
  transport_.Answer(200, R"({"items": [], "next_cursor": "same"})");
  transport_.Answer(200, R"({"items": [], "next_cursor": "same"})");
  Result<Reply> reply = client_.CallAllPages(BuildList("keys", {}));
  EXPECT_FALSE(reply.ok());
  EXPECT_EQ(transport_.requests().size(), 2u);
}

}  // namespace
}  // namespace latchkey::cli
