#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gVisor through the docker backend (runtime = "runsc"), for real: a small
# matrix (1 CPU/256M, 2 CPUs/512M x cpu-prime and fileio-rndrw, quota and
# quota+cpuset), every repetition ok; the probe saw gVisor (virt=gvisor,
# kernel 4.4.0) and, because gVisor shows no cgroup inside, the quota and the
# memory limit were read back on the host and the verification says
# "host-side". Refused: --cpus=2 slipped in through extra_args (host-side
# quota 2), runsc asked for but runc given (--runtime=runc after ours) and
# the reverse; a runtime the engine does not have fails its cells with the
# reason. And with gVisor's root filesystem in its own memory
# (--overlay2=root:memory) the page cache is recorded as not dropped.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/runsc-lib.sh"

cat >"$T/matrix.cfg" <<'CFG'
name = "runsc-matrix";
repetitions = 1;
backends = ( { plugin = "docker"; name = "runsc"; runtime = "runsc"; },
             { plugin = "docker"; name = "runsc-both"; runtime = "runsc"; cpu_mode = "both"; },
             { plugin = "docker"; name = "runsc-cpus2"; runtime = "runsc"; extra_args = [ "--cpus=2" ]; },
             { plugin = "docker"; name = "runsc-gets-runc"; runtime = "runsc"; extra_args = [ "--runtime=runc" ]; },
             { plugin = "docker"; name = "runc-gets-runsc"; runtime = "runc"; extra_args = [ "--runtime=runsc" ]; },
             { plugin = "docker"; name = "nosuch"; runtime = "vb-no-such-runtime"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; },
            { name = "2cpu-512m"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 200; },
              { plugin = "fileio-rndrw"; total_size = "8M"; files = 4;
                block_size = "16K"; events = 200; threads = 2; } );
exclude = ( { backend = "runsc-cpus2"; config = "2cpu-512m"; },
            { backend = "runsc-gets-runc"; config = "2cpu-512m"; },
            { backend = "runc-gets-runsc"; config = "2cpu-512m"; },
            { backend = "nosuch"; config = "2cpu-512m"; },
            { backend = "runsc-cpus2"; workload = "fileio-rndrw"; },
            { backend = "runsc-gets-runc"; workload = "fileio-rndrw"; },
            { backend = "runc-gets-runsc"; workload = "fileio-rndrw"; },
            { backend = "nosuch"; workload = "fileio-rndrw"; } );
CFG

vb_run matrix run -o "$T/out" "$T/matrix.cfg"
[ "$VB_RC" -eq 1 ] || die "virtbench run exited $VB_RC, expected 1 (refused cells)"
assert_nothing_left "$VB_PID" "after the run"

runs=$T/out/runs.csv
verify=$T/out/verify.csv
for b in runsc runsc-both; do
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
	csv_rows "$verify" "$b" | grep -q 'virt=gvisor;' || die "$b: the probe did not see gVisor"
	csv_rows "$verify" "$b" | grep -q 'kernel=4\.4\.0;' || die "$b: not gVisor's kernel"
	csv_rows "$verify" "$b" | grep -q 'runtime=runsc' || die "$b: no runtime fact"
	csv_rows "$verify" "$b" | grep -q 'gvisor_platform=' || die "$b: no platform fact"
	# The memory limit is never visible inside gVisor (no cgroupfs):
	# read back on the host, and the table says so.
	csv_rows "$verify" "$b" | grep -q 'memory: limit [0-9]* read host-side' ||
		die "$b: memory not marked host-side"
done
# quota: not visible inside, read host-side; both: the cpuset is (nproc 1).
grep '^runsc,1cpu-256m,' "$verify" | grep -q 'cpus: quota 1.00 read host-side' ||
	die "runsc 1cpu: the quota is not marked host-side"
grep '^runsc,1cpu-256m,' "$verify" | grep -q 'host_cpu_quota=1;' || die "no host_cpu_quota fact"
grep '^runsc-both,1cpu-256m,' "$verify" | grep -q 'cpus_affinity=1;' ||
	die "runsc-both 1cpu: the cpuset is not visible inside"
