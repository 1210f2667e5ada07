#!/usr/bin/env bash
# Local single-node Kafka (KRaft, combined broker+controller) from Maven Central jars.
# No Docker, no tarball download: see deploy/kafka/README.md.
#
#   kafka.sh fetch | start | stop | status | topics | describe | reset | tool CLASS [ARGS...]
#
# Several instances can run side by side: give each its own KAFKA_PORT,
# KAFKA_CONTROLLER_PORT and KAFKA_DATA_DIR.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd "$HERE/../.." && pwd -P)"

# Topics as NAME:PARTITIONS; the one place to extend. KAFKA_TOPICS (space-separated) overrides.
TOPICS=(
  fleetcare.intake:6 fleetcare.parts:6 fleetcare.dispatch:6 fleetcare.quality:6
  fleetcare.dlt.intake:6 fleetcare.dlt.parts:6 fleetcare.dlt.dispatch:6 fleetcare.dlt.quality:6
)
if [[ -n "${KAFKA_TOPICS:-}" ]]; then read -r -a TOPICS <<<"$KAFKA_TOPICS"; fi

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$REPO/.data/kafka}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
CACHE_DIR="$(realpath -m "${FLEETCARE_CACHE:-$REPO/.cache}/kafka")"
LIBS="$CACHE_DIR/libs"
ADMIN_CLASSES="$CACHE_DIR/admin"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVAC="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

