#include "service/gateway_routes.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::service {
namespace {

using Strings = std::vector<std::string>;

RouteRuleSpec Route(std::string method, std::string path) {
  RouteRuleSpec spec;
  spec.method = std::move(method);
  spec.path = std::move(path);
  return spec;
}

GatewayRoutes MustBuild(std::vector<RouteRuleSpec> rules, bool default_allow = false) {
  auto routes = GatewayRoutes::Build(std::move(rules), default_allow);
  EXPECT_TRUE(routes.ok()) << routes.status().message();
  return routes.ok() ? std::move(routes).value() : GatewayRoutes();
}

// The rule index `path` matches under `method`, or -1 when none does.
int MatchedRule(const GatewayRoutes& routes, std::string_view method, std::string_view path) {
  RouteDecision d = routes.Decide(method, path);
  return d.matched ? static_cast<int>(d.rule) : -1;
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

bool Matches(std::string pattern, std::string_view path, std::string_view method = "GET") {
  GatewayRoutes routes = MustBuild({Route("*", std::move(pattern))});
  return MatchedRule(routes, method, path) == 0;
}

// --- methods ---------------------------------------------------------------------------------

TEST(GatewayRoutes, MatchesEachMethodExactly) {
  const Strings methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const auto& method : methods) {
    GatewayRoutes routes = MustBuild({Route(method, "/items")});
    for (const auto& request : methods) {
      EXPECT_EQ(MatchedRule(routes, request, "/items") == 0, request == method)
          << method << " vs " << request;
    }
  }
}

TEST(GatewayRoutes, ConfiguredMethodIsCaseInsensitiveAndStoredUppercase) {
  GatewayRoutes routes = MustBuild({Route("get", "/a"), Route("Patch", "/b")});
  EXPECT_EQ(MatchedRule(routes, "GET", "/a"), 0);
  EXPECT_EQ(MatchedRule(routes, "PATCH", "/b"), 1);
}

TEST(GatewayRoutes, RequestMethodIsComparedExactly) {
  GatewayRoutes routes = MustBuild({Route("GET", "/a")});
  EXPECT_EQ(MatchedRule(routes, "get", "/a"), -1);
  EXPECT_EQ(MatchedRule(routes, "HEAD", "/a"), -1);  // HEAD does not ride on GET
  EXPECT_EQ(MatchedRule(routes, "GETX", "/a"), -1);
  EXPECT_EQ(MatchedRule(routes, "", "/a"), -1);
}

TEST(GatewayRoutes, StarMethodMatchesEveryMethod) {
  GatewayRoutes routes = MustBuild({Route("*", "/a")});
  for (const char* method : {"GET", "HEAD", "POST", "DELETE", "OPTIONS", "BREW", "get", ""}) {
    EXPECT_EQ(MatchedRule(routes, method, "/a"), 0) << method;
  }
}

TEST(GatewayRoutes, DefaultMethodIsStar) {
  RouteRuleSpec spec;
  spec.path = "/a";
  GatewayRoutes routes = MustBuild({spec});
  EXPECT_EQ(MatchedRule(routes, "DELETE", "/a"), 0);
}

// --- path patterns ---------------------------------------------------------------------------

TEST(GatewayRoutes, LiteralSegmentsMatchByteForByte) {
  EXPECT_TRUE(Matches("/v1/items", "/v1/items"));
  EXPECT_FALSE(Matches("/v1/items", "/v1/Items"));
  EXPECT_FALSE(Matches("/v1/items", "/v1/item"));
  EXPECT_FALSE(Matches("/v1/items", "/v1/itemsx"));
  EXPECT_FALSE(Matches("/v1/items", "/v1"));
  EXPECT_FALSE(Matches("/v1/items", "/v1/items/x"));
  EXPECT_FALSE(Matches("/v1/items", "/v2/items"));
  EXPECT_TRUE(Matches("/caf\xc3\xa9/a b/x%2Fy", "/caf\xc3\xa9/a b/x%2Fy"));
  EXPECT_FALSE(Matches("/x%2Fy", "/x/y"));  // the path arrives decoded: no second decoding
}

TEST(GatewayRoutes, RootMatchesOnlyTheRoot) {
  EXPECT_TRUE(Matches("/", "/"));
  EXPECT_FALSE(Matches("/", "//"));
  EXPECT_FALSE(Matches("/", "/a"));
  EXPECT_FALSE(Matches("/", ""));
}

TEST(GatewayRoutes, OneTrailingSlashIsIgnored) {
  EXPECT_TRUE(Matches("/items", "/items/"));
  EXPECT_TRUE(Matches("/items/{id}", "/items/7/"));
  EXPECT_FALSE(Matches("/items", "/items//"));
  EXPECT_FALSE(Matches("/items/{id}", "/items/"));
  EXPECT_FALSE(Matches("/items/{id}", "/items//"));
}

TEST(GatewayRoutes, EmptySegmentsNeverMatchNamedOrLiteralSegments) {
  EXPECT_FALSE(Matches("/a/{x}/b", "/a//b"));
  EXPECT_FALSE(Matches("/{x}", "//"));
  EXPECT_FALSE(Matches("/a/b", "/a//b"));
  EXPECT_FALSE(Matches("/a/b", "//a/b"));
  EXPECT_FALSE(Matches("/{x}/{y}", "//b"));
}

TEST(GatewayRoutes, NamedSegmentCapturesOneNonEmptySegment) {
  EXPECT_TRUE(Matches("/items/{id}", "/items/42"));
  EXPECT_TRUE(Matches("/items/{id}/parts", "/items/42/parts"));
  EXPECT_FALSE(Matches("/items/{id}", "/items"));
  EXPECT_FALSE(Matches("/items/{id}", "/items/42/parts"));
  EXPECT_FALSE(Matches("/items/{id}/parts", "/items/42/other"));
}

TEST(GatewayRoutes, StarTailMatchesAnyRemainingSegmentsIncludingNone) {
  for (const char* path :
       {"/files", "/files/", "/files/a", "/files/a/b/c", "/files//x", "/files/a/"}) {
    EXPECT_TRUE(Matches("/files/*", path)) << path;
  }
  for (const char* path : {"/", "/filesx", "/filesx/a", "/other/files", "/Files/a"}) {
    EXPECT_FALSE(Matches("/files/*", path)) << path;
  }
  EXPECT_TRUE(Matches("/users/{user}/*", "/users/u1"));
  EXPECT_TRUE(Matches("/users/{user}/*", "/users/u1/keys/k1"));
  EXPECT_FALSE(Matches("/users/{user}/*", "/users"));
  EXPECT_FALSE(Matches("/users/{user}/*", "/users//keys"));
}

TEST(GatewayRoutes, RootStarMatchesEveryPath) {
  for (const char* path : {"/", "//", "/a", "/a/b/c/", "/a//b"}) {
    EXPECT_TRUE(Matches("/*", path)) << path;
  }
}

TEST(GatewayRoutes, PathsNotStartingWithSlashMatchNoRule) {
  GatewayRoutes routes = MustBuild({Route("*", "/*")}, /*default_allow=*/true);
  for (const char* path : {"", "*", "items", "http://x/items"}) {
    RouteDecision d = routes.Decide("GET", path);
    EXPECT_FALSE(d.matched) << path;
    EXPECT_TRUE(d.allow) << path;  // the default applies
  }
}

// --- ordering and defaults ---------------------------------------------------------------

TEST(GatewayRoutes, FirstMatchWins) {
  RouteRuleSpec deny_admin = Route("*", "/api/admin/*");
  deny_admin.allow = false;
  RouteRuleSpec read = Route("GET", "/api/*");
  read.scopes = {"api:read"};
  RouteRuleSpec write = Route("*", "/api/*");
  write.scopes = {"api:write"};
  GatewayRoutes routes = MustBuild({deny_admin, read, write});

  RouteDecision admin = routes.Decide("GET", "/api/admin/users");
  EXPECT_TRUE(admin.matched);
  EXPECT_FALSE(admin.allow);
  EXPECT_EQ(admin.rule, 0u);

  RouteDecision get = routes.Decide("GET", "/api/things");
  EXPECT_EQ(get.rule, 1u);
  EXPECT_TRUE(get.allow);
  EXPECT_EQ(get.scopes, Strings{"api:read"});

  RouteDecision post = routes.Decide("POST", "/api/things");
  EXPECT_EQ(post.rule, 2u);
  EXPECT_EQ(post.scopes, Strings{"api:write"});

  // Reversed, the broad rule shadows the others.
  GatewayRoutes reversed = MustBuild({write, read, deny_admin});
  EXPECT_EQ(reversed.Decide("GET", "/api/admin/users").rule, 0u);
  EXPECT_TRUE(reversed.Decide("GET", "/api/admin/users").allow);
  EXPECT_EQ(reversed.Decide("GET", "/api/things").rule, 0u);
}

TEST(GatewayRoutes, LiteralBeforeNamedWinsOnlyWhenFirst) {
  GatewayRoutes routes = MustBuild({Route("*", "/items/new"), Route("*", "/items/{id}")});
  EXPECT_EQ(MatchedRule(routes, "GET", "/items/new"), 0);
  EXPECT_EQ(MatchedRule(routes, "GET", "/items/7"), 1);
  GatewayRoutes swapped = MustBuild({Route("*", "/items/{id}"), Route("*", "/items/new")});
  EXPECT_EQ(MatchedRule(swapped, "GET", "/items/new"), 0);
}

TEST(GatewayRoutes, NoMatchGivesTheDefault) {
  GatewayRoutes deny = MustBuild({Route("GET", "/a")}, /*default_allow=*/false);
  RouteDecision d = deny.Decide("GET", "/b");
  EXPECT_FALSE(d.matched);
  EXPECT_FALSE(d.allow);
  EXPECT_TRUE(d.scopes.empty());
  EXPECT_FALSE(d.resource || d.data || d.namespace_id);

  GatewayRoutes allow = MustBuild({Route("GET", "/a")}, /*default_allow=*/true);
  EXPECT_FALSE(allow.Decide("POST", "/a").matched);
  EXPECT_TRUE(allow.Decide("POST", "/a").allow);
}

TEST(GatewayRoutes, NoRulesAlwaysGivesTheDefault) {
  GatewayRoutes none = MustBuild({}, /*default_allow=*/false);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_FALSE(none.Decide("GET", "/").allow);
  EXPECT_TRUE(MustBuild({}, true).Decide("GET", "/").allow);

  GatewayRoutes default_constructed;  // as in GatewayOptions: deny everything
  EXPECT_FALSE(default_constructed.Decide("GET", "/").matched);
  EXPECT_FALSE(default_constructed.Decide("GET", "/").allow);
}

TEST(GatewayRoutes, RefusingRuleRefusesWhatItMatches) {
  RouteRuleSpec refuse = Route("DELETE", "/*");
  refuse.allow = false;
  GatewayRoutes routes = MustBuild({refuse, Route("*", "/*")}, /*default_allow=*/true);
  RouteDecision d = routes.Decide("DELETE", "/x");
  EXPECT_TRUE(d.matched);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, 0u);
  EXPECT_TRUE(routes.Decide("GET", "/x").allow);
}

