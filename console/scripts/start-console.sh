#!/usr/bin/env bash
# Starts one agency's console against a running hub with the dev PKI layout of
# scripts/lib/hub_env.sh (WORK/pki). Installs the console's npm packages first
# if they are missing (npm ci, from package-lock.json).
#
#   start-console.sh BUILD_DIR WORK_DIR AGENCY HUB_PORT [METRICS_PORT] [LISTEN]
#
# Prints the console's "ready on port N: URL" line; its log is WORK/console-AGENCY.log.
# With CONSOLE_CRL=FILE in the environment the console refuses officer
# certificates that FILE (a CRL, e.g. from `accordctl pki revoke`) revokes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$1 work=$2 agency=$3 hub_port=$4 metrics_port=${5:-} listen=${6:-127.0.0.1:0}
bash "$here/scripts/npm-install.sh" >&2
[[ -f $work/pki/console-$agency.crt ]] || bash "$here/scripts/dev-certs.sh" "$work/pki" "$agency"
out=$work/console-$agency.out
: >"$out"
node "$here/bin/accord-console.js" --agency "$agency" --hub "localhost:$hub_port" \
  --ca "$work/pki/ca.crt" --cert "$work/pki/$agency.crt" --key "$work/pki/$agency.key" \
  --tls-cert "$work/pki/console-$agency.crt" --tls-key "$work/pki/console-$agency.key" \
  --listen "$listen" --accordctl "$build/hub/accordctl/accordctl" --data-dir "$work/console-$agency" \
  ${metrics_port:+--hub-metrics "http://127.0.0.1:$metrics_port/metrics"} ${CONSOLE_CRL:+--crl "$CONSOLE_CRL"} >"$out" 2>"$work/console-$agency.log" &
pid=$!
echo "$pid" >"$work/console-$agency.pid"
for ((i = 0; i < 200; i++)); do
  grep -q "ready on port" "$out" 2>/dev/null && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-console.sh: the console exited; its log:" >&2
    cat "$work/console-$agency.log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -m1 "ready on port" "$out" || { echo "start-console.sh: the console did not start" >&2; exit 1; }
