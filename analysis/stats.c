/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Statistics and comparisons: runs.csv + environment.json -> summary.csv,
 * summary.json and comparisons.csv. Formulas and conventions are documented
 * in docs/report.md; keep the two in step.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/analysis.h"
#include "engine/journal.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		abort(); /* out of memory while analysing: nothing sane to do */
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort();
	return d;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && *end == '\0' && isfinite(*out);
}

void vb_param_display(const char *key, const char *value, char *buf, size_t n)
{
	static const char sfx[] = "KMGTP";
	char *end;
	unsigned long long v;
	int i = -1;

	/* Sizes are canonical bytes in runs.csv; 2G reads better than 2147483648. */
	errno = 0;
	v = strtoull(value, &end, 10);
	if (strstr(key, "size") && *value && *end == '\0' && errno == 0 && v > 0) {
		while (i < 4 && v % 1024 == 0) {
			v /= 1024;
			i++;
		}
		if (i >= 0) {
			snprintf(buf, n, "%llu%c", v, sfx[i]);
			return;
		}
	}
	snprintf(buf, n, "%s", value);
}

void vb_params_display(const char *params, char *buf, size_t n)
{
	char *copy, *save = NULL, *tok;
	size_t len = 0;

	if (!params || !*params) {
		snprintf(buf, n, "-");
		return;
	}
	buf[0] = '\0';
	copy = xstrdup(params);
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char val[64];
		char *eq = strchr(tok, '=');

		if (eq) {
			*eq = '\0';
			vb_param_display(tok, eq + 1, val, sizeof(val));
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s=%s",
						len ? " " : "", tok, val);
		} else {
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? " " : "", tok);
		}
		if (len >= n)
			break;
	}
	free(copy);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                           */
/* ------------------------------------------------------------------ */

double vb_stats_t975(double df)
{
	if (!(df > 0))
		return NAN;
	return gsl_cdf_tdist_Pinv(0.975, df);
}

static double median_of(const double *x, size_t n)
{
	double *s = xrealloc(NULL, n * sizeof(*s));
	double m;

	memcpy(s, x, n * sizeof(*s));
	gsl_sort(s, 1, n);
	m = gsl_stats_median_from_sorted_data(s, 1, n);
	free(s);
	return m;
}

void vb_stats_modz(const double *x, size_t n, double *z)
{
	double med, mad, meanad = 0;
	double *dev;

	if (n == 0)
		return;
	med = median_of(x, n);
	dev = xrealloc(NULL, n * sizeof(*dev));
	for (size_t i = 0; i < n; i++) {
		dev[i] = fabs(x[i] - med);
		meanad += dev[i];
	}
	meanad /= (double)n;
	mad = median_of(dev, n);
	free(dev);
	for (size_t i = 0; i < n; i++) {
		if (mad > 0)
			z[i] = 0.6745 * (x[i] - med) / mad;
		else if (meanad > 0)
			/* More than half the values equal the median: MAD is 0 and
			 * the rule would flag every other value. 1.253314·MeanAD
			 * estimates the same scale (the usual fallback). */
			z[i] = (x[i] - med) / (1.253314 * meanad);
		else
			z[i] = 0;
	}
}

void vb_stats_describe(const double *x, size_t n, struct vb_stats *st,
		       bool *outlier)
{
	double *z;

	memset(st, 0, sizeof(*st));
	st->n = n;
	st->mean = st->sd = st->min = st->median = st->max = NAN;
	st->ci_low = st->ci_high = st->ci_half = st->cv = NAN;
	if (n == 0)
		return;
	st->mean = gsl_stats_mean(x, 1, n);
	gsl_stats_minmax(&st->min, &st->max, x, 1, n);
	st->median = median_of(x, n);
	if (n >= 2) {
		st->sd = gsl_stats_sd_m(x, 1, n, st->mean);
		st->ci_half = vb_stats_t975((double)(n - 1)) * st->sd / sqrt((double)n);
		st->ci_low = st->mean - st->ci_half;
		st->ci_high = st->mean + st->ci_half;
		if (st->mean != 0)
			st->cv = st->sd / fabs(st->mean);
	}
	z = xrealloc(NULL, n * sizeof(*z));
	vb_stats_modz(x, n, z);
	for (size_t i = 0; i < n; i++) {
		bool o = fabs(z[i]) > VB_OUTLIER_Z;

		if (outlier)
			outlier[i] = o;
		st->noutliers += o;
	}
	free(z);
}

