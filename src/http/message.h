#pragma once
// ApiRequest / ApiResponse: the transport-free shape of an HTTP exchange. The Beast server
// (server.cc, the only translation unit with Beast templates) fills an ApiRequest whose views
// point into its own request object, calls the API, and writes the ApiResponse back.
// An ApiRequest is valid only while the server's request object lives.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::http {

struct ApiRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin-form: path and query
  std::string_view body;
  std::string_view remote_address;
  std::string_view request_id;
  // Header lookup (case-insensitive); empty when absent.
  std::string_view (*header_fn)(const void* ctx, std::string_view name) = nullptr;
  const void* header_ctx = nullptr;

  std::string_view Header(std::string_view name) const {
    return header_fn ? header_fn(header_ctx, name) : std::string_view();
  }
  std::string_view Path() const { return target.substr(0, target.find('?')); }
};

struct ApiResponse {
  int status = 200;
  std::string body;          // JSON (unless content_type says otherwise), or empty for 204
  std::string content_type;  // empty: application/json when there is a body
  std::vector<std::pair<std::string, std::string>> headers;
  std::string key_id;  // for the access log: the public id of the key involved, if any
};

}  // namespace latchkey::http
