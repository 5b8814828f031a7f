#include "cli/requests.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace latchkey::cli {
namespace {

const std::chrono::system_clock::time_point kNow{std::chrono::milliseconds(1795341600000)};

std::string Body(const ApiRequest& request) {
  return request.body ? boost::json::serialize(*request.body) : "<none>";
}
std::string Target(const ApiRequest& request) { return BuildTarget("", request); }

TEST(BuildList, SendsFiltersLimitAndCursorInOrder) {
  ListArgs args;
  args.filters = {{"namespace", "ns_1"}, {"status", "active"}};
  args.limit = 10;
  args.cursor = "c+1";
  ApiRequest request = BuildList("keys", args);
  EXPECT_EQ(request.method, HttpMethod::kGet);
  EXPECT_EQ(Target(request), "/v1/keys?namespace=ns_1&status=active&limit=10&cursor=c%2B1");
  EXPECT_FALSE(request.body);
}

TEST(BuildList, WithoutOptionsHasNoQuery) {
  EXPECT_EQ(Target(BuildList("namespaces", {})), "/v1/namespaces");
}

TEST(BuildGetAndDelete, AddressOneObject) {
  EXPECT_EQ(Target(BuildGet("principals", "pr_1")), "/v1/principals/pr_1");
  ApiRequest del = BuildDelete("keys", "key_1");
  EXPECT_EQ(del.method, HttpMethod::kDelete);
  EXPECT_EQ(Target(del), "/v1/keys/key_1");
}

TEST(BuildNamespaceCreate, SendsOnlyWhatWasGiven) {
  NamespaceCreateArgs args{"acme", "organization", std::nullopt, std::nullopt};
  EXPECT_EQ(Body(BuildNamespaceCreate(args)), R"({"name":"acme","kind":"organization"})");
  args.parent_id = "ns_p";
  args.default_key_prefix = "acme";
  ApiRequest request = BuildNamespaceCreate(args);
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(Target(request), "/v1/namespaces");
  EXPECT_EQ(Body(request), R"({"name":"acme","kind":"organization","parent_id":"ns_p",)"
                           R"("settings":{"default_key_prefix":"acme"}})");
}

TEST(BuildNamespaceUpdate, PatchesTheGivenFieldsAndRefusesNone) {
  Result<ApiRequest> request = BuildNamespaceUpdate({"ns_1", "new", std::nullopt});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->method, HttpMethod::kPatch);
  EXPECT_EQ(Target(*request), "/v1/namespaces/ns_1");
  EXPECT_EQ(Body(*request), R"({"name":"new"})");
  EXPECT_FALSE(BuildNamespaceUpdate({"ns_1", std::nullopt, std::nullopt}).ok());
}

TEST(BuildPrincipalCreate, MapsNoDefaultKey) {
  PrincipalCreateArgs args{"ada", "user", "ns_1", "ada@example.com", true};
  EXPECT_EQ(Body(BuildPrincipalCreate(args)),
            R"({"name":"ada","kind":"user","namespace":"ns_1","email":"ada@example.com",)"
            R"("default_key":false})");
  args.no_default_key = false;
  args.email.reset();
  EXPECT_EQ(Body(BuildPrincipalCreate(args)), R"({"name":"ada","kind":"user","namespace":"ns_1"})");
}

TEST(BuildPrincipalSetStatus, PatchesStatus) {
  ApiRequest disable = BuildPrincipalSetStatus("pr_1", false);
  EXPECT_EQ(disable.method, HttpMethod::kPatch);
  EXPECT_EQ(Target(disable), "/v1/principals/pr_1");
  EXPECT_EQ(Body(disable), R"({"status":"disabled"})");
  EXPECT_EQ(Body(BuildPrincipalSetStatus("pr_1", true)), R"({"status":"active"})");
}

TEST(BuildPrincipalCreate, SendsAPasswordWhenGiven) {
  PrincipalCreateArgs args{"ada", "user", std::nullopt, std::nullopt, false, "a long passphrase"};
  EXPECT_EQ(Body(BuildPrincipalCreate(args)),
            R"({"name":"ada","kind":"user","password":"a long passphrase"})");
}

