#!/usr/bin/env bash
# npm test — everything CI checks, on a fresh machine too: installs and starts the local stack,
# typechecks, lints, runs unit + integration tests (real Kafka and ClickHouse), the short fault scenarios
# (tests/faults, on a second Kafka + ClickHouse of their own), checks the DDL and
# queries on a current ClickHouse engine (chdb) and the compose file. Ends with "N passed, M failed".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
. scripts/test-plan.sh
test_plan "$root"

if [[ ! -x node_modules/.bin/node ]]; then
  echo "test: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
node -e 'const [maj]=process.versions.node.split(".").map(Number); if (maj < 24) { console.error(`test: Node ${process.version} is too old; the project pins Node 24 LTS in node_modules (run npm ci)`); process.exit(1) }'

# the services this run starts are stopped when it ends (whatever the outcome); ones already running are left
started_here=()
stack_before="$(bash scripts/stack.sh status 2>/dev/null || true)"
for service in kafka clickhouse; do
  grep -Eq "^$service +running" <<<"$stack_before" || started_here+=("$service")
done
stop_started_stack() {
  if [[ ${#started_here[@]} -gt 0 && "${TEST_KEEP_STACK:-}" != 1 ]]; then
    echo "test: stopping what this run started: ${started_here[*]} (TEST_KEEP_STACK=1 keeps it)"
    for service in "${started_here[@]}"; do bash scripts/stack.sh down "$service" || true; done
  fi
}
trap stop_started_stack EXIT
bash scripts/stack.sh up
# the browser tests (SDK, console) drive Debian's chromium through playwright-core
bash scripts/ensure-chromium.sh
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

passed=0
failed=0
step() { # step NAME CMD... : a check that counts as one test
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

step typecheck tsc --noEmit -p .
step lint eslint .
# the SDK's ESM build and browser bundle, held under its gzipped size budget (the browser tests load it)
step sdk-bundle node scripts/build-sdk.ts

mkdir -p .local
vitest_step() { # vitest_step NAME ARGS... : run vitest, add its test counts (from the JSON reporter)
  local name="$1"; shift
  local results=".local/vitest-results-$name.json"
  rm -f "$results"
  vitest run "$@" --reporter=default --reporter=json --outputFile.json="$results" || true
  local counts vp vf
  if [[ -s "$results" ]]; then
    counts="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.numPassedTests, r.numFailedTests + (r.success || r.numFailedTests ? 0 : 1))' "$results" || echo "0 1")"
    read -r vp vf <<<"$counts"
  else
    vp=0; vf=1
    echo "FAIL vitest ($name) wrote no results"
  fi
  passed=$((passed + vp)); failed=$((failed + vf))
}
# unit and integration in two runs: side by side on 2 cores a starved unit worker once missed vitest's fixed 60 s
# worker RPC timeout ("Timeout calling onTaskUpdate"), which ended the run before the integration files started
vitest_step unit --project unit
vitest_step integration --project integration
# The fault scenarios, short versions, on their own Kafka + ClickHouse (started and stopped by the suite).
FAULTS_SHORT=1 vitest_step faults --project faults

read_counts() { # parse "name: N passed, M failed" printed by a check script
  local out="$1" label="$2"
  local line; line="$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed" <<<"$out" | tail -1 || true)"
  if [[ -z "$line" ]]; then failed=$((failed + 1)); echo "FAIL $label printed no summary"; return; fi
  passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
}
chdb_out="$(bash scripts/check-chdb.sh 2>&1)" || true
echo "$chdb_out"
read_counts "$chdb_out" chdb
compose_out="$(bash scripts/check-compose.sh 2>&1)" || true
echo "$compose_out"
read_counts "$compose_out" compose

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