// --- decisions and templates -------------------------------------------------------------

TEST(GatewayRoutes, DecisionCarriesTheRuleAsWritten) {
  RouteRuleSpec spec = Route("POST", "/tables/t1/rows");
  spec.scopes = {"raw:write:db1/t1", "All"};
  spec.resource = "raw://db1/t1";
  spec.data = "write";
  spec.namespace_id = "ns_project";
  GatewayRoutes routes = MustBuild({Route("GET", "/other"), spec});
  EXPECT_EQ(routes.size(), 2u);
  RouteDecision d = routes.Decide("POST", "/tables/t1/rows");
  EXPECT_TRUE(d.matched);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, 1u);
  EXPECT_EQ(d.scopes, (Strings{"raw:write:db1/t1", "All"}));
  EXPECT_EQ(d.resource, "raw://db1/t1");
  EXPECT_EQ(d.data, "write");
  EXPECT_EQ(d.namespace_id, "ns_project");
}

TEST(GatewayRoutes, AbsentFieldsStayAbsent) {
  GatewayRoutes routes = MustBuild({Route("GET", "/a")});
  RouteDecision d = routes.Decide("GET", "/a");
  EXPECT_TRUE(d.allow);
  EXPECT_TRUE(d.scopes.empty());
  EXPECT_FALSE(d.resource.has_value());
  EXPECT_FALSE(d.data.has_value());
  EXPECT_FALSE(d.namespace_id.has_value());
}

