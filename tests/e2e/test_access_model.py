"""The access model of issue 3 end to end: permission strings, groups (HTTP and CLI), the
service-account workflow of DESIGN §1.1, effective permissions that follow group and principal
changes before the change's response returns, personal tokens bounded per namespace, the
namespace rules of §4.4, `default-key`, and `GET /v1/whoami`."""

import json
import unittest

import harness
from access_fixtures import all_items, ids, named, snapshot, user_with_pat

GROUP_FIELDS = {"id", "namespace", "name", "description", "capabilities", "members",
                "created_at", "updated_at"}
TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


class AccessTestCase(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_id = cls.server.admin("GET", "/v1/whoami").json["principal"]["id"]

    def assertError(self, resp, status, code, field=None):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["error"]["code"], code, resp)
        if field is not None:
            self.assertEqual(resp.json["error"].get("field"), field, resp)

    def owned_key(self, namespace, capabilities, scopes=None, **fields):
        """A service account with `capabilities` in `namespace` and a key of it there."""
        sa = self.server.create_principal(namespace=namespace)
        group = self.server.create_group(namespace, capabilities, members=[sa["id"]])
        if scopes is not None:
            fields["scopes"] = scopes
        key = self.server.create_key(namespace, owner=sa["id"], **fields)
        return sa, group, key

    def code(self, secret, scopes=None, namespace=None):
        fields = {} if scopes is None else {"scopes": scopes}
        return self.server.verify(secret, namespace=namespace, **fields)["code"]


class Permissions(AccessTestCase):
    """One matcher for capabilities, key scopes and required scopes (DESIGN §2)."""

    def test_matching_through_verify(self):
        s = self.server
        ns = s.create_namespace()
        # (owner's capabilities, key scopes, required scope, expected code)
        table = [
            (["*"], ["*"], "raw:read:db1/t1", "VALID"),
            (["All"], ["All"], "anything:at:all", "VALID"),
            (["raw:*"], ["*"], "raw:write:db9/x", "VALID"),
            (["raw:*"], ["*"], "raw:read", "VALID"),
            (["raw:*"], ["*"], "raw:*", "VALID"),
            (["raw:*"], ["*"], "timeseries:read", "INSUFFICIENT_SCOPE"),
            (["raw:*"], ["*"], "*", "INSUFFICIENT_SCOPE"),
            (["raw:read"], ["*"], "raw:read:db1/t1", "VALID"),
            (["raw:read"], ["*"], "raw:read:db1/*", "VALID"),
            (["raw:read"], ["*"], "raw:read", "VALID"),
            (["raw:read"], ["*"], "raw:write:db1/t1", "INSUFFICIENT_SCOPE"),
            (["raw:read"], ["*"], "raw:*", "INSUFFICIENT_SCOPE"),
            (["raw:read"], ["*"], "raw:reader", "INSUFFICIENT_SCOPE"),
            (["raw:read"], ["*"], "raw:read*", "INSUFFICIENT_SCOPE"),
            (["raw:read:db1/*"], ["*"], "raw:read:db1/t7", "VALID"),
            (["raw:read:db1/*"], ["*"], "raw:read:db1/*", "VALID"),
            (["raw:read:db1/*"], ["*"], "raw:read:db2/t1", "INSUFFICIENT_SCOPE"),
            (["raw:read:db1/*"], ["*"], "raw:read", "INSUFFICIENT_SCOPE"),
            (["raw:read:db1/t1"], ["*"], "raw:read:db1/t1", "VALID"),
            (["raw:read:db1/t1"], ["*"], "raw:read:db1/t10", "INSUFFICIENT_SCOPE"),
            (["raw:read:db1/t1"], ["*"], "raw:read:db1/*", "INSUFFICIENT_SCOPE"),
            (["raw:read:db1/t1"], ["*"], "raw:read", "INSUFFICIENT_SCOPE"),
            (["raw:re*"], ["*"], "raw:reap", "VALID"),
            (["raw:re*"], ["*"], "raw:write", "INSUFFICIENT_SCOPE"),
            # The key's scopes bound it as much as the owner's capabilities do.
            (["raw:*"], ["raw:read"], "raw:write", "INSUFFICIENT_SCOPE"),
            (["raw:*"], ["raw:read:db1/t1"], "raw:read:db1/t1", "VALID"),
            (["raw:*"], ["raw:read:db1/t1"], "raw:read:db1/t2", "INSUFFICIENT_SCOPE"),
            (["raw:read:db1/t1"], ["raw:read"], "raw:read:db1/t1", "VALID"),
            (["raw:read:db1/t1"], ["raw:read"], "raw:read:db1/t2", "INSUFFICIENT_SCOPE"),
            # No capabilities at all: a key of `*` is worth nothing.
            ([], ["*"], "raw:read", "INSUFFICIENT_SCOPE"),
        ]
        for caps, scopes, required, expected in table:
            with self.subTest(caps=caps, scopes=scopes, required=required):
                sa = s.create_principal(namespace=ns["id"])
                if caps:
                    s.create_group(ns["id"], caps, members=[sa["id"]])
                key = s.create_key(ns["id"], owner=sa["id"], scopes=scopes)
                self.assertEqual(self.code(key["secret"], [required]), expected)
                # No required scope: the key itself is fine.
                self.assertEqual(self.code(key["secret"]), "VALID")

    def test_several_required_scopes_must_all_be_granted(self):
        _, _, key = self.owned_key(self.server.create_namespace()["id"],
                                   ["raw:read:db1/t1", "raw:write:db1/t1"])
        self.assertEqual(self.code(key["secret"], ["raw:read:db1/t1", "raw:write:db1/t1"]),
                         "VALID")
        self.assertEqual(self.code(key["secret"], ["raw:read:db1/t1", "raw:read:db1/t2"]),
                         "INSUFFICIENT_SCOPE")
        self.assertEqual(self.code(key["secret"], []), "VALID")

    def test_malformed_permission_strings_are_400_with_the_field(self):
        s = self.server
        ns = s.create_namespace()
        group = s.create_group(ns["id"], ["raw:read"])
        key = s.create_key(ns["id"])
        bad = ["raw", "raw:", ":read", "raw::t1", "raw:read:db1:t1", "*:read", "raw:*:t1",
               "raw:*x", "raw:**", "r aw:read", "raw:read:db1/t1\n", "all", "ALL", "",
               "raw:read:" + "x" * 300, "räw:read"]
        before = snapshot(s)
        for perm in bad:
            with self.subTest(perm=perm):
                self.assertError(s.admin("POST", "/v1/groups", {
                    "namespace": ns["id"], "name": named("g"), "capabilities": [perm]}),
                    400, "invalid_argument", "capabilities")
                self.assertError(s.admin("PATCH", f"/v1/groups/{group['id']}",
                                         {"capabilities": ["raw:read", perm]}),
                                 400, "invalid_argument", "capabilities")
                self.assertError(s.admin("POST", "/v1/keys", {
                    "name": named("k"), "namespace": ns["id"], "scopes": [perm]}),
                    400, "invalid_argument", "scopes")
                self.assertError(s.admin("PATCH", f"/v1/keys/{key['id']}", {"scopes": [perm]}),
                                 400, "invalid_argument", "scopes")
                resp = s.call("POST", "/v1/keys/verify",
                              {"key": key["secret"], "scopes": ["raw:read", perm]})
                self.assertError(resp, 400, "invalid_argument", "scopes")
        self.assertEqual(snapshot(s), before)

    def test_at_most_100_permissions(self):
        s = self.server
        ns = s.create_namespace()
        many = [f"raw:read:db1/t{i}" for i in range(101)]
        resp = s.admin("POST", "/v1/groups", {"namespace": ns["id"], "name": named("g"),
                                              "capabilities": many})
        self.assertError(resp, 400, "invalid_argument", "capabilities")
        self.assertEqual(len(s.create_group(ns["id"], many[:100])["capabilities"]), 100)

    def test_all_is_star_and_duplicates_collapse(self):
        s = self.server
        ns = s.create_namespace()
        g = s.create_group(ns["id"], ["All", "raw:read", "raw:read"])
        self.assertEqual(g["capabilities"], ["*", "raw:read"])


