#!/usr/bin/env bash
# Development certificates for one agency's console, issued by the dev PKI's CA
# (from `accordctl pki init`). In production the partnership CA issues these
# (docs/SETUP.md); this script only does the same with openssl for a dev PKI.
#
#   dev-certs.sh PKI_DIR AGENCY [OFFICER_NAME]
#
# Writes into PKI_DIR:
#   console-AGENCY.crt/.key  the console's HTTPS server certificate (localhost, 127.0.0.1)
#   officer-AGENCY.crt/.key  an officer's browser certificate: CN OFFICER_NAME,
#                            subjectAltName URI accord:agency:AGENCY, clientAuth
#   officer-AGENCY.p12       the same for importing into a browser (password: accord-dev)
set -euo pipefail
dir=${1:?usage: dev-certs.sh PKI_DIR AGENCY [OFFICER_NAME]}
agency=${2:?usage: dev-certs.sh PKI_DIR AGENCY [OFFICER_NAME]}
officer=${3:-Information officer, $agency}
[[ -f $dir/ca.crt && -f $dir/ca.key ]] || { echo "dev-certs.sh: $dir has no ca.crt and ca.key (run accordctl pki init first)" >&2; exit 1; }
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

issue() {  # issue NAME SUBJECT EXTENSIONS
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key" 2>/dev/null
  openssl req -new -key "$dir/$1.key" -subj "$2" -out "$tmp/$1.csr"
  printf '%s\n' "$3" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 397 -sha256 -extfile "$tmp/$1.ext" -out "$dir/$1.crt" 2>/dev/null
  chmod 0644 "$dir/$1.crt"
}

issue "console-$agency" "/CN=accord-console-$agency" \
  "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
issue "officer-$agency" "/CN=$officer" \
  "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:accord:agency:$agency"
openssl pkcs12 -export -in "$dir/officer-$agency.crt" -inkey "$dir/officer-$agency.key" \
  -name "$officer" -passout pass:accord-dev -out "$dir/officer-$agency.p12"
rm -f "$dir/ca.srl"
