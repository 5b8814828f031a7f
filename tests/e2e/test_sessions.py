"""Console passwords and sessions (issue 6, docs/console.md): passwords set at creation, over HTTP
and with the CLI; sign-in with a cookie and its flags; the cookie acting as its user, with the
CSRF token on changes; sign-out, expiry, disabled and deleted users; throttled failures that all
look alike; no escalation through a password; and no password, session secret or CSRF token in
the audit log, in principal listings, in the server log or in the data directory.

Time moves with the test clock (LATCHKEY_TEST_CLOCK_OFFSET_FILE); every test starts 16 minutes
after the previous one, so the sign-in throttle of one (all calls come from 127.0.0.1) has
forgotten the failures of another."""

import glob
import json
import os
import re
import shutil
import tempfile
import unittest

import harness

TTL_S = 3600
MINUTE_MS = 60 * 1000
COOKIE_RE = re.compile(r"^latchkey_session=([0-9A-Za-z]{43}); Path=/; HttpOnly; "
                       r"SameSite=Strict; Max-Age=(\d+)(; Secure)?$")
PASSWORD = "correct horse battery staple"


class TestClock:
    """The server's clock: system time plus an offset in a file the test rewrites."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="latchkey-clock-")
        self.path = os.path.join(self.dir, "offset")
        self.offset_ms = 0
        self.advance(0)

    def advance(self, ms):
        self.offset_ms += ms
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(self.offset_ms))
        os.replace(tmp, self.path)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class SessionTestCase(unittest.TestCase):
    """One server with a test clock and `--session-ttl 1h`."""

    server_args = ("--session-ttl", "1h")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clock = TestClock()
        cls.server = harness.LatchkeyServer(
            args=cls.server_args, env={"LATCHKEY_TEST_CLOCK_OFFSET_FILE": cls.clock.path})
        cls.server.start()
        cls.root = cls.server.root_namespace()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            if code != 0:
                raise AssertionError(f"latchkey exited with {code}:\n" + cls.server.read_log()[-4000:])
        finally:
            cls.server.close()
            cls.clock.close()
            super().tearDownClass()

    def setUp(self):
        self.clock.advance(16 * MINUTE_MS)  # past the throttle's 15-minute window

    # -- helpers --

    def user(self, password=PASSWORD, namespace=None, **fields):
        body = {"kind": "user", "default_key": False, **fields}
        if password is not None:
            body["password"] = password
        if namespace is not None:
            body["namespace"] = namespace
        return self.server.create_principal(**body)

    def sign_in(self, name, password=PASSWORD, headers=None):
        return self.server.call("POST", "/v1/sessions", {"name": name, "password": password},
                                headers=headers)

    def session(self, name, password=PASSWORD):
        """(cookie secret, csrf token, session object) of a successful sign-in."""
        resp = self.sign_in(name, password)
        self.assertEqual(resp.status, 201, resp)
        m = COOKIE_RE.match(resp.headers.get("Set-Cookie"))
        self.assertIsNotNone(m, resp.headers.get("Set-Cookie"))
        return m.group(1), resp.json["csrf_token"], resp.json

    def with_cookie(self, method, path, secret, body=None, csrf=None, headers=None):
        hdrs = {"Cookie": f"latchkey_session={secret}"}
        if csrf is not None:
            hdrs["X-CSRF-Token"] = csrf
        hdrs.update(headers or {})
        return self.server.call(method, path, body=body, headers=hdrs)

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["error"]["code"], code, resp)

    def audit(self, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        resp = self.server.admin("GET", f"/v1/audit?limit=1000&{q}")
        self.assertEqual(resp.status, 200, resp)
        return resp.json["items"]


class SignIn(SessionTestCase):
    def test_sign_in_answers_the_session_and_sets_the_cookie(self):
        ada = self.user(email=harness.unique_name("ada") + "@example.com")
        self.assertTrue(ada["has_password"])
        resp = self.sign_in(ada["name"])
        self.assertEqual(resp.status, 201, resp)
        self.assertEqual(set(resp.json), {"id", "principal", "created_at", "expires_at",
                                          "csrf_token"})
        self.assertTrue(resp.json["id"].startswith("ses_"))
        self.assertEqual(resp.json["principal"]["id"], ada["id"])
        self.assertTrue(resp.json["principal"]["has_password"])
        self.assertRegex(resp.json["csrf_token"], r"^[0-9a-f]{64}$")
        self.assertEqual(resp.headers.get("Cache-Control"), "no-store")
        cookies = resp.headers.get_all("Set-Cookie")
        self.assertEqual(len(cookies), 1, cookies)
        m = COOKIE_RE.match(cookies[0])
        self.assertIsNotNone(m, cookies[0])
        self.assertEqual(int(m.group(2)), TTL_S)
        self.assertIsNone(m.group(3))  # plain HTTP: not Secure
        self.assertNotIn(m.group(1), resp.raw.decode())  # the secret only in the cookie
        # By email too; over TLS (as a proxy reports it) the cookie is Secure.
        resp = self.sign_in(ada["email"], headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(resp.status, 201, resp)
        self.assertTrue(resp.headers.get("Set-Cookie").endswith("; Secure"))

    def test_every_refusal_looks_the_same(self):
        ada = self.user()
        no_password = self.user(password=None)
        disabled = self.user()
        self.assertEqual(self.server.admin("PATCH", f"/v1/principals/{disabled['id']}",
                                           {"status": "disabled"}).status, 200)
        robot = self.server.create_principal(kind="service_account")
        answers = []
        for name, password in [(harness.unique_name("nobody"), PASSWORD),
                               (ada["name"], "not the password"),
                               (no_password["name"], PASSWORD),
                               (disabled["name"], PASSWORD),
                               (robot["name"], PASSWORD)]:
            resp = self.sign_in(name, password)
            answers.append((resp.status, resp.json, resp.headers.get("Set-Cookie"),
                            resp.headers.get("WWW-Authenticate")))
        self.assertEqual(answers[0], (401, {"error": {"code": "unauthenticated",
                                                      "message": "wrong name or password"}},
                                      None, 'Bearer realm="latchkey"'))
        for answer in answers[1:]:
            self.assertEqual(answer, answers[0])

    def test_bad_requests(self):
        self.assertError(self.server.call("POST", "/v1/sessions", {"name": "x"}), 400,
                         "invalid_argument")
        self.assertError(self.server.call("POST", "/v1/sessions",
                                          {"name": "x", "password": "y", "extra": 1}),
                         400, "invalid_argument")
        self.assertError(self.server.call("GET", "/v1/sessions"), 405, "method_not_allowed")
        self.assertError(self.server.call("PUT", "/v1/sessions/current"), 405,
                         "method_not_allowed")
        self.assertError(self.server.call("GET", "/v1/sessions/other"), 404, "not_found")
        self.assertError(self.server.call("GET", "/v1/sessions/current"), 401, "unauthenticated")

    def test_failures_are_throttled_per_name(self):
        ada = self.user()
        for _ in range(5):
            self.assertError(self.sign_in(ada["name"], "not the password"), 401,
                             "unauthenticated")
        resp = self.sign_in(ada["name"])  # the right password, now refused unchecked
        self.assertError(resp, 429, "rate_limited")
        retry = int(resp.headers.get("Retry-After"))
        self.assertTrue(0 < retry <= 15 * 60, retry)
        self.clock.advance(15 * MINUTE_MS)
        self.session(ada["name"])

    def test_failures_are_throttled_per_address(self):
        ada = self.user()
        for _ in range(5):
            self.assertError(self.sign_in(harness.unique_name("guess")), 401, "unauthenticated")
        # Every name from this address waits now.
        resp = self.sign_in(ada["name"])
        self.assertError(resp, 429, "rate_limited")
        self.assertIsNotNone(resp.headers.get("Retry-After"))

    def test_cross_origin_sign_in_is_refused(self):
        ada = self.user()
        resp = self.sign_in(ada["name"], headers={"Origin": "https://evil.example"})
        self.assertError(resp, 403, "permission_denied")
        self.assertIsNone(resp.headers.get("Set-Cookie"))
        same = self.sign_in(ada["name"], headers={"Origin": self.server.url})
        self.assertEqual(same.status, 201, same)


class BehindATrustedProxy(SessionTestCase):
    """The console behind nginx: sign-in failures count per client (X-Forwarded-For from a
    trusted proxy), not per proxy, so one client's guesses do not lock everyone out."""

    @classmethod
    def setUpClass(cls):
        fd, cls.config = tempfile.mkstemp(prefix="latchkey-proxy-", suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write('[gateway]\ntrusted_proxies = ["127.0.0.1/32"]\n')
        cls.server_args = ("--session-ttl", "1h", "--config", cls.config)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.config)

    def test_failures_count_per_forwarded_client(self):
        ada = self.user()
        guesser = {"X-Forwarded-For": "198.51.100.7"}
        for _ in range(5):
            self.assertError(self.sign_in(harness.unique_name("guess"), headers=guesser), 401,
                             "unauthenticated")
        self.assertError(self.sign_in(ada["name"], headers=guesser), 429, "rate_limited")
        other = self.sign_in(ada["name"], headers={"X-Forwarded-For": "203.0.113.9"})
        self.assertEqual(other.status, 201, other)
        created = self.audit(action="sessions.create", target=other.json["id"])
        self.assertEqual(created[0]["source_ip"], "203.0.113.9")


