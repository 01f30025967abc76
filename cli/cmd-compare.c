/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench compare: results directories side by side (analysis/compare.c). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cli/cli.h"
#include "lib/diag.h"
#include "lib/util.h"

const char vb_usage_compare[] =
	"usage: virtbench compare DIR_A DIR_B [DIR_C...] [-o OUTDIR]\n"
	"                         [--threshold \"METRIC OP LIMIT\"]...\n"
	"\n"
	"Compares results directories cell by cell against the first (A): the\n"
	"cells they share (same backend, config, workload and parameters), each\n"
	"metric's ratio of means B / A with its 95 % Fieller interval and the\n"
	"Welch p, the cells only one of them has, and what differs between the\n"
	"hosts and environments (kernel, CPU model, versions, options). The\n"
	"directories may hold different experiments: their shared cells are\n"
	"compared and the differences listed. Writes OUTDIR (default compare)/\n"
	"compare.md, compare.csv, compare.json and plots/, and prints the path\n"
	"of compare.md.\n"
	"\n"
	"  -o, --output OUTDIR        where the comparison goes\n"
	"  -t, --threshold \"M OP L\"   every shared cell's ratio of metric M must\n"
	"                             satisfy OP (<=, <, >=, >) L, e.g.\n"
	"                             \"events_per_second >= 0.97\" (repeatable)\n"
	"\n"
	"Exit status 0, 1 when a threshold is violated, 2 for a directory that\n"
	"holds no results or a threshold that does not parse or matches no\n"
	"shared cell.\n";

int vb_cmd_compare(const struct vb_cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "threshold", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct vb_compare_opts o = { .outdir = "compare" };
	struct vb_compare_result res;
	struct vb_diag msgs = { 0 };
	struct vb_strv th = VB_STRV_INIT;
	int c, rc, status;

	(void)cli;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:t:", lopts, NULL)) != -1) {
		if (c == 'o') {
			o.outdir = optarg;
		} else if (c == 't') {
			vb_strv_add(&th, optarg);
		} else {
			vb_strv_free(&th);
			return vb_usage_error(vb_usage_compare);
		}
	}
	if (argc - optind < 2) {
		vb_strv_free(&th);
		return vb_usage_error(vb_usage_compare);
	}
	o.dirs = (const char *const *)argv + optind;
	o.ndirs = (size_t)(argc - optind);
	o.thresholds = (const char *const *)th.v;
	o.nthresholds = th.n;
	/* Shards are merged first, as `report` does. */
	for (size_t i = 0; i < o.ndirs; i++)
		if ((status = vb_cli_merge(o.dirs[i])) != VB_EXIT_OK) {
			vb_strv_free(&th);
			return status;
		}
	rc = vb_compare(&o, &res, &msgs);
	vb_cli_print_diag(&msgs, false);
	vb_diag_free(&msgs);
	vb_strv_free(&th);
	if (rc < 0) {
		vb_compare_result_free(&res);
		fprintf(stderr, "virtbench: compare: %s\n", strerror(-rc));
		return rc == -EINVAL || rc == -ENOENT ? VB_EXIT_USAGE
						      : VB_EXIT_FAILED;
	}
	printf("%s/compare.md\n", o.outdir);
	fprintf(stderr, "virtbench: %zu cells in both, %zu only in A, %zu only in "
		"the other%s\n", res.shared, res.only_first, res.only_other,
		o.ndirs > 2 ? "s" : "");
	for (size_t i = 0; i < res.violated.n; i++)
		fprintf(stderr, "virtbench: %s\n", res.violated.v[i]);
	status = VB_EXIT_OK;
	if (res.violations) {
		fprintf(stderr, "virtbench: %zu of %zu threshold checks violated\n",
			res.violations, res.checked);
		status = VB_EXIT_FAILED;
	}
	vb_compare_result_free(&res);
	return status;
}
