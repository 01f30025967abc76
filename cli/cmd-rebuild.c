/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench plot|report: rebuild the outputs of a results directory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "analysis/analysis.h"
#include "engine/journal.h"
#include "cli/cli.h"

const char vb_usage_plot[] =
	"usage: virtbench plot DIR\n"
	"\n"
	"Redraws DIR/plots/ (data, gnuplot scripts, PNG) from DIR's results.\n";

const char vb_usage_report[] =
	"usage: virtbench report DIR\n"
	"\n"
	"Rebuilds summary.csv/json, comparisons.csv, the charts, report.md and\n"
	"report.html from DIR's results alone. Exit 1 when a threshold is\n"
	"violated. A sharded DIR (virtbench slurm, run --shard) has its shards\n"
	"merged into DIR/runs.csv and environment.json first.\n";

/* The analysis collects its messages; they are printed here. */
static void flush(struct vb_diag *msgs)
{
	for (size_t i = 0; i < msgs->count; i++)
		fprintf(stderr, "virtbench: %s\n",
			msgs->msgs[i] ? msgs->msgs[i] : "(out of memory)");
	vb_diag_free(msgs);
}

static int analyse(const char *dir, bool plots, bool report)
{
	struct vb_diag msgs = { 0 };
	int violations = 0, rc, status = 0;

	rc = vb_analyze(dir, &violations, &msgs);
	flush(&msgs);
	if (rc < 0) {
		fprintf(stderr, "virtbench: cannot analyse %s: %s\n", dir,
			strerror(-rc));
		return VB_EXIT_USAGE;
	}
	if (plots) {
		rc = vb_plot(dir, &msgs);
		flush(&msgs);
		if (rc < 0) {
			fprintf(stderr, "virtbench: charts not drawn: %s\n",
				strerror(-rc));
			status = VB_EXIT_FAILED;
		}
	}
	if (report) {
		rc = vb_report(dir, &msgs);
		flush(&msgs);
		if (rc < 0) {
			fprintf(stderr, "virtbench: report not written: %s\n",
				strerror(-rc));
			status = VB_EXIT_FAILED;
		}
	}
	if (violations > 0) {
		fprintf(stderr, "virtbench: %d threshold(s) violated\n",
			violations);
		return VB_EXIT_FAILED;
	}
	return status;
}

int vb_cli_analyse(const char *dir, bool plots, bool report)
{
	struct stat st;
	pid_t holder;
	int lock, status;

	/* Without the directory there is nothing to lock: the analysis
	 * says what is missing. */
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return analyse(dir, plots, report);
	lock = vb_results_lock(dir, &holder);
	if (lock == -EBUSY) {
		fprintf(stderr, "virtbench: %s is in use by another virtbench "
			"(pid %ld); try again when it has finished\n", dir,
			(long)holder);
		return VB_EXIT_USAGE;
	}
	/* A read-only directory cannot be locked; it is still readable. */
	status = lock >= 0 ? vb_cli_merge(dir) : VB_EXIT_OK;
	if (status == VB_EXIT_OK)
		status = analyse(dir, plots, report);
	vb_results_unlock(lock);
	return status;
}

int vb_cmd_plot(const struct vb_cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc != 2)
		return vb_usage_error(vb_usage_plot);
	return vb_cli_analyse(argv[1], true, false);
}

int vb_cmd_report(const struct vb_cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc != 2)
		return vb_usage_error(vb_usage_report);
	return vb_cli_analyse(argv[1], true, true);
}
