#pragma once
// The one place that maps Status codes to HTTP statuses and error bodies (DESIGN §6):
// {"error": {"code": "...", "message": "...", "field": "..."}}.

#include "domain/result.h"
#include "http/message.h"

namespace latchkey::http {

int HttpStatusOf(ErrorCode code);

// An error response for a non-OK status.
ApiResponse ErrorResponse(const Status& status);

// An error response with a status and wire code not produced by services (408, 431, ...).
ApiResponse ErrorResponse(int http_status, std::string_view code, std::string_view message);

}  // namespace latchkey::http
