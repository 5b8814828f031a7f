#include "cli/render.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace latchkey::cli {
namespace {

namespace json = boost::json;

json::object Object(std::string_view text) { return json::parse(text).as_object(); }
json::array Array(std::string_view text) { return json::parse(text).as_array(); }

constexpr std::string_view kKey = R"({"id": "key_1", "name": "billing-export", "description": "",
  "type": "standard", "owner": "pr_1", "namespace": "ns_1", "scopes": ["*"],
  "origins": {"native": true, "browser": false, "referrers": []}, "expires_at": null,
  "meta": {}, "hint": "lk_…a1B2", "status": "active", "secret": "lk_SECRETSECRET"})";

TEST(RenderList, ShowsKeysInAlignedColumns) {
  json::array items = Array(R"([
    {"id": "key_1", "name": "a", "type": "standard", "status": "active", "namespace": "ns_1",
     "owner": "pr_1", "hint": "lk_…a1B2", "expires_at": null},
    {"id": "key_22", "name": "bbbb", "type": "personal", "status": "revoked", "namespace": null,
     "owner": "pr_1", "hint": "lk_…zzzz", "expires_at": "2026-11-22T10:00:00.000Z"}])");
  EXPECT_EQ(
      RenderList(Resource::kKey, items, ""),
      "ID      NAME  TYPE      STATUS   NAMESPACE  OWNER  HINT      EXPIRES\n"
      "key_1   a     standard  active   ns_1       pr_1   lk_…a1B2  never\n"
      "key_22  bbbb  personal  revoked  -          pr_1   lk_…zzzz  2026-11-22T10:00:00.000Z\n");
}

TEST(RenderList, SaysSoWhenEmpty) {
  EXPECT_EQ(RenderList(Resource::kKey, {}, ""), "no keys\n");
  EXPECT_EQ(RenderList(Resource::kNamespace, {}, ""), "no namespaces\n");
  EXPECT_EQ(RenderList(Resource::kPrincipal, {}, ""), "no principals\n");
}

TEST(RenderList, PointsAtTheNextPage) {
  json::array items = Array(R"([{"id": "ns_1", "name": "acme", "kind": "organization",
                                  "parent_id": null, "created_at": "t"}])");
  EXPECT_EQ(RenderList(Resource::kNamespace, items, "c2"),
            "ID    NAME  KIND          PARENT  CREATED\n"
            "ns_1  acme  organization  -       t\n"
            "more results: add --cursor c2 (or use --all)\n");
}

TEST(RenderList, ShowsGroupsWithCapabilitiesAndMemberCount) {
  json::array items = Array(R"([
    {"id": "grp_1", "name": "readers", "namespace": "ns_1", "description": "",
     "capabilities": ["raw:read:db1/t1", "raw:read:db1/t2"], "members": ["pr_1", "pr_2"],
     "created_at": "t", "updated_at": "t"},
    {"id": "grp_22", "name": "empty", "namespace": "ns_1", "capabilities": [], "members": []},
    {"id": "grp_3", "name": "old-server", "namespace": "ns_2"}])");
  EXPECT_EQ(RenderList(Resource::kGroup, items, ""),
            "ID      NAME        NAMESPACE  CAPABILITIES                     MEMBERS\n"
            "grp_1   readers     ns_1       raw:read:db1/t1,raw:read:db1/t2  2\n"
            "grp_22  empty       ns_1       []                               0\n"
            "grp_3   old-server  ns_2       -                                -\n");
  EXPECT_EQ(RenderList(Resource::kGroup, {}, ""), "no groups\n");
}

