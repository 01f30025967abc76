/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loader's success and error paths, with real modules on disk, and
 * the ABI rules of plugin.h ("Versioning") on descriptors made here. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/loader.h"
#include "lib/options.h"

static char tmpdir[64];

static const char *builddir(void)
{
	const char *b = getenv("VIRTBENCH_BUILDDIR");

	return b ? b : ABS_BUILDDIR;
}

static void module(char *buf, size_t n, const char *sub, const char *name)
{
	snprintf(buf, n, "%s/%s/.libs/%s.so", builddir(), sub, name);
}

static void copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t r;

	ck_assert_msg(in >= 0, "cannot open %s", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert(out >= 0);
	while ((r = read(in, buf, sizeof(buf))) > 0)
		ck_assert(write(out, buf, (size_t)r) == r);
	close(in);
	close(out);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vb-loader-XXXXXX");
	ck_assert(mkdtemp(tmpdir) != NULL);
	/* A FIFO or a hanging open must fail the test, not hang it. */
	alarm(60);
}

static void teardown(void)
{
	char path[PATH_MAX];
	const char *names[] = { "cpu-prime.so", "badabi.so", "garbage.so",
				"renamed.so", "arm.so", "fifo.so", "elf32.so",
				NULL };

	for (int i = 0; names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/dir.so", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
	alarm(0);
}

struct bad_case {
	const char *sub, *name;
	int rc;
	const char *needle1, *needle2;
};

static const struct bad_case bad[] = {
	{ "tests/plugins", "badabi", -EPROTO, "99.7", "1.1" },
	{ "tests/plugins", "noentry", -ENOEXEC, "noentry_LTX_vb_plugin_entry", "renamed" },
	{ "tests/plugins", "wrongname", -EINVAL, "someothername", "'wrongname'" },
	{ "tests/plugins", "nohook", -EINVAL, "exec", "required" },
	/* Smaller than even 1.0's table: refused, whatever minor it claims. */
	{ "tests/plugins", "oldops", -EINVAL, "ops size 8", "ABI 1.1's" },
	/* Both versions named. */
	{ "tests/plugins", "futureminor", -EPROTO, "ABI 1.2", "has ABI 1.1" },
	/* `check` segfaulted on it before. */
	{ "tests/plugins", "badoffset", -EINVAL, "option 'far'", "past options_size" },
};

START_TEST(test_refused)
{
	struct vb_registry reg = { 0 };
	char path[PATH_MAX], err[1024] = "";
	const struct bad_case *c = &bad[_i];
	int rc;

	module(path, sizeof(path), c->sub, c->name);
	rc = vb_registry_load_file(&reg, path, err, sizeof(err));
	ck_assert_int_eq(rc, c->rc);
	ck_assert_msg(strstr(err, c->needle1), "'%s' lacks '%s'", err, c->needle1);
	ck_assert_msg(strstr(err, c->needle2), "'%s' lacks '%s'", err, c->needle2);
	ck_assert_uint_eq(reg.count, 0);
	vb_registry_free(&reg);
}
END_TEST

START_TEST(test_good_and_find)
{
	struct vb_registry reg = { 0 };
	char path[PATH_MAX], err[1024] = "";
	const struct vb_plugin *p;

	module(path, sizeof(path), "plugins/workloads", "cpu-prime");
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), 0);
	p = vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(vb_registry_find(&reg, VB_PLUGIN_BACKEND, "cpu-prime"));
	ck_assert_str_eq(reg.items[0].path, path);
	/* 1.1 metric flags come through the copy. */
	ck_assert_str_eq(p->info->metrics[0].name, "total_time");
	ck_assert(p->info->metrics[0].flags & VB_METRIC_PRIMARY);
	ck_assert(!(p->info->metrics[1].flags & VB_METRIC_PRIMARY));
	vb_registry_free(&reg);
}
END_TEST

/* The 1.0 binary: its tables are stepped with 1.0's element sizes and
 * copied into this ABI's layout, its missing 1.1 fields read as zero. */
