"""Usage controls (issue 4, docs/restrictions.md): per-key rate limits under concurrent load,
quotas spent by `cost` with exhaustion and refill (time moved by the test clock), last use in
GET, counts that survive a restart, and roll with a grace period."""

import os
import tempfile
import threading
import time
import unittest

import harness

DAY_MS = 24 * 3600 * 1000


class ClockedServer:
    """A server whose clock is the system time plus an offset the test controls."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="latchkey-clock-")
        self.path = os.path.join(self.dir, "offset")
        self.set(0)
        self.server = harness.LatchkeyServer(env={"LATCHKEY_TEST_CLOCK_OFFSET_FILE": self.path})

    def set(self, offset_ms):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(offset_ms))
        os.replace(tmp, self.path)


class RateLimits(harness.SharedServerTestCase, unittest.TestCase):
    def test_never_more_than_limit_per_window_from_several_threads(self):
        s = self.server
        ns = s.create_namespace()
        limit, window_ms = 40, 2000
        k = s.create_key(ns["id"], rate_limit={"limit": limit, "window_ms": window_ms})
        self.assertEqual(k["rate_limit"], {"limit": limit, "window_ms": window_ms})
        results, lock = [], threading.Lock()

        def hammer():
            client = harness.KeepAliveClient(s.port)
            try:
                for _ in range(40):  # bounded: 6 threads x 40 calls, well within one window
                    answer = client.call("POST", "/v1/keys/verify", {"key": k["secret"]}).json
                    with lock:
                        results.append((time.monotonic(), answer))
            finally:
                client.close()

        threads = [threading.Thread(target=hammer) for _ in range(6)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        elapsed = time.monotonic() - started
        codes = [a["code"] for _, a in results]
        valid = codes.count("VALID")
        self.assertEqual(len(codes), 240)
        self.assertEqual(set(codes), {"VALID", "RATE_LIMITED"})
        # All 240 calls took less than one window, so at most `limit` were allowed.
        if elapsed * 1000 < window_ms:
            self.assertEqual(valid, limit)
        self.assertLessEqual(valid, limit * (1 + int(elapsed * 1000 // window_ms) + 1))
        limited = [a for _, a in results if a["code"] == "RATE_LIMITED"][0]
        self.assertEqual(limited["ratelimit"]["limit"], limit)
        self.assertEqual(limited["ratelimit"]["remaining"], 0)
        self.assertGreater(limited["ratelimit"]["reset_ms"], 0)
        self.assertLessEqual(limited["ratelimit"]["reset_ms"], window_ms + window_ms // 15 + 1)
        self.assertIn("key", limited)

    def test_a_management_token_over_its_limit_is_429(self):
        s = self.server
        pat = s.create_key(type="personal", owner=s.admin("GET", "/v1/whoami").json["principal"]["id"],
                           rate_limit={"limit": 2, "window_ms": 60000})
        self.assertEqual(s.call("GET", "/v1/whoami", token=pat["secret"]).status, 200)
        self.assertEqual(s.call("GET", "/v1/whoami", token=pat["secret"]).status, 200)
        resp = s.call("GET", "/v1/whoami", token=pat["secret"])
        self.assertEqual(resp.status, 429, resp)
        self.assertEqual(resp.json["error"]["code"], "rate_limited")


class Quotas(unittest.TestCase):
    def test_spent_by_cost_exhausted_refilled_and_kept_across_restarts(self):
        clocked = ClockedServer()
        with clocked.server as s:
            ns = s.create_namespace()
            k = s.create_key(ns["id"], quota={"remaining": 5,
                                              "refill": {"interval": "daily", "amount": 3}})
            self.assertEqual(k["quota"]["remaining"], 5)
            first = s.verify(k["secret"])
            self.assertEqual((first["code"], first["remaining"]), ("VALID", 4))
            self.assertEqual(s.verify(k["secret"], cost=3)["remaining"], 1)
            over = s.verify(k["secret"], cost=2)
            self.assertEqual((over["code"], over["remaining"]), ("USAGE_EXCEEDED", 1))
            self.assertEqual(s.verify(k["secret"], cost=0)["code"], "VALID")  # a check only
            self.assertEqual(s.verify(k["secret"])["remaining"], 0)
            self.assertEqual(s.verify(k["secret"])["code"], "USAGE_EXCEEDED")
            # Counts survive a restart (flushed once a second and at shutdown).
            s.restart()
            self.assertEqual(s.verify(k["secret"])["code"], "USAGE_EXCEEDED")
            self.assertEqual(s.admin("GET", f"/v1/keys/{k['id']}").json["quota"]["remaining"], 0)
            # The next UTC day: refilled to the amount.
            clocked.set(DAY_MS + 1000)
            again = s.verify(k["secret"])
            self.assertEqual((again["code"], again["remaining"]), ("VALID", 2))
            # A PATCH sets a new balance at once.
            self.assertEqual(s.admin("PATCH", f"/v1/keys/{k['id']}",
                                     {"quota": {"remaining": 10}}).status, 200)
            self.assertEqual(s.verify(k["secret"])["remaining"], 9)
            self.assertEqual(s.admin("PATCH", f"/v1/keys/{k['id']}", {"quota": None}).status, 200)
            self.assertNotIn("remaining", s.verify(k["secret"]))
            self.assertEqual(s.stop(), 0)

    def test_bad_usage_settings_are_400(self):
        with harness.LatchkeyServer() as s:
            ns = s.create_namespace()
            for body, field in [({"rate_limit": {"limit": 0, "window_ms": 10}}, "rate_limit.limit"),
                                ({"rate_limit": {"limit": 1, "window_ms": 0}},
                                 "rate_limit.window_ms"),
                                ({"rate_limit": {"limit": 1}}, "rate_limit.window_ms"),
                                ({"quota": {"remaining": -1}}, "quota.remaining"),
                                ({"quota": {"remaining": 1, "refill": {"interval": "hourly",
                                                                       "amount": 1}}},
                                 "quota.refill.interval"),
                                ({"quota": {"remaining": 1, "extra": 1}}, "quota.extra")]:
                with self.subTest(body=body):
                    resp = s.admin("POST", "/v1/keys", {"name": "x", "namespace": ns["id"], **body})
                    self.assertEqual(resp.status, 400, resp)
                    self.assertEqual(resp.json["error"]["field"], field)
            k = s.create_key(ns["id"])
            resp = s.call("POST", "/v1/keys/verify", {"key": k["secret"], "cost": -1})
            self.assertEqual(resp.status, 400)
            self.assertEqual(s.stop(), 0)


class LastUsed(unittest.TestCase):
    def test_last_use_reaches_get_within_the_flush_interval(self):
        with harness.LatchkeyServer() as s:
            ns = s.create_namespace()
            k = s.create_key(ns["id"])
            self.assertIsNone(s.admin("GET", f"/v1/keys/{k['id']}").json["last_used_at"])
            self.assertEqual(s.verify(k["secret"], ip="203.0.113.9")["code"], "VALID")
            got = None
            for _ in range(50):  # the flusher writes once a second; wait at most 5 s
                got = s.admin("GET", f"/v1/keys/{k['id']}").json
                if got["last_used_at"]:
                    break
                time.sleep(0.1)
            self.assertIsNotNone(got["last_used_at"])
            self.assertEqual(got["last_used_ip"], "203.0.113.9")
            self.assertEqual(s.stop(), 0)


class Roll(unittest.TestCase):
    def test_roll_with_grace(self):
        clocked = ClockedServer()
        with clocked.server as s:
            ns = s.create_namespace()
            old = s.create_key(ns["id"], name="billing", scopes=["raw:read"],
                               resources=["algo://a/*"], meta={"plan": "pro"})
            resp = s.admin("POST", f"/v1/keys/{old['id']}/roll", {"grace_seconds": 3600})
            self.assertEqual(resp.status, 201, resp)
            new = resp.json
            self.assertNotEqual(new["id"], old["id"])
            self.assertEqual(new["rolled_from"], old["id"])
            for field in ("name", "scopes", "resources", "meta", "namespace", "owner", "type"):
                self.assertEqual(new[field], old[field], field)
            self.assertEqual(s.verify(new["secret"])["code"], "VALID")
            self.assertEqual(s.verify(old["secret"])["code"], "VALID")  # within the grace
            got_old = s.admin("GET", f"/v1/keys/{old['id']}").json
            self.assertIn("rolled to " + new["id"], got_old["name"])
            self.assertIsNotNone(got_old["expires_at"])
            clocked.set(3601 * 1000)
            self.assertEqual(s.verify(old["secret"])["code"], "EXPIRED")
            self.assertEqual(s.verify(new["secret"])["code"], "VALID")
            # Grace 0: at once. A revoked key cannot be rolled.
            now = s.admin("POST", f"/v1/keys/{new['id']}/roll", {"grace_seconds": 0}).json
            self.assertEqual(s.verify(new["secret"])["code"], "EXPIRED")
            s.admin("POST", f"/v1/keys/{now['id']}/revoke")
            resp = s.admin("POST", f"/v1/keys/{now['id']}/roll", {})
            self.assertEqual(resp.status, 409, resp)
            resp = s.admin("POST", f"/v1/keys/{old['id']}/roll", {"grace_seconds": -1})
            self.assertEqual(resp.status, 400, resp)
            self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
