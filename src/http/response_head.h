#pragma once
// The status line and header block of an answer, written directly: Beast's generic serializer
// (a buffer per header field, walked through nested buffer-sequence views) cost more CPU than
// the verification it carried (docs/decisions.md, docs/benchmarks.md). Requests are still
// parsed by Beast.

#include <string>
#include <string_view>

#include "http/message.h"

namespace latchkey::http {

struct HeadOptions {
  bool keep_alive = true;    // otherwise "Connection: close"
  bool http10 = false;       // the request was HTTP/1.0: keep-alive must be said explicitly
  bool head_method = false;  // a HEAD request: Content-Length of the body, but no body
  std::string_view request_id;
};

// Replaces `out` with the head of `response` ("HTTP/1.1 200 OK\r\n...\r\n\r\n"). Returns
// whether the body follows the head: not for HEAD requests, 1xx, 204 and 304. Headers of
// `response.headers` whose name or value could break the framing (CR, LF, ':' in a name,
// an empty name) are dropped.
bool WriteResponseHead(std::string& out, const ApiResponse& response, const HeadOptions& options);

}  // namespace latchkey::http
