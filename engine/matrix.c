/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The matrix: backends x configs x (for each workload) its axes, minus the
 * exclude filters, in file order. Each cell carries the exact key=value
 * strings the agent will receive and the block rebuilt from them with
 * vb_opts_from_kv(), so what the engine validated and recorded is, by
 * construction, what the agent parses.
 *
 * One walk over the points serves both the expansion and the counts the
 * experiment parser checks its filters with; it filters on the canonical
 * texts directly, so counting a large matrix allocates nothing per point,
 * and it stops at SIGINT/SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/matrix.h"
#include "lib/ctx.h"
#include "lib/options.h"
#include "lib/util.h"

/* Points between two looks at the interrupt flag. */
#define CHECK_EVERY 4096

size_t vb_matrix_points(const struct vb_workload_entry *w)
{
	size_t n = 1;

	for (size_t a = 0; a < w->naxes; a++) {
		size_t k = w->axes[a].nvalues;

		if (k && n > SIZE_MAX / k)
			return SIZE_MAX;
		n *= k;
	}
	return n;
}

size_t vb_matrix_size(const struct vb_experiment *ex)
{
	size_t per = 0, envs = ex->nbackends * ex->nconfigs;

	for (size_t w = 0; w < ex->nworkloads; w++) {
		size_t p = vb_matrix_points(&ex->workloads[w]);

		if (p > SIZE_MAX - per)
			return SIZE_MAX;
		per += p;
	}
	if (ex->nconfigs && envs / ex->nconfigs != ex->nbackends)
		return SIZE_MAX;
	if (per && envs > SIZE_MAX / per)
		return SIZE_MAX;
	return envs * per;
}

const char *vb_kv_value(char *const *kv, size_t nkv, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < nkv; i++)
		if (!strncmp(kv[i], key, klen) && kv[i][klen] == '=')
			return kv[i] + klen + 1;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The walk                                                             */
/* ------------------------------------------------------------------ */

/* One point of the matrix. */
struct point {
	const struct vb_experiment *ex;
	size_t b, c, w;
	const size_t *idx;        /* per axis of the workload */
	char **texts;             /* canonical text of each of w's options */
	size_t ntexts;
};

/* The text of option i at this point: its axis value, or the scalar. */
static const char *option_text(const struct point *p, size_t i)
{
	const struct vb_workload_entry *w = &p->ex->workloads[p->w];
	const struct vb_option *o = &w->plugin->info->options[i];

	/* A parameter option's text is rebuilt per point (walk_workload). */
	for (size_t a = 0; a < w->naxes; a++)
		if (w->axes[a].opt == o && !vb_axis_is_param(&w->axes[a]))
			return w->axes[a].values[p->idx[a]];
	return p->texts[i];
}

static const char *point_value(const struct point *p, const char *key)
{
	const struct vb_workload_entry *w = &p->ex->workloads[p->w];
	const struct vb_option *tab = w->plugin->info->options;
	const struct vb_option *o;

	if (!strcmp(key, "backend"))
		return p->ex->backends[p->b].label;
	if (!strcmp(key, "config"))
		return p->ex->configs[p->c].name;
	if (!strcmp(key, "workload"))
		return w->label;
	o = vb_option_find(tab, key);
	/* Else a parameter (params = { key = ...; }), if w has one. */
	return o ? option_text(p, (size_t)(o - tab))
		 : vb_workload_param(w, key, p->idx);
}

static bool filter_matches(const struct point *p, const struct vb_filter *f)
{
	for (size_t k = 0; k < f->n; k++) {
		const char *have = point_value(p, f->keys[k]);

		if (!have || strcmp(have, f->values[k]))
			return false;
	}
	/* An empty filter never comes out of vb_experiment_load; treat it
	 * as matching nothing rather than everything. */
	return f->n > 0;
}

typedef int (*point_fn)(const struct point *p, void *user);

/* Texts of w's options from its block (the scalars of every point). */
static char **option_texts(const struct vb_workload_entry *w, size_t *n)
{
	const struct vb_option *tab = w->plugin->info->options;
	char **t;

	*n = 0;
	while (tab && tab[*n].name)
		(*n)++;
	t = vb_xcalloc(*n + 1, sizeof(*t));
	for (size_t i = 0; i < *n; i++)
		if (!(t[i] = vb_opt_to_text(&tab[i], w->opts)))
			vb_oom();
	return t;
}

/* The texts of w's parameter options that have axes, at this point. */
static void set_param_texts(struct point *p)
{
	const struct vb_workload_entry *w = &p->ex->workloads[p->w];
	const struct vb_option *tab = w->plugin->info->options;

	for (size_t a = 0; a < w->naxes; a++) {
		size_t i = (size_t)(w->axes[a].opt - tab);

		if (!vb_axis_is_param(&w->axes[a]) ||
		    (a > 0 && w->axes[a - 1].opt == w->axes[a].opt))
			continue;
		free(p->texts[i]);
		p->texts[i] = vb_workload_option_text(w, w->axes[a].opt, p->idx);
	}
}

/* Every point of workload w in environment (b, c); the odometer puts the
 * first axis outermost, the last fastest. */
