/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until its owner lands the real module. */
#include <errno.h>
#include "engine.h"
int vb_bundle_get(struct vb_ctx *ctx, const char **dir, const char **hash) { (void)ctx; (void)dir; (void)hash; return -ENOSYS; }
int vb_bundle_argv(struct vb_ctx *ctx, const char *mount, const char **out, size_t n) { (void)ctx; (void)mount; (void)out; (void)n; return -ENOSYS; }
