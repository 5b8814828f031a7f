#include "domain/web_origin.h"

#include <algorithm>
#include <charconv>

namespace latchkey::domain {
namespace {

constexpr std::size_t kMaxHostLength = 253;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (label == 0 || host[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label > 0);
    if (!ok || ++label > 63) return false;
  }
  return label > 0 && host.back() != '-';
}

bool IsIpv6Literal(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  std::string_view inside = host.substr(1, host.size() - 2);
  return std::all_of(inside.begin(), inside.end(),
                     [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' ||
                              c == '.';
                     }) &&
         inside.find(':') != std::string_view::npos;
}

// `host` as compared: lowercase, without one trailing dot; empty when it is not a host.
std::string NormalizeHost(std::string_view host) {
  std::string h = Lower(host);
  if (h.size() > 1 && h.back() == '.' && h.front() != '[') h.pop_back();
  return IsDnsName(h) || IsIpv6Literal(h) ? h : std::string();
}

std::optional<std::uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 5 || ec != std::errc() || end != text.data() + text.size() ||
      value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "host[:port]" (host possibly a bracketed IPv6 address).
bool SplitHostPort(std::string_view authority, std::string_view& host,
                   std::optional<std::uint16_t>& port) {
  std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    port = ParsePort(authority.substr(colon + 1));
    if (!port) return false;
    host = authority.substr(0, colon);
  } else {
    host = authority;
  }
  return !host.empty();
}

struct Pattern {
  std::optional<std::string> scheme;
  bool wildcard = false;  // "*." + suffix
  std::string host;       // the suffix when wildcard
  std::optional<std::uint16_t> port;
};

std::optional<Pattern> ParsePattern(std::string_view text) {
  Pattern p;
  if (std::size_t sep = text.find("://"); sep != std::string_view::npos) {
    std::string scheme = Lower(text.substr(0, sep));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    p.scheme = scheme;
    text.remove_prefix(sep + 3);
  }
  std::string_view host;
  if (!SplitHostPort(text, host, p.port)) return std::nullopt;
  if (host.starts_with("*.")) {
    p.wildcard = true;
    host.remove_prefix(2);
  }
  p.host = NormalizeHost(host);
  if (p.host.empty() || (p.wildcard && p.host.front() == '[')) return std::nullopt;
  // `*.com` would allow most of the web: a wildcard needs a domain of two labels or more.
  if (p.wildcard && p.host.find('.') == std::string::npos) return std::nullopt;
  return p;
}

}  // namespace

std::optional<WebOrigin> ParseWebOrigin(std::string_view text) {
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  WebOrigin origin;
  origin.scheme = Lower(text.substr(0, sep));
  if (origin.scheme != "http" && origin.scheme != "https") return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host;
  std::optional<std::uint16_t> port;
  if (!SplitHostPort(authority, host, port)) return std::nullopt;
  origin.host = NormalizeHost(host);
  if (origin.host.empty()) return std::nullopt;
  origin.port = port.value_or(origin.scheme == "https" ? 443 : 80);
  return origin;
}

bool IsValidHostPattern(std::string_view pattern) { return ParsePattern(pattern).has_value(); }

bool HostPatternMatches(std::string_view pattern, const WebOrigin& origin) {
  auto p = ParsePattern(pattern);
  if (!p) return false;
  if (p->scheme && *p->scheme != origin.scheme) return false;
  if (p->port && *p->port != origin.port) return false;
  if (!p->wildcard) return p->host == origin.host;
  return origin.host.size() > p->host.size() + 1 && origin.host.ends_with(p->host) &&
         origin.host[origin.host.size() - p->host.size() - 1] == '.';
}

}  // namespace latchkey::domain
