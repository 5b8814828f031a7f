#include "service/gateway_routes.h"

#include <algorithm>
#include <array>

#include "domain/permission.h"
#include "domain/resource_pattern.h"

namespace latchkey::service {
namespace {

constexpr std::size_t kMaxQuotedLength = 64;
constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "OPTIONS"};
// What a placeholder stands for while Build checks that a template can yield a valid value.
constexpr std::string_view kSampleCapture = "x";

using Captures = std::array<std::string_view, GatewayRoutes::kMaxNamedSegments>;

std::string Quoted(std::string_view text) {
  return "'" + std::string(text.substr(0, kMaxQuotedLength)) + "'";
}

// A literal piece of a template, or the value of capture `capture`.
struct TemplatePart {
  std::string literal;
  std::optional<std::size_t> capture;
};

// A compiled `scopes`/`resource`/`namespace` template. Without placeholders, `text` is the
// final value and `parts` is empty.
struct Template {
  std::string text;
  std::vector<TemplatePart> parts;

  bool HasPlaceholders() const { return !parts.empty(); }

  template <typename CaptureAt>
  std::string Render(const CaptureAt& capture_at) const {
    if (!HasPlaceholders()) return text;
    std::string out;
    out.reserve(text.size());
    for (const auto& part : parts) {
      if (part.capture) {
        out += capture_at(*part.capture);
      } else {
        out += part.literal;
      }
    }
    return out;
  }
};

struct Segment {
  std::string literal;                 // when not named
  std::optional<std::size_t> capture;  // a `{name}`: its index among the pattern's names
};

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsValidName(std::string_view name) {
  return !name.empty() && IsNameStart(name.front()) &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

char UpperAscii(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// The request path as segments: `body` is the path without its leading `/` and one trailing
// `/`; `count` its number of segments (0 for the root only).
struct RequestPath {
  std::string_view body;
  std::size_t count = 0;
};

std::optional<RequestPath> SplitRequestPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path.size() == 1) return RequestPath{};
  std::string_view body = path.substr(1);
  if (body.ends_with('/')) body.remove_suffix(1);
  auto slashes = static_cast<std::size_t>(std::count(body.begin(), body.end(), '/'));
  return RequestPath{body, slashes + 1};
}

// Builds the error of field `field` of rule `index`.
class RuleErrors {
 public:
  explicit RuleErrors(std::size_t index)
      : prefix_("gateway.route[" + std::to_string(index) + "].") {}

  Status Error(std::string_view field, std::string_view what) const {
    std::string name = prefix_ + std::string(field);
    return InvalidField(name, name + ": " + std::string(what));
  }

 private:
  std::string prefix_;
};

// A rule as Decide uses it (GatewayRoutes::Rule is this, named privately in the header).
struct CompiledRule {
  std::string method;             // uppercase, or "*"
  std::vector<Segment> segments;  // before the `*` tail, if any
  bool tail = false;
  std::vector<std::string> names;  // of the named segments, in order
  std::vector<Template> scopes;
  std::optional<Template> resource;
  std::optional<std::string> data;
  std::optional<Template> namespace_id;
  bool allow = true;
};

Result<std::string> CompileMethod(std::string_view method, const RuleErrors& errors) {
  std::string upper(method);
  std::transform(upper.begin(), upper.end(), upper.begin(), UpperAscii);
  if (upper == "*" || std::find(kMethods.begin(), kMethods.end(), upper) != kMethods.end()) {
    return upper;
  }
  return errors.Error("method",
                      Quoted(method) + " is not GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *");
}

// Adds one segment of a pattern (not the tail) to `rule`, or says what is wrong with it.
std::optional<std::string> CompileSegment(std::string_view segment, CompiledRule& rule) {
  if (segment.empty()) return "has an empty segment ('//')";
  if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}') {
    std::string_view name = segment.substr(1, segment.size() - 2);
    if (!IsValidName(name)) {
      return Quoted(segment) + " is not a valid named segment ({name}, name [a-z_][a-z0-9_]*)";
    }
    if (std::find(rule.names.begin(), rule.names.end(), name) != rule.names.end()) {
      return Quoted(segment) + " appears more than once";
    }
    if (rule.names.size() == GatewayRoutes::kMaxNamedSegments) {
      return "has more than " + std::to_string(GatewayRoutes::kMaxNamedSegments) +
             " named segments";
    }
    rule.segments.push_back({.literal = {}, .capture = rule.names.size()});
    rule.names.emplace_back(name);
    return std::nullopt;
  }
  if (segment.find('*') != std::string_view::npos) {
    return "'*' may only be the whole last segment, not in " + Quoted(segment);
  }
  if (segment.find_first_of("{}") != std::string_view::npos) {
    return "segment " + Quoted(segment) + " has '{' or '}' but is not a whole {name}";
  }
  rule.segments.push_back({.literal = std::string(segment), .capture = std::nullopt});
  return std::nullopt;
}

