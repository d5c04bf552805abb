#!/usr/bin/env bash
# The wasm test binaries in headless Chromium. Cargo runs each binary through
# scripts/wasm-test-page.sh: wasm-bindgen-test-runner serves the binary's test
# page (its interactive mode), and Playwright's Chromium opens it through a
# proxy that gives each file a connection of its own (see wasm-test-page.mjs:
# the runner's server hangs when idle keep-alive connections hold all its
# threads, which is what made the runner's own WebDriver session hang before
# the first test, wasm-pack issue #783).
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_USE_BROWSER=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$PWD/scripts/wasm-test-page.sh"
export PLAYWRIGHT_CORE="$PWD/node_modules/playwright-core/index.mjs"
cargo test --target wasm32-unknown-unknown -p gpt-image-edge --tests