TEST(BuildPrincipalSetPassword, PutsThePasswordInTheBody) {
  ApiRequest request = BuildPrincipalSetPassword("pr 1", "pässwörd \"quoted\" ");
  EXPECT_EQ(request.method, HttpMethod::kPut);
  EXPECT_EQ(Target(request), "/v1/principals/pr%201/password");
  EXPECT_EQ(Body(request), R"({"password":"pässwörd \"quoted\" "})");
  EXPECT_TRUE(request.authenticated);
}

TEST(BuildPrincipalUpdate, RefusesAnEmptyUpdate) {
  EXPECT_FALSE(BuildPrincipalUpdate({"pr_1", std::nullopt, std::nullopt}).ok());
  EXPECT_EQ(Body(*BuildPrincipalUpdate({"pr_1", std::nullopt, "a@b.c"})), R"({"email":"a@b.c"})");
}

TEST(BuildKeyCreate, MapsEveryOption) {
  KeyCreateArgs args;
  args.name = "billing";
  args.namespace_id = "ns_1";
  args.owner = "pr_1";
  args.type = "standard";
  args.scopes = {"raw:read", "raw:write"};
  args.description = "export";
  args.expires_in = "30d";
  args.meta = R"({"team": "billing"})";
  args.prefix = "acme";
  Result<ApiRequest> request = BuildKeyCreate(args, kNow);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(Target(*request), "/v1/keys");
  EXPECT_EQ(
      Body(*request),
      R"({"name":"billing","description":"export","type":"standard","owner":"pr_1",)"
      R"("namespace":"ns_1","scopes":["raw:read","raw:write"],)"
      R"("expires_at":"2026-12-22T10:00:00.000Z","meta":{"team":"billing"},"prefix":"acme"})");
}

TEST(BuildKeyCreate, PassesExpiresAtThrough) {
  KeyCreateArgs args;
  args.name = "k";
  args.expires_at = "2030-01-01T00:00:00Z";
  EXPECT_EQ(Body(*BuildKeyCreate(args, kNow)),
            R"({"name":"k","expires_at":"2030-01-01T00:00:00Z"})");
}

TEST(BuildKeyCreate, RefusesBadArguments) {
  KeyCreateArgs both;
  both.name = "k";
  both.expires_at = "2030-01-01T00:00:00Z";
  both.expires_in = "1d";
  EXPECT_FALSE(BuildKeyCreate(both, kNow).ok());
  KeyCreateArgs bad_duration;
  bad_duration.expires_in = "soon";
  EXPECT_FALSE(BuildKeyCreate(bad_duration, kNow).ok());
  for (const char* meta : {"[1]", "\"x\"", "{", "not json"}) {
    KeyCreateArgs bad_meta;
    bad_meta.meta = meta;
    Result<ApiRequest> r = BuildKeyCreate(bad_meta, kNow);
    ASSERT_FALSE(r.ok()) << meta;
    EXPECT_NE(r.status().message().find("--meta"), std::string::npos);
  }
}

TEST(BuildKeyUpdate, SendsExpiresAtSoTheServerCanRefuseIt) {
  KeyUpdateArgs args;
  args.id = "key_1";
  args.expires_at = "2030-01-01T00:00:00Z";
  Result<ApiRequest> request = BuildKeyUpdate(args);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->method, HttpMethod::kPatch);
  EXPECT_EQ(Target(*request), "/v1/keys/key_1");
  EXPECT_EQ(Body(*request), R"({"expires_at":"2030-01-01T00:00:00Z"})");
}

TEST(BuildKeyUpdate, ReplacesScopesAndMeta) {
  KeyUpdateArgs args;
  args.id = "key_1";
  args.scopes = {"a:b"};
  args.meta = "{}";
  EXPECT_EQ(Body(*BuildKeyUpdate(args)), R"({"scopes":["a:b"],"meta":{}})");
  KeyUpdateArgs empty;
  empty.id = "key_1";
  EXPECT_FALSE(BuildKeyUpdate(empty).ok());
}

TEST(BuildKeyAction, PostsToTheActionPath) {
  ApiRequest request = BuildKeyAction("key_1", "revoke");
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(Target(request), "/v1/keys/key_1/revoke");
  EXPECT_EQ(Body(request), "{}");
}

