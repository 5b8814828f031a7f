"""End-to-end harness: runs the real `latchkey` binary and talks HTTP to it.

`LatchkeyServer` starts `latchkey serve` on 127.0.0.1 port 0 with a temporary data directory
(or a given one), waits for its "listening on" line with a bounded deadline, captures the admin
token printed on first start, and writes the server's stderr (JSON log lines) to a file.
Nothing here sleeps on the wall clock: every wait is for an event (a line on stdout, a process
exit, a socket answer) and is bounded by a deadline.

The binary comes from $LATCHKEY_BIN (ctest sets it), else the newest build/*/src/latchkey.
Only the Python standard library is used.

`PostgresCluster` runs a private PostgreSQL server (scripts/pg-test-cluster.sh) for tests of the
PostgreSQL store; `shared_postgres()` is one such cluster shared by every test in the process.
"""

import atexit
import base64
import glob
import http.client
import itertools
import json
import os
import pwd
import queue
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = "127.0.0.1"

# Deadlines, generous enough for a Debug+ASan build on 2 busy cores.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 60.0

LISTENING_RE = re.compile(r"^latchkey: listening on http://127\.0\.0\.1:(\d+)\s*$")
TOKEN_RE = re.compile(r"^admin personal access token \(shown once, store it now\): (\S+)\s*$")
INITIALIZED_RE = re.compile(r"^latchkey: initialized a new data directory at (.+?)\s*$")

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,15}_[0-9A-Za-z]{65}$")


def find_binary():
    """The latchkey binary under test: $LATCHKEY_BIN, else the newest build/*/src/latchkey."""
    path = os.environ.get("LATCHKEY_BIN")
    if path:
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"LATCHKEY_BIN={path} is not an executable file")
        return path
    candidates = [p for p in glob.glob(os.path.join(REPO_ROOT, "build", "*", "src", "latchkey"))
                  if os.access(p, os.X_OK)]
    if not candidates:
        raise RuntimeError("no latchkey binary: set LATCHKEY_BIN or build one under build/*/")
    return max(candidates, key=os.path.getmtime)


def clean_env(extra=None):
    """The environment for a child process: ours without any LATCHKEY_* variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    if extra:
        env.update(extra)
    return env


_names = itertools.count(1)


def unique_name(prefix="e2e"):
    """A name no other call in this process returns."""
    return f"{prefix}-{os.getpid()}-{next(_names)}-{random.randrange(1 << 30):x}"


# ---- key format (docs/key_format.md) ---------------------------------------------------------

def checksum(text):
    crc = zlib.crc32(text.encode("ascii"))
    out = ""
    for _ in range(6):
        crc, digit = divmod(crc, 62)
        out = BASE62[digit] + out
    return out


def is_well_formed_key(key):
    return bool(KEY_RE.match(key)) and checksum(key[:-6]) == key[-6:]


def make_key(prefix="lk", id_chars=None, rng=random):
    """A well-formed key (valid checksum) with the given or random id characters."""
    id_chars = id_chars or "".join(rng.choice(BASE62) for _ in range(16))
    secret = "".join(rng.choice(BASE62) for _ in range(43))
    head = f"{prefix}_{id_chars}{secret}"
    return head + checksum(head)


def id_chars_of(key_id):
    assert key_id.startswith("key_") and len(key_id) == 20, key_id
    return key_id[4:]


def secret_part(key):
    """The 43 random characters of a key: no stored or logged byte string may contain them."""
    return key[-49:-6]


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---- HTTP ------------------------------------------------------------------------------------

class Response:
    """One HTTP answer: unpacks as (status, headers, json); `.raw` holds the body bytes."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive .get()
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return f"Response({self.status}, {self.raw[:300]!r})"


def http_call(port, method, path, body=None, token=None, headers=None, raw_body=None,
              timeout=HTTP_TIMEOUT_S):
    """One request on a new connection. `body` is JSON-encoded; `raw_body` is sent as is."""
    hdrs = {"Connection": "close"}
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    if body is not None:
        raw_body = json.dumps(body).encode()
    if raw_body is not None:
        hdrs["Content-Type"] = "application/json"
        if isinstance(raw_body, str):
            raw_body = raw_body.encode()
    if headers:
        hdrs.update(headers)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=raw_body, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        return Response(resp.status, resp.headers, raw)
    finally:
        conn.close()


