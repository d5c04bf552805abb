#!/usr/bin/env bash
# Prints the size of the Cloudflare Workers builds (the wasm plus every JS file
# it loads: entry, glue, snippets), raw and gzipped, and fails above the limits:
#   gpt-image-edge        (ImageClient, validation, prices, wire formats)  90,000 bytes
#   gpt-image-edge/route  (the same plus createRouteHandler)              108,000 bytes
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT_GZ=${SIZE_LIMIT_GZ:-90000}
ROUTE_LIMIT_GZ=${ROUTE_SIZE_LIMIT_GZ:-108000}
[ -f pkg/web/gpt_image_edge_bg.wasm ] || ./scripts/build-pkg.sh >/dev/null

gz() { gzip -9 -c "$1" | wc -c; }
failed=0
report() { # title entry dir limit
  local title=$1 entry=$2 dir=$3 limit=$4 raw_total=0 gz_total=0
  local files=("pkg/$entry" "pkg/$dir/gpt_image_edge.js" $(find "pkg/$dir/snippets" -name '*.js' | sort) "pkg/$dir/gpt_image_edge_bg.wasm")
  printf '%-62s %9s %9s\n' "$title" raw gzip
  for f in "${files[@]}"; do
    local r g
    r=$(stat -c%s "$f"); g=$(gz "$f")
    raw_total=$((raw_total + r)); gz_total=$((gz_total + g))
    printf '  %-60s %9d %9d\n' "${f#pkg/}" "$r" "$g"
  done
  printf '  %-60s %9d %9d  (limit %d)\n' "total" "$raw_total" "$gz_total" "$limit"
  if [ "$gz_total" -gt "$limit" ]; then
    echo "FAIL: $title is $gz_total bytes gzipped, over the $limit limit" >&2; failed=1
  else
    echo "  ok: $((limit - gz_total)) bytes under the limit"
  fi
}
report "Workers build: gpt-image-edge" workerd.js web "$LIMIT_GZ"
report "Workers build: gpt-image-edge/route" route-workerd.js route "$ROUTE_LIMIT_GZ"
exit "$failed"
