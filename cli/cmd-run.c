/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench run: an experiment into a results directory. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/runner.h"
#include "lib/util.h"
const char vb_usage_run[] =
	"usage: virtbench run FILE [-o DIR] [--no-report] [--shard K/N]\n"
	"\n"
	"Runs every cell of the experiment FILE, repetition by repetition, and\n"
	"appends each to DIR/runs.csv as it ends. Running the same FILE into\n"
	"the same DIR again resumes: finished repetitions are not redone.\n"
	"\n"
	"  -o, --output DIR   results directory (default: results/NAME)\n"
	"  --no-report        skip summary, charts and report at the end\n"
	"  --shard K/N        only shard K of N (a config with all its backends,\n"
	"                     or per shard_by), into DIR/shards/K; needs -o DIR.\n"
	"                     `virtbench report DIR` merges the shards\n";

int vb_cmd_run(const struct vb_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-report", no_argument, NULL, 'n' },
		{ "shard", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shard = NULL;
	struct vb_run_opts o = { .plugin_dirs = cli->plugin_dirs };
	bool no_report = false;
	char *report;
	int c, status;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (c == 'o')
			o.outdir = optarg;
		else if (c == 'n')
			no_report = true;
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
	status = vb_run(&o);
	vb_cli_shard_done(&o);
	if (o.dir && (status == VB_EXIT_OK || status == VB_EXIT_FAILED)) {
		if (!no_report) {
			int rc = vb_cli_analyse(o.dir, true, true);

			if (rc && status == VB_EXIT_OK)
				status = rc;
		}
		report = vb_path_join(o.dir, "report.md");
		printf("%s\n", access(report, R_OK) == 0 ? report : o.dir);
		free(report);
	}
	free(o.dir);
	return status;
}

