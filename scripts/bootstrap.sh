#!/usr/bin/env bash
# Installs the Debian bookworm packages Accord builds and tests with, if any are missing.
# Safe to run repeatedly: it only calls apt-get when something is absent.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librdkafka-dev librocksdb-dev libssl-dev libabsl-dev
  libjemalloc-dev  # accord-hub and accord-loadgen allocate through jemalloc (CMake ACCORD_JEMALLOC)
  libisal-dev  # RocksDB's checksums on ISA-L's hardware CRC32C in accord-hub (CMake ACCORD_FAST_CRC32C)
  libre2-dev libyaml-cpp-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev libcsv-dev tzdata
  kcat openssl python3 python3-grpcio python3-grpc-tools
  chromium fonts-liberation  # the console's browser tests (tests/browser): Debian's Chromium, never a downloaded one
  python3-venv  # tests/open: the Python client in a fresh venv of Debian's python3
  # Real Apache Kafka for tests/kafka (scripts/kafka.sh resolves the broker with Maven),
  # compose.yaml parsing and systemd unit verification (tests/kafka/deploy_files_test.py)
  openjdk-17-jre-headless maven python3-yaml systemd
  libclang-rt-14-dev  # sanitizer headers for scripts/fuzz.sh (clang ASan/UBSan builds)
  libglpk-dev  # accord-analyst: the attacker check's LP solver (chromium above also renders its HTML pack in a test)
  prometheus  # only for promtool (tests/ops: `promtool check metrics`); no smaller bookworm package ships it
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "accord: installing missing packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The prometheus package starts its server where systemd runs; the tests need only promtool.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null &&
     systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

# The officers' console (console/) runs on Node.js 20 or later with npm (its
# packages come from package-lock.json with `npm ci`, see console/scripts/npm-install.sh).
# Install Debian's nodejs and npm only when there is no node at all: a machine
# may already have a newer Node.js (with its own npm) from elsewhere.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "accord: installing Node.js and npm for the console"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "accord: warning: the console's browser tests need Node.js 20 or later (found $(node --version))" >&2
fi
