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

if [ -z "${GPT_IMAGE_API_KEY:-}" ]; then
  cargo build --release -q -p sandbox
  rm -f .tmp/demo-sandbox.in && mkfifo .tmp/demo-sandbox.in
  ./target/release/sandbox --addr 127.0.0.1:0 --time-scale "${DEMO_TIME_SCALE:-1}" --exit-on-stdin-eof \
    < .tmp/demo-sandbox.in > .tmp/logs/demo-sandbox.log 2>&1 &
  pid=$!
  exec 7> .tmp/demo-sandbox.in
  trap 'exec 7>&-; kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do grep -q '^listening on' .tmp/logs/demo-sandbox.log && break; sleep 0.1; done
  export SANDBOX_URL=$(sed -n 's/^listening on //p' .tmp/logs/demo-sandbox.log | head -1)
  [ -n "$SANDBOX_URL" ] || { echo "the sandbox did not start" >&2; cat .tmp/logs/demo-sandbox.log >&2; exit 1; }
fi
cd "$app" && OUT_DIR="$repo/out" node demo.mjs
