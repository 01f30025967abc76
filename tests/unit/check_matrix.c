/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The matrix: size, order, excludes, params and the agent's key=value.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/experiment.h"
#include "engine/matrix.h"
#include "lib/diag.h"
#include "lib/options.h"
#include "fake-plugins.h"

static const char *srcdir(void)
{
	const char *s = getenv("VIRTBENCH_SRCDIR");

	return s ? s : ABS_SRCDIR;
}

static struct vb_experiment *load(const char *name)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	char path[1024];

	snprintf(path, sizeof(path), "%s/tests/data/%s", srcdir(), name);
	if (vb_experiment_load(path, &fake_registry, &ex, &d))
		vb_diag_print(&d, stderr);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_ptr_nonnull(ex);
	return ex;
}

#define G2 "total_size=2147483648"
#define G4 "total_size=4294967296"

/* File order: backend, config, workload, then axes (first outermost). */
static const char *const matrix_order[] = {
	"bare-metal/small/cpu-prime/",
	"bare-metal/small/fio/" G2 ";threads=1",
	"bare-metal/small/fio/" G2 ";threads=4",
	"bare-metal/small/fio/" G2 ";threads=16",
	"bare-metal/small/fio/" G4 ";threads=1",
	"bare-metal/small/fio/" G4 ";threads=4",
	"bare-metal/small/fio/" G4 ";threads=16",
	"bare-metal/small/all-types/",
	"bare-metal/big/cpu-prime/",
	"bare-metal/big/fio/" G2 ";threads=1",
	"bare-metal/big/fio/" G2 ";threads=4",
	"bare-metal/big/fio/" G4 ";threads=1",
	"bare-metal/big/fio/" G4 ";threads=4",
	"bare-metal/big/all-types/",
	"vm/small/cpu-prime/",
	"vm/small/fio/" G2 ";threads=1",
	"vm/small/fio/" G2 ";threads=4",
	"vm/small/fio/" G2 ";threads=16",
	"vm/small/all-types/",
	"vm/big/cpu-prime/",
	"vm/big/fio/" G2 ";threads=1",
	"vm/big/fio/" G2 ";threads=4",
	"vm/big/fio/" G4 ";threads=1",
	"vm/big/fio/" G4 ";threads=4",
	"vm/big/all-types/",
};

START_TEST(test_order_and_excludes)
{
	struct vb_experiment *ex = load("matrix.cfg");
	struct vb_cell *cells = NULL;
	size_t n = 0, i;

	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	ck_assert_uint_eq(n, sizeof(matrix_order) / sizeof(matrix_order[0]));
	for (i = 0; i < n; i++) {
		char got[512];

		snprintf(got, sizeof(got), "%s/%s/%s/%s",
			 ex->backends[cells[i].backend].label,
			 ex->configs[cells[i].config].name,
			 ex->workloads[cells[i].workload].label,
			 cells[i].params);
		ck_assert_msg(!strcmp(got, matrix_order[i]),
			      "cell %zu: %s, want %s", i, got, matrix_order[i]);
	}
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
}
END_TEST

START_TEST(test_axis_index_and_opts)
{
	struct vb_experiment *ex = load("matrix.cfg");
	struct vb_cell *cells = NULL;
	const struct fake_fio_opts *fo;
	size_t n = 0;

	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	/* cell 5: bare-metal/small/fio 4G, threads=4 */
	ck_assert_uint_eq(cells[5].workload, 1);
	ck_assert_uint_eq(cells[5].axis_index[0], 1);
	ck_assert_uint_eq(cells[5].axis_index[1], 1);
	fo = cells[5].opts;
	ck_assert(fo->total_size == 4294967296LL);
	ck_assert(fo->threads == 4);
	ck_assert(fo->direct);            /* scalar from the file */
	ck_assert(fo->block_size == 16384); /* default */
	/* Each cell has its own block. */
	ck_assert_ptr_ne(cells[5].opts, cells[4].opts);
	ck_assert(((const struct fake_fio_opts *)cells[4].opts)->threads == 1);
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
}
END_TEST

START_TEST(test_kv)
{
	struct vb_experiment *ex = load("matrix.cfg");
	struct vb_cell *cells = NULL;
	const struct fake_all_opts *ao, *eo;
	const struct vb_cell *c;
	size_t n = 0;
	static const char *const want_fio[] = {
		G4, "file_num=128", "block_size=16384", "rw_ratio=1.5",
		"direct=true", "threads=16",
	};
	static const char *const want_all[] = {
		"level=1", "size=1048576", "wait=0.25", "loud=false",
		"ratio=0.5", "color=red", "label=lbl", "args=-x,a\\,b",
	};
	size_t i;

	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	c = &cells[6];
	ck_assert_uint_eq(c->nkv, 6);
	for (i = 0; i < c->nkv; i++)
		ck_assert_str_eq(c->kv[i], want_fio[i]);
	c = &cells[7];
	ck_assert_str_eq(c->params, "");
	ck_assert_uint_eq(c->nkv, 8);
	for (i = 0; i < c->nkv; i++)
		ck_assert_str_eq(c->kv[i], want_all[i]);
	/* Deep copies: the cell's strings are its own. */
	ao = c->opts;
	eo = ex->workloads[2].opts;
	ck_assert_str_eq(ao->label, "lbl");
	ck_assert_ptr_ne(ao->label, eo->label);
	ck_assert_ptr_ne(ao->args, eo->args);
	ck_assert_str_eq(ao->args[1], "a,b");
	ck_assert_ptr_null(ao->args[2]);
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
}
END_TEST

