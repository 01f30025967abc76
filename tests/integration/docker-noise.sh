#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Host noise of a container: its CPU time comes from its cgroup on the
# host (the backend's accounting hook names the container's first
# process), its sampled CPUs are its cpuset, and what the cgroup counted is
# at least what the agent inside counted of itself.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
cat >"$T/n.cfg" <<'CFG'
name = "docker-noise";
repetitions = 2;
backends = ( { plugin = "docker"; cpu_mode = "cpuset"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 10000; events = 200; } );
CFG
vb_run noise run --no-report -o "$T/out" "$T/n.cfg"
[ "$VB_RC" -eq 0 ] || die "virtbench run exited $VB_RC, expected 0"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"
runs=$T/out/runs.csv
# columns: 21 order, 22 noise_window, 23 noise_cpus, 27 noise_env_cpu,
# 28 noise_env_from (no quoted commas in these rows: docker's facts hold none)
awk -F, 'NR > 1 && $9 == "total_time" && $28 != "cgroup" { bad = 1 } END { exit bad }' "$runs" ||
	die "the container's CPU time does not come from its cgroup"
awk -F, 'NR > 1 && $9 == "total_time" && $23 != "0" { bad = 1 } END { exit bad }' "$runs" ||
	die "the sampled CPUs are not the container's cpuset (0)"
# The cgroup holds the agent and what `docker exec` starts with it: at
# least the CPU time the workload measured of itself (total_time of one
# single-threaded CPU-bound run is CPU time but for waits, so compare
# with the cgroup's count against the window, not total_time: never more
# than the window on one CPU).
awk -F, 'NR > 1 && $9 == "total_time" && !($27 > 0 && $27 <= $22 + 0.02) { bad = 1 } END { exit bad }' "$runs" ||
	die "the cgroup's CPU time is not within (0, window]"
echo "ok: docker noise from the cgroup"
