"""/v1/gateway/check (issue 5, DESIGN §6.2): the contract with nginx `auth_request` and Envoy
`ext_authz` (HTTP service), driven here with exactly the headers they send: route rules from the
configuration file, identity headers, 401/403/429, trusted proxies, and start-up errors."""

import os
import subprocess
import tempfile
import unittest

import harness

CONFIG = """
[gateway]
default = "deny"
trusted_proxies = ["127.0.0.1/32"]
key_query_param = "api_key"

[[gateway.route]]
method = "GET"
path = "/workspaces/{workspace}/items/*"
scopes = ["items:read"]
namespace = "{workspace}"

[[gateway.route]]
method = "POST"
path = "/workspaces/{workspace}/items"
scopes = ["items:write"]
data = "write"
namespace = "{workspace}"

[[gateway.route]]
method = "*"
path = "/admin/*"
allow = false

[[gateway.route]]
path = "/models/{model}/predict"
resource = "algo://models/{model}"
"""


def write_config(text):
    fd, path = tempfile.mkstemp(prefix="latchkey-gw-", suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class Gateway(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.config = write_config(CONFIG)
        cls.server_args = ("--config", cls.config)
        super().setUpClass()
        s = cls.server
        cls.ws = s.create_namespace(kind="workspace")
        cls.other_ws = s.create_namespace(kind="workspace")
        cls.sa = s.create_principal(kind="service_account", namespace=cls.ws["id"])
        s.create_group(cls.ws["id"], ["items:read", "items:write"], members=[cls.sa["id"]])
        cls.reader = s.create_key(cls.ws["id"], owner=cls.sa["id"], scopes=["items:read"])
        cls.writer = s.create_key(cls.ws["id"], owner=cls.sa["id"], data_access="read_write")
        cls.model_key = s.create_key(cls.ws["id"], resources=["algo://models/sentiment"])

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.config)

    def nginx(self, method, uri, key=None, headers=None, scheme="Bearer"):
        """An auth_request subrequest: GET to the check URI, the original in X-Original-*."""
        hdrs = {"X-Original-Method": method, "X-Original-URI": uri}
        if key:
            hdrs["Authorization"] = f"{scheme} {key}"
        hdrs.update(headers or {})
        return self.server.call("GET", "/v1/gateway/check", headers=hdrs)

    def envoy(self, method, path, key=None, headers=None):
        """An ext_authz HTTP-service call: the original method, path below the prefix."""
        hdrs = dict(headers or {})
        if key:
            hdrs["X-API-Key"] = key
        return self.server.call(method, "/v1/gateway/check" + path, headers=hdrs)

    def test_allowed_with_identity_headers(self):
        for call in (self.nginx, self.envoy):
            with self.subTest(via=call.__name__):
                resp = call("GET", f"/workspaces/{self.ws['id']}/items/42", self.reader["secret"])
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.headers["X-Latchkey-Key-Id"], self.reader["id"])
                self.assertEqual(resp.headers["X-Latchkey-Owner"], self.sa["id"])
                self.assertEqual(resp.headers["X-Latchkey-Namespace"], self.ws["id"])
                self.assertEqual(resp.headers["X-Latchkey-Scopes"], "items:read")

    def test_no_or_invalid_key_is_401(self):
        for key, code in [(None, "NO_KEY"), ("lk_garbage", "MALFORMED")]:
            with self.subTest(code=code):
                resp = self.nginx("GET", f"/workspaces/{self.ws['id']}/items/1", key)
                self.assertEqual(resp.status, 401, resp)
                self.assertIn("Bearer", resp.headers["WWW-Authenticate"])
                self.assertEqual(resp.headers["X-Latchkey-Code"], code)
        revoked = self.server.create_key(self.ws["id"], owner=self.sa["id"])
        self.server.admin("POST", f"/v1/keys/{revoked['id']}/revoke")
        resp = self.nginx("GET", f"/workspaces/{self.ws['id']}/items/1", revoked["secret"])
        self.assertEqual((resp.status, resp.headers["X-Latchkey-Code"]), (401, "REVOKED"))

    def test_valid_but_not_allowed_is_403_with_the_code(self):
        cases = [
            ("GET", f"/workspaces/{self.other_ws['id']}/items/1", self.reader, "WRONG_NAMESPACE"),
            ("POST", f"/workspaces/{self.ws['id']}/items", self.reader, "DATA_ACCESS_DENIED"),
            ("GET", "/models/other/predict", self.model_key, "RESOURCE_NOT_ALLOWED"),
            ("GET", "/admin/users", self.writer, "ROUTE_DENIED"),
            ("GET", "/nowhere", self.writer, "NO_ROUTE"),
        ]
        for method, uri, key, code in cases:
            with self.subTest(uri=uri):
                resp = self.nginx(method, uri, key["secret"])
                self.assertEqual(resp.status, 403, resp)
                self.assertEqual(resp.headers["X-Latchkey-Code"], code)
        resp = self.nginx("POST", f"/workspaces/{self.ws['id']}/items", self.writer["secret"])
        self.assertEqual(resp.status, 200, resp)
        resp = self.nginx("GET", "/models/sentiment/predict?x=1", self.model_key["secret"])
        self.assertEqual(resp.status, 200, resp)

    def test_key_from_other_places(self):
        uri = f"/workspaces/{self.ws['id']}/items/1"
        self.assertEqual(self.nginx("GET", uri, self.reader["secret"], scheme="Key").status, 200)
        self.assertEqual(self.nginx("GET", uri + f"?api_key={self.reader['secret']}").status, 200)
        basic = harness.basic(self.reader["id"], self.reader["secret"])
        resp = self.nginx("GET", uri, headers={"Authorization": basic})
        self.assertEqual(resp.status, 200, resp)

    def test_rate_limited_is_429_with_retry_after(self):
        k = self.server.create_key(self.ws["id"], owner=self.sa["id"],
                                   rate_limit={"limit": 1, "window_ms": 60000})
        uri = f"/workspaces/{self.ws['id']}/items/1"
        self.assertEqual(self.envoy("GET", uri, k["secret"]).status, 200)
        resp = self.envoy("GET", uri, k["secret"])
        self.assertEqual(resp.status, 429, resp)
        self.assertEqual(resp.headers["X-Latchkey-Code"], "RATE_LIMITED")
        self.assertGreaterEqual(int(resp.headers["Retry-After"]), 1)

    def test_cors_preflight_as_envoy_sends_it(self):
        # Envoy forwards the preflight itself (OPTIONS below the prefix); 204 is not 200, so
        # Envoy hands the answer to the browser and never calls the API.
        uri = f"/workspaces/{self.ws['id']}/items/1"
        preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
                     "Access-Control-Request-Headers": "x-api-key, content-type"}
        resp = self.envoy("OPTIONS", uri, headers=preflight)
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertEqual(resp.headers["Access-Control-Allow-Methods"], "GET")
        self.assertEqual(resp.headers["Access-Control-Allow-Headers"], "x-api-key, content-type")
        self.assertEqual(resp.headers["X-Latchkey-Code"], "PREFLIGHT")
        # Judged by the route of the announced request: DELETE has none, /admin is refused.
        for method, path, code in [("DELETE", uri, "NO_ROUTE"), ("GET", "/admin/x", "ROUTE_DENIED")]:
            with self.subTest(method=method, path=path):
                hdrs = dict(preflight, **{"Access-Control-Request-Method": method})
                resp = self.nginx("OPTIONS", path, headers=hdrs)
                self.assertEqual((resp.status, resp.headers["X-Latchkey-Code"]), (403, code))
                self.assertNotIn("Access-Control-Allow-Origin", resp.headers)
        # Requested headers that are not a header list are not echoed.
        hdrs = dict(preflight, **{"Access-Control-Request-Headers": "x-a; <script>"})
        resp = self.envoy("OPTIONS", uri, headers=hdrs)
        self.assertEqual(resp.headers["Access-Control-Allow-Headers"], "Authorization, X-API-Key")

    def test_cors_allow_origin_only_for_the_keys_origins(self):
        k = self.server.create_key(self.ws["id"], owner=self.sa["id"], scopes=["items:read"],
                                   origins={"native": False, "browser": True,
                                            "referrers": ["*.example.com"]})
        uri = f"/workspaces/{self.ws['id']}/items/1"
        for via in (self.nginx, self.envoy):
            with self.subTest(via=via.__name__):
                ok = via("GET", uri, k["secret"], headers={"Origin": "https://app.example.com"})
                self.assertEqual(ok.status, 200, ok)
                self.assertEqual(ok.headers["Access-Control-Allow-Origin"],
                                 "https://app.example.com")
                self.assertEqual(ok.headers["Vary"], "Origin")
                bad = via("GET", uri, k["secret"], headers={"Origin": "https://example.net"})
                self.assertEqual((bad.status, bad.headers["X-Latchkey-Code"]),
                                 (403, "ORIGIN_NOT_ALLOWED"))
                self.assertNotIn("Access-Control-Allow-Origin", bad.headers)
        # A refusal for another reason is readable by an allowed page.
        resp = self.nginx("POST", f"/workspaces/{self.ws['id']}/items", k["secret"],
                          headers={"Origin": "https://app.example.com"})
        self.assertEqual(resp.status, 403, resp)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        # Without an Origin (a native caller's request) there is no CORS header at all.
        resp = self.nginx("GET", uri, self.reader["secret"])
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)
        self.assertNotIn("Vary", resp.headers)

    def test_client_address_from_a_trusted_proxy_only(self):
        k = self.server.create_key(self.ws["id"], owner=self.sa["id"],
                                   allowed_ips=["203.0.113.0/24"])
        uri = f"/workspaces/{self.ws['id']}/items/1"
        # The test talks from 127.0.0.1, a trusted proxy here: its forwarding headers count.
        ok = self.nginx("GET", uri, k["secret"],
                        headers={"X-Forwarded-For": "203.0.113.5, 127.0.0.1"})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(self.nginx("GET", uri, k["secret"],
                                    headers={"X-Real-IP": "203.0.113.9"}).status, 200)
        bad = self.nginx("GET", uri, k["secret"], headers={"X-Forwarded-For": "198.51.100.1"})
        self.assertEqual((bad.status, bad.headers["X-Latchkey-Code"]), (403, "IP_NOT_ALLOWED"))


