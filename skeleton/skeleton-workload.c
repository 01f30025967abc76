/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * skeleton-workload: a complete, minimal workload plugin to copy from.
 * It spins a counter `loops` times and reports how long that took.
 *
 * Build out of tree with only the installed header:
 *   cc -shared -fPIC -o skeleton-workload.so skeleton-workload.c \
 *      $(pkg-config --cflags --libs virtbench-plugin)
 * and load it by putting the .so in a directory on --plugin-dir or
 * VIRTBENCH_PLUGIN_PATH. The file name must equal the plugin's name.
 */
#include <errno.h>
#include <stddef.h>

#include <virtbench/plugin.h>

/* The engine fills this block from the experiment file, using the table
 * below; the plugin never parses anything itself. */
struct skel_opts {
	int64_t loops;
};

static const struct vb_option skel_options[] = {
	{ .name = "loops", .type = VB_OPT_INT,
	  .offset = offsetof(struct skel_opts, loops), .def = "1000000",
	  .min = 1, .max = 1e12, .help = "iterations of the busy loop" },
	{ .name = NULL },
};

/* Every metric reported must be declared here: name, unit, direction.
 * VB_METRIC_PRIMARY marks the headline ones: charted and compared in the
 * report; the others are summarized only. */
static const struct vb_metric skel_metrics[] = {
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER,
	  .help = "time of the loop" },
	{ .name = "loops_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER, .help = "iterations per second",
	  .flags = VB_METRIC_PRIMARY },
	{ .name = NULL },
};

/* Optional, engine side, before anything runs: cross-option checks. */
static int skel_validate(const void *opts, char *msg, size_t msglen)
{
	(void)opts;
	(void)msg;
	(void)msglen;
	return 0;
}

/* Optional, agent side: create what run() needs. Nothing here. */
static int skel_prepare(struct vb_ctx *ctx, const void *opts)
{
	(void)ctx;
	(void)opts;
	return 0;
}

/* Required, agent side: the measured part. Report every metric once. */
static int skel_run(struct vb_ctx *ctx, const void *opts)
{
	const struct skel_opts *o = opts;
	volatile uint64_t sink = 0; /* keeps the loop from being deleted */
	uint64_t t0 = vb_now_ns(), t1;
	double secs;

	for (int64_t i = 0; i < o->loops; i++) {
		sink += (uint64_t)i;
		if ((i & 0xfffff) == 0 && vb_interrupted(ctx))
			return -EINTR;
	}
	t1 = vb_now_ns();
	secs = (double)(t1 - t0) / 1e9;
	vb_report_metric(ctx, "total_time", secs);
	vb_report_metric(ctx, "loops_per_second",
			 secs > 0 ? (double)o->loops / secs : 0);
	return 0;
}

/* Optional, agent side: remove what prepare made; must succeed when
 * there is nothing to remove. */
static int skel_cleanup(struct vb_ctx *ctx, const void *opts)
{
	(void)ctx;
	(void)opts;
	return 0;
}

static const struct vb_workload_ops skel_ops = {
	.size = sizeof(struct vb_workload_ops),
	.flags = 0, /* VB_WL_DROP_CACHES if run() reads files prepare() made */
	.validate = skel_validate,
	.prepare = skel_prepare,
	.run = skel_run,
	.cleanup = skel_cleanup,
};

static const struct vb_plugin_info skel_info = {
	VB_PLUGIN_ABI, /* first: the ABI version and table layouts */
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "skeleton-workload",
	.version = "1.1.0",
	.summary = "example workload: a busy loop",
	.options = skel_options,
	.options_size = sizeof(struct skel_opts),
	.metrics = skel_metrics,
	.ops = &skel_ops,
};

/* The one exported symbol; the first argument is the file name with '-'
 * written as '_'. */
VB_PLUGIN_DEFINE(skeleton_workload, &skel_info)
