/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the exec workload: the parsing of metrics, parameters and
 * placeholders, regex and JSON-pointer matching, the output cap, and real
 * commands run through the hooks (exit statuses, a timeout that kills the
 * whole process group, a program that is not there, a carried program
 * started through a bundle's loader). The module's source is compiled in
 * with a recording mock of the engine services it calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The module finds its bundle from where it was loaded; here the test
 * says where it is. */
struct ex_where;
static void test_where_self(struct ex_where *w);
#define EX_WHERE_SELF test_where_self

#include "exec.c"

#include "mock-services.h"

static char test_root[256];
static char bundle_root[1024]; /* "" = on the host */

static void test_where_self(struct ex_where *w)
{
	memset(w, 0, sizeof(*w));
	if (!bundle_root[0])
		return;
	snprintf(w->root, sizeof(w->root), "%s", bundle_root);
	snprintf(w->files, sizeof(w->files), "%s/files", bundle_root);
}

/* ---- options as the engine fills them ---------------------------------- */

static char **strv(const char *first, ...)
{
	va_list ap;
	size_t n = 0;
	char **v = calloc(64, sizeof(char *));
	const char *s;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		v[n++] = strdup(s);
	va_end(ap);
	return v;
}

/* The table's defaults (the engine applies them with lib/options.c). */
static void opts_defaults(struct ex_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->workdir = strdup("");
	o->ok_exit = strv("0", NULL);
	o->output_limit = 4 << 20;
}

/* ---- mock start: the metric table the mock accepts ---------------------- */

/* The instance's table, as the agent gives it to vb_report_metric. */
static struct vb_wl_instance inst_now;

static void mock_start(struct vb_ctx *c, const struct ex_opts *o)
{
	if (inst_now.priv)
		ex_instance_free(&inst_now);
	inst_now = (struct vb_wl_instance){ .size = sizeof(inst_now) };
	ck_assert_int_eq(ex_instance(o, &inst_now), 0);
	mock_init(c, inst_now.metrics);
	snprintf(c->scratch, sizeof(c->scratch), "%s", test_root);
}

static uint32_t vb_option_flags(const char *name)
{
	for (const struct vb_option *op = ex_options; op->name; op++)
		if (!strcmp(op->name, name))
			return op->flags;
	return 0xffffffffu;
}

static void opts_free(struct ex_opts *o)
{
	char ***lists[] = { &o->command, &o->prepare, &o->cleanup, &o->env,
			    &o->files, &o->params, &o->metrics, &o->ok_exit };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		ex_strv_free(*lists[i]);
		*lists[i] = NULL;
	}
	free(o->workdir);
	o->workdir = NULL;
}

/* ---- parsing ------------------------------------------------------------ */

static int parse(const char *json, char *why)
{
	struct ex_metric m;
	int rc = ex_metric_parse(json, &m, why, 512);

	if (!rc)
		ex_metric_free(&m);
	return rc;
}

START_TEST(metric_parse_good)
{
	struct ex_metric m;
	char why[512] = "";

	ck_assert_int_eq(ex_metric_parse(
		"{\"name\":\"events_per_second\",\"unit\":\"1/s\","
		"\"better\":\"higher\",\"regex\":\"events per second:[[:space:]]*([0-9.]+)\"}",
		&m, why, sizeof(why)), 0);
	ck_assert_str_eq(m.name, "events_per_second");
	ck_assert_str_eq(m.unit, "1/s");
	ck_assert_int_eq(m.better, VB_HIGHER_IS_BETTER);
	ck_assert(m.re_ok);
	ck_assert_double_eq(m.scale, 1);
	ck_assert_int_eq(m.stream, EX_STDOUT);
	ck_assert(m.primary);
	ex_metric_free(&m);

	ck_assert_int_eq(ex_metric_parse(
		"{\"name\":\"lat\",\"better\":\"lower\",\"json\":\"/jobs/0/read/lat_ns/mean\","
		"\"scale\":1e-6,\"unit\":\"ms\",\"stream\":\"stderr\",\"primary\":false}",
		&m, why, sizeof(why)), 0);
	ck_assert_str_eq(m.json, "/jobs/0/read/lat_ns/mean");
	ck_assert_double_eq(m.scale, 1e-6);
	ck_assert_int_eq(m.stream, EX_STDERR);
	ck_assert(!m.primary);
	ck_assert_int_eq(m.better, VB_LOWER_IS_BETTER);
	ex_metric_free(&m);
}
END_TEST

