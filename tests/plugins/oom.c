/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test-only: a workload that needs more memory than its environment has.
 * run() allocates and touches `bytes` in 8 MiB steps, so a memory limit
 * below that brings the OOM killer; the backend must name it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtbench/plugin.h"

struct oom_opts {
	int64_t bytes;
};

static const struct vb_option oom_options[] = {
	{ .name = "bytes", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct oom_opts, bytes), .def = "2G",
	  .min = 1, .max = 1e15, .help = "memory to allocate and touch" },
	{ .name = NULL },
};

static const struct vb_metric oom_metrics[] = {
	{ .name = "allocated", .unit = "B", .better = VB_NEUTRAL,
	  .help = "bytes allocated (only when the limit allowed it)" },
	{ .name = NULL },
};

static int oom_run(struct vb_ctx *ctx, const void *opts)
{
	const struct oom_opts *o = opts;
	const size_t step = 8u << 20;
	int64_t done = 0;

	while (done < o->bytes) {
		char *p = malloc(step);

		if (!p)
			return VB_ERROR(ctx, -ENOMEM, "malloc failed at %lld bytes",
					(long long)done);
		memset(p, 0x5a, step); /* touched: really resident */
		done += (int64_t)step;
		if (vb_interrupted(ctx))
			return -EINTR;
	}
	return vb_report_metric(ctx, "allocated", (double)done);
}

static const struct vb_workload_ops oom_ops = {
	.size = sizeof(struct vb_workload_ops),
	.run = oom_run,
};

static const struct vb_plugin_info oom_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "oom",
	.version = "1.0.0",
	.summary = "test only: allocates past its environment's memory",
	.options = oom_options,
	.options_size = sizeof(struct oom_opts),
	.metrics = oom_metrics,
	.ops = &oom_ops,
};

VB_PLUGIN_DEFINE(oom, &oom_info)
