#include "cli/commands.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <sstream>

#include "cli/fake_transport.h"

namespace latchkey::cli {
namespace {

constexpr std::string_view kToken = "lk_TOPSECRETTOKEN0123456789";
const std::chrono::system_clock::time_point kNow{std::chrono::milliseconds(1795341600000)};

constexpr std::string_view kKeyJson =
    R"({"id": "key_1", "name": "billing", "type": "standard", "owner": "pr_1",
        "namespace": "ns_1", "scopes": ["*"], "expires_at": null, "hint": "lk_…a1B2",
        "status": "active", "meta": {}, "secret": "lk_NEWSECRET"})";

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("LATCHKEY_ADDR");
    unsetenv("LATCHKEY_TOKEN");
  }
  void TearDown() override { SetUp(); }

  // Runs `latchkey <args>`; a CLI11 parse error returns 100 + its exit code.
  int Run(std::vector<std::string> args) {
    CLI::App app("latchkey");
    app.require_subcommand(1);
    int exit_code = -1;
    AddClientCommands(app, &exit_code, Environment());
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
      app.parse(reversed);
    } catch (const CLI::ParseError& e) {
      return 100 + app.exit(e, out_, err_);
    }
    return exit_code;
  }

  ClientEnvironment Environment() {
    ClientEnvironment env;
    env.out = &out_;
    env.err = &err_;
    env.connect = [this](const ServerAddress& address) {
      address_ = address;
      return transport_.Handle();
    };
    env.now = [] { return kNow; };
    env.read_key = [this] { return stdin_; };
    env.read_password = [this](bool from_stdin) -> Result<std::string> {
      password_reads_.push_back(from_stdin);
      return password_;
    };
    return env;
  }

  const HttpRequest& OnlyRequest() {
    EXPECT_EQ(transport_.requests().size(), 1u);
    return transport_.requests().at(0);
  }

  static std::string Header(const HttpRequest& request, std::string_view name) {
    for (const auto& [n, v] : request.headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }

  FakeTransport transport_;
  std::ostringstream out_;
  std::ostringstream err_;
  ServerAddress address_;
  std::optional<std::string> stdin_;
  Result<std::string> password_ = InvalidArgument("no password given");
  std::vector<bool> password_reads_;  // from_stdin of each read
};

