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

static int load(const char *dir, const char *experiment, struct rec **out,
		size_t *nout)
{
	struct vb_journal_data d;
	struct rec *v = NULL;
	size_t n = 0;
	char err[512];
	int rc = vb_journal_read(dir, &vb_runs_format, &d, err, sizeof(err));

	*out = NULL;
	*nout = 0;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < d.nrows; i++) {
		const struct vb_jrow *row = &d.rows[i];
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
	vb_journal_data_free(&d);
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

int vb_estimate(const struct vb_experiment *ex, const struct vb_cell *cells,
		size_t ncells, const char *dir, struct vb_estimate *e)
{
	struct rec *recs = NULL;
	size_t nrecs = 0;
	int per = ex->warmup + ex->repetitions;
	int rc = load(dir, ex->name, &recs, &nrecs);

	memset(e, 0, sizeof(*e));
	e->likely = e->likely_left = -1;
	if (rc < 0)
		return rc;

	/* Pace per cell, then per backend+workload, then overall. */
	double *pace = calloc(ncells ? ncells : 1, sizeof(double));
	int *done = calloc(ncells ? ncells : 1, sizeof(int));
	double all_sum = 0;
	size_t all_n = 0;
	if (!pace || !done) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ncells; i++) {
		const struct vb_cell *c = &cells[i];
		const char *t = vb_kv_value(c->kv, c->nkv, "time");
		double sum = 0;
		size_t n = 0;

		double limit = t ? strtod(t, NULL) : 0;
		if (limit <= 0 || limit > ex->timeout) {
			limit = ex->timeout;
			e->unbounded++;
		}
		e->bound += per * limit;
		e->runs += (size_t)ex->repetitions;

		for (int rep = 1; rep <= ex->repetitions && nrecs; rep++) {
			struct rec want = {
				.key = vb_rep_key(ex->backends[c->backend].label,
						  ex->configs[c->config].name,
						  ex->workloads[c->workload].label,
						  c->params, rep),
			};
			const struct rec *r =
				want.key ? bsearch(&want, recs, nrecs,
						   sizeof(*recs), rec_cmp)
					 : NULL;
			free(want.key);
			if (!r)
				continue;
			sum += r->seconds;
			n++;
			if (r->ok) {
				done[i]++;
				e->recorded++;
			}
		}
		if (n) {
			pace[i] = sum / (double)n;
			all_sum += sum;
			all_n += n;
		} else {
			pace[i] = -1;
		}
	}
	if (!all_n)
		goto out;
	e->likely = e->likely_left = 0;
	for (size_t i = 0; i < ncells; i++) {
		double p = pace[i];
		if (p < 0) {
			/* Same backend and workload in another config or
			 * point, else every recorded repetition. */
			double sum = 0;
			size_t n = 0;
			for (size_t j = 0; j < ncells; j++)
				if (pace[j] >= 0 &&
				    cells[j].backend == cells[i].backend &&
				    cells[j].workload == cells[i].workload) {
					sum += pace[j];
					n++;
				}
			p = n ? sum / (double)n : all_sum / (double)all_n;
		}
		int left = ex->repetitions - done[i];
		e->likely += per * p;
		if (left > 0) {
			e->likely_left += (left + ex->warmup) * p;
			e->left += (size_t)left;
		}
	}
out:
	free(pace);
	free(done);
	for (size_t j = 0; j < nrecs; j++)
		free(recs[j].key);
	free(recs);
	if (e->likely < 0)
		e->left = e->runs;
	return rc;
}
