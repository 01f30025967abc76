/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Repetitions until the interval is tight (engine/adaptive.c): the rule
 * of `repetitions = { min; max; precision; budget; metrics; }`, one
 * implementation for the runner (when to stop a cell), `check`'s estimate
 * (how many a cell will likely need) and the analysis (why a cell
 * stopped). docs/experiment-files.md gives the rule, docs/report.md the
 * formulas.
 *
 * A cell stops after a repetition when
 *   precision: it has at least `min` valid repetitions and, for every
 *     watched metric, t(0.975, n-1) * sd / sqrt(n) <= precision * |mean|
 *     over its n valid values;
 *   max: `max` repetitions are recorded (valid or excluded as noisy);
 *   budget: its recorded repetitions took `budget` seconds or more.
 * Valid: ok, and not excluded by `noise = "exclude"`.
 */
#ifndef VB_ENGINE_ADAPTIVE_H
#define VB_ENGINE_ADAPTIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/experiment.h"
#include "engine/journal.h"
#include "engine/matrix.h"

enum vb_stop {
	VB_STOP_NONE = 0,         /* goes on */
	VB_STOP_PRECISION,
	VB_STOP_MAX,
	VB_STOP_BUDGET,
};
/* "", "precision", "max", "budget". */
const char *vb_stop_name(enum vb_stop s);
/* The reverse; VB_STOP_NONE for anything else. */
enum vb_stop vb_stop_parse(const char *s);

/*
 * Is `metric` one the rule watches for workload wl? The file's `metrics`
 * when the workload has one of them; else the workload's primary metrics
 * (flagged so in its table, or, for a table without flags, the headline
 * metrics of the built-in workloads, else every metric with a direction);
 * else host_time, which every repetition has.
 */
bool vb_adaptive_watches(const struct vb_adaptive *a,
			 const struct vb_plugin_info *wl, const char *metric);

/* What the rule knows of one cell. */
struct vb_adaptive_metric {
	char *name;
	double *v;               /* the valid repetitions' values */
	size_t n, cap;
};
struct vb_adaptive_cell {
	struct vb_adaptive_metric *m;   /* the watched metrics seen */
	size_t nm;
	size_t nok;              /* ok repetitions, valid or excluded */
	size_t nexcluded;        /* of them, left out as noisy */
	double used;             /* s: finished - started of its repetitions */
};
/* Add one metric value of a valid repetition (a metric not watched is
 * for the caller to leave out). */
void vb_adaptive_add(struct vb_adaptive_cell *c, const char *metric,
		     double value);
void vb_adaptive_cell_free(struct vb_adaptive_cell *c);

/* t(0.975, df), the two-sided 95 % Student quantile. */
double vb_t975(double df);
/* The relative half-width t(0.975, n-1) sd / sqrt(n) / |mean| of x[0..n);
 * +inf when n < 2 or the mean is 0 with a spread, 0 for equal values. */
double vb_rel_half_width(const double *x, size_t n);

/* Does the cell stop now? *worst (may be NULL): the largest relative
 * half-width over its watched metrics (+inf when none has 2 values). */
enum vb_stop vb_adaptive_decide(const struct vb_adaptive *a,
				const struct vb_adaptive_cell *c,
				double *worst);
/*
 * How many valid repetitions the cell likely needs in all, from the
 * spread its values have so far: the smallest n in [min, max] with
 * t(0.975, n-1) cv / sqrt(n) <= precision for every watched metric; max
 * when it has fewer than 2 values. For `check`.
 */
int vb_adaptive_predict(const struct vb_adaptive *a,
			const struct vb_adaptive_cell *c);

/*
 * The state of every cell from a journal's rows: ok repetitions (minus
 * the noisy ones when ex->noise says exclude) and the time they took.
 * cs[ncells] is filled (zeroed first); rows of cells not in the matrix
 * are skipped. Free each with vb_adaptive_cell_free().
 */
void vb_adaptive_load(const struct vb_experiment *ex,
		      const struct vb_cell *cells, size_t ncells,
		      const struct vb_journal_data *j,
		      struct vb_adaptive_cell *cs);

#endif /* VB_ENGINE_ADAPTIVE_H */
