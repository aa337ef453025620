#!/usr/bin/env bash
# End-to-end test of accordctl as an information officer uses it:
# keygen, set-key, lint, show, fingerprint, sign, verify, tamper, diff, withdraw;
# and the offline checks of `accordctl audit`.
# Usage: accordctl_test.sh ACCORDCTL REPO_ROOT
set -uo pipefail
ctl=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [[ $rc -eq $expected ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $rc, expected $expected" >&2
    sed 's/^/    /' "$work/out" "$work/err" >&2
  fi
}

contains() {  # contains NAME PATTERN FILE
  if grep -qE -- "$2" "$3"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1: '$2' not found in output" >&2; sed 's/^/    /' "$3" >&2; fi
}

doc=$work/ae.yaml
cp "$root/deploy/agreements/ae-violence-cardiff.yaml" "$doc"
at=2026-11-22T12:00:00Z

# Every example lints clean.
for f in "$root"/deploy/agreements/*.yaml; do
  check "lint $(basename "$f")" 0 "$ctl" agreement lint "$f"
done

# Parties of the example, from the JSON summary.
check "show --json" 0 "$ctl" agreement show --json "$doc"
mapfile -t parties < <(python3 -c 'import json,sys; [print(p["id"]) for p in json.load(open(sys.argv[1]))["parties"]]' "$work/out")
[[ ${#parties[@]} -ge 2 ]] || { echo "FAIL: expected >= 2 parties" >&2; exit 1; }

# Fresh keys for every party, put into the document.
for p in "${parties[@]}"; do
  check "keygen $p" 0 "$ctl" keygen --out "$work/$p"
  [[ $(stat -c %a "$work/$p.key") == 600 ]] || { failed=$((failed + 1)); echo "FAIL: $p.key not 0600" >&2; }
  check "set-key $p" 0 "$ctl" agreement set-key "$doc" --party "$p" --public-key "$work/$p.pub"
done
check "keygen refuses to overwrite" 1 "$ctl" keygen --out "$work/${parties[0]}"

# Unsigned: exit 3, naming the missing parties.
check "verify unsigned" 3 "$ctl" agreement verify "$doc" --at "$at"
contains "verify names missing party" "${parties[0]}.*NOT SIGNED" "$work/out"

# Sign as each party (party found from the key); then active.
for p in "${parties[@]}"; do
  check "sign $p" 0 "$ctl" agreement sign "$doc" --key "$work/$p.key"
done
check "verify signed" 0 "$ctl" agreement verify "$doc" --at "$at"
contains "verify active" "State: active" "$work/out"
check "verify --json" 0 "$ctl" agreement verify "$doc" --at "$at" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["active"] and d["state"]=="active", d' "$work/out" \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: verify --json" >&2; }

# Out of date: exit 4.
check "verify expired" 4 "$ctl" agreement verify "$doc" --at 2099-01-01T00:00:00Z
contains "verify says expired" "State: expired" "$work/out"

# Fingerprint is stable under a comment and differs after a change of meaning.
check "fingerprint" 0 "$ctl" agreement fingerprint "$doc"
fp1=$(cut -d' ' -f1 "$work/out")
{ echo "# a comment added by an officer"; cat "$doc"; } >"$work/commented.yaml"
check "fingerprint commented" 0 "$ctl" agreement fingerprint "$work/commented.yaml"
[[ $(cut -d' ' -f1 "$work/out") == "$fp1" ]] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: comment changed fingerprint" >&2; }

# Tamper: one field's treatment changed after signing -> verification fails (exit 3).
python3 - "$doc" "$work/tampered.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
new, n = re.subn(r'\{\s*generalise:\s*sector\s*\}', '{generalise: district}', text, count=1)
if n == 0:
    new, n = re.subn(r'\{\s*generalise:\s*hour\s*\}', '{generalise: day}', text, count=1)
assert n == 1, "no treatment to tamper with"
open(sys.argv[2], "w").write(new)
PY
check "verify tampered" 3 "$ctl" agreement verify "$work/tampered.yaml" --at "$at"
contains "tampered reason" "NOT SIGNED" "$work/out"

# Diff old -> tampered shows the changed field for the recipient.
check "diff" 0 "$ctl" agreement diff "$doc" "$work/tampered.yaml"
contains "diff shows change" "->|GAINED|lost" "$work/out"
check "diff --json" 0 "$ctl" agreement diff --json "$doc" "$work/tampered.yaml"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["fields"])>=1, d' "$work/out" \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: diff --json" >&2; }

# Withdrawal by one party -> inactive (exit 4).
check "withdraw" 0 "$ctl" agreement withdraw "$doc" --key "$work/${parties[0]}.key" \
  --reason "Trust board ended the pilot" --effective 2026-11-01T00:00:00Z --output "$work/w.yaml"
check "verify withdrawn" 4 "$ctl" agreement verify "$doc" --at "$at" --withdrawal "$work/w.yaml"
contains "verify says withdrawn" "State: withdrawn" "$work/out"

# Bad documents: exit 2 with file:line diagnostics, and never a crash.
printf 'id: x\nversion: [\n' >"$work/broken.yaml"
check "lint broken yaml" 2 "$ctl" agreement lint "$work/broken.yaml"
contains "lint locates" "broken.yaml:[0-9]+" "$work/out"
head -c 3000 /dev/urandom >"$work/garbage.yaml"
check "lint garbage" 2 "$ctl" agreement lint "$work/garbage.yaml"
check "sign invalid" 2 "$ctl" agreement sign "$work/broken.yaml" --key "$work/${parties[0]}.key"
check "missing file" 1 "$ctl" agreement lint "$work/nope.yaml"
check "help" 0 "$ctl" --help

# audit, offline parts (the hub parts are in tests/audit): bad invocations and
# files that are not exports or pins never look like "tampered" (5).
check "audit help" 0 "$ctl" audit --help
for sub in export verify prove pin check-consistency; do contains "audit help lists $sub" "^  $sub " "$work/out"; done
check "audit verify needs --file or --hub" 1 "$ctl" audit verify
check "audit verify not both" 1 "$ctl" audit verify --file "$work/x" --hub 127.0.0.1:1
check "audit verify missing file" 1 "$ctl" audit verify --file "$work/nope.export"
check "audit verify not an export" 2 "$ctl" audit verify --file "$work/garbage.yaml"
contains "audit verify says not an export" "not an accord ledger export" "$work/err"
check "audit prove needs --index" 1 "$ctl" audit prove --hub 127.0.0.1:1 --insecure-dev
echo '{"format": "something else"}' >"$work/bad.pin"
check "audit check-consistency not a pin" 2 "$ctl" audit check-consistency --pin "$work/bad.pin"
contains "audit check-consistency says not a pin" "is not a ledger pin" "$work/err"

# Usage errors: exit 1 (the README's table), never CLI11's own codes; unknown commands are named.
check "no command" 1 "$ctl"
check "an unknown command" 1 "$ctl" bogus
contains "the unknown command is named" "unknown command 'bogus'; the commands are: keygen, open, agreement" "$work/err"
check "an unknown subcommand" 1 "$ctl" agreement bogus
contains "the unknown subcommand is named" "accordctl agreement: unknown command 'bogus'" "$work/err"
check "an unknown option" 1 "$ctl" agreement lint --no-such-option "$doc"
check "a missing required option" 1 "$ctl" keygen
check "--version" 0 "$ctl" --version
contains "--version names the program" "^accordctl [0-9]+[.][0-9]+" "$work/out"

echo "accordctl: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
