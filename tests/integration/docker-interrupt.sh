#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Ctrl-C in the middle of a docker run: virtbench stops, and none of its
# containers survives (its containers carry label virtbench.pid=ITS PID;
# others' containers on a shared engine are none of this test's business).
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
cat >"$T/long.cfg" <<'CFG'
name = "docker-interrupt";
repetitions = 50;
backends = ( { plugin = "docker"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 20000; events = 0; time = "5s"; } );
CFG

vb_start interrupt run -o "$T/out" "$T/long.cfg"
# Wait until the container runs and a repetition is under way.
i=0
until [ -n "$(docker ps -q --filter "label=virtbench.pid=$VB_PID")" ]; do
	i=$((i + 1))
	[ "$i" -le 300 ] || die "no container after 60 s"
	kill -0 "$VB_PID" 2>/dev/null || { cat "$T/interrupt.err"; die "virtbench exited early"; }
	sleep 0.2
done
sleep 2
vb_stop INT
rc=$VB_RC
echo "virtbench exit status after SIGINT: $rc"
cat "$T/interrupt.err"
[ "$rc" -ne 0 ] || die "an interrupted run exited 0"
left=$(run_containers "$VB_PID")
[ -z "$left" ] || { docker ps -a --filter "label=virtbench.pid=$VB_PID"; die "containers survived Ctrl-C"; }

# The same with SIGTERM, this time while the container is being opened.
vb_start interrupt2 run -o "$T/out2" "$T/long.cfg"
sleep 0.3
kill -TERM "$VB_PID"
wait "$VB_PID"
# One that `docker run` was still creating goes when its stdin from the
# engine closes (--rm): a busy daemon may take a moment, so up to 10 s.
none_left() { [ -z "$(run_containers "$VB_PID")" ]; }
within 10 none_left || die "containers survived SIGTERM during open (10 s)"
echo "PASS"