TEST(GatewayRoutes, DataIsReadOrWrite) {
  RouteRuleSpec read = Route("GET", "/r");
  read.data = "read";
  RouteRuleSpec write = Route("POST", "/w");
  write.data = "write";
  GatewayRoutes routes = MustBuild({read, write});
  EXPECT_EQ(routes.Decide("GET", "/r").data, "read");
  EXPECT_EQ(routes.Decide("POST", "/w").data, "write");
}

TEST(GatewayRoutes, NamedSegmentsFillEveryTemplate) {
  RouteRuleSpec spec = Route("GET", "/workspaces/{workspace}/tables/{table}/*");
  spec.scopes = {"raw:read:{table}", "ws_{workspace}:read", "raw:read:{workspace}/{table}"};
  spec.resource = "table://{workspace}/{table}";
  spec.namespace_id = "{workspace}";
  GatewayRoutes routes = MustBuild({spec});
  RouteDecision d = routes.Decide("GET", "/workspaces/acme/tables/t-1.csv/rows/9");
  ASSERT_TRUE(d.matched);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.scopes, (Strings{"raw:read:t-1.csv", "ws_acme:read", "raw:read:acme/t-1.csv"}));
  EXPECT_EQ(d.resource, "table://acme/t-1.csv");
  EXPECT_EQ(d.namespace_id, "acme");
}