TEST_F(CommandsTest, WhoamiSendsTheTokenAsBearer) {
  transport_.Answer(200, R"({"principal": {"id": "pr_1"}, "key": {"id": "key_1"},
                             "permissions": ["*"]})");
  EXPECT_EQ(Run({"whoami", "--token", std::string(kToken)}), 0);
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.method, HttpMethod::kGet);
  EXPECT_EQ(request.target, "/v1/whoami");
  EXPECT_EQ(Header(request, "Authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(out_.str(), "principal:\n  id: pr_1\nkey:\n  id: key_1\npermissions: *\n");
  EXPECT_EQ(address_.host_header, "127.0.0.1:8420");
}

TEST_F(CommandsTest, TakesAddressAndTokenFromTheEnvironment) {
  setenv("LATCHKEY_ADDR", "http://[::1]:9999", 1);
  setenv("LATCHKEY_TOKEN", std::string(kToken).c_str(), 1);
  transport_.Answer(200, "{}");
  EXPECT_EQ(Run({"whoami"}), 0);
  EXPECT_EQ(address_.host, "::1");
  EXPECT_EQ(address_.port, "9999");
  EXPECT_EQ(Header(OnlyRequest(), "Authorization"), "Bearer " + std::string(kToken));
}

TEST_F(CommandsTest, FlagsWinOverTheEnvironment) {
  setenv("LATCHKEY_ADDR", "http://env-host:1", 1);
  setenv("LATCHKEY_TOKEN", "lk_env", 1);
  transport_.Answer(200, "{}");
  EXPECT_EQ(Run({"keys", "get", "key_1", "--addr", "http://flag-host:2", "--token", "lk_flag"}), 0);
  EXPECT_EQ(address_.host, "flag-host");
  EXPECT_EQ(Header(OnlyRequest(), "Authorization"), "Bearer lk_flag");
}

TEST_F(CommandsTest, JsonPrintsTheServerBodyExactly) {
  std::string body = R"({"id": "ns_1",   "name": "acme"})";
  transport_.Answer(200, body);
  EXPECT_EQ(Run({"namespaces", "get", "ns_1", "--json"}), 0);
  EXPECT_EQ(out_.str(), body + "\n");
}

TEST_F(CommandsTest, ListAllFollowsCursorsAndPrintsOneTable) {
  transport_.Answer(200, R"({"items": [{"id": "key_1", "name": "a"}], "next_cursor": "c2"})");
  transport_.Answer(200, R"({"items": [{"id": "key_2", "name": "b"}], "next_cursor": null})");
  EXPECT_EQ(Run({"keys", "list", "--all", "--namespace", "ns 1", "--status", "active"}), 0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/keys?namespace=ns%201&status=active");
  EXPECT_EQ(transport_.requests()[1].target, "/v1/keys?namespace=ns%201&status=active&cursor=c2");
  EXPECT_EQ(out_.str(),
            "ID     NAME  TYPE  STATUS  NAMESPACE  OWNER  HINT  EXPIRES\n"
            "key_1  a     -     -       -          -      -     never\n"
            "key_2  b     -     -       -          -      -     never\n");
}

TEST_F(CommandsTest, EmptyListIsFriendly) {
  transport_.Answer(200, R"({"items": [], "next_cursor": null})");
  EXPECT_EQ(Run({"principals", "list", "--kind", "user", "--limit", "5"}), 0);
  EXPECT_EQ(OnlyRequest().target, "/v1/principals?kind=user&limit=5");
  EXPECT_EQ(out_.str(), "no principals\n");
}

TEST_F(CommandsTest, LimitOutOfRangeIsAUsageError) {
  EXPECT_GT(Run({"keys", "list", "--limit", "0"}), 100);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, KeysCreateShowsTheSecretOnce) {
  transport_.Answer(201, std::string(kKeyJson));
  EXPECT_EQ(
      Run({"keys", "create", "--name", "billing", "--namespace", "ns_1", "--scope", "raw:read",
           "--scope", "raw:write", "--expires-in", "30d", "--meta", R"({"team":"b"})"}),
      0);
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(request.target, "/v1/keys");
  EXPECT_EQ(request.body,
            R"({"name":"billing","namespace":"ns_1","scopes":["raw:read","raw:write"],)"
            R"("expires_at":"2026-12-22T10:00:00.000Z","meta":{"team":"b"}})");
  std::string out = out_.str();
  EXPECT_NE(out.find("id:         key_1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("you will not see this again"), std::string::npos) << out;
  EXPECT_EQ(out.find("lk_NEWSECRET"), out.rfind("lk_NEWSECRET")) << out;
  EXPECT_NE(out.find("lk_NEWSECRET"), std::string::npos) << out;
}

TEST_F(CommandsTest, KeysCreateJsonIncludesTheSecret) {
  transport_.Answer(201, std::string(kKeyJson));
  EXPECT_EQ(Run({"keys", "create", "--name", "billing", "--json"}), 0);
  EXPECT_EQ(out_.str(), std::string(kKeyJson) + "\n");
}

TEST_F(CommandsTest, KeysCreateRefusesBothExpiries) {
  EXPECT_GT(Run({"keys", "create", "--name", "k", "--expires-at", "2030-01-01T00:00:00Z",
                 "--expires-in", "1d"}),
            100);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, KeysCreateRefusesBadLocalInputWithExit2) {
  EXPECT_EQ(Run({"keys", "create", "--name", "k", "--meta", "[1]"}), 2);
  EXPECT_EQ(Run({"keys", "create", "--name", "k", "--expires-in", "soon"}), 2);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_NE(err_.str().find("error: --meta must be a JSON object"), std::string::npos);
  EXPECT_NE(err_.str().find("error: invalid duration 'soon'"), std::string::npos);
}

TEST_F(CommandsTest, KeysUpdateSendsExpiresAtAndShowsTheServersRefusal) {
  transport_.Answer(400, R"({"error": {"code": "invalid_argument",
      "message": "expires_at cannot be changed after creation", "field": "expires_at"}})");
  EXPECT_EQ(
      Run({"keys", "update", "--scope", "a:b", "key_1", "--expires-at", "2030-01-01T00:00:00Z"}),
      1);
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.method, HttpMethod::kPatch);
  EXPECT_EQ(request.target, "/v1/keys/key_1");
  EXPECT_EQ(request.body, R"({"scopes":["a:b"],"expires_at":"2030-01-01T00:00:00Z"})");
  EXPECT_EQ(err_.str(),
            "error: invalid_argument: expires_at cannot be changed after creation "
            "(field: expires_at)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, KeysUpdateWithNothingToChangeIsAUsageError) {
  EXPECT_EQ(Run({"keys", "update", "key_1"}), 2);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, KeyActionsPostToTheirPaths) {
  for (const char* action : {"disable", "enable", "revoke"}) {
    transport_.Answer(200, R"({"id": "key_1", "status": "x"})");
    EXPECT_EQ(Run({"keys", action, "key_1"}), 0);
    EXPECT_EQ(transport_.requests().back().target, "/v1/keys/key_1/" + std::string(action));
    EXPECT_EQ(transport_.requests().back().method, HttpMethod::kPost);
  }
}

TEST_F(CommandsTest, DeleteSaysWhatWasDeleted) {
  transport_.Answer(204, "");
  EXPECT_EQ(Run({"keys", "delete", "key_1"}), 0);
  EXPECT_EQ(OnlyRequest().method, HttpMethod::kDelete);
  EXPECT_EQ(out_.str(), "deleted key key_1\n");
}

TEST_F(CommandsTest, DeleteWithJsonPrintsNothing) {
  transport_.Answer(204, "");
  EXPECT_EQ(Run({"namespaces", "delete", "ns_1", "--json"}), 0);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, VerifyNeedsNoTokenAndExitsByCode) {
  transport_.Answer(200, R"({"valid": true, "code": "VALID", "key": {"id": "key_1"}})");
  EXPECT_EQ(Run({"keys", "verify", "lk_candidate", "--namespace", "ns_1", "--token",
                 std::string(kToken)}),
            0);
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.target, "/v1/keys/verify");
  EXPECT_EQ(Header(request, "Authorization"), "<absent>");
  EXPECT_EQ(request.body, R"({"key":"lk_candidate","namespace":"ns_1"})");
  EXPECT_EQ(out_.str(), "code: VALID\nkey:  key_1\n");

  transport_.Answer(200, R"({"valid": false, "code": "REVOKED"})");
  EXPECT_EQ(Run({"keys", "verify", "lk_candidate"}), 1);
}

TEST_F(CommandsTest, VerifyReadsTheKeyFromStdin) {
  stdin_ = "  lk_from_stdin\r\n";
  transport_.Answer(200, R"({"valid": false, "code": "NOT_FOUND"})");
  transport_.Answer(200, R"({"valid": false, "code": "NOT_FOUND"})");
  EXPECT_EQ(Run({"keys", "verify", "-"}), 1);
  EXPECT_EQ(Run({"keys", "verify"}), 1);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].body, R"({"key":"lk_from_stdin"})");
  EXPECT_EQ(transport_.requests()[1].body, R"({"key":"lk_from_stdin"})");
  EXPECT_EQ(out_.str().find("lk_from_stdin"), std::string::npos);
}

