#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerate the results-mixed fixture (deterministic: seeded RNG).

A results directory as `virtbench run` writes it (docs/results-format.md),
shaped like the seed study, with every case the report must notice:
  - an outlier: bare-metal 1cpu-2g cpu-prime max_prime=5000, repetition 4;
  - a failed repetition: qemu 2cpu-2g cpu-prime max_prime=10000, repetition 3;
  - a refused environment: docker 4cpu-4g (all its repetitions failed);
  - a noisy cell (CV > 5 %): qemu 1cpu-2g fileio-rndrw total_size=2G;
  - TCG tcg_thread=single with cpus > 1 (qemu 2cpu-2g, 4cpu-4g);
  - oversubscription: 4cpu-4g on a 2-CPU host;
  - page cache not dropped: qemu 4cpu-4g fileio-rndrw;
  - host_time disagreeing with total_time by > 5 %: every qemu cell;
  - thresholds: "qemu/bare-metal total_time <= 1.5" is violated,
    "docker/bare-metal total_time <= 1.2" holds.
Run from this directory: python3 generate.py
"""
import csv, json, random

rng = random.Random(1)
G = 1 << 30
backends = ["bare-metal", "docker", "qemu"]
configs = [("1cpu-2g", 1, 2 * G), ("2cpu-2g", 2, 2 * G), ("4cpu-4g", 4, 4 * G)]
facts = {"bare-metal": "seed=1", "docker": "image=sha256:4f1c;seed=1",
         "qemu": "accel=tcg;tcg_thread=single;seed=1"}
slow = {"bare-metal": 1.0, "docker": 1.02, "qemu": 2.3}
prime_base = {5000: 1.0, 10000: 2.6, 20000: 6.7}
io_base = {2 * G: 4.0, 4 * G: 9.0}

def verdict(b, c):
    name, cpus, _ = c
    if b == "docker" and cpus == 4:
        return "refused", "cpus: requested 4, observed 2 (CFS quota cannot exceed the 2 host CPUs)"
    if cpus > 2:
        return "warn", "cpus: 4 requested on a 2-CPU host (oversubscribed)"
    return "ok", ""

t = [0]
def stamp():
    t[0] += 1
    s = t[0]
    return "2026-11-27T00:%02d:%02d.%03dZ" % (s // 60 % 60, s % 60, s % 1000)

rows = []
def row(b, c, wl, params, rep, metric, value, unit, status, v, err=""):
    rows.append(["fixture", b, c[0], c[1], c[2], wl, params, rep, metric,
                 "" if value is None else repr(float(value)), unit, status, v,
                 stamp(), stamp(), facts[b], err])

for b in backends:
    for c in configs:
        v, reason = verdict(b, c)
        for wl, axis, base in (("cpu-prime", "max_prime", prime_base),
                               ("fileio-rndrw", "total_size", io_base)):
            for x in base:
                params = "%s=%d" % (axis, x)
                for rep in range(1, 6):
                    if v == "refused":
                        row(b, c, wl, params, rep, "", None, "", "failed", v,
                            "environment refused: " + reason)
                        continue
                    if (b, c[0], wl, x, rep) == ("qemu", "2cpu-2g", "cpu-prime", 10000, 3):
                        row(b, c, wl, params, rep, "", None, "", "failed", v,
                            "agent: no reply within 3600 s, VM killed")
                        continue
                    noise = 0.01
                    if (b, c[0], wl, x) == ("qemu", "1cpu-2g", "fileio-rndrw", 2 * G):
                        noise = 0.30
                    tt = base[x] * slow[b] * (1.04 if c[1] == 4 and b == "qemu" else 1.0)
                    tt *= 1 + rng.gauss(0, noise)
                    if (b, c[0], wl, x, rep) == ("bare-metal", "1cpu-2g", "cpu-prime", 5000, 4):
                        tt *= 1.25
                    host = tt * 1.12 if b == "qemu" else tt + 0.02
                    if wl == "cpu-prime":
                        row(b, c, wl, params, rep, "total_time", tt, "s", "ok", v)
                        row(b, c, wl, params, rep, "events", 10000, "", "ok", v)
                        row(b, c, wl, params, rep, "events_per_second", 10000 / tt, "1/s", "ok", v)
                        row(b, c, wl, params, rep, "latency_avg", tt / 10, "ms", "ok", v)
                    else:
                        reads = 6000 / tt
                        row(b, c, wl, params, rep, "total_time", tt, "s", "ok", v)
                        row(b, c, wl, params, rep, "reads_per_second", reads, "1/s", "ok", v)
                        row(b, c, wl, params, rep, "writes_per_second", reads / 1.5, "1/s", "ok", v)
                        row(b, c, wl, params, rep, "page_cache_dropped",
                            0 if (b, c[0]) == ("qemu", "4cpu-4g") else 1, "", "ok", v)
                    row(b, c, wl, params, rep, "host_time", host, "s", "ok", v)

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
        for c in configs:
            v, reason = verdict(b, c)
            cpus_obs = min(c[1], 2)
            mem_obs = c[2] if b != "qemu" else int(c[2] * 0.96)
            probe = "cpus_online=%d;cpus_affinity=%d;mem_total=%d;virt=%s" % (
                c[1] if b == "qemu" else 2, cpus_obs, mem_obs,
                {"bare-metal": "none", "docker": "docker", "qemu": "qemu-tcg"}[b])
            w.writerow([b, c[0], c[1], cpus_obs, c[2], mem_obs, "yes",
                        "no" if b == "bare-metal" else "yes", v, reason,
                        probe, facts[b], stamp()])

metric = lambda n, u, b: {"name": n, "unit": u, "better": b}
env = {
    "virtbench": "0.1.0", "abi": "1.0", "config_hash": "0123abcd",
    "started": "2026-11-27T00:00:00.000Z", "finished": "2026-11-27T01:00:00.000Z",
    "host": {"hostname": "fixture-host", "kernel": "6.1.0-27-amd64",
             "os": "Debian GNU/Linux 12 (bookworm)", "cpus": 2, "memory": 25282936832,
             "machine": "x86_64", "cpu_model": "AMD EPYC"},
    "plugins": [
        {"name": "bare-metal", "kind": "backend", "version": "1.0.0", "path": "/x/bare-metal.so"},
        {"name": "docker", "kind": "backend", "version": "1.0.0", "path": "/x/docker.so"},
        {"name": "qemu", "kind": "backend", "version": "1.0.0", "path": "/x/qemu.so"},
        {"name": "cpu-prime", "kind": "workload", "version": "1.0.0", "path": "/x/cpu-prime.so",
         "metrics": [metric("total_time", "s", "lower"), metric("events", "", "neutral"),
                     metric("events_per_second", "1/s", "higher"),
                     metric("latency_avg", "ms", "lower")]},
        {"name": "fileio-rndrw", "kind": "workload", "version": "1.0.0",
         "path": "/x/fileio-rndrw.so",
         "metrics": [metric("total_time", "s", "lower"),
                     metric("reads_per_second", "1/s", "higher"),
                     metric("writes_per_second", "1/s", "higher")]},
    ],
    "experiment": {
        "name": "fixture", "path": "experiments/fixture.cfg", "repetitions": 5,
        "warmup": 0, "order": "sequential", "seed": 1, "baseline": "bare-metal",
        "backends": [{"name": "bare-metal", "plugin": "bare-metal", "options": {}},
                     {"name": "docker", "plugin": "docker", "options": {"cpu_mode": "quota"}},
                     {"name": "qemu", "plugin": "qemu",
                      "options": {"accel": "tcg", "thread": "single"}}],
        "configs": [{"name": n, "cpus": c, "memory": m} for n, c, m in configs],
        "workloads": [{"name": "cpu-prime", "plugin": "cpu-prime", "options": {"events": "10000"},
                       "axes": {"max_prime": ["5000", "10000", "20000"]}},
                      {"name": "fileio-rndrw", "plugin": "fileio-rndrw",
                       "options": {"files": "128", "threads": "16"},
                       "axes": {"total_size": [str(2 * G), str(4 * G)]}}],
        "thresholds": ["qemu/bare-metal total_time <= 1.5",
                       "docker/bare-metal total_time <= 1.2"],
    },
}
with open("environment.json", "w") as f:
    json.dump(env, f, indent=1)
    f.write("\n")
