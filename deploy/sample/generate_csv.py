#!/usr/bin/env python3
"""Writes the CSV exports that accord-connect maps (deploy/mappings/), from the
JSON Lines samples that generate.py makes, so both carry the same fake people.

Each CSV is shaped like a real system's export rather than like the dataset:
  police_incidents.csv   a police RMS export: UTF-8 with a BOM, CRLF line ends,
                         local (Europe/London) "dd/mm/yyyy HH:MM" times, dates of
                         birth as dd/mm/yyyy, Y/N flags, offence labels as the
                         force writes them, narratives with commas, quotes and
                         line breaks.
  ae_istv.csv            an A&E ISTV (Cardiff Model) export: ISO 8601 UTC arrival
                         times, local assault times, sex as F/M/U, NHS numbers
                         as written at reception, multi-line triage notes.
  police_victims.csv, ae_victims.csv   the repeat-victimisation extracts.
Deterministic: same output every run. Usage: generate_csv.py [DIR]
"""
import csv
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def records(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            yield r, {fl["name"]: fl["value"] for fl in r["fields"]}


def local(iso):
    t = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return t.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def dmy(date):
    y, m, d = date.split("-")
    return "%s/%s/%s" % (d, m, y)


OFFENCE_LABELS = {
    "violence_with_injury": "Violence with injury", "violence_without_injury": "Violence without injury",
    "robbery": "Robbery", "criminal_damage": "Criminal damage", "public_order": "Public order",
    "other": "Other", "possession_of_weapons": "Possession of weapons", "theft": "Theft",
}
SEX = {"female": "F", "male": "M", "not_known": "U", "other": "O"}


def write(path, header, rows, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n" if bom else "\n")
        w.writerow(header)
        w.writerows(rows)


def main(d):
    rows = []
    for i, (r, v) in enumerate(records(d + "/police_recorded_crime.jsonl")):
        narrative = v["narrative"]["text"]
        if i % 7 == 3:  # officers' notes run over lines
            narrative = narrative.replace(". ", ".\n", 1)
        geo = v.get("location", {}).get("geo", {})
        rows.append([r["recordId"], v["crime_reference"]["text"],
                     OFFENCE_LABELS.get(v["offence_category"]["text"], v["offence_category"]["text"]),
                     local(v["occurred_at"]["datetime"]),
                     "%.6f" % geo["lat"] if geo else "", "%.6f" % geo["lon"] if geo else "",
                     v["location_postcode"]["text"], v["victim_name"]["text"],
                     dmy(v["victim_date_of_birth"]["date"]), narrative,
                     v["vehicle_registration"]["text"], "Y" if v["domestic_flag"]["boolean"] else "N"])
    write(d + "/police_incidents.csv",
          ["Incident Ref", "Crime Ref", "Offence", "Occurred (local)", "Lat", "Long", "Postcode",
           "Victim Name", "Victim DOB", "Narrative", "Vehicle Reg", "DA Flag"], rows, bom=True)

    rows = []
    for i, (r, v) in enumerate(records(d + "/ae_assault.jsonl")):
        notes = v["triage_notes"]["text"]
        if i % 5 == 2:
            notes = notes.replace(", lac", ",\nlac", 1)
        rows.append([r["recordId"], v["nhs_number"]["text"], v["patient_name"]["text"],
                     v["date_of_birth"]["date"], v["home_postcode"]["text"], SEX[v["sex"]["text"]],
                     v["arrival_time"]["datetime"], local(v["assault_time"]["datetime"]),
                     v["assault_method"]["text"], v["location_type"]["text"],
                     v["location_description"]["text"], notes])
    write(d + "/ae_istv.csv",
          ["Attendance ID", "NHS Number", "Patient Name", "DOB", "Home Postcode", "Sex",
           "Arrival (UTC)", "Assault Time (local)", "Assault Method", "Location Type",
           "Location", "Triage Notes"], rows)

    rows = []
    for r, v in records(d + "/police_violence_victims.jsonl"):
        rows.append([r["recordId"], v["victim_nhs_number"]["text"], v["victim_name"]["text"],
                     dmy(v["victim_date_of_birth"]["date"]), local(v["occurred_at"]["datetime"]),
                     v["offence_category"]["text"], v["location_postcode"]["text"]])
    write(d + "/police_victims.csv",
          ["Ref", "NHS No", "Name", "DOB", "Occurred (local)", "Offence", "Postcode"], rows)

    rows = []
    for r, v in records(d + "/ae_violence_victims.jsonl"):
        rows.append([r["recordId"], v["victim_nhs_number"]["text"], v["victim_name"]["text"],
                     v["victim_date_of_birth"]["date"], v["arrival_time"]["datetime"],
                     v["assault_method"]["text"], v["home_postcode"]["text"]])
    write(d + "/ae_victims.csv",
          ["Attendance ID", "NHS Number", "Name", "DOB", "Arrival (UTC)", "Method", "Postcode"], rows)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
