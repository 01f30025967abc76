/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Charts: fill the gnuplot templates of plots/ with the statistics of a
 * results directory and run gnuplot on each, keeping NAME.gp and NAME.dat
 * next to NAME.png so a user can tweak and rerun `gnuplot NAME.gp` inside
 * DIR/plots. Which charts are drawn is documented in docs/report.md.
 *
 * Nothing read from the directory is ever gnuplot code: numbers go to the
 * .dat files, names there only as trailing comments-to-the-reader columns
 * the scripts never read, and every text in a script is a double-quoted
 * string escaped by gp_string() (gnuplot runs `backquoted` commands even
 * inside double quotes, so those are written as octal escapes). The
 * texts are placed by analysis/layout.c so that no two overlap.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/layout.h"
#include "analysis/model.h"
#include "lib/csv.h"

#define PLOT_WIDTH 1200
#define PLOT_HEIGHT 800
#define PT_BASE 15.0            /* the terminal font of the templates */
#define PT_TITLE 19.0
#define PT_SMALL 12.0
#define EDGE 10.0               /* pixels kept free at the image's edges */
#define GAP 6.0
/* Lines of one label block: a line's box is padded, so a little more than
 * the line height apart. */
#define PITCH(pt) (vb_text_height(pt) + 5)

/* Backends get a colour, configs a dash pattern and point type. */
static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))
static const int points[] = { 7, 5, 9, 11, 13, 15 };
#define NPOINTS (sizeof(points) / sizeof(points[0]))

/* ------------------------------------------------------------------ */
/* Texts                                                                */
/* ------------------------------------------------------------------ */

/* A file name from a chart's name: [A-Za-z0-9._-] only, and short
 * enough for any filesystem (a long one keeps a hash of the rest). */
static char *chart_name(char *s)
{
	uint32_t h = 2166136261u;
	char *r;

	for (char *p = s; *p; p++) {
		h = (h ^ (unsigned char)*p) * 16777619u;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
			*p = '_';
	}
	if (strlen(s) <= 120)
		return s;
	r = vb_xasprintf("%.110s-%08x", s, h);
	free(s);
	return r;
}

/*
 * A gnuplot double-quoted string holding s as plain text. Control
 * characters (a newline would end the command) become blanks; backquotes
 * and '@' (command and macro substitution happen before gnuplot parses
 * the string) are written as octal escapes, which gnuplot expands only
 * after that.
 */
static void gp_string(struct vb_buf *b, const char *s)
{
	vb_buf_addc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			vb_buf_addc(b, '\\');
			vb_buf_addc(b, (char)c);
		} else if (c == '`' || c == '@' || c == '$') {
			vb_buf_addf(b, "\\%03o", c);
		} else if (c < 0x20 || c == 0x7f) {
			vb_buf_addc(b, ' ');
		} else {
			vb_buf_addc(b, (char)c);
		}
	}
	vb_buf_addc(b, '"');
}

/* The same text as the contents of a string (for @TITLE@ & co. inside a
 * template's own quotes). */
static char *gp_inner(const char *s)
{
	struct vb_buf b = VB_BUF_INIT;
	char *r;

	gp_string(&b, s);
	r = vb_xstrndup(b.s + 1, b.len - 2);
	vb_buf_free(&b);
	return r;
}

/* A name in a .dat file, for the reader only: one quoted field on one
 * line, whatever it holds. */
static void dat_name(struct vb_buf *b, const char *s)
{
	vb_buf_addc(b, '"');
	for (; s && *s; s++)
		vb_buf_addc(b, *s == '"' || (unsigned char)*s < 0x20 ? '_' : *s);
	vb_buf_addc(b, '"');
}

/* Text for a '#' comment line of a .dat file. */
static void dat_comment(struct vb_buf *b, const char *s)
{
	for (; s && *s; s++)
		vb_buf_addc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
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

static char *axis_label(const char *metric, const char *unit)
{
	return unit && *unit ? vb_xasprintf("%s (%s)", metric, unit) :
	       vb_xstrdup(metric);
}

static char *n_range(size_t lo, size_t hi)
{
	return lo == hi ? vb_xasprintf("%zu", lo) : vb_xasprintf("%zu-%zu", lo, hi);
}

/* ------------------------------------------------------------------ */
/* Ordered distinct names                                               */
/* ------------------------------------------------------------------ */

/* Names in the order of their rank (the experiment file's order). */
struct ranked {
	struct vb_strv names;
	int *rank;
	size_t cap;
};

static void ranked_add(struct ranked *l, const char *s, int rank)
{
	char *added;
	size_t i;

	if (vb_strv_find(&l->names, s) >= 0)
		return;
	vb_strv_add(&l->names, s);
	VB_GROW(l->rank, l->names.n, l->cap);
	added = l->names.v[l->names.n - 1];
	/* Insertion keeps the list sorted; ties stay in arrival order. */
	for (i = l->names.n - 1; i > 0 && l->rank[i - 1] > rank; i--) {
		l->names.v[i] = l->names.v[i - 1];
		l->rank[i] = l->rank[i - 1];
	}
	l->names.v[i] = added;
	l->rank[i] = rank;
}

static void ranked_free(struct ranked *l)
{
	vb_strv_free(&l->names);
	free(l->rank);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------ */
/* Running gnuplot                                                      */
/* ------------------------------------------------------------------ */

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

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, l ? p : ".", prog);
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

	snprintf(file, sizeof(file), "%s.gp", name);
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
	struct vb_buf out = VB_BUF_INIT;
	int c;

	if (!f)
		return NULL;
	while ((c = fgetc(f)) != EOF) {
		char name[32];
		size_t n = 0;
		bool matched = false;

		if (c != '@') {
			vb_buf_addc(&out, (char)c);
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
					vb_buf_add(&out, vars[i].value);
					matched = true;
				}
			if (!matched)
				vb_buf_addf(&out, "@%s@", name);
		} else {
			vb_buf_addf(&out, "@%s", name);
			if (c != EOF)
				vb_buf_addc(&out, (char)c);
		}
	}
	fclose(f);
	return vb_buf_detach(&out);
}

/* ------------------------------------------------------------------ */
/* One chart                                                            */
/* ------------------------------------------------------------------ */


/* ------------------------------------------------------------------ */
/* One chart                                                            */
/* ------------------------------------------------------------------ */

struct plot_ctx {
	const struct vb_analysis *a;
	struct vb_diag *msgs;
	char *dir;          /* DIR/plots */
	const char *prog;
	bool have_gnuplot;
	int log_fd;
	int width, height;
	FILE *index;
	size_t ncharts, nfailed;
	int err;
};

