"""Logs and data at rest: one JSON line per request with the documented fields, key ids logged,
and no secret anywhere — not in the log, not in any file of the data directory."""

import glob
import json
import os
import sqlite3
import unittest

import harness

REQUEST_FIELDS = {"ts", "level", "msg", "method", "path", "status", "latency_us", "key_id",
                  "remote", "request_id"}


class LogsAndSecrets(unittest.TestCase):
    """One server, one session of calls of every kind, then the checks."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.LatchkeyServer(args=("--request-timeout-ms", "300"))
        cls.server.start()
        cls.secrets = []
        cls.calls = []  # (request id, method, path, status, expected key_id or None)
        try:
            cls.run_session()
            cls.running_files = cls.data_files()
            cls.exit_code = cls.server.stop()
            cls.stopped_files = cls.data_files()
            cls.log = cls.server.read_log()
        except BaseException:
            cls.server.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    @classmethod
    def data_files(cls):
        """The raw bytes of every file in the data directory (db, -wal, -shm, pepper, ...)."""
        out = {}
        for path in glob.glob(os.path.join(cls.server.data_dir, "**"), recursive=True):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    out[os.path.relpath(path, cls.server.data_dir)] = f.read()
        return out

    @classmethod
    def record(cls, resp, method, path, key_id):
        cls.calls.append((resp.headers.get("X-Request-Id"), method, path, resp.status, key_id))
        return resp

    @classmethod
    def run_session(cls):
        s = cls.server
        cls.secrets.append(s.admin_token)
        admin_key = s.admin("GET", "/v1/whoami").json["key"]["id"]
        cls.admin_key_id = admin_key

        def admin(method, path, body=None):
            return cls.record(s.admin(method, path, body), method, path.split("?")[0], admin_key)

        ns = admin("POST", "/v1/namespaces",
                   {"name": harness.unique_name(), "kind": "project"}).json
        user = admin("POST", "/v1/principals",
                     {"name": harness.unique_name(), "kind": "user", "namespace": ns["id"]}).json
        cls.secrets.append(user["default_key"]["secret"])
        keys = []
        for body in ({"name": "plain", "namespace": ns["id"]},
                     {"name": "custom", "namespace": ns["id"], "prefix": "sk_live",
                      "meta": {"note": "hello"}},
                     {"name": "mgmt", "namespace": ns["id"], "type": "management"},
                     {"name": "pat", "type": "personal", "owner": user["id"]}):
            key = admin("POST", "/v1/keys", body).json
            keys.append(key)
            cls.secrets.append(key["secret"])
        plain, custom, mgmt, pat = keys
        cls.plain_id = plain["id"]

        def verify(body=None, headers=None, key_id=None):
            resp = s.call("POST", "/v1/keys/verify", body=body, headers=headers)
            return cls.record(resp, "POST", "/v1/keys/verify", key_id)

        verify({"key": plain["secret"]}, key_id=plain["id"])
        verify(headers={"Authorization": f"Bearer {custom['secret']}"}, key_id=custom["id"])
        verify(headers={"X-API-Key": plain["secret"]}, key_id=plain["id"])
        verify(headers={"Authorization": harness.basic(plain["id"], plain["secret"])},
               key_id=plain["id"])
        verify({"key": plain["secret"], "namespace": "ns_elsewhere"}, key_id=plain["id"])
        verify({"key": harness.make_key()})                       # NOT_FOUND: no key id
        verify({"key": harness.make_key(id_chars=plain["id"][4:])})  # wrong secret
        verify({"key": "garbage"})
        verify({"key": plain["secret"]}, headers={"X-API-Key": plain["secret"]})  # 400

        # Management calls with other credentials.
        cls.record(s.call("GET", "/v1/whoami", token=mgmt["secret"]), "GET", "/v1/whoami",
                   mgmt["id"])
        cls.record(s.call("GET", "/v1/keys", token=plain["secret"]), "GET", "/v1/keys",
                   None)  # 403 for a standard key; key_id may or may not be logged
        cls.record(s.call("GET", "/v1/keys", token=harness.make_key()), "GET", "/v1/keys", None)
        s.call("GET", "/v1/keys", headers={"X-API-Key": pat["secret"]})

        admin("GET", f"/v1/keys/{plain['id']}")
        admin("GET", f"/v1/keys?namespace={ns['id']}&limit=2")
        admin("PATCH", f"/v1/keys/{plain['id']}", {"description": "x"})
        admin("POST", f"/v1/keys/{custom['id']}/disable")
        admin("POST", f"/v1/keys/{custom['id']}/revoke")
        verify({"key": custom["secret"]}, key_id=custom["id"])
        admin("PATCH", f"/v1/principals/{user['id']}", {"status": "disabled"})
        verify({"key": user["default_key"]["secret"]}, key_id=user["default_key"]["id"])
        admin("DELETE", f"/v1/keys/{mgmt['id']}")
        # A few errors, a key in a place it does not belong, and a timed-out request.
        admin("POST", "/v1/keys", {"name": "dup", "namespace": ns["id"], "nope": plain["secret"]})
        s.call("GET", "/nope")
        s.call("GET", "/v1/keys/verify")
        s.call("POST", "/v1/keys/verify", raw_body=b"{")
        harness.raw_exchange(s.port, b"POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Length: 200\r\n\r\n{\"key\": \"" + plain["secret"].encode())
        s.call("GET", "/healthz")
        s.call("GET", "/readyz")
        # A second user created with the admin's personal token through Basic.
        basic = harness.basic(admin_key, s.admin_token)
        other = s.call("POST", "/v1/principals",
                       body={"name": harness.unique_name(), "kind": "user"},
                       headers={"Authorization": basic}).json
        cls.secrets.append(other["default_key"]["secret"])

    # ---- the log ----

    def log_records(self):
        lines = [line for line in self.log.split("\n") if line.strip()]
        self.assertTrue(lines)
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                self.fail(f"not a JSON line on stderr: {line[:300]!r}")
        return records

    def test_exit_code(self):
        self.assertEqual(self.exit_code, 0)

    def test_every_stderr_line_is_json_with_ts_level_msg(self):
        for record in self.log_records():
            self.assertIsInstance(record, dict)
            self.assertRegex(record.get("ts", ""), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                             record)
            self.assertIn(record.get("level"), ("trace", "debug", "info", "warning", "warn",
                                                "error", "critical"), record)
            self.assertIsInstance(record.get("msg"), str, record)
        self.assertEqual(self.log_records()[-1]["msg"], "stopped")

    def test_request_lines_have_the_fields(self):
        requests = [r for r in self.log_records() if r["msg"] == "request"]
        self.assertGreaterEqual(len(requests), len(self.calls))
        for r in requests:
            self.assertEqual(set(r), REQUEST_FIELDS, r)
            self.assertIsInstance(r["method"], str)
            self.assertIsInstance(r["path"], str)
            self.assertIsInstance(r["status"], int)
            self.assertGreaterEqual(r["status"], 200)
            self.assertLess(r["status"], 600)
            self.assertIsInstance(r["latency_us"], int)
            self.assertGreaterEqual(r["latency_us"], 0)
            self.assertTrue(r["key_id"] is None or r["key_id"].startswith("key_"), r)
            self.assertEqual(r["remote"], "127.0.0.1")
            self.assertIsInstance(r["request_id"], str)
        statuses = {r["status"] for r in requests}
        self.assertTrue({200, 201, 204, 400, 401, 403, 404, 405, 408} <= statuses, statuses)

    def test_each_call_is_logged_with_its_key_id(self):
        by_id = {r["request_id"]: r for r in self.log_records() if r["msg"] == "request"}
        for request_id, method, path, status, key_id in self.calls:
            with self.subTest(method=method, path=path, request_id=request_id):
                self.assertTrue(request_id)
                self.assertIn(request_id, by_id)
                line = by_id[request_id]
                self.assertEqual((line["method"], line["path"], line["status"]),
                                 (method, path, status))
                if key_id is not None:
                    self.assertEqual(line["key_id"], key_id)
        # Management calls carry the caller's key id; verify calls the verified key's id.
        verified = [r for r in by_id.values()
                    if r["path"] == "/v1/keys/verify" and r["key_id"] == self.plain_id]
        self.assertGreaterEqual(len(verified), 4)
        admin_calls = [r for r in by_id.values() if r["key_id"] == self.admin_key_id]
        self.assertGreaterEqual(len(admin_calls), 10)

    def test_request_ids_of_answered_requests_are_unique(self):
        ids = [r["request_id"] for r in self.log_records()
               if r["msg"] == "request" and r["request_id"]]
        self.assertGreaterEqual(len(ids), len(self.calls))
        self.assertEqual(len(ids), len(set(ids)))

    def test_every_request_line_has_a_request_id(self):
        requests = [r for r in self.log_records() if r["msg"] == "request"]
        self.assertIn(408, [r["status"] for r in requests])
        for r in requests:
            self.assertTrue(r["request_id"], r)

    def test_no_secret_in_the_log(self):
        raw = self.log.encode()
        self.assertGreaterEqual(len(self.secrets), 7)
        for secret in self.secrets:
            self.assertNotIn(secret.encode(), raw)
            self.assertNotIn(harness.secret_part(secret).encode(), raw)

    def test_no_secret_on_stdout_except_the_admin_token_line(self):
        out = "".join(self.server.stdout_lines)
        for secret in self.secrets[1:]:
            self.assertNotIn(harness.secret_part(secret), out)
        self.assertEqual(out.count(self.server.admin_token), 1)

    def test_no_secret_in_the_data_directory(self):
        for when, files in (("while running", self.running_files),
                            ("after stopping", self.stopped_files)):
            self.assertIn("latchkey.db", files)
            for name, content in files.items():
                for secret in self.secrets:
                    with self.subTest(when=when, file=name):
                        self.assertNotIn(secret.encode(), content)
                        self.assertNotIn(harness.secret_part(secret).encode(), content)
        self.assertTrue(any(name.endswith("-wal") for name in self.running_files),
                        sorted(self.running_files))

    def test_only_digests_are_stored(self):
        db = sqlite3.connect(os.path.join(self.server.data_dir, "latchkey.db"))
        try:
            rows = db.execute("SELECT id, digest, hint, prefix FROM api_keys").fetchall()
        finally:
            db.close()
        self.assertGreaterEqual(len(rows), 4)
        for key_id, digest, hint, prefix in rows:
            self.assertIsInstance(digest, bytes)
            self.assertEqual(len(digest), 32)
            self.assertTrue(hint.startswith(prefix + "_\u2026"), hint)
            self.assertEqual(len(hint), len(prefix) + 2 + 4)


if __name__ == "__main__":
    unittest.main()
