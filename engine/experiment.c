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
 *
 * The text itself (size, includes, strings, integer literals) is checked
 * first, by engine/exptext.c; libconfig only sees what passed.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/experiment.h"
#include "engine/exptext.h"
#include "engine/matrix.h"
#include "lib/ctx.h"
#include "lib/options.h"
#include "lib/util.h"

/* Cells reported per workload when its validate() hook refuses many. */
#define MAX_VALIDATE_REPORTS 5

struct ld {
	const char *file;
	struct vb_diag *d;
	const struct vb_registry *reg;
	struct vb_experiment *ex;
	const struct vb_exptext *src;
	bool interrupted;         /* SIGINT/SIGTERM while validating */
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
	/* A setting from an @include'd file is reported in that file, by
	 * the path it resolved to (libconfig names it as written). */
	for (p = s; p && !file; p = config_setting_parent(p))
		if (config_setting_source_line(p))
			file = config_setting_source_file(p);
	vb_diag_add(L->d, file ? vb_exptext_path(L->src, file) : L->file,
		    line_of(s), "%s", buf);
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
		if (o->flags & VB_OPTF_PARAMS)
			return "a group of parameters { name = value; other = [1, 2]; }";
		if (o->flags & VB_OPTF_RECORDS)
			return "a list of groups ( { key = value; ... }, ... )";
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
		return t == CONFIG_TYPE_STRING;
	case VB_OPT_LIST:
		/* Elements are text: ok_exit = [0, 3] means "0", "3". */
		return t == CONFIG_TYPE_STRING || num ||
		       t == CONFIG_TYPE_FLOAT || t == CONFIG_TYPE_BOOL;
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
	/* A string is taken whole (a shell command may be long). */
	if (vb_opt_set_text(o, block, t == CONFIG_TYPE_STRING
					      ? config_setting_get_string(s)
					      : text,
			    why, sizeof(why))) {
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

/* A list for vb_suggest(): never NULL. */
static const char *const *names_get(const struct vb_strv *l)
{
	static const char *const empty[] = { NULL };

	return l->v ? (const char *const *)l->v : empty;
}

static bool in_names(const struct vb_strv *l, const char *s)
{
	return vb_strv_find(l, s) >= 0;
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
	return reg ? vb_registry_find(reg, kind, name) : NULL;
}

/* ------------------------------------------------------------------ */
/* Top-level scalars                                                    */
/* ------------------------------------------------------------------ */

struct top {
	char *name;
	int64_t repetitions, warmup, seed;
	int order, verify, shard_by, noise;
	double timeout;
	char *baseline;
};

static const char *const order_names[] = { "sequential", "shuffled",
					   "interleaved", NULL };
static const char *const noise_names[] = { "flag", "exclude", NULL };

const char *vb_order_name(enum vb_order o)
{
	return o <= VB_ORDER_INTERLEAVED ? order_names[o] : "?";
}
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
	{ .name = "noise", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct top, noise), .def = "flag",
	  .choices = noise_names },
	{ .name = NULL },
};

static const char *const top_keys[] = {
	"name", "repetitions", "warmup", "order", "seed", "timeout",
	"verify", "baseline", "backends", "configs", "workloads", "exclude",
	"thresholds", "shard_by", "slurm", "noise", NULL,
};

/* repetitions = { ... } (adaptive) and noise = { ... }: their keys. */
struct reps_group {
	int64_t min, max;
	double precision, budget;
	char **metrics;
};

static const struct vb_option reps_opts[] = {
	{ .name = "min", .type = VB_OPT_INT,
	  .offset = offsetof(struct reps_group, min), .def = "3",
	  .min = 2, .max = 1000000 },
	{ .name = "max", .type = VB_OPT_INT,
	  .offset = offsetof(struct reps_group, max), .def = "30",
	  .min = 2, .max = 1000000 },
	{ .name = "precision", .type = VB_OPT_DOUBLE, .required = true,
	  .offset = offsetof(struct reps_group, precision),
	  .min = 1e-6, .max = 1 },
	{ .name = "budget", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct reps_group, budget), .def = "0",
	  .min = 0, .max = 365 * 86400.0 },
	{ .name = "metrics", .type = VB_OPT_LIST,
	  .offset = offsetof(struct reps_group, metrics) },
	{ .name = NULL },
};

struct noise_group {
	int action;
	double steal, foreign;
};

static const struct vb_option noise_opts[] = {
	{ .name = "action", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct noise_group, action), .def = "flag",
	  .choices = noise_names },
	{ .name = "steal", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct noise_group, steal), .def = "0.02",
	  .min = 0, .max = 1 },
	{ .name = "foreign", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct noise_group, foreign), .def = "0.1",
	  .min = 0, .max = 4096 },
	{ .name = NULL },
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
	struct vb_wl_desc desc;   /* workloads: what the instance reports */
};

