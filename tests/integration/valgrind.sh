#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The engine under valgrind: no leak, no invalid access, for check, plugins
# and a whole small run with its analysis (the agent is not traced: it is
# a separate program, exercised by the unit suites under ASan).
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
[ -z "${VIRTBENCH_SAN_FLAGS:-}" ] || { echo "sanitizer build: valgrind does not apply"; exit 77; }

cat > "$T/v.cfg" <<'CFG'
name = "vg";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [100, 200]; events = 20; } );
CFG
vg() {
	"$VIRTBENCH_BUILDDIR/libtool" --mode=execute valgrind -q --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$VB" "$@"
}
vg check "$T/v.cfg" >/dev/null 2>"$T/e1"; rc=$?
check "check is valgrind-clean (rc $rc)" test "$rc" -eq 0
vg plugins >/dev/null 2>"$T/e2"; rc=$?
check "plugins is valgrind-clean (rc $rc)" test "$rc" -eq 0
vg run "$T/v.cfg" -o "$T/r" >/dev/null 2>"$T/e3"; rc=$?
check "run is valgrind-clean (rc $rc)" test "$rc" -eq 0
vg report "$T/r" >/dev/null 2>"$T/e4"; rc=$?
check "report is valgrind-clean (rc $rc)" test "$rc" -eq 0
printf 'x = ;\n' > "$T/bad.cfg"
vg check "$T/bad.cfg" >/dev/null 2>"$T/e5"; rc=$?
check "a bad file is valgrind-clean (rc $rc, want 2)" test "$rc" -eq 2
# The adaptive rule in interleaved rounds, noise excluded, its estimate,
# and compare of two directories.
cat > "$T/va.cfg" <<'CFG'
name = "vga";
repetitions = { min = 2; max = 3; precision = 0.000001; };
noise = "exclude";
baseline = "a";
backends = ( { plugin = "bare-metal"; name = "a"; }, { plugin = "bare-metal"; name = "b"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [100, 200]; events = 20; } );
CFG
vg run "$T/va.cfg" -o "$T/ra" >/dev/null 2>"$T/e6"; rc=$?
check "an adaptive interleaved run is valgrind-clean (rc $rc)" test "$rc" -eq 0
vg check "$T/va.cfg" -o "$T/ra" >/dev/null 2>"$T/e7"; rc=$?
check "its estimate is valgrind-clean (rc $rc)" test "$rc" -eq 0
vg compare "$T/r" "$T/ra" -o "$T/cmp" >/dev/null 2>"$T/e8"; rc=$?
check "compare of two experiments is valgrind-clean (rc $rc)" test "$rc" -eq 0
vg compare "$T/ra" "$T/ra" -o "$T/cmp2" -t "total_time <= 1" >/dev/null 2>"$T/e9"; rc=$?
check "compare with a threshold is valgrind-clean (rc $rc)" test "$rc" -eq 0
for f in "$T"/e?; do grep -q '==[0-9]*==' "$f" && { echo "--- $f"; head -60 "$f"; }; done
finish
