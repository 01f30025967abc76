#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# exec in containers: the real sysbench carried with `files` into the
# default busybox image (which has no libc) and run beside cpu-prime in the
# same container; a program that is not in the image fails the cell with
# the message that says what to do; a user image's own programs are used.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"
command -v sysbench >/dev/null || { echo "SKIP: no sysbench"; exit 77; }

start_engine
make_user_image virtbench-test/exec-user:1
cat >"$T/exec.cfg" <<CFG
name = "docker-exec";
repetitions = 2;
backends = ( { plugin = "docker"; retries = 0; },
             { plugin = "docker"; name = "user-image"; image = "virtbench-test/exec-user:1"; retries = 0; } );
configs = ( { name = "1cpu-512m"; cpus = 1; memory = "512M"; } );
workloads = (
  { plugin = "cpu-prime"; max_prime = 5000; events = 300; },
  { plugin = "exec"; name = "sysbench"; files = ["$(command -v sysbench)"];
    command = ["sysbench", "cpu", "--cpu-max-prime=5000", "--events=300", "--time=0", "run"];
    metrics = ( { name = "events_per_second"; unit = "1/s"; better = "higher";
                  regex = "events per second: *([0-9.]+)"; } ); },
  { plugin = "exec"; name = "missing"; command = ["fio", "--version"]; },
  { plugin = "exec"; name = "image-sh"; command = ["sh", "-c", "echo v=\$((6 * 7))"];
    metrics = ( { name = "v"; better = "neutral"; regex = "v=([0-9]+)"; } ); }
);
exclude = ( { backend = "user-image"; workload = "cpu-prime"; },
            { backend = "user-image"; workload = "missing"; } );
CFG

vb_run exec run -o "$T/out" "$T/exec.cfg"
[ "$VB_RC" -eq 1 ] || fail "virtbench run exited $VB_RC, expected 1 (the missing program)"
runs=$T/out/runs.csv
for b in docker user-image; do
	n=$(awk -F, -v b="$b" 'NR > 1 && $2 == b && $6 == "sysbench" && $9 == "events_per_second" && $12 == "ok" && $10 > 0' "$runs" | wc -l)
	[ "$n" -eq 2 ] || fail "$b: sysbench events_per_second in $n of 2 repetitions"
done
ratio=$(best_ratio "$runs" sysbench cpu-prime docker)
echo "sysbench/cpu-prime events/s in the container: ${ratio:-none}"
awk -v r="${ratio:-0}" 'BEGIN { exit !(r > 0.25 && r < 4) }' ||
	fail "sysbench/cpu-prime in the container out of 0.25..4: ${ratio:-none}"
grep -q 'fio: not found in the container image / VM' "$runs" ||
	fail "missing program: no 'not found in the container image / VM'"
grep -q 'add it to files, or use an image that has it' "$T/out/logs/docker-1cpu-512m.log" ||
	fail "missing program: the log lacks what to do"
[ "$(awk -F, 'NR > 1 && $6 == "image-sh" && $9 == "v" && $10 == 42' "$runs" | wc -l)" -eq 4 ] ||
	fail "the image's own sh did not run in both images"
[ -z "$(run_containers "$VB_PID")" ] || fail "containers left behind"
echo "PASS"