START_TEST(test_abi10_fixture)
{
	struct vb_registry reg = { 0 };
	char path[PATH_MAX], err[1024] = "";
	const struct vb_plugin_info *in;
	const struct vb_workload_ops *ops;
	static const char *const names[] = { "total_time", "loops_done",
					     "loops_per_second", NULL };
	static const char *const units[] = { "s", "", "1/s" };
	void *opts = NULL;
	const char *kv[] = { "loops=5", "mode=add" };
	int i;

	module(path, sizeof(path), "tests/plugins", "abi10");
	ck_assert_msg(vb_registry_load_file(&reg, path, err, sizeof(err)) == 0,
		      "%s", err);
	in = reg.items[0].info;
	ck_assert_uint_eq(in->abi_minor, 0);
	ck_assert_uint_eq(in->metric_size, sizeof(struct vb_metric));
	for (i = 0; names[i]; i++) {
		ck_assert_str_eq(in->metrics[i].name, names[i]);
		ck_assert_str_eq(in->metrics[i].unit, units[i]);
		ck_assert_uint_eq(in->metrics[i].flags, 0);
	}
	ck_assert_ptr_null(in->metrics[i].name);
	ck_assert_str_eq(in->options[1].name, "mode");
	ck_assert_ptr_null(in->options[2].name);
	ops = in->ops;
	ck_assert_ptr_nonnull(ops->run);
	ck_assert_ptr_null(ops->prepare);
	/* The engine fills its options block through the copied table. */
	ck_assert_int_eq(vb_opts_from_kv(in, kv, 2, &opts, err, sizeof(err)), 0);
	ck_assert_int_eq(*(int64_t *)opts, 5);
	vb_opts_free(in->options, opts);
	free(opts);
	vb_registry_free(&reg);
}
END_TEST

/* ---- descriptors made here, for the rules one by one ---- */

struct t_opts {
	int64_t n;
	char *s;
};

static int t_run(struct vb_ctx *c, const void *o)
{
	(void)c;
	(void)o;
	return 0;
}

static const struct vb_workload_ops t_ops = { .size = sizeof(t_ops), .run = t_run };
static const struct vb_metric t_metrics[] = { { .name = "x", .unit = "" }, { .name = NULL } };
static const char *const t_none[] = { NULL };

struct opt_case {
	struct vb_option opt;
	const char *needle;
};

static const struct opt_case opt_cases[] = {
	{ { .name = "n", .type = VB_OPT_INT, .offset = sizeof(struct t_opts) - 4 }, "past options_size" },
	{ { .name = "n", .type = (enum vb_opt_type)42, .offset = 0 }, "unknown type 42" },
	{ { .name = "Bad-Name", .type = VB_OPT_INT, .offset = 0 }, "Bad-Name" },
	{ { .name = "e", .type = VB_OPT_ENUM, .offset = 0 }, "without choices" },
	{ { .name = "e", .type = VB_OPT_ENUM, .offset = 0, .choices = t_none }, "without choices" },
	{ { .name = "s", .type = VB_OPT_STRING, .offset = 4 }, "not aligned" },
	{ { .name = "n", .type = VB_OPT_INT, .offset = 0, .flags = VB_OPTF_FILES },
	  "for VB_OPT_LIST options only" },
	{ { .name = "s", .type = VB_OPT_LIST, .offset = 8,
	    .flags = VB_OPTF_PARAMS | VB_OPTF_RECORDS }, "exclude each other" },
	{ { .name = "s", .type = VB_OPT_LIST, .offset = 8, .flags = 1u << 9 },
	  "unknown flags 0x200" },
};

START_TEST(test_option_rules)
{
	struct vb_option tab[2] = { opt_cases[_i].opt, { .name = NULL } };
	struct vb_plugin_info in = {
		VB_PLUGIN_ABI, .kind = VB_PLUGIN_WORKLOAD, .name = "t",
		.version = "0", .summary = "t", .options = tab,
		.options_size = sizeof(struct t_opts), .metrics = t_metrics,
		.ops = &t_ops,
	};
	char err[512] = "";

	ck_assert_int_eq(vb_plugin_check(&in, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, opt_cases[_i].needle), "'%s' lacks '%s'", err,
		      opt_cases[_i].needle);
}
END_TEST

