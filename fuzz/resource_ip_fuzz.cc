// libFuzzer target for the key restriction matchers (domain/resource_pattern.h,
// domain/ip_range.h). Input: up to three lines. Beyond "no crash", it checks their laws on the
// lines: a malformed pattern or resource never matches; a valid pattern matches itself when it
// is also a resource; normalizing a pattern keeps what it matches; an IP range's canonical
// text parses back to the same range, which contains its own network address; an address's
// text parses back to the same address.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ip_range.h"
#include "domain/resource_pattern.h"

using namespace latchkey::domain;

namespace {

void CheckResources(const std::vector<std::string>& lines) {
  for (const auto& pattern : lines) {
    bool valid_pattern = IsValidResourcePattern(pattern);
    if (valid_pattern && IsValidResource(pattern) && !ResourceMatches(pattern, pattern)) {
      std::abort();
    }
    auto normalized = NormalizeResourcePatterns({pattern}, "f");
    if (normalized.ok() != valid_pattern) std::abort();
    for (const auto& resource : lines) {
      bool matches = ResourceMatches(pattern, resource);
      if (matches && (!valid_pattern || !IsValidResource(resource))) std::abort();
      if (matches != AnyResourceMatches({pattern}, resource)) std::abort();
      if (normalized.ok() && ResourceMatches(normalized->front(), resource) != matches) {
        std::abort();
      }
    }
  }
  if (AnyResourceMatches({}, lines.front())) std::abort();
}

void CheckIpRanges(const std::vector<std::string>& lines) {
  std::vector<IpRange> ranges;
  for (const auto& line : lines) {
    if (auto address = IpAddress::Parse(line)) {
      if (IpAddress::Parse(address->ToString()) != address) std::abort();
      if (!IpRange::Parse(line) || !IpRange::Parse(line)->Contains(*address)) std::abort();
    }
    auto range = IpRange::Parse(line);
    if (NormalizeIpRanges({line}, "f").ok() != range.has_value()) std::abort();
    if (!range) continue;
    if (IpRange::Parse(range->ToString()) != range) std::abort();
    if (!range->Contains(range->network)) std::abort();
    ranges.push_back(*range);
  }
  for (const auto& line : lines) {
    auto address = IpAddress::Parse(line);
    if (!address) continue;
    bool any = false;
    for (const auto& range : ranges) any = any || range.Contains(*address);
    if (any != AnyRangeContains(ranges, *address)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  while (lines.size() < 3) {
    std::size_t nl = input.find('\n');
    lines.emplace_back(input.substr(0, nl));
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }
  CheckResources(lines);
  CheckIpRanges(lines);
  return 0;
}