struct series {
	char *title;
	char *spec;         /* the plot clause without its title */
};

/* What runs under the x axis: clusters of bars or a numeric axis. */
struct chart {
	const char *tmpl, *workload, *metric, *params;
	char *name, *title, *xlabel, *ylabel, *note;
	struct vb_buf dat;
	struct series *s;
	size_t ns, scap;
	/* Clusters: up to two rows of labels under them, then groups of
	 * adjacent clusters (group_of[i], names in groups). */
	size_t nclusters, nrows;
	struct vb_strv rows[2];
	size_t *group_of;
	struct vb_strv groups;
	/* A numeric axis: values and their tick texts. */
	bool numeric, logx;
	double ymax;        /* the highest value drawn (0: let gnuplot scale) */
	double *xv;
	struct vb_strv xt;
	/* The layout. */
	int width, height;
	double L, R, B, T;  /* the plot area, pixels from the bottom left */
	struct vb_labels labels;
	struct vb_buf axis; /* xrange, xtics, separators */
};

static void add_series(struct chart *c, char *spec, const char *title)
{
	VB_GROW(c->s, c->ns + 1, c->scap);
	c->s[c->ns].spec = spec;
	c->s[c->ns].title = vb_xstrdup(title);
	c->ns++;
}

static void chart_free(struct chart *c)
{
	free(c->name);
	free(c->title);
	free(c->xlabel);
	free(c->ylabel);
	free(c->note);
	vb_buf_free(&c->dat);
	for (size_t i = 0; i < c->ns; i++) {
		free(c->s[i].title);
		free(c->s[i].spec);
	}
	free(c->s);
	vb_strv_free(&c->rows[0]);
	vb_strv_free(&c->rows[1]);
	free(c->group_of);
	vb_strv_free(&c->groups);
	free(c->xv);
	vb_strv_free(&c->xt);
	vb_labels_free(&c->labels);
	vb_buf_free(&c->axis);
}

/* ------------------------------------------------------------------ */
/* Layout                                                               */
/* ------------------------------------------------------------------ */

static void put(struct chart *c, const char *text, double x, double y,
		double pt, enum vb_just just, bool rotate)
{
	if (text && *text)
		vb_label_set(vb_labels_add(&c->labels), text, x, y, pt, just, rotate);
}

/* gnuplot's key: sample, gap, text ("Left reverse"), one column per
 * `rows` entries. The width of a column from the real text widths. */
static double key_width(struct chart *c, double plot_h, double maxw)
{
	double rowh = vb_text_height(PT_BASE) * 1.15, tw = 0, colw;
	size_t rows, cols;

	if (!c->ns)
		return 0;
	rows = (size_t)fmax(1, floor(plot_h / rowh));
	cols = (c->ns + rows - 1) / rows;
	for (size_t i = 0; i < c->ns; i++)
		tw = fmax(tw, vb_text_width(c->s[i].title, PT_BASE));
	/* sample (samplen 4) and the spaces around it, in gnuplot's chars */
	colw = tw + 6 * 0.65 * PT_BASE * VB_PX_PER_PT;
	if (cols * colw > maxw) {
		double room = maxw / (double)cols - 6 * 0.65 * PT_BASE * VB_PX_PER_PT;

		for (size_t i = 0; i < c->ns; i++) {
			char *t = vb_text_fit(c->s[i].title, PT_BASE, room);

			free(c->s[i].title);
			c->s[i].title = t;
		}
		colw = room + 6 * 0.65 * PT_BASE * VB_PX_PER_PT;
	}
	vb_buf_addf(&c->axis, "set key maxrows %zu\n", rows);
	return (double)cols * colw + 2 * EDGE;
}

/* How a row of cluster labels is set: horizontal at 12, 11 or 10 points
 * if the widest fits its slot, else rotated at 12 (at most cap long). */
static double row_style(const struct vb_strv *t, double slot, double cap,
			bool *rot, double *pt)
{
	static const double sizes[] = { PT_SMALL, PT_SMALL - 1, PT_SMALL - 2 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double w = 0;

		for (size_t i = 0; i < t->n; i++)
			w = fmax(w, vb_text_width(t->v[i], sizes[k]));
		if (w + GAP <= slot) {
			*rot = false;
			*pt = sizes[k];
			return vb_text_height(sizes[k]);
		}
	}
	{
		double w = 0;

		for (size_t i = 0; i < t->n; i++)
			w = fmax(w, vb_text_width(t->v[i], PT_SMALL));
		*rot = true;
		*pt = PT_SMALL;
		return fmin(w, cap) + 4;
	}
}

/* Lines of each group's label, wrapped to the group's width. */
static size_t group_lines(const struct chart *c, double slot,
			  char *lines[][2], size_t *nl)
{
	size_t most = 0;

	for (size_t g = 0; g < c->groups.n; g++) {
		size_t k = 0;

		for (size_t i = 0; i < c->nclusters; i++)
			k += c->group_of[i] == g;
		nl[g] = vb_text_wrap(c->groups.v[g], PT_SMALL, (double)k * slot - GAP,
				     lines[g], 2);
		most = nl[g] > most ? nl[g] : most;
	}
	return most;
}

static void place_clusters(struct chart *c, double top, double cap)
{
	double slot = (c->R - c->L) / (double)c->nclusters;
	double hs = PITCH(PT_SMALL);

	for (size_t r = 0; r < c->nrows; r++) {
		bool rot;
		double pt, h = row_style(&c->rows[r], slot, cap, &rot, &pt);

		for (size_t i = 0; i < c->nclusters; i++) {
			double x = c->L + ((double)i + 0.5) * slot;
			char *t = vb_text_fit(c->rows[r].v[i], pt, rot ? cap : slot - GAP);

			if (rot)
				put(c, t, x, top - 2, pt, VB_RIGHT, true);
			else
				put(c, t, x, top - h / 2, pt, VB_CENTRE, false);
			free(t);
		}
		top -= h + GAP;
	}
	if (c->groups.n) {
		char *(*lines)[2] = vb_xcalloc(c->groups.n, sizeof(*lines));
		size_t *nl = vb_xcalloc(c->groups.n, sizeof(*nl));

		group_lines(c, slot, lines, nl);
		for (size_t g = 0; g < c->groups.n; g++) {
			size_t first = c->nclusters, last = 0;

			for (size_t i = 0; i < c->nclusters; i++)
				if (c->group_of[i] == g) {
					first = i < first ? i : first;
					last = i;
				}
			for (size_t j = 0; j < nl[g]; j++) {
				put(c, lines[g][j], c->L + ((double)(first + last) / 2 + 0.5) * slot,
				    top - ((double)j + 0.5) * hs, PT_SMALL, VB_CENTRE, false);
				free(lines[g][j]);
			}
			if (g + 1 < c->groups.n)
				vb_buf_addf(&c->axis, "set arrow %zu from first %.1f, graph 0 to "
					    "first %.1f, graph 1 nohead dt 3 lw 1 lc rgb \"#909090\" back\n",
					    g + 10, (double)last + 0.5, (double)last + 0.5);
		}
		free(lines);
		free(nl);
	}
}