class CookieAuthentication(SessionTestCase):
    def test_the_cookie_acts_as_its_user(self):
        ns = self.server.create_namespace()
        ada = self.user()
        self.server.create_group(ns["id"], ["keys:*"], [ada["id"]])
        secret, csrf, session = self.session(ada["name"])

        who = self.with_cookie("GET", "/v1/whoami", secret)
        self.assertEqual(who.status, 200, who)
        self.assertEqual(who.json["principal"]["id"], ada["id"])
        self.assertIsNone(who.json["key"])
        self.assertEqual(who.json["session"]["id"], session["id"])
        self.assertEqual(who.json["permissions_by_namespace"], {ns["id"]: ["keys:*"]})

        current = self.with_cookie("GET", "/v1/sessions/current", secret)
        self.assertEqual(current.status, 200, current)
        self.assertEqual(current.json, session)  # the reloaded page gets its CSRF token back
        self.assertEqual(current.headers.get("Cache-Control"), "no-store")

        listed = self.with_cookie("GET", f"/v1/keys?namespace={ns['id']}", secret)
        self.assertEqual(listed.status, 200, listed)
        created = self.with_cookie("POST", "/v1/keys", secret, {"name": "from-console",
                                                                "namespace": ns["id"]}, csrf=csrf)
        self.assertEqual(created.status, 201, created)
        self.assertEqual(created.json["created_by"], ada["id"])
        self.assertEqual(self.server.verify_code(created.json["secret"]), "VALID")
        # The audit log names the session as the credential.
        events = self.audit(target=created.json["id"])
        self.assertEqual([(e["action"], e["actor_principal"], e["actor_key"]) for e in events],
                         [("keys.create", ada["id"], session["id"])])
        # What the user may not do, the session may not either.
        self.assertError(self.with_cookie("POST", "/v1/namespaces", secret,
                                          {"name": "nope", "kind": "organization"}, csrf=csrf),
                         403, "permission_denied")

    def test_changes_need_the_csrf_token(self):
        ns = self.server.create_namespace()
        ada = self.user()
        self.server.create_group(ns["id"], ["keys:*"], [ada["id"]])
        secret, csrf, _ = self.session(ada["name"])
        other_secret, other_csrf, _ = self.session(ada["name"])
        body = {"name": "k", "namespace": ns["id"]}
        for token in (None, "", other_csrf, csrf.upper(), csrf[:-1], "x" * 64):
            self.assertError(self.with_cookie("POST", "/v1/keys", secret, body, csrf=token),
                             403, "csrf_failed")
        listed = self.with_cookie("GET", f"/v1/keys?namespace={ns['id']}", secret)
        self.assertEqual(listed.json["items"], [])  # nothing was written
        self.assertEqual(self.with_cookie("POST", "/v1/keys", other_secret, body,
                                          csrf=other_csrf).status, 201)

    def test_cookie_parsing(self):
        ada = self.user()
        secret, _, _ = self.session(ada["name"])
        for header in (f"latchkey_session={secret}",
                       f"theme=dark; latchkey_session={secret}; lang=en",
                       f"theme=dark;latchkey_session={secret}",
                       f"  latchkey_session = \"{secret}\" ;x=1",
                       f"xlatchkey_session=nope; latchkey_session={secret}"):
            resp = self.server.call("GET", "/v1/whoami", headers={"Cookie": header})
            self.assertEqual(resp.status, 200, (header, resp))
        for header in ("theme=dark", f"latchkey_sessionx={secret}", "latchkey_session=",
                       "latchkey_session=" + "A" * 43):
            resp = self.server.call("GET", "/v1/whoami", headers={"Cookie": header})
            self.assertError(resp, 401, "unauthenticated")

    def test_a_key_wins_over_the_cookie(self):
        ada = self.user()
        secret, _, _ = self.session(ada["name"])
        resp = self.server.call("GET", "/v1/whoami", token=self.server.admin_token,
                                headers={"Cookie": f"latchkey_session={secret}"})
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue(resp.json["principal"]["superuser"])
        self.assertNotIn("session", resp.json)

    def test_cross_origin_calls_cannot_use_the_cookie(self):
        ada = self.user()
        secret, _, _ = self.session(ada["name"])
        self.assertError(self.with_cookie("GET", "/v1/whoami", secret,
                                          headers={"Origin": "https://evil.example"}),
                         403, "permission_denied")
        ok = self.with_cookie("GET", "/v1/whoami", secret, headers={"Origin": self.server.url})
        self.assertEqual(ok.status, 200, ok)


