/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Units, option tables and the key=value round trip the agent relies on.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/options.h"
#include "lib/util.h"

struct topts {
	int64_t count;
	int64_t size;
	double time;
	bool flag;
	double ratio;
	int mode;
	char *label;
	char **args;
};

static const char *const modes[] = { "single", "multi", "auto", NULL };

static const struct vb_option topts_tab[] = {
	{ .name = "count", .type = VB_OPT_INT,
	  .offset = offsetof(struct topts, count), .def = "4",
	  .min = 1, .max = 64 },
	{ .name = "size", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct topts, size), .def = "16K",
	  .min = 4096, .max = 1099511627776.0 },
	{ .name = "time", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct topts, time), .def = "10s",
	  .min = 0.001, .max = 3600 },
	{ .name = "flag", .type = VB_OPT_BOOL,
	  .offset = offsetof(struct topts, flag), .def = "off" },
	{ .name = "ratio", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct topts, ratio), .def = "1.5",
	  .min = 0, .max = 100 },
	{ .name = "mode", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct topts, mode), .def = "auto",
	  .choices = modes },
	{ .name = "label", .type = VB_OPT_STRING,
	  .offset = offsetof(struct topts, label) },
	{ .name = "args", .type = VB_OPT_LIST,
	  .offset = offsetof(struct topts, args), .def = "-a,-b" },
	{ .name = NULL },
};

static const struct vb_plugin_info topts_info = {
	.abi_major = VB_PLUGIN_ABI_MAJOR,
	.abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "topts",
	.version = "1.0.0",
	.options = topts_tab,
	.options_size = sizeof(struct topts),
};

static const struct vb_option *opt(const char *name)
{
	const struct vb_option *o = vb_option_find(topts_tab, name);

	ck_assert_ptr_nonnull(o);
	return o;
}

/* ------------------------------------------------------------------ */

static const struct {
	const char *in;
	int rc;
	int64_t bytes;
} size_cases[] = {
	{ "0", 0, 0 },
	{ "512", 0, 512 },
	{ "16K", 0, 16384 },
	{ "16k", 0, 16384 },
	{ "2M", 0, 2097152 },
	{ "2G", 0, 2147483648LL },
	{ "2GiB", 0, 2147483648LL },
	{ "2GB", 0, 2147483648LL },
	{ "1T", 0, 1099511627776LL },
	{ "1.5G", 0, 1610612736LL },
	{ ".5K", 0, 512 },
	{ "1.5", 0, 1 },
	{ "100B", 0, 100 },
	{ "8191P", -EINVAL, 0 },
	{ "2Q", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "G", -EINVAL, 0 },
	{ "-1G", -EINVAL, 0 },
	{ " 2G", -EINVAL, 0 },
	{ "2G ", -EINVAL, 0 },
	{ "2Gi", -EINVAL, 0 },
	{ "inf", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "9223372036854775807", 0, INT64_MAX },
	{ "9223372036854775808", -ERANGE, 0 },
	{ "8388608T", -ERANGE, 0 },
	{ "8388607.99T", 0, 9223372025859659530LL },
};

START_TEST(test_parse_size)
{
	int64_t v = -7;
	int rc = vb_parse_size(size_cases[_i].in, &v);

	ck_assert_msg(rc == size_cases[_i].rc, "'%s': rc %d, want %d",
		      size_cases[_i].in, rc, size_cases[_i].rc);
	if (!rc)
		ck_assert_msg(v == size_cases[_i].bytes,
			      "'%s': %lld, want %lld", size_cases[_i].in,
			      (long long)v, (long long)size_cases[_i].bytes);
}
END_TEST

static const struct {
	const char *in;
	int rc;
	double s;
} dur_cases[] = {
	{ "10", 0, 10 },     { "10s", 0, 10 },     { "250ms", 0, 0.25 },
	{ "2m", 0, 120 },    { "1h", 0, 3600 },    { "1.5h", 0, 5400 },
	{ "0.5", 0, 0.5 },   { "0", 0, 0 },        { "", -EINVAL, 0 },
	{ "10x", -EINVAL, 0 }, { "-1s", -EINVAL, 0 }, { "s", -EINVAL, 0 },
	{ "nan", -EINVAL, 0 }, { "1e3", -EINVAL, 0 }, { "10 s", -EINVAL, 0 },
};

