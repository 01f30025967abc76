/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The parts of engine/slurm.c that need no cluster: jobcomp/filetxt lines
 * as Slurm 22.05 writes them (copied from a real cluster), --array specs,
 * what a task's end is called, output tails, job.sh and its refusals, and
 * the checks made before any Slurm command runs. The rest runs against a
 * real cluster in tests/integration/slurm*.sh.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/slurm.h"
#include "lib/util.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vb-slurm-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	vb_rm_rf(dir);
}

START_TEST(test_jobcomp)
{
	struct vb_jobcomp r;

	ck_assert_int_eq(vb_slurm_jobcomp_parse(
		"JobId=3 UserId=root(0) GroupId=root(0) Name=script.sh JobState=FAILED "
		"Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-01T21:33:00 "
		"EndTime=2026-12-01T21:33:02 NodeList=localhost NodeCnt=1 ProcCnt=2 "
		"WorkDir=/tmp/vb/sub ReservationName= Tres=cpu=1,mem=23081M,node=1,billing=1 "
		"Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-01T21:32:57 "
		"EligibleTime=2026-12-01T21:32:57 ArrayJobId=1 ArrayTaskId=1 "
		"DerivedExitCode=0:0 ExitCode=3:0 ", &r), 0);
	ck_assert_str_eq(r.job, "1");
	ck_assert_str_eq(r.task, "1");
	ck_assert_str_eq(r.state, "FAILED");
	ck_assert_str_eq(r.node, "localhost");
	/* ExitCode, not DerivedExitCode. */
	ck_assert_int_eq(r.exit_code, 3);
	ck_assert_int_eq(r.signal, 0);

	/* The last task carries the array's own id as JobId. */
	ck_assert_int_eq(vb_slurm_jobcomp_parse(
		"JobId=1 UserId=root(0) GroupId=root(0) Name=script.sh JobState=COMPLETED "
		"NodeList=localhost ArrayJobId=1 ArrayTaskId=2 DerivedExitCode=0:0 ExitCode=0:0 ",
		&r), 0);
	ck_assert_str_eq(r.job, "1");
	ck_assert_str_eq(r.task, "2");

	/* A whole array cancelled while tasks waited: one line, no task. */
	ck_assert_int_eq(vb_slurm_jobcomp_parse(
		"JobId=5 UserId=root(0) GroupId=root(0) Name=k.sh JobState=CANCELLED "
		"Partition=debug NodeList=(null) NodeCnt=0 SubmitTime=2026-12-01T21:33:55 "
		"EligibleTime=2026-12-01T21:33:55 DerivedExitCode=0:0 ExitCode=0:0 ", &r), 0);
	ck_assert_str_eq(r.job, "5");
	ck_assert_str_eq(r.task, "");
	ck_assert_str_eq(r.state, "CANCELLED");
	ck_assert_str_eq(r.node, "");

	/* Killed by a signal. */
	ck_assert_int_eq(vb_slurm_jobcomp_parse(
		"JobId=10 UserId=root(0) Name=wrap JobState=FAILED DerivedExitCode=0:0 ExitCode=0:9 ",
		&r), 0);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_int_eq(r.signal, 9);

	ck_assert_int_eq(vb_slurm_jobcomp_parse("", &r), -EINVAL);
	ck_assert_int_eq(vb_slurm_jobcomp_parse("ArrayJobId=1 ArrayTaskId=2", &r), -EINVAL);
}
END_TEST

START_TEST(test_array_spec)
{
	struct vb_buf b = VB_BUF_INIT;
	int a[] = { 1, 2, 3, 5, 7, 8 };

	vb_slurm_array_spec(a, 6, &b);
	ck_assert_str_eq(vb_buf_str(&b), "1-3,5,7-8");
	vb_buf_reset(&b);
	vb_slurm_array_spec(a + 3, 1, &b);
	ck_assert_str_eq(vb_buf_str(&b), "5");
	vb_buf_free(&b);
}
END_TEST

