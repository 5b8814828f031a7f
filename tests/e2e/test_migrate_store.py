"""`latchkey migrate-store` (issue 7, docs/operations.md "Moving from SQLite to PostgreSQL"): a
data directory filled through the API by a SQLite server is copied into a fresh PostgreSQL
database; the copy holds the same rows (digests, audit hashes and password hashes included),
and a server started on it with `--store` answers exactly as the SQLite one did: keys verify
with the same codes, the audit chain verifies, the user signs in with the same password.
Refusals: a target that is not empty, a missing or uninitialized data directory, an
unreachable server; and a failure during the copy leaves the target empty.

Needs PostgreSQL (harness.shared_postgres): skipped where it is not installed, except under
ctest, which requires it."""

import json
import os
import re
import shutil
import sqlite3
import tempfile
import unittest

import harness

PASSWORD = "migrate me, keep me signed in"
TABLES = ("namespaces", "principals", "api_keys", "groups", "group_members", "audit_events",
          "principal_passwords", "settings")


def list_all(server, path):
    """Every item of a listing (one page of up to 1000, which these tests never exceed)."""
    sep = "&" if "?" in path else "?"
    status, _, body = server.admin("GET", f"{path}{sep}limit=1000")
    assert status == 200, (path, status, body)
    assert body["next_cursor"] is None, path
    return body["items"]


def snapshot(server):
    """What the API shows of everything that migrate-store copies, but the last use of the admin
    token that takes the snapshot (each of its calls moves it)."""
    status, _, who = server.admin("GET", "/v1/whoami")
    assert status == 200, who
    keys = list_all(server, "/v1/keys")
    for key in keys:
        if key["id"] == who["key"]["id"]:
            del key["last_used_at"], key["last_used_ip"]
    return {
        "namespaces": list_all(server, "/v1/namespaces"),
        "principals": list_all(server, "/v1/principals"),
        "keys": keys,
        "groups": list_all(server, "/v1/groups"),
        "audit": list_all(server, "/v1/audit"),
    }


def sqlite_rows(data_dir, sql):
    conn = sqlite3.connect(os.path.join(data_dir, "latchkey.db"), timeout=10)
    try:
        return [tuple("" if v is None else str(v) for v in row) for row in conn.execute(sql)]
    finally:
        conn.close()


def migrate(*args, env=None):
    return harness.run_cli("migrate-store", *args, env=env)


