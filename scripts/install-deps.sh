#!/usr/bin/env bash
# Installs the Debian 12 packages latchkey needs to build, test and benchmark. Idempotent:
# does nothing when everything is already installed. Run as root (or with sudo).
# The browser test's npm package (playwright-core) is installed by tests/browser/run.sh.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libsodium-dev
  libpq-dev postgresql
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 nginx-light wrk curl procps util-linux
  chromium fonts-liberation
)
# tests/browser drives Chromium with Node.js and npm. A machine that already has them (for
# instance from NodeSource, whose nodejs provides npm) keeps its own; a bare one gets Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# nginx-light starts a system nginx on port 80; latchkey's tests and benchmarks run their own.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
$SUDO pkill -x nginx 2>/dev/null || true
echo "install-deps: done"
