#!/usr/bin/env bash
# Local dev/CI stack: Apache Kafka (KRaft, single node) + ClickHouse, no Docker.
#
#   bash scripts/stack.sh up     [kafka|clickhouse]   install if missing, start, wait until ready
#   bash scripts/stack.sh down   [kafka|clickhouse]   stop what we started (TERM, then KILL)
#   bash scripts/stack.sh status                      exit 0 if all running, 3 otherwise
#   bash scripts/stack.sh reset  [kafka|clickhouse]   down + delete data/logs (keeps jars)
#   bash scripts/stack.sh logs   [kafka|clickhouse]   print log file paths
#   bash scripts/stack.sh kafka-class MAIN [ARGS...]  run a Kafka CLI main class with the local jars,
#        e.g. kafka-class org.apache.kafka.tools.ProducerPerformance --topic t --num-records 1000 ...
#
# Everything lives under .local/ at the repo root (git-ignored).
# A second, separate stack (the fault-injection tests use one) can run next to it:
#   STACK_HOME (default .local)  STACK_KAFKA_PORT (9092)  STACK_KAFKA_CONTROLLER_PORT (9093)
#   STACK_CLICKHOUSE_HTTP_PORT (8123)  STACK_CLICKHOUSE_TCP_PORT (9000)
# STACK_KAFKA_BROKERS=3 (default 1) runs a KRaft cluster of that many nodes instead (stack/kafka-cluster.sh):
#   node i on STACK_KAFKA_PORT + 2*(i-1), controller STACK_KAFKA_CONTROLLER_PORT + 2*(i-1);
#   `up|down|status kafka-2` acts on one node.
# STACK_CLICKHOUSE_CLUSTER=2x2: a ClickHouse cluster (shards x replicas) + ZooKeeper instead of one server
#   (scripts/stack/clickhouse-cluster.sh)
# Kafka jars come from Maven Central via scripts/stack/kafka-pom.xml;
# ClickHouse is Debian's clickhouse-server, run as our own instance (not the system service).
set -euo pipefail

# ---- pinned versions / addresses -------------------------------------------
KAFKA_VERSION="${STACK_KAFKA_VERSION:-4.4.0}"   # pinned (override: STACK_KAFKA_VERSION); kafkajs 2.2.4 smoke-tested OK on 4.4.0
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${STACK_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms256m}"
STACK_KAFKA_BROKERS="${STACK_KAFKA_BROKERS:-1}"
CH_HOST=127.0.0.1
CH_HTTP_PORT="${STACK_CLICKHOUSE_HTTP_PORT:-8123}"
CH_TCP_PORT="${STACK_CLICKHOUSE_TCP_PORT:-9000}"

KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}  # seconds
CH_START_TIMEOUT=${CH_START_TIMEOUT:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}                 # seconds between SIGTERM and SIGKILL

# ---- paths -----------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
STACK_DIR="$SCRIPT_DIR/stack"
LOCAL="${STACK_HOME:-$ROOT/.local}"

KAFKA_HOME="$LOCAL/kafka"
# The jars are shared by every stack of this checkout (STACK_HOME only moves config, data, logs, pids).
KAFKA_JARS_HOME="$ROOT/.local/kafka"
KAFKA_LIBS="$KAFKA_JARS_HOME/$KAFKA_VERSION/libs"
KAFKA_LIBS_MARKER="$KAFKA_JARS_HOME/$KAFKA_VERSION/.libs-complete"
KAFKA_CONF_DIR="$KAFKA_HOME/config"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_LOGS="$KAFKA_HOME/logs"
KAFKA_PIDFILE="$KAFKA_HOME/kafka.pid"

CH_HOME="$LOCAL/clickhouse"
CH_CONF_DIR="$CH_HOME/config"
CH_DATA="$CH_HOME/data"
CH_LOGS="$CH_HOME/logs"
CH_PIDFILE="$CH_HOME/clickhouse.pid"

ALL_SERVICES=(kafka clickhouse)

