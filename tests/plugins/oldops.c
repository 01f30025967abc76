/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: an ops table smaller than its ABI minor's (here 8 bytes: not
 * even the hooks of 1.0). A table the size of its own minor loads, however
 * much larger this ABI's is (abi10.c); this one is refused. */
#include "virtbench/plugin.h"
static int oldops_run(struct vb_ctx *c, const void *o) { (void)c; (void)o; return 0; }
static const struct vb_workload_ops oldops_ops = { .size = 8, .run = oldops_run };
static const struct vb_metric oldops_metrics[] = { { .name = "x", .unit = "" }, { .name = NULL } };
static const struct vb_plugin_info oldops_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD, .name = "oldops", .version = "0", .summary = "test",
	.metrics = oldops_metrics, .ops = &oldops_ops };
VB_PLUGIN_DEFINE(oldops, &oldops_info)
