/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Results from several hosts (analysis/hosts.c): a cell is compared with
 * its baseline only when both ran on the same host (unless shard_by =
 * "environment" said otherwise, which the report then states); the
 * report's Hosts table lists the shards and warns about mixed CPU models
 * and kernels; a Slurm task that did not complete is shown with its state,
 * exit status and output.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/model.h"
#include "engine/journal.h"
#include "lib/util.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vb-hosts-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	vb_rm_rf(dir);
}

/* 3 repetitions of (backend, config) on host, total_time = value. */
static void reps(struct vb_journal *j, const char *backend, const char *config,
		 const char *host, const char *value)
{
	for (int r = 1; r <= 3; r++) {
		const char *f[VB_RC_N] = { 0 };
		const char *const *rows[1] = { f };
		char rep[8];

		snprintf(rep, sizeof(rep), "%d", r);
		f[VB_RC_BACKEND] = backend;
		f[VB_RC_CONFIG] = config;
		f[VB_RC_CPUS] = "1";
		f[VB_RC_MEMORY] = "268435456";
		f[VB_RC_WORKLOAD] = "cpu-prime";
		f[VB_RC_PARAMS] = "";
		f[VB_RC_REPETITION] = rep;
		f[VB_RC_METRIC] = "total_time";
		f[VB_RC_VALUE] = r == 2 ? value : r == 1 ? "1.0" : "1.1";
		f[VB_RC_UNIT] = "s";
		f[VB_RC_STATUS] = "ok";
		f[VB_RC_VERDICT] = "ok";
		f[VB_RC_HOST] = host;
		ck_assert_int_eq(vb_journal_append(j, rows, 1), 0);
	}
}

static void write_dir(const char *by)
{
	struct vb_journal *j = NULL;
	char err[512], *p, *t;

	ck_assert_int_eq(vb_journal_open(dir, &vb_runs_format, "exp", "h", &j, NULL, err,
					 sizeof(err)), 0);
	/* c1 on node-a; c2's shard was resubmitted: docker on node-b,
	 * bare-metal on node-c. */
	reps(j, "bare-metal", "c1", "node-a", "1.2");
	reps(j, "docker", "c1", "node-a", "1.3");
	reps(j, "bare-metal", "c2", "node-c", "1.2");
	reps(j, "docker", "c2", "node-b", "1.3");
	vb_journal_close(j);
	t = vb_xasprintf(
		"{\"experiment\": {\"name\": \"exp\", \"baseline\": \"bare-metal\"},"
		" \"shard_plan\": {\"count\": 2, \"by\": \"%s\"},"
		" \"shards\": ["
		"  {\"shard\": 1, \"results\": true, \"virtbench\": \"0.1.0\","
		"   \"host\": {\"hostname\": \"node-a\", \"cpu_model\": \"Xeon A\", \"kernel\": \"6.1\"},"
		"   \"slurm\": {\"job\": \"7\", \"shard\": 1, \"state\": \"COMPLETED\", \"node\": \"n-a\","
		"    \"final\": true, \"exit_code\": 0, \"explanation\": \"completed\"}},"
		"  {\"shard\": 2, \"results\": true, \"virtbench\": \"0.1.0\","
		"   \"host\": {\"hostname\": \"node-b\", \"cpu_model\": \"EPYC B\", \"kernel\": \"6.1\"},"
		"   \"slurm\": {\"job\": \"9\", \"shard\": 2, \"state\": \"TIMEOUT\", \"node\": \"n-b\","
		"    \"final\": true, \"exit_code\": 0, \"output\": \"/x/9_2.out\","
		"    \"explanation\": \"TIMEOUT: killed at its time limit\","
		"    \"output_tail\": \"line one\\n*** JOB 9 CANCELLED DUE TO TIME LIMIT ***\"}}]}",
		by);
	p = vb_path_join(dir, "environment.json");
	ck_assert_int_eq(vb_write_file_atomic(p, t, strlen(t)), 0);
	free(p);
	free(t);
}

/* Messages of the analysis; nothing prints them. */
static struct vb_diag msgs;

/* Comparisons of a backend against the baseline (config against config
 * rows follow them in a->cmp). */