static void axes_free(struct vb_axis *axes, size_t naxes)
{
	for (size_t i = 0; axes && i < naxes; i++) {
		vb_free_strings(axes[i].values, axes[i].nvalues);
		free(axes[i].name);
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

/* Element i of an axis: its canonical text, or NULL when it is refused. */
static char *axis_value(struct ld *L, struct entry *e, const struct vb_axis *ax,
			const config_setting_t *v, const char *w,
			const char *see)
{
	char *text;

	if (set_from_setting(L, ax->opt, e->opts, v, w, see))
		return NULL;
	if (!(text = vb_opt_to_text(ax->opt, e->opts)))
		vb_oom();
	for (size_t j = 0; j < ax->nvalues; j++) {
		if (!strcmp(ax->values[j], text)) {
			report(L, v,
			       "%s: duplicate value '%s' (same as element [%zu]): each cell of the matrix must be distinct; remove one",
			       w, text, j);
			free(text);
			return NULL;
		}
	}
	return text;
}

static int parse_axis(struct ld *L, struct entry *e, const struct vb_option *o,
		      const config_setting_t *s, const char *where,
		      const char *see)
{
	struct vb_axis *ax;
	int n = config_setting_length(s), bad = 0;

	if (n == 0) {
		report(L, s,
		       "%s: empty list: a matrix axis needs at least one value%s",
		       where, see);
		return -EINVAL;
	}
	e->axes = vb_xreallocarray(e->axes, e->naxes + 1, sizeof(*e->axes));
	ax = &e->axes[e->naxes++];
	ax->opt = o;
	ax->name = vb_xstrdup(o->name);
	ax->nvalues = 0;
	ax->values = vb_xcalloc((size_t)n, sizeof(*ax->values));
	for (int i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(s, (unsigned)i);
		char w[400], *text;

		snprintf(w, sizeof(w), "%s[%d]", where, i);
		if ((text = axis_value(L, e, ax, v, w, see)))
			ax->values[ax->nvalues++] = text;
		else
			bad = 1;
	}
	return bad ? -EINVAL : 0;
}

/*
 * A group of scalars as compact JSON, members in file order: how a record
 * of a VB_OPTF_RECORDS option reaches the plugin. NULL (reported) when a
 * member is itself a group or a list.
 */
static char *group_json(struct ld *L, const config_setting_t *g,
			const char *where)
{
	json_t *obj = json_object();
	char *text = NULL;
	int n = config_setting_length(g), bad = 0;

	if (!obj)
		vb_oom();
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		json_t *v = NULL;
		char got[600];

		switch (config_setting_type(m)) {
		case CONFIG_TYPE_INT:
			v = json_integer(config_setting_get_int(m));
			break;
		case CONFIG_TYPE_INT64:
			v = json_integer(config_setting_get_int64(m));
			break;
		case CONFIG_TYPE_FLOAT:
			v = json_real(config_setting_get_float(m));
			break;
		case CONFIG_TYPE_BOOL:
			v = json_boolean(config_setting_get_bool(m));
			break;
		case CONFIG_TYPE_STRING:
			v = json_string(config_setting_get_string(m));
			break;
		default:
			describe(m, got, sizeof(got));
			report(L, m, "%s: %s: wrong type: expected one value (a string, a number or true/false), got %s",
			       where, config_setting_name(m), got);
			bad = 1;
			continue;
		}
		/* json_string refuses text that is not UTF-8. */
		if (!v) {
			report(L, m, "%s: %s: not valid UTF-8 text", where,
			       config_setting_name(m));
			bad = 1;
			continue;
		}
		json_object_set_new(obj, config_setting_name(m), v);
	}
	if (!bad && !(text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		vb_oom();
	json_decref(obj);
	return text;
}

/* One element of a list option: a scalar, or a group for a records option. */
static int set_list_element(struct ld *L, const struct vb_option *o,
			    void *block, const config_setting_t *v,
			    const char *w, const char *see)
{
	char why[512], *json;
	int rc = 0;

	if (config_setting_type(v) != CONFIG_TYPE_GROUP ||
	    !(o->flags & VB_OPTF_RECORDS))
		return set_from_setting(L, o, block, v, w, see);
	if (!(json = group_json(L, v, w)))
		return -EINVAL;
	if (vb_opt_set_text(o, block, json, why, sizeof(why))) {
		report(L, v, "%s: %s%s", w, why, see);
		rc = -EINVAL;
	}
	free(json);
	return rc;
}

/* Set a VB_OPT_LIST option from an array/list of strings in the file. */
static int parse_list_value(struct ld *L, const struct vb_option *o,
			    void *block, const config_setting_t *s,
			    const char *where, const char *see)
{
	int n = config_setting_length(s), bad = 0;
	char **const *field;

	list_clear(o, block);
	for (int i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(s, (unsigned)i);
		char w[400];

		snprintf(w, sizeof(w), "%s[%d]", where, i);
		if (set_list_element(L, o, block, v, w, see))
			bad = 1;
	}
	/* An empty array still leaves a non-NULL, empty list. */
	field = (char **const *)(const void *)((const char *)block + o->offset);
	if (!*field) {
		char **empty = vb_xcalloc(1, sizeof(char *));

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
	kv = vb_xcalloc(n + 1, sizeof(*kv));
	for (o = info->options; o && o->name; o++, i++) {
		char *t = vb_opt_to_text(o, block);

		if (!t)
			vb_oom();
		kv[i] = vb_xasprintf("%s=%s", o->name, t);
		free(t);
	}
	*nkv = n;
	return kv;
}

static size_t option_index(const struct vb_plugin_info *info,
			   const struct vb_option *o)
{
	return (size_t)(o - info->options);
}

/* ------------------------------------------------------------------ */
/* The plugins' own checks                                              */
/* ------------------------------------------------------------------ */

/* The list option's elements with its parameter axes' values at idx. */
static char *params_text(const struct vb_workload_entry *w,
			 const struct vb_option *o, const size_t *idx)
{
	char *const *list = *(char *const *const *)(const void *)
				    ((const char *)w->opts + o->offset);
	struct vb_strv out = VB_STRV_INIT;
	struct vb_option one = *o;
	struct { char **v; } block;
	char *text;

	for (size_t i = 0; list && list[i]; i++) {
		size_t nl = strcspn(list[i], "=");
		const char *val = NULL;

		for (size_t a = 0; a < w->naxes && !val; a++)
			if (w->axes[a].opt == o && vb_axis_is_param(&w->axes[a]) &&
			    strlen(w->axes[a].name) == nl &&
			    !strncmp(w->axes[a].name, list[i], nl))
				val = w->axes[a].values[idx ? idx[a] : 0];
		if (val)
			vb_strv_addf(&out, "%.*s=%s", (int)nl, list[i], val);
		else
			vb_strv_add(&out, list[i]);
	}
	if (!out.v)
		out.v = vb_xcalloc(1, sizeof(char *));
	block.v = out.v;
	one.offset = offsetof(__typeof__(block), v);
	if (!(text = vb_opt_to_text(&one, &block)))
		vb_oom();
	vb_strv_free(&out);
	return text;
}

char *vb_workload_option_text(const struct vb_workload_entry *w,
			      const struct vb_option *o, const size_t *idx)
{
	bool params = false;
	char *t;

	for (size_t a = 0; a < w->naxes; a++) {
		if (w->axes[a].opt != o)
			continue;
		if (!vb_axis_is_param(&w->axes[a]))
			return vb_xstrdup(w->axes[a].values[idx ? idx[a] : 0]);
		params = true;
	}
	if (params)
		return params_text(w, o, idx);
	if (!(t = vb_opt_to_text(o, w->opts)))
		vb_oom();
	return t;
}

const char *vb_workload_param(const struct vb_workload_entry *w,
			      const char *name, const size_t *idx)
{
	size_t nl = strlen(name);

	for (size_t a = 0; a < w->naxes; a++)
		if (vb_axis_is_param(&w->axes[a]) && !strcmp(w->axes[a].name, name))
			return w->axes[a].values[idx ? idx[a] : 0];
	for (const struct vb_option *o = w->plugin ? w->plugin->info->options : NULL;
	     o && o->name; o++) {
		char *const *list;

		if (!(o->flags & VB_OPTF_PARAMS))
			continue;
		list = *(char *const *const *)(const void *)
			       ((const char *)w->opts + o->offset);
		for (size_t i = 0; list && list[i]; i++)
			if (!strncmp(list[i], name, nl) && list[i][nl] == '=')
				return list[i] + nl + 1;
	}
	return NULL;
}

/* The entry as the matrix sees it (for the helpers above). */
static struct vb_workload_entry entry_view(const struct entry *e)
{
	return (struct vb_workload_entry){ .plugin = e->plugin,
					   .opts = e->opts, .naxes = e->naxes,
					   .axes = e->axes };
}

/* Set the axes' values of point idx into kv; params gets them joined. */
static void point_kv(const struct entry *e, const size_t *idx, char **kv,
		     struct vb_buf *params)
{
	const struct vb_plugin_info *info = e->plugin->info;
	struct vb_workload_entry w = entry_view(e);

	vb_buf_reset(params);
	for (size_t a = 0; a < e->naxes; a++) {
		const struct vb_axis *ax = &e->axes[a];
		size_t k = option_index(info, ax->opt);
		char *t = vb_workload_option_text(&w, ax->opt, idx);

		free(kv[k]);
		kv[k] = vb_xasprintf("%s=%s", ax->opt->name, t);
		free(t);
		vb_buf_addf(params, "%s%s=%s", a ? ";" : "", vb_axis_name(ax),
			    ax->values[idx[a]]);
	}
}

/* The odometer over the axes, last axis fastest; false after the last. */
static bool next_point(const struct entry *e, size_t *idx)
{
	for (size_t a = e->naxes; a-- > 0;) {
		if (++idx[a] < e->axes[a].nvalues)
			return true;
		idx[a] = 0;
	}
	return false;
}

struct rejects {
	size_t failed, reported;
	struct vb_strv seen;      /* reasons reported: each once per entry */
};

/*
 * Where a plugin's reason is about: "OPTION[INDEX]: ..." or "OPTION: ..."
 * names an option of the entry (1.1, plugin.h's validate); then the
 * setting of that option (element), else NULL.
 */
static const config_setting_t *reason_setting(const struct entry *e,
					      const config_setting_t *s,
					      const char *msg)
{
	const config_setting_t *m;
	char name[64];
	size_t n = strcspn(msg, "[:");
	unsigned long idx = 0;
	bool indexed = msg[n] == '[';

	if (n == 0 || n >= sizeof(name) || !msg[n])
		return NULL;
	memcpy(name, msg, n);
	name[n] = '\0';
	if (!vb_option_find(e->plugin->info->options, name) ||
	    !(m = config_setting_get_member(s, name)))
		return NULL;
	if (indexed) {
		char *end;

		idx = strtoul(msg + n + 1, &end, 10);
		if (*end != ']' || end[1] != ':')
			return NULL;
	} else if (msg[n + 1] != ' ') {
		return NULL;
	}
	if (indexed && config_setting_is_aggregate(m) &&
	    config_setting_type(m) != CONFIG_TYPE_GROUP &&
	    idx < (unsigned long)config_setting_length(m))
		return config_setting_get_elem(m, (unsigned)idx);
	return m;
}

/* A validate hook (validate or validate_host) as a function pointer. */
typedef int (*check_fn)(const void *opts, char *msg, size_t msglen);

/* check() of the block of one point; -EINVAL when the plugin's own
 * table cannot make the block (nothing more can be judged). */
static int validate_point(struct ld *L, const struct entry *e,
			   const config_setting_t *s, const char *where,
			   char **kv, size_t nkv, const char *params,
			   check_fn check, struct rejects *rj)
{
	const struct vb_plugin_info *info = e->plugin->info;
	const config_setting_t *at;
	char msg[1024] = "", err[512];
	void *block = NULL;

	if (vb_opts_from_kv(info, (const char *const *)kv, nkv, &block, err,
			    sizeof(err))) {
		/* Cannot happen for values that passed one by one, unless a
		 * plugin's table is inconsistent. */
		report(L, s, "%s: %s", where, err);
		return -EINVAL;
	}
	if (check(block, msg, sizeof(msg))) {
		rj->failed++;
		if (vb_strv_find(&rj->seen, msg) >= 0) {
			/* The same reason at another point: said once. */
		} else if (rj->reported++ < MAX_VALIDATE_REPORTS &&
			   (at = reason_setting(e, s, msg))) {
			vb_strv_add(&rj->seen, msg);
			report(L, at, "%s: %s (see 'virtbench plugins %s')",
			       where, msg, info->name);
		} else if (rj->reported <= MAX_VALIDATE_REPORTS) {
			vb_strv_add(&rj->seen, msg);
			report(L, s,
			       "%s: %s%soptions rejected by the plugin: %s; change the values (see 'virtbench plugins %s')",
			       where, params, *params ? ": " : "",
			       *msg ? msg : "(no reason given)", info->name);
		}
	}
	vb_opts_free(info->options, block);
	free(block);
	return 0;
}

/* Call check (the workload's validate() or validate_host()) for every
 * point of its axes. */
static void check_cells(struct ld *L, struct entry *e,
			const config_setting_t *s, const char *where,
			check_fn check)
{
	struct vb_buf params = VB_BUF_INIT;
	struct rejects rj = { 0 };
	size_t nkv = 0, *idx, n = 0;
	char **kv;

	kv = block_kv(e->plugin->info, e->opts, &nkv);
	idx = vb_xcalloc(e->naxes + 1, sizeof(*idx));
	do {
		if (++n % 4096 == 0 && vb_is_interrupted()) {
			L->interrupted = true;
			break;
		}
		point_kv(e, idx, kv, &params);
		if (validate_point(L, e, s, where, kv, nkv, vb_buf_str(&params),
				   check, &rj) < 0)
			break;
	} while (next_point(e, idx));
	if (rj.reported > MAX_VALIDATE_REPORTS)
		report(L, s, "%s: more cells rejected by the plugin, for %zu other reasons",
		       where, rj.reported - MAX_VALIDATE_REPORTS);
	if (rj.failed)
		e->ok = false;
	free(idx);
	vb_free_strings(kv, nkv);
	vb_buf_free(&params);
	vb_strv_free(&rj.seen);
}

/* Some backend's environment is the host's own userland. */
static bool host_backend(const struct ld *L)
{
	for (size_t i = 0; i < L->ex->nbackends; i++) {
		const struct vb_plugin *p = L->ex->backends[i].plugin;
		const struct vb_backend_ops *ops = p ? p->info->ops : NULL;

		if (ops && p->info->abi_minor >= 1 && (ops->flags & VB_BACKEND_HOST))
			return true;
	}
	return false;
}

/* The plugin's own checks, then what the instance reports. */
static void validate_cells(struct ld *L, struct entry *e,
			   const config_setting_t *s, const char *where)
{
	const struct vb_workload_ops *ops = e->plugin->info->ops;

	char err[1024];

	if (ops->validate)
		check_cells(L, e, s, where, ops->validate);
	if (e->ok && ops->validate_host && host_backend(L))
		check_cells(L, e, s, where, ops->validate_host);
	if (e->ok && vb_workload_describe(e->plugin, e->opts, &e->desc, err,
					  sizeof(err)) < 0) {
		report(L, s, "%s: %s (see 'virtbench plugins %s')", where, err,
		       e->plugin->info->name);
		e->ok = false;
	}
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

/* A workload's axes within the matrix limit, then its validate(). */
static void validate_workload(struct ld *L, struct entry *e,
			      const config_setting_t *s, const char *where)
{
	size_t points = 1;

	for (size_t a = 0; a < e->naxes; a++)
		points = points > SIZE_MAX / e->axes[a].nvalues
				 ? SIZE_MAX
				 : points * e->axes[a].nvalues;
	if (points > VB_MATRIX_MAX_CELLS) {
		report(L, s,
		       "%s: its axes make %zu points, more than the %d cells a matrix may have; use fewer values (docs/experiment-files.md, \"Limits\")",
		       where, points, VB_MATRIX_MAX_CELLS);
		e->ok = false;
		return;
	}
	validate_cells(L, e, s, where);
}

/* ------------------------------------------------------------------ */
/* One entry                                                            */
/* ------------------------------------------------------------------ */

/* What parsing one entry shares between its steps. */
struct entry_pass {
	struct ld *L;
	const config_setting_t *s;
	enum vb_plugin_kind kind;
	struct entry *e;
	struct bres *br;          /* the backends' reserved keys, or NULL */
	const struct vb_plugin_info *info;
	bool *seen;               /* per option of info: given in the file */
	const char *pname;
	char where[200], see[200];
};

static void unknown_plugin(struct ld *L, const config_setting_t *ps,
			   const char *where, enum vb_plugin_kind kind,
			   const char *name)
{
	enum vb_plugin_kind other = kind == VB_PLUGIN_BACKEND ?
					    VB_PLUGIN_WORKLOAD :
					    VB_PLUGIN_BACKEND;
	struct vb_strv nm = VB_STRV_INIT;
	char dym[200];

	if (find_plugin(L->reg, other, name)) {
		report(L, ps,
		       "%s: plugin: '%s' is a %s plugin, expected a %s plugin; move the entry to `%ss`",
		       where, name, vb_kind_name(other), vb_kind_name(kind),
		       vb_kind_name(other));
		return;
	}
	for (size_t i = 0; L->reg && i < L->reg->count; i++) {
		const struct vb_plugin_info *info = L->reg->items[i].info;

		if (info && info->kind == kind)
			vb_strv_add(&nm, info->name);
	}
	/* A mistyped --plugin-dir is the likeliest cause: name it. */
	char missing[600] = "", note[700] = "";
	size_t nmiss = L->reg ? vb_registry_missing_dirs(L->reg, missing,
							 sizeof(missing))
			      : 0;
	if (nmiss)
		snprintf(note, sizeof(note), "; plugin director%s %s do%s not exist",
			 nmiss > 1 ? "ies" : "y", missing, nmiss > 1 ? "" : "es");
	report(L, ps,
	       "%s: plugin: unknown %s plugin '%s'%s (run 'virtbench plugins' to list the %ss found)%s",
	       where, vb_kind_name(kind), name,
	       did_you_mean(name, names_get(&nm), dym, sizeof(dym)),
	       vb_kind_name(kind), note);
	vb_strv_free(&nm);
}

/* The entry's `plugin` key: e->plugin, and `where` names it. */
static void entry_plugin(struct entry_pass *p, const char *list, int index)
{
	const config_setting_t *ps = config_setting_get_member(p->s, "plugin");
	char got[600];

	if (!ps) {
		report(p->L, p->s,
		       "%s: plugin: missing required key; add plugin = \"NAME\"; (run 'virtbench plugins' to list them)",
		       p->where);
		p->e->ok = false;
		return;
	}
	if (config_setting_type(ps) != CONFIG_TYPE_STRING) {
		describe(ps, got, sizeof(got));
		report(p->L, ps,
		       "%s: plugin: wrong type: expected a plugin name in double quotes, got %s",
		       p->where, got);
		p->e->ok = false;
		return;
	}
	p->pname = config_setting_get_string(ps);
	p->e->plugin = find_plugin(p->L->reg, p->kind, p->pname);
	snprintf(p->where, sizeof(p->where), "%s[%d] (%s)", list, index,
		 p->pname);
	if (!p->e->plugin) {
		unknown_plugin(p->L, ps, p->where, p->kind, p->pname);
		p->e->ok = false;
	}
}

/* The option block with the plugin's defaults. */
static void entry_block(struct entry_pass *p)
{
	const struct vb_plugin_info *info = p->e->plugin->info;
	size_t n = 0;
	char why[512];

	p->info = info;
	snprintf(p->see, sizeof(p->see), " (see 'virtbench plugins %s')",
		 info->name);
	p->e->opts = vb_xcalloc(1, info->options_size ? info->options_size : 1);
	if (vb_opts_defaults(info->options, p->e->opts, why, sizeof(why))) {
		report(p->L, p->s, "%s: the plugin's own defaults are invalid: %s; report this to the plugin's author",
		       p->where, why);
		p->e->ok = false;
	}
	while (info->options && info->options[n].name)
		n++;
	p->seen = vb_xcalloc(n + 1, sizeof(*p->seen));
}

/* `name`: the entry's label, the plugin's name by default. */
static void entry_label(struct entry_pass *p)
{
	const config_setting_t *ns = config_setting_get_member(p->s, "name");
	char got[600], w[300];

	if (!ns) {
		if (p->pname)
			p->e->label = vb_xstrdup(p->pname);
		return;
	}
	if (config_setting_type(ns) != CONFIG_TYPE_STRING) {
		describe(ns, got, sizeof(got));
		report(p->L, ns,
		       "%s: name: wrong type: expected a string in double quotes, got %s",
		       p->where, got);
		p->e->ok = false;
		return;
	}
	snprintf(w, sizeof(w), "%s: name", p->where);
	p->e->label = vb_xstrdup(config_setting_get_string(ns));
	check_label(p->L, ns, w, p->e->label);
	if (!label_ok(p->e->label))
		p->e->ok = false;
}

static void unknown_option(struct entry_pass *p, const config_setting_t *m,
			   const char *w, const char *key)
{
	struct vb_strv nm = VB_STRV_INIT;
	char dym[200];

	for (const struct vb_option *o = p->info->options; o && o->name; o++)
		vb_strv_add(&nm, o->name);
	vb_strv_add(&nm, "name");
	for (const struct vb_option *o = p->br ? backend_reserved : NULL;
	     o && o->name; o++)
		vb_strv_add(&nm, o->name);
	report(p->L, m, "%s: unknown option%s%s", w,
	       did_you_mean(key, names_get(&nm), dym, sizeof(dym)), p->see);
	vb_strv_free(&nm);
}

/* A list or array given for option o: the list itself, or an axis. */
static int entry_aggregate(struct entry_pass *p, const config_setting_t *m,
			   const struct vb_option *o, const char *w)
{
	if (o->type == VB_OPT_LIST)
		return parse_list_value(p->L, o, p->e->opts, m, w, p->see);
	if (p->kind == VB_PLUGIN_BACKEND) {
		report(p->L, m,
		       "%s: a list here would be a matrix axis, but only workload options can be axes; write one backend entry per value, each with its own name",
		       w);
		return -EINVAL;
	}
	return parse_axis(p->L, p->e, o, m, w, p->see);
}

static bool param_name_ok(const char *s)
{
	size_t n = 0;

	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n <= 63;
}

/* Params travel as "k=v;k=v" (runs.csv, reports): no ';' in a value. */
static bool param_value_ok(struct entry_pass *p, const char *value,
			   const config_setting_t *at, const char *w)
{
	if (!strpbrk(value, ";\n\r"))
		return true;
	report(p->L, at, "%s: '%s': a parameter's value may not hold ';' or a line break (runs.csv's params column separates parameters with ';')%s",
	       w, value, p->see);
	return false;
}

/* A name=value element for parameter `name` of list option o. */
static int param_element(struct entry_pass *p, const struct vb_option *o,
			 const char *name, const char *value,
			 const config_setting_t *at, const char *w)
{
	char *el, why[512];
	int rc;

	if (!param_value_ok(p, value, at, w))
		return -EINVAL;
	el = vb_xasprintf("%s=%s", name, value);
	rc = vb_opt_set_text(o, p->e->opts, el, why, sizeof(why));

	if (rc)
		report(p->L, at, "%s: %s%s", w, why, p->see);
	free(el);
	return rc ? -EINVAL : 0;
}

/* One member of a parameter group: a value, or a list (an axis). */
static int param_member(struct entry_pass *p, const struct vb_option *o,
			const config_setting_t *mm, const char *where)
{
	const char *name = config_setting_name(mm);
	char w[400], text[512], got[600];
	struct vb_axis *ax;
	int n, bad = 0;

	snprintf(w, sizeof(w), "%s.%s", where, name);
	if (!param_name_ok(name)) {
		report(p->L, mm, "%s: bad parameter name: expected [a-z][a-z0-9_]*, at most 63 characters%s",
		       w, p->see);
		return -EINVAL;
	}
	if (vb_option_find(p->info->options, name)) {
		report(p->L, mm, "%s: '%s' is also an option of the plugin; give the parameter another name, so filters and params can tell them apart%s",
		       w, name, p->see);
		return -EINVAL;
	}
	if (is_scalar(mm)) {
		const char *v = config_setting_type(mm) == CONFIG_TYPE_STRING
					? config_setting_get_string(mm)
					: (scalar_text(mm, text, sizeof(text)), text);

		return param_element(p, o, name, v, mm, w);
	}
	if (config_setting_type(mm) == CONFIG_TYPE_GROUP ||
	    (n = config_setting_length(mm)) == 0) {
		describe(mm, got, sizeof(got));
		report(p->L, mm, "%s: wrong type: expected a value or a non-empty list of values (a matrix axis), got %s%s",
		       w, got, p->see);
		return -EINVAL;
	}
	/* An axis: its element holds the first value, in file order. */
	p->e->axes = vb_xreallocarray(p->e->axes, p->e->naxes + 1,
				      sizeof(*p->e->axes));
	ax = &p->e->axes[p->e->naxes++];
	*ax = (struct vb_axis){ .opt = o, .name = vb_xstrdup(name),
				.values = vb_xcalloc((size_t)n, sizeof(char *)) };
	for (int i = 0; i < n; i++) {
		const config_setting_t *v = config_setting_get_elem(mm, (unsigned)i);
		char wi[440];
		size_t j;

		snprintf(wi, sizeof(wi), "%s[%d]", w, i);
		if (!is_scalar(v)) {
			describe(v, got, sizeof(got));
			report(p->L, v, "%s: wrong type: expected one value, got %s%s",
			       wi, got, p->see);
			bad = 1;
			continue;
		}
		scalar_text(v, text, sizeof(text));
		if (!param_value_ok(p, text, v, wi)) {
			bad = 1;
			continue;
		}
		for (j = 0; j < ax->nvalues && strcmp(ax->values[j], text); j++)
			;
		if (j < ax->nvalues) {
			report(p->L, v, "%s: duplicate value '%s' (same as element [%zu]): each cell of the matrix must be distinct; remove one",
			       wi, text, j);
			bad = 1;
			continue;
		}
		ax->values[ax->nvalues++] = vb_xstrdup(text);
	}
	if (!bad && ax->nvalues)
		bad = param_element(p, o, name, ax->values[0], mm, w) ? 1 : 0;
	return bad ? -EINVAL : 0;
}

/* params = { max_prime = [5000, 10000]; mode = "rndrw"; } */
static int parse_params(struct entry_pass *p, const config_setting_t *m,
			const struct vb_option *o, const char *w)
{
	char got[600];
	int n, bad = 0;

	if (config_setting_type(m) != CONFIG_TYPE_GROUP) {
		describe(m, got, sizeof(got));
		report(p->L, m, "%s: wrong type: expected %s, got %s%s", w,
		       "a group of parameters { name = value; other = [1, 2]; }",
		       got, p->see);
		return -EINVAL;
	}
	list_clear(o, p->e->opts);
	{
		/* Empty, not absent, when the group is. */
		char **empty = vb_xcalloc(1, sizeof(char *));

		memcpy((char *)p->e->opts + o->offset, &empty, sizeof(empty));
	}
	n = config_setting_length(m);
	for (int i = 0; i < n; i++)
		if (param_member(p, o, config_setting_get_elem(m, (unsigned)i), w))
			bad = 1;
	return bad ? -EINVAL : 0;
}

/* VB_OPTF_FILES: every element a host path that is there now. */
static int check_files(struct entry_pass *p, const struct vb_option *o,
		       const config_setting_t *m, const char *w)
{
	char *const *list = *(char *const *const *)(const void *)
				    ((const char *)p->e->opts + o->offset);
	int bad = 0;

	for (size_t i = 0; list && list[i]; i++) {
		const config_setting_t *at = config_setting_is_aggregate(m)
			? config_setting_get_elem(m, (unsigned)i) : m;
		struct stat st;

		if (list[i][0] != '/') {
			report(p->L, at, "%s[%zu]: '%s' is not an absolute path; give the host path, e.g. \"/usr/bin/sysbench\"%s",
			       w, i, list[i], p->see);
			bad = 1;
		} else if (stat(list[i], &st) != 0) {
			report(p->L, at, "%s[%zu]: %s: %s on this host; it is carried from here into containers and VMs%s",
			       w, i, list[i], strerror(errno), p->see);
			bad = 1;
		}
	}
	return bad ? -EINVAL : 0;
}

/* One member of the entry other than plugin and name. */
static void entry_option(struct entry_pass *p, const config_setting_t *m)
{
	const char *key = config_setting_name(m);
	const struct vb_option *o;
	char w[300];
	int rc;

	snprintf(w, sizeof(w), "%s: %s", p->where, key);
	if (p->br && (o = vb_option_find(backend_reserved, key))) {
		if (set_from_setting(p->L, o, p->br, m, w, ""))
			p->e->ok = false;
		return;
	}
	if (!p->info)
		return; /* unknown plugin: its options can't be judged */
	if (!(o = vb_option_find(p->info->options, key))) {
		unknown_option(p, m, w, key);
		p->e->ok = false;
		return;
	}
	p->seen[option_index(p->info, o)] = true;
	if (o->flags & VB_OPTF_PARAMS) {
		rc = parse_params(p, m, o, w);
	} else if (config_setting_type(m) == CONFIG_TYPE_GROUP &&
		   (o->flags & VB_OPTF_RECORDS)) {
		/* One record: a list of one. */
		list_clear(o, p->e->opts);
		rc = set_list_element(p->L, o, p->e->opts, m, w, p->see);
	} else if (config_setting_is_aggregate(m) &&
		   config_setting_type(m) != CONFIG_TYPE_GROUP) {
		rc = entry_aggregate(p, m, o, w);
	} else {
		/* One string for a list option: a list of one. */
		if (o->type == VB_OPT_LIST)
			list_clear(o, p->e->opts);
		rc = set_from_setting(p->L, o, p->e->opts, m, w, p->see);
	}
	if (!rc && (o->flags & VB_OPTF_FILES))
		rc = check_files(p, o, m, w);
	if (rc)
		p->e->ok = false;
}

static void entry_required(struct entry_pass *p)
{
	const struct vb_option *tab = p->info->options;

	for (size_t i = 0; tab && tab[i].name; i++) {
		if (tab[i].required && !p->seen[i]) {
			report(p->L, p->s,
			       "%s: %s: missing required option; add %s = ...;%s",
			       p->where, tab[i].name, tab[i].name, p->see);
			p->e->ok = false;
		}
	}
}

static void parse_entry(struct ld *L, const config_setting_t *s,
			enum vb_plugin_kind kind, const char *list, int index,
			struct entry *e, struct bres *br)
{
	struct entry_pass p = { .L = L, .s = s, .kind = kind, .e = e,
				.br = br };
	char got[600];
	int n;

	e->line = line_of(s);
	e->ok = true;
	snprintf(p.where, sizeof(p.where), "%s[%d]", list, index);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		describe(s, got, sizeof(got));
		report(L, s,
		       "%s: wrong type: expected a group { plugin = \"NAME\"; ... }, got %s",
		       p.where, got);
		e->ok = false;
		return;
	}
	entry_plugin(&p, list, index);
	if (e->plugin)
		entry_block(&p);
	entry_label(&p);
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);

		if (strcmp(config_setting_name(m), "plugin") &&
		    strcmp(config_setting_name(m), "name"))
			entry_option(&p, m);
	}
	if (p.info)
		entry_required(&p);
	free(p.seen);
	if (e->ok && p.info && kind == VB_PLUGIN_BACKEND)
		validate_backend(L, e, s, p.where);
	else if (e->ok && p.info)
		validate_workload(L, e, s, p.where);
}

/* The list `key`, or NULL when it is absent or not a list (reported). */
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

/* ------------------------------------------------------------------ */
/* The lists of entries: backends and workloads, one shape              */
/* ------------------------------------------------------------------ */

struct plugin_list {
	enum vb_plugin_kind kind;
	const char *key, *example;
};

static const struct plugin_list backends_list = {
	VB_PLUGIN_BACKEND, "backends", "{ plugin = \"bare-metal\"; }",
};
static const struct plugin_list workloads_list = {
	VB_PLUGIN_WORKLOAD, "workloads", "{ plugin = \"cpu-prime\"; }",
};

/* Label and line of entry j of the list. */
static const char *entry_at(const struct vb_experiment *ex,
			    enum vb_plugin_kind kind, size_t j, int *line)
{
	if (kind == VB_PLUGIN_BACKEND) {
		*line = ex->backends[j].line;
		return ex->backends[j].label;
	}
	*line = ex->workloads[j].line;
	return ex->workloads[j].label;
}

/* Entry e (index i) into the experiment; n entries are there before. */
static void store_entry(struct vb_experiment *ex, enum vb_plugin_kind kind,
			const struct entry *e, const struct bres *br)
{
	if (kind == VB_PLUGIN_BACKEND) {
		ex->backends[ex->nbackends++] = (struct vb_backend_entry){
			.label = e->label, .plugin = e->plugin, .opts = e->opts,
			.verify = (enum vb_verify_mode)br->verify,
			.retries = (int)br->retries, .line = e->line,
		};
		return;
	}
	ex->workloads[ex->nworkloads++] = (struct vb_workload_entry){
		.label = e->label, .plugin = e->plugin, .opts = e->opts,
		.naxes = e->naxes, .axes = e->axes, .line = e->line,
		.desc = e->desc,
	};
}

static void check_duplicate(struct ld *L, const config_setting_t *es,
			    const struct plugin_list *k, size_t i)
{
	int line;
	const char *label = entry_at(L->ex, k->kind, i, &line);

	for (size_t j = 0; label && j < i; j++) {
		int jline;
		const char *other = entry_at(L->ex, k->kind, j, &jline);

		if (other && !strcmp(other, label))
			report(L, es,
			       "%s[%zu]: duplicate %s label '%s' (%s[%zu] at line %d has it too); give one of them a different name = \"...\";",
			       k->key, i, vb_kind_name(k->kind), label, k->key,
			       j, jline);
	}
}

static void parse_plugins(struct ld *L, const config_setting_t *root,
			  const struct plugin_list *k)
{
	const config_setting_t *s = want_list(L, root, k->key, true, k->example);
	struct vb_experiment *ex = L->ex;
	int n;

	if (!s)
		return;
	n = config_setting_length(s);
	if (k->kind == VB_PLUGIN_BACKEND)
		ex->backends = vb_xcalloc((size_t)n, sizeof(*ex->backends));
	else
		ex->workloads = vb_xcalloc((size_t)n, sizeof(*ex->workloads));
	for (int i = 0; i < n; i++) {
		const config_setting_t *es = config_setting_get_elem(s, (unsigned)i);
		struct bres br = { .verify = (int)ex->verify, .retries = 1 };
		struct entry e = { 0 };

		parse_entry(L, es, k->kind, k->key, i, &e,
			    k->kind == VB_PLUGIN_BACKEND ? &br : NULL);
		store_entry(ex, k->kind, &e, &br);
		check_duplicate(L, es, k, (size_t)i);
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

int64_t vb_host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (int64_t)pages * size : INT64_MAX;
}

/* No backend grants more memory than the host has: a VM would not boot,
 * a container or a cgroup would swap, and bare metal would verify `ok`
 * against a limit that never applies. Refused before anything starts. */
static void check_memory(struct ld *L, const config_setting_t *ms,
			 const char *w, int64_t memory)
{
	int64_t host = vb_host_memory();
	char want[32];

	if (memory <= host)
		return;
	vb_format_size(memory, want, sizeof(want));
	report(L, ms,
	       "%s: %s is more than this host's memory (%.1fG); no backend can grant it; ask for less",
	       w, want, (double)host / (1 << 30));
}

/* One member of a config entry. */
static void config_key(struct ld *L, const config_setting_t *ms,
		       const char *where, struct cfg_entry *ce, bool *seen)
{
	static const char *const keys[] = { "name", "cpus", "memory", NULL };
	const char *key = config_setting_name(ms);
	const struct vb_option *o = vb_option_find(config_opts, key);
	char w[128], dym[200];

	snprintf(w, sizeof(w), "%s: %s", where, key);
	if (!o) {
		report(L, ms,
		       "%s: unknown key%s (a config has name, cpus and memory)",
		       w, did_you_mean(key, keys, dym, sizeof(dym)));
		return;
	}
	seen[o - config_opts] = true;
	if (set_from_setting(L, o, ce, ms, w, ""))
		return;
	if (o->offset == offsetof(struct cfg_entry, name))
		check_label(L, ms, w, ce->name);
	else if (o->offset == offsetof(struct cfg_entry, memory))
		check_memory(L, ms, w, ce->memory);
}

static void parse_config(struct ld *L, const config_setting_t *es, int i,
			 struct vb_config_entry *c)
{
	struct vb_experiment *ex = L->ex;
	struct cfg_entry ce = { 0 };
	bool seen[3] = { false, false, false };
	char where[64], got[600];
	int m;

	c->line = line_of(es);
	snprintf(where, sizeof(where), "configs[%d]", i);
	if (config_setting_type(es) != CONFIG_TYPE_GROUP) {
		describe(es, got, sizeof(got));
		report(L, es,
		       "%s: wrong type: expected a group { name = \"...\"; cpus = N; memory = \"SIZE\"; }, got %s",
		       where, got);
		return;
	}
	m = config_setting_length(es);
	for (int k = 0; k < m; k++)
		config_key(L, config_setting_get_elem(es, (unsigned)k), where, &ce,
			   seen);
	for (int k = 0; k < 3; k++)
		if (!seen[k])
			report(L, es,
			       "%s: %s: missing required key; a config needs name, cpus and memory, e.g. { name = \"1cpu-2g\"; cpus = 1; memory = \"2G\"; }",
			       where, config_opts[k].name);
	c->name = ce.name;
	c->cpus = (int)ce.cpus;
	c->memory = ce.memory;
	for (int j = 0; c->name && j < i; j++)
		if (ex->configs[j].name && !strcmp(ex->configs[j].name, c->name))
			report(L, es,
			       "%s: duplicate config name '%s' (configs[%d] at line %d has it too); rename one of them",
			       where, c->name, j, ex->configs[j].line);
}

static void parse_configs(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(
		L, root, "configs", true,
		"{ name = \"1cpu-2g\"; cpus = 1; memory = \"2G\"; }");
	struct vb_experiment *ex = L->ex;
	int n;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->configs = vb_xcalloc((size_t)n, sizeof(*ex->configs));
	for (int i = 0; i < n; i++)
		parse_config(L, config_setting_get_elem(s, (unsigned)i), i,
			     &ex->configs[ex->nconfigs++]);
}

/* ------------------------------------------------------------------ */
/* Exclude filters                                                      */
/* ------------------------------------------------------------------ */

static const char *label_kind_list(struct ld *L, const char *key,
				   struct vb_strv *nm)
{
	const struct vb_experiment *ex = L->ex;
	size_t i;

	if (!strcmp(key, "backend")) {
		for (i = 0; i < ex->nbackends; i++)
			if (ex->backends[i].label)
				vb_strv_add(nm, ex->backends[i].label);
		return "backend label";
	}
	if (!strcmp(key, "config")) {
		for (i = 0; i < ex->nconfigs; i++)
			if (ex->configs[i].name)
				vb_strv_add(nm, ex->configs[i].name);
		return "config name";
	}
	for (i = 0; i < ex->nworkloads; i++)
		if (ex->workloads[i].label)
			vb_strv_add(nm, ex->workloads[i].label);
	return "workload label";
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

/* A filter's `workload` key narrows which plugin's table its option keys
 * are read with. */
static const struct vb_workload_entry *
filter_workload(struct ld *L, const config_setting_t *es)
{
	const config_setting_t *ms = config_setting_get_member(es, "workload");
	const struct vb_workload_entry *fw = NULL;

	if (!ms || config_setting_type(ms) != CONFIG_TYPE_STRING)
		return NULL;
	for (size_t j = 0; j < L->ex->nworkloads; j++)
		if (L->ex->workloads[j].label &&
		    !strcmp(L->ex->workloads[j].label,
			    config_setting_get_string(ms)))
			fw = &L->ex->workloads[j];
	return fw;
}

/* backend = "...", config = "..." or workload = "...": a known label. */
static char *filter_label(struct ld *L, const config_setting_t *ms,
			  const char *key, const char *w)
{
	struct vb_strv nm = VB_STRV_INIT;
	const char *what = label_kind_list(L, key, &nm), *v;
	char got[600], dym[200], *value = NULL;

	if (config_setting_type(ms) != CONFIG_TYPE_STRING) {
		describe(ms, got, sizeof(got));
		report(L, ms, "%s: wrong type: expected a %s in double quotes, got %s",
		       w, what, got);
	} else if (in_names(&nm, (v = config_setting_get_string(ms)))) {
		value = vb_xstrdup(v);
	} else if (!(!strcmp(key, "backend") && backend_cascade(L, v)) &&
		   !(!strcmp(key, "workload") && workload_unresolved(L))) {
		report(L, ms, "%s: unknown %s '%s'%s (it must name an entry of `%ss`)",
		       w, what, v, did_you_mean(v, names_get(&nm), dym, sizeof(dym)),
		       key);
	}
	vb_strv_free(&nm);
	return value;
}

/* The option `key` of the filter's workload, or of the first workload
 * that has one; *ow is that workload. */
static const struct vb_option *
filter_option(struct ld *L, const char *key,
	      const struct vb_workload_entry *fw,
	      const struct vb_workload_entry **ow)
{
	for (size_t j = 0; j < L->ex->nworkloads; j++) {
		const struct vb_workload_entry *cw = fw ? fw : &L->ex->workloads[j];
		const struct vb_option *o =
			cw->plugin ? vb_option_find(cw->plugin->info->options, key)
				   : NULL;

		if (o) {
			*ow = cw;
			return o;
		}
		if (fw)
			break;
	}
	return NULL;
}

/* Some workload (the filter's, if it names one) has parameter `key`. */
static bool filter_param(struct ld *L, const char *key,
			 const struct vb_workload_entry *fw)
{
	for (size_t j = 0; j < L->ex->nworkloads; j++) {
		const struct vb_workload_entry *cw = fw ? fw : &L->ex->workloads[j];

		if (cw->plugin && vb_workload_param(cw, key, NULL))
			return true;
		if (fw)
			break;
	}
	return false;
}

/* A parameter's value in a filter: its text, as params store it. */
static char *param_filter_value(struct ld *L, const config_setting_t *ms,
				const char *w)
{
	char text[512], got[600];

	if (!is_scalar(ms)) {
		describe(ms, got, sizeof(got));
		report(L, ms,
		       "%s: wrong type: expected one value, got %s; a filter matches single values, so write one filter per value",
		       w, got);
		return NULL;
	}
	if (config_setting_type(ms) == CONFIG_TYPE_STRING)
		return vb_xstrdup(config_setting_get_string(ms));
	scalar_text(ms, text, sizeof(text));
	return vb_xstrdup(text);
}

static void unknown_filter_key(struct ld *L, const config_setting_t *ms,
			       const char *key, const char *w, bool narrowed)
{
	struct vb_strv nm = VB_STRV_INIT;
	char dym[200];

	vb_strv_add(&nm, "backend");
	vb_strv_add(&nm, "config");
	vb_strv_add(&nm, "workload");
	for (size_t j = 0; j < L->ex->nworkloads; j++) {
		const struct vb_plugin *p = L->ex->workloads[j].plugin;

		for (const struct vb_option *o = p ? p->info->options : NULL;
		     o && o->name; o++)
			vb_strv_add(&nm, o->name);
		for (size_t a = 0; a < L->ex->workloads[j].naxes; a++)
			if (vb_axis_is_param(&L->ex->workloads[j].axes[a]))
				vb_strv_add(&nm, L->ex->workloads[j].axes[a].name);
	}
	report(L, ms,
	       "%s: unknown filter key%s (a filter key is backend, config, workload, or an option or parameter of %s)",
	       w, did_you_mean(key, names_get(&nm), dym, sizeof(dym)),
	       narrowed ? "that workload" : "one of the workloads");
	vb_strv_free(&nm);
}

/* The canonical value of one key of a filter, NULL when refused. */
static char *filter_key(struct ld *L, const config_setting_t *ms,
			const struct vb_workload_entry *fw, const char *where)
{
	const char *key = config_setting_name(ms);
	const struct vb_workload_entry *ow = NULL;
	const struct vb_option *o;
	char w[200];

	snprintf(w, sizeof(w), "%s: %s", where, key);
	if (!strcmp(key, "backend") || !strcmp(key, "config") ||
	    !strcmp(key, "workload"))
		return filter_label(L, ms, key, w);
	if ((o = filter_option(L, key, fw, &ow)))
		return filter_value(L, ow, o, ms, w);
	if (filter_param(L, key, fw))
		return param_filter_value(L, ms, w);
	if (!workload_unresolved(L))
		unknown_filter_key(L, ms, key, w, fw != NULL);
	return NULL;
}

static void parse_filter(struct ld *L, const config_setting_t *es, int i,
			 struct vb_filter *f)
{
	const struct vb_workload_entry *fw;
	char where[64], got[600];
	int m;

	f->line = line_of(es);
	snprintf(where, sizeof(where), "exclude[%d]", i);
	if (config_setting_type(es) != CONFIG_TYPE_GROUP) {
		describe(es, got, sizeof(got));
		report(L, es,
		       "%s: wrong type: expected a group { backend = \"...\"; config = \"...\"; }, got %s",
		       where, got);
		return;
	}
	if ((m = config_setting_length(es)) == 0) {
		report(L, es,
		       "%s: empty filter would drop every cell; give at least one of backend, config, workload or a workload option",
		       where);
		return;
	}
	f->keys = vb_xcalloc((size_t)m, sizeof(*f->keys));
	f->values = vb_xcalloc((size_t)m, sizeof(*f->values));
	fw = filter_workload(L, es);
	for (int k = 0; k < m; k++) {
		const config_setting_t *ms = config_setting_get_elem(es, (unsigned)k);
		char *value = filter_key(L, ms, fw, where);

		if (value) {
			f->keys[f->n] = vb_xstrdup(config_setting_name(ms));
			f->values[f->n++] = value;
		}
	}
}

static void parse_excludes(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *s = want_list(
		L, root, "exclude", false,
		"{ backend = \"qemu\"; config = \"1cpu-2g\"; }");
	struct vb_experiment *ex = L->ex;
	int n;

	if (!s)
		return;
	n = config_setting_length(s);
	ex->excludes = vb_xcalloc((size_t)n + 1, sizeof(*ex->excludes));
	for (int i = 0; i < n; i++)
		parse_filter(L, config_setting_get_elem(s, (unsigned)i), i,
			     &ex->excludes[ex->nexcludes++]);
}

/* ------------------------------------------------------------------ */
/* Thresholds                                                           */
/* ------------------------------------------------------------------ */

static void metric_names(struct ld *L, struct vb_strv *nm)
{
	const struct vb_experiment *ex = L->ex;
	const struct vb_metric *mt;
	size_t i;

	vb_strv_add(nm, "host_time");
	vb_strv_add(nm, "page_cache_dropped");
	/* The instance's table (exec's are the user's); the plugin's when
	 * the entry was refused before it could be described. */
	for (i = 0; i < ex->nworkloads; i++)
		for (mt = ex->workloads[i].desc.metrics ? ex->workloads[i].desc.metrics
			  : ex->workloads[i].plugin ? ex->workloads[i].plugin->info->metrics
			  : NULL;
		     mt && mt->name; mt++)
			vb_strv_add(nm, mt->name);
}

/* An entry refused before it was described: its metrics are unknown. */
static bool workload_undescribed(struct ld *L)
{
	for (size_t i = 0; i < L->ex->nworkloads; i++)
		if (!L->ex->workloads[i].desc.metrics)
			return true;
	return false;
}

static bool parse_threshold(struct ld *L, const config_setting_t *ts,
			    const char *where, struct vb_threshold *t)
{
	const char *text = config_setting_get_string(ts);
	char err[200], dym[200];
	struct vb_strv bl = VB_STRV_INIT, mn = VB_STRV_INIT;
	bool ok = true;

	/* The syntax is engine/threshold.c's; here the names are checked. */
	if (vb_threshold_parse(text, t, err, sizeof(err)) < 0) {
		report(L, ts, "%s: bad threshold \"%s\": %s", where, text, err);
		return false;
	}
	label_kind_list(L, "backend", &bl);
	if (!in_names(&bl, t->backend) && !backend_cascade(L, t->backend)) {
		report(L, ts,
		       "%s: unknown backend label '%s' in \"%s\"%s (use a backend's name, or its plugin name when it has none)",
		       where, t->backend, text,
		       did_you_mean(t->backend, names_get(&bl), dym, sizeof(dym)));
		ok = false;
	}
	if (!in_names(&bl, t->baseline) && !backend_cascade(L, t->baseline)) {
		report(L, ts,
		       "%s: unknown backend label '%s' in \"%s\"%s (use a backend's name, or its plugin name when it has none)",
		       where, t->baseline, text,
		       did_you_mean(t->baseline, names_get(&bl), dym, sizeof(dym)));
		ok = false;
	}
	metric_names(L, &mn);
	if (!in_names(&mn, t->metric) && !workload_unresolved(L) &&
	    !workload_undescribed(L)) {
		report(L, ts,
		       "%s: unknown metric '%s' in \"%s\"%s (use a metric of one of the workloads; 'virtbench plugins NAME' lists them)",
		       where, t->metric, text,
		       did_you_mean(t->metric, names_get(&mn), dym, sizeof(dym)));
		ok = false;
	}
	vb_strv_free(&bl);
	vb_strv_free(&mn);
	if (!ok) {
		vb_threshold_clear(t);
		return false;
	}
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
	ex->thresholds = vb_xcalloc((size_t)n + 1, sizeof(*ex->thresholds));
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
/* The matrix as a whole                                                */
/* ------------------------------------------------------------------ */

/* Within VB_MATRIX_MAX_CELLS, before anything expands it. */
static void check_size(struct ld *L)
{
	const struct vb_experiment *ex = L->ex;
	size_t n = vb_matrix_size(ex);

	if (n > VB_MATRIX_MAX_CELLS)
		vb_diag_add(L->d, L->file, 0,
			    "the matrix has %zu cells (%zu backends x %zu configs x the workloads' points), more than the %d virtbench runs; use fewer values (docs/experiment-files.md, \"Limits\")",
			    n, ex->nbackends, ex->nconfigs, VB_MATRIX_MAX_CELLS);
}

/*
 * A filter that drops nothing is a typo (a label or a value that is not in
 * the matrix), and filters that drop everything leave nothing to run.
 */
static void check_filters(struct ld *L)
{
	struct vb_experiment *ex = L->ex;
	struct vb_matrix_count c;
	int rc;

	if (!ex->nexcludes)
		return;
	rc = vb_matrix_count(ex, &c);
	if (rc == -EINTR)
		L->interrupted = true;
	for (size_t i = 0; rc == 0 && i < ex->nexcludes; i++)
		if (c.matched[i] == 0)
			vb_diag_add(L->d, L->file, ex->excludes[i].line,
				    "exclude[%zu]: matches no cell of the matrix; check its labels and values (option values compare by canonical value, e.g. \"4G\" equals 4294967296) or remove it",
				    i);
	if (rc == 0 && c.cells == 0)
		vb_diag_add(L->d, L->file, ex->excludes[0].line,
			    "exclude: the filters drop every cell of the matrix; nothing would run; loosen them");
	vb_matrix_count_free(&c);
}

/* ------------------------------------------------------------------ */
/* Top-level keys                                                       */
/* ------------------------------------------------------------------ */

static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".cfg"))
		n -= 4;
	return vb_xstrndup(base, n);
}

/*
 * A group of keys from tab into block (its defaults applied first):
 * unknown keys with a did-you-mean, wrong values, missing required keys,
 * every one reported as "what: key: ..." at its line.
 */
static int parse_group(struct ld *L, const config_setting_t *s,
		       const char *what, const struct vb_option *tab,
		       void *block, const char *keys_help)
{
	struct vb_strv names = VB_STRV_INIT;
	int n = config_setting_length(s), bad = 0;
	char w[128], dym[200], err[512];

	if (vb_opts_defaults(tab, block, err, sizeof(err))) {
		report(L, s, "%s: %s", what, err);
		return -EINVAL;
	}
	for (const struct vb_option *o = tab; o->name; o++)
		vb_strv_add(&names, o->name);
	for (int k = 0; k < n; k++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)k);
		const char *key = config_setting_name(m);
		const struct vb_option *o = vb_option_find(tab, key);

		snprintf(w, sizeof(w), "%s: %s", what, key);
		if (!o) {
			report(L, m, "%s: unknown key%s (%s)", w,
			       did_you_mean(key, names_get(&names), dym,
					    sizeof(dym)), keys_help);
			bad = 1;
		} else if (o->type == VB_OPT_LIST &&
			   config_setting_is_aggregate(m)) {
			bad |= parse_list_value(L, o, block, m, w, "") != 0;
		} else {
			if (o->type == VB_OPT_LIST)
				list_clear(o, block);
			bad |= set_from_setting(L, o, block, m, w, "") != 0;
		}
	}
	for (const struct vb_option *o = tab; o->name; o++)
		if (o->required && !config_setting_get_member(s, o->name)) {
			report(L, s, "%s: missing key '%s' (%s)", what, o->name,
			       keys_help);
			bad = 1;
		}
	vb_strv_free(&names);
	return bad ? -EINVAL : 0;
}

