#!/usr/bin/env bash
# Prints the size of the Cloudflare Workers build (the wasm plus every JS file
# it loads: entry and glue), raw and gzipped, and fails above the limit. It is
# one build for `gpt-image-edge` and `gpt-image-edge/route` (ImageClient,
# validation, prices, wire formats and createRouteHandler). Measured gzipped:
# 92,286 bytes before createRouteHandler gained principals, limits and bounded
# body parsing, then up to 125,520, and 105,605 once the route read bodies with
# the host's JSON parser. Then OpenAI's partial-image streaming (server-sent
# events read as they arrive) and answers read by the core's parser with the
# host's number reader (the same meaning natively and in WebAssembly) brought
# it to 117,131. The route's event stream (server-sent events with heartbeats,
# about 3 KB) and validation crossing once each way with a JavaScript fast path
# for plain valid requests, less what those changes saved (the field-by-field
# conversion gone, wasm-opt --converge), bring it to 121,301. Validation at
# half the allocations and the request crossing as one text written in
# JavaScript (+1.1 KB) were paid for by searching text by byte instead of
# the general char-pattern searchers, join and replace (-1.1 KB): 121,425;
# the limit was a little above that, 121,450. Issue 19 (the key hidden in every
# form an upstream can write it, estimates never below the bill, the route's
# kept idempotent answers, reports, webhook memory and browser-context checks)
# brought it to 136,992 (see docs/decisions.md). Issue 20 (providers as
# modules behind a trait, models with their own values and tariffs, base URLs
# with paths, extra headers, a caller's fetch, one error class) to 143,217.
# Issue 21 (Azure OpenAI and OpenRouter: two modules, provider settings and
# APIs chosen by a setting, OpenAI's answer shape shared) to 149,506. Issue 22's
# Replicate (its module; a lost prediction found again in its listing; Standard
# Webhooks read by the core and checked by WebCrypto; RFC 3339 times both ways)
# to 156,273. fal (its module, the result fetched after the status, Ed25519
# webhooks read by the core and checked by WebCrypto) to 160,821, after a float
# formatted with `{}` was written with the host's number text instead (-11 KB).
# Issue 23's OpenAI-compatible endpoints (OpenAI's parameters, answers, errors
# and event stream, an answer that waits for a job, multipart edits) to 171,101:
# mostly the async code of the new paths. Issue 24's durable jobs (the route's
# `jobs` and `budget`: reserve, create, read a job's record, serve its images
# from R2, follow it on the event stream, `usage`) to 179,727. Issue 25: the
# route's body read by the core's parser and the one bounded reader, collect()
# for a hand-written helper, to 178,822; one image sniffer (the core's) to
# 178,966. estimateCost's per-image prices answered in JavaScript (+0.6 KB):
# 179,731; 179,733 with the estimate's words kept per tariff entry (179,741
# with costFromUsage among the wire formats). The limit
# at least 2 KB above that (issue 25's target, 100,000, is far below; the levers
# measured and not taken are in docs/decisions.md):
#   181,800 bytes
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT_GZ=${SIZE_LIMIT_GZ:-181800}
# The browser build (page script and wasm), measured at 81,833 bytes; 50,562
# once pages got only validation, prices and descriptions (no wire formats or
# webhook checks, and no provider's wire code kept alive by a vtable in its
# spec); 50,572 with the estimate's words kept per tariff entry; 48,826 once
# costFromUsage (the price of an answer's usage, which only a server sees)
# went with the wire formats. Its limit at least 2 KB above that. Issue 25's
# target is 30,000.
BROWSER_LIMIT_GZ=${BROWSER_SIZE_LIMIT_GZ:-50900}
[ -f pkg/dist/gpt_image_edge_bg.wasm ] || ./scripts/build-pkg.sh >/dev/null

