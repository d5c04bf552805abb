#!/usr/bin/env bash
# Shared code asks a provider for capabilities, never which one it is: no
# provider named (an id, a registry constant) or compared outside its own
# module (core/src/providers) and the registry. Comments, and Rust unit tests
# (below `#[cfg(test)]`), may name providers: they test shared code on one. Prints
# what it finds; fails when it finds anything.
set -uo pipefail
cd "$(dirname "$0")/.."
# The registry's ids (`id: "..."` in each module) and constants (`pub const X: Provider`).
ids=$(grep -ho '^    id: "[a-z0-9]*"' core/src/providers/*.rs | sed -E 's/.*"(.*)"/\1/' | paste -sd'|')
consts=$(grep -ho '^pub const [A-Z0-9_]*: Provider' core/src/providers/mod.rs | awk '{print $3}' | tr -d ':' | paste -sd'|')
[ -n "$ids" ] && [ -n "$consts" ] || { echo "no providers found in the registry"; exit 1; }
pattern="providers::($consts)\b|\"($ids)\""
found=$(git grep -nE "$pattern" -- core/src src npm www ':!core/src/providers' ':!npm/package.json' |
  while IFS=: read -r file line rest; do
    [[ "$rest" =~ ^[[:space:]]*(//|\*|/\*) ]] && continue   # documentation, not code
    if [[ "$file" == *.rs ]]; then
      tests=$(grep -n '^#\[cfg(test)\]' "$file" | head -1 | cut -d: -f1)
      [ -n "$tests" ] && [ "$line" -gt "$tests" ] && continue
    fi
    echo "$file:$line:$rest"
  done)
if [ -n "$found" ]; then
  echo "provider identity outside core/src/providers:"; echo "$found"; exit 1
fi
echo "no provider is named or compared outside core/src/providers and the registry"
