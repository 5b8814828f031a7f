"""The walkthrough through the real CLI against a real server: create a namespace, a service
account and a key, verify it, revoke it, list things, and the CLI's error conventions."""

import json
import unittest

import harness
from harness import unique_name


class CliWalkthrough(harness.SharedServerTestCase, unittest.TestCase):
    def cli(self, *args, token="admin", expect=0, **kwargs):
        token = self.server.admin_token if token == "admin" else token
        result = self.server.run_cli(*args, token=token, **kwargs)
        self.assertEqual(result.returncode, expect,
                         f"latchkey {' '.join(args)}\nstdout: {result.stdout}\n"
                         f"stderr: {result.stderr}")
        # The token in use is never printed, whatever the command.
        if self.server.admin_token:
            self.assertNotIn(self.server.admin_token, result.stdout + result.stderr)
        return result

    def cli_json(self, *args, **kwargs):
        return json.loads(self.cli(*args, "--json", **kwargs).stdout)

    def test_walkthrough(self):
        ns_name, sa_name, key_name = unique_name("acme"), unique_name("extractor"), unique_name("k")
        ns = self.cli_json("namespaces", "create", ns_name, "--kind", "organization")
        self.assertEqual((ns["name"], ns["kind"]), (ns_name, "organization"))
        sa = self.cli_json("principals", "create", sa_name, "--kind", "service_account",
                           "--namespace", ns["id"])
        self.assertEqual((sa["name"], sa["namespace"]), (sa_name, ns["id"]))
        key = self.cli_json("keys", "create", "--name", key_name, "--namespace", ns["id"],
                            "--owner", sa["id"], "--scope", "raw:read:db1/t1",
                            "--scope", "raw:write:db1/t1", "--meta", '{"team":"data"}')
        secret = key["secret"]
        self.assertTrue(harness.is_well_formed_key(secret))
        self.assertEqual(key["scopes"], ["raw:read:db1/t1", "raw:write:db1/t1"])
        self.assertEqual(key["meta"], {"team": "data"})

        # verify: exit 0 for VALID; needs no token; key from the argument or stdin.
        out = self.cli("keys", "verify", secret, token=None).stdout
        self.assertIn("VALID", out)
        self.assertIn(key["id"], out)
        self.assertNotIn(harness.secret_part(secret), out)
        self.cli("keys", "verify", token=None, input=secret + "\n")
        self.cli("keys", "verify", "-", token=None, input=secret + "\n")
        answer = self.cli_json("keys", "verify", secret, "--namespace", ns["id"], token=None)
        self.assertEqual(answer["code"], "VALID")
        wrong_ns = self.cli_json("keys", "verify", secret, "--namespace", "ns_other", token=None,
                                 expect=1)
        self.assertEqual(wrong_ns["code"], "WRONG_NAMESPACE")

        # Human tables name what was created.
        table = self.cli("keys", "list", "--namespace", ns["id"]).stdout
        self.assertIn(key_name, table)
        self.assertIn(key["id"], table)
        self.assertIn(key["hint"], table)
        self.assertNotIn(harness.secret_part(secret), table)
        self.assertRegex(table.splitlines()[0], r"^ID\s+NAME\s+TYPE\s+STATUS")
        self.assertIn(ns_name, self.cli("namespaces", "list", "--limit", "1000").stdout)
        self.assertIn(sa_name, self.cli("principals", "list", "--namespace", ns["id"]).stdout)
        self.assertIn(key_name, self.cli("keys", "get", key["id"]).stdout)

        # --json outputs are the server's JSON.
        page = self.cli_json("keys", "list", "--namespace", ns["id"])
        self.assertEqual([k["id"] for k in page["items"]], [key["id"]])
        self.assertNotIn("secret", page["items"][0])
        got = self.cli_json("keys", "get", key["id"])
        self.assertEqual(got["id"], key["id"])
        self.assertNotIn("secret", got)
        principals = self.cli_json("principals", "list", "--namespace", ns["id"])
        self.assertEqual([p["id"] for p in principals["items"]], [sa["id"]])
        namespaces = self.cli_json("namespaces", "list", "--all")
        self.assertIn(ns["id"], [n["id"] for n in namespaces["items"]])

        # Update, disable, enable, revoke; verify follows each at once.
        updated = self.cli_json("keys", "update", key["id"], "--description", "nightly")
        self.assertEqual(updated["description"], "nightly")
        self.cli("keys", "disable", key["id"])
        self.assertIn("DISABLED", self.cli("keys", "verify", secret, token=None, expect=1).stdout)
        self.cli("keys", "enable", key["id"])
        self.cli("keys", "verify", secret, token=None)
        revoked = self.cli_json("keys", "revoke", key["id"])
        self.assertEqual(revoked["status"], "revoked")
        out = self.cli("keys", "verify", secret, token=None, expect=1).stdout
        self.assertIn("REVOKED", out)
        self.cli("keys", "verify", "garbage", token=None, expect=1)
        self.assertIn(key_name, self.cli("keys", "list", "--status", "revoked").stdout)
        self.assertIn("deleted", self.cli("keys", "delete", key["id"]).stdout)
        self.assertIn("NOT_FOUND", self.cli("keys", "verify", secret, token=None,
                                            expect=1).stdout)

    def test_user_with_default_key(self):
        name = unique_name("ada")
        out = self.cli("principals", "create", name, "--kind", "user").stdout
        self.assertIn("default-key", out)
        self.assertIn("shown once", out)
        user = self.cli_json("principals", "create", unique_name("bob"), "--kind", "user")
        self.cli("keys", "verify", user["default_key"]["secret"], token=None)
        self.cli_json("principals", "disable", user["id"])
        self.cli("keys", "verify", user["default_key"]["secret"], token=None, expect=1)
        self.cli_json("principals", "enable", user["id"])
        self.cli("keys", "verify", user["default_key"]["secret"], token=None)
        none = self.cli_json("principals", "create", unique_name("cy"), "--kind", "user",
                             "--no-default-key")
        self.assertNotIn("default_key", none)

    def test_whoami(self):
        out = self.cli("whoami").stdout
        self.assertIn("admin", out)
        self.assertIn("superuser:", out)
        who = self.cli_json("whoami")
        self.assertEqual(who["permissions"], ["*"])
        self.assertTrue(who["principal"]["superuser"])
        # The token may come from --token as well as from LATCHKEY_TOKEN.
        result = self.cli("whoami", "--token", self.server.admin_token, token=None)
        self.assertIn("admin", result.stdout)

    def test_api_errors_print_the_code_and_exit_1(self):
        cases = [
            (("keys", "get", "key_0000000000000000"), "admin", "not_found"),
            (("keys", "list"), None, "unauthenticated"),
            (("keys", "list"), "lk_garbage", "unauthenticated"),
            (("namespaces", "create", "root", "--kind", "organization"), "admin", "conflict"),
            (("keys", "create", "--name", "x"), "admin", "invalid_argument"),
            (("keys", "create", "--name", "x", "--namespace", "ns_x", "--prefix", "Bad"), "admin",
             "invalid_argument"),
            (("keys", "update", "key_0000000000000000", "--expires-at", "2099-01-01T00:00:00Z"),
             "admin", None),
        ]
        for args, token, code in cases:
            with self.subTest(args=args):
                result = self.cli(*args, token=token, expect=1)
                self.assertEqual(result.stdout, "")
                self.assertTrue(result.stderr.startswith("error: "), result.stderr)
                if code:
                    self.assertTrue(result.stderr.startswith(f"error: {code}"), result.stderr)

    def test_expires_at_cannot_be_changed_through_the_cli(self):
        ns = self.cli_json("namespaces", "create", unique_name(), "--kind", "project")
        key = self.cli_json("keys", "create", "--name", unique_name("k"), "--namespace", ns["id"],
                            "--expires-in", "30d")
        self.assertIsNotNone(key["expires_at"])
        result = self.cli("keys", "update", key["id"], "--expires-at", "2099-01-01T00:00:00Z",
                          expect=1)
        self.assertIn("error: invalid_argument", result.stderr)
        self.assertIn("expires_at", result.stderr)

    def test_standard_key_as_token_is_refused(self):
        ns = self.cli_json("namespaces", "create", unique_name(), "--kind", "project")
        key = self.cli_json("keys", "create", "--name", unique_name("k"), "--namespace", ns["id"])
        result = self.cli("keys", "list", token=key["secret"], expect=1)
        self.assertTrue(result.stderr.startswith("error: permission_denied"), result.stderr)
        self.assertNotIn(key["secret"], result.stdout + result.stderr)

    def test_unreachable_server_exits_2(self):
        dead = f"http://127.0.0.1:{harness.free_port()}"
        for args in (("whoami",), ("keys", "list"), ("keys", "verify", harness.make_key())):
            with self.subTest(args=args):
                result = self.cli(*args, addr=dead, expect=2)
                self.assertTrue(result.stderr.startswith("error: "), result.stderr)
                self.assertIn("127.0.0.1", result.stderr)
        # --addr wins over LATCHKEY_ADDR.
        result = self.cli("whoami", "--addr", self.server.url, addr=dead)
        self.assertIn("admin", result.stdout)

    def test_usage_errors_exit_2(self):
        self.cli("keys", "verify", token=None, input="", expect=2)
        self.cli("namespaces", "create", "x", "--kind", "galaxy", expect=2)
        self.cli("whoami", addr="ftp://127.0.0.1:1", expect=2)


if __name__ == "__main__":
    unittest.main()
