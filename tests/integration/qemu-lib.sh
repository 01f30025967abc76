# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the qemu integration tests (sourced). Real QEMU under TCG.
. "$(dirname "$0")/lib.sh"
skip_heavy
need_cmd qemu-system-x86_64
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "SKIP: no /boot/vmlinuz-*"; exit 77; }
# The VMs' sockets and disks go under $T, so "$T" on a qemu command line
# marks the processes of this test and nobody else's.
export TMPDIR="$T"
# Kernel and initramfs are cached across the qemu tests of one build.
export XDG_CACHE_HOME="$VIRTBENCH_BUILDDIR/tests/cache"
mkdir -p "$XDG_CACHE_HOME"
# The hang workload is a test module.
export VIRTBENCH_PLUGIN_PATH="$VIRTBENCH_PLUGIN_PATH:$VIRTBENCH_BUILDDIR/tests/plugins/.libs"
# "[q]" so the pattern does not match a shell that carries it.
our_qemu() { pgrep -f "[q]emu-system.*$T" >/dev/null; }
no_qemu() { ! our_qemu; }
trap 'pkill -KILL -f "[q]emu-system.*$T" 2>/dev/null; rm -rf "$T"' EXIT
# field NAME FILE: value of a facts key (k=v;k=v) in the first data row
fact() { sed -n 2p "$2" | tr ',;' '\n\n' | sed -n "s/^$1=//p" | head -1; }
