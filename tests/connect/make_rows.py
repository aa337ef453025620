#!/usr/bin/env python3
"""Writes N police incident rows (CSV, as deploy/sample/police_incidents.csv)
with fresh incident refs PREFIX-000001.., cycling through the sample rows.
Usage: make_rows.py SAMPLE_CSV OUT N PREFIX"""
import csv
import sys

sample, out, n, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(sample, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
with open(out, "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(header)
    for i in range(n):
        r = list(body[i % len(body)])
        r[0] = "%s-%06d" % (prefix, i + 1)
        r[1] = "41/%06d/26" % (i + 1)
        w.writerow(r)
