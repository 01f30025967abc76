/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench plugins: what was found, and one plugin's options and metrics. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "lib/loader.h"
#include "lib/options.h"
#include "lib/util.h"
const char vb_usage_plugins[] =
	"usage: virtbench plugins [NAME]\n"
	"\n"
	"Without NAME: every plugin found, with kind, version and file.\n"
	"With NAME: its options (type, default, range, help) and metrics.\n";

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
		       type_name(o->type),
		       o->required ? "(required)" : o->def ? (*o->def ? o->def : "\"\"") : "-",
		       range[0] ? "[" : "", range, range[0] ? "]" : "",
		       o->help ? o->help : "");
	}
	if (in->kind == VB_PLUGIN_WORKLOAD) {
		printf("\nmetrics:\n");
		for (m = in->metrics; m && m->name; m++)
			printf("  %-24s %-7s %-6s %s%s\n", m->name, m->unit,
			       m->better ? vb_better_name(m->better) : "",
			       m->flags & VB_METRIC_PRIMARY ? "[primary] " : "",
			       m->help ? m->help : "");
		printf("\nflags: %s\n",
		       ((const struct vb_workload_ops *)in->ops)->flags &
				       VB_WL_DROP_CACHES
			       ? "page cache dropped between prepare and run"
			       : "none");
	}
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

