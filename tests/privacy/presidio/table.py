"""Runs score.py on several cleaned corpora and prints one Markdown table.

  table.py SCORE_PY LABEL=DIR [LABEL=DIR ...]

Each score.py report is kept whole in DIR/score.txt (with its examples of
leaks, synthetic data). Linkage lines are not compared: Presidio does not link.
A second table splits name leaks by written form, using score.py's own
functions (fold, name_leaks), so both tables count leaks the same way.
"""
import collections
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path


def score(score_py, d):
    out = subprocess.run(["/usr/bin/python3", score_py, d, "--show", "20"],
                         capture_output=True, text=True, check=False)
    if "narratives:" not in out.stdout:
        raise SystemExit(f"score.py failed on {d}: {out.stderr}")
    Path(d, "score.txt").write_text(out.stdout, encoding="utf-8")
    leaks = {m[0]: (int(m[1]), int(m[2]))
             for m in re.findall(r"^  (\w+)\s+(\d+) / (\d+)$", out.stdout, re.M)}
    places = re.search(r"false removals of kept places: (\d+) / (\d+)", out.stdout)
    return leaks, (int(places[1]), int(places[2]))


def name_form(value):
    if "," in value:
        return "SURNAME, First"
    if "." in value:
        return "initial + surname"
    if " " not in value.strip():
        return "one word (first name, cue name)"
    if value == value.lower():
        return "lower case"
    if value == value.upper():
        return "ALL CAPS"
    return "Title Case, 2+ words"


def names_by_form(sc, d):
    """Name leaks by written form, with score.py's own rules (its functions)."""
    planted, leaked = collections.Counter(), collections.Counter()
    clean = {c["id"]: c["clean"] for c in sc.read(Path(d) / "clean.jsonl")}
    original = {n["id"]: n["text"] for n in sc.read(Path(d) / "narratives.jsonl")}
    for t in sc.read(Path(d) / "truth.jsonl"):
        cf, bg = sc.fold(clean[t["id"]]), sc.fold(original[t["id"]])
        for place in t["places"]:
            cf = cf.replace(sc.fold(place), " ")
            bg = bg.replace(sc.fold(place), " ")
        for _, value in sorted(t["identifiers"], key=lambda kv: -len(kv[1])):
            bg = bg.replace(sc.fold(value), " ")
        for kind, value in t["identifiers"]:
            if kind == "name":
                form = name_form(value)
                planted[form] += 1
                leaked[form] += bool(sc.name_leaks(value, cf, bg))
    return planted, leaked


def main():
    score_py, runs = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
    results = {label: score(score_py, d) for label, d in runs}
    labels = [label for label, _ in runs]
    kinds = sorted({k for leaks, _ in results.values() for k in leaks})
    print("| identifier (planted) | " + " | ".join(f"{l} leaked" for l in labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for k in kinds:
        planted = next(leaks[k][1] for leaks, _ in results.values() if k in leaks)
        cells = []
        for l in labels:
            leaked = results[l][0].get(k, (0, planted))[0]
            cells.append(f"{leaked} ({100.0 * leaked / planted:.1f}%)")
        print(f"| {k} ({planted}) | " + " | ".join(cells) + " |")
    lost = [results[l][1] for l in labels]
    print(f"| kept places removed ({lost[0][1]}) | " +
          " | ".join(f"{a} ({100.0 * a / b:.1f}%)" for a, b in lost) + " |")
    spec = importlib.util.spec_from_file_location("score", score_py)
    sc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sc)
    forms = {label: names_by_form(sc, d) for label, d in runs}
    print()
    print("| name written as (planted) | " + " | ".join(f"{l} leaked" for l in labels) + " |")
    print("|---|" + "---:|" * len(labels))
    planted = forms[labels[0]][0]
    for form in sorted(planted):
        cells = [f"{forms[l][1][form]} ({100.0 * forms[l][1][form] / planted[form]:.1f}%)"
                 for l in labels]
        print(f"| {form} ({planted[form]}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
