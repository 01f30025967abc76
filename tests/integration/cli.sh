#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The CLI's commands, help and exit codes; the agent on its own.
. "$(dirname "$0")/lib.sh"

check "--version" bash -c "'$VB' --version | grep -q '^virtbench '"
for c in run check plugins probe plot report; do
	check "$c --help" bash -c "'$VB' $c --help | grep -q 'usage: virtbench $c'"
done
"$VB" frobnicate >/dev/null 2>&1; check "unknown command exits 2" test $? -eq 2
"$VB" run >/dev/null 2>&1; check "run without a file exits 2" test $? -eq 2

check "plugins lists bare-metal" bash -c "'$VB' plugins | grep -q bare-metal"
check "plugins lists cpu-prime" bash -c "'$VB' plugins | grep -q cpu-prime"
check "plugins NAME shows options" bash -c "'$VB' plugins cpu-prime | grep -q max_prime"
"$VB" plugins nosuch >/dev/null 2>&1; check "unknown plugin exits 2" test $? -eq 2

cat > "$T/ok.cfg" <<'CFG'
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "a"; cpus = 1; memory = "256M"; }, { name = "b"; cpus = 2; memory = "256M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [100, 200, 300]; } );
CFG
out=$("$VB" check "$T/ok.cfg"); rc=$?
check "check valid file exits 0" test "$rc" -eq 0
check "check prints cells x repetitions" bash -c "echo '$out' | grep -q '6 cells x 5 repetitions = 30 runs'"
check "check: events alone give no time bound" \
	bash -c "echo '$out' | grep -q 'no bound from the limits: 6 of 6 cells stop on events alone'"

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

out=$("$VB" probe bare-metal --cpus 1 --memory 256M); rc=$?
check "probe bare-metal exits 0" test "$rc" -eq 0
check "probe shows the verdict" bash -c "echo '$out' | grep -q '^verdict'"

# The agent alone speaks the protocol.
check "agent probe ends with done 0" bash -c "'$AGENT' probe | tail -1 | grep -qx '@vb1 done 0'"
check "agent run reports metrics" bash -c "'$AGENT' run cpu-prime max_prime=100 events=10 | grep -q '^@vb1 metric events_per_second '"
"$AGENT" run cpu-prime nosuch=1 >"$T/a" 2>/dev/null; rc=$?
check "agent rejects an unknown option with 2" test "$rc" -eq 2
check "...and an error line" grep -q '^@vb1 error ' "$T/a"
finish
