/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Charts and report (engine/plot.c, engine/report.c) on the results-mixed
 * fixture, with the real gnuplot. Each PNG is decoded here (zlib, PNG filters
 * undone by hand, independent of gnuplot) to check that it has the
 * configured size and really shows a chart: many colours and plenty of
 * non-white pixels. A blank or wrongly sized image fails.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <zlib.h>

#include "analysis/analysis.h"
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

/* 0, or a reason the file is not an acceptable chart image. */
static const char *png_read(const char *path, struct png_info *info)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	FILE *f = fopen(path, "rb");
	unsigned char *buf, *idat = NULL, *raw, *prev;
	size_t n, nidat = 0, off = 8, bpp, stride;
	uLongf rawlen;
	long len;
	int ctype = -1;
	uint32_t *seen;

	memset(info, 0, sizeof(*info));
	if (!f)
		return "cannot open";
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len);
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
			info->width = be32(data);
			info->height = be32(data + 4);
			if (data[8] != 8 || data[12] != 0) {
				free(buf);
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
	stride = info->width * bpp;
	rawlen = (uLongf)((stride + 1) * info->height);
	raw = malloc(rawlen);
	if (uncompress(raw, &rawlen, idat, nidat) != Z_OK ||
	    rawlen != (stride + 1) * info->height) {
		free(idat);
		free(raw);
		return "IDAT does not inflate to width x height";
	}
	free(idat);
	prev = calloc(stride, 1);
	seen = calloc(4096, sizeof(*seen));
	{
		size_t ink = 0;

		for (uint32_t y = 0; y < info->height; y++) {
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
			for (size_t x = 0; x < stride; x += bpp) {
				uint32_t rgb = (uint32_t)row[x] << 16 | (uint32_t)row[x + 1] << 8 |
					       row[x + 2];
				size_t k;

				if (rgb != 0xffffff)
					ink++;
				for (k = 0; k < info->colours; k++)
					if (seen[k] == rgb)
						break;
				if (k == info->colours && info->colours < 4096)
					seen[info->colours++] = rgb;
			}
			memcpy(prev, row, stride);
		}
		info->ink = (double)ink / ((double)info->width * info->height);
	}
	free(seen);
	free(prev);
	free(raw);
	return NULL;
}

