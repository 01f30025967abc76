/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Charts and report (engine/plot.c, engine/report.c) on the results-mixed
 * fixture, with the real gnuplot. Each PNG is decoded here (zlib, PNG filters
 * undone by hand, independent of gnuplot) to check that it has the
 * configured size and really shows a chart: many colours and plenty of
 * non-white pixels. A blank or wrongly sized image fails.
 */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <zlib.h>

#include "analysis/analysis.h"
#include "analysis/model.h"
#include "analysis/report.h"
#include "lib/util.h"
#include "analysis-util.h"

/* ------------------------------------------------------------------ */
/* A minimal PNG reader: 8-bit RGB or RGBA, not interlaced              */
/* ------------------------------------------------------------------ */

struct png_info {
	uint32_t width, height;
	size_t colours;         /* distinct colours, capped at 4096 */
	double ink;             /* fraction of pixels that are not white */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* The pixels of a PNG as RGB (malloc'd, w*h*3): 0, or why it is not one. */
static const char *png_load(const char *path, uint32_t *w, uint32_t *h,
			    unsigned char **rgb)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	FILE *f = fopen(path, "rb");
	unsigned char *buf, *idat = NULL, *raw, *prev;
	size_t n, nidat = 0, off = 8, bpp, stride;
	uLongf rawlen;
	long len;
	int ctype = -1;

	*w = *h = 0;
	*rgb = NULL;
	if (!f)
		return "cannot open";
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	n = fread(buf, 1, (size_t)len, f);
	fclose(f);
	if (n < 33 || memcmp(buf, sig, 8)) {
		free(buf);
		return "no PNG signature";
	}
	while (off + 12 <= n) {
		uint32_t clen = be32(buf + off);
		const unsigned char *type = buf + off + 4, *data = buf + off + 8;

		if (off + 12 + clen > n)
			break;
		if (!memcmp(type, "IHDR", 4)) {
			*w = be32(data);
			*h = be32(data + 4);
			if (data[8] != 8 || data[12] != 0) {
				free(buf);
				free(idat);
				return "not 8-bit non-interlaced";
			}
			ctype = data[9];
		} else if (!memcmp(type, "IDAT", 4)) {
			idat = realloc(idat, nidat + clen);
			memcpy(idat + nidat, data, clen);
			nidat += clen;
		}
		off += 12 + clen;
	}
	free(buf);
	if (ctype != 2 && ctype != 6) {
		free(idat);
		return "colour type is not RGB or RGBA";
	}
	bpp = ctype == 2 ? 3 : 4;
	stride = *w * bpp;
	rawlen = (uLongf)((stride + 1) * *h);
	raw = malloc(rawlen);
	if (uncompress(raw, &rawlen, idat, nidat) != Z_OK ||
	    rawlen != (stride + 1) * *h) {
		free(idat);
		free(raw);
		return "IDAT does not inflate to width x height";
	}
	free(idat);
	prev = calloc(stride, 1);
	*rgb = malloc((size_t)*w * *h * 3);
	for (uint32_t y = 0; y < *h; y++) {
		unsigned char *row = raw + y * (stride + 1) + 1;
		int filter = row[-1];

		for (size_t x = 0; x < stride; x++) {
			int a = x >= bpp ? row[x - bpp] : 0, b = prev[x],
			    c = x >= bpp ? prev[x - bpp] : 0;

			switch (filter) {
			case 1: row[x] = (unsigned char)(row[x] + a); break;
			case 2: row[x] = (unsigned char)(row[x] + b); break;
			case 3: row[x] = (unsigned char)(row[x] + (a + b) / 2); break;
			case 4: row[x] = (unsigned char)(row[x] + paeth(a, b, c)); break;
			default: break;
			}
		}
		for (size_t x = 0, k = 0; x < stride; x += bpp, k++)
			memcpy(*rgb + ((size_t)y * *w + k) * 3, row + x, 3);
		memcpy(prev, row, stride);
	}
	free(prev);
	free(raw);
	return NULL;
}

static bool inked(const unsigned char *rgb, uint32_t w, uint32_t x, uint32_t y)
{
	const unsigned char *p = rgb + ((size_t)y * w + x) * 3;

	return p[0] != 0xff || p[1] != 0xff || p[2] != 0xff;
}

/* 0, or a reason the file is not an acceptable chart image. */
static const char *png_read(const char *path, struct png_info *info)
{
	unsigned char *rgb;
	const char *why = png_load(path, &info->width, &info->height, &rgb);
	uint32_t *seen;
	size_t ink = 0;

	info->colours = 0;
	info->ink = 0;
	if (why)
		return why;
	seen = calloc(4096, sizeof(*seen));
	for (uint32_t y = 0; y < info->height; y++)
		for (uint32_t x = 0; x < info->width; x++) {
			const unsigned char *p = rgb + ((size_t)y * info->width + x) * 3;
			uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
			size_t k;

			ink += c != 0xffffff;
			for (k = 0; k < info->colours; k++)
				if (seen[k] == c)
					break;
			if (k == info->colours && info->colours < 4096)
				seen[info->colours++] = c;
		}
	info->ink = (double)ink / ((double)info->width * info->height);
	free(seen);
	free(rgb);
	return NULL;
}

/* Every chart listed in plots/index.csv is a real image of w x h. */
static size_t check_pngs(const char *dir, uint32_t w, uint32_t h)
{
	char path[4096];
	struct vb_table t;
	size_t n = 0;
	int cn;

	snprintf(path, sizeof(path), "%s/plots/index.csv", dir);
	ck_assert_int_eq(vb_table_read(path, &t, NULL, 0), 0);
	cn = vb_table_col(&t, "name");
	ck_assert_int_ge(cn, 0);
	for (size_t i = 0; i < t.nrows; i++) {
		struct png_info info;
		const char *why;

		snprintf(path, sizeof(path), "%s/plots/%s.png", dir, t.rows[i][cn]);
		why = png_read(path, &info);
		ck_assert_msg(!why, "%s: %s", path, why);
		ck_assert_msg(info.width == w && info.height == h, "%s: %ux%u, expected %ux%u",
			      path, info.width, info.height, w, h);
		/* Text, axes, several series and error bars: a blank or one-colour
		 * image has far fewer colours and almost no ink. */
		ck_assert_msg(info.colours >= 8, "%s: only %zu colours", path, info.colours);
		ck_assert_msg(info.ink > 0.02 && info.ink < 0.9, "%s: %.3f of pixels inked",
			      path, info.ink);
		n++;
	}
	vb_table_free(&t);
	return n;
}

/* Every chart of index.csv decodes and shows something, whatever its size. */
static size_t check_pngs_any(const char *dir)
{
	char path[4096];
	struct vb_table t;
	size_t n = 0;
	int cn;

	snprintf(path, sizeof(path), "%s/plots/index.csv", dir);
	ck_assert_int_eq(vb_table_read(path, &t, NULL, 0), 0);
	cn = vb_table_col(&t, "name");
	for (size_t i = 0; i < t.nrows; i++) {
		struct png_info info;
		const char *why;

		snprintf(path, sizeof(path), "%s/plots/%s.png", dir, t.rows[i][cn]);
		why = png_read(path, &info);
		ck_assert_msg(!why, "%s: %s", path, why);
		ck_assert_msg(info.width >= 1200 && info.height == 800, "%s: %ux%u", path,
			      info.width, info.height);
		ck_assert_msg(info.colours >= 8 && info.ink > 0.02 && info.ink < 0.9,
			      "%s: %zu colours, %.3f inked", path, info.colours, info.ink);
		n++;
	}
	vb_table_free(&t);
	return n;
}

START_TEST(png_reader_rejects_blank)
{
	/* The checker itself must fail on a blank image: draw one with gnuplot. */
	char *dir = fixture_copy("results-mixed"), gp[4096], png[4096];
	struct png_info info;
	const char *argv0 = getenv("VIRTBENCH_GNUPLOT");
	FILE *f;
	pid_t pid;
	int st;

	snprintf(gp, sizeof(gp), "%s/blank.gp", dir);
	snprintf(png, sizeof(png), "%s/blank.png", dir);
	f = fopen(gp, "w");
	fprintf(f, "set terminal pngcairo size 1200,800\nset output '%s'\n"
		"unset border; unset tics; unset key\nplot [0:1][0:1] 2\n", png);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		execlp(argv0 && *argv0 ? argv0 : GNUPLOT_PROG,
		       "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "gnuplot failed on blank.gp");
	ck_assert_ptr_null(png_read(png, &info));
	ck_assert_uint_eq(info.width, 1200);
	ck_assert_uint_eq(info.height, 800);
	ck_assert(info.colours < 8 || info.ink <= 0.02);
	ck_assert_ptr_nonnull(png_read(gp, &info)); /* not a PNG */
	rm_tree(dir);
}
END_TEST

START_TEST(charts_real_gnuplot)
{
	char *dir = fixture_copy("results-mixed"), *s;
	int viol;
	size_t n;

	unsetenv("VIRTBENCH_GNUPLOT");
	unsetenv("VIRTBENCH_PLOT_SIZE");
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	n = check_pngs(dir, 1200, 800);
	/* 2 + 3 line charts, 6 + 6 bar charts, 2 + 3 overhead charts. */
	ck_assert_uint_eq(n, 22);
	/* The filled script and its data are kept for rerunning by hand. */
	ck_assert(exists(dir, "plots/line-cpu-prime-total_time-vs-max_prime.gp"));
	ck_assert(exists(dir, "plots/line-cpu-prime-total_time-vs-max_prime.dat"));
	s = slurp(dir, "plots/line-cpu-prime-total_time-vs-max_prime.gp");
	ck_assert_ptr_null(strstr(s, "@PLOT@"));
	ck_assert_ptr_nonnull(strstr(s, "set output 'line-cpu-prime-total_time-vs-max_prime.png'"));
	ck_assert_ptr_nonnull(strstr(s, "'line-cpu-prime-total_time-vs-max_prime.dat' index 0"));
	ck_assert_ptr_nonnull(strstr(s, "N = 4-5 repetitions per point"));
	free(s);
	s = slurp(dir, "plots/line-cpu-prime-total_time-vs-max_prime.dat");
	ck_assert_ptr_nonnull(strstr(s, "# qemu 2cpu-2g\n"));
	free(s);
	s = slurp(dir, "plots/bars-fileio-rndrw-reads_per_second-total_size_2G.dat");
	/* docker 4cpu-4g was refused: a gap, and n = 0 under the group. */
	ck_assert_ptr_nonnull(strstr(s, "NaN NaN"));
	ck_assert_ptr_nonnull(strstr(s, "\"n=5/0/5\""));
	free(s);
	rm_tree(dir);
}
END_TEST

START_TEST(charts_size_configurable)
{
	char *dir = fixture_copy("results-mixed");

	setenv("VIRTBENCH_PLOT_SIZE", "800x600", 1);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	unsetenv("VIRTBENCH_PLOT_SIZE");
	ck_assert_uint_eq(check_pngs(dir, 800, 600), 22);
	/* Charts of an earlier plot that are not drawn again are removed,
	 * files of the user's are not. */
	{
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/plots/mine.gp", dir);
		f = fopen(path, "w");
		fclose(f);
		setenv("VIRTBENCH_PLOT_METRICS", "total_time", 1);
		ck_assert_int_eq(vb_plot(dir, &M), 0);
		unsetenv("VIRTBENCH_PLOT_METRICS");
		ck_assert_uint_eq(check_pngs(dir, 1200, 800), 9);
		ck_assert(!exists(dir, "plots/line-cpu-prime-events_per_second-vs-max_prime.png"));
		ck_assert(!exists(dir, "plots/line-cpu-prime-events_per_second-vs-max_prime.gp"));
		ck_assert(exists(dir, "plots/line-cpu-prime-total_time-vs-max_prime.png"));
		ck_assert(exists(dir, "plots/mine.gp"));
	}
	rm_tree(dir);
}
END_TEST

START_TEST(gnuplot_missing)
{
	char *dir = fixture_copy("results-mixed"), *s;
	int viol;

	setenv("VIRTBENCH_GNUPLOT", "/nonexistent/gnuplot", 1);
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), -ENOENT);
	unsetenv("VIRTBENCH_GNUPLOT");
	/* Scripts and data are written, images are not, the report still is. */
	ck_assert(exists(dir, "plots/overhead-cpu-prime-total_time.gp"));
	ck_assert(exists(dir, "plots/overhead-cpu-prime-total_time.dat"));
	ck_assert(!exists(dir, "plots/overhead-cpu-prime-total_time.png"));
	ck_assert_int_eq(vb_report(dir, &M), 0);
	s = slurp(dir, "report.md");
	ck_assert_ptr_nonnull(strstr(s, "22 charts were not rendered"));
	ck_assert_ptr_null(strstr(s, "](plots/"));
	free(s);
	/* gnuplot that fails: a distinct error. */
	setenv("VIRTBENCH_GNUPLOT", "false", 1);
	ck_assert_int_eq(vb_plot(dir, &M), -EIO);
	unsetenv("VIRTBENCH_GNUPLOT");
	ck_assert(!exists(dir, "plots/overhead-cpu-prime-total_time.png"));
	rm_tree(dir);
}
END_TEST

