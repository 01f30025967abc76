/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * virtbench compare: two (or more) results directories side by side. The
 * first is the reference, A; each other one (B, C, ...) is compared with
 * it cell by cell: the cells both hold (same backend label, config name
 * and resources, workload label and parameters), each metric's ratio of
 * means (other / A) with its 95 % Fieller interval and the Welch p of a
 * difference, the cells only one of them holds, and what differs between
 * the two hosts and environments. Thresholds turn a ratio into a verdict
 * for CI. Written to OUTDIR: compare.md, compare.csv, compare.json and
 * plots/ (one chart per workload and metric, drawn by the overhead charts
 * of analysis/plot.c from a model of the ratios). docs/report.md,
 * "compare", documents the files.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/model.h"
#include "analysis/report.h"
#include "lib/csv.h"

struct side {
	char label[8];           /* "A", "B", ... */
	const char *dir;
	struct vb_analysis *a;
};

/* One (cell, metric) two directories share. */
struct shared {
	const struct vb_acell *a, *b;
	struct vb_ratio r;
	struct vb_welch w;
	char *verdict;           /* "violated: T; ok: U" or NULL */
	bool violated;
};

struct pair {
	const struct side *a, *b;
	struct shared *s;
	size_t ns, cap;
	const struct vb_agroup **only_a, **only_b;
	size_t na, nb;
	struct vb_strv what, va, vb;   /* differences: what, in A, in B */
};

struct cmp {
	const struct vb_compare_opts *o;
	struct vb_diag *msgs;
	struct side *sides;
	size_t nsides;
	struct pair *pairs;      /* sides[k] against sides[0], k >= 1 */
	struct vb_threshold *th;
	char **th_text;
	size_t nth;
	struct vb_compare_result *res;
};

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* ------------------------------------------------------------------ */
/* Matching cells                                                       */
/* ------------------------------------------------------------------ */

static bool same_group(const struct vb_agroup *x, const struct vb_agroup *y)
{
	return !strcmp(x->backend, y->backend) && !strcmp(x->config, y->config) &&
	       !strcmp(x->workload, y->workload) && !strcmp(x->params, y->params) &&
	       x->cpus == y->cpus && x->memory == y->memory;
}

static const struct vb_agroup *find_group(const struct vb_analysis *a,
					  const struct vb_agroup *g)
{
	for (size_t i = 0; i < a->ngroups; i++)
		if (same_group(&a->groups[i], g))
			return &a->groups[i];
	return NULL;
}

static const struct vb_acell *find_cell(const struct vb_analysis *a,
					const struct vb_agroup *g,
					const char *metric)
{
	for (size_t i = 0; i < a->ncells; i++)
		if (!strcmp(a->cells[i].metric, metric) &&
		    same_group(a->cells[i].group, g))
			return &a->cells[i];
	return NULL;
}

/* Shared cells as the report shows results: by workload and metric,
 * then parameters, backend and config. */
static int cmp_shared(const void *x, const void *y)
{
	return vb_acell_display_cmp(((const struct shared *)x)->a,
				    ((const struct shared *)y)->a);
}

static void match(struct pair *p)
{
	const struct vb_analysis *A = p->a->a, *B = p->b->a;

	for (size_t i = 0; i < A->ncells; i++) {
		const struct vb_acell *ca = &A->cells[i];
		const struct vb_acell *cb = find_cell(B, ca->group, ca->metric);
		struct shared *s;

		if (!cb || !ca->n || !cb->n ||
		    !strcmp(ca->metric, "page_cache_dropped"))
			continue;
		VB_GROW(p->s, p->ns + 1, p->cap);
		s = &p->s[p->ns++];
		memset(s, 0, sizeof(*s));
		s->a = ca;
		s->b = cb;
		vb_stats_ratio(&cb->st, &ca->st, &s->r);
		vb_stats_welch(&cb->st, &ca->st, &s->w);
	}
	if (p->ns > 1)
		qsort(p->s, p->ns, sizeof(*p->s), cmp_shared);
	p->only_a = vb_xcalloc(A->ngroups + 1, sizeof(*p->only_a));
	p->only_b = vb_xcalloc(B->ngroups + 1, sizeof(*p->only_b));
	for (size_t i = 0; i < A->ngroups; i++)
		if (!find_group(B, &A->groups[i]))
			p->only_a[p->na++] = &A->groups[i];
	for (size_t i = 0; i < B->ngroups; i++)
		if (!find_group(A, &B->groups[i]))
			p->only_b[p->nb++] = &B->groups[i];
}

/* ------------------------------------------------------------------ */
/* What differs                                                         */
/* ------------------------------------------------------------------ */

static void differ(struct pair *p, const char *what, const char *x,
		   const char *y)
{
	if (!strcmp(x ? x : "", y ? y : ""))
		return;
	vb_strv_add(&p->what, what);
	vb_strv_add(&p->va, x && *x ? x : "-");
	vb_strv_add(&p->vb, y && *y ? y : "-");
}

