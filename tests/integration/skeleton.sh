#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The skeleton plugins, loaded with --plugin-dir like a third party's:
# the skeleton backend runs the agent (its own workload and a built-in
# one), the engine verifies what it grants (CPUs by affinity: ok; memory
# not limited: warn), a hung request is killed at the timeout, and close()
# removes the scratch directories.
. "$(dirname "$0")/lib.sh"
# Plugins from files need a shared build (a static one has its own
# plugins built in, and no libvirtbench.so to load others against).
if [ ! -e "$VIRTBENCH_BUILDDIR/lib/.libs/libvirtbench.so" ]; then
	echo "SKIP: static build: no plugin modules to load"
	exit 77
fi

unset VIRTBENCH_PLUGIN_PATH
P="$T/plugins"
mkdir -p "$P" "$T/tmp"
for m in skeleton/.libs/skeleton-backend skeleton/.libs/skeleton-workload \
	tests/plugins/.libs/hang; do
	cp "$VIRTBENCH_BUILDDIR/$m.so" "$P/" || { echo "no $m.so"; exit 1; }
done
export TMPDIR="$T/tmp"

cat > "$T/skel.cfg" <<'CFG'
name = "skel";
repetitions = 2;
backends = ( { plugin = "skeleton-backend"; greeting = "hi there"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "skeleton-workload"; loops = [100000, 200000]; },
              { plugin = "cpu-prime"; max_prime = 500; events = 20; } );
CFG
"$VB" --plugin-dir "$P" run -o "$T/r" "$T/skel.cfg" >/dev/null 2>"$T/err"; rc=$?
check "skeleton run exits 0 (got $rc: $(tail -2 "$T/err"))" test "$rc" -eq 0
check "its own workload: 4 repetitions ok" \
	test "$(rows "$T/r/runs.csv" '$6 == "skeleton-workload" && $9 == "loops_per_second" && $12 == "ok"')" -eq 4
check "a built-in workload through it: 2 ok" \
	test "$(rows "$T/r/runs.csv" '$6 == "cpu-prime" && $9 == "events" && $12 == "ok"')" -eq 2
check "verified: one CPU observed, as pinned" test "$(rows "$T/r/verify.csv" '$4 == 1')" -eq 1
check "verified: memory not enforced, so warn, not ok" \
	test "$(rows "$T/r/verify.csv" '$8 == "no" && $9 == "warn"')" -eq 1
check "the backend's fact is recorded" grep -q 'greeting=hi there' "$T/r/runs.csv"
check "close() removed its scratch directories" test -z "$(ls "$T/tmp" | grep skeleton-)"

cat > "$T/hang.cfg" <<'CFG'
name = "hang";
repetitions = 1;
timeout = "2s";
backends = ( { plugin = "skeleton-backend"; retries = 0; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "hang"; } );
CFG
"$VB" --plugin-dir "$P" run -o "$T/h" "$T/hang.cfg" >/dev/null 2>"$T/herr"; rc=$?
check "a hung request fails the repetition (exit $rc)" test "$rc" -eq 1
check "...by its timeout" grep -q 'did not answer within 2 s' "$T/h/runs.csv"
check "...and its agent is gone" \
	bash -c "! pgrep -f 'virtbench-agen[t] --scratch $T/tmp' >/dev/null"
check "...and so is its scratch directory" test -z "$(ls "$T/tmp" | grep skeleton-)"
finish
