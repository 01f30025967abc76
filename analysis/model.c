/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The model of a results directory: runs.csv and environment.json read
 * into groups (cells of the matrix) and samples (a cell's values of one
 * metric), ordered as the experiment file listed them; runs.csv is read
 * through the journal (engine/journal.h), which owns its columns. Also the
 * helpers the three steps share.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/model.h"
#include "engine/journal.h"

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && *end == '\0' && isfinite(*out);
}

/* ------------------------------------------------------------------ */
/* Display of parameters                                                */
/* ------------------------------------------------------------------ */

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
	copy = vb_xstrdup(params);
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

bool vb_param_get(const char *params, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key);

	for (const char *p = params; *p;) {
		size_t l = strcspn(p, ";");

		if (l > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(buf, n, "%.*s", (int)(l - klen - 1), p + klen + 1);
			return true;
		}
		p += l + (p[l] == ';');
	}
	return false;
}

void vb_param_without(const char *params, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key), len = 0;

	buf[0] = '\0';
	for (const char *p = params; *p;) {
		size_t l = strcspn(p, ";");

		if (!(l > klen && !strncmp(p, key, klen) && p[klen] == '=') && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%.*s",
						len ? ";" : "", (int)l, p);
		p += l + (p[l] == ';');
	}
}

const char *vb_better_text(int better)
{
	return better ? vb_better_name((enum vb_better)better) : "";
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

	json_array_foreach(wls, i, it) {
		/* The entry's own table first (a workload whose metrics its
		 * options declare, exec), then its plugin's. */
		if (strcmp(json_str(it, "name"), wl) == 0 &&
		    json_is_array(json_object_get(it, "metrics")))
			return json_object_get(it, "metrics");
		if (strcmp(json_str(it, "name"), wl) == 0 && *json_str(it, "plugin"))
			plugin = json_str(it, "plugin");
	}
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
	a->groups = vb_xreallocarray(a->groups, a->ngroups + 1, sizeof(*a->groups));
	g = &a->groups[a->ngroups++];
	memset(g, 0, sizeof(*g));
	g->backend = vb_xstrdup(backend);
	g->config = vb_xstrdup(config);
	g->workload = vb_xstrdup(workload);
	g->params = vb_xstrdup(params);
	g->verdict = vb_xstrdup("ok");
	g->facts = vb_xstrdup("");
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
	a->cells = vb_xreallocarray(a->cells, a->ncells + 1, sizeof(*a->cells));
	c = &a->cells[a->ncells++];
	memset(c, 0, sizeof(*c));
	/* An index for now: the group array still grows while rows are read. */
	c->group_index = gi;
	c->metric = vb_xstrdup(metric);
	c->unit = vb_xstrdup(unit);
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

int vb_acell_display_cmp(const struct vb_acell *m, const struct vb_acell *n)
{
	const struct vb_agroup *a = m->group, *b = n->group;
	int c;

	if (a->order[0] != b->order[0])
		return a->order[0] < b->order[0] ? -1 : 1;
	if ((c = strcmp(a->workload, b->workload)) != 0)
		return c;
	if (m->metric_rank != n->metric_rank)
		return m->metric_rank < n->metric_rank ? -1 : 1;
	if ((c = strcmp(m->metric, n->metric)) != 0)
		return c;
	if (a->order[1] != b->order[1])
		return a->order[1] < b->order[1] ? -1 : 1;
	if (a->order[2] != b->order[2])
		return a->order[2] < b->order[2] ? -1 : 1;
	if ((c = strcmp(a->backend, b->backend)) != 0)
		return c;
	if (a->order[3] != b->order[3])
		return a->order[3] < b->order[3] ? -1 : 1;
	return strcmp(a->config, b->config);
}

/* experiment.noise and experiment.repetitions (a number, or the
 * adaptive rule) of environment.json; the defaults without them. */
static void load_rules(struct vb_analysis *a, json_t *exp)
{
	json_t *n = json_object_get(exp, "noise");
	json_t *r = json_object_get(exp, "repetitions");

	a->noise = (struct vb_noise_rule){ VB_NOISE_FLAG, VB_NOISE_STEAL_DEFAULT,
					   VB_NOISE_FOREIGN_DEFAULT };
	if (json_is_object(n)) {
		a->noise.action = !strcmp(json_str(n, "action"), "exclude")
					  ? VB_NOISE_EXCLUDE : VB_NOISE_FLAG;
		if (json_is_number(json_object_get(n, "steal")))
			a->noise.steal = json_number_value(json_object_get(n, "steal"));
		if (json_is_number(json_object_get(n, "foreign")))
			a->noise.foreign = json_number_value(json_object_get(n, "foreign"));
	}
	memset(&a->adaptive, 0, sizeof(a->adaptive));
	if (json_is_object(r)) {
		a->adaptive.on = true;
		a->adaptive.min = (int)json_integer_value(json_object_get(r, "min"));
		a->adaptive.max = (int)json_integer_value(json_object_get(r, "max"));
		a->adaptive.precision = json_number_value(json_object_get(r, "precision"));
		a->adaptive.budget = json_number_value(json_object_get(r, "budget"));
	}
}

void vb_orders_text(unsigned orders, char *buf, size_t n)
{
	size_t k = 0;

	buf[0] = '\0';
	for (int o = VB_ORDER_SEQUENTIAL; o <= VB_ORDER_INTERLEAVED; o++)
		if (orders & (1u << o))
			k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s",
					      k ? ", " : "", vb_order_name((enum vb_order)o));
	if ((orders & VB_ORDERS_UNKNOWN) || !orders)
		snprintf(buf + k, k < n ? n - k : 0, "%sunknown", k ? ", " : "");
}

