#!/usr/bin/env bash
# Sourced by scripts/test.sh: before anything runs, say what `npm test` will install on this machine (only
# what is missing) and how long it takes, so a first run's downloads are no surprise.
test_plan() {
  local root="$1" items=()
  [[ -x "$root/node_modules/.bin/node" ]] || items+=("npm dependencies (npm ci: Node 24 and the packages, ~400 MB, 1-3 min)")
  command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 || echo "npm test: Java 17+ and Maven are missing and are not installed for you: apt-get install -y openjdk-17-jre-headless maven" >&2
  [[ -f "$root/.local/kafka/${STACK_KAFKA_VERSION:-4.4.0}/.libs-complete" ]] || items+=("Kafka ${STACK_KAFKA_VERSION:-4.4.0} jars from Maven Central (into .local/kafka, ~60 MB, 1-2 min)")
  command -v clickhouse-server >/dev/null 2>&1 || [[ -x /usr/sbin/clickhouse-server || -x /usr/bin/clickhouse ]] || items+=("ClickHouse (Debian's clickhouse-server with apt-get, ~200 MB)")
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || items+=("Debian's chromium for the browser tests (apt-get, ~300 MB, 1-2 min)")
  [[ -x "$root/.local/venv-chdb/bin/python" ]] || items+=("a Python virtualenv with chdb-core, a current ClickHouse engine (pip, into .local/venv-chdb, ~900 MB, 2-5 min)")
  command -v docker-compose >/dev/null 2>&1 || items+=("docker-compose, to validate compose/ (apt-get, ~50 MB)")
  echo "npm test: typecheck, lint, unit + integration tests, the short fault scenarios (a second Kafka + ClickHouse),"
  echo "  the chdb and compose checks: about 10-20 minutes on a 2-core machine."
  if [[ ${#items[@]} -eq 0 ]]; then
    echo "  Nothing to install: everything it needs is here."
  else
    echo "  First it installs what is missing here (system packages need root or sudo):"
    local i
    for i in "${items[@]}"; do echo "    - $i"; done
  fi
  echo "  It starts the local Kafka + ClickHouse if they are not running, and stops what it started at the end"
  echo "  (TEST_KEEP_STACK=1 keeps them)."
}