START_TEST(test_parse_duration)
{
	double v = -1;
	int rc = vb_parse_duration(dur_cases[_i].in, &v);

	ck_assert_msg(rc == dur_cases[_i].rc, "'%s': rc %d", dur_cases[_i].in,
		      rc);
	if (!rc)
		ck_assert_msg(fabs(v - dur_cases[_i].s) < 1e-12, "'%s': %g",
			      dur_cases[_i].in, v);
}
END_TEST

static const struct {
	const char *in;
	int rc;
	bool v;
} bool_cases[] = {
	{ "true", 0, true },  { "false", 0, false }, { "yes", 0, true },
	{ "no", 0, false },   { "on", 0, true },     { "off", 0, false },
	{ "1", 0, true },     { "0", 0, false },     { "TRUE", 0, true },
	{ "2", -EINVAL, 0 },  { "", -EINVAL, 0 },    { "yess", -EINVAL, 0 },
};

START_TEST(test_parse_bool)
{
	bool v = !bool_cases[_i].v;
	int rc = vb_parse_bool(bool_cases[_i].in, &v);

	ck_assert_int_eq(rc, bool_cases[_i].rc);
	if (!rc)
		ck_assert(v == bool_cases[_i].v);
}
END_TEST

static const struct {
	int64_t in;
	const char *out;
} fmt_cases[] = {
	{ 0, "0" },
	{ 512, "512" },
	{ 1024, "1K" },
	{ 16384, "16K" },
	{ 1536, "1536" },
	{ 1610612736LL, "1536M" },
	{ 2147483648LL, "2G" },
	{ 1099511627776LL, "1T" },
	{ 3298534883328LL, "3T" },
	{ 1099511627777LL, "1099511627777" },
	{ -2048, "-2K" },
};

START_TEST(test_format_size)
{
	char buf[64];
	int64_t back;

	vb_format_size(fmt_cases[_i].in, buf, sizeof(buf));
	ck_assert_str_eq(buf, fmt_cases[_i].out);
	/* What we print, we parse back to the same bytes. */
	if (fmt_cases[_i].in >= 0) {
		ck_assert_int_eq(vb_parse_size(buf, &back), 0);
		ck_assert(back == fmt_cases[_i].in);
	}
}
END_TEST

START_TEST(test_suggest)
{
	static const char *const names[] = { "max_prime", "threads", "events",
					     "time", NULL };

	ck_assert_str_eq(vb_suggest("max_prim", names), "max_prime");
	ck_assert_str_eq(vb_suggest("max_pirme", names), "max_prime");
	ck_assert_str_eq(vb_suggest("thread", names), "threads");
	ck_assert_str_eq(vb_suggest("treads", names), "threads");
	ck_assert_str_eq(vb_suggest("tim", names), "time");
	ck_assert_ptr_null(vb_suggest("zzzzzz", names));
	ck_assert_ptr_null(vb_suggest("max", names));
	/* Three edits away is not a near miss. */
	ck_assert_ptr_null(vb_suggest("evnxyz", names));
	ck_assert_ptr_null(vb_suggest("x", names));
	ck_assert_ptr_null(vb_suggest("abc", NULL));
}
END_TEST

/* ------------------------------------------------------------------ */

