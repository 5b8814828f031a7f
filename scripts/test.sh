#!/usr/bin/env bash
# Quickstart, command 2: the whole test suite, as CI runs it.
#   1. unit tests (GoogleTest) and end-to-end tests (the real binary over HTTP and the CLI,
#      including the kill -9 durability test) and the browser test (headless Chromium,
#      tests/browser), all against a build with AddressSanitizer + UBSan;
#   2. the libFuzzer targets, each for a bounded time, from their seed corpora.
# Environment: FUZZ_SECONDS (default 60 per target), SKIP_FUZZ=1 to skip step 2.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== build (asan + ubsan)"
cmake --preset asan >/dev/null
cmake --build --preset asan

echo "== unit and end-to-end tests"
ctest --test-dir build/asan --output-on-failure --timeout 1200

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing (${FUZZ_SECONDS:-60}s per target)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz --target fuzzers
  for fuzzer in build/fuzz/fuzz/*_fuzz; do
    name=$(basename "$fuzzer" _fuzz)
    corpus=$(mktemp -d)
    cp -r "fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
    echo "-- $name"
    "$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=8192 -timeout=10 \
      -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
    rm -rf "$corpus"
  done
fi
echo "== all tests passed"