static double clusters_height(const struct chart *c, double cap)
{
	double slot = (c->R - c->L) / (double)c->nclusters, h = 0;

	for (size_t r = 0; r < c->nrows; r++) {
		bool rot;
		double pt;

		h += row_style(&c->rows[r], slot, cap, &rot, &pt) + GAP;
	}
	if (c->groups.n) {
		char *(*lines)[2] = vb_xcalloc(c->groups.n, sizeof(*lines));
		size_t *nl = vb_xcalloc(c->groups.n, sizeof(*nl));
		size_t most = group_lines(c, slot, lines, nl);

		for (size_t g = 0; g < c->groups.n; g++)
			for (size_t j = 0; j < nl[g]; j++)
				free(lines[g][j]);
		free(lines);
		free(nl);
		h += (double)most * PITCH(PT_SMALL) + GAP;
	}
	return h;
}

static double axis_frac(const struct chart *c, double x, double lo, double hi)
{
	if (c->logx)
		return (log10(x) - log10(lo)) / (log10(hi) - log10(lo));
	return (x - lo) / (hi - lo);
}

/* Tick labels of a numeric axis; a label that would touch the one kept
 * before it is left out (its tick and grid line stay). */
static void place_ticks(struct chart *c, double top)
{
	double lo = c->xv[0], hi = c->xv[c->nclusters - 1], span;
	double y = top - vb_text_height(PT_BASE) / 2;
	struct vb_label *prev = NULL;

	if (c->logx) {
		double f = pow(hi / lo, 0.05);

		lo /= f;
		hi *= f;
	} else {
		span = hi > lo ? hi - lo : fabs(hi) + 1;
		lo -= span * 0.05;
		hi += span * 0.05;
	}
	vb_buf_addf(&c->axis, "set xrange [%.10g:%.10g]\n%sset xtics (", lo, hi,
		    c->logx ? "set logscale x\n" : "");
	for (size_t i = 0; i < c->nclusters; i++)
		vb_buf_addf(&c->axis, "%s\"\" %.10g", i ? ", " : "", c->xv[i]);
	vb_buf_addf(&c->axis, ")\n");
	for (size_t i = 0; i < c->nclusters; i++) {
		struct vb_label l;
		double x = c->L + axis_frac(c, c->xv[i], lo, hi) * (c->R - c->L);

		vb_label_set(&l, c->xt.v[i], x, y, PT_BASE, VB_CENTRE, false);
		if (prev && vb_label_overlap(prev, &l, GAP)) {
			/* The last value is worth more than its neighbour. */
			if (i + 1 < c->nclusters) {
				free(l.text);
				continue;
			}
			free(prev->text);
			*prev = l;
			continue;
		}
		*vb_labels_add(&c->labels) = l;
		prev = &c->labels.v[c->labels.n - 1];
	}
}

/* A y axis from 0 with round steps, so the widest tick label is known:
 * the left margin is made for it. Returns that label's width. */
static double y_axis(struct chart *c)
{
	double top = c->ymax * 1.08, raw, mag, f, step;
	int decimals;
	char buf[64];

	if (!(top > 0) || !isfinite(top)) {
		vb_buf_add(&c->axis, "set yrange [0:*]\n");
		return vb_text_width("-888888", PT_BASE);
	}
	raw = top / 6;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	f = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
	step = f * mag;
	top = ceil(top / step - 1e-9) * step;
	decimals = (int)fmax(0, -floor(log10(step) + 1e-9) + (f == 2.5));
	vb_buf_addf(&c->axis, "set yrange [0:%.10g]\nset ytics 0, %.10g, %.10g\n"
		    "set format y \"%%.%df\"\n", top, step, top, decimals);
	snprintf(buf, sizeof(buf), "%.*f", decimals, top);
	return vb_text_width(buf, PT_BASE);
}

static void layout(struct chart *c, int width, int height)
{
	double hb = vb_text_height(PT_BASE), hs = PITCH(PT_SMALL);
	double cap = 0.22 * height, min_slot = hs, bottom, key;
	char *notes[2] = { NULL, NULL };
	size_t nnotes;

	c->width = width;
	c->height = height;
	c->T = height - EDGE - vb_text_height(PT_TITLE) - 12;
	c->L = EDGE + hb + 8 + y_axis(c) + 16;
	key = key_width(c, 0.55 * height, 0.3 * width);
	c->R = width - EDGE - fmax(key, 20);
	/* Too many clusters for even a rotated line each: a wider image. */
	if (!c->numeric && (c->R - c->L) / (double)c->nclusters < min_slot) {
		c->width = width = (int)ceil(c->L + min_slot * (double)c->nclusters +
					     (width - c->R));
		c->R = width - EDGE - fmax(key, 20);
	}
	nnotes = vb_text_wrap(c->note, PT_SMALL, width - 2 * EDGE, notes, 2);
	bottom = EDGE + (double)nnotes * hs + GAP + hb + GAP;
	/* Rotated labels may take a fifth of the height; less if the plot
	 * would get too flat. */
	for (int i = 0; i < 4; i++) {
		double need = c->numeric ? hb + GAP : clusters_height(c, cap);

		c->B = bottom + need + 4;
		if (c->T - c->B >= 0.4 * height)
			break;
		cap *= 0.7;
	}
	if (c->numeric)
		place_ticks(c, c->B - 8);
	else {
		vb_buf_addf(&c->axis, "set xrange [-0.5:%zu.5]\nset xtics format \"\" "
			    "scale 0 nomirror\n", c->nclusters - 1);
		place_clusters(c, c->B - 8, cap);
	}
	{
		char *t = vb_text_fit(c->title, PT_TITLE, width - 2 * EDGE);

		put(c, t, width / 2.0, height - EDGE - vb_text_height(PT_TITLE) / 2,
		    PT_TITLE, VB_CENTRE, false);
		free(t);
		t = vb_text_fit(c->xlabel, PT_BASE, width - 2 * EDGE);
		put(c, t, (c->L + c->R) / 2, bottom - GAP - hb / 2, PT_BASE, VB_CENTRE,
		    false);
		free(t);
		t = vb_text_fit(c->ylabel, PT_BASE, c->T - c->B);
		put(c, t, EDGE + hb / 2, (c->B + c->T) / 2, PT_BASE, VB_CENTRE, true);
		free(t);
	}
	for (size_t i = 0; i < nnotes; i++) {
		put(c, notes[i], EDGE, EDGE + ((double)(nnotes - i) - 0.5) * hs, PT_SMALL,
		    VB_LEFT, false);
		free(notes[i]);
	}
}

