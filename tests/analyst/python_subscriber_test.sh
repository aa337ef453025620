#!/usr/bin/env bash
# The Python example subscriber against a real hub over mTLS: stubs generated
# from proto/ into the build dir, 160 police records published, all printed.
# Usage: python_subscriber_test.sh REPO_ROOT BUILD_DIR PYTHON
set -uo pipefail
root=$1 build=$2 python=$3
work=$(mktemp -d)
source "$root/tests/analyst/hub_env.sh"
start_hub "$root/deploy/agreements/police-crime-analyst.yaml" || exit 1
stubs=$build/tests/analyst/pystubs
mkdir -p "$stubs"
"$python" -m grpc_tools.protoc -I "$root/proto" -I /usr/include --python_out="$stubs" \
  --grpc_python_out="$stubs" "$root"/proto/accord/v1/*.proto || { echo "FAIL: protoc"; exit 1; }
"$connect" publish $(as herts-police) --jsonl "$root/deploy/sample/police_recorded_crime.jsonl" \
  --dead-letter "$work/dead.jsonl" >/dev/null || { echo "FAIL: publish"; exit 1; }
out=$work/py.out
"$python" "$root/connectors/python/subscriber.py" --stubs "$stubs" $(as csp-herts-analyst) --expect 160 --idle 10 \
  >"$out" 2>"$work/py.err"
rc=$?
check "subscriber.py exits 0 (rc $rc: $(head -c 300 "$work/py.err"))" test $rc -eq 0
check "it reports 160 records" grep -q "^Received 160 cleaned records" "$out"
check "it printed 160 record lines" test "$(grep -c '^#[0-9]* isa-herts-police-crime/police-to-csp recorded_crime' "$out")" -eq 160
check "records carry the grid cell area" grep -q "area=BNG250:" "$out"
check "no crime reference in clear" bash -c "! grep -q '41/000001/26' '$out'"
check "pseudonyms, not names" grep -q "victim_name=pz1_" "$out"
# Resuming from a position prints only what follows it.
"$python" "$root/connectors/python/subscriber.py" --stubs "$stubs" $(as csp-herts-analyst) --from 151 --idle 2 \
  >"$work/py2.out" 2>&1
check "from position 151: 10 records" grep -q "^Received 10 cleaned records" "$work/py2.out"
[[ $failed -eq 0 ]] || { head -3 "$out"; tail -3 "$out"; }
echo "python subscriber: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