class Groups(AccessTestCase):
    def test_create_get_list_update_delete(self):
        s = self.server
        ns = s.create_namespace()
        other = s.create_namespace()
        p1 = s.create_principal(namespace=ns["id"])
        p2 = s.create_principal(namespace=ns["id"])
        name = named("readers")
        members = sorted([p1["id"], p2["id"]], reverse=True)
        status, headers, g = s.admin("POST", "/v1/groups", {
            "namespace": ns["id"], "name": name, "description": "db1 readers",
            "capabilities": ["raw:read:db1/t1"], "members": members})
        self.assertEqual(status, 201, g)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertEqual(set(g), GROUP_FIELDS)
        self.assertRegex(g["id"], r"^grp_[0-9A-Za-z]+$")
        self.assertEqual((g["namespace"], g["name"], g["description"], g["capabilities"]),
                         (ns["id"], name, "db1 readers", ["raw:read:db1/t1"]))
        self.assertEqual(g["members"], sorted(members))
        self.assertRegex(g["created_at"], TIME_RE)
        self.assertEqual(g["created_at"], g["updated_at"])

        self.assertEqual(s.admin("GET", f"/v1/groups/{g['id']}").json, g)
        minimal = s.create_group(ns["id"], [])
        self.assertEqual((minimal["description"], minimal["members"]), ("", []))
        elsewhere = s.create_group(other["id"], ["raw:read"], members=[p1["id"]])

        # Listings are in creation order; two groups made in the same millisecond are ordered
        # by id, so compare sets here.
        self.assertEqual(sorted(ids(all_items(s, f"/v1/groups?namespace={ns['id']}"))),
                         sorted([g["id"], minimal["id"]]))
        self.assertEqual(sorted(ids(all_items(s, f"/v1/groups?member={p1['id']}"))),
                         sorted([g["id"], elsewhere["id"]]))
        self.assertEqual(ids(all_items(s, f"/v1/groups?namespace={other['id']}"
                                          f"&member={p1['id']}")), [elsewhere["id"]])
        page = s.admin("GET", f"/v1/groups?namespace={ns['id']}&limit=1").json
        self.assertEqual(len(page["items"]), 1)
        page2 = s.admin("GET", f"/v1/groups?namespace={ns['id']}&limit=1"
                               f"&cursor={page['next_cursor']}").json
        self.assertEqual(sorted(ids(page["items"] + page2["items"])),
                         sorted([g["id"], minimal["id"]]))
        self.assertIsNone(page2["next_cursor"])

        status, _, up = s.admin("PATCH", f"/v1/groups/{g['id']}", {
            "name": named("renamed"), "description": "", "capabilities": ["raw:read:db1/*"]})
        self.assertEqual(status, 200, up)
        self.assertEqual(up["description"], "")
        self.assertEqual(up["capabilities"], ["raw:read:db1/*"])
        self.assertEqual(up["members"], g["members"])
        self.assertEqual(up["created_at"], g["created_at"])
        self.assertEqual(s.admin("GET", f"/v1/groups/{g['id']}").json, up)

        status, _, _ = s.admin("DELETE", f"/v1/groups/{g['id']}")
        self.assertEqual(status, 204)
        self.assertError(s.admin("GET", f"/v1/groups/{g['id']}"), 404, "not_found")
        self.assertError(s.admin("DELETE", f"/v1/groups/{g['id']}"), 404, "not_found")
        self.assertError(s.admin("PATCH", f"/v1/groups/{g['id']}", {"name": "x"}), 404,
                         "not_found")
        self.assertNotIn(g["id"], ids(all_items(s, f"/v1/groups?member={p1['id']}")))

    def test_members_one_at_a_time(self):
        s = self.server
        ns = s.create_namespace()
        g = s.create_group(ns["id"], ["raw:read"])
        a, b = (s.create_principal(namespace=ns["id"]) for _ in range(2))
        user = s.create_principal(kind="user", namespace=ns["id"])
        for p in (b, a, user):
            status, _, got = s.admin("PUT", f"/v1/groups/{g['id']}/members/{p['id']}")
            self.assertEqual(status, 200, got)
        self.assertEqual(got["members"], sorted([a["id"], b["id"], user["id"]]))
        # PUT is idempotent.
        again = s.admin("PUT", f"/v1/groups/{g['id']}/members/{a['id']}")
        self.assertEqual((again.status, again.json["members"]), (200, got["members"]))
        status, _, got = s.admin("DELETE", f"/v1/groups/{g['id']}/members/{b['id']}")
        self.assertEqual(status, 200, got)
        self.assertEqual(got["members"], sorted([a["id"], user["id"]]))
        self.assertError(s.admin("DELETE", f"/v1/groups/{g['id']}/members/{b['id']}"), 404,
                         "not_found")
        self.assertError(s.admin("PUT", f"/v1/groups/{g['id']}/members/pr_doesnotexist"), 404,
                         "not_found")
        self.assertError(s.admin("PUT", f"/v1/groups/grp_doesnotexist/members/{a['id']}"), 404,
                         "not_found")
        self.assertEqual(s.admin("GET", f"/v1/groups/{g['id']}").json["members"],
                         sorted([a["id"], user["id"]]))
        # Deleting a principal takes it out of its groups.
        s.admin("DELETE", f"/v1/principals/{a['id']}")
        self.assertEqual(s.admin("GET", f"/v1/groups/{g['id']}").json["members"], [user["id"]])

    def test_invalid_requests_write_nothing(self):
        s = self.server
        ns = s.create_namespace()
        g = s.create_group(ns["id"], ["raw:read"], name=named("taken"))
        p = s.create_principal(namespace=ns["id"])
        before = snapshot(s)
        base = {"namespace": ns["id"], "name": named("g"), "capabilities": []}
        for body, status, code, field in [
            ({**base, "name": g["name"]}, 409, "conflict", None),
            ({**base, "namespace": "ns_doesnotexist"}, 400, "invalid_argument", "namespace"),
            ({**base, "members": ["pr_doesnotexist"]}, 400, "invalid_argument", "members"),
            ({**base, "members": [p["id"], "pr_doesnotexist"]}, 400, "invalid_argument",
             "members"),
            ({k: v for k, v in base.items() if k != "name"}, 400, "invalid_argument", "name"),
            ({k: v for k, v in base.items() if k != "namespace"}, 400, "invalid_argument",
             "namespace"),
            ({**base, "name": ""}, 400, "invalid_argument", "name"),
            ({**base, "capabilities": "raw:read"}, 400, "invalid_argument", "capabilities"),
            ({**base, "members": [1]}, 400, "invalid_argument", "members"),
            ({**base, "colour": "red"}, 400, "invalid_argument", "colour"),
        ]:
            with self.subTest(body=json.dumps(body)[:80]):
                self.assertError(s.admin("POST", "/v1/groups", body), status, code, field)
        for body, field in [({"members": [p["id"]]}, "members"), ({"namespace": ns["id"]},
                                                                  "namespace"),
                            ({"id": "grp_x"}, "id"), ({"capabilities": [3]}, "capabilities"),
                            ({"owner": "x"}, "owner")]:
            with self.subTest(patch=body):
                self.assertError(s.admin("PATCH", f"/v1/groups/{g['id']}", body), 400,
                                 "invalid_argument", field)
        other = s.create_group(ns["id"], [])
        self.assertError(s.admin("PATCH", f"/v1/groups/{other['id']}", {"name": g["name"]}),
                         409, "conflict")
        s.admin("DELETE", f"/v1/groups/{other['id']}")
        self.assertEqual(snapshot(s), before)

    def test_groups_read_is_not_groups_write(self):
        s = self.server
        ns = s.create_namespace()
        g = s.create_group(ns["id"], ["raw:read"])
        reader = user_with_pat(s, ns["id"], ["groups:read", "raw:read"])
        self.assertEqual(s.call("GET", f"/v1/groups/{g['id']}", token=reader.pat).json["name"],
                         g["name"])
        self.assertIn(g["id"], ids(all_items(s, f"/v1/groups?namespace={ns['id']}",
                                             token=reader.pat)))
        before = snapshot(s)
        for method, path, body in [
            ("POST", "/v1/groups", {"namespace": ns["id"], "name": named("g"),
                                    "capabilities": []}),
            ("PATCH", f"/v1/groups/{g['id']}", {"description": "x"}),
            ("PUT", f"/v1/groups/{g['id']}/members/{reader.id}", None),
            ("DELETE", f"/v1/groups/{g['id']}/members/{reader.id}", None),
            ("DELETE", f"/v1/groups/{g['id']}", None),
        ]:
            with self.subTest(method=method, path=path):
                self.assertError(s.call(method, path, body=body, token=reader.pat), 403,
                                 "permission_denied")
        self.assertEqual(snapshot(s), before)
        # Without groups:read the group does not exist for the caller.
        nobody = user_with_pat(s, ns["id"], ["raw:read"])
        self.assertError(s.call("GET", f"/v1/groups/{g['id']}", token=nobody.pat), 404,
                         "not_found")

    def test_a_group_writer_may_remove_members_without_holding_the_capabilities(self):
        # Taking a capability away is never an escalation.
        s = self.server
        ns = s.create_namespace()
        sa, group, key = self.owned_key(ns["id"], ["raw:*"])
        writer = user_with_pat(s, ns["id"], ["groups:write", "groups:read"])
        resp = s.call("DELETE", f"/v1/groups/{group['id']}/members/{sa['id']}", token=writer.pat)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "INSUFFICIENT_SCOPE")
        self.assertError(s.call("PUT", f"/v1/groups/{group['id']}/members/{sa['id']}",
                                token=writer.pat), 403, "privilege_escalation")
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "INSUFFICIENT_SCOPE")

    def test_cli_groups(self):
        s = self.server
        token = s.admin_token
        ns = s.create_namespace()
        sa = s.create_principal(namespace=ns["id"])
        sa2 = s.create_principal(namespace=ns["id"])

        def cli(*args, expect=0):
            result = s.run_cli(*args, token=token)
            self.assertEqual(result.returncode, expect,
                             f"latchkey {' '.join(args)}\n{result.stdout}\n{result.stderr}")
            self.assertNotIn(token, result.stdout + result.stderr)
            return result

        name = named("cli-group")
        g = json.loads(cli("groups", "create", "--namespace", ns["id"], "--name", name,
                           "--description", "from the CLI", "--capability", "raw:read:db1/t1",
                           "--capability", "raw:write:db1/t1", "--member", sa["id"],
                           "--json").stdout)
        self.assertEqual((g["name"], g["capabilities"], g["members"]),
                         (name, ["raw:read:db1/t1", "raw:write:db1/t1"], [sa["id"]]))
        self.assertEqual(s.admin("GET", f"/v1/groups/{g['id']}").json, g)

        table = cli("groups", "list", "--namespace", ns["id"]).stdout
        self.assertRegex(table.splitlines()[0], r"^ID\s+NAME\s+NAMESPACE\s+CAPABILITIES\s+MEMBERS")
        self.assertIn(g["id"], table)
        self.assertIn("raw:read:db1/t1,raw:write:db1/t1", table)
        self.assertIn(name, cli("groups", "get", g["id"]).stdout)
        listed = json.loads(cli("groups", "list", "--member", sa["id"], "--json").stdout)
        self.assertEqual(ids(listed["items"]), [g["id"]])

        added = json.loads(cli("groups", "add-member", g["id"], sa2["id"], "--json").stdout)
        self.assertEqual(added["members"], sorted([sa["id"], sa2["id"]]))
        removed = json.loads(cli("groups", "remove-member", g["id"], sa["id"], "--json").stdout)
        self.assertEqual(removed["members"], [sa2["id"]])
        up = json.loads(cli("groups", "update", g["id"], "--capability", "raw:read",
                            "--json").stdout)
        self.assertEqual(up["capabilities"], ["raw:read"])
        up = json.loads(cli("groups", "update", g["id"], "--no-capabilities", "--json").stdout)
        self.assertEqual(up["capabilities"], [])
        bad = cli("groups", "create", "--namespace", ns["id"], "--name", named("g"),
                  "--capability", "raw", expect=1)
        self.assertIn("invalid_argument", bad.stderr)
        self.assertIn("capabilities", bad.stderr)
        # An escalation through the CLI: exit 1 with the server's code.
        weak = user_with_pat(s, ns["id"], ["groups:*"])
        result = s.run_cli("groups", "create", "--namespace", ns["id"], "--name", named("g"),
                           "--capability", "raw:read", token=weak.pat)
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("error: privilege_escalation:", result.stderr)
        self.assertIn(f"deleted group {g['id']}", cli("groups", "delete", g["id"]).stdout)
        empty = s.create_namespace()
        self.assertIn("no groups", cli("groups", "list", "--namespace", empty["id"]).stdout)


