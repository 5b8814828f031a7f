#include "app/gateway_config.h"

#include <toml++/toml.h>

#include <set>

namespace latchkey::app {
namespace {

Status Bad(const std::string& field, const std::string& message) {
  return InvalidField(field, field + ": " + message);
}

// Checks that `table` has only `known` keys.
Status OnlyKnown(const toml::table& table, const std::string& where,
                 std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      return Bad(where + "." + std::string(key.str()), "unknown setting");
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> OptionalString(const toml::table& t, std::string_view key,
                                                  const std::string& where) {
  const toml::node* node = t.get(key);
  if (!node) return std::optional<std::string>();
  if (!node->is_string()) return Bad(where + "." + std::string(key), "must be a string");
  return std::optional<std::string>(node->value<std::string>().value());
}

Result<std::vector<std::string>> StringList(const toml::table& t, std::string_view key,
                                            const std::string& where) {
  std::vector<std::string> out;
  const toml::node* node = t.get(key);
  if (!node) return out;
  const toml::array* array = node->as_array();
  if (!array) return Bad(where + "." + std::string(key), "must be an array of strings");
  for (const auto& item : *array) {
    if (!item.is_string())
      return Bad(where + "." + std::string(key), "must be an array of strings");
    out.push_back(item.value<std::string>().value());
  }
  return out;
}

}  // namespace

Result<http::GatewayOptions> LoadGatewayOptions(const std::string& config_path) {
  http::GatewayOptions options;
  LK_ASSIGN_OR_RETURN(options.routes, service::GatewayRoutes::Build({}, false));
  if (config_path.empty()) return options;
  toml::table file;
  try {
    file = toml::parse_file(config_path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("cannot read " + config_path + ": " + std::string(e.description()));
  }
  const toml::table* gateway = file["gateway"].as_table();
  if (!gateway) {
    if (file.contains("gateway")) return Bad("gateway", "must be a table ([gateway])");
    return options;
  }
  LK_RETURN_IF_ERROR(
      OnlyKnown(*gateway, "gateway", {"default", "trusted_proxies", "key_query_param", "route"}));
  LK_ASSIGN_OR_RETURN(auto default_text, OptionalString(*gateway, "default", "gateway"));
  if (default_text && *default_text != "deny" && *default_text != "allow") {
    return Bad("gateway.default", "must be \"deny\" or \"allow\"");
  }
  bool default_allow = default_text && *default_text == "allow";
  LK_ASSIGN_OR_RETURN(auto proxies, StringList(*gateway, "trusted_proxies", "gateway"));
  for (const auto& text : proxies) {
    auto range = domain::IpRange::Parse(text);
    if (!range)
      return Bad("gateway.trusted_proxies", "'" + text + "' is not an address or CIDR range");
    options.trusted_proxies.push_back(*range);
  }
  LK_ASSIGN_OR_RETURN(auto param, OptionalString(*gateway, "key_query_param", "gateway"));
  options.key_query_param = param.value_or("");

  std::vector<service::RouteRuleSpec> specs;
  if (const toml::node* routes = gateway->get("route")) {
    const toml::array* array = routes->as_array();
    if (!array) return Bad("gateway.route", "must be an array of tables ([[gateway.route]])");
    for (std::size_t i = 0; i < array->size(); ++i) {
      std::string where = "gateway.route[" + std::to_string(i) + "]";
      const toml::table* t = (*array)[i].as_table();
      if (!t) return Bad(where, "must be a table");
      LK_RETURN_IF_ERROR(OnlyKnown(
          *t, where, {"method", "path", "scopes", "resource", "data", "namespace", "allow"}));
      service::RouteRuleSpec spec;
      LK_ASSIGN_OR_RETURN(auto method, OptionalString(*t, "method", where));
      spec.method = method.value_or("*");
      LK_ASSIGN_OR_RETURN(auto path, OptionalString(*t, "path", where));
      if (!path) return Bad(where + ".path", "is required");
      spec.path = *path;
      LK_ASSIGN_OR_RETURN(spec.scopes, StringList(*t, "scopes", where));
      LK_ASSIGN_OR_RETURN(spec.resource, OptionalString(*t, "resource", where));
      LK_ASSIGN_OR_RETURN(spec.data, OptionalString(*t, "data", where));
      LK_ASSIGN_OR_RETURN(spec.namespace_id, OptionalString(*t, "namespace", where));
      if (const toml::node* allow = t->get("allow")) {
        if (!allow->is_boolean()) return Bad(where + ".allow", "must be true or false");
        spec.allow = allow->value<bool>().value();
      }
      specs.push_back(std::move(spec));
    }
  }
  LK_ASSIGN_OR_RETURN(options.routes,
                      service::GatewayRoutes::Build(std::move(specs), default_allow));
  return options;
}

}  // namespace latchkey::app
