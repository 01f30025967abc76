/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The report's Findings, generated from the comparisons (never written by
 * hand): per workload, its headline metric; per backend, the ratio to the
 * baseline of its most precise row, with its interval, in words, and how
 * many of its rows agree; per resource (CPUs, memory), whether more of it
 * changed anything. Every number is a ratio or interval limit of a
 * comparisons.csv row, rounded as shown, and the row is named.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"

static void fmt_ratio(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "?");
	else if (isinf(v))
		snprintf(buf, n, "%s", v > 0 ? "∞" : "−∞");
	else if (fabs(v) >= 0.1)
		snprintf(buf, n, "%.2f", v);
	else
		snprintf(buf, n, "%.2g", v);
}

static bool significant(const struct vb_acmp *m)
{
	return isfinite(m->r.lo) && isfinite(m->r.hi) && (m->r.lo > 1 || m->r.hi < 1);
}

/* +1: worse than the other side, -1: better, 0: not significant. */
static int verdict(const struct vb_acmp *m)
{
	int dir;

	if (!significant(m))
		return 0;
	dir = m->r.ratio > 1 ? 1 : -1;
	/* Higher is better: above 1 is better; neutral: call above "worse". */
	return m->cell->better == VB_HIGHER_IS_BETTER ? -dir : dir;
}

static const char *word(int better, int v)
{
	if (v == 0)
		return "no significant difference";
	if (better == VB_HIGHER_IS_BETTER)
		return v > 0 ? "significantly lower" : "significantly higher";
	if (better == VB_LOWER_IS_BETTER)
		return v > 0 ? "significantly slower" : "significantly faster";
	return v > 0 ? "significantly above" : "significantly below";
}

/* "1.00× `bare-metal` [0.98, 1.02]" (of: the other side, may be NULL) */
static void ratio_ci(FILE *f, const struct vb_acmp *m, const char *of)
{
	char r[32], lo[32], hi[32];

	fmt_ratio(m->r.ratio, r, sizeof(r));
	fmt_ratio(m->r.lo, lo, sizeof(lo));
	fmt_ratio(m->r.hi, hi, sizeof(hi));
	fprintf(f, "%s×", r);
	if (of) {
		fprintf(f, " `");
		vb_md_code(f, of);
		fprintf(f, "`");
	}
	if (isnan(m->r.lo))
		fprintf(f, " (no interval: fewer than two repetitions)");
	else
		fprintf(f, " [%s, %s]", lo, hi);
}

/* " in `2cpu-512m max_prime=2000`" */
static void where(FILE *f, const struct vb_acmp *m, bool config)
{
	char pd[256];

	vb_params_display(m->cell->group->params, pd, sizeof(pd));
	fprintf(f, " in `");
	if (config) {
		vb_md_code(f, m->cell->group->config);
		fprintf(f, " ");
	}
	vb_md_code(f, pd);
	fprintf(f, "`");
}

struct rows {
	const struct vb_acmp **v;
	size_t n, cap;
};

/* The rows of (workload, metric, varies, backend). */
static void rows_of(const struct vb_analysis *a, const char *wl, const char *metric,
		    enum vb_varies varies, const char *backend, struct rows *r)
{
	r->n = 0;
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group;

		if (m->varies != varies || strcmp(g->workload, wl) ||
		    strcmp(m->cell->metric, metric) || strcmp(g->backend, backend))
			continue;
		VB_GROW(r->v, r->n + 1, r->cap);
		r->v[r->n++] = m;
	}
}

/* The most precise row: the narrowest interval relative to its ratio. */
static const struct vb_acmp *headline_row(const struct rows *r)
{
	const struct vb_acmp *best = r->v[0];
	double bw = INFINITY;

	for (size_t i = 0; i < r->n; i++) {
		const struct vb_acmp *m = r->v[i];
		double w = (m->r.hi - m->r.lo) / fabs(m->r.ratio);

		if (isfinite(w) && w < bw) {
			bw = w;
			best = m;
		}
	}
	return best;
}

static void counts(const struct rows *r, size_t *worse, size_t *better)
{
	*worse = *better = 0;
	for (size_t i = 0; i < r->n; i++) {
		int v = verdict(r->v[i]);

		*worse += v > 0;
		*better += v < 0;
	}
}

static void range(FILE *f, const struct rows *r)
{
	const struct vb_acmp *lo = r->v[0], *hi = r->v[0];
	char a[32], b[32];

	for (size_t i = 1; i < r->n; i++) {
		if (r->v[i]->r.ratio < lo->r.ratio)
			lo = r->v[i];
		if (r->v[i]->r.ratio > hi->r.ratio)
			hi = r->v[i];
	}
	fmt_ratio(lo->r.ratio, a, sizeof(a));
	fmt_ratio(hi->r.ratio, b, sizeof(b));
	fprintf(f, "%s× to %s×", a, b);
}

static void agreement(FILE *f, const struct rows *r, int better)
{
	size_t worse, good;

	counts(r, &worse, &good);
	if (!worse && !good)
		fprintf(f, "none differs significantly");
	else if (worse && !good)
		fprintf(f, "%zu of %zu %s", worse, r->n, word(better, 1));
	else if (good && !worse)
		fprintf(f, "%zu of %zu %s", good, r->n, word(better, -1));
	else
		fprintf(f, "%zu %s, %zu %s", worse, word(better, 1), good, word(better, -1));
}

