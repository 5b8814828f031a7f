#include "http/console.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace latchkey::http {
namespace {

const StaticFile kFiles[] = {
    {"/index.html", "<!doctype html><title>latchkey</title>"},
    {"/assets/index-abc123.js", "console.log(1)"},
    {"/assets/index-abc123.css", "body{}"},
};

struct Request {
  Request(std::string target = "/", std::map<std::string, std::string> headers = {},
          std::string method = "GET")
      : method(std::move(method)), target(std::move(target)), headers(std::move(headers)) {}

  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;

  ApiRequest View() const {
    ApiRequest r;
    r.method = method;
    r.target = target;
    r.header_fn = [](const void* ctx, std::string_view name) -> std::string_view {
      const auto& h = static_cast<const Request*>(ctx)->headers;
      auto it = h.find(std::string(name));
      return it == h.end() ? std::string_view() : std::string_view(it->second);
    };
    r.header_ctx = this;
    return r;
  }
};

std::string HeaderOf(const ApiResponse& response, std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(ConsoleTest, RootIsIndexRevalidatedWithStrictPolicy) {
  Console console(kFiles);
  ApiResponse r = console.Serve(Request().View());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>latchkey</title>");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_NE(HeaderOf(r, "Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
}

TEST(ConsoleTest, AssetsAreImmutableWithTheirTypes) {
  Console console(kFiles);
  ApiResponse js = console.Serve(Request("/assets/index-abc123.js").View());
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
  ApiResponse css = console.Serve(Request("/assets/index-abc123.css?v=1").View());
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
}

TEST(ConsoleTest, EtagRevalidationAnswers304WithoutBody) {
  Console console(kFiles);
  std::string etag = HeaderOf(console.Serve(Request().View()), "ETag");
  ASSERT_EQ(etag.size(), 26u);
  ApiResponse r = console.Serve(Request("/", {{"If-None-Match", etag}}).View());
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
}

TEST(ConsoleTest, UnknownFilesAndOtherMethods) {
  Console console(kFiles);
  EXPECT_EQ(console.Serve(Request("/assets/nope.js").View()).status, 404);
  EXPECT_EQ(console.Serve(Request("/assets/../index.html").View()).status, 404);
  ApiResponse post = console.Serve(Request("/", {}, "POST").View());
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
}

TEST(ConsoleTest, OwnsOnlyItsPaths) {
  EXPECT_TRUE(Console::Owns("/"));
  EXPECT_TRUE(Console::Owns("/assets/x.js"));
  EXPECT_TRUE(Console::Owns("/favicon.ico"));
  EXPECT_FALSE(Console::Owns("/v1/keys"));
  EXPECT_FALSE(Console::Owns("/healthz"));
  EXPECT_FALSE(Console::Owns("/index.htm"));
}

TEST(ConsoleTest, FromDirectoryReadsTheTreeAndNeedsAnIndex) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("latchkey-console-" + std::to_string(::getpid()));
  fs::create_directories(dir / "assets");
  EXPECT_FALSE(Console::FromDirectory(dir.string()).ok());
  std::ofstream(dir / "index.html") << "<p>hi</p>";
  std::ofstream(dir / "assets" / "a.js") << "1";
  auto console = Console::FromDirectory(dir.string());
  ASSERT_TRUE(console.ok()) << console.status().message();
  EXPECT_EQ(console->size(), 2u);
  EXPECT_EQ(console->Serve(Request("/assets/a.js").View()).body, "1");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace latchkey::http