TEST(BuildVerify, PutsTheKeyInTheBodyAndNoCredential) {
  ApiRequest request = BuildVerify("lk_x", std::string("ns_1"));
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(Target(request), "/v1/keys/verify");
  EXPECT_EQ(Body(request), R"({"key":"lk_x","namespace":"ns_1"})");
  EXPECT_FALSE(request.authenticated);
  EXPECT_EQ(Body(BuildVerify("lk_x", std::nullopt)), R"({"key":"lk_x"})");
}

TEST(BuildList, AuditFiltersGoToTheAuditCollection) {
  ListArgs args;
  args.filters = {{"actor", "pr_1"}, {"since", "2026-01-01T00:00:00Z"}};
  EXPECT_EQ(Target(BuildList("audit", args)),
            "/v1/audit?actor=pr_1&since=2026-01-01T00%3A00%3A00Z");
}

TEST(BuildGroupCreate, SendsCapabilitiesAlwaysAndMembersWhenGiven) {
  GroupCreateArgs args;
  args.namespace_id = "ns_1";
  args.name = "readers";
  ApiRequest request = BuildGroupCreate(args);
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(Target(request), "/v1/groups");
  EXPECT_EQ(Body(request), R"({"namespace":"ns_1","name":"readers","capabilities":[]})");
  args.description = "db1 readers";
  args.capabilities = {"raw:read:db1/t1", "raw:read:db1/t2"};
  args.members = {"pr_1", "pr_2"};
  EXPECT_EQ(Body(BuildGroupCreate(args)),
            R"({"namespace":"ns_1","name":"readers","description":"db1 readers",)"
            R"("capabilities":["raw:read:db1/t1","raw:read:db1/t2"],"members":["pr_1","pr_2"]})");
}

TEST(BuildGroupUpdate, ReplacesOrClearsCapabilities) {
  GroupUpdateArgs args;
  args.id = "grp_1";
  args.capabilities = {"a:b"};
  Result<ApiRequest> request = BuildGroupUpdate(args);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->method, HttpMethod::kPatch);
  EXPECT_EQ(Target(*request), "/v1/groups/grp_1");
  EXPECT_EQ(Body(*request), R"({"capabilities":["a:b"]})");

  GroupUpdateArgs clear;
  clear.id = "grp_1";
  clear.name = "n";
  clear.clear_capabilities = true;
  EXPECT_EQ(Body(*BuildGroupUpdate(clear)), R"({"name":"n","capabilities":[]})");

  GroupUpdateArgs description;
  description.id = "grp_1";
  description.description = "";
  EXPECT_EQ(Body(*BuildGroupUpdate(description)), R"({"description":""})");
}

TEST(BuildGroupUpdate, RefusesNothingAndContradictions) {
  GroupUpdateArgs empty;
  empty.id = "grp_1";
  EXPECT_FALSE(BuildGroupUpdate(empty).ok());
  GroupUpdateArgs both;
  both.id = "grp_1";
  both.capabilities = {"a:b"};
  both.clear_capabilities = true;
  Result<ApiRequest> request = BuildGroupUpdate(both);
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.status().message().find("--no-capabilities"), std::string::npos);
}

TEST(BuildGroupMember, PutsOrDeletesTheMembershipWithoutABody) {
  ApiRequest add = BuildGroupMember("grp_1", "pr/1", true);
  EXPECT_EQ(add.method, HttpMethod::kPut);
  EXPECT_EQ(Target(add), "/v1/groups/grp_1/members/pr%2F1");
  EXPECT_FALSE(add.body);
  ApiRequest remove = BuildGroupMember("grp_1", "pr_1", false);
  EXPECT_EQ(remove.method, HttpMethod::kDelete);
  EXPECT_EQ(Target(remove), "/v1/groups/grp_1/members/pr_1");
  EXPECT_FALSE(remove.body);
}

TEST(BuildAuditVerify, PostsWithoutABody) {
  ApiRequest request = BuildAuditVerify();
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(Target(request), "/v1/audit/verify");
  EXPECT_FALSE(request.body);
  EXPECT_TRUE(request.authenticated);
}

}  // namespace
}  // namespace latchkey::cli
