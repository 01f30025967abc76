#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The ABI's promises (plugin.h, "Versioning"), end to end: a plugin binary
# built against the 1.0 header loads and runs under 1.1; one claiming a
# newer minor is refused with both versions named; one whose option table
# writes outside its options block is refused, and `check` says why
# instead of crashing.
. "$(dirname "$0")/lib.sh"
# Plugins from files need a shared build (a static one has its own
# plugins built in, and no libvirtbench.so to load others against).
if [ ! -e "$VIRTBENCH_BUILDDIR/lib/.libs/libvirtbench.so" ]; then
	echo "SKIP: static build: no plugin modules to load"
	exit 77
fi

P="$T/plugins"
mkdir -p "$P"
for m in abi10 futureminor badoffset; do
	cp "$VIRTBENCH_BUILDDIR/tests/plugins/.libs/$m.so" "$P/" ||
		{ echo "no $m.so: build with make check"; exit 1; }
done

"$VB" --plugin-dir "$P" plugins abi10 > "$T/abi10" 2>"$T/abi10.err"; rc=$?
check "the 1.0 plugin loads (exit $rc)" test "$rc" -eq 0
check "...as ABI 1.0" grep -q '(workload plugin, ABI 1.0)' "$T/abi10"
check "...with its three metrics read right" \
	test "$(grep -cE '^  (total_time|loops_done|loops_per_second) ' "$T/abi10")" -eq 3
check "...and its enum option" grep -q 'mode .*\[add|xor\]' "$T/abi10"

cat > "$T/old.cfg" <<'CFG'
name = "old";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "abi10"; loops = [1000, 2000]; mode = "add"; } );
CFG
"$VB" --plugin-dir "$P" run -o "$T/old" "$T/old.cfg" >/dev/null 2>"$T/old.err"; rc=$?
check "the 1.0 plugin runs (exit $rc: $(tail -2 "$T/old.err"))" test "$rc" -eq 0
check "...4 repetitions ok" \
	test "$(rows "$T/old/runs.csv" '$9 == "loops_done" && $12 == "ok"')" -eq 4
check "...its options reached it" \
	test "$(rows "$T/old/runs.csv" '$9 == "loops_done" && $10 == 2000')" -eq 2
check "...and its fact" grep -q 'mode=add' "$T/old/runs.csv"
# No flags in a 1.0 table: environment.json records none, and the
# analysis picks the charts as before 1.1.
check "environment.json: no primary flag for a 1.0 plugin" \
	bash -c "! tr -d ' \n' < '$T/old/environment.json' | grep -q '\"loops_done\",\"primary\"'"
"$VB" report "$T/old" >/dev/null 2>&1
check "report of the 1.0 plugin's results" test -s "$T/old/report.md"

"$VB" --plugin-dir "$P" plugins >/dev/null 2>"$T/list.err"
check "a plugin for ABI 1.2 is refused, both versions named" \
	grep -q 'futureminor.so refused: built for plugin ABI 1.2, but this virtbench has ABI 1.1' "$T/list.err"

cat > "$T/bo.cfg" <<'CFG'
name = "bo";
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "badoffset"; far = 3; } );
CFG
"$VB" --plugin-dir "$P" check "$T/bo.cfg" >/dev/null 2>"$T/bo.err"; rc=$?
check "check with an option past options_size: exit 2, no crash (got $rc)" test "$rc" -eq 2
check "...the plugin is refused naming the option" \
	grep -q "badoffset.so refused: option 'far': offset 4096 + 8 bytes is past options_size 8" "$T/bo.err"
finish
