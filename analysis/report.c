/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.md: everything a reader needs to trust (or distrust) the numbers of
 * a results directory, rebuilt from the directory alone. The sections and
 * warning rules are documented in docs/report.md.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/model.h"
#include "analysis/report.h"
#include "engine/journal.h"

/* ------------------------------------------------------------------ */
/* Formatting                                                           */
/* ------------------------------------------------------------------ */

/* Markdown table cells: a '|' would end the cell, a newline the row. */
void vb_md(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* The first cells of a table row, "| a | b | c", escaped; the caller
 * goes on with " | ..." and ends the row. */
void vb_md_cells(FILE *f, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, i ? " | " : "| ");
		vb_md(f, cells[i]);
	}
}

void vb_md_code(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '`' ? '\'' : *s == '|' ? '/' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
}

char *vb_cell_name(const struct vb_agroup *g)
{
	char pd[256];

	vb_params_display(g->params, pd, sizeof(pd));
	return vb_xasprintf("%s %s %s %s", g->backend, g->config, g->workload, pd);
}

bool vb_is_noisy(const struct vb_acell *c)
{
	return isfinite(c->st.cv) && c->st.cv > VB_NOISY_CV;
}

static void fmt_bytes(long long v, char *buf, size_t n)
{
	char num[32];

	if (v <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	snprintf(num, sizeof(num), "%lld", v);
	if (v % (1024 * 1024) == 0)
		vb_param_display("size", num, buf, n);
	else
		snprintf(buf, n, "%.2f GiB", (double)v / (1024.0 * 1024 * 1024));
}

/* Decimals that show a 95 % CI half-width to two significant digits. */
static int ci_decimals(double half)
{
	int d;

	if (!isfinite(half) || half <= 0)
		return 4;
	d = 1 - (int)floor(log10(half));
	return d < 0 ? 0 : d > 9 ? 9 : d;
}

static void fmt_mean_ci(const struct vb_stats *st, char *buf, size_t n)
{
	int d = ci_decimals(st->ci_half);

	if (isnan(st->mean))
		snprintf(buf, n, "-");
	else if (isnan(st->ci_half))
		snprintf(buf, n, "%.*g", 6, st->mean);
	else
		snprintf(buf, n, "%.*f ± %.*f", d, st->mean, d, st->ci_half);
}

static void fmt_num(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (isinf(v))
		snprintf(buf, n, "%s", v > 0 ? "∞" : "−∞");
	else
		snprintf(buf, n, "%.6g", v);
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

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* A JSON scalar as text (strings without quotes). */
static char *jtext(json_t *v)
{
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static bool truthy(const char *s)
{
	return !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true");
}

bool vb_has_fact(const char *facts, const char *kv)
{
	size_t l = strlen(kv);

	for (const char *p = facts; p && *p;) {
		size_t n = strcspn(p, ";");

		if (n == l && !strncmp(p, kv, l))
			return true;
		p += n + (p[n] == ';');
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Sections                                                             */
/* ------------------------------------------------------------------ */

static void section_host(FILE *f, const struct vb_analysis *a)
{
	json_t *host = json_object_get(a->env, "host"), *plugins, *it;
	char mem[64];
	size_t i;

	fprintf(f, "## Host and versions\n\n");
	if (!json_is_object(host)) {
		fprintf(f, "environment.json is missing or has no host record.\n\n");
		return;
	}
	fmt_bytes((long long)json_integer_value(json_object_get(host, "memory")), mem,
		  sizeof(mem));
	fprintf(f, "| | |\n| --- | --- |\n");
	fprintf(f, "| hostname | ");
	vb_md(f, jstr(host, "hostname"));
	fprintf(f, " |\n| OS | ");
	vb_md(f, jstr(host, "os"));
	fprintf(f, " |\n| kernel | ");
	vb_md(f, jstr(host, "kernel"));
	if (*jstr(host, "machine")) {
		fprintf(f, " |\n| machine | ");
		vb_md(f, jstr(host, "machine"));
	}
	if (*jstr(host, "cpu_model")) {
		fprintf(f, " |\n| CPU model | ");
		vb_md(f, jstr(host, "cpu_model"));
	}
	fprintf(f, " |\n| CPUs | %lld |\n| memory | %s |\n",
		(long long)json_integer_value(json_object_get(host, "cpus")), mem);
	fprintf(f, "| virtbench | ");
	vb_md(f, jstr(a->env, "virtbench"));
	fprintf(f, " (plugin ABI ");
	vb_md(f, jstr(a->env, "abi"));
	fprintf(f, ") |\n| configuration hash | ");
	vb_md(f, jstr(a->env, "config_hash"));
	fprintf(f, " |\n| started | ");
	vb_md(f, jstr(a->env, "started"));
	fprintf(f, " |\n| finished | ");
	vb_md(f, jstr(a->env, "finished"));
	fprintf(f, " |\n\n");

	plugins = json_object_get(a->env, "plugins");
	if (json_array_size(plugins)) {
		fprintf(f, "| plugin | kind | version | file |\n| --- | --- | --- | --- |\n");
		json_array_foreach(plugins, i, it) {
			vb_md_cells(f, (const char *[]){ jstr(it, "name"),
				     jstr(it, "kind"), jstr(it, "version"),
				     jstr(it, "path") }, 4);
			fprintf(f, " |\n");
		}
		fprintf(f, "\n");
	}
}

static void print_options(FILE *f, json_t *opts)
{
	const char *k;
	json_t *v;
	bool first = true;

	json_object_foreach(opts, k, v) {
		char *t = jtext(v);

		fprintf(f, "%s", first ? "" : ", ");
		vb_md(f, k);
		fprintf(f, "=");
		vb_md(f, t ? t : "?");
		free(t);
		first = false;
	}
	if (first)
		fprintf(f, "defaults");
}

static void section_matrix(FILE *f, const struct vb_analysis *a)
{
	json_t *ex = json_object_get(a->env, "experiment"), *it;
	size_t i, nrep_cells = 0;

	fprintf(f, "## The matrix\n\n");
	if (json_is_object(ex)) {
		fprintf(f, "Experiment `");
		vb_md(f, jstr(ex, "name"));
		fprintf(f, "` (`");
		vb_md(f, jstr(ex, "path"));
		if (a->adaptive.on)
			fprintf(f, "`): %d to %d repetitions per cell (until the 95 %% CI "
				"is within %.3g %% of the mean)", a->adaptive.min,
				a->adaptive.max, 100 * a->adaptive.precision);
		else
			fprintf(f, "`): %lld repetitions per cell",
				(long long)json_integer_value(json_object_get(ex, "repetitions")));
		fprintf(f, ", %lld warm-up, order %s, seed %lld, baseline %s.\n\n",
			(long long)json_integer_value(json_object_get(ex, "warmup")),
			jstr(ex, "order"),
			(long long)json_integer_value(json_object_get(ex, "seed")),
			a->baseline ? a->baseline : "none");
		fprintf(f, "| backend | plugin | options |\n| --- | --- | --- |\n");
		json_array_foreach(json_object_get(ex, "backends"), i, it) {
			vb_md_cells(f, (const char *[]){ jstr(it, "name"),
				     jstr(it, "plugin") }, 2);
			fprintf(f, " | ");
			print_options(f, json_object_get(it, "options"));
			fprintf(f, " |\n");
		}
		fprintf(f, "\n| config | CPUs | memory |\n| --- | --- | --- |\n");
		json_array_foreach(json_object_get(ex, "configs"), i, it) {
			char mem[64];

			fmt_bytes((long long)json_integer_value(json_object_get(it, "memory")),
				  mem, sizeof(mem));
			vb_md_cells(f, (const char *[]){ jstr(it, "name") }, 1);
			fprintf(f, " | %lld | %s |\n",
				(long long)json_integer_value(json_object_get(it, "cpus")), mem);
		}
		fprintf(f, "\n| workload | plugin | options | matrix axes |\n"
			"| --- | --- | --- | --- |\n");
		json_array_foreach(json_object_get(ex, "workloads"), i, it) {
			const char *k;
			json_t *vals;
			bool first = true;

			vb_md_cells(f, (const char *[]){ jstr(it, "name"),
				     jstr(it, "plugin") }, 2);
			fprintf(f, " | ");
			print_options(f, json_object_get(it, "options"));
			fprintf(f, " | ");
			json_object_foreach(json_object_get(it, "axes"), k, vals) {
				size_t j;
				json_t *v;

				fprintf(f, "%s", first ? "" : "; ");
				vb_md(f, k);
				fprintf(f, " = ");
				json_array_foreach(vals, j, v) {
					char d[64];

					vb_param_display(k, json_string_value(v) ? json_string_value(v) : "?",
							 d, sizeof(d));
					fprintf(f, "%s", j ? ", " : "");
					vb_md(f, d);
				}
				first = false;
			}
			fprintf(f, "%s |\n", first ? "none" : "");
		}
		fprintf(f, "\n");
	} else {
		fprintf(f, "environment.json is missing: the matrix below is what runs.csv holds.\n\n");
	}
	for (i = 0; i < a->ngroups; i++)
		nrep_cells += a->groups[i].nok;
	fprintf(f, "runs.csv holds %zu cells (backend × config × workload parameters) with "
		"%zu successful repetitions in all.\n\n", a->ngroups, nrep_cells);
}

static void section_verify(FILE *f, const struct vb_journal_data *vd, bool have)
{
	fprintf(f, "## Verification: requested vs observed\n\n");
	if (!have) {
		fprintf(f, "verify.csv is missing: no environment of this directory was "
			"verified, so none of its numbers can be trusted to come from the "
			"requested resources.\n\n");
		return;
	}
	fprintf(f, "Each time an environment was opened the agent probed it from inside "
		"(usable CPUs, memory limit). One row per opened environment.\n\n");
	fprintf(f, "| backend | config | CPUs requested | CPUs observed | memory requested "
		"| memory observed | enforced (CPU / memory) | verdict | reason |\n"
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < vd->nrows; i++) {
		char **r = vd->rows[i].f;
		char m1[64], m2[64];

		fmt_bytes(atoll(r[VB_VC_MEMORY_REQUESTED]), m1, sizeof(m1));
		fmt_bytes(atoll(r[VB_VC_MEMORY_OBSERVED]), m2, sizeof(m2));
		vb_md_cells(f, (const char *[]){ r[VB_VC_BACKEND], r[VB_VC_CONFIG],
			    r[VB_VC_CPUS_REQUESTED], r[VB_VC_CPUS_OBSERVED] }, 4);
		fprintf(f, " | %s | %s | %s / %s | **", m1, m2,
			truthy(r[VB_VC_CPUS_ENFORCED]) ? "yes" : "no",
			truthy(r[VB_VC_MEMORY_ENFORCED]) ? "yes" : "no");
		vb_md(f, r[VB_VC_VERDICT]);
		fprintf(f, "** | ");
		vb_md(f, *r[VB_VC_REASON] ? r[VB_VC_REASON] : "-");
		fprintf(f, " |\n");
	}
	fprintf(f, "\n");
}

static void section_thresholds(FILE *f, const struct vb_analysis *a)
{
	if (!a->nthr)
		return;
	fprintf(f, "## Thresholds\n\n");
	fprintf(f, "A threshold compares the ratio of means in every config and parameter "
		"set; it is violated if any cell breaks it.\n\n"
		"| threshold | cells checked | cells violating | result |\n"
		"| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < a->nthr; i++) {
		const struct vb_athreshold *t = &a->thr[i];

		fprintf(f, "| `");
		vb_md(f, t->text);
		fprintf(f, "` | %zu | %zu | %s |\n", t->ncells, t->nviolated,
			!t->valid ? "invalid" : !t->ncells ? "not evaluated" :
			t->nviolated ? "**VIOLATED**" : "ok");
	}
	fprintf(f, "\n");
}

static const char *better_text(int b)
{
	return b < 0 ? ", lower is better" : b > 0 ? ", higher is better" : "";
}

static void fmt_ci(const struct vb_acmp *m, char *buf, size_t n)
{
	char lo[32], hi[32];

	if (isnan(m->r.lo))
		snprintf(lo, sizeof(lo), "-");
	else if (isinf(m->r.lo))
		snprintf(lo, sizeof(lo), "−∞");
	else
		snprintf(lo, sizeof(lo), "%.3f", m->r.lo);
	if (isnan(m->r.hi))
		snprintf(hi, sizeof(hi), "-");
	else if (isinf(m->r.hi))
		snprintf(hi, sizeof(hi), "∞");
	else
		snprintf(hi, sizeof(hi), "%.3f", m->r.hi);
	snprintf(buf, n, "%.3f [%s, %s]", m->r.ratio, lo, hi);
}

/* Result tables: one per workload and metric, rows by parameters, backend,
 * config, so a reader scans one metric across the whole matrix. The
 * comparison table uses the same order. */
static int cmp_cell_display(const void *x, const void *y)
{
	return vb_acell_display_cmp(*(const struct vb_acell *const *)x,
				    *(const struct vb_acell *const *)y);
}

static void section_summary(FILE *f, const struct vb_analysis *a)
{
	const struct vb_acell *prev = NULL, **order;

	order = malloc((a->ncells ? a->ncells : 1) * sizeof(*order));
	if (!order)
		abort();
	for (size_t i = 0; i < a->ncells; i++)
		order[i] = &a->cells[i];
	qsort(order, a->ncells, sizeof(*order), cmp_cell_display);
	fprintf(f, "## Appendix: every result\n\n");
	fprintf(f, "Mean ± half-width of the 95 %% confidence interval of the mean "
		"(Student t), coefficient of variation (⚠ above 5 %%), and outliers by "
		"modified z-score (flagged, never dropped; repetitions listed). The same "
		"numbers are in summary.csv and summary.json.\n\n");
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = order[i];
		const struct vb_agroup *g = c->group;
		char pd[256], mean[96], mn[32], md_[32], mx[32], cv[32], outl[128];
		size_t len = 0;

		if (!prev || strcmp(prev->group->workload, g->workload) ||
		    strcmp(prev->metric, c->metric)) {
			fprintf(f, "%s### %s: %s%s%s%s%s\n\n", prev ? "\n" : "", g->workload,
				c->metric, *c->unit ? " (" : "", c->unit, *c->unit ? ")" : "",
				better_text(c->better));
			fprintf(f, "| backend | config | parameters | n | mean ± 95 %% CI | CV %% "
				"| min | median | max | outliers |\n"
				"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
		}
		vb_params_display(g->params, pd, sizeof(pd));
		prev = c;
		fmt_mean_ci(&c->st, mean, sizeof(mean));
		fmt_num(c->st.min, mn, sizeof(mn));
		fmt_num(c->st.median, md_, sizeof(md_));
		fmt_num(c->st.max, mx, sizeof(mx));
		if (isfinite(c->st.cv))
			snprintf(cv, sizeof(cv), "%.1f%s", c->st.cv * 100,
				 c->st.cv > VB_NOISY_CV ? " ⚠" : "");
		else
			snprintf(cv, sizeof(cv), "-");
		outl[0] = '\0';
		if (c->st.noutliers) {
			len = (size_t)snprintf(outl, sizeof(outl), "%zu (rep", c->st.noutliers);
			for (size_t k = 0; k < c->n && len < sizeof(outl); k++)
				if (c->outlier[k])
					len += (size_t)snprintf(outl + len, sizeof(outl) - len, " %d",
								c->reps[k]);
			if (len < sizeof(outl))
				snprintf(outl + len, sizeof(outl) - len, ")");
		} else {
			snprintf(outl, sizeof(outl), "0");
		}
		vb_md_cells(f, (const char *[]){ g->backend, g->config, pd }, 3);
		fprintf(f, " | %zu | %s | %s | %s | %s | %s | %s |\n", c->n, mean, cv, mn, md_,
			mx, outl);
	}
	free(order);
	if (!a->ncells)
		fprintf(f, "No successful repetition in runs.csv.\n");
	fprintf(f, "\n");
}

/* Comparisons read best grouped by workload and metric, then parameters. */
static int cmp_display(const void *x, const void *y)
{
	return vb_acell_display_cmp((*(const struct vb_acmp *const *)x)->cell,
				    (*(const struct vb_acmp *const *)y)->cell);
}

static const struct vb_acmp **sorted_cmp(const struct vb_analysis *a)
{
	const struct vb_acmp **order = vb_xcalloc(a->ncmp + 1, sizeof(*order));

	for (size_t i = 0; i < a->ncmp; i++)
		order[i] = &a->cmp[i];
	if (a->ncmp > 1)
		qsort(order, a->ncmp, sizeof(*order), cmp_display);
	return order;
}

/* A comparison table's heading and column header, when cell c starts a
 * new workload and metric (the rows come sorted so); returns c as the
 * next call's prev. */
static const struct vb_acell *table_head(FILE *f, const struct vb_acell *prev,
					 const struct vb_acell *c,
					 const char *columns)
{
	const char *wl = c->group->workload;

	if (prev && strcmp(prev->group->workload, wl) == 0 &&
	    strcmp(prev->metric, c->metric) == 0)
		return c;
	fprintf(f, "%s### ", prev ? "\n" : "");
	vb_md(f, wl);
	fprintf(f, ": ");
	vb_md(f, c->metric);
	fprintf(f, "%s\n\n%s", better_text(c->better), columns);
	return c;
}
static void section_comparisons(FILE *f, const struct vb_analysis *a)
{
	const struct vb_acell *prev = NULL;
	const struct vb_acmp **order;
	size_t shown = 0, apart = 0;

	fprintf(f, "## Comparisons against ");
	vb_md(f, a->baseline ? a->baseline : "the baseline");
	fprintf(f, "\n\n");
	if (!a->baseline) {
		fprintf(f, "No baseline: the experiment has no `baseline` and no bare-metal "
			"backend.\n\n");
		return;
	}
	order = sorted_cmp(a);
	fprintf(f, "Ratio of means (backend / baseline) in the same config and parameters, "
		"with its 95 %% Fieller interval, and the two-sided Welch t-test p-value "
		"for a difference of means. A ratio whose interval excludes 1 with a small "
		"p is a real difference. The charted metrics are shown; all are in "
		"comparisons.csv.\n\n");
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = order[i];
		const struct vb_acell *c = m->cell;
		const struct vb_agroup *g = c->group;
		char pd[256], r[96], p[32];

		if (m->varies != VB_VARIES_BACKEND ||
		    !vb_analysis_primary(a, g->workload, c->metric))
			continue;
		prev = table_head(f, prev, c,
				  "| backend | config | parameters | ratio [95 % CI] | "
				  "p (Welch) | n / n(baseline) | interleaved | threshold |\n"
				  "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
		vb_params_display(g->params, pd, sizeof(pd));
		fmt_ci(m, r, sizeof(r));
		fmt_p(m->w.p, p, sizeof(p));
		vb_md_cells(f, (const char *[]){ g->backend, g->config, pd }, 3);
		fprintf(f, " | %s | %s | %zu / %zu | ", r, p, c->n, m->base->n);
		if (m->interleaved) {
			fprintf(f, "yes");
		} else if ((g->orders | m->base->group->orders) & VB_ORDERS_UNKNOWN) {
			/* Results from before the order was recorded. */
			fprintf(f, "unknown");
		} else {
			char o1[64], o2[64];

			vb_orders_text(g->orders, o1, sizeof(o1));
			vb_orders_text(m->base->group->orders, o2, sizeof(o2));
			fprintf(f, "**no** (%s / %s)", o1, o2);
			apart++;
		}
		fprintf(f, " | ");
		vb_md(f, m->threshold ? m->threshold : "");
		fprintf(f, " |\n");
		shown++;
	}
	free(order);
	if (!shown)
		fprintf(f, "No cell has results for both a backend and the baseline.\n");
	else if (apart)
		fprintf(f, "\n%zu of these comparisons were not measured in interleaved "
			"rounds (`order = \"interleaved\"`): their two sides ran at "
			"different times, so a drift of the host between them (load, "
			"temperature, a neighbour VM) cannot be told from a real "
			"difference.\n", apart);
	fprintf(f, "\n");
}

/* Config against config of one backend: did more CPUs or memory help? */
static void section_resources(FILE *f, const struct vb_analysis *a)
{
	const struct vb_acmp **order = sorted_cmp(a);
	const struct vb_acell *prev = NULL;
	size_t shown = 0;

	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = order[i];
		const struct vb_acell *c = m->cell;
		const struct vb_agroup *g = c->group;
		char pd[256], r[96], p[32];

		if (m->varies == VB_VARIES_BACKEND ||
		    !vb_analysis_primary(a, g->workload, c->metric))
			continue;
		if (!shown)
			fprintf(f, "## More CPUs, more memory\n\nEach config against the next "
				"smaller one of the same backend that differs only in CPUs or "
				"only in memory: ratio of means (larger / smaller) with its 95 %% "
				"Fieller interval and the Welch p-value. All metrics are in "
				"comparisons.csv (varies = cpus, memory).\n\n");
		prev = table_head(f, prev, c,
				  "| backend | more | config | against | parameters | "
				  "ratio [95 % CI] | p (Welch) | n / n |\n"
				  "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
		vb_params_display(g->params, pd, sizeof(pd));
		fmt_ci(m, r, sizeof(r));
		fmt_p(m->w.p, p, sizeof(p));
		vb_md_cells(f, (const char *[]){ g->backend, vb_varies_name(m->varies),
			    g->config, m->base->group->config, pd }, 5);
		fprintf(f, " | %s | %s | %zu / %zu |\n", r, p, c->n, m->base->n);
		shown++;
	}
	if (shown)
		fprintf(f, "\n");
	free(order);
}

/* Image alt text: brackets would end Markdown's ![...]. */
static void md_alt(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '[' || *s == ']' ? ' ' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
}

/* The charts that show the findings (overhead) first, then the lines and
 * the bars. */
static void section_charts(FILE *f, const struct vb_analysis *a)
{
	static const char *const kinds[] = { "overhead", "line", "bars" };
	char *path = vb_path_join(a->dir, "plots/index.csv");
	struct vb_table t;
	int cn, ct, ck;
	size_t missing = 0;

	fprintf(f, "## Charts\n\n");
	if (vb_table_read(path, &t, NULL, 0) < 0) {
		fprintf(f, "No charts: plots/ was not written (run `virtbench plot DIR`).\n\n");
		free(path);
		return;
	}
	free(path);
	cn = vb_table_col(&t, "name");
	ct = vb_table_col(&t, "title");
	ck = vb_table_col(&t, "kind");
	fprintf(f, "Each chart's data (`plots/NAME.dat`) and filled gnuplot script "
		"(`plots/NAME.gp`) sit next to its image; edit the script and run "
		"`gnuplot NAME.gp` inside plots/ to redraw it.\n\n");
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; cn >= 0 && i < t.nrows; i++) {
			const char *name = t.rows[i][cn], *title = ct >= 0 ? t.rows[i][ct] : name;
			const char *kind = ck >= 0 ? t.rows[i][ck] : "";
			bool known = false;
			char *png, *full;

			for (size_t j = 0; j < 3; j++)
				known |= !strcmp(kind, kinds[j]);
			/* Pass 3: charts of a kind of one's own. */
			if (k < 3 ? strcmp(kind, kinds[k]) != 0 : known)
				continue;
			/* Only plain names: an edited index must not point elsewhere. */
			if (!*name || strpbrk(name, "/()[] \n") || name[0] == '.')
				continue;
			png = vb_xasprintf("plots/%s.png", name);
			full = vb_path_join(a->dir, png);
			if (access(full, R_OK) == 0) {
				fprintf(f, "### ");
				vb_md(f, title);
				fprintf(f, "\n\n![");
				md_alt(f, title);
				fprintf(f, "](%s)\n\n", png);
			} else {
				missing++;
			}
			free(full);
			free(png);
		}
	if (missing)
		fprintf(f, "%zu chart%s not rendered (gnuplot missing or failed; see "
			"plots/gnuplot.log); its script and data are in plots/.\n\n", missing,
			missing == 1 ? " was" : "s were");
	vb_table_free(&t);
}

static int cmp_group_display(const void *x, const void *y)
{
	const struct vb_agroup *a = *(const struct vb_agroup *const *)x;
	const struct vb_agroup *b = *(const struct vb_agroup *const *)y;

	for (int k = 0; k < 4; k++)
		if (a->order[k] != b->order[k])
			return a->order[k] < b->order[k] ? -1 : 1;
	return strcmp(a->backend, b->backend);
}

/* The groups in the order of the experiment file (malloc'd). */
static const struct vb_agroup **groups_in_order(const struct vb_analysis *a)
{
	const struct vb_agroup **g = vb_xcalloc(a->ngroups + 1, sizeof(*g));

	for (size_t i = 0; i < a->ngroups; i++)
		g[i] = &a->groups[i];
	if (a->ngroups > 1)
		qsort(g, a->ngroups, sizeof(*g), cmp_group_display);
	return g;
}

static void fmt_share(double v, const char *unit, char *buf, size_t n)
{
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else if (!strcmp(unit, "%"))
		snprintf(buf, n, "%.1f %%", 100 * v);
	else
		snprintf(buf, n, "%.2f", v);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/* "3-9, 11, 14-20" of the repetitions in g with exactly these flags (any
 * flag when flags is 0), excluded ones only when `excluded`. */
static void rep_ranges(const struct vb_agroup *g, unsigned flags,
		       bool excluded, struct vb_buf *b)
{
	int *n = vb_xcalloc(g->nreps + 1, sizeof(int));
	size_t m = 0;

	for (size_t k = 0; k < g->nreps; k++) {
		const struct vb_arep *r = &g->reps[k];

		if (r->flags && (flags ? r->flags == flags : true) &&
		    (!excluded || r->excluded))
			n[m++] = r->rep;
	}
	qsort(n, m, sizeof(int), cmp_int);
	for (size_t i = 0; i < m;) {
		size_t j = i;

		while (j + 1 < m && n[j + 1] == n[j] + 1)
			j++;
		vb_buf_addf(b, "%s%d", i ? ", " : "", n[i]);
		if (j > i)
			vb_buf_addf(b, "-%d", n[j]);
		i = j + 1;
	}
	free(n);
}

/* "foreign: 3-9, 12; steal,foreign: 10" of the flagged repetitions. */
static void flagged_list(const struct vb_agroup *g, bool excluded,
			 struct vb_buf *b)
{
	if (excluded) {
		rep_ranges(g, 0, true, b);
	} else {
		for (unsigned f = 1; f <= 3; f++) {
			size_t before = b->len;

			if (before)
				vb_buf_add(b, "; ");
			vb_buf_addf(b, "%s: ", vb_noise_flags_name(f));
			rep_ranges(g, f, false, b);
			if (b->s[b->len - 1] == ' ') {
				/* none with these flags */
				b->len = before;
				b->s[b->len] = '\0';
			}
		}
	}
	if (!b->len)
		vb_buf_add(b, "-");
}

static void section_noise(FILE *f, const struct vb_analysis *a)
{
	const struct vb_agroup **order;
	size_t sampled = 0, flagged = 0, excluded = 0;
	bool guest = false;

	fprintf(f, "## Host noise\n\n");
	if (!a->noise_sampled) {
		fprintf(f, "runs.csv has no noise samples (it was written before "
			"virtbench sampled the host around every repetition).\n\n");
		return;
	}
	for (size_t i = 0; i < a->ngroups; i++) {
		struct vb_group_noise gn;

		vb_group_noise(&a->groups[i], &gn);
		sampled += gn.sampled;
		flagged += a->groups[i].nflagged;
		excluded += a->groups[i].nexcluded;
		guest |= isfinite(gn.guest_steal);
	}
	fprintf(f, "Around every measured repetition the host was sampled: "
		"*steal*, the CPU time the hypervisor gave to others, as a share of "
		"the CPU time the environment's CPUs had; and the CPU time *other "
		"processes* used on those CPUs, in CPUs (1 = a whole CPU). A "
		"repetition is flagged when steal passes %.3g %% or other processes "
		"used more than %.3g of a CPU (one clock tick per CPU of margin, "
		"docs/report.md). %zu of %zu sampled repetitions were flagged; ",
		100 * a->noise.steal, a->noise.foreign, flagged, sampled);
	if (a->noise.action == VB_NOISE_EXCLUDE)
		fprintf(f, "with `noise = \"exclude\"` %zu were left out of the "
			"statistics (listed below, and in summary.json).\n\n", excluded);
	else
		fprintf(f, "they are kept in the statistics (`noise = \"flag\"`; "
			"`noise = \"exclude\"` leaves them out).\n\n");
	fprintf(f, "| backend | config | workload | parameters | sampled | worst steal | "
		"worst other processes (CPU) |%s flagged | excluded |\n"
		"| --- | --- | --- | --- | --- | --- | --- |%s --- | --- |\n",
		guest ? " worst guest steal |" : "", guest ? " --- |" : "");
	order = groups_in_order(a);
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = order[i];
		struct vb_buf fl = VB_BUF_INIT, ex = VB_BUF_INIT;
		struct vb_group_noise gn;
		char pd[256], st[32], fo[32], gs[32];

		vb_group_noise(g, &gn);
		if (!g->nreps)
			continue;
		vb_params_display(g->params, pd, sizeof(pd));
		fmt_share(gn.steal, "%", st, sizeof(st));
		fmt_share(gn.foreign, "", fo, sizeof(fo));
		fmt_share(gn.guest_steal, "%", gs, sizeof(gs));
		flagged_list(g, false, &fl);
		flagged_list(g, true, &ex);
		vb_md_cells(f, (const char *[]){ g->backend, g->config, g->workload,
			    pd }, 4);
		fprintf(f, " | %zu | %s | %s |", gn.sampled, st, fo);
		if (guest)
			fprintf(f, " %s |", gs);
		fprintf(f, " ");
		vb_md(f, vb_buf_str(&fl));
		fprintf(f, " | ");
		vb_md(f, vb_buf_str(&ex));
		fprintf(f, " |\n");
		vb_buf_free(&fl);
		vb_buf_free(&ex);
	}
	free(order);
	fprintf(f, "\n");
}

/* The relative half-width of g's headline metric, NAN if none. */
static double headline_precision(const struct vb_analysis *a,
				 const struct vb_agroup *g, const char **metric)
{
	const char *m = vb_analysis_headline(a, g->workload);
	const struct vb_acell *c = m ? vb_analysis_find(a, g->backend, g->config,
						       g->workload, g->params, m)
				     : NULL;

	*metric = m;
	if (!c || !isfinite(c->st.ci_half) || c->st.mean == 0)
		return NAN;
	return c->st.ci_half / fabs(c->st.mean);
}

static void section_repetitions(FILE *f, const struct vb_analysis *a)
{
	const struct vb_agroup **order;
	size_t why[4] = { 0 };

	if (!a->adaptive.on)
		return;
	for (size_t i = 0; i < a->ngroups; i++)
		why[a->groups[i].stop]++;
	fprintf(f, "## Repetitions until the interval is tight\n\n");
	fprintf(f, "Each cell was repeated at least %d and at most %d times, until the "
		"half-width of the 95 %% confidence interval of each of its primary "
		"metrics was within %.3g %% of the mean%s (docs/report.md). %zu cells "
		"reached the precision, %zu stopped at the maximum, %zu on their "
		"budget, %zu are not finished (interrupted, or failed repetitions a "
		"rerun retries).\n\n",
		a->adaptive.min, a->adaptive.max, 100 * a->adaptive.precision,
		a->adaptive.budget > 0 ? ", or its time budget was spent" : "",
		why[VB_STOP_PRECISION], why[VB_STOP_MAX], why[VB_STOP_BUDGET],
		why[VB_STOP_NONE]);
	fprintf(f, "| backend | config | workload | parameters | repetitions | stopped "
		"| headline metric ± 95 %% CI |\n| --- | --- | --- | --- | --- | --- | --- |\n");
	order = groups_in_order(a);
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = order[i];
		const char *m;
		double p = headline_precision(a, g, &m);
		char pd[256], prec[96];

		vb_params_display(g->params, pd, sizeof(pd));
		if (isfinite(p))
			snprintf(prec, sizeof(prec), "%s ± %.2f %%", m, 100 * p);
		else
			snprintf(prec, sizeof(prec), "-");
		vb_md_cells(f, (const char *[]){ g->backend, g->config, g->workload,
			    pd }, 4);
		fprintf(f, " | %zu | %s%s%s | ", g->nok + g->nexcluded,
			g->stop == VB_STOP_MAX ? "**" : "", vb_stop_text(a, g),
			g->stop == VB_STOP_MAX ? "**" : "");
		vb_md(f, prec);
		fprintf(f, " |\n");
	}
	free(order);
	fprintf(f, "\n");
}

static void section_failures(FILE *f, const struct vb_analysis *a)
{
	size_t n = 0;

	/* Refused cells fail every repetition for one reason, listed under
	 * Warnings; here only the repetitions that failed on their own. */
	for (size_t i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i].verdict, "refused"))
			n += a->groups[i].nfailed;
	if (!n)
		return;
	fprintf(f, "## Failed repetitions\n\n| backend | config | workload | parameters | "
		"repetition | verdict | error |\n| --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];
		char pd[256];

		if (!strcmp(g->verdict, "refused"))
			continue;
		vb_params_display(g->params, pd, sizeof(pd));
		for (size_t k = 0; k < g->nfailed; k++) {
			vb_md_cells(f, (const char *[]){ g->backend, g->config,
				     g->workload, pd }, 4);
			fprintf(f, " | %d | ", g->failed_reps[k]);
			vb_md(f, g->verdict);
			fprintf(f, " | ");
			vb_md(f, g->failed_errors[k]);
			fprintf(f, " |\n");
		}
	}
	fprintf(f, "\n");
}

int vb_report(const char *dir, struct vb_diag *msgs)
{
	struct vb_analysis *a;
	struct vb_journal_data vd = { 0 };
	char *vpath;
	struct vb_out o;
	FILE *f;
	char err[1024];
	bool have_verify;
	int rc, html_rc;

	rc = vb_analysis_load(dir, &a, msgs);
	if (rc < 0)
		return rc;
	/* verify.csv through its owner, the journal, like runs.csv. */
	vpath = vb_path_join(dir, "verify.csv");
	have_verify = access(vpath, F_OK) == 0;
	free(vpath);
	if (vb_journal_read(dir, &vb_verify_format, &vd, err, sizeof(err)) < 0) {
		vb_diag_add(msgs, NULL, 0, "%s; the report has no verification table", err);
		memset(&vd, 0, sizeof(vd));
		have_verify = false;
	}
	f = vb_out_begin(&o);
	fprintf(f, "# virtbench report: ");
	vb_md(f, *a->name ? a->name : "(unnamed experiment)");
	fprintf(f, "\n\nRebuilt from the results directory by `virtbench report`: the "
		"findings first, then the charts, what each environment really got, the "
		"warnings and the comparisons; host, matrix and every result table at "
		"the end. Files: runs.csv (every repetition), verify.csv, summary.csv / "
		"summary.json (statistics), comparisons.csv, plots/ (charts with their "
		"data and gnuplot scripts). Definitions: docs/report.md.\n\n");
	if (a->nthr)
		fprintf(f, "**Thresholds: %d of %zu violated.**\n\n", a->violations, a->nthr);
	vb_section_findings(f, a);
	section_charts(f, a);
	section_verify(f, &vd, have_verify);
	vb_section_warnings(f, a, &vd);
	section_noise(f, a);
	section_repetitions(f, a);
	section_thresholds(f, a);
	section_comparisons(f, a);
	section_resources(f, a);
	section_host(f, a);
	vb_report_hosts(f, a);
	section_matrix(f, a);
	section_summary(f, a);
	section_failures(f, a);
	/* The same text, as HTML; report.md is written either way. */
	html_rc = fflush(f) == 0 ? vb_report_html(dir, o.data, o.len, msgs) : -EIO;
	rc = vb_out_end(&o, dir, "report.md", msgs);
	if (rc == 0)
		rc = html_rc;
	vb_journal_data_free(&vd);
	vb_analysis_free(a);
	return rc;
}
