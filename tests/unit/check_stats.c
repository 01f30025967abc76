/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Statistics, comparisons and thresholds (analysis/stats.c, analysis/summary.c,
 * engine/threshold.c).
 *
 * Reference values were computed independently of GSL, with Python 3.11:
 * mean/stdev/median/variance from the `statistics` module, Student t tail
 * probabilities by Simpson integration of the t density (math.lgamma), t
 * quantiles by bisection on that integral, and Fieller limits as the roots
 * of (a - rho*b)^2 = t^2 (va + rho^2 vb). The quantiles agree with published
 * t tables (t(0.975; 1, 4, 10, 30) = 12.706, 2.776, 2.228, 2.042) and the
 * Welch case is the first example of Wikipedia's "Welch's t-test" article
 * (t = -2.46, df = 24.99, p = 0.021). The script:
 *
 *   def tpdf(x, df): return exp(lgamma((df+1)/2) - lgamma(df/2)) /
 *       sqrt(df*pi) * (1 + x*x/df) ** (-(df+1)/2)
 *   def tcdf_upper(t, df, n=200000):      # P(T > t), Simpson on [0, t]
 *       h = t/n; s = tpdf(0, df) + tpdf(t, df)
 *       for i in range(1, n): s += (4 if i % 2 else 2) * tpdf(i*h, df)
 *       return 0.5 - s*h/3
 *   tq975(df): bisection of tcdf_upper(x, df) = 0.025 on [0, 20]
 *   welch: va = variance(a)/na ...; p = 2*tcdf_upper(|t|, df)
 *   fieller: dfr = (vA + R²vB)² / (vA²/(nA-1) + R⁴vB²/(nB-1)), t = tq975(dfr),
 *       roots of (B² - t²vB) rho² - 2AB rho + (A² - t²vA)
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>

#include "analysis/analysis.h"
#include "analysis/model.h"
#include "analysis-util.h"

