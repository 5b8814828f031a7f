"""Bad input and bad clients: every malformed request gets a clear 4xx with the documented error
body, slow and idle connections are closed, and the server stays healthy through all of it."""

import json
import socket
import unittest

import harness

REQUEST_TIMEOUT_MS = 300
MAX_BODY = 4096
# Reading an answer the server owes us: bounded, and far longer than REQUEST_TIMEOUT_MS.
ANSWER_WITHIN_S = 15.0


class Errors(harness.SharedServerTestCase, unittest.TestCase):
    server_args = ("--request-timeout-ms", str(REQUEST_TIMEOUT_MS),
                   "--max-body-bytes", str(MAX_BODY))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns = cls.server.create_namespace()
        cls.key = cls.server.create_key(cls.ns["id"])

    def tearDown(self):
        # After every kind of abuse the server still answers, and still verifies keys.
        status, _, body = self.server.call("GET", "/readyz")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.server.verify_code(self.key["secret"]), "VALID")
        self.assertIsNone(self.server.proc.poll())

    def assertError(self, resp, status, code, field=None):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.headers.get("Content-Type"), "application/json", resp)
        self.assertEqual(set(resp.json), {"error"}, resp)
        error = resp.json["error"]
        self.assertEqual(error["code"], code, resp)
        self.assertIsInstance(error["message"], str)
        self.assertTrue(error["message"])
        if field is not None:
            self.assertEqual(error.get("field"), field, resp)
        return error

    def raw_exchange(self, data):
        """Sends raw bytes on a new connection; returns (bytes answered, closed by the server)."""
        return harness.raw_exchange(self.server.port, data, ANSWER_WITHIN_S)

    def assertRawError(self, data, status, code):
        """A raw request that must be answered with `status` and then closed."""
        answer, closed = self.raw_exchange(data)
        self.assertTrue(closed, answer[:200])
        self.assertTrue(answer, "no answer before the connection was closed")
        got, headers, body = harness.parse_http_response(answer)
        self.assertEqual(got, status, answer[:300])
        self.assertEqual(headers.get("connection"), "close")
        self.assertEqual(json.loads(body)["error"]["code"], code)

    # ---- JSON bodies ----

    def test_malformed_json(self):
        s = self.server
        for raw in (b"{", b"{\"name\": }", b"[]", b"\"x\"", b"{\"name\": \"a\"} trailing",
                    b"{\"name\": \"a\",}", b"\xff"):
            with self.subTest(raw=raw):
                self.assertError(s.call("POST", "/v1/namespaces", raw_body=raw,
                                        token=s.admin_token), 400, "invalid_argument")
                self.assertError(s.call("POST", "/v1/keys/verify", raw_body=raw), 400,
                                 "invalid_argument")
        self.assertError(s.call("PATCH", f"/v1/keys/{self.key['id']}", raw_body=b"{",
                                token=s.admin_token), 400, "invalid_argument")

    def test_deeply_nested_json_is_refused_not_fatal(self):
        s = self.server
        for raw in (b"[" * 2000 + b"]" * 2000, b'{"a":' * 600 + b"1" + b"}" * 600,
                    b'{"key": ' + b"[" * 1500 + b"]" * 1500 + b"}"):
            raw = raw[:MAX_BODY]
            with self.subTest(size=len(raw)):
                self.assertError(s.call("POST", "/v1/keys/verify", raw_body=raw), 400,
                                 "invalid_argument")
                self.assertError(s.call("POST", "/v1/keys", raw_body=raw, token=s.admin_token),
                                 400, "invalid_argument")

    def test_unknown_fields(self):
        s = self.server
        cases = [
            ("POST", "/v1/namespaces", {"name": "n", "kind": "project", "colour": "red"}, "colour"),
            ("POST", "/v1/namespaces", {"name": "n", "kind": "project",
                                        "settings": {"theme": "dark"}}, "settings.theme"),
            ("POST", "/v1/principals", {"name": "n", "kind": "user", "age": 3}, "age"),
            ("POST", "/v1/keys", {"name": "n", "namespace": self.ns["id"], "nmae": "x"}, "nmae"),
            ("PATCH", f"/v1/keys/{self.key['id']}", {"descripton": "typo"}, "descripton"),
            ("POST", "/v1/keys/verify", {"key": self.key["secret"], "extra": 1}, "extra"),
        ]
        for method, path, body, field in cases:
            with self.subTest(path=path, field=field):
                self.assertError(s.admin(method, path, body), 400, "invalid_argument", field)
        # Nothing was written by the refused PATCH.
        self.assertEqual(s.admin("GET", f"/v1/keys/{self.key['id']}").json["description"], "")

    def test_wrong_types(self):
        s = self.server
        cases = [
            ("POST", "/v1/namespaces", {"name": 5, "kind": "project"}, "name"),
            ("POST", "/v1/namespaces", {"name": "n", "kind": ["project"]}, "kind"),
            ("POST", "/v1/namespaces", {"name": "n", "kind": "project", "settings": "x"},
             "settings"),
            ("POST", "/v1/namespaces", {"name": "n", "kind": "project",
                                        "settings": {"app_domains": "a.com"}},
             "settings.app_domains"),
            ("POST", "/v1/principals", {"name": "n", "kind": "user", "default_key": "yes"},
             "default_key"),
            ("POST", "/v1/principals", {"name": "n", "kind": "user", "email": 1}, "email"),
            ("POST", "/v1/keys", {"name": "n", "namespace": self.ns["id"], "scopes": "*"},
             "scopes"),
            ("POST", "/v1/keys", {"name": "n", "namespace": self.ns["id"], "meta": "{}"}, "meta"),
            ("POST", "/v1/keys", {"name": "n", "namespace": self.ns["id"], "expires_at": 1e12},
             "expires_at"),
            ("POST", "/v1/keys", {"name": True, "namespace": self.ns["id"]}, "name"),
            ("PATCH", f"/v1/keys/{self.key['id']}", {"scopes": [None]}, "scopes"),
            ("PATCH", f"/v1/principals/{self.key['owner']}", {"status": 1}, "status"),
            ("POST", "/v1/keys/verify", {"key": ["lk_x"]}, "key"),
        ]
        for method, path, body, field in cases:
            with self.subTest(path=path, field=field):
                self.assertError(s.admin(method, path, body), 400, "invalid_argument", field)

    # ---- sizes ----

    def test_body_over_the_limit_is_413(self):
        # Raw sockets: the server may answer as soon as it has read Content-Length and close
        # before the body is sent, which a blocking client library reports as a broken pipe.
        for size in (MAX_BODY + 1, 64 * 1024, 2 * 1024 * 1024):
            body = b'{"key": "' + b"x" * (size - 11) + b'"}'
            self.assertEqual(len(body), size)
            for path, auth in (("/v1/keys/verify", b""),
                               ("/v1/namespaces",
                                b"Authorization: Bearer " + self.server.admin_token.encode()
                                + b"\r\n")):
                with self.subTest(size=size, path=path):
                    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            f"Content-Type: application/json\r\nContent-Length: {size}\r\n"
                            ).encode() + auth + b"\r\n"
                    self.assertRawError(head + body, 413, "too_large")
                    # Refused on the declared length alone, before any body byte arrives.
                    self.assertRawError(head, 413, "too_large")

    def test_chunked_body_over_the_limit_is_413(self):
        chunk = b"x" * 1000
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
        head = (b"POST /v1/keys/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        self.assertRawError(head + body, 413, "too_large")

    def test_body_over_the_limit_through_http_client(self):
        resp = self.server.call("POST", "/v1/keys/verify", raw_body=b" " * (MAX_BODY + 1))
        self.assertError(resp, 413, "too_large")

    def test_body_at_the_limit_is_accepted(self):
        body = json.dumps({"key": self.key["secret"]}).encode()
        body = body[:-1] + b" " * (MAX_BODY - len(body)) + b"}"
        self.assertEqual(len(body), MAX_BODY)
        resp = self.server.call("POST", "/v1/keys/verify", raw_body=body)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["code"], "VALID")

    def test_huge_headers_are_431(self):
        for size in (17 * 1024, 200 * 1024):
            with self.subTest(size=size):
                data = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
                        + b"a" * size + b"\r\n\r\n")
                self.assertRawError(data, 431, "too_large")
        many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(200))
        self.assertRawError(b"POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n",
                            431, "too_large")
        # Through a client library too (one header just over the limit).
        resp = self.server.call("GET", "/healthz", headers={"X-Padding": "a" * (17 * 1024)})
        self.assertError(resp, 431, "too_large")
        # Headers under 16 KiB are fine.
        self.assertEqual(self.server.call("GET", "/healthz",
                                          headers={"X-Padding": "a" * 8000}).status, 200)

    # ---- routing ----

    def test_unknown_path_is_404(self):
        s = self.server
        for method, path in [("GET", "/assets/nope.js"), ("GET", "/nope"), ("GET", "/v1/nope"),
                             ("GET", "/v1/keys/a/b/c"), ("POST", "/v3/users/u/keys"),
                             ("GET", "/v1"), ("DELETE", "/v1/keys/x/revoke/now"),
                             ("GET", "/healthz/extra")]:
            with self.subTest(method=method, path=path):
                self.assertError(s.call(method, path, token=s.admin_token), 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        s = self.server
        cases = [("DELETE", "/v1/namespaces", {"GET", "POST"}),
                 ("PUT", "/v1/keys", {"GET", "POST"}),
                 ("POST", f"/v1/keys/{self.key['id']}", {"GET", "PATCH", "DELETE"}),
                 ("GET", f"/v1/keys/{self.key['id']}/revoke", {"POST"}),
                 ("GET", "/v1/keys/verify", {"POST"}),
                 ("DELETE", "/v1/keys/verify", {"POST"}),
                 ("POST", "/v1/whoami", {"GET"}),
                 ("POST", "/healthz", {"GET"}),
                 ("PUT", "/readyz", {"GET"})]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                # Even without a credential: routing comes first.
                resp = s.call(method, path)
                self.assertError(resp, 405, "method_not_allowed")
                allow = {m.strip() for m in resp.headers.get("Allow", "").split(",")}
                self.assertTrue(allowed <= allow, f"Allow: {resp.headers.get('Allow')}")

    # ---- authentication ----

    def test_management_without_credential_is_401(self):
        s = self.server
        for method, path in [("GET", "/v1/whoami"), ("GET", "/v1/keys"),
                             ("POST", "/v1/namespaces"), ("DELETE", f"/v1/keys/{self.key['id']}")]:
            with self.subTest(path=path):
                resp = s.call(method, path, body={"name": "x", "kind": "project"})
                self.assertError(resp, 401, "unauthenticated")
                self.assertEqual(resp.headers.get("WWW-Authenticate"), 'Bearer realm="latchkey"')
        self.assertEqual(s.verify_code(self.key["secret"]), "VALID")  # not deleted

    def test_invalid_credentials_are_401(self):
        s = self.server
        revoked_pat = s.create_key(type="personal")
        s.admin("POST", f"/v1/keys/{revoked_pat['id']}/revoke")
        pat_id = "key_" + s.admin_token[3:19]
        cases = {
            "garbage bearer": {"Authorization": "Bearer garbage"},
            "empty bearer": {"Authorization": "Bearer "},
            "unknown well-formed": {"Authorization": f"Bearer {harness.make_key()}"},
            "wrong secret for the admin id": {
                "Authorization": "Bearer " + harness.make_key(id_chars=s.admin_token[3:19])},
            "flipped admin token": {"X-API-Key": s.admin_token[:-8] + (
                "A" if s.admin_token[-8] != "A" else "B") + s.admin_token[-7:]},
            "revoked token": {"Authorization": f"Key {revoked_pat['secret']}"},
            "basic with another id": {"Authorization": harness.basic(self.key["id"],
                                                                     s.admin_token)},
            "basic not base64": {"Authorization": "Basic !!!"},
            "basic without colon": {"Authorization": "Basic " + "a2V5X3g="},
            "unknown scheme only": {"Authorization": f"Token {s.admin_token}"},
        }
        for what, headers in cases.items():
            with self.subTest(what=what):
                resp = s.call("GET", "/v1/whoami", headers=headers)
                self.assertError(resp, 401, "unauthenticated")
                self.assertEqual(resp.headers.get("WWW-Authenticate"), 'Bearer realm="latchkey"')
                self.assertNotIn(s.admin_token, resp.raw.decode())
        # The valid forms of the admin token all work.
        for headers in ({"Authorization": f"Bearer {s.admin_token}"},
                        {"Authorization": f"Key {s.admin_token}"},
                        {"X-API-Key": s.admin_token},
                        {"Authorization": harness.basic(pat_id, s.admin_token)}):
            with self.subTest(valid=list(headers)):
                self.assertEqual(s.call("GET", "/v1/whoami", headers=headers).status, 200)

    def test_standard_key_on_management_api_is_403(self):
        resp = self.server.call("GET", "/v1/keys", token=self.key["secret"])
        self.assertError(resp, 403, "permission_denied")
        self.assertNotIn("WWW-Authenticate", resp.headers)

    # ---- connections ----

    def test_slow_client_gets_408_and_is_closed(self):
        partial = (b"POST /v1/keys/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"key\": ")
        for data in (partial, b"GET /heal", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"):
            with self.subTest(data=data[:20]):
                answer, closed = self.raw_exchange(data)
                self.assertTrue(closed, answer)
                self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), answer)
                head, _, body = answer.partition(b"\r\n\r\n")
                self.assertIn(b"connection: close", head.lower())
                self.assertEqual(json.loads(body)["error"]["code"], "timeout")

    def test_idle_connection_is_closed_without_an_answer(self):
        answer, closed = self.raw_exchange(b"")
        self.assertTrue(closed)
        self.assertEqual(answer, b"")

    def test_idle_keep_alive_connection_is_closed(self):
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        answer, closed = self.raw_exchange(request + request)
        self.assertTrue(closed)
        # Both requests were answered on the kept-alive connection, then it was closed idle.
        self.assertEqual(answer.count(b"HTTP/1.1 200 OK"), 2, answer)
        self.assertNotIn(b"408", answer)

    def test_slow_clients_do_not_block_others(self):
        socks = []
        try:
            for _ in range(8):
                sock = socket.create_connection((harness.HOST, self.server.port), timeout=10)
                sock.sendall(b"POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n")
                socks.append(sock)
            # While they dawdle, other callers are served.
            self.assertEqual(self.server.verify_code(self.key["secret"]), "VALID")
            self.assertEqual(self.server.admin("GET", "/v1/whoami").status, 200)
            for sock in socks:
                answer, closed = harness.recv_until_closed(sock, ANSWER_WITHIN_S)
                self.assertTrue(closed)
                self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), answer)
        finally:
            for sock in socks:
                sock.close()

    def test_malformed_http_is_400_and_closed(self):
        for data in (b"GARBAGE\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
                     b"GET /healthz HTTP/9.9\r\n\r\n",
                     b"POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                     b"POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"):
            with self.subTest(data=data[:30]):
                answer, closed = self.raw_exchange(data)
                self.assertTrue(closed, answer)
                self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)
                body = json.loads(answer.partition(b"\r\n\r\n")[2])
                self.assertEqual(body["error"]["code"], "invalid_argument")

    def test_client_disconnecting_mid_request(self):
        for data in (b"POST /v1/keys HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{",
                     b"GET /v1/whoami HTTP/1.1\r\nAuthorization: Bearer "):
            sock = socket.create_connection((harness.HOST, self.server.port), timeout=10)
            sock.sendall(data)
            sock.close()


if __name__ == "__main__":
    unittest.main()
