#include "domain/resource_pattern.h"

#include <algorithm>
#include <cstddef>
#include <optional>

namespace latchkey::domain {
namespace {

constexpr std::string_view kSchemeSeparator = "://";
constexpr std::size_t kMaxQuotedLength = 64;

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsValidScheme(std::string_view scheme) {
  if (scheme.empty()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = LowerAscii(scheme[i]);
    bool ok = (c >= 'a' && c <= 'z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

bool SchemesEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

bool IsSegmentChar(char c) {
  return c > ' ' && c < '\x7f' && c != '/' && c != '*' && c != '?' && c != '#';
}

bool IsValidSegment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         std::all_of(segment.begin(), segment.end(), IsSegmentChar);
}

// One or more valid segments separated by single slashes.
bool IsValidPath(std::string_view path) {
  while (true) {
    std::size_t slash = path.find('/');
    if (!IsValidSegment(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

struct SchemeAndPath {
  std::string_view scheme;
  std::string_view path;  // after "://", not yet validated
};

std::optional<SchemeAndPath> SplitScheme(std::string_view text) {
  if (text.size() > kMaxResourceLength) return std::nullopt;
  std::size_t sep = text.find(kSchemeSeparator);
  if (sep == std::string_view::npos || !IsValidScheme(text.substr(0, sep))) return std::nullopt;
  return SchemeAndPath{text.substr(0, sep), text.substr(sep + kSchemeSeparator.size())};
}

std::optional<SchemeAndPath> ParseResource(std::string_view text) {
  auto parts = SplitScheme(text);
  if (!parts || !IsValidPath(parts->path)) return std::nullopt;
  return parts;
}

enum class PatternKind { kEverything, kWholeScheme, kPrefix, kExact };

struct Pattern {
  PatternKind kind = PatternKind::kEverything;
  std::string_view scheme;
  std::string_view path;  // kPrefix: the path before "/*"; kExact: the whole path
};

std::optional<Pattern> ParsePattern(std::string_view text) {
  if (text == "*") return Pattern{};
  auto parts = SplitScheme(text);
  if (!parts) return std::nullopt;
  if (parts->path == "*") return Pattern{PatternKind::kWholeScheme, parts->scheme, {}};
  if (parts->path.ends_with("/*")) {
    std::string_view prefix = parts->path.substr(0, parts->path.size() - 2);
    if (!IsValidPath(prefix)) return std::nullopt;
    return Pattern{PatternKind::kPrefix, parts->scheme, prefix};
  }
  if (!IsValidPath(parts->path)) return std::nullopt;
  return Pattern{PatternKind::kExact, parts->scheme, parts->path};
}

bool Matches(const Pattern& pattern, const SchemeAndPath& resource) {
  switch (pattern.kind) {
    case PatternKind::kEverything:
      return true;
    case PatternKind::kWholeScheme:
      return SchemesEqual(pattern.scheme, resource.scheme);
    case PatternKind::kPrefix:
      return SchemesEqual(pattern.scheme, resource.scheme) &&
             resource.path.size() > pattern.path.size() &&
             resource.path.starts_with(pattern.path) && resource.path[pattern.path.size()] == '/';
    case PatternKind::kExact:
      return SchemesEqual(pattern.scheme, resource.scheme) && resource.path == pattern.path;
  }
  return false;
}

// An entry as it may appear in an error message: cut short, and without bytes that are not
// printable ASCII (a cut could split a UTF-8 sequence; control bytes confuse logs).
std::string Quote(std::string_view entry) {
  std::string out(entry.substr(0, kMaxQuotedLength));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c < ' ' || c > '~'; }, '?');
  return "'" + out + (entry.size() > kMaxQuotedLength ? "...'" : "'");
}

}  // namespace

bool IsValidResource(std::string_view resource) { return ParseResource(resource).has_value(); }

bool IsValidResourcePattern(std::string_view pattern) { return ParsePattern(pattern).has_value(); }

bool ResourceMatches(std::string_view pattern, std::string_view resource) {
  auto r = ParseResource(resource);
  if (!r) return false;
  auto p = ParsePattern(pattern);
  return p && Matches(*p, *r);
}

bool AnyResourceMatches(const std::vector<std::string>& patterns, std::string_view resource) {
  auto r = ParseResource(resource);
  if (!r) return false;
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& text) {
    auto p = ParsePattern(text);
    return p && Matches(*p, *r);
  });
}

Result<std::vector<std::string>> NormalizeResourcePatterns(const std::vector<std::string>& patterns,
                                                           const std::string& field) {
  if (patterns.size() > kMaxResourcePatterns) {
    return InvalidField(
        field, field + " has more than " + std::to_string(kMaxResourcePatterns) + " entries");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string& entry = patterns[i];
    auto p = ParsePattern(entry);
    if (!p) {
      return InvalidField(field, field + "[" + std::to_string(i) + "]: " + Quote(entry) +
                                     " is not a resource pattern (scheme://path, "
                                     "scheme://path/*, scheme://* or *)");
    }
    std::string normalized = entry;
    std::transform(normalized.begin(),
                   normalized.begin() + static_cast<std::ptrdiff_t>(p->scheme.size()),
                   normalized.begin(), LowerAscii);
    if (std::find(out.begin(), out.end(), normalized) == out.end()) {
      out.push_back(std::move(normalized));
    }
  }
  return out;
}

}  // namespace latchkey::domain