/* The layout as gnuplot commands: margins, then one label per text with
 * its box as a comment (pixels from the top left; the chart test reads
 * these). */
static void layout_script(const struct chart *c, struct vb_buf *b)
{
	static const char *const just[] = { "left", "center", "right" };
	double W = c->width, H = c->height;

	vb_buf_addf(b, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n"
		    "set bmargin at screen %.5f\nset tmargin at screen %.5f\n",
		    c->L / W, c->R / W, c->B / H, c->T / H);
	vb_buf_add(b, vb_buf_str(&c->axis));
	/* The legend's left edge just right of the plot, so that however wide
	 * gnuplot thinks it is, it never covers the data. */
	if (c->ns)
		vb_buf_addf(b, "set key at screen %.5f, screen %.5f left top\n",
			    (c->R + EDGE) / W, c->T / H);
	for (size_t i = 0; i < c->labels.n; i++) {
		const struct vb_label *l = &c->labels.v[i];

		vb_buf_addf(b, "set label %zu ", i + 100);
		gp_string(b, l->text);
		vb_buf_addf(b, " at screen %.5f, screen %.5f %s%s font \",%g\" front"
			    "  # px %d %d %d %d\n", l->x / W, l->y / H, just[l->just],
			    l->rotate ? " rotate by 90" : "", l->pt, (int)floor(l->x0),
			    (int)floor(H - l->y1), (int)ceil(l->x1), (int)ceil(H - l->y0));
	}
}

static void plot_command(const struct chart *c, struct vb_buf *b)
{
	for (size_t i = 0; i < c->ns; i++) {
		vb_buf_addf(b, "%s%s title ", i ? ", \\\n     " : "", c->s[i].spec);
		gp_string(b, c->s[i].title);
	}
}

static int write_plot_file(struct plot_ctx *pc, const char *name,
			   const char *ext, const char *text)
{
	char *file = vb_xasprintf("%s.%s", name, ext), *path;
	int rc;

	path = vb_path_join(pc->dir, file);
	rc = vb_write_file_atomic(path, text, strlen(text));
	if (rc < 0)
		vb_diag_add(pc->msgs, path, 0, "cannot write: %s", strerror(-rc));
	free(path);
	free(file);
	return rc;
}

static void index_row(struct plot_ctx *pc, const struct chart *c)
{
	const char *fields[] = { c->name, c->tmpl, c->workload, c->metric,
				 c->params ? c->params : "", c->title };

	for (size_t i = 0; i < 6; i++) {
		if (i)
			fputc(',', pc->index);
		vb_csv_field(pc->index, fields[i]);
	}
	fputc('\n', pc->index);
}

static void emit(struct plot_ctx *pc, struct chart *c)
{
	struct vb_buf lay = VB_BUF_INIT, plot = VB_BUF_INIT;
	char size[2][16], *tmpl, *gp, *png, *file, *inner[4];
	int rc;

	layout(c, pc->width, pc->height);
	layout_script(c, &lay);
	plot_command(c, &plot);
	snprintf(size[0], sizeof(size[0]), "%d", c->width);
	snprintf(size[1], sizeof(size[1]), "%d", c->height);
	inner[0] = gp_inner(c->title);
	inner[1] = gp_inner(c->xlabel);
	inner[2] = gp_inner(c->ylabel);
	inner[3] = gp_inner(c->note);
	tmpl = template_path(c->tmpl);
	if (!tmpl) {
		vb_diag_add(pc->msgs, NULL, 0, "plot template %s.gp not found in "
			    "$VIRTBENCH_PLOT_TEMPLATES, %s/plots or %s/plots; "
			    "reinstall virtbench", c->tmpl, ABS_SRCDIR, PKGDATADIR);
		pc->err = -ENOENT;
		gp = NULL;
	} else {
		/* TITLE, XLABEL, YLABEL and NOTE are for templates of one's own
		 * (escaped to sit inside their double quotes); the shipped ones
		 * take LAYOUT. */
		const struct var vars[] = {
			{ "NAME", c->name }, { "WIDTH", size[0] }, { "HEIGHT", size[1] },
			{ "LAYOUT", vb_buf_str(&lay) }, { "PLOT", vb_buf_str(&plot) },
			{ "TITLE", inner[0] }, { "XLABEL", inner[1] },
			{ "YLABEL", inner[2] }, { "NOTE", inner[3] }, { "XTICS", "" },
		};

		gp = fill_template(tmpl, vars, sizeof(vars) / sizeof(vars[0]));
		if (!gp)
			pc->err = -errno;
		free(tmpl);
	}
	for (int i = 0; i < 4; i++)
		free(inner[i]);
	vb_buf_free(&lay);
	vb_buf_free(&plot);
	if (!gp)
		return;
	rc = write_plot_file(pc, c->name, "dat", vb_buf_str(&c->dat));
	if (rc == 0)
		rc = write_plot_file(pc, c->name, "gp", gp);
	free(gp);
	if (rc < 0) {
		pc->err = rc;
		return;
	}
	/* An image from an earlier run must not outlive its script. */
	file = vb_xasprintf("%s.png", c->name);
	png = vb_path_join(pc->dir, file);
	free(file);
	unlink(png);
	pc->ncharts++;
	index_row(pc, c);
	if (pc->have_gnuplot) {
		file = vb_xasprintf("%s.gp", c->name);
		rc = run_gnuplot(pc->prog, pc->dir, file, pc->log_fd);
		if (rc != 0) {
			/* One message for the first; the count comes at the end. */
			if (!pc->nfailed)
				vb_diag_add(pc->msgs, NULL, 0, "%s/%s: gnuplot failed (%s %d); "
					    "its messages are in %s/gnuplot.log", pc->dir, file,
					    rc < 0 ? "error" : "exit status", rc < 0 ? -rc : rc,
					    pc->dir);
			pc->nfailed++;
			/* No half-written image for the report to link. */
			unlink(png);
		}
		free(file);
	}
	free(png);
}

/* ------------------------------------------------------------------ */
/* The three kinds                                                      */
/* ------------------------------------------------------------------ */

/* Backends and configs of a workload, in experiment order (groups with
 * only failed rows too: they belong on the chart as gaps). */
