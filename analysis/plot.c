/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Charts: fill the gnuplot templates of plots/ with the statistics of a
 * results directory and run gnuplot on each, keeping NAME.gp and NAME.dat
 * next to NAME.png so a user can tweak and rerun `gnuplot NAME.gp` inside
 * DIR/plots. Which charts are drawn is documented in docs/report.md.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/analysis.h"

#define PLOT_WIDTH 1200
#define PLOT_HEIGHT 800

/* Backends get a colour, configs a dash pattern and point type. */
static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))
static const int points[] = { 7, 5, 9, 11, 13, 15 };
#define NPOINTS (sizeof(points) / sizeof(points[0]))

/* ------------------------------------------------------------------ */
/* A growing string                                                     */
/* ------------------------------------------------------------------ */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void VB_PRINTF(2, 3) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
}

static const char *sb_str(struct sbuf *b)
{
	if (!b->s)
		sb_printf(b, "%s", "");
	return b->s;
}

/* snprintf for labels: truncating a long label is acceptable. */
static void VB_PRINTF(3, 4) bfmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Ordered distinct values                                              */
/* ------------------------------------------------------------------ */

struct slist {
	const char **v;
	int *rank;
	size_t n;
};

static void sl_add(struct slist *l, const char *s, int rank)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return;
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->rank = realloc(l->rank, (l->n + 1) * sizeof(*l->rank));
	if (!l->v || !l->rank)
		abort();
	l->v[l->n] = s;
	l->rank[l->n] = rank;
	l->n++;
}

/* Stable insertion sort by rank: the lists are short. */
static void sl_sort(struct slist *l)
{
	for (size_t i = 1; i < l->n; i++)
		for (size_t j = i; j > 0 && l->rank[j - 1] > l->rank[j]; j--) {
			const char *s = l->v[j];
			int r = l->rank[j];

			l->v[j] = l->v[j - 1];
			l->rank[j] = l->rank[j - 1];
			l->v[j - 1] = s;
			l->rank[j - 1] = r;
		}
}

static void sl_free(struct slist *l)
{
	free(l->v);
	free(l->rank);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------ */
/* Labels                                                               */
/* ------------------------------------------------------------------ */

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			*s = '_';
}

/* gnuplot double-quoted strings: escape backslash and quote. */
static void gp_quote(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_printf(b, "\\");
		sb_printf(b, "%c", *s);
	}
	sb_printf(b, "\"");
}

static void axis_label(const char *metric, const char *unit, char *buf, size_t n)
{
	if (unit && *unit)
		bfmt(buf, n, "%s (%s)", metric, unit);
	else
		bfmt(buf, n, "%s", metric);
}

static const char *unit_of(const struct vb_analysis *a, const char *wl,
			   const char *metric)
{
	for (size_t i = 0; i < a->ncells; i++)
		if (!strcmp(a->cells[i].group->workload, wl) &&
		    !strcmp(a->cells[i].metric, metric))
			return a->cells[i].unit;
	return "";
}

static void n_range(size_t lo, size_t hi, char *buf, size_t n)
{
	if (lo == hi)
		bfmt(buf, n, "%zu", lo);
	else
		bfmt(buf, n, "%zu-%zu", lo, hi);
}

/* The value of key in "k1=v1;k2=v2" (copied into buf), or false. */
static bool param_get(const char *params, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key);

	for (const char *p = params; *p;) {
		size_t l = strcspn(p, ";");

		if (l > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			bfmt(buf, n, "%.*s", (int)(l - klen - 1), p + klen + 1);
			return true;
		}
		p += l + (p[l] == ';');
	}
	return false;
}

/* params without key (kept in order), e.g. for series of a multi-axis chart. */
static void param_without(const char *params, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key), len = 0;

	buf[0] = '\0';
	for (const char *p = params; *p;) {
		size_t l = strcspn(p, ";");

		if (!(l > klen && !strncmp(p, key, klen) && p[klen] == '='))
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%.*s",
						len ? ";" : "", (int)l, p);
		p += l + (p[l] == ';');
	}
}

