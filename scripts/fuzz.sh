#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a short time.
# ACCORD_FUZZ_SECONDS (default 20) sets the time per target. Exits non-zero on any crash.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ACCORD_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${ACCORD_FUZZ_SECONDS:-20}
launcher=()
# Share ccache hits between build dirs of one checkout (build/, build-*/).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DACCORD_FUZZ=ON -DACCORD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j "$(nproc)"
mapfile -t fuzzers < <(find "$build" -type f -executable -name '*_fuzz' | sort)
if ((${#fuzzers[@]} == 0)); then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
passed=0 failed=0
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  corpus=$(mktemp -d)
  seeds="$root/policy/testdata/fuzz/${name#policy_}"
  [[ -d $seeds ]] && cp -r "$seeds"/. "$corpus"/ 2>/dev/null || true
  echo "fuzz: $name for ${seconds}s"
  if (cd "$corpus" && "$f" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=0 "$corpus" >"$corpus/log" 2>&1); then
    passed=$((passed + 1))
  else
    echo "fuzz: $name FAILED; last lines:" >&2
    tail -40 "$corpus/log" >&2
    failed=$((failed + 1))
  fi
  rm -rf "$corpus"
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