START_TEST(metric_parse_bad)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"name\":\"x\",\"better\":\"higher\",\"regex\":\"a(\"}",
		  "does not compile" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"regex\":\"[0-9]+\"}",
		  "has no group" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"json\":\"jobs/0\"}",
		  "not a JSON pointer" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"json\":\"/a~2\"}",
		  "'~' must be followed" },
		{ "{\"name\":\"x\",\"regex\":\"(1)\"}", "better: missing" },
		{ "{\"name\":\"x\",\"better\":\"up\",\"regex\":\"(1)\"}",
		  "got 'up'" },
		{ "{\"name\":\"Bad-Name\",\"better\":\"higher\",\"regex\":\"(1)\"}",
		  "not a metric name" },
		{ "{\"name\":\"wall_time\",\"better\":\"higher\",\"regex\":\"(1)\"}",
		  "reported by virtbench" },
		{ "{\"name\":\"x\",\"better\":\"higher\"}", "regex or json" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"regex\":\"(1)\",\"json\":\"/a\"}",
		  "regex and json" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"regex\":\"(1)\",\"scale\":0}",
		  "non-zero" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"regx\":\"(1)\"}",
		  "did you mean 'regex'" },
		{ "{\"name\":\"x\",\"unit\":\"a;b\",\"better\":\"higher\",\"regex\":\"(1)\"}",
		  "unit" },
		{ "{\"better\":\"higher\",\"regex\":\"(1)\"}", "name: missing" },
		{ "not json", "expected a group" },
		{ "{\"name\":5,\"better\":\"higher\",\"regex\":\"(1)\"}",
		  "expected a string" },
		{ "{\"name\":\"x\",\"better\":\"higher\",\"regex\":\"(1)\",\"stream\":\"out\"}",
		  "\"stdout\" or" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[512] = "";

		ck_assert_msg(parse(cases[i].json, why) == -EINVAL,
			      "%s accepted", cases[i].json);
		ck_assert_msg(strstr(why, cases[i].want), "%s: '%s' lacks '%s'",
			      cases[i].json, why, cases[i].want);
	}
}
END_TEST

START_TEST(spec_params_and_exit)
{
	struct ex_opts o;
	struct ex_spec s;
	char msg[512];

	opts_defaults(&o);
	o.command = strv("true", NULL);
	o.params = strv("max_prime=10000", "mode=rndrw", NULL);
	ex_strv_free(o.ok_exit);
	o.ok_exit = strv("0", "3", NULL);
	ck_assert_int_eq(ex_spec_load(&o, &s, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(s.np, 2);
	ck_assert_str_eq(s.pname[1], "mode");
	ck_assert_str_eq(s.pvalue[0], "10000");
	ck_assert(ex_ok_status(&s, 3) && ex_ok_status(&s, 0) &&
		  !ex_ok_status(&s, 1));
	ex_spec_free(&s);

	ex_strv_free(o.params);
	o.params = strv("a=1", "a=2", NULL);
	ck_assert_int_eq(ex_spec_load(&o, &s, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "given twice"));
	ex_strv_free(o.params);
	o.params = strv("files=1", NULL);
	ck_assert_int_eq(ex_spec_load(&o, &s, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "built-in"));
	ex_strv_free(o.params);
	o.params = NULL;
	ex_strv_free(o.ok_exit);
	o.ok_exit = strv("0", "300", NULL);
	ck_assert_int_eq(ex_spec_load(&o, &s, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "ok_exit[1]"));
	ex_strv_free(o.ok_exit);
	o.ok_exit = strv("0", NULL);
	o.metrics = strv("{\"name\":\"a\",\"better\":\"higher\",\"regex\":\"(1)\"}",
			 "{\"name\":\"a\",\"better\":\"higher\",\"regex\":\"(2)\"}",
			 NULL);
	ck_assert_int_eq(ex_spec_load(&o, &s, msg, sizeof(msg)), -EINVAL);
	ck_assert_msg(strstr(msg, "metrics[1]: name: 'a' is declared twice"),
		      "%s", msg);
	opts_free(&o);
}
END_TEST

START_TEST(placeholders)
{
	struct ex_opts o;
	struct ex_spec s;
	struct ex_vars vars = { .files = "/opt/virtbench/files",
				.workdir = "/scratch/w" };
	char msg[512], *t;

	opts_defaults(&o);
	o.command = strv("x", NULL);
	o.params = strv("max_prime=20000", "threads=4", NULL);
	ck_assert_int_eq(ex_spec_load(&o, &s, msg, sizeof(msg)), 0);
	t = ex_expand("--cpu-max-prime={max_prime}", &s, &vars, msg, sizeof(msg));
	ck_assert_str_eq(t, "--cpu-max-prime=20000");
	free(t);
	t = ex_expand("{files}/etc/a.conf:{workdir}:{threads}{threads}", &s,
		      &vars, msg, sizeof(msg));
	ck_assert_str_eq(t, "/opt/virtbench/files/etc/a.conf:/scratch/w:44");
	free(t);
	/* Braces that are no placeholder stay; {{ is a literal brace. */
	t = ex_expand("{\"a\":{\"b\":1}} {{threads} { } {A} {x", &s, &vars, msg,
		      sizeof(msg));
	ck_assert_str_eq(t, "{\"a\":{\"b\":1}} {threads} { } {A} {x");
	free(t);
	ck_assert_ptr_null(ex_expand("--n={max_prme}", &s, NULL, msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, "{max_prme} names no parameter") &&
		      strstr(msg, "did you mean {max_prime}"), "%s", msg);
	ck_assert_ptr_null(ex_expand("{nope}", &s, &vars, msg, sizeof(msg)));
	ck_assert_ptr_nonnull(strstr(msg, "params = { nope"));
	ex_spec_free(&s);
	opts_free(&o);
}
END_TEST

/* ---- matching ----------------------------------------------------------- */

static const char sysbench_cpu[] =
	"sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)\n"
	"\n"
	"Prime numbers limit: 10000\n"
	"\n"
	"CPU speed:\n"
	"    events per second:  1234.56\n"
	"\n"
	"General statistics:\n"
	"    total time:                          10.0011s\n"
	"    total number of events:              12346\n"
	"\n"
	"Latency (ms):\n"
	"         min:                                    0.79\n"
	"         avg:                                    0.81\n";

static double value_of(const char *json, const char *text, int *rc,
		       char *why)
{
	struct ex_metric m;
	json_t *doc = NULL;
	double v = -1;

	ck_assert_int_eq(ex_metric_parse(json, &m, why, 512), 0);
	*rc = ex_metric_value(&m, text, strlen(text), &doc, &v, why, 512);
	json_decref(doc);
	ex_metric_free(&m);
	return v;
}

START_TEST(regex_matching)
{
	char why[512];
	int rc;
	double v;

	v = value_of("{\"name\":\"eps\",\"better\":\"higher\","
		     "\"regex\":\"events per second:[[:space:]]*([0-9.]+)\"}",
		     sysbench_cpu, &rc, why);
	ck_assert_int_eq(rc, 0);
	ck_assert_double_eq_tol(v, 1234.56, 1e-9);
	/* ms -> s with scale; ^ and $ are per line. */
	v = value_of("{\"name\":\"avg\",\"better\":\"lower\",\"scale\":0.001,"
		     "\"regex\":\"^ +avg: +([0-9.]+)$\"}",
		     sysbench_cpu, &rc, why);
	ck_assert_int_eq(rc, 0);
	ck_assert_double_eq_tol(v, 0.00081, 1e-12);
	v = value_of("{\"name\":\"t\",\"better\":\"lower\","
		     "\"regex\":\"total time: +([0-9.]+)s\"}",
		     sysbench_cpu, &rc, why);
	ck_assert_double_eq_tol(v, 10.0011, 1e-9);
	/* No match: an error, never a zero. */
	v = value_of("{\"name\":\"x\",\"better\":\"higher\","
		     "\"regex\":\"reads/s: *([0-9.]+)\"}", sysbench_cpu, &rc, why);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(why, "matched nothing in stdout"), "%s", why);
	/* A capture that is no number. */
	v = value_of("{\"name\":\"x\",\"better\":\"higher\","
		     "\"regex\":\"(sysbench) 1\"}", sysbench_cpu, &rc, why);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(why, "captured \"sysbench\", which is not a number"),
		      "%s", why);
	/* An optional group that did not take part. */
	v = value_of("{\"name\":\"x\",\"better\":\"higher\","
		     "\"regex\":\"(nothere)?Prime\"}", sysbench_cpu, &rc, why);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "took no part"));
}
END_TEST

