#include "domain/time_format.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace latchkey::domain {
namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`; advances pos.
std::optional<int> Digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool Expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && (s[pos] == c || (c == 'T' && s[pos] == 't'))) {
    ++pos;
    return true;
  }
  return false;
}

// Fraction of a second after '.', as milliseconds (extra digits truncated).
std::optional<int> Fraction(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '.') return 0;
  ++pos;
  int millis = 0, digits = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (digits < 3) millis = millis * 10 + (s[pos] - '0');
    ++digits;
    ++pos;
  }
  if (digits == 0) return std::nullopt;
  for (; digits < 3; ++digits) millis *= 10;
  return millis;
}

// "Z" -> 0, "+hh:mm"/"-hh:mm" -> signed minutes.
std::optional<int> Offset(std::string_view s, std::size_t& pos) {
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
    return 0;
  }
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
  int sign = s[pos++] == '-' ? -1 : 1;
  auto hh = Digits(s, pos, 2);
  if (!hh || !Expect(s, pos, ':')) return std::nullopt;
  auto mm = Digits(s, pos, 2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * (*hh * 60 + *mm);
}

}  // namespace

std::string FormatTime(UnixMillis millis) {
  sys_time<milliseconds> tp{milliseconds{millis}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()),
                long(hms.subseconds().count()));
  return buf;
}

std::optional<UnixMillis> ParseTime(std::string_view s) {
  std::size_t pos = 0;
  auto y = Digits(s, pos, 4);
  if (!y || !Expect(s, pos, '-')) return std::nullopt;
  auto mo = Digits(s, pos, 2);
  if (!mo || !Expect(s, pos, '-')) return std::nullopt;
  auto d = Digits(s, pos, 2);
  if (!d || !Expect(s, pos, 'T')) return std::nullopt;
  auto h = Digits(s, pos, 2);
  if (!h || !Expect(s, pos, ':')) return std::nullopt;
  auto mi = Digits(s, pos, 2);
  if (!mi || !Expect(s, pos, ':')) return std::nullopt;
  auto sec = Digits(s, pos, 2);
  if (!sec) return std::nullopt;
  auto frac = Fraction(s, pos);
  auto offset = frac ? Offset(s, pos) : std::nullopt;
  if (!offset || pos != s.size()) return std::nullopt;
  year_month_day ymd{year{*y}, month(unsigned(*mo)), day(unsigned(*d))};
  if (*y < 1970 || !ymd.ok() || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;
  sys_days days_since = ymd;
  auto total = milliseconds(days_since.time_since_epoch()) + hours(*h) + minutes(*mi) +
               seconds(std::min(*sec, 59)) + milliseconds(*frac) - minutes(*offset);
  return total.count();
}

}  // namespace latchkey::domain
