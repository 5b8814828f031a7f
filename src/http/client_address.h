#pragma once
// The address of the client behind a request: the peer, or — when the peer is one of the
// trusted proxies (`[gateway] trusted_proxies`) — the nearest address in X-Forwarded-For that is
// not itself a trusted proxy (the right-most such), else X-Real-IP, else the peer. Forwarding
// headers from any other peer are ignored: anyone can write them.
// Used for key IP restrictions at the gateway, audit events' source_ip and sign-in throttling.

#include <string>
#include <vector>

#include "domain/ip_range.h"
#include "http/message.h"

namespace latchkey::http {

std::string ClientAddress(const ApiRequest& request,
                          const std::vector<domain::IpRange>& trusted_proxies);

}  // namespace latchkey::http
