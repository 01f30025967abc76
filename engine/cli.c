/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `virtbench` command line (docs/virtbench.1). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static const char *plugin_dirs;

static const char *const main_usage =
	"usage: virtbench [--plugin-dir DIRS] COMMAND [ARGS]\n"
	"\n"
	"  run FILE [-o DIR]       run an experiment (resumes into an existing DIR)\n"
	"  check FILE [-o DIR]     validate an experiment; matrix size, run time\n"
	"  plugins [NAME]          list plugins, or show one's options and metrics\n"
	"  probe BACKEND [...]     open one environment and show what it grants\n"
	"  plot DIR                redraw the charts of a results directory\n"
	"  report DIR              rebuild summary, comparisons, charts and report\n"
	"\n"
	"  --plugin-dir DIRS       colon-separated plugin directories (also\n"
	"                          VIRTBENCH_PLUGIN_PATH)\n"
	"  --version, --help\n"
	"\n"
	"Exit status: 0 all cells ok, 1 some cells failed or were refused (or a\n"
	"threshold was violated), 2 usage or configuration error, 130 interrupted.\n"
	"'virtbench COMMAND --help' shows a command's options; see virtbench(1).\n";

static const char *const run_usage =
	"usage: virtbench run FILE [-o DIR] [--no-report]\n"
	"\n"
	"Runs every cell of the experiment FILE, repetition by repetition, and\n"
	"appends each to DIR/runs.csv as it ends. Running the same FILE into\n"
	"the same DIR again resumes: finished repetitions are not redone.\n"
	"\n"
	"  -o, --output DIR   results directory (default: results/NAME)\n"
	"  --no-report        skip summary, charts and report at the end\n";

static const char *const check_usage =
	"usage: virtbench check FILE [-o DIR]\n"
	"\n"
	"Validates FILE against the plugins' option tables without running\n"
	"anything, and prints the matrix (cells x repetitions) and the run\n"
	"time: at most (every repetition to its time limit) and, when DIR\n"
	"(default results/NAME) holds an earlier run of it, at that run's pace\n"
	"and what a rerun has left. Environment start-up is not included.\n"
	"Exit status 0 when valid, 2 with file:line errors otherwise.\n";

static const char *const plugins_usage =
	"usage: virtbench plugins [NAME]\n"
	"\n"
	"Without NAME: every plugin found, with kind, version and file.\n"
	"With NAME: its options (type, default, range, help) and metrics.\n";

static const char *const probe_usage =
	"usage: virtbench probe BACKEND [--cpus N] [--memory SIZE] [key=value]...\n"
	"\n"
	"Opens one environment of BACKEND (options as key=value), asks the agent\n"
	"inside what it sees, compares with the request and closes it again.\n"
	"  --cpus N        CPUs to request (default 1)\n"
	"  --memory SIZE   memory to request (default 512M)\n";

static const char *const plot_usage =
	"usage: virtbench plot DIR\n"
	"\n"
	"Redraws DIR/plots/ (data, gnuplot scripts, PNG) from DIR's results.\n";

static const char *const report_usage =
	"usage: virtbench report DIR\n"
	"\n"
	"Rebuilds summary.csv/json, comparisons.csv, the charts and report.md\n"
	"from DIR's results alone. Exit 1 when a threshold is violated.\n";

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static int usage_error(const char *usage)
{
	fputs(usage, stderr);
	return VB_EXIT_USAGE;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-report", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct vb_run_opts o = { .plugin_dirs = plugin_dirs };
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (c == 'o')
			o.outdir = optarg;
		else if (c == 'n')
			o.no_analysis = true;
		else
			return usage_error(run_usage);
	}
	if (optind != argc - 1)
		return usage_error(run_usage);
	o.experiment = argv[optind];
	return vb_run(&o);
}

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
	if (vb_estimate(ex, cells, ncells, csv, &e) < 0) {
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
	printf("%s: %zu of %zu repetitions recorded; at their pace a whole "
	       "run takes ~%s, a rerun there has %zu left (~%s)\n", dir,
	       e.recorded, e.runs, a, e.left, b);
}

