"""CORS on the management API (issue 3): a namespace's whitelisted application domains are the
browser origins allowed to call the management API with credentials that reach that namespace.
Preflights are answered for any namespace's domains; other origins are refused."""

import unittest

import harness


def preflight(server, origin, path="/v1/keys", method="POST"):
    return server.call("OPTIONS", path, headers={"Origin": origin,
                                                 "Access-Control-Request-Method": method,
                                                 "Access-Control-Request-Headers":
                                                     "authorization, content-type"})


class Cors(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.app = s.create_namespace(kind="application",
                                     settings={"app_domains": ["app.example.com",
                                                               "*.partner.example"]})
        cls.other = s.create_namespace(kind="application",
                                       settings={"app_domains": ["other.example.org"]})
        cls.user = s.create_principal(kind="user", namespace=cls.app["id"])
        s.create_group(cls.app["id"], ["keys:*", "namespaces:read"], members=[cls.user["id"]])
        cls.app_key = s.create_key(cls.app["id"], type="management", owner=cls.user["id"])

    def test_preflight_for_a_whitelisted_domain(self):
        for origin in ("https://app.example.com", "http://app.example.com:3000",
                       "https://eu.partner.example", "https://other.example.org"):
            with self.subTest(origin=origin):
                resp = preflight(self.server, origin)
                self.assertEqual(resp.status, 204, resp)
                self.assertEqual(resp.headers["Access-Control-Allow-Origin"], origin)
                self.assertIn("POST", resp.headers["Access-Control-Allow-Methods"])
                self.assertIn("Authorization", resp.headers["Access-Control-Allow-Headers"])
                self.assertEqual(resp.headers["Vary"], "Origin")

    def test_preflight_for_other_origins_is_refused(self):
        for origin in ("https://evil.example", "https://app.example.com.evil.example",
                       "https://partner.example", "null", "not an origin"):
            with self.subTest(origin=origin):
                resp = preflight(self.server, origin)
                self.assertEqual(resp.status, 403, resp)
                self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_a_call_from_a_domain_of_the_credentials_namespace(self):
        resp = self.server.call("GET", "/v1/keys", token=self.app_key["secret"],
                                headers={"Origin": "https://app.example.com"})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertIn("X-Request-Id", resp.headers["Access-Control-Expose-Headers"])

    def test_a_domain_of_another_namespace_is_refused(self):
        # other.example.org is whitelisted, but by a namespace this management key cannot reach.
        resp = self.server.call("GET", "/v1/keys", token=self.app_key["secret"],
                                headers={"Origin": "https://other.example.org"})
        self.assertEqual(resp.status, 403, resp)
        self.assertEqual(resp.json["error"]["code"], "permission_denied")
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_an_unknown_origin_is_refused_and_nothing_happens(self):
        resp = self.server.call("POST", "/v1/keys", {"name": "from-evil", "namespace":
                                                     self.app["id"]},
                                token=self.app_key["secret"],
                                headers={"Origin": "https://evil.example"})
        self.assertEqual(resp.status, 403, resp)
        names = [k["name"] for k in self.server.admin(
            "GET", f"/v1/keys?namespace={self.app['id']}").json["items"]]
        self.assertNotIn("from-evil", names)

    def test_a_superuser_token_reaches_every_namespace(self):
        resp = self.server.call("GET", "/v1/whoami", token=self.server.admin_token,
                                headers={"Origin": "https://other.example.org"})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://other.example.org")

    def test_unauthenticated_answers_are_readable_by_whitelisted_pages(self):
        resp = self.server.call("GET", "/v1/keys", headers={"Origin": "https://app.example.com"})
        self.assertEqual(resp.status, 401, resp)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        resp = self.server.call("GET", "/v1/keys", headers={"Origin": "https://evil.example"})
        self.assertEqual(resp.status, 401, resp)
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_same_origin_calls_need_no_whitelisting(self):
        origin = f"http://{harness.HOST}:{self.server.port}"
        resp = self.server.call("GET", "/v1/whoami", token=self.app_key["secret"],
                                headers={"Origin": origin,
                                         "Host": f"{harness.HOST}:{self.server.port}"})
        self.assertEqual(resp.status, 200, resp)
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_whitelist_changes_apply_at_once(self):
        s = self.server
        ns = s.create_namespace(kind="project")
        self.assertEqual(preflight(s, "https://late.example").status, 403)
        s.admin("PATCH", f"/v1/namespaces/{ns['id']}",
                {"settings": {"app_domains": ["late.example"]}})
        self.assertEqual(preflight(s, "https://late.example").status, 204)
        s.admin("PATCH", f"/v1/namespaces/{ns['id']}", {"settings": {"app_domains": []}})
        self.assertEqual(preflight(s, "https://late.example").status, 403)

    def test_malformed_domains_are_refused(self):
        for bad in ("a..b", "*", "https://", "a.*.com", "ftp://x.com", "*.com"):
            with self.subTest(domain=bad):
                resp = self.server.admin("POST", "/v1/namespaces",
                                         {"name": harness.unique_name("ns"), "kind": "project",
                                          "settings": {"app_domains": [bad]}})
                self.assertEqual(resp.status, 400, resp)
                self.assertEqual(resp.json["error"]["field"], "settings.app_domains")


if __name__ == "__main__":
    unittest.main()