void vb_stats_welch(const struct vb_stats *a, const struct vb_stats *b,
		    struct vb_welch *w)
{
	double va, vb, se2;

	w->t = w->df = w->p = NAN;
	if (a->n < 2 || b->n < 2)
		return;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	se2 = va + vb;
	if (se2 == 0) {
		/* No spread at all: the means either are or are not equal. */
		w->df = (double)(a->n + b->n - 2);
		w->p = a->mean == b->mean ? 1.0 : 0.0;
		return;
	}
	w->t = (a->mean - b->mean) / sqrt(se2);
	w->df = se2 * se2 / (va * va / (double)(a->n - 1) +
			     vb * vb / (double)(b->n - 1));
	w->p = 2.0 * gsl_cdf_tdist_Q(fabs(w->t), w->df);
	if (w->p > 1)
		w->p = 1;
}

void vb_stats_ratio(const struct vb_stats *a, const struct vb_stats *b,
		    struct vb_ratio *r)
{
	double va, vb, R, den, t, g, half;

	r->ratio = r->lo = r->hi = r->df = NAN;
	if (a->n < 1 || b->n < 1 || b->mean == 0)
		return;
	R = r->ratio = a->mean / b->mean;
	if (a->n < 2 || b->n < 2)
		return;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	/* Satterthwaite degrees of freedom of var(a - R·b), independent samples. */
	den = va * va / (double)(a->n - 1) + R * R * R * R * vb * vb / (double)(b->n - 1);
	if (den == 0) {
		r->lo = r->hi = R;
		r->df = (double)(a->n + b->n - 2);
		return;
	}
	r->df = (va + R * R * vb) * (va + R * R * vb) / den;
	t = vb_stats_t975(r->df);
	g = t * t * vb / (b->mean * b->mean);
	if (g >= 1) {
		r->lo = -INFINITY;
		r->hi = INFINITY;
		return;
	}
	half = t / fabs(b->mean) * sqrt(va * (1 - g) + R * R * vb);
	r->lo = (R - half) / (1 - g);
	r->hi = (R + half) / (1 - g);
}

/* ------------------------------------------------------------------ */
/* Thresholds                                                           */
/* ------------------------------------------------------------------ */

void vb_threshold_clear(struct vb_threshold *th)
{
	free(th->backend);
	free(th->baseline);
	free(th->metric);
	free(th->op);
	memset(th, 0, sizeof(*th));
}

int vb_threshold_parse(const char *text, struct vb_threshold *th, char *err,
		       size_t errlen)
{
	static const char *const ops[][2] = {
		{ "<=", "<=" }, { ">=", ">=" }, { "<", "<" }, { ">", ">" },
		{ "\xe2\x89\xa4", "<=" }, { "\xe2\x89\xa5", ">=" },
	};
	char *copy = xstrdup(text), *save = NULL;
	char *pair = strtok_r(copy, " \t", &save);
	char *metric = strtok_r(NULL, " \t", &save);
	char *op = strtok_r(NULL, " \t", &save);
	char *limit = strtok_r(NULL, " \t", &save);
	char *extra = strtok_r(NULL, " \t", &save);
	char *slash = pair ? strchr(pair, '/') : NULL;
	const char *canon = NULL;
	double v;

	memset(th, 0, sizeof(*th));
	if (!pair || !metric || !op || !limit || extra || !slash ||
	    slash == pair || !slash[1]) {
		snprintf(err, errlen, "expected \"BACKEND/BASELINE METRIC OP LIMIT\", "
			 "e.g. \"qemu/bare-metal total_time <= 1.5\"");
		free(copy);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i][0]) == 0)
			canon = ops[i][1];
	if (!canon) {
		snprintf(err, errlen, "unknown operator '%s'; use <=, <, >= or >", op);
		free(copy);
		return -EINVAL;
	}
	if (!parse_double(limit, &v)) {
		snprintf(err, errlen, "limit '%s' is not a number", limit);
		free(copy);
		return -EINVAL;
	}
	*slash = '\0';
	th->backend = xstrdup(pair);
	th->baseline = xstrdup(slash + 1);
	th->metric = xstrdup(metric);
	th->op = xstrdup(canon);
	th->limit = v;
	free(copy);
	return 0;
}

