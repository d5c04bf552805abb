#!/usr/bin/env bash
# Packs pkg/ as npm would publish it, installs the tarball into an empty folder
# as a user would, and runs the JavaScript tests there (Node and Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
app=$repo/.tmp/app
rm -rf "$app" && mkdir -p "$app"
tgz=$(cd .tmp && npm pack "$repo/pkg" --silent | tail -1)
cd "$app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$repo/.tmp/$tgz" >/dev/null
cp "$repo"/tests/js/*.mjs "$repo"/tests/js/*.html "$repo"/tests/js/*.ts "$repo"/tests/js/tsconfig*.json "$app/"
cp "$repo"/examples/worker/src/uploads.js "$app/uploads.mjs"   # README's R2 uploader, run in workerd
cp "$repo"/sandbox/keys.mjs "$app/sandbox-keys.mjs"            # the sandbox's keys, one file for every test
export PLAYWRIGHT_CORE="$repo/node_modules/playwright-core/index.mjs"
export REPO="$repo"
export SANDBOX_BIN="${SANDBOX_BIN:-$repo/target/release/sandbox}"
node run.mjs "$@"