TEST(GatewayRoutes, PlaceholderMayRepeatAndSitAmidText) {
  RouteRuleSpec spec = Route("GET", "/orgs/{org}/apps/{app}");
  spec.scopes = {"{app}:{app}:{org}-{app}"};
  spec.resource = "app://{org}/{app}/{org}";
  spec.namespace_id = "ns_{org}_{app}!";
  GatewayRoutes routes = MustBuild({spec});
  RouteDecision d = routes.Decide("GET", "/orgs/o1/apps/a2");
  ASSERT_TRUE(d.allow);
  EXPECT_EQ(d.scopes, Strings{"a2:a2:o1-a2"});
  EXPECT_EQ(d.resource, "app://o1/a2/o1");
  EXPECT_EQ(d.namespace_id, "ns_o1_a2!");
}

TEST(GatewayRoutes, CapturesComeFromTheMatchingRequestOnly) {
  RouteRuleSpec spec = Route("GET", "/items/{id}");
  spec.scopes = {"items:read:{id}"};
  GatewayRoutes routes = MustBuild({spec});
  EXPECT_EQ(routes.Decide("GET", "/items/one").scopes, Strings{"items:read:one"});
  EXPECT_EQ(routes.Decide("GET", "/items/two/").scopes, Strings{"items:read:two"});
}

