/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's side of list options with VB_OPTF_* flags (plugin.h):
 * parameter groups and their axes (cells, params, kv, excludes), records
 * as JSON text, files checked on the host, a plugin's reason reported at
 * the line of the element it names, and the instance's metric table where
 * the engine looks metrics up. A fake workload stands for exec: only its
 * tables and validate() matter.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/experiment.h"
#include "engine/matrix.h"
#include "lib/options.h"

#include "fake-plugins.h"

struct fx_opts {
	char **command;
	char **params;
	char **metrics;
	char **files;
};

static const struct vb_option fx_options[] = {
	{ .name = "command", .type = VB_OPT_LIST,
	  .offset = offsetof(struct fx_opts, command) },
	{ .name = "params", .type = VB_OPT_LIST, .flags = VB_OPTF_PARAMS,
	  .offset = offsetof(struct fx_opts, params) },
	{ .name = "metrics", .type = VB_OPT_LIST, .flags = VB_OPTF_RECORDS,
	  .offset = offsetof(struct fx_opts, metrics) },
	{ .name = "files", .type = VB_OPT_LIST, .flags = VB_OPTF_FILES,
	  .offset = offsetof(struct fx_opts, files) },
	{ .name = NULL },
};

static const struct vb_metric fx_static[] = {
	{ .name = "wall_time", .unit = "s", .better = VB_LOWER_IS_BETTER },
	{ .name = NULL },
};

/* Refuses a record without "name", naming the element. */
static int fx_validate(const void *opts, char *msg, size_t len)
{
	const struct fx_opts *o = opts;

	for (size_t i = 0; o->metrics && o->metrics[i]; i++)
		if (!strstr(o->metrics[i], "\"name\"")) {
			snprintf(msg, len, "metrics[%zu]: name: missing", i);
			return -EINVAL;
		}
	return 0;
}

/* Its table: wall_time, then each record's name (unit "u"). */
struct fx_inst {
	struct vb_metric m[8];
	char names[8][32];
};

static int fx_instance(const void *opts, struct vb_wl_instance *inst)
{
	const struct fx_opts *o = opts;
	struct fx_inst *in = calloc(1, sizeof(*in));
	size_t n = 0;

	if (!in)
		return -ENOMEM;
	in->m[n++] = fx_static[0];
	for (size_t i = 0; o->metrics && o->metrics[i] && n < 7; i++, n++) {
		const char *p = strstr(o->metrics[i], "\"name\":\"") + 8;

		snprintf(in->names[n], sizeof(in->names[n]), "%.*s",
			 (int)strcspn(p, "\""), p);
		in->m[n] = (struct vb_metric){ .name = in->names[n], .unit = "u",
					       .better = VB_HIGHER_IS_BETTER,
					       .flags = VB_METRIC_PRIMARY };
	}
	inst->metrics = in->m;
	inst->priv = in;
	inst->flags |= VB_WL_DROP_CACHES;
	return 0;
}

static void fx_instance_free(struct vb_wl_instance *inst)
{
	free(inst->priv);
}

static const struct vb_workload_ops fx_ops = {
	.size = sizeof(struct vb_workload_ops),
	.validate = fx_validate,
	.run = fake_run,
	.instance = fx_instance,
	.instance_free = fx_instance_free,
};

static const struct vb_plugin_info fx_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD, .name = "exec", .version = "1.0.0",
	.summary = "test", .options = fx_options,
	.options_size = sizeof(struct fx_opts), .metrics = fx_static,
	.ops = &fx_ops,
};

static struct vb_plugin fx_items[] = {
	{ .info = &fake_bare_metal, .path = (char *)"(test)" },
	{ .info = &fx_info, .path = (char *)"(test)" },
};

static const struct vb_registry fx_registry = {
	.items = fx_items, .count = 2, .search_path = (char *)"(test)",
};

static char path[64];

