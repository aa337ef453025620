#!/usr/bin/python3
"""Synthetic police narratives and A&E triage notes with planted identifiers.

Different from deploy/sample/: every identifier is planted in many surface
forms and recorded as ground truth. Standard library only (Debian python3).

  generate.py --narratives N --people P --seed S --out DIR
writes DIR/narratives.jsonl (input of `privacy_eval redact`), DIR/truth.jsonl
(planted identifiers and kept places per narrative), DIR/link.jsonl (input
of `privacy_eval link`) and DIR/link_truth.jsonl (person per linkage record).

Names come from the redactor's gazetteer (policy/data/name_gazetteer.tsv,
generated from Faker and gender-guesser) for most people, Welsh names (given
names, surnames, ap/ab patronymics) for one in ten; invented names (not in any list) are
planted after a cue (Caller, Witness, NOK, "known as"), as real notes carry
names no list holds. Places come from places.txt and must survive.
"""
import argparse
import json
import random
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

SPECIAL = [  # accents, particles, apostrophes, double-barrelled
    ("Seán", "O'Brien"), ("Siobhán", "Ní Bhriain"), ("Rhys", "ap Gwilym"),
    ("Jan", "van der Berg"), ("Anna", "Smith-Jones"), ("Łukasz", "Kowalski"),
    ("Zoë", "McDonald"), ("Aoife", "MacNamara"), ("Siân", "Llewellyn-Price"),
    ("Chloé", "D'Souza"), ("Ciarán", "O'Sullivan"), ("Agnieszka", "Woźniak"),
]
# Welsh names (policy/data/README.md: Welsh given names come from gender-guesser's
# nam_dict.txt): given names with and without accents, Welsh surnames, and ap/ab
# patronymics, planted in every order and case like the others.
WELSH_GIVEN = ["Dafydd", "Gwenllian", "Rhys", "Cerys", "Siân", "Ieuan", "Llywelyn", "Bethan",
               "Gruffudd", "Gethin", "Angharad", "Owain", "Rhiannon", "Myfanwy", "Catrin",
               "Hywel", "Aled", "Iolo", "Gwion", "Emyr", "Tegwen", "Huw", "Ffion", "Gwyneth"]
WELSH_SURNAMES = ["Jones", "Davies", "Evans", "Pritchard", "Bowen", "Pugh", "Parry", "Llywelyn",
                  "Gruffudd", "Rhys", "ap Gruffudd", "ab Owain", "ap Rhys", "ap Dafydd",
                  "ab Iolo", "Bevan", "Vaughan", "Lloyd"]
SYLL = ["bra", "vek", "tor", "lin", "zan", "mor", "qui", "dex", "fal", "rob", "wen", "ysk",
        "pel", "gar", "ith", "lom", "dra", "nus", "kel", "vir"]
TOWNS = ["Watford", "St Albans", "Hatfield", "Stevenage", "Luton", "Hitchin", "Harpenden", "Cardiff"]
STREET_WORDS = ["Kingsley", "Meadow", "Orchard", "Beech", "Elm", "Willow", "Cedar", "Ash"]
STREET_SUFFIX = ["Court", "Close", "Road", "Avenue", "Drive", "Gardens", "Way", "Crescent"]
CARS = ["grey Ford Focus", "black VW Golf", "white Transit van", "red Vauxhall Corsa"]


# NormaliseNameForLinkage (version 2) joins these to the next word; a given name
# spelt like one ("Nic", "Del") links only in one word order (policy/README.md,
# "does not link"), so the linkage corpus does not plant them as given names.
LINKAGE_PARTICLES = {"ab", "ap", "da", "de", "del", "della", "den", "der", "du", "la", "le", "mc",
                     "ni", "nic", "o", "ter", "ten", "van", "von"}


