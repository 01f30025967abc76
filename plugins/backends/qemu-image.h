/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Guest kernel and initramfs for the qemu backend (qemu-image.c). */
#ifndef VB_QEMU_IMAGE_H
#define VB_QEMU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include "virtbench/plugin.h"

/* Everything that goes into the initramfs. */
struct vbq_image_in {
	const char *busybox;        /* static busybox binary */
	const char *init;           /* guest/init */
	const char *moddir;         /* /lib/modules/VER, or NULL: no modules */
	const char *const *modules; /* module names wanted (deps are added) */
	const char *bundle;         /* agent bundle dir, copied to /opt/virtbench */
	const char *const *agent_argv; /* argv prefix starting the agent */
};

/* $XDG_CACHE_HOME/virtbench or ~/.cache/virtbench, created. */
int vbq_cache_dir(struct vb_ctx *ctx, char *out, size_t n);

/*
 * The guest kernel's bzImage, as a real path: "virtbench": the one
 * virtbench-build-kernel put in CACHE/kernel/current; "host": the newest
 * /boot/vmlinuz-*; "auto": the first if built, else the second; otherwise
 * the path, checked. *builtin: the kernel needs no modules.
 */
int vbq_kernel_resolve(struct vb_ctx *ctx, const char *opt, const char *cache,
		       char *out, size_t n, bool *builtin);

/* Kernel release of a bzImage (from its header), e.g. "6.1.0-56-amd64". */
int vbq_kernel_release(struct vb_ctx *ctx, const char *bzimage, char *out,
		       size_t n);

/*
 * The uncompressed vmlinux inside a bzImage's xz payload, extracted once
 * into the cache (keyed by the bzImage's path, size and mtime). -ENOTSUP
 * when the payload is not xz.
 */
int vbq_vmlinux_get(struct vb_ctx *ctx, const char *bzimage,
		    const char *cache, char *out, size_t n);

/* The initramfs (cpio newc), cached under a hash of all its inputs. */
int vbq_initramfs_get(struct vb_ctx *ctx, const struct vbq_image_in *in,
		      const char *cache, char *out, size_t n, char *hash,
		      size_t hashlen);

#endif /* VB_QEMU_IMAGE_H */
