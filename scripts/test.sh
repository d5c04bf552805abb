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
  local log=".tmp/logs/${name//[ \/]/-}.log"
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

# The wasm test binaries run against one sandbox on a fixed loopback port (the
# test build reads SANDBOX_URL at compile time), started before the command and
# stopped after it by sandbox/start.mjs: with_sandbox LOG-NAME COMMAND...
SANDBOX_PORT=${SANDBOX_PORT:-47653}
with_sandbox() {
  node sandbox/start.mjs --log ".tmp/logs/sandbox-$1.log" --addr "127.0.0.1:$SANDBOX_PORT" --time-scale 0.02 -- "${@:2}"
}

check "stands alone (reads nothing beside the clone)" ./scripts/standalone.sh
check "no provider named outside its module" ./scripts/provider-identity.sh
check "format" cargo fmt --all -- --check
check "clippy native" cargo clippy --workspace --all-targets -- -D warnings
check "clippy wasm" cargo clippy --target wasm32-unknown-unknown -p gpt-image-edge --features route --all-targets -- -D warnings
check "clippy wasm (browser build)" cargo clippy --target wasm32-unknown-unknown -p gpt-image-edge --no-default-features -- -D warnings
layer "native tests" cargo test --workspace
check "sandbox for the wasm tests" cargo build --release -p sandbox
layer "wasm tests in Node" with_sandbox node env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p gpt-image-edge --tests
layer "wasm tests in Chromium" with_sandbox chromium ./scripts/wasm-test-chromium.sh
check "npm package" ./scripts/build-pkg.sh
check "size of the Workers build" ./scripts/size.sh
layer "package tests (Node, Chromium, tsc)" ./scripts/test-js.sh package.test.mjs validate-agreement.test.mjs browser.test.mjs types.test.mjs fal-types.test.mjs
layer "client e2e in Node" ./scripts/test-js.sh e2e-node.test.mjs billing.test.mjs keyleak.test.mjs inputs.test.mjs
layer "client e2e in workerd" ./scripts/test-js.sh e2e-workerd.test.mjs
layer "route handler in Node and workerd" ./scripts/test-js.sh route-node.test.mjs route-workerd.test.mjs threats-node.test.mjs threats-workerd.test.mjs
layer "transport, models, errors in Node and workerd" ./scripts/test-js.sh transport-node.test.mjs transport-workerd.test.mjs
layer "queue providers: signed webhooks, lost submits found again" ./scripts/test-js.sh queues.test.mjs
layer "the route as OpenAI's Images API, called by OpenAI's clients" ./scripts/test-js.sh openai-compat.test.mjs openai-compat-workerd.test.mjs
layer "requests judged by Prism mocks of the vendors' documents" ./scripts/test-js.sh prism.test.mjs
layer "billed <= estimate, random requests" ./scripts/test-js.sh billing-property.test.mjs
layer "AI SDK provider in Node and workerd" ./scripts/test-js.sh ai-node.test.mjs ai-workerd.test.mjs
layer "the example Worker and the page against make dev; the sandbox starter" ./scripts/test-js.sh worker-example.test.mjs www.test.mjs sandbox-start.test.mjs

# Where users build: the packed tarball installed into the pinned hosts
# (scripts/test-hosts.sh installs them once under .tmp/hosts).
rm -f .tmp/hosts/table.tsv
layer "types (attw, publint), README" ./scripts/test-hosts.sh types.test.mjs readme.test.mjs
layer "Node 20-26, Deno, Bun" ./scripts/test-hosts.sh runtimes.test.mjs
layer "Next.js (Turbopack, webpack)" ./scripts/test-hosts.sh nextjs.test.mjs
layer "Vite" ./scripts/test-hosts.sh vite.test.mjs
layer "Worker (wrangler)" ./scripts/test-hosts.sh worker.test.mjs
layer "Hono (Node, Workers)" ./scripts/test-hosts.sh hono.test.mjs
layer "SvelteKit (adapter-node, adapter-cloudflare)" ./scripts/test-hosts.sh sveltekit.test.mjs
layer "Astro (@astrojs/node)" ./scripts/test-hosts.sh astro.test.mjs
layer "React Router (framework mode)" ./scripts/test-hosts.sh react-router.test.mjs
layer "Nuxt (node-server, cloudflare_module)" ./scripts/test-hosts.sh nuxt.test.mjs
layer "durable jobs (wrangler dev --persist-to, SIGKILL)" ./scripts/test-hosts.sh jobs.test.mjs
if [ -s .tmp/hosts/table.tsv ]; then
  printf '\n==> hosts: what ran, and the sizes the tools reported\n'
  (printf 'host\tversion\twhat ran\tsizes\n'; cat .tmp/hosts/table.tsv) | column -t -s $'\t'
fi

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
