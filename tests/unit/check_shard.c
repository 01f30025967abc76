/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shards and their merge (engine/shard.c, engine/merge.c): K/N parsing,
 * every environment in exactly one shard, configs kept whole, the plan of
 * a directory, what each shard has left, and shard journals merged into
 * one with each row's host kept and nothing counted twice.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/journal.h"
#include "engine/merge.h"
#include "engine/shard.h"
#include "lib/util.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vb-shard-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	vb_rm_rf(dir);
}

/* 2 backends x 3 configs x 1 workload, one cell each, 2 repetitions. */
static char *blabels[] = { "docker", "bare-metal" };
static char *cnames[] = { "c1", "c2", "c3" };
static struct vb_backend_entry backends[2];
static struct vb_config_entry configs[3];
static struct vb_workload_entry workloads[1];
static struct vb_experiment ex;
static struct vb_cell cells[6];
static size_t ncells;

static void make_matrix(bool drop_c2)
{
	memset(&ex, 0, sizeof(ex));
	for (int b = 0; b < 2; b++)
		backends[b] = (struct vb_backend_entry){ .label = blabels[b] };
	for (int c = 0; c < 3; c++)
		configs[c] = (struct vb_config_entry){ .name = cnames[c], .cpus = 1 };
	workloads[0] = (struct vb_workload_entry){ .label = "cpu-prime" };
	ex.name = "exp";
	ex.repetitions = 2;
	ex.timeout = 60;
	ex.backends = backends;
	ex.nbackends = 2;
	ex.configs = configs;
	ex.nconfigs = 3;
	ex.workloads = workloads;
	ex.nworkloads = 1;
	ncells = 0;
	for (size_t b = 0; b < 2; b++)
		for (size_t c = 0; c < 3; c++)
			if (!(drop_c2 && c == 1))
				cells[ncells++] = (struct vb_cell){ .backend = b, .config = c,
								    .params = "" };
}

