# Sourced by the analyst test scripts: a dev PKI, the example agreements
# signed by fresh party keys, and a real accord-hub over mTLS, all in $work.
# Needs: $build (build dir), $root (repo), $work (temp dir). Sets: $port,
# $metrics_port, $hub_pid, and the function `as AGENCY` giving the client
# TLS options. Stops the hub on exit.
ctl=$build/hub/accordctl/accordctl
hubbin=$build/hub/server/accord-hub
connect=$build/connectors/connect/accord-connect
analyst=$build/connectors/analyst/accord-analyst

start_hub() {  # start_hub AGREEMENT_FILE...
  mkdir -p "$work/agreements" "$work/keys"
  "$ctl" pki init --dir "$work/pki" --agency herts-police --agency nhs-lister-ae --agency csp-herts-analyst >/dev/null
  local parties=(herts-police nhs-lister-ae csp-herts-analyst) f doc p
  for p in "${parties[@]}"; do "$ctl" keygen --out "$work/keys/$p" >/dev/null; done
  for f in "$@"; do
    doc=$work/agreements/$(basename "$f")
    cp "$f" "$doc"
    for p in "${parties[@]}"; do
      grep -q "id: $p\$" "$doc" && "$ctl" agreement set-key "$doc" --party "$p" --public-key "$work/keys/$p.pub" >/dev/null
    done
    for p in "${parties[@]}"; do
      grep -q "id: $p\$" "$doc" && "$ctl" agreement sign "$doc" --key "$work/keys/$p.key" >/dev/null
    done
  done
  "$hubbin" --listen 127.0.0.1:0 --data-dir "$work/data" --metrics-listen 127.0.0.1:0 \
    --tls-ca "$work/pki/ca.crt" --tls-cert "$work/pki/hub.crt" --tls-key "$work/pki/hub.key" \
    --hub-instance test-hub >"$work/hub.out" 2>"$work/hub.log" &
  hub_pid=$!
  trap 'kill $hub_pid 2>/dev/null; wait $hub_pid 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 300); do
    grep -q "ready on port" "$work/hub.out" 2>/dev/null && break
    kill -0 $hub_pid 2>/dev/null || { cat "$work/hub.log"; return 1; }
    sleep 0.1
  done
  port=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$work/hub.out")
  metrics_port=$(sed -n 's/.*metrics port \([0-9]*\).*/\1/p' "$work/hub.out")
  [[ -n $port ]] || { echo "FAIL: the hub did not start"; cat "$work/hub.log"; return 1; }
  for doc in "$work"/agreements/*.yaml; do
    local submitter
    submitter=$(sed -n 's/^  - id: \([a-z0-9._-]*\)$/\1/p' "$doc" | head -1)
    "$ctl" agreement submit $(as "$submitter") "$doc" >/dev/null || return 1
  done
}

as() { echo --hub "localhost:$port" --ca "$work/pki/ca.crt" --cert "$work/pki/$1.crt" --key "$work/pki/$1.key"; }

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
