#!/usr/bin/env bash
# The project's test command (`npm test`). On a fresh machine of this kind it
# installs everything the tests need (npm packages, Chromium, Redis,
# PostgreSQL, Kafka, kube-apiserver + etcd, gRPC tools; slow builds cached
# outside the repo), then runs every check: generated code freshness, buf
# lint/format/breaking, typecheck, lint, formatting, unit and integration
# tests. Servers are started on free loopback ports by the tests' global setup
# and stopped afterwards. Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "npm dependencies"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

step "test environment (install or reuse cache)"
bash scripts/testenv/install.sh

step "generated code is fresh"
npx buf generate
if [ -n "$(git status --porcelain -- packages/contracts/src/gen)" ]; then
  git status --porcelain -- packages/contracts/src/gen
  echo "generated code is stale: run 'npm run generate' and commit packages/contracts/src/gen" >&2
  exit 1
fi

step "buf lint, format, breaking"
npx buf lint
npx buf format --diff --exit-code
bash scripts/buf-breaking.sh

step "typecheck (tsc -b)"
npx tsc -b

step "lint and formatting"
npx eslint --max-warnings=0 .
npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }

results=$(mktemp -d)
status=0
step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile="$results/unit.json" || status=1
step "integration tests (real servers)"
npx vitest run --project int --reporter=default --reporter=json --outputFile="$results/int.json" || status=1

node -e '
  const fs = require("fs"); let p = 0, f = 0;
  for (const n of ["unit", "int"]) {
    const file = process.argv[1] + "/" + n + ".json";
    if (!fs.existsSync(file)) { f++; console.error(n + ": no results (the run crashed)"); continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    // failed tests, plus files that failed with no failed test (an import error, a failing hook)
    const broken = (r.testResults || []).filter(
      (t) => t.status === "failed" && !(t.assertionResults || []).some((a) => a.status === "failed"),
    ).length;
    p += r.numPassedTests; f += r.numFailedTests + broken;
    if (r.numTotalTestSuites === 0 && !r.success) f++; // nothing ran (e.g. the global setup failed)
  }
  console.log("\ntests: " + p + " passed, " + f + " failed");
' "$results"
step "done"
exit $status
