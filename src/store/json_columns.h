#pragma once
// JSON encodings of the structured fields that a Store keeps in one column each (string lists,
// namespace settings, key origins, rate limit and quota). Backend-neutral: SQLite stores the text
// as TEXT, PostgreSQL can store the same text as jsonb. Encoded with Boost.JSON.
//
// Formats (stable; changing one needs a migration):
//   string list     ["a", "b"]
//   settings        {"app_domains": [...], "default_key_prefix": "lk", "default_resources": [...]}
//                   (default_resources may be absent: rows written before it existed)
//   origins         {"native": true, "browser": false, "referrers": [...]}
//   rate limit      {"limit": n, "window_ms": n}
//   quota           {"remaining": n, "refill_interval": "daily" | null, "refill_amount": n,
//                    "refilled_at": n | null, "set_at": n} (refilled_at and set_at may be absent:
//                    rows written before them; an absent set_at is 0)
// The quota format is flat rather than the API's nested "refill" object so that every field of
// domain::Quota round-trips exactly.
//
// Encode* never fail. Decode* return the value, or kInvalidArgument naming what is wrong when the
// text is not valid JSON or not of the expected shape; unknown object members are ignored so that
// an older binary can read a row written by a newer one. Strings are arbitrary bytes: invalid
// UTF-8 is tolerated in both directions. Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "domain/result.h"

namespace latchkey::store {

std::string EncodeStringList(const std::vector<std::string>& list);
Result<std::vector<std::string>> DecodeStringList(std::string_view json);

std::string EncodeNamespaceSettings(const domain::NamespaceSettings& settings);
Result<domain::NamespaceSettings> DecodeNamespaceSettings(std::string_view json);

std::string EncodeOrigins(const domain::Origins& origins);
Result<domain::Origins> DecodeOrigins(std::string_view json);

std::string EncodeRateLimit(const domain::RateLimit& rate_limit);
Result<domain::RateLimit> DecodeRateLimit(std::string_view json);

std::string EncodeQuota(const domain::Quota& quota);
Result<domain::Quota> DecodeQuota(std::string_view json);

}  // namespace latchkey::store
