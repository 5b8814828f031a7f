#include "http/client_address.h"

namespace latchkey::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string ClientAddress(const ApiRequest& request,
                          const std::vector<domain::IpRange>& trusted_proxies) {
  std::string peer(request.remote_address);
  if (trusted_proxies.empty()) return peer;
  auto peer_ip = domain::IpAddress::Parse(peer);
  if (!peer_ip || !domain::AnyRangeContains(trusted_proxies, *peer_ip)) return peer;
  std::string_view forwarded = request.Header("X-Forwarded-For");
  while (!forwarded.empty()) {
    std::size_t comma = forwarded.rfind(',');
    std::string_view hop =
        Trim(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1));
    forwarded = comma == std::string_view::npos ? std::string_view() : forwarded.substr(0, comma);
    auto ip = domain::IpAddress::Parse(hop);
    if (!ip) break;  // garbage: trust nothing further left
    if (!domain::AnyRangeContains(trusted_proxies, *ip)) return std::string(hop);
  }
  std::string_view real_ip = Trim(request.Header("X-Real-IP"));
  if (!real_ip.empty() && domain::IpAddress::Parse(real_ip)) return std::string(real_ip);
  return peer;
}

}  // namespace latchkey::http
