/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Experiment files (libconfig) -> struct vb_experiment.
 *
 * Everything is checked before anything runs, and every problem is
 * collected rather than the first one only: an experiment can take hours,
 * and a typo found in the third backend after the first two have run is
 * the failure this file exists to prevent. Values are converted to text and
 * parsed by the same vb_opt_set_text() the agent uses, so the file, the
 * command line of the agent and the results all agree on what "2G" means.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/experiment.h"
#include "engine/matrix.h"
#include "lib/options.h"
#include "lib/util.h"

/* Cells reported per workload when its validate() hook refuses many. */
#define MAX_VALIDATE_REPORTS 5

struct ld {
	const char *file;
	struct vb_diag *d;
	const struct vb_registry *reg;
	struct vb_experiment *ex;
	char incdir[PATH_MAX];    /* directory of the file, "" if none */
};

static void report(struct ld *L, const config_setting_t *s, const char *fmt,
		   ...) VB_PRINTF(3, 4);

static int line_of(const config_setting_t *s)
{
	/* Elements of arrays may carry no line of their own. */
	for (; s; s = config_setting_parent(s))
		if (config_setting_source_line(s))
			return (int)config_setting_source_line(s);
	return 0;
}

static void report(struct ld *L, const config_setting_t *s, const char *fmt,
		   ...)
{
	char buf[2048];
	va_list ap;

	const char *file = NULL;
	const config_setting_t *p;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* A setting from an @include'd file is reported in that file. */
	for (p = s; p && !file; p = config_setting_parent(p))
		if (config_setting_source_line(p))
			file = config_setting_source_file(p);
	if (file && strcmp(file, L->file) && file[0] != '/' && L->incdir[0]) {
		/* libconfig names it as written in @include, relative to
		 * the include dir: give the path the user can open. */
		char full[2 * PATH_MAX + 2];

		snprintf(full, sizeof(full), "%s/%s", L->incdir, file);
		vb_diag_add(L->d, full, line_of(s), "%s", buf);
		return;
	}
	vb_diag_add(L->d, file ? file : L->file, line_of(s), "%s", buf);
}

/* ------------------------------------------------------------------ */
/* Setting -> text                                                      */
/* ------------------------------------------------------------------ */

/* Plain decimal that reads back as the same double (no exponent, which the
 * duration parser would refuse). */
static void double_text(double v, char *buf, size_t n)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strchr(buf, 'e') || !isfinite(v))
		return;
	for (prec = 0; prec <= 340; prec++) {
		snprintf(buf, n, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* What the user wrote, for "got WHAT". */
static void describe(const config_setting_t *s, char *buf, size_t n)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		snprintf(buf, n, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		snprintf(buf, n, "%lldL", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		double_text(config_setting_get_float(s), buf, n);
		break;
	case CONFIG_TYPE_STRING:
		snprintf(buf, n, "a string \"%s\"", config_setting_get_string(s));
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, n, "%s",
			 config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_GROUP:
		snprintf(buf, n, "a group { ... }");
		break;
	case CONFIG_TYPE_ARRAY:
		snprintf(buf, n, "an array [ ... ]");
		break;
	case CONFIG_TYPE_LIST:
		snprintf(buf, n, "a list ( ... )");
		break;
	default:
		snprintf(buf, n, "nothing");
		break;
	}
}

static bool is_scalar(const config_setting_t *s)
{
	return config_setting_is_scalar(s) == CONFIG_TRUE;
}

/* Text of a scalar for vb_opt_set_text(); false for aggregates. */
static bool scalar_text(const config_setting_t *s, char *buf, size_t n)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		snprintf(buf, n, "%d", config_setting_get_int(s));
		return true;
	case CONFIG_TYPE_INT64:
		snprintf(buf, n, "%lld", config_setting_get_int64(s));
		return true;
	case CONFIG_TYPE_FLOAT:
		double_text(config_setting_get_float(s), buf, n);
		return true;
	case CONFIG_TYPE_STRING:
		snprintf(buf, n, "%s", config_setting_get_string(s));
		return true;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, n, "%s",
			 config_setting_get_bool(s) ? "true" : "false");
		return true;
	}
	return false;
}

static const char *expected_of(const struct vb_option *o)
{
	switch (o->type) {
	case VB_OPT_INT:
		return "an integer";
	case VB_OPT_SIZE:
		return "a size (bytes, or a string with a unit such as \"2G\")";
	case VB_OPT_DURATION:
		return "a duration (seconds, or a string with a unit such as \"30s\")";
	case VB_OPT_BOOL:
		return "true or false";
	case VB_OPT_DOUBLE:
		return "a number";
	case VB_OPT_ENUM:
		return "a name in double quotes";
	case VB_OPT_STRING:
		return "a string in double quotes";
	case VB_OPT_LIST:
		return "a string or an array of strings [\"a\", \"b\"]";
	}
	return "a value";
}

/* Which libconfig scalar types each option type takes. Strings are the
 * way to write sizes and durations with units; numbers in quotes for a
 * plain integer are refused so that a typo like "1O" reads as an error of
 * type, not of unit. */
static bool type_ok(const struct vb_option *o, int t)
{
	bool num = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;

	switch (o->type) {
	case VB_OPT_INT:
		return num;
	case VB_OPT_SIZE:
		return num || t == CONFIG_TYPE_STRING;
	case VB_OPT_DURATION:
		return num || t == CONFIG_TYPE_FLOAT || t == CONFIG_TYPE_STRING;
	case VB_OPT_BOOL:
		return t == CONFIG_TYPE_BOOL || t == CONFIG_TYPE_STRING || num;
	case VB_OPT_DOUBLE:
		return num || t == CONFIG_TYPE_FLOAT;
	case VB_OPT_ENUM:
	case VB_OPT_STRING:
	case VB_OPT_LIST:
		return t == CONFIG_TYPE_STRING;
	}
	return false;
}

static const char *type_hint(const struct vb_option *o, int t)
{
	if (t == CONFIG_TYPE_STRING &&
	    (o->type == VB_OPT_INT || o->type == VB_OPT_DOUBLE))
		return "; write the number without quotes";
	if (t != CONFIG_TYPE_STRING &&
	    (o->type == VB_OPT_STRING || o->type == VB_OPT_ENUM))
		return "; put the value in double quotes";
	if (t == CONFIG_TYPE_FLOAT && o->type == VB_OPT_SIZE)
		return "; write a fraction with a unit in quotes, e.g. \"1.5G\"";
	if (t == CONFIG_TYPE_FLOAT && o->type == VB_OPT_INT)
		return "; write a whole number";
	return "";
}

/*
 * Set option o of block from setting s (a scalar). `where` names the place
 * for messages ("workloads[0] (cpu-prime): max_prime"), `see` is appended
 * to the reason. Reports and returns -EINVAL on any problem.
 */
