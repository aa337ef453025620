#!/usr/bin/env bash
# ctest setup_guide: follows docs/SETUP.md step by step on one machine (localhost
# for every host name), with the commands the guide gives. Section numbers match.
#   setup_guide_test.sh REPO_ROOT BUILD_DIR
set -euo pipefail
root=$(cd "${1:?usage: setup_guide_test.sh REPO_ROOT BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: setup_guide_test.sh REPO_ROOT BUILD_DIR}" && pwd)
ctl=$build/hub/accordctl/accordctl hubbin=$build/hub/server/accord-hub
connect=$build/connectors/connect/accord-connect analyst=$build/connectors/analyst/accord-analyst
w=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$w"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
agencies=(herts-police csp-herts-analyst)

say "1. The PKI: the partnership CA, then each agency's key, request and certificate"
mkdir -p "$w/ca" "$w/hub" && cd "$w/ca"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=Herts Community Safety Partnership CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
issue() {  # issue DIR NAME SUBJECT EKU SAN: key and request made in DIR (the holder), signed by the CA
  local dir=$1 name=$2
  mkdir -p "$dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name.key" 2>/dev/null
  openssl req -new -key "$dir/$name.key" -subj "$3" -out "$dir/$name.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$4" "$5" >"$w/ca/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$w/ca/ca.crt" -CAkey "$w/ca/ca.key" -CAcreateserial -days 397 -sha256 \
    -extfile "$w/ca/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  cp "$w/ca/ca.crt" "$dir/ca.crt"
}
for a in "${agencies[@]}"; do issue "$w/$a" "$a" "/CN=$a" clientAuth "URI:accord:agency:$a"; done
issue "$w/hub" hub "/CN=accord-hub" serverAuth "DNS:localhost,IP:127.0.0.1"
openssl verify -CAfile "$w/ca/ca.crt" "$w/herts-police/herts-police.crt" "$w/hub/hub.crt"

say "2. The hub: configuration and service"
cat >"$w/hub/hub.yaml" <<Y
listen: 127.0.0.1:0
tls: {ca: $w/hub/ca.crt, cert: $w/hub/hub.crt, key: $w/hub/hub.key}
data_dir: $w/hub/data
hub_instance: herts-hub-1
metrics_listen: 127.0.0.1:0
Y
start_hub() {  # start_hub CONFIG: sets HUB and METRICS
  : >"$w/hub/hub.out"
  "$hubbin" --config "$1" >"$w/hub/hub.out" 2>>"$w/hub/hub.log" &
  hub_pid=$!
  pids+=("$hub_pid")
  for _ in $(seq 300); do grep -q "ready on port" "$w/hub/hub.out" && break; sleep 0.1; done
  HUB=localhost:$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$w/hub/hub.out")
  METRICS=$(sed -n 's/.*metrics port \([0-9]*\).*/\1/p' "$w/hub/hub.out")
  [[ $HUB != localhost: ]] || { cat "$w/hub/hub.log" >&2; fail "the hub did not start"; }
}
start_hub "$w/hub/hub.yaml"
ls "$w/hub/data/keys/ledger.key" "$w/hub/data/keys/secrets.bin" >/dev/null
as() { echo --hub "$HUB" --ca "$w/$1/ca.crt" --cert "$w/$1/$1.crt" --key "$w/$1/$1.key"; }

say "3. The console for herts-police, and an officer's browser certificate"
issue "$w/herts-police" console "/CN=accord-console-herts-police" serverAuth "DNS:localhost,IP:127.0.0.1"
issue "$w/officer" officer "/CN=Jo Bloggs" clientAuth "URI:accord:agency:herts-police"
openssl pkcs12 -export -in "$w/officer/officer.crt" -inkey "$w/officer/officer.key" -passout pass:x -out "$w/officer/officer.p12"
bash "$root/console/scripts/npm-install.sh"
p=$w/herts-police
# 3.3: the CA's revocation database and its first (empty) CRL, as the guide gives them.
(cd "$w/ca" && touch index.txt && echo 01 >crlnumber &&
  printf '%s\n' '[ca]' 'default_ca = partnership' '[partnership]' 'database = index.txt' \
    'crlnumber = crlnumber' 'certificate = ca.crt' 'private_key = ca.key' 'default_md = sha256' \
    'default_crl_days = 30' >crl.cnf &&
  openssl ca -config crl.cnf -gencrl -out partnership.crl.pem 2>/dev/null)
