/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Results from more than one machine (a sharded run, docs/scale-out.md):
 * which host each cell ran on, whether a cell and its baseline may be
 * compared, and the report's Hosts section: shard -> node, CPU model,
 * kernel, virtbench version, its Slurm task, and warnings when the nodes
 * differ.
 *
 * A ratio against the baseline is a statement about one machine: both
 * sides must come from the same host. With shard_by = "config" (the
 * default) that holds by construction, unless a resubmitted shard landed
 * on another node halfway; with shard_by = "environment" the user chose
 * to compare across nodes of a homogeneous partition, and the report
 * says so.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/model.h"
#include "analysis/report.h"

void vb_hosts_note(char **hosts, const char *host)
{
	size_t hl = strlen(host);
	char *s;

	if (!*host)
		return;
	for (const char *p = *hosts; p && *p;) {
		size_t n = strcspn(p, ",");

		if (n == hl && !strncmp(p, host, n))
			return;
		p += n + (p[n] == ',');
	}
	s = vb_xasprintf("%s%s%s", *hosts && **hosts ? *hosts : "",
			 *hosts && **hosts ? "," : "", host);
	free(*hosts);
	*hosts = s;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static bool across_nodes(const struct vb_analysis *a)
{
	return !strcmp(jstr(json_object_get(a->env, "shard_plan"), "by"),
		       "environment");
}

bool vb_hosts_comparable(const struct vb_analysis *a,
			 const struct vb_agroup *g, const struct vb_agroup *base)
{
	const char *x = g->hosts ? g->hosts : "", *y = base->hosts ? base->hosts : "";

	/* No host recorded (a journal from before the column): one machine. */
	if (!*x || !*y || across_nodes(a))
		return true;
	return !strchr(x, ',') && !strcmp(x, y);
}

/* Markdown table cell text. */
/* The distinct values of host.KEY over the shards, "a; b" (malloc'd),
 * and how many there are. */
static size_t distinct(json_t *shards, const char *key, char **list)
{
	struct vb_strv seen = VB_STRV_INIT;
	struct vb_buf b = VB_BUF_INIT;
	size_t i, n;
	json_t *s;

	json_array_foreach(shards, i, s) {
		const char *v = jstr(json_object_get(s, "host"), key);

		if (*v && vb_strv_find(&seen, v) < 0) {
			struct vb_buf nums = VB_BUF_INIT;
			size_t j, k = 0;
			json_t *t;

			vb_strv_add(&seen, v);
			json_array_foreach(shards, j, t)
				if (!strcmp(jstr(json_object_get(t, "host"), key), v))
					vb_buf_addf(&nums, "%s%lld", k++ ? ", " : "",
						    (long long)json_integer_value(
							    json_object_get(t, "shard")));
			vb_buf_addf(&b, "%s%s (shard%s %s)", b.len ? "; " : "", v,
				    k == 1 ? "" : "s", vb_buf_str(&nums));
			vb_buf_free(&nums);
		}
	}
	n = seen.n;
	vb_strv_free(&seen);
	*list = vb_buf_detach(&b);
	return n;
}

static void tasks_not_completed(FILE *f, json_t *shards)
{
	size_t i, n = 0;
	json_t *s;

	json_array_foreach(shards, i, s) {
		json_t *t = json_object_get(s, "slurm");
		const char *tail;
		char code[64] = "unknown";

		if (!t || !json_is_true(json_object_get(t, "final")) ||
		    !strcmp(jstr(t, "explanation"), "completed"))
			continue;
		if (json_integer_value(json_object_get(t, "signal")) > 0)
			snprintf(code, sizeof(code), "- (signal %lld)",
				 (long long)json_integer_value(json_object_get(t, "signal")));
		else if (json_is_integer(json_object_get(t, "exit_code")))
			snprintf(code, sizeof(code), "%lld",
				 (long long)json_integer_value(json_object_get(t, "exit_code")));
		if (!n++)
			fprintf(f, "**Slurm tasks that did not complete** (a rerun of `virtbench "
				"slurm` resubmits their shards):\n\n");
		fprintf(f, "- shard %lld, job %s_%lld on %s, Slurm state **%s**, exit status %s: ",
			(long long)json_integer_value(json_object_get(s, "shard")),
			jstr(t, "job"), (long long)json_integer_value(json_object_get(t, "shard")),
			*jstr(t, "node") ? jstr(t, "node") : "?", jstr(t, "state"), code);
		vb_md(f, jstr(t, "explanation"));
		fprintf(f, ". Output: `%s`\n", jstr(t, "output"));
		tail = jstr(t, "output_tail");
		if (*tail) {
			fprintf(f, "\n  Its last lines:\n\n");
			for (const char *p = tail; *p;) {
				size_t k = strcspn(p, "\n");

				/* An indented block: the output cannot end a fence. */
				fprintf(f, "        %.*s\n", (int)k, p);
				p += k + (p[k] == '\n');
			}
			fprintf(f, "\n");
		}
	}
	if (n)
		fprintf(f, "\n");
}

/* Cells whose baseline ran on another host: no comparison was made. */
static void not_compared(FILE *f, const struct vb_analysis *a)
{
	size_t n = 0;

	if (!a->baseline || across_nodes(a))
		return;
	for (size_t i = 0; i < a->ngroups; i++) {
		const struct vb_agroup *g = &a->groups[i], *b = NULL;

		if (!strcmp(g->backend, a->baseline))
			continue;
		for (size_t j = 0; j < a->ngroups && !b; j++) {
			const struct vb_agroup *h = &a->groups[j];

			if (!strcmp(h->backend, a->baseline) && !strcmp(h->config, g->config) &&
			    !strcmp(h->workload, g->workload) && !strcmp(h->params, g->params))
				b = h;
		}
		if (!b || vb_hosts_comparable(a, g, b))
			continue;
		if (!n++)
			fprintf(f, "**Not compared with the baseline** (its repetitions ran on "
				"another host, and a ratio across machines would measure the "
				"machines; rerun the shard on one node):\n\n");
		fprintf(f, "- %s %s %s %s: on %s, %s on %s\n", g->backend, g->config, g->workload,
			*g->params ? g->params : "-", g->hosts, a->baseline, b->hosts);
	}
	if (n)
		fprintf(f, "\n");
}

void vb_report_hosts(FILE *f, const struct vb_analysis *a)
{
	json_t *shards = json_object_get(a->env, "shards"), *s;
	char *cpus = NULL, *kernels = NULL;
	size_t i;

	if (!json_array_size(shards))
		return;
	fprintf(f, "## Hosts\n\n");
	fprintf(f, "This directory merges %zu shards (`virtbench slurm` or `run --shard`, by %s); "
		"each ran on one node and journaled into `shards/K/`.\n\n",
		json_array_size(shards), jstr(json_object_get(a->env, "shard_plan"), "by"));
	fprintf(f, "| shard | node | hostname | CPU model | kernel | virtbench | Slurm task | state |\n"
		"| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	json_array_foreach(shards, i, s) {
		json_t *h = json_object_get(s, "host"), *t = json_object_get(s, "slurm");
		char task[64] = "-";

		if (t)
			snprintf(task, sizeof(task), "%s_%lld", jstr(t, "job"),
				 (long long)json_integer_value(json_object_get(t, "shard")));
		fprintf(f, "| %lld | ", (long long)json_integer_value(json_object_get(s, "shard")));
		vb_md(f, t && *jstr(t, "node") ? jstr(t, "node") : "-");
		fprintf(f, " | ");
		vb_md(f, *jstr(h, "hostname") ? jstr(h, "hostname") : "-");
		fprintf(f, " | ");
		vb_md(f, *jstr(h, "cpu_model") ? jstr(h, "cpu_model") : "-");
		fprintf(f, " | ");
		vb_md(f, *jstr(h, "kernel") ? jstr(h, "kernel") : "-");
		fprintf(f, " | ");
		vb_md(f, *jstr(s, "virtbench") ? jstr(s, "virtbench") : "-");
		fprintf(f, " | %s | ", task);
		vb_md(f, t ? jstr(t, "state")
			: json_is_true(json_object_get(s, "results")) ? "(no Slurm task)"
								       : "not run");
		fprintf(f, " |\n");
	}
	fprintf(f, "\n");
	if (distinct(shards, "cpu_model", &cpus) > 1)
		fprintf(f, "**Warning: the shards ran on nodes with different CPU models**: %s. "
			"Ratios against the baseline stay within one node, but numbers of "
			"different shards are not comparable with each other.\n\n", cpus);
	if (distinct(shards, "kernel", &kernels) > 1)
		fprintf(f, "**Warning: the shards ran on different kernels**: %s. Container "
			"and bare-metal numbers depend on the kernel; numbers of different "
			"shards are not comparable with each other.\n\n", kernels);
	if (across_nodes(a))
		fprintf(f, "**Baselines came from other nodes**: shard_by = \"environment\" puts "
			"each backend x config on its own node, so every ratio against %s "
			"compares two machines. That is sound only on a homogeneous partition "
			"(same hardware, kernel and settings); the default shard_by = \"config\" "
			"keeps each ratio on one node.\n\n", a->baseline ? a->baseline : "the baseline");
	not_compared(f, a);
	tasks_not_completed(f, shards);
	free(cpus);
	free(kernels);
}
