#!/usr/bin/env bash
# Runs the browser tests, each against its own `latchkey serve`: cors_test.mjs (cross-origin
# verify, docs/restrictions.md), then console_test.mjs (the web console, docs/console.md). Both
# run; the exit status is 1 when either failed. Installs the one npm package they need,
# playwright-core, exactly as package-lock.json pins it, when node_modules is missing or was
# installed from another lock file. Needs node, npm and /usr/bin/chromium
# (scripts/install-deps.sh). Environment: LATCHKEY_BIN (the binary under test),
# BROWSER_TEST_OUT (where the screenshots and the servers' logs go), CHROMIUM_BIN, and
# LATCHKEY_CONSOLE_DIR: serve the console from this directory instead of the binary's embedded
# copy (when it is web/dist, it is built from web/ first, with scripts/build-web.sh).
set -euo pipefail
if [ -n "${LATCHKEY_CONSOLE_DIR:-}" ]; then
  LATCHKEY_CONSOLE_DIR=$(realpath -m "$LATCHKEY_CONSOLE_DIR")  # relative to where we were called
  export LATCHKEY_CONSOLE_DIR
fi
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

if [ -n "${LATCHKEY_CONSOLE_DIR:-}" ]; then
  console_dir=$LATCHKEY_CONSOLE_DIR
  if [ "$console_dir" = "$(realpath -m ../../web/dist)" ]; then
    echo "browser-test: building web/ into $console_dir"
    ../../scripts/build-web.sh "$console_dir"
  fi
  if [ ! -f "$console_dir/index.html" ]; then
    echo "browser-test: LATCHKEY_CONSOLE_DIR=$LATCHKEY_CONSOLE_DIR has no index.html" >&2
    exit 1
  fi
fi

failed=()
node cors_test.mjs || failed+=(cors_test.mjs)
node console_test.mjs || failed+=(console_test.mjs)
if [ ${#failed[@]} -gt 0 ]; then
  echo "browser-test: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "browser-test: all passed"
