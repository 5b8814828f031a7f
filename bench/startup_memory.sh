#!/usr/bin/env bash
# Start-up time and resident memory per loaded key (DESIGN §8: <= 3 s to serve with 1 M keys in
# the store; <= 256 bytes per loaded key at 1 M keys). See docs/benchmarks.md.
#
#   bench/startup_memory.sh [LATCHKEY_BINARY]      (default: build/release/src/latchkey)
#
# Builds nothing. Seeds KEYS keys into a temporary data directory with latchkey_seed and
# initializes a second, empty one with `latchkey init`. Then, RUNS times, for each directory:
# starts `latchkey serve` (default options, as a user would), measures the wall time from exec
# to the "listening on" line on its stdout, the CPU time (user + system) the server used until
# then, reads VmRSS and VmHWM from /proc/PID/status once it listens, and stops it. Reports the medians, the "index loaded" log line, and
#   bytes per key = (median RSS with KEYS keys - median RSS empty) / (keys loaded difference).
# The store is read from a warm page cache (it was just written), as on a restart.
# Everything it starts is stopped, and the temporary directory removed, on exit.
#
# Environment (defaults): KEYS=1000000 RUNS=5 LATCHKEY_SEED=<bin dir>/../bench/latchkey_seed
# TMPDIR=/tmp (needs ~1 GB free at 1 M keys) KEEP=1 keeps the temporary directory.
# DATA=DIR measures an already seeded data directory instead of seeding one (it is not removed),
# e.g. to compare two builds on the same store.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LATCHKEY=$(realpath "${1:-$ROOT/build/release/src/latchkey}")
SEED=${LATCHKEY_SEED:-$(dirname "$LATCHKEY")/../bench/latchkey_seed}
KEYS=${KEYS:-1000000}
RUNS=${RUNS:-5}
TMP=${TMPDIR:-/tmp}

die() { echo "startup_memory.sh: $*" >&2; exit 1; }

[[ -x "$LATCHKEY" ]] || die "no latchkey binary at $LATCHKEY (build the release preset first)"
[[ -x "$SEED" ]] || die "no latchkey_seed at $SEED (ninja -C build/release latchkey_seed)"
[[ -n "${EPOCHREALTIME:-}" ]] || die "needs bash >= 5 (EPOCHREALTIME)"
need_kb=$(( KEYS / 1000 * 1000 + 100000 ))  # ~490 bytes per key on disk, with room to spare
free_kb=$(df -Pk "$TMP" | awk 'NR == 2 { print $4 }')
(( free_kb > need_kb )) || die "$TMP has $((free_kb / 1024)) MB free; needs ~$((need_kb / 1024)) MB"

WORK=$(mktemp -d "$TMP/latchkey-startup-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n "${DATA:-}" ]]; then
  FULL=$(realpath "$DATA")
  echo "== using the seeded data directory $FULL"
else
  FULL=$WORK/full
  echo "== seeding $KEYS keys into $FULL"
  "$SEED" --data "$FULL" --keys "$KEYS" >/dev/null 2>"$WORK/seed.log" ||
    die "seeding failed: $(cat "$WORK/seed.log")"
  cat "$WORK/seed.log"
fi
echo "   store on disk: $(du -sh "$FULL" | cut -f1)"
"$LATCHKEY" init --data "$WORK/empty" --json >/dev/null || die "latchkey init failed"

# Starts a server on `dir`, waits for "listening on" (at most 120 s), records
# "name seconds rss_kb hwm_kb index_keys index_ms cpu_seconds" in $WORK/results, and stops the
# server.
measure() {
  local name=$1 dir=$2
  local fifo="$WORK/stdout.fifo" log="$WORK/$1.log" line started ready
  rm -f "$fifo"
  mkfifo "$fifo"
  started=$EPOCHREALTIME
  "$LATCHKEY" serve --data "$dir" --listen 127.0.0.1:0 >"$fifo" 2>"$log" &
  SERVER_PID=$!
  exec 3<"$fifo"
  ready=""
  while IFS= read -r -t 120 -u 3 line; do
    if [[ "$line" == *"listening on"* ]]; then ready=$EPOCHREALTIME; break; fi
  done
  [[ -n "$ready" ]] || die "$name: no 'listening on' line within 120 s; see $log"
  local rss hwm cpu
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$SERVER_PID/stat")
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
  exec 3<&-
  local loaded
  loaded=$(grep -m1 '"index loaded"' "$log") || die "$name: no 'index loaded' log line"
  awk -v name="$name" -v s="$started" -v r="$ready" -v rss="$rss" -v hwm="$hwm" -v line="$loaded" \
      -v cpu="$cpu" '
    BEGIN {
      match(line, /"keys":[0-9]+/); keys = substr(line, RSTART + 7, RLENGTH - 7)
      match(line, /"ms":[0-9]+/); ms = substr(line, RSTART + 5, RLENGTH - 5)
      printf "%-6s %8.3f %10d %10d %9d %7d %6.2f\n", name, r - s, rss, hwm, keys, ms, cpu
    }' | tee -a "$WORK/results"
  echo "$loaded" >"$WORK/$name.loaded"
}

echo "== $RUNS runs each: latchkey serve --data DIR --listen 127.0.0.1:0 (default options)"
printf "%-6s %8s %10s %10s %9s %7s %6s\n" store start_s rss_kb peak_kb keys load_ms cpu_s
for _ in $(seq "$RUNS"); do
  measure full "$FULL"
  measure empty "$WORK/empty"
done

# Median of column `col` over the rows named `name`.
median() {
  awk -v name="$1" -v col="$2" '$1 == name { print $col }' "$WORK/results" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "== index loaded (last run): $(cat "$WORK/full.loaded")"
awk -v t="$(median full 2)" -v te="$(median empty 2)" -v rss="$(median full 3)" \
    -v rss0="$(median empty 3)" -v hwm="$(median full 4)" -v hwm0="$(median empty 4)" \
    -v keys="$(median full 5)" -v keys0="$(median empty 5)" -v ms="$(median full 6)" \
    -v cpu="$(median full 7)" 'BEGIN {
  per_key = (rss - rss0) * 1024 / (keys - keys0)
  peak_per_key = (hwm - hwm0) * 1024 / (keys - keys0)
  printf "start-up with %d keys: median %.3f s (empty store %.3f s; index load %d ms; %.2f s CPU)  bar <= 3 s: %s\n",
         keys, t, te, ms, cpu, (t <= 3 ? "PASS" : "FAIL")
  printf "resident memory: %.1f MB with %d keys, %.1f MB empty -> %.0f bytes per key  bar <= 256: %s\n",
         rss / 1024, keys, rss0 / 1024, per_key, (per_key <= 256 ? "PASS" : "FAIL")
  printf "peak resident (VmHWM): %.1f MB vs %.1f MB empty -> %.0f bytes per key during start-up\n",
         hwm / 1024, hwm0 / 1024, peak_per_key
}'
echo "== load average now $(cut -d' ' -f1-3 /proc/loadavg)"
