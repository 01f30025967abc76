#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# exec in the micro-VM: the real sysbench carried with `files` into the
# initramfs and run beside cpu-prime in the same VM; a hanging command
# (first in the cell) hits its timeout each time, the VM is restarted and
# the repetitions after it run.
. "$(dirname "$0")/qemu-lib.sh"
command -v sysbench >/dev/null || { echo "SKIP: no sysbench"; exit 77; }

cat > "$T/vm.cfg" <<CFG
name = "vm-exec";
repetitions = 2;
timeout = "120s";
backends = ( { plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; retries = 0; } );
configs = ( { name = "1cpu-512m"; cpus = 1; memory = "512M"; } );
workloads = (
  { plugin = "exec"; name = "hang"; timeout = "2s"; command = ["sleep", "600"]; },
  { plugin = "cpu-prime"; max_prime = 2000; events = 100; },
  { plugin = "exec"; name = "sysbench"; files = ["$(command -v sysbench)"];
    command = ["sysbench", "cpu", "--cpu-max-prime=2000", "--events=100", "--time=0", "run"];
    metrics = ( { name = "events_per_second"; unit = "1/s"; better = "higher";
                  regex = "events per second: *([0-9.]+)"; } ); }
);
CFG

"$VB" run -o "$T/r" "$T/vm.cfg" >/dev/null 2>"$T/err"; rc=$?
check "run exits 1: the hung repetitions (got $rc: $(tail -3 "$T/err"))" test "$rc" -eq 1
csv="$T/r/runs.csv"
check "sysbench ran in the VM, events_per_second parsed" \
	test "$(rows "$csv" '$6 == "sysbench" && $9 == "events_per_second" && $10 > 0 && $12 == "ok"')" -eq 2
ratio=$(best_ratio "$csv" sysbench cpu-prime)
check "sysbench/cpu-prime events/s in the VM within 0.25..4 (got ${ratio:-none})" \
	awk -v r="${ratio:-0}" 'BEGIN { exit !(r > 0.25 && r < 4) }'
check "hang: both repetitions failed by their timeout" \
	test "$(grep -c 'did not end within 2s (timeout)' "$csv")" -eq 2
check "...and the VM was booted again after each" \
	test "$(grep -c '^+ ' "$T/r/logs/qemu-1cpu-512m.qemu.log")" -ge 3
check "cpu-prime after them ran" \
	test "$(rows "$csv" '$6 == "cpu-prime" && $9 == "events" && $12 == "ok"')" -eq 2
check "no qemu of ours left" no_qemu
finish
