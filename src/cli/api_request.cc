#include "cli/api_request.h"

#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace latchkey::cli {
namespace {

std::string Encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

}  // namespace

std::string BuildTarget(std::string_view base_path, const ApiRequest& request) {
  std::string target(base_path);
  for (const std::string& segment : request.path) target += "/" + Encode(segment);
  if (target.empty()) target = "/";
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    target += separator + Encode(name) + "=" + Encode(value);
    separator = '&';
  }
  return target;
}

HttpRequest ToHttpRequest(const ServerAddress& address, std::string_view token,
                          const ApiRequest& request) {
  HttpRequest http;
  http.method = request.method;
  http.target = BuildTarget(address.base_path, request);
  if (request.authenticated && !token.empty()) {
    http.headers.emplace_back("Authorization", "Bearer " + std::string(token));
  }
  if (request.body) {
    http.headers.emplace_back("Content-Type", "application/json");
    http.body = boost::json::serialize(*request.body);
  }
  return http;
}

Status ValidateToken(std::string_view token) {
  for (char c : token) {
    if (c <= ' ' || c > '~') {
      return InvalidArgument("the token contains a space or a control or non-ASCII character");
    }
  }
  return Status::Ok();
}

}  // namespace latchkey::cli
