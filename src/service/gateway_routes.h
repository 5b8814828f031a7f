#pragma once
// Gateway route rules (DESIGN §6.2, issue 5): which requests of the API behind a gateway need
// what. A rule maps a method and a path pattern to the scopes, resource, data access and
// namespace a request needs; the first rule that matches wins, and a request no rule matches
// gets the configured default (deny unless configured otherwise).
//
// Path patterns are `/`-separated segments matched one to one: a literal segment, a named
// segment `{name}` (captures one non-empty segment), or a final `*` (any remaining segments,
// including none). `scopes`, `resource` and `namespace` may use `{name}` of their rule's
// pattern: `/workspaces/{workspace}/items` with `namespace = "{workspace}"`. Matching is on the
// decoded path without its query; `method` is an HTTP method or `*`.
//
// Precisely (the configuration's rules, checked by Build):
//   method    GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or `*`, any case in the
//             configuration; a request's method is compared byte for byte with the uppercase
//             form (HEAD does not match GET), and `*` matches every method.
//   path      starts with `/`; no empty segment and no trailing `/` (`/` alone is the root and
//             matches only the root); a literal segment holds no `{`, `}` or `*`; a `{name}`
//             has a name `[a-z_][a-z0-9_]*`, used at most once per pattern, and at most
//             kMaxNamedSegments of them; `*` only as the whole last segment.
//   templates `scopes`, `resource` and `namespace` may contain `{name}` for the names of their
//             rule's path; with every `{name}` filled, a scope must be a permission string
//             (domain/permission.h) and a resource a resource (domain/resource_pattern.h).
//   data      "read" or "write", or absent.
// Request paths are split on `/` and compared segment by segment, byte for byte (they arrive
// decoded). One trailing `/` is ignored (`/items/` matches `/items`); an empty segment (`//`)
// matches no literal and no `{name}`, only a `*` tail. A path not starting with `/` matches no
// rule.
//
// Pure, immutable and thread-safe once built; copies share the compiled rules.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/ip_range.h"
#include "domain/result.h"

namespace latchkey::service {

struct RouteRuleSpec {  // as written in the configuration (validated by GatewayRoutes::Build)
  std::string method = "*";
  std::string path;
  std::vector<std::string> scopes;
  std::optional<std::string> resource;
  std::optional<std::string> data;  // "read" | "write"
  std::optional<std::string> namespace_id;
  bool allow = true;  // false: a rule that refuses what it matches
};

struct RouteDecision {
  bool matched = false;  // false: the default applies
  bool allow = false;
  std::size_t rule = 0;             // index of the matching rule
  std::vector<std::string> scopes;  // with {name}s filled in
  std::optional<std::string> resource;
  std::optional<std::string> data;
  std::optional<std::string> namespace_id;
};

class GatewayRoutes {
 public:
  static constexpr std::size_t kMaxNamedSegments = 16;  // per path pattern

  // kInvalidArgument naming the offending rule ("gateway.route[2].path: …") on a bad pattern,
  // an unknown method, a {name} used but not captured, a malformed scope or resource template.
  // The status's field() is "gateway.route[<index>].<field>", <field> being method, path,
  // scopes, resource, data or namespace; the message starts with the same text.
  static Result<GatewayRoutes> Build(std::vector<RouteRuleSpec> rules, bool default_allow);

  // The decision for `method` and `path` (the path only; query stripped by the caller): that of
  // the first rule that matches, with its templates filled in from the path; no match gives
  // matched=false and allow=the default. Fails closed: when a captured segment makes a scope or
  // the resource malformed (e.g. a `:` or a space in a scope), the answer is matched=true,
  // allow=false for that rule, with scopes, resource, data and namespace left empty.
  // Matching does not allocate; filling in the decision does.
  RouteDecision Decide(std::string_view method, std::string_view path) const;

  std::size_t size() const { return rules_.size(); }

 private:
  struct Rule;
  std::vector<std::shared_ptr<const Rule>> rules_;
  bool default_allow_ = false;
};

}  // namespace latchkey::service
