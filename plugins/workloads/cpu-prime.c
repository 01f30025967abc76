/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cpu-prime: sysbench's CPU test (research/sysbench.md §1-2, docs/workloads.md).
 *
 * One event checks every candidate 3 .. max_prime-1 for primality by trial
 * division with 64-bit unsigned remainders, exactly as sysbench does, so a
 * given max_prime is the same amount of work here and there. Threads pull
 * whole events from one shared budget; the clock starts when every thread
 * is ready.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "virtbench/plugin.h"
#include "wl-stats.h"

struct cp_opts {
	int64_t max_prime;
	int64_t events;
	double time;
	int64_t threads;
};

struct cp_shared {
	struct vb_ctx *ctx;
	const struct cp_opts *opts;
	struct wl_start start;
	atomic_uint_fast64_t issued;
	atomic_bool stop;
};

struct cp_worker {
	struct cp_shared *sh;
	pthread_t tid;
	struct wl_stats stats;
	uint64_t sink;           /* primes found, kept so the loop stays live */
	int err;
};

/*
 * One event. Returns the number of primes found; `divs` (may be NULL)
 * gets the number of remainders computed, which is what the unit test
 * compares with sysbench's reference amounts of work.
 */
static uint64_t cp_event(uint64_t max_prime, uint64_t *divs)
{
	uint64_t primes = 0, ndiv = 0;
	for (uint64_t c = 3; c < max_prime; c++) {
		/* sysbench 1.0 compares l <= sqrt(c) in double; identical to
		 * the integer bound for every c below 2^52. */
		double t = sqrt((double)c);
		uint64_t l;
		for (l = 2; (double)l <= t; l++) {
			ndiv++;
			if (c % l == 0)
				break;
		}
		if ((double)l > t)
			primes++;
	}
	if (divs)
		*divs = ndiv;
	return primes;
}

static bool cp_more(struct cp_shared *sh, uint64_t deadline_ns)
{
	if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
		return false;
	if (deadline_ns && vb_now_ns() >= deadline_ns)
		return false;
	if (sh->opts->events > 0 &&
	    atomic_fetch_add(&sh->issued, 1) >= (uint64_t)sh->opts->events)
		return false;
	return true;
}

static void *cp_thread(void *arg)
{
	struct cp_worker *w = arg;
	struct cp_shared *sh = w->sh;
	uint64_t max_prime = (uint64_t)sh->opts->max_prime;

	if (!wl_start_wait(&sh->start))
		return NULL;
	/* start_ns was written under the barrier's mutex before the release. */
	uint64_t deadline = sh->opts->time > 0
		? sh->start.start_ns + (uint64_t)(sh->opts->time * 1e9) : 0;
	while (cp_more(sh, deadline)) {
		if (vb_interrupted(sh->ctx)) {
			w->err = -EINTR;
			atomic_store(&sh->stop, true);
			break;
		}
		uint64_t t0 = vb_now_ns();
		w->sink += cp_event(max_prime, NULL);
		wl_stats_add(&w->stats, vb_now_ns() - t0);
	}
	return NULL;
}

static int cp_validate(const void *opts, char *msg, size_t msglen)
{
	const struct cp_opts *o = opts;
	if (o->events == 0 && o->time <= 0) {
		snprintf(msg, msglen,
			 "events = 0 and time = 0 would never end; "
			 "set events, time or both");
		return -EINVAL;
	}
	return 0;
}

static int cp_report(struct vb_ctx *ctx, const struct wl_stats *all,
		     double seconds, uint64_t sink)
{
	int rc = vb_report_metric(ctx, "total_time", seconds);
	if (!rc)
		rc = vb_report_metric(ctx, "events", (double)all->count);
	if (!rc)
		rc = vb_report_metric(ctx, "events_per_second",
				      seconds > 0 ? (double)all->count / seconds
						  : 0.0);
	if (!rc)
		rc = wl_report_latency(ctx, all);
	if (!rc)
		rc = vb_report_metric(ctx, "latency_sum",
				      (double)all->sum_ns / 1e6);
	if (rc)
		return VB_ERROR(ctx, rc, "reporting metrics failed");
	if (all->count > 0) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%" PRIu64, sink / all->count);
		rc = vb_report_fact(ctx, "primes_per_event", buf);
		if (rc)
			return VB_ERROR(ctx, rc, "reporting a fact failed");
	}
	return 0;
}