START_TEST(test_option_twice)
{
	struct vb_option tab[] = {
		{ .name = "n", .type = VB_OPT_INT, .offset = 0 },
		{ .name = "n", .type = VB_OPT_INT, .offset = 0 },
		{ .name = NULL },
	};
	struct vb_plugin_info in = {
		VB_PLUGIN_ABI, .kind = VB_PLUGIN_WORKLOAD, .name = "t",
		.version = "0", .summary = "t", .options = tab,
		.options_size = sizeof(struct t_opts), .metrics = t_metrics,
		.ops = &t_ops,
	};
	char err[512] = "";

	ck_assert_int_eq(vb_plugin_check(&in, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "declared twice"), "%s", err);
}
END_TEST

/* ---- per-instance metrics (1.1) ---- */

static const struct vb_metric inst_good[] = {
	{ .name = "x", .unit = "" },
	{ .name = "mine", .unit = "1/s", .better = VB_HIGHER_IS_BETTER,
	  .flags = VB_METRIC_PRIMARY },
	{ .name = NULL },
};
static const struct vb_metric inst_bad[] = {
	{ .name = "Not A Name", .unit = "" },
	{ .name = NULL },
};
static int inst_frees;

/* opts points at the table to return; NULL: fail. */
static int t_instance(const void *opts, struct vb_wl_instance *inst)
{
	if (!*(const void *const *)opts)
		return -EINVAL;
	inst->metrics = *(const struct vb_metric *const *)opts;
	inst->flags |= VB_WL_DROP_CACHES;
	return 0;
}

static void t_instance_free(struct vb_wl_instance *inst)
{
	(void)inst;
	inst_frees++;
}

static int t_why(const void *opts, char *msg, size_t n)
{
	(void)opts;
	snprintf(msg, n, "metrics[0]: because");
	return -EINVAL;
}

