/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * How long an experiment will take, for `virtbench check` (DESIGN §4).
 * Two answers, because neither alone is honest: a bound from the
 * workloads' time limits (a repetition never runs past `time`, nor past
 * the experiment's `timeout`), which can be far above the truth when
 * `events` ends repetitions first; and, when the results directory holds
 * an earlier run of the same experiment, the pace its repetitions really
 * had, which also tells what a rerun has left to do.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/adaptive.h"
#include "engine/estimate.h"
#include "engine/journal.h"
#include "lib/util.h"

/* One repetition found in runs.csv (a row per metric: the first counts). */
struct rec {
	char *key;      /* vb_rep_key_row() */
	double seconds;
	bool ok;
};

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->key, ((const struct rec *)b)->key);
}

static int load(const struct vb_journal_data *dj, const char *experiment,
		struct rec **out, size_t *nout)
{
	const struct vb_journal_data *d = dj;
	struct rec *v = NULL;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < d->nrows; i++) {
		const struct vb_jrow *row = &d->rows[i];
		double t0, t1;

		if (strcmp(row->f[VB_RC_EXPERIMENT], experiment) != 0)
			continue;
		t0 = vb_iso_seconds(row->f[VB_RC_STARTED]);
		t1 = vb_iso_seconds(row->f[VB_RC_FINISHED]);
		if (t0 < 0 || t1 < t0)
			continue;
		v = vb_xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = (struct rec){ vb_rep_key_row(row), t1 - t0,
				       !strcmp(row->f[VB_RC_STATUS], "ok") };
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), rec_cmp);
	/* Keep one entry per repetition; an ok row wins over a failed one
	 * (a retried repetition has both). */
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w && !strcmp(v[w - 1].key, v[i].key)) {
			if (v[i].ok && !v[w - 1].ok) {
				v[w - 1].ok = true;
				v[w - 1].seconds = v[i].seconds;
			}
			free(v[i].key);
			continue;
		}
		v[w++] = v[i];
	}
	*out = v;
	*nout = w;
	return 0;
}

/* A cell's time limit: its `time` option, or the experiment's timeout
 * (then it counts as unbounded). */
static double cell_limit(const struct vb_experiment *ex,
			 const struct vb_cell *c, struct vb_estimate *e)
{
	const char *t = vb_kv_value(c->kv, c->nkv, "time");
	double limit = t ? strtod(t, NULL) : 0;

	if (limit <= 0 || limit > ex->timeout) {
		limit = ex->timeout;
		e->unbounded++;
	}
	return limit;
}

/* The recorded pace of cell c (-1: none), and its ok repetitions. */
static double cell_pace(const struct vb_experiment *ex, const struct vb_cell *c,
			const struct rec *recs, size_t nrecs, int *done,
			double *sum, size_t *n)
{
	double cs = 0;
	size_t cn = 0;

	for (int rep = 1; rep <= ex->repetitions && nrecs; rep++) {
		struct rec want = {
			.key = vb_rep_key(ex->backends[c->backend].label,
					  ex->configs[c->config].name,
					  ex->workloads[c->workload].label,
					  c->params, rep),
		};
		const struct rec *r = bsearch(&want, recs, nrecs, sizeof(*recs),
					      rec_cmp);

		free(want.key);
		if (!r)
			continue;
		cs += r->seconds;
		cn++;
		*done += r->ok;
	}
	*sum += cs;
	*n += cn;
	return cn ? cs / (double)cn : -1;
}

/* A cell without a pace of its own: that of the same backend and
 * workload in another config or point, else every recorded repetition's. */
static double borrowed_pace(const struct vb_cell *cells, size_t ncells,
			    const double *pace, size_t i, double all)
{
	double sum = 0;
	size_t n = 0;

	for (size_t j = 0; j < ncells; j++)
		if (pace[j] >= 0 && cells[j].backend == cells[i].backend &&
		    cells[j].workload == cells[i].workload) {
			sum += pace[j];
			n++;
		}
	return n ? sum / (double)n : all;
}

