#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# cpu-prime end to end on the host through the CLI: exact event counts,
# every metric, the known work per event; then refused configurations.
. "$(dirname "$0")/lib.sh"

cat > "$T/cpu.cfg" <<'CFG'
name = "cpu-it";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "2cpu"; cpus = 2; memory = "512M"; } );
workloads = ( { plugin = "cpu-prime"; max_prime = [1000, 2000];
                events = 300; threads = 2; },
              { plugin = "cpu-prime"; name = "timed"; max_prime = 500;
                events = 0; time = "300ms"; } );
CFG

"$VB" run -o "$T/r" "$T/cpu.cfg" >/dev/null 2>"$T/err"; rc=$?
check "run exits 0 (got $rc: $(tail -3 "$T/err"))" test "$rc" -eq 0
csv="$T/r/runs.csv"
check "6 repetitions ok" \
	test "$(rows "$csv" '$9 == "total_time" && $12 == "ok"')" -eq 6
for m in total_time events events_per_second latency_min latency_avg \
	latency_max latency_p95 latency_sum host_time; do
	check "$m in every repetition" test "$(rows "$csv" "\$9 == \"$m\"")" -eq 6
done
check "events exact (300)" test "$(rows "$csv" '$6 == "cpu-prime" && $9 == "events" && $10 != 300')" -eq 0
check "timed run lasted at least 0.3 s" \
	test "$(rows "$csv" '$6 == "timed" && $9 == "total_time" && $10 >= 0.3 && $10 < 5')" -eq 2
check "events/s = events / total_time" test "$(awk -F, '
	NR > 1 && $9 == "events" { e[$6 $7 "/" $8] = $10 }
	NR > 1 && $9 == "total_time" { t[$6 $7 "/" $8] = $10 }
	NR > 1 && $9 == "events_per_second" { s[$6 $7 "/" $8] = $10 }
	END { n = 0; for (k in s) { d = s[k] - e[k] / t[k]; if (d > 1e-6 * s[k] || d < -1e-6 * s[k]) n++ } print n }' "$csv")" -eq 0
# 167 primes in 3..999 and 302 in 3..1999: the same work sysbench does.
check "max_prime 1000 finds 167 primes per event" \
	test "$(rows "$csv" '$7 == "max_prime=1000" && $12 == "ok"')" -gt 0 -a \
	"$(grep 'max_prime=1000' "$csv" | grep -vc 'primes_per_event=167')" -eq 0
check "max_prime 2000 finds 302 primes per event" \
	test "$(grep 'max_prime=2000' "$csv" | grep -vc 'primes_per_event=302')" -eq 0

bad no-limit '{ plugin = "cpu-prime"; events = 0; }' events
bad tiny-prime '{ plugin = "cpu-prime"; max_prime = 2; }' max_prime
bad many-threads '{ plugin = "cpu-prime"; threads = 5000; }' threads
bad typo '{ plugin = "cpu-prime"; max_primes = 100; }' max_prime
finish
