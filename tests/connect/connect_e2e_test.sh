#!/usr/bin/env bash
# accord-connect end to end through a real accord-hub over mTLS:
#   1. check refuses a mapping that does not match the agreement's schema;
#   2. malformed rows are dead-lettered with their reasons, the rest delivered;
#   3. SIGKILL mid-file, restart: resumes from the checkpoint, every row once;
#   4. the hub stopped for 10 s mid-file: the connector completes, nothing lost
#      (and stdin through a hub restart, resent from memory);
#   5. a watched drop directory, driven by a YAML config file.
# Exactly-once is checked at the hub: resending a whole file afterwards gives
# only DUPLICATEs, and the analyst's feed holds exactly one record per row.
# Usage: connect_e2e_test.sh REPO_ROOT BUILD_DIR
set -uo pipefail
root=$1
build=$2
work=$(mktemp -d)
source "$root/tests/connect/connect_env.sh"
start_hub "$root"/deploy/agreements/*.yaml || exit 1
mapping=$root/deploy/mappings/police_incidents.yaml
agreement=$root/deploy/agreements/police-crime-analyst.yaml
sample=$root/deploy/sample/police_incidents.csv

# ---- 1. check refuses a mismatching mapping ----
sed -e 's/dataset_version: 2/dataset_version: 1/' -e 's/field: narrative/field: narative/' \
    -e 's/type: date, format: dd\/mm\/yyyy/type: datetime/' "$mapping" >"$work/bad_mapping.yaml"
"$connect" check --mapping "$work/bad_mapping.yaml" --agreement "$agreement" >"$work/check.out" 2>&1
check "check exits 1 on a mismatching mapping" test $? -eq 1
check "check names the version" grep -q "is version 2 in the agreement" "$work/check.out"
check "check names the unknown field" grep -q "field narative.*not in dataset recorded_crime" "$work/check.out"
check "check names the type mismatch" grep -q "field victim_date_of_birth.*schema type is date" "$work/check.out"
check "check says refused" grep -q "3 mismatch(es).*refused" "$work/check.out"
"$connect" check --mapping "$mapping" --agreement "$agreement" >"$work/check_ok.out" 2>&1
check "check passes the shipped mapping" test $? -eq 0
# publish with --agreement refuses it too, before sending anything
"$connect" publish $(as herts-police) --mapping "$work/bad_mapping.yaml" --agreement "$agreement" \
  --source "$sample" >"$work/refused.out" 2>&1
check "publish refuses a mismatching mapping" test $? -eq 1

# ---- 2. malformed rows are dead-lettered with reasons ----
bad=$work/bad.csv
{
  head -n 1 "$sample"
  printf 'BAD-1,41/900001/26,Robbery,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoë Clarke,02/06/1966,"ok",AB12 CDE,N\r\n'
  printf 'BAD-2,41/900002/26,Robbery,31/02/2026 22:00,51.75,-0.33,AL1 3XY,Zoë Clarke,02/06/1966,"bad date",AB12 CDE,N\r\n'
  printf 'BAD-3,41/900003/26,Robbery,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoë Clarke\r\n'
  printf 'BAD-4,41/900004/26,Robbery,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoë "Clarke,02/06/1966,x,AB12 CDE,N\r\n'
  printf 'BAD-5,41/900005/26,Jaywalking,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoë Clarke,02/06/1966,"x",AB12 CDE,N\r\n'
  printf 'BAD-6,41/900006/26,Robbery,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoë Clarke,02/06/1966,"multi\nline, fine",AB12 CDE,maybe\r\n'
  printf 'BAD-7,41/900007/26,Robbery,20/09/2026 22:00,51.75,-0.33,AL1 3XY,Zoë Clarke,02/06/1966,"multi\nline, fine",AB12 CDE,Y\r\n'
} >"$bad"
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$bad" >"$work/bad.out" 2>"$work/bad.err"
check "a run with bad rows exits 2" test $? -eq 2
check "bad rows: 2 accepted, 1 rejected by the hub, 4 dead-lettered (got: $(cat "$work/bad.out"))" \
  grep -q "sent 3, accepted 2, duplicate 0, rejected 1, dead-lettered 5" "$work/bad.out"
dl=$bad.dead-letter.jsonl
check "dead letter has 5 lines" test "$(wc -l <"$dl")" -eq 5
check "dead letter: bad date" grep -q '"line":3.*occurred_at.*not a date' "$dl"
check "dead letter: short row" grep -q '"line":4.*row has 8 columns, the header has 12' "$dl"
check "dead letter: stray quote" grep -q '"line":5.*malformed CSV' "$dl"
check "dead letter: hub rejection" grep -q 'REJECT_.*offence_category' "$dl"
check "dead letter: bad boolean" grep -q 'domestic_flag.*true/false' "$dl"
check "dead letter keeps the row" grep -q 'Jaywalking' "$dl"
check "no row value on stderr or in the summary" bash -c "! grep -q 'Clarke\|Jaywalking\|AL1 3XY' '$work/bad.out' '$work/bad.err'"

# ---- 3. SIGKILL mid-file, restart: exactly once ----
n=100000
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/kill.csv" $n KILL
mkdir -p "$work/cp"
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/kill.csv" \
  --checkpoint-dir "$work/cp" --batch 200 --max-inflight 2 >"$work/kill1.out" 2>&1 &
pid=$!
for _ in $(seq 300); do
  compgen -G "$work/cp/kill.csv.*.accord-checkpoint" >/dev/null && break
  sleep 0.05
done
sleep 0.3
kill -KILL $pid
wait $pid 2>/dev/null
cp_offset=$(python3 -c "import glob,json;print(json.load(open(glob.glob('$work/cp/kill.csv.*.accord-checkpoint')[0]))['offset'])")
size=$(stat -c %s "$work/kill.csv")
check "killed mid-file (checkpoint at $cp_offset of $size bytes)" test "$cp_offset" -gt 0 -a "$cp_offset" -lt "$size"
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/kill.csv" \
  --checkpoint-dir "$work/cp" --json >"$work/kill2.out" 2>"$work/kill2.err"
check "restart completes" test $? -eq 0
check "restart resumed from the checkpoint" grep -q "resuming at line" "$work/kill2.err"
read -r acc2 dup2 sent2 < <(python3 -c "import json;j=json.load(open('$work/kill2.out'));print(j['accepted'],j['duplicate'],j['sent'])")
check "restart sent only the rest ($sent2 of $n)" test "$sent2" -lt "$n"
# Everything is at the hub exactly once: a fresh full resend is all duplicates.
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/kill.csv" --json \
  >"$work/kill3.out" 2>&1
check "resend of the whole file: $n duplicates, 0 accepted ($(tr -d '\n ' <"$work/kill3.out" | head -c 200))" \
  python3 -c "import json,sys;j=json.load(open('$work/kill3.out'));sys.exit(0 if j['duplicate']==$n and j['accepted']==0 else 1)"

# ---- 3b. SIGTERM: drain, checkpoint, stop; a rerun resumes ----
t=100000
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/term.csv" $t TERM
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/term.csv" \
  --checkpoint-dir "$work/cp" --batch 200 --max-inflight 2 >"$work/term1.out" 2>"$work/term1.err" &
pid=$!
for _ in $(seq 300); do
  compgen -G "$work/cp/term.csv.*.accord-checkpoint" >/dev/null && break
  sleep 0.05
done
kill -TERM $pid
wait $pid
check "SIGTERM: exit 1, stopped by a signal ($(tail -c 200 "$work/term1.err"))" grep -q "stopped by a signal" "$work/term1.err"
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/term.csv" \
  --checkpoint-dir "$work/cp" --json >"$work/term2.out" 2>"$work/term2.err"
# The rerun starts after the checkpoint; rows the hub stored after a batch it
# refused (overloaded, UNAVAILABLE) come back as DUPLICATE, never twice.
check "SIGTERM: the rerun resumes and completes, every row accepted or a duplicate" \
  python3 -c "import json,sys;j=json.load(open('$work/term2.out'));sys.exit(0 if j['sent']<$t and j['accepted']+j['duplicate']==j['sent'] and not j['rejected'] else 1)"

# ---- 3c. a batch over the hub's limit is refused, not retried forever ----
timeout 60 "$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/term.csv" \
  --batch 5000 >"$work/big_batch.out" 2>"$work/big_batch.err"
rc=$?
check "a batch over the hub's limit ends the run with exit 1 (got $rc: $(cat "$work/big_batch.err"))" \
  test $rc -eq 1 -a "$(grep -c 'stream failed' "$work/big_batch.err")" -eq 0

# ---- 4. the hub stopped for 10 s mid-file ----
m=100000
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/down.csv" $m DOWN
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/down.csv" \
  --checkpoint-dir "$work/cp" --batch 200 --max-inflight 2 --max-backoff-ms 2000 --json \
  >"$work/down.out" 2>"$work/down.err" &
pid=$!
for _ in $(seq 300); do
  compgen -G "$work/cp/down.csv.*.accord-checkpoint" >/dev/null && break
  sleep 0.05
done
stop_hub
check "the connector is still running while the hub is down" kill -0 $pid
sleep 10
check "the connector waited for the hub" kill -0 $pid
run_hub || exit 1
wait $pid
check "the connector completed after the hub came back" test $? -eq 0
check "it reconnected" python3 -c "import json,sys;j=json.load(open('$work/down.out'));sys.exit(0 if j['reconnects']>=1 else 1)"
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/down.csv" --json \
  >"$work/down2.out" 2>&1
check "nothing lost: a full resend is $m duplicates" \
  python3 -c "import json,sys;j=json.load(open('$work/down2.out'));sys.exit(0 if j['duplicate']==$m and j['accepted']==0 else 1)"

# ---- 4b. stdin through a hub restart: unfinished rows are resent from memory ----
k=60000
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/stdin.csv" $k STDIN
"$connect" publish $(as herts-police) --mapping "$mapping" --source - --batch 200 --max-inflight 2 \
  --max-backoff-ms 1000 --dead-letter "$work/stdin.dead" --json <"$work/stdin.csv" \
  >"$work/stdin.out" 2>"$work/stdin.err" &
pid=$!
sleep 0.5
stop_hub
sleep 3
run_hub || exit 1
wait $pid
rc=$?
check "stdin: completed after the hub came back (got $rc: $(tail -c 300 "$work/stdin.err"))" test $rc -eq 0
"$connect" publish $(as herts-police) --mapping "$mapping" --source "$work/stdin.csv" --json \
  >"$work/stdin2.out" 2>&1
check "stdin: it did reconnect" \
  python3 -c "import json,sys;j=json.load(open('$work/stdin.out'));sys.exit(0 if j['reconnects']>=1 else 1)"
check "stdin: nothing lost, nothing twice: a full resend is $k duplicates ($(tr -d '\n ' <"$work/stdin.out") $(tr -d '\n ' <"$work/stdin2.out"))" \
  python3 -c "import json,sys;j=json.load(open('$work/stdin2.out'));sys.exit(0 if j['duplicate']==$k and j['accepted']==0 else 1)"

# ---- 5. a watched drop directory, configured by one YAML file ----
mkdir -p "$work/drop"
cat >"$work/connect.yaml" <<YAML
hub: "localhost:$port"
ca: "$work/pki/ca.crt"
cert: "$work/pki/herts-police.crt"
key: "$work/pki/herts-police.key"
mapping: "$mapping"
watch: "$work/drop"
settle_ms: 200
poll_ms: 100
once: true
progress: none
YAML
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/drop/a.csv" 500 DROPA
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/drop/.b.csv.part" 300 DROPB
mv "$work/drop/.b.csv.part" "$work/drop/b.csv"
printf 'Incident Ref,Something Else\r\nX-1,y\r\n' >"$work/drop/0-wrong-columns.csv"
sleep 0.3
"$connect" publish --config "$work/connect.yaml" >"$work/watch.out" 2>&1
rc=$?
check "watch: exit 2 for the file set aside (got $rc: $(cat "$work/watch.out"))" test $rc -eq 2
check "watch: both files moved to done/" test -f "$work/drop/done/a.csv" -a -f "$work/drop/done/b.csv"
check "watch: a file without the mapped columns goes to failed/ with the reason" \
  grep -q "lacks the mapped column" "$work/drop/failed/0-wrong-columns.csv.error.txt"
check "watch: 800 accepted ($(cat "$work/watch.out"))" grep -q "sent 800, accepted 800" "$work/watch.out"

# files dropped while the watcher runs are picked up as they arrive; SIGTERM stops it
"$connect" publish --config "$work/connect.yaml" --once=false >"$work/watch2.out" 2>&1 &
pid=$!
sleep 0.5
python3 "$root/tests/connect/make_rows.py" "$sample" "$work/c.tmp" 200 DROPC
mv "$work/c.tmp" "$work/drop/c.csv"
for _ in $(seq 100); do [[ -f $work/drop/done/c.csv ]] && break; sleep 0.1; done
check "watch: a file dropped later is delivered and moved to done/" test -f "$work/drop/done/c.csv"
kill -TERM $pid
wait $pid
check "watch: SIGTERM stops the watcher cleanly" grep -q "sent 200, accepted 200" "$work/watch2.out"

# ---- the feed: exactly one cleaned record per delivered police row ----
"$analyst" sync $(as csp-herts-analyst) --state "$work/state" --idle 3 >"$work/sync.out" 2>&1
want=$((2 + n + t + m + k + 800 + 200))
check "feed holds $want records, none twice (got: $(cat "$work/sync.out"))" \
  grep -q "^Stored $want new records (0 duplicates dropped)" "$work/sync.out"

[[ $failed -eq 0 ]] || cat "$work/kill2.out" "$work/kill2.err" "$work/down.out" "$work/down.err"
echo "connect e2e: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
