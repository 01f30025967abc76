/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: claims the next ABI minor, which this engine does not have;
 * the loader must refuse it, naming both versions. */
#include "virtbench/plugin.h"
static int fm_run(struct vb_ctx *c, const void *o) { (void)c; (void)o; return 0; }
static const struct vb_workload_ops fm_ops = { .size = sizeof(fm_ops), .run = fm_run };
static const struct vb_metric fm_metrics[] = { { .name = "x", .unit = "" }, { .name = NULL } };
static const struct vb_plugin_info fm_info = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR + 1,
	.option_size = sizeof(struct vb_option), .metric_size = sizeof(struct vb_metric),
	.kind = VB_PLUGIN_WORKLOAD, .name = "futureminor", .version = "0", .summary = "test",
	.metrics = fm_metrics, .ops = &fm_ops };
VB_PLUGIN_DEFINE(futureminor, &fm_info)
