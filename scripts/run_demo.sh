#!/usr/bin/env bash
# Runs the end-to-end demo with already-built binaries (scripts/demo.sh builds
# first). Usage: run_demo.sh [BUILD_DIR [WORK_DIR]]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${ACCORD_BUILD_DIR:-$root/build}}
# shellcheck source=SCRIPTDIR/lib/hub_env.sh
source "$root/scripts/lib/hub_env.sh"
accord_use_build "$build"
work=${2:-$build/demo}
rm -rf "$work"
mkdir -p "$work/agreements" "$work/keys"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Development PKI"
parties=(herts-police nhs-lister-ae csp-herts-analyst)
accord_dev_pki "$work/pki" "${parties[@]}" | tail -n +2

step "2. Each party makes a signing key; the agreements get the parties' keys and signatures"
accord_party_keys "$work/keys" "${parties[@]}"
for f in "$root"/deploy/agreements/*.yaml; do
  doc=$work/agreements/$(basename "$f")
  cp "$f" "$doc"
  accord_sign_agreement "$doc" "$work/keys" "${parties[@]}"
  "$ctl" agreement verify "$doc" 2>/dev/null | sed -n '1p;$p'
done

step "3. Start accord-hub (embedded RocksDB, mTLS) and submit the agreements"
trap accord_stop_hub EXIT
accord_start_hub "$work" --metrics-listen 127.0.0.1:0 --hub-instance demo-hub
port=$HUB_PORT
echo "accord-hub is listening on 127.0.0.1:$port (log: $work/hub.log)"
as() { echo --hub "localhost:$port" --ca "$work/pki/ca.crt" --cert "$work/pki/$1.crt" --key "$work/pki/$1.key"; }
# Each agency registers its own signing key over its own certificate: the hub
# counts only signatures made with registered keys (a key written into the
# document by someone else proves nothing).
for p in "${parties[@]}"; do
  "$ctl" key register $(as "$p") "$work/keys/$p.key" --reason "demo"
done
for doc in "$work"/agreements/*.yaml; do
  # Any party may submit; here the first party listed does.
  accord_submit_agreement "$work" "$doc" | grep -E " v[0-9]+ "
done
# Anyone can check signatures offline against the hub's signed key log.
"$ctl" key export $(as csp-herts-analyst) --out "$work/keylog.bin" --force
"$ctl" agreement verify "$work/agreements/$(basename "$(ls "$root"/deploy/agreements/*.yaml | head -1)")" \
  --keys "$work/keylog.bin" | tail -n 2

step "4. Police and A&E stream their CSV exports with accord-connect (mapping checked first)"
# Each agency's export is mapped to its agreement's dataset (deploy/mappings/);
# `check` refuses a mapping that does not match the schema before anything is sent.
publish_csv() {  # publish_csv AGENCY MAPPING CSV AGREEMENT
  "$connect" check --mapping "$root/deploy/mappings/$2.yaml" --agreement "$root/deploy/agreements/$4.yaml" \
    | grep -v '^warning:'
  "$connect" publish $(as "$1") --mapping "$root/deploy/mappings/$2.yaml" \
    --source "$root/deploy/sample/$3.csv" --checkpoint-dir "$work/checkpoints" \
    --dead-letter "$work/$3.dead-letter.jsonl" --progress none
}
mkdir -p "$work/checkpoints"
publish_csv herts-police police_incidents police_incidents police-crime-analyst
publish_csv nhs-lister-ae ae_istv ae_istv ae-violence-cardiff
publish_csv herts-police police_victims police_victims repeat-victimisation
publish_csv nhs-lister-ae ae_victims ae_victims repeat-victimisation

step "5. The partnership analyst subscribes: depersonalised records only"
"$analyst" tail $(as csp-herts-analyst) --show 3 --idle 2

step "6. Anyone can verify the disclosure ledger"
# A partner pins the head it has seen, then later checks the hub never rewrote history.
"$ctl" audit pin $(as csp-herts-analyst) --out "$work/analyst.pin"
"$ctl" audit verify $(as csp-herts-analyst)
# An inspector takes an export away and verifies it offline, without trusting the hub.
"$ctl" audit export $(as csp-herts-analyst) --out "$work/ledger.export"
"$ctl" audit verify --file "$work/ledger.export"
"$ctl" audit check-consistency $(as csp-herts-analyst) --pin "$work/analyst.pin"

# ---- analyst (issue 7): the live audit from the analyst's own state ----
step "7. The partnership analyst's live audit: state, figures, review pack"
metrics_port=$(sed -n 's/.*metrics port \([0-9]*\).*/\1/p' "$work/hub.out")
"$analyst" sync $(as csp-herts-analyst) --state "$work/analyst-state" --idle 2
"$analyst" report --state "$work/analyst-state" --out "$work/analyst" --as csp-herts-analyst \
  ${metrics_port:+--hub-metrics "127.0.0.1:$metrics_port"}
# issue 15: the same pack with analysis roles, named neighbourhoods (example boundaries) and an intervention
"$analyst" report --state "$work/analyst-state" --out "$work/analyst" --as csp-herts-analyst \
  --config "$root/deploy/analyst/analyst.yaml" ${metrics_port:+--hub-metrics "127.0.0.1:$metrics_port"}
# ---- end of the analyst block ----

# ---- console (issue 16): the officers' console for one agency ----
step "8. The officers' console for csp-herts-analyst"
console_pid=
console_stop() { if [[ -n $console_pid ]]; then kill -TERM "$console_pid" 2>/dev/null || true; wait "$console_pid" 2>/dev/null || true; console_pid=; fi; }
trap 'console_stop; accord_stop_hub' EXIT
if console_line=$(bash "$root/console/scripts/start-console.sh" "$build" "$work" csp-herts-analyst "$port" \
    "${metrics_port:-}" "127.0.0.1:${ACCORD_CONSOLE_PORT:-0}" 2>>"$work/console-csp-herts-analyst.log"); then
  console_pid=$(cat "$work/console-csp-herts-analyst.pid")
  console_url=$(sed -n 's/.*: \(https:[^ ]*\)$/\1/p' <<<"$console_line")
  echo "Officers' console: $console_url"
  echo "  browser certificate for an officer of csp-herts-analyst: $work/pki/officer-csp-herts-analyst.p12 (password accord-dev)"
  echo "  it is issued by the demo's CA $work/pki/ca.crt; import both, then open the address above"
  curl -sf --cacert "$work/pki/ca.crt" --cert "$work/pki/officer-csp-herts-analyst.crt" \
    --key "$work/pki/officer-csp-herts-analyst.key" "$console_url" | grep -o 'The partnership at a glance' | head -1 ||
    echo "(the console did not answer; see $work/console-csp-herts-analyst.log)"
  if [[ -t 0 && -z ${ACCORD_DEMO_NO_WAIT:-} ]]; then
    read -r -p "Press Enter to stop the hub and the console. " _
  fi
else
  echo "The console did not start (see $work/console-csp-herts-analyst.log); the rest of the demo is unaffected."
fi
console_stop
# ---- end of the console block ----

accord_stop_hub
trap - EXIT
step "Done"
echo "Data, keys and logs of this run: $work"
# analyst (issue 7): where the review pack is
echo "Analyst review pack (HTML): $work/analyst/report.html"