bool vb_threshold_holds(const struct vb_threshold *th, double value)
{
	if (strcmp(th->op, "<=") == 0)
		return value <= th->limit;
	if (strcmp(th->op, "<") == 0)
		return value < th->limit;
	if (strcmp(th->op, ">=") == 0)
		return value >= th->limit;
	return value > th->limit;
}

/* ------------------------------------------------------------------ */
/* The model                                                            */
/* ------------------------------------------------------------------ */

static const char *json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Position of `name` in env.experiment.<list>[].name, else a large rank. */
static int env_rank(const struct vb_analysis *a, const char *list,
		    const char *name)
{
	json_t *arr = json_object_get(json_object_get(a->env, "experiment"), list);
	size_t i;
	json_t *it;

	json_array_foreach(arr, i, it)
		if (strcmp(json_str(it, "name"), name) == 0)
			return (int)i;
	return 10000;
}

/* The metric table of the plugin behind workload label `wl`. */
static json_t *env_metrics(const struct vb_analysis *a, const char *wl)
{
	json_t *wls = json_object_get(json_object_get(a->env, "experiment"), "workloads");
	json_t *plugins = json_object_get(a->env, "plugins");
	const char *plugin = wl;
	size_t i;
	json_t *it;

	json_array_foreach(wls, i, it)
		if (strcmp(json_str(it, "name"), wl) == 0 && *json_str(it, "plugin"))
			plugin = json_str(it, "plugin");
	json_array_foreach(plugins, i, it)
		if (strcmp(json_str(it, "name"), plugin) == 0 &&
		    strcmp(json_str(it, "kind"), "workload") == 0)
			return json_object_get(it, "metrics");
	return NULL;
}

static void metric_info(const struct vb_analysis *a, const char *wl,
			const char *metric, int *rank, int *better)
{
	json_t *ms = env_metrics(a, wl);
	size_t i;
	json_t *it;

	*better = 0;
	json_array_foreach(ms, i, it) {
		if (strcmp(json_str(it, "name"), metric) == 0) {
			const char *b = json_str(it, "better");

			*rank = (int)i;
			*better = strcmp(b, "lower") == 0 ? VB_LOWER_IS_BETTER :
				  strcmp(b, "higher") == 0 ? VB_HIGHER_IS_BETTER : 0;
			return;
		}
	}
	/* Engine-added metrics come after the workload's own. */
	if (strcmp(metric, "host_time") == 0) {
		*rank = 1000;
		*better = VB_LOWER_IS_BETTER;
	} else if (strcmp(metric, "page_cache_dropped") == 0) {
		*rank = 1001;
	} else {
		*rank = 2000;
	}
}

/* Compare params strings value by value, numerically where both are numbers,
 * so max_prime=5000 sorts before max_prime=10000. */
static int params_cmp(const char *x, const char *y)
{
	while (*x && *y) {
		size_t lx = strcspn(x, ";"), ly = strcspn(y, ";");
		const char *ex = memchr(x, '=', lx), *ey = memchr(y, '=', ly);
		char bx[256], by[256];
		double dx, dy;
		int c;

		snprintf(bx, sizeof(bx), "%.*s", (int)(lx - (ex ? (size_t)(ex + 1 - x) : 0)),
			 ex ? ex + 1 : x);
		snprintf(by, sizeof(by), "%.*s", (int)(ly - (ey ? (size_t)(ey + 1 - y) : 0)),
			 ey ? ey + 1 : y);
		if (parse_double(bx, &dx) && parse_double(by, &dy)) {
			if (dx != dy)
				return dx < dy ? -1 : 1;
		} else if ((c = strcmp(bx, by)) != 0) {
			return c;
		}
		x += lx + (x[lx] == ';');
		y += ly + (y[ly] == ';');
	}
	return (*x != '\0') - (*y != '\0');
}

static int verdict_level(const char *v)
{
	if (strcmp(v, "refused") == 0)
		return 2;
	if (strcmp(v, "warn") == 0)
		return 1;
	return 0;
}

static struct vb_agroup *group_get(struct vb_analysis *a, const char *backend,
				   const char *config, const char *workload,
				   const char *params)
{
	struct vb_agroup *g;

	/* runs.csv holds a cell's rows together: try the latest group first. */
	for (size_t k = a->ngroups; k > 0; k--) {
		g = &a->groups[k - 1];
		if (!strcmp(g->backend, backend) && !strcmp(g->config, config) &&
		    !strcmp(g->workload, workload) && !strcmp(g->params, params))
			return g;
	}
	a->groups = xrealloc(a->groups, (a->ngroups + 1) * sizeof(*a->groups));
	g = &a->groups[a->ngroups++];
	memset(g, 0, sizeof(*g));
	g->backend = xstrdup(backend);
	g->config = xstrdup(config);
	g->workload = xstrdup(workload);
	g->params = xstrdup(params);
	g->verdict = xstrdup("ok");
	g->facts = xstrdup("");
	return g;
}