TEST(RenderList, ShowsAuditEventsWithThePrincipalOrElseTheKeyAsActor) {
  json::array items = Array(R"([
    {"seq": 12, "time": "2026-01-01T00:00:00.000Z", "actor_principal": "pr_1",
     "actor_key": "key_1", "action": "keys.create", "target": "key_9", "namespace": "ns_1",
     "outcome": "success", "request_id": "r", "source_ip": "::1", "details": {},
     "prev_hash": "00", "hash": "ab"},
    {"seq": 13, "time": "2026-01-01T00:00:01.000Z", "actor_principal": "",
     "actor_key": "key_2", "action": "groups.update", "target": "grp_1", "namespace": "",
     "outcome": "denied"},
    {"seq": 14, "time": "2026-01-01T00:00:02.000Z", "actor_principal": "", "actor_key": "",
     "action": "init", "target": "", "namespace": "", "outcome": "success"}])");
  EXPECT_EQ(RenderList(Resource::kAuditEvent, items, "c2"),
            "SEQ  TIME                      ACTOR  ACTION         TARGET  NAMESPACE  OUTCOME\n"
            "12   2026-01-01T00:00:00.000Z  pr_1   keys.create    key_9   ns_1       success\n"
            "13   2026-01-01T00:00:01.000Z  key_2  groups.update  grp_1   -          denied\n"
            "14   2026-01-01T00:00:02.000Z  -      init           -       -          success\n"
            "more results: add --cursor c2 (or use --all)\n");
  EXPECT_EQ(RenderList(Resource::kAuditEvent, {}, ""), "no audit events\n");
}

