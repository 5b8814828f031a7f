#!/usr/bin/env bash
# Runs the browser test (cors_test.mjs; see its header and docs/restrictions.md). Installs the
# one npm package it needs, playwright-core, exactly as package-lock.json pins it, when
# node_modules is missing or was installed from another lock file. Needs node, npm and
# /usr/bin/chromium (scripts/install-deps.sh). Environment: LATCHKEY_BIN (the binary under test),
# BROWSER_TEST_OUT (where the screenshots and the server's log go), CHROMIUM_BIN.
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "browser-test: $tool not found (run scripts/install-deps.sh)" >&2
    exit 1
  fi
done

# Several build directories may run this at once; one npm ci at a time in this source tree.
stamp=node_modules/.latchkey-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
exec 9>"${TMPDIR:-/tmp}/latchkey-browser-npm.lock"
flock -w 300 9
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "browser-test: npm ci (playwright-core from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
flock -u 9

exec node cors_test.mjs