static struct vb_experiment *load(const char *text, struct vb_diag *d)
{
	struct vb_experiment *ex = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/vb-check-params-XXXXXX");
	ck_assert_int_ge(mkstemp(path), 0);
	f = fopen(path, "w");
	fprintf(f, "backends = ( { plugin = \"bare-metal\"; } );\n"
		   "configs = ( { name = \"c\"; cpus = 1; memory = \"64M\"; } );\n"
		   "%s", text);
	fclose(f);
	memset(d, 0, sizeof(*d));
	vb_experiment_load(path, &fx_registry, &ex, d);
	unlink(path);
	return ex;
}

/* The message at line `line` containing `want`, or fail. */
static void has_error(const struct vb_diag *d, int line, const char *want)
{
	char at[80];

	snprintf(at, sizeof(at), "%s:%d: ", path, line);
	for (size_t i = 0; i < d->count; i++)
		if (!strncmp(d->msgs[i], at, strlen(at)) && strstr(d->msgs[i], want))
			return;
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "  %s\n", d->msgs[i]);
	ck_abort_msg("no error '%s' at line %d", want, line);
}

START_TEST(params_axes_cells)
{
	struct vb_diag d;
	struct vb_experiment *ex = load(
		"workloads = ( { plugin = \"exec\"; command = [\"x\", \"{n}\"];\n"
		"  params = { n = [1, 2, 30]; mode = (\"r\", \"w\"); fixed = 2.5; }; } );\n"
		"exclude = ( { n = 2; mode = \"w\"; } );\n", &d);
	struct vb_cell *cells;
	size_t n;

	ck_assert_msg(ex, "%s", d.count ? d.msgs[0] : "");
	ck_assert_uint_eq(ex->workloads[0].naxes, 2);
	ck_assert_str_eq(ex->workloads[0].axes[0].name, "n");
	ck_assert_str_eq(ex->workloads[0].axes[1].name, "mode");
	ck_assert_str_eq(ex->workloads[0].axes[0].values[2], "30");
	ck_assert_str_eq(vb_workload_param(&ex->workloads[0], "fixed", NULL), "2.5");
	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), 0);
	ck_assert_uint_eq(n, 5);  /* 3 x 2, minus n=2;mode=w */
	ck_assert_str_eq(cells[0].params, "n=1;mode=r");
	ck_assert_str_eq(cells[3].params, "n=30;mode=r");
	/* The agent gets every parameter as one list element, in order. */
	ck_assert_str_eq(vb_kv_value(cells[3].kv, cells[3].nkv, "params"),
			 "n=30,mode=r,fixed=2.5");
	ck_assert_str_eq(((struct fx_opts *)cells[4].opts)->params[1], "mode=w");
	/* The instance's flags reach every cell. */
	ck_assert_uint_eq(cells[0].flags & VB_WL_DROP_CACHES, VB_WL_DROP_CACHES);
	vb_matrix_free(cells, n, ex);
	vb_experiment_free(ex);
	vb_diag_free(&d);
}
END_TEST

START_TEST(records_are_json)
{
	struct vb_diag d;
	struct vb_experiment *ex = load(
		"workloads = ( { plugin = \"exec\"; command = (\"x\", 3, true);\n"
		"  metrics = ( { name = \"eps\"; scale = 0.5; primary = false; n = 7; },\n"
		"              { name = \"bq\"; help = \"say \\\"hi\\\"\"; } ); },\n"
		"  { plugin = \"exec\"; name = \"one\"; command = \"x\";\n"
		"    metrics = { name = \"only\"; }; } );\n"
		"thresholds = ( \"bare-metal/bare-metal eps >= 1\" );\n", &d);
	const struct fx_opts *o;

	ck_assert_msg(ex, "%s", d.count ? d.msgs[0] : "");
	o = ex->workloads[0].opts;
	ck_assert_str_eq(o->metrics[0],
			 "{\"name\":\"eps\",\"scale\":0.5,\"primary\":false,\"n\":7}");
	ck_assert_str_eq(o->metrics[1], "{\"name\":\"bq\",\"help\":\"say \\\"hi\\\"\"}");
	/* Numbers and booleans in a list are their text. */
	ck_assert_str_eq(o->command[1], "3");
	ck_assert_str_eq(o->command[2], "true");
	/* One group is a list of one. */
	o = ex->workloads[1].opts;
	ck_assert_str_eq(o->metrics[0], "{\"name\":\"only\"}");
	ck_assert_ptr_null(o->metrics[1]);
	/* Each entry's own metric table (the threshold found eps in it). */
	ck_assert_uint_eq(ex->workloads[0].desc.nmetrics, 3);
	ck_assert_str_eq(ex->workloads[0].desc.metrics[1].name, "eps");
	ck_assert_str_eq(vb_wl_desc_find(&ex->workloads[1].desc, "only")->unit, "u");
	ck_assert_ptr_null(vb_wl_desc_find(&ex->workloads[1].desc, "eps"));
	vb_experiment_free(ex);
	vb_diag_free(&d);
}
END_TEST