static const char fio_json[] =
	"note: both iodepth >= 1 and synchronous I/O engine are selected\n"
	"{\n"
	"  \"fio version\" : \"fio-3.33\",\n"
	"  \"jobs\" : [ { \"jobname\" : \"r\", \"read\" : { \"iops\" : 1520.5,"
	"  \"lat_ns\" : { \"mean\" : 654321 } }, \"a/b\" : 7, \"m~n\" : 8,"
	"  \"s\" : \" 42 \", \"t\" : \"x\" } ]\n"
	"}\n";

START_TEST(json_pointers)
{
	static const struct {
		const char *ptr;
		double want;
	} good[] = {
		{ "/jobs/0/read/iops", 1520.5 },
		{ "/jobs/0/read/lat_ns/mean", 654321 },
		{ "/jobs/0/a~1b", 7 },   /* RFC 6901 §4 */
		{ "/jobs/0/m~0n", 8 },
		{ "/jobs/0/s", 42 },     /* a number in a string */
	};
	static const struct {
		const char *ptr, *want;
	} bad[] = {
		{ "/jobs/1/read", "no element [1] at \"/jobs\" (an array of 1)" },
		{ "/jobs/00", "no element [00]" },
		{ "/jobs/0/write/iops", "no member \"write\" at \"/jobs/0\"" },
		{ "/jobs/0/read/iops/x", "is a number, not an object" },
		{ "/jobs/0/t", "is a string, not a number" },
		{ "", "is an object, not a number" },
	};
	char json[256], why[512];
	int rc;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double v;

		snprintf(json, sizeof(json),
			 "{\"name\":\"x\",\"better\":\"higher\",\"json\":\"%s\"}",
			 good[i].ptr);
		v = value_of(json, fio_json, &rc, why);
		ck_assert_msg(rc == 0, "%s: %s", good[i].ptr, why);
		ck_assert_double_eq_tol(v, good[i].want, 1e-9);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json),
			 "{\"name\":\"x\",\"better\":\"higher\",\"json\":\"%s\"}",
			 bad[i].ptr);
		value_of(json, fio_json, &rc, why);
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_msg(strstr(why, bad[i].want), "%s: '%s'", bad[i].ptr,
			      why);
	}
	value_of("{\"name\":\"x\",\"better\":\"higher\",\"json\":\"/a\"}",
		 "no json here\n{ broken", &rc, why);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(why, "not JSON"), "%s", why);
}
END_TEST

