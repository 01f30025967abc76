#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# qemu against a host that cannot give what it needs (issue 11 item 9):
# guest memory QEMU cannot allocate (QEMU's own error reaches the cell's
# error, not only logs/*.qemu.log; a request above the host's memory is
# refused before anything runs, tests/integration/cli.sh); no room for the VM's scratch disk (a
# clear error at once, not a paused VM and an agent timeout); a cached
# initramfs cut short (found by its checksum and built again).
. "$(dirname "$0")/qemu-lib.sh"

# A private cache (the initramfs is damaged on purpose) that still has
# the guest kernel the other qemu tests use.
shared=$XDG_CACHE_HOME
export XDG_CACHE_HOME="$T/cache"
mkdir -p "$XDG_CACHE_HOME/virtbench"
[ -d "$shared/virtbench/kernel" ] && ln -s "$shared/virtbench/kernel" "$XDG_CACHE_HOME/virtbench/kernel"

# 1. Guest memory QEMU cannot allocate: half the host's memory (the
#    engine refuses more than the host has before anything starts), with
#    the address space of the run limited to a quarter (ulimit -v).
total_g=$(awk '/^MemTotal:/ { printf "%d", $2 / 1048576 }' /proc/meminfo)
guest_g=$(( total_g / 2 > 2 ? total_g / 2 : 2 ))
cat > "$T/mem.cfg" <<CFG
name = "mem";
repetitions = 1;
backends = ( { plugin = "qemu"; accel = "tcg"; retries = 0; boot_path = "bzimage"; } );
configs = ( { name = "big"; cpus = 1; memory = "${guest_g}G"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
( ulimit -v $(( guest_g * 1048576 / 2 )) && exec "$VB" run -o "$T/m" "$T/mem.cfg" ) \
	>/dev/null 2>"$T/merr"; rc=$?
check "guest memory QEMU cannot allocate fails the cell (exit $rc: $(tail -1 "$T/merr"))" test "$rc" -eq 1
check "...and QEMU's own reason is the cell's error" \
	grep -q 'QEMU says ""qemu-system-x86_64: cannot set up guest memory' "$T/m/runs.csv"

# 2. A 40 MiB tmpfs as TMPDIR, for a disk of 16 MiB + 10 % + 64 MiB.
cat > "$T/disk.cfg" <<'CFG'
name = "disk";
repetitions = 1;
timeout = "600s";
backends = ( { plugin = "qemu"; accel = "tcg"; retries = 0; boot_timeout = "180s"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "fileio-rndrw"; total_size = "16M"; files = 4; time = "2s"; } );
CFG
mkdir -p "$T/small"
if unshare -m --propagation private true 2>/dev/null; then
	unshare -m --propagation private sh -c \
		'mount -t tmpfs -o size=40M vbtest "$1" && TMPDIR="$1" exec "$2" run -o "$3" "$4"' \
		_ "$T/small" "$VB" "$T/d" "$T/disk.cfg" >/dev/null 2>"$T/derr"; rc=$?
	check "no room for the scratch disk fails the cell (exit $rc: $(tail -1 "$T/derr"))" test "$rc" -eq 1
	check "...at once, saying so" grep -q "no room for the VM's scratch disk" "$T/d/runs.csv"
	check "...not by the agent's timeout" bash -c "! grep -q 'did not answer' '$T/d/runs.csv'"
else
	echo "skipped: scratch disk on a full filesystem (cannot make a mount namespace)"
fi

# 3. A run fills the cache; its initramfs is cut short; the next run sees
#    it, builds it again and boots.
cat > "$T/ok.cfg" <<'CFG'
name = "ok";
repetitions = 1;
backends = ( { plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 100; events = 10; } );
CFG
"$VB" run -o "$T/o1" "$T/ok.cfg" >/dev/null 2>"$T/o1err"; rc=$?
check "a first run fills the cache (exit $rc: $(tail -1 "$T/o1err"))" test "$rc" -eq 0
hash=$(fact initramfs "$T/o1/runs.csv")
img="$XDG_CACHE_HOME/virtbench/initramfs-$hash.cpio"
check "its initramfs is cached ($img)" test -s "$img"
size=$(stat -c %s "$img")
truncate -s $(( size / 2 )) "$img"
"$VB" run -o "$T/o2" "$T/ok.cfg" >/dev/null 2>"$T/o2err"; rc=$?
check "the run after the damage succeeds (exit $rc: $(tail -1 "$T/o2err"))" test "$rc" -eq 0
check "...having seen the damage" grep -q "cached initramfs .* is damaged (its size differs" "$T/o2err"
check "...and built it again, whole" test "$(stat -c %s "$img")" -eq "$size"
check "no qemu of ours left" no_qemu
finish
