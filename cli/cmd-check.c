/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench check: validate an experiment, size its matrix, estimate it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/estimate.h"
#include "engine/experiment.h"
#include "engine/matrix.h"
#include "engine/runner.h"
#include "lib/diag.h"
#include "lib/loader.h"
#include "lib/util.h"
const char vb_usage_check[] =
	"usage: virtbench check FILE [-o DIR]\n"
	"\n"
	"Validates FILE against the plugins' option tables without running\n"
	"anything, and prints the matrix (cells x repetitions) and the run\n"
	"time: at most (every repetition to its time limit) and, when DIR\n"
	"(default results/NAME) holds an earlier run of it, at that run's pace\n"
	"and what a rerun has left. Environment start-up is not included.\n"
	"For a sharded DIR (virtbench slurm, run --shard) it shows what each\n"
	"shard has left and its last Slurm task.\n"
	"Warns beyond 100000 runs ('run' then needs --force).\n"
	"Exit status 0 when valid, 2 with file:line errors otherwise.\n";

static void print_estimate(const struct vb_experiment *ex,
			   const struct vb_cell *cells, size_t ncells,
			   const char *outdir)
{
	char dir[4096], csv[4200], a[32], b[32];
	struct vb_estimate e;

	if (outdir)
		snprintf(dir, sizeof(dir), "%s", outdir);
	else
		snprintf(dir, sizeof(dir), "results/%s", ex->name);
	snprintf(csv, sizeof(csv), "%s/runs.csv", dir);
	if (vb_estimate(ex, cells, ncells, dir, &e) < 0) {
		printf("run time: cannot read %s\n", csv);
		return;
	}
	vb_fmt_duration(e.bound, a, sizeof(a));
	if (!e.unbounded) {
		printf("run time: the time limits add up to %s, plus the "
		       "start-up of agents and environments\n", a);
	} else {
		vb_fmt_duration(ex->timeout, b, sizeof(b));
		printf("run time: no bound from the limits: %zu of %zu cells "
		       "stop on events alone (only the timeout, %s a "
		       "repetition, bounds them)\n", e.unbounded, ncells, b);
	}
	if (e.likely < 0) {
		printf("%s: no earlier run of %s to take the pace from "
		       "(-o DIR names another)\n", dir, ex->name);
		return;
	}
	vb_fmt_duration(e.likely, a, sizeof(a));
	vb_fmt_duration(e.likely_left, b, sizeof(b));
	if (ex->adaptive.on) {
		printf("%s: %zu repetitions recorded, %zu of %zu cells "
		       "finished by the rule; at their pace and spread a whole "
		       "run likely takes ~%s, a rerun there ~%zu more (~%s)\n",
		       dir, e.recorded, e.stopped, ncells, a, e.left, b);
		return;
	}
	printf("%s: %zu of %zu repetitions recorded; at their pace a whole "
	       "run takes ~%s, a rerun there has %zu left (~%s)\n", dir,
	       e.recorded, e.runs, a, e.left, b);
}

