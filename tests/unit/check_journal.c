/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The results journal (engine/journal.c): records written whole, read
 * back with embedded newlines, torn tails and incomplete blocks not
 * counted and set aside, other formats refused, one writer per directory.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lib/util.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vb-journal-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	vb_rm_rf(dir);
}

/* One repetition of n metric rows; the journal fills the owned columns. */
static int append_rep(struct vb_journal *j, const char *params, int rep,
		      size_t n, const char *error)
{
	const char *rows[8][VB_RC_N];
	const char *const *rp[8];
	char repbuf[16], val[8][16], name[8][16];

	ck_assert_uint_le(n, 8);
	snprintf(repbuf, sizeof(repbuf), "%d", rep);
	for (size_t i = 0; i < n; i++) {
		const char **f = rows[i];

		memset(f, 0, sizeof(rows[i]));
		snprintf(val[i], sizeof(val[i]), "%zu.5", i);
		snprintf(name[i], sizeof(name[i]), "m%zu", i);
		f[VB_RC_BACKEND] = "bare-metal";
		f[VB_RC_CONFIG] = "1cpu";
		f[VB_RC_CPUS] = "1";
		f[VB_RC_MEMORY] = "268435456";
		f[VB_RC_WORKLOAD] = "cpu-prime";
		f[VB_RC_PARAMS] = params;
		f[VB_RC_REPETITION] = repbuf;
		f[VB_RC_METRIC] = error ? "" : name[i];
		f[VB_RC_VALUE] = error ? "" : val[i];
		f[VB_RC_UNIT] = "s";
		f[VB_RC_STATUS] = error ? "failed" : "ok";
		f[VB_RC_VERDICT] = "ok";
		f[VB_RC_STARTED] = "2026-12-01T10:00:00.000Z";
		f[VB_RC_FINISHED] = "2026-12-01T10:00:01.500Z";
		f[VB_RC_FACTS] = "seed=1";
		f[VB_RC_ERROR] = error ? error : "";
		rp[i] = f;
	}
	return vb_journal_append(j, rp, n);
}

static struct vb_journal *open_runs(size_t *torn)
{
	struct vb_journal *j = NULL;
	char err[512] = "";

	ck_assert_msg(vb_journal_open(dir, &vb_runs_format, "exp", "abc123",
				      &j, torn, err, sizeof(err)) == 0,
		      "open: %s", err);
	return j;
}

static void read_runs(struct vb_journal_data *d)
{
	char err[512] = "";

	ck_assert_msg(vb_journal_read(dir, &vb_runs_format, d, err,
				      sizeof(err)) == 0, "read: %s", err);
}

static off_t file_size(const char *name)
{
	char *p = vb_path_join(dir, name);
	struct stat st;
	off_t sz = stat(p, &st) == 0 ? st.st_size : -1;

	free(p);
	return sz;
}

START_TEST(test_roundtrip)
{
	struct vb_journal *j = open_runs(NULL);
	struct vb_journal_data d;
	char *k;

	/* A params value with a quote, a comma and a newline round-trips,
	 * so a rerun finds the repetition done. */
	ck_assert_int_eq(append_rep(j, "workdir=/a \"b\",\nc", 1, 3, NULL), 0);
	ck_assert_int_eq(append_rep(j, "x=1", 2, 1, "boom,\n\"quoted\""), 0);
	ck_assert_int_eq(vb_journal_close(j), 0);
	read_runs(&d);
	ck_assert(!d.legacy);
	ck_assert(!d.torn_tail);
	ck_assert_uint_eq(d.ignored, 0);
	ck_assert_uint_eq(d.nrows, 4);
	ck_assert_str_eq(d.rows[0].f[VB_RC_PARAMS], "workdir=/a \"b\",\nc");
	ck_assert_str_eq(d.rows[0].f[VB_RC_EXPERIMENT], "exp");
	ck_assert_str_eq(d.rows[2].f[VB_RC_CONFIG_HASH], "abc123");
	ck_assert_str_eq(d.rows[2].f[VB_RC_RECORD], "3/3");
	ck_assert_str_eq(d.rows[3].f[VB_RC_ERROR], "boom,\n\"quoted\"");
	/* Each row of the first block spans two lines (the newline in params). */
	ck_assert_int_eq(d.rows[3].line, 8);
	k = vb_rep_key_row(&d.rows[0]);
	{
		char *want = vb_rep_key("bare-metal", "1cpu", "cpu-prime",
					"workdir=/a \"b\",\nc", 1);

		ck_assert_str_eq(k, want);
		free(want);
	}
	free(k);
	vb_journal_data_free(&d);
}
END_TEST