/* ------------------------------------------------------------------ */
/* Running gnuplot                                                      */
/* ------------------------------------------------------------------ */

/* The program to run: VIRTBENCH_GNUPLOT, else the configure-time path. */
static const char *gnuplot_prog(void)
{
	const char *e = getenv("VIRTBENCH_GNUPLOT");

	return e && *e ? e : GNUPLOT_PROG;
}

static bool find_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	for (const char *p = path;;) {
		size_t l = strcspn(p, ":");

		bfmt(buf, sizeof(buf), "%.*s/%s", (int)l, l ? p : ".", prog);
		if (access(buf, X_OK) == 0)
			return true;
		if (!p[l])
			return false;
		p += l + 1;
	}
}

/* Run `gnuplot NAME.gp` inside dir, stderr appended to log_fd. */
static int run_gnuplot(const char *prog, const char *dir, const char *gp,
		       int log_fd)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		const char *argv[] = { prog, gp, NULL };
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		if (log_fd >= 0)
			dup2(log_fd, STDERR_FILENO);
		if (chdir(dir) < 0)
			_exit(126);
		execvp(prog, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* ------------------------------------------------------------------ */
/* Templates                                                            */
/* ------------------------------------------------------------------ */

static char *template_path(const char *name)
{
	const char *env = getenv("VIRTBENCH_PLOT_TEMPLATES");
	/* The source tree's templates belong to this very build; an installed
	 * copy may be older. */
	const char *dirs[] = { env && *env ? env : NULL, ABS_SRCDIR "/plots",
			       PKGDATADIR "/plots" };
	char file[64];

	bfmt(file, sizeof(file), "%s.gp", name);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p;

		if (!dirs[i])
			continue;
		p = vb_path_join(dirs[i], file);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

struct var {
	const char *name, *value;
};

static char *fill_template(const char *path, const struct var *vars, size_t nvars)
{
	FILE *f = fopen(path, "r");
	struct sbuf out = { 0 };
	int c;

	if (!f)
		return NULL;
	while ((c = fgetc(f)) != EOF) {
		char name[32];
		size_t n = 0;
		bool matched = false;

		if (c != '@') {
			sb_printf(&out, "%c", c);
			continue;
		}
		/* @NAME@: upper-case letters only, so other uses of @ pass through. */
		while ((c = fgetc(f)) != EOF && n + 1 < sizeof(name) &&
		       ((c >= 'A' && c <= 'Z') || c == '_'))
			name[n++] = (char)c;
		name[n] = '\0';
		if (c == '@') {
			for (size_t i = 0; i < nvars; i++)
				if (!strcmp(vars[i].name, name)) {
					sb_printf(&out, "%s", vars[i].value);
					matched = true;
				}
			if (!matched)
				sb_printf(&out, "@%s@", name);
		} else {
			sb_printf(&out, "@%s", name);
			if (c != EOF)
				sb_printf(&out, "%c", c);
		}
	}
	fclose(f);
	sb_str(&out);
	return out.s;
}

/* ------------------------------------------------------------------ */
/* One chart                                                            */
/* ------------------------------------------------------------------ */

struct plot_ctx {
	const struct vb_analysis *a;
	char *dir;          /* DIR/plots */
	const char *prog;
	bool have_gnuplot;
	int log_fd;
	int width, height;
	FILE *index;
	size_t ncharts, nfailed;
	int err;
};

struct chart {
	const char *tmpl;
	char name[200];
	char title[256], xlabel[160], ylabel[160], note[320];
	const char *workload, *metric, *params;
	struct sbuf dat, plot, xtics;
};

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	if (ferror(f) | fclose(f))
		return -EIO;
	return 0;
}

static void chart_free(struct chart *c)
{
	free(c->dat.s);
	free(c->plot.s);
	free(c->xtics.s);
}

static void emit(struct plot_ctx *pc, struct chart *c)
{
	char file[256], size[2][16], *path, *tmpl, *gp;
	int rc;

	bfmt(size[0], sizeof(size[0]), "%d", pc->width);
	bfmt(size[1], sizeof(size[1]), "%d", pc->height);
	{
		const struct var vars[] = {
			{ "NAME", c->name }, { "TITLE", c->title },
			{ "XLABEL", c->xlabel }, { "YLABEL", c->ylabel },
			{ "NOTE", c->note }, { "WIDTH", size[0] },
			{ "HEIGHT", size[1] }, { "PLOT", sb_str(&c->plot) },
			{ "XTICS", sb_str(&c->xtics) },
		};

		tmpl = template_path(c->tmpl);
		if (!tmpl) {
			fprintf(stderr, "virtbench: plot template %s.gp not found in "
				"$VIRTBENCH_PLOT_TEMPLATES, %s/plots or %s/plots; "
				"reinstall virtbench\n", c->tmpl, ABS_SRCDIR, PKGDATADIR);
			pc->err = -ENOENT;
			return;
		}
		gp = fill_template(tmpl, vars, sizeof(vars) / sizeof(vars[0]));
		free(tmpl);
	}
	if (!gp) {
		pc->err = -errno;
		return;
	}
	bfmt(file, sizeof(file), "%s.dat", c->name);
	path = vb_path_join(pc->dir, file);
	rc = write_text(path, sb_str(&c->dat));
	free(path);
	bfmt(file, sizeof(file), "%s.gp", c->name);
	path = vb_path_join(pc->dir, file);
	if (rc == 0)
		rc = write_text(path, gp);
	free(gp);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-rc));
		free(path);
		pc->err = rc;
		return;
	}
	/* An image from an earlier run must not outlive its script. */
	bfmt(file, sizeof(file), "%s.png", c->name);
	free(path);
	path = vb_path_join(pc->dir, file);
	unlink(path);
	bfmt(file, sizeof(file), "%s.gp", c->name);
	pc->ncharts++;
	{
		const char *fields[] = { c->name, c->tmpl, c->workload, c->metric,
					 c->params ? c->params : "", c->title };

		for (size_t i = 0; i < 6; i++) {
			fputs(i ? ",\"" : "\"", pc->index);
			for (const char *q = fields[i]; *q; q++) {
				if (*q == '"')
					fputc('"', pc->index);
				fputc(*q, pc->index);
			}
			fputc('"', pc->index);
		}
		fputc('\n', pc->index);
	}
	if (pc->have_gnuplot) {
		rc = run_gnuplot(pc->prog, pc->dir, file, pc->log_fd);
		if (rc != 0) {
			/* One message for the first; the count comes at the end. */
			if (!pc->nfailed)
				fprintf(stderr, "%s/%s: gnuplot failed (%s %d); its messages "
					"are in %s/gnuplot.log\n", pc->dir, file,
					rc < 0 ? "error" : "exit status", rc < 0 ? -rc : rc,
					pc->dir);
			pc->nfailed++;
			/* No half-written image for the report to link. */
			unlink(path);
		}
	}
	free(path);
}

