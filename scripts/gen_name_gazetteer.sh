#!/usr/bin/env bash
# Regenerates policy/data/name_gazetteer.tsv from the pinned Faker wheel (PyPI)
# and Debian's wbritish word list. Not run by the build: the generated file is
# committed (policy/data/README.md). Needs network access to PyPI and Debian.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[[ -f /usr/share/dict/british-english-small ]] || apt-get install -y wbritish-small >/dev/null
/usr/bin/python3 -m pip download --no-deps --only-binary=:all: -d "$tmp" "Faker==40.63.0" >/dev/null
/usr/bin/python3 -m zipfile -e "$tmp"/faker-40.63.0-py3-none-any.whl "$tmp/wheel"
# Welsh (and other British) given names Faker lacks: gender-guesser's nam_dict.txt (GFDL).
/usr/bin/python3 -m pip download --no-deps -d "$tmp" "gender-guesser==0.4.0" >/dev/null
/usr/bin/python3 -m zipfile -e "$tmp"/gender_guesser-0.4.0-py2.py3-none-any.whl "$tmp/gender"
/usr/bin/python3 "$root/scripts/gen_name_gazetteer.py" "$tmp/wheel" /usr/share/dict/british-english-small \
  "$root/policy/data/name_gazetteer.tsv" "$tmp/gender"
