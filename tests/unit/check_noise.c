/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Host noise and the adaptive rule, the parts that need no host: the
 * parsers of /proc/stat and /proc/PID/stat, CPU lists, the judgement
 * with its tick allowance, the journal columns, the relative half-width
 * against hand-computed values from a table of t quantiles, and the
 * order of the stopping reasons.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/adaptive.h"
#include "engine/journal.h"
#include "engine/noise.h"
#include "virtbench/plugin.h"

START_TEST(test_parse_stat)
{
	static const char text[] =
		"cpu  10 20 30 40 50 60 70 80 0 0\n"
		"cpu0 1 2 3 4 5 6 7 8 9 10\n"
		"cpu2 100 0 50 1000 7 1 2 33 0 0\n"
		"intr 12345\n"
		"cpu9999999 1 1 1 1\n";
	struct vb_cpu_ticks t[8] = { 0 };
	size_t n = vb_noise_parse_stat(text, t, 8);

	ck_assert_uint_eq(n, 3);
	ck_assert(t[0].seen && !t[1].seen && t[2].seen);
	/* busy = user + nice + system + irq + softirq */
	ck_assert_uint_eq(t[0].busy, 1 + 2 + 3 + 6 + 7);
	ck_assert_uint_eq(t[0].idle, 4);
	ck_assert_uint_eq(t[0].iowait, 5);
	ck_assert_uint_eq(t[0].steal, 8);
	ck_assert_uint_eq(t[2].busy, 153);
	ck_assert_uint_eq(t[2].steal, 33);
}
END_TEST

START_TEST(test_parse_pidstat)
{
	/* A command name with spaces and parentheses of its own. */
	static const char text[] =
		"4242 (we) ird (name)) S 17 4242 4242 0 -1 4194560 100 0 0 0 "
		"250 50 7 3 20 0 1 0 987654 1000000 100 18446744073709551615\n";
	unsigned long long ticks, start;
	pid_t ppid;

	ck_assert(vb_noise_parse_pidstat(text, &ticks, &start, &ppid));
	ck_assert_int_eq(ppid, 17);
	ck_assert_uint_eq(ticks, 250 + 50 + 7 + 3);
	ck_assert_uint_eq(start, 987654);
	ck_assert(!vb_noise_parse_pidstat("4242 no parens", &ticks, &start, &ppid));
	ck_assert(!vb_noise_parse_pidstat("1 (x) S 1 2", &ticks, &start, &ppid));
}
END_TEST

START_TEST(test_cpulist)
{
	ck_assert_int_eq(vb_cpulist_count("0"), 1);
	ck_assert_int_eq(vb_cpulist_count("0-3,8,10-11"), 7);
	ck_assert_int_eq(vb_cpulist_count("1-1"), 1);
	ck_assert_int_eq(vb_cpulist_count("3-1"), -1);
	ck_assert_int_eq(vb_cpulist_count(""), -1);
	ck_assert_int_eq(vb_cpulist_count("0,x"), -1);
}
END_TEST

static struct vb_noise sample(double window, int ncpus, double steal,
			      double foreign)
{
	struct vb_noise n;

	vb_noise_init(&n);
	n.sampled = true;
	n.window = window;
	n.ncpus = ncpus;
	snprintf(n.cpus, sizeof(n.cpus), ncpus == 1 ? "0" : "0-%d", ncpus - 1);
	n.busy = foreign;
	n.steal = steal;
	n.env_cpu = 0;
	n.foreign = foreign;
	return n;
}

