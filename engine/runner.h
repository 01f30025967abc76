/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The runner: from a validated experiment to a results directory. */
#ifndef VB_ENGINE_RUNNER_H
#define VB_ENGINE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"

/*
 * A run of more repetitions than this (cells x repetitions, warmups not
 * counted) needs --force: `check` warns about it, `run` refuses without
 * it (docs/experiment-files.md, "Limits").
 */
#define VB_RUN_FORCE_LIMIT 100000

struct vb_shard;

struct vb_run_opts {
	const char *experiment;  /* path of the .cfg */
	const char *outdir;      /* NULL: results/<name> */
	/* NULL: the whole matrix; else only this shard's environments (the
	 * caller points outdir at DIR/shards/K; engine/shard.h). */
	struct vb_shard *shard;
	const char *plugin_dirs; /* NULL: default search path */
	bool force;              /* beyond VB_RUN_FORCE_LIMIT runs */
};

/* What a run did, for the command line to report. */
struct vb_run_result {
	char *dir;           /* the results directory once known (malloc'd) */
	size_t cells;        /* of the matrix */
	size_t todo;         /* repetitions (and warmups) this run had to do */
	size_t ran;          /* of them, recorded or done this time */
	size_t failed;       /* repetitions recorded as failed */
	size_t refused;      /* environments refused by verification */
	size_t noisy;        /* repetitions the host disturbed (engine/noise.h) */
	size_t excluded;     /* of them, left out (noise = "exclude") */
	bool started;        /* repetitions began: a later error stopped them */
};
void vb_run_result_free(struct vb_run_result *res);

/*
 * Run an experiment (docs/errors.md). 0: every cell was tried (res says
 * how many failed). -EINTR: interrupted by SIGINT/SIGTERM; what ended
 * before is recorded. Otherwise -errno with the reasons in d: -EINVAL for
 * an invalid experiment (file:line messages), -E2BIG beyond the limits,
 * -EBUSY when another virtbench holds the directory, -EEXIST when it
 * holds another experiment, or the errno of a failed write (res->started
 * tells whether repetitions had begun).
 *
 * Progress lines and per-cell warnings go to stderr while it runs; that
 * is the one output of the engine (docs/errors.md).
 */
int vb_run(const struct vb_run_opts *o, struct vb_run_result *res,
	   struct vb_diag *d);

#endif /* VB_ENGINE_RUNNER_H */
