#!/usr/bin/env bash
# Issue 12 section 2, end to end: an agreement whose PERSONAL flow encrypts
# the victim's name and NHS number to the analyst's X25519 key -> a real hub
# over mTLS -> the analyst's feed and the store hold only SealedValues (no
# clear identifier anywhere in what the analyst receives, nor in the hub's
# logs) -> `accordctl open` and the Python client (accord-subscribe
# --decrypt-key, accord_client.open_sealed) decrypt them to the values sent.
# Also: lint and the hub refuse the same agreement with the NHS number kept;
# a wrong key, another recipient and an altered value are reported as such.
# Usage: open_e2e_test.sh REPO_ROOT BUILD_DIR VENV (the Python client's venv)
set -uo pipefail
root=$1 build=$2 venv=$3
work=$(mktemp -d)
# shellcheck source=../../scripts/lib/hub_env.sh
source "$root/scripts/lib/hub_env.sh"
accord_use_build "$build"
trap 'accord_stop_hub; rm -rf "$work"' EXIT
py=$venv/bin/python
passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
as() { echo --hub "localhost:$HUB_PORT" --ca "$work/pki/ca.crt" --cert "$work/pki/$1.crt" --key "$work/pki/$1.key"; }
absent() {  # absent FILE...: no planted identifier in any FILE
  ! grep -q -e Quillfeather -e "$nhs_spaced" -e "$nhs_digits" "$@"
}

# --- Keys and the agreement ------------------------------------------------
parties=(herts-police csp-herts-analyst)
accord_dev_pki "$work/pki" "${parties[@]}" >/dev/null || exit 1
mkdir -p "$work/keys" "$work/agreements"
accord_party_keys "$work/keys" "${parties[@]}" || exit 1
# The analyst's encryption key pair; the private half stays in $work.
"$ctl" keygen --type x25519 --out "$work/keys/analyst.x25519" >/dev/null || exit 1
"$ctl" keygen --type x25519 --out "$work/keys/wrong.x25519" >/dev/null || exit 1
doc=$work/agreements/personal-flow.yaml
cp "$root/tests/open/personal-flow.yaml" "$doc"
"$ctl" agreement set-key "$doc" --party csp-herts-analyst --encryption \
  --public-key "$work/keys/analyst.x25519.pub" >/dev/null || exit 1
accord_sign_agreement "$doc" "$work/keys" "${parties[@]}" || exit 1
check "lint accepts the personal flow that encrypts identifiers" "$ctl" agreement lint "$doc"

# The same flow keeping the NHS number in clear: refused with file:line and what to use.
bad=$work/agreements/keeps-nhs-number.yaml
sed 's/victim_nhs_number: encrypt/victim_nhs_number: keep/' "$doc" >"$bad"
"$ctl" agreement lint "$bad" >"$work/lint.out" 2>&1
rc=$?
line=$(grep -n "victim_nhs_number: keep" "$bad" | cut -d: -f1)
check "lint refuses keep of a direct_identifier on a personal flow (exit 2, got $rc)" test $rc -eq 2
check "lint names file:line and says to encrypt, pseudonymise or drop" \
  grep -q "keeps-nhs-number.yaml:$line:[0-9]*: error: .*'victim_nhs_number' is a direct_identifier.*use encrypt, pseudonymise or drop.*\[keep-identifier\]" "$work/lint.out"

# --- The hub ----------------------------------------------------------------
accord_start_hub "$work" --hub-instance open-test || exit 1
accord_submit_agreement "$work" "$doc" >/dev/null || exit 1
"$ctl" agreement submit $(as herts-police) "$bad" >"$work/submit-bad.out" 2>&1
check "the hub refuses the agreement that keeps the NHS number" \
  bash -c "! grep -qi 'active' '$work/submit-bad.out' && grep -q 'keep-identifier' '$work/submit-bad.out'"