static const struct {
	const char *opt, *text;
	int rc;
	const char *canon;   /* expected vb_opt_to_text, or error substring */
} set_cases[] = {
	{ "count", "8", 0, "8" },
	{ "count", "64", 0, "64" },
	{ "count", "1", 0, "1" },
	{ "count", "0", -ERANGE, "expected 1..64, got '0'" },
	{ "count", "65", -ERANGE, "expected 1..64" },
	{ "count", "12abc", -EINVAL, "expected an integer, got '12abc'" },
	{ "count", "", -EINVAL, "expected an integer" },
	{ "count", " 5", -EINVAL, "expected an integer" },
	{ "count", "1.5", -EINVAL, "expected an integer" },
	{ "count", "99999999999999999999", -ERANGE, "64 bits" },
	{ "size", "2G", 0, "2147483648" },
	{ "size", "4096", 0, "4096" },
	{ "size", "1T", 0, "1099511627776" },
	{ "size", "2Q", -EINVAL, "bad size" },
	{ "size", "1K", -ERANGE, "expected 4K..1T, got '1K'" },
	{ "size", "2T", -ERANGE, "expected 4K..1T" },
	{ "time", "250ms", 0, "0.25" },
	{ "time", "1h", 0, "3600" },
	{ "time", "0.1", 0, "0.1" },
	{ "time", "2h", -ERANGE, "expected 1ms..1h, got '2h'" },
	{ "time", "10parsecs", -EINVAL, "bad duration" },
	{ "flag", "yes", 0, "true" },
	{ "flag", "0", 0, "false" },
	{ "flag", "maybe", -EINVAL, "expected a boolean" },
	{ "ratio", "0.7", 0, "0.7" },
	{ "ratio", "1e-3", 0, "0.001" },
	{ "ratio", "100", 0, "100" },
	{ "ratio", "100.5", -ERANGE, "expected 0..100" },
	{ "ratio", "fast", -EINVAL, "expected a number, got 'fast'" },
	{ "ratio", "nan", -EINVAL, "expected a number" },
	{ "mode", "multi", 0, "multi" },
	{ "mode", "single", 0, "single" },
	{ "mode", "mutli", -EINVAL, "expected one of 'single', 'multi', 'auto', got 'mutli'; did you mean 'multi'?" },
	{ "mode", "Multi", -EINVAL, "expected one of" },
	{ "label", "hello world", 0, "hello world" },
	{ "label", "", 0, "" },
	{ "label", "a=b,c", 0, "a=b,c" },
	{ "args", "-c", 0, "-a,-b,-c" },
	{ "args", "x,y", 0, "-a,-b,x\\,y" },
	{ "args", "", -EINVAL, "empty list element" },
};

START_TEST(test_set_text)
{
	struct topts b = { 0 };
	char err[512] = "";
	const struct vb_option *o = opt(set_cases[_i].opt);
	int rc;

	ck_assert_int_eq(vb_opts_defaults(topts_tab, &b, err, sizeof(err)), 0);
	rc = vb_opt_set_text(o, &b, set_cases[_i].text, err, sizeof(err));
	ck_assert_msg(rc == set_cases[_i].rc, "%s='%s': rc %d (%s)",
		      set_cases[_i].opt, set_cases[_i].text, rc, err);
	if (rc) {
		ck_assert_msg(strstr(err, set_cases[_i].canon), "'%s' not in '%s'",
			      set_cases[_i].canon, err);
	} else {
		char *t = vb_opt_to_text(o, &b);

		ck_assert_str_eq(t, set_cases[_i].canon);
		free(t);
	}
	vb_opts_free(topts_tab, &b);
	ck_assert_ptr_null(b.label);
	ck_assert_ptr_null(b.args);
}
END_TEST

START_TEST(test_defaults)
{
	struct topts b = { 0 };
	char err[256];

	ck_assert_int_eq(vb_opts_defaults(topts_tab, &b, err, sizeof(err)), 0);
	ck_assert(b.count == 4);
	ck_assert(b.size == 16384);
	ck_assert(b.time == 10.0);
	ck_assert(!b.flag);
	ck_assert(b.ratio == 1.5);
	ck_assert_int_eq(b.mode, 2);
	ck_assert_ptr_nonnull(b.label);
	ck_assert_str_eq(b.label, "");
	ck_assert_ptr_nonnull(b.args);
	ck_assert_str_eq(b.args[0], "-a");
	ck_assert_str_eq(b.args[1], "-b");
	ck_assert_ptr_null(b.args[2]);
	vb_opts_free(topts_tab, &b);
}
END_TEST

START_TEST(test_bad_default)
{
	static const struct vb_option bad[] = {
		{ .name = "n", .type = VB_OPT_INT, .offset = 0, .def = "lots" },
		{ .name = NULL },
	};
	int64_t block = 0;
	char err[256] = "";

	ck_assert_int_eq(vb_opts_defaults(bad, &block, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "n: bad default 'lots'"));
}
END_TEST

