"""nginx `auth_request` in front of an API, for real (issue 5): Debian's nginx with the shipped
configuration (examples/nginx/latchkey.conf, addresses rewritten to this test's ports), a static
upstream that echoes what it received, and latchkey. Checks allow, 401, 403, 429, the identity
headers reaching the upstream, the key never reaching it, and that nothing gets through while
latchkey is down."""

import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import harness

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, "examples", "nginx", "latchkey.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

GATEWAY = """
[gateway]
trusted_proxies = ["127.0.0.1/32"]

[[gateway.route]]
method = "GET"
path = "/items/*"
scopes = ["items:read"]
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Echo(http.server.BaseHTTPRequestHandler):
    """The API behind nginx: answers every request with the headers it received (and a careless
    CORS header of its own, which nginx must drop). It knows no OPTIONS."""

    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@unittest.skipUnless(os.path.exists(NGINX), "nginx is not installed (scripts/install-deps.sh)")
class NginxAuthRequest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="latchkey-nginx-")
        cls.backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        config = os.path.join(cls.dir, "latchkey.toml")
        with open(config, "w") as f:
            f.write(GATEWAY)
        cls.latchkey = harness.LatchkeyServer(args=("--config", config)).start()
        cls.nginx_port = free_port()
        with open(SHIPPED) as f:
            site = f.read()
        site = (site.replace("127.0.0.1:8420", f"127.0.0.1:{cls.latchkey.port}")
                    .replace("127.0.0.1:8080", f"127.0.0.1:{cls.backend.server_address[1]}")
                    .replace("127.0.0.1:8000", f"127.0.0.1:{cls.nginx_port}"))
        with open(os.path.join(cls.dir, "nginx.conf"), "w") as f:
            f.write(f"""daemon off;
