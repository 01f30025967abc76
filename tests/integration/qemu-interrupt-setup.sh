#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Issue 11, item 6: SIGINT while a VM boots is no failure. The run stops
# with 130 and records nothing; the rerun does every repetition, and the
# report counts no failure (it used to say "2 failed" forever).
. "$(dirname "$0")/qemu-lib.sh"

cat > "$T/boot.cfg" <<'CFG'
name = "boot-interrupt";
repetitions = 2;
backends = ( { plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; } );
configs = ( { name = "1cpu-384m"; cpus = 1; memory = "384M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
"$VB" run -o "$T/r" "$T/boot.cfg" >/dev/null 2>"$T/e1" &
pid=$!
# Our VM (its command line holds $T), frozen so the boot cannot finish
# before the signal lands: no timing involved.
qp=
for _ in $(seq 1 2400); do
	qp=$(pgrep -f "[q]emu-system.*$T" | head -1) && [ -n "$qp" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
check "a VM of ours is booting" test -n "$qp"
[ -n "$qp" ] && kill -STOP "$qp"
check "...not verified yet, so the run is in its setup" \
	test "$(rows "$T/r/verify.csv")" -eq 0
kill -INT "$pid"
wait "$pid"; rc=$?
[ -n "$qp" ] && kill -CONT "$qp" 2>/dev/null
check "SIGINT during the boot: exit 130 (got $rc: $(tail -2 "$T/e1"))" test "$rc" -eq 130
check "...no repetition recorded as failed" \
	test "$(rows "$T/r/runs.csv" '$12 == "failed"')" -eq 0
check "...no qemu of ours left" no_qemu

"$VB" run -o "$T/r" "$T/boot.cfg" >/dev/null 2>"$T/e2"; rc=$?
check "resume: exit 0 (got $rc: $(tail -2 "$T/e2"))" test "$rc" -eq 0
check "resume: both repetitions run, 0 failed" \
	grep -q "done: 2 repetitions run, 0 failed" "$T/e2"
check "runs.csv holds no failed row" test "$(rows "$T/r/runs.csv" '$12 == "failed"')" -eq 0
check "the report counts no failure" \
	bash -c "! grep -Eq 'Failed repetitions|[0-9]+ failed' '$T/r/report.md'"
finish