/* repetitions = { min; max; precision; budget; metrics; } */
static void parse_adaptive(struct ld *L, const config_setting_t *s)
{
	static const char help[] =
		"repetitions = { min = 3; max = 20; precision = 0.02; } "
		"also takes budget = \"10m\" and metrics = [\"...\"]";
	struct vb_adaptive *a = &L->ex->adaptive;
	struct reps_group g = { 0 };
	struct vb_strv known = VB_STRV_INIT;
	char dym[200];

	a->line = line_of(s);
	if (parse_group(L, s, "repetitions", reps_opts, &g, help) == 0) {
		if (g.min > g.max)
			report(L, s,
			       "repetitions: min (%lld) is more than max (%lld); "
			       "expected min <= max",
			       (long long)g.min, (long long)g.max);
		a->on = true;
		a->min = (int)g.min;
		a->max = (int)g.max;
		a->precision = g.precision;
		a->budget = g.budget;
		L->ex->repetitions = a->max;
	}
	metric_names(L, &known);
	for (char **m = g.metrics; m && *m; m++)
		if (!workload_unresolved(L) && !in_names(&known, *m))
			report(L, s,
			       "repetitions: metrics: '%s' is not a metric of "
			       "any workload%s ('virtbench plugins WORKLOAD' "
			       "lists them)", *m,
			       did_you_mean(*m, names_get(&known), dym,
					    sizeof(dym)));
	if (g.metrics && g.metrics[0])
		a->metrics = g.metrics;
	else
		free(g.metrics);
	vb_strv_free(&known);
}