static struct vb_acell *cell_get(struct vb_analysis *a, size_t gi,
				 const char *metric, const char *unit)
{
	struct vb_acell *c;

	/* Newest first: the metrics of the current group were added last. */
	for (size_t k = a->ncells; k > 0; k--) {
		c = &a->cells[k - 1];
		if (c->group_index == gi && !strcmp(c->metric, metric))
			return c;
	}
	a->cells = xrealloc(a->cells, (a->ncells + 1) * sizeof(*a->cells));
	c = &a->cells[a->ncells++];
	memset(c, 0, sizeof(*c));
	/* An index for now: the group array still grows while rows are read. */
	c->group_index = gi;
	c->metric = xstrdup(metric);
	c->unit = xstrdup(unit);
	return c;
}

static int cmp_cells(const void *x, const void *y)
{
	const struct vb_acell *a = x, *b = y;
	const struct vb_agroup *ga = a->group, *gb = b->group;
	int c;

	if (ga->order[0] != gb->order[0])
		return ga->order[0] < gb->order[0] ? -1 : 1;
	if ((c = strcmp(ga->workload, gb->workload)) != 0)
		return c;
	if (ga->order[1] != gb->order[1])
		return ga->order[1] < gb->order[1] ? -1 : 1;
	if (a->metric_rank != b->metric_rank)
		return a->metric_rank < b->metric_rank ? -1 : 1;
	if ((c = strcmp(a->metric, b->metric)) != 0)
		return c;
	if (ga->order[2] != gb->order[2])
		return ga->order[2] < gb->order[2] ? -1 : 1;
	if ((c = strcmp(ga->backend, gb->backend)) != 0)
		return c;
	if (ga->order[3] != gb->order[3])
		return ga->order[3] < gb->order[3] ? -1 : 1;
	return strcmp(ga->config, gb->config);
}

static int load_env(struct vb_analysis *a)
{
	char *path = vb_path_join(a->dir, "environment.json");
	json_error_t jerr;
	json_t *exp, *th;
	size_t i;
	json_t *it;

	a->env = json_load_file(path, 0, &jerr);
	if (!a->env) {
		/* Without it there is no baseline and no host facts, but the
		 * statistics can still be computed from runs.csv. */
		FILE *f = fopen(path, "r");

		if (f) {
			fclose(f);
			fprintf(stderr, "%s:%d: %s; statistics are computed without it\n",
				path, jerr.line, jerr.text);
		}
		a->env = json_object();
	}
	free(path);
	exp = json_object_get(a->env, "experiment");
	a->name = json_str(exp, "name");
	if (json_is_string(json_object_get(exp, "baseline")))
		a->baseline = json_str(exp, "baseline");
	a->host_cpus = (int)json_integer_value(json_object_get(json_object_get(a->env, "host"), "cpus"));
	th = json_object_get(exp, "thresholds");
	a->thr = xrealloc(NULL, json_array_size(th) * sizeof(*a->thr));
	json_array_foreach(th, i, it) {
		struct vb_athreshold *t = &a->thr[a->nthr++];

		memset(t, 0, sizeof(*t));
		t->text = xstrdup(json_string_value(it));
		t->valid = vb_threshold_parse(t->text, &t->th, t->err, sizeof(t->err)) == 0;
	}
	return 0;
}

