#!/usr/bin/env bash
# Static check of compose/docker-compose.yml and its cluster variant (+ docker-compose.kafka-cluster.yml), no
# Docker engine needed:
#   1. with CLICKHOUSE_PASSWORD set, `docker-compose config -q` accepts each;
#   2. without CLICKHOUSE_PASSWORD, each is refused (the required-variable guard works);
#   3. the cluster variant renders three Kafka nodes in one quorum with replication 3 / min ISR 2.
# Installs Debian's docker-compose (1.29) when it is missing. Runs from any cwd.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPOSE_FILE="$ROOT/compose/docker-compose.yml"

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "check-compose: docker-compose not found; installing it with apt-get (Debian package docker-compose)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq docker-compose >/dev/null
  if ! command -v docker-compose >/dev/null 2>&1; then
    echo "check-compose: docker-compose still not on PATH after apt-get install" >&2
    echo "compose: 0 passed, 2 failed"
    exit 1
  fi
fi
echo "check-compose: $(docker-compose version --short 2>/dev/null || docker-compose version | head -n1)"

# An empty env file so a stray compose/.env (or one in the cwd) cannot change the result.
EMPTY_ENV="$(mktemp)"
OUT="$(mktemp)"
trap 'rm -f "$EMPTY_ENV" "$OUT"' EXIT

passed=0
failed=0
failures=()

# check_variant LABEL FILE... : the variant (files layered in order) is accepted with CLICKHOUSE_PASSWORD
# set, and refused without it, for that reason.
check_variant() {
  local label=$1; shift
  local files=() f
  for f in "$@"; do files+=(-f "$ROOT/compose/$f"); done
  # 1. Valid with a dummy password (exported only for this command).
  if CLICKHOUSE_PASSWORD=check-only docker-compose --env-file "$EMPTY_ENV" "${files[@]}" config -q >"$OUT" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $label: config -q accepts it with CLICKHOUSE_PASSWORD set"
  else
    failed=$((failed + 1))
    failures+=("$label: config with CLICKHOUSE_PASSWORD set")
    echo "FAIL $label: config -q refused it with CLICKHOUSE_PASSWORD set:"
    sed 's/^/     /' "$OUT"
  fi
  # 2. Refused without a password, and for that reason.
  if env -u CLICKHOUSE_PASSWORD docker-compose --env-file "$EMPTY_ENV" "${files[@]}" config -q >"$OUT" 2>&1; then
    failed=$((failed + 1))
    failures+=("$label: config without CLICKHOUSE_PASSWORD was accepted")
    echo "FAIL $label: config -q accepted it without CLICKHOUSE_PASSWORD (required-variable guard missing)"
  elif grep -q 'CLICKHOUSE_PASSWORD' "$OUT"; then
    passed=$((passed + 1))
    echo "ok   $label: config -q refuses it without CLICKHOUSE_PASSWORD"
  else
    failed=$((failed + 1))
    failures+=("$label: config without CLICKHOUSE_PASSWORD failed for another reason")
    echo "FAIL $label: config -q failed without CLICKHOUSE_PASSWORD, but not because of it:"
    sed 's/^/     /' "$OUT"
  fi
}

check_variant single-node docker-compose.yml
check_variant cluster docker-compose.yml docker-compose.kafka-cluster.yml

# 3. The cluster variant really is three Kafka nodes in one quorum, with replication 3 / min ISR 2 for the
#    pipeline's topics and every node as a bootstrap broker.
rendered="$(CLICKHOUSE_PASSWORD=check-only docker-compose --env-file "$EMPTY_ENV" -f "$COMPOSE_FILE" -f "$ROOT/compose/docker-compose.kafka-cluster.yml" config 2>&1 || true)"
want=(
  "KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"
  "KAFKA_NODE_ID: '3'"
  "KAFKA_BROKERS: kafka:9092,kafka-2:9092,kafka-3:9092"
  "KAFKA_REPLICATION_FACTOR: '3'"
  "KAFKA_MIN_INSYNC_REPLICAS: '2'"
  "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3'"
)
missing=()
for w in "${want[@]}"; do grep -qF -- "$w" <<<"$rendered" || missing+=("$w"); done
if [ "${#missing[@]}" -eq 0 ]; then
  passed=$((passed + 1))
  echo "ok   cluster: three nodes in one quorum, replication 3 / min ISR 2, every node a bootstrap broker"
else
  failed=$((failed + 1))
  failures+=("cluster: rendered config lacks ${missing[*]}")
  echo "FAIL cluster: the rendered config lacks: ${missing[*]}"
fi

if [ "$failed" -gt 0 ]; then
  printf 'check-compose: failed: %s\n' "${failures[@]}"
fi
echo "compose: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
