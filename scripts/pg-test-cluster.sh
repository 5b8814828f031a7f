#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for tests (issue 7): never the system one on 5432.
#
#   scripts/pg-test-cluster.sh start DIR PORT   # initdb in DIR/data, listen on 127.0.0.1:PORT
#   scripts/pg-test-cluster.sh stop DIR PORT    # stop it (fast shutdown) and remove DIR
#   scripts/pg-test-cluster.sh halt DIR PORT    # stop it (fast shutdown), keeping DIR
#   scripts/pg-test-cluster.sh restart DIR PORT # start the cluster in DIR again (after `halt`)
#
# `halt` and `restart` let a test take the server away and bring it back with the same data on
# the same port (tests/e2e/harness.py, PostgresCluster): `halt` of a stopped cluster does
# nothing; `restart` of a running one fails, as does `restart` of a DIR with no cluster in it.
# Like `start`, `restart` prints the connection URL once the server accepts connections.
#
# The cluster trusts every local connection (user "postgres", no password), listens on
# 127.0.0.1 only, keeps its socket in DIR (nothing in /var/run) and runs with fsync off: it is
# for tests, its data is disposable. On success `start` prints the connection URL, e.g.
# postgresql://postgres@127.0.0.1:55432/postgres (ctest passes it to the tests as
# LATCHKEY_TEST_POSTGRES_URL).
#
# initdb and postgres refuse to run as root. Run as root, the script hands DIR to the `postgres`
# system user (created by Debian's postgresql package) and runs the server tools as that user
# with runuser; run as anyone else, it runs them as that user. The binaries are PostgreSQL 15's
# (/usr/lib/postgresql/15/bin, Debian's `postgresql` package), or PG_BIN.
set -euo pipefail

usage() { echo "usage: $0 start|stop|halt|restart DIR PORT" >&2; exit 2; }
(($# == 3)) || usage
action=$1 dir=$2 port=$3
[[ $port =~ ^[0-9]+$ ]] || usage
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
data="$dir/data"

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "pg-test-cluster: no 'postgres' user to run as (install postgresql)" >&2
    exit 1
  fi
  as_owner=(runuser -u postgres --)
fi
run() { "${as_owner[@]}" "$@"; }

halt() {
  if [ -f "$data/postmaster.pid" ]; then
    run "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

stop() {
  halt
  rm -rf "$dir"
}

require_tools() {
  for tool in initdb pg_ctl pg_isready; do
    if [ ! -x "$PG_BIN/$tool" ]; then
      echo "pg-test-cluster: $PG_BIN/$tool missing (install postgresql)" >&2
      exit 1
    fi
  done
}

require_free_port() {
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    echo "pg-test-cluster: something already answers on 127.0.0.1:$port; choose another port" >&2
    exit 1
  fi
}

# Starts the server on the cluster in $data and prints its URL once it accepts connections.
launch() {
  local options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off"
  options+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
  run "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -o "$options" -w -t 60 start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  for _ in $(seq 1 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    sleep 0.1
  done
  echo "pg-test-cluster: the server did not become ready; see $dir/server.log" >&2
  exit 1
}

start() {
  require_tools
  stop  # a cluster left behind by an interrupted run
  require_free_port
  mkdir -p "$dir"
  [ ${#as_owner[@]} -eq 0 ] || chown postgres: "$dir"
  run "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  launch
}

restart() {
  require_tools
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "pg-test-cluster: no cluster in $dir (run start first)" >&2
    exit 1
  fi
  if [ -f "$data/postmaster.pid" ] && run "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "pg-test-cluster: the cluster in $dir is already running" >&2
    exit 1
  fi
  require_free_port
  launch
}

case $action in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  restart) restart ;;
  *) usage ;;
esac