TEST(RenderObject, FlattensNestedObjectsAndLeavesOutTheSecret) {
  std::string out = RenderObject(Object(kKey));
  EXPECT_NE(out.find("id:                key_1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("origins.native:    true\n"), std::string::npos) << out;
  EXPECT_NE(out.find("origins.referrers: []\n"), std::string::npos) << out;
  EXPECT_NE(out.find("meta:              {}\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("SECRET"), std::string::npos) << out;
}

TEST(RenderCreatedKey, ShowsTheSecretOnceWithAWarning) {
  std::string out = RenderCreatedKey(Object(kKey));
  EXPECT_NE(out.find("you will not see this again"), std::string::npos) << out;
  EXPECT_NE(out.find("\nlk_SECRETSECRET\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("lk_SECRETSECRET"), out.rfind("lk_SECRETSECRET")) << out;
}

TEST(RenderCreatedPrincipal, ShowsTheDefaultKeyAndItsSecret) {
  json::object principal = Object(R"({"id": "pr_1", "name": "ada", "kind": "user"})");
  principal["default_key"] = Object(kKey);
  std::string out = RenderCreatedPrincipal(principal);
  EXPECT_NE(out.find("default key:\n  id:"), std::string::npos) << out;
  EXPECT_NE(out.find("default-key secret (shown once"), std::string::npos) << out;
  EXPECT_EQ(out.find("lk_SECRETSECRET"), out.rfind("lk_SECRETSECRET")) << out;
}

TEST(RenderCreatedPrincipal, WithoutDefaultKeyShowsOnlyThePrincipal) {
  std::string out = RenderCreatedPrincipal(Object(R"({"id": "pr_1", "kind": "service_account"})"));
  EXPECT_EQ(out, "id:   pr_1\nkind: service_account\n");
}

TEST(RenderVerify, ShowsTheCodeAndTheKey) {
  EXPECT_EQ(RenderVerify(Object(R"({"valid": true, "code": "VALID", "key": {"id": "key_1",
              "name": "n", "type": "standard", "owner": "pr_1", "namespace": "ns_1",
              "scopes": ["*"], "expires_at": null, "meta": {}}})")),
            "code:       VALID\n"
            "key:        key_1\n"
            "name:       n\n"
            "type:       standard\n"
            "owner:      pr_1\n"
            "namespace:  ns_1\n"
            "scopes:     *\n"
            "expires_at: -\n");
  EXPECT_EQ(RenderVerify(Object(R"({"valid": false, "code": "NOT_FOUND"})")), "code: NOT_FOUND\n");
}

TEST(RenderWhoami, ShowsPrincipalKeyAndPermissions) {
  std::string out = RenderWhoami(Object(R"({"principal": {"id": "pr_1", "name": "admin"},
      "key": {"id": "key_1", "type": "personal"}, "permissions": ["*"]})"));
  EXPECT_EQ(out,
            "principal:\n  id:   pr_1\n  name: admin\n"
            "key:\n  id:   key_1\n  type: personal\n"
            "permissions: *\n");
}

TEST(RenderAuditVerify, SaysOkWithTheCount) {
  EXPECT_EQ(RenderAuditVerify(Object(R"({"ok": true, "checked": 120, "first_broken": null,
                                         "problem": ""})")),
            "audit chain OK: 120 events checked\n");
  EXPECT_EQ(RenderAuditVerify(Object(R"({"ok": true, "checked": 1})")),
            "audit chain OK: 1 event checked\n");
}

TEST(RenderAuditVerify, SaysWhereAndWhyTheChainIsBroken) {
  EXPECT_EQ(RenderAuditVerify(Object(R"({"ok": false, "checked": 120, "first_broken": 57,
                                         "problem": "hash mismatch"})")),
            "audit chain BROKEN at event 57: hash mismatch (120 events checked)\n");
  EXPECT_EQ(RenderAuditVerify(Object(R"({"ok": false, "checked": 3, "first_broken": null,
                                         "problem": ""})")),
            "audit chain BROKEN (3 events checked)\n");
  EXPECT_EQ(RenderAuditVerify(Object(R"({"ok": false, "checked": 3, "first_broken": 2,
                                         "problem": "bad \u001b[31m link"})")),
            "audit chain BROKEN at event 2: bad \\x1b[31m link (3 events checked)\n");
}

TEST(RenderAuditVerify, AnAnswerWithoutOkIsNotOk) {
  EXPECT_EQ(RenderAuditVerify(Object("{}")), "audit chain BROKEN (? events checked)\n");
}

HttpResponse Response(int status, std::string body, std::string reason = "") {
  return HttpResponse{status, std::move(reason), "application/json", std::move(body)};
}

TEST(RenderApiError, ShowsCodeMessageAndField) {
  ApiError e = ParseApiError(Response(400, R"({"error": {"code": "invalid_argument",
      "message": "expires_at cannot be changed after creation", "field": "expires_at"}})"));
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(RenderApiError(e),
            "error: invalid_argument: expires_at cannot be changed after creation "
            "(field: expires_at)\n");
}

TEST(RenderApiError, WithoutField) {
  ApiError e =
      ParseApiError(Response(404, R"({"error": {"code": "not_found", "message": "no such key"}})"));
  EXPECT_EQ(RenderApiError(e), "error: not_found: no such key\n");
}

TEST(RenderApiError, FallsBackToTheStatusForForeignBodies) {
  EXPECT_EQ(RenderApiError(ParseApiError(Response(502, "<html>bad gateway</html>", "Bad Gateway"))),
            "error: http_502: Bad Gateway\n");
  EXPECT_EQ(RenderApiError(ParseApiError(Response(500, R"({"error": "boom"})"))),
            "error: http_500: unexpected response\n");
}

TEST(RenderApiError, EscapesControlCharactersFromTheServer) {
  ApiError e = ParseApiError(
      Response(409, R"({"error": {"code": "conflict", "message": "name \u001b[31mtaken"}})"));
  EXPECT_EQ(RenderApiError(e), "error: conflict: name \\x1b[31mtaken\n");
}

TEST(RenderConnectionError, NamesTheAddressAndTheReason) {
  EXPECT_EQ(RenderConnectionError("http://127.0.0.1:8420", "connect: Connection refused"),
            "error: cannot reach latchkey at http://127.0.0.1:8420: connect: Connection refused\n");
}

TEST(Redact, ReplacesEveryOccurrence) {
  EXPECT_EQ(Redact("a lk_T b lk_T", "lk_T"), "a [redacted] b [redacted]");
  EXPECT_EQ(Redact("nothing here", "lk_T"), "nothing here");
  EXPECT_EQ(Redact("text", ""), "text");
}

}  // namespace
}  // namespace latchkey::cli
