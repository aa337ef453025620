#!/usr/bin/env bash
# accord-analyst end to end through a real hub over mTLS: known police records
# in, known figures and suppression out (CSV and JSON); a restart resumes
# without duplicates; a backfill from the audit store rebuilds the same
# state; the HTTP endpoint serves the live figures.
# Usage: analyst_e2e_test.sh REPO_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
work=$(mktemp -d)
source "$root/tests/analyst/hub_env.sh"
start_hub "$root/deploy/agreements/police-crime-analyst.yaml" || exit 1   # threshold 10

# Known records: cell A (The Crown area) 12 robberies in Sep 2026 and 3 in
# Oct; cell B 4 thefts and 15 criminal damage in Sep. Then, later, 5
# burglaries in Nov.
records() {  # records FIRST_ID COUNT CATEGORY MONTH DAY0 LAT LON
  python3 - "$@" <<'PY'
import json, sys
first, n, cat, month, day0, lat, lon = sys.argv[1:]
for i in range(int(n)):
    rid = int(first) + i
    t = "2026-%s-%02dT21:00:00Z" % (month, (int(day0) + i - 1) % 28 + 1)
    print(json.dumps({"provider": "herts-police", "dataset": "recorded_crime", "datasetVersion": 2,
        "recordId": "T-%06d" % rid, "eventTime": t, "fields": [
        {"name": "crime_reference", "value": {"text": "41/%06d/26" % rid}},
        {"name": "offence_category", "value": {"text": cat}},
        {"name": "occurred_at", "value": {"datetime": t}},
        {"name": "location", "value": {"geo": {"lat": float(lat), "lon": float(lon)}}},
        {"name": "location_postcode", "value": {"text": "AL1 3XY"}},
        {"name": "victim_name", "value": {"text": "Victim %d Smith" % rid}},
        {"name": "victim_date_of_birth", "value": {"date": "1980-01-01"}}]}))
PY
}
A="51.75393385796225 -0.3387142476725823"
B="51.75727885916446 -0.32844396404320003"
{ records 1 12 robbery 09 1 $A; records 100 3 robbery 10 1 $A; records 200 4 theft 09 1 $B; records 400 15 criminal_damage 09 1 $B; } >"$work/batch1.jsonl"
records 300 5 burglary_residential 11 2 $A >"$work/batch2.jsonl"
"$connect" publish $(as herts-police) --jsonl "$work/batch1.jsonl" --dead-letter "$work/dl1" >/dev/null ||
  { echo "FAIL: publish batch 1"; exit 1; }

state=$work/state
"$analyst" sync $(as csp-herts-analyst) --state "$state" --idle 2 >"$work/sync1.out" 2>&1
check "first sync stores 34 (got: $(cat "$work/sync1.out"))" grep -q "^Stored 34 new records (0 duplicates dropped); 34 in the state; next position 35" "$work/sync1.out"
"$analyst" report --state "$state" --out "$work/out1" --as csp-herts-analyst --as-of 2026-11-20 \
  --hub-metrics "127.0.0.1:$metrics_port" >"$work/report1.out" 2>&1
check "report names the HTML file" grep -q "^HTML report: $work/out1/report.html" "$work/report1.out"

# Figures, read back from the JSON and the CSV.
figure() {  # figure FILE PERIOD_KIND PERIOD CATEGORY AREA_PREFIX FIELD
  python3 - "$@" <<'PY'
import json, sys
path, kind, period, cat, area, field = sys.argv[1:]
rows = [r for r in json.load(open(path))["counts"] if r["period_kind"] == kind and r["period"] == period
        and r["category"] == cat and r["area"].startswith(area)]
print(rows[0][field] if rows else "(none)")
PY
}
J=$work/out1/figures.json
# Cell key method: every count is perturbed by at most 3 (the same records,
# the same change, in every table); counts under the threshold 10 are "<10".
near() {  # near VALUE TRUE: VALUE is a number within 3 of TRUE
  [[ $1 =~ ^[0-9]+$ ]] && (( $1 >= $2 - 3 && $1 <= $2 + 3 ))
}
near_or_hidden() {  # near_or_hidden VALUE TRUE T: as near, or "<T" where TRUE - 3 < T (the noise took it under)
  near "$1" "$2" || { [[ $1 == "<$3" ]] && (( $2 - 3 < $3 )); }
}
sep_robbery=$(figure "$J" month 2026-09 robbery BNG250:514750 count)
check "Sep robberies in cell A: 12 +-3 ($sep_robbery)" near_or_hidden "$sep_robbery" 12 10
check "Oct robberies in cell A: suppressed <10" test "$(figure "$J" month 2026-10 robbery BNG250:514750 count)" = "<10"
check "Oct change vs Sep withheld" test "$(figure "$J" month 2026-10 robbery BNG250:514750 change_vs_previous)" = ""
check "Sep thefts (4): suppressed" test "$(figure "$J" month 2026-09 theft BNG count)" = "<10"
sep_total=$(figure "$J" month 2026-09 all all count)
check "Sep total 31 +-3 ($sep_total)" near "$sep_total" 31
check "the quarter holds the same records as September: the same published count" \
  test "$(figure "$J" quarter 2026-Q3 all all count)" = "$sep_total"
