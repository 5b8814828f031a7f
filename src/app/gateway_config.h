#pragma once
// The [gateway] section of the configuration file (docs/integrations/nginx.md):
//
//   [gateway]
//   default = "deny"                      # or "allow": requests no route matches
//   trusted_proxies = ["127.0.0.1/32"]    # peers whose X-Forwarded-For / X-Real-IP count
//   key_query_param = "api_key"           # optional: also take the key from this parameter
//
//   [[gateway.route]]
//   method = "GET"                        # or "*"
//   path = "/workspaces/{workspace}/items/*"
//   scopes = ["items:read"]
//   resource = "app://workspaces/{workspace}"
//   data = "read"
//   namespace = "{workspace}"
//   allow = true                          # false: refuse what the route matches
//
// Read with toml++ (the rest of the file is `serve` options, read by CLI11). Every mistake is
// a start-up error naming the setting ("gateway.route[2].path: …").

#include <string>

#include "domain/result.h"
#include "http/gateway_endpoint.h"

namespace latchkey::app {

// Options without a file: no routes, deny by default.
Result<http::GatewayOptions> LoadGatewayOptions(const std::string& config_path);

}  // namespace latchkey::app