static int set_from_setting(struct ld *L, const struct vb_option *o,
			    void *block, const config_setting_t *s,
			    const char *where, const char *see)
{
	char text[512], got[600], why[1024];
	int t = config_setting_type(s);

	if (!is_scalar(s) || !type_ok(o, t)) {
		describe(s, got, sizeof(got));
		report(L, s, "%s: wrong type: expected %s, got %s%s%s", where,
		       expected_of(o), got, type_hint(o, t), see);
		return -EINVAL;
	}
	scalar_text(s, text, sizeof(text));
	if (vb_opt_set_text(o, block, text, why, sizeof(why))) {
		report(L, s, "%s: %s%s", where, why, see);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static bool label_ok(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

static void check_label(struct ld *L, const config_setting_t *s,
			const char *where, const char *label)
{
	if (!label_ok(label))
		report(L, s,
		       "%s: bad name '%s': expected 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'; it becomes part of file names",
		       where, label);
}

/* "; did you mean 'x'?" or "" */
static const char *did_you_mean(const char *word,
				const char *const *candidates, char *buf,
				size_t n)
{
	const char *near = vb_suggest(word, candidates);

	if (!near)
		return "";
	snprintf(buf, n, "; did you mean '%s'?", near);
	return buf;
}

static const struct vb_plugin *find_plugin(const struct vb_registry *reg,
					   enum vb_plugin_kind kind,
					   const char *name)
{
	size_t i;

	for (i = 0; reg && i < reg->count; i++) {
		const struct vb_plugin_info *info = reg->items[i].info;

		if (info && info->kind == kind && info->name &&
		    !strcmp(info->name, name))
			return &reg->items[i];
	}
	return NULL;
}

static const char *kind_name(enum vb_plugin_kind kind)
{
	return kind == VB_PLUGIN_BACKEND ? "backend" : "workload";
}

/* A growable NULL-terminated array of borrowed strings for vb_suggest. */
struct names {
	const char **v;
	size_t n;
};

static void names_add(struct names *nm, const char *s)
{
	const char **g = realloc(nm->v, (nm->n + 2) * sizeof(*g));

	if (!g)
		return;
	nm->v = g;
	nm->v[nm->n++] = s;
	nm->v[nm->n] = NULL;
}

static const char *const *names_get(struct names *nm)
{
	static const char *const empty[] = { NULL };

	return nm->v ? nm->v : empty;
}

/* ------------------------------------------------------------------ */
/* Top-level scalars                                                    */
/* ------------------------------------------------------------------ */

struct top {
	char *name;
	int64_t repetitions, warmup, seed;
	int order, verify, shard_by;
	double timeout;
	char *baseline;
};

static const char *const order_names[] = { "sequential", "shuffled", NULL };
static const char *const verify_names[] = { "strict", "warn", NULL };
static const char *const shard_by_names[] = { "config", "environment", NULL };

static const struct vb_option top_opts[] = {
	{ .name = "name", .type = VB_OPT_STRING,
	  .offset = offsetof(struct top, name) },
	{ .name = "repetitions", .type = VB_OPT_INT,
	  .offset = offsetof(struct top, repetitions), .def = "5",
	  .min = 1, .max = 1000000 },
	{ .name = "warmup", .type = VB_OPT_INT,
	  .offset = offsetof(struct top, warmup), .def = "0",
	  .min = 0, .max = 1000000 },
	{ .name = "order", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct top, order), .def = "sequential",
	  .choices = order_names },
	{ .name = "seed", .type = VB_OPT_INT,
	  .offset = offsetof(struct top, seed), .def = "1",
	  .min = 0, .max = 9223372036854775807.0 },
	{ .name = "timeout", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct top, timeout), .def = "1h",
	  .min = 0.001, .max = 7 * 86400 },
	{ .name = "verify", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct top, verify), .def = "strict",
	  .choices = verify_names },
	{ .name = "baseline", .type = VB_OPT_STRING,
	  .offset = offsetof(struct top, baseline) },
	{ .name = "shard_by", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct top, shard_by), .def = "config",
	  .choices = shard_by_names },
	{ .name = NULL },
};

static const char *const top_keys[] = {
	"name", "repetitions", "warmup", "order", "seed", "timeout",
	"verify", "baseline", "backends", "configs", "workloads", "exclude",
	"thresholds", "shard_by", "slurm", NULL,
};

/* ------------------------------------------------------------------ */
/* Backend and workload entries                                         */
/* ------------------------------------------------------------------ */

struct bres {
	int verify;
	int64_t retries;
};

static const struct vb_option backend_reserved[] = {
	{ .name = "verify", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct bres, verify), .choices = verify_names },
	{ .name = "retries", .type = VB_OPT_INT,
	  .offset = offsetof(struct bres, retries), .def = "1",
	  .min = 0, .max = 10 },
	{ .name = NULL },
};

/* What one plugin entry of the file became (shared by both kinds). */
struct entry {
	const struct vb_plugin *plugin;
	char *label;
	void *opts;
	size_t naxes;
	struct vb_axis *axes;
	int line;
	bool ok;                  /* no problem found in this entry */
};

static void axes_free(struct vb_axis *axes, size_t naxes)
{
	size_t i, j;

	for (i = 0; axes && i < naxes; i++) {
		for (j = 0; j < axes[i].nvalues; j++)
			free(axes[i].values[j]);
		free(axes[i].values);
	}
	free(axes);
}

static void opts_release(const struct vb_plugin *p, void *opts)
{
	if (!opts)
		return;
	vb_opts_free(p ? p->info->options : NULL, opts);
	free(opts);
}

/* Clear a LIST option so the file's array replaces the default. */
static void list_clear(const struct vb_option *o, void *block)
{
	const struct vb_option one[] = { *o, { .name = NULL } };

	vb_opts_free(one, block);
}

