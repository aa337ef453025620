"""Splits NI-number and plate leaks by whether Presidio's validity rules accept the shape.

  rules.py SCORE_PY CORPUS_DIR CLEAN_DIR

The corpus plants NI numbers with prefixes HMRC does not issue (after a cue, issue 14
part 2) and plates with random age identifiers; presidio-analyzer 2.2.366's UkNino and
UkVehicleRegistration recognizers reject those by design. The two rules below are
copied from those recognizers (pattern, and the age identifier check 02-29 / 51-79 of
validate_result); the leak tests are score.py's.
"""
import importlib.util
import json
import re
import sys
from pathlib import Path

NINO = re.compile(
    r"\b(?!bg|gb|nk|kn|nt|tn|zz|BG|GB|NK|KN|NT|TN|ZZ)([a-ceghj-pr-tw-zA-CEGHJ-PR-TW-Z]{1}"
    r"[a-ceghj-npr-tw-zA-CEGHJ-NPR-TW-Z]{1}) ?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) ?([a-dA-D]{1})\b")
PLATE = re.compile(r"[A-HJ-PR-Y][A-HJ-PR-Y](?:0[1-9]|[1-7][0-9])[- ]?[A-HJ-PR-Z]{3}")


def plate_current_valid(value):
    if not PLATE.fullmatch(value):
        return False
    age = int(value.replace(" ", "").replace("-", "")[2:4])
    return 2 <= age <= 29 or 51 <= age <= 79


def main():
    spec = importlib.util.spec_from_file_location("score", sys.argv[1])
    sc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sc)
    corpus, clean_dir = Path(sys.argv[2]), Path(sys.argv[3])
    clean = {c["id"]: c["clean"] for c in sc.read(clean_dir / "clean.jsonl")}
    counts = {("ni", True): [0, 0], ("ni", False): [0, 0],
              ("plate", True): [0, 0], ("plate", False): [0, 0]}
    for t in sc.read(corpus / "truth.jsonl"):
        c = clean[t["id"]]
        for kind, value in t["identifiers"]:
            if kind == "ni":  # score.py's NI test
                ok = bool(NINO.fullmatch(value))
                core = re.sub(r"[^0-9A-Za-z]", "", value).lower()
                bad = core in re.sub(r"[^0-9A-Za-z]", "", c).lower() and \
                    re.sub(r"\D", "", value)[-6:] in re.sub(r"\D", "", c)
            elif kind == "plate":
                ok = plate_current_valid(value)
                bad = sc.fold(value) in sc.fold(c)
            else:
                continue
            counts[(kind, ok)][0] += 1
            counts[(kind, ok)][1] += bad
    for (kind, ok), (planted, leaked) in counts.items():
        what = "valid by Presidio's rules" if ok else {
            "ni": "prefix or suffix its rule rejects", "plate": "other (age id outside 02-29/51-79, "
            "prefix plates)"}[kind]
        print(f"  {kind:5s} {what}: {leaked} leaked of {planted}")


if __name__ == "__main__":
    main()
