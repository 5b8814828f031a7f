#include "cli/address.h"

#include <gtest/gtest.h>

namespace latchkey::cli {
namespace {

TEST(ServerAddress, ParsesTheDefault) {
  Result<ServerAddress> a = ParseServerAddress(kDefaultServerAddress);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "8420");
  EXPECT_EQ(a->host_header, "127.0.0.1:8420");
  EXPECT_EQ(a->base_path, "");
  EXPECT_EQ(a->display, "http://127.0.0.1:8420");
}

TEST(ServerAddress, StripsBracketsFromIpv6ForTheResolverOnly) {
  Result<ServerAddress> a = ParseServerAddress("http://[::1]:9000/");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, "9000");
  EXPECT_EQ(a->host_header, "[::1]:9000");
  EXPECT_EQ(a->base_path, "");
}

TEST(ServerAddress, AcceptsNamesDefaultPortAndPathPrefix) {
  Result<ServerAddress> a = ParseServerAddress("http://keys.internal/latchkey/");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->host, "keys.internal");
  EXPECT_EQ(a->port, "80");
  EXPECT_EQ(a->host_header, "keys.internal");
  EXPECT_EQ(a->base_path, "/latchkey");
}

TEST(ServerAddress, AssumesHttpWhenTheSchemeIsMissing) {
  Result<ServerAddress> a = ParseServerAddress("localhost:8420");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, "8420");
  EXPECT_EQ(a->display, "localhost:8420");
}

TEST(ServerAddress, RejectsWhatItCannotHonour) {
  for (const char* bad :
       {"https://a:1", "http://user:pw@a:1", "http://a:1/?q=1", "http://a:1/#f", "http://a:0",
        "http://a:65536", "http://a:x", "http://", "ftp://a", "http://a b"}) {
    Result<ServerAddress> a = ParseServerAddress(bad);
    EXPECT_FALSE(a.ok()) << bad;
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(ServerAddress, ExplainsAnUnsupportedScheme) {
  Result<ServerAddress> a = ParseServerAddress("https://keys.example.com");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("only http:// is supported"), std::string::npos);
}

TEST(ServerAddress, DoesNotRepeatAPasswordInTheAddress) {
  for (const char* bad : {"http://admin:hunter2@keys.example.com", "http://admin:hun ter2@x"}) {
    Result<ServerAddress> a = ParseServerAddress(bad);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().message().find("hunter2"), std::string::npos) << a.status().message();
    EXPECT_EQ(a.status().message().find("hun ter2"), std::string::npos) << a.status().message();
  }
}

}  // namespace
}  // namespace latchkey::cli
