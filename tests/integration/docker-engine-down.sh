#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# No engine answering (DOCKER_HOST at a dead socket): the docker cells fail
# fast with a message saying how to start one, the bare-metal cells still
# run, and the run exits 1.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

export DOCKER_HOST="unix://$T/no-such-docker.sock"
cat >"$T/down.cfg" <<'CFG'
name = "docker-down";
repetitions = 2;
backends = ( { plugin = "docker"; }, { plugin = "bare-metal"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 100; } );
CFG

start=$(date +%s)
vb_run down run -o "$T/out" "$T/down.cfg"
took=$(( $(date +%s) - start ))
[ "$VB_RC" -eq 1 ] || die "virtbench run exited $VB_RC, expected 1"
[ "$took" -le 30 ] || die "took ${took}s: docker cells did not die fast"
grep -q 'not running' "$T/down.err" || die "no 'engine not running' message"
grep -q 'ensure-dockerd\|dockerd --iptables=false' "$T/down.err" ||
	die "the message does not say how to start the engine"
runs=$T/out/runs.csv
awk -F, 'NR > 1 && $2 == "bare-metal" && $12 == "ok" { ok++ } END { exit !(ok > 0) }' "$runs" ||
	die "bare-metal cells did not run"
awk -F, 'NR > 1 && $2 == "docker" && $12 == "ok" { bad = 1 } END { exit bad }' "$runs" ||
	die "docker cells reported ok without an engine"
grep -q '^docker-down,docker,.*,failed,.*not running' "$runs" ||
	die "docker cells not recorded as failed with the reason"
echo "PASS"
