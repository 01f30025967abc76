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

#endif /* VB_ANALYSIS_H */
