/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A recording mock of the engine services a workload module calls, for
 * unit suites that compile the module's source in directly (check_cpu_prime,
 * check_fileio). Include it after the module's .c file; call
 * mock_init(ctx, the module's metric table) at the start of each test.
 */
#ifndef VB_TEST_MOCK_SERVICES_H
#define VB_TEST_MOCK_SERVICES_H

#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MOCK_MAX 64
struct vb_ctx {
	pthread_mutex_t lock;
	const struct vb_metric *table; /* what vb_report_metric accepts */
	int nmetrics;
	char names[MOCK_MAX][64];
	double values[MOCK_MAX];
	int nfacts;
	char facts[MOCK_MAX][2][64];
	char error[1024];
	int error_code;
	bool interrupted;
	/* interrupt once vb_interrupted has been asked this many times */
	int interrupt_after;
	char scratch[256];
	uint64_t seed;
	/* what vb_log was given, one message per line (the cell's log) */
	char log[16384];
	size_t log_len;
};

static inline void mock_init(struct vb_ctx *c, const struct vb_metric *table)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->table = table;
	c->interrupt_after = -1;
	c->seed = 1;
}

void vb_log(struct vb_ctx *ctx, enum vb_log_level level, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)level;
	pthread_mutex_lock(&ctx->lock);
	va_start(ap, fmt);
	n = vsnprintf(ctx->log + ctx->log_len, sizeof(ctx->log) - ctx->log_len,
		      fmt, ap);
	va_end(ap);
	if (n > 0 && ctx->log_len + (size_t)n + 1 < sizeof(ctx->log)) {
		ctx->log_len += (size_t)n;
		ctx->log[ctx->log_len++] = '\n';
		ctx->log[ctx->log_len] = '\0';
	} else {
		ctx->log[ctx->log_len] = '\0';
	}
	pthread_mutex_unlock(&ctx->lock);
}

int vb_error_at(struct vb_ctx *ctx, int err, const char *file, int line,
		const char *fmt, ...)
{
	pthread_mutex_lock(&ctx->lock);
	if (!ctx->error_code) {
		va_list ap;
		va_start(ap, fmt);
		int n = snprintf(ctx->error, sizeof(ctx->error), "%s:%d: ",
				 file, line);
		vsnprintf(ctx->error + n, sizeof(ctx->error) - (size_t)n, fmt,
			  ap);
		va_end(ap);
		ctx->error_code = err;
	}
	pthread_mutex_unlock(&ctx->lock);
	return err;
}

uint64_t vb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool vb_interrupted(struct vb_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	if (ctx->interrupt_after >= 0 && ctx->interrupt_after-- == 0)
		ctx->interrupted = true;
	bool r = ctx->interrupted;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

int vb_report_metric(struct vb_ctx *ctx, const char *name, double value)
{
	const struct vb_metric *m = ctx->table;
	while (m->name && strcmp(m->name, name))
		m++;
	if (!m->name || ctx->nmetrics == MOCK_MAX)
		return -ENOENT;
	snprintf(ctx->names[ctx->nmetrics], 64, "%s", name);
	ctx->values[ctx->nmetrics++] = value;
	return 0;
}

int vb_report_fact(struct vb_ctx *ctx, const char *key, const char *value)
{
	if (ctx->nfacts == MOCK_MAX)
		return -EINVAL;
	snprintf(ctx->facts[ctx->nfacts][0], 64, "%s", key);
	snprintf(ctx->facts[ctx->nfacts][1], 64, "%s", value);
	ctx->nfacts++;
	return 0;
}

const char *vb_scratch_dir(struct vb_ctx *ctx)
{
	return ctx->scratch;
}

uint64_t vb_seed(struct vb_ctx *ctx)
{
	return ctx->seed;
}

/* The one value reported for metric NAME (fails the test otherwise). */
static inline double metric(const struct vb_ctx *c, const char *name)
{
	int found = -1;
	for (int i = 0; i < c->nmetrics; i++) {
		if (!strcmp(c->names[i], name)) {
			ck_assert_msg(found < 0, "%s reported twice", name);
			found = i;
		}
	}
	ck_assert_msg(found >= 0, "%s not reported", name);
	return c->values[found];
}

static inline const char *fact(const struct vb_ctx *c, const char *key)
{
	for (int i = 0; i < c->nfacts; i++)
		if (!strcmp(c->facts[i][0], key))
			return c->facts[i][1];
	ck_abort_msg("fact %s not reported", key);
	return NULL;
}

#endif /* VB_TEST_MOCK_SERVICES_H */
