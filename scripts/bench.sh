#!/usr/bin/env bash
# Benchmarks (not tests): validateRequest timing, polling efficiency against
# the sandbox, the route's CPU per request, wasm size, and the sandbox's load test.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cargo build --release -q -p sandbox
app=$repo/.tmp/bench
rm -rf "$app" && mkdir -p "$app"
tgz=$(cd .tmp && npm pack "$repo/pkg" --silent 2>/dev/null | tail -1)
(cd "$app" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$repo/.tmp/$tgz" >/dev/null 2>&1)
cp bench/*.mjs "$app/"
echo "== size"; ./scripts/size.sh
echo; echo "== validateRequest from JS (Node $(node --version))"; (cd "$app" && node validate.mjs)
echo; echo "== polling"; (cd "$app" && SANDBOX_BIN="$repo/target/release/sandbox" node polling.mjs)
echo; echo "== createRouteHandler CPU per request (workerd, Node $(node --version))"
(cd "$app" && REPO="$repo" SANDBOX_BIN="$repo/target/release/sandbox" node route-cpu.mjs)
if [ "${BENCH_LOAD:-1}" = 1 ]; then echo; echo "== sandbox load"; cargo run --release -q -p sandbox --example load; fi
