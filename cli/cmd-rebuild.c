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
	"Rebuilds summary.csv/json, comparisons.csv, the charts and report.md\n"
	"from DIR's results alone. Exit 1 when a threshold is violated.\n"
	"A sharded DIR (virtbench slurm, run --shard) has its shards merged\n"
	"into DIR/runs.csv and environment.json first.\n";

static int analyse(const char *dir, bool plots, bool report)
{
	int violations = 0, rc, status = 0;

	rc = vb_analyze(dir, &violations);
	if (rc == -ENOSYS)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "virtbench: cannot analyse %s: %s\n", dir,
			strerror(-rc));
		return VB_EXIT_USAGE;
	}
	if (plots) {
		rc = vb_plot(dir);
		if (rc < 0 && rc != -ENOSYS) {
			fprintf(stderr, "virtbench: charts not drawn: %s\n",
				strerror(-rc));
			status = VB_EXIT_FAILED;
		}
	}
	if (report) {
		rc = vb_report(dir);
		if (rc < 0 && rc != -ENOSYS)
			fprintf(stderr, "virtbench: report not written: %s\n",
				strerror(-rc));
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