static int cp_run(struct vb_ctx *ctx, const void *opts)
{
	const struct cp_opts *o = opts;
	size_t n = (size_t)o->threads;
	struct cp_shared sh = { .ctx = ctx, .opts = o };
	atomic_init(&sh.issued, 0);
	atomic_init(&sh.stop, false);

	struct cp_worker *w = calloc(n, sizeof(*w));
	if (!w)
		return VB_ERROR(ctx, -ENOMEM, "no memory for %zu threads", n);
	int rc = wl_start_init(&sh.start, (unsigned)n);
	if (rc) {
		free(w);
		return VB_ERROR(ctx, rc, "cannot set up the start barrier");
	}
	size_t started = 0;
	for (; started < n; started++) {
		w[started].sh = &sh;
		wl_stats_init(&w[started].stats);
		rc = pthread_create(&w[started].tid, NULL, cp_thread,
				    &w[started]);
		if (rc) {
			rc = VB_ERROR(ctx, -rc, "cannot start thread %zu of %zu",
				      started + 1, n);
			wl_start_cancel(&sh.start);
			break;
		}
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	uint64_t end_ns = vb_now_ns();

	if (!rc) {
		struct wl_stats *all = malloc(sizeof(*all));
		uint64_t sink = 0;
		if (!all) {
			rc = VB_ERROR(ctx, -ENOMEM, "no memory for statistics");
		} else {
			wl_stats_init(all);
			for (size_t i = 0; i < n; i++) {
				if (w[i].err && !rc)
					rc = w[i].err;
				wl_stats_merge(all, &w[i].stats);
				sink += w[i].sink;
			}
			if (rc == -EINTR)
				rc = VB_ERROR(ctx, rc, "interrupted after %" PRIu64
					      " events", all->count);
			else if (!rc)
				rc = cp_report(ctx, all,
					       (double)(end_ns - sh.start.start_ns) / 1e9,
					       sink);
			free(all);
		}
	}
	wl_start_destroy(&sh.start);
	free(w);
	return rc;
}

static const struct vb_option cp_options[] = {
	{ .name = "max_prime", .type = VB_OPT_INT,
	  .offset = offsetof(struct cp_opts, max_prime), .def = "10000",
	  .min = 3, .max = 1e12,
	  .help = "check candidates 3 .. max_prime-1 (sysbench --cpu-max-prime)" },
	{ .name = "events", .type = VB_OPT_INT,
	  .offset = offsetof(struct cp_opts, events), .def = "10000",
	  .min = 0, .max = 1e15,
	  .help = "events to run in total; 0 = no limit (then set time)" },
	{ .name = "time", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct cp_opts, time), .def = "0",
	  .min = 0, .max = 1e7,
	  .help = "stop after this long; 0 = no limit (then set events)" },
	{ .name = "threads", .type = VB_OPT_INT,
	  .offset = offsetof(struct cp_opts, threads), .def = "1",
	  .min = 1, .max = 1024,
	  .help = "worker threads sharing the events" },
	{ .name = NULL },
};

static const struct vb_metric cp_metrics[] = {
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER,
	  .help = "wall time from the start barrier to the last thread's end",
	  .flags = VB_METRIC_PRIMARY },
	{ .name = "events", .unit = "", .better = VB_NEUTRAL,
	  .help = "events completed" },
	{ .name = "events_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER,
	  .help = "events / total_time (sysbench 'events per second')",
	  .flags = VB_METRIC_PRIMARY },
	{ .name = "latency_min", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "shortest event" },
	{ .name = "latency_avg", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "mean event time" },
	{ .name = "latency_max", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "longest event" },
	{ .name = "latency_p95", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "95th percentile, sysbench 1.0's histogram method" },
	{ .name = "latency_sum", .unit = "ms", .better = VB_NEUTRAL,
	  .help = "sum of all event times over all threads" },
	{ .name = NULL },
};

static const struct vb_workload_ops cp_ops = {
	.size = sizeof(cp_ops),
	.flags = 0,
	.validate = cp_validate,
	.run = cp_run,
};

static const struct vb_plugin_info cp_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "cpu-prime",
	.version = "1.0.0",
	.summary = "sysbench's CPU test: trial-division prime search per event",
	.options = cp_options,
	.options_size = sizeof(struct cp_opts),
	.metrics = cp_metrics,
	.ops = &cp_ops,
};

VB_PLUGIN_DEFINE(cpu_prime, &cp_info)