/* noise = { action; steal; foreign; } */
static void parse_noise_group(struct ld *L, const config_setting_t *s)
{
	static const char help[] =
		"noise = { action = \"flag\" | \"exclude\"; steal = 0.02; "
		"foreign = 0.1; }";
	struct noise_group g = { 0 };

	if (parse_group(L, s, "noise", noise_opts, &g, help) == 0)
		L->ex->noise = (struct vb_noise_rule){
			.action = (enum vb_noise_action)g.action,
			.steal = g.steal, .foreign = g.foreign,
		};
}

/* The scalars of the top level into top; unknown keys reported. */
static void parse_top(struct ld *L, const config_setting_t *root,
		      struct top *top)
{
	int n = config_setting_length(root);
	char dym[200];

	for (int k = 0; k < n; k++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)k);
		const char *key = config_setting_name(s);
		const struct vb_option *o = vb_option_find(top_opts, key);
		size_t j;

		for (j = 0; top_keys[j] && strcmp(top_keys[j], key); j++)
			;
		if (!top_keys[j]) {
			report(L, s, "%s: unknown key%s (see docs/experiment-files.md for the keys of an experiment)",
			       key, did_you_mean(key, top_keys, dym, sizeof(dym)));
			continue;
		}
		/* Two keys also take a group: parsed after the entries,
		 * whose metrics they name (parse_groups). */
		if (config_setting_type(s) == CONFIG_TYPE_GROUP &&
		    (!strcmp(key, "repetitions") || !strcmp(key, "noise")))
			continue;
		if (o)
			set_from_setting(L, o, top, s, key, "");
	}
}

