/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * environment.json and the config hash (engine/record.h). A record is
 * built once when the run starts and rewritten whole (atomically) when
 * it ends, so a reader never sees half a file.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine/journal.h"
#include "engine/record.h"
#include "lib/options.h"
#include "lib/util.h"

struct vb_record {
	json_t *root;
	json_t *envs;      /* borrowed from root */
};

/* jansson returns NULL only when it cannot allocate. */
static json_t *nn(json_t *j)
{
	if (!j)
		vb_oom();
	return j;
}

static json_t *options_json(const struct vb_option *tab, const void *block)
{
	json_t *o = nn(json_object());

	for (; tab && tab->name; tab++) {
		char *t = vb_opt_to_text(tab, block);

		json_object_set_new(o, tab->name, nn(json_string(t ? t : "")));
		free(t);
	}
	return o;
}

static json_t *metrics_json(const struct vb_plugin_info *in,
			    const struct vb_metric *table)
{
	json_t *ms = nn(json_array());

	for (const struct vb_metric *m = table; m && m->name; m++) {
		json_t *mj = nn(json_pack("{s:s, s:s, s:s}", "name", m->name,
					  "unit", m->unit, "better",
					  vb_better_name(m->better)));

		/* 1.0 tables have no flags: no key, and the analysis picks
		 * the charts as it always did. */
		if (in->abi_minor >= 1)
			json_object_set_new(mj, "primary",
					    json_boolean(m->flags & VB_METRIC_PRIMARY));
		json_array_append_new(ms, mj);
	}
	return ms;
}

static json_t *plugins_json(const struct vb_registry *reg)
{
	json_t *arr = nn(json_array());

	for (size_t i = 0; i < reg->count; i++) {
		const struct vb_plugin_info *in = reg->items[i].info;
		json_t *p = nn(json_pack("{s:s, s:s, s:s, s:s, s:s}", "name",
					 in->name, "kind", vb_kind_name(in->kind),
					 "version", in->version, "summary",
					 in->summary, "path", reg->items[i].path));

		if (in->metrics)
			json_object_set_new(p, "metrics",
					    metrics_json(in, in->metrics));
		json_array_append_new(arr, p);
	}
	return arr;
}

static json_t *axes_json(const struct vb_workload_entry *w)
{
	json_t *axes = nn(json_object());

	for (size_t j = 0; j < w->naxes; j++) {
		json_t *vals = nn(json_array());

		for (size_t k = 0; k < w->axes[j].nvalues; k++)
			json_array_append_new(vals,
					      nn(json_string(w->axes[j].values[k])));
		json_object_set_new(axes, vb_axis_name(&w->axes[j]), vals);
	}
	return axes;
}