START_TEST(test_parse)
{
	struct vb_shard s;
	char err[256];

	ck_assert_int_eq(vb_shard_parse("2/3", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.index, 2);
	ck_assert_int_eq(s.count, 3);
	ck_assert_int_eq(vb_shard_parse("4/3", &s, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "between 1 and N"));
	ck_assert_int_eq(vb_shard_parse("0/3", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(vb_shard_parse("3", &s, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "expected K/N"));
	ck_assert_int_eq(vb_shard_parse("1/3x", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(vb_shard_parse("1/0", &s, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_units)
{
	make_matrix(false);
	ck_assert_uint_eq(vb_shard_units(&ex, cells, ncells, VB_SHARD_BY_CONFIG), 3);
	ck_assert_uint_eq(vb_shard_units(&ex, cells, ncells, VB_SHARD_BY_ENVIRONMENT), 6);
	/* A config without cells (all excluded) is no unit. */
	make_matrix(true);
	ck_assert_uint_eq(vb_shard_units(&ex, cells, ncells, VB_SHARD_BY_CONFIG), 2);
	ck_assert_uint_eq(vb_shard_units(&ex, cells, ncells, VB_SHARD_BY_ENVIRONMENT), 4);
}
END_TEST

/* For every count, by either unit: each environment with cells is in
 * exactly one shard; by config, a config's backends share their shard. */
START_TEST(test_partition)
{
	char err[256];

	for (int drop = 0; drop < 2; drop++) {
		make_matrix(drop);
		for (int by = 0; by < 2; by++) {
			size_t units = vb_shard_units(&ex, cells, ncells, by);

			for (int n = 1; n <= (int)units; n++) {
				int owner[2][3] = { { 0 } };

				for (int k = 1; k <= n; k++) {
					struct vb_shard s = { .index = k, .count = n, .by = by };
					size_t mine = 0;

					ck_assert_int_eq(vb_shard_bind(&s, &ex, cells, ncells, err,
								       sizeof(err)), 0);
					for (size_t b = 0; b < 2; b++)
						for (size_t c = 0; c < 3; c++)
							if (vb_shard_owns(&s, b, c)) {
								ck_assert_int_eq(owner[b][c], 0);
								owner[b][c] = k;
								mine++;
							}
					ck_assert_uint_gt(mine, 0); /* no shard is empty */
					vb_shard_unbind(&s);
				}
				for (size_t i = 0; i < ncells; i++)
					ck_assert_int_gt(owner[cells[i].backend][cells[i].config], 0);
				if (by == VB_SHARD_BY_CONFIG)
					for (size_t c = 0; c < 3; c++)
						ck_assert_int_eq(owner[0][c], owner[1][c]);
			}
			{
				struct vb_shard s = { .index = 1, .count = (int)units + 1, .by = by };

				ck_assert_int_eq(vb_shard_bind(&s, &ex, cells, ncells, err,
							       sizeof(err)), -ERANGE);
				ck_assert_ptr_nonnull(strstr(err, "would be empty"));
			}
		}
	}
	/* Round robin: shard 1 of 2 by config holds c1 and c3. */
	make_matrix(false);
	{
		struct vb_shard s = { .index = 1, .count = 2 };

		ck_assert_int_eq(vb_shard_bind(&s, &ex, cells, ncells, err, sizeof(err)), 0);
		ck_assert(vb_shard_owns(&s, 0, 0) && vb_shard_owns(&s, 1, 2));
		ck_assert(!vb_shard_owns(&s, 0, 1));
		vb_shard_unbind(&s);
	}
	ck_assert(vb_shard_owns(NULL, 1, 2));
}
END_TEST

START_TEST(test_plan)
{
	struct vb_shard p3 = { .count = 3 }, p2 = { .count = 2 }, got;
	char err[512], sub[128];

	ck_assert_int_eq(vb_shard_plan_read(dir, &got, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(vb_shard_plan_ensure(dir, "exp", &p3, err, sizeof(err)), 0);
	ck_assert_int_eq(vb_shard_plan_ensure(dir, "exp", &p3, err, sizeof(err)), 0);
	ck_assert_int_eq(vb_shard_plan_read(dir, &got, err, sizeof(err)), 0);
	ck_assert_int_eq(got.count, 3);
	ck_assert_int_eq(got.by, VB_SHARD_BY_CONFIG);
	ck_assert_int_eq(vb_shard_plan_ensure(dir, "exp", &p2, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "is sharded 3 ways by config (shards/plan.json), not 2 by config"));
	p3.by = VB_SHARD_BY_ENVIRONMENT;
	ck_assert_int_eq(vb_shard_plan_ensure(dir, "exp", &p3, err, sizeof(err)), -EINVAL);
	/* A directory with an unsharded run is not sharded afterwards. */
	snprintf(sub, sizeof(sub), "%s/local", dir);
	ck_assert_int_eq(vb_mkdir_p(sub, 0755), 0);
	{
		char *p = vb_path_join(sub, "runs.csv");

		ck_assert_int_eq(vb_write_file_atomic(p, "x\n", 2), 0);
		free(p);
	}
	ck_assert_int_eq(vb_shard_plan_ensure(sub, "exp", &p2, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "was not sharded"));
}
END_TEST

/* Write repetitions reps of (backend, config) into shard k's journal. */
static void shard_reps(int k, const char *hash, const char *backend,
		       const char *config, int from, int to, const char *host)
{
	char *sdir = vb_shard_dir(dir, k), err[512];
	struct vb_journal *j = NULL;

	ck_assert_int_eq(vb_mkdir_p(sdir, 0755), 0);
	ck_assert_int_eq(vb_journal_open(sdir, &vb_runs_format, "exp", hash, &j, NULL,
					 err, sizeof(err)), 0);
	for (int r = from; r <= to; r++) {
		const char *f[VB_RC_N] = { 0 }, *g[VB_RC_N] = { 0 };
		const char *const *rows[2] = { f, g };
		char rep[8];

		snprintf(rep, sizeof(rep), "%d", r);
		f[VB_RC_BACKEND] = g[VB_RC_BACKEND] = backend;
		f[VB_RC_CONFIG] = g[VB_RC_CONFIG] = config;
		f[VB_RC_WORKLOAD] = g[VB_RC_WORKLOAD] = "cpu-prime";
		f[VB_RC_PARAMS] = g[VB_RC_PARAMS] = "";
		f[VB_RC_REPETITION] = g[VB_RC_REPETITION] = rep;
		f[VB_RC_METRIC] = "total_time";
		g[VB_RC_METRIC] = "events";
		f[VB_RC_VALUE] = g[VB_RC_VALUE] = "1";
		f[VB_RC_STATUS] = g[VB_RC_STATUS] = "ok";
		f[VB_RC_STARTED] = g[VB_RC_STARTED] = "2026-12-01T10:00:00.000Z";
		f[VB_RC_FINISHED] = g[VB_RC_FINISHED] = "2026-12-01T10:00:02.000Z";
		f[VB_RC_HOST] = g[VB_RC_HOST] = host;
		ck_assert_int_eq(vb_journal_append(j, rows, 2), 0);
	}
	vb_journal_close(j);
	{
		char *p = vb_path_join(sdir, "environment.json"), *t;

		t = vb_xasprintf("{\"virtbench\": \"9.9\", \"config_hash\": \"%s\", "
				 "\"started\": \"2026-12-01T10:00:0%dZ\", "
				 "\"host\": {\"hostname\": \"%s\", \"cpu_model\": \"cpu%d\"}, "
				 "\"environments\": [{\"label\": \"%s-%s\"}]}",
				 hash, k, host, k, backend, config);
		ck_assert_int_eq(vb_write_file_atomic(p, t, strlen(t)), 0);
		free(t);
		free(p);
	}
	free(sdir);
}

START_TEST(test_left_and_merge)
{
	struct vb_shard plan = { .count = 3 };
	struct vb_shard_left left[3];
	struct vb_merge_info mi;
	struct vb_journal_data d;
	char err[1024];
	json_t *env;

	make_matrix(false);
	ck_assert_int_eq(vb_merge_shards(dir, &mi, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(vb_shard_plan_ensure(dir, "exp", &plan, err, sizeof(err)), 0);
	ck_assert_int_eq(vb_merge_shards(dir, &mi, err, sizeof(err)), -ENODATA);
	ck_assert_ptr_nonnull(strstr(err, "no shard of"));

	/* Shard 1 (c1) complete on node-a; shard 2 (c2) half on node-b;
	 * shard 3 (c3) never ran. */
	shard_reps(1, "h1", "docker", "c1", 1, 2, "node-a");
	shard_reps(1, "h1", "bare-metal", "c1", 1, 2, "node-a");
	shard_reps(2, "h1", "docker", "c2", 1, 2, "node-b");
	shard_reps(2, "h1", "bare-metal", "c2", 1, 1, NULL);
	ck_assert_int_eq(vb_shard_left(&ex, cells, ncells, dir, &plan, left), 0);
	ck_assert_str_eq(left[0].what, "c1");
	ck_assert_uint_eq(left[0].nenvs, 2);
	ck_assert_uint_eq(left[0].e.left, 0);
	ck_assert_uint_eq(left[1].e.recorded, 3);
	ck_assert_uint_eq(left[1].e.left, 1);
	ck_assert_uint_eq(left[2].e.left, 4);
	vb_shard_left_free(left, 3);

	ck_assert_int_eq(vb_merge_shards(dir, &mi, err, sizeof(err)), 0);
	ck_assert_int_eq(mi.nshards, 3);
	ck_assert_int_eq(mi.nwith_results, 2);
	ck_assert_uint_eq(mi.nrecords, 7);
	/* Twice: the same file, not twice the rows. */
	ck_assert_int_eq(vb_merge_shards(dir, &mi, err, sizeof(err)), 0);
	ck_assert_int_eq(vb_journal_read(dir, &vb_runs_format, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.nrows, 14);
	ck_assert_uint_eq(d.ignored, 0);
	ck_assert_str_eq(d.rows[0].f[VB_RC_HOST], "node-a");
	ck_assert_str_eq(d.rows[0].f[VB_RC_RECORD], "1/2");
	ck_assert_str_eq(d.rows[1].f[VB_RC_RECORD], "2/2");
	ck_assert_str_eq(d.rows[8].f[VB_RC_HOST], "node-b");
	ck_assert_str_eq(d.rows[13].f[VB_RC_CONFIG_HASH], "h1");
	{
		char host[256] = "";

		/* A row without host gets the one its journal filled in. */
		gethostname(host, sizeof(host) - 1);
		ck_assert_str_eq(d.rows[13].f[VB_RC_HOST], host);
	}
	vb_journal_data_free(&d);
	{
		char *p = vb_path_join(dir, "environment.json");

		env = json_load_file(p, 0, NULL);
		free(p);
	}
	ck_assert_ptr_nonnull(env);
	ck_assert_int_eq(json_array_size(json_object_get(env, "shards")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
				 json_object_get(env, "shards"), 1), "host"), "cpu_model")),
			 "cpu2");
	ck_assert(json_is_false(json_object_get(json_array_get(json_object_get(env, "shards"), 2),
						"results")));
	/* One per shard here (shard_reps rewrites environment.json). */
	ck_assert_int_eq(json_array_size(json_object_get(env, "environments")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(env, "started")),
			 "2026-12-01T10:00:01Z");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(env, "shard_plan"), "by")),
			 "config");
	json_decref(env);

	/* A shard of another experiment configuration is refused. */
	shard_reps(3, "h2", "docker", "c3", 1, 1, "node-c");
	ck_assert_int_eq(vb_merge_shards(dir, &mi, err, sizeof(err)), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "shards/3/runs.csv:2 holds results of another experiment"));
}
END_TEST

static Suite *shard_suite(void)
{
	Suite *s = suite_create("shard");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_partition);
	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_left_and_merge);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(shard_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
