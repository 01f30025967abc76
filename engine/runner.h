/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The runner: from a validated experiment to a results directory. */
#ifndef VIRTBENCH_RUNNER_H
#define VIRTBENCH_RUNNER_H

#include "engine.h"

struct vb_run_opts {
	const char *experiment;  /* path of the .cfg */
	const char *outdir;      /* NULL: results/<name> */
	const char *plugin_dirs; /* NULL: default search path */
	bool no_analysis;        /* skip summary/plots/report at the end */
};

/* Run an experiment; returns the process exit status (0, 1, 2, 130). */
VB_INTERNAL int vb_run(const struct vb_run_opts *o);

/* `virtbench probe BACKEND`: open one environment, probe, verify, close.
 * Prints the verification to stdout; returns an exit status. */
VB_INTERNAL int vb_probe_backend(const char *plugin_dirs, const char *backend,
				 int cpus, int64_t memory, char **kv,
				 size_t nkv);

/* Analysis at the end of a run and for `virtbench plot|report DIR`:
 * returns 0, 1 (thresholds violated, or charts not drawn: gnuplot missing
 * or failing; everything else is still written) or 2 (DIR unusable). */
VB_INTERNAL int vb_rebuild_outputs(const char *dir, bool plots, bool report);

#endif