START_TEST(test_instance_metrics)
{
	struct vb_workload_ops ops = { .size = sizeof(ops), .run = t_run,
				       .instance = t_instance,
				       .instance_free = t_instance_free };
	struct vb_plugin_info in = {
		VB_PLUGIN_ABI, .kind = VB_PLUGIN_WORKLOAD, .name = "t",
		.version = "0", .summary = "t", .metrics = t_metrics,
		.ops = &ops,
	};
	struct vb_plugin p = { .info = &in };
	struct vb_wl_desc d;
	const void *opts = inst_good;
	char err[512] = "";

	ck_assert_msg(vb_plugin_check(&in, NULL, err, sizeof(err)) == 0, "%s", err);
	inst_frees = 0;
	ck_assert_int_eq(vb_workload_describe(&p, &opts, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.nmetrics, 2);
	ck_assert_str_eq(vb_wl_desc_find(&d, "mine")->unit, "1/s");
	ck_assert_uint_eq(vb_wl_desc_find(&d, "mine")->flags, VB_METRIC_PRIMARY);
	ck_assert_uint_eq(d.flags, VB_WL_DROP_CACHES);
	ck_assert_int_eq(inst_frees, 1);
	vb_wl_desc_free(&d);
	/* A table that breaks the descriptor rules is refused like one. */
	opts = inst_bad;
	ck_assert_int_eq(vb_workload_describe(&p, &opts, &d, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "Not A Name"), "%s", err);
	ck_assert_ptr_null(d.metrics);
	/* No instance: validate() says why. */
	opts = NULL;
	ops.validate = t_why;
	ck_assert_int_eq(vb_workload_describe(&p, &opts, &d, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "metrics[0]: because"), "%s", err);
	/* Without the hook: the descriptor's table and flags. */
	ops.instance = NULL;
	ops.instance_free = NULL;
	ops.flags = 0;
	ck_assert_int_eq(vb_workload_describe(&p, &opts, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.nmetrics, 1);
	ck_assert_str_eq(d.metrics[0].name, "x");
	ck_assert_uint_eq(d.flags, 0);
	vb_wl_desc_free(&d);
	/* One hook without the other. */
	ops.instance = t_instance;
	ck_assert_int_eq(vb_plugin_check(&in, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "instance without instance_free"), "%s", err);
}
END_TEST

/* A 1.1 descriptor that did not start with VB_PLUGIN_ABI has no element
 * sizes: refused with what to do, not read with a guess. */
START_TEST(test_no_element_sizes)
{
	struct vb_plugin_info in = {
		.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = 1,
		.kind = VB_PLUGIN_WORKLOAD, .name = "t", .version = "0",
		.summary = "t", .metrics = t_metrics, .ops = &t_ops,
	};
	char err[512] = "";

	ck_assert_int_eq(vb_plugin_check(&in, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "VB_PLUGIN_ABI"), "%s", err);
}
END_TEST

/* Tables are stepped with the plugin's element size: one built with a
 * larger vb_option (as a later header may have) still reads right. */
struct big_option {
	struct vb_option o;
	char later_fields[24];
};

START_TEST(test_element_stride)
{
	static const struct big_option tab[] = {
		{ .o = { .name = "n", .type = VB_OPT_INT,
			 .offset = offsetof(struct t_opts, n), .def = "3" } },
		{ .o = { .name = "s", .type = VB_OPT_STRING,
			 .offset = offsetof(struct t_opts, s), .def = "x" } },
		{ .o = { .name = NULL } },
	};
	struct vb_plugin_info in = {
		VB_PLUGIN_ABI, .kind = VB_PLUGIN_WORKLOAD, .name = "t",
		.version = "0", .summary = "t",
		.options = (const struct vb_option *)tab,
		.options_size = sizeof(struct t_opts), .metrics = t_metrics,
		.ops = &t_ops,
	};
	char err[512] = "";

	in.option_size = sizeof(struct big_option);
	ck_assert_msg(vb_plugin_check(&in, NULL, err, sizeof(err)) == 0, "%s", err);
}
END_TEST

/* An ops table the size of 1.0's, claiming 1.0: loads (hooks beyond it
 * would read as NULL); the same size claiming a minor whose table is
 * larger would be refused (oldops covers the refusal). */
START_TEST(test_ops_of_its_minor)
{
	struct vb_workload_ops ops = { .size = offsetof(struct vb_workload_ops, cleanup) +
						sizeof(ops.cleanup),
				       .run = t_run };
	struct vb_plugin_info in = {
		.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = 0,
		.kind = VB_PLUGIN_WORKLOAD, .name = "t", .version = "0",
		.summary = "t", .metrics = t_metrics, .ops = &ops,
	};
	char err[512] = "";

	ck_assert_msg(vb_plugin_check(&in, NULL, err, sizeof(err)) == 0, "%s", err);
	ops.size = 16;
	ck_assert_int_eq(vb_plugin_check(&in, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "ABI 1.0's"), "%s", err);
}
END_TEST

START_TEST(test_garbage_real_reason)
{
	struct vb_registry reg = { 0 };
	char path[PATH_MAX], err[1024] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/garbage.so", tmpdir);
	f = fopen(path, "w");
	ck_assert(f);
	fputs("this is not an ELF file, but long enough to have a header........\n", f);
	fclose(f);
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), -ENOEXEC);
	/* dlopen's reason, not libltdl's blanket "file not found". */
	ck_assert_msg(strstr(err, "invalid ELF header") || strstr(err, "too short"),
		      "reason was: %s", err);
	ck_assert_msg(strstr(err, "garbage.so"), "no file name in: %s", err);
	vb_registry_free(&reg);
}
END_TEST

/* A header as a compiler for another machine writes it; dlopen() would
 * say "No such file or directory" about it. */
