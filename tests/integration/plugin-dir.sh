#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --plugin-dir DIR with an out-of-tree workload built here (DESIGN §3):
# the built-in plugins still load, a same-named plugin in DIR wins and
# `virtbench plugins` says which file, and a workload that exists only in
# DIR runs on bare-metal, docker and qemu (the engine hands the agent its
# workload path the same way on each). Its bytes_per_second, flagged
# primary, is what gets charted.
. "$(dirname "$0")/lib.sh"
# Plugins from files need a shared build (a static one has its own
# plugins built in, and no libvirtbench.so to load others against).
if [ ! -e "$VIRTBENCH_BUILDDIR/lib/.libs/libvirtbench.so" ]; then
	echo "SKIP: static build: no plugin modules to load"
	exit 77
fi

# Only --plugin-dir: the test environment's path must not help.
unset VIRTBENCH_PLUGIN_PATH
D="$T/my plugins"
mkdir -p "$D"
cat > "$T/memcpy-bw.c" <<'C'
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <virtbench/plugin.h>

struct mb_opts { int64_t bytes; };
static const struct vb_option mb_options[] = {
	{ .name = "bytes", .type = VB_OPT_SIZE, .offset = 0, .def = "16M",
	  .min = 4096, .max = 1e10, .help = "bytes copied" },
	{ .name = NULL },
};
static const struct vb_metric mb_metrics[] = {
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER },
	{ .name = "bytes_per_second", .unit = "B/s",
	  .better = VB_HIGHER_IS_BETTER, .flags = VB_METRIC_PRIMARY },
	{ .name = NULL },
};
static int mb_run(struct vb_ctx *ctx, const void *opts)
{
	const struct mb_opts *o = opts;
	char *a = malloc((size_t)o->bytes), *b = malloc((size_t)o->bytes);
	uint64_t t0;
	double s;

	if (!a || !b)
		return VB_ERROR(ctx, -12, "out of memory");
	memset(a, 1, (size_t)o->bytes);
	t0 = vb_now_ns();
	memcpy(b, a, (size_t)o->bytes);
	s = (double)(vb_now_ns() - t0) / 1e9 + 1e-9;
	vb_report_metric(ctx, "total_time", s);
	vb_report_metric(ctx, "bytes_per_second", (double)o->bytes / s + b[7]);
	free(a);
	free(b);
	return 0;
}
static const struct vb_workload_ops mb_ops = { .size = sizeof(mb_ops), .run = mb_run };
static const struct vb_plugin_info mb_info = {
	VB_PLUGIN_ABI, .kind = VB_PLUGIN_WORKLOAD, .name = "memcpy-bw",
	.version = "0.1", .summary = "memcpy bandwidth (out of tree)",
	.options = mb_options, .options_size = sizeof(struct mb_opts),
	.metrics = mb_metrics, .ops = &mb_ops,
};
VB_PLUGIN_DEFINE(memcpy_bw, &mb_info)
C
cc -shared -fPIC -Wall -Werror -I"$VIRTBENCH_SRCDIR/include" -o "$D/memcpy-bw.so" \
	"$T/memcpy-bw.c" -L"$VIRTBENCH_BUILDDIR/lib/.libs" -lvirtbench ||
	{ echo "cannot build the out-of-tree workload"; exit 1; }
# A plugin of a built-in's name in DIR: it must win.
cp "$VIRTBENCH_BUILDDIR/plugins/workloads/.libs/cpu-prime.so" "$D/cpu-prime.so"

"$VB" --plugin-dir "$D" plugins > "$T/list" 2>"$T/list.err"
check "plugins: the built-in backends still load" grep -q '^  bare-metal ' "$T/list"
check "plugins: the built-in fileio-rndrw still loads" grep -q '^  fileio-rndrw ' "$T/list"
check "plugins: the DIR workload is listed" grep -q '^  memcpy-bw ' "$T/list"
check "plugins: cpu-prime is the one in DIR, over the built-in" \
	grep -q "^ *$D/cpu-prime.so, over .*plugins/workloads/.libs/cpu-prime.so" "$T/list"
"$VB" --plugin-dir "$D" plugins cpu-prime > "$T/one" 2>&1
check "plugins NAME: says the file and the one not loaded" \
	bash -c "grep -q 'file: $D/cpu-prime.so' '$T/one' && grep -q 'not loaded: .*workloads/.libs/cpu-prime.so' '$T/one'"
