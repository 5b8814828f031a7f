#pragma once
// Console: the web console's static files (docs/console.md), served at `/` and `/assets/…` by
// the API on the I/O threads. The files are the front end of web/, built by Vite and embedded
// into the binary at build time (generated console_assets.cc in the app module), or read once
// from a directory at start-up (`latchkey serve --console-dir`, for working on the front end).
//
// `/` is index.html, revalidated on every load (ETag); `/assets/…` carry content hashes in
// their names and are cached for a year. Every answer carries a strict Content-Security-Policy
// (scripts, styles and calls to this origin only; no framing) and nosniff.
// Thread-safety: immutable after construction.

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "http/message.h"

namespace latchkey::http {

struct StaticFile {
  std::string_view path;  // "/index.html", "/assets/index-3f2a.js"
  std::string_view body;
};

class Console {
 public:
  // Files with their paths as served; "/index.html" answers `/`.
  explicit Console(std::span<const StaticFile> files);
  // Every regular file below `dir` (symlinks are not followed); kInvalidArgument when `dir` has
  // no index.html.
  static Result<Console> FromDirectory(const std::string& dir);

  // True for the paths the console answers: `/`, `/index.html`, `/favicon.ico`, `/assets/…`.
  static bool Owns(std::string_view path);
  // GET or HEAD (else 405); 404 for an unknown file; 304 when If-None-Match matches.
  ApiResponse Serve(const ApiRequest& request) const;

  std::size_t size() const { return files_.size(); }

 private:
  struct Entry {
    std::string body;
    std::string content_type;
    std::string etag;
  };
  Console() = default;
  void Add(std::string path, std::string body);

  std::map<std::string, Entry, std::less<>> files_;
};

}  // namespace latchkey::http
