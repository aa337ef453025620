#!/usr/bin/env bash
# A real Apache Kafka cluster on loopback for the tests and scripts/loadgen.sh --kafka:
# 3 combined broker+controller nodes in KRaft mode, random free ports, its own directory,
# small heaps. The broker version is pinned in scripts/kafka/pom.xml and resolved with
# Maven (cached in ~/.m2) into $ACCORD_BUILD_DIR/kafka/libs.
#
#   scripts/kafka.sh install              resolve the pinned broker (idempotent)
#   scripts/kafka.sh start DIR            write configs (unless DIR/node-*/server.properties
#                                         exist already, e.g. from compose_brokers.py), format
#                                         storage, start 3 nodes, wait until all are running;
#                                         prints the bootstrap servers (also in DIR/bootstrap)
#   scripts/kafka.sh stop DIR             SIGTERM every node, SIGKILL after 30 s; idempotent
#   scripts/kafka.sh kill DIR NODE        SIGKILL one node (1..3); its data stays
#   scripts/kafka.sh restart DIR NODE     start a killed/stopped node again on its data, wait
#   scripts/kafka.sh wait DIR NODE        wait until NODE logs that it is running (90 s)
#   scripts/kafka.sh quorum-leader DIR    the node id of the active controller
#
# DIR/node-N/{server.properties,data/,log,pid}; DIR/bootstrap; DIR/cluster-id.
# Environment: ACCORD_BUILD_DIR (default build/), ACCORD_KAFKA_HEAP (default 256m),
# ACCORD_KAFKA_PROTOCOL (PLAINTEXT; for generated configs only).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ACCORD_BUILD_DIR:-$root/build}
libs=$build/kafka/libs
py=/usr/bin/python3
nodes=(1 2 3)

die() { echo "kafka.sh: $*" >&2; exit 1; }

