#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every unit and integration test,
# then runs each libFuzzer target for a short time.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
build=${ACCORD_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 600
"$root/scripts/fuzz.sh"
