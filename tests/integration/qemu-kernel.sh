#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Which guest kernel the qemu backend boots: kernel = "auto" takes the one
# virtbench-build-kernel made when it is in the cache (scripts/run-tests
# builds it into this build tree's test cache), "host" the Debian kernel
# with its modules (PVH, and the bzImage fallback path), "virtbench" with
# none built is a clear error.
. "$(dirname "$0")/qemu-lib.sh"

# 1. kernel = "virtbench" with nothing built: a clear error, no QEMU.
XDG_CACHE_HOME="$T/empty" "$VB" probe --cpus 1 --memory 256M qemu \
	accel=tcg kernel=virtbench >"$T/nk" 2>&1; rc=$?
check "kernel=virtbench without a built kernel fails (got $rc)" test "$rc" -ne 0
check "...saying how to build it" grep -q "virtbench-build-kernel" "$T/nk"

# 2. The Debian kernel: modules for the scratch disk, PVH and bzImage.
cat > "$T/host.cfg" <<'CFG'
name = "host-kernel";
repetitions = 1;
timeout = "120s";
backends = ( { plugin = "qemu"; accel = "tcg"; kernel = "host"; } );
configs = ( { name = "1cpu-256m"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = 2000; events = 100; },
              { plugin = "fileio-rndrw"; files = 2; total_size = "2M"; block_size = "4K";
                events = 100; } );
CFG
"$VB" run --no-report -o "$T/h" "$T/host.cfg" >/dev/null 2>"$T/herr"; rc=$?
check "Debian kernel run exits 0 (got $rc: $(tail -2 "$T/herr"))" test "$rc" -eq 0
check "kernel=host boots /boot/vmlinuz-*" grep -q 'kernel=/boot/vmlinuz-' "$T/h/verify.csv"
check "...through PVH" grep -q 'boot_path=pvh' "$T/h/verify.csv"
con="$T/h/logs/qemu-1cpu-256m.console.log"
check "...with the scratch disk mounted from the modules" \
	bash -c "grep -q 'starting agent' '$con' && ! grep -q 'insmod.*failed\|cannot mount' '$con'"
check "...and fileio-rndrw ran on it" grep -q 'workdir_fs=ext4' "$T/h/runs.csv"
"$VB" probe --cpus 1 --memory 256M qemu accel=tcg kernel=host \
	boot_path=bzimage >"$T/bz" 2>&1; rc=$?
check "the bzImage path boots (got $rc: $(tail -2 "$T/bz"))" test "$rc" -eq 0
check "...and says so" grep -q 'boot_path=bzimage' "$T/bz"

# 3. The virtbench kernel, when built: auto takes it.
own="$XDG_CACHE_HOME/virtbench/kernel/current/bzImage"
if [ -r "$own" ]; then
	"$VB" probe --cpus 2 --memory 256M qemu accel=tcg >"$T/own" 2>&1; rc=$?
	check "auto boots the virtbench kernel (got $rc: $(tail -2 "$T/own"))" test "$rc" -eq 0
	check "...which is the cached build" grep -q "kernel=$(readlink -f "$own");" "$T/own"
	check "...running as the guest's kernel" grep -q '^kernel .*-virtbench' "$T/own"
	check "...with both vCPUs seen" grep -q 'verdict *ok' "$T/own"
	check "...through PVH" grep -q 'boot_path=pvh' "$T/own"
else
	echo "note: no virtbench guest kernel in $XDG_CACHE_HOME; run $VIRTBENCH_SRCDIR/guest/build-kernel with XDG_CACHE_HOME=$XDG_CACHE_HOME to test it"
fi
check "no qemu of ours left" no_qemu
finish