START_TEST(bad_input_at_its_line)
{
	struct vb_diag d;
	struct vb_experiment *ex = load(
		"workloads = ( { plugin = \"exec\"; command = [\"x\"];\n"
		"  metrics = ( { name = \"a\"; },\n"
		"              { unit = \"s\"; } ); },\n"
		"  { plugin = \"exec\"; name = \"e2\"; command = [\"x\"];\n"
		"    params = { command = 1; Bad = 2; ok = { a = 1; }; s = \"a;b\"; }; },\n"
		"  { plugin = \"exec\"; name = \"e3\"; command = [\"x\"];\n"
		"    metrics = ( { name = \"a\"; sub = [1]; } );\n"
		"    files = [\"/bin/sh\",\n"
		"             \"/no/such/file\", \"rel/path\"]; },\n"
		"  { plugin = \"exec\"; name = \"e4\"; command = [\"x\"];\n"
		"    params = [\"n=1\"]; } );\n"
		"exclude = ( { nope = 1; } );\n"
		"thresholds = ( \"bare-metal/bare-metal nonesuch >= 1\" );\n", &d);

	ck_assert_ptr_null(ex);
	/* validate()'s "metrics[1]: ..." at the second group's line. */
	has_error(&d, 5, "workloads[0] (exec): metrics[1]: name: missing");
	has_error(&d, 7, "params.command: 'command' is also an option");
	has_error(&d, 7, "params.Bad: bad parameter name");
	has_error(&d, 7, "params.ok: wrong type: expected a value or a non-empty list");
	has_error(&d, 7, "params.s: 'a;b': a parameter's value may not hold ';'");
	has_error(&d, 9, "metrics[0]: sub: wrong type: expected one value");
	has_error(&d, 11, "files[1]: /no/such/file: No such file or directory on this host");
	has_error(&d, 11, "files[2]: 'rel/path' is not an absolute path");
	has_error(&d, 13, "params: wrong type: expected a group of parameters");
	has_error(&d, 14, "exclude[0]: nope: unknown filter key");
	/* Entries refused before their table was known: no cascade. */
	for (size_t i = 0; i < d.count; i++)
		ck_assert_msg(!strstr(d.msgs[i], "nonesuch"), "%s", d.msgs[i]);
	vb_diag_free(&d);
}
END_TEST

START_TEST(reason_said_once)
{
	struct vb_diag d;
	struct vb_experiment *ex = load(
		"workloads = ( { plugin = \"exec\"; command = [\"x\"];\n"
		"  params = { n = [1, 2, 3, 4, 5, 6, 7]; };\n"
		"  metrics = ( { unit = \"s\"; } ); } );\n", &d);
	size_t n = 0;

	ck_assert_ptr_null(ex);
	for (size_t i = 0; i < d.count; i++)
		n += strstr(d.msgs[i], "metrics[0]: name: missing") != NULL;
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(d.count, 1);
	vb_diag_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, params_axes_cells);
	tcase_add_test(tc, records_are_json);
	tcase_add_test(tc, bad_input_at_its_line);
	tcase_add_test(tc, reason_said_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
