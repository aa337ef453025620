#!/usr/bin/env bash
# ctest console_browser_e2e: starts a hub (dev PKI, mTLS, metrics), one console
# per agency of the A&E agreement, and Debian's Chromium through playwright-core,
# runs console_e2e.mjs, and stops everything it started.
#   run_console_e2e.sh BUILD_DIR [OUT_DIR]
# Screenshots and axe results: OUT_DIR (default BUILD_DIR/tests/browser/console-e2e).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:?usage: run_console_e2e.sh BUILD_DIR [OUT_DIR]}" && pwd)
out=${2:-$build/tests/browser/console-e2e}
work=$out/work
# shellcheck source=../../scripts/lib/hub_env.sh
source "$root/scripts/lib/hub_env.sh"
accord_use_build "$build"
for bin in "$ctl" "$hubbin" "$connect"; do
  [[ -x $bin ]] || { echo "run_console_e2e.sh: $bin is not built" >&2; exit 1; }
done
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || { echo "run_console_e2e.sh: $chromium is missing (scripts/bootstrap.sh installs Debian's chromium)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"

bash "$root/console/scripts/npm-install.sh"

parties=(nhs-lister-ae csp-herts-analyst)
accord_dev_agreements "$work" "${parties[@]}" -- "$root/deploy/agreements/ae-violence-cardiff.yaml" >/dev/null

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  accord_stop_hub
}
trap cleanup EXIT
accord_start_hub "$work" --metrics-listen 127.0.0.1:0 --hub-instance console-e2e
accord_submit_agreement "$work" "$work/agreements/ae-violence-cardiff.yaml" >/dev/null

# An officer of nhs-lister-ae who has left: a browser certificate from the same
# CA, revoked with `accordctl pki revoke` (which writes pki/ca.crl); both
# consoles read that CRL.
bash "$root/console/scripts/dev-certs.sh" "$work/pki" nhs-lister-ae >/dev/null
mkdir -p "$work/leaver"
cp "$work/pki/ca.crt" "$work/pki/ca.key" "$work/leaver/"
bash "$root/console/scripts/dev-certs.sh" "$work/leaver" nhs-lister-ae "Former officer" >/dev/null
rm -f "$work/leaver/ca.key"
"$ctl" pki revoke --dir "$work/pki" "$work/leaver/officer-nhs-lister-ae.crt" >/dev/null
export CONSOLE_CRL=$work/pki/ca.crl

urls=()
for a in "${parties[@]}"; do
  line=$(bash "$root/console/scripts/start-console.sh" "$build" "$work" "$a" "$HUB_PORT" "$HUB_METRICS_PORT")
  pids+=("$(cat "$work/console-$a.pid")")
  urls+=("$(sed -n 's/.*: \(https:[^ ]*\)$/\1/p' <<<"$line")")
  echo "$line"
done

ACCORD_ROOT=$root ACCORD_BUILD=$build E2E_OUT=$out E2E_WORK=$work HUB_ADDR=localhost:$HUB_PORT \
  CONSOLE_AE_URL=${urls[0]} CONSOLE_AN_URL=${urls[1]} CHROMIUM=$chromium \
  node "$root/tests/browser/console_e2e.mjs"
