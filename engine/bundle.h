/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The agent bundle (engine/bundle.c): what vb_bundle_get() and
 * vb_bundle_argv() of plugin.h return to backends. The runner hands this
 * provider to every backend's ctx.
 */
#ifndef VB_ENGINE_BUNDLE_H
#define VB_ENGINE_BUNDLE_H

#include "lib/ctx.h"

extern const struct vb_bundle_provider vb_engine_bundle;

/*
 * Host files the workloads of this run need inside containers and VMs
 * (the exec workload's `files`): each is copied into the bundle under
 * files/ at its host path (files/usr/bin/sysbench), a directory with
 * everything in it, and every dynamically linked ELF object among them
 * brings its shared-library closure into lib/, as the agent does. Call
 * before the first bundle is asked for; the set is part of the bundle's
 * content, so another set is another (cached) bundle. Paths must be
 * absolute. 0 or -ENOMEM.
 */
int vb_bundle_carry(const char *const *paths, size_t n);

#endif /* VB_ENGINE_BUNDLE_H */
