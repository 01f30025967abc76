#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerate the compare fixture: two results directories, a/ and b/, of
one small cpu-prime matrix with known ratios. In b/, docker's
events_per_second is exactly 0.95 of a/'s, value by value (so its
total_time ratio is 1/0.95), bare metal's is the same; a/ alone has a qemu
cell and b/ alone a 2-CPU one; the hosts differ in kernel, CPU model,
virtbench and the docker plugin's version, docker's cpu_mode and its
engine fact. Run from this directory: python3 generate.py
"""
import csv, json, os

M = 1 << 20
PATTERN = [1.00, 1.01, 0.99, 1.02, 0.98]   # mean 1: the means are exact
EVENTS = 1000


def cells(which):
    # (backend, config, cpus, memory, max_prime, base events_per_second)
    c = [("bare-metal", "1cpu", 1, 256 * M, 5000, 1000.0),
         ("bare-metal", "1cpu", 1, 256 * M, 10000, 400.0),
         ("docker", "1cpu", 1, 256 * M, 5000, 900.0),
         ("docker", "1cpu", 1, 256 * M, 10000, 360.0)]
    if which == "a":
        c.append(("qemu", "1cpu", 1, 256 * M, 5000, 300.0))
    else:
        c.append(("bare-metal", "2cpu", 2, 256 * M, 5000, 1000.0))
    return c


def facts(which, backend):
    if backend == "docker":
        return "engine=%s;container=vb-%s-1;seed=1" % (
            "20.10.24" if which == "a" else "24.0.7", which)
    return "affinity=0;seed=1"


def write(which):
    os.makedirs(which, exist_ok=True)
    rows = []
    for b, c, cpus, mem, mp, eps in cells(which):
        scale = 0.95 if (which == "b" and b == "docker") else 1.0
        for rep, k in enumerate(PATTERN, 1):
            v = eps * k * scale
            for metric, unit, val in (("events_per_second", "1/s", v),
                                      ("total_time", "s", EVENTS / v),
                                      ("events", "", EVENTS)):
                rows.append(["cmp-" + which, b, c, cpus, mem, "cpu-prime",
                             "max_prime=%d" % mp, rep, metric, repr(val), unit,
                             "ok", "ok", "2026-11-27T00:00:0%d.000Z" % rep,
                             "2026-11-27T00:00:0%d.500Z" % rep, facts(which, b),
                             ""])
    with open(os.path.join(which, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("experiment,backend,config,cpus,memory,workload,params,"
                   "repetition,metric,value,unit,status,verdict,started,"
                   "finished,facts,error".split(","))
        w.writerows(rows)
    configs = [{"name": "1cpu", "cpus": 1, "memory": 256 * M}]
    if which == "b":
        configs.append({"name": "2cpu", "cpus": 2, "memory": 256 * M})
    backends = [{"name": "bare-metal", "plugin": "bare-metal",
                 "options": {"cgroup": "auto"}},
                {"name": "docker", "plugin": "docker",
                 "options": {"cpu_mode": "quota" if which == "a" else "cpuset"}}]
    if which == "a":
        backends.append({"name": "qemu", "plugin": "qemu",
                         "options": {"accel": "tcg"}})
    env = {
        "virtbench": "0.9.0" if which == "a" else "0.9.1", "abi": "1.0",
        "config_hash": "hash-" + which,
        "started": "2026-11-27T00:00:00.000Z",
        "finished": "2026-11-27T00:01:00.000Z",
        "host": {"hostname": "host-" + which,
                 "kernel": "6.1.0-a" if which == "a" else "6.2.0-b",
                 "os": "Debian GNU/Linux 12", "cpus": 2, "memory": 1 << 33,
                 "machine": "x86_64",
                 "cpu_model": "CPU A" if which == "a" else "CPU B"},
        "plugins": [
            {"name": "bare-metal", "kind": "backend", "version": "1.0.0", "path": "x"},
            {"name": "docker", "kind": "backend",
             "version": "1.0.0" if which == "a" else "1.1.0", "path": "x"},
            {"name": "cpu-prime", "kind": "workload", "version": "1.0.0", "path": "x",
             "metrics": [{"name": "total_time", "unit": "s", "better": "lower"},
                         {"name": "events", "unit": "", "better": "neutral"},
                         {"name": "events_per_second", "unit": "1/s",
                          "better": "higher"}]},
        ],
        "experiment": {
            "name": "cmp-" + which, "path": "cmp.cfg", "repetitions": 5,
            "warmup": 0, "order": "interleaved", "seed": 1,
            "baseline": "bare-metal", "backends": backends, "configs": configs,
            "workloads": [{"name": "cpu-prime", "plugin": "cpu-prime",
                           "options": {"events": str(EVENTS), "threads": "1"},
                           "axes": {"max_prime": ["5000", "10000"]}}],
            "thresholds": [],
        },
    }
    with open(os.path.join(which, "environment.json"), "w") as f:
        json.dump(env, f, indent=2, sort_keys=True)
        f.write("\n")


write("a")
write("b")
