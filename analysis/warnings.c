/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The report's warnings: a table of checkers, one small function per
 * kind, most severe kind first. Each fills a compact table (at most
 * VB_WARN_ROWS rows, most severe first, "and N more" after); a reason
 * that many cells share (one environment that failed to open, one
 * refusal) is one row for the environment, not one per cell. The rules
 * are documented in docs/report.md.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"
#include "engine/journal.h"

#define MAXCOLS 4

struct wrow {
	char *cell[MAXCOLS];
	double key;             /* larger is more severe */
};

struct wtable {
	struct wrow *rows;
	size_t n, cap;
};

struct wctx {
	const struct vb_analysis *a;
	const struct vb_journal_data *vt;   /* verify.csv */
};

struct checker {
	const char *title;      /* what it is and what it means */
	const char *cols[MAXCOLS];
	const char *more;       /* where the rest is listed */
	void (*check)(const struct wctx *, struct wtable *);
};

static void VB_PRINTF(3, 4) cellf(struct wrow *r, size_t i, const char *fmt, ...)
{
	va_list ap;
	struct vb_buf b = VB_BUF_INIT;

	va_start(ap, fmt);
	vb_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->cell[i] = vb_buf_detach(&b);
}

static struct wrow *row(struct wtable *t, double key)
{
	struct wrow *r;

	VB_GROW(t->rows, t->n + 1, t->cap);
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->key = key;
	return r;
}

/* The row whose first two cells are (a, b), to merge a shared reason. */
static struct wrow *find_row(struct wtable *t, const char *a, const char *b)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].cell[0], a) && !strcmp(t->rows[i].cell[1], b))
			return &t->rows[i];
	return NULL;
}

static const char *vcol(const struct vb_journal_data *vt, size_t i,
			enum vb_verify_col c)
{
	return vt->rows[i].f[c];
}

/* Is item one of the ", "-separated list? */
static bool in_list(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list;;) {
		const char *e = strstr(p, ", ");
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, item, n))
			return true;
		if (!e)
			return false;
		p = e + 2;
	}
}

/*
 * Environments with one reason: one row per (backend, reason) listing the
 * configs, with `count` added up (cells, repetitions).
 */
static void env_row(struct wtable *t, const char *backend, const char *config,
		    const char *reason, size_t count)
{
	struct wrow *r;
	char *configs;

	for (size_t i = 0; i < t->n; i++) {
		r = &t->rows[i];
		if (strcmp(r->cell[2], backend) || strcmp(r->cell[1], reason))
			continue;
		if (!in_list(r->cell[3], config)) {
			configs = vb_xasprintf("%s, %s", r->cell[3], config);
			free(r->cell[3]);
			r->cell[3] = configs;
			free(r->cell[0]);
			r->cell[0] = vb_xasprintf("%s (%s)", backend, configs);
		}
		r->key += (double)count;
		return;
	}
	r = row(t, (double)count);
	cellf(r, 0, "%s %s", backend, config);
	cellf(r, 1, "%s", reason);
	/* Hidden: the backend and the config list, for merging. */
	cellf(r, 2, "%s", backend);
	cellf(r, 3, "%s", config);
}

/* Environment rows show the count in the third column when done. */
static void env_finish(struct wtable *t, const char *unit)
{
	for (size_t i = 0; i < t->n; i++) {
		struct wrow *r = &t->rows[i];

		free(r->cell[2]);
		free(r->cell[3]);
		r->cell[3] = NULL;
		cellf(r, 2, "%.0f %s%s", r->key, unit, r->key == 1 ? "" : "s");
	}
}

/* ------------------------------------------------------------------ */
/* The checkers                                                         */
/* ------------------------------------------------------------------ */