/* Backends and configs of a workload, in experiment order. */
static void lists_for(const struct vb_analysis *a, const char *wl,
		      struct slist *backends, struct slist *configs)
{
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_agroup *g = a->cells[i].group;

		if (strcmp(g->workload, wl))
			continue;
		sl_add(backends, g->backend, g->order[2]);
		sl_add(configs, g->config, g->order[3]);
	}
	/* Groups with only failed rows have no cells but belong on the chart. */
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];

		if (strcmp(g->workload, wl))
			continue;
		sl_add(backends, g->backend, g->order[2]);
		sl_add(configs, g->config, g->order[3]);
	}
	sl_sort(backends);
	sl_sort(configs);
}

struct point {
	double x;
	const struct vb_acell *c;
};

static int cmp_point(const void *x, const void *y)
{
	const struct point *a = x, *b = y;

	return (a->x > b->x) - (a->x < b->x);
}

/* Distinct malloc'd strings, in insertion order. */
struct strs {
	char **v;
	size_t n;
};

static bool strs_add(struct strs *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return false;
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v || !(l->v[l->n] = strdup(s)))
		abort();
	l->n++;
	return true;
}

static void strs_free(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_num_str(const void *x, const void *y)
{
	double a = strtod(*(char *const *)x, NULL), b = strtod(*(char *const *)y, NULL);

	return (a > b) - (a < b);
}

/* Distinct numeric values of key among the cells of wl (sorted). */
static void axis_values(const struct vb_analysis *a, const char *wl,
			const char *key, struct strs *out)
{
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_agroup *g = a->cells[i].group;
		char v[64], *end;

		if (strcmp(g->workload, wl) || !param_get(g->params, key, v, sizeof(v)))
			continue;
		strtod(v, &end);
		if (*v && !*end)
			strs_add(out, v);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_num_str);
}