class KeepAliveClient:
    """Requests over one persistent connection (for loops that make many calls)."""

    def __init__(self, port, token=None, timeout=HTTP_TIMEOUT_S):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def call(self, method, path, body=None):
        hdrs = {}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        self.conn.request(method, path, body=raw, headers=hdrs)
        resp = self.conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())

    def close(self):
        self.conn.close()


# ---- the server ------------------------------------------------------------------------------

class ServerError(RuntimeError):
    pass


class LatchkeyServer:
    """A `latchkey serve` process on 127.0.0.1:0.

    With no data_dir, a temporary directory is created (and removed on close) holding `data/`
    (the data directory) and `server.log` (stderr of every start, appended). With a data_dir,
    that directory is used and kept. `admin_token` is the token printed on the first start (or
    the one passed in, e.g. from `latchkey init --json`); `printed_token` is what the latest start
    printed (None on a restart of an initialized directory).
    """

    def __init__(self, data_dir=None, args=(), admin_token=None, env=None):
        self.binary = find_binary()
        self._owned_root = None
        self._owned_log_dir = None
        if data_dir is None:
            self._owned_root = tempfile.mkdtemp(prefix="latchkey-e2e-")
            data_dir = os.path.join(self._owned_root, "data")
            log_dir = self._owned_root
        else:
            log_dir = tempfile.mkdtemp(prefix="latchkey-e2e-log-")
            self._owned_log_dir = log_dir
        self.data_dir = data_dir
        self.log_path = os.path.join(log_dir, "server.log")
        self.args = list(args)
        self.env = env or {}
        self.admin_token = admin_token
        self.printed_token = None
        self.port = None
        self.proc = None
        self.stdout_lines = []   # every stdout line of every start
        self.responses = []      # (method, path, Response) of every call() made through us
        self.exit_codes = []
        self._reader = None
        self._lines = None

    # -- lifecycle --

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self, wait_until_serving=True):
        if self.proc is not None:
            raise ServerError("already running")
        cmd = [self.binary, "serve", "--data", self.data_dir, "--listen", f"{HOST}:0", *self.args]
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=log, env=clean_env(self.env))
        finally:
            log.close()
        self._lines = queue.Queue()
        self._reader = threading.Thread(target=self._read_stdout,
                                        args=(self.proc.stdout, self._lines), daemon=True)
        self._reader.start()
        self.printed_token = None
        self.port = None
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.port is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill9()
                raise ServerError(f"no 'listening on' line within {START_TIMEOUT_S}s")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:  # stdout closed: the process ended
                code = self.proc.wait(timeout=STOP_TIMEOUT_S)
                self.proc.stdout.close()  # the reader saw its end
                self.proc = None
                raise ServerError(f"latchkey serve exited with {code} before listening:\n"
                                  + self.read_log()[-4000:])
            if m := TOKEN_RE.match(line):
                self.printed_token = m.group(1)
                if self.admin_token is None:
                    self.admin_token = self.printed_token
            elif m := LISTENING_RE.match(line):
                self.port = int(m.group(1))
        if wait_until_serving:
            self._wait_until_serving(deadline)
        return self

    def _wait_until_serving(self, deadline):
        """One answered GET /healthz: the server's I/O loop (and its SIGTERM handler) runs.

        The "listening on" line is printed before the server installs its signal handlers
        (see test_bootstrap.SignalRightAfterListening); a stop that comes in between kills the
        process instead of stopping it gracefully. Tests that are not about that wait for one
        answer first.
        """
        remaining = max(0.1, deadline - time.monotonic())
        try:
            resp = http_call(self.port, "GET", "/healthz", timeout=remaining)
        except OSError as e:
            raise ServerError(f"latchkey printed its listening line but does not answer: {e}")
        if resp.status != 200:
            raise ServerError(f"GET /healthz answered {resp!r} right after start")

    def _read_stdout(self, stream, lines):
        for raw in stream:
            line = raw.decode("utf-8", "replace")
            self.stdout_lines.append(line)
            lines.put(line)
        lines.put(None)

    def _reap(self, timeout):
        proc = self.proc
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)
            self.proc = None
            raise ServerError(f"latchkey did not exit within {timeout}s of a signal")
        self._reader.join(timeout=STOP_TIMEOUT_S)
        proc.stdout.close()
        self.proc = None
        self.exit_codes.append(code)
        return code

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
        """Graceful stop: sends `sig`, waits (bounded) and returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        return self._reap(timeout)

    def kill9(self):
        """SIGKILL: no chance to flush or clean up. Returns the exit code (-9)."""
        if self.proc is None:
            return None
        self.proc.kill()
        return self._reap(STOP_TIMEOUT_S)

    def restart(self):
        """Stops gracefully if running, then starts again on the same data directory."""
        if self.proc is not None:
            code = self.stop()
            if code != 0:
                raise ServerError(f"latchkey exited with {code} on SIGTERM")
        return self.start()

    def close(self):
        try:
            if self.proc is not None:
                self.stop()
        finally:
            if self._owned_root:
                shutil.rmtree(self._owned_root, ignore_errors=True)
            elif self._owned_log_dir:
                shutil.rmtree(self._owned_log_dir, ignore_errors=True)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        return [line for line in self.read_log().splitlines() if line.strip()]

    # -- HTTP --

    def call(self, method, path, body=None, token=None, headers=None, raw_body=None,
             timeout=HTTP_TIMEOUT_S):
        """(status, headers, json-or-None) of one request; no credential unless `token`."""
        resp = http_call(self.port, method, path, body=body, token=token, headers=headers,
                         raw_body=raw_body, timeout=timeout)
        self.responses.append((method, path, resp))
        return resp

    def admin(self, method, path, body=None, headers=None):
        """A call with the admin token."""
        return self.call(method, path, body=body, token=self.admin_token, headers=headers)

    def verify(self, key=None, namespace=None, headers=None, **fields):
        """POST /v1/keys/verify; returns the JSON answer (asserting HTTP 200)."""
        body = dict(fields)
        if key is not None:
            body["key"] = key
        if namespace is not None:
            body["namespace"] = namespace
        resp = self.call("POST", "/v1/keys/verify", body=body, headers=headers)
        if resp.status != 200:
            raise AssertionError(f"verify answered {resp!r}")
        return resp.json

    def verify_code(self, key, namespace=None):
        return self.verify(key, namespace=namespace)["code"]

    # -- helpers that create things (each asserts success) --

    def _created(self, path, body, token=None):
        resp = self.call("POST", path, body=body, token=token or self.admin_token)
        if resp.status != 201:
            raise AssertionError(f"POST {path} {body!r} answered {resp!r}")
        return resp.json

    def root_namespace(self):
        who = self.admin("GET", "/v1/whoami")
        return who.json["principal"]["namespace"]

    def create_namespace(self, name=None, kind="organization", token=None, **fields):
        body = {"name": name or unique_name("ns"), "kind": kind, **fields}
        return self._created("/v1/namespaces", body, token)

    def create_principal(self, name=None, kind="service_account", token=None, **fields):
        body = {"name": name or unique_name("pr"), "kind": kind, **fields}
        return self._created("/v1/principals", body, token)

    def create_key(self, namespace=None, name=None, token=None, **fields):
        """A key (the create response, with `secret`); standard unless `type` says otherwise."""
        body = {"name": name or unique_name("key"), **fields}
        if namespace is not None:
            body["namespace"] = namespace
        return self._created("/v1/keys", body, token)

    def create_group(self, namespace, capabilities, members=(), name=None, token=None,
                     **fields):
        body = {"namespace": namespace, "name": name or unique_name("grp"),
                "capabilities": list(capabilities), "members": list(members), **fields}
        return self._created("/v1/groups", body, token)

    # -- CLI --

    def run_cli(self, *args, token=None, input=None, addr=None, env=None,
                timeout=CLI_TIMEOUT_S):
        """Runs `latchkey ARGS` with LATCHKEY_ADDR (and LATCHKEY_TOKEN when `token`) set."""
        return run_cli(*args, addr=addr or self.url, token=token, input=input, env=env,
                       timeout=timeout)


def run_cli(*args, addr=None, token=None, input=None, env=None, timeout=CLI_TIMEOUT_S):
    extra = dict(env or {})
    if addr is not None:
        extra["LATCHKEY_ADDR"] = addr
    if token is not None:
        extra["LATCHKEY_TOKEN"] = token
    return subprocess.run([find_binary(), *args], input=input, capture_output=True, text=True,
                          env=clean_env(extra), timeout=timeout)


def free_port():
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def recv_until_closed(sock, timeout, limit=1 << 20):
    """Reads until the peer closes (returns the bytes and True) or `timeout` passes (False)."""
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < limit:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return data, False
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


class SharedServerTestCase:
    """Mixin for a unittest.TestCase class whose tests share one server (setUpClass).

    `server_args` are extra `latchkey serve` options. tearDownClass stops the server with
    SIGTERM and checks it exits 0 (an ASan build reports leaks and errors through the code).
    """

    server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = LatchkeyServer(args=cls.server_args)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        server = cls.server
        try:
            code = server.stop()
            if code != 0:
                raise AssertionError(f"latchkey exited with {code} on SIGTERM; log tail:\n"
                                     + server.read_log()[-4000:])
        finally:
            server.close()
            super().tearDownClass()


def raw_exchange(port, data, timeout=15.0):
    """Sends raw bytes on a new connection and reads until the server closes it or `timeout`.

    A send that fails because the server already answered and closed (as it may for a body or
    headers over the limit) is tolerated: what the server sent before closing is still read.
    Returns (bytes answered, closed by the server).
    """
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        view = memoryview(data)
        try:
            while view:
                sent = sock.send(view[:65536])
                view = view[sent:]
        except OSError:  # EPIPE / ECONNRESET: the server answered early and closed
            pass
        try:
            return recv_until_closed(sock, timeout)
        except OSError:
            return b"", True


def parse_http_response(data):
    """(status, {lower-case header: value}, body bytes) of one raw HTTP/1.1 response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


