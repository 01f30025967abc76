/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Comparisons and thresholds on the model, and the files that hold them:
 * summary.csv, summary.json and comparisons.csv. Columns and meanings are
 * documented in docs/report.md and docs/results-format.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/model.h"
#include "lib/csv.h"

/* ------------------------------------------------------------------ */
/* Comparisons                                                          */
/* ------------------------------------------------------------------ */

static void add_cmp(struct vb_analysis *a, enum vb_varies varies,
		    const struct vb_acell *c, const struct vb_acell *b)
{
	struct vb_acmp *m;

	a->cmp = vb_xreallocarray(a->cmp, a->ncmp + 1, sizeof(*a->cmp));
	m = &a->cmp[a->ncmp++];
	memset(m, 0, sizeof(*m));
	m->varies = varies;
	m->cell = c;
	m->base = b;
	vb_stats_ratio(&c->st, &b->st, &m->r);
	vb_stats_welch(&c->st, &b->st, &m->w);
	m->interleaved = c->group->orders == 1u << VB_ORDER_INTERLEAVED &&
			 b->group->orders == 1u << VB_ORDER_INTERLEAVED;
}

/* ------------------------------------------------------------------ */
/* Host noise and the adaptive rule, per cell                           */
/* ------------------------------------------------------------------ */

void vb_group_noise(const struct vb_agroup *g, struct vb_group_noise *n)
{
	memset(n, 0, sizeof(*n));
	n->steal = n->foreign = n->guest_steal = NAN;
	for (size_t k = 0; k < g->nreps; k++) {
		const struct vb_noise *z = &g->reps[k].noise;
		double s = vb_noise_steal_share(z), f = vb_noise_foreign_share(z);
		double gs = z->sampled && z->window > 0 && z->ncpus > 0
				    ? z->guest_steal / z->window : NAN;

		if (!z->sampled)
			continue;
		n->sampled++;
		if (isfinite(s) && !(s <= n->steal))
			n->steal = s;
		if (isfinite(f) && !(f <= n->foreign))
			n->foreign = f;
		if (isfinite(gs) && !(gs <= n->guest_steal))
			n->guest_steal = gs;
	}
}

const char *vb_stop_text(const struct vb_analysis *a, const struct vb_agroup *g)
{
	if (!a->adaptive.on)
		return "";
	return g->stop != VB_STOP_NONE ? vb_stop_name(g->stop) : "not finished";
}

/* Every backend against the baseline, in the same config and parameters. */
static void compare_backends(struct vb_analysis *a)
{
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i], *b;
		const struct vb_agroup *g = c->group;

		if (!a->baseline || !strcmp(g->backend, a->baseline) ||
		    !strcmp(c->metric, "page_cache_dropped"))
			continue;
		b = vb_analysis_find(a, a->baseline, g->config, g->workload,
				     g->params, c->metric);
		if (b && b->n && c->n && vb_hosts_comparable(a, g, b->group))
			add_cmp(a, VB_VARIES_BACKEND, c, b);
	}
}

/*
 * The next smaller config along one resource: the same backend, workload,
 * parameters and metric, the same amount of the other resource, and the
 * most of this one below c's. Configs of equal size: the first listed.
 */
static const struct vb_acell *smaller(const struct vb_analysis *a,
				      const struct vb_acell *c, bool cpus)
{
	const struct vb_agroup *g = c->group;
	const struct vb_acell *best = NULL;

	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *o = &a->cells[i];
		const struct vb_agroup *h = o->group;
		int64_t mine = cpus ? g->cpus : g->memory;
		int64_t theirs = cpus ? h->cpus : h->memory;
		int64_t bt;

		if (!o->n || strcmp(o->metric, c->metric) ||
		    strcmp(h->backend, g->backend) || strcmp(h->workload, g->workload) ||
		    strcmp(h->params, g->params) || theirs <= 0 || theirs >= mine ||
		    (cpus ? h->memory != g->memory : h->cpus != g->cpus))
			continue;
		bt = best ? (cpus ? best->group->cpus : best->group->memory) : 0;
		if (!best || theirs > bt ||
		    (theirs == bt && h->order[3] < best->group->order[3]))
			best = o;
	}
	return best;
}

