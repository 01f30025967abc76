/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Helpers shared by the in-tree workloads: sysbench 1.0's per-event latency
 * statistics and a start barrier for worker threads.
 *
 * Header-only on purpose: each workload module and its unit test compile it
 * in, so no helper symbol is ever exported from a module (the modules export
 * exactly their entry point).
 */
#ifndef VB_WL_STATS_H
#define VB_WL_STATS_H

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "virtbench/plugin.h"

/*
 * sysbench 1.0 (sb_histogram.c, sb_logger.c): 1024 log-scale buckets from
 * 0.001 ms to 100000 ms. Percentiles are read from these buckets, so they
 * are quantised the same way as sysbench's (steps of about 1.8 %).
 */
#define WL_HIST_BUCKETS 1024
#define WL_HIST_MIN_MS 0.001
#define WL_HIST_MAX_MS 100000.0

/* One thread's events; merged after the threads have joined, so no locks. */
struct wl_stats {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint32_t hist[WL_HIST_BUCKETS];
};

static inline void wl_stats_init(struct wl_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->min_ns = UINT64_MAX;
}

static inline double wl_hist_mult(void)
{
	return (WL_HIST_BUCKETS - 1) / (log(WL_HIST_MAX_MS) - log(WL_HIST_MIN_MS));
}

static inline int wl_hist_index(double ms)
{
	/* 0 ns (coarse clocks) and sub-microsecond events land in bucket 0,
	 * as sysbench clamps them. */
	if (!(ms > WL_HIST_MIN_MS))
		return 0;
	double i = round((log(ms) - log(WL_HIST_MIN_MS)) * wl_hist_mult());
	if (i > WL_HIST_BUCKETS - 1)
		return WL_HIST_BUCKETS - 1;
	return (int)i;
}

static inline void wl_stats_add(struct wl_stats *s, uint64_t ns)
{
	s->count++;
	s->sum_ns += ns;
	if (ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->hist[wl_hist_index((double)ns / 1e6)]++;
}

static inline void wl_stats_merge(struct wl_stats *into,
				  const struct wl_stats *from)
{
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	if (from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	for (int i = 0; i < WL_HIST_BUCKETS; i++)
		into->hist[i] += from->hist[i];
}

/* sysbench 1.0's sb_histogram_get_pct: the first bucket whose cumulative
 * count reaches floor(N * p / 100 + 0.5), as the bucket's lower value. */
static inline double wl_stats_percentile_ms(const struct wl_stats *s, double p)
{
	if (s->count == 0)
		return 0.0;
	uint64_t target = (uint64_t)floor((double)s->count * p / 100.0 + 0.5);
	uint64_t cum = 0;
	int i;
	for (i = 0; i < WL_HIST_BUCKETS - 1; i++) {
		cum += s->hist[i];
		if (cum >= target)
			break;
	}
	return exp(i / wl_hist_mult() + log(WL_HIST_MIN_MS));
}

static inline double wl_stats_min_ms(const struct wl_stats *s)
{
	return s->count ? (double)s->min_ns / 1e6 : 0.0;
}

static inline double wl_stats_avg_ms(const struct wl_stats *s)
{
	return s->count ? (double)s->sum_ns / 1e6 / (double)s->count : 0.0;
}

/*
 * A start line for worker threads. The last thread to arrive takes the
 * start time before it releases the others, as sysbench's barrier callback
 * does, so thread creation is never part of the measured time.
 */
struct wl_start {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned expected;
	unsigned arrived;
	bool go;
	bool cancelled;
	uint64_t start_ns;
};

static inline int wl_start_init(struct wl_start *st, unsigned nthreads)
{
	memset(st, 0, sizeof(*st));
	st->expected = nthreads;
	int rc = pthread_mutex_init(&st->lock, NULL);
	if (rc)
		return -rc;
	rc = pthread_cond_init(&st->cond, NULL);
	if (rc) {
		pthread_mutex_destroy(&st->lock);
		return -rc;
	}
	return 0;
}

static inline void wl_start_destroy(struct wl_start *st)
{
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
}

/* Called by each worker; false when the start was cancelled (a sibling
 * thread could not be created) and the worker must return at once. */
static inline bool wl_start_wait(struct wl_start *st)
{
	pthread_mutex_lock(&st->lock);
	if (++st->arrived == st->expected && !st->cancelled) {
		st->start_ns = vb_now_ns();
		st->go = true;
		pthread_cond_broadcast(&st->cond);
	}
	while (!st->go && !st->cancelled)
		pthread_cond_wait(&st->cond, &st->lock);
	bool go = st->go;
	pthread_mutex_unlock(&st->lock);
	return go;
}

static inline void wl_start_cancel(struct wl_start *st)
{
	pthread_mutex_lock(&st->lock);
	if (!st->go) {
		st->cancelled = true;
		pthread_cond_broadcast(&st->cond);
	}
	pthread_mutex_unlock(&st->lock);
}

/* Reports latency_min/avg/max/p95 (ms), the names both workloads use. */
static inline int wl_report_latency(struct vb_ctx *ctx,
				    const struct wl_stats *s)
{
	int rc = vb_report_metric(ctx, "latency_min", wl_stats_min_ms(s));
	if (!rc)
		rc = vb_report_metric(ctx, "latency_avg", wl_stats_avg_ms(s));
	if (!rc)
		rc = vb_report_metric(ctx, "latency_max",
				      (double)s->max_ns / 1e6);
	if (!rc)
		rc = vb_report_metric(ctx, "latency_p95",
				      wl_stats_percentile_ms(s, 95.0));
	return rc;
}

#endif /* VB_WL_STATS_H */
