/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * How long a run takes (engine/estimate.c, for `virtbench check`).
 */
#ifndef VB_ENGINE_ESTIMATE_H
#define VB_ENGINE_ESTIMATE_H

#include <stddef.h>

#include "engine/matrix.h"

struct vb_estimate {
	size_t runs;          /* cells x repetitions (warmup not counted);
	                         adaptive: x its max */
	size_t runs_min;      /* adaptive: cells x its min; else = runs */
	size_t stopped;       /* adaptive: cells whose rule has stopped them */
	double bound;         /* s: every run, warmup too, to its time limit */
	size_t unbounded;     /* cells bounded only by the experiment timeout */
	size_t recorded;      /* ok repetitions of this experiment in runs.csv */
	size_t left;          /* repetitions a rerun into that directory does
	                         (adaptive: as many as the spread recorded so
	                         far makes likely, at least one per cell the
	                         rule has not stopped) */
	double likely;        /* s: a whole run at the recorded pace; -1: none */
	double likely_left;   /* s: what is left, at that pace; -1: none */
};

/*
 * Fill *e for the expanded matrix. DIR/runs.csv (may not exist) is read for
 * this experiment's earlier repetitions (started/finished columns). The
 * time limit of a repetition is the cell's `time` option when it has one,
 * else ex->timeout. Environment start-up is not included. Under the
 * adaptive rule the bound is at `max` repetitions, and `likely` counts
 * per cell the repetitions vb_adaptive_predict() expects.
 */
int vb_estimate(const struct vb_experiment *ex,
		const struct vb_cell *cells, size_t ncells,
		const char *dir, struct vb_estimate *e);

#endif /* VB_ENGINE_ESTIMATE_H */