/* Whether more CPUs (or memory) changed anything: each config against the
 * next smaller one that differs in that resource alone. */
static void compare_resources(struct vb_analysis *a)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < a->ncells; i++) {
			const struct vb_acell *c = &a->cells[i], *b;

			if (!c->n || !strcmp(c->metric, "page_cache_dropped"))
				continue;
			b = smaller(a, c, pass == 0);
			/* Configs of a sharded run may have run on different
			 * nodes: compare them only on one host. */
			if (b && vb_hosts_comparable(a, c->group, b->group))
				add_cmp(a, pass == 0 ? VB_VARIES_CPUS : VB_VARIES_MEMORY,
					c, b);
		}
}

static void note_threshold(struct vb_acmp *m, const char *text, bool ok)
{
	char *s = vb_xasprintf("%s%s%s: %s", m->threshold ? m->threshold : "",
			       m->threshold ? "; " : "", ok ? "ok" : "violated",
			       text);

	free(m->threshold);
	m->threshold = s;
}

static void check_threshold(struct vb_analysis *a, struct vb_athreshold *t)
{
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i], *b;
		const struct vb_agroup *g = c->group;
		bool ok;

		if (strcmp(g->backend, t->th.backend) || strcmp(c->metric, t->th.metric))
			continue;
		b = vb_analysis_find(a, t->th.baseline, g->config, g->workload,
				     g->params, c->metric);
		if (!b || !b->n || !c->n || b->st.mean == 0 ||
		    !vb_hosts_comparable(a, g, b->group))
			continue;
		t->ncells++;
		ok = vb_threshold_holds(&t->th, c->st.mean / b->st.mean);
		t->nviolated += !ok;
		for (size_t j = 0; j < a->ncmp; j++)
			if (a->cmp[j].cell == c && a->cmp[j].base == b)
				note_threshold(&a->cmp[j], t->text, ok);
	}
	if (t->nviolated)
		a->violations++;
}

void vb_analysis_compare(struct vb_analysis *a)
{
	compare_backends(a);
	compare_resources(a);
	for (size_t k = 0; k < a->nthr; k++)
		if (a->thr[k].valid)
			check_threshold(a, &a->thr[k]);
}

const char *vb_varies_name(enum vb_varies v)
{
	return v == VB_VARIES_CPUS ? "cpus" : v == VB_VARIES_MEMORY ? "memory" :
	       "backend";
}

/* ------------------------------------------------------------------ */
/* Output files                                                         */
/* ------------------------------------------------------------------ */

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		return;
	if (isinf(v))
		fputs(v > 0 ? "inf" : "-inf", f);
	else
		fprintf(f, "%.10g", v);
}

/* Fields, each preceded by a comma but the first. */
static void csv_strs(FILE *f, bool first, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i || !first)
			fputc(',', f);
		vb_csv_field(f, s[i]);
	}
}

