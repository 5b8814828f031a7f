#pragma once
// ApiRequest: one call of the latchkey HTTP API (docs/http_api.md) as the commands describe it
// — a method, the path as unencoded segments, query parameters and an optional JSON body —
// and its translation into an HttpRequest. Path segments and query values are percent-encoded
// here (everything but RFC 3986 unreserved characters), so an id or a cursor holding '/', '+',
// '&' or spaces reaches the server intact. Plain values and pure functions.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/address.h"
#include "cli/http_client.h"
#include "domain/result.h"

namespace latchkey::cli {

struct ApiRequest {
  HttpMethod method = HttpMethod::kGet;
  std::vector<std::string> path;  // unencoded segments: {"v1", "keys", "key_abc", "revoke"}
  std::vector<std::pair<std::string, std::string>> query;  // unencoded, in order
  std::optional<boost::json::object> body;
  bool authenticated = true;  // false: no Authorization header (POST /v1/keys/verify)
};

// "/base/v1/keys?limit=10": base_path (already encoded) + encoded segments + encoded query.
std::string BuildTarget(std::string_view base_path, const ApiRequest& request);

// The HTTP request for `request`. When request.authenticated and `token` is not empty, adds
// `Authorization: Bearer <token>`; a JSON body adds `Content-Type: application/json`.
HttpRequest ToHttpRequest(const ServerAddress& address, std::string_view token,
                          const ApiRequest& request);

// OK when `token` can travel in a header: printable ASCII without spaces. Otherwise
// kInvalidArgument with a message that does not repeat the token.
Status ValidateToken(std::string_view token);

}  // namespace latchkey::cli