TEST(GatewayRoutes, CapturesOfAnEarlierNearMissDoNotLeak) {
  RouteRuleSpec first = Route("GET", "/{a}/x");
  first.scopes = {"first:{a}"};
  RouteRuleSpec second = Route("GET", "/{b}/y");
  second.scopes = {"second:{b}"};
  GatewayRoutes routes = MustBuild({first, second});
  RouteDecision d = routes.Decide("GET", "/val/y");
  EXPECT_EQ(d.rule, 1u);
  EXPECT_EQ(d.scopes, Strings{"second:val"});
}

TEST(GatewayRoutes, ScopeMadeMalformedByACaptureFailsClosed) {
  RouteRuleSpec spec = Route("GET", "/tables/{table}");
  spec.scopes = {"raw:read", "raw:read:{table}"};
  spec.resource = "table://{table}";
  spec.data = "read";
  spec.namespace_id = "ns_1";
  GatewayRoutes routes = MustBuild({spec, Route("*", "/*")}, /*default_allow=*/true);
  for (const char* path : {"/tables/a:b", "/tables/a b", "/tables/a*b", "/tables/%", "/tables/\x01",
                           "/tables/caf\xc3\xa9"}) {
    RouteDecision d = routes.Decide("GET", path);
    EXPECT_TRUE(d.matched) << path;
    EXPECT_FALSE(d.allow) << path;
    EXPECT_EQ(d.rule, 0u) << path;  // the later catch-all does not take over
    EXPECT_TRUE(d.scopes.empty()) << path;
    EXPECT_FALSE(d.resource || d.data || d.namespace_id) << path;
  }
  EXPECT_TRUE(routes.Decide("GET", "/tables/t1").allow);
}

TEST(GatewayRoutes, CaptureThatNarrowsNothingIsKept) {
  // A trailing `*` in a required scope asks for more, never less: it stays a valid scope.
  RouteRuleSpec spec = Route("GET", "/tables/{table}");
  spec.scopes = {"raw:read:{table}"};
  GatewayRoutes routes = MustBuild({spec});
  RouteDecision d = routes.Decide("GET", "/tables/t*");
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.scopes, Strings{"raw:read:t*"});
}

TEST(GatewayRoutes, ResourceMadeMalformedByACaptureFailsClosed) {
  RouteRuleSpec spec = Route("GET", "/algos/{owner}/{algo}");
  spec.resource = "algo://{owner}/{algo}";
  GatewayRoutes routes = MustBuild({spec}, /*default_allow=*/true);
  for (const char* path : {"/algos/demos/..", "/algos/./x", "/algos/demos/a*", "/algos/demos/a?b",
                           "/algos/demos/a#b", "/algos/demos/a b", "/algos/demos/caf\xc3\xa9"}) {
    RouteDecision d = routes.Decide("GET", path);
    EXPECT_TRUE(d.matched) << path;
    EXPECT_FALSE(d.allow) << path;
    EXPECT_FALSE(d.resource.has_value()) << path;
  }
  RouteDecision ok = routes.Decide("GET", "/algos/demos/sentiment_analysis");
  EXPECT_TRUE(ok.allow);
  EXPECT_EQ(ok.resource, "algo://demos/sentiment_analysis");
}

TEST(GatewayRoutes, ResourceTooLongAfterSubstitutionFailsClosed) {
  RouteRuleSpec spec = Route("GET", "/a/{x}");
  spec.resource = "algo://{x}";
  GatewayRoutes routes = MustBuild({spec});
  EXPECT_FALSE(routes.Decide("GET", "/a/" + std::string(600, 'y')).allow);
  EXPECT_TRUE(routes.Decide("GET", "/a/" + std::string(100, 'y')).allow);
}

TEST(GatewayRoutes, NamespaceTakesTheCaptureAsIs) {
  RouteRuleSpec spec = Route("GET", "/ns/{ns}");
  spec.namespace_id = "{ns}";
  GatewayRoutes routes = MustBuild({spec});
  RouteDecision d = routes.Decide("GET", "/ns/a:b c");
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.namespace_id, "a:b c");  // compared with the key's namespace, never parsed
}