class MigrateStoreTest(unittest.TestCase):
    """One SQLite data directory, filled once and stopped; each test migrates it into a new
    database of the shared PostgreSQL cluster."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pg = harness.shared_postgres()  # skips the class when PostgreSQL is missing
        cls.root_dir = tempfile.mkdtemp(prefix="latchkey-e2e-migrate-")
        cls.data_dir = os.path.join(cls.root_dir, "data")
        server = harness.LatchkeyServer(data_dir=cls.data_dir)
        try:
            server.start()
            cls.fill(server)
            cls.expected_codes = cls.verify_codes(server)
            # Restart so that the snapshot, like the one on PostgreSQL, comes from a fresh
            # process (rate-limit windows live in memory) after usage reached the store.
            server.restart()
            cls.before = snapshot(server)
            code = server.stop()
            assert code == 0, f"latchkey exited with {code}:\n{server.read_log()[-4000:]}"
            cls.admin_token = server.admin_token
        finally:
            server.close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root_dir, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def fill(cls, s):
        """Namespaces three deep, a service account and a user with a password in a group, keys
        with every restriction and a quota (one revoked, one disabled), used once."""
        root = s.root_namespace()
        org = s.create_namespace(kind="organization", settings={"default_key_prefix": "acme"})
        app = s.create_namespace(kind="application", parent_id=org["id"],
                                 settings={"app_domains": ["app.example.com"]})
        ws = s.create_namespace(kind="workspace", parent_id=app["id"])
        sa = s.create_principal(kind="service_account", namespace=app["id"])
        ada = s.create_principal(kind="user", namespace=org["id"], email="ada@example.com",
                                 password=PASSWORD)
        cls.ada_name = ada["name"]
        s.create_group(app["id"], ["raw:read:db1/*", "keys:read"], members=[sa["id"], ada["id"]],
                       description="readers")
        s.create_group(ws["id"], ["timeseries:write"], members=[ada["id"]])
        s.create_group(root, ["predict:*"])
        restricted = s.create_key(
            app["id"], owner=sa["id"], scopes=["raw:read:db1/t1"], resources=["algo://demos/*"],
            data_access="read", allowed_ips=["127.0.0.0/8", "10.0.0.0/8"],
            origins={"native": True, "browser": True, "referrers": ["app.example.com"]},
            rate_limit={"limit": 100, "window_ms": 60000},
            quota={"remaining": 50, "refill": {"interval": "daily", "amount": 50}},
            meta={"team": "billing"}, expires_at="2999-01-01T00:00:00Z", description="export")
        revoked = s.create_key(app["id"], owner=sa["id"])
        disabled = s.create_key(ws["id"], owner=ada["id"], prefix="ws")
        mgmt = s.create_key(app["id"], owner=sa["id"], type="management")
        for path in (f"/v1/keys/{revoked['id']}/revoke", f"/v1/keys/{disabled['id']}/disable"):
            status, _, body = s.admin("POST", path)
            assert status == 200, (path, status, body)
        # A refusal, for a `denied` audit event: sa may not create namespaces.
        s.call("POST", "/v1/namespaces", {"name": "nope", "kind": "workspace",
                                          "parent_id": app["id"]}, token=mgmt["secret"])
        cls.keys = {"restricted": (restricted["secret"], app["id"]),
                    "revoked": (revoked["secret"], app["id"]),
                    "disabled": (disabled["secret"], ws["id"]),
                    "default": (ada["default_key"]["secret"], org["id"]),
                    "admin": (s.admin_token, None)}

    @classmethod
    def verify_codes(cls, s):
        codes = {}
        for name, (secret, namespace) in cls.keys.items():
            extra = {}
            if name == "restricted":
                extra = {"scopes": ["raw:read:db1/t1"], "resource": "algo://demos/sentiment",
                         "data": "read", "ip": "127.0.0.1"}
            codes[name] = s.verify(secret, namespace=namespace, **extra)["code"]
        return codes

    def run_migrate(self, url, *extra):
        done = migrate("--data", self.data_dir, "--to", url, *extra)
        self.assertEqual(done.returncode, 0, done.stderr + done.stdout)
        return done

    def count(self, url, table):
        return int(self.pg.query(f"SELECT count(*) FROM {table}", url.rsplit("/", 1)[1])[0][0])

    def test_copies_every_row_and_a_server_on_postgres_answers_the_same(self):
        self.assertEqual(self.expected_codes, {"restricted": "VALID", "revoked": "REVOKED",
                                               "disabled": "DISABLED", "default": "VALID",
                                               "admin": "VALID"})
        url = self.pg.create_database()
        done = self.run_migrate(url, "--json")
        counts = json.loads(done.stdout)
        b = self.before
        self.assertEqual(counts["namespaces"], len(b["namespaces"]))
        self.assertEqual(counts["principals"], len(b["principals"]))
        self.assertEqual(counts["console_passwords"], 1)
        self.assertEqual(counts["keys"], len(b["keys"]))
        self.assertEqual(counts["groups"], len(b["groups"]))
        self.assertEqual(counts["group_members"], sum(len(g["members"]) for g in b["groups"]))
        self.assertEqual(counts["audit_events"], len(b["audit"]))
        self.assertEqual(counts["last_audit_hash"], b["audit"][-1]["hash"])
        self.assertTrue(counts["audit_chain_ok"])
        self.assertTrue(any(e["outcome"] == "denied" for e in b["audit"]), b["audit"])
        self.assert_same_rows(url)
        self.assert_serves_the_same(url)

    def assert_same_rows(self, url):
        """The rows the API never shows: digests, password hashes, audit hashes, settings."""
        db = url.rsplit("/", 1)[1]
        self.assertEqual(
            self.pg.query("SELECT id, upper(encode(digest, 'hex')), status FROM api_keys "
                          "ORDER BY id", db),
            sqlite_rows(self.data_dir, "SELECT id, hex(digest), status FROM api_keys ORDER BY id"))
        self.assertEqual(
            self.pg.query("SELECT principal_id, hash FROM principal_passwords ORDER BY 1", db),
            sqlite_rows(self.data_dir,
                        "SELECT principal_id, hash FROM principal_passwords ORDER BY 1"))
        columns = ("seq, time, actor_principal, actor_key, action, target, namespace_id, outcome, "
                   "request_id, source_ip, details, prev_hash, hash")
        self.assertEqual(
            self.pg.query(f"SELECT {columns} FROM audit_events ORDER BY seq", db),
            sqlite_rows(self.data_dir, f"SELECT {columns} FROM audit_events ORDER BY seq"))
        self.assertEqual(
            self.pg.query("SELECT name, value FROM settings WHERE name <> "
                          "'change_log_pruned_through' ORDER BY name", db),
            sqlite_rows(self.data_dir, "SELECT name, value FROM settings ORDER BY name"))
        self.assertEqual(self.count(url, "sessions"), 0)

    def start_on_postgres(self, url):
        server = harness.LatchkeyServer(data_dir=self.data_dir, args=("--store", url),
                                        admin_token=self.admin_token)
        self.addCleanup(server.close)
        server.start()
        self.assertIsNone(server.printed_token, "a migrated store must not be initialized again")
        return server

    def assert_serves_the_same(self, url):
        s = self.start_on_postgres(url)
        self.assertEqual(snapshot(s), self.before)
        self.assertEqual(self.verify_codes(s), self.expected_codes)
        status, _, report = s.admin("POST", "/v1/audit/verify")
        self.assertEqual(status, 200, report)
        self.assertEqual((report["ok"], report["checked"]), (True, len(self.before["audit"])))
        signed_in = s.call("POST", "/v1/sessions", {"name": self.ada_name, "password": PASSWORD})
        self.assertEqual(signed_in.status, 201, signed_in)
        wrong = s.call("POST", "/v1/sessions", {"name": self.ada_name, "password": PASSWORD + "x"})
        self.assertEqual(wrong.status, 401, wrong)
        self.assertEqual(s.stop(), 0, s.read_log()[-4000:])

    def test_human_summary_names_counts_and_next_steps(self):
        url = self.pg.create_database()
        out = self.run_migrate(url).stdout
        self.assertIn(f"copied {self.data_dir} into {url}", out)
        self.assertRegex(out, rf"keys\s+{len(self.before['keys'])}\n")
        self.assertRegex(out, rf"audit events\s+{len(self.before['audit'])}\n")
        self.assertIn(self.before["audit"][-1]["hash"], out)
        self.assertIn("not copied: console sessions", out)
        self.assertIn(f"{self.data_dir}/pepper", out)
        self.assertIn(f"latchkey serve --store '{url}'", out)

    def test_password_in_the_url_is_never_printed(self):
        url = self.pg.create_database().replace("postgres@", "postgres:hunter2hunter2@")
        done = self.run_migrate(url)  # trust authentication ignores the password
        self.assertNotIn("hunter2hunter2", done.stdout + done.stderr)
        self.assertIn("postgres:***@", done.stdout)

    def test_refuses_a_target_that_is_not_empty_and_writes_nothing(self):
        url = self.pg.create_database()
        self.run_migrate(url)
        events = self.count(url, "audit_events")
        again = migrate("--data", self.data_dir, "--to", url)
        self.assertEqual(again.returncode, 1, again)
        self.assertEqual(again.stdout, "")
        self.assertRegex(again.stderr, r"^latchkey: cannot migrate .* \(nothing was written\): "
                                       r"the target is not empty: it holds setting ")
        self.assertEqual(self.count(url, "audit_events"), events)
        # Rows without the settings of an initialized store are refused too.
        self.pg.psql("DELETE FROM settings", url.rsplit("/", 1)[1])
        again = migrate("--data", self.data_dir, "--to", url)
        self.assertEqual(again.returncode, 1, again)
        self.assertIn("the target is not empty: it holds namespaces", again.stderr)
        self.assertEqual(self.count(url, "settings"), 0)
        self.assertEqual(self.count(url, "audit_events"), events)

    def test_a_failure_during_the_copy_leaves_the_target_empty(self):
        url = self.pg.create_database()
        db = url.rsplit("/", 1)[1]
        self.run_migrate(url)
        tables = [t for (t,) in self.pg.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'schema_migrations'", db)]
        self.pg.psql(f"TRUNCATE {', '.join(tables)} CASCADE", db)
        # The last rows copied are audit events and settings: fail on the last audit event.
        self.pg.psql(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'injected failure'; END $$; "
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_events FOR EACH ROW "
            f"WHEN (NEW.seq = {len(self.before['audit'])}) EXECUTE FUNCTION refuse()", db)
        failed = migrate("--data", self.data_dir, "--to", url)
        self.assertEqual(failed.returncode, 1, failed)
        self.assertIn("(nothing was written)", failed.stderr)
        self.assertIn("injected failure", failed.stderr)
        for table in TABLES:
            self.assertEqual(self.count(url, table), 0, table)
        self.pg.psql("DROP TRIGGER refuse ON audit_events", db)
        self.run_migrate(url)
        self.assertEqual(self.count(url, "audit_events"), len(self.before["audit"]))

    def test_refuses_a_missing_or_uninitialized_data_directory(self):
        url = self.pg.create_database()
        db = url.rsplit("/", 1)[1]
        missing = os.path.join(self.root_dir, "missing")
        done = migrate("--data", missing, "--to", url)
        self.assertEqual(done.returncode, 1, done)
        self.assertEqual(done.stderr, f"latchkey: cannot open data directory {missing}: "
                                      f"no data directory at {missing}\n")
        self.assertFalse(os.path.exists(missing))
        empty = tempfile.mkdtemp(dir=self.root_dir)
        done = migrate("--data", empty, "--to", url)
        self.assertEqual(done.returncode, 1, done)
        self.assertIn(f"no latchkey database in {empty}", done.stderr)
        self.assertEqual(os.listdir(empty), [])
        # The target was not even opened: no schema was created in it.
        self.assertEqual(self.pg.query("SELECT count(*) FROM pg_tables WHERE schemaname = "
                                       "'public'", db), [("0",)])

    def test_refuses_an_unreachable_target_and_bad_arguments(self):
        port = harness.unused_high_port()
        done = migrate("--data", self.data_dir, "--to", f"postgresql://postgres@127.0.0.1:{port}/x")
        self.assertEqual(done.returncode, 1, done)
        self.assertIn("latchkey: cannot open PostgreSQL store postgresql://postgres@127.0.0.1:",
                      done.stderr)
        done = migrate("--data", self.data_dir, "--to", "mysql://root@127.0.0.1/x")
        self.assertEqual(done.returncode, 2, done)
        self.assertIn("postgres:// or postgresql://", done.stderr)
        done = migrate("--data", self.data_dir)
        self.assertEqual(done.returncode, 2, done)

    def test_a_target_server_that_is_down_and_back(self):
        with harness.PostgresCluster() as cluster:  # its own: this test stops it
            url = cluster.create_database()
            cluster.stop()
            done = migrate("--data", self.data_dir, "--to", url)
            self.assertEqual(done.returncode, 1, done)
            self.assertIn(f"latchkey: cannot open PostgreSQL store {url}: ", done.stderr)
            cluster.start()
            self.run_migrate(url)
            self.assertEqual(cluster.query("SELECT count(*) FROM api_keys", url.rsplit("/", 1)[1]),
                             [(str(len(self.before["keys"])),)])

    def test_into_a_schema_that_nodes_then_use(self):
        url = self.pg.create_database()
        self.pg.psql("CREATE SCHEMA keys_here", url.rsplit("/", 1)[1])
        out = self.run_migrate(url, "--to-schema", "keys_here").stdout
        self.assertEqual(self.count(url, "keys_here.api_keys"), len(self.before["keys"]))
        self.assertEqual(self.pg.query("SELECT count(*) FROM pg_tables WHERE schemaname = "
                                       "'public'", url.rsplit("/", 1)[1]), [("0",)])
        # As the next steps say: `serve` has no schema option, the search_path selects it.
        self.assertIn("ALTER ROLE <user> SET search_path = keys_here", out)
        db = url.rsplit("/", 1)[1]
        self.pg.psql(f"ALTER DATABASE {db} SET search_path = keys_here", db)
        s = self.start_on_postgres(re.search(r"latchkey serve --store '([^']+)'", out).group(1))
        self.assertEqual(list_all(s, "/v1/namespaces"), self.before["namespaces"])
        self.assertEqual(self.verify_codes(s), self.expected_codes)
        self.assertEqual(s.stop(), 0, s.read_log()[-4000:])


if __name__ == "__main__":
    unittest.main()
