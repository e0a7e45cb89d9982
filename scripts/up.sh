#!/usr/bin/env bash
# The main job (`npm start`): on a fresh machine of this kind, installs what the
# all-in-one platform needs (npm packages, Debian Chromium and fonts), builds,
# then runs `nightglow up` — the five services on loopback with embedded
# defaults — and the news-titles sample against the bundled demo site, printing
# the titles, the screenshot path and the task record id. The platform keeps
# serving until Ctrl-C, which drains it and leaves no Chromium behind.
#
#   npm start                       # or: bash scripts/up.sh
#   npm start -- --ports ephemeral  # extra arguments go to `nightglow up`
#   NIGHTGLOW_UP_SAMPLE= npm start  # start without running the sample
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# npm runs scripts from the repository root; artifacts and relative paths belong where the user was.
here="${INIT_CWD:-$PWD}"
cd "$repo"
say() { printf '==> %s\n' "$*" >&2; }

node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number);console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "nightglow: Node.js >= 20.19 is required (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund >&2
fi

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  say "installing Chromium and fonts (Debian packages)"
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "nightglow: $chromium is missing; install Debian's chromium package as root, or set CHROMIUM_PATH" >&2
    exit 1
  fi
  asroot=()
  [ "$(id -u)" -ne 0 ] && asroot=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${asroot[@]}" apt-get update -qq >&2
  "${asroot[@]}" apt-get install -y -qq chromium fonts-liberation fonts-noto-color-emoji >&2
fi

say "building"
npx tsc -b >&2

sample="${NIGHTGLOW_UP_SAMPLE-$repo/services/task-executor/samples/news-titles.yaml}"
run=()
[ -n "$sample" ] && run=(--run "$sample")
cd "$here"
exec node "$repo/packages/cli/dist/bin.js" up "${run[@]}" "$@"
