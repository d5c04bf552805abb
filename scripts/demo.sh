#!/usr/bin/env bash
# The demo: start the sandbox, generate an image through the packed npm package
# in Node, save it under out/, print provider, cost, time and requests, stop.
# With GPT_IMAGE_API_KEY (and GPT_IMAGE_PROVIDER) set, it talks to the real provider.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
app=$repo/.tmp/demo
rm -rf "$app" && mkdir -p "$app" "$repo/out" .tmp/logs
tgz=$(cd .tmp && npm pack "$repo/pkg" --silent 2>/dev/null | tail -1)
(cd "$app" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$repo/.tmp/$tgz" >/dev/null 2>&1)
cp examples/demo.mjs "$app/"
cp sandbox/keys.mjs "$app/sandbox-keys.mjs"

if [ -n "${GPT_IMAGE_API_KEY:-}" ]; then
  cd "$app" && OUT_DIR="$repo/out" node demo.mjs
else # the sandbox on a free loopback port, for as long as the demo runs
  cargo build --release -q -p sandbox
  cd "$app" && OUT_DIR="$repo/out" node "$repo/sandbox/start.mjs" --log "$repo/.tmp/logs/demo-sandbox.log" \
    --time-scale "${DEMO_TIME_SCALE:-1}" -- node demo.mjs
fi