TEST(GatewayRoutes, CopiesShareTheRules) {
  RouteRuleSpec spec = Route("GET", "/items/{id}");
  spec.scopes = {"items:read:{id}"};
  std::optional<GatewayRoutes> original = MustBuild({spec});
  GatewayRoutes copy = *original;
  original.reset();  // the copy keeps the rules alive
  EXPECT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy.Decide("GET", "/items/9").scopes, Strings{"items:read:9"});
}

TEST(GatewayRoutes, UsesAllSixteenNamedSegments) {
  std::string path;
  std::string scope = "s:t:";
  for (int i = 0; i < 16; ++i) {
    path += "/{n" + std::to_string(i) + "}";
    scope += "{n" + std::to_string(i) + "}";
  }
  RouteRuleSpec spec = Route("GET", path);
  spec.scopes = {scope};
  GatewayRoutes routes = MustBuild({spec});
  std::string request;
  for (char c = 'a'; c < 'a' + 16; ++c) request += std::string("/") + c;
  EXPECT_EQ(routes.Decide("GET", request).scopes, Strings{"s:t:abcdefghijklmnop"});
}

TEST(GatewayRoutes, HundredRuleTable) {
  std::vector<RouteRuleSpec> rules;
  for (int i = 0; i < 100; ++i) {
    std::string n = std::to_string(i);
    RouteRuleSpec spec = Route(i % 2 == 0 ? "GET" : "POST", "/svc" + n + "/items/{id}");
    spec.scopes = {"svc" + n + ":use:{id}"};
    spec.resource = "svc://s" + n + "/{id}";
    spec.namespace_id = "ns_" + n;
    spec.data = i % 2 == 0 ? "read" : "write";
    spec.allow = i % 10 != 9;
    rules.push_back(std::move(spec));
  }
  RouteRuleSpec tail = Route("*", "/svc7/*");  // shadowed for /svc7/items/x by rule 7 only
  tail.scopes = {"svc7:any"};
  rules.push_back(tail);
  GatewayRoutes routes = MustBuild(std::move(rules));
  ASSERT_EQ(routes.size(), 101u);

  for (int i = 0; i < 100; ++i) {
    std::string n = std::to_string(i);
    const char* method = i % 2 == 0 ? "GET" : "POST";
    RouteDecision d = routes.Decide(method, Cat({"/svc", n, "/items/k", n}));
    ASSERT_TRUE(d.matched) << i;
    EXPECT_EQ(d.rule, static_cast<std::size_t>(i));
    EXPECT_EQ(d.allow, i % 10 != 9) << i;
    if (!d.allow) continue;
    EXPECT_EQ(d.scopes, Strings{Cat({"svc", n, ":use:k", n})});
    EXPECT_EQ(d.resource, Cat({"svc://s", n, "/k", n}));
    EXPECT_EQ(d.namespace_id, "ns_" + n);
    EXPECT_EQ(d.data, i % 2 == 0 ? "read" : "write");
    // The other method matches no rule (except under /svc7, which has a tail rule).
    EXPECT_EQ(routes.Decide(i % 2 == 0 ? "POST" : "GET", "/svc" + n + "/items/k").matched, i == 7)
        << i;
  }
  EXPECT_EQ(routes.Decide("GET", "/svc7/items/x").rule, 100u);  // rule 7 is POST only
  EXPECT_EQ(routes.Decide("GET", "/svc7/other").rule, 100u);
  EXPECT_FALSE(routes.Decide("GET", "/svc100/items/x").matched);
  EXPECT_FALSE(routes.Decide("GET", "/svc0/items").matched);
  EXPECT_FALSE(routes.Decide("GET", "/svc0/items/x/y").matched);
}

// --- Build errors ------------------------------------------------------------------------

struct BadRule {
  RouteRuleSpec spec;
  std::string field;      // after "gateway.route[2]."
  std::string complaint;  // a part of the message
};

