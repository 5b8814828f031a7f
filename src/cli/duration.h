#pragma once
// Relative expiry for `keys create --expires-in`: a duration such as "30d", "12h", "90m" or a
// sum of parts "1d12h", turned into the absolute RFC 3339 time the API takes. Units: s, m, h,
// d (24 h), w (7 d); each part is a non-negative decimal integer followed by its unit, and the
// total must be positive and at most 100 years. Pure functions; the caller passes "now".

#include <chrono>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace latchkey::cli {

// Parses `text`. On failure returns kInvalidArgument saying what is expected.
Result<std::chrono::seconds> ParseDuration(std::string_view text);

// "2026-11-22T10:00:00.000Z": UTC with milliseconds, as the API writes times.
std::string FormatRfc3339(std::chrono::system_clock::time_point time);

// FormatRfc3339(now + ParseDuration(text)).
Result<std::string> ExpiresAtFromDuration(std::string_view text,
                                          std::chrono::system_clock::time_point now);

}  // namespace latchkey::cli
