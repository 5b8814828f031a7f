#!/usr/bin/env python3
"""Propagation benchmark driver (issue 7, DESIGN §8 "a revoke on one node is refused by every
other node within 1 s"; run by bench/propagation/run.sh, docs/benchmarks.md §6).

Creates 2 x KEYS standard keys through node A and waits until node B verifies all of them. Then,
one key at a time, alternating between two modes so that drift on a shared machine hits both
alike:
  cross  revoke through A, then poll B's POST /v1/keys/verify as fast as one keep-alive
         connection allows until it answers REVOKED;
  same   the baseline: revoke through A, then poll A itself (A applies a revoke before it
         answers, so this is one verification's round trip).
For each revocation: t0 just before the revoke request is sent to A, t1 when A's answer has been
read, t_seen when the first REVOKED answer has been read. A key not seen revoked within TIMEOUT
seconds is a miss. Prints p50, p90, p99 and max of t_seen - t0 and t_seen - t1 for both modes.

Only the Python standard library. Times are time.perf_counter() in this one process.
"""

import argparse
import http.client
import json
import sys
import time
from urllib.parse import urlsplit


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, base_url, token=None):
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, body=None):
        raw = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=raw, headers=self.headers)
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, (json.loads(data) if data else None)

    def created(self, path, body):
        status, answer = self.call("POST", path, body)
        if status != 201:
            raise SystemExit(f"driver: POST {path} answered {status}: {answer}")
        return answer


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def summary(label, values_s):
    ms = sorted(v * 1000 for v in values_s)
    if not ms:
        return f"{label:<34} (no samples)"
    return (f"{label:<34} p50 {percentile(ms, 50):8.2f}  p90 {percentile(ms, 90):8.2f}  "
            f"p99 {percentile(ms, 99):8.2f}  max {ms[-1]:8.2f} ms  (n={len(ms)})")


def revoke_and_watch(admin_a, watcher, key, timeout_s):
    """(t_seen - t0, t_seen - t1, polls) of one revocation, or None when not seen in time."""
    path = f"/v1/keys/{key['id']}/revoke"
    t0 = time.perf_counter()
    status, answer = admin_a.call("POST", path)
    t1 = time.perf_counter()
    if status != 200 or answer.get("status") != "revoked":
        raise SystemExit(f"driver: revoke answered {status}: {answer}")
    polls = 0
    while True:
        _, verdict = watcher.call("POST", "/v1/keys/verify", {"key": key["secret"]})
        t_seen = time.perf_counter()
        polls += 1
        if verdict["code"] == "REVOKED":
            return t_seen - t0, t_seen - t1, polls
        if verdict["code"] != "VALID":
            raise SystemExit(f"driver: verify answered {verdict}")
        if t_seen - t0 > timeout_s:
            return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", required=True, help="node A's base URL")
    parser.add_argument("--b", required=True, help="node B's base URL")
    parser.add_argument("--token", required=True, help="the admin token")
    parser.add_argument("--keys", type=int, default=300, help="revocations per mode")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before a miss")
    parser.add_argument("--warmup", type=int, default=10, help="revocations per mode not counted")
    parser.add_argument("--budget", type=float, default=90.0,
                        help="stop measuring after this many seconds (what was done is reported)")
    args = parser.parse_args()

    admin_a = Client(args.a, args.token)
    on_a, on_b = Client(args.a), Client(args.b)
    total = args.keys + args.warmup
    ns = admin_a.created("/v1/namespaces", {"name": f"propagation-{time.time_ns()}",
                                            "kind": "application"})
    started = time.perf_counter()
    keys = [admin_a.created("/v1/keys", {"name": f"k{i}", "namespace": ns["id"]})
            for i in range(2 * total)]
    created_s = time.perf_counter() - started
    # Every key must verify on B before any revocation is timed.
    deadline = time.perf_counter() + 30
    for key in keys:
        while on_b.call("POST", "/v1/keys/verify", {"key": key["secret"]})[1]["code"] != "VALID":
            if time.perf_counter() > deadline:
                raise SystemExit("driver: B did not see the created keys within 30 s")
    print(f"== {len(keys)} keys created through A in {created_s:.1f}s; all verify on B")

    results = {"cross": [], "same": []}
    misses = {"cross": 0, "same": 0}
    polls = {"cross": [], "same": []}
    measure_started = time.perf_counter()
    stopped_early = False
    for i in range(total):
        if time.perf_counter() - measure_started > args.budget:
            stopped_early = True
            break
        for mode, watcher, key in (("cross", on_b, keys[2 * i]), ("same", on_a, keys[2 * i + 1])):
            outcome = revoke_and_watch(admin_a, watcher, key, args.timeout)
            if i < args.warmup:
                continue
            if outcome is None:
                misses[mode] += 1
            else:
                results[mode].append(outcome[:2])
                polls[mode].append(outcome[2])
    measured_s = time.perf_counter() - measure_started

    print(f"== {len(results['cross']) + misses['cross']} revocations per mode after "
          f"{args.warmup} warm-up ones, in {measured_s:.1f}s"
          + (" (stopped at the time budget)" if stopped_early else ""))
    for mode, title in (("same", "baseline: revoke on A, poll A"),
                        ("cross", "revoke on A, poll B")):
        rows = results[mode]
        print(f"-- {title}: misses {misses[mode]} (not seen within {args.timeout:g}s), "
              f"polls per revocation median {sorted(polls[mode])[len(polls[mode]) // 2] if polls[mode] else 0}")
        print(summary("  seen - before revoke sent (t0)", [r[0] for r in rows]))
        print(summary("  seen - revoke answered (t1)", [r[1] for r in rows]))
    cross = sorted(r[0] for r in results["cross"])
    after_a = sorted(r[1] for r in results["cross"])
    floor = sorted(r[1] for r in results["same"])
    if cross and floor:
        print(f"== B refuses a revoked key {1000 * percentile(after_a, 50):.2f} ms (p50), "
              f"{1000 * percentile(after_a, 99):.2f} ms (p99) after A answered the revoke; A "
              f"itself {1000 * percentile(floor, 50):.2f} / {1000 * percentile(floor, 99):.2f} ms "
              f"(one verification's round trip: the floor)")
        p99 = percentile(cross, 99) if not misses["cross"] else float("inf")
        print(f"== from before the revoke was sent: p99 {1000 * p99:.1f} ms, max "
              f"{1000 * cross[-1]:.1f} ms, misses {misses['cross']}: issue 7 target "
              f"p99 < 1 s: {'PASS' if p99 < 1.0 else 'FAIL'}")
    return 0 if cross and not misses["cross"] else 1


if __name__ == "__main__":
    sys.exit(main())
