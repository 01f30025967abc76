/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vb_ctx handle and the service functions of plugin.h. One ctx per
 * plugin in use; the engine and the agent point its sinks at their own
 * recorders.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

struct vb_ctx {
	const struct vb_plugin *plugin;
	pthread_mutex_t lock;
	char error[1024];
	char *scratch;
	char *agent;
	char *workload_path;
	uint64_t seed;
	int (*metric)(void *u, const char *name, double v);
	int (*fact)(void *u, const char *k, const char *v);
	int (*env_fact)(void *u, const char *k, const char *v);
	void *user;
};

static volatile sig_atomic_t interrupted;

void vb_set_interrupted(void)
{
	interrupted = 1;
}

bool vb_is_interrupted(void)
{
	return interrupted != 0;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void vb_install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking waits must wake up and see the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct vb_ctx *vb_ctx_new(const struct vb_plugin *plugin)
{
	struct vb_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->plugin = plugin;
	ctx->seed = 1;
	pthread_mutex_init(&ctx->lock, NULL);
	return ctx;
}

void vb_ctx_free(struct vb_ctx *ctx)
{
	if (!ctx)
		return;
	pthread_mutex_destroy(&ctx->lock);
	free(ctx->scratch);
	free(ctx->agent);
	free(ctx->workload_path);
	free(ctx);
}

const char *vb_ctx_error(struct vb_ctx *ctx)
{
	return ctx->error;
}

void vb_ctx_clear_error(struct vb_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->error[0] = '\0';
	pthread_mutex_unlock(&ctx->lock);
}

void vb_ctx_set_plugin(struct vb_ctx *ctx, const struct vb_plugin *p)
{
	ctx->plugin = p;
}

static void replace(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? strdup(v) : NULL;
}

void vb_ctx_set_scratch(struct vb_ctx *ctx, const char *dir)
{
	replace(&ctx->scratch, dir);
}

void vb_ctx_set_seed(struct vb_ctx *ctx, uint64_t seed)
{
	ctx->seed = seed;
}

void vb_ctx_set_paths(struct vb_ctx *ctx, const char *agent,
		      const char *workload_path)
{
	replace(&ctx->agent, agent);
	replace(&ctx->workload_path, workload_path);
}

void vb_ctx_set_sinks(struct vb_ctx *ctx,
		      int (*metric)(void *u, const char *name, double v),
		      int (*fact)(void *u, const char *k, const char *v),
		      int (*env_fact)(void *u, const char *k, const char *v),
		      void *user)
{
	ctx->metric = metric;
	ctx->fact = fact;
	ctx->env_fact = env_fact;
	ctx->user = user;
}

static const char *plugin_name(const struct vb_ctx *ctx)
{
	return ctx && ctx->plugin && ctx->plugin->info ? ctx->plugin->info->name
						       : "virtbench";
}

void vb_log(struct vb_ctx *ctx, enum vb_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };
	char msg[2048];
	va_list ap;

	if (level == VB_LOG_DEBUG && !getenv("VIRTBENCH_DEBUG"))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One fprintf so lines from threads do not interleave mid-line. */
	fprintf(stderr, "virtbench: %s: %s: %s\n", plugin_name(ctx),
		names[level <= VB_LOG_DEBUG ? level : VB_LOG_DEBUG], msg);
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
	pthread_mutex_lock(&ctx->lock);
	if (ctx->error[0] == '\0') {
		const char *base = strrchr(file, '/');

		snprintf(ctx->error, sizeof(ctx->error), "%s: %s:%d: %s",
			 plugin_name(ctx), base ? base + 1 : file, line, msg);
	}
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

uint64_t vb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool vb_interrupted(struct vb_ctx *ctx)
{
	(void)ctx;
	return interrupted != 0;
}

static bool valid_key(const char *k)
{
	if (!k || !*k || strlen(k) > 63)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		      *k == '_'))
			return false;
	return true;
}

int vb_report_metric(struct vb_ctx *ctx, const char *name, double value)
{
	const struct vb_metric *m;
	int rc = 0;

	if (!ctx->plugin || !ctx->plugin->info->metrics)
		return -ENOENT;
	for (m = ctx->plugin->info->metrics; m->name; m++)
		if (strcmp(m->name, name) == 0)
			break;
	if (!m->name)
		return -ENOENT;
	pthread_mutex_lock(&ctx->lock);
	if (ctx->metric)
		rc = ctx->metric(ctx->user, name, value);
	pthread_mutex_unlock(&ctx->lock);
	return rc;
}

static int send_fact(struct vb_ctx *ctx,
		     int (*fn)(void *u, const char *k, const char *v),
		     const char *key, const char *value)
{
	int rc = 0;

	if (!valid_key(key) || !value || strpbrk(value, "\n;"))
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	if (fn)
		rc = fn(ctx->user, key, value);
	pthread_mutex_unlock(&ctx->lock);
	return rc;
}

int vb_report_fact(struct vb_ctx *ctx, const char *key, const char *value)
{
	return send_fact(ctx, ctx->fact, key, value);
}

int vb_env_fact(struct vb_ctx *ctx, const char *key, const char *value)
{
	return send_fact(ctx, ctx->env_fact, key, value);
}

const char *vb_scratch_dir(struct vb_ctx *ctx)
{
	const char *d;

	if (ctx->scratch)
		return ctx->scratch;
	d = getenv("VIRTBENCH_SCRATCH");
	if (d && *d)
		return d;
	d = getenv("TMPDIR");
	return d && *d ? d : "/var/tmp";
}

uint64_t vb_seed(struct vb_ctx *ctx)
{
	return ctx->seed;
}

const char *vb_agent_path(struct vb_ctx *ctx)
{
	return ctx->agent ? ctx->agent : "virtbench-agent";
}

const char *vb_workload_path(struct vb_ctx *ctx)
{
	return ctx->workload_path ? ctx->workload_path : "";
}

void vb_abi_version(uint32_t *major, uint32_t *minor)
{
	*major = VB_PLUGIN_ABI_MAJOR;
	*minor = VB_PLUGIN_ABI_MINOR;
}
