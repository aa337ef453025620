# Sourced by the connect tests: a dev PKI, the example agreements signed by
# fresh party keys, and a real accord-hub over mTLS that can be stopped and
# restarted on the same port and data. Needs $root, $build, $work. The steps
# are in scripts/lib/hub_env.sh.
# shellcheck shell=bash disable=SC2034,SC2154  # $root, $build, $work come from the test; $port... go to it
# shellcheck source=SCRIPTDIR/../../scripts/lib/hub_env.sh
source "$root/scripts/lib/hub_env.sh"
accord_use_build "$build"
port=0

run_hub() {  # run_hub: starts the hub on $port (0 = pick one) and waits until ready
  HUB_PORT=$port
  accord_start_hub "$work" --metrics-listen 127.0.0.1:0 --hub-instance test-hub || return 1
  port=$HUB_PORT
}

stop_hub() { accord_stop_hub; }

start_hub() {  # start_hub AGREEMENT_FILE...
  accord_dev_agreements "$work" herts-police nhs-lister-ae csp-herts-analyst -- "$@" >/dev/null || return 1
  trap 'accord_stop_hub; wait 2>/dev/null; rm -rf "$work"' EXIT
  run_hub || return 1
  accord_submit_agreement "$work" "$work"/agreements/*.yaml >/dev/null || return 1
}

as() { echo --hub "localhost:$port" --ca "$work/pki/ca.crt" --cert "$work/pki/$1.crt" --key "$work/pki/$1.key"; }

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