def load_names():
    given, surnames = [], []
    for line in (ROOT / "policy/data/name_gazetteer.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, flags = line.split("\t")
        if not key.isalpha() or len(key) < 3:
            continue
        if "G" in flags and "W" not in flags and key not in LINKAGE_PARTICLES:
            given.append(key.capitalize())
        if "S" in flags and ("W" not in flags or "F" in flags):
            surnames.append(key.capitalize())
    return given, surnames


def load_places():
    out = {"pub": [], "street": [], "station": []}
    for line in (HERE / "places.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, name = line.split("\t")
            out[kind].append(name)
    return out


def invented(rng):
    return (rng.choice(SYLL) + rng.choice(SYLL) + rng.choice(SYLL)).capitalize()


def name_forms(first, last):
    """Every order and case a note may use."""
    return [
        f"{first} {last}", f"{last.upper()}, {first}", f"{last}, {first}",
        f"{first.upper()} {last.upper()}", f"{first.lower()} {last.lower()}",
        f"{first[0]}. {last}",
    ]


def phone(rng):
    n = rng.randint(100000, 999999)
    a = rng.randint(100, 999)
    return rng.choice([
        f"07700 {n}", f"07700{n}", f"+44 7700 {n}", f"+44 (0)7700 {n}", f"+447700{n}",
        f"(01727) {n}", f"01727 {str(n)[:3]} {str(n)[3:]}", f"020 7{a} {n % 10000:04d}",
        f"0207 {a} {n % 10000:04d}", f"07700-{str(n)[:3]}-{str(n)[3:]}",
    ])


NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def ni_number(rng, valid):
    if valid:
        p = rng.choice(NI_FIRST) + rng.choice(NI_SECOND)
        suffix = rng.choice("ABCD")
    else:  # mistyped or administrative: prefixes HMRC does not issue, bad suffix
        p = rng.choice(["QA", "DF", "FO", "VU", "IQ", "TN", "OQ"])
        suffix = rng.choice("EFXZ")
    d = f"{rng.randint(0, 999999):06d}"
    spaced = rng.random() < 0.5
    body = f"{p} {d[:2]} {d[2:4]} {d[4:]} {suffix}" if spaced else f"{p}{d}{suffix}"
    return body if rng.random() < 0.7 else body.lower()


def plate(rng):
    # DVLA letters: I, Q (and Z in the area code) are not used; prefix plates
    # use neither I, O, Q nor U.
    L = "ABCDEFGHJKLMNOPRSTUVWXY"
    P = "ABCDEFGHJKLMNPRSTVWXY"
    cur = f"{rng.choice(L)}{rng.choice(L)}{rng.randint(10, 99)} {rng.choice(L)}{rng.choice(L)}{rng.choice(L)}"
    prefix = f"{rng.choice(P)}{rng.randint(1, 999)} {rng.choice(P)}{rng.choice(P)}{rng.choice(P)}"
    return rng.choice([cur, cur.replace(" ", ""), prefix])


def postcode(rng):
    return rng.choice(["AL1 3XY", "WD17 1AA", "SG1 2AB", "LU1 3HJ", "CF10 1EP", "al3 5ne", "WD24 4QL"])


class Person:
    def __init__(self, rng, given, surnames, special_rate=0.1, welsh_rate=0.1):
        r = rng.random()
        if r < special_rate:
            self.first, self.last = rng.choice(SPECIAL)
        elif r < special_rate + welsh_rate:
            self.first, self.last = rng.choice(WELSH_GIVEN), rng.choice(WELSH_SURNAMES)
        else:
            self.first, self.last = rng.choice(given), rng.choice(surnames)
        self.dob = f"{rng.randint(1940, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def narrative(rng, i, given, surnames, places):
    truth = []  # (type, value)
    kept = []
    victim = Person(rng, given, surnames)
    suspect = Person(rng, given, surnames)
    witness_first, witness_last = invented(rng), invented(rng)
    nok_first = rng.choice(given) if rng.random() < 0.8 else rng.choice(WELSH_GIVEN)
    witness2 = invented(rng)
    nick = rng.choice(given)[:3] + rng.choice(["mo", "za", "zy", "ie"])
    pub, street, station = rng.choice(places["pub"]), rng.choice(places["street"]), rng.choice(places["station"])
    kept += [pub, street, station]
    vform = rng.choice(name_forms(victim.first, victim.last))
    sform = rng.choice(name_forms(suspect.first, suspect.last)[:5])
    ph, ph2 = phone(rng), phone(rng)
    ni = ni_number(rng, valid=rng.random() < 0.5)
    ni_cue = rng.choice(["NI", "NINO", "NI no", "National Insurance", "NI no:", "NINO -"])
    pl = plate(rng)
    email = rng.choice([f"{victim.first.lower()}.{victim.last.lower()}@example.org",
                        f"{victim.first[0].lower()}{victim.last.lower()}{rng.randint(1, 99)}@mail.example.com"])
    email = unicodedata.normalize("NFKD", email.replace(" ", "").replace("'", "").replace("ł", "l").replace("ź", "z"))
    email = "".join(c for c in email if not unicodedata.combining(c))
    num = rng.randint(1, 250)
    road = f"{rng.choice(STREET_WORDS)} {rng.choice(STREET_SUFFIX)}"
    # With a house number, or without one after a residence cue.
    address = f"{num} {road}" if rng.random() < 0.7 else road
    town = rng.choice(TOWNS)
    pc = postcode(rng)
    dob_form = rng.choice([victim.dob, "/".join(reversed(victim.dob.split("-")))])
    if rng.random() < 0.5:
        text = (
            f"At 22:{rng.randint(10, 59)} officers attended {pub}, {street} following a call from "
            f"Caller {witness_first} {witness_last} on {ph}. Victim {vform} (DOB {dob_form}) states "
            f"{sform} struck them with a glass. Suspect known as '{nick}'. Witness {witness2} gave "
            f"an account. Suspect left in a {rng.choice(CARS)} {pl} towards {station}. Victim's "
            f"{ni_cue} {ni} noted. Contact email {email}. Victim lives at {address}, {town} {pc}. "
            f"NOK {nok_first} informed on {ph2}.")
        truth += [("name", vform), ("name", sform), ("name", f"{witness_first} {witness_last}"),
                  ("nickname", nick), ("name", nok_first), ("name", witness2)]
    else:
        text = (
            f"Pt {vform} attended ED after assault at {pub}, {street}. Pt states hit by "
            f"{sform}. NOK {nok_first} on {ph2}. GP letter to {email}. Mob {ph}. "
            f"Address {address}, {town} {pc}. {ni_cue} {ni}. Pt aka {nick}. Seen near {station} "
            f"in {rng.choice(CARS)} {pl}. Witness {witness_first} {witness_last} states Pt was punched.")
        truth += [("name", vform), ("name", sform), ("name", f"{witness_first} {witness_last}"),
                  ("nickname", nick), ("name", nok_first)]
    truth += [("phone", ph), ("phone", ph2), ("ni", ni), ("plate", pl), ("email", email),
              ("address", address), ("postcode", pc), ("dob", dob_form)]
    return {"id": f"n{i}", "text": text}, {"id": f"n{i}", "identifiers": truth, "places": kept}


def link_forms(rng, p):
    """Two records of one person as police and A&E would write them."""
    forms = name_forms(p.first, p.last)[:5]
    a, b = rng.sample(forms, 2)
    dob_a = p.dob
    dob_b = "/".join(reversed(p.dob.split("-")))
    return (a, dob_a), (b, dob_b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--narratives", type=int, default=400)
    ap.add_argument("--people", type=int, default=400)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    given, surnames = load_names()
    places = load_places()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "narratives.jsonl", "w", encoding="utf-8") as nf, \
            open(out / "truth.jsonl", "w", encoding="utf-8") as tf:
        for i in range(args.narratives):
            n, t = narrative(rng, i, given, surnames, places)
            nf.write(json.dumps(n, ensure_ascii=False) + "\n")
            tf.write(json.dumps(t, ensure_ascii=False) + "\n")
    # Linkage: distinct people (name + date of birth unique), one police and
    # one A&E record each, plus documented non-links reported apart.
    seen = set()
    with open(out / "link.jsonl", "w", encoding="utf-8") as lf, \
            open(out / "link_truth.jsonl", "w", encoding="utf-8") as ltf:
        k = 0
        while k < args.people:
            p = Person(rng, given, surnames, special_rate=0.2)
            key = (tuple(sorted((p.first + " " + p.last).lower().replace("-", " ").split())), p.dob)
            if key in seen:
                continue
            seen.add(key)
            (na, da), (nb, db) = link_forms(rng, p)
            for agency, name, dob in (("police", na, da), ("ae", nb, db)):
                rid = f"{agency}{k}"
                lf.write(json.dumps({"id": rid, "name": name, "dob": dob}, ensure_ascii=False) + "\n")
                ltf.write(json.dumps({"id": rid, "person": k, "agency": agency, "category": "linkable"}) + "\n")
            # Documented non-links: an initial, a middle name on one side.
            if k % 10 == 0:
                cat, name = rng.choice([("initial", f"{p.first[0]}. {p.last}"),
                                        ("middle_name", f"{p.first} {rng.choice(given)} {p.last}")])
                rid = f"ae_extra{k}"
                lf.write(json.dumps({"id": rid, "name": name, "dob": p.dob}, ensure_ascii=False) + "\n")
                ltf.write(json.dumps({"id": rid, "person": k, "agency": "ae", "category": cat}) + "\n")
            k += 1


if __name__ == "__main__":
    main()