static int cmd_check(int argc, char **argv)
{
	struct vb_registry reg = { 0 };
	struct vb_experiment *ex = NULL;
	struct vb_diag diag = { 0 };
	struct vb_cell *cells = NULL;
	size_t ncells = 0;
	int status;

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
			return usage_error(check_usage);
	}
	if (optind != argc - 1)
		return usage_error(check_usage);
	const char *file = argv[optind];
	vb_registry_load(&reg, plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	if (vb_experiment_load(file, &reg, &ex, &diag) < 0) {
		vb_diag_print(&diag, stderr);
		fprintf(stderr, "virtbench: %s: %zu error%s\n", file,
			diag.count, diag.count == 1 ? "" : "s");
		status = VB_EXIT_USAGE;
	} else if (vb_matrix_expand(ex, &cells, &ncells) < 0) {
		fprintf(stderr, "virtbench: %s: cannot expand the matrix\n",
			file);
		status = VB_EXIT_USAGE;
	} else {
		printf("%s: ok\n", file);
		printf("backends %zu, configs %zu, workloads %zu\n",
		       ex->nbackends, ex->nconfigs, ex->nworkloads);
		printf("%zu cells x %d repetitions = %zu runs", ncells,
		       ex->repetitions, ncells * (size_t)ex->repetitions);
		if (ex->warmup)
			printf(" (+ %zu warmup runs)",
			       ncells * (size_t)ex->warmup);
		printf("\n%zu environments (backend x config), each opened once\n",
		       ex->nbackends * ex->nconfigs);
		print_estimate(ex, cells, ncells, outdir);
		status = VB_EXIT_OK;
	}
	if (cells)
		vb_matrix_free(cells, ncells, ex);
	vb_diag_free(&diag);
	vb_experiment_free(ex);
	vb_registry_free(&reg);
	return status;
}

static const char *type_name(enum vb_opt_type t)
{
	switch (t) {
	case VB_OPT_INT: return "int";
	case VB_OPT_SIZE: return "size";
	case VB_OPT_DURATION: return "duration";
	case VB_OPT_BOOL: return "bool";
	case VB_OPT_DOUBLE: return "double";
	case VB_OPT_ENUM: return "enum";
	case VB_OPT_STRING: return "string";
	case VB_OPT_LIST: return "list";
	}
	return "?";
}

static void show_plugin(const struct vb_plugin *p)
{
	const struct vb_plugin_info *in = p->info;
	const struct vb_option *o;
	const struct vb_metric *m;

	printf("%s %s (%s plugin, ABI %u.%u)\n  %s\n  file: %s\n", in->name,
	       in->version,
	       in->kind == VB_PLUGIN_BACKEND ? "backend" : "workload",
	       in->abi_major, in->abi_minor, in->summary, p->path);
	printf("\noptions:\n");
	if (!in->options || !in->options[0].name)
		printf("  (none)\n");
	for (o = in->options; o && o->name; o++) {
		char range[128] = "";

		if (o->type == VB_OPT_ENUM && o->choices) {
			size_t len = 0;

			for (const char *const *c = o->choices; *c; c++)
				len += (size_t)snprintf(range + len,
					sizeof(range) - len, "%s%s",
					c == o->choices ? "" : "|", *c);
		} else if (o->max > o->min) {
			if (o->type == VB_OPT_SIZE) {
				char a[32], b[32];

				vb_format_size((int64_t)o->min, a, sizeof(a));
				vb_format_size((int64_t)o->max, b, sizeof(b));
				snprintf(range, sizeof(range), "%s..%s", a, b);
			} else {
				snprintf(range, sizeof(range), "%g..%g", o->min,
					 o->max);
			}
		}
		printf("  %-14s %-8s default %-10s %s%s%s\n      %s\n", o->name,
		       type_name(o->type),
		       o->required ? "(required)" : o->def ? (*o->def ? o->def : "\"\"") : "-",
		       range[0] ? "[" : "", range, range[0] ? "]" : "",
		       o->help ? o->help : "");
	}
	if (in->kind == VB_PLUGIN_WORKLOAD) {
		printf("\nmetrics:\n");
		for (m = in->metrics; m && m->name; m++)
			printf("  %-24s %-7s %-6s %s\n", m->name, m->unit,
			       m->better == VB_LOWER_IS_BETTER	  ? "lower"
			       : m->better == VB_HIGHER_IS_BETTER ? "higher"
								  : "",
			       m->help ? m->help : "");
		printf("\nflags: %s\n",
		       ((const struct vb_workload_ops *)in->ops)->flags &
				       VB_WL_DROP_CACHES
			       ? "page cache dropped between prepare and run"
			       : "none");
	}
}

