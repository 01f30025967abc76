/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The matrix: backends x configs x (for each workload) its axes, minus the
 * exclude filters, in file order. Each cell carries the exact key=value
 * strings the agent will receive and the block rebuilt from them with
 * vb_opts_from_kv(), so what the engine validated and recorded is, by
 * construction, what the agent parses.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/matrix.h"
#include "lib/options.h"
#include "lib/util.h"

static void kv_free(char **kv, size_t n)
{
	size_t i;

	for (i = 0; kv && i < n; i++)
		free(kv[i]);
	free(kv);
}

/* "k=v" for every option of the workload, axes set to the cell's values. */
static int cell_kv(const struct vb_workload_entry *w, const size_t *idx,
		   char ***out, size_t *nout)
{
	const struct vb_option *tab = w->plugin->info->options, *o;
	size_t n = 0, i, a;
	char **kv;

	for (o = tab; o && o->name; o++)
		n++;
	kv = calloc(n + 1, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *val = NULL;
		char *own = NULL;
		int r;

		for (a = 0; a < w->naxes; a++)
			if (w->axes[a].opt == &tab[i])
				val = w->axes[a].values[idx[a]];
		if (!val)
			val = own = vb_opt_to_text(&tab[i], w->opts);
		r = val ? asprintf(&kv[i], "%s=%s", tab[i].name, val) : -1;
		free(own);
		if (r < 0) {
			kv[i] = NULL;
			kv_free(kv, n);
			return -ENOMEM;
		}
	}
	*out = kv;
	*nout = n;
	return 0;
}

static char *cell_params(const struct vb_workload_entry *w, const size_t *idx)
{
	size_t len = 1, a;
	char *p;

	for (a = 0; a < w->naxes; a++)
		len += strlen(w->axes[a].opt->name) +
		       strlen(w->axes[a].values[idx[a]]) + 2;
	p = malloc(len);
	if (!p)
		return NULL;
	p[0] = '\0';
	for (a = 0; a < w->naxes; a++) {
		if (a)
			strcat(p, ";");
		strcat(p, w->axes[a].opt->name);
		strcat(p, "=");
		strcat(p, w->axes[a].values[idx[a]]);
	}
	return p;
}

const char *vb_kv_value(char *const *kv, size_t nkv, const char *key)
{
	size_t klen = strlen(key), i;

	for (i = 0; i < nkv; i++)
		if (!strncmp(kv[i], key, klen) && kv[i][klen] == '=')
			return kv[i] + klen + 1;
	return NULL;
}

static bool filter_matches(const struct vb_experiment *ex,
			   const struct vb_filter *f, size_t b, size_t c,
			   size_t w, char *const *kv, size_t nkv)
{
	size_t k;

	for (k = 0; k < f->n; k++) {
		const char *key = f->keys[k], *have;

		if (!strcmp(key, "backend"))
			have = ex->backends[b].label;
		else if (!strcmp(key, "config"))
			have = ex->configs[c].name;
		else if (!strcmp(key, "workload"))
			have = ex->workloads[w].label;
		else
			have = vb_kv_value(kv, nkv, key);
		if (!have || strcmp(have, f->values[k]))
			return false;
	}
	/* An empty filter never comes out of vb_experiment_load; treat it
	 * as matching nothing rather than everything. */
	return f->n > 0;
}

static bool excluded(const struct vb_experiment *ex, size_t b, size_t c,
		     size_t w, char *const *kv, size_t nkv)
{
	size_t i;

	for (i = 0; i < ex->nexcludes; i++)
		if (filter_matches(ex, &ex->excludes[i], b, c, w, kv, nkv))
			return true;
	return false;
}

static void cell_free(struct vb_cell *cell, const struct vb_experiment *ex)
{
	const struct vb_workload_entry *w = &ex->workloads[cell->workload];

	if (cell->opts) {
		vb_opts_free(w->plugin->info->options, cell->opts);
		free(cell->opts);
	}
	free(cell->axis_index);
	free(cell->params);
	kv_free(cell->kv, cell->nkv);
}

static int add_cell(const struct vb_experiment *ex, size_t b, size_t c,
		    size_t wi, const size_t *idx, struct vb_cell **cells,
		    size_t *n, size_t *cap)
{
	const struct vb_workload_entry *w = &ex->workloads[wi];
	struct vb_cell cell = { .backend = b, .config = c, .workload = wi };
	char err[512];
	int rc;

	rc = cell_kv(w, idx, &cell.kv, &cell.nkv);
	if (rc)
		return rc;
	if (excluded(ex, b, c, wi, cell.kv, cell.nkv)) {
		kv_free(cell.kv, cell.nkv);
		return 0;
	}
	cell.axis_index = calloc(w->naxes + 1, sizeof(*cell.axis_index));
	cell.params = cell_params(w, idx);
	if (!cell.axis_index || !cell.params) {
		cell_free(&cell, ex);
		return -ENOMEM;
	}
	if (w->naxes)
		memcpy(cell.axis_index, idx, w->naxes * sizeof(*idx));
	rc = vb_opts_from_kv(w->plugin->info, (const char *const *)cell.kv,
			     cell.nkv, &cell.opts, err, sizeof(err));
	if (rc) {
		cell_free(&cell, ex);
		return rc;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		struct vb_cell *g = realloc(*cells, ncap * sizeof(*g));

		if (!g) {
			cell_free(&cell, ex);
			return -ENOMEM;
		}
		*cells = g;
		*cap = ncap;
	}
	(*cells)[(*n)++] = cell;
	return 0;
}

int vb_matrix_expand(const struct vb_experiment *ex, struct vb_cell **cells,
		     size_t *ncells)
{
	struct vb_cell *out = NULL;
	size_t n = 0, cap = 0, b, c, wi, a;
	int rc = 0;

	*cells = NULL;
	*ncells = 0;
	for (b = 0; b < ex->nbackends && !rc; b++) {
		for (c = 0; c < ex->nconfigs && !rc; c++) {
			for (wi = 0; wi < ex->nworkloads && !rc; wi++) {
				const struct vb_workload_entry *w = &ex->workloads[wi];
				size_t *idx;

				if (!w->plugin) {
					rc = -EINVAL;
					break;
				}
				idx = calloc(w->naxes + 1, sizeof(*idx));
				if (!idx) {
					rc = -ENOMEM;
					break;
				}
				/* Odometer: first axis outermost, last fastest. */
				for (;;) {
					rc = add_cell(ex, b, c, wi, idx, &out,
						      &n, &cap);
					if (rc)
						break;
					for (a = w->naxes; a-- > 0;) {
						if (++idx[a] < w->axes[a].nvalues)
							break;
						idx[a] = 0;
					}
					if (a == (size_t)-1)
						break;
				}
				free(idx);
			}
		}
	}
	if (rc) {
		vb_matrix_free(out, n, ex);
		return rc;
	}
	*cells = out;
	*ncells = n;
	return 0;
}

void vb_matrix_free(struct vb_cell *cells, size_t ncells,
		    const struct vb_experiment *ex)
{
	size_t i;

	for (i = 0; cells && i < ncells; i++)
		cell_free(&cells[i], ex);
	free(cells);
}
