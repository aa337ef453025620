#!/usr/bin/env bash
# Presidio (with Stanford CoreNLP's CRF NER standing in for spaCy's en_core_web_lg)
# over a privacy corpus, scored by the same score.py as our redactor.
#   tests/privacy/presidio/run.sh CORPUS_DIR OUT_DIR
# CORPUS_DIR: an output directory of tests/privacy/run.sh (narratives.jsonl,
# truth.jsonl, and our redactor's clean.jsonl). A benchmark, not a test: it
# downloads ~500 MB (presidio-analyzer and spaCy from PyPI into a venv, CoreNLP's
# jars from Maven Central) into PRESIDIO_CACHE (default build/presidio); nothing
# is installed elsewhere, nothing is committed. README.md here.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
die() { echo "presidio/run.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: run.sh CORPUS_DIR OUT_DIR"
corpus=$(cd "$1" && pwd) || die "no corpus directory $1"
mkdir -p "$2"
out=$(cd "$2" && pwd)
for f in narratives.jsonl truth.jsonl clean.jsonl; do
  [ -f "$corpus/$f" ] || die "$corpus/$f is missing: make the corpus with tests/privacy/run.sh first"
done
cache=${PRESIDIO_CACHE:-$root/build/presidio}
mkdir -p "$cache"

# 1. Python side: Debian's python3, a venv in the cache, pinned versions.
if [ ! -x "$cache/venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$cache/venv"
fi
# (pinned: a no-op without network access when the cache already holds them)
"$cache/venv/bin/pip" install -q -r "$here/requirements.txt" || die "pip install failed"

# 2. CoreNLP: main jar, its dependencies and the English models jar.
command -v mvn >/dev/null || die "maven is missing (scripts/bootstrap.sh installs it)"
command -v java >/dev/null || die "java is missing (scripts/bootstrap.sh installs it)"
version=$(sed -n 's:.*<corenlp.version>\(.*\)</corenlp.version>.*:\1:p' "$here/pom.xml")
libs=$cache/corenlp/$version/libs
if [ ! -f "$libs/stanford-corenlp-$version-models.jar" ]; then
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs" -DincludeScope=runtime >"$cache/mvn.log" 2>&1 \
    || { cat "$cache/mvn.log" >&2; die "mvn could not resolve CoreNLP"; }
fi

# 3. CoreNLP's statistical NER in batch, one file per narrative (no server, no port).
work=$out/corenlp
rm -rf "$work"
mkdir -p "$work/in" "$work/out"
/usr/bin/python3 - "$corpus/narratives.jsonl" "$work" <<'EOF'
import json, sys
src, work = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f, open(f"{work}/files.txt", "w") as files:
    for i, line in enumerate(l for l in f if l.strip()):
        path = f"{work}/in/{i:06d}.txt"
        with open(path, "w", encoding="utf-8") as t:
            t.write(json.loads(line)["text"])
        files.write(path + "\n")
EOF
echo "presidio/run.sh: CoreNLP NER over $(wc -l <"$work/files.txt") narratives (log: $work/corenlp.log)"
java -Xmx3g -cp "$libs/*" edu.stanford.nlp.pipeline.StanfordCoreNLP \
    -annotators tokenize,ssplit,pos,lemma,ner -outputFormat json -encoding UTF-8 \
    -filelist "$work/files.txt" -outputDirectory "$work/out" -threads "${PRESIDIO_THREADS:-2}" \
    >"$work/corenlp.log" 2>&1 || { tail -20 "$work/corenlp.log" >&2; die "CoreNLP failed"; }
grep -E "^TOTAL|Pipeline setup" "$work/corenlp.log" || true

# 4. Presidio's AnalyzerEngine, spans replaced by [ENTITY_TYPE], two configurations.
"$cache/venv/bin/python" "$here/presidio_redact.py" "$corpus" "$work/out" \
    "$cache/spacy_blank_en" "$out"

# 5. The same score.py for Presidio's output and ours. score.py also scores
#    linkage, which Presidio does not do: an empty key per record (no pair linked).
/usr/bin/python3 - "$corpus" <<'EOF' >"$out/empty_link_out.jsonl"
import json, sys
with open(f"{sys.argv[1]}/link.jsonl", encoding="utf-8") as f:
    for line in f:
        if line.strip():
            print(json.dumps({"id": json.loads(line)["id"], "key": ""}))
EOF
for config in default no_location; do
  for f in narratives.jsonl truth.jsonl link_truth.jsonl; do
    ln -sf "$corpus/$f" "$out/$config/$f"
  done
  ln -sf "$out/empty_link_out.jsonl" "$out/$config/link_out.jsonl"
done
/usr/bin/python3 "$here/table.py" "$root/tests/privacy/score.py" \
    "ours=$corpus" "presidio=$out/default" "presidio_no_location=$out/no_location" \
    | tee "$out/table.md"
echo "NI numbers and plates, by whether Presidio's validity rules accept the shape:" | tee -a "$out/table.md"
/usr/bin/python3 "$here/rules.py" "$root/tests/privacy/score.py" "$corpus" "$out/default" \
    | tee -a "$out/table.md"