static void check_refused(const struct wctx *w, struct wtable *t)
{
	const struct vb_analysis *a = w->a;

	/* The cells of runs.csv; verify.csv says why. */
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];
		const char *reason = g->nfailed ? g->failed_errors[0] : "no rows";

		if (strcmp(g->verdict, "refused"))
			continue;
		for (size_t k = 0; k < w->vt->nrows; k++)
			if (!strcmp(vcol(w->vt, k, VB_VC_VERDICT), "refused") &&
			    !strcmp(vcol(w->vt, k, VB_VC_BACKEND), g->backend) &&
			    !strcmp(vcol(w->vt, k, VB_VC_CONFIG), g->config) &&
			    *vcol(w->vt, k, VB_VC_REASON))
				reason = vcol(w->vt, k, VB_VC_REASON);
		env_row(t, g->backend, g->config, reason, 1);
	}
	/* Refused environments whose cells left no row at all. */
	for (size_t k = 0; k < w->vt->nrows; k++) {
		const char *b = vcol(w->vt, k, VB_VC_BACKEND), *c = vcol(w->vt, k, VB_VC_CONFIG);
		bool seen = false;

		if (strcmp(vcol(w->vt, k, VB_VC_VERDICT), "refused"))
			continue;
		for (size_t i = 0; i < a->ngroups && !seen; i++)
			seen = !strcmp(a->groups[i].backend, b) && !strcmp(a->groups[i].config, c);
		if (!seen)
			env_row(t, b, c, vcol(w->vt, k, VB_VC_REASON), 0);
	}
	env_finish(t, "cell");
}

static void check_failed(const struct wctx *w, struct wtable *t)
{
	const struct vb_analysis *a = w->a;

	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];

		if (!strcmp(g->verdict, "refused"))
			continue;
		for (size_t k = 0; k < g->nfailed; k++)
			env_row(t, g->backend, g->config, g->failed_errors[k], 1);
	}
	env_finish(t, "repetition");
}

static void check_verify_warn(const struct wctx *w, struct wtable *t)
{
	for (size_t k = 0; k < w->vt->nrows; k++)
		if (!strcmp(vcol(w->vt, k, VB_VC_VERDICT), "warn"))
			env_row(t, vcol(w->vt, k, VB_VC_BACKEND), vcol(w->vt, k, VB_VC_CONFIG),
				vcol(w->vt, k, VB_VC_REASON), 1);
	env_finish(t, "time");
}

static void check_thresholds(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->nthr; i++) {
		const struct vb_athreshold *th = &w->a->thr[i];
		struct wrow *r;

		if (th->valid && th->ncells)
			continue;
		r = row(t, 1);
		cellf(r, 0, "%s", th->text);
		if (!th->valid)
			cellf(r, 1, "invalid: %s", th->err);
		else
			cellf(r, 1, "matched no cell (no %s and %s results for %s in the "
			      "same config and parameters)", th->th.backend,
			      th->th.baseline, th->th.metric);
	}
}

static void check_oversubscribed(const struct wctx *w, struct wtable *t)
{
	const struct vb_analysis *a = w->a;
	struct vb_strv seen = VB_STRV_INIT;

	for (size_t i = 0; a->host_cpus > 0 && i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];
		struct wrow *r;

		if (g->cpus <= a->host_cpus || vb_strv_find(&seen, g->config) >= 0)
			continue;
		vb_strv_add(&seen, g->config);
		r = row(t, g->cpus);
		cellf(r, 0, "%s", g->config);
		cellf(r, 1, "%d requested, the host has %d", g->cpus, a->host_cpus);
	}
	vb_strv_free(&seen);
}

static void check_tcg(const struct wctx *w, struct wtable *t)
{
	const struct vb_analysis *a = w->a;

	/* Facts from runs.csv, or from verify.csv for cells without rows. */
	for (size_t i = 0; i < a->ngroups + w->vt->nrows; i++) {
		const char *backend, *config, *facts;
		int cpus;

		if (i < a->ngroups) {
			backend = a->groups[i].backend;
			config = a->groups[i].config;
			facts = a->groups[i].facts;
			cpus = a->groups[i].cpus;
		} else {
			size_t k = i - a->ngroups;

			backend = vcol(w->vt, k, VB_VC_BACKEND);
			config = vcol(w->vt, k, VB_VC_CONFIG);
			facts = vcol(w->vt, k, VB_VC_FACTS);
			cpus = atoi(vcol(w->vt, k, VB_VC_CPUS_REQUESTED));
		}
		if (cpus <= 1 || !vb_has_fact(facts, "accel=tcg") ||
		    !vb_has_fact(facts, "tcg_thread=single"))
			continue;
		if (!find_row(t, backend, config)) {
			struct wrow *r = row(t, cpus);

			cellf(r, 0, "%s", backend);
			cellf(r, 1, "%s", config);
			cellf(r, 2, "%d vCPUs on one host thread", cpus);
		}
	}
}

