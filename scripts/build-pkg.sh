#!/usr/bin/env bash
# Builds the npm package into pkg/: two wasm modules (the server build with the
# client and createRouteHandler, and the browser build without them), one small
# entry per host (npm/*.mjs, *.cjs), and the types in every flavour resolvers ask
# for (.d.ts for CommonJS, .d.mts for ES modules, generated from npm/*.d.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"   # wasm-opt from npm's binaryen

command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run scripts/setup.sh" >&2; exit 1; }

stage=.tmp/wasm-pack
build() { # out-dir [cargo feature args...]
  local out=$1; shift
  wasm-pack --log-level warn build --mode no-install --release --target web \
    --out-dir "$stage/$out" --out-name gpt_image_edge --no-pack "$@"
}

# Panic locations name source files: keep build-machine paths out of the module.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src= --remap-path-prefix=$PWD=gpt-image-edge"

rm -rf pkg "$stage"
# One module for every server host (Workers, Next.js edge, Node, Deno, Bun):
# `gpt-image-edge` and `gpt-image-edge/route` are the same module there, so a
# program importing both loads it once.
# Each module is also kept as wasm-bindgen writes it before wasm-opt, with its
# name section: `make size` says from them where the code goes.
names() { wasm-bindgen --target web --out-dir "$stage/names-$1" target/wasm32-unknown-unknown/release/gpt_image_edge.wasm; }
build server --features route && names server
build browser --no-default-features && names browser  # browsers: no networking client, no key

# wasm-pack skips wasm-opt silently when it is missing: check that it ran
# (wasm-bindgen's output keeps a name section; the optimised module has none).
for f in "$stage"/{server,browser}/gpt_image_edge_bg.wasm; do
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

# Next.js runs edge code in a realm of its own and hands it a WebAssembly.Module
# compiled in another: `instanceof WebAssembly.Module` is false there, and the
# glue would try to compile the module again. Check the brand instead.
for d in server browser; do
  f="$stage/$d/gpt_image_edge.js"
  grep -q '!(module instanceof WebAssembly.Module)' "$f" || { echo "$f: the module check to patch is gone" >&2; exit 1; }
  sed -i 's/!(module instanceof WebAssembly\.Module)/!(Object.prototype.toString.call(module) === "[object WebAssembly.Module]")/' "$f"
done

mkdir -p pkg/dist/browser
# The wasm-bindgen glue, minified, with its snippets bundled in (one file), as
# an ES module and, for require(), as CommonJS. (wasm-bindgen imports one
# snippet module once per function: duplicate keys, same value. Its fallback
# URL (import.meta.url) is cut: the entries always pass the module, and bundlers
# must not copy an unused .wasm file.)
# npm/glue.mjs wraps it (npm/glue-server.mjs adds the server-only exports):
# requests cross as one JSON text written in JavaScript, and validateRequest
# and estimateCost answer plain requests without entering WebAssembly
# (npm/fast-path.mjs). It imports the snippets the generated module imports
# (the same files: bundled once).
glue() { # entry generated-module out format
  local entry=$1; shift
  local snippets
  snippets=$(echo "$(dirname "$1")"/snippets/gpt-image-edge-*/src)
  [ -f "$snippets/json.js" ] || { echo "no wasm-bindgen snippets beside $1" >&2; exit 1; }
  esbuild "$entry" --bundle --minify --format="$3" --platform=neutral --log-level=warning \
    --alias:wasm-bindgen-glue="./$1" --alias:wasm-bindgen-snippets="./$snippets" \
    --log-override:duplicate-object-key=silent --log-override:empty-import-meta=silent --define:import.meta.url=undefined \
    --outfile="$2"
}
glue npm/glue-server.mjs "$stage/server/gpt_image_edge.js" pkg/dist/glue.mjs esm
glue npm/glue-server.mjs "$stage/server/gpt_image_edge.js" pkg/dist/glue.cjs cjs
glue npm/glue.mjs "$stage/browser/gpt_image_edge.js" pkg/dist/browser/glue.mjs esm
cp "$stage/server/gpt_image_edge_bg.wasm" pkg/dist/
cp "$stage/browser/gpt_image_edge_bg.wasm" pkg/dist/browser/

# Node, Deno and Bun get the module's bytes inside the JavaScript: no file read
# at run time, so nothing for Turbopack or webpack to move or drop.
b64=$(base64 -w0 pkg/dist/gpt_image_edge_bg.wasm)
decode='typeof Uint8Array.fromBase64 == "function" ? Uint8Array.fromBase64(b) : Uint8Array.from(atob(b), (c) => c.charCodeAt(0))'
printf '// The WebAssembly module (gpt_image_edge_bg.wasm), base64.\nconst b = "%s";\nexport default %s;\n' "$b64" "$decode" > pkg/dist/wasm-bytes.mjs
printf '// The WebAssembly module (gpt_image_edge_bg.wasm), base64.\n"use strict";\nconst b = "%s";\nmodule.exports = %s;\n' "$b64" "$decode" > pkg/dist/wasm-bytes.cjs

cp npm/node.mjs npm/node.cjs npm/workerd.mjs npm/edge-light.mjs npm/browser.mjs npm/init.mjs npm/init.cjs pkg/dist/
# gpt-image-edge/ai imports gpt-image-edge by name, so it shares the host's module.
cp npm/ai.js pkg/dist/ai.mjs
# gpt-image-edge/cloudflare likewise (Workers only: it imports cloudflare:workers).
cp npm/cloudflare.js pkg/dist/cloudflare.mjs
esbuild npm/cloudflare.js --format=cjs --platform=neutral --log-level=warning --outfile=pkg/dist/cloudflare.cjs
esbuild npm/ai.js --format=cjs --platform=neutral --log-level=warning --outfile=pkg/dist/ai.cjs

# Types: the names taken from the Rust core (provider ids, models, fields and
# their values, error and issue codes, route events) are generated from it;
# npm/*.d.ts import them. They serve CommonJS as they are (this package is
# "commonjs"), and are copied as .d.mts for ES modules with their relative
# imports pointing at the .d.mts files.
cargo run --quiet -p gpt-image-core --example typescript > "$stage/generated.d.ts"
for t in generated common index browser route init ai cloudflare; do
  src="npm/$t.d.ts"; [ "$t" = generated ] && src="$stage/generated.d.ts"
  cp "$src" "pkg/$t.d.ts"
  sed -E 's#(["'\''])\./(index|route|init|common|generated|browser)\.js\1#\1./\2.mjs\1#g' "$src" > "pkg/$t.d.mts"
done
cp npm/wasm.d.ts pkg/

cp npm/package.json pkg/package.json
cp README.md pkg/README.md
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync("pkg/package.json", "utf8"));
  p.version = process.argv[1];
  fs.writeFileSync("pkg/package.json", JSON.stringify(p, null, 2) + "\n");
' "$version"
echo "pkg/ built (version $version)"
