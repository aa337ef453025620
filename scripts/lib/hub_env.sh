# Sourced, not run: the steps that start a development accord-hub, shared by
# scripts/loadgen.sh, scripts/run_demo.sh and the analyst and connect tests.
#
#   source "$root/scripts/lib/hub_env.sh"
#   accord_use_build "$build"
#   accord_dev_pki "$work/pki" police csp >/dev/null
#   accord_party_keys "$work/keys" police csp
#   accord_sign_agreement "$doc" "$work/keys" police csp
#   trap accord_stop_hub EXIT
#   accord_start_hub "$work" --hub-instance my-hub      # sets HUB_PID, HUB_PORT
#   accord_submit_agreement "$work" "$doc" >/dev/null
#
# A work dir WORKDIR holds the dev PKI in WORKDIR/pki, the hub's data in
# WORKDIR/data, its stdout in WORKDIR/hub.out and its stderr in WORKDIR/hub.log.
# Every function returns non-zero on the first failure, so it works both under
# `set -euo pipefail` and as `accord_... || exit 1`. Diagnostics go to stderr;
# stdout carries only what accordctl prints, for the caller to show or parse.
# shellcheck shell=bash disable=SC2034  # the variables set here are for the caller

# The hub of the last accord_start_hub: its process id (empty once stopped), its
# gRPC port and its metrics port (empty when it serves no metrics).
HUB_PID=
HUB_PORT=
HUB_METRICS_PORT=

# accord_use_build BUILD_DIR
# Sets ctl, hubbin, connect and analyst to the accordctl, accord-hub,
# accord-connect and accord-analyst binaries in BUILD_DIR. The functions below
# run $ctl and $hubbin, so call this first. ACCORD_HUB_BIN, if set, is the
# accord-hub to run instead (A/B runs of two builds with the same scripts).
accord_use_build() {
  ctl=$1/hub/accordctl/accordctl
  hubbin=${ACCORD_HUB_BIN:-$1/hub/server/accord-hub}
  connect=$1/connectors/connect/accord-connect
  analyst=$1/connectors/analyst/accord-analyst
}

# accord_dev_pki PKI_DIR AGENCY...
# Makes a development PKI in PKI_DIR: a CA (ca.crt), the hub's certificate
# (hub.crt, hub.key) and one client certificate per AGENCY (AGENCY.crt,
# AGENCY.key). Prints what `accordctl pki init` prints.
accord_dev_pki() {
  local dir=$1 args=() a
  shift
  for a in "$@"; do args+=(--agency "$a"); done
  "$ctl" pki init --dir "$dir" "${args[@]}"
}

# accord_party_keys KEY_DIR PARTY...
# Gives each PARTY an Ed25519 signing key pair: KEY_DIR/PARTY.key and .pub.
# Prints nothing.
accord_party_keys() {
  local dir=$1 p
  shift
  for p in "$@"; do "$ctl" keygen --out "$dir/$p" >/dev/null || return 1; done
}

# accord_sign_agreement DOC KEY_DIR PARTY...
# Edits the agreement file DOC in place: of the PARTYs, those DOC names (a line
# `id: PARTY`) get their public key KEY_DIR/PARTY.pub set, then each signs with
# KEY_DIR/PARTY.key. Prints nothing.
accord_sign_agreement() {
  local doc=$1 dir=$2 named=() p
  shift 2
  for p in "$@"; do
    if grep -q "id: $p\$" "$doc"; then named+=("$p"); fi
  done
  for p in "${named[@]}"; do
    "$ctl" agreement set-key "$doc" --party "$p" --public-key "$dir/$p.pub" >/dev/null || return 1
  done
  for p in "${named[@]}"; do
    "$ctl" agreement sign "$doc" --key "$dir/$p.key" >/dev/null || return 1
  done
}

# accord_dev_agreements WORKDIR PARTY... -- FILE...
# The three steps above for tests: a dev PKI for the PARTYs in WORKDIR/pki, a
# key each in WORKDIR/keys, and a copy of each agreement FILE in
# WORKDIR/agreements, signed by the PARTYs it names. Prints what pki init prints.
accord_dev_agreements() {
  local work=$1 parties=() f doc
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do parties+=("$1"); shift; done
  shift
  mkdir -p "$work/agreements" "$work/keys" || return 1
  accord_dev_pki "$work/pki" "${parties[@]}" || return 1
  accord_party_keys "$work/keys" "${parties[@]}" || return 1
  for f in "$@"; do
    doc=$work/agreements/$(basename "$f")
    cp "$f" "$doc" || return 1
    accord_sign_agreement "$doc" "$work/keys" "${parties[@]}" || return 1
  done
}