class ServiceAccountWorkflow(AccessTestCase):
    """DESIGN §1 workflow 1: one service account and one group per service, scoped to two named
    RAW tables, and a key connecting it to one project."""

    def test_extractor(self):
        s = self.server
        org = s.create_namespace(named("acme"))
        project = s.create_namespace(named("sap-project"), kind="project", parent_id=org["id"])
        other_project = s.create_namespace(named("other-project"), kind="project",
                                           parent_id=org["id"])
        extractor = s.create_principal(named("extractor-sap"), namespace=project["id"])
        group = s.create_group(project["id"], ["raw:read:db1/t1", "raw:write:db1/t1"],
                               members=[extractor["id"]], name=named("extractor-sap-access"))
        key = s.create_key(project["id"], owner=extractor["id"], name=named("sap-export"))
        self.assertEqual(key["scopes"], ["*"])  # whatever the service account holds there
        secret = key["secret"]

        answer = s.verify(secret, scopes=["raw:read:db1/t1"])
        self.assertEqual(answer["code"], "VALID")
        self.assertTrue(answer["valid"])
        self.assertEqual(answer["key"]["scopes"], ["raw:read:db1/t1", "raw:write:db1/t1"])
        self.assertEqual(answer["key"]["owner"], extractor["id"])
        self.assertEqual(answer["key"]["namespace"], project["id"])
        self.assertEqual(self.code(secret, ["raw:write:db1/t1"]), "VALID")
        self.assertEqual(self.code(secret, ["raw:read:db1/t1", "raw:write:db1/t1"]), "VALID")
        answer = s.verify(secret, scopes=["raw:read:db1/t2"])
        self.assertEqual((answer["code"], answer["valid"]), ("INSUFFICIENT_SCOPE", False))
        self.assertEqual(answer["key"]["scopes"], ["raw:read:db1/t1", "raw:write:db1/t1"])
        for denied in (["raw:write:db1/t2"], ["raw:read:db1/*"], ["raw:read"], ["raw:*"],
                       ["raw:delete:db1/t1"], ["timeseries:read"], ["*"]):
            with self.subTest(scopes=denied):
                self.assertEqual(self.code(secret, denied), "INSUFFICIENT_SCOPE")
        self.assertEqual(self.code(secret, ["raw:read:db1/t1"], namespace=project["id"]),
                         "VALID")
        # WRONG_NAMESPACE comes before INSUFFICIENT_SCOPE.
        self.assertEqual(self.code(secret, ["raw:read:db1/t1"], namespace=other_project["id"]),
                         "WRONG_NAMESPACE")
        self.assertEqual(self.code(secret, ["raw:read:db1/t2"], namespace=other_project["id"]),
                         "WRONG_NAMESPACE")

        # A second service with its own group: neither key reaches the other's table.
        loader = s.create_principal(named("loader"), namespace=project["id"])
        s.create_group(project["id"], ["raw:write:db1/t2"], members=[loader["id"]])
        loader_key = s.create_key(project["id"], owner=loader["id"],
                                  scopes=["raw:write:db1/t2"])
        self.assertEqual(self.code(loader_key["secret"], ["raw:write:db1/t2"]), "VALID")
        self.assertEqual(self.code(loader_key["secret"], ["raw:write:db1/t1"]),
                         "INSUFFICIENT_SCOPE")
        self.assertEqual(self.code(secret, ["raw:write:db1/t2"]), "INSUFFICIENT_SCOPE")

        # An explicit, narrower scope list on the key narrows it further.
        narrow = s.create_key(project["id"], owner=extractor["id"], scopes=["raw:read:db1/t1"])
        self.assertEqual(s.verify(narrow["secret"])["key"]["scopes"], ["raw:read:db1/t1"])
        self.assertEqual(self.code(narrow["secret"], ["raw:write:db1/t1"]), "INSUFFICIENT_SCOPE")
        # A key asking for more than the owner has is allowed (the admin holds it) and bounded.
        wide = s.create_key(project["id"], owner=extractor["id"], scopes=["raw:*"])
        self.assertEqual(s.verify(wide["secret"])["key"]["scopes"],
                         ["raw:read:db1/t1", "raw:write:db1/t1"])
        self.assertEqual(self.code(wide["secret"], ["raw:read:db1/t2"]), "INSUFFICIENT_SCOPE")
        self.assertEqual(s.admin("GET", f"/v1/groups/{group['id']}").json["members"],
                         [extractor["id"]])

    def test_code_order_before_insufficient_scope(self):
        s = self.server
        ns = s.create_namespace()
        sa, _, key = self.owned_key(ns["id"], ["raw:read"])
        s.admin("POST", f"/v1/keys/{key['id']}/disable")
        self.assertEqual(self.code(key["secret"], ["raw:write"]), "DISABLED")
        s.admin("POST", f"/v1/keys/{key['id']}/revoke")
        self.assertEqual(self.code(key["secret"], ["raw:write"]), "REVOKED")
        _, _, key2 = self.owned_key(ns["id"], ["raw:read"])
        self.assertEqual(self.code(harness.make_key(), ["raw:write"]), "NOT_FOUND")
        self.assertEqual(self.code("nonsense", ["raw:write"]), "MALFORMED")
        self.assertEqual(self.code(key2["secret"], ["raw:write"]), "INSUFFICIENT_SCOPE")