# ---- PostgreSQL ------------------------------------------------------------------------------

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
PG_SCRIPT = os.path.join(REPO_ROOT, "scripts", "pg-test-cluster.sh")
PG_TIMEOUT_S = 120.0
PG_PORT_ATTEMPTS = 4
# With this set to 1 (ctest sets it: CI installs PostgreSQL), missing PostgreSQL binaries fail
# the tests that need them instead of skipping them.
REQUIRE_POSTGRES_ENV = "LATCHKEY_E2E_REQUIRE_POSTGRES"


def _psql_binary():
    for path in (os.path.join(PG_BIN, "psql"), shutil.which("psql")):
        if path and os.access(path, os.X_OK):
            return path
    return None


def postgres_unavailable():
    """Why no private PostgreSQL cluster can run here (a sentence), or None when one can."""
    for tool in ("initdb", "pg_ctl", "pg_isready", "postgres"):
        if not os.access(os.path.join(PG_BIN, tool), os.X_OK):
            return (f"PostgreSQL server binaries missing ({PG_BIN}/{tool}): install Debian's "
                    "postgresql package (scripts/install-deps.sh) or set PG_BIN")
    if _psql_binary() is None:
        return "psql missing: install Debian's postgresql-client (scripts/install-deps.sh)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return ("running as root, and there is no 'postgres' user to run the server as "
                    "(Debian's postgresql package creates it)")
    return None