/* Per-cell rules go through the cells of each group. */
static void check_cache(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ncells; i++) {
		const struct vb_acell *c = &w->a->cells[i];
		struct wrow *r;

		if (strcmp(c->metric, "page_cache_dropped") || !c->n || c->st.mean >= 1)
			continue;
		r = row(t, 1 - c->st.mean);
		r->cell[0] = vb_cell_name(c->group);
		cellf(r, 1, "dropped before %.0f of %zu repetitions",
		      c->st.mean * (double)c->n, c->n);
	}
}

static const struct vb_acell *metric_of(const struct vb_analysis *a,
					const struct vb_agroup *g, const char *m)
{
	return vb_analysis_find(a, g->backend, g->config, g->workload, g->params, m);
}

static void check_clock(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ngroups; i++) {
		const struct vb_agroup *g = &w->a->groups[i];
		const struct vb_acell *h = metric_of(w->a, g, "host_time");
		const struct vb_acell *tt = metric_of(w->a, g, "total_time");
		double d;
		struct wrow *r;

		if (!h || !tt || !h->n || !tt->n || !(tt->st.mean > 0))
			continue;
		d = h->st.mean / tt->st.mean - 1;
		if (fabs(d) <= VB_TIME_DISAGREE ||
		    fabs(h->st.mean - tt->st.mean) <= VB_TIME_DISAGREE_ABS)
			continue;
		r = row(t, fabs(d));
		r->cell[0] = vb_cell_name(g);
		cellf(r, 1, "%.4g s", h->st.mean);
		cellf(r, 2, "%.4g s", tt->st.mean);
		cellf(r, 3, "%+.1f %%", d * 100);
	}
}

/* One row per cell: its charted metrics that break the rule, the worst
 * first deciding the row's place. */
static void check_noisy(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ngroups; i++) {
		const struct vb_agroup *g = &w->a->groups[i];
		struct vb_buf list = VB_BUF_INIT;
		double worst = 0;
		size_t n = 0;
		struct wrow *r;

		for (size_t k = 0; k < w->a->ncells; k++) {
			const struct vb_acell *c = &w->a->cells[k];

			/* Only the metrics a reader compares: a maximum latency is
			 * noisy by nature and would bury the real cases. */
			if (c->group != g || !vb_is_noisy(c) ||
			    !vb_analysis_primary(w->a, g->workload, c->metric))
				continue;
			vb_buf_addf(&list, "%s%s %.1f %%", list.len ? ", " : "", c->metric,
				    c->st.cv * 100);
			worst = c->st.cv > worst ? c->st.cv : worst;
			n = c->n;
		}
		if (!list.len)
			continue;
		r = row(t, worst);
		r->cell[0] = vb_cell_name(g);
		r->cell[1] = vb_buf_detach(&list);
		cellf(r, 2, "%zu", n);
	}
}

static void check_outliers(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ngroups; i++) {
		const struct vb_agroup *g = &w->a->groups[i];
		struct vb_buf list = VB_BUF_INIT;
		size_t count = 0;
		struct wrow *r;

		for (size_t k = 0; k < w->a->ncells; k++) {
			const struct vb_acell *c = &w->a->cells[k];
			bool first = true;

			if (c->group != g || !c->st.noutliers ||
			    !vb_analysis_primary(w->a, g->workload, c->metric))
				continue;
			vb_buf_addf(&list, "%s%s (rep", list.len ? ", " : "", c->metric);
			for (size_t j = 0; j < c->n; j++)
				if (c->outlier[j]) {
					vb_buf_addf(&list, "%s%d", first ? " " : ", ", c->reps[j]);
					first = false;
				}
			vb_buf_addc(&list, ')');
			count += c->st.noutliers;
		}
		if (!list.len)
			continue;
		r = row(t, (double)count);
		r->cell[0] = vb_cell_name(g);
		r->cell[1] = vb_buf_detach(&list);
	}
}

/* host_time includes starting the agent for each request: its spread at
 * short workloads is that start-up, not the workload. It is news only
 * when the workload's own metric is noisy too. */
static void check_host_time(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ngroups; i++) {
		const struct vb_agroup *g = &w->a->groups[i];
		const struct vb_acell *h = metric_of(w->a, g, "host_time"), *worst = NULL;
		struct wrow *r;

		if (!h || !vb_is_noisy(h))
			continue;
		for (size_t k = 0; k < w->a->ncells; k++) {
			const struct vb_acell *c = &w->a->cells[k];

			if (c->group == g && vb_is_noisy(c) &&
			    vb_analysis_primary(w->a, g->workload, c->metric) &&
			    (!worst || c->st.cv > worst->st.cv))
				worst = c;
		}
		if (!worst)
			continue;
		r = row(t, h->st.cv);
		r->cell[0] = vb_cell_name(g);
		cellf(r, 1, "%.1f %%", h->st.cv * 100);
		cellf(r, 2, "%s %.1f %%", worst->metric, worst->st.cv * 100);
	}
}

