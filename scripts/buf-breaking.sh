#!/usr/bin/env bash
# buf breaking against main: on a branch, against main's tip; on main itself,
# against the previous commit (so a change landing on main is checked too).
# A base without any .proto files (the first contracts commit) has nothing to
# break and is reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."
branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo HEAD)
if [ "$branch" != "main" ] && git rev-parse -q --verify main >/dev/null; then
  base=main
elif git rev-parse -q --verify HEAD~1 >/dev/null; then
  base=HEAD~1
else
  echo "buf breaking: no earlier commit to compare with"; exit 0
fi
if [ -z "$(git ls-tree -r --name-only "$base" -- proto | grep '\.proto$' || true)" ]; then
  echo "buf breaking: $base has no contracts yet; nothing to compare"; exit 0
fi
npx buf breaking --against ".git#ref=$(git rev-parse "$base")"
echo "buf breaking: no breaking change against $base"