/* The matrix, what a run of it is, and its run time. */
static void print_matrix(const char *file, const struct vb_experiment *ex,
			 const struct vb_cell *cells, size_t ncells,
			 const char *outdir)
{
	const struct vb_adaptive *ad = &ex->adaptive;
	size_t runs = ncells * (size_t)ex->repetitions;
	size_t opens = ex->order == VB_ORDER_INTERLEAVED
			       ? (size_t)ex->repetitions : 1;

	printf("%s: ok\n", file);
	printf("backends %zu, configs %zu, workloads %zu\n", ex->nbackends,
	       ex->nconfigs, ex->nworkloads);
	if (ad->on)
		printf("%zu cells x %d..%d repetitions (until the 95 %% CI of "
		       "each is within %.3g %% of its mean%s) = %zu..%zu runs",
		       ncells, ad->min, ad->max, 100 * ad->precision,
		       ad->budget > 0 ? ", or its time budget is spent" : "",
		       ncells * (size_t)ad->min, runs);
	else
		printf("%zu cells x %d repetitions = %zu runs", ncells,
		       ex->repetitions, runs);
	if (ex->warmup)
		printf(" (+ %s%zu warmup runs)", ad->on ? "up to " : "",
		       ncells * (size_t)ex->warmup * opens);
	if (opens > 1)
		printf("\n%zu environments (backend x config), %s order: each "
		       "opened once per round, %s%zu rounds\n",
		       ex->nbackends * ex->nconfigs, vb_order_name(ex->order),
		       ad->on ? "up to " : "", opens);
	else
		printf("\n%zu environments (backend x config), %s order: each "
		       "opened once\n", ex->nbackends * ex->nconfigs,
		       vb_order_name(ex->order));
	if (runs > VB_RUN_FORCE_LIMIT)
		fprintf(stderr, "virtbench: warning: %zu runs is more than %d; "
			"'virtbench run' asks for --force to start it\n", runs,
			VB_RUN_FORCE_LIMIT);
	/* Metrics an entry's options declare (exec) are shown: a typo in
	 * one is better seen now than in the report. */
	for (size_t w = 0; w < ex->nworkloads; w++) {
		const struct vb_workload_entry *we = &ex->workloads[w];
		const struct vb_workload_ops *ops = we->plugin->info->ops;

		if (!ops->instance)
			continue;
		printf("workloads[%zu] (%s) reports:", w, we->label);
		for (size_t i = 0; i < we->desc.nmetrics; i++)
			printf("%s %s%s%s%s", i ? "," : "", we->desc.metrics[i].name,
			       *we->desc.metrics[i].unit ? " (" : "",
			       we->desc.metrics[i].unit,
			       *we->desc.metrics[i].unit ? ")" : "");
		printf("\n");
	}
	print_estimate(ex, cells, ncells, outdir);
	if (outdir)
		vb_cli_print_shards(ex, cells, ncells, outdir);
}

/* Exit status: 0 valid, 2 not (file:line errors), 130 interrupted. */
static int check_file(const struct vb_cli *cli, const char *file,
		      const char *outdir)
{
	struct vb_registry reg = { 0 };
	struct vb_experiment *ex = NULL;
	struct vb_diag diag = { 0 };
	struct vb_cell *cells = NULL;
	size_t ncells = 0;
	int rc, status = VB_EXIT_OK;

	vb_registry_load(&reg, cli->plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	rc = vb_experiment_load(file, &reg, &ex, &diag);
	if (rc == 0)
		rc = vb_matrix_expand(ex, &cells, &ncells);
	if (rc == -EINTR) {
		fprintf(stderr, "virtbench: interrupted\n");
		status = VB_EXIT_INTERRUPTED;
	} else if (rc < 0 && diag.count) {
		vb_cli_print_diag(&diag, true);
		fprintf(stderr, "virtbench: %s: %zu error%s\n", file,
			diag.count, diag.count == 1 ? "" : "s");
		status = VB_EXIT_USAGE;
	} else if (rc < 0) {
		fprintf(stderr, "virtbench: %s: cannot expand the matrix: %s\n",
			file, strerror(-rc));
		status = VB_EXIT_USAGE;
	} else {
		print_matrix(file, ex, cells, ncells, outdir);
	}
	if (cells)
		vb_matrix_free(cells, ncells, ex);
	vb_diag_free(&diag);
	vb_experiment_free(ex);
	vb_registry_free(&reg);
	return status;
}

int vb_cmd_check(const struct vb_cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outdir = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", lopts, NULL)) != -1) {
		if (c == 'o')
			outdir = optarg;
		else
			return vb_usage_error(vb_usage_check);
	}
	if (optind != argc - 1)
		return vb_usage_error(vb_usage_check);
	return check_file(cli, argv[optind], outdir);
}
