/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder; the workloads owner replaces it. */
#include <errno.h>
#include "virtbench/plugin.h"
static int cp_run(struct vb_ctx *ctx, const void *opts) { (void)ctx; (void)opts; return -ENOSYS; }
static const struct vb_workload_ops cp_ops = { .size = sizeof(cp_ops), .run = cp_run };
static const struct vb_metric cp_metrics[] = { { .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER }, { 0 } };
static const struct vb_plugin_info cp_info = { .abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_WORKLOAD, .name = "cpu-prime", .version = "0.0.0", .summary = "placeholder",
	.metrics = cp_metrics, .ops = &cp_ops };
VB_PLUGIN_DEFINE(cpu_prime, &cp_info)