static void assert_has(const char *text, const char *what)
{
	ck_assert_msg(strstr(text, what) != NULL, "report.md lacks: %s", what);
}

START_TEST(report_content)
{
	char *dir = fixture_copy("results-mixed"), *s;
	int viol;

	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	s = slurp(dir, "report.md");
	ck_assert_ptr_nonnull(s);
	assert_has(s, "# virtbench report: fixture\n");
	assert_has(s, "**Thresholds: 1 of 2 violated.**");
	/* Host and versions, matrix. */
	assert_has(s, "| hostname | fixture-host |");
	assert_has(s, "| kernel | 6.1.0-27-amd64 |");
	assert_has(s, "| cpu-prime | workload | 1.0.0 |");
	assert_has(s, "| cpu-prime | cpu-prime | events=10000 | max_prime = 5000, 10000, 20000 |");
	assert_has(s, "| fileio-rndrw | fileio-rndrw | files=128, threads=16 | total_size = 2G, 4G |");
	assert_has(s, "| 4cpu-4g | 4 | 4G |");
	/* Verification rows: requested vs observed, verdict, reason. */
	assert_has(s, "| qemu | 1cpu-2g | 1 | 1 | 2G | 1.92 GiB | yes / yes | **ok** | - |");
	assert_has(s, "| docker | 4cpu-4g | 4 | 2 | 4G | 4G | yes / yes | **refused** | "
		   "cpus: requested 4, observed 2");
	assert_has(s, "| bare-metal | 4cpu-4g | 4 | 2 | 4G | 4G | yes / no | **warn** |");
	assert_has(s, "| CPU model | AMD EPYC |");
	/* Warnings: a table per kind, most severe first, one row per
	 * environment for a shared reason. */
	assert_has(s, "**Refused environments: verification failed");
	assert_has(s, "| docker 4cpu-4g | cpus: requested 4, observed 2 (CFS quota cannot "
		   "exceed the 2 host CPUs) | 5 cells |");
	assert_has(s, "| qemu 2cpu-2g | agent: no reply within 3600 s, VM killed | "
		   "1 repetition |");
	ck_assert(strstr(s, "**Refused environments") < strstr(s, "**Failed repetitions") &&
		  strstr(s, "**Failed repetitions") < strstr(s, "**Noisy cells"));
	assert_has(s, "| qemu | 2cpu-2g | 2 vCPUs on one host thread |");
	assert_has(s, "| qemu | 4cpu-4g | 4 vCPUs on one host thread |");
	ck_assert_ptr_null(strstr(s, "| qemu | 1cpu-2g | 1 vCPUs"));
	assert_has(s, "| 4cpu-4g | 4 requested, the host has 2 |");
	assert_has(s, "| qemu 4cpu-4g fileio-rndrw total_size=2G | dropped before 0 of 5 "
		   "repetitions |");
	assert_has(s, "| qemu 1cpu-2g cpu-prime max_prime=5000 | 2.582 s | 2.306 s | +12.0 % |");
	ck_assert_ptr_null(strstr(s, "| bare-metal 2cpu-2g cpu-prime max_prime=5000 | "));
	assert_has(s, "and 5 more in summary.csv.");
	/* One row per noisy cell; latency_avg is as noisy there, but not charted. */
	assert_has(s, "| qemu 1cpu-2g fileio-rndrw total_size=2G | total_time 22.1 %, "
		   "reads_per_second 22.6 %, writes_per_second 22.6 % | 5 |");
	assert_has(s, "| bare-metal 1cpu-2g cpu-prime max_prime=5000 | total_time 10.1 %, "
		   "events_per_second 8.9 % | 5 |");
	assert_has(s, "| bare-metal 1cpu-2g cpu-prime max_prime=5000 | total_time (rep 4), "
		   "events_per_second (rep 4) |");
	/* host_time noise only where the workload's own metric is noisy. */
	assert_has(s, "| bare-metal 1cpu-2g cpu-prime max_prime=5000 | 9.9 % | total_time 10.1 % |");
	/* The order: findings, charts, verification, warnings, comparisons,
	 * host, every result at the end. */
	ck_assert(strstr(s, "## Findings") < strstr(s, "## Charts"));
	ck_assert(strstr(s, "## Charts") < strstr(s, "## Verification"));
	ck_assert(strstr(s, "## Verification") < strstr(s, "## Warnings"));
	ck_assert(strstr(s, "## Warnings") < strstr(s, "## Comparisons against"));
	ck_assert(strstr(s, "## Comparisons against") < strstr(s, "## Host and versions"));
	ck_assert(strstr(s, "## Host and versions") < strstr(s, "## Appendix: every result"));
	/* Thresholds and comparisons. */
	assert_has(s, "| `qemu/bare-metal total_time <= 1.5` | 15 | 15 | **VIOLATED** |");
	assert_has(s, "| `docker/bare-metal total_time <= 1.2` | 10 | 0 | ok |");
	assert_has(s, "### cpu-prime: total_time, lower is better");
	/* The fixture predates the order column: interleaving unknown. */
	assert_has(s, "| qemu | 1cpu-2g | max_prime=5000 | 2.193 [1.949, 2.506] | < 0.0001 | 5 / 5 | "
		   "unknown | violated: qemu/bare-metal total_time <= 1.5 |");
	assert_has(s, "| qemu | 2cpu-2g | max_prime=10000 | 2.291 [");
	assert_has(s, "| 4 / 5 |");
	/* Summary tables. */
	assert_has(s, "### cpu-prime: total_time (s), lower is better");
	assert_has(s, "| qemu | 2cpu-2g | max_prime=10000 | 4 | 5.98 ± 0.10 |");
	assert_has(s, "| bare-metal | 1cpu-2g | max_prime=5000 | 5 | 1.05 ± 0.13 | 10.1 ⚠ | "
		   "0.989078 | 1.01288 | 1.24044 | 1 (rep 4) |");
	assert_has(s, "### fileio-rndrw: reads_per_second (1/s), higher is better");
	/* Charts by relative link, and the failure table. */
	assert_has(s, "![cpu-prime: total_time vs max_prime](plots/line-cpu-prime-total_time-vs-max_prime.png)");
	assert_has(s, "(plots/bars-fileio-rndrw-reads_per_second-total_size_2G.png)");
	assert_has(s, "(plots/overhead-cpu-prime-total_time.png)");
	assert_has(s, "| qemu | 2cpu-2g | cpu-prime | max_prime=10000 | 3 | ok | agent: no reply");
	free(s);
	rm_tree(dir);
}
END_TEST

