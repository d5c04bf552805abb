#!/usr/bin/env bash
# Prints the size of the Cloudflare Workers build (the wasm plus every JS file it
# loads: entry, glue, snippets), raw and gzipped, and fails above the limit.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT_GZ=${SIZE_LIMIT_GZ:-81920}   # bytes, gzipped (80 KB)
[ -f pkg/web/gpt_image_edge_bg.wasm ] || ./scripts/build-pkg.sh >/dev/null

gz() { gzip -9 -c "$1" | wc -c; }
files=(pkg/workerd.js pkg/web/gpt_image_edge.js $(find pkg/web/snippets -name '*.js' | sort) pkg/web/gpt_image_edge_bg.wasm)
raw_total=0; gz_total=0
printf '%-62s %9s %9s\n' "Workers build (gpt-image-edge, workerd condition)" raw gzip
for f in "${files[@]}"; do
  r=$(stat -c%s "$f"); g=$(gz "$f")
  raw_total=$((raw_total + r)); gz_total=$((gz_total + g))
  printf '  %-60s %9d %9d\n' "${f#pkg/}" "$r" "$g"
done
printf '  %-60s %9d %9d\n' "total" "$raw_total" "$gz_total"
printf '  %-60s %9s %9d\n' "limit" "" "$LIMIT_GZ"
if [ "$gz_total" -gt "$LIMIT_GZ" ]; then
  echo "FAIL: the Workers build is $gz_total bytes gzipped, over the $LIMIT_GZ limit" >&2
  exit 1
fi
echo "ok: $gz_total bytes gzipped ($(( (LIMIT_GZ - gz_total) )) under the limit)"
