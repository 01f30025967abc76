#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# fileio-rndrw in containers: by default on the container's own filesystem
# (overlay), with workdir_host on a bind-mounted host directory; the page
# cache is dropped between prepare and run (no --privileged: on the host);
# cleanup leaves the host directory empty.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
mkdir -p "$T/hostdir"
cat >"$T/fio.cfg" <<CFG
name = "docker-fileio";
repetitions = 1;
backends = ( { plugin = "docker"; },
             { plugin = "docker"; name = "docker-hostdir"; workdir_host = "$T/hostdir"; } );
configs = ( { name = "1cpu-512m"; cpus = 1; memory = "512M"; } );
workloads = ( { plugin = "fileio-rndrw"; files = 4; total_size = "8M"; events = 500; } );
CFG

vb_run fio run -o "$T/out" "$T/fio.cfg"
[ "$VB_RC" -eq 0 ] || die "virtbench run exited $VB_RC, expected 0"
runs=$T/out/runs.csv
for b in docker docker-hostdir; do
	awk -F, -v b="$b" 'NR > 1 && $2 == b && $9 == "reads_per_second" && $12 == "ok" && $10 > 0 { ok = 1 }
		END { exit !ok }' "$runs" || die "$b: no reads_per_second"
	awk -F, -v b="$b" 'NR > 1 && $2 == b && $9 == "page_cache_dropped" && $10 == 1 { ok = 1 }
		END { exit !ok }' "$runs" || die "$b: page cache not dropped"
done
grep '^docker-fileio,docker,' "$runs" | grep -q 'workdir_fs=overlay' ||
	die "default scratch is not on the container's overlay filesystem"
if grep '^docker-fileio,docker-hostdir,' "$runs" | grep -q 'workdir_fs=overlay'; then
	die "workdir_host: scratch still on the overlay"
fi
[ -z "$(ls -A "$T/hostdir")" ] || die "files left in the host directory"
[ -z "$(run_containers "$VB_PID")" ] || die "containers left behind"
echo "PASS"
