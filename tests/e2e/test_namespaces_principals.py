"""Namespaces and principals over HTTP: CRUD, uniqueness, immutable fields, and what a
principal's status and deletion do to the keys it owns (seen by verify at once)."""

import unittest

import harness
from harness import unique_name

NAMESPACE_FIELDS = {"id", "name", "kind", "parent_id", "settings", "created_at", "updated_at"}
PRINCIPAL_FIELDS = {"id", "name", "kind", "email", "status", "namespace", "superuser",
                    "has_password", "created_at", "updated_at"}
TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


class Namespaces(harness.SharedServerTestCase, unittest.TestCase):
    def assertError(self, resp, status, code, field=None):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["error"]["code"], code, resp)
        if field is not None:
            self.assertEqual(resp.json["error"].get("field"), field, resp)

    def test_create_get_list_update_delete(self):
        s = self.server
        name = unique_name("acme")
        status, _, ns = s.admin("POST", "/v1/namespaces", {"name": name, "kind": "organization"})
        self.assertEqual(status, 201, ns)
        self.assertEqual(set(ns), NAMESPACE_FIELDS)
        self.assertRegex(ns["id"], r"^ns_\w+$")
        self.assertEqual(ns["name"], name)
        self.assertEqual(ns["kind"], "organization")
        self.assertIsNone(ns["parent_id"])
        self.assertEqual(ns["settings"], {"app_domains": [], "default_key_prefix": "",
                                          "default_resources": []})
        self.assertRegex(ns["created_at"], TIME_RE)

        status, _, got = s.admin("GET", f"/v1/namespaces/{ns['id']}")
        self.assertEqual((status, got), (200, ns))

        app = s.create_namespace(kind="application", parent_id=ns["id"],
                                 settings={"app_domains": ["app.example.com"],
                                           "default_key_prefix": "acme"})
        self.assertEqual(app["parent_id"], ns["id"])
        self.assertEqual(app["settings"]["app_domains"], ["app.example.com"])

        status, _, page = s.admin("GET", f"/v1/namespaces?parent_id={ns['id']}")
        self.assertEqual(status, 200, page)
        self.assertEqual([n["id"] for n in page["items"]], [app["id"]])
        self.assertIsNone(page["next_cursor"])
        status, _, page = s.admin("GET", "/v1/namespaces?kind=application&limit=1000")
        self.assertEqual(status, 200, page)
        self.assertIn(app["id"], [n["id"] for n in page["items"]])
        self.assertNotIn(ns["id"], [n["id"] for n in page["items"]])

        new_name = unique_name("renamed")
        status, _, updated = s.admin("PATCH", f"/v1/namespaces/{ns['id']}",
                                     {"name": new_name, "settings": {"default_key_prefix": "ac"}})
        self.assertEqual(status, 200, updated)
        self.assertEqual(updated["name"], new_name)
        self.assertEqual(updated["settings"]["default_key_prefix"], "ac")
        self.assertEqual(updated["created_at"], ns["created_at"])
        self.assertEqual(s.admin("GET", f"/v1/namespaces/{ns['id']}").json, updated)

        # A settings PATCH changes only the settings fields given.
        status, _, app2 = s.admin("PATCH", f"/v1/namespaces/{app['id']}",
                                  {"settings": {"default_key_prefix": "shop"}})
        self.assertEqual(status, 200, app2)
        self.assertEqual(app2["settings"], {"app_domains": ["app.example.com"],
                                            "default_key_prefix": "shop",
                                            "default_resources": []})
        status, _, app3 = s.admin("PATCH", f"/v1/namespaces/{app['id']}",
                                  {"settings": {"app_domains": []}})
        self.assertEqual(app3["settings"], {"app_domains": [], "default_key_prefix": "shop",
                                            "default_resources": []})
        self.assertError(s.admin("PATCH", f"/v1/namespaces/{app['id']}",
                                 {"settings": {"default_key_prefix": "No"}}),
                         400, "invalid_argument", "settings.default_key_prefix")

        self.assertEqual(s.admin("DELETE", f"/v1/namespaces/{app['id']}").status, 204)
        self.assertError(s.admin("GET", f"/v1/namespaces/{app['id']}"), 404, "not_found")
        self.assertError(s.admin("DELETE", f"/v1/namespaces/{app['id']}"), 404, "not_found")
        self.assertEqual(s.admin("DELETE", f"/v1/namespaces/{ns['id']}").status, 204)

    def test_names_are_unique_among_siblings(self):
        s = self.server
        parent = s.create_namespace()
        name = unique_name("dup")
        s.create_namespace(name=name, kind="workspace", parent_id=parent["id"])
        self.assertError(s.admin("POST", "/v1/namespaces",
                                 {"name": name, "kind": "workspace", "parent_id": parent["id"]}),
                         409, "conflict")
        # Top-level namespaces are siblings of each other too ("root" exists already).
        self.assertError(s.admin("POST", "/v1/namespaces", {"name": "root", "kind": "project"}),
                         409, "conflict")
        top = unique_name("top")
        s.create_namespace(name=top)
        self.assertError(s.admin("POST", "/v1/namespaces", {"name": top, "kind": "project"}),
                         409, "conflict")
        # The same name under another parent is fine.
        other = s.create_namespace()
        s.create_namespace(name=name, kind="workspace", parent_id=other["id"])
        # Renaming onto a sibling's name is a conflict as well.
        sibling = s.create_namespace(kind="workspace", parent_id=parent["id"])
        self.assertError(s.admin("PATCH", f"/v1/namespaces/{sibling['id']}", {"name": name}),
                         409, "conflict")

    def test_kind_and_parent_are_immutable(self):
        s = self.server
        parent = s.create_namespace()
        ns = s.create_namespace(kind="workspace", parent_id=parent["id"])
        self.assertError(s.admin("PATCH", f"/v1/namespaces/{ns['id']}", {"kind": "project"}),
                         400, "invalid_argument", "kind")
        self.assertError(s.admin("PATCH", f"/v1/namespaces/{ns['id']}", {"parent_id": None}),
                         400, "invalid_argument", "parent_id")
        self.assertError(s.admin("PATCH", f"/v1/namespaces/{ns['id']}",
                                 {"parent_id": s.root_namespace()}),
                         400, "invalid_argument", "parent_id")
        self.assertEqual(s.admin("GET", f"/v1/namespaces/{ns['id']}").json, ns)

    def test_bad_input(self):
        s = self.server
        self.assertError(s.admin("POST", "/v1/namespaces", {"name": "x", "kind": "galaxy"}),
                         400, "invalid_argument", "kind")
        self.assertError(s.admin("POST", "/v1/namespaces", {"kind": "project"}),
                         400, "invalid_argument", "name")
        self.assertError(s.admin("POST", "/v1/namespaces", {"name": "x"}),
                         400, "invalid_argument", "kind")
        self.assertError(s.admin("POST", "/v1/namespaces", {"name": "", "kind": "project"}),
                         400, "invalid_argument", "name")
        self.assertError(s.admin("POST", "/v1/namespaces", {"name": "n" * 129, "kind": "project"}),
                         400, "invalid_argument", "name")
        self.assertError(s.admin("POST", "/v1/namespaces",
                                 {"name": unique_name(), "kind": "project",
                                  "parent_id": "ns_doesnotexist"}),
                         400, "invalid_argument", "parent_id")
        self.assertError(s.admin("POST", "/v1/namespaces",
                                 {"name": unique_name(), "kind": "project",
                                  "settings": {"default_key_prefix": "Bad-Prefix"}}),
                         400, "invalid_argument", "settings.default_key_prefix")
        self.assertError(s.admin("GET", "/v1/namespaces/ns_doesnotexist"), 404, "not_found")
        self.assertError(s.admin("GET", "/v1/namespaces?kind=galaxy"), 400, "invalid_argument",
                         "kind")

    def test_delete_refused_while_in_use(self):
        s = self.server
        home = s.create_namespace()
        principal = s.create_principal(namespace=home["id"])
        self.assertError(s.admin("DELETE", f"/v1/namespaces/{home['id']}"), 409, "conflict")

        keyed = s.create_namespace()
        key = s.create_key(keyed["id"], owner=principal["id"])
        self.assertError(s.admin("DELETE", f"/v1/namespaces/{keyed['id']}"), 409, "conflict")
        # The refused delete changed nothing: the key still verifies.
        self.assertEqual(s.verify_code(key["secret"]), "VALID")

        parent = s.create_namespace()
        s.create_namespace(kind="workspace", parent_id=parent["id"])
        self.assertError(s.admin("DELETE", f"/v1/namespaces/{parent['id']}"), 409, "conflict")

        # Once emptied, both go.
        self.assertEqual(s.admin("DELETE", f"/v1/keys/{key['id']}").status, 204)
        self.assertEqual(s.admin("DELETE", f"/v1/namespaces/{keyed['id']}").status, 204)
        self.assertEqual(s.admin("DELETE", f"/v1/principals/{principal['id']}").status, 204)
        self.assertEqual(s.admin("DELETE", f"/v1/namespaces/{home['id']}").status, 204)