/* (a) metric against a numeric axis, a line per backend × config (× the
 * values of the other axes). */
static void line_chart(struct plot_ctx *pc, const char *wl, const char *key,
		       const char *metric)
{
	const struct vb_analysis *a = pc->a;
	struct slist backends = { 0 }, configs = { 0 };
	struct strs xs = { 0 }, rests = { 0 };
	struct chart c = { .tmpl = "line", .workload = wl, .metric = metric };
	size_t nmin = SIZE_MAX, nmax = 0, nseries = 0;
	struct point *pts = NULL;

	lists_for(a, wl, &backends, &configs);
	axis_values(a, wl, key, &xs);
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_agroup *g = a->cells[i].group;
		char v[64], rest[256];

		if (strcmp(g->workload, wl) || !param_get(g->params, key, v, sizeof(v)))
			continue;
		param_without(g->params, key, rest, sizeof(rest));
		strs_add(&rests, rest);
	}

	bfmt(c.name, sizeof(c.name), "line-%s-%s-vs-%s", wl, metric, key);
	sanitize(c.name);
	bfmt(c.title, sizeof(c.title), "%s: %s vs %s", wl, metric, key);
	axis_label(metric, unit_of(a, wl, metric), c.ylabel, sizeof(c.ylabel));
	bfmt(c.xlabel, sizeof(c.xlabel), "%s%s", key,
		 strstr(key, "size") ? " (bytes)" : "");
	for (size_t i = 0; i < xs.n; i++) {
		char disp[64];

		vb_param_display(key, xs.v[i], disp, sizeof(disp));
		sb_printf(&c.xtics, "%s\"%s\" %s", i ? ", " : "", disp, xs.v[i]);
	}

	sb_printf(&c.dat, "# %s: %s (%s) vs %s. Mean and 95 %% CI of the mean per point.\n"
		  "# One block per line (gnuplot 'index'): x mean ci_low ci_high n\n",
		  wl, metric, unit_of(a, wl, metric), key);
	for (size_t b = 0; b < backends.n; b++) {
		for (size_t k = 0; k < configs.n; k++) {
			for (size_t o = 0; o < rests.n; o++) {
				const char *rest = rests.v[o];
				char rd[256], label[320];
				size_t np = 0;

				for (size_t i = 0; i < a->ncells; i++) {
					const struct vb_acell *cell = &a->cells[i];
					const struct vb_agroup *g = cell->group;
					char v[64], r2[256];

					if (strcmp(g->workload, wl) || strcmp(cell->metric, metric) ||
					    strcmp(g->backend, backends.v[b]) ||
					    strcmp(g->config, configs.v[k]) || !cell->n ||
					    !param_get(g->params, key, v, sizeof(v)))
						continue;
					param_without(g->params, key, r2, sizeof(r2));
					if (strcmp(r2, rest))
						continue;
					pts = realloc(pts, (np + 1) * sizeof(*pts));
					if (!pts)
						abort();
					pts[np].x = strtod(v, NULL);
					pts[np].c = cell;
					np++;
				}
				if (!np)
					continue;
				if (np > 1)
					qsort(pts, np, sizeof(*pts), cmp_point);
				vb_params_display(rest, rd, sizeof(rd));
				bfmt(label, sizeof(label), "%s %s%s%s", backends.v[b],
					 configs.v[k], *rest ? " " : "", *rest ? rd : "");
				sb_printf(&c.dat, "%s# %s\n", nseries ? "\n\n" : "", label);
				sb_printf(&c.plot, "%s'%s.dat' index %zu using 1:2:3:4 with "
					  "yerrorlines lc rgb \"%s\" dt %d pt %d title ",
					  nseries ? ", \\\n     " : "", c.name, nseries,
					  palette[b % NPALETTE], (int)(k % 5) + 1,
					  points[k % NPOINTS]);
				gp_quote(&c.plot, label);
				for (size_t p = 0; p < np; p++) {
					const struct vb_stats *st = &pts[p].c->st;
					double lo = isnan(st->ci_low) ? st->mean : st->ci_low;
					double hi = isnan(st->ci_high) ? st->mean : st->ci_high;

					sb_printf(&c.dat, "%.10g %.10g %.10g %.10g %zu\n", pts[p].x,
						  st->mean, lo, hi, st->n);
					if (st->n < nmin)
						nmin = st->n;
					if (st->n > nmax)
						nmax = st->n;
				}
				nseries++;
			}
		}
	}
	free(pts);
	if (nseries) {
		char nr[32];

		n_range(nmin, nmax, nr, sizeof(nr));
		bfmt(c.note, sizeof(c.note), "N = %s repetitions per point; error bars: "
			 "95 %% CI of the mean (Student t). Experiment %s.", nr,
			 *a->name ? a->name : "(unnamed)");
		emit(pc, &c);
	}
	chart_free(&c);
	sl_free(&backends);
	sl_free(&configs);
	strs_free(&xs);
	strs_free(&rests);
}

