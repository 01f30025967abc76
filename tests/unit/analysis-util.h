/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by check_stats and check_report: fixture copies. */
#ifndef VIRTBENCH_ANALYSIS_UTIL_H
#define VIRTBENCH_ANALYSIS_UTIL_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"

/* Messages of the analysis; a suite may look at them, nothing prints them. */
static struct vb_diag M;

static const char *srcdir(void)
{
	const char *s = getenv("VIRTBENCH_SRCDIR");

	return s && *s ? s : ABS_SRCDIR;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[65536];
	size_t n;

	ck_assert_msg(in != NULL, "%s: %s", from, strerror(errno));
	out = fopen(to, "wb");
	ck_assert_msg(out != NULL, "%s: %s", to, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* A fresh temporary copy of tests/data/NAME (the three input files). */
static char *fixture_copy(const char *name)
{
	static const char *const files[] = { "runs.csv", "verify.csv", "environment.json" };
	char tmpl[] = "/tmp/vb-analysis-XXXXXX", from[4096], to[4096];
	char *dir = mkdtemp(tmpl);

	ck_assert_msg(dir != NULL, "mkdtemp: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "%s/tests/data/%s/%s", srcdir(), name, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		copy_file(from, to);
	}
	return strdup(dir);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static char *slurp_path(const char *path)
{
	FILE *f;
	char *buf;
	long n;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *slurp(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp_path(path);
}

static bool exists(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

#endif
