"""The compatibility route of DESIGN §6.3: app-specific keys created, listed and deleted with a
personal access token under /v2/users/{user}/keys, bound to one user and one app."""

import unittest

import harness
from access_fixtures import all_items, named, snapshot, user_with_pat

TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
OK_STATUS = {"code": 10000, "description": "Ok"}


class Compat(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.org = s.create_namespace(named("org"))
        cls.app = s.create_namespace(named("my-app"), kind="application",
                                     parent_id=cls.org["id"])
        cls.other_app = s.create_namespace(named("other-app"), kind="application",
                                           parent_id=cls.org["id"])

    def new_user(self, capabilities=("keys:*", "predict:*")):
        """A user (home: the org) holding `capabilities` in the app, and its PAT."""
        return user_with_pat(self.server, self.app["id"], list(capabilities),
                             home=self.org["id"])

    def v2(self, method, user, pat, body=None, key=None, scheme="Key"):
        path = f"/v2/users/{user}/keys" + (f"/{key}" if key else "")
        return self.server.call(method, path, body=body,
                                headers={"Authorization": f"{scheme} {pat}"})

    @staticmethod
    def entry(app, user, scopes=("All",), description="All permissions"):
        return {"description": description, "scopes": list(scopes),
                "apps": [{"id": app, "user_id": user}]}

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["error"]["code"], code, resp)

    def test_create_by_names_and_verify_for_that_app_only(self):
        s = self.server
        user = self.new_user()
        resp = self.v2("POST", user.name, user.pat,
                       {"keys": [self.entry(self.app["name"], user.name)]})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.headers.get("Content-Type"), "application/json")
        self.assertEqual(set(resp.json), {"status", "keys"})
        self.assertEqual(resp.json["status"], OK_STATUS)
        [key] = resp.json["keys"]
        self.assertEqual(set(key), {"id", "key_id", "description", "scopes", "apps",
                                    "created_at", "expires_at"})
        secret = key["id"]
        self.assertTrue(harness.is_well_formed_key(secret), secret)
        self.assertEqual(key["key_id"], "key_" + secret[3:19])
        self.assertEqual(key["description"], "All permissions")
        self.assertEqual(key["apps"], [{"id": self.app["name"], "user_id": user.name}])
        self.assertRegex(key["created_at"], TIME_RE)
        self.assertIsNone(key["expires_at"])
        self.assertIn(key["scopes"], (["All"], ["*"]))

        answer = s.verify(secret)
        self.assertEqual(answer["code"], "VALID")
        self.assertEqual((answer["key"]["id"], answer["key"]["owner"], answer["key"]["namespace"],
                          answer["key"]["type"]),
                         (key["key_id"], user.id, self.app["id"], "standard"))
        self.assertEqual(answer["key"]["scopes"], ["keys:*", "predict:*"])
        self.assertEqual(s.verify_code(secret, namespace=self.app["id"]), "VALID")
        self.assertEqual(s.verify_code(secret, namespace=self.other_app["id"]), "WRONG_NAMESPACE")
        self.assertEqual(s.verify_code(secret, namespace=self.org["id"]), "WRONG_NAMESPACE")
        self.assertEqual(s.verify(secret, scopes=["predict:read"])["code"], "VALID")
        self.assertEqual(s.verify(secret, scopes=["raw:read"])["code"], "INSUFFICIENT_SCOPE")
        # The key is one of the user's keys in /v1 as well, without its secret.
        got = s.admin("GET", f"/v1/keys/{key['key_id']}").json
        self.assertEqual((got["owner"], got["namespace"], got["description"]),
                         (user.id, self.app["id"], "All permissions"))
        self.assertNotIn(harness.secret_part(secret), str(got))

    def test_create_by_ids_several_at_once_and_bearer(self):
        s = self.server
        user = self.new_user()
        s.create_group(self.other_app["id"], ["keys:create", "predict:read"], members=[user.id])
        body = {"keys": [self.entry(self.app["id"], user.id, ["predict:read"], "one"),
                         self.entry(self.other_app["id"], user.id, ["All"], "two")]}
        resp = self.v2("POST", user.id, user.pat, body, scheme="Bearer")
        self.assertEqual(resp.status, 200, resp)
        one, two = resp.json["keys"]
        self.assertEqual([one["description"], two["description"]], ["one", "two"])
        self.assertEqual(one["apps"], [{"id": self.app["name"], "user_id": user.name}])
        self.assertEqual(two["apps"], [{"id": self.other_app["name"], "user_id": user.name}])
        self.assertEqual(one["scopes"], ["predict:read"])
        self.assertEqual(s.verify(one["id"])["key"]["namespace"], self.app["id"])
        self.assertEqual(s.verify(two["id"])["key"]["namespace"], self.other_app["id"])
        self.assertEqual(s.verify(two["id"])["key"]["scopes"], ["keys:create", "predict:read"])
        self.assertEqual(s.verify_code(one["id"], namespace=self.other_app["id"]),
                         "WRONG_NAMESPACE")
        self.assertNotEqual(one["id"], two["id"])

    def test_list_and_delete(self):
        s = self.server
        user = self.new_user()
        created = self.v2("POST", user.id, user.pat,
                          {"keys": [self.entry(self.app["id"], user.id, description="a"),
                                    self.entry(self.app["id"], user.id, description="b")]})
        self.assertEqual(created.status, 200, created)
        a, b = created.json["keys"]
        resp = self.v2("GET", user.name, user.pat)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["status"], OK_STATUS)
        # Keys made by one request share their created_at; their order in the list is not
        # promised (by id, not by position in the request).
        listed = sorted(resp.json["keys"], key=lambda k: k["description"])
        self.assertEqual([k["id"] for k in listed], [a["key_id"], b["key_id"]])
        self.assertEqual([k["description"] for k in listed], ["a", "b"])
        for k in listed:
            self.assertEqual(k["apps"], [{"id": self.app["name"], "user_id": user.name}])
            self.assertNotIn("key_id", k)
        for secret in (a["id"], b["id"]):
            self.assertNotIn(harness.secret_part(secret).encode(), resp.raw)

        # Delete by public id ...
        resp = self.v2("DELETE", user.id, user.pat, key=a["key_id"])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json, {"status": OK_STATUS, "keys": []})
        self.assertEqual(s.verify_code(a["id"]), "NOT_FOUND")
        self.assertError(self.v2("DELETE", user.id, user.pat, key=a["key_id"]), 404, "not_found")
        # ... or by the secret itself, as the original API does; a wrong secret is not found.
        wrong = harness.make_key(id_chars=harness.id_chars_of(b["key_id"]))
        self.assertError(self.v2("DELETE", user.id, user.pat, key=wrong), 404, "not_found")
        self.assertEqual(s.verify_code(b["id"]), "VALID")
        resp = self.v2("DELETE", user.name, user.pat, key=b["id"])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(s.verify_code(b["id"]), "NOT_FOUND")
        self.assertEqual(self.v2("GET", user.id, user.pat).json["keys"], [])

    def test_only_the_users_own_personal_token(self):
        s = self.server
        user, other = self.new_user(), self.new_user()
        mine = self.v2("POST", user.id, user.pat,
                       {"keys": [self.entry(self.app["id"], user.id)]}).json["keys"][0]
        mk = s.create_key(self.app["id"], type="management", owner=user.id)["secret"]
        standard = s.create_key(self.app["id"], owner=user.id)["secret"]
        before = snapshot(s)
        body = {"keys": [self.entry(self.app["id"], user.id)]}
        for label, token in (("another user's PAT", other.pat), ("management key", mk),
                             ("standard key", standard), ("the superuser's PAT", s.admin_token)):
            with self.subTest(label):
                for method, kwargs in (("POST", {"body": body}), ("GET", {}),
                                       ("DELETE", {"key": mine["key_id"]})):
                    resp = self.v2(method, user.id, token, **kwargs)
                    self.assertError(resp, 403, "permission_denied")
                    self.assertNotIn(user.name, resp.raw.decode())
        # By name, and for a user that does not exist: the same answer, nothing leaks.
        for target in (user.name, "no-such-user", "pr_doesnotexist"):
            with self.subTest(target=target):
                resp = self.v2("GET", target, other.pat)
                self.assertError(resp, 403, "permission_denied")
        self.assertError(self.v2("GET", user.id, harness.make_key()), 401, "unauthenticated")
        resp = s.call("GET", f"/v2/users/{user.id}/keys")
        self.assertError(resp, 401, "unauthenticated")
        self.assertEqual(snapshot(s), before)
        self.assertEqual(s.verify_code(mine["id"]), "VALID")
        # The other user cannot delete it through its own path either.
        self.assertError(self.v2("DELETE", other.id, other.pat, key=mine["key_id"]), 404,
                         "not_found")
        self.assertError(self.v2("DELETE", other.id, other.pat, key=mine["id"]), 404,
                         "not_found")
        self.assertEqual(s.verify_code(mine["id"]), "VALID")

    def test_all_or_nothing(self):
        s = self.server
        user = self.new_user(("keys:create", "predict:read"))
        good = self.entry(self.app["id"], user.id, ["predict:read"])
        cases = [
            ("unknown app", self.entry("no-such-app", user.id), 400, "invalid_argument"),
            ("an organization is not an app", self.entry(self.org["id"], user.id), 400,
             "invalid_argument"),
            ("scope beyond the user's", self.entry(self.app["id"], user.id, ["predict:write"]),
             403, "privilege_escalation"),
            # An app where the user may not create keys is not one the route can name.
            ("no keys:create in that app", self.entry(self.other_app["id"], user.id,
                                                      ["predict:read"]),
             400, "invalid_argument"),
            ("malformed scope", self.entry(self.app["id"], user.id, ["predict"]), 400,
             "invalid_argument"),
            ("another user", self.entry(self.app["id"], "someone-else"), 400,
             "invalid_argument"),
            ("two apps", {"scopes": ["All"], "apps": [{"id": self.app["id"]},
                                                       {"id": self.other_app["id"]}]},
             400, "invalid_argument"),
            ("no apps", {"scopes": ["All"]}, 400, "invalid_argument"),
            ("unknown field", {**good, "colour": "red"}, 400, "invalid_argument"),
        ]
        before = snapshot(s)
        listed = self.v2("GET", user.id, user.pat).json["keys"]
        for what, bad, status, code in cases:
            with self.subTest(what):
                for entries in ([good, bad], [bad, good]):
                    resp = self.v2("POST", user.id, user.pat, {"keys": entries})
                    self.assertError(resp, status, code)
                self.assertEqual(self.v2("GET", user.id, user.pat).json["keys"], listed)
        for body in ({"keys": []}, {}, {"keys": "x"}, {"keys": [good], "extra": 1},
                     {"keys": [good] * 101}):
            with self.subTest(body=str(body)[:40]):
                self.assertError(self.v2("POST", user.id, user.pat, body), 400,
                                 "invalid_argument")
        self.assertEqual(snapshot(s), before)
        # And the good entry alone works.
        resp = self.v2("POST", user.id, user.pat, {"keys": [good]})
        self.assertEqual(resp.status, 200, resp)

    def test_keys_follow_the_users_capabilities(self):
        s = self.server
        user = self.new_user()
        key = self.v2("POST", user.id, user.pat,
                      {"keys": [self.entry(self.app["id"], user.id)]}).json["keys"][0]
        self.assertEqual(s.verify(key["id"], scopes=["predict:run"])["code"], "VALID")
        s.admin("DELETE", f"/v1/groups/{user.group['id']}/members/{user.id}")
        self.assertEqual(s.verify(key["id"], scopes=["predict:run"])["code"],
                         "INSUFFICIENT_SCOPE")
        s.admin("PUT", f"/v1/groups/{user.group['id']}/members/{user.id}")
        self.assertEqual(s.verify(key["id"], scopes=["predict:run"])["code"], "VALID")
        # A compromised key is deleted and a new one made with the same scopes.
        self.assertEqual(self.v2("DELETE", user.id, user.pat, key=key["id"]).status, 200)
        again = self.v2("POST", user.id, user.pat,
                        {"keys": [self.entry(self.app["id"], user.id)]}).json["keys"][0]
        self.assertEqual(s.verify(again["id"], scopes=["predict:run"])["code"], "VALID")
        self.assertEqual(s.verify_code(key["id"]), "NOT_FOUND")
        self.assertEqual(len(all_items(s, f"/v1/keys?owner={user.id}&namespace={self.app['id']}")),
                         1)

    # Regression (cross-tenant, DESIGN §4.4 "never leak another tenant's names or ids"): an app named
    # in apps[].id is looked up by name among the applications of EVERY tenant. Naming another
    # tenant's application answers 403 "missing permission keys:create in namespace <its id>"
    # — the other tenant's app id — where an unknown name answers 400 "no application".
    def test_another_tenants_app_name_looks_unknown(self):
        s = self.server
        user = self.new_user()
        foreign = s.create_namespace(named("foreign"))
        foreign_app = s.create_namespace(named("foreign-app"), kind="application",
                                         parent_id=foreign["id"])
        answers = {}
        for what, app in (("unknown", named("no-such-app")), ("foreign", foreign_app["name"])):
            resp = self.v2("POST", user.id, user.pat, {"keys": [self.entry(app, user.id)]})
            self.assertNotIn(foreign_app["id"], resp.raw.decode())
            answers[what] = (resp.status, resp.json["error"]["code"])
        self.assertEqual(answers["foreign"], answers["unknown"])

    # Regression (same cause): when another tenant happens to have an application with the same name
    # as the user's own, the user can no longer name its app: 400 "several applications are
    # named …; name it by id". Application names are only unique under one parent, so one
    # tenant's choice of name breaks another tenant's clients (and tells them it exists).
    def test_an_app_name_used_by_another_tenant_does_not_break_mine(self):
        s = self.server
        name = named("shop")
        foreign = s.create_namespace(named("foreign"))
        s.create_namespace(name, kind="application", parent_id=foreign["id"])
        mine = s.create_namespace(name, kind="application", parent_id=self.org["id"])
        user = user_with_pat(s, mine["id"], ["keys:*"], home=self.org["id"])
        resp = self.v2("POST", user.id, user.pat, {"keys": [self.entry(name, user.id)]})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(s.verify(resp.json["keys"][0]["id"])["key"]["namespace"], mine["id"])

    # Regression (DESIGN §6.3: "`user_id` is the principal's id or name"): the server compares
    # apps[].user_id with the path segment as strings, so naming the same user by id in the
    # path and by name in the body (or the other way round) is refused with 400
    # keys[0].apps[0].user_id although both name the caller.
    def test_user_named_by_id_in_the_path_and_by_name_in_the_body(self):
        user = self.new_user()
        for path_user, body_user in ((user.id, user.name), (user.name, user.id)):
            with self.subTest(path=path_user, body=body_user):
                resp = self.v2("POST", path_user, user.pat,
                               {"keys": [self.entry(self.app["id"], body_user)]})
                self.assertEqual(resp.status, 200, resp)


if __name__ == "__main__":
    unittest.main()