TEST_F(CommandsTest, VerifyWithoutAnyKeyIsAUsageError) {
  stdin_ = std::nullopt;
  EXPECT_EQ(Run({"keys", "verify"}), 2);
  stdin_ = "\n";
  EXPECT_EQ(Run({"keys", "verify", "-"}), 2);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, SetPasswordReadsItFromTheTerminalAndPutsIt) {
  password_ = std::string("a long passphrase");
  transport_.Answer(204, "");
  EXPECT_EQ(Run({"principals", "set-password", "pr_1", "--token", std::string(kToken)}), 0);
  EXPECT_EQ(password_reads_, std::vector<bool>{false});
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.method, HttpMethod::kPut);
  EXPECT_EQ(request.target, "/v1/principals/pr_1/password");
  EXPECT_EQ(request.body, R"({"password":"a long passphrase"})");
  EXPECT_EQ(out_.str(), "password set for pr_1\n");
  EXPECT_EQ(err_.str().find("passphrase"), std::string::npos);
}

TEST_F(CommandsTest, SetPasswordFromStdin) {
  password_ = std::string("from stdin 12345");
  transport_.Answer(204, "");
  EXPECT_EQ(Run({"principals", "set-password", "pr_1", "--password-stdin", "--json"}), 0);
  EXPECT_EQ(password_reads_, std::vector<bool>{true});
  EXPECT_EQ(OnlyRequest().body, R"({"password":"from stdin 12345"})");
  EXPECT_EQ(out_.str(), "");  // 204: nothing to print as JSON
}

