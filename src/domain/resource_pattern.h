#pragma once
// Resources and the patterns of a key's resource allow-list (DESIGN §1 workflow 3, §3
// `resources`). Pure functions over strings: no I/O, no state, safe from any thread; the
// matchers do not allocate.
//
// A resource is `scheme://segment[/segment...]`, e.g. `algo://demos/sentiment_analysis`:
//   scheme   `[a-z][a-z0-9+.-]*`, compared case-insensitively (`ALGO://x` is `algo://x`);
//   segments one or more, separated by single `/`; each is non-empty, made of printable ASCII
//            (0x21-0x7E) other than `/`, `*`, `?` and `#`, and is neither `.` nor `..`.
//            Segments compare byte for byte (case-sensitive); nothing is percent-decoded, so
//            `a%2Fb` is one segment and differs from `a%2fb`. Non-ASCII must be percent-encoded.
//   `algo://` (no segment), `algo://a//b` and a trailing slash (`algo://demos/`) are malformed,
//   not normalized: every resource has exactly one spelling apart from the scheme's case.
//   At most kMaxResourceLength (512) bytes in all.
//
// A pattern is one of:
//   `*`                    every valid resource, any scheme;
//   `scheme://*`           every resource of that scheme (`algo://*`);
//   `scheme://path/*`      every resource whose path starts with the segments of `path`, at any
//                          depth: `algo://demos/*` matches `algo://demos/a` and
//                          `algo://demos/a/b`, but not `algo://demos` nor `algo://demosX/a`;
//   `scheme://path`        exactly that resource.
// `*` is only ever a whole last segment (`algo://de*` and `algo://*/x` are malformed), and the
// same limits apply as to resources. A malformed pattern or resource never matches.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"

namespace latchkey::domain {

inline constexpr std::size_t kMaxResourceLength = 512;
inline constexpr std::size_t kMaxResourcePatterns = 100;

// True when `resource` is a well-formed resource (never a pattern: `*` is not a resource).
bool IsValidResource(std::string_view resource);

// True when `pattern` is a well-formed pattern.
bool IsValidResourcePattern(std::string_view pattern);

// True when `pattern` matches `resource`; false when either is malformed.
bool ResourceMatches(std::string_view pattern, std::string_view resource);

// True when some pattern of the list matches `resource`; an empty list matches nothing.
bool AnyResourceMatches(const std::vector<std::string>& patterns, std::string_view resource);

// Validates a key's resource allow-list and returns it normalized: schemes lowercased, exact
// duplicates (after that) removed, order kept. Entries covered by another (`algo://demos/x`
// beside `algo://*`) are kept on purpose: removing the wildcard later must leave them.
// kInvalidArgument naming `field` and the first bad entry, or when there are more than
// kMaxResourcePatterns entries. An empty list is returned as is.
Result<std::vector<std::string>> NormalizeResourcePatterns(const std::vector<std::string>& patterns,
                                                           const std::string& field);

}  // namespace latchkey::domain
