"""Bootstrap: a new data directory, the admin token shown once, init, health, graceful stop."""

import fcntl
import json
import os
import queue
import select
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import LatchkeyServer


class ServeOnNewDirectory(unittest.TestCase):
    def test_first_start_prints_token_once_and_restart_does_not(self):
        with LatchkeyServer() as server:
            first = "".join(server.stdout_lines)
            self.assertIn(f"latchkey: initialized a new data directory at {server.data_dir}\n",
                          first)
            token = server.printed_token
            self.assertIsNotNone(token, first)
            self.assertTrue(harness.is_well_formed_key(token), token)
            self.assertTrue(token.startswith("lk_"), token)
            self.assertEqual(first.count(token), 1)
            self.assertRegex(server.stdout_lines[-1],
                             r"^latchkey: listening on http://127\.0\.0\.1:\d+\n$")

            self.assertEqual(server.stop(), 0)
            lines_before = len(server.stdout_lines)
            server.start()
            again = "".join(server.stdout_lines[lines_before:])
            self.assertIsNone(server.printed_token)
            self.assertNotIn(token, again)
            self.assertNotIn("initialized", again)
            self.assertNotIn("access token", again)
            self.assertRegex(again, r"^latchkey: listening on http://127\.0\.0\.1:\d+\n$")
            # The token printed on the first start still works after the restart.
            status, _, who = server.call("GET", "/v1/whoami", token=token)
            self.assertEqual(status, 200, who)

    def test_pepper_file_is_private_and_database_is_sqlite_wal(self):
        with LatchkeyServer() as server:
            pepper = os.path.join(server.data_dir, "pepper")
            mode = stat.S_IMODE(os.stat(pepper).st_mode)
            self.assertEqual(mode, 0o600, oct(mode))
            with open(pepper) as f:
                self.assertRegex(f.read(), r"^[0-9a-f]{64}\n$")
            db = os.path.join(server.data_dir, "latchkey.db")
            with open(db, "rb") as f:
                header = f.read(20)
            self.assertTrue(header.startswith(b"SQLite format 3\x00"))
            # Bytes 18 and 19 are the read/write format versions: 2 means WAL.
            self.assertEqual((header[18], header[19]), (2, 2))

    def test_sigint_is_a_graceful_stop_too(self):
        with LatchkeyServer() as server:
            self.assertEqual(server.call("GET", "/healthz").status, 200)
            self.assertEqual(server.stop(signal.SIGINT), 0)
            last = json.loads(server.log_lines()[-1])
            self.assertEqual(last["msg"], "stopped")

    def test_sigterm_exits_zero_and_logs_stopped_last(self):
        with LatchkeyServer() as server:
            server.verify("garbage")
            self.assertEqual(server.stop(signal.SIGTERM), 0)
            lines = server.log_lines()
            self.assertEqual(json.loads(lines[-1])["msg"], "stopped")
            self.assertIn("shutting down", [json.loads(line)["msg"] for line in lines])


