#!/usr/bin/env bash
# The main job: install what is missing, build, and run Accord end to end on the
# embedded default (RocksDB, one process, no other services):
#   1. a development PKI (CA, hub and agency certificates);
#   2. every party generates a key and signs the three example agreements;
#   3. accord-hub starts with mTLS; the agreements are submitted;
#   4. police and A&E publish synthetic sample records (deploy/sample/);
#   5. the partnership analyst subscribes and prints what arrived;
#   6. the disclosure ledger is exported and verified.
# Everything it creates lives in build/demo (keys never leave it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh" >/dev/null
build=${ACCORD_BUILD_DIR:-$root/build}
exec "$root/scripts/run_demo.sh" "$build"
