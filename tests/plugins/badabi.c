/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: built for a future ABI major; the loader must refuse it. */
#include "virtbench/plugin.h"
static int badabi_run(struct vb_ctx *c, const void *o) { (void)c; (void)o; return 0; }
static const struct vb_workload_ops badabi_ops = { .size = sizeof(badabi_ops), .run = badabi_run };
static const struct vb_metric badabi_metrics[] = { { .name = "x", .unit = "" }, { .name = NULL } };
static const struct vb_plugin_info badabi_info = {
	.abi_major = VB_PLUGIN_ABI_MAJOR + 98, .abi_minor = 7,
	.kind = VB_PLUGIN_WORKLOAD, .name = "badabi", .version = "0", .summary = "test",
	.metrics = badabi_metrics, .ops = &badabi_ops };
VB_PLUGIN_DEFINE(badabi, &badabi_info)
