#include "http/api.h"

#include <boost/json.hpp>

#include "http/errors.h"

namespace latchkey::http {
namespace {

constexpr std::string_view kVerifyPath = "/v1/keys/verify";

ApiResponse MethodNotAllowed(std::string_view allow) {
  ApiResponse response = ErrorResponse(
      Status(ErrorCode::kMethodNotAllowed, "method not allowed here; use " + std::string(allow)));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

}  // namespace

static bool IsGatewayPath(std::string_view path) {
  return path.starts_with(kGatewayPath) &&
         (path.size() == kGatewayPath.size() || path[kGatewayPath.size()] == '/');
}

bool Api::IsManagement(const ApiRequest& request) const {
  std::string_view path = request.Path();
  if (path == kVerifyPath || IsGatewayPath(path)) return false;
  return path.starts_with("/v1/") || path.starts_with("/v2/");
}

ApiResponse Api::Handle(const ApiRequest& request) {
  std::string_view path = request.Path();
  // Any method: the gateway asks about the original request's.
  if (IsGatewayPath(path)) return gateway_.Handle(request);
  if (path == kVerifyPath) {
    if (request.method == "OPTIONS") return VerifyEndpoint::Preflight(request);
    if (request.method != "POST") return MethodNotAllowed("POST");
    return verify_.Handle(request);
  }
  if (path == "/healthz" || path == "/readyz") {
    if (request.method != "GET" && request.method != "HEAD") return MethodNotAllowed("GET");
    return Health(request, path == "/readyz");
  }
  if (IsManagement(request)) {
    std::unique_lock<std::mutex> lock;
    if (management_lock_ != nullptr) lock = std::unique_lock<std::mutex>(*management_lock_);
    return management_.Handle(request);
  }
  if (console_ && Console::Owns(path)) return console_->Serve(request);
  return ErrorResponse(NotFound("no such endpoint: " + std::string(path.substr(0, 128))));
}

ApiResponse Api::Health(const ApiRequest& request, bool readiness) const {
  ApiResponse response;
  if (!readiness) {
    response.body = R"({"status":"ok"})";
    return response;
  }
  if (draining_.load()) return ErrorResponse(Unavailable("shutting down"));
  if (!ready_.load())
    return ErrorResponse(Unavailable("starting: the key index is not loaded yet"));
  if (!store_available_.load()) {
    return ErrorResponse(
        Unavailable("the store cannot be reached: verification answers from memory, changes "
                    "fail until it is back"));
  }
  response.body = boost::json::serialize(boost::json::object{
      {"status", "ready"}, {"keys", static_cast<std::uint64_t>(index_.key_count())}});
  return response;
}

}  // namespace latchkey::http