START_TEST(rebuild_from_directory)
{
	static const char *const outputs[] = {
		"summary.csv", "summary.json", "comparisons.csv", "report.md",
		"report.html", "plots/index.csv", "plots/line-cpu-prime-total_time-vs-max_prime.png",
		"plots/bars-fileio-rndrw-reads_per_second-total_size_4G.png",
		"plots/overhead-fileio-rndrw-reads_per_second.png",
	};
	char *dir = fixture_copy("results-mixed"), *first_summary, *first_report, *s;
	char *first_html, path[4096];
	int viol;

	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	first_summary = slurp(dir, "summary.csv");
	first_report = slurp(dir, "report.md");
	first_html = slurp(dir, "report.html");
	/* Delete every derived file, then rebuild from the three inputs alone. */
	snprintf(path, sizeof(path), "%s/plots", dir);
	rm_tree(strdup(path));
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, outputs[i]);
		ck_assert_int_eq(unlink(path), 0);
	}
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
		ck_assert(!exists(dir, outputs[i]));
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(viol, 1);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
		ck_assert_msg(exists(dir, outputs[i]), "%s not rebuilt", outputs[i]);
	ck_assert_uint_eq(check_pngs(dir, 1200, 800), 22);
	/* Deterministic: the same inputs give the same files. */
	s = slurp(dir, "summary.csv");
	ck_assert_str_eq(s, first_summary);
	free(s);
	s = slurp(dir, "report.md");
	ck_assert_str_eq(s, first_report);
	free(s);
	/* report.html embeds the charts: the PNGs are the same bytes too. */
	s = slurp(dir, "report.html");
	ck_assert_msg(!strcmp(s, first_html), "report.html differs on rebuild");
	free(s);
	free(first_summary);
	free(first_report);
	free(first_html);
	rm_tree(dir);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Labels never overlap                                                 */