/*
 * The repetition an ok row belongs to, with its noise judged: the rows of
 * one record carry the same noise columns, and a repetition recorded
 * again (a resumed journal, a merge) takes its last record's.
 */
static struct vb_arep *rep_note(struct vb_analysis *a, struct vb_agroup *g,
				char *const *r, int rep)
{
	struct vb_arep *p = NULL;
	bool first = !*r[VB_RC_RECORD] || !strncmp(r[VB_RC_RECORD], "1/", 2);

	for (size_t k = g->nreps; k > 0 && !p; k--)
		if (g->reps[k - 1].rep == rep)
			p = &g->reps[k - 1];
	if (p && !first)
		return p;
	if (!p) {
		VB_GROW(g->reps, g->nreps + 1, g->capreps);
		p = &g->reps[g->nreps++];
	} else {
		g->nflagged -= p->flags != 0;
		g->nexcluded -= p->excluded;
	}
	p->rep = rep;
	vb_noise_from_row(r, &p->noise);
	p->flags = vb_noise_judge(&p->noise, &a->noise);
	p->excluded = p->flags && a->noise.action == VB_NOISE_EXCLUDE;
	g->nflagged += p->flags != 0;
	g->nexcluded += p->excluded;
	a->noise_sampled |= p->noise.sampled;
	return p;
}

/* What an ok row says of its cell besides its value: order, stop. */
static void note_order_stop(struct vb_agroup *g, char *const *r)
{
	unsigned bit = VB_ORDERS_UNKNOWN;

	for (int o = VB_ORDER_SEQUENTIAL; o <= VB_ORDER_INTERLEAVED; o++)
		if (!strcmp(r[VB_RC_ORDER], vb_order_name((enum vb_order)o)))
			bit = 1u << o;
	g->orders |= bit;
	if (*r[VB_RC_STOP])
		g->stop = vb_stop_parse(r[VB_RC_STOP]);
}

static void load_env(struct vb_analysis *a, struct vb_diag *msgs)
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
		if (access(path, F_OK) == 0)
			vb_diag_add(msgs, path, jerr.line, "%s; statistics are computed "
				    "without it", jerr.text);
		a->env = json_object();
	}
	free(path);
	exp = json_object_get(a->env, "experiment");
	a->name = json_str(exp, "name");
	if (json_is_string(json_object_get(exp, "baseline")))
		a->baseline = json_str(exp, "baseline");
	a->host_cpus = (int)json_integer_value(json_object_get(json_object_get(a->env, "host"), "cpus"));
	load_rules(a, exp);
	th = json_object_get(exp, "thresholds");
	a->thr = vb_xcalloc(json_array_size(th) + 1, sizeof(*a->thr));
	json_array_foreach(th, i, it) {
		struct vb_athreshold *t = &a->thr[a->nthr++];

		memset(t, 0, sizeof(*t));
		t->text = vb_xstrdup(json_string_value(it));
		t->valid = vb_threshold_parse(t->text, &t->th, t->err, sizeof(t->err)) == 0;
	}
}

