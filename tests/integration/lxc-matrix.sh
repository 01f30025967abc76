#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A small matrix through real LXC containers: two configs (1 CPU/256M,
# 2 CPUs/512M) x cpu-prime and fileio-rndrw, CPU quota and quota+cpuset:
# every repetition ok, the probe inside saw exactly the limits asked for
# (virt=lxc), the host-side readback agrees, fileio ran on the host
# directory at /scratch with the cache dropped, and nothing is left.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/lxc-lib.sh"

cat >"$T/matrix.cfg" <<'CFG'
name = "lxc-matrix";
repetitions = 1;
backends = ( { plugin = "lxc"; },
             { plugin = "lxc"; name = "lxc-both"; cpu_mode = "both"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; },
            { name = "2cpu-512m"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 200; },
              { plugin = "fileio-rndrw"; total_size = "8M"; files = 4;
                block_size = "16K"; events = 200; threads = 2; } );
CFG

vb_run matrix run -o "$T/out" "$T/matrix.cfg"
[ "$VB_RC" -eq 0 ] || die "virtbench run exited $VB_RC, expected 0"
assert_nothing_left "$VB_PID" "after the run"

runs=$T/out/runs.csv
verify=$T/out/verify.csv
for b in lxc lxc-both; do
	for c in 1cpu-256m 2cpu-512m; do
		ok=$(awk -F, -v b="$b" -v c="$c" 'NR > 1 && $2 == b && $3 == c && $12 == "ok"' "$runs" | wc -l)
		bad=$(awk -F, -v b="$b" -v c="$c" 'NR > 1 && $2 == b && $3 == c && $12 != "ok"' "$runs" | wc -l)
		[ "$ok" -gt 0 ] || die "$b/$c: no ok rows"
		[ "$bad" -eq 0 ] || die "$b/$c: $bad rows not ok"
	done
	[ "$(csv_rows "$verify" "$b" | wc -l)" -eq 2 ] || die "$b: expected 2 verify rows"
	csv_rows "$verify" "$b" | awk -F, '
		$3 + 0 != $4 + 0 { print "cpus requested " $3 " observed " $4; bad = 1 }
		$5 + 0 != $6 + 0 { print "memory requested " $5 " observed " $6; bad = 1 }
		$9 != "ok"       { print "verdict " $9; bad = 1 }
		END { exit bad }' >&2 || die "$b: observed limits differ from the request"
done
grep -q '^lxc,1cpu-256m,1,1,268435456,268435456,yes,yes,ok,' "$verify" ||
	die "lxc 1cpu-256m: not 1 CPU / 268435456 B, ok"
# Seen from inside: an LXC container, the quota in its own cgroup, the
# cpuset too with cpu_mode = both.
grep '^lxc,1cpu-256m,' "$verify" | grep -q 'virt=lxc;' || die "probe did not see LXC"
grep '^lxc,1cpu-256m,' "$verify" | grep -q 'cpu_quota=1;' || die "probe saw no quota 1"
grep '^lxc-both,1cpu-256m,' "$verify" | grep -q 'cpus_affinity=1;.*cpuset=0;' ||
	die "lxc-both 1cpu: probe did not see a cpuset of 1 CPU"
# Read back on the host too, and recorded.
grep '^lxc,2cpu-512m,' "$verify" | grep -q 'host_cpu_quota=2;.*host_memory_limit=536870912;' ||
	die "no host-side readback of the limits"
grep '^lxc,1cpu-256m,' "$verify" | grep -q 'engine=lxc 5\|engine=lxc [0-9]' || die "no engine fact"
# fileio: on the host directory (a disk filesystem, not the container's
# tmpfs), page cache dropped between prepare and run.
grep 'fileio-rndrw' "$runs" | grep -q 'workdir_fs=' || die "fileio facts missing"
grep 'fileio-rndrw' "$runs" | grep -q 'workdir_fs=tmpfs' && die "fileio ran on a tmpfs"
n=$(awk -F, 'NR > 1 && $6 == "fileio-rndrw" && $9 == "page_cache_dropped" && $10 == 1' "$runs" | wc -l)
[ "$n" -eq 4 ] || die "page cache dropped in $n of 4 fileio repetitions"
# LXC's own log is kept with the results.
[ -e "$T/out/logs/lxc-1cpu-256m.lxc.log" ] || die "no logs/lxc-1cpu-256m.lxc.log"

# virtbench probe: the same container, shown and removed.
"$VB" probe lxc --cpus 1 --memory 128M >"$T/probe.out" 2>&1 || { cat "$T/probe.out"; die "virtbench probe lxc"; }
grep -q 'virtualization  lxc' "$T/probe.out" || die "probe: no virtualization lxc"
grep -q 'verdict         ok' "$T/probe.out" || die "probe: verdict not ok"
echo "PASS"