static int walk_workload(struct point *p, point_fn fn, void *user,
			 size_t *seen)
{
	const struct vb_workload_entry *w = &p->ex->workloads[p->w];
	size_t *idx = vb_xcalloc(w->naxes + 1, sizeof(*idx));
	size_t a;
	int rc;

	p->idx = idx;
	for (;;) {
		if (++*seen % CHECK_EVERY == 0 && vb_is_interrupted()) {
			rc = -EINTR;
			break;
		}
		set_param_texts(p);
		if ((rc = fn(p, user)) < 0)
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
	return rc;
}

static int walk(const struct vb_experiment *ex, point_fn fn, void *user)
{
	struct point p = { .ex = ex };
	size_t seen = 0;
	int rc = 0;

	for (p.w = 0; p.w < ex->nworkloads; p.w++)
		if (!ex->workloads[p.w].plugin)
			return -EINVAL;
	for (p.b = 0; p.b < ex->nbackends && !rc; p.b++)
		for (p.c = 0; p.c < ex->nconfigs && !rc; p.c++)
			for (p.w = 0; p.w < ex->nworkloads && !rc; p.w++) {
				p.texts = option_texts(&ex->workloads[p.w],
						       &p.ntexts);
				rc = walk_workload(&p, fn, user, &seen);
				vb_free_strings(p.texts, p.ntexts);
			}
	return rc;
}

static bool excluded(const struct point *p)
{
	for (size_t i = 0; i < p->ex->nexcludes; i++)
		if (filter_matches(p, &p->ex->excludes[i]))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Counting                                                             */
/* ------------------------------------------------------------------ */

static int count_point(const struct point *p, void *user)
{
	struct vb_matrix_count *c = user;
	bool any = false;

	c->points++;
	for (size_t i = 0; i < p->ex->nexcludes; i++)
		if (filter_matches(p, &p->ex->excludes[i])) {
			c->matched[i]++;
			any = true;
		}
	if (!any)
		c->cells++;
	return 0;
}

int vb_matrix_count(const struct vb_experiment *ex, struct vb_matrix_count *c)
{
	memset(c, 0, sizeof(*c));
	c->matched = vb_xcalloc(ex->nexcludes + 1, sizeof(*c->matched));
	return walk(ex, count_point, c);
}

/* ------------------------------------------------------------------ */
/* Expansion                                                            */
/* ------------------------------------------------------------------ */

struct cells {
	struct vb_cell *v;
	size_t n, cap;
};

/* "k=v" for every option of the workload at this point. */
static char **point_kv(const struct point *p, size_t *n)
{
	const struct vb_option *tab =
		p->ex->workloads[p->w].plugin->info->options;
	char **kv = vb_xcalloc(p->ntexts + 1, sizeof(*kv));

	for (size_t i = 0; i < p->ntexts; i++)
		kv[i] = vb_xasprintf("%s=%s", tab[i].name, option_text(p, i));
	*n = p->ntexts;
	return kv;
}

/* The axes only: "max_prime=10000" or "total_size=2147483648;threads=16". */
static char *point_params(const struct point *p)
{
	const struct vb_workload_entry *w = &p->ex->workloads[p->w];
	struct vb_buf b = VB_BUF_INIT;

	for (size_t a = 0; a < w->naxes; a++)
		vb_buf_addf(&b, "%s%s=%s", a ? ";" : "", vb_axis_name(&w->axes[a]),
			    w->axes[a].values[p->idx[a]]);
	return vb_buf_detach(&b);
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
	vb_free_strings(cell->kv, cell->nkv);
}

static int add_cell(const struct point *p, void *user)
{
	const struct vb_workload_entry *w = &p->ex->workloads[p->w];
	struct cells *cs = user;
	struct vb_cell cell = { .backend = p->b, .config = p->c,
				.workload = p->w };
	char err[512];
	int rc;

	if (excluded(p))
		return 0;
	cell.kv = point_kv(p, &cell.nkv);
	cell.params = point_params(p);
	cell.axis_index = vb_xcalloc(w->naxes + 1, sizeof(*cell.axis_index));
	if (w->naxes)
		memcpy(cell.axis_index, p->idx, w->naxes * sizeof(*p->idx));
	rc = vb_opts_from_kv(w->plugin->info, (const char *const *)cell.kv,
			     cell.nkv, &cell.opts, err, sizeof(err));
	if (!rc) {
		/* Its flags (exec's drop_caches may be an axis). */
		struct vb_wl_desc d;

		rc = vb_workload_describe(w->plugin, cell.opts, &d, err,
					  sizeof(err));
		cell.flags = d.flags;
		vb_wl_desc_free(&d);
	}
	if (rc) {
		cell_free(&cell, p->ex);
		return rc;
	}
	VB_GROW(cs->v, cs->n + 1, cs->cap);
	cs->v[cs->n++] = cell;
	return 0;
}

int vb_matrix_expand(const struct vb_experiment *ex, struct vb_cell **cells,
		     size_t *ncells)
{
	struct cells cs = { 0 };
	int rc;

	*cells = NULL;
	*ncells = 0;
	if (vb_matrix_size(ex) > VB_MATRIX_MAX_CELLS)
		return -E2BIG;
	rc = walk(ex, add_cell, &cs);
	if (rc) {
		vb_matrix_free(cs.v, cs.n, ex);
		return rc;
	}
	*cells = cs.v;
	*ncells = cs.n;
	return 0;
}

void vb_matrix_free(struct vb_cell *cells, size_t ncells,
		    const struct vb_experiment *ex)
{
	for (size_t i = 0; cells && i < ncells; i++)
		cell_free(&cells[i], ex);
	free(cells);
}

void vb_matrix_count_free(struct vb_matrix_count *c)
{
	free(c->matched);
	c->matched = NULL;
}
