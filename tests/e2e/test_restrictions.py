"""Key restrictions (issue 4, docs/restrictions.md): resources, data access, caller origin and
referrers, IP allow-lists — settable at creation, changeable with PATCH, shown by GET, enforced
by verify in DESIGN §5's order — and CORS on the verify endpoint."""

import unittest

import harness


class RestrictionsTestCase(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns = cls.server.create_namespace(kind="application")

    def key(self, **restrictions):
        return self.server.create_key(self.ns["id"], **restrictions)

    def code(self, key, **fields):
        return self.server.verify(key["secret"], **fields)["code"]


class Matrix(RestrictionsTestCase):
    def test_one_key_per_restriction(self):
        keys = {
            "resources": self.key(resources=["algo://demos/*", "algo://tools/ocr"]),
            "none": self.key(resources=[]),
            "read": self.key(data_access="read"),
            "read_write": self.key(data_access="read_write"),
            "browser": self.key(origins={"native": False, "browser": True,
                                         "referrers": ["app.example.com", "*.example.org"]}),
            "both": self.key(origins={"native": True, "browser": True}),
            "ips": self.key(allowed_ips=["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]),
        }
        plain = self.key()
        cases = [
            # (key, verify fields, expected code)
            (plain, {}, "VALID"),
            (plain, {"resource": "algo://anything/at/all"}, "VALID"),
            (plain, {"data": "read"}, "DATA_ACCESS_DENIED"),  # data access defaults to none
            (plain, {"origin": "https://app.example.com"}, "ORIGIN_NOT_ALLOWED"),  # native only
            (keys["resources"], {"resource": "algo://demos/sentiment_analysis"}, "VALID"),
            (keys["resources"], {"resource": "algo://demos/a/b"}, "VALID"),
            (keys["resources"], {"resource": "algo://tools/ocr"}, "VALID"),
            (keys["resources"], {"resource": "algo://tools/other"}, "RESOURCE_NOT_ALLOWED"),
            (keys["resources"], {"resource": "algo://demos"}, "RESOURCE_NOT_ALLOWED"),
            (keys["resources"], {"resource": "other://demos/x"}, "RESOURCE_NOT_ALLOWED"),
            (keys["resources"], {}, "VALID"),  # no resource asked about
            (keys["none"], {"resource": "algo://demos/x"}, "RESOURCE_NOT_ALLOWED"),
            (keys["read"], {"data": "read"}, "VALID"),
            (keys["read"], {"data": "write"}, "DATA_ACCESS_DENIED"),
            (keys["read_write"], {"data": "write"}, "VALID"),
            (keys["browser"], {}, "ORIGIN_NOT_ALLOWED"),  # a native call
            (keys["browser"], {"origin": "https://app.example.com"}, "VALID"),
            (keys["browser"], {"origin": "http://APP.example.com:8080"}, "VALID"),
            (keys["browser"], {"referrer": "https://a.b.example.org/page?x=1"}, "VALID"),
            (keys["browser"], {"origin": "https://example.org"}, "ORIGIN_NOT_ALLOWED"),
            (keys["browser"], {"origin": "https://evil.example"}, "ORIGIN_NOT_ALLOWED"),
            (keys["browser"], {"origin": "https://app.example.com",
                               "referrer": "https://evil.example/"}, "ORIGIN_NOT_ALLOWED"),
            (keys["browser"], {"origin": "null"}, "ORIGIN_NOT_ALLOWED"),
            (keys["both"], {}, "VALID"),
            (keys["both"], {"origin": "https://anywhere.example"}, "VALID"),
            (keys["ips"], {"ip": "203.0.113.77"}, "VALID"),
            (keys["ips"], {"ip": "198.51.100.7"}, "VALID"),
            (keys["ips"], {"ip": "198.51.100.8"}, "IP_NOT_ALLOWED"),
            (keys["ips"], {"ip": "2001:DB8::1"}, "VALID"),
            (keys["ips"], {"ip": "::ffff:203.0.113.9"}, "VALID"),  # IPv4-mapped IPv6
            (keys["ips"], {"ip": "2001:db9::1"}, "IP_NOT_ALLOWED"),
            (keys["ips"], {}, "IP_NOT_ALLOWED"),  # the address is needed to decide
        ]
        for key, fields, expected in cases:
            with self.subTest(key=key["name"], fields=fields):
                self.assertEqual(self.code(key, **fields), expected)

    def test_the_order_of_the_codes(self):
        # Every restriction violated at once: the first in DESIGN §5's order wins.
        k = self.key(allowed_ips=["10.0.0.0/8"], resources=["algo://x/*"], scopes=["keys:read"])
        everything = {"ip": "192.0.2.1", "origin": "https://evil.example",
                      "resource": "algo://y/z", "data": "write", "scopes": ["raw:read"]}
        self.assertEqual(self.code(k, namespace="ns_other0000000", **everything),
                         "WRONG_NAMESPACE")
        self.assertEqual(self.code(k, **everything), "IP_NOT_ALLOWED")
        everything["ip"] = "10.1.2.3"
        self.assertEqual(self.code(k, **everything), "ORIGIN_NOT_ALLOWED")
        del everything["origin"]
        self.assertEqual(self.code(k, **everything), "RESOURCE_NOT_ALLOWED")
        everything["resource"] = "algo://x/z"
        self.assertEqual(self.code(k, **everything), "DATA_ACCESS_DENIED")
        del everything["data"]
        self.assertEqual(self.code(k, **everything), "INSUFFICIENT_SCOPE")
        del everything["scopes"]
        self.assertEqual(self.code(k, **everything), "VALID")


class Management(RestrictionsTestCase):
    def test_shown_by_get_and_changed_by_patch_at_once(self):
        s = self.server
        k = self.key(resources=["algo://demos/*"], allowed_ips=["10.0.0.1"])
        got = s.admin("GET", f"/v1/keys/{k['id']}").json
        self.assertEqual(got["resources"], ["algo://demos/*"])
        self.assertEqual(got["allowed_ips"], ["10.0.0.1"])
        self.assertEqual(got["data_access"], "none")
        self.assertEqual(got["origins"], {"native": True, "browser": False, "referrers": []})
        self.assertEqual(self.code(k, ip="10.0.0.2"), "IP_NOT_ALLOWED")
        resp = s.admin("PATCH", f"/v1/keys/{k['id']}",
                       {"allowed_ips": ["10.0.0.0/24"], "data_access": "read",
                        "resources": ["*"], "origins": {"browser": True}})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["allowed_ips"], ["10.0.0.0/24"])
        self.assertEqual(self.code(k, ip="10.0.0.2", data="read",
                                   resource="algo://tools/x"), "VALID")
        self.assertEqual(self.code(k, ip="10.0.0.2", origin="https://any.example"), "VALID")
        # Removing the wildcard restricts the key to what is listed.
        s.admin("PATCH", f"/v1/keys/{k['id']}", {"resources": ["algo://tools/x"]})
        self.assertEqual(self.code(k, ip="10.0.0.2", resource="algo://demos/y"),
                         "RESOURCE_NOT_ALLOWED")

    def test_malformed_restrictions_are_400_and_write_nothing(self):
        s = self.server
        bad = [
            ({"resources": ["algo://"]}, "resources"),
            ({"resources": ["algo://de*"]}, "resources"),
            ({"resources": ["no-scheme"]}, "resources"),
            ({"resources": "algo://*"}, "resources"),
            ({"data_access": "write"}, "data_access"),
            ({"allowed_ips": ["10.0.0.256"]}, "allowed_ips"),
            ({"allowed_ips": ["10.1.2.3/8"]}, "allowed_ips"),  # host bits set
            ({"allowed_ips": ["010.0.0.1"]}, "allowed_ips"),
            ({"allowed_ips": ["fe80::1%eth0"]}, "allowed_ips"),
            ({"origins": {"native": False, "browser": False}}, "origins"),
            ({"origins": {"browser": False, "referrers": ["a.example"]}}, "origins.referrers"),
            ({"origins": {"browser": True, "referrers": ["*.com"]}}, "origins.referrers"),
            ({"origins": {"browser": "yes"}}, "origins.browser"),
            ({"origins": {"colour": 1}}, "origins.colour"),
        ]
        name = harness.unique_name("bad")
        for body, field in bad:
            with self.subTest(body=body):
                resp = s.admin("POST", "/v1/keys", {"name": name, "namespace": self.ns["id"],
                                                    **body})
                self.assertEqual(resp.status, 400, resp)
                self.assertEqual(resp.json["error"]["field"], field, resp)
        names = [k["name"] for k in s.admin("GET",
                                            f"/v1/keys?namespace={self.ns['id']}&limit=1000")
                 .json["items"]]
        self.assertNotIn(name, names)

    def test_verify_input_is_checked(self):
        s = self.server
        k = self.key()
        for field, value in [("ip", "not-an-ip"), ("ip", "10.0.0.1/8"),
                             ("resource", "not a resource"), ("data", "delete")]:
            with self.subTest(field=field, value=value):
                resp = s.call("POST", "/v1/keys/verify", {"key": k["secret"], field: value})
                self.assertEqual(resp.status, 400, resp)
                self.assertEqual(resp.json["error"]["field"], field)

    def test_a_namespace_default_for_the_resources_of_new_keys(self):
        s = self.server
        ns = s.create_namespace(kind="application",
                                settings={"default_resources": ["algo://*"]})
        k = s.create_key(ns["id"])
        self.assertEqual(k["resources"], ["algo://*"])
        self.assertEqual(s.verify(k["secret"], resource="algo://x/y")["code"], "VALID")
        self.assertEqual(s.verify(k["secret"], resource="other://x")["code"],
                         "RESOURCE_NOT_ALLOWED")
        explicit = s.create_key(ns["id"], resources=["*"])
        self.assertEqual(explicit["resources"], ["*"])
        resp = s.admin("POST", "/v1/namespaces", {"name": harness.unique_name("ns"),
                                                  "kind": "application",
                                                  "settings": {"default_resources": ["x"]}})
        self.assertEqual(resp.status, 400, resp)

    def test_restrictions_survive_a_restart(self):
        with harness.LatchkeyServer() as s:
            ns = s.create_namespace()
            k = s.create_key(ns["id"], allowed_ips=["10.0.0.0/8"], data_access="read",
                             resources=["algo://a/*"],
                             origins={"native": False, "browser": True,
                                      "referrers": ["app.example.com"]})
            fields = dict(ip="10.2.3.4", data="read", resource="algo://a/b",
                          origin="https://app.example.com")
            self.assertEqual(s.verify(k["secret"], **fields)["code"], "VALID")
            s.restart()
            self.assertEqual(s.verify(k["secret"], **fields)["code"], "VALID")
            self.assertEqual(s.verify(k["secret"], **{**fields, "ip": "11.0.0.1"})["code"],
                             "IP_NOT_ALLOWED")
            self.assertEqual(s.stop(), 0)


class VerifyCors(RestrictionsTestCase):
    def test_preflight_is_answered_for_any_origin(self):
        resp = self.server.call("OPTIONS", "/v1/keys/verify",
                                headers={"Origin": "https://anywhere.example",
                                         "Access-Control-Request-Method": "POST"})
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://anywhere.example")

    def test_the_answer_is_readable_only_by_origins_the_key_allows(self):
        s = self.server
        k = self.key(origins={"native": False, "browser": True,
                              "referrers": ["app.example.com"]})
        ok = s.call("POST", "/v1/keys/verify", {"key": k["secret"]},
                    headers={"Origin": "https://app.example.com"})
        self.assertEqual(ok.json["code"], "VALID")  # the Origin header makes it a browser call
        self.assertEqual(ok.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertEqual(ok.headers["Vary"], "Origin")
        bad = s.call("POST", "/v1/keys/verify", {"key": k["secret"]},
                     headers={"Origin": "https://evil.example"})
        self.assertEqual(bad.json["code"], "ORIGIN_NOT_ALLOWED")
        self.assertNotIn("Access-Control-Allow-Origin", bad.headers)
        native_only = self.key()
        resp = s.call("POST", "/v1/keys/verify", {"key": native_only["secret"]},
                      headers={"Origin": "https://app.example.com"})
        self.assertEqual(resp.json["code"], "ORIGIN_NOT_ALLOWED")
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)


if __name__ == "__main__":
    unittest.main()
