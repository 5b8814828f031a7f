"""POST /v1/keys/verify: every code this version implements, in the order of DESIGN §5, the
response shape of docs/http_api.md, and every way of presenting a key."""

import os
import sqlite3
import threading
import time
import unittest

import harness

KEY_SHAPE = {"id", "name", "type", "owner", "namespace", "scopes", "expires_at", "meta"}


def flip(secret, index):
    """The secret with the base62 character at `index` replaced by another one."""
    c = secret[index]
    other = "B" if c == "A" else "A"
    return secret[:index] + other + secret[index + 1:]


class VerifyTestCase(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ns = cls.server.create_namespace()
        cls.other_ns = cls.server.create_namespace()
        cls.owner = cls.server.create_principal(kind="service_account", namespace=cls.ns["id"])
        # The owner's capabilities bound its keys' effective scopes (DESIGN §4.1).
        cls.server.create_group(cls.ns["id"], ["raw:*"], members=[cls.owner["id"]])

    def new_key(self, **fields):
        return self.server.create_key(self.ns["id"], owner=self.owner["id"], **fields)

    def assertCode(self, answer, code, with_key):
        self.assertEqual(answer["code"], code, answer)
        self.assertIs(answer["valid"], code == "VALID", answer)
        if with_key:
            self.assertIn("key", answer, answer)
            self.assertEqual(set(answer["key"]), KEY_SHAPE, answer)
        else:
            self.assertNotIn("key", answer, answer)
        self.assertEqual(set(answer) - {"key"}, {"valid", "code"}, answer)


class Codes(VerifyTestCase):
    def test_valid_has_the_documented_shape(self):
        k = self.new_key(scopes=["raw:read:db1/t1"], meta={"team": "billing", "n": [1, 2]})
        status, headers, answer = self.server.call("POST", "/v1/keys/verify",
                                                   {"key": k["secret"]})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertCode(answer, "VALID", with_key=True)
        self.assertEqual(answer["key"], {"id": k["id"], "name": k["name"], "type": "standard",
                                         "owner": self.owner["id"], "namespace": self.ns["id"],
                                         "scopes": ["raw:read:db1/t1"], "expires_at": None,
                                         "meta": {"team": "billing", "n": [1, 2]}})
        self.assertEqual(set(answer), {"valid", "code", "key"})

    def test_malformed(self):
        k = self.new_key()
        secret = k["secret"]
        cases = {
            "garbage": "hello world",
            "empty": "",
            "flipped secret char": flip(secret, 30),
            "flipped id char": flip(secret, 5),
            "flipped checksum char": flip(secret, len(secret) - 1),
            "other prefix, same body": "sk" + secret[2:],
            "truncated": secret[:-1],
            "extended": secret + "A",
            "swapped neighbours": secret[:20] + secret[21] + secret[20] + secret[22:]
            if secret[20] != secret[21] else flip(secret, 20),
            "leading space": " " + secret,
            "bad alphabet": secret[:10] + "-" + secret[11:],
            "too long prefix": "a" * 17 + "_" + harness.make_key()[3:],
            "upper-case prefix": "LK" + harness.make_key()[2:],
        }
        for what, candidate in cases.items():
            with self.subTest(what=what):
                self.assertCode(self.server.verify(candidate), "MALFORMED", with_key=False)
        # No key at all is MALFORMED too.
        self.assertCode(self.server.verify(), "MALFORMED", with_key=False)
        resp = self.server.call("POST", "/v1/keys/verify", raw_body=b"")
        self.assertEqual(resp.status, 200, resp)
        self.assertCode(resp.json, "MALFORMED", with_key=False)
        # And the real key is untouched by all that.
        self.assertCode(self.server.verify(secret), "VALID", with_key=True)

    def test_not_found(self):
        k = self.new_key()
        unknown = harness.make_key()
        self.assertTrue(harness.is_well_formed_key(unknown))
        self.assertCode(self.server.verify(unknown), "NOT_FOUND", with_key=False)
        # The real id with another secret (and a correct checksum): NOT_FOUND, nothing revealed.
        wrong_secret = harness.make_key(id_chars=harness.id_chars_of(k["id"]))
        self.assertEqual(wrong_secret[3:19], k["secret"][3:19])
        self.assertCode(self.server.verify(wrong_secret), "NOT_FOUND", with_key=False)
        # The real id and secret under another prefix, checksum recomputed: NOT_FOUND.
        head = "sk_" + k["secret"][3:-6]
        self.assertCode(self.server.verify(head + harness.checksum(head)), "NOT_FOUND",
                        with_key=False)
        self.assertCode(self.server.verify(k["secret"]), "VALID", with_key=True)

    def test_revoked(self):
        k = self.new_key()
        self.server.admin("POST", f"/v1/keys/{k['id']}/revoke")
        answer = self.server.verify(k["secret"])
        self.assertCode(answer, "REVOKED", with_key=True)
        self.assertEqual(answer["key"]["id"], k["id"])
        # A wrong secret for a revoked key's id is still NOT_FOUND (checked first).
        wrong = harness.make_key(id_chars=harness.id_chars_of(k["id"]))
        self.assertCode(self.server.verify(wrong), "NOT_FOUND", with_key=False)

    def test_disabled_key_and_disabled_owner(self):
        s = self.server
        k = self.new_key()
        s.admin("POST", f"/v1/keys/{k['id']}/disable")
        self.assertCode(s.verify(k["secret"]), "DISABLED", with_key=True)
        # DISABLED comes before WRONG_NAMESPACE.
        self.assertCode(s.verify(k["secret"], namespace=self.other_ns["id"]), "DISABLED",
                        with_key=True)
        # Revoked beats disabled.
        s.admin("POST", f"/v1/keys/{k['id']}/revoke")
        self.assertCode(s.verify(k["secret"]), "REVOKED", with_key=True)

        owner = s.create_principal(kind="user", namespace=self.ns["id"])
        key = owner["default_key"]
        s.admin("PATCH", f"/v1/principals/{owner['id']}", {"status": "disabled"})
        self.assertCode(s.verify(key["secret"]), "DISABLED", with_key=True)
        self.assertCode(s.verify(key["secret"], namespace=self.other_ns["id"]), "DISABLED",
                        with_key=True)
        s.admin("PATCH", f"/v1/principals/{owner['id']}", {"status": "active"})
        self.assertCode(s.verify(key["secret"]), "VALID", with_key=True)

    def test_wrong_namespace(self):
        s = self.server
        k = self.new_key()
        self.assertCode(s.verify(k["secret"], namespace=self.ns["id"]), "VALID", with_key=True)
        answer = s.verify(k["secret"], namespace=self.other_ns["id"])
        self.assertCode(answer, "WRONG_NAMESPACE", with_key=True)
        self.assertEqual(answer["key"]["namespace"], self.ns["id"])
        self.assertCode(s.verify(k["secret"], namespace="ns_doesnotexist"), "WRONG_NAMESPACE",
                        with_key=True)
        mk = self.new_key(type="management")
        self.assertCode(s.verify(mk["secret"], namespace=self.other_ns["id"]), "WRONG_NAMESPACE",
                        with_key=True)
        # Personal keys have no namespace and pass any namespace check.
        user = s.create_principal(kind="user", default_key=False)
        pat = s.create_key(type="personal", owner=user["id"])
        self.assertCode(s.verify(pat["secret"], namespace=self.other_ns["id"]), "VALID",
                        with_key=True)
        self.assertCode(s.verify(s.admin_token, namespace=self.ns["id"]), "VALID", with_key=True)
        # `null` means absent.
        self.assertCode(s.verify(k["secret"], namespace=None), "VALID", with_key=True)
        resp = s.call("POST", "/v1/keys/verify", {"key": k["secret"], "namespace": None})
        self.assertCode(resp.json, "VALID", with_key=True)

    def test_every_request_field_is_accepted_and_type_checked(self):
        s = self.server
        k = self.new_key(data_access="read", origins={"native": True, "browser": True})
        answer = s.verify(k["secret"], scopes=["raw:read:db1/t1"],
                          resource="algo://demos/sentiment_analysis", data="read",
                          origin="https://app.example.com",
                          referrer="https://app.example.com/page", ip="203.0.113.7", cost=1)
        self.assertCode(answer, "VALID", with_key=True)
        for field, value in [("scopes", "raw:read"), ("scopes", [1]), ("resource", 5),
                             ("data", "delete"), ("origin", True), ("referrer", []),
                             ("ip", 7), ("cost", -1), ("cost", "1"), ("cost", 1.5),
                             ("namespace", 3), ("key", 12), ("colour", "red")]:
            with self.subTest(field=field, value=value):
                resp = s.call("POST", "/v1/keys/verify", {"key": k["secret"], field: value}
                              if field != "key" else {"key": value})
                self.assertEqual(resp.status, 400, resp)
                self.assertEqual(resp.json["error"]["code"], "invalid_argument")
                self.assertEqual(resp.json["error"].get("field"), field, resp)

    def test_not_json_is_400(self):
        for raw in (b"{", b"[1,2]", b"\"lk_x\"", b"key=lk_x", b"\xff\xfe"):
            with self.subTest(raw=raw):
                resp = self.server.call("POST", "/v1/keys/verify", raw_body=raw)
                self.assertEqual(resp.status, 400, resp)
                self.assertEqual(resp.json["error"]["code"], "invalid_argument")


class Presentation(VerifyTestCase):
    def post(self, headers, body=None):
        resp = self.server.call("POST", "/v1/keys/verify", body=body, headers=headers)
        self.assertEqual(resp.status, 200, resp)
        return resp.json

    def test_every_form_is_valid(self):
        k = self.new_key()
        secret = k["secret"]
        forms = {
            "body": ({}, {"key": secret}),
            "Bearer": ({"Authorization": f"Bearer {secret}"}, None),
            "bearer, lower case": ({"Authorization": f"bearer {secret}"}, None),
            "Key": ({"Authorization": f"Key {secret}"}, None),
            "X-API-Key": ({"X-API-Key": secret}, None),
            "x-api-key, lower case": ({"x-api-key": secret}, None),
            "Basic id:secret": ({"Authorization": harness.basic(k["id"], secret)}, None),
            "Bearer with an empty body object": ({"Authorization": f"Bearer {secret}"}, {}),
            "header with namespace in body": ({"X-API-Key": secret}, {"namespace": self.ns["id"]}),
        }
        for what, (headers, body) in forms.items():
            with self.subTest(form=what):
                answer = self.post(headers, body)
                self.assertCode(answer, "VALID", with_key=True)
                self.assertEqual(answer["key"]["id"], k["id"])
        answer = self.post({"X-API-Key": secret}, {"namespace": self.other_ns["id"]})
        self.assertCode(answer, "WRONG_NAMESPACE", with_key=True)

    def test_basic_with_another_id_is_not_valid(self):
        k = self.new_key()
        other = self.new_key()
        for user in (other["id"], "key_0000000000000000", "someone", k["id"].upper()):
            with self.subTest(user=user):
                answer = self.post({"Authorization": harness.basic(user, k["secret"])})
                self.assertNotEqual(answer["code"], "VALID")
                self.assertFalse(answer["valid"])
                self.assertNotIn("key", answer)

    def test_header_forms_report_codes_too(self):
        k = self.new_key()
        self.server.admin("POST", f"/v1/keys/{k['id']}/revoke")
        self.assertCode(self.post({"X-API-Key": k["secret"]}), "REVOKED", with_key=True)
        self.assertCode(self.post({"Authorization": "Bearer nonsense"}), "MALFORMED",
                        with_key=False)
        self.assertCode(self.post({"Authorization": f"Key {harness.make_key()}"}), "NOT_FOUND",
                        with_key=False)

    def test_key_in_header_and_body_is_400(self):
        k = self.new_key()
        for headers in ({"Authorization": f"Bearer {k['secret']}"},
                        {"X-API-Key": k["secret"]},
                        {"Authorization": harness.basic(k["id"], k["secret"])}):
            with self.subTest(headers=list(headers)):
                resp = self.server.call("POST", "/v1/keys/verify", {"key": k["secret"]},
                                        headers=headers)
                self.assertEqual(resp.status, 400, resp)
                self.assertEqual(resp.json["error"]["code"], "invalid_argument")
                self.assertEqual(resp.json["error"].get("field"), "key")

    def test_verify_needs_no_credential_of_its_own(self):
        k = self.new_key()
        resp = self.server.call("POST", "/v1/keys/verify", {"key": k["secret"]})
        self.assertEqual(resp.status, 200)
        self.assertNotIn("WWW-Authenticate", resp.headers)
        self.assertCode(resp.json, "VALID", with_key=True)
        # A standard key presented in a header verifies itself: no other credential is needed.
        self.assertCode(self.post({"Authorization": f"Bearer {k['secret']}"}), "VALID",
                        with_key=True)


class Concurrency(VerifyTestCase):
    """With verifications running on every I/O thread, a revoke is refused by every request
    sent after its response arrived (DESIGN §4.1: before the change's response returns)."""

    server_args = ("--threads", "4")
    THREADS = 3
    MAX_REQUESTS = 400  # per thread

    def test_revoke_is_seen_by_every_later_request_on_every_thread(self):
        s = self.server
        keys = [self.new_key() for _ in range(4)]
        revoked_at = {}          # key id -> monotonic time the revoke response arrived
        violations = []
        checked = threading.Condition()
        checked_after = [0]      # requests of revoked keys sent after their revoke's response
        done = threading.Event()

        def hammer(seed):
            client = harness.KeepAliveClient(s.port)
            try:
                for i in range(self.MAX_REQUESTS):
                    if done.is_set():
                        break
                    key = keys[(seed + i) % len(keys)]
                    acked = revoked_at.get(key["id"])
                    resp = client.call("POST", "/v1/keys/verify", {"key": key["secret"]})
                    code = resp.json["code"]
                    if acked is not None:
                        if code != "REVOKED":
                            violations.append((key["id"], code))
                        with checked:
                            checked_after[0] += 1
                            checked.notify_all()
                    elif code not in ("VALID", "REVOKED"):
                        violations.append((key["id"], code))
            finally:
                client.close()
                with checked:
                    checked.notify_all()

        workers = [threading.Thread(target=hammer, args=(n,)) for n in range(self.THREADS)]
        for w in workers:
            w.start()
        admin = harness.KeepAliveClient(s.port, s.admin_token)
        try:
            for n, key in enumerate(keys, 1):
                resp = admin.call("POST", f"/v1/keys/{key['id']}/revoke")
                self.assertEqual(resp.status, 200, resp)
                revoked_at[key["id"]] = time.monotonic()
                # Wait (bounded) until the workers made several checks after this revoke.
                deadline = time.monotonic() + 30
                with checked:
                    while (checked_after[0] < n * 3 * self.THREADS
                           and any(w.is_alive() for w in workers)
                           and time.monotonic() < deadline):
                        checked.wait(max(0.01, deadline - time.monotonic()))
        finally:
            admin.close()
            done.set()
        for w in workers:
            w.join(timeout=60)
            self.assertFalse(w.is_alive())
        self.assertEqual(violations, [])
        self.assertGreaterEqual(checked_after[0], len(keys) * self.THREADS)
        for key in keys:
            self.assertEqual(s.verify_code(key["secret"]), "REVOKED")


class Expiry(unittest.TestCase):
    """EXPIRED without waiting: expires_at is moved into the past in the database while the
    server is stopped, and the restarted server loads it."""

    def test_expired_and_its_place_in_the_order(self):
        with harness.LatchkeyServer() as s:
            ns = s.create_namespace()
            other = s.create_namespace()
            owner = s.create_principal(kind="user", namespace=ns["id"], default_key=False)
            future = "2099-01-01T00:00:00Z"
            keys = {name: s.create_key(ns["id"], owner=owner["id"], expires_at=future)
                    for name in ("expired", "revoked", "disabled", "wrong_ns", "wrong_secret")}
            keys["pat"] = s.create_key(type="personal", owner=owner["id"], expires_at=future)
            keys["later"] = s.create_key(ns["id"], owner=owner["id"], expires_at=future)
            keys["never"] = s.create_key(ns["id"], owner=owner["id"])
            s.admin("POST", f"/v1/keys/{keys['revoked']['id']}/revoke")
            s.admin("POST", f"/v1/keys/{keys['disabled']['id']}/disable")
            for k in keys.values():
                self.assertIn(s.verify_code(k["secret"]), ("VALID", "REVOKED", "DISABLED"))
            # A valid token without permissions: 403 on the management API (not 401).
            resp = s.call("POST", "/v1/keys", {"name": "x", "namespace": ns["id"]},
                          token=keys["pat"]["secret"])
            self.assertEqual(resp.status, 403, resp)

            self.assertEqual(s.stop(), 0)
            past_ms = int(time.time() * 1000) - 3_600_000
            expire = [k["id"] for name, k in keys.items() if name not in ("later", "never")]
            db = sqlite3.connect(os.path.join(s.data_dir, "latchkey.db"))
            try:
                with db:
                    db.executemany("UPDATE api_keys SET expires_at = ? WHERE id = ?",
                                   [(past_ms, kid) for kid in expire])
                changed = db.execute(
                    "SELECT count(*) FROM api_keys WHERE expires_at = ?", (past_ms,)).fetchone()
                self.assertEqual(changed[0], len(expire))
            finally:
                db.close()
            s.start()

            def check(secret, code, namespace=None):
                answer = s.verify(secret, namespace=namespace)
                self.assertEqual(answer["code"], code, answer)
                self.assertIs(answer["valid"], code == "VALID")
                return answer

            answer = check(keys["expired"]["secret"], "EXPIRED")
            self.assertEqual(answer["key"]["id"], keys["expired"]["id"])
            self.assertTrue(answer["key"]["expires_at"].endswith("Z"))
            check(keys["revoked"]["secret"], "REVOKED")          # REVOKED before EXPIRED
            check(keys["disabled"]["secret"], "EXPIRED")         # EXPIRED before DISABLED
            check(keys["wrong_ns"]["secret"], "EXPIRED", other["id"])  # ... and WRONG_NAMESPACE
            wrong = harness.make_key(id_chars=harness.id_chars_of(keys["wrong_secret"]["id"]))
            answer = check(wrong, "NOT_FOUND")                   # NOT_FOUND before EXPIRED
            self.assertNotIn("key", answer)
            check(keys["pat"]["secret"], "EXPIRED")
            check(keys["later"]["secret"], "VALID")
            check(keys["never"]["secret"], "VALID")
            # An expired personal token cannot call the management API.
            resp = s.call("GET", "/v1/namespaces", token=keys["pat"]["secret"])
            self.assertEqual(resp.status, 401, resp)
            self.assertEqual(resp.json["error"]["code"], "unauthenticated")
            # The owner being disabled does not hide EXPIRED either.
            s.admin("PATCH", f"/v1/principals/{owner['id']}", {"status": "disabled"})
            check(keys["expired"]["secret"], "EXPIRED")
            check(keys["never"]["secret"], "DISABLED")
            got = s.admin("GET", f"/v1/keys/{keys['expired']['id']}").json
            self.assertEqual(got["status"], "active")
            self.assertIsNotNone(got["expires_at"])
            self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