/* Every chart listed in plots/index.csv is a real image of w x h. */
static size_t check_pngs(const char *dir, uint32_t w, uint32_t h)
{
	char path[4096];
	char terr[512];
	struct vb_table t;
	size_t n = 0;
	int cn;

	snprintf(path, sizeof(path), "%s/plots/index.csv", dir);
	ck_assert_int_eq(vb_table_read(path, &t, terr, sizeof(terr)), 0);
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
	ck_assert_int_eq(vb_analyze(dir, &viol), 0);
	ck_assert_int_eq(vb_plot(dir), 0);
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
	ck_assert_int_eq(vb_plot(dir), 0);
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
		ck_assert_int_eq(vb_plot(dir), 0);
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
	ck_assert_int_eq(vb_analyze(dir, &viol), 0);
	ck_assert_int_eq(vb_plot(dir), -ENOENT);
	unsetenv("VIRTBENCH_GNUPLOT");
	/* Scripts and data are written, images are not, the report still is. */
	ck_assert(exists(dir, "plots/overhead-cpu-prime-total_time.gp"));
	ck_assert(exists(dir, "plots/overhead-cpu-prime-total_time.dat"));
	ck_assert(!exists(dir, "plots/overhead-cpu-prime-total_time.png"));
	ck_assert_int_eq(vb_report(dir), 0);
	s = slurp(dir, "report.md");
	ck_assert_ptr_nonnull(strstr(s, "22 charts were not rendered"));
	ck_assert_ptr_null(strstr(s, "](plots/"));
	free(s);
	/* gnuplot that fails: a distinct error. */
	setenv("VIRTBENCH_GNUPLOT", "false", 1);
	ck_assert_int_eq(vb_plot(dir), -EIO);
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

	ck_assert_int_eq(vb_analyze(dir, &viol), 0);
	ck_assert_int_eq(vb_plot(dir), 0);
	ck_assert_int_eq(vb_report(dir), 0);
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
	/* Warnings. */
	assert_has(s, "**Noisy cells**");
	assert_has(s, "  - qemu 1cpu-2g fileio-rndrw total_size=2G: CV total_time 22.1 %, "
		   "reads_per_second 22.6 %, writes_per_second 22.6 %, host_time 22.1 % (n = 5)");
	/* latency_avg is as noisy there, but not a charted metric. */
	assert_has(s, "  - bare-metal 1cpu-2g cpu-prime max_prime=5000: CV total_time 10.1 %, "
		   "events_per_second 8.9 %, host_time 9.9 % (n = 5)");
	assert_has(s, "**Refused environments**");
	assert_has(s, "  - refused cell docker 4cpu-4g cpu-prime max_prime=5000: 5 repetitions failed");
	assert_has(s, "**TCG single-threaded with several vCPUs**");
	assert_has(s, "  - qemu 2cpu-2g: 2 vCPUs on one host thread");
	assert_has(s, "  - qemu 4cpu-4g: 4 vCPUs on one host thread");
	ck_assert_ptr_null(strstr(s, "  - qemu 1cpu-2g: 1 vCPUs"));
	assert_has(s, "**Oversubscribed vCPUs**");
	assert_has(s, "  - config 4cpu-4g: 4 CPUs requested, the host has 2");
	assert_has(s, "**Page cache not dropped**");
	assert_has(s, "  - qemu 4cpu-4g fileio-rndrw total_size=2G: dropped before 0 of 5 repetitions");
	assert_has(s, "**Failed repetitions**");
	assert_has(s, "  - qemu 2cpu-2g cpu-prime max_prime=10000: 1 failed (first: repetition 3: "
		   "agent: no reply within 3600 s, VM killed), 4 succeeded");
	assert_has(s, "**Host and guest time disagree**");
	assert_has(s, "  - qemu 1cpu-2g cpu-prime max_prime=5000: host_time 2.582 s vs total_time 2.306 s (+12.0 %)");
	ck_assert_ptr_null(strstr(s, "  - bare-metal 2cpu-2g cpu-prime max_prime=5000: host_time"));
	assert_has(s, "  - bare-metal 1cpu-2g cpu-prime max_prime=5000: total_time (rep 4)");
	/* Thresholds and comparisons. */
	assert_has(s, "| `qemu/bare-metal total_time <= 1.5` | 15 | 15 | **VIOLATED** |");
	assert_has(s, "| `docker/bare-metal total_time <= 1.2` | 10 | 0 | ok |");
	assert_has(s, "### cpu-prime: total_time, lower is better");
	assert_has(s, "| qemu | 1cpu-2g | max_prime=5000 | 2.193 [1.949, 2.506] | < 0.0001 | 5 / 5 | "
		   "violated: qemu/bare-metal total_time <= 1.5 |");
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
		"plots/index.csv", "plots/line-cpu-prime-total_time-vs-max_prime.png",
		"plots/bars-fileio-rndrw-reads_per_second-total_size_4G.png",
		"plots/overhead-fileio-rndrw-reads_per_second.png",
	};
	char *dir = fixture_copy("results-mixed"), *first_summary, *first_report, *s;
	char path[4096];
	int viol;

	ck_assert_int_eq(vb_analyze(dir, &viol), 0);
	ck_assert_int_eq(vb_plot(dir), 0);
	ck_assert_int_eq(vb_report(dir), 0);
	first_summary = slurp(dir, "summary.csv");
	first_report = slurp(dir, "report.md");
	/* Delete every derived file, then rebuild from the three inputs alone. */
	snprintf(path, sizeof(path), "%s/plots", dir);
	rm_tree(strdup(path));
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, outputs[i]);
		ck_assert_int_eq(unlink(path), 0);
	}
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
		ck_assert(!exists(dir, outputs[i]));
	ck_assert_int_eq(vb_analyze(dir, &viol), 0);
	ck_assert_int_eq(viol, 1);
	ck_assert_int_eq(vb_plot(dir), 0);
	ck_assert_int_eq(vb_report(dir), 0);
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
	free(first_summary);
	free(first_report);
	rm_tree(dir);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, png_reader_rejects_blank);
	tcase_add_test(tc, charts_real_gnuplot);
	tcase_add_test(tc, charts_size_configurable);
	tcase_add_test(tc, gnuplot_missing);
	tcase_add_test(tc, report_content);
	tcase_add_test(tc, rebuild_from_directory);
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