class EffectiveChangesAtOnce(AccessTestCase):
    """effective(key) = key.scopes ∩ owner's capabilities now (DESIGN §4.1): every check right
    after a change's response, with no restart."""

    def test_membership(self):
        s = self.server
        ns = s.create_namespace()
        sa, group, key = self.owned_key(ns["id"], ["raw:read:db1/t1"])
        for _ in range(3):
            resp = s.admin("DELETE", f"/v1/groups/{group['id']}/members/{sa['id']}")
            self.assertEqual(resp.status, 200, resp)
            answer = s.verify(key["secret"], scopes=["raw:read:db1/t1"])
            self.assertEqual(answer["code"], "INSUFFICIENT_SCOPE")
            self.assertEqual(answer["key"]["scopes"], [])
            self.assertEqual(self.code(key["secret"]), "VALID")  # the key itself still works
            resp = s.admin("PUT", f"/v1/groups/{group['id']}/members/{sa['id']}")
            self.assertEqual(resp.status, 200, resp)
            answer = s.verify(key["secret"], scopes=["raw:read:db1/t1"])
            self.assertEqual(answer["code"], "VALID")
            self.assertEqual(answer["key"]["scopes"], ["raw:read:db1/t1"])

    def test_capabilities_and_group_deletion(self):
        s = self.server
        ns = s.create_namespace()
        sa, group, key = self.owned_key(ns["id"], ["raw:*"])
        other = s.create_group(ns["id"], ["timeseries:read"], members=[sa["id"]])
        self.assertEqual(s.verify(key["secret"])["key"]["scopes"], ["raw:*", "timeseries:read"])
        s.admin("PATCH", f"/v1/groups/{group['id']}", {"capabilities": ["raw:read"]})
        self.assertEqual(self.code(key["secret"], ["raw:write"]), "INSUFFICIENT_SCOPE")
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "VALID")
        # Renaming the group changes nothing.
        s.admin("PATCH", f"/v1/groups/{group['id']}", {"name": named("renamed")})
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "VALID")
        s.admin("PATCH", f"/v1/groups/{group['id']}", {"capabilities": ["raw:*"]})
        self.assertEqual(self.code(key["secret"], ["raw:write"]), "VALID")
        self.assertEqual(s.admin("DELETE", f"/v1/groups/{group['id']}").status, 204)
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "INSUFFICIENT_SCOPE")
        # The other group still counts.
        answer = s.verify(key["secret"], scopes=["timeseries:read"])
        self.assertEqual((answer["code"], answer["key"]["scopes"]), ("VALID", ["timeseries:read"]))
        # A new group restores it, without a restart.
        s.create_group(ns["id"], ["raw:write"], members=[sa["id"]])
        self.assertEqual(self.code(key["secret"], ["raw:write"]), "VALID")
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "INSUFFICIENT_SCOPE")

    def test_capabilities_count_only_in_their_namespace(self):
        s = self.server
        ns, elsewhere = s.create_namespace(), s.create_namespace()
        sa = s.create_principal(namespace=ns["id"])
        s.create_group(elsewhere["id"], ["raw:*"], members=[sa["id"]])
        key = s.create_key(ns["id"], owner=sa["id"])
        self.assertEqual(self.code(key["secret"], ["raw:read"]), "INSUFFICIENT_SCOPE")
        self.assertEqual(s.verify(key["secret"])["key"]["scopes"], [])

    def test_disabling_the_owner(self):
        s = self.server
        ns = s.create_namespace()
        user = s.create_principal(kind="user", namespace=ns["id"])
        s.create_group(ns["id"], ["raw:read", "keys:read"], members=[user["id"]])
        default_key = user["default_key"]["secret"]
        pat = s.create_key(type="personal", owner=user["id"])["secret"]
        self.assertEqual(self.code(default_key, ["raw:read"]), "VALID")
        self.assertEqual(s.call("GET", "/v1/whoami", token=pat).status, 200)
        for _ in range(2):
            resp = s.admin("PATCH", f"/v1/principals/{user['id']}", {"status": "disabled"})
            self.assertEqual(resp.status, 200, resp)
            self.assertEqual(self.code(default_key, ["raw:read"]), "DISABLED")
            self.assertEqual(self.code(pat), "DISABLED")
            self.assertError(s.call("GET", "/v1/whoami", token=pat), 401, "unauthenticated")
            resp = s.admin("PATCH", f"/v1/principals/{user['id']}", {"status": "active"})
            self.assertEqual(resp.status, 200, resp)
            # Re-enabling brings back the same capabilities (they were kept).
            self.assertEqual(self.code(default_key, ["raw:read"]), "VALID")
            self.assertEqual(s.call("GET", "/v1/whoami", token=pat).status, 200)

    def test_a_management_key_loses_its_powers_with_its_owner(self):
        s = self.server
        ns = s.create_namespace()
        user = user_with_pat(s, ns["id"], ["keys:*", "raw:read"])
        mk = s.create_key(ns["id"], type="management", owner=user.id)["secret"]
        body = lambda: {"name": named("k"), "namespace": ns["id"], "scopes": ["raw:read"]}
        self.assertEqual(s.call("POST", "/v1/keys", body(), token=mk).status, 201)
        s.admin("DELETE", f"/v1/groups/{user.group['id']}/members/{user.id}")
        self.assertError(s.call("POST", "/v1/keys", body(), token=mk), 403, "permission_denied")
        self.assertError(s.call("POST", "/v1/keys", body(), token=user.pat), 403,
                         "permission_denied")
        s.admin("PUT", f"/v1/groups/{user.group['id']}/members/{user.id}")
        self.assertEqual(s.call("POST", "/v1/keys", body(), token=mk).status, 201)

    def test_personal_tokens_are_bounded_per_namespace(self):
        s = self.server
        n1, n2 = s.create_namespace(), s.create_namespace()
        user = user_with_pat(s, n1["id"], ["raw:read"])
        s.create_group(n2["id"], ["raw:write"], members=[user.id])
        pat = user.pat
        self.assertEqual(self.code(pat, ["raw:read"], namespace=n1["id"]), "VALID")
        self.assertEqual(self.code(pat, ["raw:write"], namespace=n1["id"]), "INSUFFICIENT_SCOPE")
        self.assertEqual(self.code(pat, ["raw:write"], namespace=n2["id"]), "VALID")
        self.assertEqual(self.code(pat, ["raw:read"], namespace=n2["id"]), "INSUFFICIENT_SCOPE")
        self.assertEqual(s.verify(pat, namespace=n1["id"])["key"]["scopes"], ["raw:read"])
        self.assertEqual(s.verify(pat, namespace=n2["id"])["key"]["scopes"], ["raw:write"])
        third = s.create_namespace()
        self.assertEqual(self.code(pat, ["raw:read"], namespace=third["id"]),
                         "INSUFFICIENT_SCOPE")
        # A PAT's own scopes bound it too.
        narrow = s.create_key(type="personal", owner=user.id, scopes=["raw:write"])["secret"]
        self.assertEqual(self.code(narrow, ["raw:read"], namespace=n1["id"]),
                         "INSUFFICIENT_SCOPE")
        self.assertEqual(self.code(narrow, ["raw:write"], namespace=n2["id"]), "VALID")
        # The superuser's token holds everything everywhere.
        answer = s.verify(s.admin_token, namespace=third["id"], scopes=["anything:goes:here"])
        self.assertEqual((answer["code"], answer["key"]["scopes"]), ("VALID", ["*"]))


