#!/usr/bin/env bash
# Static check of compose/docker-compose.yml (no Docker engine needed):
#   1. with CLICKHOUSE_PASSWORD set, `docker-compose config -q` accepts the file;
#   2. without CLICKHOUSE_PASSWORD, it is refused (the required-variable guard works);
#   3. the cluster variant (the file + compose/docker-compose.cluster.yml) is accepted, has 4 ClickHouse nodes
#      and 3 Keepers, and its consumers run with CLICKHOUSE_CLUSTER; its config files (compose/cluster/*.xml)
#      are well-formed and name exactly those hosts (scripts/check_compose_cluster.py);
#   4. the Kafka cluster variant (+ compose/docker-compose.kafka-cluster.yml) is accepted and renders three
#      Kafka nodes in one quorum, replication 3 / min ISR 2, every node a bootstrap broker.
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

dc() { docker-compose --env-file "$EMPTY_ENV" -f "$COMPOSE_FILE" "$@"; }

passed=0
failed=0
failures=()

# 1. Valid with a dummy password (exported only for this command).
if CLICKHOUSE_PASSWORD=check-only CLICKHOUSE_READER_PASSWORD=check-only GRAFANA_ADMIN_PASSWORD=check-only dc config -q >"$OUT" 2>&1; then
  passed=$((passed + 1))
  echo "ok   config -q accepts the file with CLICKHOUSE_PASSWORD set"
else
  failed=$((failed + 1))
  failures+=("config with CLICKHOUSE_PASSWORD set")
  echo "FAIL config -q refused the file with CLICKHOUSE_PASSWORD set:"
  sed 's/^/     /' "$OUT"
fi

# 2. Refused without a password, and for that reason.
if env -u CLICKHOUSE_PASSWORD CLICKHOUSE_READER_PASSWORD=check-only GRAFANA_ADMIN_PASSWORD=check-only \
    docker-compose --env-file "$EMPTY_ENV" -f "$COMPOSE_FILE" config -q >"$OUT" 2>&1; then
  failed=$((failed + 1))
  failures+=("config without CLICKHOUSE_PASSWORD was accepted")
  echo "FAIL config -q accepted the file without CLICKHOUSE_PASSWORD (required-variable guard missing)"
elif grep -q 'CLICKHOUSE_PASSWORD' "$OUT"; then
  passed=$((passed + 1))
  echo "ok   config -q refuses the file without CLICKHOUSE_PASSWORD"
else
  failed=$((failed + 1))
  failures+=("config without CLICKHOUSE_PASSWORD failed for another reason")
  echo "FAIL config -q failed without CLICKHOUSE_PASSWORD, but not because of it:"
  sed 's/^/     /' "$OUT"
fi

# 3. The cluster variant, merged over the base file.
CLUSTER_FILE="$ROOT/compose/docker-compose.cluster.yml"
if CLICKHOUSE_PASSWORD=check-only CLICKHOUSE_READER_PASSWORD=check-only GRAFANA_ADMIN_PASSWORD=check-only dc -f "$CLUSTER_FILE" config >"$OUT" 2>&1 \
    && python3 "$ROOT/scripts/check_compose_cluster.py" "$OUT" "$ROOT/compose/cluster" >"$OUT.check" 2>&1; then
  passed=$((passed + 1))
  echo "ok   cluster variant: $(cat "$OUT.check")"
else
  failed=$((failed + 1))
  failures+=("cluster variant (docker-compose.cluster.yml)")
  echo "FAIL cluster variant:"
  cat "$OUT" "$OUT.check" 2>/dev/null | tail -n 20 | sed 's/^/     /'
fi
rm -f "$OUT.check"

