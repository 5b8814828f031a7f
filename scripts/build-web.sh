#!/usr/bin/env bash
# Builds the web console (web/) into the directory $1 for embedding (src/CMakeLists.txt calls
# this): `npm ci` when web/node_modules was not installed from the current package-lock.json,
# then Vite. Several build directories may run it at once: one at a time per source tree.
set -euo pipefail
out=$(realpath -m "$1")
cd "$(dirname "$0")/../web"
exec 9>"${TMPDIR:-/tmp}/latchkey-web-build.lock"
flock -w 600 9
stamp=node_modules/.latchkey-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "build-web: npm ci (web/package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
npx --no-install vite build --outDir "$out" --emptyOutDir --logLevel warn