static void csv_nums(FILE *f, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(',', f);
		csv_num(f, v[i]);
	}
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int write_summary_csv(const struct vb_analysis *a, struct vb_diag *msgs)
{
	struct vb_out o;
	FILE *f = vb_out_begin(&o);

	fputs("experiment,backend,config,cpus,memory,workload,params,metric,unit,"
	      "n,mean,sd,min,median,max,ci95_low,ci95_high,ci95_half,cv_percent,"
	      "outliers,outlier_repetitions,failed,verdict,stop,order,"
	      "noisy_repetitions,excluded_repetitions,worst_steal_percent,"
	      "worst_foreign_cpu\n", f);
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];
		const struct vb_agroup *g = c->group;
		const double v[] = { c->st.mean, c->st.sd, c->st.min, c->st.median,
				     c->st.max, c->st.ci_low, c->st.ci_high,
				     c->st.ci_half, c->st.cv * 100 };
		struct vb_group_noise gn;
		char ord[64];
		bool first = true;

		csv_strs(f, true, (const char *[]){ a->name, g->backend, g->config }, 3);
		fprintf(f, ",%d,%lld", g->cpus, (long long)g->memory);
		csv_strs(f, false, (const char *[]){ g->workload, g->params, c->metric,
			 c->unit }, 4);
		fprintf(f, ",%zu", c->n);
		csv_nums(f, v, sizeof(v) / sizeof(v[0]));
		fprintf(f, ",%zu,", c->st.noutliers);
		for (size_t k = 0; k < c->n; k++) {
			if (!c->outlier[k])
				continue;
			fprintf(f, "%s%d", first ? "" : ";", c->reps[k]);
			first = false;
		}
		fprintf(f, ",%zu,", g->nfailed);
		vb_csv_field(f, g->verdict);
		vb_orders_text(g->orders, ord, sizeof(ord));
		vb_group_noise(g, &gn);
		csv_strs(f, false, (const char *[]){ vb_stop_text(a, g), ord }, 2);
		fprintf(f, ",%zu,%zu", g->nflagged, g->nexcluded);
		csv_nums(f, (const double[]){ gn.steal * 100, gn.foreign }, 2);
		fputc('\n', f);
	}
	return vb_out_end(&o, a->dir, "summary.csv", msgs);
}

static int write_comparisons_csv(const struct vb_analysis *a,
				 struct vb_diag *msgs)
{
	struct vb_out o;
	FILE *f = vb_out_begin(&o);

	/* baseline_config and varies were added after the rest: at the end,
	 * so readers by position keep working. */
	fputs("experiment,backend,baseline,config,workload,params,metric,unit,"
	      "n,n_baseline,mean,mean_baseline,ratio,ratio_ci95_low,"
	      "ratio_ci95_high,welch_t,welch_df,p_value,better,threshold,"
	      "baseline_config,varies,interleaved\n", f);
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group, *bg = m->base->group;
		const double v[] = { m->cell->st.mean, m->base->st.mean, m->r.ratio,
				     m->r.lo, m->r.hi, m->w.t, m->w.df, m->w.p };

		csv_strs(f, true, (const char *[]){ a->name, g->backend, bg->backend,
			 g->config, g->workload, g->params, m->cell->metric,
			 m->cell->unit }, 8);
		fprintf(f, ",%zu,%zu", m->cell->n, m->base->n);
		csv_nums(f, v, sizeof(v) / sizeof(v[0]));
		csv_strs(f, false, (const char *[]){ vb_better_text(m->cell->better),
			 m->threshold ? m->threshold : "", bg->config,
			 vb_varies_name(m->varies), m->interleaved ? "yes" : "no" }, 5);
		fputc('\n', f);
	}
	return vb_out_end(&o, a->dir, "comparisons.csv", msgs);
}

static json_t *noise_json(const struct vb_agroup *g)
{
	struct vb_group_noise gn;
	json_t *o = json_object(), *fl = json_array(), *ex = json_array();

	vb_group_noise(g, &gn);
	for (size_t k = 0; k < g->nreps; k++) {
		if (g->reps[k].flags)
			json_array_append_new(fl, json_pack(
				"{s:i, s:s, s:o, s:o}", "repetition", g->reps[k].rep,
				"flags", vb_noise_flags_name(g->reps[k].flags),
				"steal_share", jnum(vb_noise_steal_share(&g->reps[k].noise)),
				"foreign_cpu", jnum(vb_noise_foreign_share(&g->reps[k].noise))));
		if (g->reps[k].excluded)
			json_array_append_new(ex, json_integer(g->reps[k].rep));
	}
	json_object_set_new(o, "sampled", json_integer((json_int_t)gn.sampled));
	json_object_set_new(o, "worst_steal_share", jnum(gn.steal));
	json_object_set_new(o, "worst_foreign_cpu", jnum(gn.foreign));
	json_object_set_new(o, "worst_guest_steal_share", jnum(gn.guest_steal));
	json_object_set_new(o, "flagged", fl);
	json_object_set_new(o, "excluded", ex);
	return o;
}

