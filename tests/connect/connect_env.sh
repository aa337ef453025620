# Sourced by the connect tests: a dev PKI, the example agreements signed by
# fresh party keys, and a real accord-hub over mTLS that can be stopped and
# restarted on the same port and data. Needs $root, $build, $work.
ctl=$build/hub/accordctl/accordctl
hubbin=$build/hub/server/accord-hub
connect=$build/connectors/connect/accord-connect
analyst=$build/connectors/analyst/accord-analyst
port=0
hub_pid=

run_hub() {  # run_hub: starts the hub on $port (0 = pick one) and waits until ready
  : >"$work/hub.out"
  "$hubbin" --listen "127.0.0.1:$port" --data-dir "$work/data" --metrics-listen 127.0.0.1:0 \
    --tls-ca "$work/pki/ca.crt" --tls-cert "$work/pki/hub.crt" --tls-key "$work/pki/hub.key" \
    --hub-instance test-hub >"$work/hub.out" 2>>"$work/hub.log" &
  hub_pid=$!
  for _ in $(seq 300); do
    grep -q "ready on port" "$work/hub.out" 2>/dev/null && break
    kill -0 $hub_pid 2>/dev/null || { cat "$work/hub.log"; return 1; }
    sleep 0.1
  done
  port=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$work/hub.out")
  [[ -n $port ]] || { echo "FAIL: the hub did not start"; return 1; }
}

stop_hub() { kill -TERM $hub_pid 2>/dev/null; wait $hub_pid 2>/dev/null; hub_pid=; }

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
  trap '[[ -n $hub_pid ]] && kill $hub_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
  run_hub || return 1
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
