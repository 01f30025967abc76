/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The adaptive repetition rule (engine/adaptive.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "engine/adaptive.h"
#include "engine/noise.h"
#include "lib/util.h"

static const char *const stop_names[] = { "", "precision", "max", "budget" };

const char *vb_stop_name(enum vb_stop s)
{
	return (unsigned)s < 4 ? stop_names[s] : "";
}

enum vb_stop vb_stop_parse(const char *s)
{
	for (int i = 1; i < 4; i++)
		if (s && !strcmp(s, stop_names[i]))
			return (enum vb_stop)i;
	return VB_STOP_NONE;
}

/* ------------------------------------------------------------------ */
/* Which metrics                                                        */
/* ------------------------------------------------------------------ */

/* What a reader of a CPU or file-IO benchmark looks at first, for a
 * workload whose table flags no metric primary (the analysis charts the
 * same set). */
static const char *const headline[] = {
	"total_time", "events_per_second", "reads_per_second",
	"writes_per_second", NULL,
};

static bool in_list(const char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static bool has_metric(const struct vb_plugin_info *wl, const char *name)
{
	for (const struct vb_metric *m = wl->metrics; m && m->name; m++)
		if (!strcmp(m->name, name))
			return true;
	return false;
}

/* Does the table mark primary metrics itself (ABI 1.1)? */
static bool flagged(const struct vb_plugin_info *wl, const char *metric,
		    bool *is)
{
#ifdef VB_METRIC_PRIMARY
	bool any = false;

	*is = false;
	if (wl->abi_minor < 1)
		return false;
	for (const struct vb_metric *m = wl->metrics; m && m->name; m++)
		if (m->flags & VB_METRIC_PRIMARY) {
			any = true;
			if (!strcmp(m->name, metric))
				*is = true;
		}
	return any;
#else
	(void)wl;
	(void)metric;
	*is = false;
	return false;
#endif
}

static bool primary(const struct vb_plugin_info *wl, const char *metric)
{
	bool is, any = false;

	if (flagged(wl, metric, &is))
		return is;
	for (const char *const *h = headline; *h; h++)
		any |= has_metric(wl, *h);
	if (any)
		return in_list(headline, metric);
	for (const struct vb_metric *m = wl->metrics; m && m->name; m++)
		if (!strcmp(m->name, metric))
			return m->better != VB_NEUTRAL;
	return false;
}

static bool any_primary(const struct vb_plugin_info *wl)
{
	for (const struct vb_metric *m = wl->metrics; m && m->name; m++)
		if (primary(wl, m->name))
			return true;
	return false;
}

bool vb_adaptive_watches(const struct vb_adaptive *a,
			 const struct vb_plugin_info *wl, const char *metric)
{
	bool mine = false;

	for (char **m = a->metrics; m && *m; m++)
		mine |= has_metric(wl, *m) || !strcmp(*m, "host_time");
	if (mine)
		return in_list((const char *const *)a->metrics, metric);
	if (any_primary(wl))
		return primary(wl, metric);
	return !strcmp(metric, "host_time");
}

/* ------------------------------------------------------------------ */
/* The rule                                                             */
/* ------------------------------------------------------------------ */

void vb_adaptive_add(struct vb_adaptive_cell *c, const char *metric,
		     double value)
{
	struct vb_adaptive_metric *m = NULL;

	for (size_t i = 0; i < c->nm && !m; i++)
		if (!strcmp(c->m[i].name, metric))
			m = &c->m[i];
	if (!m) {
		c->m = vb_xreallocarray(c->m, c->nm + 1, sizeof(*c->m));
		m = &c->m[c->nm++];
		*m = (struct vb_adaptive_metric){ .name = vb_xstrdup(metric) };
	}
	VB_GROW(m->v, m->n + 1, m->cap);
	m->v[m->n++] = value;
}

void vb_adaptive_cell_free(struct vb_adaptive_cell *c)
{
	for (size_t i = 0; i < c->nm; i++) {
		free(c->m[i].name);
		free(c->m[i].v);
	}
	free(c->m);
	memset(c, 0, sizeof(*c));
}

double vb_t975(double df)
{
	return df > 0 ? gsl_cdf_tdist_Pinv(0.975, df) : NAN;
}

/* Mean and sample standard deviation (two passes, as the analysis). */
static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	double m = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = m;
	*sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
}

double vb_rel_half_width(const double *x, size_t n)
{
	double mean, sd;

	if (n < 2)
		return INFINITY;
	mean_sd(x, n, &mean, &sd);
	if (sd == 0)
		return 0;
	if (mean == 0)
		return INFINITY;
	return vb_t975((double)(n - 1)) * sd / sqrt((double)n) / fabs(mean);
}

enum vb_stop vb_adaptive_decide(const struct vb_adaptive *a,
				const struct vb_adaptive_cell *c,
				double *worst)
{
	double w = c->nm ? 0 : INFINITY;
	size_t nmin = (size_t)-1;

	for (size_t i = 0; i < c->nm; i++) {
		double h = vb_rel_half_width(c->m[i].v, c->m[i].n);

		if (h > w || isnan(h))
			w = isnan(h) ? INFINITY : h;
		if (c->m[i].n < nmin)
			nmin = c->m[i].n;
	}
	if (worst)
		*worst = w;
	if (c->nm && nmin >= (size_t)a->min && nmin >= 2 && w <= a->precision)
		return VB_STOP_PRECISION;
	if (c->nok >= (size_t)a->max)
		return VB_STOP_MAX;
	if (a->budget > 0 && c->used >= a->budget)
		return VB_STOP_BUDGET;
	return VB_STOP_NONE;
}

int vb_adaptive_predict(const struct vb_adaptive *a,
			const struct vb_adaptive_cell *c)
{
	int need = a->min;

	if (!c->nm)
		return a->max;
	for (size_t i = 0; i < c->nm; i++) {
		double mean, sd, cv;
		int n;

		if (c->m[i].n < 2)
			return a->max;
		mean_sd(c->m[i].v, c->m[i].n, &mean, &sd);
		if (sd == 0)
			continue;
		if (mean == 0)
			return a->max;
		cv = sd / fabs(mean);
		for (n = a->min > 2 ? a->min : 2; n < a->max; n++)
			if (vb_t975(n - 1) * cv / sqrt((double)n) <= a->precision)
				break;
		if (n > need)
			need = n;
	}
	return need < a->max ? need : a->max;
}

/* ------------------------------------------------------------------ */
/* From the journal                                                     */
/* ------------------------------------------------------------------ */

struct cell_key {
	char *key;
	size_t cell;
};

static int ck_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cell_key *)a)->key,
		      ((const struct cell_key *)b)->key);
}