/* ------------------------------------------------------------------ */

/*
 * The method (docs/report.md, "Labels"): every text of a chart is a
 * `set label` whose script line ends in "# px x0 y0 x1 y1", the box
 * virtbench's layout gave it (pixels from the top left). The check is
 * three-fold: (1) no two boxes intersect; (2) each label, rendered alone
 * by gnuplot in the same terminal, puts all its ink inside its box, so
 * the boxes really bound the text; (3) the chart rendered without these
 * labels (axes, ticks, key, bars) has no ink inside any box. Together:
 * no text touches another text or anything else drawn.
 */
struct lbox {
	char *line;
	int x0, y0, x1, y1;
};

static size_t read_boxes(const char *gp, struct lbox *b, size_t max, char **rest,
			 char **term)
{
	char *text = slurp_path(gp), *save = NULL, *line;
	size_t n = 0, rl = 0;

	ck_assert_msg(text != NULL, "%s", gp);
	*rest = calloc(strlen(text) + 64, 1);
	*term = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *px = strstr(line, "  # px ");

		if (!strncmp(line, "set terminal", 12) && !*term)
			*term = strdup(line);
		if (px && !strncmp(line, "set label", 9)) {
			ck_assert_uint_lt(n, max);
			ck_assert_int_eq(sscanf(px, "  # px %d %d %d %d", &b[n].x0, &b[n].y0,
						&b[n].x1, &b[n].y1), 4);
			b[n].line = strndup(line, (size_t)(px - line));
			n++;
			continue;
		}
		if (!strncmp(line, "set output", 10))
			line = "set output 'rest.png'";
		rl += (size_t)sprintf(*rest + rl, "%s\n", line);
	}
	free(text);
	ck_assert_ptr_nonnull(*term);
	return n;
}