static int cmd_plugins(int argc, char **argv)
{
	struct vb_registry reg = { 0 };
	int status = VB_EXIT_OK;
	size_t i;

	if (argc > 2)
		return usage_error(plugins_usage);
	vb_registry_load(&reg, plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	if (argc == 2) {
		const struct vb_plugin *p =
			vb_registry_find(&reg, VB_PLUGIN_BACKEND, argv[1]);

		if (!p)
			p = vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, argv[1]);
		if (p) {
			show_plugin(p);
		} else {
			fprintf(stderr,
				"virtbench: no plugin named '%s' (searched %s); 'virtbench plugins' lists them\n",
				argv[1], reg.search_path ? reg.search_path : "");
			status = VB_EXIT_USAGE;
		}
	} else {
		for (int k = VB_PLUGIN_BACKEND; k <= VB_PLUGIN_WORKLOAD; k++) {
			printf("%s:\n", k == VB_PLUGIN_BACKEND ? "backends"
							       : "workloads");
			for (i = 0; i < reg.count; i++) {
				const struct vb_plugin_info *in =
					reg.items[i].info;

				if ((int)in->kind == k)
					printf("  %-14s %-7s %s\n", in->name,
					       in->version, in->summary);
			}
		}
		printf("searched: %s\n", reg.search_path ? reg.search_path : "");
		if (reg.nfailed)
			status = VB_EXIT_FAILED;
	}
	vb_registry_free(&reg);
	return status;
}

static int cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int cpus = 1, c;
	int64_t mem = 512LL << 20;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:m:", longopts, NULL)) != -1) {
		char *end;

		if (c == 'c') {
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || v > 4096) {
				fprintf(stderr, "virtbench: --cpus: expected 1..4096, got '%s'\n",
					optarg);
				return VB_EXIT_USAGE;
			}
			cpus = (int)v;
		} else if (c == 'm') {
			if (vb_parse_size(optarg, &mem) < 0 || mem < (16 << 20)) {
				fprintf(stderr, "virtbench: --memory: expected a size of at least 16M such as 512M or 2G, got '%s'\n",
					optarg);
				return VB_EXIT_USAGE;
			}
		} else {
			return usage_error(probe_usage);
		}
	}
	if (optind >= argc)
		return usage_error(probe_usage);
	return vb_probe_backend(plugin_dirs, argv[optind], cpus, mem,
				argv + optind + 1,
				(size_t)(argc - optind - 1));
}

static int cmd_rebuild(int argc, char **argv, bool report)
{
	if (argc != 2)
		return usage_error(report ? report_usage : plot_usage);
	return vb_rebuild_outputs(argv[1], true, report);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		const char *usage;
	} cmds[] = {
		{ "run", NULL }, { "check", NULL }, { "plugins", NULL },
		{ "probe", NULL }, { "plot", NULL }, { "report", NULL },
	};
	const char *usages[] = { run_usage, check_usage, plugins_usage,
				 probe_usage, plot_usage, report_usage };
	const char *cmd;
	int c, sub_argc;
	char **sub_argv;

	LTDL_SET_PRELOADED_SYMBOLS();
	vb_set_preloaded(lt_preloaded_symbols);
	vb_install_signal_handlers();
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			plugin_dirs = optarg;
			break;
		case 'h':
			fputs(main_usage, stdout);
			return 0;
		case 'V':
			printf("virtbench %s (plugin ABI %d.%d)\n",
			       PACKAGE_VERSION, VB_PLUGIN_ABI_MAJOR,
			       VB_PLUGIN_ABI_MINOR);
			return 0;
		default:
			return usage_error(main_usage);
		}
	}
	if (optind >= argc)
		return usage_error(main_usage);
	cmd = argv[optind];
	sub_argc = argc - optind;
	sub_argv = argv + optind;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmd, cmds[i].name) != 0)
			continue;
		if (wants_help(sub_argc, sub_argv)) {
			fputs(usages[i], stdout);
			return 0;
		}
		switch (i) {
		case 0: return cmd_run(sub_argc, sub_argv);
		case 1: return cmd_check(sub_argc, sub_argv);
		case 2: return cmd_plugins(sub_argc, sub_argv);
		case 3: return cmd_probe(sub_argc, sub_argv);
		case 4: return cmd_rebuild(sub_argc, sub_argv, false);
		default: return cmd_rebuild(sub_argc, sub_argv, true);
		}
	}
	fprintf(stderr, "virtbench: unknown command '%s'\n\n%s", cmd, main_usage);
	return VB_EXIT_USAGE;
}
