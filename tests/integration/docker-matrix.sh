#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Two configs (1 CPU/256M, 2 CPUs/512M) × cpu-prime on docker (auto image,
# quota), docker with a user image that has no bundle (cpuset+quota) and
# bare-metal: every repetition ok, and inside every container the probe
# saw exactly the CPUs and memory the config asked for.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
make_user_image virtbench-test/busybox-user:1

cat >"$T/matrix.cfg" <<'CFG'
name = "docker-matrix";
repetitions = 2;
backends = ( { plugin = "docker"; },
             { plugin = "docker"; name = "docker-user";
               image = "virtbench-test/busybox-user:1"; cpu_mode = "both"; },
             { plugin = "bare-metal"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; },
            { name = "2cpu-512m"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 500; } );
CFG

vb_run matrix run -o "$T/out" "$T/matrix.cfg"
[ "$VB_RC" -eq 0 ] || die "virtbench run exited $VB_RC, expected 0"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"

runs=$T/out/runs.csv
verify=$T/out/verify.csv
[ -s "$runs" ] || die "no runs.csv"
[ -s "$verify" ] || die "no verify.csv"

for b in docker docker-user bare-metal; do
	for c in 1cpu-256m 2cpu-512m; do
		ok=$(awk -F, -v b="$b" -v c="$c" \
			'NR > 1 && $2 == b && $3 == c && $12 == "ok"' "$runs" | wc -l)
		bad=$(awk -F, -v b="$b" -v c="$c" \
			'NR > 1 && $2 == b && $3 == c && $12 != "ok"' "$runs" | wc -l)
		[ "$ok" -gt 0 ] || die "$b/$c: no ok rows in runs.csv"
		[ "$bad" -eq 0 ] || die "$b/$c: $bad rows not ok in runs.csv"
	done
done

# verify.csv: backend,config,cpus_requested,cpus_observed,memory_requested,
# memory_observed,cpus_enforced,memory_enforced,verdict,...
for b in docker docker-user; do
	n=$(csv_rows "$verify" "$b" | wc -l)
	# interleaved by default (a baseline and other backends): each
	# environment is opened once per round, 2 rounds
	[ "$n" -eq 4 ] || die "$b: $n verify rows, expected one per config and round"
	csv_rows "$verify" "$b" | awk -F, '
		$3 + 0 != $4 + 0 { print "cpus requested " $3 " observed " $4; bad = 1 }
		$5 + 0 != $6 + 0 { print "memory requested " $5 " observed " $6; bad = 1 }
		$9 != "ok"       { print "verdict " $9; bad = 1 }
		END { exit bad }' >&2 || die "$b: observed limits differ from the request"
done
grep -q '^docker,1cpu-256m,1,1\(\.0*\)\?,268435456,268435456,' "$verify" ||
	die "docker 1cpu-256m: verify row is not 1 CPU / 268435456 B"
grep -q '^docker,2cpu-512m,2,2\(\.0*\)\?,536870912,536870912,' "$verify" ||
	die "docker 2cpu-512m: verify row is not 2 CPUs / 536870912 B"
# The facts name the engine and the container.
grep '^docker,' "$verify" | grep -q 'container=vb-' ||
	die "docker facts lack the container name"
echo "PASS"
