/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The matrix (engine/matrix.c): backends x configs x each workload's axes,
 * minus the excludes, in file order.
 */
#ifndef VB_ENGINE_MATRIX_H
#define VB_ENGINE_MATRIX_H

#include <stddef.h>

#include "engine/experiment.h"

/* One cell of the matrix: backend × config × one point of a workload's axes. */
struct vb_cell {
	size_t backend, config, workload;   /* indices into the experiment */
	size_t *axis_index;                 /* per axis of the workload */
	void *opts;                         /* workload block with axes applied */
	char *params;      /* "max_prime=10000" or "total_size=2147483648;threads=16",
	                      axes only, in file order; "" when no axes */
	char **kv;         /* all options as "key=value" for the agent */
	size_t nkv;
};

/* Value of option `key` in a cell's kv ("key=value"), NULL if absent. */
const char *vb_kv_value(char *const *kv, size_t nkv,
			const char *key);


/* Expand backends × configs × workload axes minus excludes, in file order. */
int vb_matrix_expand(const struct vb_experiment *ex,
		     struct vb_cell **cells, size_t *ncells);
void vb_matrix_free(struct vb_cell *cells, size_t ncells,
		    const struct vb_experiment *ex);

#endif /* VB_ENGINE_MATRIX_H */
