"""The audit log (issue 3): one event per management change, written with the change; `denied`
events for 403 refusals and none for 401s or for requests refused as invalid; who may read
which events; filters and pages; the hash chain checked over HTTP and by `latchkey audit
verify`, and broken by editing or deleting a row of the SQLite file under the running server;
and no secret anywhere in the log."""

import hashlib
import json
import os
import sqlite3
import unittest

import harness
from access_fixtures import (all_items, audit_events, events_after, last_seq, named,
                             user_with_pat)

EVENT_FIELDS = {"seq", "time", "actor_principal", "actor_key", "action", "target", "namespace",
                "outcome", "request_id", "source_ip", "details", "prev_hash", "hash"}
TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
COLUMNS = ("seq, time, actor_principal, actor_key, action, target, namespace_id, outcome, "
           "request_id, source_ip, details, prev_hash, hash")


def db_path(server):
    return os.path.join(server.data_dir, "latchkey.db")


def rows(server):
    with sqlite3.connect(db_path(server), timeout=10) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM audit_events ORDER BY seq").fetchall()


def execute(server, sql, params=()):
    """One write to the audit table of the running server's database, committed."""
    conn = sqlite3.connect(db_path(server), timeout=10)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def chain_hash(row):
    """The hash of a row as audit.h specifies it: SHA-256 of the JSON array of every field but
    the hash, in column order."""
    text = json.dumps(list(row[:12]), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def secrets_in(value, out):
    """Every well-formed key string anywhere in a JSON value."""
    if isinstance(value, str):
        if harness.is_well_formed_key(value):
            out.add(value)
    elif isinstance(value, list):
        for v in value:
            secrets_in(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            secrets_in(v, out)
    return out


class AuditTestCase(harness.SharedServerTestCase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        who = cls.server.admin("GET", "/v1/whoami").json
        cls.admin_id, cls.admin_key = who["principal"]["id"], who["key"]["id"]

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["error"]["code"], code, resp)


class Events(AuditTestCase):
    def test_every_change_appends_one_event_with_the_request(self):
        s = self.server
        seq = last_seq(s)
        expected = []  # (action, target, namespace, request id)

        def do(action, method, path, body=None, target=None, namespace=""):
            resp = s.admin(method, path, body)
            self.assertLess(resp.status, 300, f"{method} {path}: {resp!r}")
            if target is None:
                target = resp.json["id"]
            expected.append((action, target, namespace, resp.headers.get("X-Request-Id")))
            return resp.json

        org = do("namespaces.create", "POST", "/v1/namespaces",
                 {"name": named("org"), "kind": "organization"})
        ns = do("namespaces.create", "POST", "/v1/namespaces",
                {"name": named("proj"), "kind": "project", "parent_id": org["id"]},
                namespace=org["id"])
        do("namespaces.update", "PATCH", f"/v1/namespaces/{ns['id']}", {"name": named("p")},
           namespace=ns["id"])
        sa = do("principals.create", "POST", "/v1/principals",
                {"name": named("sa"), "kind": "service_account", "namespace": ns["id"]},
                namespace=ns["id"])
        do("principals.update", "PATCH", f"/v1/principals/{sa['id']}", {"email": "a@b.example"},
           namespace=ns["id"])
        g = do("groups.create", "POST", "/v1/groups",
               {"namespace": ns["id"], "name": named("g"), "capabilities": ["raw:read"]},
               namespace=ns["id"])
        do("groups.update", "PATCH", f"/v1/groups/{g['id']}", {"capabilities": ["raw:*"]},
           namespace=ns["id"])
        do("groups.add_member", "PUT", f"/v1/groups/{g['id']}/members/{sa['id']}",
           target=g["id"], namespace=ns["id"])
        k = do("keys.create", "POST", "/v1/keys",
               {"name": named("k"), "namespace": ns["id"], "owner": sa["id"]},
               namespace=ns["id"])
        do("keys.update", "PATCH", f"/v1/keys/{k['id']}", {"description": "x"},
           namespace=ns["id"])
        do("keys.disable", "POST", f"/v1/keys/{k['id']}/disable", namespace=ns["id"])
        do("keys.enable", "POST", f"/v1/keys/{k['id']}/enable", namespace=ns["id"])
        do("keys.revoke", "POST", f"/v1/keys/{k['id']}/revoke", namespace=ns["id"])
        do("keys.delete", "DELETE", f"/v1/keys/{k['id']}", target=k["id"], namespace=ns["id"])
        pat = do("keys.create", "POST", "/v1/keys", {"name": named("pat"), "type": "personal"})
        do("keys.delete", "DELETE", f"/v1/keys/{pat['id']}", target=pat["id"])
        do("groups.remove_member", "DELETE", f"/v1/groups/{g['id']}/members/{sa['id']}",
           target=g["id"], namespace=ns["id"])
        do("groups.delete", "DELETE", f"/v1/groups/{g['id']}", target=g["id"],
           namespace=ns["id"])
        do("principals.delete", "DELETE", f"/v1/principals/{sa['id']}", target=sa["id"],
           namespace=ns["id"])
        do("namespaces.delete", "DELETE", f"/v1/namespaces/{ns['id']}", target=ns["id"],
           namespace=ns["id"])

        events = events_after(s, seq)
        self.assertEqual([(e["action"], e["target"], e["namespace"], e["request_id"])
                          for e in events], expected)
        for e in events:
            self.assertEqual(set(e), EVENT_FIELDS)
            self.assertEqual((e["actor_principal"], e["actor_key"], e["outcome"],
                              e["source_ip"]), (self.admin_id, self.admin_key, "success",
                                                "127.0.0.1"))
            self.assertRegex(e["time"], TIME_RE)
            self.assertIsInstance(e["details"], dict)
            self.assertRegex(e["hash"], r"^[0-9a-f]{64}$")
            self.assertTrue(e["request_id"])
        self.assertEqual([e["seq"] for e in events], list(range(seq + 1, seq + 1 + len(events))))
        for before, after in zip(events, events[1:]):
            self.assertEqual(after["prev_hash"], before["hash"])
        self.assertEqual(events[1]["details"], {"name": ns["name"]})

    def test_the_first_event_is_system_init(self):
        first = self.server.admin("GET", "/v1/audit?limit=1").json["items"][0]
        root = self.server.root_namespace()
        self.assertEqual((first["seq"], first["action"], first["actor_principal"],
                          first["outcome"], first["prev_hash"]),
                         (1, "system.init", self.admin_id, "success", "0" * 64))
        self.assertEqual(first["namespace"], root)

    def test_refusals(self):
        s = self.server
        ns = s.create_namespace()
        weak = user_with_pat(s, ns["id"], ["keys:create", "groups:write", "raw:read"])
        seq = last_seq(s)
        # 403s are audited as denied, with the error code and message.
        resp = s.call("POST", "/v1/keys", {"name": named("k"), "namespace": ns["id"],
                                           "scopes": ["raw:write"]}, token=weak.pat)
        self.assertError(resp, 403, "privilege_escalation")
        escalation_id = resp.headers.get("X-Request-Id")
        resp = s.call("POST", "/v1/principals", {"name": named("p"), "kind": "user",
                                                 "namespace": ns["id"]}, token=weak.pat)
        self.assertError(resp, 403, "permission_denied")
        events = events_after(s, seq)
        self.assertEqual([(e["action"], e["outcome"], e["namespace"], e["actor_principal"],
                           e["actor_key"], e["details"]["error"]) for e in events],
                         [("keys.create", "denied", ns["id"], weak.id, weak.pat_key["id"],
                           "privilege_escalation"),
                          ("principals.create", "denied", ns["id"], weak.id, weak.pat_key["id"],
                           "permission_denied")])
        self.assertEqual(events[0]["request_id"], escalation_id)
        self.assertIn("raw:write", events[0]["details"]["message"])
        seq = events[-1]["seq"]
        # 401s, and requests refused as invalid, missing or conflicting, are not.
        g = s.create_group(ns["id"], [], name=named("g"))
        seq = last_seq(s)
        for method, path, body, token, status in [
            ("POST", "/v1/keys", {"name": "k", "namespace": ns["id"]}, None, 401),
            ("POST", "/v1/keys", {"name": "k", "namespace": ns["id"]}, harness.make_key(), 401),
            ("GET", "/v1/audit", None, "lk_garbage", 401),
            ("POST", "/v1/keys", {"name": "k", "namespace": ns["id"], "scopes": ["bad"]},
             weak.pat, 400),
            ("POST", "/v1/groups", {"namespace": ns["id"], "name": g["name"],
                                    "capabilities": []}, weak.pat, 409),
            ("PATCH", "/v1/keys/key_0000000000000000", {"name": "x"}, weak.pat, 404),
            ("POST", "/v1/groups", {"namespace": ns["id"], "name": "x", "capabilities": [],
                                    "members": ["pr_nope"]}, weak.pat, 400),
        ]:
            with self.subTest(method=method, path=path, status=status):
                self.assertEqual(s.call(method, path, body, token=token).status, status)
        self.assertEqual(events_after(s, seq), [])

    # Regression (issue 3: "every management action (success and denial) appends an audit event";
    # src/service/audit.h: a change refused with 403 appends a denied event): a 403 answered
    # before a Caller exists is not audited — a *standard* key on the management API (the
    # credential is valid and its owner known: Authenticator refuses it), and the /v2 routes
    # refusing another user's PAT or a management key (AppKeyService::ResolveUser refuses
    # before KeyService, which is what audits).
    def test_every_403_is_audited(self):
        s = self.server
        ns = s.create_namespace()
        app = s.create_namespace(kind="application", parent_id=ns["id"])
        user = user_with_pat(s, ns["id"], ["keys:*"])
        other = user_with_pat(s, ns["id"], ["keys:*"])
        standard = s.create_key(ns["id"], owner=user.id)["secret"]
        mk = s.create_key(ns["id"], type="management", owner=user.id)["secret"]
        body = {"keys": [{"scopes": ["All"], "apps": [{"id": app["id"], "user_id": user.id}]}]}
        for method, path, body, token in [
            ("GET", "/v1/keys", None, standard),
            ("POST", f"/v2/users/{user.id}/keys", body, other.pat),
            ("POST", f"/v2/users/{user.id}/keys", body, mk),
        ]:
            with self.subTest(method=method, path=path):
                seq = last_seq(s)
                self.assertEqual(s.call(method, path, body, token=token).status, 403)
                events = events_after(s, seq)
                self.assertEqual([e["outcome"] for e in events], ["denied"])


    # Regression (DESIGN §3: "Secrets never appear in logs, audit events, error messages"): a secret
    # pasted where an id belongs — here a personal token given as the namespace filter, an easy
    # slip — is echoed in the 403 message and stored verbatim as the `namespace` of the denied
    # audit event, where the append-only chain keeps it for ever (removing it breaks the chain).
    # The server recognizes its own key format offline (prefix + checksum) and could refuse or
    # mask it.
    def test_a_secret_sent_as_an_id_is_not_stored(self):
        s = self.server
        ns = s.create_namespace()
        user = user_with_pat(s, ns["id"], ["keys:read"])
        seq = last_seq(s)
        resp = s.call("GET", f"/v1/keys?namespace={user.pat}", token=user.pat)
        self.assertEqual(resp.status, 403, resp)
        self.assertNotIn(harness.secret_part(user.pat), resp.raw.decode())
        for event in events_after(s, seq):
            self.assertNotIn(harness.secret_part(user.pat), json.dumps(event))
        self.assertNotIn(harness.secret_part(user.pat), json.dumps(rows(s)))


class Visibility(AuditTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.n1, cls.n2 = s.create_namespace(), s.create_namespace()
        for ns in (cls.n1, cls.n2):
            p = s.create_principal(namespace=ns["id"])
            s.create_key(ns["id"], owner=p["id"])
        cls.auditor = user_with_pat(s, cls.n1["id"], ["audit:read"])
        cls.auditor_mk = s.create_key(cls.n1["id"], type="management",
                                      owner=cls.auditor.id)["secret"]
        cls.admin_mk = s.create_key(cls.n1["id"], type="management")["secret"]

    def test_audit_read_in_a_namespace_shows_its_events_only(self):
        s, n1 = self.server, self.n1["id"]
        everything = audit_events(s)
        in_n1 = [e for e in everything if e["namespace"] == n1]
        self.assertGreaterEqual(len(in_n1), 3)
        for token in (self.auditor.pat, self.auditor_mk, self.admin_mk):
            with self.subTest(token=token[:12]):
                seen = audit_events(s, token=token)
                self.assertEqual({e["namespace"] for e in seen}, {n1})
                self.assertEqual([e["seq"] for e in seen][:len(in_n1)],
                                 [e["seq"] for e in in_n1])
                self.assertEqual(audit_events(s, token=token, namespace=n1)[:len(in_n1)],
                                 in_n1)
                resp = s.call("GET", f"/v1/audit?namespace={self.n2['id']}", token=token)
                self.assertError(resp, 403, "permission_denied")
                self.assertNotIn(self.n2["name"], resp.raw.decode())
        # Events outside any namespace (top-level namespaces, personal tokens) and every
        # namespace: the superuser's personal token only.
        self.assertIn("", {e["namespace"] for e in everything})
        self.assertIn(self.n2["id"], {e["namespace"] for e in everything})

    def test_chain_check_needs_a_superusers_personal_token(self):
        s = self.server
        for token in (self.auditor.pat, self.auditor_mk, self.admin_mk):
            with self.subTest(token=token[:12]):
                self.assertError(s.call("POST", "/v1/audit/verify", token=token), 403,
                                 "permission_denied")
        self.assertError(s.call("POST", "/v1/audit/verify"), 401, "unauthenticated")
        status, _, report = s.admin("POST", "/v1/audit/verify")
        self.assertEqual(status, 200, report)
        self.assertEqual(set(report), {"ok", "checked", "first_broken", "problem"})
        self.assertTrue(report["ok"])
        self.assertIsNone(report["first_broken"])
        self.assertEqual(report["checked"], last_seq(s))

    def test_cli_audit_verify_as_a_non_superuser(self):
        result = self.server.run_cli("audit", "verify", token=self.auditor.pat)
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("error: permission_denied:", result.stderr)
        self.assertNotIn("audit chain", result.stdout)

    def test_losing_audit_read_hides_the_log_at_once(self):
        s = self.server
        reader = user_with_pat(s, self.n2["id"], ["audit:read"])
        self.assertTrue(audit_events(s, token=reader.pat))
        s.admin("DELETE", f"/v1/groups/{reader.group['id']}/members/{reader.id}")
        self.assertEqual(audit_events(s, token=reader.pat), [])
        self.assertError(s.call("GET", f"/v1/audit?namespace={self.n2['id']}",
                                token=reader.pat), 403, "permission_denied")


class Filters(AuditTestCase):
    def test_filters_and_pages(self):
        s = self.server
        ns = s.create_namespace()
        actor = user_with_pat(s, ns["id"], ["principals:write", "keys:create"])
        made = [s.create_principal(namespace=ns["id"], token=actor.pat) for _ in range(3)]
        key = s.create_key(ns["id"], token=actor.pat, scopes=[])
        everything = audit_events(s)
        mine = [e for e in everything if e["actor_principal"] == actor.id]
        self.assertEqual([e["action"] for e in mine], ["principals.create"] * 3 + ["keys.create"])
        self.assertEqual(audit_events(s, actor=actor.id), mine)
        self.assertEqual(audit_events(s, actor=actor.pat_key["id"]), mine)
        self.assertEqual(audit_events(s, target=made[1]["id"]), [mine[1]])
        self.assertEqual(audit_events(s, target=key["id"]), [mine[3]])
        self.assertEqual(audit_events(s, action="principals.create", actor=actor.id), mine[:3])
        self.assertEqual(audit_events(s, namespace=ns["id"]),
                         [e for e in everything if e["namespace"] == ns["id"]])
        # since is inclusive, until exclusive: together they cut the log into two halves.
        t = mine[2]["time"]
        since, until = audit_events(s, since=t), audit_events(s, until=t)
        self.assertTrue(all(e["time"] >= t for e in since))
        self.assertTrue(all(e["time"] < t for e in until))
        self.assertIn(mine[2], since)
        self.assertEqual(len(since) + len(until), len(audit_events(s)))
        self.assertEqual(audit_events(s, actor=actor.id, since="2000-01-01T00:00:00Z",
                                      until="2999-01-01T00:00:00%2B02:00"), mine)
        # Pages of 2 add up to the whole log, in order.
        paged, cursor = [], None
        for _ in range(1000):
            resp = s.admin("GET", "/v1/audit?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            self.assertEqual(resp.status, 200, resp)
            self.assertLessEqual(len(resp.json["items"]), 2)
            paged += resp.json["items"]
            cursor = resp.json["next_cursor"]
            if cursor is None:
                break
        self.assertIsNone(cursor)
        self.assertEqual([e["seq"] for e in paged], [e["seq"] for e in audit_events(s)])
        for query, field in [("since=yesterday", "since"), ("until=2026-13-01T00:00:00Z", "until"),
                             ("colour=red", "colour"), ("limit=0", "limit")]:
            with self.subTest(query=query):
                resp = s.admin("GET", f"/v1/audit?{query}")
                self.assertError(resp, 400, "invalid_argument")
                self.assertEqual(resp.json["error"].get("field"), field)

    def test_cli_audit_list(self):
        s = self.server
        ns = s.create_namespace()
        p = s.create_principal(namespace=ns["id"])
        result = s.run_cli("audit", "list", "--namespace", ns["id"], "--action",
                           "principals.create", token=s.admin_token)
        self.assertEqual(result.returncode, 0, result)
        lines = result.stdout.splitlines()
        self.assertRegex(lines[0], r"^SEQ\s+TIME\s+ACTOR\s+ACTION\s+TARGET\s+NAMESPACE\s+OUTCOME")
        self.assertEqual(len(lines), 2, result.stdout)
        self.assertIn(p["id"], lines[1])
        self.assertIn("success", lines[1])
        result = s.run_cli("audit", "list", "--target", p["id"], "--json", "--all",
                           token=s.admin_token)
        self.assertEqual(result.returncode, 0, result)
        page = json.loads(result.stdout)
        self.assertEqual([e["target"] for e in page["items"]], [p["id"]])
        self.assertIsNone(page["next_cursor"])
        result = s.run_cli("audit", "list", "--namespace", "ns_nobody", token=s.admin_token)
        self.assertEqual(result.returncode, 0, result)
        self.assertIn("no audit events", result.stdout)
        weak = user_with_pat(s, ns["id"], ["keys:read"])
        result = s.run_cli("audit", "list", "--namespace", ns["id"], token=weak.pat)
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("error: permission_denied:", result.stderr)


class NoSecrets(AuditTestCase):
    def test_no_secret_in_any_event(self):
        s = self.server
        ns = s.create_namespace()
        app = s.create_namespace(kind="application", parent_id=ns["id"])
        user = s.create_principal(kind="user", namespace=ns["id"])
        s.create_group(ns["id"], ["keys:*", "raw:*"], members=[user["id"]])
        s.create_group(app["id"], ["keys:*"], members=[user["id"]])
        pat = s.create_key(type="personal", owner=user["id"])["secret"]
        k = s.create_key(ns["id"], owner=user["id"], meta={"note": "not a secret"},
                         token=pat)
        s.call("POST", "/v1/keys", {"name": named("x"), "namespace": ns["id"],
                                    "scopes": ["audit:read"]}, token=pat)  # denied
        s.call("PATCH", f"/v1/keys/{k['id']}", {"name": named("renamed")}, token=pat)
        s.call("POST", f"/v1/keys/{k['id']}/revoke", token=pat)
        s.call("POST", f"/v2/users/{user['id']}/keys",
               {"keys": [{"scopes": ["All"], "apps": [{"id": app["id"], "user_id": user["id"]}]}]},
               headers={"Authorization": f"Key {pat}"})
        s.call("DELETE", f"/v1/keys/{user['default_key']['id']}", token=pat)
        secrets = set()
        for _, _, resp in s.responses:
            if resp.json is not None:
                secrets_in(resp.json, secrets)
        secrets.add(s.admin_token)
        self.assertGreaterEqual(len(secrets), 5)
        resp = s.admin("GET", "/v1/audit?limit=1000")
        self.assertEqual(resp.status, 200)
        stored = json.dumps(rows(s))
        for secret in secrets:
            for text in (secret, harness.secret_part(secret)):
                self.assertNotIn(text, resp.raw.decode())
                self.assertNotIn(text, stored)
        self.assertIn(b"keys.create", resp.raw)


class Tamper(unittest.TestCase):
    """A fresh server per test: the chain is edited under the running server."""

    def setUp(self):
        self.server = harness.LatchkeyServer().start()
        self.addCleanup(self.server.close)
        s = self.server
        ns = s.create_namespace()
        for _ in range(4):
            s.create_principal(namespace=ns["id"])
        self.total = last_seq(s)

    def verify(self):
        resp = self.server.admin("POST", "/v1/audit/verify")
        self.assertEqual(resp.status, 200, resp)
        return resp.json

    def cli_verify(self, *args):
        return self.server.run_cli("audit", "verify", *args, token=self.server.admin_token)

    def test_intact(self):
        self.assertEqual(self.verify(), {"ok": True, "checked": self.total, "first_broken": None,
                                         "problem": ""})
        result = self.cli_verify()
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout.strip(), f"audit chain OK: {self.total} events checked")
        # The chain is exactly what audit.h says it hashes.
        for row in rows(self.server):
            self.assertEqual(chain_hash(row), row[12], row[0])

    def test_a_changed_field_breaks_the_chain_at_that_event(self):
        s = self.server
        victim = 4
        original = rows(s)[victim - 1]
        for column, value in (("target", "pr_someoneelse"), ("source_ip", "203.0.113.9"),
                              ("outcome", "denied"), ("details", '{"name":"x"}'),
                              ("time", 1)):
            with self.subTest(column=column):
                before = rows(s)[victim - 1]
                execute(s, f"UPDATE audit_events SET {column} = ? WHERE seq = ?", (value, victim))
                report = self.verify()
                self.assertEqual((report["ok"], report["first_broken"], report["checked"]),
                                 (False, victim, self.total), report)
                self.assertTrue(report["problem"])
                result = self.cli_verify()
                self.assertEqual(result.returncode, 1, result)
                self.assertIn(f"audit chain BROKEN at event {victim}:", result.stdout)
                result = self.cli_verify("--json")
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(json.loads(result.stdout), report)
                # Putting the row back mends it: the check is exact.
                execute(s, f"UPDATE audit_events SET {COLUMNS.replace(', ', ' = ?, ')} = ? "
                           "WHERE seq = ?", (*before, victim))
                self.assertTrue(self.verify()["ok"])
        self.assertEqual(rows(s)[victim - 1], original)

    def test_events_survive_kill_9_with_their_change(self):
        # The event is written in the change's transaction: an acknowledged change has its
        # event after a crash, and the chain still verifies.
        s = self.server
        ns = s.create_namespace()
        group = s.create_group(ns["id"], ["raw:read"])
        s.kill9()
        s.start()
        events = events_after(s, self.total)
        self.assertEqual([(e["action"], e["target"]) for e in events],
                         [("namespaces.create", ns["id"]), ("groups.create", group["id"])])
        self.assertEqual(s.admin("GET", f"/v1/groups/{group['id']}").status, 200)
        self.assertEqual(self.verify()["ok"], True)

    def test_a_deleted_event_breaks_the_chain_at_the_next(self):
        s = self.server
        execute(s, "DELETE FROM audit_events WHERE seq = 3")
        report = self.verify()
        self.assertEqual((report["ok"], report["first_broken"]), (False, 4), report)
        self.assertEqual(report["checked"], self.total - 1)
        # New events chain on, and the break stays found.
        s.create_namespace()
        report = self.verify()
        self.assertEqual((report["ok"], report["first_broken"]), (False, 4), report)
        result = self.cli_verify()
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("BROKEN at event 4", result.stdout)

    def test_a_rewritten_event_with_a_fresh_hash_breaks_the_next_link(self):
        s = self.server
        victim = 3
        row = list(rows(s)[victim - 1])
        self.assertEqual(chain_hash(row), row[12])
        row[5] = "pr_forged"
        row[12] = chain_hash(row)
        execute(s, "UPDATE audit_events SET target = ?, hash = ? WHERE seq = ?",
                (row[5], row[12], victim))
        report = self.verify()
        self.assertEqual((report["ok"], report["first_broken"]), (False, victim + 1), report)
        self.assertIn("prev_hash", report["problem"])


if __name__ == "__main__":
    unittest.main()


class ReviewFixes(harness.SharedServerTestCase, unittest.TestCase):
    def test_a_secret_cut_short_in_a_message_is_still_redacted(self):
        s = self.server
        ns = s.create_namespace()
        key = s.create_key(ns["id"])
        for method, path, body in [("GET", f"/v1/keys/{key['secret']}", None),
                                   ("POST", "/v1/keys", {"name": "x",
                                                         "namespace": key["secret"]}),
                                   ("POST", "/v1/keys", {"name": "x", "namespace": ns["id"],
                                                         "owner": key["secret"]})]:
            with self.subTest(method=method, path=path[:20], body=body):
                resp = s.call(method, path, body)
                self.assertGreaterEqual(resp.status, 400, resp)
                self.assertNotIn(key["secret"][3:40], resp.raw.decode(), resp)
        log = s.read_log()
        self.assertNotIn(key["secret"][3:40], log)

    def test_refusals_of_untrusted_credentials_are_audited_once_a_minute(self):
        s = self.server
        ns = s.create_namespace()
        standard = s.create_key(ns["id"])
        for _ in range(5):
            self.assertEqual(s.call("GET", "/v1/keys", token=standard["secret"]).status, 403)
        events = [e for e in all_items(s, f"/v1/audit?actor={standard['id']}")
                  if e["action"] == "management.call"]
        self.assertEqual(len(events), 1, events)