/* A comparison whose sides did not run in interleaved rounds, where the
 * journal says so (results from before the order was kept are not
 * judged): one row per cell. */
static void check_not_interleaved(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ncmp; i++) {
		const struct vb_acmp *m = &w->a->cmp[i];
		const struct vb_agroup *g = m->cell->group, *b = m->base->group;
		char *name, o1[64], o2[64];
		struct wrow *r;

		if (m->varies != VB_VARIES_BACKEND || m->interleaved ||
		    ((g->orders | b->orders) & VB_ORDERS_UNKNOWN))
			continue;
		name = vb_cell_name(g);
		if (find_row(t, name, b->backend)) {
			free(name);
			continue;
		}
		vb_orders_text(g->orders, o1, sizeof(o1));
		vb_orders_text(b->orders, o2, sizeof(o2));
		r = row(t, 1);
		r->cell[0] = name;
		r->cell[1] = vb_xstrdup(b->backend);
		cellf(r, 2, "%s / %s", o1, o2);
	}
}

/* Cells with repetitions the host disturbed (steal, other processes). */
static void check_disturbed(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; i < w->a->ngroups; i++) {
		const struct vb_agroup *g = &w->a->groups[i];
		struct wrow *r;

		if (!g->nflagged)
			continue;
		r = row(t, (double)g->nflagged / (double)g->nreps);
		r->cell[0] = vb_cell_name(g);
		cellf(r, 1, "%zu of %zu", g->nflagged, g->nreps);
		cellf(r, 2, "%s", g->nexcluded ? "excluded" : "kept");
	}
}

/* Adaptive cells that ran out of repetitions before the interval was
 * as tight as asked. */
static void check_max(const struct wctx *w, struct wtable *t)
{
	for (size_t i = 0; w->a->adaptive.on && i < w->a->ngroups; i++) {
		const struct vb_agroup *g = &w->a->groups[i];
		const char *m = vb_analysis_headline(w->a, g->workload);
		const struct vb_acell *c = m ? metric_of(w->a, g, m) : NULL;
		double p = c && c->st.mean != 0 ? c->st.ci_half / fabs(c->st.mean) : NAN;
		struct wrow *r;

		if (g->stop != VB_STOP_MAX && g->stop != VB_STOP_BUDGET)
			continue;
		r = row(t, isfinite(p) ? p : 0);
		r->cell[0] = vb_cell_name(g);
		cellf(r, 1, "%s", vb_stop_name(g->stop));
		if (isfinite(p))
			cellf(r, 2, "%s ± %.2f %%", m, 100 * p);
		else
			cellf(r, 2, "-");
	}
}

static void check_torn(const struct wctx *w, struct wtable *t)
{
	struct wrow *r;

	if (!w->a->journal_torn && !w->a->journal_ignored)
		return;
	r = row(t, 1);
	cellf(r, 0, "runs.csv");
	cellf(r, 1, "%s%zu rows of repetitions that were not recorded whole are not "
	      "counted; a rerun redoes those repetitions",
	      w->a->journal_torn ? "ends in a torn record (a crash or a full disk): " : "",
	      w->a->journal_ignored);
}