install_kafka() {
  local stamp=$libs/.pom.sha256 sum
  sum=$(sha256sum "$root/scripts/kafka/pom.xml" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then return 0; fi
  command -v mvn >/dev/null || die "maven is missing (scripts/bootstrap.sh installs it)"
  command -v java >/dev/null || die "java is missing (scripts/bootstrap.sh installs openjdk-17-jre-headless)"
  rm -rf "$libs"
  mkdir -p "$libs"
  if ! mvn -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs" -DincludeScope=runtime >"$build/kafka/mvn.log" 2>&1; then
    cat "$build/kafka/mvn.log" >&2
    die "resolving the Kafka broker with Maven failed"
  fi
  echo "$sum" >"$stamp"
}

java_cmd() {  # java_cmd NODE_DIR MAIN ARGS...
  local node_dir=$1 main=$2
  shift 2
  exec java -Xmx"${ACCORD_KAFKA_HEAP:-256m}" -Xms64m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info \
    -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$libs/*" "$main" "$@"
}

free_ports() {  # free_ports N: N distinct free loopback ports
  "$py" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

write_configs() {  # write_configs DIR: the default loopback PLAINTEXT cluster
  local dir=$1 proto=${ACCORD_KAFKA_PROTOCOL:-PLAINTEXT}
  read -r -a ports <<<"$(free_ports 6)"
  local voters="1@127.0.0.1:${ports[3]},2@127.0.0.1:${ports[4]},3@127.0.0.1:${ports[5]}"
  "$py" -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))' \
    >"$dir/cluster-id"
  for n in "${nodes[@]}"; do
    local nd=$dir/node-$n b=${ports[$((n - 1))]} c=${ports[$((n + 2))]}
    mkdir -p "$nd/data"
    cat >"$nd/server.properties" <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=$proto://127.0.0.1:$b,CONTROLLER://127.0.0.1:$c
advertised.listeners=$proto://127.0.0.1:$b
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,$proto:$proto
inter.broker.listener.name=$proto
log.dirs=$nd/data
$(common_properties)
EOF
  done
}

# Settings every test cluster shares: durable like production (RF 3, min ISR 2),
# small thread pools for a 2-core machine, fast retention checks for the
# retention test, no delayed first rebalance.
common_properties() {
  cat <<EOF
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
log.retention.check.interval.ms=1000
log.segment.delete.delay.ms=1000
log.cleaner.dedupe.buffer.size=16777216
EOF
}

node_running() {  # node_running DIR NODE
  local pidf=$1/node-$2/pid
  [[ -f $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

launch() {  # launch DIR NODE
  local nd=$1/node-$2
  node_running "$1" "$2" && return 0
  # A fresh log per start: wait() looks for this start's "started" line.
  [[ -f $nd/log ]] && cat "$nd/log" >>"$nd/log.old"
  (java_cmd "$nd" kafka.Kafka "$nd/server.properties") >"$nd/log" 2>&1 </dev/null &
  echo $! >"$nd/pid"
}

wait_node() {  # wait_node DIR NODE
  local nd=$1/node-$2
  for _ in $(seq 900); do
    if grep -q "Kafka Server started" "$nd/log" 2>/dev/null; then return 0; fi
    if ! node_running "$1" "$2"; then
      tail -40 "$nd/log" >&2
      die "node $2 exited while starting (log: $nd/log)"
    fi
    sleep 0.1
  done
  tail -40 "$nd/log" >&2
  die "node $2 did not start within 90 s (log: $nd/log)"
}

stop_nodes() {  # stop_nodes DIR
  local dir=$1 pids=()
  for n in "${nodes[@]}"; do
    if node_running "$dir" "$n"; then pids+=("$(cat "$dir/node-$n/pid")"); fi
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 300); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  for n in "${nodes[@]}"; do rm -f "$dir/node-$n/pid"; done
}

bootstrap_of() {  # the advertised client listeners, comma-separated
  local dir=$1 out=()
  for n in "${nodes[@]}"; do
    out+=("$(sed -n 's#^advertised.listeners=[A-Z_]*://##p' "$dir/node-$n/server.properties" | cut -d, -f1)")
  done
  (IFS=,; echo "${out[*]}")
}

cmd=${1:-}
case $cmd in
  install)
    install_kafka
    ;;
  start)
    dir=${2:?usage: kafka.sh start DIR}
    install_kafka
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ -f $dir/node-1/server.properties ]] || write_configs "$dir"
    [[ -f $dir/cluster-id ]] || die "$dir/cluster-id is missing"
    cluster_id=$(cat "$dir/cluster-id")
    for n in "${nodes[@]}"; do
      nd=$dir/node-$n
      if [[ ! -f $nd/data/meta.properties ]]; then
        (java_cmd "$nd" kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" \
          -c "$nd/server.properties") >"$nd/format.log" 2>&1 &
      fi
    done
    for job in $(jobs -p); do
      wait "$job" || { cat "$dir"/node-*/format.log >&2; die "formatting storage failed"; }
    done
    for n in "${nodes[@]}"; do launch "$dir" "$n"; done
    for n in "${nodes[@]}"; do wait_node "$dir" "$n"; done
    bootstrap_of "$dir" >"$dir/bootstrap"
    cat "$dir/bootstrap"
    ;;
  stop)
    dir=${2:?usage: kafka.sh stop DIR}
    [[ -d $dir ]] && stop_nodes "$dir"
    ;;
  kill)
    dir=${2:?usage: kafka.sh kill DIR NODE}
    node=${3:?usage: kafka.sh kill DIR NODE}
    if node_running "$dir" "$node"; then
      pid=$(cat "$dir/node-$node/pid")
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -f "$dir/node-$node/pid"
    ;;
  restart)
    dir=${2:?usage: kafka.sh restart DIR NODE}
    node=${3:?usage: kafka.sh restart DIR NODE}
    launch "$dir" "$node"
    wait_node "$dir" "$node"
    ;;
  wait)
    wait_node "${2:?}" "${3:?}"
    ;;
  quorum-leader)
    dir=${2:?usage: kafka.sh quorum-leader DIR}
    ctrl=()
    for n in "${nodes[@]}"; do
      node_running "$dir" "$n" || continue
      ctrl+=("$(sed -n 's#^listeners=.*CONTROLLER://\([^,]*\).*#\1#p' "$dir/node-$n/server.properties")")
    done
    ((${#ctrl[@]})) || die "no node is running"
    (IFS=,; java_cmd "$dir" org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-controller "${ctrl[*]}" \
      describe --status) | sed -n 's/^LeaderId:[[:space:]]*//p'
    ;;
  *)
    sed -n '2,20p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
