#!/usr/bin/python3
"""Scores a redacted corpus and a linkage run against generate.py's ground truth.

  score.py DIR [--max-leaks 0] [--max-place-loss 0.01] [--min-recall 0.98] [--min-precision 1.0]

Leaks: a planted identifier survives if any of its parts is still in the
cleaned text: for names, each word of 2+ letters (case-insensitive, whole
word, accents folded); for numbers (phones, NI), the digits in order; for
the rest, the value (case-insensitive). False removals: a kept place (pub,
street, station) not found verbatim in the cleaned text. Linkage: pairs of
records with equal (name, date of birth) pseudonyms; precision and recall
against the people generate.py planted, for the forms documented to link;
initials and one-sided middle names are reported apart (documented non-links).
Exit status 1 when a threshold is missed.
"""
import argparse
import collections
import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path

PARTICLES = {"o", "ap", "ni", "van", "der", "de", "mc", "mac", "la", "le", "du", "da", "di", "del"}


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return s.replace("ł", "l").replace("Ł", "L").lower()


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def count_word(part, text_folded):
    return len(re.findall(r"(?<![\w])" + re.escape(part) + r"(?![\w])", text_folded))


def name_leaks(value, clean_folded, background_folded):
    """Parts of the name left in the clean text. A part that is also an ordinary
    word of the template ("White" and "white Transit van") leaks only if the
    clean text holds it more often than the original text outside the planted
    identifiers (background_folded)."""
    words = [w for w in re.split(r"[^\w']+", fold(value)) if w]
    leaked = []
    for w in words:
        for part in re.split(r"['\-]", w):
            if len(part) < 2 or part in PARTICLES:
                continue
            if count_word(part, clean_folded) > count_word(part, background_folded):
                leaked.append(part)
    return leaked


def digits_leak(value, clean):
    d = re.sub(r"\D", "", value)
    if len(d) < 6:
        return False
    return d[-6:] in re.sub(r"\D", "", clean) if False else d in re.sub(r"[^\d]", "", clean) and \
        re.search(r"\d[\d \-()+]*".join(re.escape(x) for x in d[-6:]), clean) is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--max-leaks", type=int, default=0)
    ap.add_argument("--max-place-loss", type=float, default=0.01)
    ap.add_argument("--min-recall", type=float, default=0.98)
    ap.add_argument("--min-precision", type=float, default=1.0)
    ap.add_argument("--show", type=int, default=5, help="examples of leaks to print (synthetic data)")
    args = ap.parse_args()
    d = Path(args.dir)
    truth = {t["id"]: t for t in read(d / "truth.jsonl")}
    clean = {c["id"]: c["clean"] for c in read(d / "clean.jsonl")}
    original = {n["id"]: n["text"] for n in read(d / "narratives.jsonl")}
    planted = collections.Counter()
    leaks = collections.Counter()
    places_total = collections.Counter()
    places_lost = collections.Counter()
    examples = []
    for nid, t in truth.items():
        c = clean[nid]
        # A name part inside a kept place ("King" in "The King's Head") is not a leak.
        cf = fold(c)
        for place in t["places"]:
            cf = cf.replace(fold(place), " ")
        # The original text without its planted identifiers (longest first) and places.
        bg = fold(original[nid])
        for place in t["places"]:
            bg = bg.replace(fold(place), " ")
        for _, value in sorted(t["identifiers"], key=lambda kv: -len(kv[1])):
            bg = bg.replace(fold(value), " ")
        for kind, value in t["identifiers"]:
            planted[kind] += 1
            if kind in ("name", "nickname"):
                bad = name_leaks(value, cf, bg)
            elif kind in ("phone", "ni"):
                core = re.sub(r"[^0-9A-Za-z]", "", value).lower()
                bad = core in re.sub(r"[^0-9A-Za-z]", "", c).lower() and \
                    re.sub(r"\D", "", value)[-6:] in re.sub(r"\D", "", c)
            else:
                bad = fold(value) in cf
            if bad:
                leaks[kind] += 1
                if len(examples) < args.show:
                    examples.append((kind, value, c))
        for place in t["places"]:
            kind = "place"
            places_total[kind] += 1
            if place not in c:
                places_lost[kind] += 1
                if len(examples) < args.show:
                    examples.append(("place removed", place, c))
    total_leaks = sum(leaks.values())
    print(f"narratives: {len(truth)}")
    print("leaks by identifier type (leaked / planted):")
    for kind in sorted(planted):
        print(f"  {kind:10s} {leaks[kind]:6d} / {planted[kind]}")
    lost = sum(places_lost.values())
    total_places = sum(places_total.values())
    place_rate = lost / total_places if total_places else 0.0
    print(f"false removals of kept places: {lost} / {total_places} = {place_rate:.4f}")

    # Linkage.
    keys = {r["id"]: r["key"] for r in read(d / "link_out.jsonl")}
    lt = read(d / "link_truth.jsonl")
    by_key = collections.defaultdict(list)
    for r in lt:
        if keys.get(r["id"]):
            by_key[keys[r["id"]]].append(r)
    predicted = set()
    for group in by_key.values():
        for a, b in itertools.combinations(group, 2):
            if a["agency"] != b["agency"]:
                predicted.add(tuple(sorted((a["id"], b["id"]))))
    persons = collections.defaultdict(list)
    for r in lt:
        persons[r["person"]].append(r)
    true_pairs = set()
    nonlink = collections.Counter()
    nonlink_linked = collections.Counter()
    for recs in persons.values():
        for a, b in itertools.combinations(recs, 2):
            if a["agency"] == b["agency"]:
                continue
            pair = tuple(sorted((a["id"], b["id"])))
            cats = {a["category"], b["category"]} - {"linkable"}
            if cats:
                cat = cats.pop()
                nonlink[cat] += 1
                nonlink_linked[cat] += pair in predicted
            else:
                true_pairs.add(pair)
    person_of = {r["id"]: r["person"] for r in lt}
    correct = sum(1 for a, b in predicted if person_of[a] == person_of[b])
    precision = correct / len(predicted) if predicted else 1.0
    recall = len(true_pairs & predicted) / len(true_pairs) if true_pairs else 1.0
    print(f"linkage by name + date of birth: precision {precision:.4f} recall {recall:.4f} "
          f"({len(true_pairs & predicted)} of {len(true_pairs)} pairs; {len(predicted)} predicted)")
    for cat in sorted(nonlink):
        print(f"  documented non-link '{cat}': {nonlink_linked[cat]} of {nonlink[cat]} linked")
    for kind, value, c in examples:
        print(f"  example [{kind}] {value!r} in: {c}")
    ok = (total_leaks <= args.max_leaks and place_rate <= args.max_place_loss
          and recall >= args.min_recall and precision >= args.min_precision)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
