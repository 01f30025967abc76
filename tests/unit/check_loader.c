/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loader's success and error paths, with real modules on disk. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
}

static void teardown(void)
{
	char cmd[PATH_MAX];
	const char *names[] = { "cpu-prime.so", "badabi.so", "garbage.so",
				"renamed.so", NULL };

	for (int i = 0; names[i]; i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", tmpdir, names[i]);
		unlink(cmd);
	}
	rmdir(tmpdir);
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
	{ "tests/plugins", "oldops", -EINVAL, "size", "8" },
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

	module(path, sizeof(path), "plugins/workloads", "cpu-prime");
	ck_assert_int_eq(vb_registry_load_file(&reg, path, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime"));
	ck_assert_ptr_null(vb_registry_find(&reg, VB_PLUGIN_BACKEND, "cpu-prime"));
	ck_assert_str_eq(reg.items[0].path, path);
	vb_registry_free(&reg);
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
	char err[1024] = "";

	ck_assert_int_eq(vb_registry_load_file(&reg, "/nonexistent/x.so", err, sizeof(err)),
			 -ENOENT);
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
	ck_assert_int_eq(vb_registry_load(&reg, tmpdir, (1u << VB_PLUGIN_BACKEND) |
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
	ck_assert_int_eq(vb_registry_load(&reg, dirs, 1u << VB_PLUGIN_BACKEND), 0);
	ck_assert_ptr_nonnull(vb_registry_find(&reg, VB_PLUGIN_BACKEND, "bare-metal"));
	ck_assert_ptr_null(vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, "cpu-prime"));
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
	tcase_add_test(tc, test_garbage_real_reason);
	tcase_add_test(tc, test_renamed);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_dir_others_still_load);
	tcase_add_test(tc, test_kind_filter);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