Status CompilePath(std::string_view path, const RuleErrors& errors, CompiledRule& rule) {
  if (path.empty() || path.front() != '/') {
    return errors.Error("path", Quoted(path) + " does not start with '/'");
  }
  if (path == "/") return Status::Ok();
  if (path.ends_with('/')) {
    return errors.Error("path", Quoted(path) + " ends with '/' (request paths match without it)");
  }
  std::string_view rest = path.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (slash == std::string_view::npos && segment == "*") {
      rule.tail = true;
      return Status::Ok();
    }
    if (auto what = CompileSegment(segment, rule)) {
      return errors.Error("path", Quoted(path) + ": " + *what);
    }
    if (slash == std::string_view::npos) return Status::Ok();
    rest.remove_prefix(slash + 1);
  }
}

// Splits `text` into literals and placeholders naming `names`, or says what is wrong.
Result<Template> CompileTemplate(std::string_view text, const std::vector<std::string>& names,
                                 std::string_view field, const RuleErrors& errors) {
  Template compiled{.text = std::string(text), .parts = {}};
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return errors.Error(field, Quoted(text) + " has a '}' without '{'");
    if (text[i] != '{') {
      literal += text[i];
      continue;
    }
    std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      return errors.Error(field, Quoted(text) + " has a '{' without '}'");
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      return errors.Error(field, Quoted(text) + " uses '{" +
                                     std::string(name.substr(0, kMaxQuotedLength)) +
                                     "}', which is not a named segment of the path");
    }
    if (!literal.empty()) {
      compiled.parts.push_back({.literal = std::move(literal), .capture = std::nullopt});
      literal.clear();
    }
    compiled.parts.push_back(
        {.literal = {}, .capture = static_cast<std::size_t>(found - names.begin())});
    i = close;
  }
  if (compiled.HasPlaceholders() && !literal.empty()) {
    compiled.parts.push_back({.literal = std::move(literal), .capture = std::nullopt});
  }
  return compiled;
}

// The value `t` gives when every placeholder holds kSampleCapture.
std::string RenderSample(const Template& t) {
  return t.Render([](std::size_t) { return kSampleCapture; });
}

Status CompileTemplates(const RouteRuleSpec& spec, const RuleErrors& errors, CompiledRule& rule) {
  for (const auto& scope : spec.scopes) {
    LK_ASSIGN_OR_RETURN(Template t, CompileTemplate(scope, rule.names, "scopes", errors));
    if (!domain::IsValidPermission(RenderSample(t))) {
      return errors.Error("scopes",
                          Quoted(scope) + " is not a permission string (resource:action[:target])");
    }
    rule.scopes.push_back(std::move(t));
  }
  if (spec.resource) {
    LK_ASSIGN_OR_RETURN(Template t,
                        CompileTemplate(*spec.resource, rule.names, "resource", errors));
    if (!domain::IsValidResource(RenderSample(t))) {
      return errors.Error("resource", Quoted(*spec.resource) +
                                          " is not a resource (scheme://segment[/segment...])");
    }
    rule.resource = std::move(t);
  }
  if (spec.namespace_id) {
    if (spec.namespace_id->empty()) return errors.Error("namespace", "is empty");
    LK_ASSIGN_OR_RETURN(Template t,
                        CompileTemplate(*spec.namespace_id, rule.names, "namespace", errors));
    rule.namespace_id = std::move(t);
  }
  return Status::Ok();
}

