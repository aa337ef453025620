#!/usr/bin/env bash
# Creates certs/ for compose.yaml: a CA, one PEM keystore per broker (key +
# certificate), and a client certificate for the hub. Development only.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p certs && cd certs
openssl req -x509 -newkey rsa:3072 -nodes -days 365 -subj "/CN=accord-kafka-ca" -keyout ca.key -out ca.crt
for name in kafka1 kafka2 kafka3 hub; do
  openssl req -newkey rsa:3072 -nodes -subj "/CN=$name" -keyout "$name.key" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -extfile <(printf "subjectAltName=DNS:%s" "$name") -out "$name.crt"
  cat "$name.key" "$name.crt" > "$name.pem"
  rm "$name.csr"
done
echo "certificates in $(pwd)"
