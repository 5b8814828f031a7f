#pragma once
// Client: calls the latchkey HTTP API through an HttpTransport and reads the answers —
// success bodies as JSON, error bodies as ApiError — and follows `next_cursor` to fetch every
// page of a list. It holds the caller's token and only ever puts it in the Authorization
// header. Not thread-safe; one Client per command run.

#include <boost/json/value.hpp>
#include <string>

#include "cli/address.h"
#include "cli/api_request.h"
#include "cli/http_client.h"
#include "cli/render.h"
#include "domain/result.h"

namespace latchkey::cli {

struct Reply {
  int status = 0;
  std::string body;               // the response body exactly as received ("" for 204)
  boost::json::value json;        // the parsed body; null for 204 and for errors
  std::optional<ApiError> error;  // set when status >= 400
};

class Client {
 public:
  // `transport` must outlive the Client.
  Client(HttpTransport& transport, ServerAddress address, std::string token);

  // Sends `request`. A reply with any HTTP status is OK (check Reply::error). Fails with
  // kUnavailable when the server cannot be reached, and with kInternal when a success response
  // is not JSON (the address points at something that is not latchkey).
  Result<Reply> Call(const ApiRequest& request);

  // Sends the list `request` and then one request per `next_cursor` until the last page.
  // Returns the first error reply as is; on success a Reply whose json is
  // {"items": [every item], "next_cursor": null} and whose body is that JSON, compact.
  Result<Reply> CallAllPages(ApiRequest request);

 private:
  HttpTransport& transport_;
  ServerAddress address_;
  std::string token_;
};

}  // namespace latchkey::cli
