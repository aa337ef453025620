#!/usr/bin/env bash
# Configures and builds Accord into ${ACCORD_BUILD_DIR:-build} (Release with debug info).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ACCORD_BUILD_DIR:-$root/build}
launcher=()
# Share ccache hits between build dirs of one checkout (build/, build-*/).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${ACCORD_BUILD_TYPE:-RelWithDebInfo} "${launcher[@]}" "$@"
fi
cmake --build "$build" -j "${ACCORD_JOBS:-$(nproc)}"
