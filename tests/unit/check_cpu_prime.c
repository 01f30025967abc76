/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the cpu-prime workload. The module's source is compiled in
 * directly, so its static functions (the event itself) can be tested, and
 * the few engine services it calls are replaced by a recording mock.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu-prime.c"

#include "mock-services.h"

static void mock_start(struct vb_ctx *c)
{
	mock_init(c, cp_info.metrics);
}

static void assert_all_metrics(const struct vb_ctx *c)
{
	int n = 0;
	for (const struct vb_metric *m = cp_info.metrics; m->name; m++, n++)
		(void)metric(c, m->name);
	ck_assert_int_eq(c->nmetrics, n);
}

/* ---- the event --------------------------------------------------------- */

/* research/sysbench.md §2.2: reference amounts of work per event. */
START_TEST(event_work_amounts)
{
	static const struct {
		uint64_t max_prime, primes, divs;
	} ref[] = {
		{ 3, 0, 0 },           /* no candidate at all */
		{ 4, 1, 0 },           /* 3: empty divisor range, prime */
		{ 5, 1, 1 },           /* 4 % 2 == 0 */
		{ 11, 3, 8 },          /* 3 5 7 prime; 9 takes two */
		{ 10000, 1228, 117526 },
		{ 20000, 2261, 301275 },
		{ 100000, 9591, 2745693 },
	};
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		uint64_t divs = 0;
		uint64_t primes = cp_event(ref[i].max_prime, &divs);
		ck_assert_msg(primes == ref[i].primes && divs == ref[i].divs,
			      "max_prime %llu: %llu primes, %llu divisions; "
			      "want %llu, %llu",
			      (unsigned long long)ref[i].max_prime,
			      (unsigned long long)primes,
			      (unsigned long long)divs,
			      (unsigned long long)ref[i].primes,
			      (unsigned long long)ref[i].divs);
	}
}
END_TEST

/* ---- the histogram ----------------------------------------------------- */

START_TEST(histogram_buckets)
{
	/* 1 ms sits at round(ln(1000) * 1023 / ln(1e8)) = 384. */
	ck_assert_int_eq(wl_hist_index(1.0), 384);
	ck_assert_int_eq(wl_hist_index(0.0), 0);
	ck_assert_int_eq(wl_hist_index(0.0005), 0);
	ck_assert_int_eq(wl_hist_index(1e9), WL_HIST_BUCKETS - 1);

	struct wl_stats *s = malloc(sizeof(*s));
	ck_assert_ptr_nonnull(s);
	wl_stats_init(s);
	/* 94 fast events (0.1 ms) and 6 slow ones (10 ms): the 95th of 100
	 * is slow, so p95 is the 10 ms bucket, quantised to within 1.8 %. */
	for (int i = 0; i < 94; i++)
		wl_stats_add(s, 100000);
	for (int i = 0; i < 6; i++)
		wl_stats_add(s, 10000000);
	double p95 = wl_stats_percentile_ms(s, 95.0);
	ck_assert_msg(fabs(p95 - 10.0) / 10.0 < 0.018, "p95 = %g", p95);
	double p90 = wl_stats_percentile_ms(s, 90.0);
	ck_assert_msg(fabs(p90 - 0.1) / 0.1 < 0.018, "p90 = %g", p90);
	ck_assert_double_eq_tol(wl_stats_min_ms(s), 0.1, 1e-9);
	ck_assert_double_eq_tol(wl_stats_avg_ms(s), (94 * 0.1 + 60) / 100,
				1e-9);

	struct wl_stats *t = malloc(sizeof(*t));
	ck_assert_ptr_nonnull(t);
	wl_stats_init(t);
	wl_stats_add(t, 50000);
	wl_stats_merge(s, t);
	ck_assert_uint_eq(s->count, 101);
	ck_assert_uint_eq(s->min_ns, 50000);
	ck_assert_uint_eq(s->max_ns, 10000000);
	free(t);
	free(s);
}
END_TEST

/* ---- validate and run ---------------------------------------------------- */

