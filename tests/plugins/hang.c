/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test-only workload whose run() never returns and ignores everything,
 * like a guest that locked up: the backend must recover by timeout.
 */
#include <unistd.h>

#include "virtbench/plugin.h"

static int hang_run(struct vb_ctx *ctx, const void *opts)
{
	(void)ctx;
	(void)opts;
	for (;;)
		pause();
	return 0;
}

static const struct vb_metric hang_metrics[] = {
	{ .name = "never", .unit = "s", .better = VB_NEUTRAL,
	  .help = "never reported" },
	{ .name = NULL },
};

static const struct vb_workload_ops hang_ops = {
	.size = sizeof(struct vb_workload_ops),
	.run = hang_run,
};

static const struct vb_plugin_info hang_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "hang",
	.version = "1.0.0",
	.summary = "test only: run() never returns",
	.metrics = hang_metrics,
	.ops = &hang_ops,
};

VB_PLUGIN_DEFINE(hang, &hang_info)
