#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A third party's view (DESIGN §3): with only what `make install` puts in
# place (into DESTDIR here) for the SDK -- the header, libvirtbench, the
# pkg-config file, the man page and the documentation with the skeletons
# -- build both skeleton plugins out of tree with pkg-config, then load
# and run them with --plugin-dir.
. "$(dirname "$0")/lib.sh"

B=$VIRTBENCH_BUILDDIR
if [ ! -e "$B/lib/.libs/libvirtbench.so" ]; then
	echo "SKIP: a static build installs no libvirtbench.so to build against"
	exit 77
fi
D="$T/root"
# A make of its own, not the jobs of the make running this test. The SDK's
# install targets only: a whole `make install` relinks the plugins, and
# libtool moves each .libs/NAME.so aside while it does, under the other
# tests running in parallel.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$B" DESTDIR="$D" \
	install-libLTLIBRARIES install-pkgincludeHEADERS install-pkgconfigDATA \
	install-dist_docDATA install-man1 \
	>"$T/install.log" 2>&1 || { tail -20 "$T/install.log"; exit 1; }
check "installing the SDK relinked nothing in the build tree" \
	bash -c "! grep -q relink '$T/install.log'"
prefix=$(sed -n 's/^prefix=//p' "$B/virtbench-plugin.pc")
pc=$(find "$D" -name virtbench-plugin.pc | head -1)
check "the pkg-config file is installed" test -n "$pc"
check "the header is installed as it is" \
	cmp -s "$D$prefix/include/virtbench/plugin.h" "$VIRTBENCH_SRCDIR/include/virtbench/plugin.h"
check "it is the only header installed" \
	test "$(find "$D$prefix/include" -type f | wc -l)" -eq 1
doc="$D$prefix/share/doc/virtbench"
for f in plugins.md agent-protocol.md skeleton-backend.c skeleton-workload.c Makefile.example; do
	check "installed: share/doc/virtbench/$f" test -s "$doc/$f"
done
man=$(find "$D" -name virtbench.1 | head -1)
check "the man page points at the installed documentation" \
	grep -q 'share/doc/virtbench' "$man"

# Only the DESTDIR copy: its .pc, under the sysroot.
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_LIBDIR="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$D"
cflags=$(echo $(pkg-config --cflags virtbench-plugin))
libs=$(echo $(pkg-config --libs virtbench-plugin))
check "pkg-config gives the installed include dir ($cflags)" \
	test "$cflags" = "-I$D$prefix/include"
check "pkg-config gives the installed library ($libs)" \
	bash -c "echo '$libs' | grep -q -- '-L$D.* -lvirtbench'"

O="$T/out"
mkdir -p "$O"
cp "$doc/skeleton-backend.c" "$doc/skeleton-workload.c" "$doc/Makefile.example" "$O/"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$O" -f Makefile.example \
	CFLAGS="-O2 -Wall -Wextra -Werror -Wno-unused-parameter" >"$T/build.log" 2>&1
rc=$?
check "both skeletons build out of tree (exit $rc: $(tail -3 "$T/build.log"))" \
	test "$rc" -eq 0 -a -e "$O/skeleton-backend.so" -a -e "$O/skeleton-workload.so"

unset VIRTBENCH_PLUGIN_PATH PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
"$VB" --plugin-dir "$O" plugins >"$T/list" 2>"$T/list.err"
check "virtbench loads the backend built out of tree" \
	grep -q "^ *$O/skeleton-backend.so" "$T/list"
check "...and the workload" grep -q "^ *$O/skeleton-workload.so" "$T/list"
check "...refusing nothing ($(head -2 "$T/list.err"))" test ! -s "$T/list.err"
mkdir -p "$T/tmp"
cat > "$T/oot.cfg" <<'CFG'
name = "oot";
repetitions = 2;
backends = ( { plugin = "skeleton-backend"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "skeleton-workload"; loops = 100000; } );
CFG
TMPDIR="$T/tmp" "$VB" --plugin-dir "$O" run -o "$T/r" "$T/oot.cfg" >/dev/null 2>"$T/err"
rc=$?
check "they run (exit $rc: $(tail -2 "$T/err"))" test "$rc" -eq 0
check "...2 repetitions ok" \
	test "$(rows "$T/r/runs.csv" '$9 == "loops_per_second" && $12 == "ok"')" -eq 2
finish
