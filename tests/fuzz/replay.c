/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main() for a fuzz target outside libFuzzer: feeds it every file of its
 * corpus (tests/fuzz/corpus/TARGET, or the files and directories given),
 * so every build's `make check` replays the seeds and the inputs that once
 * found a bug, with whatever sanitizers that build has. A fuzzing build
 * runs the libFuzzer binaries instead (docs/fuzzing.md).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET (the corpus name) must be defined"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int err = vb_read_file(path, 1 << 20, &data, &len);

	if (err < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-err));
		return err;
	}
	printf("%s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, size_t *count)
{
	struct stat st;
	struct dirent *de;
	struct vb_strv names = { 0 };
	DIR *d;
	int err = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*count;
		return run_file(path);
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			vb_strv_addf(&names, "%s/%s", path, de->d_name);
	closedir(d);
	qsort(names.v, names.n, sizeof(*names.v), cmp);
	for (size_t i = 0; i < names.n && !err; i++)
		err = run_path(names.v[i], count);
	vb_strv_free(&names);
	return err;
}

int main(int argc, char **argv)
{
	const char *src = getenv("VIRTBENCH_SRCDIR");
	size_t count = 0;
	int err = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc && !err; i++)
			err = run_path(argv[i], &count);
	} else {
		char *dir = vb_xasprintf("%s/tests/fuzz/corpus/%s",
					 src && *src ? src : ABS_SRCDIR, FUZZ_TARGET);
		err = run_path(dir, &count);
		free(dir);
	}
	if (!err && count == 0) {
		fprintf(stderr, "replay: no input found\n");
		err = -ENOENT;
	}
	if (!err)
		printf("replay %s: %zu inputs, no finding\n", FUZZ_TARGET, count);
	return err ? 1 : 0;
}
