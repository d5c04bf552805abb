#!/usr/bin/env bash
# Cargo's runner for wasm tests in a browser (see wasm-test-chromium.sh): the
# test page of the binary "$1", served by wasm-bindgen-test-runner on a free
# loopback port, run by Playwright's headless Chromium; the runner is stopped
# by its process id when the page has answered.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
log=$(mktemp)
# The runner writes the page's files under TMPDIR and, stopped, leaves them: its own, removed here.
files=$(mktemp -d)
TMPDIR="$files" NO_HEADLESS=1 WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$port" wasm-bindgen-test-runner "$@" > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$log" "$files"' EXIT
for _ in $(seq 1 200); do
  grep -q "available at" "$log" && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$log"
    grep -q "no tests to run" "$log" && exit 0   # a binary without tests ends at once
    exit 1
  fi
  sleep 0.1
done
grep -q "available at" "$log" || { echo "the test page was not served:"; cat "$log"; exit 1; }
node "$here/wasm-test-page.mjs" "http://127.0.0.1:$port"