class UntrustedPeer(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.config = write_config('[gateway]\ndefault = "allow"\n')
        cls.server_args = ("--config", cls.config)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.config)

    def test_forwarding_headers_of_an_untrusted_peer_are_ignored(self):
        s = self.server
        ns = s.create_namespace()
        k = s.create_key(ns["id"], allowed_ips=["203.0.113.0/24"])
        resp = s.call("GET", "/v1/gateway/check/anything",
                      headers={"X-API-Key": k["secret"], "X-Forwarded-For": "203.0.113.5"})
        self.assertEqual((resp.status, resp.headers["X-Latchkey-Code"]), (403, "IP_NOT_ALLOWED"))
        plain = s.create_key(ns["id"])
        resp = s.call("GET", "/v1/gateway/check/anything", headers={"X-API-Key": plain["secret"]})
        self.assertEqual(resp.status, 200, resp)  # default allow, no route needed


class BadConfiguration(unittest.TestCase):
    def test_start_up_names_the_offending_rule(self):
        cases = [
            ('[[gateway.route]]\npath = "/a"\n[[gateway.route]]\npath = "no-slash"\n',
             "gateway.route[1].path"),
            ('[[gateway.route]]\nmethod = "FETCH"\npath = "/a"\n', "gateway.route[0].method"),
            ('[[gateway.route]]\npath = "/a"\nscopes = ["{nope}:read"]\n', "gateway.route[0].scopes"),
            ('[[gateway.route]]\npath = "/a"\ncolour = "red"\n', "gateway.route[0].colour"),
            ('[gateway]\ndefault = "maybe"\n', "gateway.default"),
            ('[gateway]\ntrusted_proxies = ["10.0.0.1/8"]\n', "gateway.trusted_proxies"),
        ]
        binary = harness.find_binary()
        for text, where in cases:
            with self.subTest(where=where):
                path = write_config(text)
                try:
                    with tempfile.TemporaryDirectory() as data:
                        proc = subprocess.run(
                            [binary, "serve", "--config", path, "--data", data,
                             "--listen", "127.0.0.1:0"],
                            capture_output=True, text=True, timeout=30,
                            env=harness.clean_env())
                    self.assertNotEqual(proc.returncode, 0)
                    self.assertIn(where, proc.stderr + proc.stdout)
                finally:
                    os.unlink(path)


if __name__ == "__main__":
    unittest.main()
