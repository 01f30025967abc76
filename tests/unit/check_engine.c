/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Protocol lines, verification rules, CSV quoting, subprocesses, and the
 * backend state and interrupt rules of engine/env.c. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <stdio.h>

#include "engine/env.h"
#include "engine/verify.h"
#include "lib/ctx.h"
#include "lib/csv.h"
#include "lib/protocol.h"

START_TEST(test_line_parse)
{
	struct vb_line l;

	ck_assert_int_eq(vb_line_parse("@vb1 metric total_time 1.25", &l), VB_LINE_METRIC);
	ck_assert_str_eq(l.key, "total_time");
	ck_assert_double_eq(l.num, 1.25);
	ck_assert_int_eq(vb_line_parse("@vb1 fact seed 42 and more", &l), VB_LINE_FACT);
	ck_assert_str_eq(l.value, "42 and more");
	ck_assert_int_eq(vb_line_parse("@vb1 done 0", &l), VB_LINE_DONE);
	ck_assert_double_eq(l.num, 0);
	ck_assert_int_eq(vb_line_parse("@vb1 error -22 bad thing: x", &l), VB_LINE_ERROR);
	ck_assert_double_eq(l.num, -22);
	ck_assert_str_eq(l.value, "bad thing: x");
	ck_assert_int_eq(vb_line_parse("@vb1 probe cpuset ", &l), VB_LINE_PROBE);
	ck_assert_str_eq(l.value, "");
	/* Not ours, truncated or malformed: never a result. */
	ck_assert_int_eq(vb_line_parse("metric total_time 1", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 metric total_time", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 metric total_time 1.2x", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 done", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb2 done 0", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 bogus x y", &l), VB_LINE_NONE);
	/* A status or an errno the engine's int cannot hold (found by
	 * tests/fuzz/fuzz-protocol: the engine's (int) was undefined). */
	ck_assert_int_eq(vb_line_parse("@vb1 done 1e300", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 done nan", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 done 0x10", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 done 2147483648", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 error 99999999999 x", &l), VB_LINE_NONE);
	ck_assert_int_eq(vb_line_parse("@vb1 done -2147483648", &l), VB_LINE_DONE);
	ck_assert_double_eq(l.num, -2147483648.0);
}
END_TEST

static struct vb_probe probe(int aff, double quota, long long total, long long limit)
{
	struct vb_probe p;

	vb_probe_init(&p);
	p.cpus_online = 2;
	p.cpus_affinity = aff;
	p.cpu_quota = quota;
	p.mem_total = total;
	p.mem_limit = limit;
	return p;
}

START_TEST(test_verify)
{
	struct vb_env_spec spec = { .label = "x", .cpus = 1, .memory = 256LL << 20 };
	struct vb_env_granted enf = { .cpus_enforced = true, .memory_enforced = true };
	struct vb_env_granted vm = { .cpus_enforced = true, .memory_enforced = true, .vm = true };
	struct vb_env_granted none = { .cpus_enforced = true };
	struct vb_verification v;
	struct vb_probe p;

	/* docker --cpus=1 --memory=256M on a 2-CPU host */
	p = probe(2, 1.0, 24LL << 30, 256LL << 20);
	vb_verify(&spec, &enf, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_OK);
	ck_assert_double_eq_tol(v.cpus_observed, 1.0, 1e-9);
	ck_assert_int_eq(v.mem_observed, 256LL << 20);
	/* --cpus overridden to 2: refused, and the reason says both numbers */
	p = probe(2, 2.0, 24LL << 30, 256LL << 20);
	vb_verify(&spec, &enf, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	ck_assert_msg(strstr(v.reason, "requested 1") && strstr(v.reason, "observed 2"), "%s", v.reason);
	vb_verify(&spec, &enf, &p, false, VB_VERIFY_WARN, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_WARN);
	/* memory limit missing */
	p = probe(1, 0, 24LL << 30, 0);
	vb_verify(&spec, &enf, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	ck_assert_msg(strstr(v.reason, "memory"), "%s", v.reason);
	/* memory not enforced: a warning, never ok */
	vb_verify(&spec, &none, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_WARN);
	ck_assert_msg(strstr(v.reason, "not enforced"), "%s", v.reason);
	/* VM: the guest kernel keeps some of the RAM */
	p = probe(1, 0, 230LL << 20, 0);
	vb_verify(&spec, &vm, &p, true, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_OK);
	/* measured: -m 256M gives MemTotal 212574208 with Debian's 6.1 */
	p = probe(1, 0, 212574208LL, 0);
	vb_verify(&spec, &vm, &p, true, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_OK);
	/* a 4G VM that only got 3G is caught */
	spec.memory = 4LL << 30;
	p = probe(1, 0, 3LL << 30, 0);
	vb_verify(&spec, &vm, &p, true, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	spec.memory = 256LL << 20;
	p = probe(1, 0, 150LL << 20, 0);
	vb_verify(&spec, &vm, &p, true, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	p = probe(2, 0, 230LL << 20, 0);
	vb_verify(&spec, &vm, &p, true, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
}
END_TEST

/* gVisor: no cgroupfs inside, so neither the quota nor the limit shows;
 * the backend reads both on the host and the verdict says so. */
START_TEST(test_verify_host_side)
{
	struct vb_env_spec spec = { .label = "x", .cpus = 1, .memory = 256LL << 20 };
	struct vb_env_granted g = { .cpus_enforced = true, .memory_enforced = true };
	struct vb_verification v;
	struct vb_probe p = probe(2, 0, 256LL << 20, 0);

	snprintf(p.virt, sizeof(p.virt), "gvisor");
	/* nothing read back: 2 CPUs and no limit seen, refused */
	vb_verify(&spec, &g, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	/* read back on the host: ok, and the reason says host-side */
	g.host_cpu_quota = 1.0;
	g.host_mem_limit = 256LL << 20;
	snprintf(g.expect_virt, sizeof(g.expect_virt), "gvisor");
	vb_verify(&spec, &g, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_OK);
	ck_assert_double_eq_tol(v.cpus_observed, 1.0, 1e-9);
	ck_assert_int_eq(v.mem_observed, 256LL << 20);
	ck_assert_msg(strstr(v.reason, "cpus: quota 1.00 read host-side") &&
		      strstr(v.reason, "memory: limit 268435456 read host-side"),
		      "%s", v.reason);
	/* the host shows quota 2 (--cpus=2 slipped in): refused, host-side */
	g.host_cpu_quota = 2.0;
	vb_verify(&spec, &g, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	ck_assert_msg(strstr(v.reason, "requested 1, observed 2.00") &&
		      strstr(v.reason, "host-side"), "%s", v.reason);
	/* what the probe saw inside wins over the host-side value */
	g.host_cpu_quota = 2.0;
	p.cpu_quota = 1.0;
	vb_verify(&spec, &g, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_OK);
	ck_assert_msg(!strstr(v.reason, "cpus: quota"), "%s", v.reason);
	/* runsc asked for, runc got: refused whatever the limits say */
	snprintf(p.virt, sizeof(p.virt), "docker");
	snprintf(p.kernel, sizeof(p.kernel), "6.18.44");
	vb_verify(&spec, &g, &p, false, VB_VERIFY_STRICT, &v);
	ck_assert_int_eq(v.verdict, VB_VERDICT_REFUSED);
	ck_assert_msg(strstr(v.reason, "expected gvisor inside, the probe saw docker (kernel 6.18.44)"),
		      "%s", v.reason);
}
END_TEST

START_TEST(test_csv_roundtrip)
{
	const char *in[] = { "plain", "with,comma", "with \"quote\"", "",
			     "a;b=c", "two\nlines", "cr\r\nlf" };
	const size_t nin = sizeof(in) / sizeof(in[0]);
	struct vb_buf b = VB_BUF_INIT;
	struct vb_strv f = VB_STRV_INIT;
	const char *p, *end;
	int line = 1;

	for (size_t i = 0; i < nin; i++) {
		if (i)
			vb_buf_addc(&b, ',');
		vb_csv_add_field(&b, in[i]);
	}
	vb_buf_addc(&b, '\n');
	vb_buf_add(&b, "next,row\n");
	p = b.s;
	end = b.s + b.len;
	ck_assert_int_eq(vb_csv_parse_record(&p, end, &f, &line), VB_CSV_RECORD);
	ck_assert_uint_eq(f.n, nin);
	for (size_t i = 0; i < nin; i++)
		ck_assert_str_eq(f.v[i], in[i]);
	/* The quoted newlines were counted, and the next record is whole. */
	ck_assert_int_eq(line, 4);
	ck_assert_int_eq(vb_csv_parse_record(&p, end, &f, &line), VB_CSV_RECORD);
	ck_assert_str_eq(f.v[1], "row");
	ck_assert_ptr_eq(p, end);

	/* A cut record says so: without its newline, inside a quote. */
	p = "a,b";
	ck_assert_int_eq(vb_csv_parse_record(&p, p + 3, &f, NULL),
			 VB_CSV_INCOMPLETE);
	p = "a,\"b\nc";
	ck_assert_int_eq(vb_csv_parse_record(&p, p + 6, &f, NULL),
			 VB_CSV_UNTERMINATED);
	p = "\"a\"b,c\n";
	ck_assert_int_eq(vb_csv_parse_record(&p, p + 7, &f, NULL), -EINVAL);
	vb_strv_free(&f);
	vb_buf_free(&b);
}
END_TEST

static int count_lines(void *u, const char *line)
{
	int *n = u;

	(void)line;
	(*n)++;
	return 0;
}

/* The public runner, with no ctx: not interruptible, which a test of
 * timeouts and exit statuses does not need. */
static int run(const char *const *argv, double timeout,
	       int (*on_line)(void *u, const char *line), void *user,
	       int *status)
{
	struct vb_proc p = VB_PROC_INIT;

	p.argv = argv;
	p.timeout = timeout;
	p.on_line = on_line;
	p.user = user;
	return vb_proc_run(NULL, &p, status);
}

START_TEST(test_proc)
{
	const char *echo[] = { "printf", "a\\nb\\nc", NULL };
	const char *sleeper[] = { "sleep", "30", NULL };
	const char *missing[] = { "/nonexistent/prog", NULL };
	int n = 0, status = -1;
	uint64_t t0;

	ck_assert_int_eq(run(echo, 10, count_lines, &n, &status), 0);
	ck_assert_int_eq(n, 3); /* the last line has no newline and still counts */
	ck_assert_int_eq(status, 0);
	t0 = vb_now_ns();
	ck_assert_int_eq(run(sleeper, 0.3, NULL, NULL, &status),
			 -ETIMEDOUT);
	ck_assert((vb_now_ns() - t0) < 5000000000ull);
	ck_assert_int_eq(run(missing, 1, NULL, NULL, &status), -ENOENT);
}
END_TEST


/* A backend whose create() fails after setting *state, whose open()
 * fails or waits for a signal: the engine's side of the state rule. */
static int made, destroyed, closed;
static bool open_waits;

static int hm_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	(void)opts;
	*state = malloc(16);
	made++;
	return VB_ERROR(ctx, -EIO, "half made");
}

static int ok_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	(void)ctx;
	(void)opts;
	*state = malloc(16);
	made++;
	return 0;
}

static int hm_open(void *state, struct vb_ctx *ctx,
		   const struct vb_env_spec *spec, struct vb_env_granted *g)
{
	(void)state;
	(void)spec;
	(void)g;
	if (open_waits) {
		/* A boot the signal breaks, as a backend's poll does. */
		raise(SIGINT);
		return VB_ERROR(ctx, -EINTR, "interrupted while booting");
	}
	return VB_ERROR(ctx, -EIO, "no such machine");
}

static int hm_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		   int *st)
{
	(void)state;
	(void)ctx;
	(void)ex;
	*st = 1;
	return -EIO;
}

static int hm_close(void *state, struct vb_ctx *ctx)
{
	(void)state;
	(void)ctx;
	closed++;
	return 0;
}

static void hm_destroy(void *state)
{
	free(state);
	destroyed++;
}

static struct vb_backend_ops hm_ops = {
	.size = sizeof(struct vb_backend_ops), .create = hm_create,
	.open = hm_open, .exec = hm_exec, .close = hm_close,
	.destroy = hm_destroy,
};
static const struct vb_plugin_info hm_info = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_BACKEND, .name = "halfmade", .version = "1.0.0",
	.summary = "test", .ops = &hm_ops,
};
static const struct vb_plugin hm_plugin = { .info = &hm_info, .path = "(test)" };

/* A create() that fails may leave a state: destroy() frees it. */
START_TEST(test_failed_create_destroyed)
{
	struct vb_backend_rt b = { 0 };

	made = destroyed = 0;
	hm_ops.create = hm_create;
	ck_assert_int_eq(vb_backend_start(&b, &hm_plugin, NULL, "agent", "", 1), -EIO);
	ck_assert_ptr_nonnull(strstr(b.create_err, "half made"));
	ck_assert_int_eq(vb_backend_start(&b, &hm_plugin, NULL, "agent", "", 1), -EIO);
	ck_assert_int_eq(made, 1);
	vb_backend_stop(&b);
	ck_assert_int_eq(destroyed, 1);
	vb_backend_stop(&b);
	ck_assert_int_eq(destroyed, 1);
}
END_TEST

static const struct vb_env_want want = {
	.label = "halfmade/c 1", .cpus = 1, .memory = 64 << 20,
	.log_dir = "/tmp/vb-check-engine-logs", .timeout = 5,
};

/* A failed open says why, and close() is still called. */
START_TEST(test_failed_open_closed)
{
	struct vb_backend_rt b = { 0 };
	struct vb_env env = VB_ENV_INIT;

	made = destroyed = closed = 0;
	open_waits = false;
	hm_ops.create = ok_create;
	ck_assert_int_eq(vb_backend_start(&b, &hm_plugin, NULL, "agent", "", 1), 0);
	ck_assert_int_eq(vb_env_open(&env, &b, &want), -EIO);
	ck_assert_str_eq(env.label, "halfmade_c_1");
	ck_assert_msg(!strncmp(env.error, "cannot open environment: halfmade: ", 35) &&
		      strstr(env.error, "no such machine"), "%s", env.error);
	vb_env_close(&env);
	vb_env_close(&env);
	ck_assert_int_eq(closed, 1);
	vb_backend_stop(&b);
	ck_assert_int_eq(destroyed, 1);
	vb_rm_rf(want.log_dir);
}
END_TEST

/* SIGINT while it opens: -EINTR, not a failure to record. */
START_TEST(test_interrupted_open)
{
	struct vb_backend_rt b = { 0 };
	struct vb_env env = VB_ENV_INIT;

	vb_install_signal_handlers();
	hm_ops.create = ok_create;
	open_waits = true;
	ck_assert_int_eq(vb_backend_start(&b, &hm_plugin, NULL, "agent", "", 1), 0);
	ck_assert_int_eq(vb_env_open(&env, &b, &want), -EINTR);
	ck_assert(vb_is_interrupted());
	vb_env_close(&env);
	vb_backend_stop(&b);
	vb_rm_rf(want.log_dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_line_parse);
	tcase_add_test(tc, test_verify);
	tcase_add_test(tc, test_verify_host_side);
	tcase_add_test(tc, test_csv_roundtrip);
	tcase_add_test(tc, test_proc);
	tcase_add_test(tc, test_failed_create_destroyed);
	tcase_add_test(tc, test_failed_open_closed);
	tcase_add_test(tc, test_interrupted_open);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