/* A JSON value as text, "" for none. */
static char *jtext(json_t *v)
{
	char *t;

	if (!v)
		return vb_xstrdup("");
	if (json_is_string(v))
		return vb_xstrdup(json_string_value(v));
	t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	return t ? t : vb_xstrdup("?");
}

static void differ_json(struct pair *p, const char *what, json_t *x, json_t *y)
{
	char *a = jtext(x), *b = jtext(y);

	differ(p, what, a, b);
	free(a);
	free(b);
}

/* The member of array arr whose `name` is name. */
static json_t *named(json_t *arr, const char *name)
{
	size_t i;
	json_t *it;

	json_array_foreach(arr, i, it)
		if (!strcmp(jstr(it, "name"), name))
			return it;
	return NULL;
}

/* Every key of object x or y whose values differ, as "PREFIX KEY". */
static void differ_objects(struct pair *p, const char *prefix, json_t *x,
			   json_t *y)
{
	const char *k;
	json_t *v;

	json_object_foreach(x, k, v) {
		char *w = vb_xasprintf("%s %s", prefix, k);

		differ_json(p, w, v, json_object_get(y, k));
		free(w);
	}
	json_object_foreach(y, k, v) {
		char *w;

		if (json_object_get(x, k))
			continue;
		w = vb_xasprintf("%s %s", prefix, k);
		differ_json(p, w, NULL, v);
		free(w);
	}
}

/* Entries of experiment.LIST (backends, workloads, configs) by name. */
static void differ_entries(struct pair *p, const char *list, const char *kind)
{
	json_t *x = json_object_get(json_object_get(p->a->a->env, "experiment"), list);
	json_t *y = json_object_get(json_object_get(p->b->a->env, "experiment"), list);
	size_t i;
	json_t *it;

	json_array_foreach(x, i, it) {
		json_t *o = named(y, jstr(it, "name"));
		char *w = vb_xasprintf("%s %s", kind, jstr(it, "name"));

		if (!o) {
			differ(p, w, "in the experiment", "not in it");
		} else if (!strcmp(list, "configs")) {
			differ_objects(p, w, it, o);
		} else {
			char *pw = vb_xasprintf("%s: plugin", w);

			differ(p, pw, jstr(it, "plugin"), jstr(o, "plugin"));
			free(pw);
			pw = vb_xasprintf("%s: option", w);
			differ_objects(p, pw, json_object_get(it, "options"),
				       json_object_get(o, "options"));
			free(pw);
		}
		free(w);
	}
	json_array_foreach(y, i, it)
		if (!named(x, jstr(it, "name"))) {
			char *w = vb_xasprintf("%s %s", kind, jstr(it, "name"));

			differ(p, w, "not in it", "in the experiment");
			free(w);
		}
}

/* Facts a backend records that name the run, not the environment. */
static bool volatile_fact(const char *k, size_t n)
{
	static const char *const v[] = { "container", "cgroup", "boot_seconds",
					 NULL };

	for (const char *const *p = v; *p; p++)
		if (strlen(*p) == n && !strncmp(*p, k, n))
			return true;
	return false;
}

static const char *fact_of(const char *facts, const char *key, size_t klen,
			   size_t *vlen)
{
	for (const char *p = facts; p && *p;) {
		size_t n = strcspn(p, ";");
		const char *eq = memchr(p, '=', n);

		if (eq && (size_t)(eq - p) == klen && !strncmp(p, key, klen)) {
			*vlen = n - klen - 1;
			return eq + 1;
		}
		p += n + (p[n] == ';');
	}
	return NULL;
}

/* The environment facts of each backend (engine version, accelerator,
 * image...) as its first cell recorded them. */
static void differ_facts(struct pair *p)
{
	const struct vb_analysis *A = p->a->a, *B = p->b->a;
	struct vb_strv seen = VB_STRV_INIT;

	for (size_t i = 0; i < A->ngroups; i++) {
		const struct vb_agroup *g = &A->groups[i], *h = NULL;

		if (vb_strv_find(&seen, g->backend) >= 0)
			continue;
		for (size_t j = 0; j < B->ngroups && !h; j++)
			if (!strcmp(B->groups[j].backend, g->backend))
				h = &B->groups[j];
		if (!h)
			continue;
		vb_strv_add(&seen, g->backend);
		for (const char *q = g->facts; *q;) {
			size_t n = strcspn(q, ";"), kl, vl = 0;
			const char *eq = memchr(q, '=', n), *other;

			kl = eq ? (size_t)(eq - q) : n;
			if (eq && !volatile_fact(q, kl)) {
				char *w = vb_xasprintf("%s fact %.*s", g->backend, (int)kl, q);
				char *x = vb_xstrndup(eq + 1, n - kl - 1);
				char *y;

				other = fact_of(h->facts, q, kl, &vl);
				y = other ? vb_xstrndup(other, vl) : vb_xstrdup("");
				differ(p, w, x, y);
				free(w);
				free(x);
				free(y);
			}
			q += n + (q[n] == ';');
		}
	}
	vb_strv_free(&seen);
}

