#pragma once
// Status and Result<T>: how every module reports failure. No exceptions cross module
// boundaries or run on the request path; a function that can fail returns one of these.
// ErrorCode is a closed set; http/error_mapping.cc is the one place that turns it into an HTTP
// status and a stable wire code. Values are cheap to move; not thread-safe to share mutably.

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace latchkey {

enum class ErrorCode {
  kOk,
  kInvalidArgument,      // 400 invalid_argument: bad input, names the field in the message
  kUnauthenticated,      // 401 unauthenticated: no or bad credentials
  kPermissionDenied,     // 403 permission_denied
  kPrivilegeEscalation,  // 403 privilege_escalation
  kCsrfFailed,           // 403 csrf_failed: a session call without its X-CSRF-Token
  kNotFound,             // 404 not_found
  kMethodNotAllowed,     // 405 method_not_allowed
  kConflict,             // 409 conflict: duplicate name, wrong state for the operation
  kTooLarge,             // 413 too_large
  kRateLimited,          // 429 rate_limited
  kUnavailable,          // 503 unavailable: store down, shutting down
  kInternal,             // 500 internal: a bug or an I/O failure we cannot classify
};

// The stable wire name of a code ("invalid_argument", ...).
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The request field at fault, when there is one (e.g. "expires_at"); empty otherwise.
  const std::string& field() const { return field_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status InvalidField(std::string field, std::string m) {
  return {ErrorCode::kInvalidArgument, std::move(m), std::move(field)};
}
inline Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {ErrorCode::kPermissionDenied, std::move(m)};
}
inline Status PrivilegeEscalation(std::string m) {
  return {ErrorCode::kPrivilegeEscalation, std::move(m)};
}
inline Status CsrfFailed(std::string m) { return {ErrorCode::kCsrfFailed, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
inline Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace latchkey

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define LK_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::latchkey::Status lk_status_ = (expr);  \
    if (!lk_status_.ok()) return lk_status_; \
  } while (0)

#define LK_CONCAT_INNER(a, b) a##b
#define LK_CONCAT(a, b) LK_CONCAT_INNER(a, b)
// `LK_ASSIGN_OR_RETURN(auto x, F());` binds the value of a Result or returns its Status.
#define LK_ASSIGN_OR_RETURN(lhs, expr) \
  LK_ASSIGN_OR_RETURN_IMPL(LK_CONCAT(lk_r_, __LINE__), lhs, expr)
#define LK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