TEST_F(CommandsTest, SetPasswordWithoutAPasswordIsAUsageError) {
  password_ = InvalidArgument("the two passwords differ");
  EXPECT_EQ(Run({"principals", "set-password", "pr_1"}), 2);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_NE(err_.str().find("the two passwords differ"), std::string::npos);
}

TEST_F(CommandsTest, SetPasswordShowsTheServersRefusal) {
  password_ = std::string("short");
  transport_.Answer(400, R"({"error": {"code": "invalid_argument", "field": "password",
                             "message": "password must be 12 to 1024 characters"}})");
  EXPECT_EQ(Run({"principals", "set-password", "pr_1"}), 1);
  EXPECT_NE(err_.str().find("12 to 1024"), std::string::npos);
}

TEST_F(CommandsTest, PrincipalsCreateReadsAPasswordOnlyWhenAsked) {
  password_ = std::string("a long passphrase");
  transport_.Answer(201, R"({"id": "pr_1", "name": "ada", "kind": "user"})");
  transport_.Answer(201, R"({"id": "pr_2", "name": "bob", "kind": "user"})");
  EXPECT_EQ(Run({"principals", "create", "ada", "--kind", "user", "--password-stdin"}), 0);
  EXPECT_EQ(Run({"principals", "create", "bob", "--kind", "user"}), 0);
  EXPECT_EQ(password_reads_, std::vector<bool>{true});
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].body,
            R"({"name":"ada","kind":"user","password":"a long passphrase"})");
  EXPECT_EQ(transport_.requests()[1].body, R"({"name":"bob","kind":"user"})");
  EXPECT_EQ(out_.str().find("passphrase"), std::string::npos);
}

TEST_F(CommandsTest, PrincipalsCreateUserShowsTheDefaultKeySecret) {
  std::string body = R"({"id": "pr_1", "name": "ada", "kind": "user", "default_key": )" +
                     std::string(kKeyJson) + "}";
  transport_.Answer(201, body);
  EXPECT_EQ(Run({"principals", "create", "ada", "--kind", "user", "--email", "ada@example.com"}),
            0);
  EXPECT_EQ(OnlyRequest().body, R"({"name":"ada","kind":"user","email":"ada@example.com"})");
  EXPECT_NE(out_.str().find("default-key secret (shown once"), std::string::npos);
  EXPECT_NE(out_.str().find("\nlk_NEWSECRET\n"), std::string::npos);
}

TEST_F(CommandsTest, PrincipalsCreateRefusesAnUnknownKind) {
  EXPECT_GT(Run({"principals", "create", "ada", "--kind", "robot"}), 100);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, PrincipalsDisableAndEnablePatchStatus) {
  transport_.Answer(200, R"({"id": "pr_1", "status": "disabled"})");
  transport_.Answer(200, R"({"id": "pr_1", "status": "active"})");
  EXPECT_EQ(Run({"principals", "disable", "pr_1"}), 0);
  EXPECT_EQ(Run({"principals", "enable", "pr_1"}), 0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].method, HttpMethod::kPatch);
  EXPECT_EQ(transport_.requests()[0].body, R"({"status":"disabled"})");
  EXPECT_EQ(transport_.requests()[1].body, R"({"status":"active"})");
}

TEST_F(CommandsTest, NamespacesCreateAndUpdate) {
  transport_.Answer(201, R"({"id": "ns_1"})");
  transport_.Answer(200, R"({"id": "ns_1"})");
  EXPECT_EQ(Run({"namespaces", "create", "acme", "--kind", "organization", "--default-key-prefix",
                 "acme"}),
            0);
  EXPECT_EQ(Run({"namespaces", "update", "ns_1", "--name", "acme2"}), 0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].body,
            R"({"name":"acme","kind":"organization","settings":{"default_key_prefix":"acme"}})");
  EXPECT_EQ(transport_.requests()[1].body, R"({"name":"acme2"})");
  EXPECT_EQ(transport_.requests()[1].target, "/v1/namespaces/ns_1");
}