def require_postgres():
    """Raises unittest.SkipTest when PostgreSQL cannot run here (an error when it must)."""
    reason = postgres_unavailable()
    if reason is None:
        return
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        raise RuntimeError(f"{REQUIRE_POSTGRES_ENV}=1 but {reason}")
    raise unittest.SkipTest(reason)


def _reachable_by_others(path):
    """True when every directory from / down to `path` lets other users through (o+x)."""
    path = os.path.abspath(path)
    while True:
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _cluster_parent_dir():
    """Where to create a cluster's directory. As root the server runs as `postgres`, which must
    be able to reach it: $TMPDIR when it can, else /tmp."""
    base = tempfile.gettempdir()
    if os.geteuid() != 0 or _reachable_by_others(base):
        return base
    if _reachable_by_others("/tmp"):
        return "/tmp"
    raise RuntimeError(f"the 'postgres' user cannot reach {base} or /tmp (no o+x on the way)")


def _port_answers(port):
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def unused_high_port(rng=random):
    """A port on 127.0.0.1 that nothing listens or answers on, chosen below the kernel's
    ephemeral range when there is room: processes binding port 0 (latchkey servers under test)
    then never take it while a test has PostgreSQL stopped."""
    low, high = 20000, 32767
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph_low, eph_high = (int(x) for x in f.read().split())
        if eph_low - 1 - low >= 1000:
            high = eph_low - 1
        elif 65535 - eph_high >= 1000:
            low, high = eph_high + 1, 65535
    except (OSError, ValueError):
        pass
    for _ in range(200):
        port = rng.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
        if not _port_answers(port):
            return port
    raise RuntimeError(f"no free port found in {low}..{high}")