# 20 referrals with planted identifiers: names "Zoë Quillfeather-N", valid NHS numbers.
n=20
event=$(date -u -d '1 day ago' +%Y-%m-%dT%H:00:00Z)
"$py" - "$n" "$event" >"$work/records.jsonl" <<'PY' || exit 1
import json, sys
n, event = int(sys.argv[1]), sys.argv[2]
def nhs(i):  # a valid NHS number (mod 11 check digit)
    while True:
        base = "94347%04d" % i
        check = 11 - sum(int(d) * w for d, w in zip(base, range(10, 1, -1))) % 11
        if check == 11: check = 0
        if check != 10: return base + str(check)
        i += 5000
for i in range(1, n + 1):
    num = nhs(i)
    fields = [
        {"name": "referral_ref", "value": {"text": "REF/%04d/26" % i}},
        {"name": "victim_name", "value": {"text": "Zoë Quillfeather-%d" % i}},
        {"name": "victim_nhs_number", "value": {"text": "%s %s %s" % (num[:3], num[3:6], num[6:])}},
        {"name": "victim_date_of_birth", "value": {"date": "1990-03-14"}},
        {"name": "offence", "value": {"text": "assault"}},
        {"name": "notes", "value": {"text": "Zoë Quillfeather-%d seen at the Crown, called from 07700 900123" % i}},
    ]
    print(json.dumps({"provider": "herts-police", "dataset": "referral", "datasetVersion": 1,
                      "recordId": "REF-%d" % i, "eventTime": event, "fields": fields}, ensure_ascii=False))
