"""Every kind of acknowledged write survives a restart: a graceful one and a kill -9 right after
the last acknowledgement. Verify answers after the restart are the same as before it."""

import unittest

import harness
from harness import unique_name


class Persistence(unittest.TestCase):
    def make_state(self, s):
        """Writes one of everything; returns what to compare after a restart."""
        parent = s.create_namespace(settings={"default_key_prefix": "acme"})
        ns = s.create_namespace(kind="workspace", parent_id=parent["id"])
        renamed = unique_name("renamed")
        s.admin("PATCH", f"/v1/namespaces/{ns['id']}",
                {"name": renamed, "settings": {"app_domains": ["app.example.com"]}})
        gone_ns = s.create_namespace()
        s.admin("DELETE", f"/v1/namespaces/{gone_ns['id']}")

        user = s.create_principal(kind="user", namespace=ns["id"], email="u@example.com")
        sleepy = s.create_principal(kind="user", namespace=ns["id"])
        s.admin("PATCH", f"/v1/principals/{sleepy['id']}", {"status": "disabled"})
        gone_pr = s.create_principal(kind="user", namespace=ns["id"])
        s.create_group(ns["id"], ["raw:read"], members=[user["id"]])
        s.admin("DELETE", f"/v1/principals/{gone_pr['id']}")

        keys = {
            "default": user["default_key"],
            "sleepy_default": sleepy["default_key"],
            "gone_default": gone_pr["default_key"],
            "updated": s.create_key(ns["id"], owner=user["id"]),
            "disabled": s.create_key(ns["id"], owner=user["id"]),
            "reenabled": s.create_key(ns["id"], owner=user["id"]),
            "revoked": s.create_key(ns["id"], owner=user["id"]),
            "deleted": s.create_key(ns["id"], owner=user["id"]),
            "expiring": s.create_key(parent["id"], owner=user["id"],
                                     expires_at="2099-05-01T12:00:00Z"),
            "pat": s.create_key(type="personal", owner=user["id"], prefix="pat"),
            "mgmt": s.create_key(ns["id"], type="management", owner=user["id"]),
        }
        s.admin("PATCH", f"/v1/keys/{keys['updated']['id']}",
                {"name": unique_name("upd"), "description": "d", "scopes": ["raw:read:db1/*"],
                 "meta": {"k": [1, {"v": None}]}})
        s.admin("POST", f"/v1/keys/{keys['disabled']['id']}/disable")
        s.admin("POST", f"/v1/keys/{keys['reenabled']['id']}/disable")
        s.admin("POST", f"/v1/keys/{keys['reenabled']['id']}/enable")
        s.admin("POST", f"/v1/keys/{keys['revoked']['id']}/revoke")
        s.admin("DELETE", f"/v1/keys/{keys['deleted']['id']}")
        return {"namespaces": [parent["id"], ns["id"], gone_ns["id"]],
                "principals": [user["id"], sleepy["id"], gone_pr["id"]],
                "keys": keys}

    def snapshot(self, s, state):
        """Everything observable about the state: GETs and verify answers."""
        out = {}
        for nid in state["namespaces"]:
            out[nid] = tuple(s.admin("GET", f"/v1/namespaces/{nid}"))[::2]
        for pid in state["principals"]:
            out[pid] = tuple(s.admin("GET", f"/v1/principals/{pid}"))[::2]
        for name, key in state["keys"].items():
            status, _, got = s.admin("GET", f"/v1/keys/{key['id']}")
            if isinstance(got, dict):  # usage (last use) changes with the verify calls below
                got = {f: v for f, v in got.items() if f not in ("last_used_at", "last_used_ip")}
            out[name] = ((status, got), s.verify(key["secret"]))
        out["readyz"] = s.call("GET", "/readyz").json
        return out

    def check_expected(self, snap, state):
        keys = state["keys"]
        self.assertEqual(snap[state["namespaces"][2]][0], 404)
        self.assertEqual(snap[state["principals"][1]][1]["status"], "disabled")
        self.assertEqual(snap[state["principals"][2]][0], 404)
        codes = {name: snap[name][1]["code"] for name in keys}
        self.assertEqual(codes, {"default": "VALID", "sleepy_default": "DISABLED",
                                 "gone_default": "NOT_FOUND", "updated": "VALID",
                                 "disabled": "DISABLED", "reenabled": "VALID",
                                 "revoked": "REVOKED", "deleted": "NOT_FOUND",
                                 "expiring": "VALID", "pat": "VALID", "mgmt": "VALID"})
        self.assertEqual(snap["updated"][1]["key"]["meta"], {"k": [1, {"v": None}]})
        self.assertEqual(snap["updated"][1]["key"]["scopes"], ["raw:read:db1/*"])
        self.assertEqual(snap["expiring"][1]["key"]["expires_at"], "2099-05-01T12:00:00.000Z")
        self.assertTrue(keys["expiring"]["secret"].startswith("acme_"))
        self.assertTrue(keys["pat"]["secret"].startswith("pat_"))

    def test_graceful_restart(self):
        with harness.LatchkeyServer() as s:
            state = self.make_state(s)
            before = self.snapshot(s, state)
            self.check_expected(before, state)
            s.restart()
            after = self.snapshot(s, state)
            self.assertEqual(after, before)
            # The admin token and the management key still authenticate.
            self.assertEqual(s.admin("GET", "/v1/whoami").status, 200)
            self.assertEqual(s.stop(), 0)

    def test_kill_9_right_after_the_last_acknowledgement(self):
        with harness.LatchkeyServer() as s:
            state = self.make_state(s)
            before = self.snapshot(s, state)
            # One more acknowledged write of each kind, then kill -9 at once.
            last_key = s.create_key(state["namespaces"][1])
            s.admin("POST", f"/v1/keys/{state['keys']['default']['id']}/revoke")
            s.admin("PATCH", f"/v1/principals/{state['principals'][1]}", {"status": "active"})
            self.assertEqual(s.kill9(), -9)
            s.start()
            after = self.snapshot(s, state)
            self.assertEqual(s.verify_code(last_key["secret"]), "VALID")
            self.assertEqual(after["default"][1]["code"], "REVOKED")
            self.assertEqual(after["sleepy_default"][1]["code"], "VALID")
            for name in ("updated", "disabled", "reenabled", "revoked", "deleted", "expiring",
                         "pat", "gone_default"):
                self.assertEqual(after[name], before[name], name)
            self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