static json_t *cell_json(const struct vb_analysis *a, const struct vb_acell *c)
{
	const struct vb_agroup *g = c->group;
	char ord[64];
	json_t *o = json_object(), *vals = json_array(), *reps = json_array(),
	       *outl = json_array();

	json_object_set_new(o, "backend", json_string(g->backend));
	json_object_set_new(o, "config", json_string(g->config));
	json_object_set_new(o, "cpus", json_integer(g->cpus));
	json_object_set_new(o, "memory", json_integer(g->memory));
	json_object_set_new(o, "workload", json_string(g->workload));
	json_object_set_new(o, "params", json_string(g->params));
	json_object_set_new(o, "metric", json_string(c->metric));
	json_object_set_new(o, "unit", json_string(c->unit));
	json_object_set_new(o, "better", json_string(vb_better_text(c->better)));
	json_object_set_new(o, "n", json_integer((json_int_t)c->n));
	json_object_set_new(o, "mean", jnum(c->st.mean));
	json_object_set_new(o, "sd", jnum(c->st.sd));
	json_object_set_new(o, "min", jnum(c->st.min));
	json_object_set_new(o, "median", jnum(c->st.median));
	json_object_set_new(o, "max", jnum(c->st.max));
	json_object_set_new(o, "ci95_low", jnum(c->st.ci_low));
	json_object_set_new(o, "ci95_high", jnum(c->st.ci_high));
	json_object_set_new(o, "ci95_half", jnum(c->st.ci_half));
	json_object_set_new(o, "cv_percent", jnum(c->st.cv * 100));
	for (size_t k = 0; k < c->n; k++) {
		json_array_append_new(vals, json_real(c->values[k]));
		json_array_append_new(reps, json_integer(c->reps[k]));
		if (c->outlier[k])
			json_array_append_new(outl, json_integer(c->reps[k]));
	}
	json_object_set_new(o, "outliers", json_integer((json_int_t)c->st.noutliers));
	json_object_set_new(o, "outlier_repetitions", outl);
	json_object_set_new(o, "repetitions", reps);
	json_object_set_new(o, "values", vals);
	json_object_set_new(o, "failed", json_integer((json_int_t)g->nfailed));
	json_object_set_new(o, "verdict", json_string(g->verdict));
	vb_orders_text(g->orders, ord, sizeof(ord));
	json_object_set_new(o, "order", json_string(ord));
	json_object_set_new(o, "stop", a->adaptive.on ? json_string(vb_stop_text(a, g))
						    : json_null());
	json_object_set_new(o, "noise", noise_json(g));
	return o;
}

static json_t *cmp_json(const struct vb_acmp *m)
{
	const struct vb_agroup *g = m->cell->group, *bg = m->base->group;
	json_t *o = json_object();

	json_object_set_new(o, "backend", json_string(g->backend));
	json_object_set_new(o, "baseline", json_string(bg->backend));
	json_object_set_new(o, "config", json_string(g->config));
	json_object_set_new(o, "workload", json_string(g->workload));
	json_object_set_new(o, "params", json_string(g->params));
	json_object_set_new(o, "metric", json_string(m->cell->metric));
	json_object_set_new(o, "unit", json_string(m->cell->unit));
	json_object_set_new(o, "n", json_integer((json_int_t)m->cell->n));
	json_object_set_new(o, "n_baseline", json_integer((json_int_t)m->base->n));
	json_object_set_new(o, "ratio", jnum(m->r.ratio));
	json_object_set_new(o, "ratio_ci95_low", jnum(m->r.lo));
	json_object_set_new(o, "ratio_ci95_high", jnum(m->r.hi));
	json_object_set_new(o, "welch_t", jnum(m->w.t));
	json_object_set_new(o, "welch_df", jnum(m->w.df));
	json_object_set_new(o, "p_value", jnum(m->w.p));
	json_object_set_new(o, "threshold", m->threshold ? json_string(m->threshold) : json_null());
	json_object_set_new(o, "baseline_config", json_string(bg->config));
	json_object_set_new(o, "varies", json_string(vb_varies_name(m->varies)));
	json_object_set_new(o, "interleaved", json_boolean(m->interleaved));
	return o;
}