static void backend_finding(FILE *f, const struct vb_analysis *a,
			    const char *backend, const struct rows *r)
{
	const struct vb_acmp *m = headline_row(r);
	int v = verdict(m), better = m->cell->better;

	fprintf(f, "- `");
	vb_md_code(f, backend);
	fprintf(f, "`: ");
	ratio_ci(f, m, a->baseline);
	where(f, m, true);
	if (v == 0)
		fprintf(f, ": %s", better == VB_LOWER_IS_BETTER ? "no measurable cost" :
			"no measurable difference");
	else
		fprintf(f, ": %s", word(better, v));
	if (r->n > 1) {
		fprintf(f, ". Its %zu cells: ", r->n);
		range(f, r);
		fprintf(f, "; ");
		agreement(f, r, better);
	}
	fprintf(f, ".\n");
}

static const char *resource(enum vb_varies v)
{
	return v == VB_VARIES_CPUS ? "CPUs" : "memory";
}

/* "- **More CPUs** (...): no significant change for any backend: `qemu`
 * 1.00× [0.99, 1.01] in `...`; ..." */
static void resource_finding(FILE *f, const struct vb_analysis *a, const char *wl,
			     const char *metric, enum vb_varies varies,
			     const struct vb_strv *backends)
{
	struct rows r = { 0 };
	size_t all = 0, changed = 0, shown = 0;
	const struct vb_acmp *eg = NULL;

	for (size_t b = 0; b < backends->n; b++) {
		size_t worse, good;

		rows_of(a, wl, metric, varies, backends->v[b], &r);
		counts(&r, &worse, &good);
		all += r.n;
		changed += worse + good;
		if (r.n && !eg)
			eg = headline_row(&r);
	}
	if (!all) {
		free(r.v);
		return;
	}
	fprintf(f, "- **More %s** (the same %s; each config against the next smaller "
		"one, e.g. `", resource(varies), varies == VB_VARIES_CPUS ? "memory" : "CPUs");
	vb_md_code(f, eg->cell->group->config);
	fprintf(f, "` against `");
	vb_md_code(f, eg->base->group->config);
	if (changed)
		fprintf(f, "`): changed %zu of %zu rows significantly: ", changed, all);
	else
		fprintf(f, "`): no significant change for any backend in %zu rows: ", all);
	for (size_t b = 0; b < backends->n; b++) {
		const struct vb_acmp *m;
		size_t worse, good;

		rows_of(a, wl, metric, varies, backends->v[b], &r);
		if (!r.n)
			continue;
		m = headline_row(&r);
		counts(&r, &worse, &good);
		fprintf(f, "%s`", shown++ ? "; " : "");
		vb_md_code(f, backends->v[b]);
		fprintf(f, "` ");
		ratio_ci(f, m, NULL);
		where(f, m, true);
		if (worse || good) {
			fprintf(f, " (");
			agreement(f, &r, m->cell->better);
			fprintf(f, ")");
		}
	}
	fprintf(f, ".\n");
	free(r.v);
}

static void workload_findings(FILE *f, const struct vb_analysis *a, const char *wl)
{
	const char *metric = vb_analysis_headline(a, wl);
	struct vb_strv backends = VB_STRV_INIT, all = VB_STRV_INIT;
	struct rows r = { 0 };
	const struct vb_acell *any = NULL;

	if (!metric)
		return;
	/* Backends in the experiment's order (cmp follows the cells' order). */
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];

		if (strcmp(c->group->workload, wl) || strcmp(c->metric, metric))
			continue;
		any = c;
		if (vb_strv_find(&all, c->group->backend) < 0)
			vb_strv_add(&all, c->group->backend);
	}
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];

		if (m->varies == VB_VARIES_BACKEND && !strcmp(m->cell->group->workload, wl) &&
		    !strcmp(m->cell->metric, metric) &&
		    vb_strv_find(&backends, m->cell->group->backend) < 0)
			vb_strv_add(&backends, m->cell->group->backend);
	}
	fprintf(f, "### ");
	vb_md(f, wl);
	fprintf(f, ": ");
	vb_md(f, metric);
	if (any && any->better)
		fprintf(f, ", %s is better", vb_better_text(any->better));
	fprintf(f, "\n\n");
	for (size_t b = 0; b < backends.n; b++) {
		rows_of(a, wl, metric, VB_VARIES_BACKEND, backends.v[b], &r);
		if (r.n)
			backend_finding(f, a, backends.v[b], &r);
	}
	if (!backends.n)
		fprintf(f, "- No backend has results next to the baseline in the same "
			"config and parameters.\n");
	resource_finding(f, a, wl, metric, VB_VARIES_CPUS, &all);
	resource_finding(f, a, wl, metric, VB_VARIES_MEMORY, &all);
	fprintf(f, "\n");
	free(r.v);
	vb_strv_free(&backends);
	vb_strv_free(&all);
}

void vb_section_findings(FILE *f, const struct vb_analysis *a)
{
	struct vb_strv wls = VB_STRV_INIT;

	fprintf(f, "## Findings\n\n");
	if (!a->ncells) {
		fprintf(f, "No successful repetition in runs.csv.\n\n");
		return;
	}
	fprintf(f, "Generated from comparisons.csv. Each ratio is the ratio of means of "
		"the row named after *in* (the backend's most precise one), with its "
		"95 %% Fieller interval in brackets; a difference is significant when "
		"the interval excludes 1. Per workload, its headline metric.\n\n");
	if (!a->baseline)
		fprintf(f, "There is no baseline (no `baseline` and no bare-metal "
			"backend), so no backend is compared.\n\n");
	/* Workloads in the cells' order, which is the experiment's. */
	for (size_t i = 0; i < a->ncells; i++)
		if (vb_strv_find(&wls, a->cells[i].group->workload) < 0)
			vb_strv_add(&wls, a->cells[i].group->workload);
	for (size_t i = 0; i < wls.n; i++)
		workload_findings(f, a, wls.v[i]);
	vb_strv_free(&wls);
}