RouteRuleSpec With(std::string method, std::string path, Strings scopes = {},
                   std::optional<std::string> resource = std::nullopt,
                   std::optional<std::string> data = std::nullopt,
                   std::optional<std::string> namespace_id = std::nullopt) {
  RouteRuleSpec spec = Route(std::move(method), std::move(path));
  spec.scopes = std::move(scopes);
  spec.resource = std::move(resource);
  spec.data = std::move(data);
  spec.namespace_id = std::move(namespace_id);
  return spec;
}

std::vector<BadRule> BadRules() {
  std::string seventeen;
  for (int i = 0; i < 17; ++i) seventeen += "/{n" + std::to_string(i) + "}";
  return {
      {With("FETCH", "/a"), "method", "'FETCH' is not GET, HEAD"},
      {With("", "/a"), "method", "'' is not"},
      {With("GET ", "/a"), "method", "'GET ' is not"},
      {With("**", "/a"), "method", "'**'"},
      {With("CONNECT", "/a"), "method", "CONNECT"},
      {With("GET", ""), "path", "does not start with '/'"},
      {With("GET", "items"), "path", "'items' does not start with '/'"},
      {With("GET", "*"), "path", "does not start with '/'"},
      {With("GET", "/items/"), "path", "ends with '/'"},
      {With("GET", "//"), "path", "ends with '/'"},
      {With("GET", "/a//b"), "path", "empty segment"},
      {With("GET", "//a"), "path", "empty segment"},
      {With("GET", "/a*"), "path", "'*' may only be the whole last segment"},
      {With("GET", "/*/a"), "path", "'*' may only be the whole last segment"},
      {With("GET", "/a/*/*"), "path", "'*' may only be the whole last segment"},
      {With("GET", "/a/{x}*"), "path", "'*'"},
      {With("GET", "/a{x}"), "path", "'a{x}' has '{' or '}'"},
      {With("GET", "/{x}a"), "path", "has '{' or '}'"},
      {With("GET", "/{x"), "path", "has '{' or '}'"},
      {With("GET", "/x}"), "path", "has '{' or '}'"},
      {With("GET", "/{}"), "path", "'{}' is not a valid named segment"},
      {With("GET", "/{X}"), "path", "'{X}' is not a valid named segment"},
      {With("GET", "/{1x}"), "path", "not a valid named segment"},
      {With("GET", "/{a-b}"), "path", "not a valid named segment"},
      {With("GET", "/{a b}"), "path", "not a valid named segment"},
      {With("GET", "/{{a}}"), "path", "not a valid named segment"},
      {With("GET", "/{a}/b/{a}"), "path", "'{a}' appears more than once"},
      {With("GET", seventeen), "path", "more than 16 named segments"},
      {With("GET", "/a", {"raw:read", "{id}:read"}), "scopes",
       "uses '{id}', which is not a named segment"},
      {With("GET", "/a/{id}", {"raw:read:{ID}"}), "scopes", "'{ID}'"},
      {With("GET", "/a/{id}", {"raw:read:{id"}), "scopes", "has a '{' without '}'"},
      {With("GET", "/a/{id}", {"raw:read:id}"}), "scopes", "has a '}' without '{'"},
      {With("GET", "/a/{id}", {"raw:read:{}"}), "scopes", "uses '{}'"},
      {With("GET", "/a", {"raw read"}), "scopes", "'raw read' is not a permission string"},
      {With("GET", "/a", {""}), "scopes", "'' is not a permission string"},
      {With("GET", "/a", {"raw"}), "scopes", "not a permission string"},
      {With("GET", "/a", {"raw:*:x"}), "scopes", "not a permission string"},
      {With("GET", "/a/{id}", {"raw{id}"}), "scopes", "'raw{id}' is not a permission string"},
      {With("GET", "/a/{id}", {"raw:read:{id} x"}), "scopes", "not a permission string"},
      {With("GET", "/a", {}, "algo://{x}"), "resource", "uses '{x}'"},
      {With("GET", "/a/{x}", {}, "algo://{x"), "resource", "has a '{' without '}'"},
      {With("GET", "/a", {}, "algo://demos/"), "resource", "is not a resource"},
      {With("GET", "/a", {}, "*"), "resource", "'*' is not a resource"},
      {With("GET", "/a", {}, "algo://*"), "resource", "is not a resource"},
      {With("GET", "/a", {}, ""), "resource", "is not a resource"},
      {With("GET", "/a/{x}", {}, "algo://{x}/*"), "resource", "is not a resource"},
      {With("GET", "/a/{x}", {}, "{x}"), "resource", "is not a resource"},
      {With("GET", "/a", {}, std::nullopt, "READ"), "data", "'READ' is not \"read\" or \"write\""},
      {With("GET", "/a", {}, std::nullopt, "read_write"), "data", "'read_write'"},
      {With("GET", "/a", {}, std::nullopt, ""), "data", "'' is not"},
      {With("GET", "/a", {}, std::nullopt, std::nullopt, ""), "namespace", "is empty"},
      {With("GET", "/a", {}, std::nullopt, std::nullopt, "{ws}"), "namespace", "uses '{ws}'"},
      {With("GET", "/a/{ws}", {}, std::nullopt, std::nullopt, "ns_{ws"), "namespace",
       "has a '{' without '}'"},
  };
}

