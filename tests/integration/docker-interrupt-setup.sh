#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Issue 11, item 6: SIGTERM while a container is probed is no failure.
# The run stops with 130 and records nothing; the rerun does every
# repetition, and the report counts no failure.
. "${VIRTBENCH_SRCDIR:?run through make check}/tests/integration/docker-lib.sh"

start_engine
# The docker CLI the backend runs, through a wrapper that holds the
# probe's `docker exec` until this test lets it go: the signal lands
# while the container is being probed, whatever the machine's speed.
mkdir -p "$T/bin"
cat >"$T/bin/docker" <<SH
#!/bin/sh
case " \$* " in
*" exec "*" probe ") : >"$T/probing"; while [ -e "$T/hold" ]; do sleep 0.05; done ;;
esac
exec $(command -v docker) "\$@"
SH
chmod +x "$T/bin/docker"
: >"$T/hold"
cat >"$T/p.cfg" <<CFG
name = "probe-interrupt";
repetitions = 2;
backends = ( { plugin = "docker"; engine = "$T/bin/docker"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
vb_start probe run -o "$T/r" "$T/p.cfg"
for _ in $(seq 1 1200); do
	[ -e "$T/probing" ] && break
	kill -0 "$VB_PID" 2>/dev/null || break
	sleep 0.05
done
check "the container is being probed" test -e "$T/probing"
check "...not verified yet" test "$(rows "$T/r/verify.csv")" -eq 0
kill -TERM "$VB_PID"
wait "$VB_PID"; rc=$?
rm -f "$T/hold"
check "SIGTERM during the probe: exit 130 (got $rc: $(tail -2 "$T/probe.err"))" test "$rc" -eq 130
check "...no repetition recorded as failed" \
	test "$(rows "$T/r/runs.csv" '$12 == "failed"')" -eq 0
check "...no container of it left" test -z "$(run_containers "$VB_PID")"

vb_run resume run -o "$T/r" "$T/p.cfg" >/dev/null
check "resume: exit 0 (got $VB_RC)" test "$VB_RC" -eq 0
check "resume: both repetitions run, 0 failed" \
	grep -q "done: 2 repetitions run, 0 failed" "$T/resume.err"
check "runs.csv holds no failed row" test "$(rows "$T/r/runs.csv" '$12 == "failed"')" -eq 0
check "the report counts no failure" \
	bash -c "! grep -Eq 'Failed repetitions|[0-9]+ failed' '$T/r/report.md'"
finish
