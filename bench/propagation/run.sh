#!/usr/bin/env bash
# Propagation benchmark (issue 7, DESIGN §8: "a revoke on one node is refused by every other node
# within 1 s"; docs/benchmarks.md §6): two `latchkey serve` nodes on one private PostgreSQL
# cluster; KEYS revocations through node A, each followed by polling node B's verify until it
# answers REVOKED, and, as the baseline in the same run, KEYS revocations through A watched on A
# itself (bench/propagation/driver.py). Prints p50/p90/p99/max and misses.
#
#   bench/propagation/run.sh [LATCHKEY_BINARY]     (default: build/release/src/latchkey)
#
# Builds nothing. Needs PostgreSQL 15's server binaries (Debian's postgresql; PG_BIN to point
# elsewhere) and python3. As root the cluster runs as the `postgres` user
# (scripts/pg-test-cluster.sh). Change propagation uses LISTEN/NOTIFY, with the change log polled
# every 500 ms as the fallback. NOTIFY=off measures the polling path alone: the nodes connect as a
# role that may not call pg_notify, as on an engine without it, which latchkey detects at start-up.
#
# Environment (defaults): KEYS=300 (revocations per mode) TIMEOUT=5 (s before a key counts as a
# miss) WARMUP=10 BUDGET=90 (s of measuring at most) PG_PORT=18700 THREADS=1 (--threads of each
# node), NOTIFY=on. KEEP=1 keeps the temporary directory (node logs, PostgreSQL log). Everything it starts is
# stopped, and the cluster and temporary directory removed, on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LATCHKEY=$(realpath "${1:-$ROOT/build/release/src/latchkey}")
KEYS=${KEYS:-300}
TIMEOUT=${TIMEOUT:-5}
WARMUP=${WARMUP:-10}
BUDGET=${BUDGET:-90}
PG_PORT=${PG_PORT:-18700}
THREADS=${THREADS:-1}
PG_SCRIPT=$ROOT/scripts/pg-test-cluster.sh

die() { echo "run.sh: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 missing"
[[ -x "$LATCHKEY" ]] || die "no latchkey binary at $LATCHKEY (build the release preset first)"

WORK=$(mktemp -d /tmp/latchkey-propagation-bench.XXXXXX)
chmod 711 "$WORK"  # as root, the cluster's `postgres` user must reach $WORK/pg
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$PG_SCRIPT" stop "$WORK/pg" "$PG_PORT" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
URL=$("$PG_SCRIPT" start "$WORK/pg" "$PG_PORT") || die "cannot start PostgreSQL on port $PG_PORT"
echo "== PostgreSQL $("${PG_BIN:-/usr/lib/postgresql/15/bin}/postgres" --version | awk '{print $3}') at $URL"
if [[ "${NOTIFY:-on}" == off ]]; then
  psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c "CREATE ROLE latchkey_poll LOGIN" \
    -c "GRANT CREATE ON SCHEMA public TO latchkey_poll" \
    -c "REVOKE EXECUTE ON FUNCTION pg_notify(text, text) FROM PUBLIC" >/dev/null
  URL=${URL/postgres@/latchkey_poll@}
  echo "== NOTIFY=off: nodes connect as latchkey_poll, which may not call pg_notify (polling only)"
fi

start_node() {  # $1: name -> prints the node's URL
  local dir=$WORK/$1
  "$LATCHKEY" serve --store "$URL" --data "$dir" --listen 127.0.0.1:0 --threads "$THREADS" \
    --log-level "${LATCHKEY_LOG_LEVEL:-warn}" >"$WORK/$1.out" 2>"$WORK/$1.log" &
  PIDS+=($!)
  for _ in $(seq 300); do grep -q "listening on" "$WORK/$1.out" 2>/dev/null && break; sleep 0.1; done
  grep -q "listening on" "$WORK/$1.out" || die "node $1 did not start: $(tail -5 "$WORK/$1.log")"
}
start_node a
TOKEN=$(grep -o 'lk_[A-Za-z0-9_]*' "$WORK/a.out" | head -1)
[[ -n "$TOKEN" ]] || die "node a printed no admin token"
mkdir -m 700 "$WORK/b"
cp -p "$WORK/a/pepper" "$WORK/b/pepper"  # every node shares the pepper
start_node b
A_URL=$(grep -o 'http://[0-9.:]*' "$WORK/a.out" | head -1)
B_URL=$(grep -o 'http://[0-9.:]*' "$WORK/b.out" | head -1)
echo "== nodes: A $A_URL, B $B_URL (--threads $THREADS, --log-level ${LATCHKEY_LOG_LEVEL:-warn}); $LATCHKEY"

python3 "$HERE/driver.py" --a "$A_URL" --b "$B_URL" --token "$TOKEN" --keys "$KEYS" \
  --timeout "$TIMEOUT" --warmup "$WARMUP" --budget "$BUDGET"
echo "== load average now $(cut -d' ' -f1-3 /proc/loadavg)"