/* (b) grouped bars: a group per config, a bar per backend. */
static void bars_chart(struct plot_ctx *pc, const char *wl, const char *params,
		       const char *metric)
{
	const struct vb_analysis *a = pc->a;
	struct slist backends = { 0 }, configs = { 0 };
	struct chart c = { .tmpl = "bars", .workload = wl, .metric = metric,
			   .params = params };
	char pd[256];
	size_t found = 0;

	lists_for(a, wl, &backends, &configs);
	vb_params_display(params, pd, sizeof(pd));
	bfmt(c.name, sizeof(c.name), "bars-%s-%s%s%s", wl, metric,
		 *params ? "-" : "", *params ? pd : "");
	sanitize(c.name);
	bfmt(c.title, sizeof(c.title), "%s%s%s: %s per config", wl,
		 *params ? " " : "", *params ? pd : "", metric);
	axis_label(metric, unit_of(a, wl, metric), c.ylabel, sizeof(c.ylabel));
	bfmt(c.xlabel, sizeof(c.xlabel), "config (n = repetitions per bar, in key order)");
	sb_printf(&c.dat, "# %s %s: %s (%s). Per config, for each backend: mean and "
		  "95 %% CI half-width; NaN = no data; last column: n per backend.\n# config",
		  wl, pd, metric, unit_of(a, wl, metric));
	for (size_t b = 0; b < backends.n; b++)
		sb_printf(&c.dat, " %s_mean %s_ci95", backends.v[b], backends.v[b]);
	sb_printf(&c.dat, " n\n");
	for (size_t k = 0; k < configs.n; k++) {
		struct sbuf ns = { 0 };

		gp_quote(&c.dat, configs.v[k]);
		for (size_t b = 0; b < backends.n; b++) {
			const struct vb_acell *cell = vb_analysis_find(a, backends.v[b],
								       configs.v[k], wl,
								       params, metric);

			if (cell && cell->n) {
				sb_printf(&c.dat, " %.10g %.10g", cell->st.mean,
					  isnan(cell->st.ci_half) ? 0.0 : cell->st.ci_half);
				found++;
			} else {
				sb_printf(&c.dat, " NaN NaN");
			}
			sb_printf(&ns, "%s%zu", b ? "/" : "n=", cell ? cell->n : 0);
		}
		sb_printf(&c.dat, " \"%s\"\n", sb_str(&ns));
		free(ns.s);
	}
	for (size_t b = 0; b < backends.n; b++) {
		if (b == 0)
			sb_printf(&c.plot, "'%s.dat' using 2:3:xtic(stringcolumn(1).\"\\n\"."
				  "stringcolumn(%zu))", c.name, 2 + 2 * backends.n);
		else
			sb_printf(&c.plot, ", \\\n     '' using %zu:%zu", 2 + 2 * b, 3 + 2 * b);
		sb_printf(&c.plot, " lc rgb \"%s\" title ", palette[b % NPALETTE]);
		gp_quote(&c.plot, backends.v[b]);
	}
	bfmt(c.note, sizeof(c.note), "Bars: mean; error bars: 95 %% CI of the mean "
		 "(Student t); n under each group (0 = failed or refused). Experiment %s.",
		 *a->name ? a->name : "(unnamed)");
	if (found)
		emit(pc, &c);
	chart_free(&c);
	sl_free(&backends);
	sl_free(&configs);
}