START_TEST(test_judge)
{
	const struct vb_noise_rule r = { VB_NOISE_FLAG, 0.02, 0.10 };
	double tick = 1.0 / (double)sysconf(_SC_CLK_TCK);
	struct vb_noise n = sample(10, 1, 0.1, 0.5);

	/* steal 1 %, others 0.05 CPU: quiet */
	ck_assert_uint_eq(vb_noise_judge(&n, &r), 0);
	n = sample(10, 1, 0.5, 0.5);
	ck_assert_uint_eq(vb_noise_judge(&n, &r), VB_NOISE_STEAL_FLAG);
	n = sample(10, 1, 0.1, 2.0);
	ck_assert_uint_eq(vb_noise_judge(&n, &r), VB_NOISE_FOREIGN_FLAG);
	ck_assert_str_eq(vb_noise_flags_name(VB_NOISE_FOREIGN_FLAG |
					     VB_NOISE_STEAL_FLAG),
			 "steal,foreign");
	/* Steal is a share of every CPU of the environment. */
	n = sample(10, 4, 0.5, 0);
	ck_assert(fabs(vb_noise_steal_share(&n) - 0.0125) < 1e-12);
	ck_assert_uint_eq(vb_noise_judge(&n, &r), 0);
	/* One tick in a window of two ticks: not enough to judge by. */
	n = sample(2 * tick, 1, 0, tick);
	ck_assert_uint_eq(vb_noise_judge(&n, &r), 0);
	n = sample(2 * tick, 1, 0, 2 * tick);
	ck_assert_uint_eq(vb_noise_judge(&n, &r), VB_NOISE_FOREIGN_FLAG);
	/* Not sampled, or no environment CPU time: nothing to flag. */
	vb_noise_init(&n);
	ck_assert_uint_eq(vb_noise_judge(&n, &r), 0);
	n = sample(10, 1, 0, 5);
	n.foreign = NAN;
	ck_assert_uint_eq(vb_noise_judge(&n, &r), 0);
}
END_TEST

START_TEST(test_columns)
{
	struct vb_noise n = sample(2.5, 2, 0.125, 0.75), back;
	struct vb_noise_text t;
	const char *f[VB_RC_N] = { 0 };
	char *row[VB_RC_N];

	n.iowait = 0.01;
	n.env_cpu = 1.25;
	snprintf(n.env_from, sizeof(n.env_from), "agent");
	n.loadavg = 3.5;
	n.swap_in = 0;
	vb_noise_to_row(&n, &t, f);
	ck_assert_str_eq(f[VB_RC_NOISE_WINDOW], "2.5");
	ck_assert_str_eq(f[VB_RC_NOISE_CPUS], "0-1");
	ck_assert_str_eq(f[VB_RC_NOISE_ENV_FROM], "agent");
	/* Unknown is empty, never 0. */
	ck_assert_str_eq(f[VB_RC_NOISE_CPUFREQ], "");
	ck_assert_str_eq(f[VB_RC_NOISE_GUEST_STEAL], "");
	ck_assert_str_eq(f[VB_RC_NOISE_SWAP_IN], "0");
	for (size_t i = 0; i < VB_RC_N; i++)
		row[i] = (char *)(f[i] ? f[i] : "");
	vb_noise_from_row(row, &back);
	ck_assert(back.sampled);
	ck_assert_int_eq(back.ncpus, 2);
	ck_assert(back.window == 2.5 && back.steal == 0.125 &&
		  back.foreign == 0.75 && back.env_cpu == 1.25 &&
		  back.loadavg == 3.5);
	ck_assert(isnan(back.cpufreq) && isnan(back.guest_steal));
	/* A row from before the noise columns: not sampled. */
	for (size_t i = 0; i < VB_RC_N; i++)
		row[i] = "";
	vb_noise_from_row(row, &back);
	ck_assert(!back.sampled);
}
END_TEST

/* t(0.975, df) from a printed table (Student, two-sided 95 %). */
static const double t_table[] = {
	0, 12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
	2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
};

START_TEST(test_t_quantiles)
{
	for (int df = 1; df <= 15; df++)
		ck_assert_msg(fabs(vb_t975(df) - t_table[df]) < 5e-5,
			      "df %d: %.6f", df, vb_t975(df));
}
END_TEST

START_TEST(test_half_width)
{
	static const double x[] = { 1, 2, 3, 4, 5 };
	static const double same[] = { 7, 7, 7 };
	/* mean 3, sd sqrt(2.5): 2.7764 * 1.58114 / sqrt(5) / 3 */
	double want = t_table[4] * sqrt(2.5) / sqrt(5) / 3;

	ck_assert(fabs(vb_rel_half_width(x, 5) - want) < 1e-4);
	ck_assert(vb_rel_half_width(same, 3) == 0);
	ck_assert(isinf(vb_rel_half_width(x, 1)));
}
END_TEST

