#!/usr/bin/env bash
# Builds the npm package into pkg/: the wasm for each target with wasm-pack,
# the entry points for Node, browsers and Cloudflare Workers, and the types.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"   # wasm-opt from npm's binaryen

command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run scripts/setup.sh" >&2; exit 1; }

build() { # target out-dir [cargo feature args...]
  local target=$1 out=$2; shift 2
  wasm-pack --log-level warn build --mode no-install --release --target "$target" \
    --out-dir "pkg/$out" --out-name gpt_image_edge --no-pack "$@"
  rm -f "pkg/$out/.gitignore" "pkg/$out/package.json"
}

# Panic locations name source files: keep build-machine paths out of the module.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src= --remap-path-prefix=$PWD=gpt-image-edge"

rm -rf pkg
build web web                                  # Workers and ES-module runtimes: the client
build web route --features route               # the same plus createRouteHandler (gpt-image-edge/route)
build nodejs node --features route             # Node: everything (size matters less there)
build web browser --no-default-features        # browsers: no networking client, no key

# Each folder says how Node should read its .js files.
echo '{ "type": "module" }' > pkg/web/package.json
echo '{ "type": "module" }' > pkg/route/package.json
echo '{ "type": "module" }' > pkg/browser/package.json
echo '{ "type": "commonjs" }' > pkg/node/package.json

# Minify the JavaScript glue (wasm-bindgen writes it for reading, not shipping).
# The nodejs target requires its snippets, so they become CommonJS there.
minify() { # file format
  # (wasm-bindgen imports one snippet module once per function: duplicate keys, same value)
  esbuild "$1" --minify --format="$2" --log-level=warning --log-override:duplicate-object-key=silent \
    --outfile="$1.min" && mv "$1.min" "$1"
}
for d in web route browser; do
  minify "pkg/$d/gpt_image_edge.js" esm
  while IFS= read -r f; do minify "$f" esm; done < <(find "pkg/$d/snippets" -name '*.js' 2>/dev/null)
done
minify pkg/node/gpt_image_edge.js cjs
while IFS= read -r f; do minify "$f" cjs; done < <(find pkg/node/snippets -name '*.js' 2>/dev/null)


cp npm/package.json npm/index.d.ts npm/route.d.ts npm/ai.js npm/ai.d.ts npm/browser.js npm/workerd.js npm/full.js \
  npm/route-workerd.js npm/route-full.js pkg/
cp README.md pkg/README.md
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync("pkg/package.json", "utf8"));
  p.version = process.argv[1];
  fs.writeFileSync("pkg/package.json", JSON.stringify(p, null, 2) + "\n");
' "$version"

# wasm-pack skips wasm-opt silently when it is missing: check that it ran
# (wasm-bindgen's output keeps a name section; the optimised module has none).
for f in pkg/*/gpt_image_edge_bg.wasm; do
  python3 - "$f" <<'PY' || { echo "wasm-opt did not run on $f" >&2; exit 1; }
import sys
b = open(sys.argv[1], "rb").read()
def leb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7F) << s; s += 7
        if x < 0x80: return r, i
i = 8
while i < len(b):
    sid = b[i]; size, j = leb(i + 1)
    if sid == 0:
        n, k = leb(j)
        if b[k:k + n] == b"name": sys.exit(1)
    i = j + size
PY
done
echo "pkg/ built (version $version)"
