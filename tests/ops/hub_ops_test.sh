#!/usr/bin/env bash
# An operator's hub, through the real binaries (issue 13, section 2):
#   1. exit codes and --version of every binary (usage errors never CLI11's 106/109);
#   2. accord-hub --log-format json: every stderr line is one JSON object with
#      time, level, component, event and fields; agreement submissions and
#      refused publishes name the acting agency and never a record value;
#   3. grpc.health.v1 per service, and plain-HTTP /healthz and /readyz on the
#      metrics port (no client certificate);
#   4. `promtool check metrics` accepts /metrics; publish->delivery is observed;
#   5. rejection counts survive a restart;
#   6. accordctl agreement submit exits 3 (pending signatures) or 4 (not in force).
# Usage: hub_ops_test.sh REPO_ROOT BUILD_DIR
set -uo pipefail
root=$1
build=$2
work=$(mktemp -d)
source "$root/tests/connect/connect_env.sh"
py=/usr/bin/python3  # Debian's, with python3-grpcio

expect_exit() {  # expect_exit DESCRIPTION CODE COMMAND...: stdout+stderr in $work/last
  local what=$1 code=$2
  shift 2
  "$@" >"$work/last" 2>&1
  local rc=$?
  check "$what: exit $code (got $rc: $(head -c 300 "$work/last"))" test "$rc" -eq "$code"
}

