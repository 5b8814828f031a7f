// libFuzzer target for the access model's parsers and matchers (domain/permission.h,
// domain/web_origin.h). Input: up to three lines. Beyond "no crash", it checks the matcher's
// laws on whatever valid permissions the lines hold: Grants is reflexive and transitive, and
// everything in Intersect(a, b) is granted by both a and b.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "domain/permission.h"
#include "domain/web_origin.h"

using namespace latchkey::domain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  while (lines.size() < 3) {
    std::size_t nl = input.find('\n');
    lines.emplace_back(input.substr(0, nl));
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }

  // Origins and host patterns.
  for (const auto& line : lines) {
    auto origin = ParseWebOrigin(line);
    bool pattern = IsValidHostPattern(line);
    for (const auto& other : lines) {
      if (auto o = ParseWebOrigin(other); o && !pattern && HostPatternMatches(line, *o)) {
        std::abort();  // a malformed pattern never matches
      }
    }
    if (origin && origin->host.empty()) std::abort();
  }

  // Permissions.
  std::vector<std::string> valid;
  for (const auto& line : lines) {
    if (IsValidPermission(line)) valid.push_back(line);
  }
  for (const auto& a : valid) {
    if (!Grants(a, a)) std::abort();
    for (const auto& b : valid) {
      for (const auto& p : Intersect({a}, {b})) {
        if (!Grants(a, p) || !Grants(b, p)) std::abort();
      }
      for (const auto& c : valid) {
        if (Grants(a, b) && Grants(b, c) && !Grants(a, c)) std::abort();
      }
    }
  }
  (void)Union({valid, valid});
  return 0;
}
