/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The runner: from a validated experiment to a results directory. */
#ifndef VB_ENGINE_RUNNER_H
#define VB_ENGINE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What vb_run() and vb_probe_backend() return: the exit status (DESIGN §8). */
enum {
	VB_RUN_OK = 0,
	VB_RUN_FAILED = 1,
	VB_RUN_USAGE = 2,
	VB_RUN_INTERRUPTED = 130,
};

struct vb_shard;

struct vb_run_opts {
	const char *experiment;  /* path of the .cfg */
	const char *outdir;      /* NULL: results/<name> */
	/* NULL: the whole matrix; else only this shard's environments (the
	 * caller points outdir at DIR/shards/K; engine/shard.h). */
	struct vb_shard *shard;
	const char *plugin_dirs; /* NULL: default search path */
	char *dir;               /* out: the results directory (malloc'd) */
};

/* Run an experiment; returns the process exit status (0, 1, 2, 130). */
int vb_run(struct vb_run_opts *o);

/* `virtbench probe BACKEND`: open one environment, probe, verify, close.
 * Prints the verification to stdout; returns an exit status. */
int vb_probe_backend(const char *plugin_dirs, const char *backend,
		     int cpus, int64_t memory, char **kv,
		     size_t nkv);

#endif