"$VB" --plugin-dir "$D" plugins memcpy-bw > "$T/mb" 2>&1
check "plugins NAME: shows the primary flag" grep -q 'bytes_per_second .*\[primary\]' "$T/mb"

# run WORKLOAD-LINE BACKEND-LINE NAME: an experiment with the DIR workload
run_with() {
	cat > "$T/$3.cfg" <<CFG
name = "$3";
repetitions = 2;
backends = ( $2 );
configs = ( { name = "1cpu"; cpus = 1; memory = "384M"; } );
workloads = ( $1 );
CFG
	"$VB" --plugin-dir "$D" run -o "$T/$3" "$T/$3.cfg" >/dev/null 2>"$T/$3.err"
}

run_with '{ plugin = "memcpy-bw"; bytes = "4M"; }' '{ plugin = "bare-metal"; }' bm; rc=$?
check "bare-metal: the DIR-only workload runs (exit $rc: $(tail -2 "$T/bm.err"))" test "$rc" -eq 0
check "bare-metal: both repetitions ok" \
	test "$(rows "$T/bm/runs.csv" '$9 == "bytes_per_second" && $12 == "ok"')" -eq 2
# Keys are sorted: better, name, primary, unit.
tr -d ' \n' < "$T/bm/environment.json" > "$T/env.flat"
check "environment.json records bytes_per_second as primary" \
	grep -q '"name":"bytes_per_second","primary":true' "$T/env.flat"
check "...and total_time as not" grep -q '"name":"total_time","primary":false' "$T/env.flat"
if command -v gnuplot >/dev/null; then
	"$VB" plot "$T/bm" >/dev/null 2>&1
	check "bytes_per_second is charted" bash -c "ls '$T/bm/plots/' | grep -q 'memcpy-bw-bytes_per_second'"
	check "total_time, not flagged, is not" bash -c "! ls '$T/bm/plots/' | grep -q 'memcpy-bw-total_time'"
fi

if [ "${VIRTBENCH_SKIP_HEAVY:-}" != 1 ] && command -v docker >/dev/null; then
	# As docker-lib.sh: one docker test at a time.
	exec 9>"${TMPDIR:-/tmp}/virtbench-docker-tests.lock"
	flock 9
fi
if [ "${VIRTBENCH_SKIP_HEAVY:-}" != 1 ] && command -v docker >/dev/null &&
	"$VIRTBENCH_SRCDIR/scripts/ensure-dockerd" "$T/dockerd.pid" >/dev/null 2>&1; then
	export XDG_CACHE_HOME="$T/cache"
	run_with '{ plugin = "memcpy-bw"; bytes = "4M"; }' '{ plugin = "docker"; }' dk; rc=$?
	check "docker: the DIR-only workload runs (exit $rc: $(tail -2 "$T/dk.err"))" test "$rc" -eq 0
	check "docker: both repetitions ok" \
		test "$(rows "$T/dk/runs.csv" '$9 == "bytes_per_second" && $12 == "ok"')" -eq 2
	"$VIRTBENCH_SRCDIR/scripts/stop-dockerd" "$T/dockerd.pid" >/dev/null 2>&1
else
	echo "skipped: docker (VIRTBENCH_SKIP_HEAVY=1 or no engine)"
fi

if [ "${VIRTBENCH_SKIP_HEAVY:-}" != 1 ] && command -v qemu-system-x86_64 >/dev/null &&
	ls /boot/vmlinuz-* >/dev/null 2>&1; then
	export XDG_CACHE_HOME="$VIRTBENCH_BUILDDIR/tests/cache" TMPDIR="$T"
	mkdir -p "$XDG_CACHE_HOME"
	run_with '{ plugin = "memcpy-bw"; bytes = "4M"; }' \
		'{ plugin = "qemu"; accel = "tcg"; boot_timeout = "180s"; }' vm; rc=$?
	check "qemu: the DIR-only workload runs (exit $rc: $(tail -2 "$T/vm.err"))" test "$rc" -eq 0
	check "qemu: both repetitions ok" \
		test "$(rows "$T/vm/runs.csv" '$9 == "bytes_per_second" && $12 == "ok"')" -eq 2
else
	echo "skipped: qemu (VIRTBENCH_SKIP_HEAVY=1 or no qemu/kernel)"
fi
finish
