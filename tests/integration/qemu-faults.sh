#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# qemu faults: a hung guest request recovered by timeout (VM restarted,
# the cell goes on), a boot that times out (error quotes the console),
# and Ctrl-C in the middle of a run (no qemu process of ours remains).
. "$(dirname "$0")/qemu-lib.sh"

# 1. Hang: the hang workload never answers; the next workload of the same
#    cell still runs in a restarted VM.
cat > "$T/hang.cfg" <<'CFG'
name = "hang";
repetitions = 1;
timeout = "12s";
backends = ( { plugin = "qemu"; accel = "tcg"; retries = 0; boot_timeout = "180s"; } );
configs = ( { name = "1cpu-384m"; cpus = 1; memory = "384M"; } );
workloads = ( { plugin = "hang"; },
              { plugin = "cpu-prime"; max_prime = 1000; events = 50; } );
CFG
"$VB" run -o "$T/h" "$T/hang.cfg" >/dev/null 2>"$T/herr"; rc=$?
check "hang run exits 1 (got $rc: $(tail -2 "$T/herr"))" test "$rc" -eq 1
# By text, not column: a failed row's columns are the engine's business.
check "the hung repetition failed by timeout" \
	test "$(grep -c '^hang,qemu,1cpu-384m,[^,]*,[^,]*,hang,.*failed.*did not answer' "$T/h/runs.csv")" -eq 1
check "cpu-prime after it still ran" \
	test "$(rows "$T/h/runs.csv" '$6 == "cpu-prime" && $9 == "events" && $12 == "ok"')" -eq 1
check "the VM was booted again" \
	test "$(grep -c '^+ ' "$T/h/logs/qemu-1cpu-384m.qemu.log")" -ge 2
check "no qemu of ours left after the hang" no_qemu
# This run's initramfs (the cache is shared with the other qemu tests,
# which may add images of their own meanwhile).
h=$(fact initramfs "$T/h/verify.csv")
img="$XDG_CACHE_HOME/virtbench/initramfs-$h.cpio"
images=$(ls -l --time-style=+%s "$img" "$img.sum")

# 2. Boot timeout: a clear error that quotes the console. Forced: QEMU
# starts with its CPUs stopped (-S), so no guest is fast enough to make it.
cat > "$T/boot.cfg" <<'CFG'
name = "boot";
repetitions = 1;
backends = ( { plugin = "qemu"; accel = "tcg"; boot_timeout = "1s"; retries = 0;
               extra_args = [ "-S" ]; } );
configs = ( { name = "1cpu-384m"; cpus = 1; memory = "384M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 1000; events = 50; } );
CFG
"$VB" run -o "$T/b" "$T/boot.cfg" >/dev/null 2>"$T/berr"; rc=$?
check "boot timeout fails the cell (got $rc)" test "$rc" -eq 1
check "error says the agent did not start" grep -q "did not start within 1 s" "$T/berr"
check "error points at the console log" grep -q "console.log" "$T/berr"
check "no qemu of ours left after the boot timeout" no_qemu
check "the second run reused the cached images" \
	test -n "$h" -a "$images" = "$(ls -l --time-style=+%s "$img" "$img.sum")"

# 3. Ctrl-C while a VM is running a workload.
cat > "$T/long.cfg" <<'CFG'
name = "long";
repetitions = 20;
backends = ( { plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; } );
configs = ( { name = "1cpu-384m"; cpus = 1; memory = "384M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 20000; events = 2000; } );
CFG
"$VB" run -o "$T/l" "$T/long.cfg" >/dev/null 2>"$T/lerr" &
pid=$!
for _ in $(seq 1 600); do
	grep -q "starting agent" "$T/l/logs/"*.console.log 2>/dev/null && break
	sleep 0.1
done
sleep 1
check "a qemu of ours is running before Ctrl-C" our_qemu
kill -INT "$pid"
wait "$pid"; rc=$?
check "interrupted run exits non-zero (got $rc)" test "$rc" -ne 0
check "no qemu of ours left after Ctrl-C" no_qemu
check "no socket dir left" test -z "$(ls -d "$T"/vbq-* 2>/dev/null)"
finish
