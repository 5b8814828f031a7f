#include "http/console.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "crypto/sha256.h"
#include "http/errors.h"

namespace latchkey::http {
namespace {

constexpr std::string_view kIndex = "/index.html";

// Scripts, styles and API calls from this origin only; inline SVG charts are drawn by script.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

std::string_view ContentType(std::string_view path) {
  struct Type {
    std::string_view suffix, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const Type& t : kTypes) {
    if (path.ends_with(t.suffix)) return t.type;
  }
  return "application/octet-stream";
}

}  // namespace

Console::Console(std::span<const StaticFile> files) {
  for (const StaticFile& file : files) Add(std::string(file.path), std::string(file.body));
}

void Console::Add(std::string path, std::string body) {
  Entry entry;
  entry.content_type = std::string(ContentType(path));
  entry.etag = "\"" + crypto::Sha256Hex(body).substr(0, 24) + "\"";
  entry.body = std::move(body);
  files_.insert_or_assign(std::move(path), std::move(entry));
}

Result<Console> Console::FromDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return InvalidArgument("console directory " + dir + " has no index.html (build web/ first)");
  }
  Console console;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Internal("cannot read " + it->path().string());
    console.Add("/" + fs::relative(it->path(), dir, ec).generic_string(), std::move(body));
  }
  if (ec) return Internal("cannot read console directory " + dir + ": " + ec.message());
  return console;
}

bool Console::Owns(std::string_view path) {
  return path == "/" || path == kIndex || path == "/favicon.ico" || path.starts_with("/assets/");
}

ApiResponse Console::Serve(const ApiRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    ApiResponse response =
        ErrorResponse(Status(ErrorCode::kMethodNotAllowed, "the console is read with GET"));
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  std::string_view path = request.Path();
  if (path == "/") path = kIndex;
  auto it = files_.find(path);
  if (it == files_.end() || path.find("..") != std::string_view::npos) {
    return ErrorResponse(NotFound("no such console file: " + std::string(path.substr(0, 128))));
  }
  const Entry& file = it->second;
  ApiResponse response;
  response.headers.emplace_back("ETag", file.etag);
  response.headers.emplace_back("Cache-Control", path.starts_with("/assets/")
                                                     ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
  response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  if (request.Header("If-None-Match") == file.etag) {
    response.status = 304;
    return response;
  }
  response.content_type = file.content_type;
  response.body = file.body;
  return response;
}

}  // namespace latchkey::http
