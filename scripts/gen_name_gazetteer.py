#!/usr/bin/python3
"""Generates policy/data/name_gazetteer.tsv, the redactor's list of given names
and surnames (policy/data/README.md says why this source and how it is used).

Sources (both installable from the registries the project uses):
  - Faker (PyPI, MIT licence), person providers en_GB, en_IE, ga_IE, en_US,
    en_IN, en_PK, pl_PL: the given names and surnames common in England and
    Wales and in its largest communities. Read from the wheel with `ast`
    (nothing is imported or installed).
  - gender-guesser (PyPI), its data file nam_dict.txt (Joerg Michael, GNU Free
    Documentation Licence 1.2 or later): the given names it marks as used in
    Great Britain, which bring the Welsh given names Faker lacks (Dafydd,
    Gwenllian, Ieuan, Llywelyn, Gruffudd ...). Read as text from the wheel.
  - Debian's wbritish-small (/usr/share/dict/british-english-small, SCOWL licence): marks
    names that are also ordinary lower-case English words ("will", "rose",
    "brown"), which the redactor removes only with stronger evidence.

Usage (Debian's python3 and pip only):
  scripts/gen_name_gazetteer.sh            # downloads the pinned wheels, runs this
  /usr/bin/python3 scripts/gen_name_gazetteer.py WHEEL_DIR DICT OUT [GENDER_WHEEL_DIR]
"""
import ast
import sys
import unicodedata
from pathlib import Path

LOCALES = ["en_GB", "en_IE", "ga_IE", "en_US", "en_IN", "en_PK", "pl_PL"]
FAKER_VERSION = "40.63.0"
GENDER_GUESSER_VERSION = "0.4.0"
# nam_dict.txt: one frequency column per country from this column on (0-based);
# Great Britain is the first ("list of countries" in the file's header).
NAM_DICT_FIRST_COUNTRY = 30


def nam_dict_british_given_names(path):
    """Given names nam_dict.txt marks as used in Great Britain (any frequency)."""
    names = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip("\r")
        if not line or line[0] == "#" or line.startswith("="):
            continue
        if len(line) <= NAM_DICT_FIRST_COUNTRY or line[NAM_DICT_FIRST_COUNTRY - 1] == "+":
            continue  # no frequencies, or a duplicate sorted by expanded umlauts
        if line[NAM_DICT_FIRST_COUNTRY] in " $":
            continue  # not used in Great Britain
        name = line[3:NAM_DICT_FIRST_COUNTRY - 1].strip()
        if name and "+" not in name:
            names.add(name)
    return names


def literal_names(node):
    """Strings of a tuple/list literal or an OrderedDict((("x", w), ...)) call."""
    if isinstance(node, (ast.Tuple, ast.List)):
        out = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append(elt.value)
            elif isinstance(elt, ast.Tuple) and elt.elts and isinstance(elt.elts[0], ast.Constant):
                out.append(elt.elts[0].value)
        return out
    if isinstance(node, ast.Call) and node.args:
        return literal_names(node.args[0])
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant)]
    return None


def frequent_surnames(path, threshold=0.2):
    """en_GB surnames whose Faker weight is >= threshold (Smith 1.15 ... King 0.2)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            name, weight = node.elts
            if (isinstance(name, ast.Constant) and isinstance(name.value, str)
                    and isinstance(weight, ast.Constant) and isinstance(weight.value, float)
                    and weight.value >= threshold):
                out.add(fold(name.value))
    return out


def provider_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    given, surnames = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        names = literal_names(node.value)
        if names is None:
            continue
        if "first_names" in target.id:
            given.update(names)
        elif "last_names" in target.id:
            surnames.update(names)
    return given, surnames


def fold(name):
    """Lower case, accents removed, apostrophes dropped: the redactor's key."""
    out = []
    for ch in unicodedata.normalize("NFKD", name):
        if unicodedata.combining(ch):
            continue
        if ch in "'\u2019":
            continue
        out.append(ch.lower())
    s = "".join(out).replace("ł", "l").replace("ß", "ss").replace("æ", "ae").replace("ø", "o")
    return s


def main():
    wheel_dir, dict_path, out_path = map(Path, sys.argv[1:4])
    common = set()
    for line in dict_path.read_text(encoding="utf-8", errors="replace").splitlines():
        w = line.strip()
        if w and w == w.lower() and "'" not in w:
            common.add(fold(w))
    flags = {}
    for locale in LOCALES:
        given, surnames = provider_names(wheel_dir / "faker/providers/person" / locale / "__init__.py")
        for kind, names in (("G", given), ("S", surnames)):
            for name in names:
                # Multi-word and hyphenated entries give one key per part.
                for part in name.replace("-", " ").split():
                    key = fold(part)
                    if len(key) < 2 or not key.isalpha() or not key.isascii():
                        continue
                    flags.setdefault(key, set()).add(kind)
    if len(sys.argv) > 4:
        gender_dir = Path(sys.argv[4])
        for name in nam_dict_british_given_names(gender_dir / "gender_guesser/data/nam_dict.txt"):
            for part in name.replace("-", " ").split():
                key = fold(part)
                if len(key) < 2 or not key.isalpha() or not key.isascii():
                    continue
                flags.setdefault(key, set()).add("G")
    frequent = frequent_surnames(wheel_dir / "faker/providers/person/en_GB/__init__.py")
    lines = [
        "# Given names (G) and surnames (S) common in England and Wales; W = also a",
        "# lower-case English word; F = one of the most frequent surnames (en_GB weight >= 0.2).",
        "# Generated by scripts/gen_name_gazetteer.sh: do not edit.",
        f"# Source: Faker {FAKER_VERSION} (PyPI, MIT licence, (c) 2012 Daniele Faraglia),",
        f"#   person providers {' '.join(LOCALES)};",
        f"# and gender-guesser {GENDER_GUESSER_VERSION} (PyPI): given names used in Great Britain from its",
        "#   nam_dict.txt, (c) 2007-2008 Joerg Michael, GNU Free Documentation License 1.2 or",
        "#   later (no Invariant Sections, no Front-Cover Texts, no Back-Cover Texts); this list",
        "#   is a modified selection of it, released under the same licence (policy/data/README.md);",
        "# W flags: Debian wbritish-small /usr/share/dict/british-english-small (SCOWL, permissive).",
    ]
    for key in sorted(flags):
        f = "".join(sorted(flags[key]))
        if key in common:
            f += "W"
        if key in frequent:
            f += "F"
        lines.append(f"{key}\t{f}")
    out_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(flags)} names written to {out_path}")


if __name__ == "__main__":
    main()
