#!/usr/bin/env python3
"""Generates the synthetic sample data used by the demo (clearly fake people).

Writes, as JSON Lines in the protobuf JSON form of accord.v1.Record:
  police_recorded_crime.jsonl   herts-police, dataset recorded_crime v2
  ae_assault.jsonl              nhs-lister-ae, dataset ae_assault v1
  police_violence_victims.jsonl herts-police, dataset police_violence_victims v1
  ae_violence_victims.jsonl     nhs-lister-ae, dataset ae_violence_victims v1

Some victims appear in both, with identifiers written differently (NHS number
with and without spaces, names in other case/order, phone in +44 form), so the
repeat-victimisation agreement's pseudonyms can be seen to link. Phone numbers
are in Ofcom's 07700 900xxx drama range. Deterministic: same output every run.
"""
import datetime as dt
import json
import random
import sys

rng = random.Random(20261122)

FIRST = ["John", "Zoë", "Łukasz", "Siobhan", "Aled", "Priya", "Kwame", "Emily", "Tomasz", "Niamh",
         "Mohammed", "Grace", "Owen", "Fatima", "Liam", "Chloe"]
LAST = ["Smith", "O'Brien", "Kowalski", "Ní Bhriain", "ap Rhys", "Patel", "Mensah", "Clarke",
        "Nowak", "Murphy", "Hussain", "Taylor", "Evans", "Begum", "Walsh", "Wright-Jones"]
PLACES = [("The Crown, George Street", "AL1 3XY", 51.7527, -0.3394),
          ("The Boot, Market Place", "AL3 5DG", 51.7546, -0.3379),
          ("Bus station, Victoria Street", "AL1 3TF", 51.7508, -0.3318),
          ("Verulamium Park car park", "AL3 4AE", 51.7497, -0.3499),
          ("Hatfield Road shops", "AL4 0DH", 51.7561, -0.3208),
          ("Clarence Park", "AL1 4NQ", 51.7571, -0.3268)]
METHODS = ["fist", "feet", "blunt_object", "knife", "glass_bottle", "other"]
LOCATION_TYPES = ["pub_or_bar", "street", "nightclub", "home", "public_transport", "park", "other"]
OFFENCES = ["violence_with_injury", "violence_without_injury", "robbery", "public_order",
            "criminal_damage", "possession_of_weapons"]


def nhs_number():
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        total = sum(d * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits + [check]))


def person(i):
    return {
        "first": FIRST[i % len(FIRST)],
        "last": LAST[(i * 7) % len(LAST)],
        "dob": dt.date(1960 + (i * 3) % 45, 1 + i % 12, 1 + (i * 5) % 28),
        "nhs": nhs_number(),
        "phone": "07700 900%03d" % (100 + i),
        "postcode": PLACES[i % len(PLACES)][1],
    }


PEOPLE = [person(i) for i in range(40)]
START = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def field(name, **value):
    return {"name": name, "value": value}


def reg():
    return "%s%02d %s" % ("".join(rng.choice("ABCDEFGHJKLMNOPRSTUVWXY") for _ in range(2)),
                          rng.randrange(10, 75),
                          "".join(rng.choice("ABCDEFGHJKLMNOPRSTUVWXYZ") for _ in range(3)))


def police(n, p, when, place):
    name_forms = ["%s %s" % (p["first"], p["last"]), "%s, %s" % (p["last"].upper(), p["first"])]
    narrative = rng.choice([
        "Victim {LAST}, {FIRST} (DOB {DOB}) assaulted outside {PLACE} by two males. Victim called "
        "from {PHONE}. Suspects left in vehicle {REG}.",
        "{FIRST} {LAST} reports being punched near {PLACE} {POSTCODE}. Contact {PHONE}. Witness "
        "noted car {REG} leaving.",
        "Disturbance at {PLACE}; {FIRST} struck with a bottle. Lives at 14 Hatfield Road, "
        "{POSTCODE}. Mobile {PHONE}.",
    ]).format(LAST=p["last"].upper(), FIRST=p["first"], DOB=p["dob"].strftime("%d/%m/%Y"),
              PLACE=place[0], PHONE=p["phone"], REG=reg(), POSTCODE=place[1])
    return {
        "provider": "herts-police",
        "dataset": "recorded_crime",
        "datasetVersion": 2,
        "recordId": "CR-%06d" % n,
        "eventTime": ts(when),
        "fields": [
            field("crime_reference", text="41/%06d/26" % n),
            field("offence_category", text=rng.choice(OFFENCES)),
            field("occurred_at", datetime=ts(when)),
            field("location", geo={"lat": place[2] + rng.uniform(-0.002, 0.002),
                                   "lon": place[3] + rng.uniform(-0.002, 0.002)}),
            field("location_postcode", text=place[1]),
            field("victim_name", text=rng.choice(name_forms)),
            field("victim_date_of_birth", date=p["dob"].isoformat()),
            field("narrative", text=narrative),
            field("vehicle_registration", text=reg()),
            field("domestic_flag", boolean=rng.random() < 0.2),
        ],
    }