START_TEST(stream_cap)
{
	struct ex_stream s = { .limit = 4096 };
	char chunk[1000], *t;
	size_t len;

	for (int i = 0; i < 200; i++) {
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		ex_stream_add(&s, chunk, sizeof(chunk));
	}
	ex_stream_add(&s, "\ntotal: 99\n", 11);
	ck_assert_uint_eq(s.total, 200011);
	ck_assert_uint_eq(s.head_len, 4096);
	ck_assert_uint_eq(s.ring_len, EX_TAIL);
	ck_assert_uint_eq(ex_stream_dropped(&s), 200011 - 4096 - EX_TAIL);
	t = ex_stream_text(&s, &len);
	ck_assert_uint_eq(len, 4096 + 1 + EX_TAIL);
	ck_assert_int_eq(t[0], 'a');
	/* The summary printed at the end survives the cap. */
	ck_assert_str_eq(t + len - 11, "\ntotal: 99\n");
	free(t);
	ex_stream_free(&s);

	/* Below the cap nothing is lost, NULs become newlines. */
	s = (struct ex_stream){ .limit = 4096 };
	ex_stream_add(&s, "a\0b", 3);
	t = ex_stream_text(&s, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_str_eq(t, "a\nb");
	ck_assert_uint_eq(ex_stream_dropped(&s), 0);
	free(t);
	ex_stream_free(&s);
}
END_TEST

/* ---- validate ----------------------------------------------------------- */

START_TEST(validate_cases)
{
	static const struct {
		const char *want;
		int which;
	} cases[] = {
		{ "command: empty", 0 },
		{ "with shell = true", 1 },
		{ "command[1]: placeholder {max_prme}", 2 },
		{ "env[0]: expected NAME=value", 3 },
		{ "files[0]: 'bin/sh' is not an absolute", 4 },
		{ "files[0]: /no/such/file: No such file", 5 },
		{ "prepare[0]: placeholder {x}", 6 },
		{ "workdir: placeholder {y}", 7 },
		{ "metrics[0]: regex", 8 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ex_opts o;
		char msg[1024] = "";

		opts_defaults(&o);
		o.command = strv("sysbench", "--cpu-max-prime={max_prime}", NULL);
		o.params = strv("max_prime=5000", NULL);
		switch (cases[i].which) {
		case 0:
			ex_strv_free(o.command);
			o.command = strv(NULL);
			break;
		case 1:
			o.shell = true;
			break;
		case 2:
			ex_strv_free(o.command);
			o.command = strv("sysbench", "{max_prme}", NULL);
			break;
		case 3:
			o.env = strv("1X=2", NULL);
			break;
		case 4:
			o.files = strv("bin/sh", NULL);
			break;
		case 5:
			o.files = strv("/no/such/file", NULL);
			break;
		case 6:
			o.prepare = strv("{x}", NULL);
			break;
		case 7:
			free(o.workdir);
			o.workdir = strdup("{y}");
			break;
		case 8:
			o.metrics = strv("{\"name\":\"a\",\"better\":\"higher\",\"regex\":\"(\"}",
					 NULL);
			break;
		}
		ck_assert_int_eq(ex_validate(&o, msg, sizeof(msg)), -EINVAL);
		ck_assert_msg(strstr(msg, cases[i].want), "case %zu: '%s'", i, msg);
		opts_free(&o);
	}
	{
		struct ex_opts o;
		char msg[512] = "";

		opts_defaults(&o);
		o.command = strv("sysbench", "--cpu-max-prime={max_prime}", NULL);
		o.params = strv("max_prime=5000", NULL);
		o.files = strv("/bin/sh", NULL);
		o.env = strv("OMP_NUM_THREADS={max_prime}", NULL);
		ck_assert_msg(ex_validate(&o, msg, sizeof(msg)) == 0, "%s", msg);
		opts_free(&o);
	}
}
END_TEST

/* ---- real commands through the hooks ------------------------------------ */

/* Runs prepare + run + cleanup as the agent's "run" does. */
static int agent_run(struct vb_ctx *c, const struct ex_opts *o)
{
	int rc = ex_prepare(c, o);

	if (!rc)
		rc = ex_run_hook(c, o);
	if (rc) {
		char saved[1024];
		int code = c->error_code;

		snprintf(saved, sizeof(saved), "%s", c->error);
		ex_cleanup(c, o);
		snprintf(c->error, sizeof(c->error), "%s", saved);
		c->error_code = code;
		return rc;
	}
	return ex_cleanup(c, o);
}

START_TEST(run_json_fixture)
{
	struct vb_ctx c;
	struct ex_opts o;
	char workdir[PATH_MAX];

	opts_defaults(&o);
	o.command = strv("/bin/sh", "-c",
			 "printf '{\"result\": {\"ops\": %s, \"lat_us\": [10, 250]}}\\n' "
			 "\"$N\"; pwd > cwd.txt; echo note >&2", NULL);
	o.params = strv("n=1234", NULL);
	o.env = strv("N={n}", NULL);
	o.metrics = strv("{\"name\":\"ops\",\"better\":\"higher\",\"json\":\"/result/ops\"}",
			 "{\"name\":\"lat_ms\",\"better\":\"lower\",\"unit\":\"ms\","
			 "\"json\":\"/result/lat_us/1\",\"scale\":0.001}", NULL);
	mock_start(&c, &o);
	ck_assert_msg(ex_prepare(&c, &o) == 0, "%s", c.error);
	ck_assert_msg(ex_run_hook(&c, &o) == 0, "%s", c.error);
	ck_assert_double_eq(metric(&c, "ops"), 1234);
	ck_assert_double_eq_tol(metric(&c, "lat_ms"), 0.25, 1e-12);
	ck_assert(metric(&c, "wall_time") > 0 && metric(&c, "wall_time") < 30);
	ck_assert_str_eq(fact(&c, "exit_status"), "0");
	/* It ran in the fresh working directory, which cleanup removes. */
	snprintf(workdir, sizeof(workdir), "%s/" EX_WORKDIR, test_root);
	ck_assert_int_eq(access(workdir, F_OK), 0);
	ck_assert_int_eq(ex_cleanup(&c, &o), 0);
	ck_assert_int_eq(access(workdir, F_OK), -1);
	opts_free(&o);
}
END_TEST

START_TEST(run_regex_no_match_keeps_output)
{
	struct vb_ctx c;
	struct ex_opts o;

	opts_defaults(&o);
	o.command = strv("/bin/sh", "-c",
			 "for i in $(seq 1 30); do echo line $i; done", NULL);
	o.metrics = strv("{\"name\":\"eps\",\"better\":\"higher\","
			 "\"regex\":\"events per second: *([0-9.]+)\"}", NULL);
	mock_start(&c, &o);
	ck_assert_int_eq(agent_run(&c, &o), -EINVAL);
	ck_assert_msg(strstr(c.error, "metric eps: regex \"events per second: "
				      "*([0-9.]+)\" matched nothing in stdout"),
		      "%s", c.error);
	ck_assert_ptr_nonnull(strstr(c.error, "cell's log"));
	/* Nothing recorded, not even wall_time: never a zero. */
	ck_assert_int_eq(c.nmetrics, 0);
	/* The last 20 lines are in the log, the first 10 are not. */
	ck_assert_msg(strstr(c.log, "stdout| line 30\n") &&
		      strstr(c.log, "stdout| line 11\n") &&
		      !strstr(c.log, "stdout| line 10\n"), "%s", c.log);
	opts_free(&o);
}
END_TEST

START_TEST(run_nonzero_exit)
{
	struct vb_ctx c;
	struct ex_opts o;

	opts_defaults(&o);
	o.command = strv("/bin/sh", "-c", "echo partial; echo oops >&2; exit 3",
			 NULL);
	mock_start(&c, &o);
	ck_assert_int_eq(agent_run(&c, &o), -EIO);
	ck_assert_msg(strstr(c.error, "/bin/sh exited with status 3 (ok_exit "
				      "accepts 0 only)"), "%s", c.error);
	ck_assert_ptr_nonnull(strstr(c.log, "stderr| oops"));
	ck_assert_int_eq(c.nmetrics, 0);

	/* ... unless ok_exit lists it; the status is a fact. */
	ex_strv_free(o.ok_exit);
	o.ok_exit = strv("0", "3", NULL);
	mock_start(&c, &o);
	ck_assert_msg(agent_run(&c, &o) == 0, "%s", c.error);
	ck_assert_str_eq(fact(&c, "exit_status"), "3");

	/* A signal is 128 + N. */
	ex_strv_free(o.command);
	o.command = strv("/bin/sh", "-c", "kill -USR1 $$", NULL);
	mock_start(&c, &o);
	ck_assert_int_eq(agent_run(&c, &o), -EIO);
	ck_assert_msg(strstr(c.error, "was killed by signal 10"), "%s", c.error);
	opts_free(&o);
}
END_TEST

/* Alive and not a zombie waiting for a parent that does not reap. */
static bool pid_alive(const char *pidfile)
{
	FILE *f = fopen(pidfile, "r");
	char stat[PATH_MAX + 32], state = 'X';
	int pid = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return false;
	snprintf(stat, sizeof(stat), "/proc/%d/stat", pid);
	f = fopen(stat, "r");
	if (!f)
		return false;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 'X';
	fclose(f);
	return state != 'Z' && state != 'X';
}

START_TEST(run_timeout_kills_group)
{
	struct vb_ctx c;
	struct ex_opts o;
	char pidfile[PATH_MAX + 16], script[2 * PATH_MAX];
	uint64_t t0;

	snprintf(pidfile, sizeof(pidfile), "%s/grandchild.pid", test_root);
	/* A grandchild in the same group: the timeout must take it too. */
	snprintf(script, sizeof(script),
		 "sleep 30 & echo $! > %s; echo started; wait", pidfile);
	opts_defaults(&o);
	o.command = strv("/bin/sh", "-c", script, NULL);
	o.timeout = 0.3;
	mock_start(&c, &o);
	t0 = vb_now_ns();
	ck_assert_int_eq(agent_run(&c, &o), -ETIMEDOUT);
	ck_assert_msg(vb_now_ns() - t0 < 5000000000ull, "took too long");
	ck_assert_msg(strstr(c.error, "did not end within 0.3s (timeout); its "
				      "process group was killed"), "%s", c.error);
	ck_assert_ptr_nonnull(strstr(c.log, "stdout| started"));
	for (int i = 0; i < 100 && pid_alive(pidfile); i++)
		usleep(10000);
	ck_assert_msg(!pid_alive(pidfile), "the grandchild survived");
	opts_free(&o);
}
END_TEST

START_TEST(run_background_child_does_not_hang)
{
	struct vb_ctx c;
	struct ex_opts o;
	char pidfile[PATH_MAX + 16], script[2 * PATH_MAX];

	snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", test_root);
	/* It ends at once, but leaves a child holding stdout. */
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; echo v=5",
		 pidfile);
	opts_defaults(&o);
	o.command = strv("/bin/sh", "-c", script, NULL);
	o.metrics = strv("{\"name\":\"v\",\"better\":\"higher\",\"regex\":\"v=([0-9]+)\"}",
			 NULL);
	mock_start(&c, &o);
	ck_assert_msg(agent_run(&c, &o) == 0, "%s", c.error);
	ck_assert_double_eq(metric(&c, "v"), 5);
	/* wall_time is the command's own, not the straggler's. */
	ck_assert(metric(&c, "wall_time") < 1.0);
	ck_assert_ptr_nonnull(strstr(c.log, "left processes"));
	for (int i = 0; i < 100 && pid_alive(pidfile); i++)
		usleep(10000);
	ck_assert(!pid_alive(pidfile));
	opts_free(&o);
}
END_TEST

START_TEST(run_not_found)
{
	struct vb_ctx c;
	struct ex_opts o;

	opts_defaults(&o);
	o.command = strv("no-such-program-virtbench", "--x", NULL);
	mock_start(&c, &o);
	ck_assert_int_eq(agent_run(&c, &o), -ENOENT);
	ck_assert_msg(strstr(c.error, "no-such-program-virtbench: not found on "
				      "this host (PATH="), "%s", c.error);
	opts_free(&o);
}
END_TEST

START_TEST(run_output_cap)
{
	struct vb_ctx c;
	struct ex_opts o;

	opts_defaults(&o);
	/* 2 MiB of noise, then the number: the cap is 64K + 64K tail. */
	o.command = strv("/bin/sh", "-c",
			 "head -c 2097152 /dev/zero | tr '\\0' x; echo; echo result=77",
			 NULL);
	o.output_limit = 65536;
	o.metrics = strv("{\"name\":\"r\",\"better\":\"higher\",\"regex\":\"result=([0-9]+)\"}",
			 NULL);
	mock_start(&c, &o);
	ck_assert_msg(agent_run(&c, &o) == 0, "%s", c.error);
	ck_assert_double_eq(metric(&c, "r"), 77);
	ck_assert_str_eq(fact(&c, "stdout_dropped_bytes"),
			 "1966091"); /* 2097152 + 1 + 10 - 65536 - 65536 */
	ck_assert_ptr_nonnull(strstr(c.log, "counted, not kept"));
	opts_free(&o);
}
END_TEST

/* A program that writes without end: its timeout still ends it, and
 * what it wrote is counted. */
START_TEST(run_flood_times_out)
{
	struct vb_ctx c;
	struct ex_opts o;
	uint64_t t0;

	opts_defaults(&o);
	o.command = strv("/bin/sh", "-c", "exec cat /dev/zero", NULL);
	o.timeout = 0.5;
	o.output_limit = 65536;
	mock_start(&c, &o);
	t0 = vb_now_ns();
	ck_assert_int_eq(agent_run(&c, &o), -ETIMEDOUT);
	ck_assert_msg(vb_now_ns() - t0 < 10000000000ull, "the flood hid the timeout");
	opts_free(&o);
}
END_TEST

START_TEST(run_interrupted)
{
	struct vb_ctx c;
	struct ex_opts o;

	opts_defaults(&o);
	o.command = strv("sleep", "30", NULL);
	mock_start(&c, &o);
	c.interrupt_after = 3;
	ck_assert_int_eq(ex_run_hook(&c, &o), -EINTR);
	ck_assert_ptr_nonnull(strstr(c.error, "interrupted"));
	ex_cleanup(&c, &o);
	opts_free(&o);
}
END_TEST

/*
 * A bundle as the engine builds it: manifest, lib/ with the loader,
 * files/ with a carried copy of a host program. The carried program runs
 * through the bundle's loader; a program that is not there gets the
 * container/VM message.
 */
static void make_bundle(void)
{
	char p[1100], cmd[6000];
	FILE *f;

	snprintf(bundle_root, sizeof(bundle_root), "%s/bundle", test_root);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/lib %s/files/usr/local/bin && "
		 "cp /bin/echo %s/files/usr/local/bin/vb-echo && "
		 "ln -sf $(readlink -f /lib64/ld-linux-x86-64.so.2) "
		 "%s/lib/ld-linux-x86-64.so.2",
		 bundle_root, bundle_root, bundle_root, bundle_root);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/manifest", bundle_root);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# virtbench-bundle-1\n", f);
	fclose(f);
}