static void parse_groups(struct ld *L, const config_setting_t *root)
{
	const config_setting_t *r = config_setting_get_member(root, "repetitions");
	const config_setting_t *n = config_setting_get_member(root, "noise");

	if (r && config_setting_type(r) == CONFIG_TYPE_GROUP)
		parse_adaptive(L, r);
	if (n && config_setting_type(n) == CONFIG_TYPE_GROUP)
		parse_noise_group(L, n);
}

/*
 * order: interleaved by default where a baseline is compared with
 * another backend, so host drift falls on both sides of every ratio alike
 * (docs/experiment-files.md, "Order"); else sequential, which opens each
 * environment once.
 */
static void resolve_order(struct ld *L, const config_setting_t *root)
{
	struct vb_experiment *ex = L->ex;

	ex->order_default = config_setting_get_member(root, "order") == NULL;
	if (ex->order_default)
		ex->order = ex->baseline && ex->nbackends > 1
				    ? VB_ORDER_INTERLEAVED
				    : VB_ORDER_SEQUENTIAL;
}

static void set_top(struct ld *L, const config_setting_t *root,
		    const struct top *top)
{
	struct vb_experiment *ex = L->ex;

	ex->name = top->name && *top->name ? vb_xstrdup(top->name)
					   : default_name(L->file);
	if (top->name && *top->name)
		check_label(L, config_setting_get_member(root, "name"), "name",
			    ex->name);
	else if (!label_ok(ex->name))
		vb_diag_add(L->d, L->file, 0,
			    "name: the file name gives the experiment name '%s', which is not usable (letters, digits, '.', '_' or '-' only); add name = \"...\"; or rename the file",
			    ex->name);
	ex->repetitions = (int)top->repetitions;
	ex->warmup = (int)top->warmup;
	ex->order = (enum vb_order)top->order;
	ex->seed = (uint64_t)top->seed;
	ex->seed_given = config_setting_get_member(root, "seed") != NULL;
	ex->timeout = top->timeout;
	ex->verify = (enum vb_verify_mode)top->verify;
	ex->shard_by = (enum vb_shard_by)top->shard_by;
	ex->noise = (struct vb_noise_rule){
		.action = (enum vb_noise_action)top->noise,
		.steal = VB_NOISE_STEAL_DEFAULT,
		.foreign = VB_NOISE_FOREIGN_DEFAULT,
	};
}