static void lists_for(const struct vb_analysis *a, const char *wl,
		      struct ranked *backends, struct ranked *configs)
{
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];

		if (strcmp(g->workload, wl))
			continue;
		ranked_add(backends, g->backend, g->order[2]);
		ranked_add(configs, g->config, g->order[3]);
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Distinct numeric values of key among the cells of wl, sorted. */
static size_t axis_values(const struct vb_analysis *a, const char *wl,
			  const char *key, double **out)
{
	double *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_agroup *g = a->cells[i].group;
		char s[64], *end;
		double x;
		bool dup = false;

		if (strcmp(g->workload, wl) || !vb_param_get(g->params, key, s, sizeof(s)))
			continue;
		errno = 0;
		x = strtod(s, &end);
		if (!*s || *end || errno || !isfinite(x))
			continue;
		for (size_t k = 0; k < n; k++)
			dup |= v[k] == x;
		if (dup)
			continue;
		VB_GROW(v, n + 1, cap);
		v[n++] = x;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
	*out = v;
	return n;
}

/* (a) metric against a numeric axis, a line per backend × config (× the
 * values of the other axes). */
static void line_chart(struct plot_ctx *pc, const char *wl, const char *key,
		       const char *metric)
{
	const struct vb_analysis *a = pc->a;
	struct ranked backends = { 0 }, configs = { 0 };
	struct vb_strv rests = VB_STRV_INIT;
	struct chart c = { .tmpl = "line", .workload = wl, .metric = metric,
			   .numeric = true };
	size_t nmin = SIZE_MAX, nmax = 0;

	lists_for(a, wl, &backends, &configs);
	c.nclusters = axis_values(a, wl, key, &c.xv);
	for (size_t i = 0; i < c.nclusters; i++) {
		char raw[64], disp[64];

		snprintf(raw, sizeof(raw), "%.10g", c.xv[i]);
		vb_param_display(key, raw, disp, sizeof(disp));
		vb_strv_add(&c.xt, disp);
	}
	c.logx = c.nclusters > 2 && c.xv[0] > 0 && c.xv[c.nclusters - 1] / c.xv[0] > 20;
	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_agroup *g = a->cells[i].group;
		char v[64], rest[256];

		if (strcmp(g->workload, wl) || !vb_param_get(g->params, key, v, sizeof(v)))
			continue;
		vb_param_without(g->params, key, rest, sizeof(rest));
		if (vb_strv_find(&rests, rest) < 0)
			vb_strv_add(&rests, rest);
	}
	c.name = chart_name(vb_xasprintf("line-%s-%s-vs-%s", wl, metric, key));
	c.title = vb_xasprintf("%s: %s vs %s", wl, metric, key);
	c.ylabel = axis_label(metric, unit_of(a, wl, metric));
	c.xlabel = vb_xasprintf("%s%s", key, c.logx ? " (log scale)" : "");
	vb_buf_addf(&c.dat, "# ");
	dat_comment(&c.dat, c.title);
	vb_buf_addf(&c.dat, " (");
	dat_comment(&c.dat, unit_of(a, wl, metric));
	vb_buf_addf(&c.dat, "). Mean and 95 %% CI of the mean per point.\n"
		    "# One block per line (gnuplot 'index'): x mean ci_low ci_high n\n");
	for (size_t b = 0; b < backends.names.n; b++)
		for (size_t k = 0; k < configs.names.n; k++)
			for (size_t o = 0; o < rests.n; o++) {
				const char *rest = rests.v[o];
				char rd[256];
				bool any = false;
				char *label;

				vb_params_display(rest, rd, sizeof(rd));
				label = vb_xasprintf("%s %s%s%s", backends.names.v[b],
						     configs.names.v[k], *rest ? " " : "",
						     *rest ? rd : "");
				for (size_t x = 0; x < c.nclusters; x++) {
					const struct vb_acell *cell;
					const struct vb_stats *st;

					/* The cell whose params are rest plus key=x. */
					cell = NULL;
					for (size_t i = 0; i < a->ncells && !cell; i++) {
						const struct vb_acell *t = &a->cells[i];
						const struct vb_agroup *g = t->group;
						char v[64], r2[256];

						if (strcmp(g->workload, wl) || strcmp(t->metric, metric) ||
						    strcmp(g->backend, backends.names.v[b]) ||
						    strcmp(g->config, configs.names.v[k]) || !t->n ||
						    !vb_param_get(g->params, key, v, sizeof(v)) ||
						    strtod(v, NULL) != c.xv[x])
							continue;
						vb_param_without(g->params, key, r2, sizeof(r2));
						if (!strcmp(r2, rest))
							cell = t;
					}
					if (!cell)
						continue;
					if (!any) {
						vb_buf_addf(&c.dat, "%s# ", c.ns ? "\n\n" : "");
						dat_comment(&c.dat, label);
						vb_buf_addc(&c.dat, '\n');
					}
					any = true;
					st = &cell->st;
					vb_buf_addf(&c.dat, "%.10g %.10g %.10g %.10g %zu\n", c.xv[x],
						    st->mean, isnan(st->ci_low) ? st->mean : st->ci_low,
						    isnan(st->ci_high) ? st->mean : st->ci_high, st->n);
					nmin = st->n < nmin ? st->n : nmin;
					nmax = st->n > nmax ? st->n : nmax;
					c.ymax = fmax(c.ymax, isnan(st->ci_high) ? st->mean :
						      st->ci_high);
				}
				if (any)
					add_series(&c, vb_xasprintf("'%s.dat' index %zu using 1:2:3:4 "
								    "with yerrorlines lc rgb \"%s\" dt %d pt %d",
								    c.name, c.ns, palette[b % NPALETTE],
								    (int)(k % 5) + 1, points[k % NPOINTS]),
						   label);
				free(label);
			}
	if (c.ns) {
		char *nr = n_range(nmin, nmax);

		c.note = vb_xasprintf("N = %s repetitions per point; error bars: 95 %% "
				      "CI of the mean (Student t). Experiment %s.", nr,
				      *a->name ? a->name : "(unnamed)");
		free(nr);
		emit(pc, &c);
	}
	chart_free(&c);
	ranked_free(&backends);
	ranked_free(&configs);
	vb_strv_free(&rests);
}

