/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench run: an experiment into a results directory. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/runner.h"
#include "lib/ctx.h"
#include "lib/diag.h"
#include "lib/util.h"

const char vb_usage_run[] =
	"usage: virtbench run FILE [-o DIR] [--no-report] [--force] [--shard K/N]\n"
	"\n"
	"Runs every cell of the experiment FILE, repetition by repetition, and\n"
	"appends each to DIR/runs.csv as it ends. Running the same FILE into\n"
	"the same DIR again resumes: finished repetitions are not redone.\n"
	"\n"
	"  -o, --output DIR   results directory (default: results/NAME)\n"
	"  --no-report        skip summary, charts and report at the end\n"
	"  --force            run a matrix of more than 100000 runs\n"
	"  --shard K/N        only shard K of N (a config with all its backends,\n"
	"                     or per shard_by), into DIR/shards/K; needs -o DIR.\n"
	"                     `virtbench report DIR` merges the shards\n";

/*
 * The exit status of a run (DESIGN §8): 0 all ok, 1 cells failed or
 * refused (or a write stopped a run that had begun), 2 nothing could
 * start, 130 interrupted.
 */
static int run_status(int rc, const struct vb_run_result *res,
		      const struct vb_diag *d)
{
	if (rc == -EINTR) {
		vb_cli_print_diag(d, false);
		fprintf(stderr, "virtbench: interrupted: %zu repetitions recorded "
			"this time; run the same command again to resume\n",
			res->ran);
		return VB_EXIT_INTERRUPTED;
	}
	if (rc < 0) {
		vb_cli_print_diag(d, rc == -EINVAL);
		return res->started ? VB_EXIT_FAILED : VB_EXIT_USAGE;
	}
	fprintf(stderr, "virtbench: done: %zu repetitions run, %zu failed, %zu "
		"environments refused\n", res->ran, res->failed, res->refused);
	return res->failed || res->refused ? VB_EXIT_FAILED : VB_EXIT_OK;
}

int vb_cmd_run(const struct vb_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-report", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "shard", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shard = NULL;
	struct vb_run_opts o = { .plugin_dirs = cli->plugin_dirs };
	struct vb_run_result res;
	struct vb_diag d = { 0 };
	bool no_report = false;
	int c, status;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (c == 'o')
			o.outdir = optarg;
		else if (c == 'n')
			no_report = true;
		else if (c == 'f')
			o.force = true;
		else if (c == 's')
			shard = optarg;
		else
			return vb_usage_error(vb_usage_run);
	}
	if (optind != argc - 1)
		return vb_usage_error(vb_usage_run);
	o.experiment = argv[optind];
	if ((status = vb_cli_shard_setup(cli, &o, shard)) != VB_EXIT_OK)
		return status;
	status = run_status(vb_run(&o, &res, &d), &res, &d);
	vb_cli_shard_done(&o);
	if (res.dir && (status == VB_EXIT_OK || status == VB_EXIT_FAILED) &&
	    !vb_is_interrupted()) {
		char *report = vb_path_join(res.dir, "report.md");

		if (!no_report) {
			int rc = vb_cli_analyse(res.dir, true, true);

			if (rc && status == VB_EXIT_OK)
				status = rc;
		}
		printf("%s\n", access(report, R_OK) == 0 ? report : res.dir);
		free(report);
	}
	vb_diag_free(&d);
	vb_run_result_free(&res);
	return status;
}