static void write_elf(const char *path, unsigned char cls, unsigned machine)
{
	unsigned char h[64] = { 0x7f, 'E', 'L', 'F', cls, ELFDATA2LSB, EV_CURRENT };
	FILE *f = fopen(path, "w");

	ck_assert(f);
	h[16] = ET_DYN;
	h[18] = (unsigned char)(machine & 0xff);
	h[19] = (unsigned char)(machine >> 8);
	ck_assert_uint_eq(fwrite(h, 1, sizeof(h), f), sizeof(h));
	for (int i = 0; i < 64; i++)
		fputc(0, f);
	fclose(f);
}

/* Another machine than ours, as the message names it. */
#if defined(__aarch64__)
#define OTHER_EM EM_X86_64
#define OTHER_NAME "x86_64"
#else
#define OTHER_EM EM_AARCH64
#define OTHER_NAME "aarch64"
#endif

START_TEST(test_foreign_elf)
{
	struct vb_registry reg = { 0 };
	char path[PATH_MAX], err[1024] = "";

	snprintf(path, sizeof(path), "%s/arm.so", tmpdir);
	write_elf(path, sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32, OTHER_EM);
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), -ENOEXEC);
	ck_assert_msg(strstr(err, "built for " OTHER_NAME), "%s", err);
	snprintf(path, sizeof(path), "%s/elf32.so", tmpdir);
	write_elf(path, sizeof(void *) == 8 ? ELFCLASS32 : ELFCLASS64, EM_386);
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), -ENOEXEC);
	ck_assert_msg(strstr(err, "-bit ELF"), "%s", err);
	vb_registry_free(&reg);
}
END_TEST

/* Neither blocks (a FIFO's open would wait for a writer for ever). */
START_TEST(test_not_regular)
{
	struct vb_registry reg = { 0 };
	char path[PATH_MAX], from[PATH_MAX], err[1024] = "";

	snprintf(path, sizeof(path), "%s/fifo.so", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), -ENOEXEC);
	ck_assert_msg(strstr(err, "a FIFO"), "%s", err);
	snprintf(path, sizeof(path), "%s/dir.so", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), -ENOEXEC);
	ck_assert_msg(strstr(err, "a directory"), "%s", err);
	/* And in a directory scan, the others still load. */
	module(from, sizeof(from), "plugins/workloads", "cpu-prime");
	snprintf(path, sizeof(path), "%s/cpu-prime.so", tmpdir);
	copy(from, path);
	ck_assert_int_eq(vb_registry_load_dirs(&reg, tmpdir, 1u << VB_PLUGIN_WORKLOAD), 0);
	ck_assert_uint_eq(reg.nfailed, 2);
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime"));
	vb_registry_free(&reg);
}
END_TEST

START_TEST(test_renamed)
{
	struct vb_registry reg = { 0 };
	char from[PATH_MAX], path[PATH_MAX], err[1024] = "";

	module(from, sizeof(from), "plugins/workloads", "cpu-prime");
	snprintf(path, sizeof(path), "%s/renamed.so", tmpdir);
	copy(from, path);
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), -ENOEXEC);
	ck_assert_msg(strstr(err, "renamed_LTX_vb_plugin_entry"), "%s", err);
	vb_registry_free(&reg);
}
END_TEST