static int parse_axis(struct ld *L, struct entry *e, const struct vb_option *o,
		      const config_setting_t *s, const char *where,
		      const char *see)
{
	struct vb_axis *ax, *grown;
	int n = config_setting_length(s), i, bad = 0;

	if (n == 0) {
		report(L, s,
		       "%s: empty list: a matrix axis needs at least one value%s",
		       where, see);
		return -EINVAL;
	}
	grown = realloc(e->axes, (e->naxes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->axes = grown;
	ax = &e->axes[e->naxes++];
	ax->opt = o;
	ax->nvalues = 0;
	ax->values = calloc((size_t)n, sizeof(*ax->values));
	if (!ax->values)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(s, (unsigned)i);
		char w[400];
		char *text;
		size_t j;

		snprintf(w, sizeof(w), "%s[%d]", where, i);
		if (set_from_setting(L, o, e->opts, v, w, see)) {
			bad = 1;
			continue;
		}
		text = vb_opt_to_text(o, e->opts);
		if (!text)
			return -ENOMEM;
		for (j = 0; j < ax->nvalues; j++) {
			if (!strcmp(ax->values[j], text)) {
				report(L, v,
				       "%s: duplicate value '%s' (same as element [%zu]): each cell of the matrix must be distinct; remove one",
				       w, text, j);
				bad = 1;
				break;
			}
		}
		if (j < ax->nvalues) {
			free(text);
			continue;
		}
		ax->values[ax->nvalues++] = text;
	}
	return bad ? -EINVAL : 0;
}

/* Set a VB_OPT_LIST option from an array/list of strings in the file. */
static int parse_list_value(struct ld *L, const struct vb_option *o,
			    void *block, const config_setting_t *s,
			    const char *where, const char *see)
{
	int n = config_setting_length(s), i, bad = 0;
	char **const *field;

	list_clear(o, block);
	for (i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(s, (unsigned)i);
		char w[400];

		snprintf(w, sizeof(w), "%s[%d]", where, i);
		if (set_from_setting(L, o, block, v, w, see))
			bad = 1;
	}
	/* An empty array still leaves a non-NULL, empty list. */
	field = (char **const *)(const void *)((const char *)block + o->offset);
	if (!*field) {
		char **empty = calloc(1, sizeof(char *));

		if (!empty)
			return -ENOMEM;
		memcpy((char *)block + o->offset, &empty, sizeof(empty));
	}
	return bad ? -EINVAL : 0;
}

/* "k=v" for every option of info from block (malloc'd array). */
static char **block_kv(const struct vb_plugin_info *info, const void *block,
		       size_t *nkv)
{
	const struct vb_option *o;
	size_t n = 0, i = 0;
	char **kv;

	for (o = info->options; o && o->name; o++)
		n++;
	kv = calloc(n + 1, sizeof(*kv));
	if (!kv)
		return NULL;
	for (o = info->options; o && o->name; o++, i++) {
		char *t = vb_opt_to_text(o, block);

		if (!t || asprintf(&kv[i], "%s=%s", o->name, t) < 0)
			kv[i] = NULL;
		free(t);
		if (!kv[i]) {
			while (i--)
				free(kv[i]);
			free(kv);
			return NULL;
		}
	}
	*nkv = n;
	return kv;
}

static void kv_free(char **kv, size_t n)
{
	size_t i;

	for (i = 0; kv && i < n; i++)
		free(kv[i]);
	free(kv);
}

static size_t option_index(const struct vb_plugin_info *info,
			   const struct vb_option *o)
{
	return (size_t)(o - info->options);
}

/* Call the workload's validate() for every point of its axes. */
static void validate_cells(struct ld *L, struct entry *e,
			   const config_setting_t *s, const char *where)
{
	const struct vb_plugin_info *info = e->plugin->info;
	const struct vb_workload_ops *ops = info->ops;
	size_t nkv = 0, *idx, a, reported = 0, failed = 0;
	char **kv;

	if (!ops || ops->size < offsetof(struct vb_workload_ops, validate) +
					sizeof(ops->validate) ||
	    !ops->validate)
		return;
	kv = block_kv(info, e->opts, &nkv);
	idx = calloc(e->naxes + 1, sizeof(*idx));
	if (!kv || !idx)
		goto out;
	for (;;) {
		char msg[512] = "", err[512] = "", params[1024] = "";
		void *block = NULL;
		size_t used = 0;

		for (a = 0; a < e->naxes; a++) {
			const struct vb_axis *ax = &e->axes[a];
			size_t k = option_index(info, ax->opt);

			free(kv[k]);
			if (asprintf(&kv[k], "%s=%s", ax->opt->name,
				     ax->values[idx[a]]) < 0) {
				kv[k] = NULL;
				goto out;
			}
			used += (size_t)snprintf(params + used,
					 used < sizeof(params) ? sizeof(params) - used : 0,
					 "%s%s", a ? ";" : "", kv[k]);
		}
		if (vb_opts_from_kv(info, (const char *const *)kv, nkv, &block,
				    err, sizeof(err))) {
			/* Cannot happen for values that passed one by one,
			 * unless a plugin's table is inconsistent. */
			report(L, s, "%s: %s", where, err);
			goto out;
		}
		if (ops->validate(block, msg, sizeof(msg))) {
			failed++;
			if (reported++ < MAX_VALIDATE_REPORTS)
				report(L, s,
				       "%s: %s%soptions rejected by the plugin: %s; change the values (see 'virtbench plugins %s')",
				       where, params, *params ? ": " : "",
				       *msg ? msg : "(no reason given)",
				       info->name);
		}
		vb_opts_free(info->options, block);
		free(block);
		/* Odometer over the axes, last axis fastest. */
		for (a = e->naxes; a-- > 0;) {
			if (++idx[a] < e->axes[a].nvalues)
				break;
			idx[a] = 0;
		}
		if (a == (size_t)-1)
			break;
	}
	if (failed > MAX_VALIDATE_REPORTS)
		report(L, s, "%s: %zu more cells rejected by the plugin",
		       where, failed - MAX_VALIDATE_REPORTS);
out:
	if (failed)
		e->ok = false;
	free(idx);
	kv_free(kv, nkv);
}

static void validate_backend(struct ld *L, struct entry *e,
			     const config_setting_t *s, const char *where)
{
	const struct vb_backend_ops *ops = e->plugin->info->ops;
	char msg[512] = "";

	if (!ops || ops->size < offsetof(struct vb_backend_ops, validate) +
					sizeof(ops->validate) ||
	    !ops->validate)
		return;
	if (ops->validate(e->opts, msg, sizeof(msg))) {
		report(L, s,
		       "%s: options rejected by the plugin: %s; change them (see 'virtbench plugins %s')",
		       where, *msg ? msg : "(no reason given)",
		       e->plugin->info->name);
		e->ok = false;
	}
}

static void unknown_plugin(struct ld *L, const config_setting_t *ps,
			   const char *where, enum vb_plugin_kind kind,
			   const char *name)
{
	enum vb_plugin_kind other = kind == VB_PLUGIN_BACKEND ?
					    VB_PLUGIN_WORKLOAD :
					    VB_PLUGIN_BACKEND;
	struct names nm = { 0 };
	char dym[200];
	size_t i;

	if (find_plugin(L->reg, other, name)) {
		report(L, ps,
		       "%s: plugin: '%s' is a %s plugin, expected a %s plugin; move the entry to `%ss`",
		       where, name, kind_name(other), kind_name(kind),
		       kind_name(other));
		return;
	}
	for (i = 0; L->reg && i < L->reg->count; i++) {
		const struct vb_plugin_info *info = L->reg->items[i].info;

		if (info && info->kind == kind)
			names_add(&nm, info->name);
	}
	report(L, ps,
	       "%s: plugin: unknown %s plugin '%s'%s (run 'virtbench plugins' to list the %ss found)",
	       where, kind_name(kind), name,
	       did_you_mean(name, names_get(&nm), dym, sizeof(dym)),
	       kind_name(kind));
	free(nm.v);
}

static void parse_entry(struct ld *L, const config_setting_t *s,
			enum vb_plugin_kind kind, const char *list, int index,
			struct entry *e, struct bres *br)
{
	const struct vb_option *reserved =
		kind == VB_PLUGIN_BACKEND ? backend_reserved : NULL;
	const config_setting_t *ps, *ns;
	const struct vb_plugin_info *info = NULL;
	const char *pname = NULL;
	bool *seen = NULL;
	char where[200], see[200] = "", got[600], dym[200];
	int i, n, rc;

	e->line = line_of(s);
	e->ok = true;
	snprintf(where, sizeof(where), "%s[%d]", list, index);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		describe(s, got, sizeof(got));
		report(L, s,
		       "%s: wrong type: expected a group { plugin = \"NAME\"; ... }, got %s",
		       where, got);
		e->ok = false;
		return;
	}
	ps = config_setting_get_member(s, "plugin");
	if (!ps) {
		report(L, s,
		       "%s: plugin: missing required key; add plugin = \"NAME\"; (run 'virtbench plugins' to list them)",
		       where);
		e->ok = false;
	} else if (config_setting_type(ps) != CONFIG_TYPE_STRING) {
		describe(ps, got, sizeof(got));
		report(L, ps,
		       "%s: plugin: wrong type: expected a plugin name in double quotes, got %s",
		       where, got);
		e->ok = false;
	} else {
		pname = config_setting_get_string(ps);
		e->plugin = find_plugin(L->reg, kind, pname);
		snprintf(where, sizeof(where), "%s[%d] (%s)", list, index,
			 pname);
		if (!e->plugin) {
			unknown_plugin(L, ps, where, kind, pname);
			e->ok = false;
		}
	}
	if (e->plugin) {
		char why[512];

		info = e->plugin->info;
		snprintf(see, sizeof(see), " (see 'virtbench plugins %s')",
			 info->name);
		e->opts = calloc(1, info->options_size ? info->options_size : 1);
		if (!e->opts) {
			e->ok = false;
			return;
		}
		if (vb_opts_defaults(info->options, e->opts, why, sizeof(why))) {
			report(L, s, "%s: the plugin's own defaults are invalid: %s; report this to the plugin's author",
			       where, why);
			e->ok = false;
		}
		n = 0;
		while (info->options && info->options[n].name)
			n++;
		seen = calloc((size_t)n + 1, sizeof(*seen));
	}

	ns = config_setting_get_member(s, "name");
	if (ns) {
		if (config_setting_type(ns) != CONFIG_TYPE_STRING) {
			describe(ns, got, sizeof(got));
			report(L, ns,
			       "%s: name: wrong type: expected a string in double quotes, got %s",
			       where, got);
			e->ok = false;
		} else {
			char w[300];

			snprintf(w, sizeof(w), "%s: name", where);
			e->label = strdup(config_setting_get_string(ns));
			check_label(L, ns, w, e->label);
			if (!label_ok(e->label))
				e->ok = false;
		}
	} else if (pname) {
		e->label = strdup(pname);
	}

	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *key = config_setting_name(m);
		const struct vb_option *o;
		char w[300];

		if (!strcmp(key, "plugin") || !strcmp(key, "name"))
			continue;
		snprintf(w, sizeof(w), "%s: %s", where, key);
		if (reserved && (o = vb_option_find(reserved, key))) {
			if (set_from_setting(L, o, br, m, w, ""))
				e->ok = false;
			continue;
		}
		if (!info)
			continue; /* unknown plugin: its options can't be judged */
		o = vb_option_find(info->options, key);
		if (!o) {
			struct names nm = { 0 };
			const struct vb_option *p;

			for (p = info->options; p && p->name; p++)
				names_add(&nm, p->name);
			names_add(&nm, "name");
			for (p = reserved; p && p->name; p++)
				names_add(&nm, p->name);
			report(L, m, "%s: unknown option%s%s", w,
			       did_you_mean(key, names_get(&nm), dym, sizeof(dym)),
			       see);
			free(nm.v);
			e->ok = false;
			continue;
		}
		if (seen)
			seen[option_index(info, o)] = true;
		if (config_setting_is_aggregate(m) &&
		    config_setting_type(m) != CONFIG_TYPE_GROUP) {
			if (o->type == VB_OPT_LIST)
				rc = parse_list_value(L, o, e->opts, m, w, see);
			else if (kind == VB_PLUGIN_BACKEND) {
				report(L, m,
				       "%s: a list here would be a matrix axis, but only workload options can be axes; write one backend entry per value, each with its own name",
				       w);
				rc = -EINVAL;
			} else {
				rc = parse_axis(L, e, o, m, w, see);
			}
		} else {
			/* One string for a list option: a list of one. */
			if (o->type == VB_OPT_LIST)
				list_clear(o, e->opts);
			rc = set_from_setting(L, o, e->opts, m, w, see);
		}
		if (rc)
			e->ok = false;
	}

	for (i = 0; seen && info->options && info->options[i].name; i++) {
		if (info->options[i].required && !seen[i]) {
			report(L, s,
			       "%s: %s: missing required option; add %s = ...;%s",
			       where, info->options[i].name,
			       info->options[i].name, see);
			e->ok = false;
		}
	}
	free(seen);

	if (e->ok && info) {
		if (kind == VB_PLUGIN_BACKEND)
			validate_backend(L, e, s, where);
		else
			validate_cells(L, e, s, where);
	}
}