static json_t *threshold_json(const struct vb_athreshold *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "expression", json_string(t->text));
	json_object_set_new(o, "valid", json_boolean(t->valid));
	if (!t->valid)
		json_object_set_new(o, "error", json_string(t->err));
	json_object_set_new(o, "cells", json_integer((json_int_t)t->ncells));
	json_object_set_new(o, "violations", json_integer((json_int_t)t->nviolated));
	json_object_set_new(o, "violated", json_boolean(t->nviolated > 0));
	return o;
}

static void failed_json(const struct vb_agroup *g, json_t *failed)
{
	for (size_t k = 0; k < g->nfailed; k++) {
		json_t *o = json_object();

		json_object_set_new(o, "backend", json_string(g->backend));
		json_object_set_new(o, "config", json_string(g->config));
		json_object_set_new(o, "workload", json_string(g->workload));
		json_object_set_new(o, "params", json_string(g->params));
		json_object_set_new(o, "repetition", json_integer(g->failed_reps[k]));
		json_object_set_new(o, "verdict", json_string(g->verdict));
		json_object_set_new(o, "error", json_string(g->failed_errors[k]));
		json_array_append_new(failed, o);
	}
}

static int write_summary_json(const struct vb_analysis *a, struct vb_diag *msgs)
{
	json_t *root = json_object(), *cells = json_array(), *cmps = json_array(),
	       *ths = json_array(), *failed = json_array();
	struct vb_out o;
	FILE *f;

	json_object_set_new(root, "experiment", json_string(a->name));
	json_object_set_new(root, "baseline", a->baseline ? json_string(a->baseline) : json_null());
	json_object_set_new(root, "noise_rule", json_pack(
		"{s:s, s:f, s:f}", "action",
		a->noise.action == VB_NOISE_EXCLUDE ? "exclude" : "flag",
		"steal", a->noise.steal, "foreign", a->noise.foreign));
	json_object_set_new(root, "repetitions_rule", !a->adaptive.on ? json_null() :
		json_pack("{s:i, s:i, s:f, s:f}", "min", a->adaptive.min, "max",
			  a->adaptive.max, "precision", a->adaptive.precision,
			  "budget", a->adaptive.budget));
	for (size_t i = 0; i < a->ncells; i++)
		json_array_append_new(cells, cell_json(a, &a->cells[i]));
	for (size_t i = 0; i < a->ncmp; i++)
		json_array_append_new(cmps, cmp_json(&a->cmp[i]));
	for (size_t i = 0; i < a->nthr; i++)
		json_array_append_new(ths, threshold_json(&a->thr[i]));
	for (size_t i = 0; i < a->ngroups; i++)
		failed_json(&a->groups[i], failed);
	json_object_set_new(root, "cells", cells);
	json_object_set_new(root, "comparisons", cmps);
	json_object_set_new(root, "thresholds", ths);
	json_object_set_new(root, "violations", json_integer(a->violations));
	json_object_set_new(root, "failed", failed);

	f = vb_out_begin(&o);
	json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	fputc('\n', f);
	json_decref(root);
	return vb_out_end(&o, a->dir, "summary.json", msgs);
}

int vb_analyze(const char *dir, int *violations, struct vb_diag *msgs)
{
	struct vb_analysis *a;
	char *env;
	int rc;

	*violations = 0;
	rc = vb_analysis_load(dir, &a, msgs);
	if (rc < 0)
		return rc;
	env = vb_path_join(dir, "environment.json");
	for (size_t i = 0; i < a->nthr; i++)
		if (!a->thr[i].valid)
			vb_diag_add(msgs, env, 0, "threshold \"%s\": %s", a->thr[i].text,
				    a->thr[i].err);
	free(env);
	rc = write_summary_csv(a, msgs);
	if (rc == 0)
		rc = write_summary_json(a, msgs);
	if (rc == 0)
		rc = write_comparisons_csv(a, msgs);
	*violations = a->violations;
	vb_analysis_free(a);
	return rc;
}