/* `baseline`: a backend label; "bare-metal" when there is one. */
static void parse_baseline(struct ld *L, const config_setting_t *root,
			   const char *baseline)
{
	const config_setting_t *bs = config_setting_get_member(root, "baseline");
	struct vb_experiment *ex = L->ex;
	struct vb_strv bl = VB_STRV_INIT;
	char dym[200];

	if (baseline && *baseline) {
		label_kind_list(L, "backend", &bl);
		if (!in_names(&bl, baseline) && !backend_cascade(L, baseline))
			report(L, bs,
			       "baseline: unknown backend label '%s'%s (use a backend's name, or its plugin name when it has none)",
			       baseline,
			       did_you_mean(baseline, names_get(&bl), dym, sizeof(dym)));
		else
			ex->baseline = vb_xstrdup(baseline);
		vb_strv_free(&bl);
	} else if (bs) {
		report(L, bs,
		       "baseline: expected a backend label, got an empty string; remove the key or name a backend");
	} else {
		for (size_t i = 0; i < ex->nbackends && !ex->baseline; i++)
			if (ex->backends[i].label &&
			    !strcmp(ex->backends[i].label, "bare-metal"))
				ex->baseline = vb_xstrdup("bare-metal");
	}
}

/* The parsed tree into L->ex. */
static void parse_tree(struct ld *L, const config_setting_t *root)
{
	size_t before = L->d->count;
	struct top top = { 0 };
	char err[512];

	if (vb_opts_defaults(top_opts, &top, err, sizeof(err))) {
		vb_diag_add(L->d, L->file, 0, "%s", err);
		return;
	}
	top.verify = VB_VERIFY_STRICT;
	parse_top(L, root, &top);
	set_top(L, root, &top);
	parse_plugins(L, root, &backends_list);
	parse_configs(L, root);
	parse_plugins(L, root, &workloads_list);
	parse_excludes(L, root);
	parse_thresholds(L, root);
	parse_slurm(L, root);
	parse_baseline(L, root, top.baseline);
	parse_groups(L, root);
	resolve_order(L, root);
	if (L->d->count == before)
		check_size(L);
	if (L->d->count == before && !L->interrupted)
		check_filters(L);
	vb_opts_free(top_opts, &top);
}

