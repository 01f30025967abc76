/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test-only: a workload built against the frozen ABI 1.0 header
 * (tests/plugins/abi-1.0/virtbench/plugin.h, as released), so its metric
 * table has 1.0's element size and its descriptor ends before 1.1's
 * fields. It must load and run under every 1.x engine. Do not change it
 * to a newer header: that is what it tests.
 */
#include <errno.h>
#include <stddef.h>

#include <virtbench/plugin.h>

#if VB_PLUGIN_ABI_MINOR != 0
#error "abi10.c must be built against the ABI 1.0 header"
#endif

struct abi10_opts {
	int64_t loops;
	int mode;
};

static const char *const abi10_modes[] = { "add", "xor", NULL };

static const struct vb_option abi10_options[] = {
	{ .name = "loops", .type = VB_OPT_INT,
	  .offset = offsetof(struct abi10_opts, loops), .def = "1000",
	  .min = 1, .max = 1e9, .help = "iterations" },
	{ .name = "mode", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct abi10_opts, mode), .def = "xor",
	  .choices = abi10_modes, .help = "what each iteration does" },
	{ .name = NULL },
};

/* Several entries, so a loader stepping with the wrong element size
 * reads garbage names from the second one on. */
static const struct vb_metric abi10_metrics[] = {
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER,
	  .help = "time of the loop" },
	{ .name = "loops_done", .unit = "", .better = VB_NEUTRAL,
	  .help = "iterations done" },
	{ .name = "loops_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER, .help = "iterations per second" },
	{ .name = NULL },
};

static int abi10_run(struct vb_ctx *ctx, const void *opts)
{
	const struct abi10_opts *o = opts;
	volatile uint64_t sink = 0;
	uint64_t t0 = vb_now_ns();
	double secs;

	for (int64_t i = 0; i < o->loops; i++)
		sink = o->mode ? sink ^ (uint64_t)i : sink + (uint64_t)i;
	secs = (double)(vb_now_ns() - t0) / 1e9;
	vb_report_metric(ctx, "total_time", secs);
	vb_report_metric(ctx, "loops_done", (double)o->loops);
	vb_report_metric(ctx, "loops_per_second",
			 secs > 0 ? (double)o->loops / secs : 0);
	return vb_report_fact(ctx, "mode", abi10_modes[o->mode]);
}

static const struct vb_workload_ops abi10_ops = {
	.size = sizeof(struct vb_workload_ops),
	.run = abi10_run,
};

static const struct vb_plugin_info abi10_info = {
	.abi_major = VB_PLUGIN_ABI_MAJOR,
	.abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "abi10",
	.version = "1.0.0",
	.summary = "test only: built against the ABI 1.0 header",
	.options = abi10_options,
	.options_size = sizeof(struct abi10_opts),
	.metrics = abi10_metrics,
	.ops = &abi10_ops,
};

VB_PLUGIN_DEFINE(abi10, &abi10_info)