START_TEST(run_carried_program)
{
	struct vb_ctx c;
	struct ex_opts o;
	struct ex_where w;
	char **argv = NULL;
	char *path;

	make_bundle();
	ck_assert(ex_is_bundle(bundle_root));
	opts_defaults(&o);
	o.files = strv("/usr/local/bin/vb-echo", NULL);
	o.command = strv("vb-echo", "value=", "42", NULL);
	o.metrics = strv("{\"name\":\"v\",\"better\":\"higher\",\"regex\":\"value= ([0-9]+)\"}",
			 NULL);
	mock_start(&c, &o);

	/* The argv: loader, --library-path, the carried program. */
	test_where_self(&w);
	path = ex_path(&o, &w, NULL, "/usr/bin:/bin");
	ck_assert_str_eq(path + strlen(path) - strlen(":/usr/bin:/bin"),
			 ":/usr/bin:/bin");
	ck_assert_ptr_nonnull(strstr(path, "/bundle/files/usr/local/bin:"));
	ck_assert_int_eq(ex_argv(&c, &w, path, o.command, &argv), 0);
	ck_assert_ptr_nonnull(strstr(argv[0], "/bundle/lib/ld-linux-x86-64.so.2"));
	ck_assert_str_eq(argv[1], "--library-path");
	ck_assert_ptr_nonnull(strstr(argv[3], "/bundle/files/usr/local/bin/vb-echo"));
	ck_assert_str_eq(argv[4], "value=");
	ex_strv_free(argv);
	/* An absolute host path finds the carried copy too. */
	{
		char *const abs[] = { (char *)"/usr/local/bin/vb-echo", NULL };

		ck_assert_int_eq(ex_argv(&c, &w, path, abs, &argv), 0);
		ck_assert_ptr_nonnull(strstr(argv[3], "/bundle/files/usr/local/bin"));
		ex_strv_free(argv);
	}
	free(path);

	ck_assert_msg(agent_run(&c, &o) == 0, "%s", c.error);
	ck_assert_double_eq(metric(&c, "v"), 42);

	/* With a shell, a wrapper of the program's name does the same. */
	ex_strv_free(o.command);
	o.command = strv("vb-echo value= 43 | cat", NULL);
	o.shell = true;
	mock_start(&c, &o);
	ck_assert_msg(agent_run(&c, &o) == 0, "%s", c.error);
	ck_assert_double_eq(metric(&c, "v"), 43);

	/* A program neither carried nor in PATH. */
	ex_strv_free(o.command);
	o.command = strv("sysbench-not-carried", NULL);
	o.shell = false;
	mock_start(&c, &o);
	ck_assert_int_eq(agent_run(&c, &o), -ENOENT);
	ck_assert_msg(strstr(c.error, "sysbench-not-carried: not found in the "
				      "container image / VM (PATH=") &&
		      strstr(c.error, "add it to files, or use an image that has it"),
		      "%s", c.error);
	bundle_root[0] = '\0';
	opts_free(&o);
}
END_TEST

