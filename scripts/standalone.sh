#!/usr/bin/env bash
# The repository stands alone: no tracked file may refer to a folder beside
# it (a user's clone has nothing there). Prints the offending lines.
set -uo pipefail
cd "$(dirname "$0")/.."
pattern='\.\./(\.\./)*shared|/work/shared'
if hits=$(git grep -n -E "$pattern" -- . ':!scripts/standalone.sh'); then
  echo "tracked files refer to a folder outside the repository:"
  echo "$hits"
  exit 1
fi
echo "no tracked file refers to a folder beside the repository"