TEST_F(CommandsTest, ConnectionFailureExits2) {
  transport_.Fail("connect: Connection refused");
  EXPECT_EQ(Run({"keys", "list"}), 2);
  EXPECT_EQ(err_.str(),
            "error: cannot reach latchkey at http://127.0.0.1:8420: connect: Connection refused\n");
}

TEST_F(CommandsTest, BadAddressExits2WithoutSending) {
  EXPECT_EQ(Run({"whoami", "--addr", "https://x"}), 2);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_NE(err_.str().find("only http:// is supported"), std::string::npos);
}

TEST_F(CommandsTest, ANonLatchkeyServerExits2) {
  transport_.Answer(200, "<html></html>");
  EXPECT_EQ(Run({"whoami"}), 2);
  EXPECT_NE(err_.str().find("error: unexpected response from latchkey at"), std::string::npos);
}

TEST_F(CommandsTest, ServerRefusalExits1) {
  transport_.Answer(401, R"({"error": {"code": "unauthenticated", "message": "no credential"}})");
  EXPECT_EQ(Run({"whoami"}), 1);
  EXPECT_EQ(err_.str(), "error: unauthenticated: no credential\n");
}

TEST_F(CommandsTest, ATokenWithControlCharactersIsRefusedUnsent) {
  EXPECT_EQ(Run({"whoami", "--token", "lk_a\r\nX-Evil: 1"}), 2);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ(err_.str().find("X-Evil"), std::string::npos);
}

constexpr std::string_view kGroupJson =
    R"({"id": "grp_1", "namespace": "ns_1", "name": "readers", "description": "",
        "capabilities": ["raw:read:db1/t1"], "members": ["pr_1"],
        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"})";

