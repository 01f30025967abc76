#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fileio-rndrw end to end on the host through the CLI: a small matrix
# (8M and 32M, buffered and O_DIRECT, 2 threads), every metric present and
# plausible, no test file left behind; then configurations that must be
# refused with exit status 2.
. "$(dirname "$0")/lib.sh"

# The files go to a disk-backed directory (the build tree), not /tmp,
# which may be a tmpfs that refuses O_DIRECT.
W=$(mktemp -d "$VIRTBENCH_BUILDDIR/fileio-work.XXXXXX")
trap 'rm -rf "$T" "$W"' EXIT

cat > "$T/fileio.cfg" <<CFG
name = "fileio-it";
repetitions = 2;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "2cpu-1g"; cpus = 2; memory = "1G"; } );
workloads = ( { plugin = "fileio-rndrw"; total_size = ["8M", "32M"];
                direct = [false, true]; threads = 2; events = 1000;
                workdir = "$W"; } );
CFG

"$VB" run -o "$T/r" "$T/fileio.cfg" >/dev/null 2>"$T/err"; rc=$?
check "run exits 0 (got $rc: $(tail -3 "$T/err"))" test "$rc" -eq 0
csv="$T/r/runs.csv"
check "8 repetitions ok" \
	test "$(rows "$csv" '$9 == "total_time" && $12 == "ok"')" -eq 8
for m in total_time events reads_per_second writes_per_second \
	fsyncs_per_second read_mib_per_second written_mib_per_second \
	latency_min latency_avg latency_max latency_p95 host_time \
	page_cache_dropped; do
	check "$m in every repetition" test "$(rows "$csv" "\$9 == \"$m\"")" -eq 8
done
check "events exact (1000 read/write requests)" \
	test "$(rows "$csv" '$9 == "events" && $10 != 1000')" -eq 0
# reads/s and writes/s share one divisor: their ratio is 600/400.
ratio_bad=$(awk -F, 'NR > 1 && $9 == "reads_per_second" { r[$7 "/" $8] = $10 }
	NR > 1 && $9 == "writes_per_second" { w[$7 "/" $8] = $10 }
	END { n = 0; for (k in r) if (!(w[k] > 0) || r[k] / w[k] < 1.49 || r[k] / w[k] > 1.51) n++;
	      print n }' "$csv")
check "reads = 1.5 x writes in every repetition" test "$ratio_bad" -eq 0
check "MiB/s = requests/s x 16 KiB" test "$(awk -F, '
	NR > 1 && $9 == "reads_per_second" { r[$7 "/" $8] = $10 }
	NR > 1 && $9 == "read_mib_per_second" { m[$7 "/" $8] = $10 }
	END { n = 0; for (k in r) { d = r[k] / 64 - m[k]; if (d > 1e-6 || d < -1e-6) n++ } print n }' "$csv")" -eq 0
check "latencies ordered (min <= avg <= max)" test "$(awk -F, '
	NR > 1 && $9 == "latency_min" { a[$7 "/" $8] = $10 }
	NR > 1 && $9 == "latency_avg" { b[$7 "/" $8] = $10 }
	NR > 1 && $9 == "latency_max" { c[$7 "/" $8] = $10 }
	END { n = 0; for (k in a) if (!(a[k] > 0 && a[k] <= b[k] && b[k] <= c[k])) n++; print n }' "$csv")" -eq 0
check "fsyncs: 9 rounds x 128 + 128 at the end" \
	test "$(grep -c 'fsyncs=1280' "$csv")" -eq "$(rows "$csv" '$12 == "ok"')"
check "seed recorded" grep -q 'seed=1' "$csv"
check "page cache dropped (or recorded as not)" \
	test "$(rows "$csv" '$9 == "page_cache_dropped" && $10 != 1 && $10 != 0')" -eq 0
check "no test file left in the workdir" test -z "$(ls -A "$W")"
check "both sizes in the summary" \
	test "$(grep -c 'total_size=' "$T/r/summary.csv")" -gt 0

# Refused before anything runs: exit 2, the file and line, what to do.
bad small-total '{ plugin = "fileio-rndrw"; total_size = "1M"; workdir = "'"$W"'"; }' total_size
bad odd-block '{ plugin = "fileio-rndrw"; total_size = "8M"; block_size = 1000; direct = true; }' 512
bad no-limit '{ plugin = "fileio-rndrw"; total_size = "8M"; events = 0; }' events
bad bad-mode '{ plugin = "fileio-rndrw"; fsync_mode = "sync"; }' fsync_mode

# A run that fails inside the environment (workdir missing) fails its
# cells with exit 1 and a reason, and leaves nothing behind.
cat > "$T/nowork.cfg" <<CFG
name = "nowork";
repetitions = 1;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "fileio-rndrw"; total_size = "8M";
                workdir = "$W/missing"; } );
CFG
"$VB" run -o "$T/nw" "$T/nowork.cfg" >/dev/null 2>"$T/nw.err"; rc=$?
check "missing workdir: exit 1 (got $rc)" test "$rc" -eq 1
check "missing workdir: reason recorded" grep -q "missing" "$T/nw/runs.csv"
check "missing workdir: nothing created" test ! -e "$W/missing"

# A filesystem that refuses O_DIRECT (ramfs does; tmpfs has accepted it
# since Linux 6.6): the repetition fails with the reason and what to do,
# and no file is left on it. Needs root to mount; skipped otherwise.
R="$T/ramfs"
mkdir -p "$R"
if mount -t ramfs vbtest-ramfs "$R" 2>/dev/null; then
	trap 'umount "$R" 2>/dev/null; rm -rf "$T" "$W"' EXIT
	cat > "$T/nodirect.cfg" <<CFG
name = "nodirect";
repetitions = 1;
backends = ( { plugin = "bare-metal"; } );
configs = ( { name = "1cpu"; cpus = 1; memory = "256M"; } );
workloads = ( { plugin = "fileio-rndrw"; total_size = "8M"; direct = true;
                workdir = "$R"; } );
CFG
	"$VB" run -o "$T/nd" "$T/nodirect.cfg" >/dev/null 2>"$T/nd.err"; rc=$?
	check "O_DIRECT refused: exit 1 (got $rc)" test "$rc" -eq 1
	check "O_DIRECT refused: the reason is recorded" \
		grep -q "the filesystem rejects O_DIRECT" "$T/nd/runs.csv"
	check "O_DIRECT refused: ...with what to do" \
		grep -q "direct = false" "$T/nd/runs.csv"
	check "O_DIRECT refused: no file left on it" test -z "$(ls -A "$R")"
else
	echo "note: cannot mount a ramfs (not root?): O_DIRECT refusal not tested"
fi
finish