# 4. The Kafka cluster variant, merged over the base file.
KAFKA_CLUSTER_FILE="$ROOT/compose/docker-compose.kafka-cluster.yml"
want=(
  "KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"
  "KAFKA_NODE_ID: '3'"
  "KAFKA_BROKERS: kafka:9092,kafka-2:9092,kafka-3:9092"
  "KAFKA_REPLICATION_FACTOR: '3'"
  "KAFKA_MIN_INSYNC_REPLICAS: '2'"
  "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3'"
)
missing=()
if CLICKHOUSE_PASSWORD=check-only CLICKHOUSE_READER_PASSWORD=check-only GRAFANA_ADMIN_PASSWORD=check-only dc -f "$KAFKA_CLUSTER_FILE" config >"$OUT" 2>&1; then
  for w in "${want[@]}"; do grep -qF -- "$w" "$OUT" || missing+=("$w"); done
else
  missing+=("(config refused the file)")
fi
if [ "${#missing[@]}" -eq 0 ]; then
  passed=$((passed + 1))
  echo "ok   Kafka cluster variant: three nodes in one quorum, replication 3 / min ISR 2, every node a bootstrap broker"
else
  failed=$((failed + 1))
  failures+=("Kafka cluster variant (docker-compose.kafka-cluster.yml)")
  echo "FAIL Kafka cluster variant: missing ${missing[*]}"
  tail -n 20 "$OUT" | sed 's/^/     /'
fi

# 5. Grafana: the provisioned dashboard is JSON whose panels use the provisioned data source, and every
#    mounted provisioning path exists (the dashboard's SQL itself runs in scripts/check_chdb.py); the data source
#    reads as the read-only user (made by compose/clickhouse/initdb/reader.sh); Grafana never gets the admin's password.
if python3 - "$ROOT/compose/grafana" "$COMPOSE_FILE" >"$OUT" 2>&1 <<'PY'
import json, re, sys
from pathlib import Path
g = Path(sys.argv[1])
source = (g / "provisioning/datasources/clickhouse.yml").read_text()
uid = re.search(r"uid:\s*(\S+)", source).group(1)
assert re.search(r"^\s*username: \$CLICKHOUSE_READER_USER$", source, re.M), "data source user is not $CLICKHOUSE_READER_USER"
assert re.search(r"^\s*password: \$CLICKHOUSE_READER_PASSWORD$", source, re.M), "data source password is not $CLICKHOUSE_READER_PASSWORD"
grafana = re.search(r"^  grafana:\n(.*?)(?=^  \w[\w-]*:\n|^\S)", Path(sys.argv[2]).read_text(), re.M | re.S).group(1)
assert not re.search(r"\bCLICKHOUSE_(USER|PASSWORD)\b", grafana), "grafana gets the ClickHouse admin's user or password"
initdb = (Path(sys.argv[2]).parent / "clickhouse/initdb/reader.sh").read_text()
assert "readonly = 1 CONST" in initdb and "GRANT SELECT ON telemetry.*" in initdb, "reader.sh makes no read-only user"
assert (g / "provisioning/dashboards/telemetry.yml").is_file(), "dashboard provider missing"
d = json.loads((g / "dashboards/telemetry.json").read_text())
panels = [p for p in d["panels"] if p["type"] != "row"]
assert panels, "no panels"
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "panel ids repeat"
for p in panels:
    assert p["datasource"]["uid"] == uid, f"{p['title']}: data source {p['datasource']} is not the provisioned {uid}"
    assert p["targets"] and all(t["rawSql"].strip() for t in p["targets"]), f"{p['title']}: no SQL"
print(f"{len(panels)} panels on data source {uid}, read as the read-only user")
PY
then
  passed=$((passed + 1))
  echo "ok   grafana dashboard JSON: $(cat "$OUT")"
else
  failed=$((failed + 1))
  failures+=("grafana dashboard JSON")
  echo "FAIL grafana dashboard JSON:"
  sed 's/^/     /' "$OUT"
fi

if [ "$failed" -gt 0 ]; then
  printf 'check-compose: failed: %s\n' "${failures[@]}"
fi
echo "compose: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