START_TEST(instance_table)
{
	struct ex_opts o;
	struct vb_wl_instance inst = { .size = sizeof(inst), .flags = 0 };
	const struct vb_metric *m;

	opts_defaults(&o);
	o.command = strv("true", NULL);
	o.metrics = strv("{\"name\":\"eps\",\"unit\":\"1/s\",\"better\":\"higher\",\"regex\":\"(1)\"}",
			 "{\"name\":\"lat\",\"unit\":\"ms\",\"better\":\"lower\",\"regex\":\"(2)\",\"primary\":false}",
			 "{\"name\":\"n\",\"better\":\"neutral\",\"regex\":\"(3)\"}", NULL);
	o.drop_caches = true;
	ck_assert_int_eq(ex_instance(&o, &inst), 0);
	m = inst.metrics;
	ck_assert_str_eq(m[0].name, "wall_time");
	ck_assert_str_eq(m[0].unit, "s");
	ck_assert_uint_eq(m[0].flags & VB_METRIC_PRIMARY, 0);
	ck_assert_str_eq(m[1].name, "eps");
	ck_assert_str_eq(m[1].unit, "1/s");
	ck_assert_int_eq(m[1].better, VB_HIGHER_IS_BETTER);
	ck_assert_uint_eq(m[1].flags & VB_METRIC_PRIMARY, VB_METRIC_PRIMARY);
	ck_assert_str_eq(m[2].name, "lat");
	ck_assert_uint_eq(m[2].flags & VB_METRIC_PRIMARY, 0);
	ck_assert_str_eq(m[3].name, "n");
	ck_assert_uint_eq(m[3].flags & VB_METRIC_PRIMARY, 0);  /* no direction */
	ck_assert_ptr_null(m[4].name);
	ck_assert_uint_eq(inst.flags & VB_WL_DROP_CACHES, VB_WL_DROP_CACHES);
	ex_instance_free(&inst);
	ck_assert_ptr_null(inst.priv);

	/* No metrics of its own: wall_time is the headline; no drop. */
	ex_strv_free(o.metrics);
	o.metrics = NULL;
	o.drop_caches = false;
	inst = (struct vb_wl_instance){ .size = sizeof(inst),
					.flags = VB_WL_DROP_CACHES };
	ck_assert_int_eq(ex_instance(&o, &inst), 0);
	ck_assert_uint_eq(inst.metrics[0].flags, VB_METRIC_PRIMARY);
	ck_assert_ptr_null(inst.metrics[1].name);
	ck_assert_uint_eq(inst.flags & VB_WL_DROP_CACHES, 0);
	ex_instance_free(&inst);

	/* Options validate() refuses: no instance. */
	o.metrics = strv("{\"name\":\"x\"}", NULL);
	inst = (struct vb_wl_instance){ .size = sizeof(inst) };
	ck_assert_int_eq(ex_instance(&o, &inst), -EINVAL);
	ck_assert_ptr_null(inst.priv);
	opts_free(&o);
}
END_TEST