static void differences(struct pair *p)
{
	static const char *const host[] = { "hostname", "kernel", "os", "machine",
					    "cpu_model", "cpus", "memory", NULL };
	json_t *ea = p->a->a->env, *eb = p->b->a->env;
	json_t *xa = json_object_get(ea, "experiment"), *xb = json_object_get(eb, "experiment");
	static const char *const exp[] = { "name", "seed", "repetitions", "warmup",
					   "order", "noise", "baseline", NULL };
	size_t i;
	json_t *it;

	for (const char *const *k = host; *k; k++) {
		char *w = vb_xasprintf("host %s", *k);

		differ_json(p, w, json_object_get(json_object_get(ea, "host"), *k),
			    json_object_get(json_object_get(eb, "host"), *k));
		free(w);
	}
	differ(p, "virtbench", jstr(ea, "virtbench"), jstr(eb, "virtbench"));
	differ(p, "plugin ABI", jstr(ea, "abi"), jstr(eb, "abi"));
	json_array_foreach(json_object_get(ea, "plugins"), i, it) {
		json_t *o = named(json_object_get(eb, "plugins"), jstr(it, "name"));
		char *w = vb_xasprintf("plugin %s", jstr(it, "name"));

		differ(p, w, jstr(it, "version"), o ? jstr(o, "version") : "");
		free(w);
	}
	json_array_foreach(json_object_get(eb, "plugins"), i, it)
		if (!named(json_object_get(ea, "plugins"), jstr(it, "name"))) {
			char *w = vb_xasprintf("plugin %s", jstr(it, "name"));

			differ(p, w, "", jstr(it, "version"));
			free(w);
		}
	for (const char *const *k = exp; *k; k++) {
		char *w = vb_xasprintf("experiment %s", *k);

		differ_json(p, w, json_object_get(xa, *k), json_object_get(xb, *k));
		free(w);
	}
	differ(p, "configuration hash", jstr(ea, "config_hash"), jstr(eb, "config_hash"));
	differ_entries(p, "backends", "backend");
	differ_entries(p, "configs", "config");
	differ_entries(p, "workloads", "workload");
	differ_facts(p);
}

/* ------------------------------------------------------------------ */
/* Thresholds                                                           */
/* ------------------------------------------------------------------ */

static void fmt_ratio(const struct vb_ratio *r, char *buf, size_t n);

static int parse_thresholds(struct cmp *c)
{
	c->th = vb_xcalloc(c->o->nthresholds + 1, sizeof(*c->th));
	c->th_text = vb_xcalloc(c->o->nthresholds + 1, sizeof(*c->th_text));
	for (size_t i = 0; i < c->o->nthresholds; i++) {
		/* The one parser, with the pair it wants made up: a compare
		 * threshold is about the directories, not two backends. */
		char *t = vb_xasprintf("b/a %s", c->o->thresholds[i]), err[300];
		int rc = vb_threshold_parse(t, &c->th[i], err, sizeof(err));

		free(t);
		if (rc < 0) {
			vb_diag_add(c->msgs, NULL, 0,
				    "--threshold \"%s\": %s", c->o->thresholds[i],
				    strstr(err, "BACKEND/BASELINE")
					    ? "expected \"METRIC OP LIMIT\" with OP one of "
					      "<=, <, >=, >, e.g. \"events_per_second >= 0.97\""
					    : err);
			return -EINVAL;
		}
		c->th_text[i] = vb_xstrdup(c->o->thresholds[i]);
		c->nth++;
	}
	return 0;
}

static void note(struct shared *s, const char *text, bool ok)
{
	char *v = vb_xasprintf("%s%s%s: %s", s->verdict ? s->verdict : "",
			       s->verdict ? "; " : "", ok ? "ok" : "violated", text);

	free(s->verdict);
	s->verdict = v;
	s->violated |= !ok;
}