class SurvivesRestart(unittest.TestCase):
    """Capabilities are store data: a restart rebuilds the same effective permissions, and the
    audit chain goes on where it stopped."""

    def test_restart(self):
        with harness.LatchkeyServer() as s:
            ns, other = s.create_namespace(), s.create_namespace()
            sa = s.create_principal(namespace=ns["id"])
            s.create_group(ns["id"], ["raw:read:db1/t1", "raw:write:db1/t1"], members=[sa["id"]])
            key = s.create_key(ns["id"], owner=sa["id"])["secret"]
            user = user_with_pat(s, ns["id"], ["keys:read"])
            s.create_group(other["id"], ["raw:*"], members=[user.id])
            removed = s.create_group(ns["id"], ["raw:*"], members=[sa["id"]])
            s.admin("DELETE", f"/v1/groups/{removed['id']}/members/{sa['id']}")

            def state():
                return ([s.verify(key, scopes=[scope])["code"]
                         for scope in ("raw:read:db1/t1", "raw:write:db1/t1", "raw:read:db1/t2")],
                        s.verify(key)["key"]["scopes"],
                        s.call("GET", "/v1/whoami",
                               token=user.pat).json["permissions_by_namespace"])

            before = state()
            self.assertEqual(before[0], ["VALID", "VALID", "INSUFFICIENT_SCOPE"])
            events = s.admin("GET", "/v1/audit?limit=1000").json["items"]
            s.restart()
            self.assertEqual(state(), before)
            s.create_namespace()
            after = s.admin("GET", "/v1/audit?limit=1000").json["items"]
            self.assertEqual(after[:len(events)], events)
            self.assertEqual(after[len(events)]["prev_hash"], events[-1]["hash"])
            self.assertTrue(s.admin("POST", "/v1/audit/verify").json["ok"])