/* (b) grouped bars: a group per config, a bar per backend. */
static void bars_chart(struct plot_ctx *pc, const char *wl, const char *params,
		       const char *metric)
{
	const struct vb_analysis *a = pc->a;
	struct ranked backends = { 0 }, configs = { 0 };
	struct chart c = { .tmpl = "bars", .workload = wl, .metric = metric,
			   .params = params, .nrows = 2 };
	char pd[256];
	size_t found = 0;

	lists_for(a, wl, &backends, &configs);
	vb_params_display(params, pd, sizeof(pd));
	c.name = chart_name(vb_xasprintf("bars-%s-%s%s%s", wl, metric, *params ? "-" : "",
			      *params ? pd : ""));
	c.title = vb_xasprintf("%s%s%s: %s per config", wl, *params ? " " : "",
			       *params ? pd : "", metric);
	c.ylabel = axis_label(metric, unit_of(a, wl, metric));
	c.xlabel = vb_xstrdup("config (n = repetitions per bar, in key order)");
	vb_buf_addf(&c.dat, "# ");
	dat_comment(&c.dat, c.title);
	vb_buf_addf(&c.dat, " (");
	dat_comment(&c.dat, unit_of(a, wl, metric));
	vb_buf_addf(&c.dat, "). Per config, for each backend: mean and 95 %% CI "
		    "half-width; NaN = no data; then the config and n per backend.\n#");
	for (size_t b = 0; b < backends.names.n; b++) {
		vb_buf_addf(&c.dat, " ");
		dat_comment(&c.dat, backends.names.v[b]);
		vb_buf_addf(&c.dat, "_mean _ci95");
	}
	vb_buf_addf(&c.dat, " config n\n");
	for (size_t k = 0; k < configs.names.n; k++) {
		struct vb_buf ns = VB_BUF_INIT;

		for (size_t b = 0; b < backends.names.n; b++) {
			const struct vb_acell *cell =
				vb_analysis_find(a, backends.names.v[b], configs.names.v[k],
						 wl, params, metric);

			if (cell && cell->n) {
				vb_buf_addf(&c.dat, "%s%.10g %.10g", b ? " " : "", cell->st.mean,
					    isnan(cell->st.ci_half) ? 0.0 : cell->st.ci_half);
				c.ymax = fmax(c.ymax, cell->st.mean + (isnan(cell->st.ci_half) ?
								      0.0 : cell->st.ci_half));
				found++;
			} else {
				vb_buf_addf(&c.dat, "%sNaN NaN", b ? " " : "");
			}
			vb_buf_addf(&ns, "%s%zu", b ? "/" : "n=", cell ? cell->n : 0);
		}
		vb_buf_addc(&c.dat, ' ');
		dat_name(&c.dat, configs.names.v[k]);
		vb_buf_addf(&c.dat, " \"%s\"\n", vb_buf_str(&ns));
		vb_strv_add(&c.rows[0], configs.names.v[k]);
		vb_strv_take(&c.rows[1], vb_buf_detach(&ns));
	}
	c.nclusters = configs.names.n;
	for (size_t b = 0; b < backends.names.n; b++) {
		char *file = b ? vb_xstrdup("''") : vb_xasprintf("'%s.dat'", c.name);

		add_series(&c, vb_xasprintf("%s using %zu:%zu lc rgb \"%s\"", file,
					    1 + 2 * b, 2 + 2 * b, palette[b % NPALETTE]),
			   backends.names.v[b]);
		free(file);
	}
	c.note = vb_xasprintf("Bars: mean; error bars: 95 %% CI of the mean "
			      "(Student t); n under each group (0 = failed or refused). "
			      "Experiment %s.", *a->name ? a->name : "(unnamed)");
	if (found)
		emit(pc, &c);
	chart_free(&c);
	ranked_free(&backends);
	ranked_free(&configs);
}

static const struct vb_acmp *find_cmp(const struct vb_analysis *a,
				      const struct vb_agroup *bg,
				      const char *backend, const char *metric)
{
	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group;

		if (m->varies == VB_VARIES_BACKEND && !strcmp(m->cell->metric, metric) &&
		    !strcmp(g->backend, backend) && !strcmp(g->config, bg->config) &&
		    !strcmp(g->workload, bg->workload) && !strcmp(g->params, bg->params))
			return m;
	}
	return NULL;
}

static int cmp_group_order(const void *x, const void *y)
{
	const struct vb_agroup *a = *(const struct vb_agroup *const *)x;
	const struct vb_agroup *b = *(const struct vb_agroup *const *)y;

	if (a->order[1] != b->order[1])
		return a->order[1] < b->order[1] ? -1 : 1;
	return (a->order[3] > b->order[3]) - (a->order[3] < b->order[3]);
}

/*
 * The one parameter whose value tells the clusters apart, if the others
 * are the same in all: then a cluster's label need only be its value
 * ("1000" under "grouped by max_prime"), which fits where "max_prime=1000"
 * would not. NULL when none or several vary.
 */
static char *varying_key(const struct vb_agroup *const *cl, size_t n)
{
	for (const char *p = n ? cl[0]->params : ""; *p;) {
		size_t l = strcspn(p, ";");
		const char *eq = memchr(p, '=', l);
		char *k, v0[256], v[256], r0[512], r[512];
		bool varies = false, same_rest = true;

		if (!eq)
			return NULL;
		k = vb_xstrndup(p, (size_t)(eq - p));
		vb_param_get(cl[0]->params, k, v0, sizeof(v0));
		vb_param_without(cl[0]->params, k, r0, sizeof(r0));
		for (size_t i = 1; i < n; i++) {
			if (!vb_param_get(cl[i]->params, k, v, sizeof(v))) {
				same_rest = false;
				break;
			}
			vb_param_without(cl[i]->params, k, r, sizeof(r));
			varies |= strcmp(v, v0) != 0;
			same_rest &= strcmp(r, r0) == 0;
		}
		if (varies && same_rest)
			return k;
		free(k);
		p += l + (p[l] == ';');
	}
	return NULL;
}

static char *cluster_text(const struct vb_agroup *g, const char *vkey)
{
	char v[256], d[256];

	if (vkey && vb_param_get(g->params, vkey, v, sizeof(v))) {
		vb_param_display(vkey, v, d, sizeof(d));
		return vb_xstrdup(d);
	}
	vb_params_display(g->params, d, sizeof(d));
	return vb_xstrdup(d);
}

/* (c) each backend relative to the baseline, per config × params: the
 * configs under each cluster, the parameters once under their clusters. */