static int load_runs(struct vb_analysis *a)
{
	struct vb_journal_data d;
	char err[1024];
	int rc;

	rc = vb_journal_read(a->dir, &vb_runs_format, &d, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	if (d.nrows == 0 && d.ignored == 0) {
		char *path = vb_path_join(a->dir, "runs.csv");

		if (access(path, F_OK) < 0) {
			fprintf(stderr, "%s: %s; is this a virtbench results directory?\n",
				path, strerror(errno));
			free(path);
			return -ENOENT;
		}
		free(path);
	}
	a->journal_ignored = d.ignored;
	a->journal_torn = d.torn_tail;
	for (size_t i = 0; i < d.nrows; i++) {
		char **r = d.rows[i].f;
		struct vb_agroup *g;
		size_t gi;
		double v, rep;

		if (!*r[VB_RC_BACKEND] || !*r[VB_RC_WORKLOAD])
			continue;
		g = group_get(a, r[VB_RC_BACKEND], r[VB_RC_CONFIG],
			      r[VB_RC_WORKLOAD], r[VB_RC_PARAMS]);
		gi = (size_t)(g - a->groups);
		vb_hosts_note(&g->hosts, r[VB_RC_HOST]);
		if (parse_double(r[VB_RC_CPUS], &v))
			g->cpus = (int)v;
		if (parse_double(r[VB_RC_MEMORY], &v))
			g->memory = (int64_t)v;
		if (verdict_level(r[VB_RC_VERDICT]) > verdict_level(g->verdict)) {
			free(g->verdict);
			g->verdict = xstrdup(r[VB_RC_VERDICT]);
		}
		if (!*g->facts && *r[VB_RC_FACTS]) {
			free(g->facts);
			g->facts = xstrdup(r[VB_RC_FACTS]);
		}
		if (!parse_double(r[VB_RC_REPETITION], &rep))
			rep = 0;
		if (strcmp(r[VB_RC_STATUS], "ok") != 0) {
			/* A retried repetition that later succeeded still counts
			 * as a failure that happened: the report lists it. */
			g->failed_reps = xrealloc(g->failed_reps, (g->nfailed + 1) * sizeof(int));
			g->failed_errors = xrealloc(g->failed_errors,
						    (g->nfailed + 1) * sizeof(char *));
			g->failed_reps[g->nfailed] = (int)rep;
			g->failed_errors[g->nfailed] = xstrdup(r[VB_RC_ERROR]);
			g->nfailed++;
			continue;
		}
		if (!*r[VB_RC_METRIC])
			continue;
		if (!parse_double(r[VB_RC_VALUE], &v)) {
			fprintf(stderr, "%s/runs.csv:%d: value '%s' of metric %s is not a number; "
				"row ignored\n", a->dir, d.rows[i].line, r[VB_RC_VALUE],
				r[VB_RC_METRIC]);
			continue;
		}
		{
			struct vb_acell *c = cell_get(a, gi, r[VB_RC_METRIC], r[VB_RC_UNIT]);
			size_t k;

			/* On resume a repetition can appear twice; the last wins. */
			for (k = 0; k < c->n; k++)
				if (c->reps[k] == (int)rep)
					break;
			if (k == c->n) {
				if (c->n == c->cap) {
					c->cap = c->cap ? c->cap * 2 : 8;
					c->values = xrealloc(c->values, c->cap * sizeof(double));
					c->reps = xrealloc(c->reps, c->cap * sizeof(int));
				}
				c->n++;
			}
			c->values[k] = v;
			c->reps[k] = (int)rep;
		}
	}
	vb_journal_data_free(&d);
	return 0;
}

static void count_ok_reps(struct vb_analysis *a)
{
	/* ok repetitions = the most values any metric of the group has. */
	for (size_t i = 0; i < a->ncells; i++)
		if (a->cells[i].group->nok < a->cells[i].n)
			a->cells[i].group->nok = a->cells[i].n;
}

static void order_groups(struct vb_analysis *a)
{
	for (size_t i = 0; i < a->ngroups; i++) {
		struct vb_agroup *g = &a->groups[i];
		int rank = 0;

		g->order[0] = env_rank(a, "workloads", g->workload);
		g->order[2] = env_rank(a, "backends", g->backend);
		g->order[3] = env_rank(a, "configs", g->config);
		for (size_t j = 0; j < a->ngroups; j++)
			if (!strcmp(a->groups[j].workload, g->workload) &&
			    params_cmp(a->groups[j].params, g->params) < 0)
				rank++;
		g->order[1] = rank;
	}
}

static void compare(struct vb_analysis *a)
{
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i], *b;
		const struct vb_agroup *g = c->group;
		struct vb_acmp *m;

		if (!a->baseline || !strcmp(g->backend, a->baseline) ||
		    !strcmp(c->metric, "page_cache_dropped"))
			continue;
		b = vb_analysis_find(a, a->baseline, g->config, g->workload,
				     g->params, c->metric);
		if (!b || b->n == 0 || c->n == 0 ||
		    !vb_hosts_comparable(a, g, b->group))
			continue;
		a->cmp = xrealloc(a->cmp, (a->ncmp + 1) * sizeof(*a->cmp));
		m = &a->cmp[a->ncmp++];
		memset(m, 0, sizeof(*m));
		m->cell = c;
		m->base = b;
		vb_stats_ratio(&c->st, &b->st, &m->r);
		vb_stats_welch(&c->st, &b->st, &m->w);
	}
}