check "first month: no comparison with months before the data" \
  test "$(figure "$J" month 2026-09 all all previous_period)" = "no earlier data"
check "the attacker check ran on the pack and recovers no small count" python3 - "$J" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["disclosure"]["attacker_check"]
assert c["recoverable_small_counts"] == 0 and c["model_errors"] == 0, c
assert c["small_counts_checked"] > 0 and c["relations"] > 0, c
PY
check "CSV has the same suppressed cell" grep -q "^recorded_crime,10,month,2026-10,robbery,BNG250:514750:[0-9]*,<10," "$work/out1/counts.csv"
check "CSV shows the published Sep robberies" grep -q "^recorded_crime,10,month,2026-09,robbery,BNG250:514750:[0-9]*,$sep_robbery," "$work/out1/counts.csv"
records_received=$(python3 -c "import json; print(json.load(open('$J'))['health']['datasets'][0]['records_received'])")
check "health: the record total is 34 +-3 ($records_received)" near "$records_received" 34
check "health: agreement dates listed" grep -q "^isa-herts-police-crime,1," "$work/out1/health_agreements.csv"
check "health: rejections read from the hub's metrics" python3 -c "import json,sys; h=json.load(open('$J'))['health']; sys.exit(0 if isinstance(h['rejections_hub_wide'], dict) else 1)"
check "health: rejections per agency and dataset agree with the hub-wide ones" python3 -c "
import json,sys; h=json.load(open('$J'))['health']; s=h['rejections_by_source']; w=h['rejections_hub_wide']
tot={}
for r in s: tot[r['reason']]=tot.get(r['reason'],0)+r['records']
sys.exit(0 if isinstance(s, list) and tot=={k:v for k,v in w.items() if v} else 1)"
check "no pseudonym, name or reference in any output" bash -c "! grep -rlE 'pz1_|Smith|41/0000|AL1 3XY' '$work/out1'"

# The analyst config: roles, the example boundary set and an intervention.
"$analyst" report --state "$state" --out "$work/outC" --as csp-herts-analyst --as-of 2026-11-20 \
  --config "$root/deploy/analyst/analyst.yaml" >"$work/reportC.out" 2>&1
check "report with the example analyst config" grep -q "^HTML report: " "$work/reportC.out"
check "neighbourhoods named from the boundary file, an intervention evaluated" python3 - "$work/outC/figures.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
assert any(r["neighbourhood"] == "City Centre (example)" for r in f["neighbourhoods"]), f["neighbourhoods"]
assert [v["name"] for v in f["interventions"]] == ["City centre night-time economy patrols (example)"], f["interventions"]
assert f["datasets"][0]["roles_from"] == "analyst config", f["datasets"]
assert f["disclosure"]["attacker_check"]["recoverable_small_counts"] == 0
# The example config publishes daily to quarterly; recorded_crime's agreement keeps the day.
assert any(r["period_kind"] == "day" and r["dataset"] == "recorded_crime" for r in f["counts"]), "no daily rows"
assert any(r["period_kind"] == "day" for r in f["neighbourhoods"]), "no daily neighbourhood rows"
assert "day" in f["datasets"][0]["periods"], f["datasets"]
PY
check "the HTML map is drawn with the area names" grep -q "City Centre (example)</text>" "$work/outC/report.html"
printf 'datasets:\n  recorded_crime:\n    category: offence_type\n' >"$work/bad.yaml"
"$analyst" report --state "$state" --out "$work/outD" --as csp-herts-analyst --config "$work/bad.yaml" >"$work/reportD.out" 2>&1
check "a config naming a field the agreement does not send is refused" \
  grep -q "role category names field 'offence_type', which no agreement sends you" "$work/reportD.out"