worker_processes 1;
pid {cls.dir}/nginx.pid;
error_log {cls.dir}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {cls.dir}/body;
    proxy_temp_path {cls.dir}/proxy;
    fastcgi_temp_path {cls.dir}/fastcgi;
    uwsgi_temp_path {cls.dir}/uwsgi;
    scgi_temp_path {cls.dir}/scgi;
{site}
}}
""")
        cls.nginx = subprocess.Popen([NGINX, "-p", cls.dir, "-c", f"{cls.dir}/nginx.conf"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):  # at most 10 s
            try:
                with socket.create_connection(("127.0.0.1", cls.nginx_port), timeout=0.2):
                    break
            except OSError:
                if cls.nginx.poll() is not None:
                    raise RuntimeError("nginx exited: " + cls.nginx.stderr.read().decode())
                time.sleep(0.1)
        s = cls.latchkey
        cls.ns = s.create_namespace()
        cls.sa = s.create_principal(kind="service_account", namespace=cls.ns["id"])
        s.create_group(cls.ns["id"], ["items:read"], members=[cls.sa["id"]])
        cls.key = s.create_key(cls.ns["id"], owner=cls.sa["id"])

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        try:
            cls.nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.nginx.kill()
        cls.nginx.stderr.close()
        if cls.latchkey.running:
            cls.latchkey.stop()
        cls.latchkey.close()
        cls.backend.shutdown()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def get(self, path, key=None, origin=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if origin:
            headers["Origin"] = origin
        return harness.http_call(self.nginx_port, "GET", path, headers=headers)

    def test_allowed_with_identity_and_without_the_key(self):
        resp = self.get("/items/7", self.key["secret"])
        self.assertEqual(resp.status, 200, resp)
        seen = {k.lower(): v for k, v in resp.json["headers"].items()}
        self.assertEqual(seen["x-latchkey-key-id"], self.key["id"])
        self.assertEqual(seen["x-latchkey-owner"], self.sa["id"])
        self.assertEqual(seen["x-latchkey-namespace"], self.ns["id"])
        self.assertEqual(seen["x-latchkey-scopes"], "items:read")
        self.assertNotIn("authorization", seen)
        self.assertNotIn(self.key["secret"], json.dumps(resp.json))

    def test_refusals(self):
        resp = self.get("/items/7")
        self.assertEqual(resp.status, 401, resp)
        self.assertIn("Bearer", resp.headers.get("WWW-Authenticate", ""))
        resp = self.get("/items/7", "lk_" + "A" * 65)
        self.assertEqual(resp.status, 401, resp)
        resp = self.get("/elsewhere", self.key["secret"])  # no route: deny by default
        self.assertEqual(resp.status, 403, resp)
        self.assertEqual(resp.headers.get("X-Latchkey-Code"), "NO_ROUTE")

    def test_rate_limited_reaches_the_client_as_429(self):
        k = self.latchkey.create_key(self.ns["id"], owner=self.sa["id"],
                                     rate_limit={"limit": 1, "window_ms": 60000})
        self.assertEqual(self.get("/items/1", k["secret"]).status, 200)
        resp = self.get("/items/1", k["secret"])
        self.assertEqual(resp.status, 429, resp)
        self.assertEqual(resp.headers.get("X-Latchkey-Code"), "RATE_LIMITED")
        self.assertGreaterEqual(int(resp.headers.get("Retry-After", "0")), 1)

    def test_cors_preflight_is_answered_by_latchkey_not_the_api(self):
        resp = harness.http_call(self.nginx_port, "OPTIONS", "/items/7", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.headers.get("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertEqual(resp.headers.get("Access-Control-Allow-Methods"), "GET")
        self.assertEqual(resp.headers.get("Access-Control-Allow-Headers"), "authorization")
        self.assertEqual(resp.headers.get("X-Latchkey-Code"), "PREFLIGHT")
        # A request no route allows gets no blessing for its preflight.
        resp = harness.http_call(self.nginx_port, "OPTIONS", "/elsewhere", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
        self.assertEqual(resp.status, 403, resp)
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_cors_origin_allowed_only_for_the_keys_origins(self):
        k = self.latchkey.create_key(self.ns["id"], owner=self.sa["id"], origins={
            "native": False, "browser": True, "referrers": ["app.example.com"]})
        resp = self.get("/items/7", k["secret"], origin="https://app.example.com")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.headers.get_all("Access-Control-Allow-Origin"),
                         ["https://app.example.com"])  # the API's "*" is dropped
        self.assertIn("Origin", resp.headers.get("Vary", ""))
        resp = self.get("/items/7", k["secret"], origin="https://evil.example.net")
        self.assertEqual(resp.status, 403, resp)
        self.assertEqual(resp.headers.get("X-Latchkey-Code"), "ORIGIN_NOT_ALLOWED")
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)
        # A key for native callers only: a page may not read even the refusal.
        resp = self.get("/items/7", self.key["secret"], origin="https://app.example.com")
        self.assertEqual(resp.status, 403, resp)
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_cors_429_readable_by_the_allowed_page(self):
        k = self.latchkey.create_key(self.ns["id"], owner=self.sa["id"],
                                     rate_limit={"limit": 1, "window_ms": 60000},
                                     origins={"native": False, "browser": True, "referrers": []})
        origin = "https://app.example.com"
        self.assertEqual(self.get("/items/1", k["secret"], origin=origin).status, 200)
        resp = self.get("/items/1", k["secret"], origin=origin)
        self.assertEqual(resp.status, 429, resp)
        self.assertEqual(resp.headers.get("Access-Control-Allow-Origin"), origin)

    def test_zz_nothing_gets_through_while_latchkey_is_down(self):
        self.latchkey.stop()
        try:
            resp = self.get("/items/7", self.key["secret"])
            self.assertIn(resp.status, (500, 503), resp)
            self.assertNotIn("headers", resp.json or {})  # never the upstream's answer
        finally:
            self.latchkey.start()


if __name__ == "__main__":
    unittest.main()
