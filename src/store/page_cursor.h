#pragma once
// PageCursor: the position a listing resumes from (store.h: Page::next_cursor,
// PageRequest::cursor). Listings are ordered by (created_at, id), so a cursor is the sort key of
// the last item returned; the next page starts strictly after it. Backend-neutral, so every Store
// backend hands out the same opaque strings.
//
// Encoding: lower-case hex of "<created_at>:<id>" (created_at in decimal). Opaque to callers and
// only [0-9a-f], so it is safe in a URL query without escaping.
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "domain/model.h"
#include "domain/result.h"

namespace latchkey::store {

struct PageCursor {
  domain::UnixMillis created_at = 0;
  std::string id;
  bool operator==(const PageCursor&) const = default;
};

// Never fails.
std::string EncodePageCursor(const PageCursor& cursor);

// Returns the cursor, or kInvalidArgument "invalid cursor" for any string that EncodePageCursor
// could not have produced (odd length, non-hex, no ':', bad number, empty id, over 512 chars).
Result<PageCursor> DecodePageCursor(std::string_view text);

}  // namespace latchkey::store