static void check_thresholds(struct vb_analysis *a)
{
	for (size_t k = 0; k < a->nthr; k++) {
		struct vb_athreshold *t = &a->thr[k];

		if (!t->valid)
			continue;
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
			for (size_t j = 0; j < a->ncmp; j++) {
				struct vb_acmp *m = &a->cmp[j];
				size_t n;

				if (m->cell != c || m->base != b)
					continue;
				n = strlen(t->text) + 16 + (m->threshold ? strlen(m->threshold) + 2 : 0);
				{
					char *s = xrealloc(NULL, n);

					snprintf(s, n, "%s%s%s: %s", m->threshold ? m->threshold : "",
						 m->threshold ? "; " : "", ok ? "ok" : "violated",
						 t->text);
					free(m->threshold);
					m->threshold = s;
				}
			}
		}
		if (t->nviolated)
			a->violations++;
	}
}

int vb_analysis_load(const char *dir, struct vb_analysis **out)
{
	struct vb_analysis *a = xrealloc(NULL, sizeof(*a));
	int rc;

	memset(a, 0, sizeof(*a));
	*out = NULL;
	a->dir = xstrdup(dir);
	load_env(a);
	rc = load_runs(a);
	if (rc < 0) {
		vb_analysis_free(a);
		return rc;
	}
	/* No experiment record: the documented default baseline, if it ran. */
	if (!json_object_get(a->env, "experiment"))
		for (size_t i = 0; i < a->ngroups && !a->baseline; i++)
			if (!strcmp(a->groups[i].backend, "bare-metal"))
				a->baseline = "bare-metal";
	for (size_t i = 0; i < a->ncells; i++) {
		struct vb_acell *c = &a->cells[i];

		c->group = &a->groups[c->group_index];
		metric_info(a, c->group->workload, c->metric, &c->metric_rank, &c->better);
		c->outlier = xrealloc(NULL, (c->n ? c->n : 1) * sizeof(bool));
		vb_stats_describe(c->values, c->n, &c->st, c->outlier);
	}
	count_ok_reps(a);
	order_groups(a);
	if (a->ncells > 1)
		qsort(a->cells, a->ncells, sizeof(*a->cells), cmp_cells);
	compare(a);
	check_thresholds(a);
	*out = a;
	return 0;
}

void vb_analysis_free(struct vb_analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->ncells; i++) {
		struct vb_acell *c = &a->cells[i];

		free(c->metric);
		free(c->unit);
		free(c->values);
		free(c->reps);
		free(c->outlier);
	}
	for (size_t i = 0; i < a->ngroups; i++) {
		struct vb_agroup *g = &a->groups[i];

		free(g->backend);
		free(g->config);
		free(g->workload);
		free(g->params);
		free(g->verdict);
		free(g->facts);
		free(g->hosts);
		for (size_t k = 0; k < g->nfailed; k++)
			free(g->failed_errors[k]);
		free(g->failed_errors);
		free(g->failed_reps);
	}
	for (size_t i = 0; i < a->ncmp; i++)
		free(a->cmp[i].threshold);
	for (size_t i = 0; i < a->nthr; i++) {
		free(a->thr[i].text);
		vb_threshold_clear(&a->thr[i].th);
	}
	free(a->thr);
	free(a->cmp);
	free(a->cells);
	free(a->groups);
	json_decref(a->env);
	free(a->dir);
	free(a);
}

const struct vb_acell *vb_analysis_find(const struct vb_analysis *a,
					const char *backend, const char *config,
					const char *workload, const char *params,
					const char *metric)
{
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];
		const struct vb_agroup *g = c->group;

		if (!strcmp(c->metric, metric) && !strcmp(g->backend, backend) &&
		    !strcmp(g->config, config) && !strcmp(g->workload, workload) &&
		    !strcmp(g->params, params))
			return c;
	}
	return NULL;
}

/* What a reader of a CPU or file-IO benchmark looks at first. MiB/s are
 * left out: with a fixed block size they are the request rates rescaled. */
