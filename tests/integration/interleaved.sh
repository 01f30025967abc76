#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Interleaved rounds on the host: two bare-metal "backends" (a baseline
# and another) x two configs, so four environments. The journal's
# timestamps show every environment visited once per round, each round
# after the one before; every environment is opened once per round; an
# interrupted run resumes mid-round; sequential and shuffled stay as
# they were; the order is recorded.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/plugins"
cp "$VIRTBENCH_BUILDDIR/tests/plugins/.libs/spread.so" "$T/plugins/" 2>/dev/null ||
	{ echo "SKIP: no spread.so (static build)"; exit 77; }
export VIRTBENCH_PLUGIN_PATH="$VIRTBENCH_PLUGIN_PATH:$T/plugins"

# experiment NAME DIR ORDER-LINE HOLD_AT
experiment() {
	cat > "$T/$1.cfg" <<CFG
name = "$1";
repetitions = 3;
$3
baseline = "base";
backends = ( { plugin = "bare-metal"; name = "base"; },
             { plugin = "bare-metal"; name = "other"; } );
configs = ( { name = "c1"; cpus = 1; memory = "256M"; },
            { name = "c2"; cpus = 1; memory = "320M"; } );
workloads = ( { plugin = "spread"; dir = "$2"; spread = [0.01, 0.02]; hold_at = $4; } );
CFG
}

# visits RUNS.CSV: one line per visit, in time order: "REP BACKEND/CONFIG"
# for each run of repetitions of one environment in one round.
visits() {
	unquote "$1" | awk -F, 'NR > 1 && $9 == "value" { print $14, $8, $2 "/" $3 }' |
		sort | awk '{ v = $2 " " $3; if (v != last) print v; last = v }'
}

mkdir -p "$T/s1"
experiment il "$T/s1" "" 0
"$VB" run --no-report "$T/il.cfg" -o "$T/a" >/dev/null 2>"$T/a.err"; rc=$?
check "run exits 0 (got $rc)" test "$rc" -eq 0
check "the default with a baseline is interleaved" grep -q "interleaved order" "$T/a.err"
visits "$T/a/runs.csv" > "$T/a.visits"
check "12 visits: 4 environments x 3 rounds ($(wc -l < "$T/a.visits"))" \
	test "$(wc -l < "$T/a.visits")" -eq 12
check "no environment visited twice in a round" \
	test -z "$(sort "$T/a.visits" | uniq -d)"
check "rounds in order: every repetition k after all of k-1" \
	test "$(awk '{ print $1 }' "$T/a.visits" | tr '\n' ' ')" = "1 1 1 1 2 2 2 2 3 3 3 3 "
check "every environment in every round" \
	test "$(awk '{ print $2 }' "$T/a.visits" | sort | uniq -c | awk '$1 != 3' | wc -l)" -eq 0
check "the rounds are not all in one order (shuffled per round)" \
	test "$(awk '{ r[$1] = r[$1] " " $2 } END { for (k in r) print r[k] }' "$T/a.visits" | sort -u | wc -l)" -gt 1
check "verify.csv: each environment opened once per round (12)" \
	test "$(rows "$T/a/verify.csv")" -eq 12
check "every repetition says interleaved" \
	test "$(rows "$T/a/runs.csv" '$21 != "interleaved"')" -eq 0
check "environment.json records the order and that it was the default" \
	grep -q '"order": "interleaved"' "$T/a/environment.json"
grep -q '"order_default": true' "$T/a/environment.json" ||
	fail "environment.json: order_default"

# The same seed cuts the rounds the same way: a second run in a new
# directory visits in the same order.
mkdir -p "$T/s1b"
experiment il "$T/s1b" "" 0
"$VB" run --no-report "$T/il.cfg" -o "$T/a2" >/dev/null 2>&1
visits "$T/a2/runs.csv" > "$T/a2.visits"
check "the same seed, the same rounds" cmp -s "$T/a.visits" "$T/a2.visits"

# Interrupted in round 2: each visit runs 2 cells, so round 1 is runs
# 1-8 and the 11th run is the first of the second environment of round 2;
# it is held, then SIGINT. The resume opens only what round 2 has left,
# then round 3.
mkdir -p "$T/s2"
experiment ilr "$T/s2" "" 11
touch "$T/s2/hold"
setsid "$VB" run --no-report "$T/ilr.cfg" -o "$T/b" >/dev/null 2>"$T/b.err" &
pid=$!
for _ in $(seq 1 600); do [ -e "$T/s2/held" ] && break; sleep 0.05; done
check "the 11th run was held" test -e "$T/s2/held"
kill -INT "$pid"
wait "$pid"; rc=$?
check "interrupted run exits 130 (got $rc)" test "$rc" -eq 130
visits "$T/b/runs.csv" > "$T/b1.visits"
opened=$(rows "$T/b/verify.csv")
rm -f "$T/s2/hold"
"$VB" run --no-report "$T/ilr.cfg" -o "$T/b" >/dev/null 2>"$T/b2.err"; rc=$?
check "resumed run exits 0 (got $rc)" test "$rc" -eq 0
visits "$T/b/runs.csv" > "$T/b.visits"
check "after the resume: 12 visits, none twice in a round" \
	test "$(wc -l < "$T/b.visits")" -eq 12 -a -z "$(sort "$T/b.visits" | uniq -d)"
check "the resume went on mid-round: round 2's missing environments, then round 3" \
	test "$(awk '{ print $1 }' "$T/b.visits" | tr '\n' ' ')" = "1 1 1 1 2 2 2 2 3 3 3 3 "
# The interrupted run opened 4 + 2 environments; the resume what round 2
# still missed (3: the held one's and the two after it) and round 3 (4).
check "the interrupted run opened 6 environments ($opened)" test "$opened" -eq 6
check "the resume opened 7 ($(rows "$T/b/verify.csv") in all)" \
	test "$(( $(rows "$T/b/verify.csv") - opened ))" -eq 7
check "no repetition twice" \
	test -z "$(awk -F, 'NR > 1 && $9 == "value" { print $2, $3, $7, $8 }' "$T/b/runs.csv" | sort | uniq -d)"

# sequential stays: each environment once, its repetitions together.
mkdir -p "$T/s3"
experiment ils "$T/s3" 'order = "sequential";' 0
"$VB" run --no-report "$T/ils.cfg" -o "$T/c" >/dev/null 2>&1
check "sequential: each environment opened once" test "$(rows "$T/c/verify.csv")" -eq 4
check "sequential: each environment's repetitions together (4 blocks)" \
	test "$(unquote "$T/c/runs.csv" | awk -F, 'NR > 1 && $9 == "value" { print $14, $2 "/" $3 }' | sort |
		awk '{ if ($2 != last) n++; last = $2 } END { print n }')" -eq 4
check "sequential recorded" test "$(rows "$T/c/runs.csv" '$21 != "sequential"')" -eq 0
mkdir -p "$T/s4"
experiment ilh "$T/s4" 'order = "shuffled";' 0
"$VB" run --no-report "$T/ilh.cfg" -o "$T/d" >/dev/null 2>&1
check "shuffled: each environment opened once" test "$(rows "$T/d/verify.csv")" -eq 4
check "shuffled recorded" test "$(rows "$T/d/runs.csv" '$21 != "shuffled"')" -eq 0
check_out "check: opened once per round" "opened once per round, 3 rounds" \
	"$VB" check "$T/il.cfg"
finish
