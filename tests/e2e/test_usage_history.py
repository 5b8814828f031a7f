"""GET /v1/keys/{id}/usage (issue 6, docs/console.md "Usage"): this node's verifications of a
key by outcome per minute over the last hour and per hour over the last day, counted from both
/v1/keys/verify and the gateway check, with the key's rate-limit and quota state; who may read
it; and buckets that roll over as the test clock moves (LATCHKEY_TEST_CLOCK_OFFSET_FILE)."""

import datetime
import os
import shutil
import tempfile
import time
import unittest

import access_fixtures
import harness

MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS

CONFIG = """
[gateway]
default = "deny"

[[gateway.route]]
method = "GET"
path = "/items/*"
scopes = ["items:read"]

[[gateway.route]]
method = "POST"
path = "/items"
scopes = ["items:write"]
"""


class TestClock:
    """The server's clock: the system time plus an offset in a file the server re-reads."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="latchkey-clock-")
        self.path = os.path.join(self.dir, "offset")
        self.offset = 0
        self._write()

    def now_ms(self):
        return int(time.time() * 1000) + self.offset

    def to_next_hour(self):
        """Moves to one second past the next whole hour, so that a test's calls (seconds
        apart) fall in the first minute of an hour."""
        target = (self.now_ms() // HOUR_MS + 1) * HOUR_MS + 1000
        self.offset += target - self.now_ms()
        self._write()

    def forward(self, ms):
        self.offset += ms
        self._write()

    def _write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(self.offset))
        os.replace(tmp, self.path)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def millis(rfc3339):
    parsed = datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(parsed.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


class UsageHistoryTestCase(unittest.TestCase):
    """A server per test, with the gateway routes above and a clock the test moves."""

    def setUp(self):
        self.clock = TestClock()
        self.clock.to_next_hour()
        fd, self.config = tempfile.mkstemp(prefix="latchkey-usage-", suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write(CONFIG)
        self.server = harness.LatchkeyServer(
            args=("--config", self.config),
            env={"LATCHKEY_TEST_CLOCK_OFFSET_FILE": self.clock.path})
        self.server.start()

    def tearDown(self):
        try:
            code = self.server.stop()
            self.assertEqual(code, 0, self.server.read_log()[-4000:])
        finally:
            self.server.close()
            os.unlink(self.config)
            self.clock.close()

    def usage(self, key, token=None):
        resp = self.server.call("GET", f"/v1/keys/{key['id']}/usage",
                                token=token or self.server.admin_token)
        self.assertEqual(resp.status, 200, resp)
        return resp.json

    def gateway(self, method, uri, key):
        return self.server.call("GET", "/v1/gateway/check", headers={
            "X-Original-Method": method, "X-Original-URI": uri,
            "Authorization": f"Bearer {key['secret']}"})

    def assertBucketsWellFormed(self, usage):
        now = millis(usage["now"])
        for view, seconds, count in (("hour", 60, 60), ("day", 3600, 24)):
            series = usage[view]
            self.assertEqual(series["bucket_seconds"], seconds)
            starts = [millis(b["start"]) for b in series["buckets"]]
            self.assertEqual(len(starts), count)
            self.assertEqual(starts, [starts[0] + i * seconds * 1000 for i in range(count)])
            self.assertLessEqual(starts[-1], now)
            self.assertLess(now, starts[-1] + seconds * 1000)
            self.assertEqual(starts[-1] % (seconds * 1000), 0)
        self.assertLessEqual(millis(usage["since"]), now)


class Counts(UsageHistoryTestCase):
    def test_outcomes_from_verify_and_the_gateway_with_rate_and_quota_state(self):
        s = self.server
        ns, other = s.create_namespace(), s.create_namespace()
        k = s.create_key(ns["id"], scopes=["items:read"],
                         rate_limit={"limit": 3, "window_ms": 600000},
                         quota={"remaining": 10, "refill": {"interval": "daily", "amount": 20}})
        fresh = self.usage(k)
        self.assertEqual(fresh["key_id"], k["id"])
        self.assertIsNone(fresh["last_used_at"])
        self.assertEqual(fresh["rate_limit"],
                         {"limit": 3, "window_ms": 600000, "remaining": 3, "reset_ms": 0})
        self.assertEqual(fresh["quota"], {"remaining": 10, "limit": 20, "refill": "daily"})
        self.assertEqual(fresh["totals"], {"hour": {}, "day": {}})

        self.assertEqual(s.verify(k["secret"])["code"], "VALID")
        self.assertEqual(self.gateway("GET", "/items/1", k).status, 200)
        self.assertEqual(s.verify(k["secret"], scopes=["items:write"])["code"],
                         "INSUFFICIENT_SCOPE")
        denied = self.gateway("POST", "/items", k)
        self.assertEqual((denied.status, denied.headers["X-Latchkey-Code"]),
                         (403, "INSUFFICIENT_SCOPE"))
        self.assertEqual(s.verify(k["secret"], namespace=other["id"])["code"], "WRONG_NAMESPACE")
        self.assertEqual(s.verify(k["secret"])["code"], "VALID")
        self.assertEqual(s.verify(k["secret"])["code"], "RATE_LIMITED")
        limited = self.gateway("GET", "/items/2", k)
        self.assertEqual((limited.status, limited.headers["X-Latchkey-Code"]),
                         (429, "RATE_LIMITED"))
        # Not counted: they name no key the caller proved to hold.
        wrong_secret = harness.make_key(id_chars=harness.id_chars_of(k["id"]))
        self.assertEqual(s.verify_code(wrong_secret), "NOT_FOUND")
        self.assertEqual(s.verify_code(harness.make_key()), "NOT_FOUND")
        self.assertEqual(s.verify_code("lk_garbage"), "MALFORMED")

        want = {"INSUFFICIENT_SCOPE": 2, "WRONG_NAMESPACE": 1, "RATE_LIMITED": 2, "VALID": 3}
        u = self.usage(k)
        self.assertBucketsWellFormed(u)
        self.assertEqual(u["hour"]["buckets"][-1]["counts"], want)
        self.assertEqual(u["day"]["buckets"][-1]["counts"], want)
        self.assertEqual(u["totals"], {"hour": want, "day": want})
        self.assertEqual(sum(len(b["counts"]) for b in u["hour"]["buckets"][:-1]), 0)
        self.assertIsNotNone(u["last_used_at"])
        self.assertLessEqual(millis(u["last_used_at"]), millis(u["now"]))
        rate = u["rate_limit"]
        self.assertEqual((rate["limit"], rate["window_ms"], rate["remaining"]), (3, 600000, 0))
        self.assertGreater(rate["reset_ms"], 0)
        self.assertLessEqual(rate["reset_ms"], 600000 + 600000 // 15)
        self.assertEqual(u["quota"], {"remaining": 7, "limit": 20, "refill": "daily"})
        # Looking spends and counts nothing.
        again = self.usage(k)
        self.assertEqual(again["rate_limit"]["remaining"], 0)
        self.assertEqual(again["quota"]["remaining"], 7)
        self.assertEqual(again["totals"], u["totals"])

    def test_quota_exhausted_revoked_and_disabled_keys(self):
        s = self.server
        ns = s.create_namespace()
        k = s.create_key(ns["id"], quota={"remaining": 1})
        self.assertEqual(s.verify_code(k["secret"]), "VALID")
        self.assertEqual(s.verify_code(k["secret"]), "USAGE_EXCEEDED")
        s.admin("POST", f"/v1/keys/{k['id']}/revoke")
        self.assertEqual(s.verify_code(k["secret"]), "REVOKED")
        self.assertEqual(self.gateway("GET", "/items/1", k).headers["X-Latchkey-Code"], "REVOKED")
        u = self.usage(k)
        want = {"REVOKED": 2, "USAGE_EXCEEDED": 1, "VALID": 1}
        self.assertEqual(u["totals"], {"hour": want, "day": want})
        self.assertIsNone(u["rate_limit"])
        self.assertEqual(u["quota"], {"remaining": 0, "limit": None, "refill": None})

        d = s.create_key(ns["id"])
        s.admin("POST", f"/v1/keys/{d['id']}/disable")
        self.assertEqual(s.verify_code(d["secret"]), "DISABLED")
        self.assertEqual(self.usage(d)["totals"]["hour"], {"DISABLED": 1})
        self.assertEqual(self.usage(d)["quota"], None)


class Access(UsageHistoryTestCase):
    def test_keys_read_in_the_keys_namespace_else_404(self):
        s = self.server
        ns, elsewhere = s.create_namespace(), s.create_namespace()
        reader = access_fixtures.user_with_pat(s, namespace=ns["id"], capabilities=["keys:read"])
        creator = access_fixtures.user_with_pat(s, namespace=ns["id"],
                                                capabilities=["keys:create"])
        mine, theirs = s.create_key(ns["id"]), s.create_key(elsewhere["id"])
        self.assertEqual(s.verify_code(theirs["secret"]), "VALID")
        self.assertEqual(self.usage(mine, token=reader.pat)["key_id"], mine["id"])
        for token, key in [(reader.pat, theirs), (creator.pat, mine)]:
            with self.subTest(key=key["id"]):
                resp = s.call("GET", f"/v1/keys/{key['id']}/usage", token=token)
                self.assertEqual(resp.status, 404, resp)
                self.assertEqual(resp.json["error"]["code"], "not_found")
        resp = s.admin("GET", "/v1/keys/key_0000000000000000/usage")
        self.assertEqual(resp.status, 404, resp)
        self.assertEqual(s.call("GET", f"/v1/keys/{mine['id']}/usage").status, 401)
        self.assertEqual(s.admin("POST", f"/v1/keys/{mine['id']}/usage").status, 405)


class Rollover(UsageHistoryTestCase):
    def test_buckets_roll_as_the_clock_moves(self):
        s = self.server
        ns, other = s.create_namespace(), s.create_namespace()
        k = s.create_key(ns["id"])
        start = self.clock.now_ms()
        short = s.create_key(ns["id"], expires_at=datetime.datetime.fromtimestamp(
            (start + 3 * MINUTE_MS) / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(s.verify_code(k["secret"]), "VALID")
        self.assertEqual(s.verify_code(k["secret"]), "VALID")
        self.assertEqual(s.verify_code(short["secret"]), "VALID")
        first = self.usage(k)
        since = first["since"]
        self.assertEqual(first["hour"]["buckets"][-1]["counts"], {"VALID": 2})

        # Five minutes on: the first minute's counts are five buckets back.
        self.clock.forward(5 * MINUTE_MS)
        self.assertEqual(s.verify_code(k["secret"], namespace=other["id"]), "WRONG_NAMESPACE")
        self.assertEqual(s.verify_code(short["secret"]), "EXPIRED")
        u = self.usage(k)
        self.assertBucketsWellFormed(u)
        hour = u["hour"]["buckets"]
        self.assertEqual(hour[-6]["counts"], {"VALID": 2})
        self.assertEqual(hour[-1]["counts"], {"WRONG_NAMESPACE": 1})
        self.assertEqual(u["day"]["buckets"][-1]["counts"], {"VALID": 2, "WRONG_NAMESPACE": 1})
        self.assertEqual(u["since"], since)
        short_hour = self.usage(short)["hour"]["buckets"]
        self.assertEqual((short_hour[-6]["counts"], short_hour[-1]["counts"]),
                         ({"VALID": 1}, {"EXPIRED": 1}))

        # An hour on: out of the hour's view, in the previous hour of the day's.
        self.clock.forward(HOUR_MS)
        u = self.usage(k)
        self.assertBucketsWellFormed(u)
        self.assertEqual(u["totals"]["hour"], {})
        self.assertEqual(u["day"]["buckets"][-2]["counts"], {"VALID": 2, "WRONG_NAMESPACE": 1})
        self.assertEqual(u["day"]["buckets"][-1]["counts"], {})
        self.assertEqual(u["totals"]["day"], {"VALID": 2, "WRONG_NAMESPACE": 1})

        # A day after the first hour: gone; new verifications count in the new buckets.
        self.clock.forward(23 * HOUR_MS)
        u = self.usage(k)
        self.assertEqual(u["totals"], {"hour": {}, "day": {}})
        self.assertEqual(s.verify_code(k["secret"]), "VALID")
        u = self.usage(k)
        self.assertEqual(u["hour"]["buckets"][-1]["counts"], {"VALID": 1})
        self.assertEqual(u["totals"], {"hour": {"VALID": 1}, "day": {"VALID": 1}})
        self.assertEqual(u["since"], since)


if __name__ == "__main__":
    unittest.main()
