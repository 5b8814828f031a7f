#pragma once
// Browser origins and the host patterns that allow them: a namespace's whitelisted application
// domains (the CORS origins of its management API) and, later, keys' allowed referrers.
//
// A pattern is `[scheme://]host[:port]`, where host is a DNS name, an IPv4 address, a
// bracketed IPv6 address, or `*.` followed by a DNS name:
//   app.example.com          http or https, any port, exactly that host;
//   *.example.com            any host below example.com (not example.com itself; the domain
//                            needs two labels or more: `*.com` is refused);
//   https://app.example.com  https only;   app.example.com:8443  that port only.
// Hosts compare case-insensitively, and a trailing dot is ignored (`example.com.`).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::domain {

struct WebOrigin {
  std::string scheme;      // "http" or "https"
  std::string host;        // lowercase, no trailing dot; IPv6 in brackets
  std::uint16_t port = 0;  // explicit, or the scheme's default
};

// An Origin header value ("https://app.example.com:8443") or a referrer URL (its path, query
// and fragment are ignored). std::nullopt for anything else, including "null" and user info.
std::optional<WebOrigin> ParseWebOrigin(std::string_view text);

bool IsValidHostPattern(std::string_view pattern);

// False for a malformed pattern.
bool HostPatternMatches(std::string_view pattern, const WebOrigin& origin);

}  // namespace latchkey::domain