static int check_thresholds(struct cmp *c)
{
	for (size_t t = 0; t < c->nth; t++) {
		size_t seen = 0;

		for (size_t k = 1; k < c->nsides; k++) {
			struct pair *p = &c->pairs[k];

			for (size_t i = 0; i < p->ns; i++) {
				struct shared *s = &p->s[i];
				bool ok;

				if (strcmp(s->a->metric, c->th[t].metric))
					continue;
				seen++;
				if (!isfinite(s->r.ratio))
					continue;
				ok = vb_threshold_holds(&c->th[t], s->r.ratio);
				note(s, c->th_text[t], ok);
				c->res->checked++;
				c->res->violations += !ok;
				if (!ok) {
					char *name = vb_cell_name(s->a->group), r[96];

					fmt_ratio(&s->r, r, sizeof(r));
					vb_strv_take(&c->res->violated, vb_xasprintf(
						"%s: %s: %s ratio %s to %s violates %s",
						p->b->label, name, s->a->metric, r,
						p->a->label, c->th_text[t]));
					free(name);
				}
			}
		}
		if (!seen) {
			vb_diag_add(c->msgs, NULL, 0,
				    "--threshold \"%s\": no cell the directories share has "
				    "metric '%s'", c->th_text[t], c->th[t].metric);
			return -EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The files                                                            */
/* ------------------------------------------------------------------ */

static void csv_num(FILE *f, double v)
{
	fputc(',', f);
	if (isinf(v))
		fputs(v > 0 ? "inf" : "-inf", f);
	else if (!isnan(v))
		fprintf(f, "%.10g", v);
}

static int write_csv(const struct cmp *c)
{
	struct vb_out o;
	FILE *f = vb_out_begin(&o);

	fputs("first,other,backend,config,cpus,memory,workload,params,metric,unit,"
	      "better,n_first,n_other,mean_first,mean_other,ratio,ratio_ci95_low,"
	      "ratio_ci95_high,welch_t,welch_df,p_value,threshold\n", f);
	for (size_t k = 1; k < c->nsides; k++) {
		const struct pair *p = &c->pairs[k];

		for (size_t i = 0; i < p->ns; i++) {
			const struct shared *s = &p->s[i];
			const struct vb_agroup *g = s->a->group;
			const char *f1[] = { p->a->label, p->b->label, g->backend,
					     g->config };
			const char *f2[] = { g->workload, g->params, s->a->metric,
					     s->a->unit, vb_better_text(s->a->better) };

			for (size_t j = 0; j < 4; j++) {
				if (j)
					fputc(',', f);
				vb_csv_field(f, f1[j]);
			}
			fprintf(f, ",%d,%lld", g->cpus, (long long)g->memory);
			for (size_t j = 0; j < 5; j++) {
				fputc(',', f);
				vb_csv_field(f, f2[j]);
			}
			fprintf(f, ",%zu,%zu", s->a->n, s->b->n);
			csv_num(f, s->a->st.mean);
			csv_num(f, s->b->st.mean);
			csv_num(f, s->r.ratio);
			csv_num(f, s->r.lo);
			csv_num(f, s->r.hi);
			csv_num(f, s->w.t);
			csv_num(f, s->w.df);
			csv_num(f, s->w.p);
			fputc(',', f);
			vb_csv_field(f, s->verdict ? s->verdict : "");
			fputc('\n', f);
		}
	}
	return vb_out_end(&o, c->o->outdir, "compare.csv", c->msgs);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *group_json(const struct vb_agroup *g)
{
	return json_pack("{s:s, s:s, s:i, s:I, s:s, s:s}", "backend", g->backend,
			 "config", g->config, "cpus", g->cpus, "memory",
			 (json_int_t)g->memory, "workload", g->workload, "params",
			 g->params);
}

static json_t *pair_json(const struct pair *p)
{
	json_t *o = json_object(), *sh = json_array(), *oa = json_array(),
	       *ob = json_array(), *d = json_array();

	for (size_t i = 0; i < p->ns; i++) {
		const struct shared *s = &p->s[i];
		json_t *e = group_json(s->a->group);

		json_object_set_new(e, "metric", json_string(s->a->metric));
		json_object_set_new(e, "unit", json_string(s->a->unit));
		json_object_set_new(e, "better", json_string(vb_better_text(s->a->better)));
		json_object_set_new(e, "n_first", json_integer((json_int_t)s->a->n));
		json_object_set_new(e, "n_other", json_integer((json_int_t)s->b->n));
		json_object_set_new(e, "mean_first", jnum(s->a->st.mean));
		json_object_set_new(e, "mean_other", jnum(s->b->st.mean));
		json_object_set_new(e, "ratio", jnum(s->r.ratio));
		json_object_set_new(e, "ratio_ci95_low", jnum(s->r.lo));
		json_object_set_new(e, "ratio_ci95_high", jnum(s->r.hi));
		json_object_set_new(e, "welch_t", jnum(s->w.t));
		json_object_set_new(e, "welch_df", jnum(s->w.df));
		json_object_set_new(e, "p_value", jnum(s->w.p));
		json_object_set_new(e, "threshold", s->verdict ? json_string(s->verdict)
							       : json_null());
		json_object_set_new(e, "violated", json_boolean(s->violated));
		json_array_append_new(sh, e);
	}
	for (size_t i = 0; i < p->na; i++)
		json_array_append_new(oa, group_json(p->only_a[i]));
	for (size_t i = 0; i < p->nb; i++)
		json_array_append_new(ob, group_json(p->only_b[i]));
	for (size_t i = 0; i < p->what.n; i++)
		json_array_append_new(d, json_pack("{s:s, s:s, s:s}", "what",
						   p->what.v[i], "first", p->va.v[i],
						   "other", p->vb.v[i]));
	json_object_set_new(o, "first", json_string(p->a->label));
	json_object_set_new(o, "other", json_string(p->b->label));
	json_object_set_new(o, "shared", sh);
	json_object_set_new(o, "only_first", oa);
	json_object_set_new(o, "only_other", ob);
	json_object_set_new(o, "differences", d);
	return o;
}

static int write_json(const struct cmp *c)
{
	json_t *root = json_object(), *dirs = json_array(), *pairs = json_array(),
	       *th = json_array();
	struct vb_out o;
	FILE *f;

	for (size_t k = 0; k < c->nsides; k++) {
		const struct side *s = &c->sides[k];

		json_array_append_new(dirs, json_pack(
			"{s:s, s:s, s:s, s:s, s:s}", "label", s->label, "path", s->dir,
			"experiment", s->a->name, "config_hash",
			jstr(s->a->env, "config_hash"), "started",
			jstr(s->a->env, "started")));
	}
	for (size_t k = 1; k < c->nsides; k++)
		json_array_append_new(pairs, pair_json(&c->pairs[k]));
	for (size_t t = 0; t < c->nth; t++)
		json_array_append_new(th, json_string(c->th_text[t]));
	json_object_set_new(root, "directories", dirs);
	json_object_set_new(root, "pairs", pairs);
	json_object_set_new(root, "thresholds", th);
	json_object_set_new(root, "checked", json_integer((json_int_t)c->res->checked));
	json_object_set_new(root, "violations",
			    json_integer((json_int_t)c->res->violations));
	f = vb_out_begin(&o);
	json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	fputc('\n', f);
	json_decref(root);
	return vb_out_end(&o, c->o->outdir, "compare.json", c->msgs);
}

/* ------------------------------------------------------------------ */
/* compare.md                                                           */
/* ------------------------------------------------------------------ */

static void fmt_mean(const struct vb_stats *st, char *buf, size_t n)
{
	if (isnan(st->mean))
		snprintf(buf, n, "-");
	else if (isnan(st->ci_half))
		snprintf(buf, n, "%.6g", st->mean);
	else
		snprintf(buf, n, "%.6g ± %.3g", st->mean, st->ci_half);
}

static void fmt_ratio(const struct vb_ratio *r, char *buf, size_t n)
{
	char lo[32], hi[32];

	snprintf(lo, sizeof(lo), isnan(r->lo) ? "-" : isinf(r->lo) ? "−∞" : "%.3f",
		 r->lo);
	snprintf(hi, sizeof(hi), isnan(r->hi) ? "-" : isinf(r->hi) ? "∞" : "%.3f",
		 r->hi);
	snprintf(buf, n, "%.3f [%s, %s]", r->ratio, lo, hi);
}

static void fmt_p(double p, char *buf, size_t n)
{
	if (isnan(p))
		snprintf(buf, n, "-");
	else if (p < 0.0001)
		snprintf(buf, n, "< 0.0001");
	else
		snprintf(buf, n, "%.2g", p);
}

static void md_side(FILE *f, const struct side *s)
{
	fprintf(f, "- **%s** = `", s->label);
	vb_md_code(f, s->dir);
	fprintf(f, "`: experiment `");
	vb_md_code(f, *s->a->name ? s->a->name : "?");
	fprintf(f, "`, started %s on ", *jstr(s->a->env, "started")
					       ? jstr(s->a->env, "started") : "?");
	vb_md(f, *jstr(json_object_get(s->a->env, "host"), "hostname")
			 ? jstr(json_object_get(s->a->env, "host"), "hostname") : "?");
	fprintf(f, "\n");
}

static void md_groups(FILE *f, const char *title,
		      const struct vb_agroup *const *g, size_t n)
{
	fprintf(f, "### %s\n\n", title);
	if (!n) {
		fprintf(f, "None.\n\n");
		return;
	}
	fprintf(f, "| backend | config | workload | parameters |\n"
		"| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++) {
		char pd[256];

		vb_params_display(g[i]->params, pd, sizeof(pd));
		vb_md_cells(f, (const char *[]){ g[i]->backend, g[i]->config,
			    g[i]->workload, pd }, 4);
		fprintf(f, " |\n");
	}
	fprintf(f, "\n");
}

static void md_differences(FILE *f, const struct pair *p)
{
	fprintf(f, "### What differs between %s and %s\n\n", p->a->label, p->b->label);
	if (strcmp(p->a->a->name, p->b->a->name) ||
	    strcmp(jstr(p->a->a->env, "config_hash"), jstr(p->b->a->env, "config_hash")))
		fprintf(f, "They are runs of different experiments (or of one "
			"experiment with other options): only the cells both hold "
			"are compared, and the differences below may explain a "
			"ratio as much as the hosts do.\n\n");
	if (!p->what.n) {
		fprintf(f, "Nothing recorded differs: hosts, versions, options and "
			"environment facts are the same.\n\n");
		return;
	}
	fprintf(f, "| what | %s | %s |\n| --- | --- | --- |\n", p->a->label,
		p->b->label);
	for (size_t i = 0; i < p->what.n; i++) {
		vb_md_cells(f, (const char *[]){ p->what.v[i], p->va.v[i],
			    p->vb.v[i] }, 3);
		fprintf(f, " |\n");
	}
	fprintf(f, "\n");
}

static void md_ratios(FILE *f, const struct pair *p, const struct vb_analysis *A)
{
	const char *wl = NULL, *metric = NULL;
	size_t shown = 0;

	fprintf(f, "### %s relative to %s\n\n", p->b->label, p->a->label);
	fprintf(f, "Ratio of means (%s / %s) of each cell both hold, with its 95 %% "
		"Fieller interval, and the two-sided Welch p for a difference of "
		"means. The charted metrics are shown; all are in compare.csv.\n\n",
		p->b->label, p->a->label);
	for (size_t i = 0; i < p->ns; i++) {
		const struct shared *s = &p->s[i];
		const struct vb_agroup *g = s->a->group;
		char pd[256], ma[64], mb[64], r[96], pv[32];

		if (!vb_analysis_primary(A, g->workload, s->a->metric))
			continue;
		if (!wl || strcmp(wl, g->workload) || strcmp(metric, s->a->metric)) {
			wl = g->workload;
			metric = s->a->metric;
			fprintf(f, "%s#### ", shown ? "\n" : "");
			vb_md(f, wl);
			fprintf(f, ": ");
			vb_md(f, metric);
			fprintf(f, "%s\n\n| backend | config | parameters | %s | %s | "
				"ratio [95 %% CI] | p (Welch) | n %s / %s | threshold |\n"
				"| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
				s->a->better < 0 ? ", lower is better" :
				s->a->better > 0 ? ", higher is better" : "",
				p->a->label, p->b->label, p->a->label, p->b->label);
		}
		vb_params_display(g->params, pd, sizeof(pd));
		fmt_mean(&s->a->st, ma, sizeof(ma));
		fmt_mean(&s->b->st, mb, sizeof(mb));
		fmt_ratio(&s->r, r, sizeof(r));
		fmt_p(s->w.p, pv, sizeof(pv));
		vb_md_cells(f, (const char *[]){ g->backend, g->config, pd }, 3);
		fprintf(f, " | %s | %s | %s | %s | %zu / %zu | %s", ma, mb, r, pv,
			s->a->n, s->b->n, s->violated ? "**" : "");
		vb_md(f, s->verdict ? s->verdict : "");
		fprintf(f, "%s |\n", s->violated ? "**" : "");
		shown++;
	}
	if (!shown)
		fprintf(f, "No cell is held by both.\n");
	fprintf(f, "\n");
}

/* The charts plots/index.csv lists, those that were drawn. */
static void md_charts(FILE *f, const char *outdir)
{
	char *path = vb_path_join(outdir, "plots/index.csv");
	struct vb_table t;
	int cn, ct;

	if (vb_table_read(path, &t, NULL, 0) < 0) {
		free(path);
		return;
	}
	free(path);
	cn = vb_table_col(&t, "name");
	ct = vb_table_col(&t, "title");
	fprintf(f, "## Charts\n\nEach chart's data and gnuplot script are in plots/ "
		"beside its image.\n\n");
	for (size_t i = 0; cn >= 0 && ct >= 0 && i < t.nrows; i++) {
		const char *name = t.rows[i][cn];
		char *png = vb_xasprintf("plots/%s.png", name);
		char *full = vb_path_join(outdir, png);

		if (*name && !strpbrk(name, "/()[] \n") && name[0] != '.' &&
		    access(full, R_OK) == 0) {
			fprintf(f, "### ");
			vb_md(f, t.rows[i][ct]);
			fprintf(f, "\n\n![chart](%s)\n\n", png);
		}
		free(full);
		free(png);
	}
	vb_table_free(&t);
}

static int write_md(const struct cmp *c)
{
	struct vb_out o;
	FILE *f = vb_out_begin(&o);

	fprintf(f, "# virtbench compare\n\n");
	for (size_t k = 0; k < c->nsides; k++)
		md_side(f, &c->sides[k]);
	fprintf(f, "\nEach directory after the first is compared with %s, cell by "
		"cell: a cell is the same backend label, config (name, CPUs and "
		"memory), workload label and parameters in both. Files: "
		"compare.csv (every metric), compare.json, plots/. Definitions: "
		"docs/report.md, \"compare\".\n\n", c->sides[0].label);
	if (c->nth) {
		fprintf(f, "**Thresholds: %zu of %zu checks violated.** ",
			c->res->violations, c->res->checked);
		for (size_t t = 0; t < c->nth; t++) {
			fprintf(f, "%s`", t ? ", " : "");
			vb_md_code(f, c->th_text[t]);
			fprintf(f, "`");
		}
		fprintf(f, " (the ratio of means of every cell both hold).\n\n");
	}
	for (size_t k = 1; k < c->nsides; k++) {
		const struct pair *p = &c->pairs[k];
		char t[128];

		fprintf(f, "## %s against %s: %zu cells in both, %zu only in %s, %zu "
			"only in %s\n\n", p->b->label, p->a->label,
			p->a->a->ngroups - p->na, p->na, p->a->label, p->nb,
			p->b->label);
		md_differences(f, p);
		md_ratios(f, p, c->sides[0].a);
		snprintf(t, sizeof(t), "Only in %s", p->a->label);
		md_groups(f, t, p->only_a, p->na);
		snprintf(t, sizeof(t), "Only in %s", p->b->label);
		md_groups(f, t, p->only_b, p->nb);
	}
	md_charts(f, c->o->outdir);
	return vb_out_end(&o, c->o->outdir, "compare.md", c->msgs);
}

/* ------------------------------------------------------------------ */
/* The charts: a model of the ratios for analysis/plot.c                */
/* ------------------------------------------------------------------ */

static void fill_group(struct vb_agroup *g, const char *label,
		       const struct vb_agroup *from, int cluster)
{
	memset(g, 0, sizeof(*g));
	g->backend = vb_xstrdup(label);
	/* The cluster under the bars: the cell's backend and config. */
	g->config = vb_xasprintf("%s %s", from->backend, from->config);
	g->workload = vb_xstrdup(from->workload);
	g->params = vb_xstrdup(from->params);
	g->verdict = vb_xstrdup("ok");
	g->facts = vb_xstrdup("");
	g->cpus = from->cpus;
	g->memory = from->memory;
	g->order[0] = from->order[0];
	g->order[1] = from->order[1];
	g->order[3] = cluster;
}

static void fill_cell(struct vb_acell *c, struct vb_agroup *g, size_t gi,
		      const struct vb_acell *from)
{
	memset(c, 0, sizeof(*c));
	c->group = g;
	c->group_index = gi;
	c->metric = vb_xstrdup(from->metric);
	c->unit = vb_xstrdup(from->unit);
	c->better = from->better;
	c->metric_rank = from->metric_rank;
	c->n = from->n;
	c->st = from->st;
}

/*
 * Backend "A" is the baseline, "B", "C"... the backends compared with it;
 * a cluster is a cell of the directories (backend and config). The
 * overhead charts then show each directory's ratio to A, per cell.
 */
static struct vb_analysis *ratio_model(const struct cmp *c)
{
	const struct vb_analysis *A = c->sides[0].a;
	struct vb_analysis *m = vb_xcalloc(1, sizeof(*m));
	size_t ng = 0, nc = 0, ncmp = 0;
	size_t *gi_of = vb_xcalloc(A->ngroups + 1, sizeof(size_t));
	size_t *ci_of = vb_xcalloc(A->ncells + 1, sizeof(size_t));

	m->dir = vb_xstrdup(c->o->outdir);
	/* The workloads' metric tables, for which metrics are primary. */
	m->env = json_deep_copy(A->env);
	if (!m->env)
		m->env = json_object();
	m->name = "compare";
	m->baseline = c->sides[0].label;
	for (size_t k = 1; k < c->nsides; k++)
		ncmp += c->pairs[k].ns;
	m->groups = vb_xcalloc(A->ngroups * c->nsides + 1, sizeof(*m->groups));
	m->cells = vb_xcalloc(2 * ncmp + 1, sizeof(*m->cells));
	m->cmp = vb_xcalloc(ncmp + 1, sizeof(*m->cmp));
	for (size_t i = 0; i < A->ngroups; i++)
		gi_of[i] = SIZE_MAX;
	for (size_t i = 0; i < A->ncells; i++)
		ci_of[i] = SIZE_MAX;
	for (size_t k = 1; k < c->nsides; k++) {
		const struct pair *p = &c->pairs[k];

		for (size_t i = 0; i < p->ns; i++) {
			const struct shared *s = &p->s[i];
			size_t ag = (size_t)(s->a->group - A->groups);
			size_t ac = (size_t)(s->a - A->cells);
			size_t bg = ng;
			struct vb_acmp *x;
			int cluster = s->a->group->order[2] * 10000 +
				      s->a->group->order[3];

			if (gi_of[ag] == SIZE_MAX) {
				gi_of[ag] = ng;
				fill_group(&m->groups[ng++], c->sides[0].label,
					   s->a->group, cluster);
			}
			if (ci_of[ac] == SIZE_MAX) {
				ci_of[ac] = nc;
				fill_cell(&m->cells[nc++], &m->groups[gi_of[ag]],
					  gi_of[ag], s->a);
			}
			/* One group of the other side per cell: its metrics
			 * share it. */
			for (size_t g = 0; g < ng; g++)
				if (!strcmp(m->groups[g].backend, p->b->label) &&
				    !strcmp(m->groups[g].config, m->groups[gi_of[ag]].config) &&
				    !strcmp(m->groups[g].params, s->a->group->params) &&
				    !strcmp(m->groups[g].workload, s->a->group->workload))
					bg = g;
			if (bg == ng) {
				fill_group(&m->groups[ng++], p->b->label, s->a->group,
					   cluster);
				m->groups[bg].order[2] = (int)k;
			}
			fill_cell(&m->cells[nc], &m->groups[bg], bg, s->b);
			x = &m->cmp[m->ncmp++];
			x->varies = VB_VARIES_BACKEND;
			x->cell = &m->cells[nc++];
			x->base = &m->cells[ci_of[ac]];
			x->r = s->r;
			x->w = s->w;
		}
	}
	m->ngroups = ng;
	m->ncells = nc;
	free(gi_of);
	free(ci_of);
	return m;
}

/* ------------------------------------------------------------------ */
/* The command                                                          */
/* ------------------------------------------------------------------ */

static void cmp_free(struct cmp *c)
{
	for (size_t k = 1; c->pairs && k < c->nsides; k++) {
		struct pair *p = &c->pairs[k];

		for (size_t i = 0; i < p->ns; i++)
			free(p->s[i].verdict);
		free(p->s);
		free(p->only_a);
		free(p->only_b);
		vb_strv_free(&p->what);
		vb_strv_free(&p->va);
		vb_strv_free(&p->vb);
	}
	free(c->pairs);
	for (size_t k = 0; k < c->nsides; k++)
		vb_analysis_free(c->sides[k].a);
	free(c->sides);
	for (size_t t = 0; t < c->nth; t++) {
		vb_threshold_clear(&c->th[t]);
		free(c->th_text[t]);
	}
	free(c->th);
	free(c->th_text);
}

void vb_compare_result_free(struct vb_compare_result *res)
{
	vb_strv_free(&res->violated);
}

int vb_compare(const struct vb_compare_opts *o, struct vb_compare_result *res,
	       struct vb_diag *msgs)
{
	struct cmp c = { .o = o, .msgs = msgs, .res = res };
	struct vb_analysis *rm;
	char *plots, *again;
	int rc, prc;

	memset(res, 0, sizeof(*res));
	if (o->ndirs < 2 || o->ndirs > 26) {
		vb_diag_add(msgs, NULL, 0, "compare takes 2 to 26 results "
			    "directories, not %zu", o->ndirs);
		return -EINVAL;
	}
	if ((rc = parse_thresholds(&c)) < 0)
		goto out;
	c.sides = vb_xcalloc(o->ndirs, sizeof(*c.sides));
	for (size_t k = 0; k < o->ndirs; k++, c.nsides++) {
		snprintf(c.sides[k].label, sizeof(c.sides[k].label), "%c",
			 (int)('A' + k));
		c.sides[k].dir = o->dirs[k];
		if ((rc = vb_analysis_load(o->dirs[k], &c.sides[k].a, msgs)) < 0)
			goto out;
	}
	c.pairs = vb_xcalloc(c.nsides, sizeof(*c.pairs));
	for (size_t k = 1; k < c.nsides; k++) {
		struct pair *p = &c.pairs[k];

		p->a = &c.sides[0];
		p->b = &c.sides[k];
		match(p);
		differences(p);
		res->shared += p->a->a->ngroups - p->na;
		res->only_first += p->na;
		res->only_other += p->nb;
	}
	if ((rc = check_thresholds(&c)) < 0)
		goto out;
	if ((rc = vb_mkdir_p(o->outdir, 0755)) < 0) {
		vb_diag_add(msgs, NULL, 0, "cannot create %s: %s", o->outdir,
			    strerror(-rc));
		goto out;
	}
	rm = ratio_model(&c);
	plots = vb_path_join(o->outdir, "plots");
	again = vb_xasprintf("virtbench compare ... -o %s", o->outdir);
	/* Charts that cannot be drawn (no gnuplot) are said in msgs; the
	 * tables are the result. */
	prc = vb_plot_ratios(rm, plots, again, msgs);
	free(again);
	free(plots);
	vb_analysis_free(rm);
	rc = write_csv(&c);
	if (rc == 0)
		rc = write_json(&c);
	if (rc == 0)
		rc = write_md(&c);
	if (rc == 0 && prc < 0 && prc != -ENOENT && prc != -EIO)
		rc = prc;
out:
	cmp_free(&c);
	return rc;
}