gz() { gzip -9 -c "$1" | wc -c; }
raw_total=0 gz_total=0
printf '%-62s %9s %9s\n' "Workers build: gpt-image-edge and gpt-image-edge/route" raw gzip
for f in pkg/dist/workerd.mjs pkg/dist/glue.mjs pkg/dist/gpt_image_edge_bg.wasm; do
  r=$(stat -c%s "$f"); g=$(gz "$f")
  raw_total=$((raw_total + r)); gz_total=$((gz_total + g))
  printf '  %-60s %9d %9d\n' "${f#pkg/}" "$r" "$g"
done
printf '  %-60s %9d %9d  (limit %d)\n' "total" "$raw_total" "$gz_total" "$LIMIT_GZ"
# What each provider costs: its module's code in the server module (before
# wasm-opt, from the name section build-pkg.sh keeps; tariffs and specs are data).
names=.tmp/wasm-pack/names-server/gpt_image_edge_bg.wasm
if [ -f "$names" ]; then
  echo "  each provider module's code (core/src/providers/*.rs, before wasm-opt):"
  python3 scripts/wasm-sizes.py "$names" --modules \
    $(ls core/src/providers | sed -n 's/\.rs$//p' | grep -v '^mod$')
fi

# The browser build as a page bundles it: esbuild with the `browser` condition,
# an entry importing validateRequest and estimateCost, plus the .wasm it fetches.
work=.tmp/size-browser
rm -rf "$work" && mkdir -p "$work/node_modules"
ln -s "$PWD/pkg" "$work/node_modules/gpt-image-edge"
printf '%s\n' 'import { estimateCost, validateRequest } from "gpt-image-edge";' \
  'const r = { prompt: "A lighthouse at dusk", quality: "low" };' \
  'console.log(validateRequest("openai", r).ok, estimateCost("openai", r).usd);' > "$work/entry.mjs"
(cd "$work" && "$OLDPWD/node_modules/.bin/esbuild" entry.mjs --bundle --minify --format=esm \
  --platform=browser --conditions=browser --outfile=out/page.js --log-level=error)
b_js_raw=$(stat -c%s "$work/out/page.js"); b_js_gz=$(gz "$work/out/page.js")
b_wasm=pkg/dist/browser/gpt_image_edge_bg.wasm
b_wasm_raw=$(stat -c%s "$b_wasm"); b_wasm_gz=$(gz "$b_wasm")
b_total=$((b_js_gz + b_wasm_gz))
printf '\n%-62s %9s %9s\n' "Browser build: validateRequest and estimateCost in a page" raw gzip
printf '  %-60s %9d %9d\n' "page.js (esbuild, browser condition)" "$b_js_raw" "$b_js_gz"
printf '  %-60s %9d %9d\n' "${b_wasm#pkg/}" "$b_wasm_raw" "$b_wasm_gz"
printf '  %-60s %9d %9d  (limit %d)\n' "total" "$((b_js_raw + b_wasm_raw))" "$b_total" "$BROWSER_LIMIT_GZ"
# Where the browser module's code goes, by area (before wasm-opt).
names=.tmp/wasm-pack/names-browser/gpt_image_edge_bg.wasm
if [ -f "$names" ]; then
  echo "  its code by area (before wasm-opt):"
  python3 scripts/wasm-sizes.py "$names" --areas
fi

failed=0
if [ "$gz_total" -gt "$LIMIT_GZ" ]; then
  echo "FAIL: the Workers build is $gz_total bytes gzipped, over the $LIMIT_GZ limit" >&2
  failed=1
fi
if [ "$b_total" -gt "$BROWSER_LIMIT_GZ" ]; then
  echo "FAIL: the browser build is $b_total bytes gzipped, over the $BROWSER_LIMIT_GZ limit" >&2
  failed=1
fi
[ "$failed" = 0 ] || exit 1
echo "  ok: Workers $((LIMIT_GZ - gz_total)) bytes under its limit, browser $((BROWSER_LIMIT_GZ - b_total)) under its"