cp "$w/ca/partnership.crl.pem" "$p/partnership.crl.pem"
node "$root/console/bin/accord-console.js" --agency herts-police --hub "$HUB" \
  --ca "$p/ca.crt" --cert "$p/herts-police.crt" --key "$p/herts-police.key" \
  --tls-cert "$p/console.crt" --tls-key "$p/console.key" --listen 127.0.0.1:0 \
  --hub-metrics "http://127.0.0.1:$METRICS/metrics" --accordctl "$ctl" --data-dir "$w/console-data" \
  --crl "$p/partnership.crl.pem" >"$w/console.out" 2>"$w/console.log" &
pids+=("$!")
console_pid=$!
for _ in $(seq 200); do grep -q "ready on port" "$w/console.out" && break; sleep 0.1; done
url=$(sed -n 's/.*: \(https:[^ ]*\)$/\1/p' "$w/console.out")
[[ -n $url ]] || { cat "$w/console.log" >&2; fail "the console did not start"; }
officer=(--cacert "$w/ca/ca.crt" --cert "$w/officer/officer.crt" --key "$w/officer/officer.key")
page=$(curl -sf "${officer[@]}" "$url") || fail "the officer cannot open the console"
grep -q "The partnership at a glance" <<<"$page" || fail "the console's overview is not there"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$w/ca/ca.crt" "$url")
[[ $code == 403 ]] || fail "the console answered $code without a certificate"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$w/ca/ca.crt" --cert "$w/csp-herts-analyst/csp-herts-analyst.crt" \
  --key "$w/csp-herts-analyst/csp-herts-analyst.key" "$url")
[[ $code == 403 ]] || fail "the console answered $code to another agency's certificate"

say "3.3 Revoking an officer's certificate"
issue "$w/officer2" officer2 "/CN=Sam Leaver" clientAuth "URI:accord:agency:herts-police"
officer2=(--cacert "$w/ca/ca.crt" --cert "$w/officer2/officer2.crt" --key "$w/officer2/officer2.key")
curl -sf -o /dev/null "${officer2[@]}" "$url" || fail "a new officer cannot open the console"
(cd "$w/ca" && openssl ca -config crl.cnf -revoke "$w/officer2/officer2.crt" -crl_reason keyCompromise 2>/dev/null &&
  openssl ca -config crl.cnf -gencrl -out partnership.crl.pem 2>/dev/null)
cp "$w/ca/partnership.crl.pem" "$p/partnership.crl.pem.new" && mv "$p/partnership.crl.pem.new" "$p/partnership.crl.pem"
kill -HUP "$console_pid"
for _ in $(seq 100); do grep -q "reloaded the certificate revocation list" "$w/console.log" && break; sleep 0.1; done
grep -q "reloaded the certificate revocation list" "$w/console.log" || fail "the console did not reload its CRL"
page=$(curl -s "${officer2[@]}" "$url")
grep -q "Your browser certificate has been revoked" <<<"$page" || fail "a revoked officer certificate was not refused in words"
curl -sf -o /dev/null "${officer[@]}" "$url" || fail "revoking one officer locked out another"

say "4. Onboarding: each agency registers its signing key, and a connection check"
for a in "${agencies[@]}"; do
  "$ctl" keygen --out "$w/$a/signing-$a" >/dev/null
  "$ctl" key register $(as "$a") "$w/$a/signing-$a.key"
  "$ctl" agreement list $(as "$a") >/dev/null