static const struct checker checkers[] = {
	{ "Torn journal: a run was cut off while recording",
	  { "file", "what" }, "runs.csv.torn", check_torn },
	{ "Refused environments: verification failed, so these cells have no results",
	  { "environment", "reason", "cells without results" }, "verify.csv", check_refused },
	{ "Failed repetitions: statistics use the repetitions that succeeded",
	  { "environment", "error", "failed" }, "summary.json", check_failed },
	{ "Verification warnings: the environment differs from the request, "
	  "results kept", { "environment", "reason", "opened" }, "verify.csv",
	  check_verify_warn },
	{ "Thresholds not evaluated", { "threshold", "problem" }, "summary.json",
	  check_thresholds },
	{ "Oversubscribed CPUs: more CPUs requested than the host has; VM vCPUs "
	  "share host CPUs, and no container or process can get more than the host "
	  "has", { "config", "CPUs" }, "verify.csv", check_oversubscribed },
	{ "TCG single-threaded with several vCPUs (accel=tcg, tcg_thread=single): "
	  "all vCPUs run on one host thread, so extra vCPUs add no CPU throughput; "
	  "use thread=multi or KVM", { "backend", "config", "vCPUs" }, "verify.csv",
	  check_tcg },
	{ "Page cache not dropped before some repetitions: file-IO numbers may come "
	  "from memory", { "cell", "page cache" }, "summary.csv", check_cache },
	{ "Host and guest time disagree by more than 5 % and 0.25 s: start-up costs "
	  "inside the measured request, or a drifting guest clock",
	  { "cell", "host_time", "total_time", "difference" }, "summary.csv",
	  check_clock },
	{ "Not interleaved: a comparison whose two sides ran at different times "
	  "(order sequential or shuffled), so host drift between them can pose as "
	  "a difference; order = \"interleaved\" measures them side by side",
	  { "cell", "baseline", "orders (cell / baseline)" }, "comparisons.csv",
	  check_not_interleaved },
	{ "Disturbed by the host: repetitions during which steal or other "
	  "processes on the environment's CPUs passed the limits (Host noise "
	  "lists them)", { "cell", "flagged", "in the statistics" }, "summary.json",
	  check_disturbed },
	{ "Not as tight as asked: the adaptive rule stopped these cells at their "
	  "maximum or budget before the interval reached the precision",
	  { "cell", "stopped", "headline metric ± 95 % CI" }, "summary.csv",
	  check_max },
	{ "Noisy cells: coefficient of variation above 5 % in a charted metric; "
	  "treat their means with care (more repetitions, a quieter host)",
	  { "cell", "CV", "n" }, "summary.csv", check_noisy },
	{ "Outliers in a charted metric (modified z-score above 3.5; flagged, not "
	  "dropped)", { "cell", "outliers" }, "summary.csv",
	  check_outliers },
	{ "Noisy host_time where the workload is noisy too (host_time also counts "
	  "starting the agent for each request; its spread alone is not reported)",
	  { "cell", "host_time CV", "noisiest metric" }, "summary.csv",
	  check_host_time },
};

static int cmp_rows(const void *x, const void *y)
{
	const struct wrow *a = x, *b = y;

	return (a->key < b->key) - (a->key > b->key);
}

static void print_table(FILE *f, const struct checker *k, struct wtable *t)
{
	size_t ncols = 0, shown;

	while (ncols < MAXCOLS && k->cols[ncols])
		ncols++;
	/* Stable: the same inputs give the same report. */
	for (size_t i = 1; i < t->n; i++)
		for (size_t j = i; j > 0 && cmp_rows(&t->rows[j - 1], &t->rows[j]) > 0; j--) {
			struct wrow tmp = t->rows[j];

			t->rows[j] = t->rows[j - 1];
			t->rows[j - 1] = tmp;
		}
	fprintf(f, "**%s**\n\n", k->title);
	for (size_t c = 0; c < ncols; c++)
		fprintf(f, "| %s ", k->cols[c]);
	fprintf(f, "|\n");
	for (size_t c = 0; c < ncols; c++)
		fprintf(f, "| --- ");
	fprintf(f, "|\n");
	shown = t->n < VB_WARN_ROWS ? t->n : VB_WARN_ROWS;
	for (size_t i = 0; i < shown; i++) {
		for (size_t c = 0; c < ncols; c++) {
			fprintf(f, "| ");
			vb_md(f, t->rows[i].cell[c] ? t->rows[i].cell[c] : "");
			fprintf(f, " ");
		}
		fprintf(f, "|\n");
	}
	if (t->n > shown)
		fprintf(f, "\nand %zu more in %s.\n", t->n - shown, k->more);
	fprintf(f, "\n");
}

void vb_section_warnings(FILE *f, const struct vb_analysis *a,
			 const struct vb_journal_data *vt)
{
	const struct wctx w = { a, vt };
	size_t kinds = 0;

	fprintf(f, "## Warnings\n\n");
	for (size_t k = 0; k < sizeof(checkers) / sizeof(checkers[0]); k++) {
		struct wtable t = { 0 };

		checkers[k].check(&w, &t);
		if (t.n) {
			print_table(f, &checkers[k], &t);
			kinds++;
		}
		for (size_t i = 0; i < t.n; i++)
			for (size_t c = 0; c < MAXCOLS; c++)
				free(t.rows[i].cell[c]);
		free(t.rows);
	}
	if (!kinds)
		fprintf(f, "None.\n\n");
}
