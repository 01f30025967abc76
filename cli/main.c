/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `virtbench` command line (docs/virtbench.1): a table of commands. */
#include "config.h"

#include <getopt.h>
#include <ltdl.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/ctx.h"
#include "lib/diag.h"
#include "lib/loader.h"

static const char main_usage[] =
	"usage: virtbench [--plugin-dir DIRS] COMMAND [ARGS]\n"
	"\n"
	"  run FILE [-o DIR]       run an experiment (resumes into an existing DIR)\n"
	"  check FILE [-o DIR]     validate an experiment; matrix size, run time\n"
	"  plugins [NAME]          list plugins, or show one's options and metrics\n"
	"  probe BACKEND [...]     open one environment and show what it grants\n"
	"  plot DIR                redraw the charts of a results directory\n"
	"  report DIR              rebuild summary, comparisons, charts and report\n"
	"  compare DIR_A DIR_B...  results directories cell by cell: ratios B / A,\n"
	"                          what differs; --threshold for CI\n"
	"  slurm FILE [-o DIR]     run an experiment as a Slurm job array, one node\n"
	"                          per shard; again: resubmit what is left\n"
	"\n"
	"  --plugin-dir DIRS       colon-separated plugin directories (also\n"
	"                          VIRTBENCH_PLUGIN_PATH)\n"
	"  --version, --help\n"
	"\n"
	"Exit status: 0 all cells ok, 1 some cells failed or were refused (or a\n"
	"threshold was violated), 2 usage or configuration error, 130 interrupted.\n"
	"'virtbench COMMAND --help' shows a command's options; see virtbench(1).\n";

static const struct vb_command commands[] = {
	{ "run", vb_cmd_run, vb_usage_run },
	{ "check", vb_cmd_check, vb_usage_check },
	{ "plugins", vb_cmd_plugins, vb_usage_plugins },
	{ "probe", vb_cmd_probe, vb_usage_probe },
	{ "plot", vb_cmd_plot, vb_usage_plot },
	{ "report", vb_cmd_report, vb_usage_report },
	{ "slurm", vb_cmd_slurm, vb_usage_slurm },
	{ "compare", vb_cmd_compare, vb_usage_compare },
};

int vb_usage_error(const char *usage)
{
	fputs(usage, stderr);
	return VB_EXIT_USAGE;
}

void vb_cli_print_diag(const struct vb_diag *d, bool located)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "%s%s\n", located ? "" : "virtbench: ",
			d->msgs[i] ? d->msgs[i] : "(out of memory)");
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vb_cli cli = { 0 };
	int c;

	LTDL_SET_PRELOADED_SYMBOLS();
	vb_set_preloaded(lt_preloaded_symbols);
	vb_install_signal_handlers();
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			cli.plugin_dirs = optarg;
			break;
		case 'h':
			fputs(main_usage, stdout);
			return VB_EXIT_OK;
		case 'V':
			printf("virtbench %s (plugin ABI %d.%d)\n",
			       PACKAGE_VERSION, VB_PLUGIN_ABI_MAJOR,
			       VB_PLUGIN_ABI_MINOR);
			return VB_EXIT_OK;
		default:
			return vb_usage_error(main_usage);
		}
	}
	if (optind >= argc)
		return vb_usage_error(main_usage);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct vb_command *cmd = &commands[i];
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;

		if (strcmp(argv[optind], cmd->name) != 0)
			continue;
		if (wants_help(sub_argc, sub_argv)) {
			fputs(cmd->usage, stdout);
			return VB_EXIT_OK;
		}
		return cmd->fn(&cli, sub_argc, sub_argv);
	}
	fprintf(stderr, "virtbench: unknown command '%s'\n\n%s", argv[optind],
		main_usage);
	return VB_EXIT_USAGE;
}