START_TEST(validate_host_finds_programs)
{
	struct ex_opts o;
	char msg[1024] = "";

	opts_defaults(&o);
	o.params = strv("prog=sh", NULL);
	o.command = strv("{prog}", "-c", "true", NULL);
	o.prepare = strv("/bin/true", NULL);
	ck_assert_msg(ex_validate_host(&o, msg, sizeof(msg)) == 0, "%s", msg);
	ex_strv_free(o.cleanup);
	o.cleanup = strv("no-such-cleanup-vb", NULL);
	ck_assert_int_eq(ex_validate_host(&o, msg, sizeof(msg)), -EINVAL);
	ck_assert_msg(strstr(msg, "cleanup[0]: no-such-cleanup-vb: not found on "
				  "this host"), "%s", msg);
	ex_strv_free(o.cleanup);
	o.cleanup = strv("/no/such/prog", NULL);
	ck_assert_int_eq(ex_validate_host(&o, msg, sizeof(msg)), -EINVAL);
	/* A path relative to the working directory is known only then. */
	ex_strv_free(o.cleanup);
	o.cleanup = strv("./made-by-prepare", NULL);
	ck_assert_msg(ex_validate_host(&o, msg, sizeof(msg)) == 0, "%s", msg);
	/* With a shell, only the shell. */
	ex_strv_free(o.command);
	o.command = strv("no-such-program-vb | cat", NULL);
	o.shell = true;
	ck_assert_msg(ex_validate_host(&o, msg, sizeof(msg)) == 0, "%s", msg);
	opts_free(&o);
}
END_TEST

