#include "http/errors.h"

#include <boost/json.hpp>

#include "crypto/key_format.h"

namespace latchkey::http {

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kPrivilegeEscalation:
      return 403;
    case ErrorCode::kCsrfFailed:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {

ApiResponse MakeError(int http_status, std::string_view code, std::string_view message,
                      std::string_view field) {
  // Messages may quote what the client sent; a secret pasted into the wrong place is not
  // repeated back (DESIGN §3: secrets never appear in error messages).
  boost::json::object error{{"code", code}, {"message", crypto::RedactKeys(message)}};
  if (!field.empty()) error["field"] = crypto::RedactKeys(field);
  ApiResponse response;
  response.status = http_status;
  response.body = boost::json::serialize(boost::json::object{{"error", std::move(error)}});
  if (http_status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"latchkey\"");
  }
  return response;
}

}  // namespace

ApiResponse ErrorResponse(const Status& status) {
  return MakeError(HttpStatusOf(status.code()), ErrorCodeName(status.code()), status.message(),
                   status.field());
}

ApiResponse ErrorResponse(int http_status, std::string_view code, std::string_view message) {
  return MakeError(http_status, code, message, "");
}

}  // namespace latchkey::http