"$analyst" note --state "$state" --owner "J Bloggs" --subject herts-police --text "Monday exports arrive late" >/dev/null 2>&1
"$analyst" report --state "$state" --out "$work/outE" --as csp-herts-analyst --as-of 2026-11-20 >/dev/null 2>&1
check "the officer's note is in the register" grep -q "^note,N1 herts-police,Monday exports arrive late," "$work/outE/data_difficulties.csv"

# Restart: new records, the analyst resumes where it stopped; nothing doubles.
"$connect" publish $(as herts-police) --jsonl "$work/batch2.jsonl" --dead-letter "$work/dl2" >/dev/null ||
  { echo "FAIL: publish batch 2"; exit 1; }
"$analyst" sync $(as csp-herts-analyst) --state "$state" --idle 2 >"$work/sync2.out" 2>&1
check "resumed sync stores only the 5 new ($(cat "$work/sync2.out"))" grep -q "^Stored 5 new records (0 duplicates dropped); 39 in the state; next position 40" "$work/sync2.out"
"$analyst" sync $(as csp-herts-analyst) --state "$state" --idle 1 >"$work/sync3.out" 2>&1
check "a third sync stores nothing" grep -q "^Stored 0 new records (0 duplicates dropped); 39 in the state; next position 40" "$work/sync3.out"

# Backfill: a new analyst rebuilds the same state from the audit store.
"$analyst" backfill $(as csp-herts-analyst) --state "$work/state2" >"$work/bf1.out" 2>&1
check "backfill reads 39 ($(cat "$work/bf1.out"))" grep -q "^Backfilled 39 new records from 1 datasets" "$work/bf1.out"
"$analyst" backfill $(as csp-herts-analyst) --state "$work/state2" >"$work/bf2.out" 2>&1
check "a second backfill adds nothing" grep -q "^Backfilled 0 new records" "$work/bf2.out"
"$analyst" report --state "$state" --out "$work/outA" --as-of 2026-11-20 >/dev/null 2>&1
"$analyst" report --state "$work/state2" --out "$work/outB" --as-of 2026-11-20 >/dev/null 2>&1
check "backfilled figures equal the live ones" cmp -s "$work/outA/counts.csv" "$work/outB/counts.csv"

# The live HTTP endpoint.
"$analyst" serve $(as csp-herts-analyst) --state "$work/state3" --http 127.0.0.1:0 >"$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q "serving live figures on port" "$work/serve.out" && break; sleep 0.1; done
http_port=$(sed -n 's/.*on port \([0-9]*\).*/\1/p' "$work/serve.out")
ok=1
for _ in $(seq 100); do
  python3 -c "import json,urllib.request,sys; f=json.load(urllib.request.urlopen('http://127.0.0.1:$http_port/figures.json')); sys.exit(0 if any(r['period']=='2026-11' and r['category']=='burglary_residential' for r in f['counts']) else 1)" 2>/dev/null && { ok=0; break; }
  sleep 0.2
done
check "HTTP /figures.json serves the live figures (November's burglaries included)" test $ok -eq 0
check "HTTP /report.html serves the pack" python3 -c "import urllib.request; assert b'quarterly review pack' in urllib.request.urlopen('http://127.0.0.1:$http_port/report.html').read()"
check "HTTP / serves the page, which refreshes itself" python3 -c "import urllib.request; p=urllib.request.urlopen('http://127.0.0.1:$http_port/').read(); assert b'quarterly review pack' in p and b'http-equiv=\'refresh\'' in p"
kill -TERM $serve_pid; wait $serve_pid 2>/dev/null

# SIGKILL mid-sync: the next sync resumes and every record is stored once.
records 10000 2000 shoplifting 11 1 $B >"$work/batch3.jsonl"  # November: the hub refuses events in the future
"$connect" publish $(as herts-police) --jsonl "$work/batch3.jsonl" --dead-letter "$work/dl3" >/dev/null ||
  { echo "FAIL: publish batch 3"; exit 1; }
"$analyst" sync $(as csp-herts-analyst) --state "$state" --idle 5 >/dev/null 2>&1 &
sync_pid=$!
sleep 0.15
kill -KILL $sync_pid 2>/dev/null; wait $sync_pid 2>/dev/null
"$analyst" sync $(as csp-herts-analyst) --state "$state" --idle 2 >"$work/sync4.out" 2>&1
echo "resumed after SIGKILL: $(cat "$work/sync4.out")"
check "after SIGKILL: all 2039 stored once ($(cat "$work/sync4.out"))" grep -q "; 2039 in the state; next position 2040$" "$work/sync4.out"

[[ $failed -eq 0 ]] || { cat "$work/sync1.out" "$work/report1.out"; }
echo "analyst e2e: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