/* Parse the list `key`; returns its length (0 if absent or bad). */
static const config_setting_t *want_list(struct ld *L,
					 const config_setting_t *root,
					 const char *key, bool required,
					 const char *example)
{
	const config_setting_t *s = config_setting_get_member(root, key);
	char got[600];

	if (!s) {
		if (required)
			vb_diag_add(L->d, L->file, 0,
				    "%s: missing required key; add %s = ( %s );",
				    key, key, example);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		describe(s, got, sizeof(got));
		report(L, s,
		       "%s: wrong type: expected a list ( %s ), got %s; put the entries in parentheses",
		       key, example, got);
		return NULL;
	}
	if (required && config_setting_length(s) == 0) {
		report(L, s, "%s: empty list: at least one entry is needed, e.g. %s = ( %s );",
		       key, key, example);
		return NULL;
	}
	return s;
}

static void parse_backends(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(L, root, "backends", true,
					      "{ plugin = \"bare-metal\"; }");
	struct vb_experiment *ex = L->ex;
	int n, i;
	size_t j;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->backends = calloc((size_t)n, sizeof(*ex->backends));
	if (!ex->backends)
		return;
	for (i = 0; i < n; i++) {
		const config_setting_t *es = config_setting_get_elem(s, (unsigned)i);
		struct vb_backend_entry *b = &ex->backends[ex->nbackends++];
		struct bres br = { .verify = (int)ex->verify, .retries = 1 };
		struct entry e = { 0 };

		parse_entry(L, es, VB_PLUGIN_BACKEND, "backends", i, &e, &br);
		b->label = e.label;
		b->plugin = e.plugin;
		b->opts = e.opts;
		b->verify = (enum vb_verify_mode)br.verify;
		b->retries = (int)br.retries;
		b->line = e.line;
		for (j = 0; b->label && j + 1 < ex->nbackends; j++) {
			if (ex->backends[j].label &&
			    !strcmp(ex->backends[j].label, b->label))
				report(L, es,
				       "backends[%d]: duplicate backend label '%s' (backends[%zu] at line %d has it too); give one of them a different name = \"...\";",
				       i, b->label, j, ex->backends[j].line);
		}
	}
}