# ---- helpers ---------------------------------------------------------------
say()  { printf '%s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die()  { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

now() { date +%s; }

# pid from a pid file if that process is alive and looks like ours, else empty
live_pid() {  # $1 pidfile, $2 pattern expected in /proc/pid/cmdline
  local pidfile=$1 pattern=$2 pid
  [[ -s $pidfile ]] || return 0
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [[ -r /proc/$pid/cmdline ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"; then
    # a zombie counts as dead
    local state
    state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [[ $state == Z ]] && return 0
    printf '%s' "$pid"
  fi
}

kafka_pid() { live_pid "$KAFKA_PIDFILE" "$KAFKA_CONF_DIR/server.properties"; }
ch_pid()    { live_pid "$CH_PIDFILE" "$CH_CONF_DIR/config.xml"; }

# Is something listening on 127.0.0.1:port (or any address)?
port_listener() {  # prints the ss line(s) for a listening TCP port, empty if free
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$port" 2>/dev/null || true
  else
    # fallback: try to connect
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf 'LISTEN (process unknown: ss not installed)\n'
    fi
  fi
}

# fail if a port is taken by a process that is not $2 (our pid, may be empty)
check_port_free() {  # $1 port, $2 service name, $3 our pid (optional)
  local port=$1 svc=$2 ours=${3:-} line procs
  line=$(port_listener "$port")
  [[ -z $line ]] && return 0
  if [[ -n $ours ]] && grep -q "pid=$ours," <<<"$line"; then
    return 0
  fi
  procs=$(grep -o 'users:(.*)' <<<"$line" | head -1 || true)
  die "port $port (needed by $svc) is already in use by another process${procs:+: $procs}. Stop it (or the system service, e.g. 'service clickhouse-server stop') and retry."
}

# Remember log sizes at start, so a failure shows only what this start wrote.
declare -A LOG_OFFSET=()
mark_logs() {  # $1... log files
  local f
  for f in "$@"; do
    LOG_OFFSET[$f]=$(stat -c %s "$f" 2>/dev/null || echo 0)
  done
}

print_log_tail() {  # $1... log files: last 30 lines (written since mark_logs, if marked)
  local f off size
  for f in "$@"; do
    [[ -s $f ]] || continue
    off=${LOG_OFFSET[$f]:-0}
    size=$(stat -c %s "$f" 2>/dev/null || echo 0)
    (( size < off )) && off=0          # rotated/truncated
    (( size == off )) && continue      # nothing new in this one
    printf -- '----- last 30 lines of %s -----\n' "$f" >&2
    tail -c "+$(( off + 1 ))" "$f" | tail -n 30 >&2
  done
  printf -- '-----\n' >&2
}

# Start a command detached (own session, no stdin), writing its pid to $1.
# The wrapper shell writes its own pid, then execs the command, so the pid is exact.
spawn() {  # $1 pidfile, $2 stdout/err log, $3 cwd, rest: command
  local pidfile=$1 out=$2 cwd=$3
  shift 3
  rm -f "$pidfile"
  (
    cd "$cwd"
    # shellcheck disable=SC2016  # $$/$0/$@ expand in the inner shell
    exec setsid nohup bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$out" 2>&1
  ) &
  # wait until the pid file shows up (a few ms)
  local i
  for i in $(seq 1 50); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start: $*"
}

stop_pid() {  # $1 service name, $2 pid, $3 pidfile
  local svc=$1 pid=$2 pidfile=$3 t0
  say "$svc: stopping (pid $pid, SIGTERM)..."
  kill -TERM "$pid" 2>/dev/null || true
  t0=$(now)
  while kill -0 "$pid" 2>/dev/null; do
    # reaped-but-zombie check
    if [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true) == Z ]]; then break; fi
    if (( $(now) - t0 >= STOP_TIMEOUT )); then
      warn "$svc: still alive after ${STOP_TIMEOUT}s, sending SIGKILL to pid $pid"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.3
  done
  rm -f "$pidfile"
  say "$svc: stopped ($(( $(now) - t0 ))s)"
}

need_cmd() {  # $1 cmd, $2 hint
  command -v "$1" >/dev/null 2>&1 || die "prerequisite '$1' not found on PATH. $2"
}

# ---- Kafka -------------------------------------------------------------------
kafka_cp() { printf '%s/*' "$KAFKA_LIBS"; }

kafka_tool() {  # run a Kafka CLI main class with the tools logging config
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.configurationFile="$STACK_DIR/tools-log4j2.properties" \
    -cp "$(kafka_cp)" "$@"
}

kafka_install() {
  need_cmd java "Install a JDK/JRE 17+, e.g. 'apt-get install -y openjdk-17-jre-headless'."
  if [[ -f $KAFKA_LIBS_MARKER ]]; then
    return 0
  fi
  need_cmd mvn "Install Maven, e.g. 'apt-get install -y maven'."
  say "kafka: installing Apache Kafka $KAFKA_VERSION jars from Maven Central (mvn, scripts/stack/kafka-pom.xml) into ${KAFKA_LIBS#"$ROOT/"}"
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  local mvnlog="$KAFKA_JARS_HOME/$KAFKA_VERSION/mvn.log"
  if ! mvn -B -q -f "$STACK_DIR/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" >"$mvnlog" 2>&1; then
    print_log_tail "$mvnlog"
    die "kafka: Maven could not fetch Kafka $KAFKA_VERSION (log: $mvnlog)"
  fi
  [[ -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka: kafka_2.13-$KAFKA_VERSION.jar missing after mvn (log: $mvnlog)"
  touch "$KAFKA_LIBS_MARKER"
}

kafka_write_config() {
  mkdir -p "$KAFKA_CONF_DIR" "$KAFKA_DATA" "$KAFKA_LOGS"
  cat >"$KAFKA_CONF_DIR/server.properties" <<EOF
# Generated by scripts/stack.sh -- do not edit (regenerated on every start).
# Apache Kafka $KAFKA_VERSION, KRaft single node (combined broker + controller).
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$KAFKA_DATA/kraft-combined-logs
auto.create.topics.enable=true
num.partitions=2
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=268435456
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
}

kafka_format_storage() {
  # KRaft storage must be formatted once; meta.properties marks it done.
  if [[ -f $KAFKA_DATA/kraft-combined-logs/meta.properties ]]; then
    return 0
  fi
  local cid fmtlog="$KAFKA_LOGS/storage-format.log"
  cid=$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$fmtlog" | tail -n 1 | tr -d '[:space:]')
  [[ -n $cid ]] || { print_log_tail "$fmtlog"; die "kafka: could not generate a cluster id (kafka.tools.StorageTool random-uuid)"; }
  if ! kafka_tool kafka.tools.StorageTool format --ignore-formatted \
        -t "$cid" -c "$KAFKA_CONF_DIR/server.properties" >>"$fmtlog" 2>&1; then
    print_log_tail "$fmtlog"
    die "kafka: storage format failed (log: $fmtlog)"
  fi
  say "kafka: formatted KRaft storage (cluster id $cid) in ${KAFKA_DATA#"$ROOT/"}"
}

kafka_port_open() { (exec 3<>"/dev/tcp/$KAFKA_HOST/$KAFKA_PORT") 2>/dev/null; }

kafka_answers() {
  # a real broker API call (ApiVersions via the kafka-broker-api-versions main class)
  kafka_tool org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" >/dev/null 2>&1
}

kafka_wait_ready() {  # $1 pid
  local pid=$1 t0
  t0=$(now)
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log"
      rm -f "$KAFKA_PIDFILE"
      die "kafka: process $pid exited during startup (logs in ${KAFKA_LOGS#"$ROOT/"})"
    fi
    # cheap port poll first; the JVM-based API probe (~1s) only once the port is open
    if kafka_port_open; then
      kafka_answers && return 0
      sleep 0.5
    else
      sleep 0.3
    fi
    if (( $(now) - t0 >= KAFKA_START_TIMEOUT )); then
      print_log_tail "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log"
      die "kafka: not answering on $KAFKA_HOST:$KAFKA_PORT after ${KAFKA_START_TIMEOUT}s (pid $pid still running; 'bash scripts/stack.sh down kafka' to stop it)"
    fi
  done
}

kafka_running_version() {
  local v
  v=$(cat "$KAFKA_HOME/running-version" 2>/dev/null || true)
  if [[ -n $v && $v != "$KAFKA_VERSION" ]]; then
    printf '%s (pinned %s: run "down kafka" then "up kafka" to switch)' "$v" "$KAFKA_VERSION"
  else
    printf '%s' "${v:-$KAFKA_VERSION}"
  fi
}

kafka_line() {  # $1 state word, $2 pid
  say "kafka       $1  version $(kafka_running_version)  address $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)  pid $2  log ${KAFKA_LOGS#"$ROOT/"}/server.log"
}

kafka_up() {
  local pid t0
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    kafka_wait_ready "$pid"
    kafka_line "already running" "$pid"
    return 0
  fi
  t0=$(now)
  kafka_install
  check_port_free "$KAFKA_PORT" kafka
  check_port_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
  kafka_write_config
  kafka_format_storage
  mark_logs "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log"
  printf '===== %s starting Kafka %s =====\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$KAFKA_VERSION" >>"$KAFKA_LOGS/kafka.out"
  printf '%s\n' "$KAFKA_VERSION" >"$KAFKA_HOME/running-version"
  # shellcheck disable=SC2086
  spawn "$KAFKA_PIDFILE" "$KAFKA_LOGS/kafka.out" "$KAFKA_HOME" \
    java $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_LOGS" \
      -Dlog4j2.configurationFile="$STACK_DIR/kafka-log4j2.properties" \
      -cp "$(kafka_cp)" kafka.Kafka "$KAFKA_CONF_DIR/server.properties"
  pid=$(<"$KAFKA_PIDFILE")
  kafka_wait_ready "$pid"
  kafka_line "started in $(( $(now) - t0 ))s" "$pid"
}

kafka_down() {
  local pid
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    rm -f "$KAFKA_PIDFILE"
    say "kafka: not running (nothing to stop)"
    return 0
  fi
  stop_pid kafka "$pid" "$KAFKA_PIDFILE"
}

kafka_status() {
  local pid
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    say "kafka       running  pid $pid  address $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)  version $(kafka_running_version)"
    return 0
  fi
  local other
  other=$(port_listener "$KAFKA_PORT")
  say "kafka       stopped  pid -  address $KAFKA_HOST:$KAFKA_PORT${other:+  (port in use by another process: $(grep -o 'users:(.*)' <<<"$other" || echo unknown))}"
  return 3
}

kafka_reset() {
  kafka_down
  rm -rf "$KAFKA_DATA" "$KAFKA_LOGS" "$KAFKA_CONF_DIR"
  say "kafka: deleted data, logs and config (kept jars in ${KAFKA_JARS_HOME#"$ROOT/"}/<version>/libs)"
}

kafka_logs() { say "kafka:      $KAFKA_LOGS/server.log $KAFKA_LOGS/controller.log $KAFKA_LOGS/kafka.out"; }

# STACK_KAFKA_BROKERS > 1: the kafka_* functions above are replaced by the cluster's
[[ $STACK_KAFKA_BROKERS =~ ^[1-9]$ ]] || die "STACK_KAFKA_BROKERS must be 1..9, got '$STACK_KAFKA_BROKERS'"
if (( STACK_KAFKA_BROKERS > 1 )); then
  # shellcheck source=stack/kafka-cluster.sh
  source "$STACK_DIR/kafka-cluster.sh"
fi

# ---- ClickHouse --------------------------------------------------------------
CH_SERVER_CMD=()
ch_detect() {
  # Debian 18.16: /usr/sbin/clickhouse-server; newer/official: `clickhouse server`
  CH_SERVER_CMD=()
  local p
  for p in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if command -v "$p" >/dev/null 2>&1; then
      CH_SERVER_CMD=("$(command -v "$p")")
      return 0
    fi
  done
  for p in clickhouse /usr/bin/clickhouse; do
    if command -v "$p" >/dev/null 2>&1; then
      CH_SERVER_CMD=("$(command -v "$p")" server)
      return 0
    fi
  done
  return 1
}

ch_install() {
  if ch_detect; then return 0; fi
  need_cmd apt-get "ClickHouse is not installed and apt-get is unavailable; install clickhouse-server manually."
  say "clickhouse: installing Debian packages clickhouse-server clickhouse-client (apt-get)"
  # Keep the package from starting the system service (it would take ports 8123/9000).
  local tmp_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    tmp_policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$tmp_policy"
    chmod +x "$tmp_policy"
  fi
  local aptlog="$LOCAL/apt-clickhouse.log" rc=0
  mkdir -p "$LOCAL"
  {
    DEBIAN_FRONTEND=noninteractive apt-get update &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clickhouse-server clickhouse-client
  } >"$aptlog" 2>&1 </dev/null || rc=$?
  [[ -n $tmp_policy ]] && rm -f "$tmp_policy"
  if (( rc != 0 )); then
    print_log_tail "$aptlog"
    die "clickhouse: apt-get install failed (log: $aptlog)"
  fi
  ch_detect || die "clickhouse: installed, but no clickhouse-server / clickhouse binary found"
}

ch_write_config() {
  mkdir -p "$CH_CONF_DIR" "$CH_DATA"/{tmp,user_files,format_schemas} "$CH_LOGS"
  local tpl
  tpl=$(<"$STACK_DIR/clickhouse-config.xml")
  tpl=${tpl//@CH_DATA@/$CH_DATA}
  tpl=${tpl//@CH_LOGS@/$CH_LOGS}
  tpl=${tpl//@CH_HOST@/$CH_HOST}
  tpl=${tpl//@CH_HTTP_PORT@/$CH_HTTP_PORT}
  tpl=${tpl//@CH_TCP_PORT@/$CH_TCP_PORT}
  printf '%s\n' "$tpl" >"$CH_CONF_DIR/config.xml"
  ch_write_users
}

# Passwords of the least-privilege users (telemetry_writer, telemetry_reader): generated once into
# .local/clickhouse/credentials.env (mode 600, git-ignored); users.xml only holds their SHA-256.
CH_CREDENTIALS="$CH_HOME/credentials.env"
ch_write_users() {
  if [[ ! -s $CH_CREDENTIALS ]]; then
    ( umask 077; exec >"$CH_CREDENTIALS"
      printf '# ClickHouse users of the local stack (generated by scripts/stack.sh; keep secret)\n'
      printf 'CLICKHOUSE_WRITER_USER=telemetry_writer\nCLICKHOUSE_WRITER_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      printf 'CLICKHOUSE_QUERY_USER=telemetry_reader\nCLICKHOUSE_QUERY_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    )
    say "clickhouse: generated passwords for telemetry_writer / telemetry_reader in ${CH_CREDENTIALS#"$ROOT/"}"
  fi
  local writer reader tpl
  writer=$(sed -n 's/^CLICKHOUSE_WRITER_PASSWORD=//p' "$CH_CREDENTIALS")
  reader=$(sed -n 's/^CLICKHOUSE_QUERY_PASSWORD=//p' "$CH_CREDENTIALS")
  tpl=$(<"$STACK_DIR/clickhouse-users.xml")
  tpl=${tpl//@DATABASE@/${CLICKHOUSE_DATABASE:-telemetry}}
  tpl=${tpl//@WRITER_PASSWORD_SHA256@/$(printf '%s' "$writer" | sha256sum | cut -d' ' -f1)}
  tpl=${tpl//@READER_PASSWORD_SHA256@/$(printf '%s' "$reader" | sha256sum | cut -d' ' -f1)}
  ( umask 077; printf '%s\n' "$tpl" >"$CH_CONF_DIR/users.xml" )
}

ch_answers() {
  [[ $(curl -s --max-time 2 "http://$CH_HOST:$CH_HTTP_PORT/ping" 2>/dev/null || true) == "Ok." ]]
}

ch_version() {
  curl -s --max-time 5 "http://$CH_HOST:$CH_HTTP_PORT/" --data-binary 'SELECT version()' 2>/dev/null | tr -d '[:space:]' || true
}

ch_wait_ready() {  # $1 pid
  local pid=$1 t0
  t0=$(now)
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail "$CH_LOGS/stdout.log" "$CH_LOGS/clickhouse-server.err.log" "$CH_LOGS/clickhouse-server.log"
      rm -f "$CH_PIDFILE"
      die "clickhouse: process $pid exited during startup (logs in ${CH_LOGS#"$ROOT/"})"
    fi
    ch_answers && return 0
    if (( $(now) - t0 >= CH_START_TIMEOUT )); then
      print_log_tail "$CH_LOGS/stdout.log" "$CH_LOGS/clickhouse-server.err.log" "$CH_LOGS/clickhouse-server.log"
      die "clickhouse: /ping on $CH_HOST:$CH_HTTP_PORT not Ok after ${CH_START_TIMEOUT}s (pid $pid still running; 'bash scripts/stack.sh down clickhouse' to stop it)"
    fi
    sleep 0.5
  done
}

ch_line() {  # $1 state word, $2 pid
  say "clickhouse  $1  version $(ch_version)  address http://$CH_HOST:$CH_HTTP_PORT (native $CH_HOST:$CH_TCP_PORT)  pid $2  log ${CH_LOGS#"$ROOT/"}/clickhouse-server.log"
}

ch_up() {
  local pid t0
  need_cmd curl "Install it, e.g. 'apt-get install -y curl'."
  pid=$(ch_pid)
  if [[ -n $pid ]]; then
    ch_wait_ready "$pid"
    ch_line "already running" "$pid"
    return 0
  fi
  t0=$(now)
  ch_install
  check_port_free "$CH_HTTP_PORT" clickhouse
  check_port_free "$CH_TCP_PORT" clickhouse
  ch_write_config
  mark_logs "$CH_LOGS/stdout.log" "$CH_LOGS/clickhouse-server.err.log" "$CH_LOGS/clickhouse-server.log"
  printf '===== %s starting %s =====\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "${CH_SERVER_CMD[*]}" >>"$CH_LOGS/stdout.log"
  spawn "$CH_PIDFILE" "$CH_LOGS/stdout.log" "$CH_DATA" \
    "${CH_SERVER_CMD[@]}" --config-file="$CH_CONF_DIR/config.xml"
  pid=$(<"$CH_PIDFILE")
  ch_wait_ready "$pid"
  ch_line "started in $(( $(now) - t0 ))s" "$pid"
}

ch_down() {
  local pid
  pid=$(ch_pid)
  if [[ -z $pid ]]; then
    rm -f "$CH_PIDFILE"
    say "clickhouse: not running (nothing to stop)"
    return 0
  fi
  stop_pid clickhouse "$pid" "$CH_PIDFILE"
}

ch_status() {
  local pid
  pid=$(ch_pid)
  if [[ -n $pid ]]; then
    say "clickhouse  running  pid $pid  address http://$CH_HOST:$CH_HTTP_PORT (native $CH_HOST:$CH_TCP_PORT)"
    return 0
  fi
  local other
  other=$(port_listener "$CH_HTTP_PORT")
  say "clickhouse  stopped  pid -  address http://$CH_HOST:$CH_HTTP_PORT${other:+  (port in use by another process: $(grep -o 'users:(.*)' <<<"$other" || echo unknown))}"
  return 3
}

ch_reset() {
  ch_down
  rm -rf "$CH_DATA" "$CH_LOGS" "$CH_CONF_DIR"
  say "clickhouse: deleted data, logs and config"
}

# shellcheck source=stack/clickhouse-cluster.sh
source "$STACK_DIR/clickhouse-cluster.sh"

# ---- dispatch ----------------------------------------------------------------
services_from_arg() {  # $1 optional service name -> SERVICES array
  case "${1:-all}" in
    all|"")      SERVICES=("${ALL_SERVICES[@]}") ;;
    kafka)       SERVICES=(kafka) ;;
    clickhouse|ch) SERVICES=(clickhouse) ;;
    *) die "unknown service '$1' (expected: kafka, clickhouse)" ;;
  esac
}

svc_fn() {  # $1 service, $2 action
  case $1 in
    kafka) "kafka_$2" ;;
    clickhouse) if chc_enabled; then "chc_$2"; else "ch_$2"; fi ;;
  esac
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  mkdir -p "$LOCAL"
  if [[ $cmd == kafka-class ]]; then
    [[ $# -ge 1 ]] || die "usage: stack.sh kafka-class MAIN_CLASS [ARGS...]"
    kafka_install >&2
    kafka_tool "$@"
    return
  fi
  [[ $# -gt 1 ]] && die "too many arguments"
  if [[ ${1:-} == kafka-* ]]; then
    declare -F kafka_node_cmd >/dev/null || die "'$1' is a node of a cluster: set STACK_KAFKA_BROKERS (>1)"
    kafka_node_cmd "$cmd" "$1"
    return
  fi
  local s rc=0
  SERVICES=()
  case "$cmd" in
    up)
      services_from_arg "${1:-}"
      for s in "${SERVICES[@]}"; do svc_fn "$s" up; done
      ;;
    down|stop)
      services_from_arg "${1:-}"
      # stop in reverse order
      local i
      for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do svc_fn "${SERVICES[$i]}" down; done
      ;;
    status)
      services_from_arg "${1:-}"
      for s in "${SERVICES[@]}"; do svc_fn "$s" status || rc=3; done
      # the exit status is for scripts; under npm a non-zero status also prints npm's own error lines
      if [[ $rc -ne 0 ]]; then say "status: not everything is running (start it with npm run stack:up or npm start): exit status 3, for scripts (under npm, the npm error lines that follow only repeat it)"; fi
      return $rc
      ;;
    reset)
      services_from_arg "${1:-}"
      for s in "${SERVICES[@]}"; do svc_fn "$s" reset; done
      ;;
    logs)
      services_from_arg "${1:-}"
      for s in "${SERVICES[@]}"; do
        case $s in
          kafka) kafka_logs ;;
          clickhouse) if chc_enabled; then chc_logs; else say "clickhouse: $CH_LOGS/clickhouse-server.log $CH_LOGS/clickhouse-server.err.log $CH_LOGS/stdout.log"; fi ;;
        esac
      done
      ;;
    -h|--help|help) usage ;;
    "") usage; exit 2 ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
