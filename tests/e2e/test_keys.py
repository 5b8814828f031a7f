"""API keys over HTTP: create (secret shown once), read, list, update, and the lifecycle, with
verify checked in the request right after each change."""

import datetime
import json
import unittest

import harness
from harness import unique_name

KEY_FIELDS = {"id", "name", "description", "type", "owner", "namespace", "scopes", "resources",
              "data_access", "origins", "allowed_ips", "expires_at", "rate_limit", "quota", "meta",
              "prefix", "hint", "status", "created_at", "created_by", "updated_at", "revoked_at",
              "last_used_at", "last_used_ip"}


def rfc3339(delta):
    t = datetime.datetime.now(datetime.timezone.utc) + delta
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class KeysTestCase(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns = cls.server.create_namespace()
        cls.admin_id = cls.server.admin("GET", "/v1/whoami").json["principal"]["id"]

    def assertError(self, resp, status, code, field=None):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["error"]["code"], code, resp)
        if field is not None:
            self.assertEqual(resp.json["error"].get("field"), field, resp)


class CreateAndRead(KeysTestCase):
    def test_create_answers_key_with_secret_and_defaults(self):
        s = self.server
        name = unique_name("billing-export")
        status, headers, key = s.admin("POST", "/v1/keys",
                                       {"name": name, "namespace": self.ns["id"]})
        self.assertEqual(status, 201, key)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertEqual(set(key), KEY_FIELDS | {"secret"})
        secret = key["secret"]
        self.assertTrue(harness.is_well_formed_key(secret), secret)
        self.assertEqual(len(secret), 68)
        self.assertEqual(key["id"], "key_" + secret[3:19])
        self.assertEqual(key["hint"], "lk_\u2026" + secret[-4:])
        expected = {"name": name, "description": "", "type": "standard", "owner": self.admin_id,
                    "namespace": self.ns["id"], "scopes": ["*"], "resources": ["*"],
                    "data_access": "none",
                    "origins": {"native": True, "browser": False, "referrers": []},
                    "allowed_ips": [], "expires_at": None, "rate_limit": None, "quota": None,
                    "meta": {}, "prefix": "lk", "status": "active", "created_by": self.admin_id,
                    "revoked_at": None, "last_used_at": None, "last_used_ip": None}
        self.assertEqual({k: key[k] for k in expected}, expected)

        status, _, got = s.admin("GET", f"/v1/keys/{key['id']}")
        self.assertEqual(status, 200, got)
        self.assertEqual(got, {k: v for k, v in key.items() if k != "secret"})

    def test_secret_never_appears_in_any_later_response(self):
        s = self.server
        owner = s.create_principal(kind="user", namespace=self.ns["id"])
        created = s.create_key(self.ns["id"], owner=owner["id"], meta={"team": "billing"})
        secrets = [created["secret"], owner["default_key"]["secret"]]
        first_later = len(s.responses)
        kid = created["id"]
        s.admin("GET", f"/v1/keys/{kid}")
        s.admin("GET", f"/v1/keys?namespace={self.ns['id']}&limit=1000")
        s.admin("GET", f"/v1/keys?owner={owner['id']}")
        s.admin("GET", "/v1/keys?limit=1000")
        s.admin("PATCH", f"/v1/keys/{kid}", {"description": "rotated weekly"})
        s.verify(created["secret"])
        s.call("POST", "/v1/keys/verify", headers={"X-API-Key": created["secret"]})
        s.verify(created["secret"], namespace="ns_other")
        s.call("GET", "/v1/whoami", token=created["secret"])  # 403: a standard key
        s.admin("POST", f"/v1/keys/{kid}/disable")
        s.admin("POST", f"/v1/keys/{kid}/enable")
        s.admin("GET", f"/v1/principals/{owner['id']}")
        s.admin("GET", "/v1/principals?limit=1000")
        s.admin("PATCH", f"/v1/keys/{kid}", {"expires_at": rfc3339(datetime.timedelta(days=1))})
        s.admin("POST", f"/v1/keys/{kid}/revoke")
        s.admin("POST", f"/v1/keys/{kid}/enable")
        s.verify(created["secret"])
        s.admin("GET", f"/v1/keys/{kid}")
        s.admin("DELETE", f"/v1/keys/{kid}")
        s.verify(created["secret"])
        later = s.responses[first_later:]
        self.assertGreaterEqual(len(later), 20)
        for method, path, resp in later:
            for secret in secrets:
                self.assertNotIn(secret.encode(), resp.raw, f"{method} {path}")
                self.assertNotIn(harness.secret_part(secret).encode(), resp.raw,
                                 f"{method} {path}")
            if resp.json is not None:
                self.assertNotIn('"secret"', resp.raw.decode(), f"{method} {path}")

    def test_get_unknown_key(self):
        self.assertError(self.server.admin("GET", "/v1/keys/key_0000000000000000"), 404,
                         "not_found")
        self.assertError(self.server.admin("GET", "/v1/keys/whatever"), 404, "not_found")

    def test_personal_keys_have_no_namespace(self):
        s = self.server
        user = s.create_principal(kind="user", namespace=self.ns["id"], default_key=False)
        pat = s.create_key(type="personal", owner=user["id"])
        self.assertEqual(pat["type"], "personal")
        self.assertIsNone(pat["namespace"])
        answer = s.verify(pat["secret"])
        self.assertEqual(answer["code"], "VALID")
        self.assertIsNone(answer["key"]["namespace"])
        self.assertError(s.admin("POST", "/v1/keys", {"name": unique_name(), "type": "personal",
                                                      "namespace": self.ns["id"]}),
                         400, "invalid_argument", "namespace")
        sa = s.create_principal(kind="service_account")
        self.assertError(s.admin("POST", "/v1/keys", {"name": unique_name(), "type": "personal",
                                                      "owner": sa["id"]}),
                         400, "invalid_argument", "type")

    def test_standard_and_management_keys_need_a_namespace(self):
        for kind in ("standard", "management"):
            with self.subTest(kind=kind):
                self.assertError(self.server.admin("POST", "/v1/keys",
                                                   {"name": unique_name(), "type": kind}),
                                 400, "invalid_argument", "namespace")
        self.assertError(self.server.admin("POST", "/v1/keys",
                                           {"name": unique_name(), "namespace": "ns_nope"}),
                         400, "invalid_argument", "namespace")
        self.assertError(self.server.admin("POST", "/v1/keys",
                                           {"name": unique_name(), "namespace": self.ns["id"],
                                            "owner": "pr_nope"}),
                         400, "invalid_argument", "owner")

    def test_key_names_are_unique_per_owner(self):
        s = self.server
        name = unique_name("same")
        s.create_key(self.ns["id"], name=name)
        self.assertError(s.admin("POST", "/v1/keys", {"name": name, "namespace": self.ns["id"]}),
                         409, "conflict")
        other_ns = s.create_namespace()
        self.assertError(s.admin("POST", "/v1/keys", {"name": name, "namespace": other_ns["id"]}),
                         409, "conflict")
        # Another owner may use the name.
        sa = s.create_principal(namespace=self.ns["id"])
        s.create_key(self.ns["id"], name=name, owner=sa["id"])
        # Renaming onto an existing name of the same owner is a conflict too.
        k = s.create_key(self.ns["id"])
        self.assertError(s.admin("PATCH", f"/v1/keys/{k['id']}", {"name": name}), 409, "conflict")

    def test_invalid_scopes_prefix_and_texts(self):
        s = self.server
        base = {"namespace": self.ns["id"]}
        cases = [
            ({"scopes": ["raw"]}, "scopes"),
            ({"scopes": ["raw:read:db1:t1"]}, "scopes"),
            ({"scopes": ["bad scope:read"]}, "scopes"),
            ({"scopes": ["raw:*x"]}, "scopes"),
            ({"scopes": [""]}, "scopes"),
            ({"scopes": "raw:read"}, "scopes"),
            ({"scopes": [1]}, "scopes"),
            ({"prefix": "Bad"}, "prefix"),
            ({"prefix": "1lk"}, "prefix"),
            ({"prefix": "lk-live"}, "prefix"),
            ({"prefix": "a" * 17}, "prefix"),
            ({"prefix": ""}, "prefix"),
            ({"name": ""}, "name"),
            ({"name": "n" * 129}, "name"),
            ({"description": "d" * 1025}, "description"),
            ({"meta": {"blob": "x" * (16 * 1024)}}, "meta"),
            ({"meta": ["not", "an", "object"]}, "meta"),
            ({"type": "superkey"}, "type"),
            ({"expires_at": "tomorrow"}, "expires_at"),
            ({"resources": ["algo://"]}, "resources"),
            ({"rate_limit": {"limit": 0, "window_ms": 1000}}, "rate_limit.limit"),
            ({"quota": {"remaining": -1}}, "quota.remaining"),
        ]
        for extra, field in cases:
            with self.subTest(extra=json.dumps(extra)[:60]):
                body = {"name": unique_name(), **base, **extra}
                self.assertError(s.admin("POST", "/v1/keys", body), 400, "invalid_argument", field)

    def test_valid_scopes_are_normalized(self):
        k = self.server.create_key(self.ns["id"], scopes=["raw:read:db1/table1", "raw:*",
                                                          "timeseries:write", "All", "*",
                                                          "raw:read:db1/*"])
        self.assertEqual(k["scopes"], ["raw:read:db1/table1", "raw:*", "timeseries:write", "*",
                                       "raw:read:db1/*"])
        self.assertEqual(self.server.verify(k["secret"])["key"]["scopes"], k["scopes"])

    def test_custom_and_namespace_prefixes(self):
        s = self.server
        k = s.create_key(self.ns["id"], prefix="sk_live")
        self.assertTrue(k["secret"].startswith("sk_live_"))
        self.assertEqual(len(k["secret"]), len("sk_live") + 66)
        self.assertEqual(k["prefix"], "sk_live")
        self.assertEqual(k["hint"], "sk_live_\u2026" + k["secret"][-4:])
        self.assertEqual(s.verify_code(k["secret"]), "VALID")
        ns = s.create_namespace(settings={"default_key_prefix": "acme_test"})
        k2 = s.create_key(ns["id"])
        self.assertTrue(k2["secret"].startswith("acme_test_"), k2["secret"])
        self.assertEqual(s.verify_code(k2["secret"]), "VALID")
        k3 = s.create_key(ns["id"], prefix="zz")
        self.assertTrue(k3["secret"].startswith("zz_"))

    def test_unicode_names_and_longest_prefix(self):
        s = self.server
        name = unique_name("caf\u00e9-\u2713-\u30ad\u30fc")
        k = s.create_key(self.ns["id"], name=name, description="na\u00efve \U0001F511",
                         prefix="abcdefghijklmnop")
        self.assertEqual(len(k["secret"]), 82)
        self.assertEqual(s.admin("GET", f"/v1/keys/{k['id']}").json["name"], name)
        answer = s.verify(k["secret"])
        self.assertEqual((answer["code"], answer["key"]["name"]), ("VALID", name))
        self.assertError(s.admin("POST", "/v1/keys", {"name": "tab\there",
                                                      "namespace": self.ns["id"]}),
                         400, "invalid_argument", "name")

    def test_expires_at_must_be_in_the_future(self):
        s = self.server
        for past in (rfc3339(datetime.timedelta(seconds=-5)), "2001-01-01T00:00:00Z"):
            with self.subTest(past=past):
                self.assertError(s.admin("POST", "/v1/keys", {"name": unique_name(),
                                                              "namespace": self.ns["id"],
                                                              "expires_at": past}),
                                 400, "invalid_argument", "expires_at")
        k = s.create_key(self.ns["id"], expires_at="2099-12-31T23:59:59+02:00")
        self.assertEqual(k["expires_at"], "2099-12-31T21:59:59.000Z")
        answer = s.verify(k["secret"])
        self.assertEqual((answer["code"], answer["key"]["expires_at"]),
                         ("VALID", "2099-12-31T21:59:59.000Z"))