static void parse_workloads(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(L, root, "workloads", true,
					      "{ plugin = \"cpu-prime\"; }");
	struct vb_experiment *ex = L->ex;
	int n, i;
	size_t j;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->workloads = calloc((size_t)n, sizeof(*ex->workloads));
	if (!ex->workloads)
		return;
	for (i = 0; i < n; i++) {
		const config_setting_t *es = config_setting_get_elem(s, (unsigned)i);
		struct vb_workload_entry *w = &ex->workloads[ex->nworkloads++];
		struct entry e = { 0 };

		parse_entry(L, es, VB_PLUGIN_WORKLOAD, "workloads", i, &e, NULL);
		w->label = e.label;
		w->plugin = e.plugin;
		w->opts = e.opts;
		w->naxes = e.naxes;
		w->axes = e.axes;
		w->line = e.line;
		for (j = 0; w->label && j + 1 < ex->nworkloads; j++) {
			if (ex->workloads[j].label &&
			    !strcmp(ex->workloads[j].label, w->label))
				report(L, es,
				       "workloads[%d]: duplicate workload label '%s' (workloads[%zu] at line %d has it too); give one of them a different name = \"...\";",
				       i, w->label, j, ex->workloads[j].line);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Configs                                                              */
/* ------------------------------------------------------------------ */

struct cfg_entry {
	char *name;
	int64_t cpus, memory;
};

static const struct vb_option config_opts[] = {
	{ .name = "name", .type = VB_OPT_STRING,
	  .offset = offsetof(struct cfg_entry, name), .required = true },
	{ .name = "cpus", .type = VB_OPT_INT,
	  .offset = offsetof(struct cfg_entry, cpus), .required = true,
	  .min = 1, .max = 4096 },
	{ .name = "memory", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct cfg_entry, memory), .required = true,
	  .min = 16 << 20, .max = 64.0 * 1099511627776.0 },
	{ .name = NULL },
};

static void parse_configs(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(
		L, root, "configs", true,
		"{ name = \"1cpu-2g\"; cpus = 1; memory = \"2G\"; }");
	static const char *const keys[] = { "name", "cpus", "memory", NULL };
	struct vb_experiment *ex = L->ex;
	int n, i, k, m;
	size_t j;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->configs = calloc((size_t)n, sizeof(*ex->configs));
	if (!ex->configs)
		return;
	for (i = 0; i < n; i++) {
		const config_setting_t *es = config_setting_get_elem(s, (unsigned)i);
		struct vb_config_entry *c = &ex->configs[ex->nconfigs++];
		struct cfg_entry ce = { 0 };
		bool seen[3] = { false, false, false };
		char where[64], w[128], got[600], dym[200];

		c->line = line_of(es);
		snprintf(where, sizeof(where), "configs[%d]", i);
		if (config_setting_type(es) != CONFIG_TYPE_GROUP) {
			describe(es, got, sizeof(got));
			report(L, es,
			       "%s: wrong type: expected a group { name = \"...\"; cpus = N; memory = \"SIZE\"; }, got %s",
			       where, got);
			continue;
		}
		m = config_setting_length(es);
		for (k = 0; k < m; k++) {
			const config_setting_t *ms =
				config_setting_get_elem(es, (unsigned)k);
			const char *key = config_setting_name(ms);
			const struct vb_option *o = vb_option_find(config_opts, key);

			snprintf(w, sizeof(w), "%s: %s", where, key);
			if (!o) {
				report(L, ms,
				       "%s: unknown key%s (a config has name, cpus and memory)",
				       w, did_you_mean(key, keys, dym, sizeof(dym)));
				continue;
			}
			seen[o - config_opts] = true;
			if (set_from_setting(L, o, &ce, ms, w, ""))
				continue;
			if (o->offset == offsetof(struct cfg_entry, name))
				check_label(L, ms, w, ce.name);
		}
		for (k = 0; k < 3; k++) {
			if (!seen[k])
				report(L, es,
				       "%s: %s: missing required key; a config needs name, cpus and memory, e.g. { name = \"1cpu-2g\"; cpus = 1; memory = \"2G\"; }",
				       where, config_opts[k].name);
		}
		c->name = ce.name;
		c->cpus = (int)ce.cpus;
		c->memory = ce.memory;
		for (j = 0; c->name && j + 1 < ex->nconfigs; j++) {
			if (ex->configs[j].name &&
			    !strcmp(ex->configs[j].name, c->name))
				report(L, es,
				       "%s: duplicate config name '%s' (configs[%zu] at line %d has it too); rename one of them",
				       where, c->name, j, ex->configs[j].line);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Exclude filters                                                      */
/* ------------------------------------------------------------------ */

static const char *label_kind_list(struct ld *L, const char *key,
				   struct names *nm)
{
	const struct vb_experiment *ex = L->ex;
	size_t i;

	if (!strcmp(key, "backend")) {
		for (i = 0; i < ex->nbackends; i++)
			if (ex->backends[i].label)
				names_add(nm, ex->backends[i].label);
		return "backend label";
	}
	if (!strcmp(key, "config")) {
		for (i = 0; i < ex->nconfigs; i++)
			if (ex->configs[i].name)
				names_add(nm, ex->configs[i].name);
		return "config name";
	}
	for (i = 0; i < ex->nworkloads; i++)
		if (ex->workloads[i].label)
			names_add(nm, ex->workloads[i].label);
	return "workload label";
}

static bool in_names(const struct names *nm, const char *s)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], s))
			return true;
	return false;
}

/*
 * A reference to a backend label that is the name of a loaded backend
 * plugin, while some backend entry named an unknown plugin: the entry's
 * typo (reported already) is the cause, so don't send the user to "fix"
 * the reference towards the typo.
 */
static bool backend_cascade(struct ld *L, const char *label)
{
	size_t i;

	if (!find_plugin(L->reg, VB_PLUGIN_BACKEND, label))
		return false;
	for (i = 0; i < L->ex->nbackends; i++)
		if (!L->ex->backends[i].plugin)
			return true;
	return false;
}

/* Some workload entry named an unknown plugin: its options and metrics
 * are unknown too, so references to them cannot be judged. */
static bool workload_unresolved(struct ld *L)
{
	size_t i;

	for (i = 0; i < L->ex->nworkloads; i++)
		if (!L->ex->workloads[i].plugin)
			return true;
	return false;
}

/* Canonical text of an option value given in a filter. */
static char *filter_value(struct ld *L, const struct vb_workload_entry *w,
			  const struct vb_option *o, const config_setting_t *m,
			  const char *where)
{
	const struct vb_plugin_info *info = w->plugin->info;
	void *block = NULL;
	char err[512], see[200];
	char *text = NULL;

	if (vb_opts_from_kv(info, NULL, 0, &block, err, sizeof(err)))
		return NULL;
	snprintf(see, sizeof(see), " (see 'virtbench plugins %s')",
		 info->name);
	if (o->type == VB_OPT_LIST && config_setting_is_aggregate(m)) {
		if (!parse_list_value(L, o, block, m, where, see))
			text = vb_opt_to_text(o, block);
	} else if (config_setting_is_aggregate(m)) {
		char got[600];

		describe(m, got, sizeof(got));
		report(L, m,
		       "%s: wrong type: expected one value, got %s; a filter matches single values, so write one filter per value",
		       where, got);
	} else {
		if (o->type == VB_OPT_LIST)
			list_clear(o, block);
		if (!set_from_setting(L, o, block, m, where, see))
			text = vb_opt_to_text(o, block);
	}
	vb_opts_free(info->options, block);
	free(block);
	return text;
}

static void parse_excludes(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(
		L, root, "exclude", false,
		"{ backend = \"qemu\"; config = \"1cpu-2g\"; }");
	struct vb_experiment *ex = L->ex;
	int n, i, k, m;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->excludes = calloc((size_t)n + 1, sizeof(*ex->excludes));
	if (!ex->excludes)
		return;
	for (i = 0; i < n; i++) {
		const config_setting_t *es = config_setting_get_elem(s, (unsigned)i);
		struct vb_filter *f = &ex->excludes[ex->nexcludes++];
		const struct vb_workload_entry *fw = NULL;
		char where[64], w[200], got[600], dym[200];

		f->line = line_of(es);
		snprintf(where, sizeof(where), "exclude[%d]", i);
		if (config_setting_type(es) != CONFIG_TYPE_GROUP) {
			describe(es, got, sizeof(got));
			report(L, es,
			       "%s: wrong type: expected a group { backend = \"...\"; config = \"...\"; }, got %s",
			       where, got);
			continue;
		}
		m = config_setting_length(es);
		if (m == 0) {
			report(L, es,
			       "%s: empty filter would drop every cell; give at least one of backend, config, workload or a workload option",
			       where);
			continue;
		}
		f->keys = calloc((size_t)m, sizeof(*f->keys));
		f->values = calloc((size_t)m, sizeof(*f->values));
		if (!f->keys || !f->values)
			continue;
		/* A workload key narrows which plugin's table the option
		 * keys are read with; look for it first. */
		for (k = 0; k < m; k++) {
			const config_setting_t *ms =
				config_setting_get_elem(es, (unsigned)k);
			size_t j;

			if (strcmp(config_setting_name(ms), "workload") ||
			    config_setting_type(ms) != CONFIG_TYPE_STRING)
				continue;
			for (j = 0; j < ex->nworkloads; j++)
				if (ex->workloads[j].label &&
				    !strcmp(ex->workloads[j].label,
					    config_setting_get_string(ms)))
					fw = &ex->workloads[j];
		}
		for (k = 0; k < m; k++) {
			const config_setting_t *ms =
				config_setting_get_elem(es, (unsigned)k);
			const char *key = config_setting_name(ms);
			char *value = NULL;

			snprintf(w, sizeof(w), "%s: %s", where, key);
			if (!strcmp(key, "backend") || !strcmp(key, "config") ||
			    !strcmp(key, "workload")) {
				struct names nm = { 0 };
				const char *what = label_kind_list(L, key, &nm);

				if (config_setting_type(ms) != CONFIG_TYPE_STRING) {
					describe(ms, got, sizeof(got));
					report(L, ms,
					       "%s: wrong type: expected a %s in double quotes, got %s",
					       w, what, got);
				} else if (!in_names(&nm, config_setting_get_string(ms))) {
					if ((!strcmp(key, "backend") &&
					     backend_cascade(L, config_setting_get_string(ms))) ||
					    (!strcmp(key, "workload") &&
					     workload_unresolved(L))) {
						free(nm.v);
						continue;
					}
					report(L, ms,
					       "%s: unknown %s '%s'%s (it must name an entry of `%ss`)",
					       w, what, config_setting_get_string(ms),
					       did_you_mean(config_setting_get_string(ms),
							    names_get(&nm), dym, sizeof(dym)),
					       key);
				} else {
					value = strdup(config_setting_get_string(ms));
				}
				free(nm.v);
			} else {
				const struct vb_workload_entry *ow = NULL;
				const struct vb_option *o = NULL;
				size_t j;

				for (j = 0; j < ex->nworkloads && !o; j++) {
					const struct vb_workload_entry *cw =
						fw ? fw : &ex->workloads[j];

					if (cw->plugin)
						o = vb_option_find(cw->plugin->info->options, key);
					if (o)
						ow = cw;
					if (fw)
						break;
				}
				if (!o && workload_unresolved(L)) {
					continue;
				} else if (!o) {
					struct names nm = { 0 };
					const struct vb_option *p;

					names_add(&nm, "backend");
					names_add(&nm, "config");
					names_add(&nm, "workload");
					for (j = 0; j < ex->nworkloads; j++)
						for (p = ex->workloads[j].plugin ?
								 ex->workloads[j].plugin->info->options :
								 NULL;
						     p && p->name; p++)
							names_add(&nm, p->name);
					report(L, ms,
					       "%s: unknown filter key%s (a filter key is backend, config, workload or an option of %s)",
					       w, did_you_mean(key, names_get(&nm), dym, sizeof(dym)),
					       fw ? "that workload" : "one of the workloads");
					free(nm.v);
				} else {
					value = filter_value(L, ow, o, ms, w);
				}
			}
			if (value) {
				f->keys[f->n] = strdup(key);
				f->values[f->n] = value;
				f->n++;
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Thresholds                                                           */
/* ------------------------------------------------------------------ */

static void metric_names(struct ld *L, struct names *nm)
{
	const struct vb_experiment *ex = L->ex;
	const struct vb_metric *mt;
	size_t i;

	names_add(nm, "host_time");
	names_add(nm, "page_cache_dropped");
	for (i = 0; i < ex->nworkloads; i++)
		for (mt = ex->workloads[i].plugin ?
				  ex->workloads[i].plugin->info->metrics : NULL;
		     mt && mt->name; mt++)
			names_add(nm, mt->name);
}

static bool parse_threshold(struct ld *L, const config_setting_t *ts,
			    const char *where, struct vb_threshold *t)
{
	static const char *const ops[] = { "<=", "<", ">=", ">", NULL };
	const char *text = config_setting_get_string(ts);
	char a[128], b[128], metric[128], op[8], lim[64], extra[2], dym[200];
	struct names bl = { 0 }, mn = { 0 };
	const char *slash;
	char *end;
	bool ok = true;
	size_t i;
	double v;

	if (sscanf(text, "%127s %127s %7s %63s %1s", a, metric, op, lim,
		   extra) != 4 ||
	    !(slash = strchr(a, '/'))) {
		report(L, ts,
		       "%s: bad threshold \"%s\": expected \"BACKEND/BASELINE METRIC OP LIMIT\" with OP one of <=, <, >=, >, e.g. \"qemu/bare-metal total_time <= 1.5\"",
		       where, text);
		return false;
	}
	snprintf(b, sizeof(b), "%s", slash + 1);
	a[slash - a] = '\0';
	/* The analysis also reads the mathematical signs; store ASCII. */
	if (!strcmp(op, "\xe2\x89\xa4"))
		snprintf(op, sizeof(op), "<=");
	else if (!strcmp(op, "\xe2\x89\xa5"))
		snprintf(op, sizeof(op), ">=");
	for (i = 0; ops[i] && strcmp(ops[i], op); i++)
		;
	if (!ops[i]) {
		report(L, ts,
		       "%s: bad threshold \"%s\": comparison '%s' unknown; use one of <=, <, >=, >",
		       where, text, op);
		ok = false;
	}
	errno = 0;
	v = strtod(lim, &end);
	if (*end || errno || !isfinite(v)) {
		report(L, ts,
		       "%s: bad threshold \"%s\": limit '%s' is not a number; write the ratio, e.g. 1.5",
		       where, text, lim);
		ok = false;
	}
	label_kind_list(L, "backend", &bl);
	if (!in_names(&bl, a) && !backend_cascade(L, a)) {
		report(L, ts,
		       "%s: unknown backend label '%s' in \"%s\"%s (use a backend's name, or its plugin name when it has none)",
		       where, a, text, did_you_mean(a, names_get(&bl), dym, sizeof(dym)));
		ok = false;
	}
	if (!in_names(&bl, b) && !backend_cascade(L, b)) {
		report(L, ts,
		       "%s: unknown backend label '%s' in \"%s\"%s (use a backend's name, or its plugin name when it has none)",
		       where, b, text, did_you_mean(b, names_get(&bl), dym, sizeof(dym)));
		ok = false;
	}
	metric_names(L, &mn);
	if (!in_names(&mn, metric) && !workload_unresolved(L)) {
		report(L, ts,
		       "%s: unknown metric '%s' in \"%s\"%s (use a metric of one of the workloads; 'virtbench plugins NAME' lists them)",
		       where, metric, text,
		       did_you_mean(metric, names_get(&mn), dym, sizeof(dym)));
		ok = false;
	}
	free(bl.v);
	free(mn.v);
	if (!ok)
		return false;
	t->backend = strdup(a);
	t->baseline = strdup(b);
	t->metric = strdup(metric);
	t->op = strdup(op);
	t->limit = v;
	t->line = line_of(ts);
	return true;
}

static void parse_thresholds(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(
		L, root, "thresholds", false,
		"\"qemu/bare-metal total_time <= 1.5\"");
	struct vb_experiment *ex = L->ex;
	int n, i;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->thresholds = calloc((size_t)n + 1, sizeof(*ex->thresholds));
	if (!ex->thresholds)
		return;
	for (i = 0; i < n; i++) {
		const config_setting_t *ts = config_setting_get_elem(s, (unsigned)i);
		char where[64], got[600];

		snprintf(where, sizeof(where), "thresholds[%d]", i);
		if (config_setting_type(ts) != CONFIG_TYPE_STRING) {
			describe(ts, got, sizeof(got));
			report(L, ts,
			       "%s: wrong type: expected a string \"BACKEND/BASELINE METRIC OP LIMIT\", got %s",
			       where, got);
			continue;
		}
		if (parse_threshold(L, ts, where, &ex->thresholds[ex->nthresholds]))
			ex->nthresholds++;
	}
}

/* Number of cells with only the filters [first, first + n). */
static int count_cells(struct vb_experiment *ex, struct vb_filter *all,
		       size_t first, size_t n, size_t *count)
{
	struct vb_cell *cells;
	int rc;

	ex->excludes = all + first;
	ex->nexcludes = n;
	rc = vb_matrix_expand(ex, &cells, count);
	if (!rc)
		vb_matrix_free(cells, *count, ex);
	return rc;
}

/*
 * A filter that drops nothing is a typo (a label or a value that is not in
 * the matrix), and filters that drop everything leave nothing to run.
 */
static void check_filters(struct ld *L)
{
	struct vb_experiment *ex = L->ex;
	struct vb_filter *all = ex->excludes;
	size_t nall = ex->nexcludes, full = 0, left = 0, i, c;

	if (!nall)
		return;
	if (count_cells(ex, all, 0, 0, &full))
		goto out;
	for (i = 0; i < nall; i++) {
		if (count_cells(ex, all, i, 1, &c))
			goto out;
		if (c == full)
			vb_diag_add(L->d, L->file, all[i].line,
				    "exclude[%zu]: matches no cell of the matrix; check its labels and values (option values compare by canonical value, e.g. \"4G\" equals 4294967296) or remove it",
				    i);
	}
	if (!count_cells(ex, all, 0, nall, &left) && left == 0)
		vb_diag_add(L->d, L->file, all[0].line,
			    "exclude: the filters drop every cell of the matrix; nothing would run; loosen them");
out:
	ex->excludes = all;
	ex->nexcludes = nall;
}

/* ------------------------------------------------------------------ */
/* libconfig's 32-bit trap                                              */
/* ------------------------------------------------------------------ */

/*
 * libconfig 1.5 silently truncates an integer literal beyond 32 bits that
 * lacks the L suffix (10000000000 reads as 1410065408). The parsed tree
 * cannot tell, so scan the text (and what it includes) for such literals,
 * skipping strings and comments the way libconfig's scanner does.
 */
static void scan_wide_literals(struct ld *L, const char *file, int depth)
{
	FILE *f = fopen(file, "r");
	char *text = NULL;
	size_t len = 0, i;
	int line = 1;

	if (!f)
		return;
	{
		FILE *mem = open_memstream(&text, &len);
		char buf[4096];
		size_t r;

		if (!mem) {
			fclose(f);
			return;
		}
		while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, r, mem);
		fclose(mem);
		fclose(f);
	}
	for (i = 0; i < len;) {
		char c = text[i];

		if (c == '\n') {
			line++;
			i++;
		} else if (c == '#' || (c == '/' && text[i + 1] == '/')) {
			while (i < len && text[i] != '\n')
				i++;
		} else if (c == '/' && text[i + 1] == '*') {
			for (i += 2; i < len && !(text[i] == '*' && text[i + 1] == '/'); i++)
				if (text[i] == '\n')
					line++;
			i += 2;
		} else if (c == '@' && !strncmp(text + i, "@include", 8) &&
			   depth < 10) {
			/* Follow the include, as libconfig will (it stops at
			 * depth 10 too). */
			size_t q = i + 8, e;

			while (q < len && (text[q] == ' ' || text[q] == '\t'))
				q++;
			i += 8;
			if (q >= len || text[q] != '"')
				continue;
			for (e = q + 1; e < len && text[e] != '"' && text[e] != '\n'; e++)
				;
			if (e < len && text[e] == '"') {
				char inc[2 * PATH_MAX + 2];
				int n = (int)(e - q - 1);

				if (text[q + 1] == '/' || !L->incdir[0])
					snprintf(inc, sizeof(inc), "%.*s", n, text + q + 1);
				else
					snprintf(inc, sizeof(inc), "%s/%.*s", L->incdir, n,
						 text + q + 1);
				scan_wide_literals(L, inc, depth + 1);
				i = e + 1;
			}
		} else if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++) {
				if (text[i] == '\\')
					i++;
				else if (text[i] == '\n')
					line++;
			}
			i++;
		} else if (isalpha((unsigned char)c) || c == '_' || c == '*') {
			while (i < len && (isalnum((unsigned char)text[i]) ||
					   strchr("_-*", text[i])))
				i++;
		} else if (isdigit((unsigned char)c)) {
			size_t start = i;
			bool hex = c == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X');
			bool neg = start > 0 && text[start - 1] == '-';

			i += hex ? 2 : 0;
			while (i < len && (hex ? isxdigit((unsigned char)text[i])
					      : isdigit((unsigned char)text[i])))
				i++;
			if (!hex && i < len && strchr(".eE", text[i])) {
				/* a float: skip the rest of it */
				while (i < len && (isalnum((unsigned char)text[i]) ||
						   strchr(".+-", text[i])))
					i++;
				continue;
			}
			if (i < len && text[i] == 'L')
				continue;
			{
				char lit[64];
				size_t n = i - start < sizeof(lit) - 1 ? i - start : sizeof(lit) - 1;
				unsigned long long v;

				memcpy(lit, text + start, n);
				lit[n] = '\0';
				errno = 0;
				v = strtoull(lit, NULL, 0);
				if (errno || v > (neg ? 2147483648ULL : (hex ? 4294967295ULL : 2147483647ULL)))
					vb_diag_add(L->d, file, line,
						    "integer %s%s does not fit in 32 bits and libconfig would silently truncate it; write %s%sL, or a string with a unit such as \"10G\"",
						    neg ? "-" : "", lit, neg ? "-" : "", lit);
			}
		} else {
			i++;
		}
	}
	free(text);
}

/* ------------------------------------------------------------------ */
/* The slurm section (virtbench slurm, docs/scale-out.md)               */
/* ------------------------------------------------------------------ */

static const struct vb_option slurm_opts[] = {
	{ .name = "partition", .type = VB_OPT_STRING,
	  .offset = offsetof(struct vb_slurm_settings, partition) },
	{ .name = "time", .type = VB_OPT_STRING,
	  .offset = offsetof(struct vb_slurm_settings, time) },
	{ .name = "account", .type = VB_OPT_STRING,
	  .offset = offsetof(struct vb_slurm_settings, account) },
	{ .name = "constraint", .type = VB_OPT_STRING,
	  .offset = offsetof(struct vb_slurm_settings, constraint) },
	{ .name = "sbatch_args", .type = VB_OPT_LIST,
	  .offset = offsetof(struct vb_slurm_settings, sbatch_args) },
	{ .name = NULL },
};

static const char *const slurm_keys[] = {
	"partition", "time", "account", "constraint", "sbatch_args",
	"shards", NULL,
};

/* sbatch's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED. */
static bool slurm_time_ok(const char *t)
{
	int fields = 1;
	bool day = false, digit = false;

	if (!strcmp(t, "UNLIMITED") || !strcmp(t, "INFINITE"))
		return true;
	for (const char *p = t; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			digit = true;
			continue;
		}
		if (!digit || (*p != ':' && *p != '-') ||
		    (*p == '-' && (day || fields > 1)))
			return false;
		if (*p == '-')
			day = true;
		else
			fields++;
		digit = false;
	}
	return digit && fields <= 3;
}

static bool printable(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20)
			return false;
	return true;
}

