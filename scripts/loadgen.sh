#!/usr/bin/env bash
# Load test of accord-hub on the embedded default (RocksDB), over mTLS: makes a
# dev PKI and signing keys, signs deploy/loadgen/agreement.yaml (16 fields, two
# flows), starts a hub, submits the agreement, runs accord-loadgen with the
# given options, then stops the hub. Everything lives in a temp dir.
#
#   scripts/loadgen.sh [accord-loadgen options]       e.g. -n 2 -m 2 -d 20
#   scripts/loadgen.sh --rate 20000 --json
#   scripts/loadgen.sh --kafka [options]   the hub on real Apache Kafka: a 3-node KRaft
#       cluster on loopback (scripts/kafka.sh, the version pinned in scripts/kafka/pom.xml),
#       then raw librdkafka produce+consume of the hub's own ingest record bytes on the
#       same cluster in the same run, for the hub/raw ratio; the cluster is stopped after.
#   scripts/loadgen.sh --kafka-mock [options]   the same on librdkafka's mock cluster
#       (accord-kafka-mock), which serves one message set per partition per fetch and
#       keeps ~5 MB per partition: for comparison only.
# Environment: ACCORD_BUILD_DIR (default build/), ACCORD_HUB_BIN (another accord-hub binary, for A/B
# runs), ACCORD_HUB_ARGS (extra hub flags), RAW_RECORDS
# (records of the raw librdkafka run with --kafka, default 40000),
# KEEP=1 keeps the work dir.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ACCORD_BUILD_DIR:-$root/build}
# shellcheck source=SCRIPTDIR/lib/hub_env.sh
source "$root/scripts/lib/hub_env.sh"
accord_use_build "$build"
loadgen=$build/connectors/loadgen/accord-loadgen
mock=$build/hub/kafka/accord-kafka-mock
kafka=0
real_kafka=0
if [[ ${1:-} == --kafka ]]; then kafka=1; real_kafka=1; shift; fi
if [[ ${1:-} == --kafka-mock ]]; then kafka=1; shift; fi
for b in "$ctl" "$hubbin" "$loadgen" "$mock"; do
  [[ -x $b ]] || { echo "loadgen.sh: $b is not built (run scripts/build.sh)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/accord-loadgen.XXXXXX)
mock_pid=
cleanup() {
  accord_stop_hub
  [[ $real_kafka == 1 ]] && bash "$root/scripts/kafka.sh" stop "$work/kafka"
  [[ -n $mock_pid ]] && { kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null || true; }
  [[ ${KEEP:-0} == 1 ]] && echo "work dir kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
parties=(loadgen-police loadgen-csp loadgen-council)
accord_dev_pki "$work/pki" "${parties[@]}" >/dev/null
accord_party_keys "$work" "${parties[@]}"
doc=$work/agreement.yaml
cp "$root/deploy/loadgen/agreement.yaml" "$doc"
accord_sign_agreement "$doc" "$work" "${parties[@]}"
hub_config=()
if [[ $real_kafka == 1 ]]; then
  echo "starting a 3-node Apache Kafka cluster on loopback (scripts/kafka.sh)" >&2
  brokers=$(ACCORD_BUILD_DIR=$build bash "$root/scripts/kafka.sh" start "$work/kafka")
elif [[ $kafka == 1 ]]; then
  # The mock keeps ~5 MB per partition: 12 ingest partitions let the hub lag
  # about 60k records behind its acks before the mock deletes unread ones.
  "$mock" serve --topic accord.ingest:12 --topic accord.journal:1 --topic accord.quarantine:1 --topic raw:12 \
    --topic accord.feed.loadgen-csp:1 --topic accord.feed.loadgen-council:1 >"$work/mock.out" 2>"$work/mock.log" &
  mock_pid=$!
  for _ in $(seq 100); do grep -q "^bootstraps " "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
  brokers=$(sed -n 's/^bootstraps //p' "$work/mock.out")
  [[ -n $brokers ]] || { echo "loadgen.sh: the mock cluster did not start" >&2; cat "$work/mock.log" >&2; exit 1; }
fi
if [[ $kafka == 1 ]]; then
  cat >"$work/hub.yaml" <<YAML
log_backend: kafka
kafka:
  brokers: "$brokers"
  partitions: 12
  replication_factor: 3
  properties:
    log_level: 3
${ACCORD_KAFKA_PROPERTIES:-}
YAML
  hub_config=(--config "$work/hub.yaml")
fi
# shellcheck disable=SC2086
accord_start_hub "$work" "${hub_config[@]}" --metrics-listen "" --hub-instance loadgen-hub ${ACCORD_HUB_ARGS:-}
accord_submit_agreement "$work" "$doc" >/dev/null  # as loadgen-police, the first party
"$loadgen" --hub "localhost:$HUB_PORT" --pki "$work/pki" --hub-pid "$HUB_PID" --agreement "$doc" "$@"
if [[ $real_kafka == 1 ]]; then
  echo "raw librdkafka on the same Kafka cluster, the hub's own ingest record bytes:"
  accord_stop_hub  # the raw clients get the machine to themselves, as the hub had
  "$mock" raw --bootstrap "$brokers" --from-topic accord.ingest --topic raw --records "${RAW_RECORDS:-40000}" \
    --create-partitions 12
elif [[ $kafka == 1 ]]; then
  echo "raw librdkafka on the same mock cluster, the hub's own ingest record bytes:"
  "$mock" raw --bootstrap "$brokers" --from-topic accord.ingest --topic raw --records 40000
fi