Status CompileRule(RouteRuleSpec spec, std::size_t index, CompiledRule& rule) {
  RuleErrors errors(index);
  LK_ASSIGN_OR_RETURN(rule.method, CompileMethod(spec.method, errors));
  LK_RETURN_IF_ERROR(CompilePath(spec.path, errors, rule));
  LK_RETURN_IF_ERROR(CompileTemplates(spec, errors, rule));
  if (spec.data && *spec.data != "read" && *spec.data != "write") {
    return errors.Error("data", Quoted(*spec.data) + " is not \"read\" or \"write\"");
  }
  rule.data = std::move(spec.data);
  rule.allow = spec.allow;
  return Status::Ok();
}

// True when `path` matches `rule`'s pattern; fills `captures` with its named segments.
bool Matches(const CompiledRule& rule, const RequestPath& path, Captures& captures) {
  if (rule.tail ? path.count < rule.segments.size() : path.count != rule.segments.size()) {
    return false;
  }
  std::string_view rest = path.body;
  for (const auto& segment : rule.segments) {
    std::size_t slash = rest.find('/');
    std::string_view value = rest.substr(0, slash);
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
    if (segment.capture) {
      if (value.empty()) return false;
      captures[*segment.capture] = value;
    } else if (value != segment.literal) {
      return false;
    }
  }
  return true;
}

// A decision without scopes, resource, data or namespace.
RouteDecision Bare(bool matched, bool allow, std::size_t rule) {
  RouteDecision decision;
  decision.matched = matched;
  decision.allow = allow;
  decision.rule = rule;
  return decision;
}

// The decision of matched rule `rule` (number `index`), failing closed on a bad substitution.
RouteDecision Resolve(const CompiledRule& rule, std::size_t index, const Captures& captures) {
  auto refused = [index] { return Bare(true, false, index); };
  auto capture_at = [&](std::size_t i) { return captures[i]; };
  RouteDecision decision = Bare(true, rule.allow, index);
  decision.scopes.reserve(rule.scopes.size());
  for (const auto& scope : rule.scopes) {
    std::string value = scope.Render(capture_at);
    if (scope.HasPlaceholders() && !domain::IsValidPermission(value)) return refused();
    decision.scopes.push_back(std::move(value));
  }
  if (rule.resource) {
    std::string value = rule.resource->Render(capture_at);
    if (rule.resource->HasPlaceholders() && !domain::IsValidResource(value)) return refused();
    decision.resource = std::move(value);
  }
  decision.data = rule.data;
  if (rule.namespace_id) decision.namespace_id = rule.namespace_id->Render(capture_at);
  return decision;
}

}  // namespace

struct GatewayRoutes::Rule : CompiledRule {};

Result<GatewayRoutes> GatewayRoutes::Build(std::vector<RouteRuleSpec> rules, bool default_allow) {
  GatewayRoutes routes;
  routes.default_allow_ = default_allow;
  routes.rules_.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto rule = std::make_shared<Rule>();
    LK_RETURN_IF_ERROR(CompileRule(std::move(rules[i]), i, *rule));
    routes.rules_.push_back(std::move(rule));
  }
  return routes;
}

RouteDecision GatewayRoutes::Decide(std::string_view method, std::string_view path) const {
  RouteDecision no_match = Bare(false, default_allow_, 0);
  std::optional<RequestPath> request_path = SplitRequestPath(path);
  if (!request_path) return no_match;
  Captures captures;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const CompiledRule& rule = *rules_[i];
    if (rule.method != "*" && rule.method != method) continue;
    if (Matches(rule, *request_path, captures)) return Resolve(rule, i, captures);
  }
  return no_match;
}

}  // namespace latchkey::service