log() { echo "kafka.sh: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Absolute, symlink-free path: it is matched against the broker's command line.
DATA="$(realpath -m "$KAFKA_DATA_DIR")"
CONFIG="$DATA/server.properties"
PID_FILE="$DATA/kafka.pid"
SERVER_LOG="$DATA/server.log"

# Keep git from seeing the cache and data dirs when they live inside the repo.
ignore_in_repo() {
  local rel
  case "$1" in
  "$REPO"/*)
    rel="${1#"$REPO"/}"
    [[ -e "$REPO/${rel%%/*}/.gitignore" ]] || echo '*' >"$REPO/${rel%%/*}/.gitignore"
    ;;
  esac
}

# ---------------------------------------------------------------- jars

fetch() {
  command -v "$JAVA" >/dev/null || die "java not found (needs a JDK 17+: apt-get install -y openjdk-17-jdk-headless)"
  mkdir -p "$CACHE_DIR"
  ignore_in_repo "$CACHE_DIR"
  # Two instances starting at once (make run + tests) must not fetch into the same dir.
  exec 9>"$CACHE_DIR/.lock"
  flock 9
  local stamp
  stamp="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  # The marker holds the pom's hash: a version bump in pom.xml fetches again.
  if [[ "$(cat "$LIBS/.complete" 2>/dev/null)" != "$stamp" ]]; then
    command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
    log "fetching Kafka jars with Maven into $LIBS"
    rm -rf "$LIBS.tmp"
    # Output goes to a file (Maven's ANSI noise); shown only when it fails.
    if ! mvn -q -B -f "$HERE/pom.xml" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory="$LIBS.tmp" -DincludeScope=runtime >"$CACHE_DIR/maven.log" 2>&1; then
      cat "$CACHE_DIR/maven.log" >&2
      die "Maven could not fetch the Kafka jars (log: $CACHE_DIR/maven.log)"
    fi
    echo "$stamp" >"$LIBS.tmp/.complete"
    rm -rf "$LIBS" "$CACHE_DIR/cds" # a class archive only matches the jars it was made from
    mv "$LIBS.tmp" "$LIBS"
  fi
  # The topic helper is compiled once; recompiled only when its source changes.
  if [[ ! "$ADMIN_CLASSES/KafkaAdmin.class" -nt "$HERE/KafkaAdmin.java" ]] ||
    [[ ! "$ADMIN_CLASSES/KafkaAdmin.class" -nt "$LIBS/.complete" ]]; then
    if command -v "$JAVAC" >/dev/null; then
      rm -rf "$ADMIN_CLASSES"
      mkdir -p "$ADMIN_CLASSES"
      "$JAVAC" --release 17 -nowarn -d "$ADMIN_CLASSES" -cp "$LIBS/*" "$HERE/KafkaAdmin.java"
    else
      log "no javac: topics will be created with TopicCommand (slower)"
    fi
  fi
  exec 9>&-
}

# Class-data-sharing archive of the broker's classes: cuts JVM start by ~1 s. The first
# broker writes it at exit into its data dir (no clash between instances); stop moves it
# into the cache. Keyed by pom and JVM build, so an upgrade of either makes a new one.
cds_archive() {
  local java_bin
  java_bin="$(realpath -m "$(command -v "$JAVA" || echo "$JAVA")")"
  echo "$CACHE_DIR/cds/kafka-$(cut -c1-12 "$LIBS/.complete")-$(stat -c %Y "$java_bin").jsa"
}

# Sets CDS_OPTS for the broker JVM.
cds_opts() {
  CDS_OPTS=()
  [[ "${KAFKA_CDS:-1}" == 1 ]] || return 0
  local archive
  archive="$(cds_archive)"
  rm -f "$DATA/kafka.jsa" # half-written if a broker was killed while dumping
  # Warnings about classes CDS can't store are harmless; keep them out of the logs.
  CDS_OPTS=(-Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)
  if [[ -f "$archive" ]]; then
    CDS_OPTS+=("-XX:SharedArchiveFile=$archive")
  else
    CDS_OPTS+=("-XX:ArchiveClassesAtExit=$DATA/kafka.jsa")
  fi
}

cds_collect() {
  [[ -f "$DATA/kafka.jsa" ]] || return 0
  if [[ ! -f "$LIBS/.complete" ]]; then # jars were wiped meanwhile: archive is useless
    rm -f "$DATA/kafka.jsa"
    return 0
  fi
  local archive
  archive="$(cds_archive)"
  mkdir -p "$CACHE_DIR/cds"
  if [[ ! -f "$archive" ]]; then
    # Copy then rename: the cache may be on another file system than the data dir.
    cp "$DATA/kafka.jsa" "$archive.tmp.$$" && mv "$archive.tmp.$$" "$archive"
  fi
  rm -f "$DATA/kafka.jsa"
}

# Runs a short-lived JVM tool on the Kafka classpath with quiet logging.
run_tool() {
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$HERE/log4j2-tools.xml" \
    -cp "$LIBS/*:$ADMIN_CLASSES" "$@"
}

# ---------------------------------------------------------------- process

# Broker pids for this data dir, found by command line, so a stale or missing
# pid file (or a reused pid) can't make us miss our broker or signal a stranger.
broker_pids() {
  local proc cmd
  for proc in /proc/[0-9]*; do
    cmd="$( { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null)" || continue
    if [[ "$cmd" == *" kafka.Kafka $CONFIG "* ]]; then
      echo "${proc#/proc/}"
    fi
  done
}

is_running() { [[ -n "$(broker_pids)" ]]; }

# A running broker keeps the port it was started with, whatever the env says now.
use_running_port() {
  local port
  port="$(sed -n 's|^listeners=PLAINTEXT://127\.0\.0\.1:\([0-9]*\),.*|\1|p' "$CONFIG" 2>/dev/null)"
  if [[ -n "$port" && "$port" != "$KAFKA_PORT" ]]; then
    log "warning: the broker for $DATA listens on $port, not KAFKA_PORT=$KAFKA_PORT"
    BOOTSTRAP="127.0.0.1:$port"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  # Regenerated on every start so env changes apply. Static quorum voters (not
  # --standalone) keep the controller endpoint out of the formatted metadata,
  # so the same data dir may be restarted on other ports.
  cat >"$CONFIG" <<EOF
# Generated by deploy/kafka/kafka.sh; edits are overwritten on start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/data
# Topics are created explicitly by kafka.sh, so a typo fails instead of making a topic.
auto.create.topics.enable=false
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
# One broker: internal topics can only have one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Few partitions: the default 50 makes the first group join slow.
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
share.coordinator.state.topic.num.partitions=6
# Consumers join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# The cleaner allocates this on the heap at start (default 128 MiB; heap is 512 MiB).
log.cleaner.dedupe.buffer.size=16777216
num.recovery.threads.per.data.dir=1
EOF
}

# Same format as `StorageTool random-uuid` (16 random bytes, unpadded base64url, not
# starting with "-"), without paying for a JVM start.
new_cluster_id() {
  local id
  while id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"; [[ "$id" == -* ]]; do :; done
  echo "$id"
}

# Format once; the cluster id is kept in the data dir (a new id would not start).
format_storage() {
  [[ -f "$DATA/data/meta.properties" ]] && return 0
  [[ -s "$DATA/cluster.id" ]] || new_cluster_id >"$DATA/cluster.id"
  log "formatting $DATA/data (cluster id $(cat "$DATA/cluster.id"))"
  run_tool kafka.tools.StorageTool format -c "$CONFIG" -t "$(cat "$DATA/cluster.id")" >/dev/null
}

ensure_topics() {
  if [[ -f "$ADMIN_CLASSES/KafkaAdmin.class" ]]; then
    run_tool KafkaAdmin ensure "$BOOTSTRAP" "$KAFKA_START_TIMEOUT" "${TOPICS[@]}"
  else
    # One JVM per topic, in parallel. (Not `wait` alone: the broker is our child too.)
    local spec parts job rc=0
    local -a jobs=()
    for spec in "${TOPICS[@]}"; do
      parts=1
      [[ "$spec" == *:* ]] && parts="${spec##*:}"
      run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
        --create --if-not-exists --topic "${spec%%:*}" --partitions "$parts" \
        --replication-factor 1 >/dev/null &
      jobs+=("$!")
    done
    for job in "${jobs[@]}"; do wait "$job" || rc=1; done
    return "$rc"
  fi
}

# One start/stop/reset at a time per data dir.
lock_data() {
  mkdir -p "$DATA"
  exec 8>"$DATA/.lock"
  flock 8
}

start() {
  fetch
  lock_data
  if is_running; then
    use_running_port
    log "already running (pid $(broker_pids | paste -sd " ")) on $BOOTSTRAP; ensuring topics"
    ensure_topics
    return 0
  fi
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$port" && die "port $port is in use by another process (set KAFKA_PORT/KAFKA_CONTROLLER_PORT)"
  done
  ignore_in_repo "$DATA"
  write_config
  format_storage

  # Remember where this run's log starts so an old "started" line doesn't count.
  local offset heap_opts
  offset="$(stat -c %s "$SERVER_LOG" 2>/dev/null || echo 0)"
  read -r -a heap_opts <<<"$KAFKA_HEAP"
  cds_opts
  local -a extra_opts=()
  if [[ -n "${KAFKA_JVM_OPTS:-}" ]]; then read -r -a extra_opts <<<"$KAFKA_JVM_OPTS"; fi
  # setsid+nohup: survives the caller's shell, Ctrl-C in make, and hangups.
  # The lock fds are closed so the broker does not hold them forever.
  nohup setsid "$JAVA" "${heap_opts[@]}" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "${CDS_OPTS[@]}" "${extra_opts[@]}" \
    -Dkafka.logs.dir="$DATA" -Dlog4j2.configurationFile="$HERE/log4j2.xml" \
    -cp "$LIBS/*" kafka.Kafka "$CONFIG" \
    </dev/null >>"$DATA/console.log" 2>&1 8>&- 9>&- &
  echo $! >"$PID_FILE"
  log "starting broker on $BOOTSTRAP (pid $!, data $DATA)"

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  # (Process substitution, not a pipe: with pipefail, grep -q exiting early fails the pipe.)
  until grep -q 'Kafka Server started' < <(tail -c +$((offset + 1)) "$SERVER_LOG" 2>/dev/null); do
    if ! is_running; then
      tail -n 30 "$DATA/console.log" "$SERVER_LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "broker exited during startup (logs in $DATA)"
    fi
    ((SECONDS < deadline)) || die "broker not ready after ${KAFKA_START_TIMEOUT}s (logs in $DATA)"
    sleep 0.2
  done
  ensure_topics
  log "ready on $BOOTSTRAP"
}

stop() {
  if [[ ! -d "$DATA" ]]; then
    log "not running ($DATA does not exist)"
    return 0
  fi
  lock_data
  local pids
  pids="$(broker_pids)"
  if [[ -z "$pids" ]]; then
    rm -f "$PID_FILE"
    log "not running ($DATA)"
    return 0
  fi
  # SIGTERM = controlled shutdown; SIGKILL only if it hangs.
  # shellcheck disable=SC2086 # one pid per word
  kill -TERM $pids 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while is_running && ((SECONDS < deadline)); do sleep 0.2; done
  if is_running; then
    log "no exit after 30 s, sending SIGKILL"
    pids="$(broker_pids)"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while is_running && ((SECONDS < deadline)); do sleep 0.1; done
    rm -f "$DATA/kafka.jsa" # may be cut short
  fi
  rm -f "$PID_FILE"
  cds_collect
  log "stopped ($DATA)"
}

status() {
  if is_running; then
    use_running_port 2>/dev/null
    echo "running: pid $(broker_pids | paste -sd " ") bootstrap $BOOTSTRAP data $DATA"
  else
    echo "stopped: data $DATA"
    return 3
  fi
}

reset() {
  stop
  [[ -d "$DATA" ]] || return 0
  # Guard against wiping a directory that is not a kafka.sh data dir.
  if [[ -n "$(ls -A "$DATA")" && ! -f "$CONFIG" ]]; then
    die "$DATA does not look like a kafka.sh data dir; not wiping it"
  fi
  rm -rf "$DATA"
  log "wiped $DATA"
}

usage() {
  cat >&2 <<EOF
usage: $0 fetch|start|stop|status|topics|describe|reset|tool CLASS [ARGS...]
env: KAFKA_PORT=$KAFKA_PORT KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
     KAFKA_DATA_DIR=$DATA KAFKA_HEAP='$KAFKA_HEAP'
EOF
  exit 2
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
fetch) fetch ;;
start) start ;;
stop) stop ;;
status) status ;;
topics)
  fetch
  is_running || die "not running ($DATA)"
  use_running_port
  ensure_topics
  ;;
describe)
  fetch
  is_running || die "not running ($DATA)"
  use_running_port
  if [[ -f "$ADMIN_CLASSES/KafkaAdmin.class" ]]; then
    run_tool KafkaAdmin describe "$BOOTSTRAP"
  else
    run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --describe
  fi
  ;;
reset) reset ;;
tool)
  [[ $# -gt 0 ]] || usage
  fetch
  run_tool "$@"
  ;;
*) usage ;;
esac