static const char *const primary_metrics[] = {
	"total_time", "events_per_second", "reads_per_second",
	"writes_per_second",
	NULL,
};

static bool in_list(const char *list, const char *metric)
{
	size_t len = strlen(metric);

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ", ");

		if (l == len && strncmp(p, metric, len) == 0)
			return true;
		p += l;
		p += strspn(p, ", ");
	}
	return false;
}

bool vb_analysis_primary(const struct vb_analysis *a, const char *workload,
			 const char *metric)
{
	const char *env = getenv("VIRTBENCH_PLOT_METRICS");
	bool any = false;

	if (env && *env)
		return in_list(env, metric);
	for (int i = 0; primary_metrics[i]; i++)
		if (strcmp(primary_metrics[i], metric) == 0)
			return true;
	/* A workload none of whose metrics are known: chart every metric that
	 * has a direction, so a third-party workload still gets charts. */
	for (size_t i = 0; i < a->ncells && !any; i++)
		if (!strcmp(a->cells[i].group->workload, workload))
			for (int k = 0; primary_metrics[k]; k++)
				if (!strcmp(primary_metrics[k], a->cells[i].metric))
					any = true;
	if (any)
		return false;
	for (size_t i = 0; i < a->ncells; i++)
		if (!strcmp(a->cells[i].group->workload, workload) &&
		    !strcmp(a->cells[i].metric, metric))
			return a->cells[i].better != 0 && strcmp(metric, "host_time");
	return false;
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

static void csv_str(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *better_name(int b)
{
	return b < 0 ? "lower" : b > 0 ? "higher" : "";
}

/* Write to NAME.tmp, then rename, so a reader never sees half a file. */
FILE *vb_out_open(const char *dir, const char *name, char **tmp, char **final)
{
	size_t n;
	FILE *f;

	*final = vb_path_join(dir, name);
	n = strlen(*final) + 5;
	*tmp = xrealloc(NULL, n);
	snprintf(*tmp, n, "%s.tmp", *final);
	f = fopen(*tmp, "w");
	if (!f) {
		fprintf(stderr, "%s: %s\n", *tmp, strerror(errno));
		free(*tmp);
		free(*final);
	}
	return f;
}

int vb_out_close(FILE *f, char *tmp, char *final)
{
	int rc = 0;

	if (ferror(f) | fclose(f)) {
		rc = errno ? -errno : -EIO;
		fprintf(stderr, "%s: write failed: %s\n", tmp, strerror(-rc));
		unlink(tmp);
	} else if (rename(tmp, final) < 0) {
		rc = -errno;
		fprintf(stderr, "%s: %s\n", final, strerror(errno));
	}
	free(tmp);
	free(final);
	return rc;
}

static int write_summary_csv(const struct vb_analysis *a)
{
	char *tmp, *final;
	FILE *f = vb_out_open(a->dir, "summary.csv", &tmp, &final);

	if (!f)
		return -errno;
	fputs("experiment,backend,config,cpus,memory,workload,params,metric,unit,"
	      "n,mean,sd,min,median,max,ci95_low,ci95_high,ci95_half,cv_percent,"
	      "outliers,outlier_repetitions,failed,verdict\n", f);
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];
		const struct vb_agroup *g = c->group;
		const double v[] = { c->st.mean, c->st.sd, c->st.min, c->st.median,
				     c->st.max, c->st.ci_low, c->st.ci_high,
				     c->st.ci_half, c->st.cv * 100 };
		bool first = true;

		csv_str(f, a->name);
		fputc(',', f);
		csv_str(f, g->backend);
		fputc(',', f);
		csv_str(f, g->config);
		fprintf(f, ",%d,%lld,", g->cpus, (long long)g->memory);
		csv_str(f, g->workload);
		fputc(',', f);
		csv_str(f, g->params);
		fputc(',', f);
		csv_str(f, c->metric);
		fputc(',', f);
		csv_str(f, c->unit);
		fprintf(f, ",%zu", c->n);
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			fputc(',', f);
			csv_num(f, v[k]);
		}
		fprintf(f, ",%zu,", c->st.noutliers);
		for (size_t k = 0; k < c->n; k++) {
			if (!c->outlier[k])
				continue;
			fprintf(f, "%s%d", first ? "" : ";", c->reps[k]);
			first = false;
		}
		fprintf(f, ",%zu,", g->nfailed);
		csv_str(f, g->verdict);
		fputc('\n', f);
	}
	return vb_out_close(f, tmp, final);
}