static void parse_slurm(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root, "slurm");
	struct vb_slurm_settings *st = &L->ex->slurm;
	char got[600], w[128], dym[200];
	int n, k;

	if (!s)
		return;
	st->line = line_of(s);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		describe(s, got, sizeof(got));
		report(L, s,
		       "slurm: wrong type: expected a group { partition = \"...\"; time = \"2:00:00\"; }, got %s",
		       got);
		return;
	}
	n = config_setting_length(s);
	for (k = 0; k < n; k++) {
		const config_setting_t *ms = config_setting_get_elem(s, (unsigned)k);
		const char *key = config_setting_name(ms);
		const struct vb_option *o = vb_option_find(slurm_opts, key);

		snprintf(w, sizeof(w), "slurm: %s", key);
		if (!strcmp(key, "shards")) {
			if (config_setting_type(ms) != CONFIG_TYPE_INT ||
			    config_setting_get_int(ms) < 1) {
				describe(ms, got, sizeof(got));
				report(L, ms, "%s: expected a number of shards >= 1, got %s",
				       w, got);
				continue;
			}
			st->shards = config_setting_get_int(ms);
			continue;
		}
		if (!o) {
			report(L, ms,
			       "%s: unknown key%s (the slurm section has partition, time, account, constraint, sbatch_args and shards)",
			       w, did_you_mean(key, slurm_keys, dym, sizeof(dym)));
			continue;
		}
		if (o->type == VB_OPT_LIST &&
		    (config_setting_type(ms) == CONFIG_TYPE_ARRAY ||
		     config_setting_type(ms) == CONFIG_TYPE_LIST)) {
			if (parse_list_value(L, o, st, ms, w, ""))
				continue;
		} else if (set_from_setting(L, o, st, ms, w, "")) {
			continue;
		}
		if (o->type == VB_OPT_STRING) {
			const char *v = *(char **)(void *)((char *)st + o->offset);

			if (!printable(v))
				report(L, ms, "%s: control characters are not allowed (the value goes into job.sh)", w);
			else if (!strcmp(key, "time") && !slurm_time_ok(v))
				report(L, ms,
				       "%s: '%s' is not a Slurm time limit; expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. \"2:00:00\")",
				       w, v);
		}
	}
	for (char **a = st->sbatch_args; a && *a; a++) {
		if (!printable(*a) || (*a)[0] != '-')
			report(L, s,
			       "slurm: sbatch_args: '%s' is not an sbatch option; expected one option per string, e.g. [\"--qos=long\", \"--mem=0\"]",
			       *a);
	}
}