static void run_gp(const char *dir, const char *script)
{
	char path[4096];
	FILE *f;
	pid_t pid;
	int st;
	const char *prog = getenv("VIRTBENCH_GNUPLOT");

	snprintf(path, sizeof(path), "%s/probe.gp", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(script, f);
	ck_assert_int_eq(fclose(f), 0);
	pid = fork();
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(126);
		execlp(prog && *prog ? prog : GNUPLOT_PROG, "gnuplot", "probe.gp", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "gnuplot failed on a probe");
}

/* Checks every chart of dir; returns the number of labels checked. */
static size_t check_labels(const char *dir)
{
	char path[4096];
	struct vb_table t;
	size_t total = 0;
	int cn;

	snprintf(path, sizeof(path), "%s/plots/index.csv", dir);
	ck_assert_int_eq(vb_table_read(path, &t, NULL, 0), 0);
	cn = vb_table_col(&t, "name");
	for (size_t c = 0; c < t.nrows; c++) {
		static struct lbox b[512];
		char *rest, *term, pdir[2048];
		struct vb_buf probes = VB_BUF_INIT;
		size_t n;
		uint32_t w, h;
		unsigned char *rgb;

		snprintf(pdir, sizeof(pdir), "%s/plots", dir);
		snprintf(path, sizeof(path), "%s/%s.gp", pdir, t.rows[c][cn]);
		n = read_boxes(path, b, 512, &rest, &term);
		ck_assert_msg(n >= 4, "%s: only %zu labels", path, n);
		/* (1) boxes apart */
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				ck_assert_msg(b[i].x1 <= b[j].x0 || b[j].x1 <= b[i].x0 ||
					      b[i].y1 <= b[j].y0 || b[j].y1 <= b[i].y0,
					      "%s: labels overlap:\n%s\n%s", path, b[i].line,
					      b[j].line);
		/* (2) each label alone inside its box */
		vb_buf_addf(&probes, "%s\nset encoding utf8\nunset border\nunset tics\n"
			    "unset key\n", term);
		for (size_t i = 0; i < n; i++)
			vb_buf_addf(&probes, "set output 'probe-%zu.png'\nunset label\n%s\n"
				    "plot [0:1][0:1] 2 notitle\n", i, b[i].line);
		run_gp(pdir, vb_buf_str(&probes));
		vb_buf_free(&probes);
		for (size_t i = 0; i < n; i++) {
			size_t ink = 0;

			snprintf(path, sizeof(path), "%s/probe-%zu.png", pdir, i);
			ck_assert_ptr_null(png_load(path, &w, &h, &rgb));
			for (uint32_t y = 0; y < h; y++)
				for (uint32_t x = 0; x < w; x++) {
					if (!inked(rgb, w, x, y))
						continue;
					ink++;
					ck_assert_msg((int)x >= b[i].x0 && (int)x <= b[i].x1 &&
						      (int)y >= b[i].y0 && (int)y <= b[i].y1,
						      "%s: ink at %u,%u outside the box of %s",
						      t.rows[c][cn], x, y, b[i].line);
				}
			ck_assert_msg(ink > 0, "%s: label drew nothing: %s", t.rows[c][cn],
				      b[i].line);
			free(rgb);
			unlink(path);
		}
		/* (3) nothing else inside a box */
		run_gp(pdir, rest);
		snprintf(path, sizeof(path), "%s/rest.png", pdir);
		ck_assert_ptr_null(png_load(path, &w, &h, &rgb));
		for (size_t i = 0; i < n; i++)
			for (int y = b[i].y0 < 0 ? 0 : b[i].y0; y <= b[i].y1 && y < (int)h; y++)
				for (int x = b[i].x0 < 0 ? 0 : b[i].x0; x <= b[i].x1 && x < (int)w; x++)
					ck_assert_msg(!inked(rgb, w, (uint32_t)x, (uint32_t)y),
						      "%s: the chart draws at %d,%d inside the box of %s",
						      t.rows[c][cn], x, y, b[i].line);
		free(rgb);
		unlink(path);
		for (size_t i = 0; i < n; i++)
			free(b[i].line);
		free(rest);
		free(term);
		total += n;
	}
	vb_table_free(&t);
	return total;
}

/*
 * A results directory with nconfigs configs × nparams max_prime values and
 * three backends with long names, as `virtbench run` writes it.
 */
static char *gen_results(size_t nconfigs, size_t nparams)
{
	char tmpl[] = "/tmp/vb-labels-XXXXXX", path[4096];
	char *dir = mkdtemp(tmpl);
	static const char *const backends[] = {
		"qemu-tcg-single-thread-with-a-long-label", "docker-with-a-long-label",
		"bare-metal",
	};
	static const double slow[] = { 6.0, 1.01, 1.0 };
	FILE *f;
	unsigned seed = 1;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	f = fopen(path, "w");
	fputs("experiment,backend,config,cpus,memory,workload,params,repetition,metric,"
	      "value,unit,status,verdict,started,finished,facts,error\n", f);
	for (size_t b = 0; b < 3; b++)
		for (size_t c = 0; c < nconfigs; c++)
			for (size_t p = 0; p < nparams; p++)
				for (int r = 1; r <= 3; r++) {
					double v = slow[b] * (double)(p + 1) * (1 + c * 0.01) *
						   (1 + ((seed = seed * 1103515245 + 12345) >> 16) % 100 / 5000.0);

					fprintf(f, "labels,%s,config-with-a-rather-long-name-%02zu,%zu,%zu,"
						"cpu-prime,max_prime=%zu,%d,total_time,%.6f,s,ok,ok,"
						"2026-11-27T00:00:00.000Z,2026-11-27T00:00:01.000Z,,\n",
						backends[b], c, c % 4 + 1, (size_t)256 << 20,
						(p + 1) * 1000, r, v);
				}
	fclose(f);
	snprintf(path, sizeof(path), "%s/environment.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"experiment\": {\"name\": \"labels-%zux%zu-an-experiment-with-a-long-"
		"name\", \"baseline\": \"bare-metal\", \"backends\": [", nconfigs, nparams);
	for (size_t b = 0; b < 3; b++)
		fprintf(f, "%s{\"name\": \"%s\"}", b ? ", " : "", backends[b]);
	fputs("], \"configs\": [", f);
	for (size_t c = 0; c < nconfigs; c++)
		fprintf(f, "%s{\"name\": \"config-with-a-rather-long-name-%02zu\", \"cpus\": %zu, "
			"\"memory\": %zu}", c ? ", " : "", c, c % 4 + 1, (size_t)256 << 20);
	fputs("], \"workloads\": [{\"name\": \"cpu-prime\", \"plugin\": \"cpu-prime\"}]}}\n", f);
	fclose(f);
	return strdup(dir);
}

static void labels_case(size_t nconfigs, size_t nparams, size_t charts)
{
	char *dir = gen_results(nconfigs, nparams);
	int viol;
	size_t n;

	unsetenv("VIRTBENCH_PLOT_SIZE");
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	/* bars per max_prime, an overhead chart, a line chart from 2 values */
	ck_assert_uint_eq(check_pngs_any(dir), charts);
	n = check_labels(dir);
	ck_assert_uint_ge(n, charts * 4);
	if (getenv("VIRTBENCH_KEEP_TEST_DIRS"))
		fprintf(stderr, "labels %zux%zu: %s\n", nconfigs, nparams, dir);
	else
		rm_tree(dir);
}

START_TEST(labels_3_clusters)
{
	labels_case(3, 1, 2);
}
END_TEST

START_TEST(labels_9_clusters)
{
	labels_case(3, 3, 5);
}
END_TEST

START_TEST(labels_30_clusters)
{
	labels_case(10, 3, 5);
}
END_TEST

START_TEST(labels_30_ticks)
{
	labels_case(3, 10, 12);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Nothing from the directory is executed                               */
/* ------------------------------------------------------------------ */

static void assert_no_marker(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/PWNED", dir);
	ck_assert_msg(access(path, F_OK) != 0, "%s exists: an injection ran", path);
	snprintf(path, sizeof(path), "%s/plots/PWNED", dir);
	ck_assert_msg(access(path, F_OK) != 0, "%s exists: an injection ran", path);
	snprintf(path, sizeof(path), "%s/PWNED.png", dir);
	ck_assert_msg(access(path, F_OK) != 0, "%s exists: gnuplot was redirected", path);
	ck_assert_msg(access("/tmp/virtbench-PWNED", F_OK) != 0,
		      "/tmp/virtbench-PWNED exists: gnuplot was redirected");
}

START_TEST(hostile_directory)
{
	char *dir = fixture_copy("results-hostile"), *s;
	int viol;

	unsetenv("VIRTBENCH_PLOT_SIZE");
	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	assert_no_marker(dir);
	/* line, bars per max_prime and overhead, for both metrics */
	ck_assert_uint_eq(check_pngs_any(dir), 8);
	check_labels(dir);
	s = slurp(dir, "report.md");
	/* Names arrive as text: a newline would end a table row. */
	ck_assert_ptr_null(strstr(s, "\nsystem \"touch PWNED\""));
	free(s);
	s = slurp(dir, "report.html");
	if (s) {
		ck_assert_ptr_null(strstr(s, "<script>"));
		free(s);
	}
	rm_tree(dir);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Findings                                                             */
/* ------------------------------------------------------------------ */

/* The Findings section of report.md (malloc'd). */
static char *findings_of(const char *report)
{
	const char *a = strstr(report, "## Findings\n"), *b;

	ck_assert_ptr_nonnull(a);
	b = strstr(a, "\n## ");
	ck_assert_ptr_nonnull(b);
	return strndup(a, (size_t)(b - a));
}

/*
 * Every number with a decimal point in Findings is a ratio or interval
 * limit of a comparisons.csv row, at the precision shown. Names (in
 * `backquotes`) are left out: config names hold digits.
 */
static size_t assert_traceable(const char *dir)
{
	char path[4096], *report = slurp(dir, "report.md"), *fnd = findings_of(report);
	struct vb_table t;
	int cols[3];
	size_t checked = 0;

	snprintf(path, sizeof(path), "%s/comparisons.csv", dir);
	ck_assert_int_eq(vb_table_read(path, &t, NULL, 0), 0);
	cols[0] = vb_table_col(&t, "ratio");
	cols[1] = vb_table_col(&t, "ratio_ci95_low");
	cols[2] = vb_table_col(&t, "ratio_ci95_high");
	for (char *p = fnd; *p;) {
		if (*p == '`') {
			char *e = strchr(p + 1, '`');

			ck_assert_ptr_nonnull(e);
			p = e + 1;
			continue;
		}
		if ((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')) {
			size_t n = strspn(p + (*p == '-'), "0123456789.") + (*p == '-');
			char num[64];
			const char *dot;
			bool found = false;

			snprintf(num, sizeof(num), "%.*s", (int)n, p);
			if (num[n - 1] == '.')
				num[--n] = '\0';
			dot = strchr(num, '.');
			if (dot) {
				int decimals = (int)strlen(dot + 1);

				for (size_t i = 0; i < t.nrows && !found; i++)
					for (int k = 0; k < 3 && !found; k++) {
						char buf[64];
						const char *v = t.rows[i][cols[k]];

						if (!*v)
							continue;
						snprintf(buf, sizeof(buf), "%.*f", decimals, strtod(v, NULL));
						found = !strcmp(buf, num);
					}
				ck_assert_msg(found, "%s: %s in Findings is in no comparisons.csv "
					      "row:\n%s", dir, num, fnd);
				checked++;
			}
			p += n ? n : 1;
			continue;
		}
		p++;
	}
	vb_table_free(&t);
	free(fnd);
	free(report);
	return checked;
}

START_TEST(findings_fixture)
{
	char *dir = fixture_copy("results-mixed"), *s, *f;
	int viol;

	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	s = slurp(dir, "report.md");
	f = findings_of(s);
	/* Ratios and verdicts the fixture was generated with (qemu 2.3x,
	 * docker 1.02x, CPUs change nothing). */
	assert_has(f, "### cpu-prime: total_time, lower is better\n");
	assert_has(f, "- `qemu`: 2.32× `bare-metal` [2.30, 2.34] in `1cpu-2g max_prime=10000`: "
		   "significantly slower. Its 9 cells: 2.19× to 2.40×; 9 of 9 significantly "
		   "slower.\n");
	assert_has(f, "- `docker`: 1.01× `bare-metal` [1.00, 1.02] in `2cpu-2g max_prime=10000`: "
		   "significantly slower. Its 6 cells: 0.96× to 1.02×; 5 of 6 significantly "
		   "slower.\n");
	assert_has(f, "- `docker`: 1.01× `bare-metal` [1.00, 1.02] in `1cpu-2g total_size=4G`: "
		   "no measurable cost.");
	assert_has(f, "- **More CPUs** (the same memory; each config against the next smaller "
		   "one, e.g. `2cpu-2g` against `1cpu-2g`): no significant change for any "
		   "backend in 9 rows: `bare-metal` 1.01× [1.00, 1.02] in `2cpu-2g max_prime=10000`;");
	/* The refused docker 4cpu-4g has no row, so no finding claims it. */
	ck_assert_ptr_null(strstr(f, "4cpu-4g max_prime"));
	ck_assert_uint_ge(assert_traceable(dir), 30);
	/* The rows Findings cite are in comparisons.csv, with varies. */
	free(s);
	s = slurp(dir, "comparisons.csv");
	assert_has(s, ",better,threshold,baseline_config,varies,interleaved\n");
	assert_has(s, "fixture,qemu,qemu,2cpu-2g,cpu-prime,max_prime=5000,total_time,s,");
	assert_has(s, ",1cpu-2g,cpus,no\n");
	free(s);
	free(f);
	rm_tree(dir);
}
END_TEST

START_TEST(findings_traceable_generated)
{
	char *dir = gen_results(3, 3);
	int viol;

	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	ck_assert_uint_ge(assert_traceable(dir), 10);
	rm_tree(dir);
}
END_TEST

/* ------------------------------------------------------------------ */
/* report.html in a real browser                                        */
/* ------------------------------------------------------------------ */

START_TEST(base64_rfc4648)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
					   "Zm9vYmE=", "Zm9vYmFy" };

	for (size_t i = 0; i < 7; i++) {
		struct vb_buf b = VB_BUF_INIT;

		vb_base64(&b, (const unsigned char *)in[i], strlen(in[i]));
		ck_assert_str_eq(vb_buf_str(&b), out[i]);
		vb_buf_free(&b);
	}
}
END_TEST

static const char *chromium(void)
{
	const char *e = getenv("VIRTBENCH_CHROMIUM");

	if (e && *e)
		return e;
	return access("/usr/bin/chromium", X_OK) == 0 ? "/usr/bin/chromium" : NULL;
}

/* Run headless Chromium on url with one more argument; stdout to out. */
static void run_browser(const char *profile, const char *arg, const char *url,
			const char *out)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), null = open("/dev/null", O_WRONLY);
		char ud[4200];

		snprintf(ud, sizeof(ud), "--user-data-dir=%s", profile);
		dup2(fd, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(chromium(), "chromium", "--headless", "--no-sandbox", "--disable-gpu",
		      "--disable-quic", "--no-first-run", "--disable-background-networking",
		      "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		      "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
		      "--window-size=1280,2400", ud, arg, url, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium failed (%d)", st);
}

/*
 * Chromium loads report.html. Every image must decode: a copy of the page
 * with a script appended (the report itself has none) writes, after the
 * load event, how many <img> there are and how many have no natural
 * width, and --dump-dom prints the page with it. A screenshot of the
 * report itself must not be blank (decoded here as the charts are).
 */
START_TEST(html_in_browser)
{
	char *dir = fixture_copy("results-mixed"), *html, *dom, path[4096], url[4200];
	char profile[4096], check[4096], shot[4096];
	struct png_info info;
	int viol, imgs = -1, broken = -1;
	FILE *f;

	ck_assert_int_eq(vb_analyze(dir, &viol, &M), 0);
	ck_assert_int_eq(vb_plot(dir, &M), 0);
	ck_assert_int_eq(vb_report(dir, &M), 0);
	html = slurp(dir, "report.html");
	ck_assert_ptr_nonnull(html);
	/* Self-contained: no script, nothing fetched. */
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "http://"));
	ck_assert_ptr_null(strstr(html, "https://"));
	ck_assert_ptr_null(strstr(html, "src=\"plots/"));
	ck_assert_ptr_nonnull(strstr(html, "<meta name=\"viewport\""));
	ck_assert_ptr_nonnull(strstr(html, "@media print"));
	/* The same content as report.md. */
	ck_assert_ptr_nonnull(strstr(html, "<h2>Findings</h2>"));
	ck_assert_ptr_nonnull(strstr(html, "<code>qemu</code>: 2.32× <code>bare-metal</code> "
				     "[2.30, 2.34]"));
	ck_assert_ptr_nonnull(strstr(html, "<th>environment</th><th>reason</th>"));
	if (!chromium()) {
		fprintf(stderr, "html_in_browser: no chromium (Debian: chromium; or set "
			"VIRTBENCH_CHROMIUM): report.html not checked in a browser\n");
		ck_assert_msg(!getenv("VIRTBENCH_REQUIRE_BROWSER"), "chromium required");
		free(html);
		rm_tree(dir);
		return;
	}
	snprintf(profile, sizeof(profile), "%s/chromium-profile", dir);
	snprintf(check, sizeof(check), "%s/check.html", dir);
	f = fopen(check, "w");
	fputs(html, f);
	fputs("<script>window.addEventListener('load', function () {"
	      "var im = document.images, bad = 0;"
	      "for (var i = 0; i < im.length; i++)"
	      " if (!im[i].complete || !im[i].naturalWidth) bad++;"
	      "var d = document.createElement('div'); d.id = 'vbcheck';"
	      "d.textContent = 'imgs=' + im.length + ' broken=' + bad;"
	      "document.body.appendChild(d); });</script>\n", f);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(url, sizeof(url), "file://%s", check);
	snprintf(path, sizeof(path), "%s/dom.html", dir);
	run_browser(profile, "--dump-dom", url, path);
	dom = slurp(dir, "dom.html");
	ck_assert_ptr_nonnull(dom);
	ck_assert_msg(strstr(dom, "<div id=\"vbcheck\">imgs=") &&
		      sscanf(strstr(dom, "<div id=\"vbcheck\">imgs="),
			     "<div id=\"vbcheck\">imgs=%d broken=%d", &imgs, &broken) == 2,
		      "the check did not run");
	ck_assert_int_eq(imgs, 22);
	ck_assert_int_eq(broken, 0);
	free(dom);
	snprintf(shot, sizeof(shot), "%s/shot.png", dir);
	snprintf(url, sizeof(url), "--screenshot=%s", shot);
	{
		char rep[4200];

		snprintf(rep, sizeof(rep), "file://%s/report.html", dir);
		run_browser(profile, url, rep, path);
	}
	ck_assert_ptr_null(png_read(shot, &info));
	ck_assert_uint_eq(info.width, 1280);
	ck_assert_msg(info.colours >= 8 && info.ink > 0.02, "blank screenshot: %zu colours, "
		      "%.3f inked", info.colours, info.ink);
	free(html);
	rm_tree(dir);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, png_reader_rejects_blank);
	tcase_add_test(tc, charts_real_gnuplot);
	tcase_add_test(tc, charts_size_configurable);
	tcase_add_test(tc, gnuplot_missing);
	tcase_add_test(tc, report_content);
	tcase_add_test(tc, rebuild_from_directory);
	tcase_add_test(tc, labels_3_clusters);
	tcase_add_test(tc, labels_9_clusters);
	tcase_add_test(tc, labels_30_clusters);
	tcase_add_test(tc, labels_30_ticks);
	tcase_add_test(tc, hostile_directory);
	tcase_add_test(tc, findings_fixture);
	tcase_add_test(tc, findings_traceable_generated);
	tcase_add_test(tc, base64_rfc4648);
	tcase_add_test(tc, html_in_browser);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
