#pragma once
// VerifyEndpoint: POST /v1/keys/verify (DESIGN §5). Runs on the I/O threads: decodes the body
// and the presented key, asks the Verifier (index only), and encodes the answer. Every outcome
// is 200; only a malformed request is 400 (413 is the server's). Thread-safe, no store access.

#include "http/message.h"
#include "service/verifier.h"

namespace latchkey::http {

class VerifyEndpoint {
 public:
  explicit VerifyEndpoint(const service::Verifier& verifier) : verifier_(verifier) {}

  ApiResponse Handle(const ApiRequest& request) const;
  // OPTIONS /v1/keys/verify: the CORS preflight of a browser's call.
  static ApiResponse Preflight(const ApiRequest& request);

 private:
  const service::Verifier& verifier_;
};

}  // namespace latchkey::http
