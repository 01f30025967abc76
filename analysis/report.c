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

/* ------------------------------------------------------------------ */
/* Formatting                                                           */
/* ------------------------------------------------------------------ */

/* Markdown table cells: a '|' would end the cell, a newline the row. */
static void md(FILE *f, const char *s)
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
static void md_cells(FILE *f, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, i ? " | " : "| ");
		md(f, cells[i]);
	}
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

/* "k=v" in a ';'-joined facts string. */
static bool has_fact(const char *facts, const char *kv)
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
	md(f, jstr(host, "hostname"));
	fprintf(f, " |\n| OS | ");
	md(f, jstr(host, "os"));
	fprintf(f, " |\n| kernel | ");
	md(f, jstr(host, "kernel"));
	if (*jstr(host, "machine")) {
		fprintf(f, " |\n| machine | ");
		md(f, jstr(host, "machine"));
	}
	if (*jstr(host, "cpu_model")) {
		fprintf(f, " |\n| CPU model | ");
		md(f, jstr(host, "cpu_model"));
	}
	fprintf(f, " |\n| CPUs | %lld |\n| memory | %s |\n",
		(long long)json_integer_value(json_object_get(host, "cpus")), mem);
	fprintf(f, "| virtbench | ");
	md(f, jstr(a->env, "virtbench"));
	fprintf(f, " (plugin ABI ");
	md(f, jstr(a->env, "abi"));
	fprintf(f, ") |\n| configuration hash | ");
	md(f, jstr(a->env, "config_hash"));
	fprintf(f, " |\n| started | ");
	md(f, jstr(a->env, "started"));
	fprintf(f, " |\n| finished | ");
	md(f, jstr(a->env, "finished"));
	fprintf(f, " |\n\n");

	plugins = json_object_get(a->env, "plugins");
	if (json_array_size(plugins)) {
		fprintf(f, "| plugin | kind | version | file |\n| --- | --- | --- | --- |\n");
		json_array_foreach(plugins, i, it) {
			md_cells(f, (const char *[]){ jstr(it, "name"),
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
		md(f, k);
		fprintf(f, "=");
		md(f, t ? t : "?");
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
		md(f, jstr(ex, "name"));
		fprintf(f, "` (`");
		md(f, jstr(ex, "path"));
		fprintf(f, "`): %lld repetitions per cell, %lld warm-up, order %s, seed %lld, "
			"baseline %s.\n\n",
			(long long)json_integer_value(json_object_get(ex, "repetitions")),
			(long long)json_integer_value(json_object_get(ex, "warmup")),
			jstr(ex, "order"),
			(long long)json_integer_value(json_object_get(ex, "seed")),
			a->baseline ? a->baseline : "none");
		fprintf(f, "| backend | plugin | options |\n| --- | --- | --- |\n");
		json_array_foreach(json_object_get(ex, "backends"), i, it) {
			md_cells(f, (const char *[]){ jstr(it, "name"),
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
			md_cells(f, (const char *[]){ jstr(it, "name") }, 1);
			fprintf(f, " | %lld | %s |\n",
				(long long)json_integer_value(json_object_get(it, "cpus")), mem);
		}
		fprintf(f, "\n| workload | plugin | options | matrix axes |\n"
			"| --- | --- | --- | --- |\n");
		json_array_foreach(json_object_get(ex, "workloads"), i, it) {
			const char *k;
			json_t *vals;
			bool first = true;

			md_cells(f, (const char *[]){ jstr(it, "name"),
				     jstr(it, "plugin") }, 2);
			fprintf(f, " | ");
			print_options(f, json_object_get(it, "options"));
			fprintf(f, " | ");
			json_object_foreach(json_object_get(it, "axes"), k, vals) {
				size_t j;
				json_t *v;

				fprintf(f, "%s", first ? "" : "; ");
				md(f, k);
				fprintf(f, " = ");
				json_array_foreach(vals, j, v) {
					char d[64];

					vb_param_display(k, json_string_value(v) ? json_string_value(v) : "?",
							 d, sizeof(d));
					fprintf(f, "%s", j ? ", " : "");
					md(f, d);
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

/* Warnings are grouped by kind: one bullet per kind, one sub-item per cell. */
enum wkind { W_REFUSED, W_VERIFY, W_FAILED, W_OVERSUB, W_TCG, W_CACHE, W_NOISY,
	     W_CLOCK, W_OUTLIER, W_THRESHOLD, W_N };
static const char *const wtitle[W_N] = {
	[W_REFUSED] = "**Refused environments**: verification failed, so these cells "
		      "have no results",
	[W_VERIFY] = "**Verification warnings**: the environment differs from the "
		     "request, results kept",
	[W_FAILED] = "**Failed repetitions**: statistics use the repetitions that "
		     "succeeded",
	[W_OVERSUB] = "**Oversubscribed vCPUs**: more CPUs requested than the host has; "
		      "VM vCPUs share host CPUs and no container or process can get more "
		      "CPUs than the host has",
	[W_TCG] = "**TCG single-threaded with several vCPUs** (accel=tcg, "
		  "tcg_thread=single): all vCPUs run on one host thread, so extra vCPUs "
		  "add no CPU throughput; use thread=multi or KVM",
	[W_CACHE] = "**Page cache not dropped** before some repetitions: file-IO "
		    "numbers may come from memory",
	[W_NOISY] = "**Noisy cells**: coefficient of variation above 5 %; treat their "
		    "means with care (more repetitions, a quieter host)",
	[W_CLOCK] = "**Host and guest time disagree** by more than 5 % and 0.25 s "
		    "(host_time vs total_time): start-up costs inside the measured "
		    "request, or a drifting guest clock",
	[W_OUTLIER] = "**Outliers** (modified z-score above 3.5; flagged, not dropped)",
	[W_THRESHOLD] = "**Thresholds not evaluated**",
};

struct warnings {
	char *buf[W_N];
	size_t len[W_N];
	FILE *f[W_N];
	size_t n[W_N];
};

static void VB_PRINTF(3, 4) warn(struct warnings *w, enum wkind k, const char *fmt, ...)
{
	va_list ap;

	if (!w->f[k]) {
		w->f[k] = open_memstream(&w->buf[k], &w->len[k]);
		if (!w->f[k])
			return;
	}
	fprintf(w->f[k], "  - ");
	va_start(ap, fmt);
	vfprintf(w->f[k], fmt, ap);
	va_end(ap);
	fprintf(w->f[k], "\n");
	w->n[k]++;
}

static size_t warnings_print(FILE *f, struct warnings *w)
{
	size_t total = 0;

	for (int k = 0; k < W_N; k++) {
		if (!w->f[k])
			continue;
		fclose(w->f[k]);
		fprintf(f, "- %s:\n%s", wtitle[k], w->buf[k]);
		free(w->buf[k]);
		total += w->n[k];
	}
	return total;
}

static void section_verify(FILE *f, const struct vb_analysis *a, struct vb_table *vt)
{
	static const char *const cols[] = {
		"backend", "config", "cpus_requested", "cpus_observed",
		"memory_requested", "memory_observed", "cpus_enforced",
		"memory_enforced", "verdict", "reason",
	};
	int c[10];

	fprintf(f, "## Verification: requested vs observed\n\n");
	if (!vt->header) {
		fprintf(f, "verify.csv is missing: no environment of this directory was "
			"verified, so none of its numbers can be trusted to come from the "
			"requested resources.\n\n");
		return;
	}
	for (int j = 0; j < 10; j++)
		c[j] = vb_table_col(vt, cols[j]);
	fprintf(f, "Each time an environment was opened the agent probed it from inside "
		"(usable CPUs, memory limit). One row per opened environment.\n\n");
	fprintf(f, "| backend | config | CPUs requested | CPUs observed | memory requested "
		"| memory observed | enforced (CPU / memory) | verdict | reason |\n"
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < vt->nrows; i++) {
		char **r = vt->rows[i];
		char m1[64], m2[64];
#define COL(j) (c[j] >= 0 ? r[c[j]] : "")
		fmt_bytes(atoll(COL(4)), m1, sizeof(m1));
		fmt_bytes(atoll(COL(5)), m2, sizeof(m2));
		md_cells(f, (const char *[]){ COL(0), COL(1), COL(2), COL(3) },
			 4);
		fprintf(f, " | %s | %s | %s / %s | **", m1, m2,
			truthy(COL(6)) ? "yes" : "no", truthy(COL(7)) ? "yes" : "no");
		md(f, COL(8));
		fprintf(f, "** | ");
		md(f, *COL(9) ? COL(9) : "-");
		fprintf(f, " |\n");
#undef COL
	}
	fprintf(f, "\n");
	(void)a;
}

static void section_warnings(FILE *f, const struct vb_analysis *a, struct vb_table *vt)
{
	struct warnings w = { 0 };
	int vb = vb_table_col(vt, "backend"), vc = vb_table_col(vt, "config"),
	    vv = vb_table_col(vt, "verdict"), vr = vb_table_col(vt, "reason"),
	    vf = vb_table_col(vt, "facts"), vcpu = vb_table_col(vt, "cpus_requested");
	json_t *configs = json_object_get(json_object_get(a->env, "experiment"), "configs");
	size_t i;
	json_t *it;

	fprintf(f, "## Warnings\n\n");

	/* Refused and warned environments, as verified. */
	for (i = 0; vv >= 0 && i < vt->nrows; i++) {
		char **r = vt->rows[i];

		if (!strcmp(r[vv], "refused"))
			warn(&w, W_REFUSED, "%s %s: %s", vb >= 0 ? r[vb] : "?",
			     vc >= 0 ? r[vc] : "?", vr >= 0 ? r[vr] : "");
		else if (!strcmp(r[vv], "warn"))
			warn(&w, W_VERIFY, "%s %s: %s", vb >= 0 ? r[vb] : "?",
			     vc >= 0 ? r[vc] : "?", vr >= 0 ? r[vr] : "");
	}
	/* Refused cells in runs.csv: also reported when verify.csv is missing. */
	for (i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];
		char pd[256];

		vb_params_display(g->params, pd, sizeof(pd));
		if (!strcmp(g->verdict, "refused"))
			warn(&w, W_REFUSED, "refused cell %s %s %s %s: %zu repetitions failed "
			     "(%s)", g->backend, g->config, g->workload, pd, g->nfailed,
			     g->nfailed ? g->failed_errors[0] : "no rows");
		else if (g->nfailed)
			warn(&w, W_FAILED, "%s %s %s %s: %zu failed (first: repetition %d: "
			     "%s), %zu succeeded", g->backend, g->config, g->workload, pd,
			     g->nfailed, g->failed_reps[0], g->failed_errors[0], g->nok);
	}
	/* Oversubscription: more CPUs requested than the host has. */
	json_array_foreach(configs, i, it) {
		long long cpus = (long long)json_integer_value(json_object_get(it, "cpus"));

		if (a->host_cpus > 0 && cpus > a->host_cpus)
			warn(&w, W_OVERSUB, "config %s: %lld CPUs requested, the host has %d",
			     jstr(it, "name"), cpus, a->host_cpus);
	}
	if (!json_array_size(configs))
		for (i = 0; i < a->ngroups; i++) {
			const struct vb_agroup *g = &a->groups[i];
			bool seen = false;

			for (size_t j = 0; j < i; j++)
				seen |= !strcmp(a->groups[j].config, g->config);
			if (!seen && a->host_cpus > 0 && g->cpus > a->host_cpus)
				warn(&w, W_OVERSUB, "config %s: %d CPUs requested, the host has %d",
				     g->config, g->cpus, a->host_cpus);
		}
	/* TCG with one host thread for several vCPUs, from either file's facts. */
	{
		char seen[64][160];
		size_t nseen = 0;

		for (i = 0; i < a->ngroups + vt->nrows; i++) {
			const char *backend, *config, *facts;
			int cpus;
			char key[160];
			bool dup = false;

			if (i < a->ngroups) {
				backend = a->groups[i].backend;
				config = a->groups[i].config;
				facts = a->groups[i].facts;
				cpus = a->groups[i].cpus;
			} else {
				char **r = vt->rows[i - a->ngroups];

				if (vb < 0 || vc < 0 || vf < 0 || vcpu < 0)
					continue;
				backend = r[vb];
				config = r[vc];
				facts = r[vf];
				cpus = atoi(r[vcpu]);
			}
			if (cpus <= 1 || !has_fact(facts, "accel=tcg") ||
			    !has_fact(facts, "tcg_thread=single"))
				continue;
			snprintf(key, sizeof(key), "%s\t%s", backend, config);
			for (size_t j = 0; j < nseen; j++)
				dup |= !strcmp(seen[j], key);
			if (dup)
				continue;
			if (nseen < 64)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
			warn(&w, W_TCG, "%s %s: %d vCPUs on one host thread", backend, config,
			     cpus);
		}
	}
	/* Per-cell rules; metrics of one cell are listed together. */
	for (i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];
		const struct vb_acell *h = NULL, *tt = NULL;
		char pd[256], noisy[512] = "", outl[512] = "";
		size_t nl = 0, ol = 0;

		vb_params_display(g->params, pd, sizeof(pd));
		for (size_t k = 0; k < a->ncells; k++) {
			const struct vb_acell *c = &a->cells[k];

			if (c->group != g)
				continue;
			if (!strcmp(c->metric, "page_cache_dropped")) {
				if (c->n && c->st.mean < 1)
					warn(&w, W_CACHE, "%s %s %s %s: dropped before %.0f of "
					     "%zu repetitions", g->backend, g->config, g->workload,
					     pd, c->st.mean * (double)c->n, c->n);
				continue;
			}
			if (!strcmp(c->metric, "host_time"))
				h = c;
			if (!strcmp(c->metric, "total_time"))
				tt = c;
			/* Only the metrics a reader compares: a maximum latency is
			 * noisy by nature and would bury the real cases. */
			if (isfinite(c->st.cv) && c->st.cv > VB_NOISY_CV && nl < sizeof(noisy) &&
			    (vb_analysis_primary(a, g->workload, c->metric) ||
			     !strcmp(c->metric, "host_time")))
				nl += (size_t)snprintf(noisy + nl, sizeof(noisy) - nl, "%s%s %.1f %%",
						       nl ? ", " : "", c->metric, c->st.cv * 100);
			if (c->st.noutliers && ol < sizeof(outl) &&
			    (vb_analysis_primary(a, g->workload, c->metric) ||
			     !strcmp(c->metric, "host_time"))) {
				ol += (size_t)snprintf(outl + ol, sizeof(outl) - ol, "%s%s (rep",
						       ol ? ", " : "", c->metric);
				for (size_t r = 0; r < c->n && ol < sizeof(outl); r++)
					if (c->outlier[r])
						ol += (size_t)snprintf(outl + ol, sizeof(outl) - ol,
								       " %d", c->reps[r]);
				if (ol < sizeof(outl))
					ol += (size_t)snprintf(outl + ol, sizeof(outl) - ol, ")");
			}
		}
		if (nl)
			warn(&w, W_NOISY, "%s %s %s %s: CV %s (n = %zu)", g->backend, g->config,
			     g->workload, pd, noisy, g->nok);
		if (ol)
			warn(&w, W_OUTLIER, "%s %s %s %s: %s", g->backend, g->config,
			     g->workload, pd, outl);
		if (h && tt && h->n && tt->n && tt->st.mean > 0 &&
		    fabs(h->st.mean / tt->st.mean - 1) > VB_TIME_DISAGREE &&
		    fabs(h->st.mean - tt->st.mean) > VB_TIME_DISAGREE_ABS)
			warn(&w, W_CLOCK, "%s %s %s %s: host_time %.4g s vs total_time %.4g s "
			     "(%+.1f %%)", g->backend, g->config, g->workload, pd, h->st.mean,
			     tt->st.mean, (h->st.mean / tt->st.mean - 1) * 100);
	}
	for (i = 0; i < a->nthr; i++) {
		const struct vb_athreshold *t = &a->thr[i];

		if (!t->valid)
			warn(&w, W_THRESHOLD, "invalid: \"%s\": %s", t->text, t->err);
		else if (!t->ncells)
			warn(&w, W_THRESHOLD, "\"%s\" matched no cell (no %s and %s results for "
			     "%s in the same config and parameters)", t->text, t->th.backend,
			     t->th.baseline, t->th.metric);
	}
	if (!warnings_print(f, &w))
		fprintf(f, "None.\n");
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
		md(f, t->text);
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

/* Result tables: one per workload and metric, rows by parameters, backend,
 * config, so a reader scans one metric across the whole matrix. The
 * comparison table uses the same order. */
static int cell_order(const struct vb_acell *m, const struct vb_acell *n)
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
	return a->order[3] - b->order[3];
}

static int cmp_cell_display(const void *x, const void *y)
{
	return cell_order(*(const struct vb_acell *const *)x,
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
	fprintf(f, "## Results\n\n");
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
		md_cells(f, (const char *[]){ g->backend, g->config, pd }, 3);
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
	return cell_order((*(const struct vb_acmp *const *)x)->cell,
			  (*(const struct vb_acmp *const *)y)->cell);
}

static void section_comparisons(FILE *f, const struct vb_analysis *a)
{
	const struct vb_acell *prev = NULL;
	const struct vb_acmp **order;
	size_t shown = 0;

	fprintf(f, "## Comparisons against %s\n\n", a->baseline ? a->baseline : "the baseline");
	if (!a->baseline) {
		fprintf(f, "No baseline: the experiment has no `baseline` and no bare-metal "
			"backend.\n\n");
		return;
	}
	order = malloc((a->ncmp ? a->ncmp : 1) * sizeof(*order));
	if (!order)
		abort();
	for (size_t i = 0; i < a->ncmp; i++)
		order[i] = &a->cmp[i];
	if (a->ncmp > 1)
		qsort(order, a->ncmp, sizeof(*order), cmp_display);
	fprintf(f, "Ratio of means (backend / %s) in the same config and parameters, "
		"with its 95 %% Fieller interval, and the two-sided Welch t-test p-value "
		"for a difference of means. A ratio whose interval excludes 1 with a small "
		"p is a real difference. The charted metrics are shown; all are in "
		"comparisons.csv.\n\n", a->baseline);
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = order[i];
		const struct vb_acell *c = m->cell;
		const struct vb_agroup *g = c->group;
		char pd[256], r[32], lo[32], hi[32], p[32];

		if (!vb_analysis_primary(a, g->workload, c->metric))
			continue;
		if (!prev || strcmp(prev->group->workload, g->workload) ||
		    strcmp(prev->metric, c->metric)) {
			fprintf(f, "%s### %s: %s%s\n\n", prev ? "\n" : "", g->workload, c->metric,
				better_text(c->better));
			fprintf(f, "| backend | config | parameters | ratio [95 %% CI] | p (Welch) "
				"| n / n(%s) | threshold |\n"
				"| --- | --- | --- | --- | --- | --- | --- |\n", a->baseline);
		}
		prev = c;
		vb_params_display(g->params, pd, sizeof(pd));
		snprintf(r, sizeof(r), "%.3f", m->r.ratio);
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
		fmt_p(m->w.p, p, sizeof(p));
		md_cells(f, (const char *[]){ g->backend, g->config, pd }, 3);
		fprintf(f, " | %s [%s, %s] | %s | %zu / %zu | ", r, lo, hi, p, c->n, m->base->n);
		md(f, m->threshold ? m->threshold : "");
		fprintf(f, " |\n");
		shown++;
	}
	free(order);
	if (!shown)
		fprintf(f, "No cell has results for both a backend and the baseline.\n");
	fprintf(f, "\n");
}

static void section_charts(FILE *f, const struct vb_analysis *a)
{
	char *path = vb_path_join(a->dir, "plots/index.csv");
	char terr[512];
	struct vb_table t;
	int cn, ct;
	size_t missing = 0;

	fprintf(f, "## Charts\n\n");
	if (vb_table_read(path, &t, terr, sizeof(terr)) < 0) {
		fprintf(f, "No charts: plots/ was not written (run `virtbench plot DIR`).\n\n");
		free(path);
		return;
	}
	free(path);
	cn = vb_table_col(&t, "name");
	ct = vb_table_col(&t, "title");
	fprintf(f, "Each chart's data (`plots/NAME.dat`) and filled gnuplot script "
		"(`plots/NAME.gp`) sit next to its image; edit the script and run "
		"`gnuplot NAME.gp` inside plots/ to redraw it.\n\n");
	for (size_t i = 0; cn >= 0 && i < t.nrows; i++) {
		const char *name = t.rows[i][cn], *title = ct >= 0 ? t.rows[i][ct] : name;
		char png[512], *full;

		snprintf(png, sizeof(png), "plots/%s.png", name);
		full = vb_path_join(a->dir, png);
		if (access(full, R_OK) == 0) {
			fprintf(f, "### %s\n\n![", title);
			md(f, title);
			fprintf(f, "](%s)\n\n", png);
		} else {
			missing++;
		}
		free(full);
	}
	if (missing)
		fprintf(f, "%zu chart%s not rendered (gnuplot missing or failed; see "
			"plots/gnuplot.log); its script and data are in plots/.\n\n", missing,
			missing == 1 ? " was" : "s were");
	vb_table_free(&t);
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
			md_cells(f, (const char *[]){ g->backend, g->config,
				     g->workload, pd }, 4);
			fprintf(f, " | %d | ", g->failed_reps[k]);
			md(f, g->verdict);
			fprintf(f, " | ");
			md(f, g->failed_errors[k]);
			fprintf(f, " |\n");
		}
	}
	fprintf(f, "\n");
}

int vb_report(const char *dir)
{
	struct vb_analysis *a;
	char terr[512];
	struct vb_table vt = { 0 };
	char *tmp, *final, *vpath;
	FILE *f;
	int rc;

	rc = vb_analysis_load(dir, &a);
	if (rc < 0)
		return rc;
	vpath = vb_path_join(dir, "verify.csv");
	rc = vb_table_read(vpath, &vt, terr, sizeof(terr));
	if (rc < 0 && rc != -ENOENT)
		fprintf(stderr, "%s: %s; the report has no verification table\n", vpath,
			strerror(-rc));
	free(vpath);
	f = vb_out_open(dir, "report.md", &tmp, &final);
	if (!f) {
		rc = -errno;
		goto out;
	}
	fprintf(f, "# virtbench report: %s\n\n", *a->name ? a->name : "(unnamed experiment)");
	fprintf(f, "Rebuilt from the results directory by `virtbench report`. Files: "
		"runs.csv (every repetition), verify.csv (what each environment really got), "
		"summary.csv / summary.json (statistics), comparisons.csv (against the "
		"baseline), plots/ (charts with their data and gnuplot scripts). "
		"Definitions: docs/report.md.\n\n");
	if (a->nthr)
		fprintf(f, "**Thresholds: %d of %zu violated.**\n\n", a->violations, a->nthr);
	section_host(f, a);
	vb_report_hosts(f, a);
	section_matrix(f, a);
	section_verify(f, a, &vt);
	section_warnings(f, a, &vt);
	section_thresholds(f, a);
	section_comparisons(f, a);
	section_summary(f, a);
	section_charts(f, a);
	section_failures(f, a);
	rc = vb_out_close(f, tmp, final);
out:
	vb_table_free(&vt);
	vb_analysis_free(a);
	return rc;
}