START_TEST(test_missing)
{
	struct vb_registry reg = { 0 };
	char err[1024] = "", buf[256];

	ck_assert_int_eq(vb_registry_load_file(&reg, "/nonexistent/x.so", err, sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(vb_registry_load_dirs(&reg, "/nonexistent/a:/tmp:/nonexistent/b",
					       1u << VB_PLUGIN_WORKLOAD), 0);
	ck_assert_uint_eq(vb_registry_missing_dirs(&reg, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "/nonexistent/a, /nonexistent/b");
	vb_registry_free(&reg);
}
END_TEST

START_TEST(test_dir_others_still_load)
{
	struct vb_registry reg = { 0 };
	char from[PATH_MAX], path[PATH_MAX];
	FILE *f;

	module(from, sizeof(from), "plugins/workloads", "cpu-prime");
	snprintf(path, sizeof(path), "%s/cpu-prime.so", tmpdir);
	copy(from, path);
	module(from, sizeof(from), "tests/plugins", "badabi");
	snprintf(path, sizeof(path), "%s/badabi.so", tmpdir);
	copy(from, path);
	snprintf(path, sizeof(path), "%s/garbage.so", tmpdir);
	f = fopen(path, "w");
	ck_assert(f);
	fputs("junk", f);
	fclose(f);
	ck_assert_int_eq(vb_registry_load_dirs(&reg, tmpdir, (1u << VB_PLUGIN_BACKEND) |
				  (1u << VB_PLUGIN_WORKLOAD)), 0);
	ck_assert_uint_eq(reg.nfailed, 2);
	ck_assert_uint_eq(reg.count, 1);
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime"));
	vb_registry_free(&reg);
}
END_TEST

START_TEST(test_kind_filter)
{
	struct vb_registry reg = { 0 };
	char dirs[2 * PATH_MAX];

	snprintf(dirs, sizeof(dirs), "%s/plugins/backends/.libs:%s/plugins/workloads/.libs",
		 builddir(), builddir());
	ck_assert_int_eq(vb_registry_load_dirs(&reg, dirs, 1u << VB_PLUGIN_BACKEND), 0);
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_BACKEND, "bare-metal"));
	ck_assert_ptr_null(vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime"));
	vb_registry_free(&reg);
}
END_TEST

/* --plugin-dir and VIRTBENCH_PLUGIN_PATH come first, the built-in dirs
 * after, each once; a same-named plugin found first wins. */
START_TEST(test_search_path_prepends)
{
	struct vb_registry reg = { 0 };
	char from[PATH_MAX], path[PATH_MAX], env[PATH_MAX], want[4 * PATH_MAX];
	const struct vb_plugin *p;
	char *sp;

	snprintf(env, sizeof(env), "%s/plugins/workloads/.libs", builddir());
	setenv("VIRTBENCH_PLUGIN_PATH", env, 1);
	sp = vb_plugin_search_path("/a:/b/:/a");
	snprintf(want, sizeof(want), "/a:/b:%s:", env);
	ck_assert_msg(strncmp(sp, want, strlen(want)) == 0, "%s", sp);
	/* The built-in dirs end it, once though VIRTBENCH_PLUGIN_PATH
	 * (like make check's) may name one of them too. */
	ck_assert_msg(strstr(sp, "backends") && !strstr(strstr(sp, env) + 1, env),
		      "%s", sp);
	free(sp);

	module(from, sizeof(from), "plugins/workloads", "cpu-prime");
	snprintf(path, sizeof(path), "%s/cpu-prime.so", tmpdir);
	copy(from, path);
	ck_assert_int_eq(vb_registry_load(&reg, tmpdir, (1u << VB_PLUGIN_BACKEND) |
					  (1u << VB_PLUGIN_WORKLOAD)), 0);
	p = vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->path, path);
	ck_assert_ptr_nonnull(p->shadows);
	ck_assert_msg(strstr(p->shadows, "plugins/workloads/.libs/cpu-prime.so"),
		      "%s", p->shadows);
	/* The built-ins are still there. */
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_BACKEND, "bare-metal"));
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "fileio-rndrw"));
	vb_registry_free(&reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_good_and_find);
	tcase_add_test(tc, test_abi10_fixture);
	tcase_add_loop_test(tc, test_option_rules, 0,
			    (int)(sizeof(opt_cases) / sizeof(opt_cases[0])));
	tcase_add_test(tc, test_option_twice);
	tcase_add_test(tc, test_no_element_sizes);
	tcase_add_test(tc, test_element_stride);
	tcase_add_test(tc, test_ops_of_its_minor);
	tcase_add_test(tc, test_garbage_real_reason);
	tcase_add_test(tc, test_foreign_elf);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_renamed);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_dir_others_still_load);
	tcase_add_test(tc, test_kind_filter);
	tcase_add_test(tc, test_search_path_prepends);
	tcase_add_test(tc, test_instance_metrics);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
