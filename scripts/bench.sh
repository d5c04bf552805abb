#!/usr/bin/env bash
# Benchmarks (not tests): gpt-image-edge beside its peers in one table
# (bench/compare.mjs; docs/performance.md says what each row measures). The
# peers come from npm at the versions pinned in bench/peers/package-lock.json,
# installed into .tmp/peers. BENCH_EXTRA=1 adds the route's CPU per request,
# the Workers build size and the sandbox's own load test.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cargo build --release -q -p sandbox

peers=$repo/.tmp/peers
if ! cmp -s bench/peers/package-lock.json "$peers/package-lock.json" || ! cmp -s bench/peers/package.json "$peers/package.json" \
  || [ ! -f "$peers/node_modules/.package-lock.json" ]; then
  echo "== npm ci of the peers (bench/peers) into .tmp/peers" >&2
  rm -rf "$peers" && mkdir -p "$peers"
  cp bench/peers/package.json bench/peers/package-lock.json "$peers/"
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

app=$repo/.tmp/bench
rm -rf "$app" && mkdir -p "$app"
tgz=$(cd .tmp && npm pack "$repo/pkg" --silent 2>/dev/null | tail -1)
(cd "$app" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$repo/.tmp/$tgz" >/dev/null 2>&1)
cp bench/*.mjs "$app/"
cp sandbox/keys.mjs "$app/sandbox-keys.mjs"
(cd "$app" && REPO="$repo" PEERS="$peers" SANDBOX_BIN="$repo/target/release/sandbox" \
  PLAYWRIGHT_CORE="$repo/node_modules/playwright-core/index.mjs" node compare.mjs)

if [ "${BENCH_EXTRA:-0}" = 1 ]; then
  echo; echo "== size"; ./scripts/size.sh
  echo; echo "== createRouteHandler CPU per request (workerd, Node $(node --version))"
  (cd "$app" && REPO="$repo" SANDBOX_BIN="$repo/target/release/sandbox" node route-cpu.mjs)
  echo; echo "== sandbox load"; cargo run --release -q -p sandbox --example load
fi