/* ------------------------------------------------------------------ */
/* Entry point                                                          */
/* ------------------------------------------------------------------ */

static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".cfg"))
		n -= 4;
	return strndup(base, n);
}

int vb_experiment_load(const char *path, const struct vb_registry *reg,
		       struct vb_experiment **out, struct vb_diag *diag)
{
	struct vb_experiment *ex;
	struct ld L = { .file = path, .d = diag, .reg = reg };
	struct top top = { 0 };
	const config_setting_t *root;
	size_t before = diag->count, i;
	char err[512], dym[200];
	config_t cfg;
	int n, k;

	*out = NULL;
	ex = calloc(1, sizeof(*ex));
	if (!ex)
		return -ENOMEM;
	L.ex = ex;
	ex->path = strdup(path);
	config_init(&cfg);
	config_set_auto_convert(&cfg, CONFIG_TRUE);
	/* @include "common.cfg" is relative to the experiment file, not to
	 * wherever virtbench was started. */
	{
		char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;

		if (slash) {
			*slash = '\0';
			snprintf(L.incdir, sizeof(L.incdir), "%s", *dir ? dir : "/");
			config_set_include_dir(&cfg, L.incdir);
		}
		free(dir);
	}
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			vb_diag_add(diag, path, 0,
				    "cannot read the experiment file: %s; check the path",
				    strerror(errno));
		else
			vb_diag_add(diag,
				    config_error_file(&cfg) ? config_error_file(&cfg) : path,
				    config_error_line(&cfg),
				    "%s%s; check this line and the one before it (a missing ';' or quote shows up here)",
				    strcmp(config_error_text(&cfg), "syntax error") ? "syntax error: " : "",
				    config_error_text(&cfg));
		goto fail;
	}
	scan_wide_literals(&L, path, 0);

	if (vb_opts_defaults(top_opts, &top, err, sizeof(err)))
		goto fail;
	top.verify = VB_VERIFY_STRICT;
	root = config_root_setting(&cfg);
	n = config_setting_length(root);
	for (k = 0; k < n; k++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)k);
		const char *key = config_setting_name(s);
		const struct vb_option *o = vb_option_find(top_opts, key);
		size_t j;

		for (j = 0; top_keys[j] && strcmp(top_keys[j], key); j++)
			;
		if (!top_keys[j]) {
			report(&L, s, "%s: unknown key%s (see docs/experiment-files.md for the keys of an experiment)",
			       key, did_you_mean(key, top_keys, dym, sizeof(dym)));
			continue;
		}
		if (o)
			set_from_setting(&L, o, &top, s, key, "");
	}
	ex->name = top.name && *top.name ? strdup(top.name) : default_name(path);
	if (ex->name && top.name && *top.name)
		check_label(&L, config_setting_get_member(root, "name"), "name", ex->name);
	else if (ex->name && !label_ok(ex->name))
		vb_diag_add(diag, path, 0,
			    "name: the file name gives the experiment name '%s', which is not usable (letters, digits, '.', '_' or '-' only); add name = \"...\"; or rename the file",
			    ex->name);
	ex->repetitions = (int)top.repetitions;
	ex->warmup = (int)top.warmup;
	ex->order = (enum vb_order)top.order;
	ex->seed = (uint64_t)top.seed;
	ex->seed_given = config_setting_get_member(root, "seed") != NULL;
	ex->timeout = top.timeout;
	ex->verify = (enum vb_verify_mode)top.verify;
	ex->shard_by = (enum vb_shard_by)top.shard_by;

	parse_backends(&L, root);
	parse_configs(&L, root);
	parse_workloads(&L, root);
	parse_excludes(&L, root);
	parse_thresholds(&L, root);
	parse_slurm(&L, root);

	if (top.baseline && *top.baseline) {
		struct names bl = { 0 };
		const config_setting_t *bs = config_setting_get_member(root, "baseline");

		label_kind_list(&L, "backend", &bl);
		if (!in_names(&bl, top.baseline) && !backend_cascade(&L, top.baseline))
			report(&L, bs,
			       "baseline: unknown backend label '%s'%s (use a backend's name, or its plugin name when it has none)",
			       top.baseline,
			       did_you_mean(top.baseline, names_get(&bl), dym, sizeof(dym)));
		else
			ex->baseline = strdup(top.baseline);
		free(bl.v);
	} else if (config_setting_get_member(root, "baseline")) {
		report(&L, config_setting_get_member(root, "baseline"),
		       "baseline: expected a backend label, got an empty string; remove the key or name a backend");
	} else {
		for (i = 0; i < ex->nbackends && !ex->baseline; i++)
			if (ex->backends[i].label &&
			    !strcmp(ex->backends[i].label, "bare-metal"))
				ex->baseline = strdup("bare-metal");
	}

	if (diag->count == before)
		check_filters(&L);
	vb_opts_free(top_opts, &top);
	config_destroy(&cfg);
	if (diag->count > before) {
		vb_experiment_free(ex);
		return -EINVAL;
	}
	*out = ex;
	return 0;
