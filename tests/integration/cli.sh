#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The CLI's commands, help and exit codes; the agent on its own.
. "$(dirname "$0")/lib.sh"

check_out "--version" '^virtbench ' "$VB" --version
for c in run check plugins probe plot report; do
	check_out "$c --help" "usage: virtbench $c" "$VB" $c --help
done
"$VB" frobnicate >/dev/null 2>&1; check "unknown command exits 2" test $? -eq 2
"$VB" run >/dev/null 2>&1; check "run without a file exits 2" test $? -eq 2

check_out "plugins lists bare-metal" bare-metal "$VB" plugins
check_out "plugins lists cpu-prime" cpu-prime "$VB" plugins
check_out "plugins NAME shows options" max_prime "$VB" plugins cpu-prime
"$VB" plugins nosuch >/dev/null 2>&1; check "unknown plugin exits 2" test $? -eq 2

cat > "$T/ok.cfg" <<'CFG'
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; }, { name = "b"; cpus = 2; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [100, 200, 300]; } );
CFG
check_out "check prints cells x repetitions" '6 cells x 5 repetitions = 30 runs' \
	"$VB" check "$T/ok.cfg"
check_out "check: events alone give no time bound" \
	'no bound from the limits: 6 of 6 cells stop on events alone' "$VB" check "$T/ok.cfg"

# Run time from the limits, then from an earlier run's pace (resume-aware).
cat > "$T/est.cfg" <<'CFG'
name = "est";
repetitions = 3;
warmup = 1;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; }, { name = "b"; cpus = 2; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [100, 200]; events = 0; time = "0.25s"; } );
CFG
"$VB" check "$T/est.cfg" -o "$T/est" >"$T/e1"; rc=$?
check "check with time limits exits 0 (got $rc)" test "$rc" -eq 0
check "...adds them up: 4 cells x 4 runs x 0.25 s" grep -q 'time limits add up to 0m04s' "$T/e1"
check "...and finds no earlier run" grep -q 'no earlier run of est' "$T/e1"
"$VB" run --no-report -o "$T/est" "$T/est.cfg" >/dev/null 2>&1
"$VB" check "$T/est.cfg" -o "$T/est" >"$T/e2"
check "after a run: all 12 recorded, none left" \
	grep -q '12 of 12 repetitions recorded; .* has 0 left' "$T/e2"
pace=$(sed -n 's/.*a whole run takes ~0m\([0-9]*\)s.*/\1/p' "$T/e2")
check "...at a pace of 4-30 s for 16 runs of 0.25 s (got '$pace')" \
	test "${pace:-0}" -ge 4 -a "${pace:-0}" -le 30
# Lose config b's third repetitions: a rerun has those two left.
awk -F, '!($3 == "b" && $8 == 3)' "$T/est/runs.csv" >"$T/runs" && mv "$T/runs" "$T/est/runs.csv"
"$VB" check "$T/est.cfg" -o "$T/est" >"$T/e3"
check "a partial run: 10 recorded, 2 left" \
	grep -q '10 of 12 repetitions recorded; .* has 2 left' "$T/e3"

cat > "$T/bad.cfg" <<'CFG'
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime";
                max_prim = 100; } );
CFG
"$VB" check "$T/bad.cfg" 2>"$T/err"; rc=$?
check "bad file exits 2" test "$rc" -eq 2
check "error has file:line" grep -q "bad.cfg:4" "$T/err"
check "error suggests the right name" grep -q "max_prime" "$T/err"
"$VB" run "$T/bad.cfg" -o "$T/never" 2>/dev/null; rc=$?
check "run of a bad file exits 2" test "$rc" -eq 2
check "...before anything runs" test ! -e "$T/never/runs.csv"

check_out "probe bare-metal exits 0 and shows the verdict" '^verdict' \
	"$VB" probe bare-metal --cpus 1 --memory 256M

# The agent alone speaks the protocol.
"$AGENT" probe >"$T/ap"; rc=$?
check "agent probe exits 0 (got $rc)" test "$rc" -eq 0
check "agent probe ends with done 0" test "$(tail -1 "$T/ap")" = "@vb1 done 0"
check_out "agent run reports metrics" '^@vb1 metric events_per_second ' \
	"$AGENT" run cpu-prime max_prime=100 events=10
"$AGENT" run cpu-prime nosuch=1 >"$T/a" 2>/dev/null; rc=$?
check "agent rejects an unknown option with 2" test "$rc" -eq 2
check "...and an error line" grep -q '^@vb1 error ' "$T/a"

# --- Hostile files and signals (issue 11, items 8 and 9) ---------------
# Each would block, run for minutes or quote a wrong number before.
limit() { timeout 60 "$@"; } # a hang is a failure, not a stuck make check
head3() { head -c 400 "$1"; }
mkfifo "$T/fifo.cfg"
limit "$VB" check "$T/fifo.cfg" 2>"$T/ff"; rc=$?
check "a FIFO as experiment file: exit 2, not blocked (got $rc)" test "$rc" -eq 2
check "...says it is not a regular file ($(head3 "$T/ff"))" grep -q "fifo.cfg: is not a regular file" "$T/ff"
{ printf '@include "fifo.cfg"\n'; cat "$T/ok.cfg"; } >"$T/incfifo.cfg"
limit "$VB" check "$T/incfifo.cfg" 2>"$T/fi"; rc=$?
check "a FIFO as @include: exit 2, not blocked (got $rc)" test "$rc" -eq 2
check "...with file:line ($(head3 "$T/fi"))" grep -q "incfifo.cfg:1: @include \"fifo.cfg\" ($T/fifo.cfg): is not a regular file" "$T/fi"
mkdir "$T/dir.cfg"
limit "$VB" check "$T/dir.cfg" 2>"$T/fd"; rc=$?
check "a directory as experiment file: exit 2 (got $rc)" test "$rc" -eq 2
check "...says it is a directory ($(head3 "$T/fd"))" grep -q "dir.cfg: is a directory" "$T/fd"
{ printf '@include "dir.cfg"\n'; cat "$T/ok.cfg"; } >"$T/incdir.cfg"
limit "$VB" check "$T/incdir.cfg" 2>"$T/fid"; rc=$?
check "a directory as @include: exit 2 with file:line ($(head3 "$T/fid"))" \
	grep -q "incdir.cfg:1: @include \"dir.cfg\" ($T/dir.cfg): is a directory" "$T/fid"
