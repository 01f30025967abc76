/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The private directory of a fuzz target that needs files: made at start,
 * removed at exit. A target that crashes (that is what it is for) cannot
 * remove its own, so each start also removes those whose process is gone
 * (named PREFIX-PID-XXXXXX).
 */
#ifndef VB_TEST_FUZZ_TMP_H
#define VB_TEST_FUZZ_TMP_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

static char fuzz_dir[PATH_MAX];

static void fuzz_dir_remove(void)
{
	vb_rm_rf(fuzz_dir);
}

/* In /dev/shm when it is there (writers fsync), else $TMPDIR or /tmp;
 * resolved, so paths under it can be compared with realpath()'s. */
static const char *fuzz_dir_make(const char *prefix)
{
	const char *base = getenv("TMPDIR");
	char real[PATH_MAX], stale[PATH_MAX * 2];
	struct stat st;
	struct dirent *de;
	DIR *d;
	size_t pl = strlen(prefix);

	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK | X_OK) == 0)
		base = "/dev/shm";
	if (!base || !*base)
		base = "/tmp";
	if ((d = opendir(base))) {
		while ((de = readdir(d))) {
			long pid;
			char *end;

			if (strncmp(de->d_name, prefix, pl) || de->d_name[pl] != '-')
				continue;
			pid = strtol(de->d_name + pl + 1, &end, 10);
			if (pid <= 0 || *end != '-' ||
			    (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
				snprintf(stale, sizeof(stale), "%s/%s", base, de->d_name);
				vb_rm_rf(stale);
			}
		}
		closedir(d);
	}
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/%s-%ld-XXXXXX", base, prefix,
		 (long)getpid());
	if (!mkdtemp(fuzz_dir) || !realpath(fuzz_dir, real)) {
		fprintf(stderr, "%s: cannot make %s: %s\n", prefix, fuzz_dir,
			strerror(errno));
		abort();
	}
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s", real);
	atexit(fuzz_dir_remove);
	return fuzz_dir;
}

#endif /* VB_TEST_FUZZ_TMP_H */
