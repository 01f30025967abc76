#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# engine = "podman" for real: a small matrix (1 CPU/256M, 2 CPUs/512M) x
# cpu-prime and fileio-rndrw, CPU quota and quota+cpuset, every repetition
# ok and verified inside the container (the probe sees podman: virt=podman);
# and extra_args overriding the limit (--cpus=2 for a 1-CPU cell) refused.
# No container is left in the store, nothing under /var/lib/containers.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/podman-lib.sh"

cat >"$T/matrix.cfg" <<CFG
name = "podman-matrix";
repetitions = 1;
backends = ( { plugin = "docker"; name = "podman"; engine = "$PODMAN";
               extra_args = [ "--cgroup-parent=/$CGPARENT" ]; },
             { plugin = "docker"; name = "podman-both"; engine = "$PODMAN"; cpu_mode = "both";
               extra_args = [ "--cgroup-parent=/$CGPARENT" ]; },
             { plugin = "docker"; name = "podman-refuse"; engine = "$PODMAN";
               extra_args = [ "--cgroup-parent=/$CGPARENT", "--cpus=2" ]; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; },
            { name = "2cpu-512m"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 200; },
              { plugin = "fileio-rndrw"; total_size = "8M"; files = 4;
                block_size = "16K"; events = 200; threads = 2; } );
exclude = ( { backend = "podman-refuse"; config = "2cpu-512m"; } );
CFG

vb_run matrix run -o "$T/out" "$T/matrix.cfg"
[ "$VB_RC" -eq 1 ] || die "virtbench run exited $VB_RC, expected 1 (one cell refused)"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"

runs=$T/out/runs.csv
verify=$T/out/verify.csv
for b in podman podman-both; do
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
	# Really podman: its container= in init's environment, its engine fact.
	csv_rows "$verify" "$b" | grep -q 'virt=podman;' || die "$b: the probe did not see podman"
	csv_rows "$verify" "$b" | grep -q 'engine=podman 4\|engine=podman [0-9]' || die "$b: no podman engine fact"
done
grep '^podman-both,1cpu-256m,' "$verify" | grep -q 'cpus_affinity=1;.*cpuset=0;' ||
	die "podman-both 1cpu: the probe did not see a cpuset of 1 CPU"
grep 'fileio-rndrw' "$runs" | grep -q 'workdir_fs=overlay' || die "fileio not on the container's overlay"

row=$(csv_rows "$verify" podman-refuse)
echo "verify: $row"
echo "$row" | awk -F, '$3 == 1 && $4 + 0 == 2 && $9 == "refused" { ok = 1 } END { exit !ok }' ||
	die "podman-refuse: verify.csv does not show 1 requested, 2 observed, refused"
awk -F, 'NR > 1 && $2 == "podman-refuse" && $12 == "ok" { bad = 1 } END { exit bad }' "$runs" ||
	die "the refused cell produced ok rows"
echo "PASS"
