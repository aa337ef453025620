#!/usr/bin/env bash
# Generates a corpus, runs the real redactor and pseudonymiser over it, scores it.
#   tests/privacy/run.sh PRIVACY_EVAL_BINARY NARRATIVES OUT_DIR [score.py options]
# ctest runs it with 400 narratives; the benchmark figures in policy/README.md
# come from 10,000+ (tests/privacy/README.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tool=$1 n=$2 out=$3
shift 3
mkdir -p "$out"
/usr/bin/python3 "$here/generate.py" --narratives "$n" --people "$n" --seed "${PRIVACY_SEED:-14}" --out "$out"
"$tool" redact "$out/narratives.jsonl" "$out/clean.jsonl"
"$tool" link "$out/link.jsonl" "$out/link_out.jsonl"
/usr/bin/python3 "$here/score.py" "$out" "$@"