TEST_F(CommandsTest, GroupsCreatePostsEveryOption) {
  transport_.Answer(201, std::string(kGroupJson));
  EXPECT_EQ(Run({"groups", "create", "--namespace", "ns_1", "--name", "readers", "--description",
                 "db1", "--capability", "raw:read:db1/t1", "--capability", "raw:read:db1/t2",
                 "--member", "pr_1", "--member", "pr_2"}),
            0);
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(request.target, "/v1/groups");
  EXPECT_EQ(request.body,
            R"({"namespace":"ns_1","name":"readers","description":"db1",)"
            R"("capabilities":["raw:read:db1/t1","raw:read:db1/t2"],"members":["pr_1","pr_2"]})");
  EXPECT_NE(out_.str().find("capabilities: raw:read:db1/t1\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("members:      pr_1\n"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, GroupsCreateNeedsNamespaceAndName) {
  EXPECT_GT(Run({"groups", "create", "--name", "readers"}), 100);
  EXPECT_GT(Run({"groups", "create", "--namespace", "ns_1"}), 100);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, GroupsListFiltersAndShowsATable) {
  transport_.Answer(200, R"({"items": [)" + std::string(kGroupJson) + R"(], "next_cursor": null})");
  EXPECT_EQ(Run({"groups", "list", "--namespace", "ns_1", "--member", "pr_1", "--limit", "10"}), 0);
  EXPECT_EQ(OnlyRequest().target, "/v1/groups?namespace=ns_1&member=pr_1&limit=10");
  EXPECT_EQ(out_.str(),
            "ID     NAME     NAMESPACE  CAPABILITIES     MEMBERS\n"
            "grp_1  readers  ns_1       raw:read:db1/t1  1\n");
}

TEST_F(CommandsTest, GroupsGetAndDelete) {
  transport_.Answer(200, std::string(kGroupJson));
  transport_.Answer(204, "");
  EXPECT_EQ(Run({"groups", "get", "grp_1"}), 0);
  EXPECT_EQ(Run({"groups", "delete", "grp_1"}), 0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].method, HttpMethod::kGet);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/groups/grp_1");
  EXPECT_EQ(transport_.requests()[1].method, HttpMethod::kDelete);
  EXPECT_EQ(transport_.requests()[1].target, "/v1/groups/grp_1");
  EXPECT_NE(out_.str().find("id:           grp_1\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("deleted group grp_1\n"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, GroupsUpdateReplacesOrClearsCapabilities) {
  transport_.Answer(200, std::string(kGroupJson));
  transport_.Answer(200, std::string(kGroupJson));
  EXPECT_EQ(Run({"groups", "update", "grp_1", "--name", "r2", "--capability", "a:b", "--capability",
                 "c:d"}),
            0);
  EXPECT_EQ(Run({"groups", "update", "grp_1", "--no-capabilities", "--description", ""}), 0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].method, HttpMethod::kPatch);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/groups/grp_1");
  EXPECT_EQ(transport_.requests()[0].body, R"({"name":"r2","capabilities":["a:b","c:d"]})");
  EXPECT_EQ(transport_.requests()[1].body, R"({"description":"","capabilities":[]})");
}

TEST_F(CommandsTest, GroupsUpdateRefusesNothingAndContradictions) {
  EXPECT_EQ(Run({"groups", "update", "grp_1"}), 2);
  EXPECT_NE(err_.str().find("error: nothing to update"), std::string::npos) << err_.str();
  EXPECT_GT(Run({"groups", "update", "grp_1", "--capability", "a:b", "--no-capabilities"}), 100);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, GroupsAddAndRemoveMember) {
  transport_.Answer(200, std::string(kGroupJson));
  transport_.Answer(200, std::string(kGroupJson));
  EXPECT_EQ(Run({"groups", "add-member", "grp_1", "pr_1"}), 0);
  EXPECT_EQ(Run({"groups", "remove-member", "grp_1", "pr_1", "--json"}), 0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].method, HttpMethod::kPut);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/groups/grp_1/members/pr_1");
  EXPECT_EQ(transport_.requests()[0].body, "");
  EXPECT_EQ(transport_.requests()[1].method, HttpMethod::kDelete);
  EXPECT_EQ(transport_.requests()[1].target, "/v1/groups/grp_1/members/pr_1");
  EXPECT_NE(out_.str().find("id:           grp_1\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find(std::string(kGroupJson) + "\n"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, GroupsAddMemberNeedsBothIds) {
  EXPECT_GT(Run({"groups", "add-member", "grp_1"}), 100);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CommandsTest, GroupsRefusedByTheServerExits1) {
  transport_.Answer(403, R"({"error": {"code": "privilege_escalation",
      "message": "you do not hold raw:write:db1/t1"}})");
  EXPECT_EQ(Run({"groups", "add-member", "grp_1", "pr_2"}), 1);
  EXPECT_EQ(err_.str(), "error: privilege_escalation: you do not hold raw:write:db1/t1\n");
}

TEST_F(CommandsTest, AuditListFiltersAndFollowsCursors) {
  transport_.Answer(200, R"({"items": [{"seq": 1, "time": "t1", "actor_principal": "pr_1",
      "actor_key": "key_1", "action": "keys.create", "target": "key_2", "namespace": "ns_1",
      "outcome": "success"}], "next_cursor": "c2"})");
  transport_.Answer(200, R"({"items": [{"seq": 2, "time": "t2", "actor_principal": "",
      "actor_key": "key_1", "action": "keys.revoke", "target": "key_2", "namespace": "ns_1",
      "outcome": "denied"}], "next_cursor": null})");
  EXPECT_EQ(Run({"audit", "list", "--all", "--namespace", "ns_1", "--actor", "pr_1", "--target",
                 "key_2", "--action", "keys.create", "--since", "2026-01-01T00:00:00Z", "--until",
                 "2026-02-01T00:00:00Z"}),
            0);
  ASSERT_EQ(transport_.requests().size(), 2u);
  std::string query =
      "namespace=ns_1&actor=pr_1&target=key_2&action=keys.create"
      "&since=2026-01-01T00%3A00%3A00Z&until=2026-02-01T00%3A00%3A00Z";
  EXPECT_EQ(transport_.requests()[0].target, "/v1/audit?" + query);
  EXPECT_EQ(transport_.requests()[1].target, "/v1/audit?" + query + "&cursor=c2");
  EXPECT_EQ(out_.str(),
            "SEQ  TIME  ACTOR  ACTION       TARGET  NAMESPACE  OUTCOME\n"
            "1    t1    pr_1   keys.create  key_2   ns_1       success\n"
            "2    t2    key_1  keys.revoke  key_2   ns_1       denied\n");
}

