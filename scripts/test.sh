#!/usr/bin/env bash
# Runs every test layer and ends with one summary. A layer fails if its
# runner fails or reports zero tests (a runner that ran nothing proves nothing).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p .tmp/logs

declare -a names counts states
total_passed=0
failed_layers=0

# layer NAME COMMAND...: runs it, logs its output, counts passed/failed tests.
layer() {
  local name=$1; shift
  local log=".tmp/logs/${name// /-}.log"
  printf '\n==> %s\n' "$name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # cargo/wasm-bindgen-test: "test result: ok. N passed; M failed"; ours: "N passed, M failed".
  local passed failed
  passed=$(grep -oE '([0-9]+) passed' "$log" | awk '{s+=$1} END {print s+0}')
  failed=$(grep -oE '([0-9]+) failed' "$log" | awk '{s+=$1} END {print s+0}')
  local state=ok
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then state=FAILED; fi
  if [ "$passed" -eq 0 ] && [ "${COUNTLESS:-0}" != 1 ]; then state="FAILED (no tests ran)"; fi
  [ "$state" = ok ] || failed_layers=$((failed_layers + 1))
  names+=("$name"); counts+=("$passed"); states+=("$state")
  total_passed=$((total_passed + passed))
}

check() { # a step without tests to count (lint, build)
  local name=$1; shift
  printf '\n==> %s\n' "$name"
  if "$@"; then names+=("$name"); counts+=("-"); states+=("ok")
  else names+=("$name"); counts+=("-"); states+=("FAILED"); failed_layers=$((failed_layers + 1)); fi
}

wasm_test() { # run the wasm test binaries in Node, or in Chromium with BROWSER=1
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown -p gpt-image-edge --tests "$@"
}

check "format" cargo fmt --all -- --check
check "clippy native" cargo clippy --workspace --all-targets -- -D warnings
check "clippy wasm" cargo clippy --target wasm32-unknown-unknown -p gpt-image-edge --all-targets -- -D warnings
check "clippy wasm (browser build)" cargo clippy --target wasm32-unknown-unknown -p gpt-image-edge --no-default-features -- -D warnings
layer "native tests" cargo test --workspace
layer "wasm tests in Node" wasm_test
layer "wasm tests in Chromium" env WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p gpt-image-edge --tests
check "npm package" ./scripts/build-pkg.sh
layer "package tests (Node, Chromium)" ./scripts/test-js.sh package.test.mjs browser.test.mjs

printf '\n==> summary\n'
for i in "${!names[@]}"; do
  printf '  %-34s %6s  %s\n' "${names[$i]}" "${counts[$i]}" "${states[$i]}"
done
if [ "$failed_layers" -eq 0 ]; then
  echo "$total_passed passed, 0 failed"
  exit 0
fi
echo "$total_passed passed, $failed_layers layers failed"
exit 1
