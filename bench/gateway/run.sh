#!/usr/bin/env bash
# Gateway benchmark (issue 5, docs/benchmarks.md §5): requests/s of nginx + auth_request ->
# latchkey /v1/gateway/check in front of a static file, against the same nginx with an
# auth_request to a trivial authorizer (an nginx server answering 204), in the same run.
# nginx (one worker) and latchkey (--threads 1) share CPU SERVER_CPU; wrk runs on CLIENT_CPU.
#
#   bench/gateway/run.sh [LATCHKEY_BINARY]     (default: build/release/src/latchkey)
#
# Environment (defaults): DURATION=10 CONNECTIONS=32 ROUNDS=3 SERVER_CPU=0 CLIENT_CPU=1
# BASE_PORT=18600 (uses BASE_PORT..BASE_PORT+3). Everything is stopped and removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LATCHKEY=$(realpath "${1:-$ROOT/build/release/src/latchkey}")
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18600}
FRONT_LK=$BASE_PORT FRONT_TRIVIAL=$((BASE_PORT + 1)) TRIVIAL=$((BASE_PORT + 2))

die() { echo "run.sh: $*" >&2; exit 1; }
for tool in nginx wrk taskset curl python3; do command -v "$tool" >/dev/null || die "$tool missing"; done
[[ -x "$LATCHKEY" ]] || die "no latchkey binary at $LATCHKEY (build the release preset first)"

WORK=$(mktemp -d /tmp/latchkey-gateway-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
cat >"$WORK/latchkey.toml" <<TOML
[gateway]
default = "allow"
TOML
taskset -c "$SERVER_CPU" "$LATCHKEY" serve --data "$WORK/data" --listen 127.0.0.1:0 --threads 1 \
  --log-level "${LATCHKEY_LOG_LEVEL:-warn}" --config "$WORK/latchkey.toml" >"$WORK/latchkey.out" 2>"$WORK/latchkey.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q "listening on" "$WORK/latchkey.out" 2>/dev/null && break; sleep 0.1; done
LK_URL=$(grep -o 'http://[0-9.:]*' "$WORK/latchkey.out" | head -1)
TOKEN=$(grep -o 'lk_[A-Za-z0-9_]*' "$WORK/latchkey.out" | head -1)
[[ -n "$LK_URL" && -n "$TOKEN" ]] || die "latchkey did not start: $(cat "$WORK/latchkey.log")"
NS=$(curl -fs -H "Authorization: Bearer $TOKEN" -d '{"name":"bench","kind":"application"}' \
  "$LK_URL/v1/namespaces" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
KEY=$(curl -fs -H "Authorization: Bearer $TOKEN" -d "{\"name\":\"gw\",\"namespace\":\"$NS\"}" \
  "$LK_URL/v1/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

mkdir -p "$WORK/www" "$WORK/nginx"
echo '{"ok":true}' >"$WORK/www/index.json"
chmod 755 "$WORK" "$WORK/www" && chmod 644 "$WORK/www/index.json"  # nginx's worker reads it
check_location() {  # $1: upstream, $2: path on it
  cat <<NGX
        location = /_check {
            internal;
            proxy_pass http://$1$2;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
            proxy_set_header X-Original-Method \$request_method;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
NGX
}
cat >"$WORK/nginx/nginx.conf" <<NGX
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    upstream latchkey { server ${LK_URL#http://}; keepalive 64; }
    upstream trivial { server 127.0.0.1:$TRIVIAL; keepalive 64; }
    server { listen 127.0.0.1:$TRIVIAL; location / { return 204; } }
    server {
        listen 127.0.0.1:$FRONT_LK;
        root $WORK/www;
        location / { auth_request /_check; }
$(check_location latchkey /v1/gateway/check)
    }
    server {
        listen 127.0.0.1:$FRONT_TRIVIAL;
        root $WORK/www;
        location / { auth_request /_check; }
$(check_location trivial /)
    }
}
NGX
taskset -c "$SERVER_CPU" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' \
  >"$WORK/nginx/stdout" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$FRONT_TRIVIAL/index.json" && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$FRONT_LK/index.json")
[[ "$code" == 200 ]] || die "the latchkey-guarded path answers $code, not 200"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FRONT_LK/index.json")
[[ "$code" == 401 ]] || die "without a key the guarded path answers $code, not 401"

run() {  # $1 label, $2 port, $3 seconds -> requests/s
  taskset -c "$CLIENT_CPU" timeout $(($3 + 30)) wrk -t1 -c"$CONNECTIONS" -d"${3}s" \
    -H "Authorization: Bearer $KEY" "http://127.0.0.1:$2/index.json" >"$WORK/wrk.$1" 2>&1
  grep -qE 'Non-2xx|Socket errors' "$WORK/wrk.$1" && echo "warning: $1: $(grep -E 'Non-2xx|Socket errors' "$WORK/wrk.$1" | xargs)" >&2
  awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.$1"
}
run warm-trivial "$FRONT_TRIVIAL" 2 >/dev/null
run warm-latchkey "$FRONT_LK" 2 >/dev/null
echo "== wrk -t1 -c$CONNECTIONS -d${DURATION}s; nginx + latchkey on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"
: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
  t=$(run trivial "$FRONT_TRIVIAL" "$DURATION"); echo "trivial-authorizer $t" | tee -a "$WORK/results"
  l=$(run latchkey "$FRONT_LK" "$DURATION"); echo "latchkey-gateway $l" | tee -a "$WORK/results"
done
median() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/results" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
T=$(median trivial-authorizer); L=$(median latchkey-gateway)
awk -v t="$T" -v l="$L" 'BEGIN { printf "== medians: trivial authorizer %s, latchkey %s requests/s: ratio %.2f (target >= 0.70: %s)\n", t, l, l / t, (l / t >= 0.7 ? "PASS" : "FAIL") }'
echo "== load average now $(cut -d' ' -f1-3 /proc/loadavg)"