fail:
	vb_opts_free(top_opts, &top);
	config_destroy(&cfg);
	vb_experiment_free(ex);
	return -EINVAL;
}

void vb_experiment_free(struct vb_experiment *ex)
{
	size_t i, j;

	if (!ex)
		return;
	for (i = 0; ex->backends && i < ex->nbackends; i++) {
		free(ex->backends[i].label);
		opts_release(ex->backends[i].plugin, ex->backends[i].opts);
	}
	free(ex->backends);
	for (i = 0; ex->configs && i < ex->nconfigs; i++)
		free(ex->configs[i].name);
	free(ex->configs);
	for (i = 0; ex->workloads && i < ex->nworkloads; i++) {
		free(ex->workloads[i].label);
		opts_release(ex->workloads[i].plugin, ex->workloads[i].opts);
		axes_free(ex->workloads[i].axes, ex->workloads[i].naxes);
	}
	free(ex->workloads);
	for (i = 0; ex->excludes && i < ex->nexcludes; i++) {
		for (j = 0; j < ex->excludes[i].n; j++) {
			free(ex->excludes[i].keys[j]);
			free(ex->excludes[i].values[j]);
		}
		free(ex->excludes[i].keys);
		free(ex->excludes[i].values);
	}
	free(ex->excludes);
	for (i = 0; ex->thresholds && i < ex->nthresholds; i++) {
		free(ex->thresholds[i].backend);
		free(ex->thresholds[i].baseline);
		free(ex->thresholds[i].metric);
		free(ex->thresholds[i].op);
	}
	free(ex->thresholds);
	vb_opts_free(slurm_opts, &ex->slurm);
	free(ex->baseline);
	free(ex->name);
	free(ex->path);
	free(ex);
}