/* (c) each backend relative to the baseline, per config × params. */
static void overhead_chart(struct plot_ctx *pc, const char *wl, const char *metric)
{
	const struct vb_analysis *a = pc->a;
	struct slist backends = { 0 }, clusters = { 0 };
	struct chart c = { .tmpl = "overhead", .workload = wl, .metric = metric };
	size_t nmin = SIZE_MAX, nmax = 0;

	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group;

		if (strcmp(g->workload, wl) || strcmp(m->cell->metric, metric))
			continue;
		sl_add(&backends, g->backend, g->order[2]);
	}
	if (!backends.n || !a->baseline)
		goto out;
	sl_sort(&backends);
	/* Clusters in the cells' order: params, then config. */
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];

		if (!strcmp(g->workload, wl) && !strcmp(g->backend, a->baseline))
			sl_add(&clusters, (const char *)g, g->order[1] * 10000 + g->order[3]);
	}
	sl_sort(&clusters);
	bfmt(c.name, sizeof(c.name), "overhead-%s-%s", wl, metric);
	sanitize(c.name);
	bfmt(c.title, sizeof(c.title), "%s: %s relative to %s", wl, metric, a->baseline);
	bfmt(c.ylabel, sizeof(c.ylabel), "%s ratio to %s (mean / mean)", metric,
	     a->baseline);
	bfmt(c.xlabel, sizeof(c.xlabel), "config, parameters");
	sb_printf(&c.dat, "# %s: %s of each backend / %s, per config and parameters.\n"
		  "# For each backend: ratio, 95 %% Fieller CI low, high; NaN = no data.\n"
		  "# config params", wl, metric, a->baseline);
	for (size_t b = 0; b < backends.n; b++)
		sb_printf(&c.dat, " %s_ratio %s_low %s_high", backends.v[b],
			  backends.v[b], backends.v[b]);
	sb_printf(&c.dat, "\n");
	for (size_t k = 0; k < clusters.n; k++) {
		const struct vb_agroup *bg = (const struct vb_agroup *)clusters.v[k];
		char pd[256];
		bool any = false;
		struct sbuf row = { 0 };

		vb_params_display(bg->params, pd, sizeof(pd));
		gp_quote(&row, bg->config);
		sb_printf(&row, " ");
		gp_quote(&row, *bg->params ? pd : "");
		for (size_t b = 0; b < backends.n; b++) {
			const struct vb_acmp *m = NULL;

			for (size_t i = 0; i < a->ncmp && !m; i++) {
				const struct vb_agroup *g = a->cmp[i].cell->group;

				if (!strcmp(a->cmp[i].cell->metric, metric) &&
				    !strcmp(g->backend, backends.v[b]) &&
				    !strcmp(g->config, bg->config) &&
				    !strcmp(g->workload, wl) && !strcmp(g->params, bg->params))
					m = &a->cmp[i];
			}
			if (m && isfinite(m->r.ratio)) {
				/* An unbounded or missing interval is drawn as none. */
				double lo = isfinite(m->r.lo) ? m->r.lo : m->r.ratio;
				double hi = isfinite(m->r.hi) ? m->r.hi : m->r.ratio;

				sb_printf(&row, " %.10g %.10g %.10g", m->r.ratio, lo, hi);
				any = true;
				if (m->cell->n < nmin)
					nmin = m->cell->n;
				if (m->cell->n > nmax)
					nmax = m->cell->n;
				if (m->base->n < nmin)
					nmin = m->base->n;
				if (m->base->n > nmax)
					nmax = m->base->n;
			} else {
				sb_printf(&row, " NaN NaN NaN");
			}
		}
		if (any)
			sb_printf(&c.dat, "%s\n", sb_str(&row));
		free(row.s);
	}
	for (size_t b = 0; b < backends.n; b++) {
		if (b == 0)
			sb_printf(&c.plot, "'%s.dat' using 3:4:5:xtic(stringcolumn(1)."
				  "\"\\n\".stringcolumn(2))", c.name);
		else
			sb_printf(&c.plot, ", \\\n     '' using %zu:%zu:%zu", 3 + 3 * b,
				  4 + 3 * b, 5 + 3 * b);
		sb_printf(&c.plot, " lc rgb \"%s\" title ", palette[b % NPALETTE]);
		gp_quote(&c.plot, backends.v[b]);
	}
	if (nmax) {
		char nr[32];

		n_range(nmin, nmax, nr, sizeof(nr));
		bfmt(c.note, sizeof(c.note), "1 = same as %s (dashed line). Error bars: "
			 "95 %% Fieller CI of the ratio. N = %s repetitions per mean. "
			 "Experiment %s.", a->baseline, nr, *a->name ? a->name : "(unnamed)");
		emit(pc, &c);
	}
