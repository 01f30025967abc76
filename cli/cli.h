/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The `virtbench` command (docs/virtbench.1): main.c holds the table of
 * commands, each command its own file. This room is the only one that
 * turns errors into messages and exit statuses (docs/errors.md).
 */
#ifndef VB_CLI_CLI_H
#define VB_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses (DESIGN §8). */
enum {
	VB_EXIT_OK = 0,
	VB_EXIT_FAILED = 1,      /* cells failed or refused, thresholds */
	VB_EXIT_USAGE = 2,       /* bad command line or input */
	VB_EXIT_INTERRUPTED = 130,
};

/* What every command gets besides its own arguments. */
struct vb_cli {
	const char *plugin_dirs; /* --plugin-dir, or NULL */
};

struct vb_command {
	const char *name;
	int (*fn)(const struct vb_cli *cli, int argc, char **argv);
	const char *usage;       /* printed by --help and on misuse */
};

/* argv[0] is the command name; returns the exit status. */
int vb_cmd_run(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_check(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_plugins(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_probe(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_plot(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_report(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_slurm(const struct vb_cli *cli, int argc, char **argv);
int vb_cmd_compare(const struct vb_cli *cli, int argc, char **argv);

extern const char vb_usage_run[], vb_usage_check[], vb_usage_plugins[],
	vb_usage_probe[], vb_usage_plot[], vb_usage_report[], vb_usage_slurm[],
	vb_usage_compare[];

/* Print usage on stderr and return VB_EXIT_USAGE. */
int vb_usage_error(const char *usage);

struct vb_diag;
/*
 * Print the engine's messages on stderr. `located`: they are a file's
 * "file:line: ..." list, printed as they are (editors jump to them);
 * otherwise each gets the "virtbench: " prefix of the command's errors.
 */
void vb_cli_print_diag(const struct vb_diag *d, bool located);

/*
 * Rebuild the analysis of a results directory (summary, comparisons,
 * and, when asked, charts and report), printing what went wrong. Returns
 * an exit status: 0, 1 (thresholds violated, or charts not drawn:
 * gnuplot missing or failing; everything else is still written) or 2
 * (DIR unusable).
 */
int vb_cli_analyse(const char *dir, bool plots, bool report);

/* Shards (cli/cmd-slurm.c, docs/scale-out.md). */
struct vb_run_opts;
struct vb_experiment;
struct vb_cell;
/*
 * `run --shard K/N` (text, or NULL without it): check it against the
 * experiment and DIR's plan, and point o at DIR/shards/K with the shard.
 * Without --shard, refuse a DIR that is sharded. Returns an exit status.
 */
int vb_cli_shard_setup(const struct vb_cli *cli, struct vb_run_opts *o,
		       const char *text);
void vb_cli_shard_done(struct vb_run_opts *o);
/* `check -o DIR` of a sharded DIR: per shard, what is left (stdout). */
void vb_cli_print_shards(const struct vb_experiment *ex,
			 const struct vb_cell *cells, size_t ncells,
			 const char *dir);
/* Merge DIR's shards before an analysis (0, or an exit status; prints
 * what went wrong). Nothing to do for a DIR that is not sharded. */
int vb_cli_merge(const char *dir);

#endif /* VB_CLI_CLI_H */
