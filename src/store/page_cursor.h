#pragma once
// PageCursor: the position a listing resumes from (store.h: Page::next_cursor,
// PageRequest::cursor). Listings are ordered by (created_at, id), so a cursor is the sort key of
// the last item returned; the next page starts strictly after it. The audit log is ordered by
// seq instead, and its cursor is the last seq returned. Backend-neutral, so every Store backend
// hands out the same opaque strings.
//
// Encoding: lower-case hex of "<created_at>:<id>" (created_at in decimal), or of "<seq>" (in
// decimal) for the audit log; the two never decode as each other. Opaque to callers and only
// [0-9a-f], so it is safe in a URL query without escaping.
// Thread-safety: pure functions.

#include <cstdint>
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

// The audit log's cursor: the seq of the last event returned. Never fails.
std::string EncodeSeqCursor(std::int64_t seq);

// Returns the seq, or kInvalidArgument "invalid cursor" for any string that EncodeSeqCursor could
// not have produced (odd length, non-hex, not a decimal number, over 512 chars).
Result<std::int64_t> DecodeSeqCursor(std::string_view text);

}  // namespace latchkey::store