out:
	chart_free(&c);
	sl_free(&backends);
	sl_free(&clusters);
}

/* Charts for one workload. */
static void workload_charts(struct plot_ctx *pc, const char *wl)
{
	const struct vb_analysis *a = pc->a;
	struct slist metrics = { 0 }, params = { 0 };
	struct strs keys = { 0 };

	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];

		if (strcmp(c->group->workload, wl))
			continue;
		if (vb_analysis_primary(a, wl, c->metric))
			sl_add(&metrics, c->metric, c->metric_rank);
		sl_add(&params, c->group->params, c->group->order[1]);
	}
	sl_sort(&metrics);
	sl_sort(&params);
	/* Axis keys with at least two numeric values get a line chart. */
	for (size_t i = 0; i < params.n; i++) {
		for (const char *p = params.v[i]; *p;) {
			size_t l = strcspn(p, ";");
			const char *eq = memchr(p, '=', l);

			if (eq) {
				char key[128];

				bfmt(key, sizeof(key), "%.*s", (int)(eq - p), p);
				strs_add(&keys, key);
			}
			p += l + (p[l] == ';');
		}
	}
	for (size_t k = 0; k < keys.n; k++) {
		struct strs vals = { 0 };

		axis_values(a, wl, keys.v[k], &vals);
		if (vals.n >= 2)
			for (size_t m = 0; m < metrics.n; m++)
				line_chart(pc, wl, keys.v[k], metrics.v[m]);
		strs_free(&vals);
	}
	for (size_t i = 0; i < params.n; i++)
		for (size_t m = 0; m < metrics.n; m++)
			bars_chart(pc, wl, params.v[i], metrics.v[m]);
	for (size_t m = 0; m < metrics.n; m++)
		overhead_chart(pc, wl, metrics.v[m]);
	sl_free(&metrics);
	sl_free(&params);
	strs_free(&keys);
}

