/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: experiment files (engine/experiment.c), parsed by
 * libconfig and validated against the built-in plugins (linked in, as in a
 * static build) plus the "all-types" test plugin of tests/unit, which has
 * every option type and a required option.
 *
 * vb_experiment_load() takes a path, so each input is written to one file
 * in a private directory (next to an inc.cfg that @include can reach).
 * Inputs beyond INPUT_MAX are skipped: libconfig is quadratic on huge
 * strings (issue 11 item 8), the engine bounds the file size before it
 * parses, and the fuzzer should spend its time on the grammar.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ltdl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/experiment.h"
#include "lib/diag.h"
#include "lib/loader.h"
#include "lib/util.h"
#include "tests/fuzz/fuzz-tmp.h"
#include "tests/unit/fake-plugins.h"

#define INPUT_MAX 65536

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

/*
 * libconfig 1.5 leaks a string token on a syntax error after it (the two
 * bytes `""` do it; a program using libconfig alone leaks the same). Not
 * ours to fix, and a few bytes per refused file: let LeakSanitizer ignore
 * what libconfig's scanner allocates, and find everything else.
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

static struct vb_registry builtin, reg;
static bool verbose;  /* VB_FUZZ_VERBOSE=1: print what the parser said */
static const char *dir;
static char cfg[PATH_MAX + 16];

static void write_or_die(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || vb_write_all(fd, p, n) < 0 || close(fd) < 0) {
		fprintf(stderr, "fuzz-experiment: %s: %s\n", path, strerror(errno));
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char inc[] =
		"backends = ( { plugin = \"bare-metal\"; } );\n"
		"configs = ( { name = \"c1\"; cpus = 1; memory = \"64M\"; } );\n";
	const unsigned kinds = (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD);
	char incpath[PATH_MAX + 16];
	size_t i;

	(void)argc;
	(void)argv;
	LTDL_SET_PRELOADED_SYMBOLS();
	vb_set_preloaded(lt_preloaded_symbols);
	/* "" searches no directory: the plugins linked in (a static or
	 * fuzzing build); a shared build's replay finds them on the path. */
	if (vb_registry_load_dirs(&builtin, "", kinds) < 0)
		abort();
	if (!builtin.count) {
		vb_registry_free(&builtin);
		if (vb_registry_load(&builtin, NULL, kinds) < 0)
			abort();
	}
	if (!builtin.count) {
		fprintf(stderr, "fuzz-experiment: no built-in plugins\n");
		abort();
	}
	reg.count = builtin.count + 1;
	reg.items = vb_xcalloc(reg.count, sizeof(*reg.items));
	for (i = 0; i < builtin.count; i++)
		reg.items[i] = builtin.items[i];
	reg.items[i] = fake_items[5];
	if (strcmp(reg.items[i].info->name, "all-types") != 0)
		abort();
	reg.search_path = (char *)"";

	dir = fuzz_dir_make("vb-fuzz-experiment");
	snprintf(incpath, sizeof(incpath), "%s/inc.cfg", dir);
	write_or_die(incpath, inc, sizeof(inc) - 1);
	snprintf(cfg, sizeof(cfg), "%s/fuzz.cfg", dir);
	(void)fake_registry;
	verbose = getenv("VB_FUZZ_VERBOSE") != NULL;
	return 0;
}

/*
 * libconfig exits the process ("input in flex scanner failed") when an
 * @include names a directory, as `@include ""` does in a file with a
 * directory part, and it would block on a FIFO or read /proc/kmsg: issue 11
 * item 9, for the engine to refuse before libconfig opens them. Until then
 * the target skips an input that includes anything but a regular file in
 * its own directory, or that this check cannot read (an escape in a path).
 */
static bool includes_ok(const uint8_t *data, size_t size)
{
	static const char kw[] = "@include";
	const uint8_t *p = data, *end = data + size;

	while ((p = memmem(p, (size_t)(end - p), kw, sizeof(kw) - 1))) {
		const uint8_t *q, *e;
		char path[PATH_MAX * 2 + 2], real[PATH_MAX];
		struct stat st;
		size_t dl = strlen(dir);

		p += sizeof(kw) - 1;
		q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return true;
		for (e = q + 1; e < end && *e != '"'; e++)
			if (*e == '\\' || *e == '\0' || *e == '\n')
				return false;
		if (e == end || e - q - 1 > PATH_MAX)
			return false;
		snprintf(path, sizeof(path), "%s%s%.*s", q[1] == '/' ? "" : dir,
			 q[1] == '/' ? "" : "/", (int)(e - q - 1),
			 (const char *)q + 1);
		if (!realpath(path, real) || strncmp(real, dir, dl) ||
		    real[dl] != '/' || stat(real, &st) || !S_ISREG(st.st_mode))
			return false;
		p = e + 1;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag diag = { 0 };
	int rc;

	if (size > INPUT_MAX || !includes_ok(data, size))
		return -1;
	write_or_die(cfg, data, size);
	rc = vb_experiment_load(cfg, &reg, &ex, &diag);
	/* The contract of vb_experiment_load(): an experiment or errors. */
	if ((rc == 0) != (ex != NULL) || (rc == 0) != (diag.count == 0))
		abort();
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (verbose) {
		fprintf(stderr, "vb_experiment_load: %d\n", rc);
		vb_diag_print(&diag, stderr);
	}
	vb_experiment_free(ex);
	vb_diag_free(&diag);
	return 0;
}
