#!/usr/bin/env bash
# Runs scripts/loadgen.sh for a few seconds at 1,000 records/s and checks the
# JSON report: records acknowledged and delivered to both recipients (two
# flows), none rejected or undelivered, latencies and the hub's RSS reported.
# With a third argument "kafka": the hub on librdkafka's mock cluster
# (loadgen.sh --kafka), and the raw librdkafka report too.
set -euo pipefail
root=$1 build=$2 mode=${3:-embedded}
kafka=()
[[ $mode == kafka ]] && kafka=(--kafka)
out=$(ACCORD_BUILD_DIR=$build bash "$root/scripts/loadgen.sh" "${kafka[@]}" -n 2 -m 2 -r 1000 -d 2 --warmup 1 --drain 60 --json)
echo "$out"
python3 - "$out" "$mode" <<'PY'
import json, sys
reports = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
r = reports[0]
problems = []
if sys.argv[2] == "kafka":
    if len(reports) != 2:
        problems.append("no raw librdkafka report")
    elif reports[1]["consumed"] != reports[1]["records"] or not reports[1]["consumed_per_second"] > 0:
        problems.append(f"raw librdkafka: {reports[1]}")
if r["accepted"] < 1500: problems.append(f"only {r['accepted']} records acknowledged")
if r["sent"] != r["accepted"]: problems.append(f"sent {r['sent']} but accepted {r['accepted']}")
if r["rejected"]: problems.append(f"rejected: {r['rejected']}")
if r["delivered_min_per_subscriber"] != r["accepted"]:
    problems.append(f"a subscriber got {r['delivered_min_per_subscriber']} of {r['accepted']}")
if r["undelivered_after_drain"] != 0: problems.append("records undelivered")
for k in ("ack_p50_ms", "ack_p99_ms", "delivery_p50_ms", "delivery_p99_ms", "hub_peak_rss_mib",
          "hub_cpu_us_per_record", "loadgen_cpu_us_per_record", "flow_engine_us_per_record",
          "hub_overhead_ratio"):
    if not r[k] > 0: problems.append(f"{k} not reported")
if r["flows_per_record"] != 2: problems.append(f"flows per record {r['flows_per_record']}, the agreement has 2")
if abs(r["hub_overhead_ratio"] * r["flow_engine_us_per_record"] - r["hub_cpu_us_per_record"]) > 0.01 * r["hub_cpu_us_per_record"]:
    problems.append("hub_overhead_ratio is not hub CPU / flow-engine CPU per record")
if not r["ack_p50_ms"] <= r["ack_p99_ms"]: problems.append("ack p50 > p99")
if not 500 <= r["acked_per_second"] <= 1100: problems.append(f"rate {r['acked_per_second']} off the 1000/s target")
if r["error"]: problems.append(r["error"])
for p in problems: print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
echo "loadgen_smoke ($mode): ok"