# accord_start_hub WORKDIR [HUB_ARG...]
# Starts $hubbin in the background over mTLS with the dev PKI's hub certificate
# (WORKDIR/pki), data in WORKDIR/data, listening on 127.0.0.1:$HUB_PORT if that
# is set (a restart after accord_stop_hub keeps the port and the data), else on
# a free port; HUB_ARGs are added (e.g. --hub-instance, --metrics-listen,
# --config). Its stdout goes to WORKDIR/hub.out (emptied first), its stderr is
# appended to WORKDIR/hub.log. Waits up to 30 s for its "ready on port N" line,
# then sets HUB_PID, HUB_PORT and HUB_METRICS_PORT. If the hub exits or does
# not become ready, prints that and its log to stderr and returns 1 (HUB_PID
# stays set while the process lives, for the caller's accord_stop_hub).
accord_start_hub() {
  local work=$1 i
  shift
  : >"$work/hub.out" || return 1
  "$hubbin" --listen "127.0.0.1:${HUB_PORT:-0}" --data-dir "$work/data" \
    --tls-ca "$work/pki/ca.crt" --tls-cert "$work/pki/hub.crt" --tls-key "$work/pki/hub.key" \
    "$@" >"$work/hub.out" 2>>"$work/hub.log" &
  HUB_PID=$!
  for ((i = 0; i < 300; i++)); do
    grep -q "ready on port" "$work/hub.out" 2>/dev/null && break
    if ! kill -0 "$HUB_PID" 2>/dev/null; then
      echo "${0##*/}: accord-hub exited before it was ready; its log:" >&2
      cat "$work/hub.log" >&2
      HUB_PID=
      return 1
    fi
    sleep 0.1
  done
  HUB_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$work/hub.out")
  HUB_METRICS_PORT=$(sed -n 's/.*metrics port \([0-9]*\).*/\1/p' "$work/hub.out")
  if [[ -z $HUB_PORT ]]; then
    echo "${0##*/}: the hub did not start; its log:" >&2
    cat "$work/hub.log" >&2
    return 1
  fi
}

# accord_register_keys WORKDIR
# Each agency with a client certificate WORKDIR/pki/AGENCY.crt and a signing
# key WORKDIR/keys/AGENCY.key (or WORKDIR/AGENCY.key) registers that key with
# the hub on localhost:$HUB_PORT over its OWN certificate (`accordctl key
# register`): the hub counts only signatures made with registered keys.
# Registering the same key again changes nothing. Prints nothing.
accord_register_keys() {
  local work=$1 crt agency key
  for crt in "$work"/pki/*.crt; do
    agency=$(basename "$crt" .crt)
    [[ $agency == ca || $agency == hub ]] && continue
    key=$work/keys/$agency.key
    [[ -f $key ]] || key=$work/$agency.key
    [[ -f $key ]] || continue
    "$ctl" key register --hub "localhost:$HUB_PORT" --ca "$work/pki/ca.crt" --cert "$crt" \
      --key "$work/pki/$agency.key" "$key" >/dev/null || return 1
  done
}

# accord_submit_agreement WORKDIR DOC...
# Registers the agencies' signing keys (accord_register_keys), then submits
# each signed agreement DOC to the hub on localhost:$HUB_PORT, as the first
# party DOC lists, with that party's certificate from WORKDIR/pki. Prints what
# `accordctl agreement submit` prints.
accord_submit_agreement() {
  local work=$1 doc party
  shift
  accord_register_keys "$work" || return 1
  for doc in "$@"; do
    party=$(sed -n 's/^  - id: \([a-z0-9._-]*\)$/\1/p' "$doc" | head -1)
    "$ctl" agreement submit --hub "localhost:$HUB_PORT" --ca "$work/pki/ca.crt" \
      --cert "$work/pki/$party.crt" --key "$work/pki/$party.key" "$doc" || return 1
  done
}

# accord_stop_hub
# Stops the hub of accord_start_hub (SIGTERM), waits for it to exit and clears
# HUB_PID; HUB_PORT stays, for a restart. Does nothing when no hub runs; always
# returns 0, so it can serve in an EXIT trap.
accord_stop_hub() {
  if [[ -n $HUB_PID ]]; then
    kill -TERM "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
    HUB_PID=
  fi
  return 0
}