class SessionsEnd(SessionTestCase):
    def test_sign_out(self):
        ada = self.user()
        secret, csrf, session = self.session(ada["name"])
        self.assertError(self.with_cookie("DELETE", "/v1/sessions/current", secret), 403,
                         "csrf_failed")
        self.assertEqual(self.with_cookie("GET", "/v1/whoami", secret).status, 200)
        resp = self.with_cookie("DELETE", "/v1/sessions/current", secret, csrf=csrf)
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.headers.get("Set-Cookie"),
                         "latchkey_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
        after = self.with_cookie("GET", "/v1/whoami", secret)
        self.assertError(after, 401, "unauthenticated")
        self.assertEqual(after.json["error"]["message"], "the session has expired or was signed out")
        self.assertError(self.with_cookie("GET", "/v1/sessions/current", secret), 401,
                         "unauthenticated")
        again = self.with_cookie("DELETE", "/v1/sessions/current", secret, csrf=csrf)
        self.assertEqual(again.status, 204, again)  # nothing left to end
        events = self.audit(target=session["id"])
        self.assertEqual([(e["action"], e["outcome"], e["actor_key"]) for e in events],
                         [("sessions.create", "success", session["id"]),
                          ("sessions.delete", "success", session["id"])])

    def test_sessions_expire(self):
        ada = self.user()
        secret, _, session = self.session(ada["name"])
        self.clock.advance(TTL_S * 1000 - 5000)
        self.assertEqual(self.with_cookie("GET", "/v1/whoami", secret).status, 200)
        self.clock.advance(5000)
        resp = self.with_cookie("GET", "/v1/whoami", secret)
        self.assertError(resp, 401, "unauthenticated")
        self.assertEqual(resp.json["error"]["message"], "the session has expired or was signed out")

    def test_a_disabled_or_deleted_users_sessions_stop_at_once(self):
        ada = self.user()
        secret, _, _ = self.session(ada["name"])
        path = f"/v1/principals/{ada['id']}"
        self.assertEqual(self.server.admin("PATCH", path, {"status": "disabled"}).status, 200)
        self.assertError(self.with_cookie("GET", "/v1/whoami", secret), 401, "unauthenticated")
        self.assertEqual(self.server.admin("PATCH", path, {"status": "active"}).status, 200)
        self.assertError(self.with_cookie("GET", "/v1/whoami", secret), 401, "unauthenticated")
        secret, _, _ = self.session(ada["name"])
        self.assertEqual(self.server.admin("DELETE", path).status, 204)
        self.assertError(self.with_cookie("GET", "/v1/whoami", secret), 401, "unauthenticated")
        self.assertError(self.sign_in(ada["name"]), 401, "unauthenticated")