static size_t backend_rows(const struct vb_analysis *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->ncmp; i++)
		n += a->cmp[i].varies == VB_VARIES_BACKEND;
	return n;
}

static char *report_text(void)
{
	char *p = vb_path_join(dir, "report.md"), *data = NULL;
	size_t len;

	ck_assert_int_eq(vb_report(dir, &msgs), 0);
	ck_assert_int_eq(vb_read_file(p, 1 << 22, &data, &len), 0);
	free(p);
	return data;
}

START_TEST(test_note)
{
	char *h = NULL;

	vb_hosts_note(&h, "");
	ck_assert_ptr_null(h);
	vb_hosts_note(&h, "a");
	vb_hosts_note(&h, "b");
	vb_hosts_note(&h, "a");
	ck_assert_str_eq(h, "a,b");
	free(h);
}
END_TEST

START_TEST(test_within_one_host)
{
	struct vb_analysis *a;
	char *r;

	write_dir("config");
	ck_assert_int_eq(vb_analysis_load(dir, &a, &msgs), 0);
	/* c1 is compared; c2's docker ran on another host than its baseline. */
	ck_assert_uint_eq(backend_rows(a), 1);
	ck_assert_str_eq(a->cmp[0].cell->group->config, "c1");
	vb_analysis_free(a);
	r = report_text();
	ck_assert_ptr_nonnull(strstr(r, "## Hosts"));
	ck_assert_ptr_nonnull(strstr(r, "| 1 | n-a | node-a | Xeon A | 6.1 | 0.1.0 | 7_1 | COMPLETED |"));
	ck_assert_ptr_nonnull(strstr(r, "| 2 | n-b | node-b | EPYC B | 6.1 | 0.1.0 | 9_2 | TIMEOUT |"));
	ck_assert_ptr_nonnull(strstr(r, "different CPU models**: Xeon A (shard 1); EPYC B (shard 2)"));
	ck_assert_ptr_null(strstr(r, "different kernels"));
	ck_assert_ptr_nonnull(strstr(r, "**Not compared with the baseline**"));
	ck_assert_ptr_nonnull(strstr(r, "- docker c2 cpu-prime -: on node-b, bare-metal on node-c"));
	ck_assert_ptr_nonnull(strstr(r, "shard 2, job 9_2 on n-b, Slurm state **TIMEOUT**, exit status 0: TIMEOUT: killed"));
	ck_assert_ptr_nonnull(strstr(r, "\n        *** JOB 9 CANCELLED DUE TO TIME LIMIT ***\n"));
	ck_assert_ptr_null(strstr(r, "Baselines came from other nodes"));
	free(r);
}
END_TEST

START_TEST(test_across_nodes)
{
	struct vb_analysis *a;
	char *r;

	write_dir("environment");
	ck_assert_int_eq(vb_analysis_load(dir, &a, &msgs), 0);
	ck_assert_uint_eq(backend_rows(a), 2);
	vb_analysis_free(a);
	r = report_text();
	ck_assert_ptr_nonnull(strstr(r, "**Baselines came from other nodes**"));
	ck_assert_ptr_null(strstr(r, "Not compared with the baseline"));
	free(r);
}
END_TEST

START_TEST(test_one_host_no_section)
{
	struct vb_journal *j = NULL;
	struct vb_analysis *a;
	char err[512], *r;

	/* A local run: no Hosts section, comparisons as ever. */
	ck_assert_int_eq(vb_journal_open(dir, &vb_runs_format, "exp", "h", &j, NULL, err,
					 sizeof(err)), 0);
	reps(j, "bare-metal", "c1", NULL, "1.2");
	reps(j, "docker", "c1", NULL, "1.3");
	vb_journal_close(j);
	ck_assert_int_eq(vb_analysis_load(dir, &a, &msgs), 0);
	ck_assert_uint_eq(backend_rows(a), 1);
	vb_analysis_free(a);
	r = report_text();
	ck_assert_ptr_null(strstr(r, "## Hosts"));
	free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hosts");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_note);
	tcase_add_test(tc, test_within_one_host);
	tcase_add_test(tc, test_across_nodes);
	tcase_add_test(tc, test_one_host_no_section);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
