#!/usr/bin/env bash
# Creates certs/ for compose.yaml: a CA, and for each name a key, a certificate
# (CN=<name>, SAN DNS:<name>, DNS:localhost, IP:127.0.0.1) and a PEM keystore
# <name>.pem (key + certificate) as the brokers read it. Development only.
#
#   ./make-kafka-certs.sh [NAME...]     default: kafka1 kafka2 kafka3 admin hub
# Brokers are kafka1..3; `admin` is the operator's super-user certificate; the
# hub and every recipient reading its feed topic get one each (their Kafka
# principal is User:CN=<name>). CERTS_DIR overrides the output directory; an
# existing CA there is reused, so names can be added later.
set -euo pipefail
out=${CERTS_DIR:-$(cd "$(dirname "$0")" && pwd)/certs}
names=("$@")
((${#names[@]})) || names=(kafka1 kafka2 kafka3 admin hub)
mkdir -p "$out"
cd "$out"
if [[ ! -f ca.key ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=accord-kafka-ca" \
    -keyout ca.key -out ca.crt 2>/dev/null
fi
for name in "${names[@]}"; do
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { echo "make-kafka-certs.sh: bad name '$name'" >&2; exit 2; }
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -extfile <(printf "subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1" "$name") -out "$name.crt" 2>/dev/null
  cat "$name.key" "$name.crt" >"$name.pem"
  chmod 600 "$name.key" "$name.pem"
  rm "$name.csr"
done
echo "certificates in $(pwd)"