# ---- 1. exit codes and --version ----
loadgen=$build/connectors/loadgen/accord-loadgen
kafka_mock=$build/hub/kafka/accord-kafka-mock
for bin in "$hubbin" "$ctl" "$connect" "$analyst" "$loadgen" "$kafka_mock"; do
  name=${bin##*/}
  [[ -x $bin ]] || { check "$name is built" false; continue; }
  expect_exit "$name --version" 0 "$bin" --version
  check "$name --version names itself" grep -q "^$name [0-9]" "$work/last"
  # An unknown option: the documented usage code (accordctl and accord-connect: 1, their tables; others 2).
  usage=2
  [[ $name == accordctl || $name == accord-connect ]] && usage=1
  expect_exit "$name --no-such-option" "$usage" "$bin" --no-such-option
done
expect_exit "accordctl bogus" 1 "$ctl" bogus
check "accordctl bogus names the command" grep -q "unknown command 'bogus'" "$work/last"
expect_exit "accordctl agreement bogus" 1 "$ctl" agreement bogus
check "accordctl agreement bogus names it" grep -q "accordctl agreement: unknown command 'bogus'" "$work/last"
expect_exit "accord-analyst bogus" 2 "$analyst" bogus
check "accord-analyst bogus names the command" grep -q "unknown command 'bogus'" "$work/last"
expect_exit "accord-hub --log-format xml" 2 "$hubbin" --log-format xml
expect_exit "accord-hub without TLS files (configuration error)" 2 "$hubbin" --data-dir "$work/nodata"
check "the configuration error names the keys" grep -q "tls.ca, tls.cert and tls.key" "$work/last"
expect_exit "accord-loadgen without --hub" 2 "$loadgen"

# ---- 2..4: a hub with JSON logs ----
accord_dev_agreements "$work" herts-police nhs-lister-ae csp-herts-analyst -- "$root"/deploy/agreements/*.yaml >/dev/null ||
  exit 1
trap 'accord_stop_hub; wait 2>/dev/null; rm -rf "$work"' EXIT
HUB_PORT=0
hub_args=(--metrics-listen 127.0.0.1:0 --hub-instance ops-hub --log-format json)
accord_start_hub "$work" "${hub_args[@]}" || exit 1
port=$HUB_PORT
accord_submit_agreement "$work" "$work"/agreements/*.yaml >/dev/null || exit 1

http() {  # http PATH FILE: prints the HTTP status, writes the body to FILE (plain HTTP, no client certificate)
  "$py" - "http://127.0.0.1:$HUB_METRICS_PORT$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
    status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
except OSError as e:
    status, body = 0, str(e).encode()
open(sys.argv[2], "wb").write(body)
print(status)
PY
}
check "/healthz answers 200 ok" test "$(http /healthz "$work/healthz")" = 200 -a "$(cat "$work/healthz")" = ok
check "/readyz answers 200 ready ($(cat "$work/readyz" 2>/dev/null))" test "$(http /readyz "$work/readyz")" = 200
check "/readyz says ready" grep -qx ready "$work/readyz"

"$py" "$root/tests/ops/grpc_health.py" "localhost:$port" "$work/pki/ca.crt" "$work/pki/herts-police.crt" \
  "$work/pki/herts-police.key" "" accord.v1.IngestService accord.v1.FeedService accord.v1.AgreementService \
  accord.v1.AuditService accord.v1.NoSuchService >"$work/health.out" 2>&1
for s in '""' accord.v1.IngestService accord.v1.FeedService accord.v1.AgreementService accord.v1.AuditService; do
  check "grpc health: $s SERVING ($(tr '\n' ';' <"$work/health.out"))" grep -qx "$s SERVING" "$work/health.out"
done
check "grpc health: an unknown service is NOT_FOUND" grep -qx "accord.v1.NoSuchService NOT_FOUND" "$work/health.out"

# Records: the sample file (accepted) and one row the hub rejects (an offence
# category the agreement does not allow).
mapping=$root/deploy/mappings/police_incidents.yaml
sample=$root/deploy/sample/police_incidents.csv
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$sample" >"$work/pub.out" 2>&1
check "sample published ($(cat "$work/pub.out"))" test $? -eq 0
bad=$work/bad.csv
{
  head -n 1 "$sample"
  printf 'OPS-1,41/900005/26,Jaywalking,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoe Clarke,02/06/1966,"x",AB12 CDE,N\r\n'
} >"$bad"
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$bad" >"$work/bad.out" 2>&1
check "one record rejected by the hub ($(cat "$work/bad.out"))" grep -q "rejected 1" "$work/bad.out"
accepted=$(sed -n 's/.*accepted \([0-9]*\),.*/\1/p' "$work/pub.out")

metric() {  # metric NAME_WITH_LABELS: its value in $work/metrics, or empty
  awk -v n="$1" '$1 == n { print $2 }' "$work/metrics"
}
for ((i = 0; i < 100; i++)); do
  http /metrics "$work/metrics" >/dev/null
  [[ $(metric accord_ingest_backlog_records) == 0 && -n $(metric accord_publish_delivery_seconds_count) &&
     $(metric accord_publish_delivery_seconds_count) -ge ${accepted:-1} ]] && break
  sleep 0.1
done
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics" >"$work/promtool.out" 2>&1
  check "promtool check metrics exits 0 ($(head -c 600 "$work/promtool.out"))" test $? -eq 0
else
  check "promtool is installed (scripts/bootstrap.sh installs prometheus)" false
fi
helps=$(grep -c '^# HELP ' "$work/metrics")
types=$(grep -c '^# TYPE ' "$work/metrics")
check "every family has HELP ($helps HELP, $types TYPE)" test "$helps" -eq "$types" -a "$types" -gt 10
check "units in names: accord_ledger_entries" test -n "$(metric accord_ledger_entries)"
check "units in names: accord_ingest_backlog_records" test -n "$(metric accord_ingest_backlog_records)"
check "publish->delivery observed for every accepted record ($(metric accord_publish_delivery_seconds_count) of $accepted)" \
  test "$(metric accord_publish_delivery_seconds_count)" -ge "${accepted:-1}"
reason_total=$(grep '^accord_records_rejected_total{' "$work/metrics" | awk '{ s += $2 } END { print s + 0 }')
check "the rejection is counted ($reason_total)" test "$reason_total" -eq 1

# ---- 5. rejection counts survive a restart ----
cp "$work/metrics" "$work/metrics.before"
accord_stop_hub
accord_start_hub "$work" "${hub_args[@]}" || exit 1
http /metrics "$work/metrics" >/dev/null
after_total=$(grep '^accord_records_rejected_total{' "$work/metrics" | awk '{ s += $2 } END { print s + 0 }')
check "rejections survive a restart ($after_total)" test "$after_total" -eq 1
for m in $(grep -o '^accord_records_rejected_by_source_total{[^}]*}' "$work/metrics.before"); do
  check "$m survives a restart" test "$(metric "$m")" = "$(awk -v n="$m" '$1 == n { print $2 }' "$work/metrics.before")"
done
check "accepted count survives a restart" \
  test "$(metric accord_records_accepted_total)" = "$(awk '$1 == "accord_records_accepted_total" { print $2 }' "$work/metrics.before")"

# ---- 6. accordctl agreement submit: 3 pending signatures, 4 not in force ----
expired=$work/expired.yaml
sed -e 's/^version: 1$/version: 2/' -e 's/^valid_until: .*/valid_until: 2026-06-30/' \
  -e 's/^review_by: .*/review_by: 2026-05-31/' "$work/agreements/ae-violence-cardiff.yaml" >"$expired"
accord_sign_agreement "$expired" "$work/keys" herts-police nhs-lister-ae csp-herts-analyst
submit() { "$ctl" agreement submit $(as nhs-lister-ae) "$@"; }
expect_exit "submit an expired agreement" 4 submit "$expired"
check "it says why" grep -q "not in force" "$work/last"
unsigned=$work/unsigned.yaml
sed -e 's/^version: 1$/version: 3/' "$work/agreements/ae-violence-cardiff.yaml" >"$unsigned"  # signatures no longer match
expect_exit "submit an agreement whose signatures do not match" 3 submit "$unsigned"
expect_exit "submit an agreement in force" 0 submit "$work/agreements/ae-violence-cardiff.yaml"
# A key change: version 4 gives nhs-lister-ae a new signing key (and is expired, so exit 4).
rekeyed=$work/rekeyed.yaml
sed -e 's/^version: 2$/version: 4/' "$expired" >"$rekeyed"
"$ctl" keygen --out "$work/keys/nhs-lister-ae-2" >/dev/null
"$ctl" agreement set-key "$rekeyed" --party nhs-lister-ae --public-key "$work/keys/nhs-lister-ae-2.pub" >/dev/null
for k in nhs-lister-ae-2 csp-herts-analyst; do "$ctl" agreement sign "$rekeyed" --key "$work/keys/$k.key" >/dev/null; done
expect_exit "submit a re-keyed (expired) version" 4 submit "$rekeyed"

# ---- 2. the JSON log, line by line ----
accord_stop_hub
"$py" - "$work/hub.log" >"$work/log_check.out" 2>&1 <<'PY'
import json, sys
bad, events = 0, []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        j = json.loads(line)
        assert isinstance(j, dict), "not an object"
        for key in ("time", "level", "component", "event", "fields"):
            assert key in j, f"no {key}"
        assert isinstance(j["fields"], dict), "fields is not an object"
        events.append(j)
    except Exception as e:
        bad += 1
        print(f"line {n} is not a structured JSON log line ({e}): {line[:200]}")
def has(component, event, **fields):
    return any(e["component"] == component and e["event"] == event and
               all(e["fields"].get(k) == v for k, v in fields.items()) for e in events)
checks = {
    "agreement submitted, with the acting agency": has("agreement", "submitted", agency="herts-police"),
    "records rejected at publish, with the acting agency": has("publish", "records_rejected", agency="herts-police"),
    "a key change, with the acting agency and the party": has("agreement", "key_changed", agency="nhs-lister-ae", party="nhs-lister-ae", key="signing"),
    "a submission refused or stored not in force is still logged": has("agreement", "submitted", agency="nhs-lister-ae"),
    "the hub's start": has("accord-hub", "message") or has("log", "backend"),
}
for what, ok in checks.items():
    if not ok:
        bad += 1
        print("missing:", what)
print(f"{len(events)} lines, {bad} problems")
sys.exit(1 if bad else 0)
PY
check "hub.log: every line structured JSON with the expected events ($(tail -c 800 "$work/log_check.out"))" test $? -eq 0
check "no record value in the hub's log" bash -c "! grep -q 'Clarke\|AL1 3XY\|Jaywalking' '$work/hub.log'"

echo "hub_ops_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
