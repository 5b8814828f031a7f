#pragma once
// RFC 3339 timestamps on the wire: always written in UTC with milliseconds
// ("2026-11-22T10:00:00.000Z"); read with or without a fraction, with "Z" or a numeric offset.

#include <optional>
#include <string>
#include <string_view>

#include "domain/model.h"

namespace latchkey::domain {

std::string FormatTime(UnixMillis millis);

// std::nullopt for anything that is not a valid RFC 3339 date-time (years 1970..9999).
std::optional<UnixMillis> ParseTime(std::string_view text);

}  // namespace latchkey::domain