class Passwords(SessionTestCase):
    def test_set_a_password_over_http(self):
        ada = self.user(password=None)
        self.assertFalse(ada["has_password"])
        self.assertError(self.sign_in(ada["name"]), 401, "unauthenticated")
        resp = self.server.admin("PUT", f"/v1/principals/{ada['id']}/password",
                                 {"password": PASSWORD})
        self.assertEqual(resp.status, 204, resp)
        self.assertTrue(self.server.admin("GET", f"/v1/principals/{ada['id']}").json["has_password"])
        secret, csrf, _ = self.session(ada["name"])
        # The user changes it in the console: its own session stays, the others end.
        other, _, _ = self.session(ada["name"])
        resp = self.with_cookie("PUT", f"/v1/principals/{ada['id']}/password", secret,
                                {"password": "a new long passphrase"}, csrf=csrf)
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(self.with_cookie("GET", "/v1/whoami", secret).status, 200)
        self.assertError(self.with_cookie("GET", "/v1/whoami", other), 401, "unauthenticated")
        self.assertError(self.sign_in(ada["name"]), 401, "unauthenticated")
        self.session(ada["name"], "a new long passphrase")
        admin_id = self.server.admin("GET", "/v1/whoami").json["principal"]["id"]
        events = self.audit(action="principals.set_password", target=ada["id"])
        self.assertEqual([(e["actor_principal"], e["outcome"]) for e in events],
                         [(admin_id, "success"), (ada["id"], "success")])

    def test_set_a_password_with_the_cli(self):
        ada = self.user(password=None)
        result = self.server.run_cli("principals", "set-password", ada["id"], "--password-stdin",
                                     token=self.server.admin_token, input=PASSWORD + "\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"password set for {ada['id']}\n")
        self.assertNotIn(PASSWORD, result.stdout + result.stderr)
        self.session(ada["name"])
        # Without --password-stdin it wants a terminal, and stdin is not one here.
        result = self.server.run_cli("principals", "set-password", ada["id"],
                                     token=self.server.admin_token, input=PASSWORD + "\n")
        self.assertEqual(result.returncode, 2, result)
        self.assertIn("--password-stdin", result.stderr)
        # A refusal is shown as the server words it.
        result = self.server.run_cli("principals", "set-password", ada["id"], "--password-stdin",
                                     token=self.server.admin_token, input="short\n")
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("12 to 1024", result.stderr)
        # And at creation.
        name = harness.unique_name("cli-user")
        result = self.server.run_cli("principals", "create", name, "--kind", "user",
                                     "--password-stdin", "--json",
                                     token=self.server.admin_token, input="from the cli 123\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(json.loads(result.stdout)["has_password"])
        self.session(name, "from the cli 123")

    def test_bad_passwords_are_refused_naming_the_field(self):
        for body in ({"name": harness.unique_name("u"), "kind": "user", "password": "too short"},
                     {"name": harness.unique_name("u"), "kind": "user", "password": "x" * 1025},
                     {"name": harness.unique_name("u"), "kind": "user", "password": 12345678901234},
                     {"name": harness.unique_name("sa"), "kind": "service_account",
                      "password": PASSWORD}):
            resp = self.server.admin("POST", "/v1/principals", body)
            self.assertError(resp, 400, "invalid_argument")
            self.assertEqual(resp.json["error"]["field"], "password", resp)
        ada = self.user(password=None)
        resp = self.server.admin("PUT", f"/v1/principals/{ada['id']}/password", {"password": "x"})
        self.assertError(resp, 400, "invalid_argument")
        self.assertEqual(resp.json["error"]["field"], "password")
        self.assertError(self.server.admin("PUT", f"/v1/principals/{ada['id']}/password", {}),
                         400, "invalid_argument")
        robot = self.server.create_principal(kind="service_account")
        self.assertError(self.server.admin("PUT", f"/v1/principals/{robot['id']}/password",
                                           {"password": PASSWORD}), 400, "invalid_argument")
        self.assertError(self.server.admin("PUT", "/v1/principals/pr_missing/password",
                                           {"password": PASSWORD}), 404, "not_found")

    def test_no_escalation_through_a_password(self):
        project = self.server.create_namespace(kind="project")
        hr = self.user()
        ada = self.user(password=None)
        self.server.create_group(self.root, ["principals:*"], [hr["id"]])
        self.server.create_group(project["id"], ["raw:*"], [ada["id"]])
        hr_secret, hr_csrf, _ = self.session(hr["name"])
        path = f"/v1/principals/{ada['id']}/password"
        # hr may write principals, but setting ada's password would give hr ada's raw:*.
        resp = self.with_cookie("PUT", path, hr_secret, {"password": PASSWORD}, csrf=hr_csrf)
        self.assertError(resp, 403, "privilege_escalation")
        self.assertFalse(self.server.admin("GET", f"/v1/principals/{ada['id']}").json["has_password"])
        denied = self.audit(action="principals.set_password", target=ada["id"])
        self.assertEqual([(e["outcome"], e["actor_principal"]) for e in denied],
                         [("denied", hr["id"])])
        # Nor a superuser's: only a superuser sets that.
        admin_id = self.server.admin("GET", "/v1/whoami").json["principal"]["id"]
        resp = self.with_cookie("PUT", f"/v1/principals/{admin_id}/password", hr_secret,
                                {"password": PASSWORD}, csrf=hr_csrf)
        self.assertError(resp, 403, "permission_denied")
        # Once hr holds what ada holds, it may.
        self.server.create_group(project["id"], ["raw:*"], [hr["id"]])
        resp = self.with_cookie("PUT", path, hr_secret, {"password": PASSWORD}, csrf=hr_csrf)
        self.assertEqual(resp.status, 204, resp)
        # A personal token narrower than its owner cannot set the owner's password.
        pat = self.server.create_key(name=harness.unique_name("pat"), type="personal",
                                     owner=hr["id"], scopes=["principals:read"])
        resp = self.server.call("PUT", f"/v1/principals/{hr['id']}/password",
                                {"password": PASSWORD}, token=pat["secret"])
        self.assertError(resp, 403, "privilege_escalation")


class SecretsNeverLeak(unittest.TestCase):
    """One server, every password and session operation, then a search for the secrets in
    everything the server shows or keeps."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.LatchkeyServer()
        cls.server.start()
        try:
            cls.secrets = cls.run_session()
            cls.listing = cls.server.admin("GET", "/v1/principals?limit=1000").raw.decode()
            cls.audit = cls.server.admin("GET", "/v1/audit?limit=1000").raw.decode()
            cls.server.stop()
            cls.log = cls.server.read_log()
            cls.files = {}
            for path in glob.glob(os.path.join(cls.server.data_dir, "**"), recursive=True):
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        cls.files[path] = f.read()
        except BaseException:
            cls.server.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    @classmethod
    def run_session(cls):
        s = cls.server
        passwords = ["created-with-this-password", "set-over-http-password",
                     "set-with-the-cli-password", "typed-into-the-name-field"]
        name = harness.unique_name("ada")
        ada = s.create_principal(name=name, kind="user", default_key=False,
                                 password=passwords[0])
        s.admin("PUT", f"/v1/principals/{ada['id']}/password", {"password": passwords[1]})
        result = s.run_cli("principals", "set-password", ada["id"], "--password-stdin",
                           token=s.admin_token, input=passwords[2] + "\n")
        assert result.returncode == 0, result.stderr
        s.call("POST", "/v1/sessions", {"name": name, "password": passwords[0]})
        s.call("POST", "/v1/sessions", {"name": passwords[3], "password": passwords[2]})
        resp = s.call("POST", "/v1/sessions", {"name": name, "password": passwords[2]})
        assert resp.status == 201, resp
        secret = re.match(r"latchkey_session=([^;]+);", resp.headers.get("Set-Cookie")).group(1)
        csrf = resp.json["csrf_token"]
        cookie = {"Cookie": f"latchkey_session={secret}"}
        s.call("GET", "/v1/whoami", headers=cookie)
        s.call("GET", "/v1/sessions/current", headers=cookie)
        s.call("POST", "/v1/keys", {"name": "k", "type": "personal"},
               headers={**cookie, "X-CSRF-Token": csrf})
        s.call("POST", "/v1/keys", {"name": "k2", "type": "personal"}, headers=cookie)  # 403
        s.call("DELETE", "/v1/sessions/current", headers={**cookie, "X-CSRF-Token": csrf})
        s.call("GET", "/v1/whoami", headers=cookie)  # 401
        return passwords + [secret, csrf]

    def test_the_operations_were_audited(self):
        events = json.loads(self.audit)["items"]
        actions = [e["action"] for e in events]
        for action in ("principals.create", "principals.set_password", "sessions.create",
                       "sessions.delete"):
            self.assertIn(action, actions)

    def test_not_in_principal_listings(self):
        for secret in self.secrets:
            self.assertNotIn(secret, self.listing)
        self.assertNotIn("argon2", self.listing)

    def test_not_in_the_audit_log(self):
        for secret in self.secrets:
            self.assertNotIn(secret, self.audit)
        self.assertNotIn("argon2", self.audit)

    def test_not_in_the_server_log(self):
        for secret in self.secrets:
            self.assertNotIn(secret, self.log)
        self.assertNotIn("argon2", self.log)

    def test_not_in_the_data_directory(self):
        self.assertTrue(self.files)
        for path, data in self.files.items():
            for secret in self.secrets:
                self.assertNotIn(secret.encode(), data, path)


if __name__ == "__main__":
    unittest.main()