static int write_comparisons_csv(const struct vb_analysis *a)
{
	char *tmp, *final;
	FILE *f = vb_out_open(a->dir, "comparisons.csv", &tmp, &final);

	if (!f)
		return -errno;
	fputs("experiment,backend,baseline,config,workload,params,metric,unit,"
	      "n,n_baseline,mean,mean_baseline,ratio,ratio_ci95_low,"
	      "ratio_ci95_high,welch_t,welch_df,p_value,better,threshold\n", f);
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group;
		const double v[] = { m->cell->st.mean, m->base->st.mean, m->r.ratio,
				     m->r.lo, m->r.hi, m->w.t, m->w.df, m->w.p };

		csv_str(f, a->name);
		fputc(',', f);
		csv_str(f, g->backend);
		fputc(',', f);
		csv_str(f, m->base->group->backend);
		fputc(',', f);
		csv_str(f, g->config);
		fputc(',', f);
		csv_str(f, g->workload);
		fputc(',', f);
		csv_str(f, g->params);
		fputc(',', f);
		csv_str(f, m->cell->metric);
		fputc(',', f);
		csv_str(f, m->cell->unit);
		fprintf(f, ",%zu,%zu", m->cell->n, m->base->n);
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			fputc(',', f);
			csv_num(f, v[k]);
		}
		fprintf(f, ",%s,", better_name(m->cell->better));
		csv_str(f, m->threshold ? m->threshold : "");
		fputc('\n', f);
	}
	return vb_out_close(f, tmp, final);
}

static json_t *cell_json(const struct vb_acell *c)
{
	const struct vb_agroup *g = c->group;
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
	json_object_set_new(o, "better", json_string(better_name(c->better)));
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
	return o;
}

static int write_summary_json(const struct vb_analysis *a)
{
	json_t *root = json_object(), *cells = json_array(), *cmps = json_array(),
	       *ths = json_array(), *failed = json_array();
	char *tmp, *final;
	FILE *f;
	int rc;

	json_object_set_new(root, "experiment", json_string(a->name));
	json_object_set_new(root, "baseline", a->baseline ? json_string(a->baseline) : json_null());
	for (size_t i = 0; i < a->ncells; i++)
		json_array_append_new(cells, cell_json(&a->cells[i]));
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group;
		json_t *o = json_object();

		json_object_set_new(o, "backend", json_string(g->backend));
		json_object_set_new(o, "baseline", json_string(m->base->group->backend));
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
		json_array_append_new(cmps, o);
	}
	for (size_t i = 0; i < a->nthr; i++) {
		const struct vb_athreshold *t = &a->thr[i];
		json_t *o = json_object();

		json_object_set_new(o, "expression", json_string(t->text));
		json_object_set_new(o, "valid", json_boolean(t->valid));
		if (!t->valid)
			json_object_set_new(o, "error", json_string(t->err));
		json_object_set_new(o, "cells", json_integer((json_int_t)t->ncells));
		json_object_set_new(o, "violations", json_integer((json_int_t)t->nviolated));
		json_object_set_new(o, "violated", json_boolean(t->nviolated > 0));
		json_array_append_new(ths, o);
	}
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];

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
	json_object_set_new(root, "cells", cells);
	json_object_set_new(root, "comparisons", cmps);
	json_object_set_new(root, "thresholds", ths);
	json_object_set_new(root, "violations", json_integer(a->violations));
	json_object_set_new(root, "failed", failed);

	f = vb_out_open(a->dir, "summary.json", &tmp, &final);
	if (!f) {
		json_decref(root);
		return -errno;
	}
	json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	fputc('\n', f);
	json_decref(root);
	rc = vb_out_close(f, tmp, final);
	return rc;
}

int vb_analyze(const char *dir, int *violations)
{
	struct vb_analysis *a;
	int rc;

	*violations = 0;
	rc = vb_analysis_load(dir, &a);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < a->nthr; i++)
		if (!a->thr[i].valid)
			fprintf(stderr, "%s/environment.json: threshold \"%s\": %s\n",
				dir, a->thr[i].text, a->thr[i].err);
	rc = write_summary_csv(a);
	if (rc == 0)
		rc = write_summary_json(a);
	if (rc == 0)
		rc = write_comparisons_csv(a);
	*violations = a->violations;
	vb_analysis_free(a);
	return rc;
}
