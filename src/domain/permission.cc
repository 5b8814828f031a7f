#include "domain/permission.h"

#include <algorithm>

namespace latchkey::domain {
namespace {

bool IsSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/';
}

// A segment is non-empty and made of segment characters; `*` may only end the last segment,
// as the whole segment or after a prefix (`raw:*`, `raw:read:db1/*`).
bool IsValidSegment(std::string_view seg, bool last) {
  if (seg.empty()) return false;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '*') {
      if (!last || i + 1 != seg.size()) return false;
    } else if (!IsSegmentChar(seg[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidPermission(std::string_view permission) {
  if (permission == "*" || permission == "All") return true;
  if (permission.empty() || permission.size() > kMaxPermissionLength) return false;
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = permission.find(':', start);
    segments.push_back(permission.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (segments.size() < 2 || segments.size() > 3) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!IsValidSegment(segments[i], i + 1 == segments.size())) return false;
  }
  return true;
}

Result<std::vector<std::string>> NormalizeScopes(const std::vector<std::string>& scopes,
                                                 const std::string& field) {
  if (scopes.size() > kMaxScopes) {
    return InvalidField(field, field + " has more than " + std::to_string(kMaxScopes) + " entries");
  }
  std::vector<std::string> out;
  for (const auto& scope : scopes) {
    if (!IsValidPermission(scope)) {
      return InvalidField(field, "'" + scope.substr(0, 64) +
                                     "' is not a permission string (resource:action[:target])");
    }
    std::string normalized = scope == "All" ? "*" : scope;
    if (std::find(out.begin(), out.end(), normalized) == out.end()) out.push_back(normalized);
  }
  return out;
}

}  // namespace latchkey::domain
