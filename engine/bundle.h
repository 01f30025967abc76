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

#endif /* VB_ENGINE_BUNDLE_H */