static void syntax_error(struct ld *L, const config_t *cfg)
{
	const char *file = config_error_file(cfg);

	vb_diag_add(L->d, file ? vb_exptext_path(L->src, file) : L->file,
		    config_error_line(cfg),
		    "%s%s; check this line and the one before it (a missing ';' or quote shows up here)",
		    strcmp(config_error_text(cfg), "syntax error") ? "syntax error: " : "",
		    config_error_text(cfg));
}

int vb_experiment_load(const char *path, const struct vb_registry *reg,
		       struct vb_experiment **out, struct vb_diag *diag)
{
	struct vb_exptext src;
	struct ld L = { .file = path, .d = diag, .reg = reg, .src = &src };
	size_t before = diag->count;
	config_t cfg;
	int rc;

	*out = NULL;
	if ((rc = vb_exptext_load(path, &src, diag)) < 0) {
		vb_exptext_free(&src);
		return rc;
	}
	L.ex = vb_xcalloc(1, sizeof(*L.ex));
	L.ex->path = vb_xstrdup(path);
	config_init(&cfg);
	config_set_auto_convert(&cfg, CONFIG_TRUE);
	if (src.incdir[0])
		config_set_include_dir(&cfg, src.incdir);
	/* From memory: linear, where reading the file is not (exptext.c). */
	if (!config_read_string(&cfg, src.text))
		syntax_error(&L, &cfg);
	else
		parse_tree(&L, config_root_setting(&cfg));
	config_destroy(&cfg);
	vb_exptext_free(&src);
	rc = L.interrupted ? -EINTR : diag->count > before ? -EINVAL : 0;
	if (rc < 0) {
		vb_experiment_free(L.ex);
		return rc;
	}
	*out = L.ex;
	return 0;
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
		vb_wl_desc_free(&ex->workloads[i].desc);
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
	for (i = 0; ex->thresholds && i < ex->nthresholds; i++)
		vb_threshold_clear(&ex->thresholds[i]);
	free(ex->thresholds);
	vb_opts_free(slurm_opts, &ex->slurm);
	for (char **m = ex->adaptive.metrics; m && *m; m++)
		free(*m);
	free(ex->adaptive.metrics);
	free(ex->baseline);
	free(ex->name);
	free(ex->path);
	free(ex);
}