# A 50 MB string value: libconfig's scanner is quadratic there (hours).
{ printf 'name = "'; head -c 52428800 /dev/zero | tr '\0' a; printf '";\n'; cat "$T/ok.cfg"; } >"$T/huge.cfg"
limit "$VB" check "$T/huge.cfg" 2>"$T/fh"; rc=$?
check "a 50 MB value: exit 2 at once (got $rc)" test "$rc" -eq 2
check "...says the file is too big ($(head3 "$T/fh"))" grep -q "huge.cfg: is bigger than 1048576 bytes" "$T/fh"
rm -f "$T/huge.cfg"
# A 1000^3 matrix (check ran 530 s and ignored SIGTERM).
v=$(seq -s, 3 1002)
cat >"$T/cube.cfg" <<CFG
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [$v]; events = [$v]; threads = [$(seq -s, 1 1000)]; } );
CFG
limit "$VB" check "$T/cube.cfg" 2>"$T/fc"; rc=$?
check "a 1000^3 matrix: exit 2 at once (got $rc)" test "$rc" -eq 2
check "...names the limit ($(head3 "$T/fc"))" grep -q "cube.cfg:3: .*its axes make 1000000000 points, more than the 1000000" "$T/fc"
# SIGTERM while check validates a 1000^2 matrix: 130, promptly.
sed 's/threads = \[[0-9,]*\]; //' "$T/cube.cfg" >"$T/square.cfg"
"$VB" check "$T/square.cfg" >/dev/null 2>"$T/fs" & pid=$!
check "check has its signal handlers" wait_handlers "$pid"
kill -TERM "$pid"
( sleep 30; kill -KILL "$pid" 2>/dev/null ) & guard=$!
wait "$pid"; rc=$?
kill "$guard" 2>/dev/null
check "SIGTERM during check of a 1000^2 matrix: exit 130 (got $rc)" test "$rc" -eq 130
check "...says interrupted ($(head3 "$T/fs"))" grep -q "interrupted" "$T/fs"
# Beyond 100000 runs: check warns, run asks for --force.
check_out "check of 1000000 cells ok" "1000000 cells x 5 repetitions = 5000000 runs" "$VB" check "$T/square.cfg"
check "...warns that run needs --force" grep -q "5000000 runs is more than 100000; 'virtbench run' asks for --force" "$T/check_out.err"
"$VB" run "$T/square.cfg" -o "$T/sq" >/dev/null 2>"$T/fr"; rc=$?
check "run beyond 100000 runs: exit 2 (got $rc)" test "$rc" -eq 2
check "...asks for --force ($(head3 "$T/fr"))" grep -q "more than 100000: .*--force" "$T/fr"
check "...before anything ran" test ! -e "$T/sq/runs.csv"
# More memory than the host has: refused before anything starts (bare
# metal verified 64T as ok).
sed 's/"256M"/"64T"/' "$T/ok.cfg" >"$T/mem.cfg"
"$VB" run "$T/mem.cfg" -o "$T/mem" >/dev/null 2>"$T/fm"; rc=$?
check "64T of memory: exit 2 (got $rc)" test "$rc" -eq 2
check "...says the host has less ($(head3 "$T/fm"))" grep -q "mem.cfg:2: configs\[0\]: memory: 64T is more than this host's memory" "$T/fm"
check "...before anything ran" test ! -e "$T/mem/runs.csv"
"$VB" probe bare-metal --memory 64T >/dev/null 2>"$T/fp"; rc=$?
check "probe --memory 64T: exit 2 (got $rc)" test "$rc" -eq 2
check "...says the host has less ($(head3 "$T/fp"))" grep -q "more than this host's memory" "$T/fp"
# seed = -1 and a literal beyond 64 bits: the range, not another number.
sed '1i seed = -1;' "$T/ok.cfg" >"$T/seed.cfg"
"$VB" check "$T/seed.cfg" 2>"$T/fs1"; rc=$?
check "seed = -1: exit 2 with the range ($(head3 "$T/fs1"))" \
	grep -q "seed.cfg:1: seed: out of range: expected 0..9223372036854775807, got '-1'" "$T/fs1"
sed '1i repetitions = 99999999999999999999L;' "$T/ok.cfg" >"$T/big.cfg"
"$VB" check "$T/big.cfg" 2>"$T/fb"; rc=$?
check "a literal beyond 64 bits: exit 2 (got $rc)" test "$rc" -eq 2
check "...quoted as written ($(head3 "$T/fb"))" grep -q "big.cfg:1: integer 99999999999999999999L does not fit in 64 bits" "$T/fb"
check "...and no other number" bash -c "! grep -q 9223372036854775807\' '$T/fb'"
printf 'name = "x\\x01";\n' >"$T/ctl.cfg"; cat "$T/ok.cfg" >>"$T/ctl.cfg"
"$VB" check "$T/ctl.cfg" 2>"$T/fx"; rc=$?
check "a control character in a name: exit 2 with file:line ($(head3 "$T/fx"))" \
	grep -q 'ctl.cfg:1: control character \\x01 in a string' "$T/fx"
finish
