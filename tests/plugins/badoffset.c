/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: an option whose offset lies past options_size. Filling it
 * would write outside the options block (`virtbench check` segfaulted on
 * it); the loader must refuse the plugin and say which option. */
#include <stdint.h>
#include "virtbench/plugin.h"
struct bo_opts { int64_t n; };
static const struct vb_option bo_options[] = {
	{ .name = "n", .type = VB_OPT_INT, .offset = 0, .def = "1" },
	{ .name = "far", .type = VB_OPT_INT, .offset = 4096, .def = "1" },
	{ .name = NULL },
};
static int bo_run(struct vb_ctx *c, const void *o) { (void)c; (void)o; return 0; }
static const struct vb_workload_ops bo_ops = { .size = sizeof(bo_ops), .run = bo_run };
static const struct vb_metric bo_metrics[] = { { .name = "x", .unit = "" }, { .name = NULL } };
static const struct vb_plugin_info bo_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD, .name = "badoffset", .version = "0", .summary = "test",
	.options = bo_options, .options_size = sizeof(struct bo_opts),
	.metrics = bo_metrics, .ops = &bo_ops };
VB_PLUGIN_DEFINE(badoffset, &bo_info)