START_TEST(validate_needs_a_limit)
{
	char msg[256] = "";
	struct cp_opts o = { .max_prime = 10000, .events = 0, .time = 0,
			     .threads = 1 };
	ck_assert_int_eq(cp_validate(&o, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "events"));
	o.time = 1;
	ck_assert_int_eq(cp_validate(&o, msg, sizeof(msg)), 0);
	o.time = 0;
	o.events = 1;
	ck_assert_int_eq(cp_validate(&o, msg, sizeof(msg)), 0);
}
END_TEST

START_TEST(run_exact_events_threads)
{
	struct vb_ctx c;
	mock_start(&c);
	struct cp_opts o = { .max_prime = 2000, .events = 301, .time = 0,
			     .threads = 4 };
	ck_assert_int_eq(cp_run(&c, &o), 0);
	ck_assert_msg(c.error_code == 0, "%s", c.error);
	assert_all_metrics(&c);
	ck_assert_double_eq(metric(&c, "events"), 301);
	double t = metric(&c, "total_time");
	ck_assert(t > 0);
	ck_assert_double_eq_tol(metric(&c, "events_per_second"), 301 / t,
				1e-6 * 301 / t);
	double mn = metric(&c, "latency_min"), av = metric(&c, "latency_avg"),
	       mx = metric(&c, "latency_max"), p95 = metric(&c, "latency_p95");
	ck_assert(mn > 0 && mn <= av && av <= mx);
	ck_assert(p95 <= mx * 1.02 && p95 >= mn / 1.02);
	/* The events' summed time cannot exceed threads × wall time. */
	ck_assert(metric(&c, "latency_sum") <= 4 * t * 1000 * 1.001);
	ck_assert_int_eq(c.nfacts, 1);
	ck_assert_str_eq(c.facts[0][0], "primes_per_event");
	ck_assert_str_eq(c.facts[0][1], "302");
}
END_TEST

START_TEST(run_time_limited)
{
	struct vb_ctx c;
	mock_start(&c);
	struct cp_opts o = { .max_prime = 10000, .events = 0, .time = 0.2,
			     .threads = 2 };
	ck_assert_int_eq(cp_run(&c, &o), 0);
	double t = metric(&c, "total_time");
	ck_assert_msg(t >= 0.2 && t < 2.0, "total_time %g", t);
	ck_assert(metric(&c, "events") >= 1);
}
END_TEST

START_TEST(run_time_before_events)
{
	/* Both limits: whichever comes first. */
	struct vb_ctx c;
	mock_start(&c);
	struct cp_opts o = { .max_prime = 100000, .events = 1000000,
			     .time = 0.1, .threads = 1 };
	ck_assert_int_eq(cp_run(&c, &o), 0);
	ck_assert(metric(&c, "events") < 1000000);
	ck_assert(metric(&c, "total_time") < 2.0);
}
END_TEST

START_TEST(run_interrupted)
{
	struct vb_ctx c;
	mock_start(&c);
	c.interrupted = true;
	struct cp_opts o = { .max_prime = 10000, .events = 100, .time = 0,
			     .threads = 3 };
	ck_assert_int_eq(cp_run(&c, &o), -EINTR);
	ck_assert_int_eq(c.error_code, -EINTR);
	ck_assert_ptr_nonnull(strstr(c.error, "interrupted"));
	ck_assert_int_eq(c.nmetrics, 0);
}
END_TEST

START_TEST(descriptor)
{
	const struct vb_plugin_info *info = cpu_prime_LTX_vb_plugin_entry();
	ck_assert_str_eq(info->name, "cpu-prime");
	ck_assert_int_eq(info->kind, VB_PLUGIN_WORKLOAD);
	ck_assert_uint_eq(info->options_size, sizeof(struct cp_opts));
	const struct vb_workload_ops *ops = info->ops;
	ck_assert_uint_eq(ops->size, sizeof(*ops));
	ck_assert_ptr_nonnull(ops->run);
	ck_assert_uint_eq(ops->flags & VB_WL_DROP_CACHES, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu-prime");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, event_work_amounts);
	tcase_add_test(tc, histogram_buckets);
	tcase_add_test(tc, validate_needs_a_limit);
	tcase_add_test(tc, run_exact_events_threads);
	tcase_add_test(tc, run_time_limited);
	tcase_add_test(tc, run_time_before_events);
	tcase_add_test(tc, run_interrupted);
	tcase_add_test(tc, descriptor);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
