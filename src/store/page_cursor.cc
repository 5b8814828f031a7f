#include "store/page_cursor.h"

#include <charconv>
#include <optional>

namespace latchkey::store {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::size_t kMaxCursorChars = 512;

std::optional<int> HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return std::nullopt;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    std::optional<int> hi = HexValue(hex[i]);
    std::optional<int> lo = HexValue(hex[i + 1]);
    if (!hi || !lo) return std::nullopt;
    out.push_back(static_cast<char>(*hi * 16 + *lo));
  }
  return out;
}

std::string HexEncode(std::string_view plain) {
  std::string out;
  out.reserve(plain.size() * 2);
  for (unsigned char c : plain) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 0xf]);
  }
  return out;
}

// The decoded text of a cursor, or std::nullopt when `text` is not a cursor's hex at all.
std::optional<std::string> CursorPlainText(std::string_view text) {
  if (text.empty() || text.size() > kMaxCursorChars) return std::nullopt;
  return HexDecode(text);
}

Status InvalidCursor() { return InvalidArgument("invalid cursor"); }

}  // namespace

std::string EncodePageCursor(const PageCursor& cursor) {
  return HexEncode(std::to_string(cursor.created_at) + ":" + cursor.id);
}

Result<PageCursor> DecodePageCursor(std::string_view text) {
  std::optional<std::string> plain = CursorPlainText(text);
  if (!plain) return InvalidCursor();
  std::size_t colon = plain->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == plain->size()) {
    return InvalidCursor();
  }
  PageCursor cursor;
  const char* first = plain->data();
  const char* last = first + colon;
  auto [end, ec] = std::from_chars(first, last, cursor.created_at);
  if (ec != std::errc() || end != last) return InvalidCursor();
  cursor.id = plain->substr(colon + 1);
  return cursor;
}

std::string EncodeSeqCursor(std::int64_t seq) { return HexEncode(std::to_string(seq)); }

Result<std::int64_t> DecodeSeqCursor(std::string_view text) {
  std::optional<std::string> plain = CursorPlainText(text);
  if (!plain) return InvalidCursor();
  std::int64_t seq = 0;
  const char* first = plain->data();
  const char* last = first + plain->size();
  auto [end, ec] = std::from_chars(first, last, seq);
  if (ec != std::errc() || end != last) return InvalidCursor();
  return seq;
}

}  // namespace latchkey::store