TEST(GatewayRoutesBuild, NamesTheRuleAndFieldOfEveryError) {
  for (const auto& bad : BadRules()) {
    std::vector<RouteRuleSpec> rules = {With("GET", "/ok"), With("*", "/fine/{x}", {"a:b:{x}"}),
                                        bad.spec, With("GET", "/{also")};
    auto routes = GatewayRoutes::Build(rules, false);
    std::string what = bad.spec.method + " " + bad.spec.path;
    ASSERT_FALSE(routes.ok()) << what;
    const Status& status = routes.status();
    std::string field = "gateway.route[2]." + bad.field;
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << what;
    EXPECT_EQ(status.field(), field) << what;
    EXPECT_TRUE(status.message().starts_with(field + ": ")) << status.message();
    EXPECT_NE(status.message().find(bad.complaint), std::string::npos)
        << status.message() << " lacks " << bad.complaint;
  }
}

TEST(GatewayRoutesBuild, ReportsTheFirstBadRule) {
  auto routes =
      GatewayRoutes::Build({With("GET", "/a"), With("GET", "/b/"), With("GET", "x")}, false);
  ASSERT_FALSE(routes.ok());
  EXPECT_EQ(routes.status().field(), "gateway.route[1].path");
}

TEST(GatewayRoutesBuild, UsesTwoDigitIndexes) {
  std::vector<RouteRuleSpec> rules(12, With("GET", "/a"));
  rules[11].data = "delete";
  auto routes = GatewayRoutes::Build(rules, false);
  ASSERT_FALSE(routes.ok());
  EXPECT_EQ(routes.status().field(), "gateway.route[11].data");
}

TEST(GatewayRoutesBuild, QuotesLongValuesShortened) {
  auto routes = GatewayRoutes::Build({With(std::string(1000, 'X'), "/a")}, false);
  ASSERT_FALSE(routes.ok());
  EXPECT_LT(routes.status().message().size(), 200u);
}

TEST(GatewayRoutesBuild, AcceptsEveryWellFormedRule) {
  auto routes = GatewayRoutes::Build(
      {With("options", "/"), With("*", "/*"),
       With("GET", "/_a/{_}/{a_1}/*", {"*", "All", "x:y:z*"}),
       With("DELETE", "/a.b/c-d/~e/%41/[x]", {"raw:*"}, "algo://a.b/c", "write", "ns"),
       With("HEAD", "/{ws}", {"ws:{ws}"}, "ALGO://{ws}", std::nullopt, "{ws}")},
      false);
  EXPECT_TRUE(routes.ok()) << routes.status().message();
}

}  // namespace
}  // namespace latchkey::service