class ListKeys(KeysTestCase):
    def test_pagination_has_no_duplicates_or_gaps(self):
        s = self.server
        ns = s.create_namespace()
        created = [s.create_key(ns["id"])["id"] for _ in range(7)]
        seen, cursor, pages = [], None, 0
        for _ in range(10):  # bounded: 3 pages expected
            path = f"/v1/keys?namespace={ns['id']}&limit=3"
            if cursor:
                path += f"&cursor={cursor}"
            status, _, page = s.admin("GET", path)
            self.assertEqual(status, 200, page)
            pages += 1
            self.assertLessEqual(len(page["items"]), 3)
            for item in page["items"]:
                self.assertNotIn("secret", item)
                self.assertEqual(set(item), KEY_FIELDS)
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(seen, created)  # creation order, no duplicates, no gaps
        status, _, page = s.admin("GET", f"/v1/keys?namespace={ns['id']}")
        self.assertEqual([i["id"] for i in page["items"]], created)
        self.assertIsNone(page["next_cursor"])

    def test_default_page_size_is_50(self):
        s = self.server
        ns = s.create_namespace()
        created = [s.create_key(ns["id"])["id"] for _ in range(51)]
        status, _, page = s.admin("GET", f"/v1/keys?namespace={ns['id']}")
        self.assertEqual(status, 200, page)
        self.assertEqual([k["id"] for k in page["items"]], created[:50])
        self.assertIsInstance(page["next_cursor"], str)
        status, _, rest = s.admin("GET",
                                  f"/v1/keys?namespace={ns['id']}&cursor={page['next_cursor']}")
        self.assertEqual(status, 200, rest)
        self.assertEqual([k["id"] for k in rest["items"]], created[50:])
        self.assertIsNone(rest["next_cursor"])

    def test_namespace_and_principal_lists_paginate_too(self):
        s = self.server
        parent = s.create_namespace()
        children = [s.create_namespace(kind="workspace", parent_id=parent["id"])["id"]
                    for _ in range(5)]
        members = [s.create_principal(namespace=parent["id"])["id"] for _ in range(5)]
        for collection, query, expected in (
                ("namespaces", f"parent_id={parent['id']}", children),
                ("principals", f"namespace={parent['id']}", members)):
            seen, cursor = [], None
            for _ in range(10):
                path = f"/v1/{collection}?{query}&limit=2" + (f"&cursor={cursor}" if cursor else "")
                status, _, page = s.admin("GET", path)
                self.assertEqual(status, 200, page)
                seen += [x["id"] for x in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            self.assertEqual(seen, expected, collection)

    def test_bad_list_parameters(self):
        s = self.server
        for query, field in [("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"),
                             ("status=lost", "status"), ("type=other", "type"),
                             ("colour=red", "colour")]:
            with self.subTest(query=query):
                self.assertError(s.admin("GET", f"/v1/keys?{query}"), 400, "invalid_argument",
                                 field)
        self.assertError(s.admin("GET", "/v1/keys?cursor=not-a-cursor"), 400, "invalid_argument")

    def test_filters(self):
        s = self.server
        ns = s.create_namespace()
        sa = s.create_principal(namespace=ns["id"])
        user = s.create_principal(kind="user", namespace=ns["id"])
        a = s.create_key(ns["id"], owner=sa["id"])
        b = s.create_key(ns["id"], owner=sa["id"], type="management")
        c = s.create_key(ns["id"], owner=sa["id"])
        pat = s.create_key(type="personal", owner=user["id"])
        default = user["default_key"]
        s.admin("POST", f"/v1/keys/{a['id']}/revoke")
        s.admin("POST", f"/v1/keys/{c['id']}/disable")

        def ids(query):
            status, _, page = s.admin("GET", f"/v1/keys?{query}&limit=1000")
            self.assertEqual(status, 200, page)
            return [k["id"] for k in page["items"]]

        self.assertEqual(ids(f"namespace={ns['id']}"), [default["id"], a["id"], b["id"], c["id"]])
        self.assertEqual(ids(f"owner={sa['id']}"), [a["id"], b["id"], c["id"]])
        self.assertEqual(ids(f"owner={user['id']}"), [default["id"], pat["id"]])
        self.assertEqual(ids(f"owner={sa['id']}&status=revoked"), [a["id"]])
        self.assertEqual(ids(f"owner={sa['id']}&status=disabled"), [c["id"]])
        self.assertEqual(ids(f"owner={sa['id']}&status=active"), [b["id"]])
        self.assertEqual(ids(f"namespace={ns['id']}&type=management"), [b["id"]])
        self.assertEqual(ids(f"owner={user['id']}&type=personal"), [pat["id"]])
        self.assertEqual(ids(f"namespace={ns['id']}&type=standard&status=active"),
                         [default["id"]])
        self.assertIn(pat["id"], ids("type=personal"))
        self.assertNotIn(a["id"], ids("type=personal"))
        self.assertEqual(ids("namespace=ns_nothing_here"), [])


class UpdateKeys(KeysTestCase):
    def test_update_name_description_scopes_meta(self):
        s = self.server
        k = s.create_key(self.ns["id"])
        new_name = unique_name("renamed")
        status, _, updated = s.admin("PATCH", f"/v1/keys/{k['id']}",
                                     {"name": new_name, "description": "for the nightly export",
                                      "scopes": ["raw:read:db1/t1", "timeseries:write"],
                                      "meta": {"team": "billing", "tier": 2}})
        self.assertEqual(status, 200, updated)
        self.assertNotIn("secret", updated)
        self.assertEqual(updated["name"], new_name)
        self.assertEqual(updated["description"], "for the nightly export")
        self.assertEqual(updated["scopes"], ["raw:read:db1/t1", "timeseries:write"])
        self.assertEqual(updated["meta"], {"team": "billing", "tier": 2})
        self.assertEqual(updated["created_at"], k["created_at"])
        self.assertEqual(s.admin("GET", f"/v1/keys/{k['id']}").json, updated)
        # Verify sees the change in the next request.
        answer = s.verify(k["secret"])
        self.assertEqual(answer["code"], "VALID")
        self.assertEqual(answer["key"]["name"], new_name)
        self.assertEqual(answer["key"]["scopes"], ["raw:read:db1/t1", "timeseries:write"])
        self.assertEqual(answer["key"]["meta"], {"team": "billing", "tier": 2})
        # An empty patch changes nothing but is fine.
        status, _, same = s.admin("PATCH", f"/v1/keys/{k['id']}", {})
        self.assertEqual(status, 200, same)
        self.assertEqual({x: same[x] for x in ("name", "scopes", "meta")},
                         {x: updated[x] for x in ("name", "scopes", "meta")})

    def test_expires_at_and_other_immutable_fields_are_refused(self):
        s = self.server
        k = s.create_key(self.ns["id"], expires_at="2098-01-01T00:00:00Z")
        for field, value in [("expires_at", rfc3339(datetime.timedelta(days=30))),
                             ("expires_at", None), ("expires_at", "2099-01-01T00:00:00Z"),
                             ("type", "management"), ("owner", self.admin_id),
                             ("namespace", self.ns["id"]), ("prefix", "zz"), ("status", "active"),
                             ("id", "key_x"), ("secret", "lk_x")]:
            with self.subTest(field=field, value=value):
                self.assertError(s.admin("PATCH", f"/v1/keys/{k['id']}", {field: value}),
                                 400, "invalid_argument", field)
        self.assertError(s.admin("PATCH", f"/v1/keys/{k['id']}",
                                 {"name": "ok", "expires_at": "2099-01-01T00:00:00Z"}),
                         400, "invalid_argument", "expires_at")
        got = s.admin("GET", f"/v1/keys/{k['id']}").json
        self.assertEqual(got["expires_at"], "2098-01-01T00:00:00.000Z")
        self.assertEqual(got["name"], k["name"])  # nothing was written

    def test_bad_updates(self):
        s = self.server
        k = s.create_key(self.ns["id"])
        for body, field in [({"scopes": ["nope"]}, "scopes"), ({"name": ""}, "name"),
                            ({"meta": "x"}, "meta"), ({"description": 5}, "description"),
                            ({"colour": "red"}, "colour")]:
            with self.subTest(body=body):
                self.assertError(s.admin("PATCH", f"/v1/keys/{k['id']}", body), 400,
                                 "invalid_argument", field)
        self.assertError(s.admin("PATCH", "/v1/keys/key_0000000000000000", {"name": "x"}),
                         404, "not_found")


class Lifecycle(KeysTestCase):
    def test_disable_enable_revoke_delete_take_effect_at_once(self):
        s = self.server
        k = s.create_key(self.ns["id"])
        kid, secret = k["id"], k["secret"]
        self.assertEqual(s.verify_code(secret), "VALID")

        status, _, body = s.admin("POST", f"/v1/keys/{kid}/disable")
        self.assertEqual((status, body["status"]), (200, "disabled"), body)
        self.assertEqual(s.verify_code(secret), "DISABLED")
        # Disabling twice is harmless.
        self.assertEqual(s.admin("POST", f"/v1/keys/{kid}/disable").json["status"], "disabled")

        status, _, body = s.admin("POST", f"/v1/keys/{kid}/enable")
        self.assertEqual((status, body["status"]), (200, "active"), body)
        self.assertEqual(s.verify_code(secret), "VALID")

        status, _, body = s.admin("POST", f"/v1/keys/{kid}/revoke")
        self.assertEqual((status, body["status"]), (200, "revoked"), body)
        self.assertRegex(body["revoked_at"], r"^\d{4}-\d\d-\d\dT")
        answer = s.verify(secret)
        self.assertEqual((answer["code"], answer["valid"]), ("REVOKED", False))
        self.assertEqual(answer["key"]["id"], kid)

        # Final: enable and disable are conflicts, revoke again answers the key unchanged.
        self.assertError(s.admin("POST", f"/v1/keys/{kid}/enable"), 409, "conflict")
        self.assertError(s.admin("POST", f"/v1/keys/{kid}/disable"), 409, "conflict")
        status, _, again = s.admin("POST", f"/v1/keys/{kid}/revoke")
        self.assertEqual(status, 200, again)
        self.assertEqual(again, body)
        self.assertEqual(s.verify_code(secret), "REVOKED")

        self.assertEqual(s.admin("DELETE", f"/v1/keys/{kid}").status, 204)
        answer = s.verify(secret)
        self.assertEqual(answer["code"], "NOT_FOUND")
        self.assertNotIn("key", answer)
        self.assertError(s.admin("GET", f"/v1/keys/{kid}"), 404, "not_found")
        self.assertError(s.admin("DELETE", f"/v1/keys/{kid}"), 404, "not_found")
        self.assertError(s.admin("POST", f"/v1/keys/{kid}/revoke"), 404, "not_found")

    def test_delete_active_key_and_revoke_disabled_key(self):
        s = self.server
        k = s.create_key(self.ns["id"])
        self.assertEqual(s.admin("DELETE", f"/v1/keys/{k['id']}").status, 204)
        self.assertEqual(s.verify_code(k["secret"]), "NOT_FOUND")
        d = s.create_key(self.ns["id"])
        s.admin("POST", f"/v1/keys/{d['id']}/disable")
        self.assertEqual(s.admin("POST", f"/v1/keys/{d['id']}/revoke").json["status"], "revoked")
        self.assertEqual(s.verify_code(d["secret"]), "REVOKED")

    def test_actions_refuse_a_body_with_fields(self):
        k = self.server.create_key(self.ns["id"])
        self.assertError(self.server.admin("POST", f"/v1/keys/{k['id']}/revoke",
                                           {"reason": "leaked"}),
                         400, "invalid_argument", "reason")
        self.assertEqual(self.server.verify_code(k["secret"]), "VALID")

    def test_management_key_can_call_the_management_api_in_its_namespace(self):
        s = self.server
        root = s.root_namespace()
        mk = s.create_key(root, type="management")  # the admin's, in the admin's home
        status, _, who = s.call("GET", "/v1/whoami", token=mk["secret"])
        self.assertEqual(status, 200, who)
        self.assertEqual(who["key"]["id"], mk["id"])
        self.assertEqual(who["principal"]["id"], self.admin_id)
        # Bound to its namespace: listing namespaces shows that one only (DESIGN 4.4).
        status, _, page = s.call("GET", "/v1/namespaces", token=mk["secret"])
        self.assertEqual(status, 200, page)
        self.assertEqual([n["id"] for n in page["items"]], [root])
        # Other namespaces' objects are invisible to it.
        status, _, body = s.call("GET", f"/v1/namespaces/{self.ns['id']}", token=mk["secret"])
        self.assertEqual(status, 404, body)

    def test_standard_key_cannot_call_the_management_api(self):
        s = self.server
        std = s.create_key(s.root_namespace())  # even the superuser's own standard key
        for method, path in [("GET", "/v1/whoami"), ("GET", "/v1/keys"),
                             ("POST", "/v1/namespaces")]:
            with self.subTest(path=path):
                status, _, body = s.call(method, path, token=std["secret"],
                                         body={"name": unique_name(), "kind": "project"})
                self.assertEqual(status, 403, body)
                self.assertEqual(body["error"]["code"], "permission_denied")

    def test_whoami_with_a_management_key_outside_its_owners_home_namespace(self):
        s = self.server
        mk = s.create_key(self.ns["id"], type="management")  # owner: the admin, home: root
        status, _, who = s.call("GET", "/v1/whoami", token=mk["secret"])
        self.assertEqual(status, 200, who)
        self.assertEqual(who["key"]["id"], mk["id"])
        self.assertEqual(who["principal"]["id"], self.admin_id)

    def test_whoami_with_a_non_superuser_management_key(self):
        s = self.server
        ns = s.create_namespace()
        owner = s.create_principal(kind="service_account", namespace=ns["id"])
        mk = s.create_key(ns["id"], type="management", owner=owner["id"])
        status, _, who = s.call("GET", "/v1/whoami", token=mk["secret"])
        self.assertEqual(status, 200, who)
        self.assertEqual(who["key"]["id"], mk["id"])
        self.assertEqual(who["principal"]["id"], owner["id"])
        self.assertEqual(who["permissions"], [])

    def test_whoami_with_a_non_superuser_personal_token(self):
        s = self.server
        user = s.create_principal(kind="user", default_key=False)
        pat = s.create_key(type="personal", owner=user["id"])
        status, _, who = s.call("GET", "/v1/whoami", token=pat["secret"])
        self.assertEqual(status, 200, who)
        self.assertEqual(who["principal"]["id"], user["id"])
        self.assertEqual(who["key"]["id"], pat["id"])
        self.assertEqual(who["permissions"], [])


if __name__ == "__main__":
    unittest.main()