class NamespaceRules(AccessTestCase):
    """DESIGN §4.4 with management keys, and listings of a personal token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.org = s.create_namespace(named("org"))
        cls.app = s.create_namespace(named("app"), kind="application", parent_id=cls.org["id"])
        cls.sibling = s.create_namespace(named("sibling"), kind="application",
                                         parent_id=cls.org["id"])
        cls.ws = s.create_namespace(named("ws"), kind="workspace", parent_id=cls.app["id"])
        cls.ug = s.create_namespace(named("ug"), kind="user_group", parent_id=cls.app["id"])
        cls.proj = s.create_namespace(named("proj"), kind="project", parent_id=cls.app["id"])
        cls.sibling_ws = s.create_namespace(named("sws"), kind="workspace",
                                            parent_id=cls.sibling["id"])
        owner = user_with_pat(s, cls.org["id"], ["*"])
        s.create_group(cls.app["id"], ["*"], members=[owner.id])
        cls.owner = owner
        cls.org_key = s.create_key(cls.org["id"], type="management", owner=owner.id)["secret"]
        cls.app_key = s.create_key(cls.app["id"], type="management", owner=owner.id)["secret"]

    def listed(self, path, token):
        return ids(all_items(self.server, path, token=token))

    def test_a_namespace_key_lists_only_its_namespace(self):
        self.assertEqual(self.listed("/v1/namespaces", self.org_key), [self.org["id"]])
        self.assertEqual(self.listed("/v1/namespaces", self.app_key), [self.app["id"]])
        self.assertEqual(self.listed("/v1/namespaces?kind=workspace", self.app_key), [])
        # The same owner's personal token sees both, and the workspaces through the app.
        listed = self.listed("/v1/namespaces", self.owner.pat)
        self.assertEqual(sorted(listed), sorted([self.org["id"], self.app["id"], self.ws["id"],
                                                 self.ug["id"]]))

    def test_an_application_key_manages_its_workspaces_and_user_groups(self):
        s, key = self.server, self.app_key
        self.assertEqual(sorted(self.listed(f"/v1/namespaces?parent_id={self.app['id']}", key)),
                         sorted([self.ws["id"], self.ug["id"]]))
        self.assertEqual(self.listed(f"/v1/namespaces?parent_id={self.sibling['id']}", key), [])
        for ns in (self.ws, self.ug):
            self.assertEqual(s.call("GET", f"/v1/namespaces/{ns['id']}", token=key).json, ns)
        for kind in ("workspace", "user_group"):
            with self.subTest(kind=kind):
                resp = s.call("POST", "/v1/namespaces", {"name": named(kind), "kind": kind,
                                                         "parent_id": self.app["id"]}, token=key)
                self.assertEqual(resp.status, 201, resp)
                child = resp.json
                resp = s.call("PATCH", f"/v1/namespaces/{child['id']}",
                              {"name": named("renamed"),
                               "settings": {"app_domains": ["app.example.com"]}}, token=key)
                self.assertEqual(resp.status, 200, resp)
                self.assertIn(child["id"], self.listed(
                    f"/v1/namespaces?parent_id={self.app['id']}", key))
                self.assertEqual(s.call("DELETE", f"/v1/namespaces/{child['id']}",
                                        token=key).status, 204)
                self.assertError(s.admin("GET", f"/v1/namespaces/{child['id']}"), 404,
                                 "not_found")
        # Only namespaces:* reaches there: keys and groups of the workspace are out of reach.
        self.assertError(s.call("GET", f"/v1/keys?namespace={self.ws['id']}", token=key), 403,
                         "permission_denied")
        self.assertError(s.call("GET", f"/v1/groups?namespace={self.ws['id']}", token=key), 403,
                         "permission_denied")
        for ns in (self.proj, self.sibling_ws, self.sibling, self.org):
            with self.subTest(unreachable=ns["kind"]):
                resp = s.call("GET", f"/v1/namespaces/{ns['id']}", token=key)
                self.assertError(resp, 404, "not_found")
                self.assertNotIn(ns["name"], resp.raw.decode())

    def test_an_organization_key_does_not_reach_its_applications(self):
        s, key = self.server, self.org_key
        self.assertEqual(self.listed(f"/v1/namespaces?parent_id={self.org['id']}", key), [])
        for ns in (self.app, self.sibling, self.ws, self.proj):
            with self.subTest(ns=ns["kind"]):
                resp = s.call("GET", f"/v1/namespaces/{ns['id']}", token=key)
                self.assertError(resp, 404, "not_found")
                self.assertNotIn(ns["name"], resp.raw.decode())
        before = snapshot(s)
        self.assertError(s.call("POST", "/v1/keys", {"name": named("k"),
                                                     "namespace": self.app["id"]}, token=key),
                         403, "permission_denied")
        self.assertError(s.call("GET", f"/v1/keys?namespace={self.app['id']}", token=key),
                         403, "permission_denied")
        self.assertError(s.call("POST", "/v1/groups", {"namespace": self.app["id"],
                                                       "name": named("g"), "capabilities": []},
                                token=key), 403, "permission_denied")
        self.assertEqual(snapshot(s), before)

    def test_personal_token_listings_are_filtered(self):
        s = self.server
        tenant, foreign = s.create_namespace(), s.create_namespace()
        user = user_with_pat(s, tenant["id"], ["keys:read", "principals:read", "groups:read"])
        foreign_sa = s.create_principal(named("foreign-sa"), namespace=foreign["id"])
        foreign_key = s.create_key(foreign["id"], owner=foreign_sa["id"], name=named("fk"))
        s.create_group(foreign["id"], ["raw:read"], members=[foreign_sa["id"]])
        mine = s.create_key(tenant["id"], owner=user.id)
        keys = all_items(s, "/v1/keys", token=user.pat)
        self.assertIn(mine["id"], ids(keys))
        self.assertEqual({k["namespace"] for k in keys}, {tenant["id"]})
        # Its own keys, wherever they are, with owner=<itself>.
        own = ids(all_items(s, f"/v1/keys?owner={user.id}", token=user.pat))
        self.assertIn(user.pat_key["id"], own)
        self.assertEqual(ids(all_items(s, f"/v1/keys?owner={foreign_sa['id']}", token=user.pat)),
                         [])
        self.assertEqual({p["namespace"] for p in all_items(s, "/v1/principals",
                                                            token=user.pat)}, {tenant["id"]})
        self.assertEqual({g["namespace"] for g in all_items(s, "/v1/groups", token=user.pat)},
                         {tenant["id"]})
        self.assertEqual(self.listed("/v1/namespaces", user.pat), [])  # no namespaces:read
        for path in (f"/v1/keys?namespace={foreign['id']}",
                     f"/v1/principals?namespace={foreign['id']}",
                     f"/v1/groups?namespace={foreign['id']}"):
            with self.subTest(path=path):
                resp = s.call("GET", path, token=user.pat)
                self.assertError(resp, 403, "permission_denied")
                for name in (foreign["name"], foreign_sa["name"], foreign_key["name"]):
                    self.assertNotIn(name, resp.raw.decode())


class DefaultKey(AccessTestCase):
    def test_every_user_gets_a_default_key_once(self):
        s = self.server
        ns = s.create_namespace()
        user = s.create_principal(kind="user", namespace=ns["id"])
        dk = user["default_key"]
        self.assertEqual((dk["name"], dk["type"], dk["owner"], dk["namespace"], dk["scopes"]),
                         ("default-key", "standard", user["id"], ns["id"], ["*"]))
        self.assertTrue(harness.is_well_formed_key(dk["secret"]))
        later = [s.admin("GET", f"/v1/principals/{user['id']}"),
                 s.admin("GET", f"/v1/keys/{dk['id']}"),
                 s.admin("GET", f"/v1/keys?owner={user['id']}")]
        for resp in later:
            self.assertEqual(resp.status, 200, resp)
            self.assertNotIn(harness.secret_part(dk["secret"]).encode(), resp.raw)
            self.assertNotIn(b'"secret"', resp.raw)
        self.assertEqual(ids(all_items(s, f"/v1/keys?owner={user['id']}")), [dk["id"]])
        # It is worth what the user holds in its home namespace.
        self.assertEqual(self.code(dk["secret"], ["raw:read"]), "INSUFFICIENT_SCOPE")
        s.create_group(ns["id"], ["raw:read"], members=[user["id"]])
        self.assertEqual(self.code(dk["secret"], ["raw:read"]), "VALID")
        # Service accounts get none; a user can opt out.
        sa = s.create_principal(namespace=ns["id"])
        self.assertNotIn("default_key", sa)
        self.assertEqual(all_items(s, f"/v1/keys?owner={sa['id']}"), [])
        bare = s.create_principal(kind="user", namespace=ns["id"], default_key=False)
        self.assertNotIn("default_key", bare)
        self.assertEqual(all_items(s, f"/v1/keys?owner={bare['id']}"), [])

    def test_delete_it_and_create_it_again(self):
        s = self.server
        ns = s.create_namespace()
        user = s.create_principal(kind="user", namespace=ns["id"])
        s.create_group(ns["id"], ["keys:*", "raw:read"], members=[user["id"]])
        pat = s.create_key(type="personal", owner=user["id"])["secret"]
        old = user["default_key"]
        # Names are unique per owner: a second default-key is a conflict.
        self.assertError(s.call("POST", "/v1/keys", {"name": "default-key",
                                                     "namespace": ns["id"]}, token=pat),
                         409, "conflict")
        # The user deletes it with its own token ...
        self.assertEqual(s.call("DELETE", f"/v1/keys/{old['id']}", token=pat).status, 204)
        self.assertEqual(self.code(old["secret"]), "NOT_FOUND")
        # ... and has it back by creating a key with that name.
        resp = s.call("POST", "/v1/keys", {"name": "default-key", "namespace": ns["id"]},
                      token=pat)
        self.assertEqual(resp.status, 201, resp)
        new = resp.json
        self.assertEqual((new["name"], new["owner"]), ("default-key", user["id"]))
        self.assertNotEqual(new["id"], old["id"])
        self.assertEqual(self.code(new["secret"], ["raw:read"]), "VALID")
        self.assertError(s.call("POST", "/v1/keys", {"name": "default-key",
                                                     "namespace": ns["id"]}, token=pat),
                         409, "conflict")
        # A revoked key keeps its name taken (it is not deleted).
        s.call("POST", f"/v1/keys/{new['id']}/revoke", token=pat)
        self.assertError(s.call("POST", "/v1/keys", {"name": "default-key",
                                                     "namespace": ns["id"]}, token=pat),
                         409, "conflict")
        # Another user has its own.
        other = s.create_principal(kind="user", namespace=ns["id"])
        self.assertEqual(other["default_key"]["name"], "default-key")

    def test_owners_manage_their_own_keys_with_their_own_token(self):
        s = self.server
        ns = s.create_namespace()
        user = s.create_principal(kind="user", namespace=ns["id"])
        # No group at all: still its own keys are its own.
        pat = s.create_key(type="personal", owner=user["id"])["secret"]
        kid = user["default_key"]["id"]
        for method, path, body, status in [
            ("GET", f"/v1/keys/{kid}", None, 200),
            ("PATCH", f"/v1/keys/{kid}", {"description": "mine"}, 200),
            ("PATCH", f"/v1/keys/{kid}", {"scopes": []}, 200),
            ("POST", f"/v1/keys/{kid}/disable", None, 200),
            # Re-enabling needs keys:update: someone else may have disabled it for a reason.
            ("POST", f"/v1/keys/{kid}/enable", None, 403),
            ("POST", f"/v1/keys/{kid}/revoke", None, 200),
            ("DELETE", f"/v1/keys/{kid}", None, 204),
        ]:
            with self.subTest(method=method, path=path, body=body):
                resp = s.call(method, path, body=body, token=pat)
                self.assertEqual(resp.status, status, resp)
        # But not more than it holds.
        other = s.create_key(ns["id"], owner=user["id"], scopes=[])
        self.assertError(s.call("PATCH", f"/v1/keys/{other['id']}", {"scopes": ["raw:read"]},
                                token=pat), 403, "privilege_escalation")


class WhoAmI(AccessTestCase):
    def test_permissions_of_each_kind_of_credential(self):
        s = self.server
        n1, n2 = s.create_namespace(), s.create_namespace()
        user = user_with_pat(s, n1["id"], ["raw:read", "keys:read"])
        g2 = s.create_group(n2["id"], ["raw:write", "raw:read:db1/t1"], members=[user.id])
        status, _, who = s.call("GET", "/v1/whoami", token=user.pat)
        self.assertEqual(status, 200, who)
        self.assertEqual(set(who), {"principal", "key", "permissions", "permissions_by_namespace"})
        self.assertEqual(who["principal"]["id"], user.id)
        self.assertEqual(who["key"]["id"], user.pat_key["id"])
        self.assertNotIn("secret", who["key"])
        self.assertEqual(who["permissions_by_namespace"],
                         {n1["id"]: ["raw:read", "keys:read"],
                          n2["id"]: ["raw:write", "raw:read:db1/t1"]})
        self.assertEqual(sorted(who["permissions"]), sorted(["raw:read", "keys:read",
                                                             "raw:write"]))
        # A restricted token: its scopes ∩ the capabilities, per namespace.
        narrow = s.create_key(type="personal", owner=user.id, scopes=["raw:*"])["secret"]
        who = s.call("GET", "/v1/whoami", token=narrow).json
        self.assertEqual(who["permissions_by_namespace"],
                         {n1["id"]: ["raw:read"], n2["id"]: ["raw:write", "raw:read:db1/t1"]})
        # A management key: its namespace only.
        mk = s.create_key(n2["id"], type="management", owner=user.id)
        who = s.call("GET", "/v1/whoami", token=mk["secret"]).json
        self.assertEqual(who["key"]["id"], mk["id"])
        self.assertEqual(who["permissions_by_namespace"],
                         {n2["id"]: ["raw:write", "raw:read:db1/t1"]})
        self.assertEqual(who["permissions"], ["raw:write", "raw:read:db1/t1"])
        # Changes show at once.
        s.admin("DELETE", f"/v1/groups/{g2['id']}/members/{user.id}")
        who = s.call("GET", "/v1/whoami", token=user.pat).json
        self.assertEqual(who["permissions_by_namespace"], {n1["id"]: ["raw:read", "keys:read"]})
        self.assertEqual(s.call("GET", "/v1/whoami", token=mk["secret"]).json["permissions"], [])
        # The superuser holds `*`.
        who = s.admin("GET", "/v1/whoami").json
        self.assertEqual(who["permissions"], ["*"])
        self.assertTrue(who["principal"]["superuser"])
        # A standard key never calls the management API; no key at all is 401.
        standard = s.create_key(n1["id"], owner=user.id)["secret"]
        self.assertError(s.call("GET", "/v1/whoami", token=standard), 403, "permission_denied")
        self.assertError(s.call("GET", "/v1/whoami"), 401, "unauthenticated")

    def test_cli_whoami(self):
        s = self.server
        ns = s.create_namespace()
        user = user_with_pat(s, ns["id"], ["raw:read:db1/t1"])
        result = s.run_cli("whoami", "--json", token=user.pat)
        self.assertEqual(result.returncode, 0, result)
        who = json.loads(result.stdout)
        self.assertEqual(who["permissions_by_namespace"], {ns["id"]: ["raw:read:db1/t1"]})
        self.assertNotIn(user.pat, result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()


class CreatorBound(AccessTestCase):
    """DESIGN §1.2: "a key never has more authority than the user who created it has right
    now" — also a key a non-superuser made for someone else (found by the security review)."""

    def test_a_key_for_someone_else_never_outgrows_its_creator(self):
        s = self.server
        ns = s.create_namespace(kind="project")
        olivia = user_with_pat(s, ns["id"], ["keys:create", "principals:read", "raw:read"])
        sa = s.create_principal(kind="service_account", namespace=ns["id"])
        key = s.create_key(ns["id"], owner=sa["id"], token=olivia.pat)  # `*`
        power = s.create_group(ns["id"], ["raw:*"], members=[sa["id"]])
        self.assertEqual(s.verify(key["secret"], scopes=["raw:read:db1/t1"])["code"], "VALID")
        self.assertEqual(s.verify(key["secret"], scopes=["raw:write"])["code"],
                         "INSUFFICIENT_SCOPE")
        self.assertEqual(s.verify(key["secret"])["key"]["scopes"], ["raw:read"])
        # She leaves her group: the key she made loses what she lost, at once.
        s.admin("DELETE", f"/v1/groups/{olivia.group['id']}/members/{olivia.id}")
        self.assertEqual(s.verify(key["secret"], scopes=["raw:read"])["code"],
                         "INSUFFICIENT_SCOPE")
        self.assertEqual(s.verify(key["secret"])["key"]["scopes"], [])
        s.admin("PUT", f"/v1/groups/{olivia.group['id']}/members/{olivia.id}")
        self.assertEqual(s.verify(key["secret"], scopes=["raw:read"])["code"], "VALID")
        # The admin's keys for the service account follow the service account alone.
        by_admin = s.create_key(ns["id"], owner=sa["id"])
        self.assertEqual(s.verify(by_admin["secret"], scopes=["raw:write"])["code"], "VALID")
        s.admin("DELETE", f"/v1/groups/{power['id']}")
        self.assertEqual(s.verify(by_admin["secret"], scopes=["raw:write"])["code"],
                         "INSUFFICIENT_SCOPE")

    def test_the_default_key_of_a_user_made_by_a_non_superuser_is_bounded_by_its_maker(self):
        s = self.server
        ns = s.create_namespace(kind="project")
        hr = user_with_pat(s, ns["id"], ["principals:write", "raw:read"])
        created = s.call("POST", "/v1/principals",
                         {"name": harness.unique_name("new"), "kind": "user",
                          "namespace": ns["id"]}, token=hr.pat).json
        s.create_group(ns["id"], ["raw:*", "keys:*"], members=[created["id"]])
        secret = created["default_key"]["secret"]  # which the maker saw
        self.assertEqual(s.verify(secret, scopes=["raw:read"])["code"], "VALID")
        self.assertEqual(s.verify(secret, scopes=["keys:create"])["code"], "INSUFFICIENT_SCOPE")