START_TEST(test_decide)
{
	struct vb_adaptive a = { .on = true, .min = 3, .max = 6,
				 .precision = 0.05 };
	struct vb_adaptive_cell c = { 0 };
	double worst;

	/* 100, 101: tight, but fewer than min. */
	vb_adaptive_add(&c, "m", 100);
	vb_adaptive_add(&c, "m", 101);
	c.nok = 2;
	ck_assert_int_eq(vb_adaptive_decide(&a, &c, &worst), VB_STOP_NONE);
	vb_adaptive_add(&c, "m", 100.5);
	c.nok = 3;
	ck_assert_int_eq(vb_adaptive_decide(&a, &c, &worst), VB_STOP_PRECISION);
	ck_assert(worst < 0.05);
	/* Every watched metric must be tight. */
	vb_adaptive_add(&c, "n", 10);
	vb_adaptive_add(&c, "n", 20);
	vb_adaptive_add(&c, "n", 30);
	ck_assert_int_eq(vb_adaptive_decide(&a, &c, NULL), VB_STOP_NONE);
	ck_assert_int_eq(vb_adaptive_predict(&a, &c), 6);
	/* max, and then the budget, in that order. */
	c.nok = 6;
	ck_assert_int_eq(vb_adaptive_decide(&a, &c, NULL), VB_STOP_MAX);
	c.nok = 5;
	a.budget = 10;
	c.used = 9.9;
	ck_assert_int_eq(vb_adaptive_decide(&a, &c, NULL), VB_STOP_NONE);
	c.used = 10;
	ck_assert_int_eq(vb_adaptive_decide(&a, &c, NULL), VB_STOP_BUDGET);
	ck_assert_str_eq(vb_stop_name(VB_STOP_BUDGET), "budget");
	ck_assert_int_eq(vb_stop_parse("precision"), VB_STOP_PRECISION);
	ck_assert_int_eq(vb_stop_parse("x"), VB_STOP_NONE);
	vb_adaptive_cell_free(&c);
}
END_TEST

START_TEST(test_predict)
{
	struct vb_adaptive a = { .on = true, .min = 3, .max = 30,
				 .precision = 0.02 };
	struct vb_adaptive_cell c = { 0 };
	/* cv = 0.05: the smallest n with t(n-1) * 0.05 / sqrt(n) <= 0.02,
	 * from the table: n = 27 (t(26) = 2.0555: 0.01978), n = 26 gives
	 * 2.0595 * 0.05 / 5.099 = 0.02019. */
	static const double x[] = { 95, 100, 105 };

	for (int i = 0; i < 3; i++)
		vb_adaptive_add(&c, "m", x[i]);
	c.nok = 3;
	ck_assert_int_eq(vb_adaptive_predict(&a, &c), 27);
	vb_adaptive_cell_free(&c);
}
END_TEST

/* Our own cgroup that counts CPU time (every Linux has one: the root's at
 * worst), and a backend's word over the guess. */
START_TEST(test_cgroup_of)
{
	struct vb_env_accounting a = { .cgroup_member = getpid() };
	struct vb_noise_where w;
	char dir[4096], path[4200];

	if (vb_noise_cgroup_of(getpid(), dir, sizeof(dir)) < 0)
		return; /* no cgroup file system mounted here */
	snprintf(path, sizeof(path), "%s/cpuacct.usage", dir);
	if (access(path, R_OK) < 0)
		snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	ck_assert_msg(access(path, R_OK) == 0, "%s", path);
	vb_noise_where_guess(&w, true);
	ck_assert(w.children && w.vm);
	vb_noise_where_from(&w, &a);
	ck_assert_str_eq(w.cgroup, dir);
	ck_assert(!w.children);
	ck_assert_int_eq(vb_noise_cgroup_of(0, dir, sizeof(dir)), -ENOENT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("noise");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, test_parse_stat);
	tcase_add_test(tc, test_parse_pidstat);
	tcase_add_test(tc, test_cpulist);
	tcase_add_test(tc, test_judge);
	tcase_add_test(tc, test_columns);
	tcase_add_test(tc, test_t_quantiles);
	tcase_add_test(tc, test_half_width);
	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_predict);
	tcase_add_test(tc, test_cgroup_of);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