/* Cut the file at `cut` bytes before its end, as a kill mid-write does. */
static void tear(off_t cut)
{
	char *p = vb_path_join(dir, "runs.csv");

	ck_assert_int_eq(truncate(p, file_size("runs.csv") - cut), 0);
	free(p);
}

START_TEST(test_torn_tail)
{
	struct vb_journal *j = open_runs(NULL);
	struct vb_journal_data d;
	off_t whole, before;
	size_t torn = 0;

	ck_assert_int_eq(append_rep(j, "p=1", 1, 2, NULL), 0);
	whole = file_size("runs.csv");
	ck_assert_int_eq(append_rep(j, "p=\"2\nx\"", 1, 3, NULL), 0);
	vb_journal_close(j);

	/* Inside the second block's last row (and inside its quoted
	 * field): only the first repetition counts. */
	tear(20);
	read_runs(&d);
	ck_assert(d.torn_tail);
	ck_assert_uint_eq(d.nrows, 2);
	ck_assert_uint_eq(d.ignored, 3);
	ck_assert_int_eq(d.whole_size, whole);
	vb_journal_data_free(&d);

	/* Reopening sets the torn bytes aside and cuts them off, so the
	 * next record starts clean. */
	before = file_size("runs.csv");
	j = open_runs(&torn);
	ck_assert_int_eq((off_t)torn, before - whole);
	ck_assert_int_eq(file_size("runs.csv"), whole);
	ck_assert_int_gt(file_size("runs.csv.torn"), 0);
	ck_assert_int_eq(append_rep(j, "p=3", 1, 1, NULL), 0);
	vb_journal_close(j);
	read_runs(&d);
	ck_assert(!d.torn_tail);
	ck_assert_uint_eq(d.nrows, 3);
	ck_assert_str_eq(d.rows[2].f[VB_RC_PARAMS], "p=3");
	vb_journal_data_free(&d);
}
END_TEST

START_TEST(test_block_missing_rows)
{
	struct vb_journal *j = open_runs(NULL);
	struct vb_journal_data d;
	off_t one;

	ck_assert_int_eq(append_rep(j, "p=1", 1, 3, NULL), 0);
	one = file_size("runs.csv");
	ck_assert_int_eq(append_rep(j, "p=2", 1, 3, NULL), 0);
	vb_journal_close(j);
	/* Whole lines, but the block lost its last row: not done. */
	{
		char *p = vb_path_join(dir, "runs.csv");
		char *data;
		size_t len;

		ck_assert_int_eq(vb_read_file(p, 1 << 20, &data, &len), 0);
		/* Drop the last line. */
		len--;
		while (len && data[len - 1] != '\n')
			len--;
		ck_assert_int_eq(vb_write_file_atomic(p, data, len), 0);
		free(data);
		free(p);
	}
	read_runs(&d);
	ck_assert(d.torn_tail);
	ck_assert_uint_eq(d.nrows, 3);
	ck_assert_uint_eq(d.ignored, 2);
	ck_assert_int_eq(d.whole_size, one);
	vb_journal_data_free(&d);
}
END_TEST

static void write_file(const char *name, const char *text)
{
	char *p = vb_path_join(dir, name);

	ck_assert_int_eq(vb_write_file_atomic(p, text, strlen(text)), 0);
	free(p);
}