static int load_runs(struct vb_analysis *a, struct vb_diag *msgs)
{
	struct vb_journal_data d;
	char err[1024];
	int rc;

	rc = vb_journal_read(a->dir, &vb_runs_format, &d, err, sizeof(err));
	if (rc < 0) {
		vb_diag_add(msgs, NULL, 0, "%s", err);
		return rc;
	}
	if (d.nrows == 0 && d.ignored == 0) {
		char *path = vb_path_join(a->dir, "runs.csv");

		if (access(path, F_OK) < 0) {
			vb_diag_add(msgs, path, 0, "%s; is this a virtbench results directory?",
				    strerror(errno));
			free(path);
			vb_journal_data_free(&d);
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
			g->verdict = vb_xstrdup(r[VB_RC_VERDICT]);
		}
		if (!*g->facts && *r[VB_RC_FACTS]) {
			free(g->facts);
			g->facts = vb_xstrdup(r[VB_RC_FACTS]);
		}
		if (!parse_double(r[VB_RC_REPETITION], &rep))
			rep = 0;
		if (strcmp(r[VB_RC_STATUS], "ok") != 0) {
			/* A retried repetition that later succeeded still counts
			 * as a failure that happened: the report lists it. */
			g->failed_reps = vb_xreallocarray(g->failed_reps, g->nfailed + 1,
							  sizeof(int));
			g->failed_errors = vb_xreallocarray(g->failed_errors, g->nfailed + 1,
							    sizeof(char *));
			g->failed_reps[g->nfailed] = (int)rep;
			g->failed_errors[g->nfailed] = vb_xstrdup(r[VB_RC_ERROR]);
			g->nfailed++;
			continue;
		}
		note_order_stop(g, r);
		if (!*r[VB_RC_METRIC])
			continue;
		/* Flagged under noise = "exclude": listed, not counted; its
		 * cell is there even when no repetition is left in it. */
		if (rep_note(a, g, r, (int)rep)->excluded) {
			cell_get(a, gi, r[VB_RC_METRIC], r[VB_RC_UNIT]);
			continue;
		}
		if (!parse_double(r[VB_RC_VALUE], &v)) {
			char *path = vb_path_join(a->dir, "runs.csv");

			vb_diag_add(msgs, path, d.rows[i].line, "value '%s' of metric %s is "
				    "not a number; row ignored", r[VB_RC_VALUE], r[VB_RC_METRIC]);
			free(path);
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
					c->values = vb_xreallocarray(c->values, c->cap, sizeof(double));
					c->reps = vb_xreallocarray(c->reps, c->cap, sizeof(int));
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

int vb_analysis_load(const char *dir, struct vb_analysis **out,
		     struct vb_diag *msgs)
{
	struct vb_analysis *a = vb_xcalloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	a->dir = vb_xstrdup(dir);
	load_env(a, msgs);
	rc = load_runs(a, msgs);
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
		c->outlier = vb_xcalloc(c->n ? c->n : 1, sizeof(bool));
		vb_stats_describe(c->values, c->n, &c->st, c->outlier);
	}
	count_ok_reps(a);
	order_groups(a);
	if (a->ncells > 1)
		qsort(a->cells, a->ncells, sizeof(*a->cells), cmp_cells);
	vb_analysis_compare(a);
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
		free(g->reps);
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

/* Results without the metric flags (before ABI 1.1, or of a 1.0 plugin):
 * what a reader of a CPU or file-IO benchmark looks at first. MiB/s are
 * left out: with a fixed block size they are the request rates rescaled.
 * The built-in workloads flag this same set. */
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

/* The workload's own answer (metric flags of ABI 1.1, recorded in
 * environment.json): 1 primary, 0 not, -1 not recorded (an older results
 * directory or a 1.0 plugin). A table that flags no metric has them all
 * charted that have a direction. */
static int flagged_primary(const struct vb_analysis *a, const char *workload,
			   const char *metric)
{
	json_t *ms = env_metrics(a, workload), *it, *p;
	bool flags = false, any = false, hit = false, dir = false;
	size_t i;

	json_array_foreach(ms, i, it) {
		if (!(p = json_object_get(it, "primary")))
			continue;
		flags = true;
		any |= json_is_true(p);
		if (strcmp(json_str(it, "name"), metric) == 0) {
			hit = json_is_true(p);
			dir = strcmp(json_str(it, "better"), "neutral") != 0;
		}
	}
	if (!flags)
		return -1;
	return any ? hit : dir;
}

bool vb_analysis_primary(const struct vb_analysis *a, const char *workload,
			 const char *metric)
{
	const char *env = getenv("VIRTBENCH_PLOT_METRICS");
	bool any = false;
	int flagged;

	if (env && *env)
		return in_list(env, metric);
	if ((flagged = flagged_primary(a, workload, metric)) >= 0)
		return flagged;
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


const char *vb_analysis_headline(const struct vb_analysis *a,
				 const char *workload)
{
	const struct vb_acell *best = NULL;

	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];

		if (strcmp(c->group->workload, workload) ||
		    !vb_analysis_primary(a, workload, c->metric))
			continue;
		if (!best || c->metric_rank < best->metric_rank)
			best = c;
	}
	return best ? best->metric : NULL;
}

/* ------------------------------------------------------------------ */
/* Output files                                                         */
/* ------------------------------------------------------------------ */

FILE *vb_out_begin(struct vb_out *o)
{
	o->data = NULL;
	o->len = 0;
	o->f = open_memstream(&o->data, &o->len);
	if (!o->f)
		vb_oom();
	return o->f;
}

int vb_out_end(struct vb_out *o, const char *dir, const char *name,
	       struct vb_diag *msgs)
{
	char *path = vb_path_join(dir, name);
	int rc = 0;

	if (ferror(o->f))
		rc = -EIO;
	if (fclose(o->f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = vb_write_file_atomic(path, o->data, o->len);
	if (rc < 0)
		vb_diag_add(msgs, path, 0, "cannot write: %s", strerror(-rc));
	free(o->data);
	free(path);
	memset(o, 0, sizeof(*o));
	return rc;
}