def ae(n, p, when, place):
    nhs = p["nhs"] if n % 2 else "%s %s %s" % (p["nhs"][:3], p["nhs"][3:6], p["nhs"][6:])
    return {
        "provider": "nhs-lister-ae",
        "dataset": "ae_assault",
        "datasetVersion": 1,
        "recordId": "AE-%06d" % n,
        "eventTime": ts(when + dt.timedelta(minutes=40)),
        "fields": [
            field("nhs_number", text=nhs),
            field("patient_name", text=("%s %s" % (p["first"], p["last"])).lower()),
            field("date_of_birth", date=p["dob"].isoformat()),
            field("home_postcode", text=p["postcode"].replace(" ", "").lower()),
            field("sex", text=rng.choice(["female", "male", "not_known"])),
            field("arrival_time", datetime=ts(when + dt.timedelta(minutes=40))),
            field("assault_time", datetime=ts(when)),
            field("assault_method", text=rng.choice(METHODS)),
            field("location_type", text=rng.choice(LOCATION_TYPES)),
            field("location_description", text=place[0]),
            field("triage_notes", text="Pt %s %s, tel %s, lac to scalp after assault at %s." % (
                p["first"], p["last"], p["phone"].replace("07700 ", "+44 7700 "), place[0])),
        ],
    }


def police_victim(n, p, when, place):
    nhs = "%s-%s-%s" % (p["nhs"][:3], p["nhs"][3:6], p["nhs"][6:])
    return {
        "provider": "herts-police",
        "dataset": "police_violence_victims",
        "datasetVersion": 1,
        "recordId": "PV-%06d" % n,
        "eventTime": ts(when),
        "fields": [
            field("victim_nhs_number", text=nhs),
            field("victim_name", text="%s %s" % (p["first"], p["last"])),
            field("victim_date_of_birth", date=p["dob"].isoformat()),
            field("occurred_at", datetime=ts(when)),
            field("offence_category", text=rng.choice(["violence_with_injury", "violence_without_injury",
                                                       "robbery", "other"])),
            field("location_postcode", text=place[1]),
        ],
    }


def ae_victim(n, p, when, place):
    return {
        "provider": "nhs-lister-ae",
        "dataset": "ae_violence_victims",
        "datasetVersion": 1,
        "recordId": "AV-%06d" % n,
        "eventTime": ts(when + dt.timedelta(minutes=40)),
        "fields": [
            field("victim_nhs_number", text=p["nhs"]),
            field("victim_name", text=("%s %s" % (p["first"], p["last"])).upper()),
            field("victim_date_of_birth", date=p["dob"].isoformat()),
            field("arrival_time", datetime=ts(when + dt.timedelta(minutes=40))),
            field("assault_method", text=rng.choice(METHODS)),
            field("home_postcode", text=p["postcode"].lower()),
        ],
    }


def main(out_dir):
    police_rows, ae_rows = [], []
    victim_rows = {"police_violence_victims.jsonl": [], "ae_violence_victims.jsonl": []}
    for n in range(1, 161):
        p = rng.choice(PEOPLE[:30])
        when = START + dt.timedelta(hours=rng.randrange(0, 24 * 80))
        when = when.replace(hour=rng.choice([20, 21, 22, 23, 0, 1, 2, 14, 17]))
        place = rng.choice(PLACES)
        police_rows.append(police(n, p, when, place))
        # About half of the A&E attendances are people the police also saw.
        q = p if n % 2 else rng.choice(PEOPLE[10:])
        ae_rows.append(ae(n, q, when, place))
        # The repeat-victimisation agreement: the same victims, identifiers written differently.
        victim_rows["police_violence_victims.jsonl"].append(police_victim(n, p, when, place))
        victim_rows["ae_violence_victims.jsonl"].append(ae_victim(n, q, when, place))
    for name, rows in [("police_recorded_crime.jsonl", police_rows), ("ae_assault.jsonl", ae_rows)] + \
            list(victim_rows.items()):
        with open("%s/%s" % (out_dir, name), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