class Principals(harness.SharedServerTestCase, unittest.TestCase):
    assertError = Namespaces.assertError

    def test_create_get_list_update_delete(self):
        s = self.server
        home = s.create_namespace()
        name = unique_name("extractor")
        status, _, p = s.admin("POST", "/v1/principals",
                               {"name": name, "kind": "service_account", "namespace": home["id"]})
        self.assertEqual(status, 201, p)
        self.assertEqual(set(p), PRINCIPAL_FIELDS)  # no default_key for a service account
        self.assertRegex(p["id"], r"^pr_\w+$")
        self.assertEqual((p["name"], p["kind"], p["status"], p["namespace"], p["superuser"]),
                         (name, "service_account", "active", home["id"], False))
        self.assertIsNone(p["email"])
        self.assertEqual(s.admin("GET", f"/v1/principals/{p['id']}").json, p)

        status, _, page = s.admin("GET", f"/v1/principals?namespace={home['id']}")
        self.assertEqual(status, 200, page)
        self.assertEqual([x["id"] for x in page["items"]], [p["id"]])

        status, _, updated = s.admin("PATCH", f"/v1/principals/{p['id']}",
                                     {"name": name + "-2", "email": "ops@example.com"})
        self.assertEqual(status, 200, updated)
        self.assertEqual((updated["name"], updated["email"]), (name + "-2", "ops@example.com"))

        status, _, page = s.admin("GET",
                                  f"/v1/principals?namespace={home['id']}&status=active"
                                  "&kind=service_account")
        self.assertEqual([x["id"] for x in page["items"]], [p["id"]])
        status, _, page = s.admin("GET", f"/v1/principals?namespace={home['id']}&kind=user")
        self.assertEqual(page["items"], [])

        self.assertEqual(s.admin("DELETE", f"/v1/principals/{p['id']}").status, 204)
        self.assertError(s.admin("GET", f"/v1/principals/{p['id']}"), 404, "not_found")

    def test_default_home_is_the_root_namespace(self):
        p = self.server.create_principal()
        self.assertEqual(p["namespace"], self.server.root_namespace())

    def test_user_gets_a_default_key_that_verifies(self):
        s = self.server
        home = s.create_namespace()
        user = s.create_principal(kind="user", namespace=home["id"], email="ada@example.com")
        key = user["default_key"]
        self.assertEqual(set(user) - {"default_key"}, PRINCIPAL_FIELDS)
        self.assertEqual(key["name"], "default-key")
        self.assertEqual(key["type"], "standard")
        self.assertEqual(key["owner"], user["id"])
        self.assertEqual(key["namespace"], home["id"])
        self.assertEqual(key["scopes"], ["*"])
        self.assertTrue(harness.is_well_formed_key(key["secret"]))
        answer = s.verify(key["secret"])
        self.assertEqual(answer["code"], "VALID")
        self.assertEqual(answer["key"]["id"], key["id"])
        self.assertEqual(answer["key"]["owner"], user["id"])
        # The secret is not returned by later reads.
        self.assertNotIn(key["secret"], s.admin("GET", f"/v1/principals/{user['id']}").raw.decode())
        got = s.admin("GET", f"/v1/keys/{key['id']}").json
        self.assertNotIn("secret", got)
        listed = s.admin("GET", f"/v1/keys?owner={user['id']}").json["items"]
        self.assertEqual([k["id"] for k in listed], [key["id"]])

    def test_default_key_follows_the_home_namespaces_defaults(self):
        s = self.server
        ns = s.create_namespace(settings={"default_key_prefix": "acme",
                                          "default_resources": ["algo://acme/*"]})
        user = s.create_principal(kind="user", namespace=ns["id"])
        key = user["default_key"]
        self.assertTrue(key["secret"].startswith("acme_"), key["secret"][:8])
        got = s.admin("GET", f"/v1/keys/{key['id']}").json
        self.assertEqual(got["prefix"], "acme")
        self.assertEqual(got["resources"], ["algo://acme/*"])

    def test_default_key_false(self):
        s = self.server
        user = s.create_principal(kind="user", default_key=False)
        self.assertNotIn("default_key", user)
        listed = s.admin("GET", f"/v1/keys?owner={user['id']}").json["items"]
        self.assertEqual(listed, [])

    def test_deleted_default_key_can_be_created_again_by_name(self):
        s = self.server
        user = s.create_principal(kind="user")
        old = user["default_key"]
        self.assertEqual(s.admin("DELETE", f"/v1/keys/{old['id']}").status, 204)
        new = s.create_key(user["namespace"], name="default-key", owner=user["id"])
        self.assertNotEqual(new["id"], old["id"])
        self.assertEqual(s.verify_code(new["secret"]), "VALID")
        self.assertEqual(s.verify_code(old["secret"]), "NOT_FOUND")

    def test_names_are_unique(self):
        s = self.server
        name = unique_name("unique")
        s.create_principal(name=name)
        self.assertError(s.admin("POST", "/v1/principals", {"name": name, "kind": "user"}),
                         409, "conflict")
        other = s.create_principal()
        self.assertError(s.admin("PATCH", f"/v1/principals/{other['id']}", {"name": name}),
                         409, "conflict")

    def test_immutable_and_bad_fields(self):
        s = self.server
        p = s.create_principal()
        for field, value in [("kind", "user"), ("namespace", s.create_namespace()["id"]),
                             ("superuser", True), ("id", "pr_other")]:
            with self.subTest(field=field):
                self.assertError(s.admin("PATCH", f"/v1/principals/{p['id']}", {field: value}),
                                 400, "invalid_argument", field)
        self.assertError(s.admin("PATCH", f"/v1/principals/{p['id']}", {"status": "asleep"}),
                         400, "invalid_argument", "status")
        self.assertError(s.admin("POST", "/v1/principals",
                                 {"name": unique_name(), "kind": "robot"}),
                         400, "invalid_argument", "kind")
        self.assertError(s.admin("POST", "/v1/principals",
                                 {"name": unique_name(), "kind": "user", "email": "not-an-email"}),
                         400, "invalid_argument", "email")
        self.assertError(s.admin("POST", "/v1/principals",
                                 {"name": unique_name(), "kind": "user", "namespace": "ns_nope"}),
                         400, "invalid_argument", "namespace")
        self.assertError(s.admin("POST", "/v1/principals",
                                 {"name": unique_name(), "kind": "user", "default_key": "no"}),
                         400, "invalid_argument", "default_key")
        self.assertEqual(s.admin("GET", f"/v1/principals/{p['id']}").json, p)

    def test_disable_and_enable_take_effect_in_the_next_request(self):
        s = self.server
        ns = s.create_namespace()
        user = s.create_principal(kind="user", namespace=ns["id"])
        second = s.create_key(ns["id"], owner=user["id"])
        personal = s.create_key(type="personal", owner=user["id"])
        secrets = [user["default_key"]["secret"], second["secret"], personal["secret"]]
        for secret in secrets:
            self.assertEqual(s.verify_code(secret), "VALID")

        status, _, disabled = s.admin("PATCH", f"/v1/principals/{user['id']}",
                                      {"status": "disabled"})
        self.assertEqual((status, disabled["status"]), (200, "disabled"), disabled)
        # No waiting: the very next request sees it.
        for secret in secrets:
            answer = s.verify(secret)
            self.assertEqual(answer["code"], "DISABLED")
            self.assertFalse(answer["valid"])
        # The keys themselves stay active; it is the owner that is disabled.
        self.assertEqual(s.admin("GET", f"/v1/keys/{second['id']}").json["status"], "active")
        # A disabled user's personal token cannot call the management API.
        resp = s.call("GET", "/v1/whoami", token=personal["secret"])
        self.assertError(resp, 401, "unauthenticated")

        status, _, enabled = s.admin("PATCH", f"/v1/principals/{user['id']}", {"status": "active"})
        self.assertEqual((status, enabled["status"]), (200, "active"), enabled)
        for secret in secrets:
            self.assertEqual(s.verify_code(secret), "VALID")

    def test_delete_principal_deletes_its_keys(self):
        s = self.server
        ns = s.create_namespace()
        user = s.create_principal(kind="user", namespace=ns["id"])
        extra = s.create_key(ns["id"], owner=user["id"])
        self.assertEqual(s.admin("DELETE", f"/v1/principals/{user['id']}").status, 204)
        for key in (user["default_key"], extra):
            answer = s.verify(key["secret"])
            self.assertEqual(answer["code"], "NOT_FOUND")
            self.assertNotIn("key", answer)
            self.assertError(s.admin("GET", f"/v1/keys/{key['id']}"), 404, "not_found")
        self.assertEqual(s.admin("GET", f"/v1/keys?owner={user['id']}").json["items"], [])
        # Its namespace is free to go now.
        self.assertEqual(s.admin("DELETE", f"/v1/namespaces/{ns['id']}").status, 204)

    def test_admin_cannot_disable_or_delete_itself(self):
        s = self.server
        me = s.admin("GET", "/v1/whoami").json["principal"]
        self.assertError(s.admin("PATCH", f"/v1/principals/{me['id']}", {"status": "disabled"}),
                         409, "conflict")
        self.assertError(s.admin("DELETE", f"/v1/principals/{me['id']}"), 409, "conflict")
        self.assertEqual(s.admin("GET", "/v1/whoami").status, 200)


if __name__ == "__main__":
    unittest.main()