TEST_F(CommandsTest, AuditListEmptyAndJson) {
  std::string body = R"({"items": [], "next_cursor": null})";
  transport_.Answer(200, body);
  transport_.Answer(200, body);
  EXPECT_EQ(Run({"audit", "list", "--cursor", "c+1", "--limit", "3"}), 0);
  EXPECT_EQ(Run({"audit", "list", "--json"}), 0);
  EXPECT_EQ(transport_.requests()[0].target, "/v1/audit?limit=3&cursor=c%2B1");
  EXPECT_EQ(out_.str(), "no audit events\n" + body + "\n");
}

TEST_F(CommandsTest, AuditVerifyIntactExits0) {
  transport_.Answer(200, R"({"ok": true, "checked": 120, "first_broken": null, "problem": ""})");
  EXPECT_EQ(Run({"audit", "verify", "--token", std::string(kToken)}), 0);
  const HttpRequest& request = OnlyRequest();
  EXPECT_EQ(request.method, HttpMethod::kPost);
  EXPECT_EQ(request.target, "/v1/audit/verify");
  EXPECT_EQ(request.body, "");
  EXPECT_EQ(Header(request, "Authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(out_.str(), "audit chain OK: 120 events checked\n");
}

TEST_F(CommandsTest, AuditVerifyBrokenExits1) {
  std::string body =
      R"({"ok": false, "checked": 120, "first_broken": 57, "problem": "hash mismatch"})";
  transport_.Answer(200, body);
  transport_.Answer(200, body);
  EXPECT_EQ(Run({"audit", "verify"}), 1);
  EXPECT_EQ(out_.str(), "audit chain BROKEN at event 57: hash mismatch (120 events checked)\n");
  EXPECT_EQ(err_.str(), "");
  out_.str("");
  EXPECT_EQ(Run({"audit", "verify", "--json"}), 1);
  EXPECT_EQ(out_.str(), body + "\n");
}

TEST_F(CommandsTest, AuditVerifyRefusedOrUnreachable) {
  transport_.Answer(403, R"({"error": {"code": "permission_denied", "message": "no audit:read"}})");
  transport_.Fail("connect: Connection refused");
  EXPECT_EQ(Run({"audit", "verify"}), 1);
  EXPECT_EQ(Run({"audit", "verify"}), 2);
  EXPECT_EQ(out_.str(), "");
}

// Whatever happens, the caller's token is never printed: not in results, errors, help, or
// when a (broken) server echoes it back.
TEST_F(CommandsTest, TheTokenNeverAppearsInAnyOutput) {
  setenv("LATCHKEY_TOKEN", std::string(kToken).c_str(), 1);
  std::string echo = std::string(kToken);
  transport_.Answer(200, R"({"principal": {"id": "pr_1", "name": ")" + echo + R"("}})");
  transport_.Answer(401, R"({"error": {"code": "unauthenticated", "message": "bad )" + echo +
                             R"(", "field": ")" + echo + R"("}})");
  transport_.Answer(200, R"({"items": [{"id": ")" + echo + R"("}], "next_cursor": null})");
  transport_.Fail("connect: " + echo);
  transport_.Answer(500, echo);
  Run({"whoami"});
  Run({"keys", "get", "key_1"});
  Run({"keys", "list", "--json"});
  Run({"namespaces", "list"});
  Run({"principals", "list"});
  Run({"keys", "list", "--help"});
  Run({"keys", "create", "--name", "x", "--meta", echo});
  Run({"whoami", "--addr", echo});  // a valid host name, so this one is sent too
  EXPECT_EQ(transport_.requests().size(), 6u);
  EXPECT_EQ(out_.str().find(echo), std::string::npos) << out_.str();
  EXPECT_EQ(err_.str().find(echo), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("LATCHKEY_TOKEN"), std::string::npos) << "help was not printed";
}

}  // namespace
}  // namespace latchkey::cli
