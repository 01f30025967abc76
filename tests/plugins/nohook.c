/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: a backend without the required exec hook. */
#include "virtbench/plugin.h"
static int nohook_create(struct vb_ctx *c, const void *o, void **s) { (void)c; (void)o; *s = 0; return 0; }
static int nohook_open(void *s, struct vb_ctx *c, const struct vb_env_spec *sp, struct vb_env_granted *g)
{ (void)s; (void)c; (void)sp; (void)g; return 0; }
static int nohook_close(void *s, struct vb_ctx *c) { (void)s; (void)c; return 0; }
static void nohook_destroy(void *s) { (void)s; }
static const struct vb_backend_ops nohook_ops = { .size = sizeof(nohook_ops),
	.create = nohook_create, .open = nohook_open, .close = nohook_close, .destroy = nohook_destroy };
static const struct vb_plugin_info nohook_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_BACKEND, .name = "nohook", .version = "0", .summary = "test", .ops = &nohook_ops };
VB_PLUGIN_DEFINE(nohook, &nohook_info)