static char *row_cell_key(char *const *f)
{
	return vb_rep_key(f[VB_RC_BACKEND], f[VB_RC_CONFIG], f[VB_RC_WORKLOAD],
			  f[VB_RC_PARAMS], 0);
}

/* Rows [i, end) are one record: one repetition of cell c. */
static void take_record(const struct vb_experiment *ex,
			const struct vb_cell *c, const struct vb_journal_data *j,
			size_t i, size_t end, struct vb_adaptive_cell *s,
			struct vb_strv *seen)
{
	char *const *f = j->rows[i].f;
	const struct vb_plugin_info *wl =
		ex->workloads[c->workload].plugin->info;
	double t0 = vb_iso_seconds(f[VB_RC_STARTED]);
	double t1 = vb_iso_seconds(f[VB_RC_FINISHED]);
	struct vb_noise n;
	char *k;

	if (t0 >= 0 && t1 >= t0)
		s->used += t1 - t0;
	if (strcmp(f[VB_RC_STATUS], "ok") != 0)
		return;
	/* A repetition counts once, whatever a merge or a copy did. */
	k = vb_xstrdup(f[VB_RC_REPETITION]);
	if (vb_strv_find(seen, k) >= 0) {
		free(k);
		return;
	}
	vb_strv_take(seen, k);
	s->nok++;
	vb_noise_from_row(f, &n);
	if (ex->noise.action == VB_NOISE_EXCLUDE &&
	    vb_noise_judge(&n, &ex->noise)) {
		s->nexcluded++;
		return;
	}
	for (; i < end; i++) {
		char *const *r = j->rows[i].f;
		char *e;
		double v = strtod(r[VB_RC_VALUE], &e);

		if (*r[VB_RC_METRIC] && e != r[VB_RC_VALUE] && !*e &&
		    isfinite(v) && vb_adaptive_watches(&ex->adaptive, wl,
						       r[VB_RC_METRIC]))
			vb_adaptive_add(s, r[VB_RC_METRIC], v);
	}
}

void vb_adaptive_load(const struct vb_experiment *ex,
		      const struct vb_cell *cells, size_t ncells,
		      const struct vb_journal_data *j,
		      struct vb_adaptive_cell *cs)
{
	struct cell_key *keys = vb_xcalloc(ncells ? ncells : 1, sizeof(*keys));
	struct vb_strv *seen = vb_xcalloc(ncells ? ncells : 1, sizeof(*seen));

	memset(cs, 0, ncells * sizeof(*cs));
	for (size_t i = 0; i < ncells; i++)
		keys[i] = (struct cell_key){
			vb_rep_key(ex->backends[cells[i].backend].label,
				   ex->configs[cells[i].config].name,
				   ex->workloads[cells[i].workload].label,
				   cells[i].params, 0), i };
	qsort(keys, ncells, sizeof(*keys), ck_cmp);
	for (size_t i = 0, end; i < j->nrows; i = end) {
		char *k = row_cell_key(j->rows[i].f);
		struct cell_key want = { k, 0 }, *hit;

		/* A record is the rows up to the next "1/n" (or, in a journal
		 * without record numbers, the rows of the same repetition). */
		for (end = i + 1; end < j->nrows; end++) {
			char *const *f = j->rows[end].f;

			if (!strncmp(f[VB_RC_RECORD], "1/", 2) ||
			    (!*f[VB_RC_RECORD] &&
			     strcmp(f[VB_RC_REPETITION],
				    j->rows[i].f[VB_RC_REPETITION])))
				break;
			if (!*f[VB_RC_RECORD]) {
				char *k2 = row_cell_key(f);
				bool other = strcmp(k, k2) != 0;

				free(k2);
				if (other)
					break;
			}
		}
		hit = ncells ? bsearch(&want, keys, ncells, sizeof(*keys), ck_cmp)
			     : NULL;
		if (hit && !strcmp(j->rows[i].f[VB_RC_EXPERIMENT], ex->name))
			take_record(ex, &cells[hit->cell], j, i, end,
				    &cs[hit->cell], &seen[hit->cell]);
		free(k);
	}
	for (size_t i = 0; i < ncells; i++) {
		free(keys[i].key);
		vb_strv_free(&seen[i]);
	}
	free(keys);
	free(seen);
}
