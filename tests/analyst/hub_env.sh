# Sourced by the analyst test scripts: a dev PKI, the example agreements
# signed by fresh party keys, and a real accord-hub over mTLS, all in $work.
# Needs: $build (build dir), $root (repo), $work (temp dir). Sets: $port,
# $metrics_port, $hub_pid, and the function `as AGENCY` giving the client
# TLS options. Stops the hub on exit. The steps are in scripts/lib/hub_env.sh.
# shellcheck shell=bash disable=SC2034,SC2154  # $root, $build, $work come from the test; $port... go to it
# shellcheck source=SCRIPTDIR/../../scripts/lib/hub_env.sh
source "$root/scripts/lib/hub_env.sh"
accord_use_build "$build"

start_hub() {  # start_hub AGREEMENT_FILE...
  accord_dev_agreements "$work" herts-police nhs-lister-ae csp-herts-analyst -- "$@" >/dev/null || return 1
  trap 'accord_stop_hub; rm -rf "$work"' EXIT
  accord_start_hub "$work" --metrics-listen 127.0.0.1:0 --hub-instance test-hub || return 1
  port=$HUB_PORT metrics_port=$HUB_METRICS_PORT hub_pid=$HUB_PID
  accord_submit_agreement "$work" "$work"/agreements/*.yaml >/dev/null || return 1
}

as() { echo --hub "localhost:$port" --ca "$work/pki/ca.crt" --cert "$work/pki/$1.crt" --key "$work/pki/$1.key"; }

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