START_TEST(test_legacy_and_foreign)
{
	struct vb_journal_data d;
	struct vb_journal *j = NULL;
	char err[512] = "";

	/* virtbench 0.1's journal: readable, every row its own record... */
	write_file("runs.csv",
		   "experiment,backend,config,cpus,memory,workload,params,"
		   "repetition,metric,value,unit,status,verdict,started,"
		   "finished,facts,error\n"
		   "q,bare-metal,c,1,1,cpu-prime,,1,total_time,1.5,s,ok,ok,"
		   "2026-01-01T00:00:00.000Z,2026-01-01T00:00:01.000Z,,\n");
	read_runs(&d);
	ck_assert(d.legacy);
	ck_assert_uint_eq(d.nrows, 1);
	ck_assert_str_eq(d.rows[0].f[VB_RC_RECORD], "");
	vb_journal_data_free(&d);
	/* ...but never appended to with other columns. */
	ck_assert_int_eq(vb_journal_open(dir, &vb_runs_format, "q", "h", &j,
					 NULL, err, sizeof(err)), -EPROTO);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(err, "another virtbench version"));

	/* A file that lacks a required column is not a journal. */
	write_file("runs.csv", "a,b\n1,2\n");
	ck_assert_int_eq(vb_journal_read(dir, &vb_runs_format, &d, err,
					 sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "runs.csv:1: missing column 'experiment'"));
}
END_TEST

START_TEST(test_host)
{
	struct vb_journal *j = open_runs(NULL);
	struct vb_journal_data d;
	char host[256] = "";
	const char *f[VB_RC_N] = { 0 }, *g[VB_RC_N] = { 0 };
	const char *const *rows[3] = { f, g, f };
	size_t sizes[2] = { 2, 1 };

	gethostname(host, sizeof(host) - 1);
	/* Not given: this machine. */
	ck_assert_int_eq(append_rep(j, "p=1", 1, 1, NULL), 0);
	/* Given (a merge keeps each shard's): kept; and two records in
	 * one write, numbered each on its own. */
	f[VB_RC_BACKEND] = g[VB_RC_BACKEND] = "bare-metal";
	f[VB_RC_STATUS] = g[VB_RC_STATUS] = "ok";
	f[VB_RC_REPETITION] = g[VB_RC_REPETITION] = "2";
	f[VB_RC_HOST] = "node7";
	ck_assert_int_eq(vb_journal_append_records(j, rows, sizes, 2), 0);
	vb_journal_close(j);
	read_runs(&d);
	ck_assert_uint_eq(d.nrows, 4);
	ck_assert_str_eq(d.rows[0].f[VB_RC_HOST], host);
	ck_assert_str_eq(d.rows[1].f[VB_RC_HOST], "node7");
	ck_assert_str_eq(d.rows[1].f[VB_RC_RECORD], "1/2");
	ck_assert_str_eq(d.rows[2].f[VB_RC_RECORD], "2/2");
	ck_assert_str_eq(d.rows[2].f[VB_RC_HOST], host);
	ck_assert_str_eq(d.rows[3].f[VB_RC_RECORD], "1/1");
	ck_assert_str_eq(d.rows[3].f[VB_RC_EXPERIMENT], "exp");
	vb_journal_data_free(&d);
}
END_TEST

START_TEST(test_missing_is_empty)
{
	struct vb_journal_data d;

	read_runs(&d);
	ck_assert_uint_eq(d.nrows, 0);
	ck_assert(!d.torn_tail);
	vb_journal_data_free(&d);
}
END_TEST

START_TEST(test_lock)
{
	pid_t holder = 0;
	int fd = vb_results_lock(dir, &holder), st;
	pid_t child;

	ck_assert_int_ge(fd, 0);
	/* flock locks belong to the open file, so a second process (not a
	 * second open in this one) is what must be refused. */
	child = fork();
	if (child == 0) {
		pid_t h = 0;
		int rc = vb_results_lock(dir, &h);

		_exit(rc == -EBUSY && h == getppid() ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	vb_results_unlock(fd);
	/* Released (as by a killed holder): free again. */
	fd = vb_results_lock(dir, &holder);
	ck_assert_int_ge(fd, 0);
	vb_results_unlock(fd);
}
END_TEST

START_TEST(test_iso_time)
{
	char now[40];

	ck_assert(vb_iso_seconds("2026-12-01T10:00:01.500Z") -
			  vb_iso_seconds("2026-12-01T10:00:00.000Z") == 1.5);
	ck_assert(vb_iso_seconds("2026-12-01 10:00:00") < 0);
	vb_iso_now(now, sizeof(now));
	ck_assert(vb_iso_seconds(now) > 1.7e9);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_torn_tail);
	tcase_add_test(tc, test_block_missing_rows);
	tcase_add_test(tc, test_legacy_and_foreign);
	tcase_add_test(tc, test_missing_is_empty);
	tcase_add_test(tc, test_host);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_iso_time);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