/* What decides whether results in a directory mean the same thing. */
static json_t *matrix_json(const struct vb_experiment *ex)
{
	json_t *bs = nn(json_array()), *cs = nn(json_array()),
	       *ws = nn(json_array());

	for (size_t i = 0; i < ex->nbackends; i++) {
		const struct vb_backend_entry *b = &ex->backends[i];

		json_array_append_new(bs, nn(json_pack(
			"{s:s, s:s, s:o}", "name", b->label, "plugin",
			b->plugin->info->name, "options",
			options_json(b->plugin->info->options, b->opts))));
	}
	for (size_t i = 0; i < ex->nconfigs; i++)
		json_array_append_new(cs, nn(json_pack(
			"{s:s, s:i, s:I}", "name", ex->configs[i].name, "cpus",
			ex->configs[i].cpus, "memory",
			(json_int_t)ex->configs[i].memory)));
	for (size_t i = 0; i < ex->nworkloads; i++) {
		const struct vb_workload_entry *w = &ex->workloads[i];

		json_array_append_new(ws, nn(json_pack(
			"{s:s, s:s, s:o, s:o}", "name", w->label, "plugin",
			w->plugin->info->name, "options",
			options_json(w->plugin->info->options, w->opts), "axes",
			axes_json(w))));
	}
	return nn(json_pack("{s:o, s:o, s:o}", "backends", bs, "configs", cs,
			    "workloads", ws));
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

void vb_config_hash(const struct vb_experiment *ex,
		    char out[VB_CONFIG_HASH_LEN])
{
	json_t *matrix = matrix_json(ex);
	char *m = json_dumps(matrix, JSON_SORT_KEYS | JSON_COMPACT);
	char *ident;

	if (!m)
		vb_oom();
	ident = vb_xasprintf("%s\nseed=%llu", m, (unsigned long long)ex->seed);
	snprintf(out, VB_CONFIG_HASH_LEN, "%016llx",
		 (unsigned long long)fnv1a(ident));
	free(ident);
	free(m);
	json_decref(matrix);
}

/* The first "KEY...: value" line of a /proc-style file, or NULL. */
static char *file_value(const char *path, const char *key, char sep)
{
	char buf[512], *v = NULL;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	while (!v && fgets(buf, sizeof(buf), f)) {
		char *p;

		if (strncmp(buf, key, strlen(key)) != 0 ||
		    !(p = strchr(buf, sep)))
			continue;
		p++;
		p += strspn(p, " \t\"");
		p[strcspn(p, "\"\n")] = '\0';
		v = vb_xstrdup(p);
	}
	fclose(f);
	return v;
}

static void set_string(json_t *o, const char *key, char *owned)
{
	if (owned)
		json_object_set_new(o, key, nn(json_string(owned)));
	free(owned);
}

static json_t *host_json(void)
{
	char host[256] = "";
	struct utsname u;
	json_t *h = nn(json_object());

	gethostname(host, sizeof(host) - 1);
	json_object_set_new(h, "hostname", nn(json_string(host)));
	if (uname(&u) == 0) {
		json_object_set_new(h, "kernel", nn(json_string(u.release)));
		json_object_set_new(h, "machine", nn(json_string(u.machine)));
	}
	json_object_set_new(h, "cpus",
			    nn(json_integer(sysconf(_SC_NPROCESSORS_ONLN))));
	json_object_set_new(h, "memory",
			    nn(json_integer((json_int_t)sysconf(_SC_PHYS_PAGES) *
					    sysconf(_SC_PAGESIZE))));
	set_string(h, "os", file_value("/etc/os-release", "PRETTY_NAME=", '='));
	set_string(h, "cpu_model", file_value("/proc/cpuinfo", "model name", ':'));
	return h;
}

/* A number, or the adaptive rule { min, max, precision, budget, metrics }. */
static json_t *repetitions_json(const struct vb_experiment *ex)
{
	const struct vb_adaptive *a = &ex->adaptive;
	json_t *r, *ms;

	if (!a->on)
		return nn(json_integer(ex->repetitions));
	ms = nn(json_array());
	for (char **m = a->metrics; m && *m; m++)
		json_array_append_new(ms, nn(json_string(*m)));
	r = nn(json_pack("{s:i, s:i, s:f, s:f, s:o}", "min", a->min, "max",
			 a->max, "precision", a->precision, "budget", a->budget,
			 "metrics", ms));
	return r;
}

static json_t *experiment_json(const struct vb_experiment *ex)
{
	json_t *e = matrix_json(ex), *th = nn(json_array());

	json_object_set_new(e, "name", nn(json_string(ex->name)));
	json_object_set_new(e, "path", nn(json_string(ex->path)));
	json_object_set_new(e, "repetitions", repetitions_json(ex));
	json_object_set_new(e, "warmup", nn(json_integer(ex->warmup)));
	json_object_set_new(e, "order", nn(json_string(vb_order_name(ex->order))));
	json_object_set_new(e, "order_default", json_boolean(ex->order_default));
	json_object_set_new(e, "noise", nn(json_pack(
		"{s:s, s:f, s:f}", "action",
		ex->noise.action == VB_NOISE_EXCLUDE ? "exclude" : "flag",
		"steal", ex->noise.steal, "foreign", ex->noise.foreign)));
	json_object_set_new(e, "seed", nn(json_integer((json_int_t)ex->seed)));
	json_object_set_new(e, "timeout", nn(json_real(ex->timeout)));
	json_object_set_new(e, "verify",
			    nn(json_string(ex->verify == VB_VERIFY_WARN
						   ? "warn"
						   : "strict")));
	json_object_set_new(e, "baseline",
			    ex->baseline ? nn(json_string(ex->baseline))
					 : json_null());
	for (size_t i = 0; i < ex->nthresholds; i++) {
		const struct vb_threshold *t = &ex->thresholds[i];
		char buf[512];

		snprintf(buf, sizeof(buf), "%s/%s %s %s %.17g", t->backend,
			 t->baseline, t->metric, t->op, t->limit);
		json_array_append_new(th, nn(json_string(buf)));
	}
	json_object_set_new(e, "thresholds", th);
	/* Each entry's own metric table (exec's are the user's); not in
	 * matrix_json, so the config hash of a 1.0 experiment is unchanged. */
	for (size_t i = 0; i < ex->nworkloads; i++) {
		const struct vb_workload_entry *w = &ex->workloads[i];
		json_t *wj = json_array_get(json_object_get(e, "workloads"), i);

		if (wj && w->desc.metrics)
			json_object_set_new(wj, "metrics",
					    metrics_json(w->plugin->info,
							 w->desc.metrics));
	}
	return e;
}

struct vb_record *vb_record_new(const struct vb_experiment *ex,
				const struct vb_registry *reg,
				const char *config_hash)
{
	struct vb_record *rec = vb_xcalloc(1, sizeof(*rec));
	json_t *root = nn(json_object());
	char t[40];

	vb_iso_now(t, sizeof(t));
	json_object_set_new(root, "virtbench", nn(json_string(PACKAGE_VERSION)));
	json_object_set_new(root, "abi", nn(json_sprintf("%d.%d",
		VB_PLUGIN_ABI_MAJOR, VB_PLUGIN_ABI_MINOR)));
	json_object_set_new(root, "config_hash", nn(json_string(config_hash)));
	json_object_set_new(root, "started", nn(json_string(t)));
	json_object_set_new(root, "host", host_json());
	json_object_set_new(root, "plugins", plugins_json(reg));
	json_object_set_new(root, "experiment", experiment_json(ex));
	rec->envs = nn(json_array());
	json_object_set_new(root, "environments", rec->envs);
	rec->root = root;
	return rec;
}

void vb_record_add_env(struct vb_record *rec, const struct vb_env *env)
{
	const struct vb_probe *p = &env->probe;
	char t[40];
	json_t *e;

	vb_iso_now(t, sizeof(t));
	e = nn(json_pack(
		"{s:s, s:i, s:f, s:I, s:I, s:b, s:b, s:s, s:s, s:s, s:{s:i, s:i, s:f, s:s, s:I, s:I, s:s, s:s, s:s}}",
		"label", env->label, "cpus_requested", env->spec.cpus,
		"cpus_observed", env->ver.cpus_observed, "memory_requested",
		(json_int_t)env->spec.memory, "memory_observed",
		(json_int_t)env->ver.mem_observed, "cpus_enforced",
		env->granted.cpus_enforced, "memory_enforced",
		env->granted.memory_enforced, "verdict",
		vb_verdict_name(env->ver.verdict), "reason", env->ver.reason,
		"facts", vb_buf_str(&env->facts), "probe", "cpus_online",
		p->cpus_online, "cpus_affinity", p->cpus_affinity, "cpu_quota",
		p->cpu_quota, "cpuset", p->cpuset, "mem_total",
		(json_int_t)p->mem_total, "mem_limit", (json_int_t)p->mem_limit,
		"kernel", p->kernel, "virt", p->virt, "cgroup", p->cgroup));
	json_object_set_new(e, "time", nn(json_string(t)));
	json_array_append_new(rec->envs, e);
}

void vb_record_finish(struct vb_record *rec, bool interrupted)
{
	char t[40];

	vb_iso_now(t, sizeof(t));
	json_object_set_new(rec->root, "finished", nn(json_string(t)));
	json_object_set_new(rec->root, "interrupted", json_boolean(interrupted));
}

int vb_record_write(const struct vb_record *rec, const char *dir)
{
	char *path = vb_path_join(dir, "environment.json");
	char *text = json_dumps(rec->root, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!text)
		vb_oom();
	rc = vb_write_file_atomic(path, text, strlen(text));
	free(text);
	free(path);
	return rc;
}

void vb_record_free(struct vb_record *rec)
{
	if (!rec)
		return;
	json_decref(rec->root);
	free(rec);
}

char *vb_record_config_hash(const char *dir)
{
	char *path = vb_path_join(dir, "environment.json");
	json_t *old = json_load_file(path, 0, NULL);
	const char *h = json_string_value(json_object_get(old, "config_hash"));
	char *out = h ? vb_xstrdup(h) : NULL;

	json_decref(old);
	free(path);
	return out;
}
