/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The service functions of include/virtbench/plugin.h: what
 * libvirtbench.so exports, and nothing else (lib/libvirtbench.map). Those
 * that need the engine or the agent forward through the handle's ops
 * table (lib/ctx.h); the others (time, processes, caches) are complete
 * here and hold no state.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ctx.h"

void vb_log(struct vb_ctx *ctx, enum vb_log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx)
		ctx->ops->log(ctx, level, msg);
	else
		fprintf(stderr, "virtbench: %s\n", msg);
}

int vb_error_at(struct vb_ctx *ctx, int err, const char *file, int line,
		const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!ctx)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->ops->error(ctx, file, line, msg);
	return err;
}

const char *vb_error_message(struct vb_ctx *ctx)
{
	return ctx ? ctx->ops->error_message(ctx) : "";
}

void vb_error_clear(struct vb_ctx *ctx)
{
	if (ctx)
		ctx->ops->error_clear(ctx);
}

/* "256 MiB", "1.5 GiB": the limit as a reader of the error thinks of it. */
static void fmt_bytes(int64_t b, char *out, size_t n)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB",
					     "TiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v == (double)(int64_t)v)
		snprintf(out, n, "%lld %s", (long long)v, units[u]);
	else
		snprintf(out, n, "%.1f %s", v, units[u]);
}

int vb_oom_killed(struct vb_ctx *ctx, int64_t limit, const char *evidence)
{
	char size[32], msg[512];

	if (!ctx)
		return -ENOMEM;
	fmt_bytes(limit, size, sizeof(size));
	snprintf(msg, sizeof(msg),
		 "killed by the OOM killer: the workload needs more than %s%s%s%s",
		 size, evidence && *evidence ? " (" : "",
		 evidence ? evidence : "", evidence && *evidence ? ")" : "");
	/* The cause, whatever was recorded on the way to finding it. */
	ctx->ops->error_clear(ctx);
	ctx->ops->error(ctx, NULL, 0, msg);
	return -ENOMEM;
}

uint64_t vb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool vb_interrupted(struct vb_ctx *ctx)
{
	return ctx && ctx->ops->interrupted(ctx);
}

int vb_report_metric(struct vb_ctx *ctx, const char *name, double value)
{
	return ctx->ops->metric(ctx, name, value);
}

int vb_report_fact(struct vb_ctx *ctx, const char *key, const char *value)
{
	return ctx->ops->fact(ctx, false, key, value);
}

int vb_env_fact(struct vb_ctx *ctx, const char *key, const char *value)
{
	return ctx->ops->fact(ctx, true, key, value);
}

const char *vb_scratch_dir(struct vb_ctx *ctx)
{
	return ctx->ops->scratch_dir(ctx);
}

uint64_t vb_seed(struct vb_ctx *ctx)
{
	return ctx->ops->seed(ctx);
}

const char *vb_agent_path(struct vb_ctx *ctx)
{
	return ctx->ops->agent_path(ctx);
}

const char *vb_workload_path(struct vb_ctx *ctx)
{
	return ctx->ops->workload_path(ctx);
}

int vb_bundle_get(struct vb_ctx *ctx, const char **dir, const char **hash)
{
	return ctx->ops->bundle_get(ctx, dir, hash);
}

int vb_bundle_argv(struct vb_ctx *ctx, const char *mount, const char **out,
		   size_t n)
{
	return ctx->ops->bundle_argv(ctx, mount, out, n);
}

int vb_cache_dir(struct vb_ctx *ctx, const char *sub, char *out, size_t n)
{
	return ctx->ops->cache_dir(ctx, sub, out, n);
}

void vb_abi_version(uint32_t *major, uint32_t *minor)
{
	*major = VB_PLUGIN_ABI_MAJOR;
	*minor = VB_PLUGIN_ABI_MINOR;
}
