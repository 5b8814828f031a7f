#!/usr/bin/env bash
# Quickstart, command 1: install what is needed, build a release binary and start
# `latchkey serve` on the embedded SQLite default in ./data (listening on 127.0.0.1:8420).
# Extra arguments go to `latchkey serve` (e.g. --listen 0.0.0.0:8420).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target latchkey
exec build/release/src/latchkey serve --data "${LATCHKEY_DATA:-./data}" "$@"
