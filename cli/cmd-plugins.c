/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench plugins: what was found, and one plugin's options and metrics. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/experiment.h"
#include "lib/diag.h"
#include "lib/loader.h"
#include "lib/options.h"
#include "lib/util.h"
const char vb_usage_plugins[] =
	"usage: virtbench plugins [NAME | FILE]\n"
	"\n"
	"Without NAME: every plugin found, with kind, version and file.\n"
	"With NAME: its options (type, default, range, help) and metrics.\n"
	"With an experiment FILE: the metrics of each of its workload entries\n"
	"(a workload such as exec reports what its options declare).\n";

/* The metric table of every workload entry of an experiment file. */
static int show_experiment(const struct vb_registry *reg, const char *file)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag diag = { 0 };
	int rc = vb_experiment_load(file, reg, &ex, &diag);

	if (rc < 0) {
		vb_cli_print_diag(&diag, true);
		vb_diag_free(&diag);
		return rc == -EINTR ? VB_EXIT_INTERRUPTED : VB_EXIT_USAGE;
	}
	for (size_t w = 0; w < ex->nworkloads; w++) {
		const struct vb_workload_entry *we = &ex->workloads[w];

		printf("%s%s (%s):\n", w ? "\n" : "", we->label,
		       we->plugin->info->name);
		for (size_t i = 0; i < we->desc.nmetrics; i++) {
			const struct vb_metric *m = &we->desc.metrics[i];

			printf("  %-24s %-7s %-7s %s%s\n", m->name, m->unit,
			       m->better ? vb_better_name(m->better) : "",
			       m->flags & VB_METRIC_PRIMARY ? "[primary] " : "",
			       m->help ? m->help : "");
		}
	}
	vb_diag_free(&diag);
	vb_experiment_free(ex);
	return VB_EXIT_OK;
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

/* What a list option's elements are (its VB_OPTF_* flags). */
static const char *option_type(const struct vb_option *o)
{
	if (o->type == VB_OPT_LIST && (o->flags & VB_OPTF_PARAMS))
		return "group";
	if (o->type == VB_OPT_LIST && (o->flags & VB_OPTF_RECORDS))
		return "records";
	if (o->type == VB_OPT_LIST && (o->flags & VB_OPTF_FILES))
		return "files";
	return type_name(o->type);
}

static void show_plugin(const struct vb_plugin *p)
{
	const struct vb_plugin_info *in = p->info;
	const struct vb_option *o;
	const struct vb_metric *m;

	printf("%s %s (%s plugin, ABI %u.%u)\n  %s\n  file: %s\n", in->name,
	       in->version,
	       vb_kind_name(in->kind),
	       in->abi_major, in->abi_minor, in->summary, p->path);
	if (p->shadows)
		printf("  also on the search path, not loaded: %s\n",
		       p->shadows);
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
		       option_type(o),
		       o->required ? "(required)" : o->def ? (*o->def ? o->def : "\"\"") : "-",
		       range[0] ? "[" : "", range, range[0] ? "]" : "",
		       o->help ? o->help : "");
	}
	if (in->kind == VB_PLUGIN_WORKLOAD) {
		const struct vb_workload_ops *ops = in->ops;

		printf("\nmetrics:\n");
		for (m = in->metrics; m && m->name; m++)
			printf("  %-24s %-7s %-6s %s%s\n", m->name, m->unit,
			       m->better ? vb_better_name(m->better) : "",
			       m->flags & VB_METRIC_PRIMARY ? "[primary] " : "",
			       m->help ? m->help : "");
		if (ops->instance)
			printf("  ... and what its options declare, per workload entry ('virtbench plugins FILE' lists them)\n");
		printf("\nflags: %s\n",
		       ops->instance ? "set per workload entry by its options"
		       : ops->flags & VB_WL_DROP_CACHES
			       ? "page cache dropped between prepare and run"
			       : "none");
	}
	if (in->abi_minor >= 1 && in->description)
		printf("\n%s", in->description);
}

int vb_cmd_plugins(const struct vb_cli *cli, int argc, char **argv)
{
	struct vb_registry reg = { 0 };
	int status = VB_EXIT_OK;
	size_t i;

	if (argc > 2)
		return vb_usage_error(vb_usage_plugins);
	vb_registry_load(&reg, cli->plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	if (argc == 2) {
		const struct vb_plugin *p =
			vb_registry_find(&reg, VB_PLUGIN_BACKEND, argv[1]);

		if (!p)
			p = vb_registry_find(&reg, VB_PLUGIN_WORKLOAD, argv[1]);
		if (p) {
			show_plugin(p);
		} else if (strchr(argv[1], '/') || strstr(argv[1], ".cfg")) {
			status = show_experiment(&reg, argv[1]);
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

				if ((int)in->kind != k)
					continue;
				printf("  %-14s %-7s %s\n", in->name,
				       in->version, in->summary);
				/* Which file: one in a --plugin-dir wins over
				 * a built-in of the same name. */
				printf("  %-14s %s%s%s\n", "", reg.items[i].path,
				       reg.items[i].shadows ? ", over " : "",
				       reg.items[i].shadows ? reg.items[i].shadows
							    : "");
			}
		}
		printf("searched: %s\n", reg.search_path ? reg.search_path : "");
		if (reg.nfailed)
			status = VB_EXIT_FAILED;
	}
	vb_registry_free(&reg);
	return status;
}

