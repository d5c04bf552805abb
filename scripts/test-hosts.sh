#!/usr/bin/env bash
# Tests the packed package where users put it. The hosts (Next.js, Vite,
# wrangler, Deno, Bun, Node 22/24/26) are installed once under .tmp/hosts from
# tests/hosts/package.json and its lockfile (again only when they change); the
# tarball from `npm pack pkg` is installed there as a user installs it; then the
# test files named on the command line run (tests/hosts/*.test.mjs).
#   scripts/test-hosts.sh runtimes.test.mjs nextjs.test.mjs ...
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
hosts=$repo/.tmp/hosts
mkdir -p "$hosts"

lock=$(cat tests/hosts/package.json tests/hosts/package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$hosts/.installed" 2>/dev/null)" != "$lock" ]; then
  echo "installing the hosts (tests/hosts/package-lock.json) under .tmp/hosts"
  rm -rf "$hosts/node_modules" "$hosts/.pkg"
  cp tests/hosts/package.json tests/hosts/package-lock.json "$hosts/"
  (cd "$hosts" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock" > "$hosts/.installed"
fi

# The package as npm would publish it, installed (not linked) when it changed.
[ -f pkg/package.json ] || ./scripts/build-pkg.sh
rm -f "$hosts"/gpt-image-edge-*.tgz
tgz=$(npm pack "$repo/pkg" --silent --pack-destination "$hosts" | tail -1)
mv "$hosts/$tgz" "$hosts/gpt-image-edge.tgz"
sum=$(sha256sum "$hosts/gpt-image-edge.tgz" | cut -d' ' -f1)
if [ "$(cat "$hosts/.pkg" 2>/dev/null)" != "$sum" ] || [ ! -d "$hosts/node_modules/gpt-image-edge" ]; then
  (cd "$hosts" && npm install --no-save --no-audit --no-fund --loglevel=error ./gpt-image-edge.tgz)
  echo "$sum" > "$hosts/.pkg"
fi
rm -rf "$hosts/smoke" && cp -r tests/hosts/smoke "$hosts/smoke" && cp sandbox/keys.mjs "$hosts/smoke/sandbox-keys.mjs"

export REPO="$repo"
export PLAYWRIGHT_CORE="$repo/node_modules/playwright-core/index.mjs"
export SANDBOX_BIN="${SANDBOX_BIN:-$repo/target/release/sandbox}"
exec node tests/hosts/run.mjs "$@"