static void overhead_chart(struct plot_ctx *pc, const char *wl, const char *metric)
{
	const struct vb_analysis *a = pc->a;
	struct ranked backends = { 0 }, configs = { 0 }, params = { 0 };
	struct chart c = { .tmpl = "overhead", .workload = wl, .metric = metric };
	const struct vb_agroup **cl = NULL;
	size_t ncl = 0, nmin = SIZE_MAX, nmax = 0;
	char *vkey = NULL;
	bool by_config;

	for (size_t i = 0; i < a->ncmp; i++) {
		const struct vb_acmp *m = &a->cmp[i];
		const struct vb_agroup *g = m->cell->group;

		if (m->varies == VB_VARIES_BACKEND && !strcmp(g->workload, wl) &&
		    !strcmp(m->cell->metric, metric))
			ranked_add(&backends, g->backend, g->order[2]);
	}
	if (!backends.names.n || !a->baseline)
		goto out;
	/* Clusters: the baseline's groups with a ratio, params then config. */
	cl = vb_xcalloc(a->ngroups + 1, sizeof(*cl));
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i];
		bool any = false;

		if (strcmp(g->workload, wl) || strcmp(g->backend, a->baseline))
			continue;
		for (size_t b = 0; b < backends.names.n && !any; b++) {
			const struct vb_acmp *m = find_cmp(a, g, backends.names.v[b], metric);

			any = m && isfinite(m->r.ratio);
		}
		if (any)
			cl[ncl++] = g;
	}
	if (!ncl)
		goto out;
	qsort(cl, ncl, sizeof(*cl), cmp_group_order);
	for (size_t k = 0; k < ncl; k++) {
		char pd[256];

		vb_params_display(cl[k]->params, pd, sizeof(pd));
		ranked_add(&configs, cl[k]->config, cl[k]->order[3]);
		ranked_add(&params, pd, cl[k]->order[1]);
	}
	/* Two levels when both vary; else the one that does. */
	by_config = configs.names.n > 1 || params.names.n <= 1;
	c.nclusters = ncl;
	c.nrows = 1;
	if (by_config && params.names.n > 1)
		c.group_of = vb_xcalloc(ncl, sizeof(*c.group_of));
	c.name = chart_name(vb_xasprintf("overhead-%s-%s", wl, metric));
	c.title = vb_xasprintf("%s: %s relative to %s", wl, metric, a->baseline);
	c.ylabel = vb_xasprintf("%s ratio to %s (mean / mean)", metric, a->baseline);
	vkey = varying_key(cl, ncl);
	if (c.group_of)
		c.xlabel = vkey ? vb_xasprintf("config, grouped by %s", vkey) :
			   vb_xstrdup("config, grouped by parameters");
	else
		c.xlabel = by_config ? vb_xstrdup("config") :
			   vkey ? vb_xstrdup(vkey) : vb_xstrdup("parameters");
	vb_buf_addf(&c.dat, "# ");
	dat_comment(&c.dat, c.title);
	vb_buf_addf(&c.dat, ", per config and parameters.\n# For each backend: ratio, "
		    "95 %% Fieller CI low, high; NaN = no data; then config, params.\n#");
	for (size_t b = 0; b < backends.names.n; b++) {
		vb_buf_addc(&c.dat, ' ');
		dat_comment(&c.dat, backends.names.v[b]);
		vb_buf_addf(&c.dat, "_ratio _low _high");
	}
	vb_buf_addf(&c.dat, " config params\n");
	for (size_t k = 0; k < ncl; k++) {
		const struct vb_agroup *bg = cl[k];
		char pd[256];

		vb_params_display(bg->params, pd, sizeof(pd));
		for (size_t b = 0; b < backends.names.n; b++) {
			const struct vb_acmp *m = find_cmp(a, bg, backends.names.v[b], metric);

			if (m && isfinite(m->r.ratio)) {
				/* An unbounded or missing interval is drawn as none. */
				double lo = isfinite(m->r.lo) ? m->r.lo : m->r.ratio;
				double hi = isfinite(m->r.hi) ? m->r.hi : m->r.ratio;
				size_t lo_n = m->cell->n < m->base->n ? m->cell->n : m->base->n;
				size_t hi_n = m->cell->n > m->base->n ? m->cell->n : m->base->n;

				vb_buf_addf(&c.dat, "%s%.10g %.10g %.10g", b ? " " : "",
					    m->r.ratio, lo, hi);
				c.ymax = fmax(c.ymax, fmax(hi, 1.0));
				nmin = lo_n < nmin ? lo_n : nmin;
				nmax = hi_n > nmax ? hi_n : nmax;
			} else {
				vb_buf_addf(&c.dat, "%sNaN NaN NaN", b ? " " : "");
			}
		}
		vb_buf_addc(&c.dat, ' ');
		dat_name(&c.dat, bg->config);
		vb_buf_addc(&c.dat, ' ');
		dat_name(&c.dat, pd);
		vb_buf_addc(&c.dat, '\n');
		{
			char *ct = cluster_text(bg, vkey);

			vb_strv_add(&c.rows[0], by_config ? bg->config : ct);
			if (c.group_of) {
				ssize_t g = vb_strv_find(&c.groups, ct);

				/* Clusters are sorted by params: a group is contiguous. */
				if (g < 0) {
					vb_strv_add(&c.groups, ct);
					g = (ssize_t)c.groups.n - 1;
				}
				c.group_of[k] = (size_t)g;
			}
			free(ct);
		}
	}
	for (size_t b = 0; b < backends.names.n; b++) {
		char *file = b ? vb_xstrdup("''") : vb_xasprintf("'%s.dat'", c.name);

		add_series(&c, vb_xasprintf("%s using %zu:%zu:%zu lc rgb \"%s\"", file,
					    1 + 3 * b, 2 + 3 * b, 3 + 3 * b,
					    palette[b % NPALETTE]), backends.names.v[b]);
		free(file);
	}
	{
		char *nr = n_range(nmin, nmax);

		c.note = vb_xasprintf("1 = same as %s (dashed line). Error bars: 95 %% "
				      "Fieller CI of the ratio. N = %s repetitions per mean. "
				      "Experiment %s.", a->baseline, nr,
				      *a->name ? a->name : "(unnamed)");
		free(nr);
	}
	emit(pc, &c);
out:
	free(vkey);
	free(cl);
	chart_free(&c);
	ranked_free(&backends);
	ranked_free(&configs);
	ranked_free(&params);
}