#define EPS(ref, tol) ((tol) * fmax(1.0, fabs((double)(ref))))
#define ck_near(x, ref, tol) \
	ck_assert_msg(fabs((x) - (ref)) <= EPS(ref, tol), "%s = %.15g, expected %.15g", \
		      #x, (double)(x), (double)(ref))

START_TEST(describe_reference)
{
	const double x[] = { 10.2, 9.8, 10.5, 10.1, 9.9 };
	struct vb_stats st;
	bool o[5];

	vb_stats_describe(x, 5, &st, o);
	ck_assert_uint_eq(st.n, 5);
	ck_near(st.mean, 10.1, 1e-12);
	ck_near(st.sd, 0.273861278752583, 1e-12);
	ck_near(st.median, 10.1, 1e-12);
	ck_near(st.min, 9.8, 1e-12);
	ck_near(st.max, 10.5, 1e-12);
	ck_near(st.ci_half, 0.340043690329128, 1e-9);
	ck_near(st.ci_low, 10.1 - 0.340043690329128, 1e-9);
	ck_near(st.ci_high, 10.1 + 0.340043690329128, 1e-9);
	ck_near(st.cv, 0.0271149780943151, 1e-12);
	ck_assert_uint_eq(st.noutliers, 0);
	for (int i = 0; i < 5; i++)
		ck_assert(!o[i]);
}
END_TEST

START_TEST(describe_small)
{
	const double one[] = { 3.5 }, two[] = { 1, 3 };
	struct vb_stats st;

	vb_stats_describe(one, 1, &st, NULL);
	ck_assert_uint_eq(st.n, 1);
	ck_near(st.mean, 3.5, 1e-15);
	ck_near(st.median, 3.5, 1e-15);
	ck_assert(isnan(st.sd) && isnan(st.ci_half) && isnan(st.cv));
	vb_stats_describe(two, 2, &st, NULL);
	/* sd = sqrt(2); t(0.975, 1) = 12.7062047 */
	ck_near(st.ci_half, 12.70620474 * sqrt(2) / sqrt(2), 1e-7);
	vb_stats_describe(NULL, 0, &st, NULL);
	ck_assert_uint_eq(st.n, 0);
	ck_assert(isnan(st.mean));
}
END_TEST

START_TEST(t_quantiles)
{
	ck_near(vb_stats_t975(1), 12.70620474, 1e-8);
	ck_near(vb_stats_t975(4), 2.7764451052, 1e-9);
	ck_near(vb_stats_t975(10), 2.22813885, 1e-8);
	ck_near(vb_stats_t975(30), 2.04227246, 1e-8);
	ck_assert(isnan(vb_stats_t975(0)));
}
END_TEST

START_TEST(outliers_modified_z)
{
	/* median 1.01, MAD 0.01: z(1.50) = 0.6745 * 0.49 / 0.01 = 33.05 */
	const double x[] = { 1.00, 1.01, 0.99, 1.02, 1.50 };
	double z[5];
	struct vb_stats st;
	bool o[5];

	vb_stats_modz(x, 5, z);
	ck_near(z[4], 33.0505, 1e-9);
	ck_near(z[2], -1.349, 1e-9);
	vb_stats_describe(x, 5, &st, o);
	ck_assert_uint_eq(st.noutliers, 1);
	ck_assert(o[4] && !o[0] && !o[1] && !o[2] && !o[3]);
	/* Flagged, not dropped: the mean still includes 1.50. */
	ck_near(st.mean, 5.52 / 5, 1e-12);
}
END_TEST

START_TEST(outliers_mad_zero)
{
	/* MAD = 0; MeanAD = 0.8: z(9) = 4 / (1.253314 * 0.8) = 3.98942 > 3.5 */
	const double x[] = { 5, 5, 5, 5, 9 }, same[] = { 3, 3, 3 };
	double z[5];
	struct vb_stats st;
	bool o[5];

	vb_stats_modz(x, 5, z);
	ck_near(z[4], 4 / (1.253314 * 0.8), 1e-12);
	ck_near(z[0], 0, 1e-15);
	vb_stats_describe(x, 5, &st, o);
	ck_assert_uint_eq(st.noutliers, 1);
	ck_assert(o[4]);
	vb_stats_describe(same, 3, &st, o);
	ck_assert_uint_eq(st.noutliers, 0);
	ck_near(st.sd, 0, 1e-15);
	ck_near(st.cv, 0, 1e-15);
}
END_TEST

START_TEST(welch_reference)
{
	const double a[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
			     21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 };
	const double b[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
			     24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 };
	struct vb_stats sa, sb;
	struct vb_welch w;

	vb_stats_describe(a, 15, &sa, NULL);
	vb_stats_describe(b, 15, &sb, NULL);
	vb_stats_welch(&sa, &sb, &w);
	ck_near(w.t, -2.45535639829, 1e-10);
	ck_near(w.df, 24.9885292902, 1e-10);
	ck_near(w.p, 0.02137800146, 1e-8);
	/* Symmetric. */
	vb_stats_welch(&sb, &sa, &w);
	ck_near(w.t, 2.45535639829, 1e-10);
	ck_near(w.p, 0.02137800146, 1e-8);
}
END_TEST

START_TEST(welch_degenerate)
{
	const double c1[] = { 2, 2, 2 }, c2[] = { 3, 3, 3 }, one[] = { 1 };
	struct vb_stats s1, s2, s3;
	struct vb_welch w;

	vb_stats_describe(c1, 3, &s1, NULL);
	vb_stats_describe(c2, 3, &s2, NULL);
	vb_stats_describe(one, 1, &s3, NULL);
	vb_stats_welch(&s1, &s2, &w);
	ck_near(w.p, 0, 0);
	vb_stats_welch(&s1, &s1, &w);
	ck_near(w.p, 1, 0);
	vb_stats_welch(&s1, &s3, &w);
	ck_assert(isnan(w.p));
}
END_TEST

START_TEST(ratio_fieller)
{
	const double x[] = { 2.31, 2.35, 2.28, 2.40, 2.33 };
	const double y[] = { 1.01, 0.99, 1.02, 1.00, 0.98 };
	const double z[] = { 0.5, -0.4, 0.1, -0.2, 0.05 };
	struct vb_stats sx, sy, sz;
	struct vb_ratio r;

	vb_stats_describe(x, 5, &sx, NULL);
	vb_stats_describe(y, 5, &sy, NULL);
	vb_stats_ratio(&sx, &sy, &r);
	ck_near(r.ratio, 2.334, 1e-12);
	ck_near(r.df, 7.701205437, 1e-8);
	ck_near(r.lo, 2.27414827, 1e-8);
	ck_near(r.hi, 2.395110131, 1e-8);
	/* A baseline mean indistinguishable from 0: the interval is unbounded. */
	vb_stats_describe(z, 5, &sz, NULL);
	vb_stats_ratio(&sx, &sz, &r);
	ck_assert(isinf(r.lo) && r.lo < 0 && isinf(r.hi) && r.hi > 0);
	/* No spread: a point interval. */
	{
		const double c1[] = { 2, 2 }, c2[] = { 4, 4 };
		struct vb_stats s1, s2;

		vb_stats_describe(c1, 2, &s1, NULL);
		vb_stats_describe(c2, 2, &s2, NULL);
		vb_stats_ratio(&s1, &s2, &r);
		ck_near(r.ratio, 0.5, 0);
		ck_near(r.lo, 0.5, 0);
		ck_near(r.hi, 0.5, 0);
	}
}
END_TEST

START_TEST(threshold_parse)
{
	struct vb_threshold th;
	char err[200];

	ck_assert_int_eq(vb_threshold_parse("qemu/bare-metal total_time <= 1.5", &th,
					    err, sizeof(err)), 0);
	ck_assert_str_eq(th.backend, "qemu");
	ck_assert_str_eq(th.baseline, "bare-metal");
	ck_assert_str_eq(th.metric, "total_time");
	ck_assert_str_eq(th.op, "<=");
	ck_near(th.limit, 1.5, 0);
	ck_assert(vb_threshold_holds(&th, 1.5));
	ck_assert(!vb_threshold_holds(&th, 1.5000001));
	vb_threshold_clear(&th);

	ck_assert_int_eq(vb_threshold_parse("docker/bare-metal events_per_second \xe2\x89\xa5 0.9",
					    &th, err, sizeof(err)), 0);
	ck_assert_str_eq(th.op, ">=");
	ck_assert(vb_threshold_holds(&th, 0.9) && !vb_threshold_holds(&th, 0.89));
	vb_threshold_clear(&th);
	ck_assert_int_eq(vb_threshold_parse("a/b m > 2", &th, err, sizeof(err)), 0);
	ck_assert(!vb_threshold_holds(&th, 2) && vb_threshold_holds(&th, 2.1));
	vb_threshold_clear(&th);
	ck_assert_int_eq(vb_threshold_parse("a/b m < 2", &th, err, sizeof(err)), 0);
	ck_assert(!vb_threshold_holds(&th, 2) && vb_threshold_holds(&th, 1.9));
	vb_threshold_clear(&th);

	ck_assert_int_eq(vb_threshold_parse("qemu total_time <= 1.5", &th, err,
					    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "BACKEND/BASELINE"));
	ck_assert_int_eq(vb_threshold_parse("qemu/bare-metal total_time == 1.5", &th,
					    err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "comparison '==' unknown"));
	ck_assert_int_eq(vb_threshold_parse("qemu/bare-metal total_time <= fast", &th,
					    err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	ck_assert_int_eq(vb_threshold_parse("qemu/bare-metal total_time <= 1 extra", &th,
					    err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(vb_threshold_parse("", &th, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(csv_reader)
{
	char dir[] = "/tmp/vb-csv-XXXXXX", path[256], err[512];
	struct vb_table t;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.csv", dir);
	f = fopen(path, "w");
	fputs("a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n\"multi\nline\",,\n4\n", f);
	fclose(f);
	ck_assert_int_eq(vb_table_read(path, &t, NULL, 0), 0);
	ck_assert_uint_eq(t.ncols, 3);
	ck_assert_uint_eq(t.nrows, 3);
	ck_assert_str_eq(t.rows[0][1], "x, \"y\"");
	ck_assert_str_eq(t.rows[1][0], "multi\nline");
	ck_assert_str_eq(t.rows[1][2], "");
	ck_assert_str_eq(t.rows[2][0], "4");
	ck_assert_str_eq(t.rows[2][2], ""); /* padded */
	ck_assert_int_eq(t.lines[2], 6);
	ck_assert_int_eq(vb_table_col(&t, "c"), 2);
	ck_assert_int_eq(vb_table_col(&t, "d"), -1);
	vb_table_free(&t);

	f = fopen(path, "w");
	fputs("a,b\n1,\"open\n", f);
	fclose(f);
	ck_assert_int_eq(vb_table_read(path, &t, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "a.csv:2: unterminated quoted field"));
	unlink(path);
	ck_assert_int_eq(vb_table_read(path, &t, NULL, 0), -ENOENT);
	rmdir(dir);
}
END_TEST

/* A line of summary.csv, by its first seven fields. */
static char *find_line(char *text, const char *prefix)
{
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');

		if (!strncmp(p, prefix, strlen(prefix))) {
			if (nl)
				*nl = '\0';
			return p;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static double field(const char *line, int idx)
{
	const char *p = line;

	for (int i = 0; i < idx && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	ck_assert_ptr_nonnull(p);
	return strtod(p, NULL);
}

START_TEST(analyze_fixture)
{
	char *dir = fixture_copy("results-mixed"), *s, *line;
	int viol = -1;

	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	/* "qemu/bare-metal total_time <= 1.5" breaks; the docker one holds. */
	ck_assert_int_eq(viol, 1);
	ck_assert(exists(dir, "summary.csv") && exists(dir, "summary.json") &&
		  exists(dir, "comparisons.csv"));

	s = slurp(dir, "summary.csv");
	ck_assert_ptr_nonnull(strstr(s, "experiment,backend,config,cpus,memory,workload,"
				     "params,metric,unit,n,mean,sd,min,median,max,"
				     "ci95_low,ci95_high,ci95_half,cv_percent,outliers,"
				     "outlier_repetitions,failed,verdict,stop,order,"
				     "noisy_repetitions,excluded_repetitions,"
				     "worst_steal_percent,worst_foreign_cpu\n"));
	/* Python statistics on the five runs.csv values of this cell. */
	line = find_line(s, "fixture,bare-metal,1cpu-2g,1,2147483648,cpu-prime,"
			 "max_prime=5000,total_time,s,5,");
	ck_assert_ptr_nonnull(line);
	ck_near(field(line, 10), 1.0515122267839496, 1e-9);
	ck_near(field(line, 11), 0.10611449301731848, 1e-9);
	ck_near(field(line, 13), 1.0128818475315546, 1e-9);
	ck_near(field(line, 17), 2.7764451052 * 0.10611449301731848 / sqrt(5), 1e-8);
	/* The planted outlier is repetition 4; flagged, counted, kept (n = 5). */
	ck_assert_ptr_nonnull(strstr(line, ",1,4,0,ok"));
	free(s);

	s = slurp(dir, "summary.csv");
	/* The failed repetition: 4 values, 1 failure. */
	line = find_line(s, "fixture,qemu,2cpu-2g,2,2147483648,cpu-prime,"
			 "max_prime=10000,total_time,s,4,");
	ck_assert_ptr_nonnull(line);
	ck_near(field(line, 10), 5.9821583729044345, 1e-9);
	ck_near(field(line, 11), 0.06514944637701156, 1e-9);
	ck_assert_ptr_nonnull(strstr(line, ",1,ok"));
	/* The refused environment has no statistics rows at all. */
	ck_assert_ptr_null(strstr(s, ",docker,4cpu-4g,"));
	free(s);

	s = slurp(dir, "comparisons.csv");
	line = find_line(s, "fixture,qemu,bare-metal,1cpu-2g,cpu-prime,max_prime=5000,"
			 "total_time,s,5,5,");
	ck_assert_ptr_nonnull(line);
	ck_near(field(line, 12), 2.1928294679983367, 1e-9);
	ck_assert(field(line, 13) < 2.1928 && field(line, 14) > 2.1929);
	ck_assert(field(line, 17) < 0.001);
	ck_assert_ptr_nonnull(strstr(line, "violated: qemu/bare-metal total_time <= 1.5"));
	free(s);
	s = slurp(dir, "comparisons.csv");
	ck_assert_ptr_null(strstr(s, "page_cache_dropped"));
	ck_assert_ptr_nonnull(strstr(s, "ok: docker/bare-metal total_time <= 1.2"));
	free(s);

	s = slurp(dir, "summary.json");
	ck_assert_ptr_nonnull(strstr(s, "\"violations\": 1"));
	ck_assert_ptr_nonnull(strstr(s, "\"outlier_repetitions\": [\n    4\n   ]"));
	ck_assert_ptr_nonnull(strstr(s, "\"error\": \"agent: no reply within 3600 s, VM killed\""));
	free(s);
	rm_tree(dir);
}
END_TEST

START_TEST(analyze_errors)
{
	char *dir = fixture_copy("results-mixed"), path[4096];
	int viol = -1;
	FILE *f;

	/* Without environment.json: statistics still, no baseline, no thresholds. */
	snprintf(path, sizeof(path), "%s/environment.json", dir);
	unlink(path);
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(viol, 0);
	ck_assert(exists(dir, "summary.csv"));
	{
		/* ...but bare-metal is still the baseline, as by default. */
		char *s = slurp(dir, "comparisons.csv");

		ck_assert_ptr_nonnull(strstr(s, ",qemu,bare-metal,1cpu-2g,cpu-prime,max_prime=5000,total_time,"));
		free(s);
	}
	/* A bad threshold is reported, not counted as violated. */
	f = fopen(path, "w");
	fputs("{\"experiment\": {\"name\": \"x\", \"baseline\": \"bare-metal\", "
	      "\"thresholds\": [\"qemu total_time <= 1.5\", "
	      "\"qemu/bare-metal nosuchmetric <= 1\"]}}", f);
	fclose(f);
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(viol, 0);
	/* A header that is not runs.csv's. */
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	f = fopen(path, "w");
	fputs("backend,config\nqemu,1cpu\n", f);
	fclose(f);
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), -EINVAL);
	unlink(path);
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), -ENOENT);
	rm_tree(dir);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, describe_reference);
	tcase_add_test(tc, describe_small);
	tcase_add_test(tc, t_quantiles);
	tcase_add_test(tc, outliers_modified_z);
	tcase_add_test(tc, outliers_mad_zero);
	tcase_add_test(tc, welch_reference);
	tcase_add_test(tc, welch_degenerate);
	tcase_add_test(tc, ratio_fieller);
	tcase_add_test(tc, threshold_parse);
	tcase_add_test(tc, csv_reader);
	tcase_add_test(tc, analyze_fixture);
	tcase_add_test(tc, analyze_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