PY
first_nhs=$("$py" -c "import json,sys; r=json.loads(open(sys.argv[1]).readline()); print([f['value']['text'] for f in r['fields'] if f['name']=='victim_nhs_number'][0])" "$work/records.jsonl")
nhs_spaced=$first_nhs nhs_digits=${first_nhs// /}
"$connect" publish $(as herts-police) --jsonl "$work/records.jsonl" --dead-letter "$work/dead.jsonl" \
  >"$work/publish.out" 2>&1 || { echo "FAIL: publish"; cat "$work/publish.out"; exit 1; }

# --- What the analyst receives: SealedValues only -----------------------------
"$venv/bin/accord-subscribe" $(as csp-herts-analyst) --expect $n --idle 15 --json \
  >"$work/feed.jsonl" 2>"$work/feed.err"
rc=$?
check "accord-subscribe --json exits 0 (rc $rc: $(head -c 300 "$work/feed.err"))" test $rc -eq 0
check "the feed holds $n deliveries" test "$(grep -c '"record"' "$work/feed.jsonl")" -eq $n
check "each delivery carries the name and the NHS number sealed" \
  test "$(grep -o '"sealed"' "$work/feed.jsonl" | wc -l)" -eq $((2 * n))
check "sealed for the analyst's key" grep -q '"scheme": *"x25519-hkdf-sha256-aes256gcm"' "$work/feed.jsonl"
check "no planted identifier in the feed (names, NHS numbers, free text)" absent "$work/feed.jsonl"
check "the notes are redacted" grep -q '"name": *"notes"' "$work/feed.jsonl"

# The store (AuditService.QueryRecords) holds the same: sealed values only.
"$py" - $(as csp-herts-analyst) >"$work/store.out" 2>&1 <<'PY'
import argparse, sys
from accord.v1 import audit_service_pb2, audit_service_pb2_grpc
from accord_client import feed
p = argparse.ArgumentParser()
for o in ("--hub", "--ca", "--cert", "--key"): p.add_argument(o)
a = p.parse_args()
stub = audit_service_pb2_grpc.AuditServiceStub(feed.secure_channel(a.hub, a.ca, a.cert, a.key))
n = sealed = 0
blob = b""
for resp in stub.QueryRecords(audit_service_pb2.QueryRecordsRequest(dataset="referral"), timeout=60):
    for r in resp.records:
        n += 1
        sealed += sum(f.value.WhichOneof("kind") == "sealed" for f in r.fields)
        blob += r.SerializeToString()
print("records=%d sealed=%d planted=%s" % (n, sealed, b"Quillfeather" in blob))
PY
check "the store returns $n records, 2 sealed fields each, nothing planted ($(head -c 300 "$work/store.out"))" \
  grep -q "^records=$n sealed=$((2 * n)) planted=False$" "$work/store.out"

# --- accordctl open ---------------------------------------------------------
"$ctl" open --decrypt-key "$work/keys/analyst.x25519.key" "$work/feed.jsonl" \
  >"$work/opened.txt" 2>"$work/opened.err"
rc=$?
check "accordctl open exits 0 (rc $rc: $(head -c 300 "$work/opened.err"))" test $rc -eq 0
check "it prints $n records" test "$(grep -c 'isa-test-personal-referral/police-to-safeguarding' "$work/opened.txt")" -eq $n
all_names=1
for ((i = 1; i <= n; i++)); do
  grep -q "victim_name=Zoë Quillfeather-$i victim_nhs_number=" "$work/opened.txt" || all_names=0
done
check "every victim's name decrypts to the value sent" test $all_names -eq 1
check "the NHS number decrypts to the value sent" grep -q "victim_nhs_number=$nhs_spaced " "$work/opened.txt"
check "it counts what it opened" grep -q "$((2 * n)) value(s) opened" "$work/opened.err"
# --json: the same deliveries, opened.
"$ctl" open -d "$work/keys/analyst.x25519.key" --json <"$work/feed.jsonl" >"$work/opened.jsonl" 2>/dev/null
check "open --json from stdin: $n opened deliveries, none sealed" \
  bash -c "test \$(grep -c '\"record\"' '$work/opened.jsonl') -eq $n && ! grep -q '\"sealed\"' '$work/opened.jsonl' && grep -q 'Quillfeather-$n\"' '$work/opened.jsonl'"
# One Field on its own (a single SealedValue with its field name).
"$py" -c "
import json, sys
d = json.loads(open(sys.argv[1]).readline())
f = [f for f in d['record']['fields'] if f['name'] == 'victim_nhs_number'][0]
print(json.dumps(f, indent=2))
json.dump(f['value']['sealed'], open(sys.argv[2], 'w'))
" "$work/feed.jsonl" "$work/one-sealed.json" >"$work/one-field.json"
check "a single pretty-printed Field opens" \
  bash -c "'$ctl' open -d '$work/keys/analyst.x25519.key' '$work/one-field.json' 2>/dev/null | grep -qx 'victim_nhs_number=$nhs_spaced'"
check "a bare SealedValue opens with --field" \
  bash -c "'$ctl' open -d '$work/keys/analyst.x25519.key' --field victim_nhs_number '$work/one-sealed.json' 2>/dev/null | grep -qx '$nhs_spaced'"
"$ctl" open -d "$work/keys/analyst.x25519.key" "$work/one-sealed.json" >/dev/null 2>"$work/nofield.err"
check "a bare SealedValue without --field is refused with the reason (exit 2)" \
  bash -c "test $? -eq 2 && grep -q 'needs --field' '$work/nofield.err'"

# A damaged line is reported with its line number; the values after it still open.
{ echo 'not json'; echo '{"record": {"fields": ['; sed -n 2p "$work/feed.jsonl"; } >"$work/damaged.jsonl"
"$ctl" open -d "$work/keys/analyst.x25519.key" "$work/damaged.jsonl" >"$work/damaged.out" 2>"$work/damaged.err"
rc=$?
check "damaged input: exit 2 (got $rc)" test $rc -eq 2
check "... each damaged value named by its line" \
  bash -c "grep -q 'damaged.jsonl:1: not JSON' '$work/damaged.err' && grep -q 'damaged.jsonl:2: not valid JSON' '$work/damaged.err'"
check "... and the valid delivery after them opened" grep -q "^#2 .*victim_name=Zoë Quillfeather-2 " "$work/damaged.out"

# Wrong key, another recipient, an altered value: named, never printed in clear.
"$ctl" open -d "$work/keys/wrong.x25519.key" "$work/feed.jsonl" >"$work/wrong.out" 2>"$work/wrong.err"
rc=$?
check "a wrong key: exit 6 (got $rc)" test $rc -eq 6
check "... reported as not addressed to this key, with file:line and field" \
  grep -q "feed.jsonl:1: #1 record .* field 'victim_name': not addressed to this key" "$work/wrong.err"
check "... and nothing decrypted" absent "$work/wrong.out" "$work/wrong.err"
"$ctl" open -d "$work/keys/analyst.x25519.key" --recipient herts-police "$work/feed.jsonl" \
  >/dev/null 2>"$work/other.err"
rc=$?
check "records addressed to someone else: exit 6 (got $rc)" test $rc -eq 6
check "... named as such" grep -q "addressed to 'csp-herts-analyst', not to 'herts-police'" "$work/other.err"
"$py" - "$work/feed.jsonl" "$work/tampered.jsonl" <<'PY'
import base64, json, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.loads(lines[0])
for f in d["record"]["fields"]:
    if f["name"] == "victim_name":
        ct = bytearray(base64.b64decode(f["value"]["sealed"]["ciphertext"]))
        ct[0] ^= 1
        f["value"]["sealed"]["ciphertext"] = base64.b64encode(bytes(ct)).decode()
open(sys.argv[2], "w").write(json.dumps(d) + "\n")
PY
"$ctl" open -d "$work/keys/analyst.x25519.key" "$work/tampered.jsonl" >"$work/tampered.out" 2>"$work/tampered.err"
rc=$?
check "an altered value: exit 5 (got $rc)" test $rc -eq 5
check "... reported as failed authentication" grep -q "field 'victim_name': failed authentication" "$work/tampered.err"
check "... the altered field stays sealed" grep -q "victim_name=<sealed, not opened>" "$work/tampered.out"

# --- The Python client ------------------------------------------------------
"$venv/bin/accord-subscribe" $(as csp-herts-analyst) --expect $n --idle 15 \
  --decrypt-key "$work/keys/analyst.x25519.key" >"$work/py-opened.txt" 2>"$work/py-opened.err"
rc=$?
check "accord-subscribe --decrypt-key exits 0 (rc $rc: $(head -c 300 "$work/py-opened.err"))" test $rc -eq 0
check "it prints $n records with the names opened" \
  test "$(grep -c 'victim_name=Zoë Quillfeather-[0-9]* victim_nhs_number=[0-9 ]*' "$work/py-opened.txt")" -eq $n
check "the NHS number opens to the value sent" grep -q "victim_nhs_number=$nhs_spaced " "$work/py-opened.txt"
"$py" - "$work/feed.jsonl" "$work/keys/analyst.x25519.key" >"$work/py-one.out" 2>&1 <<'PY'
import sys
from google.protobuf import json_format
from accord.v1 import feed_service_pb2
from accord_client import open_sealed
d = json_format.Parse(open(sys.argv[1]).readline(), feed_service_pb2.Delivery())
pem = open(sys.argv[2]).read()
for f in d.record.fields:
    if f.value.WhichOneof("kind") == "sealed":
        print("%s=%s" % (f.name, open_sealed(f.value.sealed, f.name, pem, d.record.recipient).text))
PY
check "accord_client.open_sealed opens one value ($(head -c 200 "$work/py-one.out"))" \
  grep -qx "victim_nhs_number=$nhs_spaced" "$work/py-one.out"
"$venv/bin/accord-subscribe" $(as csp-herts-analyst) --expect $n --idle 15 \
  --decrypt-key "$work/keys/wrong.x25519.key" >"$work/py-wrong.txt" 2>"$work/py-wrong.err"
rc=$?
check "accord-subscribe with a wrong key: exit 6 (got $rc)" test $rc -eq 6
check "... nothing decrypted" absent "$work/py-wrong.txt" "$work/py-wrong.err"

# --- Nothing planted in the hub's own output ------------------------------------
check "no planted identifier in the hub's logs" absent "$work/hub.log" "$work/hub.out"

[[ $failed -eq 0 ]] || { echo "--- feed (first line)"; head -c 1500 "$work/feed.jsonl"; echo; tail -5 "$work/hub.log"; }
echo "open end to end: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
