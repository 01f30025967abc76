/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The matrix (engine/matrix.c): backends x configs x each workload's axes,
 * minus the excludes, in file order.
 */
#ifndef VB_ENGINE_MATRIX_H
#define VB_ENGINE_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "engine/experiment.h"

/*
 * The most cells a matrix may have (before the excludes): beyond it the
 * experiment is refused, by `check` as by `run` (docs/experiment-files.md,
 * "Limits"). A cell costs about a kilobyte of bookkeeping.
 */
#define VB_MATRIX_MAX_CELLS 1000000

/* One cell of the matrix: backend × config × one point of a workload's axes. */
struct vb_cell {
	size_t backend, config, workload;   /* indices into the experiment */
	size_t *axis_index;                 /* per axis of the workload */
	void *opts;                         /* workload block with axes applied */
	char *params;      /* "max_prime=10000" or "total_size=2147483648;threads=16",
	                      axes only, in file order; "" when no axes */
	char **kv;         /* all options as "key=value" for the agent */
	size_t nkv;
	uint32_t flags;    /* the instance's VB_WL_* (vb_workload_describe) */
};

/* Value of option `key` in a cell's kv ("key=value"), NULL if absent. */
const char *vb_kv_value(char *const *kv, size_t nkv,
			const char *key);

/* Points of a workload's axes (their product), SIZE_MAX on overflow. */
size_t vb_matrix_points(const struct vb_workload_entry *w);
/* Cells before the excludes, SIZE_MAX on overflow. */
size_t vb_matrix_size(const struct vb_experiment *ex);

/*
 * Expand backends × configs × workload axes minus excludes, in file
 * order. -E2BIG beyond VB_MATRIX_MAX_CELLS, -EINTR when interrupted,
 * -EINVAL for an experiment with an unresolved workload.
 */
int vb_matrix_expand(const struct vb_experiment *ex,
		     struct vb_cell **cells, size_t *ncells);
void vb_matrix_free(struct vb_cell *cells, size_t ncells,
		    const struct vb_experiment *ex);

/* What the filters do, counted without expanding. */
struct vb_matrix_count {
	size_t points;       /* cells before the excludes */
	size_t cells;        /* cells no filter drops */
	size_t *matched;     /* per filter: the points it matches */
};
/* 0, -EINTR or -EINVAL as vb_matrix_expand(); free with
 * vb_matrix_count_free() in every case. */
int vb_matrix_count(const struct vb_experiment *ex,
		    struct vb_matrix_count *c);
void vb_matrix_count_free(struct vb_matrix_count *c);

#endif /* VB_ENGINE_MATRIX_H */
