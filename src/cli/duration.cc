#include "cli/duration.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace latchkey::cli {
namespace {

constexpr std::int64_t kMaxSeconds = 100LL * 366 * 24 * 3600;

std::optional<std::int64_t> UnitSeconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 24 * 3600;
    case 'w':
      return 7 * 24 * 3600;
  }
  return std::nullopt;
}

Status BadDuration(std::string_view text) {
  return InvalidArgument("invalid duration '" + std::string(text) +
                         "': expected a number and a unit (s, m, h, d, w), e.g. 30d, 12h, 90m, "
                         "1d12h");
}

}  // namespace

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  std::int64_t total = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  if (p == end) return BadDuration(text);
  while (p < end) {
    std::int64_t count = 0;
    auto [next, ec] = std::from_chars(p, end, count);
    if (ec != std::errc() || next == end || count < 0 || count > kMaxSeconds)
      return BadDuration(text);
    std::optional<std::int64_t> unit = UnitSeconds(*next);
    if (!unit) return BadDuration(text);
    total += count * *unit;
    if (total > kMaxSeconds)
      return InvalidArgument("duration '" + std::string(text) + "' is too long");
    p = next + 1;
  }
  if (total <= 0) return InvalidArgument("duration '" + std::string(text) + "' must be positive");
  return std::chrono::seconds(total);
}

std::string FormatRfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto millis = time_point_cast<milliseconds>(time);
  auto days = floor<std::chrono::days>(millis);
  year_month_day ymd{days};
  hh_mm_ss hms{millis - days};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return out;
}

Result<std::string> ExpiresAtFromDuration(std::string_view text,
                                          std::chrono::system_clock::time_point now) {
  LK_ASSIGN_OR_RETURN(std::chrono::seconds duration, ParseDuration(text));
  return FormatRfc3339(now + duration);
}

}  // namespace latchkey::cli
