#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerate the results-hostile fixture: a results directory crafted to
make gnuplot (or anything else) run a command. Every name a chart or the
report shows holds quotes, backslashes, newlines, backquotes, system(...),
`set output`, macros (@x) and markup. Each injection would create a file
named PWNED (relative, so in DIR/plots, where gnuplot runs, or DIR) or
/tmp/virtbench-PWNED; the tests assert that none appears and that every
chart still renders.
Run from this directory: python3 generate.py
"""
import csv, json, random

rng = random.Random(7)
M = 1 << 20
ATTACKS = [
    'a"\nsystem "touch PWNED"\n#',
    "b`touch PWNED`",
    "c'; system('touch ../PWNED'); set output '/tmp/virtbench-PWNED",
    'd\\"; set output "../PWNED.png"; print system("touch PWNED") #',
    "e@x $(touch PWNED) <script>alert(1)</script> | **bold** `code`",
]
backends = ["bare-metal", ATTACKS[1]]
configs = [(ATTACKS[0], 1, 256 * M), (ATTACKS[2], 2, 256 * M)]
wl = ATTACKS[3]
axis = "max_prime"
values = ["500", "1000"]
# No metric the analysis knows by name: both are charted (they have a
# direction), so their hostile names reach titles and axis labels.
T = 't"`touch PWNED`'
metric_units = {T: 's"; system("touch PWNED"); "', ATTACKS[4]: "1/s`touch PWNED`"}

rows = []
for b in backends:
    for c, cpus, mem in configs:
        for v in values:
            for rep in range(1, 4):
                base = (1.0 if b == "bare-metal" else 3.0) * int(v) / 500
                for m, u in metric_units.items():
                    val = base * (1 + rng.uniform(-0.01, 0.01))
                    rows.append(["hostile" + ATTACKS[0], b, c, cpus, mem, wl,
                                 "%s=%s;%s=%s" % (axis, v, "x", ATTACKS[1]),
                                 rep, m, repr(val), u, "ok", "ok",
                                 "2026-11-27T00:00:00.000Z",
                                 "2026-11-27T00:00:01.000Z",
                                 "facts=" + ATTACKS[1], ""])
# A failed repetition whose error text is hostile too.
rows.append(["hostile", backends[1], configs[0][0], 1, 256 * M, wl,
             "%s=500;x=%s" % (axis, ATTACKS[1]), 4, "", "", "", "failed", "ok",
             "2026-11-27T00:00:00.000Z", "2026-11-27T00:00:01.000Z", "",
             ATTACKS[3]])
with open("runs.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow("experiment,backend,config,cpus,memory,workload,params,repetition,"
               "metric,value,unit,status,verdict,started,finished,facts,error".split(","))
    w.writerows(rows)

with open("verify.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow("backend,config,cpus_requested,cpus_observed,memory_requested,"
               "memory_observed,cpus_enforced,memory_enforced,verdict,reason,probe,"
               "facts,time".split(","))
    for b in backends:
        for c, cpus, mem in configs:
            w.writerow([b, c, cpus, cpus, mem, mem, "yes", "yes", "warn", ATTACKS[4],
                        ATTACKS[1], ATTACKS[0], "2026-11-27T00:00:00.000Z"])

env = {
    "virtbench": ATTACKS[1], "abi": "1.0", "config_hash": ATTACKS[0],
    "started": "2026-11-27T00:00:00.000Z", "finished": ATTACKS[2],
    "host": {"hostname": ATTACKS[0], "kernel": ATTACKS[1], "os": ATTACKS[4],
             "cpus": 2, "memory": 1 << 33, "machine": "x86_64", "cpu_model": ATTACKS[2]},
    "plugins": [
        {"name": "bare-metal", "kind": "backend", "version": "1", "path": ATTACKS[1]},
        {"name": wl, "kind": "workload", "version": ATTACKS[0], "path": ATTACKS[2],
         "metrics": [{"name": T, "unit": "s", "better": "lower"},
                     {"name": ATTACKS[4], "unit": "1/s", "better": "higher"}]},
    ],
    "experiment": {
        "name": "hostile " + ATTACKS[0], "path": ATTACKS[1], "repetitions": 3,
        "warmup": 0, "order": ATTACKS[2], "seed": 1, "baseline": "bare-metal",
        "backends": [{"name": b, "plugin": b, "options": {ATTACKS[3]: ATTACKS[0]}}
                     for b in backends],
        "configs": [{"name": c, "cpus": cpus, "memory": mem} for c, cpus, mem in configs],
        "workloads": [{"name": wl, "plugin": wl, "options": {"x": ATTACKS[2]},
                       "axes": {axis: values, "x": [ATTACKS[1]]}}],
        "thresholds": [ATTACKS[0], "%s/bare-metal total_time <= 1.5" % backends[1]],
    },
}
with open("environment.json", "w") as f:
    json.dump(env, f, indent=1)
    f.write("\n")