START_TEST(test_explain)
{
	struct vb_slurm_task t = { .shard = 2, .exit_code = 0, .signal = 0, .final = true };
	char why[1024];

	snprintf(t.state, sizeof(t.state), "COMPLETED");
	vb_slurm_task_explain(&t, why, sizeof(why));
	ck_assert_str_eq(why, "completed");
	ck_assert(vb_slurm_task_ok(&t));

	/* Cancelled and timed-out tasks are recorded as 0:0: by state. */
	snprintf(t.state, sizeof(t.state), "TIMEOUT");
	vb_slurm_task_explain(&t, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "TIMEOUT: killed at its time limit"));
	ck_assert(!vb_slurm_task_ok(&t));

	snprintf(t.state, sizeof(t.state), "FAILED");
	t.exit_code = 2;
	snprintf(t.output, sizeof(t.output), "%s/out.txt", dir);
	ck_assert_int_eq(vb_write_file_atomic(t.output, "x\n", 2), 0);
	vb_slurm_task_explain(&t, why, sizeof(why));
	ck_assert_str_eq(why, "FAILED, exit status 2: virtbench refused to run the shard (its output says why)");

	/* Never started: the output file was never created. */
	snprintf(t.output, sizeof(t.output), "%s/no/such/out.txt", dir);
	snprintf(t.reason, sizeof(t.reason), "JobLaunchFailure");
	snprintf(t.node, sizeof(t.node), "node7");
	t.exit_code = 0;
	t.signal = 53;
	vb_slurm_task_explain(&t, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "FAILED, JobLaunchFailure before it started: its output file"));
	ck_assert_ptr_nonnull(strstr(why, "node node7 could not write there"));
	ck_assert_ptr_null(strstr(why, "signal 53"));

	snprintf(t.state, sizeof(t.state), "GONE");
	vb_slurm_task_explain(&t, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "cancelled while it waited"));

	t.final = false;
	snprintf(t.state, sizeof(t.state), "PENDING");
	vb_slurm_task_explain(&t, why, sizeof(why));
	ck_assert_str_eq(why, "waiting in the queue");
}
END_TEST

START_TEST(test_output_tail)
{
	char *p = vb_path_join(dir, "o.txt"), *tail;

	ck_assert_ptr_null(vb_slurm_output_tail(p, 3));
	ck_assert_int_eq(vb_write_file_atomic(p, "a\nb\nc\nd\n\n", 9), 0);
	tail = vb_slurm_output_tail(p, 2);
	ck_assert_str_eq(tail, "c\nd");
	free(tail);
	tail = vb_slurm_output_tail(p, 10);
	ck_assert_str_eq(tail, "a\nb\nc\nd");
	free(tail);
	free(p);
}
END_TEST

START_TEST(test_script)
{
	const char *extra[] = { "--qos=long" }, *bad[] = { "--comment=two words" };
	struct vb_slurm_job job = {
		.dir = dir, .experiment = "/x/it's.cfg", .name = "exp",
		.virtbench = "/opt/vb/bin/virtbench", .plugin_dirs = "/p1:/p2",
		.nshards = 4, .shard_by = "config", .partition = "batch",
		.time = "2:00:00", .extra = extra, .nextra = 1,
	};
	char err[1024], *p, *text;
	size_t len;
	struct stat st;

	ck_assert_int_eq(vb_slurm_write_script(&job, err, sizeof(err)), 0);
	p = vb_xasprintf("%s/slurm/job.sh", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(st.st_mode & S_IXUSR);
	ck_assert_int_eq(vb_read_file(p, 1 << 20, &text, &len), 0);
	ck_assert_ptr_nonnull(strstr(text, "#!/bin/sh\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n#SBATCH --array=1-4\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n#SBATCH --exclusive\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n#SBATCH --partition=batch\n#SBATCH --time=2:00:00\n#SBATCH --qos=long\n"));
	ck_assert_ptr_null(strstr(text, "--account"));
	ck_assert_ptr_nonnull(strstr(text, "/slurm/out/%A_%a.out\n"));
	/* The quote in the file name is quoted for sh. */
	ck_assert_ptr_nonnull(strstr(text, "experiment='/x/it'\\''s.cfg'\n"));
	ck_assert_ptr_nonnull(strstr(text, "exec \"$virtbench\" --plugin-dir '/p1:/p2' run --shard \"${SLURM_ARRAY_TASK_ID}/4\""));
	free(text);
	free(p);
	p = vb_xasprintf("%s/slurm/out", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	free(p);

	job.extra = bad;
	ck_assert_int_eq(vb_slurm_write_script(&job, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "cannot go on an #SBATCH line"));
	job.extra = extra;
	job.dir = "/tmp/with space";
	ck_assert_int_eq(vb_slurm_write_script(&job, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "without blanks"));
}
END_TEST

START_TEST(test_before_any_command)
{
	char err[1024], *conf = vb_xasprintf("%s/none.conf", dir);
	char *path = getenv("PATH") ? vb_xstrdup(getenv("PATH")) : NULL;

	setenv("PATH", dir, 1);
	ck_assert_int_eq(vb_slurm_check_tools(err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "sbatch not found on PATH: install"));
	if (path)
		setenv("PATH", path, 1);
	/* A SLURM_CONF that names no file is refused before scontrol runs
	 * (the clients would retry it for a minute). */
	setenv("SLURM_CONF", conf, 1);
	ck_assert_int_eq(vb_slurm_ping(err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "SLURM_CONF="));
	unsetenv("SLURM_CONF");
	free(conf);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slurm");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jobcomp);
	tcase_add_test(tc, test_array_spec);
	tcase_add_test(tc, test_explain);
	tcase_add_test(tc, test_output_tail);
	tcase_add_test(tc, test_script);
	tcase_add_test(tc, test_before_any_command);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