/* What the agent rebuilds from kv is what the engine holds. */
START_TEST(test_kv_rebuilds_cell)
{
	struct vb_experiment *ex = load("matrix.cfg");
	struct vb_cell *cells = NULL;
	size_t n = 0, i, k;

	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	for (i = 0; i < n; i++) {
		const struct vb_plugin_info *info =
			ex->workloads[cells[i].workload].plugin->info;
		void *b = NULL;
		char err[256];

		ck_assert_int_eq(vb_opts_from_kv(info, (const char *const *)cells[i].kv,
						 cells[i].nkv, &b, err, sizeof(err)), 0);
		for (k = 0; info->options[k].name; k++) {
			char *x = vb_opt_to_text(&info->options[k], b);
			char *y = vb_opt_to_text(&info->options[k], cells[i].opts);

			ck_assert_str_eq(x, y);
			free(x);
			free(y);
		}
		vb_opts_free(info->options, b);
		free(b);
	}
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
}
END_TEST

START_TEST(test_full_size)
{
	struct vb_experiment *ex = load("full.cfg");
	struct vb_cell *cells = NULL;
	size_t n = 0, i, blue = 0;

	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	/* 3 backends x 2 configs x (3 + 2 + 2) = 42, minus 1 (qemu-single,
	 * 2cpu-4g, total_size 4G) minus 3 (all-types blue on 1cpu-2g). */
	ck_assert_uint_eq(n, 38);
	for (i = 0; i < n; i++) {
		ck_assert(!(cells[i].backend == 0 && cells[i].config == 1 &&
			    !strcmp(cells[i].params, "total_size=4294967296")));
		if (!strcmp(cells[i].params, "color=blue"))
			blue++;
	}
	ck_assert_uint_eq(blue, 3);
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
}
END_TEST

START_TEST(test_single_cell)
{
	struct vb_experiment *ex = load("minimal.cfg");
	struct vb_cell *cells = NULL;
	size_t n = 0;

	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(cells[0].params, "");
	ck_assert_uint_eq(cells[0].nkv, 4);
	ck_assert_str_eq(cells[0].kv[0], "max_prime=10000");
	ck_assert_str_eq(cells[0].kv[3], "time=10");
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
}
END_TEST

/* Size grows as the product of the axes; a hand-built experiment checks
 * the arithmetic beyond what a fixture shows. */
START_TEST(test_product_size)
{
	static const char *const v3[] = { "3", "4", "5" };
	static const char *const v4[] = { "10", "20", "30", "40" };
	struct vb_experiment ex = { 0 };
	struct vb_backend_entry be[2] = { { .label = (char *)"a" },
					  { .label = (char *)"b" } };
	struct vb_config_entry ce[3] = { { .name = (char *)"x" },
					 { .name = (char *)"y" },
					 { .name = (char *)"z" } };
	struct vb_axis axes[2];
	struct vb_workload_entry we = { .label = (char *)"cpu-prime" };
	struct fake_cpu_opts opts = { 10000, 1, 0, 10 };
	struct vb_cell *cells = NULL;
	size_t n = 0;

	axes[0] = (struct vb_axis){ .opt = &fake_cpu_options[0], .nvalues = 3,
				    .values = (char **)v3 };
	axes[1] = (struct vb_axis){ .opt = &fake_cpu_options[1], .nvalues = 4,
				    .values = (char **)v4 };
	we.plugin = &fake_items[3];
	we.opts = &opts;
	we.naxes = 2;
	we.axes = axes;
	ex.nbackends = 2;
	ex.backends = be;
	ex.nconfigs = 3;
	ex.configs = ce;
	ex.nworkloads = 1;
	ex.workloads = &we;
	ck_assert_int_eq(vb_matrix_expand(&ex, &cells, &n), 0);
	ck_assert_uint_eq(n, 2 * 3 * 3 * 4);
	ck_assert_str_eq(cells[0].params, "max_prime=3;threads=10");
	ck_assert_str_eq(cells[1].params, "max_prime=3;threads=20");
	ck_assert_str_eq(cells[4].params, "max_prime=4;threads=10");
	ck_assert_str_eq(cells[n - 1].params, "max_prime=5;threads=40");
	ck_assert_uint_eq(cells[n - 1].backend, 1);
	ck_assert_uint_eq(cells[n - 1].config, 2);
	vb_matrix_free(cells, n, &ex);
}
END_TEST

static Suite *matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("expand");

	tcase_add_test(tc, test_order_and_excludes);
	tcase_add_test(tc, test_axis_index_and_opts);
	tcase_add_test(tc, test_kv);
	tcase_add_test(tc, test_kv_rebuilds_cell);
	tcase_add_test(tc, test_full_size);
	tcase_add_test(tc, test_single_cell);
	tcase_add_test(tc, test_product_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(matrix_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