done
err=$("$ctl" agreement list --hub "$HUB" --ca "$w/herts-police/herts-police.crt" --cert "$w/herts-police/herts-police.crt" \
  --key "$w/herts-police/herts-police.key" 2>&1 >/dev/null) && fail "a wrong --ca was accepted" || true
grep -q "could not make a secure connection to the hub" <<<"$err" || fail "wrong CA not reported in words: $err"

say "5. The first agreement: draft, keys, read, submit, each party signs, in force"
isa=$w/isa.yaml
cp "$root/deploy/agreements/police-crime-analyst.yaml" "$isa"
"$ctl" agreement lint "$isa"
for a in "${agencies[@]}"; do
  "$ctl" agreement set-key "$isa" --party "$a" --public-key "$w/$a/signing-$a.pub"
done
shown=$("$ctl" agreement show "$isa")
head -3 <<<"$shown"
# Unsigned, it is stored and waits: exit 3 (pending signatures), as the README's table says.
rc=0; "$ctl" agreement submit $(as herts-police) "$isa" || rc=$?
[[ $rc == 3 ]] || fail "submitting the unsigned draft exited $rc, not 3 (pending signatures)"
list=$("$ctl" agreement list $(as herts-police))
grep -q "pending_signatures" <<<"$list" || fail "not waiting for signatures: $list"
for a in "${agencies[@]}"; do "$ctl" agreement sign "$isa" --key "$w/$a/signing-$a.key"; done
"$ctl" agreement submit $(as csp-herts-analyst) "$isa"
"$ctl" agreement verify "$isa"
list=$("$ctl" agreement list $(as herts-police))
grep -q " active " <<<"$list" || fail "the agreement is not active: $list"
page=$(curl -sf "${officer[@]}" "$url") || fail "the console did not answer"
grep -q 'data-state="ACTIVE"' <<<"$page" || fail "the console does not show it in force"

say "6. Connectors: check the mapping, then publish"
"$connect" check --mapping "$root/deploy/mappings/police_incidents.yaml" --agreement "$isa"
mkdir -p "$w/checkpoints"
"$connect" publish $(as herts-police) --mapping "$root/deploy/mappings/police_incidents.yaml" \
  --source "$root/deploy/sample/police_incidents.csv" --checkpoint-dir "$w/checkpoints" \
  --dead-letter "$w/dead.jsonl" --progress none >"$w/publish.out"
cat "$w/publish.out"
grep -q "rejected 0" "$w/publish.out" || fail "records were rejected"

say "7. The analyst"
"$analyst" sync $(as csp-herts-analyst) --state "$w/analyst-state" --idle 2
"$analyst" report --state "$w/analyst-state" --out "$w/audit" --as csp-herts-analyst
[[ -s $w/audit/report.html ]] || fail "no analyst report"

say "8. Backups: pin and export the ledger, archive the hub's data, restore, verify"
"$ctl" audit pin $(as csp-herts-analyst) --out "$w/partner.pin"
"$ctl" audit export $(as csp-herts-analyst) --out "$w/ledger.export"
"$ctl" audit verify --file "$w/ledger.export"
kill -TERM "$hub_pid"; wait "$hub_pid" || true
tar -C "$w/hub" -czf "$w/hub-backup.tar.gz" data
mkdir -p "$w/restored" && tar -C "$w/restored" -xzf "$w/hub-backup.tar.gz"
sed "s|data_dir: .*|data_dir: $w/restored/data|" "$w/hub/hub.yaml" >"$w/restored/hub.yaml"
start_hub "$w/restored/hub.yaml"
"$ctl" audit verify $(as csp-herts-analyst)
"$ctl" audit check-consistency $(as csp-herts-analyst) --pin "$w/partner.pin"
list=$("$ctl" agreement list $(as herts-police))
grep -q " active " <<<"$list" || fail "the restored hub lost the agreement: $list"
echo "setup guide: every step passed"