class StopWithOpenConnections(unittest.TestCase):
    def test_idle_and_half_sent_connections_do_not_hold_up_a_stop(self):
        with LatchkeyServer() as server:
            keep_alive = harness.KeepAliveClient(server.port)
            self.assertEqual(keep_alive.call("GET", "/healthz").status, 200)
            half = socket.create_connection((harness.HOST, server.port), timeout=10)
            half.sendall(b"POST /v1/keys/verify HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
            idle = socket.create_connection((harness.HOST, server.port), timeout=10)
            try:
                self.assertEqual(server.stop(timeout=15), 0)
                # The connections are closed by the exit; nothing is answered on them.
                data, closed = harness.recv_until_closed(half, 10)
                self.assertTrue(closed)
                self.assertEqual(json.loads(server.log_lines()[-1])["msg"], "stopped")
            finally:
                keep_alive.close()
                half.close()
                idle.close()


class SignalRightAfterListening(unittest.TestCase):
    """A stop signal that arrives once the server says it is listening must be graceful.

    To hit that moment every time rather than by luck, the server's stdout is a pipe we filled
    almost to capacity ourselves: the server logs {"msg":"listening"} on stderr, then blocks
    writing "listening on ..." to stdout until we drain the pipe. We send SIGTERM while it is
    there, then drain. A server that handles SIGTERM by then exits 0 after logging "stopped".
    """

    def test_sigterm_right_after_the_listening_announcement_is_graceful(self):
        root = tempfile.mkdtemp(prefix="latchkey-e2e-sig-")
        self.addCleanup(shutil.rmtree, root, True)
        data = os.path.join(root, "data")
        init = harness.run_cli("init", "--data", data, "--json")
        self.assertEqual(init.returncode, 0, init.stderr)

        out_r, out_w = os.pipe()
        fcntl.fcntl(out_w, fcntl.F_SETPIPE_SZ, 4096)
        capacity = fcntl.fcntl(out_w, fcntl.F_GETPIPE_SZ)
        os.write(out_w, b"x" * (capacity - 8))  # room for less than the listening line
        proc = subprocess.Popen(
            [harness.find_binary(), "serve", "--data", data, "--listen", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=out_w, stderr=subprocess.PIPE,
            env=harness.clean_env())
        os.close(out_w)
        stdout = os.fdopen(out_r, "rb")
        try:
            # Wait (bounded) for the "listening" log line: the listening line comes next.
            lines = queue.Queue()
            threading.Thread(target=self.read_lines, args=(proc.stderr, lines),
                             daemon=True).start()
            deadline = time.monotonic() + harness.START_TIMEOUT_S
            while True:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                self.assertIsNotNone(line, "serve exited before logging 'listening'")
                if json.loads(line).get("msg") == "listening":
                    break
            proc.send_signal(signal.SIGTERM)
            # Drain our filler and whatever the server still prints, so that it can go on.
            self.drain(stdout, harness.STOP_TIMEOUT_S)
            code = proc.wait(timeout=harness.STOP_TIMEOUT_S)
            self.assertEqual(code, 0, "SIGTERM after the listening announcement was fatal")
            rest = []
            while (line := lines.get(timeout=harness.STOP_TIMEOUT_S)) is not None:
                rest.append(line)
            self.assertEqual(json.loads(rest[-1])["msg"], "stopped")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=harness.STOP_TIMEOUT_S)
            stdout.close()
            proc.stderr.close()

    @staticmethod
    def read_lines(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put(None)

    @staticmethod
    def drain(stream, timeout):
        """Everything readable from `stream` until EOF or `timeout`."""
        data = b""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([stream], [], [], remaining)
            if not ready:
                break
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            data += chunk
        return data


class Init(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="latchkey-e2e-init-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.data = os.path.join(self.root, "data")

    def init(self, *extra):
        return harness.run_cli("init", "--data", self.data, *extra)

    def test_init_json_then_serve_uses_that_token(self):
        result = self.init("--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = json.loads(result.stdout)
        self.assertEqual(set(out), {"admin_token", "namespace", "principal"})
        self.assertTrue(harness.is_well_formed_key(out["admin_token"]))
        self.assertRegex(out["namespace"], r"^ns_\w+$")
        self.assertRegex(out["principal"], r"^pr_\w+$")
        self.assertNotIn(out["admin_token"], result.stderr)
        mode = stat.S_IMODE(os.stat(os.path.join(self.data, "pepper")).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))

        with LatchkeyServer(data_dir=self.data, admin_token=out["admin_token"]) as server:
            self.assertIsNone(server.printed_token)
            self.assertNotIn(out["admin_token"], "".join(server.stdout_lines))
            status, _, who = server.admin("GET", "/v1/whoami")
            self.assertEqual(status, 200, who)
            self.assertEqual(who["principal"]["id"], out["principal"])
            self.assertEqual(who["principal"]["namespace"], out["namespace"])
            self.assertEqual(server.stop(), 0)

    def test_second_init_is_refused(self):
        first = self.init("--json")
        self.assertEqual(first.returncode, 0, first.stderr)
        token = json.loads(first.stdout)["admin_token"]
        second = self.init("--json")
        self.assertEqual(second.returncode, 1, second)
        self.assertIn("already initialized", second.stderr)
        self.assertNotIn(token, second.stdout + second.stderr)
        self.assertEqual(second.stdout, "")
        # The first token is untouched by the refused attempt.
        with LatchkeyServer(data_dir=self.data, admin_token=token) as server:
            self.assertEqual(server.admin("GET", "/v1/whoami").status, 200)

    def test_init_refuses_a_directory_that_serve_initialized(self):
        with LatchkeyServer(data_dir=self.data) as server:
            token = server.admin_token
            self.assertIsNotNone(token)
            self.assertEqual(server.stop(), 0)
        result = self.init()
        self.assertEqual(result.returncode, 1, result)
        self.assertNotIn(token, result.stdout + result.stderr)

    def test_init_human_output(self):
        result = self.init()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"root namespace: ns_\w+\n")
        self.assertRegex(result.stdout, r"admin principal: pr_\w+\n")
        self.assertRegex(result.stdout,
                         r"admin personal access token \(shown once, store it now\): lk_\w+\n")


class AdminAndHealth(harness.SharedServerTestCase, unittest.TestCase):
    def test_whoami_is_the_superuser_admin(self):
        status, headers, who = self.server.admin("GET", "/v1/whoami")
        self.assertEqual(status, 200, who)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertEqual(set(who), {"principal", "key", "permissions", "permissions_by_namespace"})
        self.assertEqual(who["permissions"], ["*"])
        principal = who["principal"]
        self.assertTrue(principal["superuser"])
        self.assertEqual(principal["kind"], "user")
        self.assertEqual(principal["status"], "active")
        self.assertRegex(principal["id"], r"^pr_")
        key = who["key"]
        self.assertEqual(key["type"], "personal")
        self.assertIsNone(key["namespace"])
        self.assertEqual(key["owner"], principal["id"])
        self.assertEqual(key["id"], "key_" + self.server.admin_token[3:19])
        self.assertNotIn("secret", key)
        self.assertNotIn(self.server.admin_token, json.dumps(who))

    def test_admin_token_verifies_as_valid_personal_key(self):
        answer = self.server.verify(self.server.admin_token)
        self.assertEqual(answer["code"], "VALID")
        self.assertEqual(answer["key"]["type"], "personal")

    def test_healthz(self):
        status, headers, body = self.server.call("GET", "/healthz")
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertTrue(headers.get("X-Request-Id"))

    def test_readyz_counts_loaded_keys(self):
        status, _, body = self.server.call("GET", "/readyz")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "ready")
        self.assertIsInstance(body["keys"], int)
        self.assertGreaterEqual(body["keys"], 1)  # at least the admin token
        ns = self.server.create_namespace()
        self.server.create_key(ns["id"])
        _, _, after = self.server.call("GET", "/readyz")
        self.assertEqual(after["keys"], body["keys"] + 1)

    def test_head_healthz(self):
        resp = self.server.call("HEAD", "/healthz")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.raw, b"")


if __name__ == "__main__":
    unittest.main()