# fileio: the page cache dropped between prepare and run means the same as
# for runc here (gVisor reads through the host's page cache): recorded.
n=$(awk -F, 'NR > 1 && $2 ~ /^runsc/ && $6 == "fileio-rndrw" && $9 == "page_cache_dropped" && $10 == 1' "$runs" | wc -l)
[ "$n" -eq 4 ] || die "page cache dropped in $n of 4 gVisor fileio repetitions"
grep '^runsc,' "$verify" | grep -q 'gvisor_page_cache=host' || die "no gvisor_page_cache fact"

row=$(csv_rows "$verify" runsc-cpus2)
echo "verify: $row"
echo "$row" | awk -F, '$3 == 1 && $4 + 0 == 2 && $9 == "refused" { ok = 1 } END { exit !ok }' ||
	die "runsc-cpus2: not 1 requested, 2 observed, refused"
echo "$row" | grep -q 'quota 2.00 host-side' || die "runsc-cpus2: the refusal does not say host-side"
row=$(csv_rows "$verify" runsc-gets-runc)
echo "verify: $row"
echo "$row" | grep -q ',refused,"environment: expected gvisor inside, the probe saw docker' ||
	die "runsc-gets-runc: not refused for landing in runc"
row=$(csv_rows "$verify" runc-gets-runsc)
echo "verify: $row"
echo "$row" | grep -q ',refused,"environment: expected docker inside, the probe saw gvisor' ||
	die "runc-gets-runsc: not refused for landing in gVisor"
grep -q 'has no runtime "vb-no-such-runtime"' "$T/matrix.err" ||
	die "a missing runtime is not a clear error"
awk -F, 'NR > 1 && ($2 == "runsc-cpus2" || $2 == "runsc-gets-runc" || $2 == "runc-gets-runsc" || $2 == "nosuch") && $12 == "ok" { bad = 1 } END { exit bad }' \
	"$runs" || die "a refused cell produced ok rows"
# A gVisor runtime whose root filesystem is an overlay in the sandbox's
# memory: no host cache drop reaches it, so the page cache is recorded as
# not dropped (and said why). Only on our own dockerd, whose daemon.json
# we may change (SIGHUP reloads it).
if [ -n "$PRIVATE" ]; then
	cat >"$PRIVATE/daemon.json" <<JSON
{ "runtimes": {
    "runsc": { "path": "$(command -v runsc)", "runtimeArgs": ["--network=none"] },
    "runsc-overlay": { "path": "$(command -v runsc)", "runtimeArgs": ["--network=none", "--overlay2=root:memory"] } } }
JSON
	kill -HUP "$(cat "$PRIVATE/dockerd.pid")"
	i=0
	until docker info --format '{{json .Runtimes}}' | grep -q runsc-overlay; do
		i=$((i + 1))
		[ "$i" -le 50 ] || die "dockerd did not reload its daemon.json"
		sleep 0.2
	done
	cat >"$T/overlay.cfg" <<'CFG'
name = "runsc-overlay";
repetitions = 1;
backends = ( { plugin = "docker"; name = "runsc-overlay"; runtime = "runsc-overlay"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "fileio-rndrw"; total_size = "8M"; files = 4;
                block_size = "16K"; events = 200; threads = 2; } );
CFG
	vb_run overlay run -o "$T/out-overlay" "$T/overlay.cfg"
	assert_nothing_left "$VB_PID" "after the overlay run"
	grep -q 'gvisor_page_cache=sentry (overlay in the sandbox' "$T/out-overlay/verify.csv" ||
		die "overlay: no gvisor_page_cache=sentry fact"
	n=$(awk -F, 'NR > 1 && $9 == "page_cache_dropped" && $10 == 0' "$T/out-overlay/runs.csv" | wc -l)
	[ "$n" -eq 1 ] || die "overlay: page_cache_dropped is not 0"
	grep -q "no host cache drop reaches it, so the page cache is recorded as not dropped" "$T/overlay.err" ||
		die "overlay: the reason the cache was not dropped is not said"
fi
echo "PASS"
