/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The analysis room: a results directory -> statistics, comparisons,
 * charts and the report. These are the three steps the command line runs
 * (`virtbench run` at its end, `virtbench plot DIR`, `virtbench report
 * DIR`); each reads only the directory. The model they share is in
 * analysis/model.h, the statistics in analysis/stats.h.
 *
 * Every message (a file:line of a malformed input, gnuplot missing, a file
 * that could not be written) is added to msgs; the caller prints them.
 */
#ifndef VB_ANALYSIS_H
#define VB_ANALYSIS_H

#include "lib/diag.h"
#include "lib/util.h"

/*
 * Rebuild summary.csv, summary.json and comparisons.csv from runs.csv in
 * dir. 0, or -errno (-ENOENT: no runs.csv; -EINVAL: a malformed one).
 * *violations gets the number of thresholds violated.
 */
int vb_analyze(const char *dir, int *violations, struct vb_diag *msgs);
/*
 * Write plots/ (.dat, .gp, .png) from the results in dir. 0; -ENOENT when
 * gnuplot is missing (the scripts and data are still written); -EIO when
 * gnuplot failed on some chart; other -errno.
 */
int vb_plot(const char *dir, struct vb_diag *msgs);
/* Write report.md and report.html from everything in dir. 0 or -errno. */
int vb_report(const char *dir, struct vb_diag *msgs);

/*
 * virtbench compare (analysis/compare.c): the cells DIRS[1..] share with
 * DIRS[0], each metric's ratio (later / first) with its Fieller interval
 * and Welch p, the cells only one of them has, and what differs between
 * their hosts and environments, into OUTDIR/compare.md, compare.csv,
 * compare.json and plots/ (a chart per workload and metric).
 */
struct vb_compare_opts {
	const char *const *dirs;     /* at least two results directories */
	size_t ndirs;
	const char *outdir;
	/* "events_per_second >= 0.97": every shared cell's ratio of means of
	 * that metric must hold it (engine/threshold.h's OP; no backends). */
	const char *const *thresholds;
	size_t nthresholds;
};
struct vb_compare_result {
	size_t shared, only_first, only_other; /* cells (all metrics together) */
	size_t violations;      /* (cell, metric, threshold) that do not hold */
	size_t checked;         /* (cell, metric, threshold) checked */
	/* One line per violation: "B: docker 1cpu cpu-prime max_prime=5000:
	 * events_per_second ratio 0.951 [0.94, 0.96], violates ...". */
	struct vb_strv violated;
};
void vb_compare_result_free(struct vb_compare_result *res);
/* 0 (violations or not: see res), -EINVAL for a threshold that does not
 * parse or a directory that is not one of results, other -errno; the
 * reasons in msgs. A missing gnuplot writes scripts without images and
 * says so in msgs, without failing. */
int vb_compare(const struct vb_compare_opts *o, struct vb_compare_result *res,
	       struct vb_diag *msgs);

#endif /* VB_ANALYSIS_H */
