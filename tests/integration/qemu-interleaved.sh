#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Interleaved rounds with a real VM: qemu and its bare-metal baseline, two
# cells each, three rounds. The VM boots once per round (three times), not
# once per repetition (six); every round visits both environments once;
# and the VM's noise sample is taken on the host from the QEMU process
# (the engine's child) with the guest's own steal beside it.
. "$(dirname "$0")/qemu-lib.sh"

cat > "$T/vi.cfg" <<'CFG'
name = "vi";
repetitions = 3;
timeout = "120s";
backends = ( { plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; },
             { plugin = "bare-metal"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [500, 1000]; events = 50; } );
CFG

"$VB" run --no-report -o "$T/r" "$T/vi.cfg" >/dev/null 2>"$T/err"; rc=$?
check "run exits 0 (got $rc: $(tail -3 "$T/err"))" test "$rc" -eq 0
check "interleaved by default (bare-metal is the baseline)" grep -q "interleaved order" "$T/err"
check "12 repetitions ok" \
	test "$(rows "$T/r/runs.csv" '$9 == "host_time" && $12 == "ok"')" -eq 12
check "the VM was opened once per round: 3 times for its 6 repetitions" \
	test "$(rows "$T/r/verify.csv" '$1 == "qemu"')" -eq 3
check "...each a boot of its own" \
	test "$(grep -c 'boot_seconds=' "$T/r/verify.csv")" -eq 3
visits=$(unquote "$T/r/runs.csv" | awk -F, 'NR > 1 && $9 == "host_time" { print $14, $8, $2 }' |
	sort | awk '{ v = $2 " " $3; if (v != last) print v; last = v }')
check "every round visits both environments once, rounds in order ($(echo $visits))" \
	test "$(echo "$visits" | awk '{ print $1 }' | tr '\n' ' ')" = "1 1 2 2 3 3 "
check "the VM's CPU time is the QEMU process's, seen from the host" \
	test "$(rows "$T/r/runs.csv" '$1 == "vi" && $2 == "qemu" && $28 != "process"')" -eq 0
check "the guest's own steal is recorded" \
	test "$(rows "$T/r/runs.csv" '$2 == "qemu" && $35 == ""')" -eq 0
check "bare metal's is not (it is no guest)" \
	test "$(rows "$T/r/runs.csv" '$2 == "bare-metal" && $35 != ""')" -eq 0
check "no qemu of ours left" no_qemu
finish
