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

bool IsEverything(std::string_view p) { return p == "*" || p == "All"; }

std::size_t SegmentCount(std::string_view p) {
  return static_cast<std::size_t>(std::count(p.begin(), p.end(), ':')) + 1;
}

// Drops entries granted by another entry (and duplicates), keeping the first of equals.
std::vector<std::string> Minimize(const std::vector<std::string>& list) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    bool redundant = false;
    for (std::size_t j = 0; j < list.size() && !redundant; ++j) {
      if (i == j || !Grants(list[j], list[i])) continue;
      // Equal sets grant each other: keep the first occurrence only.
      redundant = !Grants(list[i], list[j]) || j < i;
    }
    if (!redundant) out.push_back(IsEverything(list[i]) ? "*" : list[i]);
  }
  return out;
}

}  // namespace

bool Grants(std::string_view granted, std::string_view required) {
  if (IsEverything(granted)) return true;
  if (IsEverything(required)) return false;
  if (granted.ends_with('*')) {
    std::string_view prefix = granted.substr(0, granted.size() - 1);
    std::string_view r =
        required.ends_with('*') ? required.substr(0, required.size() - 1) : required;
    return r.starts_with(prefix);
  }
  if (granted == required) return true;
  if (SegmentCount(granted) != 2) return false;  // a target grants only itself
  // `resource:action` also grants every target of it, and every pattern within those.
  return required.size() > granted.size() && required.starts_with(granted) &&
         required[granted.size()] == ':';
}

bool AnyGrants(const std::vector<std::string>& granted, std::string_view required) {
  return std::any_of(granted.begin(), granted.end(),
                     [&](const std::string& g) { return Grants(g, required); });
}

std::vector<std::string> Intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b) {
  std::vector<std::string> both;
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (Grants(y, x)) {
        both.push_back(x);
      } else if (Grants(x, y)) {
        both.push_back(y);
      }
    }
  }
  return Minimize(both);
}

std::vector<std::string> Union(const std::vector<std::vector<std::string>>& lists) {
  std::vector<std::string> all;
  for (const auto& list : lists) all.insert(all.end(), list.begin(), list.end());
  return Minimize(all);
}

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
