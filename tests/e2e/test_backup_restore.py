"""Backup and restore exactly as docs/operations.md tells operators to do them ("Backup and
restore"): SQLite's online `.backup` while the server runs, and pg_dump / pg_restore of a
PostgreSQL store. After a restore the server answers from the backup's state: keys made before it
verify, keys made after it are gone, a revoke made after it is undone (the docs say so), and the
audit chain still verifies.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness


class BackupRestoreChecks:
    """What both backends must show after a restore; `before` is a key made before the backup,
    `after` one made after it, and `before` was revoked after the backup."""

    def check_restored(self, server, before, after):
        self.assertEqual(server.verify_code(before["secret"]), "VALID")  # its revoke came later
        self.assertEqual(server.verify_code(after["secret"]), "NOT_FOUND")
        audit = server.admin("POST", "/v1/audit/verify")
        self.assertEqual(audit.status, 200, audit)
        self.assertTrue(audit.json["ok"], audit.json)

    def make_changes_after_backup(self, server, ns, before):
        after = server.create_key(ns["id"])
        revoked = server.admin("POST", f"/v1/keys/{before['id']}/revoke")
        self.assertEqual(revoked.status, 200, revoked)
        self.assertEqual(server.verify_code(before["secret"]), "REVOKED")
        return after


@unittest.skipUnless(shutil.which("sqlite3"), "the sqlite3 command (Debian: sqlite3) is missing")
class SqliteBackupRestore(BackupRestoreChecks, unittest.TestCase):
    def test_online_backup_restores_into_a_new_data_directory(self):
        root = tempfile.mkdtemp(prefix="latchkey-e2e-backup-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        data = os.path.join(root, "data")
        backup = os.path.join(root, "latchkey-backup.db")
        with harness.LatchkeyServer(data_dir=data) as server:
            ns = server.create_namespace(kind="project")
            before = server.create_key(ns["id"])
            # While the server runs, through SQLite's backup API.
            subprocess.run(["sqlite3", os.path.join(data, "latchkey.db"), f".backup '{backup}'"],
                           check=True, timeout=60, capture_output=True)
            after = self.make_changes_after_backup(server, ns, before)
            token = server.admin_token
        restored = os.path.join(root, "restored")
        os.makedirs(restored, mode=0o700)
        shutil.copyfile(backup, os.path.join(restored, "latchkey.db"))
        shutil.copyfile(os.path.join(data, "pepper"), os.path.join(restored, "pepper"))
        os.chmod(os.path.join(restored, "pepper"), 0o600)
        with harness.LatchkeyServer(data_dir=restored, admin_token=token) as server:
            self.assertIsNone(server.printed_token)  # restored, not initialized anew
            self.check_restored(server, before, after)


class PostgresBackupRestore(BackupRestoreChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pg = harness.shared_postgres()  # skips the class when PostgreSQL is missing

    def test_pg_dump_restores_into_a_new_database(self):
        for tool in ("pg_dump", "pg_restore"):
            if not shutil.which(tool):
                self.fail(f"{tool} is missing (Debian: postgresql-client)")
        root = tempfile.mkdtemp(prefix="latchkey-e2e-pgbackup-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        data = os.path.join(root, "data")
        dump = os.path.join(root, "latchkey.dump")
        url = self.pg.create_database()
        with harness.LatchkeyServer(data_dir=data, args=("--store", url)) as server:
            ns = server.create_namespace(kind="project")
            before = server.create_key(ns["id"])
            subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", url], check=True,
                           timeout=120, capture_output=True)
            after = self.make_changes_after_backup(server, ns, before)
            token = server.admin_token
        restored_url = self.pg.create_database()
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_url}", dump],
                       check=True, timeout=120, capture_output=True)
        with harness.LatchkeyServer(data_dir=data, args=("--store", restored_url),
                                    admin_token=token) as server:
            self.assertIsNone(server.printed_token)
            self.check_restored(server, before, after)


if __name__ == "__main__":
    unittest.main()
