#!/usr/bin/env bash
# The demo: validate and price a request through the packed npm package.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
app=$repo/.tmp/demo
rm -rf "$app" && mkdir -p "$app"
tgz=$(cd .tmp && npm pack "$repo/pkg" --silent | tail -1)
(cd "$app" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$repo/.tmp/$tgz" >/dev/null)
cp examples/validate-and-price.mjs "$app/"
cd "$app" && node validate-and-price.mjs