START_TEST(descriptor)
{
	const struct vb_plugin_info *info = exec_LTX_vb_plugin_entry();
	const struct vb_workload_ops *ops = info->ops;
	struct ex_where w;

	ck_assert_str_eq(info->name, "exec");
	ck_assert_int_eq(info->kind, VB_PLUGIN_WORKLOAD);
	ck_assert_uint_eq(info->options_size, sizeof(struct ex_opts));
	ck_assert_ptr_nonnull(ops->run);
	ck_assert_ptr_nonnull(ops->validate);
	ck_assert_ptr_nonnull(ops->instance);
	ck_assert_ptr_nonnull(ops->instance_free);
	ck_assert_uint_eq(info->option_size, sizeof(struct vb_option));
	ck_assert_uint_eq(vb_option_flags("files"), VB_OPTF_FILES);
	ck_assert_uint_eq(vb_option_flags("params"), VB_OPTF_PARAMS);
	ck_assert_uint_eq(vb_option_flags("metrics"), VB_OPTF_RECORDS);
	ck_assert_str_eq(info->metrics[0].name, "wall_time");
	/* This test program is no bundle. */
	ex_where_self(&w);
	ck_assert_str_eq(w.root, "");
}
END_TEST

int main(void)
{
	char tmpl[] = "/tmp/check_exec.XXXXXX";
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(test_root, sizeof(test_root), "%s", tmpl);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, metric_parse_good);
	tcase_add_test(tc, metric_parse_bad);
	tcase_add_test(tc, spec_params_and_exit);
	tcase_add_test(tc, placeholders);
	tcase_add_test(tc, regex_matching);
	tcase_add_test(tc, json_pointers);
	tcase_add_test(tc, stream_cap);
	tcase_add_test(tc, validate_cases);
	tcase_add_test(tc, run_json_fixture);
	tcase_add_test(tc, run_regex_no_match_keeps_output);
	tcase_add_test(tc, run_nonzero_exit);
	tcase_add_test(tc, run_timeout_kills_group);
	tcase_add_test(tc, run_background_child_does_not_hang);
	tcase_add_test(tc, run_not_found);
	tcase_add_test(tc, run_output_cap);
	tcase_add_test(tc, run_flood_times_out);
	tcase_add_test(tc, run_interrupted);
	tcase_add_test(tc, run_carried_program);
	tcase_add_test(tc, instance_table);
	tcase_add_test(tc, validate_host_finds_programs);
	tcase_add_test(tc, descriptor);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (inst_now.priv)
		ex_instance_free(&inst_now);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
		if (system(cmd) != 0)
			failed++;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
