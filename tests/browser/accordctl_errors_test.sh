#!/usr/bin/env bash
# accordctl's hub errors are in words: what happened and what to do, never a
# bare gRPC code ("the hub said 14: ...").
set -euo pipefail
ctl=${1:?usage: accordctl_errors_test.sh ACCORDCTL}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ctl" pki init --dir "$tmp/pki" --agency police >/dev/null
# A port nothing listens on: reserve one, then free it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fail() { echo "FAIL: $*" >&2; exit 1; }
check() {  # check NAME EXPECTED_WORDS CMD...
  local name=$1 want=$2 err rc=0
  shift 2
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  [[ $rc -ne 0 ]] || fail "$name: accordctl succeeded"
  grep -q "$want" <<<"$err" || fail "$name: expected '$want' in: $err"
  if grep -Eq 'said [0-9]+:|StatusCode|^accordctl: [0-9]+:' <<<"$err"; then fail "$name: a bare code in: $err"; fi
  echo "ok $name: $err"
}
hub=(--hub "127.0.0.1:$port" --ca "$tmp/pki/ca.crt" --cert "$tmp/pki/police.crt" --key "$tmp/pki/police.key")
check "list, no hub" "could not reach the hub; check it is running and that --hub HOST:PORT is right" \
  timeout 60 "$ctl" agreement list "${hub[@]}"
check "audit verify, no hub" "could not reach the hub" timeout 60 "$ctl" audit verify "${hub[@]}"
