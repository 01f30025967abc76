#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Where the adaptive rule must have stopped each cell of a results
# directory, computed independently of virtbench: Python's statistics
# module and a printed table of Student t quantiles. Prints one line per
# cell that disagrees and exits 1 if any does.
#
#   adaptive-check.py RUNS.CSV MIN MAX PRECISION METRIC
import csv
import math
import statistics
import sys

# t(0.975, df), df = 1..40, two-sided 95 % (any statistics textbook).
T975 = [None, 12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
        2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
        2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
        2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423, 2.0395,
        2.0369, 2.0345, 2.0322, 2.0301, 2.0281, 2.0262, 2.0244, 2.0227,
        2.0211]


def where_it_stops(values, lo, hi, p):
    """(n, reason, margin): the first n >= lo whose interval is within
    p of the mean, else hi; margin is how far the deciding comparisons
    were from equality (a table with 4 decimals cannot judge a tie)."""
    margin = math.inf
    for n in range(max(lo, 2), min(hi, len(values)) + 1):
        x = values[:n]
        mean = statistics.fmean(x)
        half = T975[n - 1] * statistics.stdev(x) / math.sqrt(n)
        ratio = half / (p * abs(mean))
        margin = min(margin, abs(ratio - 1))
        if ratio <= 1:
            return n, "precision", margin
    return hi, "max", margin


def main():
    path, lo, hi, p, metric = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    cells = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] != "ok" or row["metric"] != metric:
                continue
            key = (row["backend"], row["config"], row["workload"],
                   row["params"])
            cells.setdefault(key, []).append(
                (int(row["repetition"]), float(row["value"]), row["stop"]))
    bad = 0
    for key, reps in sorted(cells.items()):
        reps.sort()
        numbers = [r[0] for r in reps]
        if numbers != list(range(1, len(reps) + 1)):
            print(f"{key}: repetitions {numbers}, expected 1..{len(reps)}")
            bad += 1
            continue
        values = [r[1] for r in reps]
        n, why, margin = where_it_stops(values, lo, hi, p)
        stops = [r[2] for r in reps if r[2]]
        if margin < 1e-3:
            print(f"{key}: a tie the table cannot judge (margin {margin})")
            bad += 1
        elif len(reps) != n or stops != [why] or reps[-1][2] != why:
            print(f"{key}: virtbench ran {len(reps)} and recorded stop "
                  f"{stops}; the formula stops at {n} ({why})")
            bad += 1
        else:
            print(f"{key}: {n} repetitions, {why}")
    if not cells:
        print("no cells")
        bad += 1
    sys.exit(1 if bad else 0)


main()