static void plot_size(int *w, int *h)
{
	const char *e = getenv("VIRTBENCH_PLOT_SIZE");
	int x, y;

	*w = PLOT_WIDTH;
	*h = PLOT_HEIGHT;
	if (e && sscanf(e, "%dx%d", &x, &y) == 2 && x >= 200 && y >= 150 &&
	    x <= 10000 && y <= 10000) {
		*w = x;
		*h = y;
	}
}

/* Charts of an earlier `plot` (listed in its index) that this one may not
 * draw again, e.g. after a metric was dropped; files a user added stay. */
static void remove_old_charts(const char *dir, const char *index)
{
	static const char *const ext[] = { "png", "gp", "dat" };
	char terr[512];
	struct vb_table t;
	int cn;

	if (access(index, F_OK) < 0 || vb_table_read(index, &t, terr, sizeof(terr)) < 0)
		return;
	cn = vb_table_col(&t, "name");
	for (size_t i = 0; cn >= 0 && i < t.nrows; i++) {
		const char *name = t.rows[i][cn];

		/* Only plain names: an edited index must not reach outside. */
		if (!*name || strchr(name, '/') || name[0] == '.')
			continue;
		for (size_t k = 0; k < 3; k++) {
			char file[300], *path;

			bfmt(file, sizeof(file), "%s.%s", name, ext[k]);
			path = vb_path_join(dir, file);
			unlink(path);
			free(path);
		}
	}
	vb_table_free(&t);
}

int vb_plot(const char *dir)
{
	struct vb_analysis *a;
	struct plot_ctx pc = { .log_fd = -1 };
	struct slist wls = { 0 };
	char *p;
	int rc;

	rc = vb_analysis_load(dir, &a);
	if (rc < 0)
		return rc;
	pc.a = a;
	pc.dir = vb_path_join(dir, "plots");
	pc.prog = gnuplot_prog();
	pc.have_gnuplot = find_program(pc.prog);
	plot_size(&pc.width, &pc.height);
	if (mkdir(pc.dir, 0777) < 0 && errno != EEXIST) {
		rc = -errno;
		fprintf(stderr, "%s: cannot create: %s\n", pc.dir, strerror(errno));
		goto out;
	}
	p = vb_path_join(pc.dir, "index.csv");
	remove_old_charts(pc.dir, p);
	pc.index = fopen(p, "w");
	if (!pc.index) {
		rc = -errno;
		fprintf(stderr, "%s: %s\n", p, strerror(errno));
		free(p);
		goto out;
	}
	free(p);
	fputs("name,kind,workload,metric,params,title\n", pc.index);
	if (pc.have_gnuplot) {
		p = vb_path_join(pc.dir, "gnuplot.log");
		pc.log_fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		free(p);
	}
	for (size_t i = 0; i < a->ncells; i++)
		sl_add(&wls, a->cells[i].group->workload, a->cells[i].group->order[0]);
	sl_sort(&wls);
	for (size_t i = 0; i < wls.n; i++)
		workload_charts(&pc, wls.v[i]);
	if (ferror(pc.index) | fclose(pc.index))
		pc.err = pc.err ? pc.err : -EIO;
	if (pc.log_fd >= 0)
		close(pc.log_fd);
	rc = pc.err;
	if (rc == 0 && !pc.have_gnuplot) {
		fprintf(stderr, "virtbench: gnuplot not found (looked for '%s'%s); "
			"wrote %zu chart scripts and data files to %s but no images. "
			"Install gnuplot (Debian: gnuplot-nox) or set VIRTBENCH_GNUPLOT, "
			"then run `virtbench plot %s`.\n", pc.prog,
			strchr(pc.prog, '/') ? "" : " in PATH", pc.ncharts, pc.dir, dir);
		rc = -ENOENT;
	} else if (rc == 0 && pc.nfailed) {
		fprintf(stderr, "virtbench: gnuplot failed on %zu of %zu charts; their "
			"scripts and data are in %s\n", pc.nfailed, pc.ncharts, pc.dir);
		rc = -EIO;
	}
out:
	sl_free(&wls);
	free(pc.dir);
	vb_analysis_free(a);
	return rc;
}