class OwnTokenLimits(AccessTestCase):
    def test_a_data_only_token_cannot_list_its_owners_keys(self):
        s = self.server
        ns = s.create_namespace(kind="application")
        user = user_with_pat(s, ns["id"], ["keys:*", "raw:read"])
        data_only = s.create_key(type="personal", owner=user.id, scopes=["raw:read"])["secret"]
        resp = s.call("GET", f"/v1/keys?owner={user.id}", token=data_only)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["items"], [])  # nothing it may read
        self.assertEqual(s.call("GET", f"/v2/users/{user.id}/keys", token=data_only).status, 403)
        self.assertEqual(len(s.call("GET", f"/v1/keys?owner={user.id}",
                                    token=user.pat).json["items"]), 2)

    def test_meta_needs_keys_update_not_just_ownership(self):
        s = self.server
        ns = s.create_namespace()
        user = user_with_pat(s, ns["id"], ["raw:read"])
        key = s.create_key(ns["id"], owner=user.id, meta={"plan": "free"})
        resp = s.call("PATCH", f"/v1/keys/{key['id']}", {"meta": {"plan": "enterprise"}},
                      token=user.pat)
        self.assertEqual(resp.status, 403, resp)
        self.assertEqual(s.verify(key["secret"])["key"]["meta"], {"plan": "free"})
        resp = s.call("PATCH", f"/v1/keys/{key['id']}", {"description": "mine"}, token=user.pat)
        self.assertEqual(resp.status, 200, resp)