/* Charts for one workload. */
static void workload_charts(struct plot_ctx *pc, const char *wl)
{
	const struct vb_analysis *a = pc->a;
	struct ranked metrics = { 0 }, params = { 0 };
	struct vb_strv keys = VB_STRV_INIT;

	for (size_t i = 0; i < a->ncells; i++) {
		const struct vb_acell *c = &a->cells[i];

		if (strcmp(c->group->workload, wl))
			continue;
		if (vb_analysis_primary(a, wl, c->metric))
			ranked_add(&metrics, c->metric, c->metric_rank);
		ranked_add(&params, c->group->params, c->group->order[1]);
	}
	/* Axis keys with at least two numeric values get a line chart. */
	for (size_t i = 0; i < params.names.n; i++)
		for (const char *p = params.names.v[i]; *p;) {
			size_t l = strcspn(p, ";");
			const char *eq = memchr(p, '=', l);

			if (eq) {
				char *key = vb_xstrndup(p, (size_t)(eq - p));

				if (vb_strv_find(&keys, key) < 0)
					vb_strv_add(&keys, key);
				free(key);
			}
			p += l + (p[l] == ';');
		}
	for (size_t k = 0; k < keys.n; k++) {
		double *vals;
		size_t n = axis_values(a, wl, keys.v[k], &vals);

		free(vals);
		if (n >= 2)
			for (size_t m = 0; m < metrics.names.n; m++)
				line_chart(pc, wl, keys.v[k], metrics.names.v[m]);
	}
	for (size_t i = 0; i < params.names.n; i++)
		for (size_t m = 0; m < metrics.names.n; m++)
			bars_chart(pc, wl, params.names.v[i], metrics.names.v[m]);
	for (size_t m = 0; m < metrics.names.n; m++)
		overhead_chart(pc, wl, metrics.names.v[m]);
	ranked_free(&metrics);
	ranked_free(&params);
	vb_strv_free(&keys);
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
	struct vb_table t;
	int cn;

	if (access(index, F_OK) < 0 || vb_table_read(index, &t, NULL, 0) < 0)
		return;
	cn = vb_table_col(&t, "name");
	for (size_t i = 0; cn >= 0 && i < t.nrows; i++) {
		const char *name = t.rows[i][cn];

		/* Only plain names: an edited index must not reach outside. */
		if (!*name || strchr(name, '/') || name[0] == '.')
			continue;
		for (size_t k = 0; k < 3; k++) {
			char file[300], *path;

			snprintf(file, sizeof(file), "%s.%s", name, ext[k]);
			path = vb_path_join(dir, file);
			unlink(path);
			free(path);
		}
	}
	vb_table_free(&t);
}

/* pc ready to draw into plots_dir: the directory, the index, the log. */
static int plot_open(struct plot_ctx *pc, const struct vb_analysis *a,
		     const char *plots_dir, struct vb_diag *msgs)
{
	char *p;

	memset(pc, 0, sizeof(*pc));
	pc->log_fd = -1;
	pc->msgs = msgs;
	pc->a = a;
	pc->dir = vb_xstrdup(plots_dir);
	pc->prog = gnuplot_prog();
	pc->have_gnuplot = find_program(pc->prog);
	plot_size(&pc->width, &pc->height);
	if (mkdir(pc->dir, 0777) < 0 && errno != EEXIST) {
		vb_diag_add(msgs, pc->dir, 0, "cannot create: %s", strerror(errno));
		return -errno;
	}
	p = vb_path_join(pc->dir, "index.csv");
	remove_old_charts(pc->dir, p);
	pc->index = fopen(p, "w");
	if (!pc->index) {
		int rc = -errno;

		vb_diag_add(msgs, p, 0, "%s", strerror(errno));
		free(p);
		return rc;
	}
	free(p);
	fputs("name,kind,workload,metric,params,title\n", pc->index);
	if (pc->have_gnuplot) {
		p = vb_path_join(pc->dir, "gnuplot.log");
		pc->log_fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		free(p);
	}
	return 0;
}

/* Index and log closed; what went wrong said once. `again` is the
 * command that redraws. */
static int plot_close(struct plot_ctx *pc, const char *again)
{
	int rc;

	if (pc->index && (ferror(pc->index) | fclose(pc->index)))
		pc->err = pc->err ? pc->err : -EIO;
	pc->index = NULL;
	if (pc->log_fd >= 0)
		close(pc->log_fd);
	pc->log_fd = -1;
	rc = pc->err;
	if (rc == 0 && !pc->have_gnuplot) {
		vb_diag_add(pc->msgs, NULL, 0, "gnuplot not found (looked for '%s'%s); "
			    "wrote %zu chart scripts and data files to %s but no images. "
			    "Install gnuplot (Debian: gnuplot-nox) or set VIRTBENCH_GNUPLOT, "
			    "then run `%s`.", pc->prog,
			    strchr(pc->prog, '/') ? "" : " in PATH", pc->ncharts, pc->dir,
			    again);
		rc = -ENOENT;
	} else if (rc == 0 && pc->nfailed) {
		vb_diag_add(pc->msgs, NULL, 0, "gnuplot failed on %zu of %zu charts; their "
			    "scripts and data are in %s", pc->nfailed, pc->ncharts, pc->dir);
		rc = -EIO;
	}
	free(pc->dir);
	pc->dir = NULL;
	return rc;
}

int vb_plot(const char *dir, struct vb_diag *msgs)
{
	struct vb_analysis *a;
	struct plot_ctx pc;
	struct ranked wls = { 0 };
	char *pdir, *again;
	int rc;

	rc = vb_analysis_load(dir, &a, msgs);
	if (rc < 0)
		return rc;
	pdir = vb_path_join(dir, "plots");
	rc = plot_open(&pc, a, pdir, msgs);
	free(pdir);
	if (rc == 0) {
		for (size_t i = 0; i < a->ncells; i++)
			ranked_add(&wls, a->cells[i].group->workload,
				   a->cells[i].group->order[0]);
		for (size_t i = 0; i < wls.names.n; i++)
			workload_charts(&pc, wls.names.v[i]);
	}
	again = vb_xasprintf("virtbench plot %s", dir);
	if (rc == 0)
		rc = plot_close(&pc, again);
	else
		free(pc.dir);
	free(again);
	ranked_free(&wls);
	vb_analysis_free(a);
	return rc;
}

int vb_plot_ratios(const struct vb_analysis *a, const char *plots_dir,
		   const char *again, struct vb_diag *msgs)
{
	struct plot_ctx pc;
	struct ranked wls = { 0 };
	int rc = plot_open(&pc, a, plots_dir, msgs);

	if (rc < 0) {
		free(pc.dir);
		return rc;
	}
	for (size_t i = 0; i < a->ncells; i++)
		ranked_add(&wls, a->cells[i].group->workload,
			   a->cells[i].group->order[0]);
	for (size_t i = 0; i < wls.names.n; i++) {
		struct ranked metrics = { 0 };

		for (size_t k = 0; k < a->ncells; k++)
			if (!strcmp(a->cells[k].group->workload, wls.names.v[i]) &&
			    vb_analysis_primary(a, wls.names.v[i], a->cells[k].metric))
				ranked_add(&metrics, a->cells[k].metric,
					   a->cells[k].metric_rank);
		for (size_t m = 0; m < metrics.names.n; m++)
			overhead_chart(&pc, wls.names.v[i], metrics.names.v[m]);
		ranked_free(&metrics);
	}
	ranked_free(&wls);
	return plot_close(&pc, again);
}
