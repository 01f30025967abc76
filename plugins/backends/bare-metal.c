/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "virtbench/plugin.h"
static const struct vb_backend_ops bm_ops = { .size = sizeof(bm_ops) };
static const struct vb_plugin_info bm_info = { .abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_BACKEND, .name = "bare-metal", .version = "0.0.0", .summary = "placeholder", .ops = &bm_ops };
VB_PLUGIN_DEFINE(bare_metal, &bm_info)