/* Repetitions and warmups a cell runs for n repetitions: warmups once
 * per opening, so each round's in interleaved order. */
static double with_warmups(const struct vb_experiment *ex, double n)
{
	if (n <= 0)
		return 0;
	return ex->order == VB_ORDER_INTERLEAVED ? n * (1 + ex->warmup)
						 : n + ex->warmup;
}

/* Under the adaptive rule: the repetitions cell i likely needs in all and
 * how many of them a rerun has left. */
static void adaptive_need(const struct vb_experiment *ex,
			  const struct vb_adaptive_cell *ac, double *need,
			  int *left, struct vb_estimate *e)
{
	const struct vb_adaptive *a = &ex->adaptive;
	size_t valid = ac->nok - ac->nexcluded;
	int n;

	if (vb_adaptive_decide(a, ac, NULL) != VB_STOP_NONE) {
		e->stopped++;
		*need = (double)ac->nok;
		*left = 0;
		return;
	}
	n = vb_adaptive_predict(a, ac);
	*need = n;
	*left = n - (int)valid;
	if (*left < 1)
		*left = 1;
	if (*left > a->max - (int)ac->nok)
		*left = a->max - (int)ac->nok;
}

int vb_estimate(const struct vb_experiment *ex, const struct vb_cell *cells,
		size_t ncells, const char *dir, struct vb_estimate *e)
{
	struct vb_journal_data d;
	struct rec *recs = NULL;
	size_t nrecs = 0, all_n = 0;
	struct vb_adaptive_cell *ac = NULL;
	double *pace, all_sum = 0;
	char err[512];
	int *done, rc;

	memset(e, 0, sizeof(*e));
	e->likely = e->likely_left = -1;
	if ((rc = vb_journal_read(dir, &vb_runs_format, &d, err, sizeof(err))) < 0)
		return rc;
	load(&d, ex->name, &recs, &nrecs);
	if (ex->adaptive.on) {
		ac = vb_xcalloc(ncells ? ncells : 1, sizeof(*ac));
		vb_adaptive_load(ex, cells, ncells, &d, ac);
	}
	vb_journal_data_free(&d);
	pace = vb_xcalloc(ncells ? ncells : 1, sizeof(*pace));
	done = vb_xcalloc(ncells ? ncells : 1, sizeof(*done));
	for (size_t i = 0; i < ncells; i++) {
		e->bound += with_warmups(ex, ex->repetitions) *
			    cell_limit(ex, &cells[i], e);
		e->runs += (size_t)ex->repetitions;
		e->runs_min += (size_t)(ex->adaptive.on ? ex->adaptive.min
							: ex->repetitions);
		pace[i] = cell_pace(ex, &cells[i], recs, nrecs, &done[i],
				    &all_sum, &all_n);
		e->recorded += (size_t)done[i];
	}
	if (all_n)
		e->likely = e->likely_left = 0;
	for (size_t i = 0; i < ncells; i++) {
		double p = pace[i] >= 0 ? pace[i]
			   : all_n ? borrowed_pace(cells, ncells, pace, i,
						  all_sum / (double)all_n)
				   : 0;
		double need = ex->repetitions;
		int left = ex->repetitions - done[i];

		if (ac)
			adaptive_need(ex, &ac[i], &need, &left, e);
		if (left > 0)
			e->left += (size_t)left;
		if (!all_n)
			continue;
		e->likely += with_warmups(ex, need) * p;
		if (left > 0)
			e->likely_left += with_warmups(ex, left) * p;
	}
	for (size_t i = 0; ac && i < ncells; i++)
		vb_adaptive_cell_free(&ac[i]);
	free(ac);
	free(pace);
	free(done);
	for (size_t j = 0; j < nrecs; j++)
		free(recs[j].key);
	free(recs);
	if (e->likely < 0 && !ex->adaptive.on)
		e->left = e->runs;
	return 0;
}