/* Empty list default: a non-NULL, empty array, so plugins just iterate. */
START_TEST(test_empty_list_default)
{
	static const struct vb_option tab[] = {
		{ .name = "l", .type = VB_OPT_LIST, .offset = 0 },
		{ .name = NULL },
	};
	char **list = NULL;
	char err[64];

	ck_assert_int_eq(vb_opts_defaults(tab, &list, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(list);
	ck_assert_ptr_null(list[0]);
	vb_opts_free(tab, &list);
	ck_assert_ptr_null(list);
}
END_TEST

/* ------------------------------------------------------------------ */

static char **all_kv(const void *block)
{
	char **kv = calloc(9, sizeof(*kv));
	size_t i;

	for (i = 0; topts_tab[i].name; i++) {
		char *t = vb_opt_to_text(&topts_tab[i], block);

		ck_assert_int_ge(asprintf(&kv[i], "%s=%s", topts_tab[i].name, t), 0);
		free(t);
	}
	return kv;
}

static void free_kv(char **kv)
{
	size_t i;

	for (i = 0; kv[i]; i++)
		free(kv[i]);
	free(kv);
}

static void assert_same(const struct topts *a, const struct topts *b)
{
	size_t i;

	ck_assert(a->count == b->count);
	ck_assert(a->size == b->size);
	ck_assert(a->time == b->time);
	ck_assert(a->flag == b->flag);
	ck_assert(a->ratio == b->ratio);
	ck_assert_int_eq(a->mode, b->mode);
	ck_assert_str_eq(a->label, b->label);
	for (i = 0; a->args[i] || b->args[i]; i++) {
		ck_assert_ptr_nonnull(a->args[i]);
		ck_assert_ptr_nonnull(b->args[i]);
		ck_assert_str_eq(a->args[i], b->args[i]);
	}
}

/* Values that stress the canonical text: every type, awkward doubles,
 * list elements with the separator and the escape in them. */
static const char *const round_trip_sets[][8] = {
	{ "count=1", "size=4096", "time=0.001", "flag=true", "ratio=0",
	  "mode=single", "label=", "args=x" },
	{ "count=64", "size=1T", "time=1h", "flag=false", "ratio=0.1",
	  "mode=multi", "label=a b=c,d", "args=-device,virtio\\,x=1" },
	{ "count=7", "size=1.5G", "time=0.3", "flag=on", "ratio=33.333333333333336",
	  "mode=auto", "label=\\", "args=a\\\\,b\\\\\\,c,\\\\" },
	{ "count=2", "size=12345", "time=2m", "flag=off", "ratio=99.99999999999999",
	  "mode=auto", "label=ü", "args=" },
};

START_TEST(test_round_trip)
{
	const char *const *set = round_trip_sets[_i];
	struct topts *a = NULL, *b = NULL;
	char err[512] = "";
	char **kv;
	size_t i;

	ck_assert_msg(vb_opts_from_kv(&topts_info, set, 8, (void **)&a, err,
				      sizeof(err)) == 0, "%s", err);
	kv = all_kv(a);
	ck_assert_msg(vb_opts_from_kv(&topts_info, (const char *const *)kv, 8,
				      (void **)&b, err, sizeof(err)) == 0,
		      "%s", err);
	assert_same(a, b);
	/* Second trip: the text itself is a fixed point. */
	{
		char **kv2 = all_kv(b);

		for (i = 0; i < 8; i++)
			ck_assert_str_eq(kv[i], kv2[i]);
		free_kv(kv2);
	}
	free_kv(kv);
	vb_opts_free(topts_tab, a);
	vb_opts_free(topts_tab, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_kv_list_semantics)
{
	static const char *const kv[] = { "args=p,q", "args=r", "count=9" };
	struct topts *a = NULL;
	char err[256];

	ck_assert_int_eq(vb_opts_from_kv(&topts_info, kv, 3, (void **)&a, err,
					 sizeof(err)), 0);
	/* First assignment replaced the default (-a,-b), the second appended. */
	ck_assert_str_eq(a->args[0], "p");
	ck_assert_str_eq(a->args[1], "q");
	ck_assert_str_eq(a->args[2], "r");
	ck_assert_ptr_null(a->args[3]);
	ck_assert(a->count == 9);
	ck_assert(a->size == 16384);  /* untouched: default */
	vb_opts_free(topts_tab, a);
	free(a);
}
END_TEST

static const struct {
	const char *kv;
	const char *msg;
} kv_err_cases[] = {
	{ "cuont=3", "cuont: unknown option of 'topts'; did you mean 'count'?" },
	{ "bogus=3", "bogus: unknown option of 'topts'" },
	{ "count", "expected key=value, got 'count'" },
	{ "=3", "expected key=value" },
	{ "count=0", "count: out of range: expected 1..64, got '0'" },
	{ "size=2Q", "size: bad size" },
	{ "mode=x", "mode: bad value" },
	{ "args=a,,b", "args: empty list element" },
};

START_TEST(test_kv_errors)
{
	const char *kv[] = { kv_err_cases[_i].kv };
	void *b = (void *)1;
	char err[512] = "";

	ck_assert_int_eq(vb_opts_from_kv(&topts_info, kv, 1, &b, err,
					 sizeof(err)), -EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err, kv_err_cases[_i].msg), "'%s' not in '%s'",
		      kv_err_cases[_i].msg, err);
}
END_TEST

START_TEST(test_no_options)
{
	static const struct vb_plugin_info none = {
		.abi_major = VB_PLUGIN_ABI_MAJOR,
		.kind = VB_PLUGIN_WORKLOAD,
		.name = "none",
	};
	static const char *const kv[] = { "x=1" };
	void *b = NULL;
	char err[256];

	ck_assert_int_eq(vb_opts_from_kv(&none, NULL, 0, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(b);
	free(b);
	ck_assert_int_eq(vb_opts_from_kv(&none, kv, 1, &b, err, sizeof(err)),
			 -EINVAL);
}
END_TEST

START_TEST(test_diag)
{
	struct vb_diag d = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	vb_diag_add(&d, "x.cfg", 12, "workloads[0]: %s", "bad");
	vb_diag_add(&d, "x.cfg", 0, "cannot read");
	vb_diag_add(&d, NULL, 0, "plain %d", 3);
	ck_assert_uint_eq(d.count, 3);
	ck_assert_str_eq(d.msgs[0], "x.cfg:12: workloads[0]: bad");
	ck_assert_str_eq(d.msgs[1], "x.cfg: cannot read");
	ck_assert_str_eq(d.msgs[2], "plain 3");
	f = open_memstream(&buf, &len);
	vb_diag_print(&d, f);
	fclose(f);
	ck_assert_str_eq(buf, "x.cfg:12: workloads[0]: bad\nx.cfg: cannot read\nplain 3\n");
	free(buf);
	vb_diag_free(&d);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_ptr_null(d.msgs);
}
END_TEST

/* A table may write INT64_MAX as a double, which rounds to 2^63: the
 * out-of-range message printed "0..-9223372036854775808" (converting 2^63
 * to int64_t is undefined; found by tests/fuzz/fuzz-experiment). */
START_TEST(test_range_edge_int64)
{
	struct { int64_t i, s; } b = { 0, 0 };
	const struct vb_option wide[] = {
		{ .name = "i", .type = VB_OPT_INT, .offset = 0,
		  .min = 0, .max = 9223372036854775807.0 },
		{ .name = "s", .type = VB_OPT_SIZE, .offset = sizeof(int64_t),
		  .min = 4096, .max = 9223372036854775807.0 },
		{ .name = NULL },
	};
	char err[512] = "";

	ck_assert_int_eq(vb_opt_set_text(&wide[0], &b, "-1", err, sizeof(err)),
			 -ERANGE);
	ck_assert_msg(strstr(err, "expected 0..9223372036854775807,"), "%s", err);
	ck_assert_int_eq(vb_opt_set_text(&wide[1], &b, "1K", err, sizeof(err)),
			 -ERANGE);
	ck_assert_msg(!strstr(err, "-"), "%s", err);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("units");

	tcase_add_loop_test(tc, test_parse_size, 0, N(size_cases));
	tcase_add_loop_test(tc, test_parse_duration, 0, N(dur_cases));
	tcase_add_loop_test(tc, test_parse_bool, 0, N(bool_cases));
	tcase_add_loop_test(tc, test_format_size, 0, N(fmt_cases));
	tcase_add_test(tc, test_suggest);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_loop_test(tc, test_set_text, 0, N(set_cases));
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_bad_default);
	tcase_add_test(tc, test_empty_list_default);
	tcase_add_test(tc, test_range_edge_int64);
	suite_add_tcase(s, tc);

	tc = tcase_create("kv");
	tcase_add_loop_test(tc, test_round_trip, 0, N(round_trip_sets));
	tcase_add_test(tc, test_kv_list_semantics);
	tcase_add_loop_test(tc, test_kv_errors, 0, N(kv_err_cases));
	tcase_add_test(tc, test_no_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("diag");
	tcase_add_test(tc, test_diag);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(options_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
