/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: its descriptor's name differs from its file name. */
#include "virtbench/plugin.h"
static int wrongname_run(struct vb_ctx *c, const void *o) { (void)c; (void)o; return 0; }
static const struct vb_workload_ops wrongname_ops = { .size = sizeof(wrongname_ops), .run = wrongname_run };
static const struct vb_metric wrongname_metrics[] = { { .name = "x", .unit = "" }, { .name = NULL } };
static const struct vb_plugin_info wrongname_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD, .name = "someothername", .version = "0", .summary = "test",
	.metrics = wrongname_metrics, .ops = &wrongname_ops };
VB_PLUGIN_DEFINE(wrongname, &wrongname_info)