class PostgresError(RuntimeError):
    pass


class PostgresCluster:
    """A private PostgreSQL 15 server on 127.0.0.1 (trust auth, user `postgres`), run through
    scripts/pg-test-cluster.sh in a temporary directory on a free high port.

    `start()` creates the cluster on first use, and afterwards starts it again on the same data
    and port; `stop()` stops the server (fast shutdown: connections are cut) keeping its data;
    `destroy()` stops it and removes everything. `url` is the `postgres` database's URL;
    `create_database()` makes a fresh, empty database and returns its URL. Also a context
    manager (start, destroy). Constructing one raises unittest.SkipTest when PostgreSQL cannot
    run here (see require_postgres).
    """

    def __init__(self):
        require_postgres()
        self.dir = None
        self.port = None
        self.running = False
        self._names = itertools.count(1)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.destroy()

    @property
    def url(self):
        return self.url_for("postgres")

    def url_for(self, database):
        if self.port is None:
            raise PostgresError("the cluster was never started")
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def _script(self, action, port=None):
        return subprocess.run([PG_SCRIPT, action, self.dir, str(port or self.port)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=PG_TIMEOUT_S)

    def start(self):
        if self.running:
            return self
        if self.dir is not None:
            done = self._script("restart")
            if done.returncode != 0:
                raise PostgresError(f"cannot restart PostgreSQL on port {self.port}:\n"
                                    + done.stderr + self.server_log()[-3000:])
            self.running = True
            return self
        self.dir = tempfile.mkdtemp(prefix="latchkey-pg-", dir=_cluster_parent_dir())
        errors = []
        for _ in range(PG_PORT_ATTEMPTS):  # another process may take the port first
            port = unused_high_port()
            done = self._script("start", port)
            if done.returncode == 0:
                self.port = port
                self.running = True
                return self
            errors.append(f"port {port}: {done.stderr.strip()}")
        self._script("stop", port)
        self.dir = None
        raise PostgresError("cannot start a PostgreSQL test cluster:\n" + "\n".join(errors))

    def stop(self):
        """Fast shutdown (clients are disconnected); the data stays for start()."""
        if not self.running:
            return
        done = self._script("halt")
        if done.returncode != 0:
            raise PostgresError(f"cannot stop PostgreSQL: {done.stderr}")
        self.running = False

    def destroy(self):
        """Stops the server and removes its directory. Safe to call twice."""
        if self.dir is None:
            return
        try:
            self._script("stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            self.running = False

    def server_log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def psql(self, sql, database="postgres"):
        """Runs `sql` with psql (stopping at the first error); returns its unaligned output."""
        cmd = [_psql_binary(), "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
               "-d", self.url_for(database), "-c", sql]
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=PG_TIMEOUT_S, env=clean_env({"PGCONNECT_TIMEOUT": "10"}))
        if done.returncode != 0:
            raise PostgresError(f"psql {sql!r} on {database}: {done.stderr.strip()}")
        return done.stdout

    def query(self, sql, database="postgres"):
        """The rows of one query, each a tuple of strings (NULL reads as '')."""
        out = self.psql(sql, database)
        return [tuple(line.split("\t")) for line in out.splitlines()]

    def create_database(self, name=None):
        """A new empty database (named `name`, else a unique name); returns its URL."""
        if name is None:
            name = f"e2e_{os.getpid()}_{next(self._names)}_{random.randrange(1 << 30):x}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name {name!r}: use [a-z_][a-z0-9_]*")
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url_for(name)


_shared_postgres = None
_shared_postgres_lock = threading.Lock()


def shared_postgres():
    """One PostgresCluster for the whole test process, started on first use and destroyed at
    exit: for tests that only need a database of their own (create_database()). A test that
    stops or restarts PostgreSQL makes its own PostgresCluster instead. Raises
    unittest.SkipTest when PostgreSQL cannot run here."""
    global _shared_postgres
    with _shared_postgres_lock:
        if _shared_postgres is None:
            cluster = PostgresCluster()
            cluster.start()
            atexit.register(cluster.destroy)
            _shared_postgres = cluster
        return _shared_postgres
