#pragma once
// GatewayEndpoint: /v1/gateway/check (DESIGN §6.2, docs/integrations/): answers an nginx
// `auth_request` subrequest or an Envoy `ext_authz` HTTP-service call about the ORIGINAL
// request — its key (Authorization Bearer/Key/Basic, X-API-Key, optionally a query parameter),
// its method and path (X-Original-Method / X-Original-URI from nginx, else the request line
// below the endpoint's prefix, as Envoy sends it), its browser origin (Origin, Referer) and its
// client address (X-Forwarded-For / X-Real-IP, believed only from a trusted proxy).
//
// The route rules (service/gateway_routes.h) say what the request needs. Answers:
//   200 allowed, with X-Latchkey-Key-Id, -Owner, -Namespace, -Scopes (effective, comma-joined);
//   401 no key or an invalid one (WWW-Authenticate; X-Latchkey-Code says why);
//   403 a valid key that may not do this, or a route that refuses (X-Latchkey-Code);
//   429 rate limited (Retry-After, X-Latchkey-Code: RATE_LIMITED);
//   204 a CORS preflight of a request some route allows (X-Latchkey-Code: PREFLIGHT).
// Answers to a call with an Origin carry Access-Control-Allow-Origin when the presented key
// allows that origin, and Vary: Origin.
// Answers carry no body (X-Latchkey-Code says it all), so that nginx keeps its upstream
// connections to latchkey alive. Fails closed: any internal error is a 500, which nginx and
// Envoy turn into a refusal.
// Runs on the I/O threads from the index alone, like verify. Thread-safe.

#include <string>
#include <vector>

#include "domain/ip_range.h"
#include "http/message.h"
#include "service/gateway_routes.h"
#include "service/verifier.h"

namespace latchkey::http {

inline constexpr std::string_view kGatewayPath = "/v1/gateway/check";

struct GatewayOptions {
  service::GatewayRoutes routes;                 // no rules: every request gets the default
  std::vector<domain::IpRange> trusted_proxies;  // peers whose forwarding headers are believed
  std::string key_query_param;                   // empty: keys are never taken from the URL
};

class GatewayEndpoint {
 public:
  GatewayEndpoint(const service::Verifier& verifier, GatewayOptions options)
      : verifier_(verifier), options_(std::move(options)) {}

  ApiResponse Handle(const ApiRequest& request) const;

 private:
  ApiResponse Check(const ApiRequest& request) const;
  ApiResponse Preflight(const ApiRequest& request, std::string_view origin,
                        std::string_view method) const;

  const service::Verifier& verifier_;
  GatewayOptions options_;
};

}  // namespace latchkey::http
