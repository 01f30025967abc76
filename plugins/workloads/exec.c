/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * exec: any program as a workload (docs/workloads.md, "exec").
 *
 * The agent runs the user's command inside the environment, argv as given
 * (a shell only with shell = true), in its own process group with stdin
 * from /dev/null, and measures wall_time around it. stdout and stderr are
 * captured (never passed to the agent's stdout, which carries the
 * protocol): up to output_limit bytes each from the start, plus the last
 * EX_TAIL bytes, so a summary printed at the end survives a chatty
 * program. The metrics the user declares are then read from that text by
 * a POSIX extended regex (first capture group) or an RFC 6901 JSON
 * pointer. A metric that cannot be read fails the repetition, with the
 * last lines of output in the cell's log: nothing is ever recorded as 0
 * for lack of output.
 *
 * Programs listed in `files` are carried into containers and VMs by the
 * engine with the agent bundle (under files/, at their host paths, their
 * shared libraries in the bundle's lib/). A carried ELF program is started
 * through the bundle's own loader, as the agent is, so it runs in an image
 * without a libc (the default busybox image, the micro-VM). The bundle is
 * found from where this module was loaded: BUNDLE/plugins/exec.so.
 *
 * Placeholders: "{name}" inside any element of command, prepare, cleanup,
 * env and workdir is replaced by parameter `name` (params), or by the
 * built-ins {files} (root of the carried files, "" on the host) and
 * {workdir}. "{{" is a literal "{"; any other '{' is literal too.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "virtbench/plugin.h"

/* Bytes kept from the end of a stream once output_limit is reached. */
#define EX_TAIL (64 * 1024)
/* Lines of each stream copied into the cell's log when a run fails. */
#define EX_LOG_LINES 20
/* How long the pipes may stay open after the command itself ended (a
 * background child holding them) before the group is killed. */
#define EX_DRAIN_NS 1000000000ull
/* SIGTERM to SIGKILL on interrupt, as vb_proc_run() does. */
#define EX_GRACE_NS 10000000000ull
#define EX_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define EX_WORKDIR "virtbench-exec"
#define EX_WRAPDIR "virtbench-exec-bin"

extern char **environ;

struct ex_opts {
	char **command;
	bool shell;
	char **prepare;
	char **cleanup;
	bool drop_caches;
	char **env;
	char *workdir;
	double timeout;
	char **files;
	char **params;
	char **metrics;
	char **ok_exit;
	int64_t output_limit;
	int64_t scratch_size;
};

enum { EX_STDOUT = 0, EX_STDERR = 1 };

struct ex_metric {
	char *name, *unit, *help;
	enum vb_better better;
	bool primary;
	char *regex;          /* NULL when json is used */
	regex_t re;
	bool re_ok;
	char *json;           /* RFC 6901 pointer, NULL when regex is used */
	double scale;
	int stream;           /* EX_STDOUT / EX_STDERR */
};

/* What the options say, parsed and checked once per hook call (no state
 * survives a hook: prepare, run and cleanup may be separate agents). */
struct ex_spec {
	struct ex_metric *m;
	size_t nm;
	char **pname, **pvalue;
	size_t np;
	int ok[256];
	size_t nok;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

/* A growable string; plugins do not link lib/util. */
struct ex_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void ex_buf_addn(struct ex_buf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *g;

		while (cap < b->len + n + 1)
			cap *= 2;
		g = realloc(b->s, cap);
		if (!g) {
			b->oom = true;
			return;
		}
		b->s = g;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void ex_buf_add(struct ex_buf *b, const char *s)
{
	ex_buf_addn(b, s, strlen(s));
}

/* The string (caller frees), NULL after an allocation failure. */
static char *ex_buf_take(struct ex_buf *b)
{
	char *s;

	if (b->oom) {
		free(b->s);
		return NULL;
	}
	s = b->s ? b->s : strdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

static size_t ex_count(char *const *list)
{
	size_t n = 0;

	while (list && list[n])
		n++;
	return n;
}

static void ex_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static bool ex_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

/* Optimal string alignment distance, for "did you mean". */
static size_t ex_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[65][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + (a[i - 1] != b[j - 1]) < best)
				best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* ------------------------------------------------------------------ */
/* Metrics, parameters, exit statuses                                   */
/* ------------------------------------------------------------------ */

static const char *const ex_metric_keys[] = {
	"name", "unit", "better", "regex", "json", "scale", "stream",
	"primary", "help", NULL,
};

/* Names the engine or this plugin report themselves. */
static const char *const ex_reserved_metrics[] = {
	"wall_time", "host_time", "page_cache_dropped", NULL,
};

/* Built-in placeholders, beside the parameters. */
static const char *const ex_builtins[] = { "files", "workdir", NULL };

static void ex_metric_free(struct ex_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->help);
	free(m->regex);
	free(m->json);
	if (m->re_ok)
		regfree(&m->re);
	memset(m, 0, sizeof(*m));
}

static void ex_spec_free(struct ex_spec *s)
{
	for (size_t i = 0; i < s->nm; i++)
		ex_metric_free(&s->m[i]);
	free(s->m);
	for (size_t i = 0; i < s->np; i++) {
		free(s->pname[i]);
		free(s->pvalue[i]);
	}
	free(s->pname);
	free(s->pvalue);
	memset(s, 0, sizeof(*s));
}

/* RFC 6901: "" (the whole document) or ("/" reference-token)*, where a
 * token's '~' is only ever followed by '0' or '1'. */
static bool ex_pointer_ok(const char *p, char *why, size_t n)
{
	if (*p && *p != '/') {
		snprintf(why, n, "must be \"\" or start with '/', e.g. "
			 "\"/jobs/0/read/iops\"");
		return false;
	}
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			snprintf(why, n, "'~' must be followed by 0 ('~') or 1 "
				 "('/') (RFC 6901)");
			return false;
		}
	return true;
}

static const char *ex_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

static int ex_metric_string(json_t *obj, const char *key, char **out,
			    char *why, size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v)) {
		snprintf(why, n, "%s: expected a string in double quotes, got %s",
			 key, ex_json_type(v));
		return -EINVAL;
	}
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

/*
 * One element of `metrics`: a JSON object, which is how the engine passes
 * a group { name = ...; ... } of the experiment file (and how one may
 * write it by hand). Fills m; on error writes the reason (without the
 * element's index) to why.
 */
static int ex_metric_parse(const char *text, struct ex_metric *m, char *why,
			   size_t n)
{
	json_error_t jerr;
	json_t *obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *v;
	const char *key;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->scale = 1;
	m->primary = true;
	if (!obj || !json_is_object(obj)) {
		snprintf(why, n, "expected a group { name = \"...\"; unit = "
			 "\"...\"; better = \"higher\"; regex = \"...\"; }%s%s",
			 obj ? "" : ": ", obj ? "" : jerr.text);
		json_decref(obj);
		return -EINVAL;
	}
	json_object_foreach(obj, key, v) {
		const char *near = NULL;
		size_t best = 3;

		for (size_t i = 0; ex_metric_keys[i]; i++)
			if (!strcmp(key, ex_metric_keys[i]))
				goto known;
		for (size_t i = 0; ex_metric_keys[i]; i++) {
			size_t d = ex_distance(key, ex_metric_keys[i]);

			if (d < best && d < strlen(key)) {
				best = d;
				near = ex_metric_keys[i];
			}
		}
		snprintf(why, n, "%s: unknown key%s%s%s; a metric has name, "
			 "unit, better, regex or json, and optionally scale, "
			 "stream, primary, help", key,
			 near ? " (did you mean '" : "", near ? near : "",
			 near ? "'?)" : "");
		json_decref(obj);
		return -EINVAL;
known:;
	}
	if (!rc)
		rc = ex_metric_string(obj, "name", &m->name, why, n);
	if (!rc)
		rc = ex_metric_string(obj, "unit", &m->unit, why, n);
	if (!rc)
		rc = ex_metric_string(obj, "help", &m->help, why, n);
	if (!rc)
		rc = ex_metric_string(obj, "regex", &m->regex, why, n);
	if (!rc)
		rc = ex_metric_string(obj, "json", &m->json, why, n);
	if (rc)
		goto out;
	rc = -EINVAL;
	if (!m->name) {
		snprintf(why, n, "name: missing; add name = \"my_metric\";");
		goto out;
	}
	if (!ex_name_ok(m->name)) {
		snprintf(why, n, "name: '%s' is not a metric name: 1 to 63 of "
			 "a-z, 0-9 and '_', starting with a letter", m->name);
		goto out;
	}
	for (size_t i = 0; ex_reserved_metrics[i]; i++)
		if (!strcmp(m->name, ex_reserved_metrics[i])) {
			snprintf(why, n, "name: '%s' is reported by virtbench "
				 "itself; choose another name", m->name);
			goto out;
		}
	if (!m->unit && !(m->unit = strdup(""))) {
		rc = -ENOMEM;
		goto out;
	}
	for (const char *u = m->unit; *u; u++)
		if (*u == ',' || *u == ';' || *u == '"' ||
		    iscntrl((unsigned char)*u)) {
			snprintf(why, n, "unit: '%s': no commas, semicolons, "
				 "quotes or control characters, e.g. \"s\", "
				 "\"ms\", \"1/s\", \"MiB/s\"", m->unit);
			goto out;
		}
	v = json_object_get(obj, "better");
	if (!v) {
		snprintf(why, n, "better: missing; add better = \"higher\"; or "
			 "\"lower\" (or \"neutral\": summarized, never charted)");
		goto out;
	}
	if (!json_is_string(v) ||
	    (strcmp(json_string_value(v), "higher") &&
	     strcmp(json_string_value(v), "lower") &&
	     strcmp(json_string_value(v), "neutral"))) {
		snprintf(why, n, "better: expected \"higher\", \"lower\" or "
			 "\"neutral\", got %s%s%s",
			 json_is_string(v) ? "'" : ex_json_type(v),
			 json_is_string(v) ? json_string_value(v) : "",
			 json_is_string(v) ? "'" : "");
		goto out;
	}
	m->better = !strcmp(json_string_value(v), "higher") ? VB_HIGHER_IS_BETTER
		  : !strcmp(json_string_value(v), "lower") ? VB_LOWER_IS_BETTER
		  : VB_NEUTRAL;
	v = json_object_get(obj, "scale");
	if (v) {
		if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
		    json_number_value(v) == 0) {
			snprintf(why, n, "scale: expected a non-zero number "
				 "(e.g. 0.001 for ms -> s), got %s",
				 json_is_number(v) ? "0" : ex_json_type(v));
			goto out;
		}
		m->scale = json_number_value(v);
	}
	v = json_object_get(obj, "primary");
	if (v) {
		if (!json_is_boolean(v)) {
			snprintf(why, n, "primary: expected true or false, got %s",
				 ex_json_type(v));
			goto out;
		}
		m->primary = json_is_true(v);
	}
	v = json_object_get(obj, "stream");
	if (v) {
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "stdout") &&
		     strcmp(json_string_value(v), "stderr"))) {
			snprintf(why, n, "stream: expected \"stdout\" or "
				 "\"stderr\"");
			goto out;
		}
		m->stream = strcmp(json_string_value(v), "stdout") ? EX_STDERR
								   : EX_STDOUT;
	}
	if (!m->regex == !m->json) {
		snprintf(why, n, "%s: give exactly one of regex = \"...\" "
			 "(a POSIX extended regex, the number in its first "
			 "group) or json = \"/pointer\" (RFC 6901)",
			 m->regex ? "regex and json" : "regex or json");
		goto out;
	}
	if (m->regex) {
		int e = regcomp(&m->re, m->regex, REG_EXTENDED | REG_NEWLINE);

		if (e) {
			char msg[256];

			regerror(e, &m->re, msg, sizeof(msg));
			snprintf(why, n, "regex \"%s\" does not compile: %s "
				 "(POSIX extended syntax: no \\d, write "
				 "[0-9]; no \\s, write [[:space:]])",
				 m->regex, msg);
			goto out;
		}
		m->re_ok = true;
		if (m->re.re_nsub < 1) {
			snprintf(why, n, "regex \"%s\" has no group: put the "
				 "number in parentheses, e.g. \"total "
				 "time:[[:space:]]*([0-9.]+)s\"", m->regex);
			goto out;
		}
	} else {
		char pw[200];

		if (!ex_pointer_ok(m->json, pw, sizeof(pw))) {
			snprintf(why, n, "json \"%s\": not a JSON pointer: %s",
				 m->json, pw);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(obj);
	if (rc)
		ex_metric_free(m);
	return rc;
}

static bool ex_param_known(const struct ex_spec *s, const char *name,
			   size_t len)
{
	for (size_t i = 0; ex_builtins[i]; i++)
		if (strlen(ex_builtins[i]) == len &&
		    !strncmp(ex_builtins[i], name, len))
			return true;
	for (size_t i = 0; i < s->np; i++)
		if (strlen(s->pname[i]) == len && !strncmp(s->pname[i], name, len))
			return true;
	return false;
}

/*
 * Parse everything in opts that needs parsing. On error writes
 * "OPTION[INDEX]: reason" (or "OPTION: reason") to msg, the form the
 * engine maps back to the line of that element, and returns -EINVAL.
 */
static int ex_spec_load(const struct ex_opts *o, struct ex_spec *s, char *msg,
			size_t msglen)
{
	size_t nm = ex_count(o->metrics), np = ex_count(o->params);
	char why[1024];
	int rc;

	memset(s, 0, sizeof(*s));
	s->m = calloc(nm + 1, sizeof(*s->m));
	s->pname = calloc(np + 1, sizeof(char *));
	s->pvalue = calloc(np + 1, sizeof(char *));
	if (!s->m || !s->pname || !s->pvalue) {
		ex_spec_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < np; i++) {
		const char *p = o->params[i], *eq = strchr(p, '=');
		size_t len = eq ? (size_t)(eq - p) : 0;

		if (!eq || len == 0 || len > 63) {
			snprintf(msg, msglen, "params[%zu]: expected name=value, "
				 "got '%s'", i, p);
			goto bad;
		}
		s->pname[s->np] = strndup(p, len);
		s->pvalue[s->np] = strdup(eq + 1);
		if (!s->pname[s->np] || !s->pvalue[s->np]) {
			free(s->pname[s->np]);
			free(s->pvalue[s->np]);
			s->pname[s->np] = s->pvalue[s->np] = NULL;
			ex_spec_free(s);
			return -ENOMEM;
		}
		s->np++;
		if (!ex_name_ok(s->pname[s->np - 1])) {
			snprintf(msg, msglen, "params: '%s' is not a parameter "
				 "name: 1 to 63 of a-z, 0-9 and '_', starting "
				 "with a letter", s->pname[s->np - 1]);
			goto bad;
		}
		for (size_t k = 0; ex_builtins[k]; k++)
			if (!strcmp(s->pname[s->np - 1], ex_builtins[k])) {
				snprintf(msg, msglen, "params: '%s' is a built-in "
					 "placeholder ({files}, {workdir}); "
					 "choose another name", ex_builtins[k]);
				goto bad;
			}
		for (size_t k = 0; k + 1 < s->np; k++)
			if (!strcmp(s->pname[k], s->pname[s->np - 1])) {
				snprintf(msg, msglen, "params: '%s' given twice",
					 s->pname[k]);
				goto bad;
			}
	}
	for (size_t i = 0; i < nm; i++) {
		rc = ex_metric_parse(o->metrics[i], &s->m[i], why, sizeof(why));
		if (rc == -ENOMEM) {
			ex_spec_free(s);
			return rc;
		}
		if (rc) {
			snprintf(msg, msglen, "metrics[%zu]: %s", i, why);
			goto bad;
		}
		s->nm++;
		for (size_t k = 0; k + 1 < s->nm; k++)
			if (!strcmp(s->m[k].name, s->m[i].name)) {
				snprintf(msg, msglen, "metrics[%zu]: name: '%s' is "
					 "declared twice (metrics[%zu] has it)",
					 i, s->m[i].name, k);
				goto bad;
			}
	}
	if (!o->ok_exit || !o->ok_exit[0]) {
		s->ok[s->nok++] = 0;
	} else {
		for (size_t i = 0; o->ok_exit[i]; i++) {
			char *end;
			long v = strtol(o->ok_exit[i], &end, 10);

			if (!*o->ok_exit[i] || *end || v < 0 || v > 255) {
				snprintf(msg, msglen, "ok_exit[%zu]: expected an "
					 "exit status 0..255 (128+N: killed by "
					 "signal N), got '%s'", i,
					 o->ok_exit[i]);
				goto bad;
			}
			if (s->nok < 256)
				s->ok[s->nok++] = (int)v;
		}
	}
	return 0;
bad:
	ex_spec_free(s);
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Placeholders                                                         */
/* ------------------------------------------------------------------ */

/* Values of the built-in placeholders where the command runs. */
struct ex_vars {
	const char *files;    /* "" on the host */
	const char *workdir;
};

/*
 * Expands "{name}" in text. With vars == NULL only checks: an unknown
 * name is an error naming it (and a near one). Returns the new string
 * (caller frees) or NULL with msg set (or ENOMEM with msg "").
 */
static char *ex_expand(const char *text, const struct ex_spec *s,
		       const struct ex_vars *vars, char *msg, size_t msglen)
{
	struct ex_buf b = { 0 };
	const char *p = text;

	if (msglen)
		msg[0] = '\0';
	while (*p) {
		const char *q;
		size_t len;

		if (p[0] == '{' && p[1] == '{') {
			ex_buf_addn(&b, "{", 1);
			p += 2;
			continue;
		}
		if (*p != '{' || !((p[1] >= 'a' && p[1] <= 'z') || p[1] == '_')) {
			ex_buf_addn(&b, p++, 1);
			continue;
		}
		for (q = p + 1; (*q >= 'a' && *q <= 'z') ||
				(*q >= '0' && *q <= '9') || *q == '_';
		     q++)
			;
		if (*q != '}') {
			ex_buf_addn(&b, p++, 1);
			continue;
		}
		len = (size_t)(q - p - 1);
		if (!ex_param_known(s, p + 1, len)) {
			char name[80], near[80] = "";
			size_t best = 3;

			snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
			for (size_t i = 0; i < s->np; i++) {
				size_t d = ex_distance(name, s->pname[i]);

				if (d < best && d < len) {
					best = d;
					snprintf(near, sizeof(near), "%s",
						 s->pname[i]);
				}
			}
			snprintf(msg, msglen,
				 "placeholder {%s} names no parameter%s%s%s; "
				 "declare it in params = { %s = ...; }, or write "
				 "{{%s} for a literal brace", name,
				 *near ? " (did you mean {" : "", near,
				 *near ? "}?)" : "", name, name);
			free(b.s);
			return NULL;
		}
		if (vars) {
			const char *val = NULL;

			if (len == 5 && !strncmp(p + 1, "files", 5))
				val = vars->files;
			else if (len == 7 && !strncmp(p + 1, "workdir", 7))
				val = vars->workdir;
			for (size_t i = 0; !val && i < s->np; i++)
				if (strlen(s->pname[i]) == len &&
				    !strncmp(s->pname[i], p + 1, len))
					val = s->pvalue[i];
			ex_buf_add(&b, val ? val : "");
		}
		p = q + 1;
	}
	return ex_buf_take(&b);
}

/* Check (vars NULL) or expand every element of list; *out may be NULL
 * when only checking. msg gets "OPTION[i]: reason". */
static int ex_expand_list(char *const *list, const char *opt,
			  const struct ex_spec *s, const struct ex_vars *vars,
			  char ***out, char *msg, size_t msglen)
{
	size_t n = ex_count(list);
	char **v = out ? calloc(n + 1, sizeof(char *)) : NULL;
	char why[768];

	if (out && !v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *e = ex_expand(list[i], s, vars, why, sizeof(why));

		if (!e) {
			ex_strv_free(v);
			if (!why[0])
				return -ENOMEM;
			snprintf(msg, msglen, "%s[%zu]: %s", opt, i, why);
			return -EINVAL;
		}
		if (v)
			v[i] = e;
		else
			free(e);
	}
	if (out)
		*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading metrics from the output                                      */
/* ------------------------------------------------------------------ */

/* A whole number of the form strtod reads, blanks around allowed. */
static int ex_number(const char *s, size_t len, double *v)
{
	char buf[128], *end;

	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtod(buf, &end);
	if (*end || end == buf || !isfinite(*v))
		return -EINVAL;
	return 0;
}

/*
 * Resolve an RFC 6901 pointer in doc. Returns the value, or NULL with the
 * reason in why (the prefix that did resolve and what was missing).
 */
static json_t *ex_pointer_get(json_t *doc, const char *ptr, char *why,
			      size_t n)
{
	json_t *cur = doc;
	const char *p = ptr;

	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
		char tok[512];
		size_t t = 0;

		for (size_t i = 0; i < len && t + 1 < sizeof(tok); i++) {
			char c = p[1 + i];

			if (c == '~' && i + 1 < len) {
				c = p[2 + i] == '1' ? '/' : '~';
				i++;
			}
			tok[t++] = c;
		}
		tok[t] = '\0';
		if (json_is_object(cur)) {
			json_t *next = json_object_get(cur, tok);

			if (!next) {
				snprintf(why, n, "no member \"%s\" at \"%.*s\"",
					 tok, (int)(p - ptr), ptr);
				return NULL;
			}
			cur = next;
		} else if (json_is_array(cur)) {
			char *e;
			unsigned long idx = strtoul(tok, &e, 10);

			if (!*tok || *e || (tok[0] == '0' && tok[1]) ||
			    idx >= json_array_size(cur)) {
				snprintf(why, n, "no element [%s] at \"%.*s\" "
					 "(an array of %zu)", tok,
					 (int)(p - ptr), ptr,
					 json_array_size(cur));
				return NULL;
			}
			cur = json_array_get(cur, idx);
		} else {
			snprintf(why, n, "\"%.*s\" is %s, not an object or "
				 "array", (int)(p - ptr), ptr,
				 ex_json_type(cur));
			return NULL;
		}
		p += 1 + len;
	}
	return cur;
}

/*
 * The stream as JSON: the whole text, else from the first line that
 * starts with '{' or '[' (programs print notes before their report).
 */
static json_t *ex_json_doc(const char *text, char *why, size_t n)
{
	json_error_t err;
	json_t *doc = json_loads(text, JSON_DECODE_ANY, &err);
	const char *p;

	if (doc)
		return doc;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (*p != '{' && *p != '[')
			continue;
		doc = json_loads(p, JSON_DISABLE_EOF_CHECK, &err);
		if (doc)
			return doc;
		break;
	}
	snprintf(why, n, "not JSON (line %d: %s)", err.line, err.text);
	return NULL;
}

/* Read metric m from text (the stream it names). docs caches the parsed
 * JSON per stream. 0, or -EINVAL with why. */
static int ex_metric_value(const struct ex_metric *m, const char *text,
			   size_t len, json_t **doc, double *v, char *why,
			   size_t n)
{
	const char *sname = m->stream == EX_STDERR ? "stderr" : "stdout";

	if (m->regex) {
		regmatch_t pm[2];

		if (regexec(&m->re, text, 2, pm, 0) != 0) {
			snprintf(why, n, "regex \"%s\" matched nothing in %s "
				 "(%zu bytes)", m->regex, sname, len);
			return -EINVAL;
		}
		if (pm[1].rm_so < 0) {
			snprintf(why, n, "regex \"%s\" matched, but its first "
				 "group took no part in the match", m->regex);
			return -EINVAL;
		}
		if (ex_number(text + pm[1].rm_so,
			      (size_t)(pm[1].rm_eo - pm[1].rm_so), v)) {
			snprintf(why, n, "regex \"%s\" captured \"%.*s\", "
				 "which is not a number", m->regex,
				 (int)(pm[1].rm_eo - pm[1].rm_so > 80
					       ? 80
					       : pm[1].rm_eo - pm[1].rm_so),
				 text + pm[1].rm_so);
			return -EINVAL;
		}
	} else {
		char pw[600];
		json_t *val;

		if (!*doc) {
			*doc = ex_json_doc(text, pw, sizeof(pw));
			if (!*doc) {
				snprintf(why, n, "json \"%s\": %s is %s", m->json,
					 sname, pw);
				return -EINVAL;
			}
		}
		val = ex_pointer_get(*doc, m->json, pw, sizeof(pw));
		if (!val) {
			snprintf(why, n, "json \"%s\" not found in %s: %s",
				 m->json, sname, pw);
			return -EINVAL;
		}
		if (json_is_number(val)) {
			*v = json_number_value(val);
		} else if (!json_is_string(val) ||
			   ex_number(json_string_value(val),
				     strlen(json_string_value(val)), v)) {
			snprintf(why, n, "json \"%s\" in %s is %s, not a number",
				 m->json, sname, ex_json_type(val));
			return -EINVAL;
		}
	}
	*v *= m->scale;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Captured output                                                      */
/* ------------------------------------------------------------------ */

/* The first `limit` bytes of a stream, then a ring of its last EX_TAIL. */
struct ex_stream {
	char *head;
	size_t head_len, head_cap, limit;
	char *ring;
	size_t ring_len, ring_pos;
	uint64_t total;
	bool oom;
};

static void ex_stream_add(struct ex_stream *s, const char *p, size_t n)
{
	s->total += n;
	if (s->head_len < s->limit) {
		size_t take = s->limit - s->head_len < n ? s->limit - s->head_len
							 : n;

		if (s->head_len + take > s->head_cap) {
			/* Grow as output comes, not to the limit at once. */
			size_t cap = s->head_cap ? s->head_cap : 65536;
			char *g;

			while (cap < s->head_len + take)
				cap *= 2;
			if (cap > s->limit)
				cap = s->limit;
			g = realloc(s->head, cap);
			if (!g) {
				s->oom = true;
				return;
			}
			s->head = g;
			s->head_cap = cap;
		}
		memcpy(s->head + s->head_len, p, take);
		s->head_len += take;
		p += take;
		n -= take;
	}
	if (n == 0)
		return;
	if (!s->ring && !(s->ring = malloc(EX_TAIL))) {
		s->oom = true;
		return;
	}
	while (n > 0) {
		size_t k = EX_TAIL - s->ring_pos < n ? EX_TAIL - s->ring_pos : n;

		memcpy(s->ring + s->ring_pos, p, k);
		s->ring_pos = (s->ring_pos + k) % EX_TAIL;
		s->ring_len = s->ring_len + k > EX_TAIL ? EX_TAIL
							: s->ring_len + k;
		p += k;
		n -= k;
	}
}

static uint64_t ex_stream_dropped(const struct ex_stream *s)
{
	return s->total - s->head_len - s->ring_len;
}

/* What is kept, as one string: the head, then (after a newline) the tail.
 * NUL bytes become newlines, so the regex sees all of it. */
static char *ex_stream_text(const struct ex_stream *s, size_t *len)
{
	size_t n = s->head_len + (s->ring_len ? s->ring_len + 1 : 0);
	char *t = malloc(n + 1), *w = t;

	if (!t)
		return NULL;
	if (s->head_len)
		memcpy(w, s->head, s->head_len);
	w += s->head_len;
	if (s->ring_len) {
		size_t start = s->ring_len < EX_TAIL ? 0 : s->ring_pos;

		*w++ = '\n';
		for (size_t i = 0; i < s->ring_len; i++)
			*w++ = s->ring[(start + i) % EX_TAIL];
	}
	*w = '\0';
	for (size_t i = 0; i < n; i++)
		if (t[i] == '\0')
			t[i] = '\n';
	*len = n;
	return t;
}

static void ex_stream_free(struct ex_stream *s)
{
	free(s->head);
	free(s->ring);
	memset(s, 0, sizeof(*s));
}

/* The last EX_LOG_LINES lines of a stream into the cell's log (the
 * agent's stderr, which every backend writes to logs/ENV.log). */
static void ex_log_tail(struct vb_ctx *ctx, const char *what,
			const char *name, const struct ex_stream *s)
{
	size_t len = 0, lines = 0;
	char *t = ex_stream_text(s, &len), *start;

	if (!t)
		return;
	while (len && t[len - 1] == '\n')
		t[--len] = '\0';
	start = t + len;
	while (start > t && lines < EX_LOG_LINES)
		if (*--start == '\n' && ++lines == EX_LOG_LINES)
			start++;
	if (len == 0) {
		vb_log(ctx, VB_LOG_ERROR, "%s: %s was empty", what, name);
	} else {
		vb_log(ctx, VB_LOG_ERROR, "%s: last lines of %s (%" PRIu64
		       " bytes in all):", what, name, s->total);
		for (char *line = start, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			vb_log(ctx, VB_LOG_ERROR, "%s| %s", name, line);
		}
	}
	free(t);
}

/* ------------------------------------------------------------------ */
/* Where the command runs: the host, or a bundle with carried files      */
/* ------------------------------------------------------------------ */

struct ex_where {
	char root[PATH_MAX];   /* the agent bundle, "" on the host */
	char files[PATH_MAX];  /* root/files when carried files exist, else "" */
};

static const struct vb_plugin_info ex_info;

/* True when dir holds an agent bundle (engine/bundle.c's manifest). */
static bool ex_is_bundle(const char *dir)
{
	char path[PATH_MAX + 16], line[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return !strncmp(line, "# virtbench-bundle-", 19);
}

/* The bundle this module was loaded from (BUNDLE/plugins/exec.so; in a
 * preloaded build BUNDLE/bin/virtbench-agent), if any. */
static void ex_where_self(struct ex_where *w)
{
	Dl_info info;
	char *real, *slash;
	struct stat st;

	memset(w, 0, sizeof(*w));
	if (!dladdr((const void *)&ex_info, &info) || !info.dli_fname)
		return;
	real = realpath(info.dli_fname, NULL);
	if (!real)
		return;
	for (int up = 0; up < 2; up++) {
		slash = strrchr(real, '/');
		if (!slash || slash == real) {
			free(real);
			return;
		}
		*slash = '\0';
	}
	if (ex_is_bundle(real)) {
		snprintf(w->root, sizeof(w->root), "%s", real);
		snprintf(w->files, sizeof(w->files), "%s/files", real);
		if (stat(w->files, &st) != 0 || !S_ISDIR(st.st_mode))
			w->files[0] = '\0';
	}
	free(real);
}

static bool ex_is_exec_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* The PATH the command gets: the directories of the carried executables
 * first, then wrap (may be NULL), then the environment's own. */
static char *ex_path(const struct ex_opts *o, const struct ex_where *w,
		     const char *wrap, const char *base)
{
	struct ex_buf b = { 0 };

	if (wrap)
		ex_buf_add(&b, wrap);
	for (size_t i = 0; w->files[0] && o->files && o->files[i]; i++) {
		char carried[2 * PATH_MAX], dir[2 * PATH_MAX];
		char *slash;

		snprintf(carried, sizeof(carried), "%s%s", w->files, o->files[i]);
		if (!ex_is_exec_file(carried))
			continue;
		snprintf(dir, sizeof(dir), "%s", carried);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (b.s && strstr(b.s, dir)) {
			/* Already there (a whole entry, as all end alike). */
			size_t dl = strlen(dir);
			const char *hit = b.s;
			bool dup = false;

			while ((hit = strstr(hit, dir))) {
				if ((hit == b.s || hit[-1] == ':') &&
				    (hit[dl] == ':' || hit[dl] == '\0'))
					dup = true;
				hit += dl;
			}
			if (dup)
				continue;
		}
		if (b.len)
			ex_buf_add(&b, ":");
		ex_buf_add(&b, dir);
	}
	if (b.len)
		ex_buf_add(&b, ":");
	ex_buf_add(&b, base && *base ? base : EX_DEFAULT_PATH);
	return ex_buf_take(&b);
}

/*
 * Find the program: a name with '/' is used as it is (or its carried copy
 * when there is one), a bare name is looked up in path. Fills out;
 * *carried says whether it is one of the bundle's files. -ENOENT when
 * there is no such program.
 */
static int ex_find(const struct ex_where *w, const char *path, const char *name,
		   char *out, size_t n, bool *carried)
{
	*carried = false;
	if (strchr(name, '/')) {
		if (name[0] == '/' && w->files[0]) {
			snprintf(out, n, "%s%s", w->files, name);
			if (ex_is_exec_file(out)) {
				*carried = true;
				return 0;
			}
		}
		snprintf(out, n, "%s", name);
		return access(out, F_OK) == 0 ? 0 : -ENOENT;
	}
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");

		if (len > 0) {
			snprintf(out, n, "%.*s/%s", (int)len, p, name);
			if (ex_is_exec_file(out)) {
				*carried = w->files[0] &&
					   !strncmp(out, w->files, strlen(w->files)) &&
					   out[strlen(w->files)] == '/';
				return 0;
			}
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

/* The bundle's loader for program prog (its PT_INTERP's name under
 * BUNDLE/lib). 0 with out set, -ENOEXEC when prog needs none. */
static int ex_loader_for(struct vb_ctx *ctx, const struct ex_where *w,
			 const char *prog, char *out, size_t n)
{
	char interp[PATH_MAX];
	const char *base;
	int rc = vb_elf_interp(prog, interp, sizeof(interp), NULL);

	if (rc < 0)
		return rc == -ENAMETOOLONG ? rc : -ENOEXEC;
	if (!interp[0])
		return -ENOEXEC;
	base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	snprintf(out, n, "%s/lib/%s", w->root, base);
	if (access(out, X_OK) != 0)
		return VB_ERROR(ctx, -ENOENT,
				"%s needs the loader %s, which the agent bundle "
				"does not have (%s); carry a program built for "
				"this host's libc", prog, interp, out);
	return 0;
}

/*
 * The argv to execve for `args` (already expanded): the program found,
 * behind the bundle's loader when it is a carried ELF program.
 */
static int ex_argv(struct vb_ctx *ctx, const struct ex_where *w,
		   const char *path, char *const *args, char ***out)
{
	size_t n = ex_count(args), k = 0;
	char prog[2 * PATH_MAX], loader[2 * PATH_MAX + 16];
	bool carried;
	char **v;
	int rc;

	if (n == 0)
		return VB_ERROR(ctx, -EINVAL, "empty command");
	rc = ex_find(w, path, args[0], prog, sizeof(prog), &carried);
	if (rc == -ENOENT) {
		if (w->root[0])
			return VB_ERROR(ctx, -ENOENT,
					"%s: not found in the container image / "
					"VM (PATH=%s): add it to files, or use "
					"an image that has it", args[0], path);
		return VB_ERROR(ctx, -ENOENT,
				"%s: not found on this host (PATH=%s)", args[0],
				path);
	}
	rc = carried ? ex_loader_for(ctx, w, prog, loader, sizeof(loader))
		     : -ENOEXEC;
	if (rc < 0 && rc != -ENOEXEC)
		return rc;
	v = calloc(n + 4, sizeof(char *));
	if (!v)
		return -ENOMEM;
	if (rc == 0) {
		char lib[PATH_MAX + 8];

		snprintf(lib, sizeof(lib), "%s/lib", w->root);
		v[k++] = strdup(loader);
		v[k++] = strdup("--library-path");
		v[k++] = strdup(lib);
	}
	v[k++] = strdup(prog);
	for (size_t i = 1; i < n; i++)
		v[k++] = strdup(args[i]);
	for (size_t i = 0; i < k; i++)
		if (!v[i]) {
			ex_strv_free(v);
			return -ENOMEM;
		}
	*out = v;
	return 0;
}

/* The unit tests put a bundle of their own in place. */
#ifndef EX_WHERE_SELF
#define EX_WHERE_SELF ex_where_self
#endif

/* ------------------------------------------------------------------ */
/* Running one command                                                  */
/* ------------------------------------------------------------------ */

struct ex_run {
	char **argv;          /* for execve: argv[0] is a path */
	char **envp;
	const char *cwd;
	double timeout;       /* seconds, 0: none */
	size_t limit;         /* bytes kept from the start of each stream */
};

struct ex_result {
	struct ex_stream out[2];
	int status;           /* exit status, or 128 + N for signal N */
	double seconds;       /* start to end of the command itself */
};

static void ex_result_free(struct ex_result *r)
{
	ex_stream_free(&r->out[0]);
	ex_stream_free(&r->out[1]);
}

static void ex_child(const struct ex_run *c, int out_fd, int err_fd,
		     int status_fd, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	int e, devnull;

	setpgid(0, 0);
	/* Dies with the agent, which may be killed by the engine's timeout. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);  /* SIGPIPE was ignored by the agent */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		goto fail;
	if (c->cwd && chdir(c->cwd) < 0)
		goto fail;
#ifdef SYS_close_range
	/* Nothing of the agent's reaches the command (CLOSE_RANGE_CLOEXEC =
	 * 4: the status pipe must stay open until execve). */
	if (syscall(SYS_close_range, 3u, ~0u, 4u) != 0)
#endif
	{
		long max = sysconf(_SC_OPEN_MAX);

		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			if (fd != status_fd)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	execve(c->argv[0], c->argv, c->envp);
fail:
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Reads what is there on fd into s, at most 1 MiB (a program writing
 * faster than that must not keep the timeout from being looked at);
 * false at end of file or error. */
static bool ex_read(int fd, struct ex_stream *s)
{
	char buf[65536];

	for (int n = 0; n < 16;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r > 0) {
			ex_stream_add(s, buf, (size_t)r);
			if ((size_t)r < sizeof(buf))
				return true;
			n++;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return true;
		return false;
	}
	return true;
}

static int ex_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st)
	       : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

/*
 * Run c to its end with the semantics of vb_proc_run() (argv, own process
 * group, stdin /dev/null, -ETIMEDOUT after timeout with the group killed,
 * SIGTERM then SIGKILL on interrupt and -EINTR, -errno when it cannot be
 * started), capturing both streams into r. Not vb_proc_run() itself: the
 * command needs its environment, working directory, stderr captured and
 * an output cap, which that service does not take.
 */
static int ex_spawn(struct vb_ctx *ctx, const struct ex_run *c,
		    struct ex_result *r)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, ps[2] = { -1, -1 };
	int pidfd = -1, rc = 0, st = 0, e = 0;
	bool exited = false, open_[2] = { true, true };
	uint64_t t0, t_end = 0, deadline, kill_at = 0;
	pid_t pid, self = getpid();
	ssize_t got;

	memset(r, 0, sizeof(*r));
	r->out[0].limit = r->out[1].limit = c->limit;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) ||
	    pipe2(ps, O_CLOEXEC)) {
		rc = -errno;
		goto out;
	}
	t0 = vb_now_ns();
	deadline = c->timeout > 0 ? t0 + (uint64_t)(c->timeout * 1e9) : 0;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0)
		ex_child(c, po[1], pe[1], ps[1], self);
	setpgid(pid, pid);
	close(po[1]);
	close(pe[1]);
	close(ps[1]);
	po[1] = pe[1] = ps[1] = -1;
	do
		got = read(ps[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(e)) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		rc = -e;
		goto out;
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		struct pollfd pf[3];
		int nf = 0, wait_ms = 100;
		uint64_t now = vb_now_ns();

		if (!exited) {
			pid_t w = waitpid(pid, &st, WNOHANG);

			if (w == pid) {
				exited = true;
				t_end = vb_now_ns();
				r->status = ex_status(st);
			}
		}
		if (exited && !open_[0] && !open_[1])
			break;
		if (exited && vb_now_ns() - t_end > EX_DRAIN_NS) {
			/* A background child holds the pipes: end it. */
			vb_log(ctx, VB_LOG_WARN,
			       "%s ended but left processes holding its "
			       "output open; killed them", c->argv[0]);
			kill(-pid, SIGKILL);
			break;
		}
		if (!exited && deadline && now >= deadline && !rc) {
			kill(-pid, SIGKILL);
			rc = -ETIMEDOUT;
		}
		if (!exited && !rc && vb_interrupted(ctx)) {
			kill(-pid, SIGTERM);
			kill_at = now + EX_GRACE_NS;
			rc = -EINTR;
		}
		if (!exited && kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = 0;
		}
		if (rc && exited)
			break;
		for (int i = 0; i < 2; i++)
			if (open_[i])
				pf[nf++] = (struct pollfd){
					.fd = i ? pe[0] : po[0],
					.events = POLLIN };
		if (!exited && pidfd >= 0)
			pf[nf++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		else if (!exited)
			wait_ms = 5;  /* no pidfd: notice the end soon anyway */
		if (deadline && !exited && !rc) {
			uint64_t left = deadline > now ? deadline - now : 0;

			if (left / 1000000 < (uint64_t)wait_ms)
				wait_ms = (int)(left / 1000000) + 1;
		}
		if (poll(pf, (nfds_t)nf, wait_ms) < 0 && errno != EINTR) {
			rc = rc ? rc : -errno;
			kill(-pid, SIGKILL);
		}
		for (int i = 0, k = 0; i < 2; i++) {
			if (!open_[i])
				continue;
			if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
				open_[i] = ex_read(i ? pe[0] : po[0], &r->out[i]);
			k++;
		}
	}
	if (!exited) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		t_end = vb_now_ns();
		r->status = ex_status(st);
	}
	/* Whatever of its group is left goes with it. */
	kill(-pid, SIGKILL);
	r->seconds = (double)(t_end - t0) / 1e9;
	if (r->out[0].oom || r->out[1].oom)
		rc = rc ? rc : -ENOMEM;
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
		if (ps[i] >= 0)
			close(ps[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The environment of the command                                       */
/* ------------------------------------------------------------------ */

struct ex_env {
	struct ex_where where;
	struct ex_spec spec;
	char workdir[PATH_MAX];
	bool own_workdir;      /* ours: removed by cleanup */
	char wrapdir[PATH_MAX];
	char *path;
	char **envp;
};

static void ex_env_free(struct ex_env *e)
{
	ex_spec_free(&e->spec);
	free(e->path);
	ex_strv_free(e->envp);
	memset(e, 0, sizeof(*e));
}

static int ex_rm_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int ex_rm_rf(const char *path)
{
	if (access(path, F_OK) != 0)
		return 0;
	return nftw(path, ex_rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

static int ex_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Single quotes for sh, with ' written as '\''. */
static void ex_sh_quote(struct ex_buf *b, const char *s)
{
	ex_buf_add(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			ex_buf_add(b, "'\\''");
		else
			ex_buf_addn(b, s, 1);
	}
	ex_buf_add(b, "'");
}

/*
 * With shell = true the shell, not exec, starts the programs: give each
 * carried ELF program a wrapper script of its name that starts it through
 * the bundle's loader, first in PATH.
 */
static int ex_wrappers(struct vb_ctx *ctx, const struct ex_opts *o,
		       struct ex_env *e)
{
	int rc;

	snprintf(e->wrapdir, sizeof(e->wrapdir), "%s/" EX_WRAPDIR,
		 vb_scratch_dir(ctx));
	rc = ex_mkdir_p(e->wrapdir);
	if (rc)
		return VB_ERROR(ctx, rc, "cannot create %s: %s", e->wrapdir,
				strerror(-rc));
	for (size_t i = 0; o->files && o->files[i]; i++) {
		char prog[2 * PATH_MAX], loader[2 * PATH_MAX + 16];
		char script[3 * PATH_MAX];
		const char *base = strrchr(o->files[i], '/');
		struct ex_buf b = { 0 };
		char *text;
		FILE *f;

		snprintf(prog, sizeof(prog), "%s%s", e->where.files, o->files[i]);
		if (!base || !base[1] || !ex_is_exec_file(prog) ||
		    ex_loader_for(ctx, &e->where, prog, loader, sizeof(loader)))
			continue;
		ex_buf_add(&b, "#!/bin/sh\nexec ");
		ex_sh_quote(&b, loader);
		ex_buf_add(&b, " --library-path ");
		snprintf(script, sizeof(script), "%s/lib", e->where.root);
		ex_sh_quote(&b, script);
		ex_buf_add(&b, " ");
		ex_sh_quote(&b, prog);
		ex_buf_add(&b, " \"$@\"\n");
		text = ex_buf_take(&b);
		if (!text)
			return -ENOMEM;
		snprintf(script, sizeof(script), "%s/%s", e->wrapdir, base + 1);
		f = fopen(script, "we");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
			rc = -errno;
			free(text);
			return VB_ERROR(ctx, rc ? rc : -EIO, "cannot write %s",
					script);
		}
		free(text);
		chmod(script, 0755);
	}
	return 0;
}

static bool ex_env_key_ok(const char *kv, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)kv[0]) || kv[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)kv[i]) || kv[i] == '_'))
			return false;
	return true;
}

/* environ, PATH as ex_path() makes it, then the user's env (expanded). */
static int ex_make_envp(struct ex_env *e, const struct ex_opts *o,
			const struct ex_vars *vars, char *msg, size_t msglen)
{
	char **user = NULL;
	size_t nenv = ex_count(environ), nuser = ex_count(o->env), k = 0;
	int rc = ex_expand_list(o->env, "env", &e->spec, vars, &user, msg,
				msglen);

	if (rc)
		return rc;
	e->envp = calloc(nenv + nuser + 2, sizeof(char *));
	if (!e->envp) {
		ex_strv_free(user);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nenv; i++) {
		if (!strncmp(environ[i], "PATH=", 5))
			continue;
		for (size_t j = 0; j < nuser; j++) {
			size_t kl = strcspn(user[j], "=");

			if (!strncmp(environ[i], user[j], kl) &&
			    environ[i][kl] == '=')
				goto skip;
		}
		if (!(e->envp[k++] = strdup(environ[i])))
			goto oom;
skip:;
	}
	for (size_t j = 0; j < nuser; j++) {
		if (!strncmp(user[j], "PATH=", 5)) {
			/* The user's PATH, behind the carried programs. */
			char *p = ex_path(o, &e->where, e->wrapdir[0] ? e->wrapdir
								     : NULL,
					  user[j] + 5);

			if (!p)
				goto oom;
			free(e->path);
			e->path = p;
			continue;
		}
		if (!(e->envp[k++] = strdup(user[j])))
			goto oom;
	}
	if (asprintf(&e->envp[k], "PATH=%s", e->path) < 0) {
		e->envp[k] = NULL;
		goto oom;
	}
	ex_strv_free(user);
	return 0;
oom:
	ex_strv_free(user);
	return -ENOMEM;
}

/* Everything a hook needs before starting commands. */
static int ex_env_setup(struct vb_ctx *ctx, const struct ex_opts *o,
			struct ex_env *e, bool make_workdir)
{
	char msg[1024] = "", *wd;
	const char *scratch = vb_scratch_dir(ctx);
	struct ex_vars vars;
	int rc;

	memset(e, 0, sizeof(*e));
	EX_WHERE_SELF(&e->where);
	rc = ex_spec_load(o, &e->spec, msg, sizeof(msg));
	if (rc)
		return rc == -ENOMEM ? rc : VB_ERROR(ctx, rc, "%s", msg);
	vars = (struct ex_vars){ .files = e->where.files, .workdir = "" };
	if (o->workdir && *o->workdir) {
		wd = ex_expand(o->workdir, &e->spec, &vars, msg, sizeof(msg));
		if (!wd)
			return *msg ? VB_ERROR(ctx, -EINVAL, "workdir: %s", msg)
				    : -ENOMEM;
		if (wd[0] == '/')
			snprintf(e->workdir, sizeof(e->workdir), "%s", wd);
		else
			snprintf(e->workdir, sizeof(e->workdir), "%s/%s",
				 scratch, wd);
		free(wd);
	} else {
		snprintf(e->workdir, sizeof(e->workdir), "%s/" EX_WORKDIR,
			 scratch);
		e->own_workdir = true;
	}
	if (make_workdir && (rc = ex_mkdir_p(e->workdir)) < 0)
		return VB_ERROR(ctx, rc, "cannot create the working directory "
				"%s: %s", e->workdir, strerror(-rc));
	if (o->shell && e->where.files[0] && (rc = ex_wrappers(ctx, o, e)))
		return rc;
	e->path = ex_path(o, &e->where, e->wrapdir[0] ? e->wrapdir : NULL,
			  getenv("PATH"));
	if (!e->path)
		return -ENOMEM;
	vars.workdir = e->workdir;
	rc = ex_make_envp(e, o, &vars, msg, sizeof(msg));
	if (rc)
		return rc == -ENOMEM ? rc : VB_ERROR(ctx, rc, "%s", msg);
	return 0;
}

/*
 * Run one of command/prepare/cleanup (`what` names it in messages):
 * expand its placeholders, find the program, start it. 0 with r filled
 * (the caller judges r->status), else -errno with the error recorded and
 * the output's last lines logged.
 */
static int ex_run_list(struct vb_ctx *ctx, const struct ex_opts *o,
		       struct ex_env *e, char *const *list, const char *what,
		       struct ex_result *r)
{
	struct ex_vars vars = { .files = e->where.files, .workdir = e->workdir };
	char **args = NULL, **argv = NULL, msg[1024];
	const char *shell_args[4] = { "/bin/sh", "-c", NULL, NULL };
	struct ex_run run;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = ex_expand_list(list, what, &e->spec, &vars, &args, msg,
			    sizeof(msg));
	if (rc)
		return rc == -ENOMEM ? rc : VB_ERROR(ctx, rc, "%s", msg);
	if (o->shell) {
		shell_args[2] = args[0];
		rc = ex_argv(ctx, &e->where, e->path, (char *const *)shell_args,
			     &argv);
	} else {
		rc = ex_argv(ctx, &e->where, e->path, args, &argv);
	}
	if (rc) {
		ex_strv_free(args);
		return rc;
	}
	run = (struct ex_run){
		.argv = argv,
		.envp = e->envp,
		.cwd = e->workdir,
		.timeout = o->timeout,
		.limit = (size_t)o->output_limit,
	};
	rc = ex_spawn(ctx, &run, r);
	if (rc == -ETIMEDOUT)
		rc = VB_ERROR(ctx, rc, "%s: %s did not end within %gs (timeout); "
			      "its process group was killed", what, args[0],
			      o->timeout);
	else if (rc == -EINTR)
		rc = VB_ERROR(ctx, rc, "%s: interrupted", what);
	else if (rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC)
		rc = VB_ERROR(ctx, rc, "%s: cannot start %s: %s%s", what,
			      argv[0], strerror(-rc),
			      rc == -ENOENT && e->where.root[0]
				      ? " (its interpreter is not in the "
					"container image / VM: add it to files, "
					"or use an image that has it)"
				      : "");
	else if (rc < 0)
		rc = VB_ERROR(ctx, rc, "%s: %s: %s", what, args[0],
			      strerror(-rc));
	if (rc == -ETIMEDOUT || rc == -EINTR) {
		ex_log_tail(ctx, what, "stdout", &r->out[0]);
		ex_log_tail(ctx, what, "stderr", &r->out[1]);
	}
	ex_strv_free(argv);
	ex_strv_free(args);
	return rc;
}

static bool ex_ok_status(const struct ex_spec *s, int status)
{
	for (size_t i = 0; i < s->nok; i++)
		if (s->ok[i] == status)
			return true;
	return false;
}

static void ex_status_text(int status, char *buf, size_t n)
{
	if (status > 128 && status < 128 + NSIG)
		snprintf(buf, n, "was killed by signal %d (%s)", status - 128,
			 strsignal(status - 128));
	else
		snprintf(buf, n, "exited with status %d", status);
}

/* A prepare or cleanup step: run it, fail on a status not in ok_exit. */
static int ex_step(struct vb_ctx *ctx, const struct ex_opts *o,
		   char *const *list, const char *what)
{
	struct ex_env e;
	struct ex_result r;
	int rc;

	if (!ex_count(list))
		return 0;
	rc = ex_env_setup(ctx, o, &e, true);
	if (!rc) {
		rc = ex_run_list(ctx, o, &e, list, what, &r);
		if (!rc && !ex_ok_status(&e.spec, r.status)) {
			char st[128];

			ex_status_text(r.status, st, sizeof(st));
			ex_log_tail(ctx, what, "stdout", &r.out[0]);
			ex_log_tail(ctx, what, "stderr", &r.out[1]);
			rc = VB_ERROR(ctx, -EIO, "%s: %s %s; the last lines of "
				      "its output are in the cell's log", what,
				      list[0], st);
		}
		ex_result_free(&r);
	}
	ex_env_free(&e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Hooks                                                                */
/* ------------------------------------------------------------------ */

static int ex_validate(const void *opts, char *msg, size_t msglen)
{
	const struct ex_opts *o = opts;
	struct ex_spec s;
	int rc;

	if (ex_count(o->command) == 0) {
		snprintf(msg, msglen, "command: empty; give the program and its "
			 "arguments, e.g. command = [\"sysbench\", \"cpu\", "
			 "\"run\"];");
		return -EINVAL;
	}
	if (o->shell) {
		static const char *const names[] = { "command", "prepare",
						     "cleanup" };
		char *const *lists[] = { o->command, o->prepare, o->cleanup };

		for (size_t i = 0; i < 3; i++)
			if (ex_count(lists[i]) > 1) {
				snprintf(msg, msglen, "%s: with shell = true, "
					 "give one string for /bin/sh -c, not "
					 "%zu elements", names[i],
					 ex_count(lists[i]));
				return -EINVAL;
			}
	}
	rc = ex_spec_load(o, &s, msg, msglen);
	if (rc)
		return rc == -ENOMEM ? (snprintf(msg, msglen, "out of memory"), rc)
				     : rc;
	rc = ex_expand_list(o->command, "command", &s, NULL, NULL, msg, msglen);
	if (!rc)
		rc = ex_expand_list(o->prepare, "prepare", &s, NULL, NULL, msg,
				    msglen);
	if (!rc)
		rc = ex_expand_list(o->cleanup, "cleanup", &s, NULL, NULL, msg,
				    msglen);
	if (!rc)
		rc = ex_expand_list(o->env, "env", &s, NULL, NULL, msg, msglen);
	if (!rc && o->workdir && *o->workdir) {
		char why[768], *t = ex_expand(o->workdir, &s, NULL, why,
					      sizeof(why));

		if (!t) {
			snprintf(msg, msglen, "workdir: %s", why);
			rc = -EINVAL;
		}
		free(t);
	}
	for (size_t i = 0; !rc && o->env && o->env[i]; i++) {
		size_t kl = strcspn(o->env[i], "=");

		if (!o->env[i][kl] || !ex_env_key_ok(o->env[i], kl)) {
			snprintf(msg, msglen, "env[%zu]: expected NAME=value "
				 "(NAME: letters, digits, '_'), got '%s'", i,
				 o->env[i]);
			rc = -EINVAL;
		}
	}
	/* The engine runs validate on the host: the files must be here. */
	for (size_t i = 0; !rc && o->files && o->files[i]; i++) {
		struct stat st;

		if (o->files[i][0] != '/') {
			snprintf(msg, msglen, "files[%zu]: '%s' is not an "
				 "absolute path; give the host path, e.g. "
				 "\"/usr/bin/sysbench\"", i, o->files[i]);
			rc = -EINVAL;
		} else if (stat(o->files[i], &st) != 0) {
			snprintf(msg, msglen, "files[%zu]: %s: %s", i,
				 o->files[i], strerror(errno));
			rc = -EINVAL;
		} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			snprintf(msg, msglen, "files[%zu]: %s is neither a file "
				 "nor a directory", i, o->files[i]);
			rc = -EINVAL;
		}
	}
	ex_spec_free(&s);
	return rc;
}

static int64_t ex_scratch_bytes(const void *opts)
{
	return ((const struct ex_opts *)opts)->scratch_size;
}

static int ex_prepare(struct vb_ctx *ctx, const void *opts)
{
	const struct ex_opts *o = opts;

	return ex_step(ctx, o, o->prepare, "prepare");
}

static int ex_cleanup(struct vb_ctx *ctx, const void *opts)
{
	const struct ex_opts *o = opts;
	int rc = ex_step(ctx, o, o->cleanup, "cleanup");
	char dir[PATH_MAX];
	int r2;

	/* Our own directories go, whatever the command left in them. */
	snprintf(dir, sizeof(dir), "%s/" EX_WRAPDIR, vb_scratch_dir(ctx));
	ex_rm_rf(dir);
	if (!o->workdir || !*o->workdir) {
		snprintf(dir, sizeof(dir), "%s/" EX_WORKDIR, vb_scratch_dir(ctx));
		r2 = ex_rm_rf(dir);
		if (r2 < 0 && !rc)
			rc = VB_ERROR(ctx, r2, "cannot remove %s: %s", dir,
				      strerror(-r2));
	}
	return rc;
}

static int ex_run_hook(struct vb_ctx *ctx, const void *opts)
{
	const struct ex_opts *o = opts;
	struct ex_env e;
	struct ex_result r;
	double *vals = NULL;
	char st[128], buf[64];
	int rc = ex_env_setup(ctx, o, &e, true);

	if (rc) {
		ex_env_free(&e);
		return rc;
	}
	rc = ex_run_list(ctx, o, &e, o->command, "command", &r);
	if (rc) {
		ex_result_free(&r);
		ex_env_free(&e);
		return rc;
	}
	ex_status_text(r.status, st, sizeof(st));
	if (!ex_ok_status(&e.spec, r.status)) {
		ex_log_tail(ctx, "command", "stdout", &r.out[0]);
		ex_log_tail(ctx, "command", "stderr", &r.out[1]);
		rc = VB_ERROR(ctx, -EIO, "%s %s (ok_exit accepts %s%s); the last "
			      "lines of its output are in the cell's log",
			      o->command[0], st,
			      o->ok_exit && o->ok_exit[0] ? o->ok_exit[0] : "0",
			      o->ok_exit && o->ok_exit[0] && o->ok_exit[1]
				      ? " ..." : " only");
		goto out;
	}
	vals = calloc(e.spec.nm + 1, sizeof(*vals));
	if (!vals) {
		rc = -ENOMEM;
		goto out;
	}
	{
		char *text[2] = { NULL, NULL };
		size_t len[2] = { 0, 0 };
		json_t *doc[2] = { NULL, NULL };
		char why[1024];

		for (size_t i = 0; i < e.spec.nm && !rc; i++) {
			const struct ex_metric *m = &e.spec.m[i];
			int s = m->stream;

			if (!text[s] && !(text[s] = ex_stream_text(&r.out[s], &len[s]))) {
				rc = -ENOMEM;
				break;
			}
			if (ex_metric_value(m, text[s], len[s], &doc[s], &vals[i],
					    why, sizeof(why))) {
				ex_log_tail(ctx, "command", s ? "stderr" : "stdout",
					    &r.out[s]);
				rc = VB_ERROR(ctx, -EINVAL,
					      "metric %s: %s; the last lines of "
					      "%s are in the cell's log",
					      m->name, why,
					      s ? "stderr" : "stdout");
			}
		}
		for (int s = 0; s < 2; s++) {
			free(text[s]);
			json_decref(doc[s]);
		}
	}
	if (rc)
		goto out;
	/* All read: now report, so a failed repetition reports nothing. */
	rc = vb_report_metric(ctx, "wall_time", r.seconds);
	for (size_t i = 0; i < e.spec.nm && !rc; i++)
		rc = vb_report_metric(ctx, e.spec.m[i].name, vals[i]);
	if (rc) {
		rc = VB_ERROR(ctx, rc, "reporting metrics failed: %s",
			      strerror(-rc));
		goto out;
	}
	snprintf(buf, sizeof(buf), "%d", r.status);
	rc = vb_report_fact(ctx, "exit_status", buf);
	for (int s = 0; s < 2 && !rc; s++) {
		uint64_t lost = ex_stream_dropped(&r.out[s]);

		if (!lost)
			continue;
		vb_log(ctx, VB_LOG_WARN, "%s wrote %" PRIu64 " bytes on %s; "
		       "%" PRIu64 " beyond output_limit were counted, not kept",
		       o->command[0], r.out[s].total, s ? "stderr" : "stdout",
		       lost);
		snprintf(buf, sizeof(buf), "%" PRIu64, lost);
		rc = vb_report_fact(ctx, s ? "stderr_dropped_bytes"
					   : "stdout_dropped_bytes", buf);
	}
	if (rc)
		rc = VB_ERROR(ctx, rc, "reporting a fact failed");
out:
	free(vals);
	ex_result_free(&r);
	ex_env_free(&e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Tables                                                               */
/* ------------------------------------------------------------------ */

#define OPT(f) offsetof(struct ex_opts, f)

static const struct vb_option ex_options[] = {
	{ .name = "command", .type = VB_OPT_LIST, .offset = OPT(command),
	  .required = true,
	  .help = "program and arguments, run without a shell, e.g. "
		  "[\"sysbench\", \"cpu\", \"--cpu-max-prime={max_prime}\", "
		  "\"run\"]" },
	{ .name = "shell", .type = VB_OPT_BOOL, .offset = OPT(shell),
	  .def = "false",
	  .help = "run command (one string) with /bin/sh -c; prepare and "
		  "cleanup too" },
	{ .name = "prepare", .type = VB_OPT_LIST, .offset = OPT(prepare),
	  .help = "run before command, not timed (argv list)" },
	{ .name = "cleanup", .type = VB_OPT_LIST, .offset = OPT(cleanup),
	  .help = "run after command, also after a failure (argv list)" },
	{ .name = "drop_caches", .type = VB_OPT_BOOL, .offset = OPT(drop_caches),
	  .def = "false",
	  .help = "drop the page cache between prepare and command" },
	{ .name = "env", .type = VB_OPT_LIST, .offset = OPT(env),
	  .help = "NAME=value settings added to the command's environment" },
	{ .name = "workdir", .type = VB_OPT_STRING, .offset = OPT(workdir),
	  .def = "",
	  .help = "working directory (relative: in the agent's scratch "
		  "directory); \"\" = a fresh one, removed by cleanup" },
	{ .name = "timeout", .type = VB_OPT_DURATION, .offset = OPT(timeout),
	  .def = "0", .min = 0, .max = 7 * 86400,
	  .help = "kill the command's process group after this long and fail "
		  "the repetition; 0 = only the experiment's timeout" },
	{ .name = "files", .type = VB_OPT_LIST, .offset = OPT(files),
	  .flags = VB_OPTF_FILES,
	  .help = "host programs and data carried into containers and VMs, "
		  "with their shared libraries, e.g. [\"/usr/bin/sysbench\"]" },
	{ .name = "params", .type = VB_OPT_LIST, .offset = OPT(params),
	  .flags = VB_OPTF_PARAMS,
	  .help = "parameters for {name} placeholders; a list value is a "
		  "matrix axis: params = { max_prime = [5000, 10000]; }" },
	{ .name = "metrics", .type = VB_OPT_LIST, .offset = OPT(metrics),
	  .flags = VB_OPTF_RECORDS,
	  .help = "what to read from the output: ( { name = \"...\"; unit = "
		  "\"...\"; better = \"higher\"; regex = \"...\"; } ) or json = "
		  "\"/pointer\"; also scale, stream, primary" },
	{ .name = "ok_exit", .type = VB_OPT_LIST, .offset = OPT(ok_exit),
	  .def = "0",
	  .help = "exit statuses that count as success" },
	{ .name = "output_limit", .type = VB_OPT_SIZE, .offset = OPT(output_limit),
	  .def = "4M", .min = 4096, .max = 1073741824.0,
	  .help = "bytes of stdout and of stderr kept (plus the last 64K); "
		  "more is counted, not kept" },
	{ .name = "scratch_size", .type = VB_OPT_SIZE, .offset = OPT(scratch_size),
	  .def = "0", .min = 0, .max = 64.0 * 1099511627776.0,
	  .help = "disk the command needs in its working directory (sizes a "
		  "VM's scratch disk)" },
	{ .name = NULL },
};

static const struct vb_metric ex_metrics[] = {
	{ .name = "wall_time", .unit = "s", .better = VB_LOWER_IS_BETTER,
	  .help = "the command's run time, measured by the agent around it" },
	{ .name = NULL },
};

/* A name's program on the host, as the agent would find it there. */
static int ex_validate_host(const void *opts, char *msg, size_t msglen)
{
	const struct ex_opts *o = opts;
	static const char *const names[] = { "command", "prepare", "cleanup" };
	char *const *lists[] = { o->command, o->prepare, o->cleanup };
	struct ex_where none;
	struct ex_spec s;
	char *path, prog[2 * PATH_MAX], why[768];
	int rc = ex_spec_load(o, &s, msg, msglen);

	if (rc)
		return rc;
	memset(&none, 0, sizeof(none));
	path = ex_path(o, &none, NULL, getenv("PATH"));
	for (size_t i = 0; !rc && path && i < 3; i++) {
		const char *name = o->shell ? "/bin/sh" : lists[i] ? lists[i][0] : NULL;
		char *e;
		bool carried;

		if (!name || (o->shell && !lists[i]) ||
		    !(e = ex_expand(name, &s, &(struct ex_vars){ "", "" }, why,
				    sizeof(why))))
			continue;
		/* A relative path with '/' is relative to the workdir: not
		 * known before the run. */
		if (!(strchr(e, '/') && e[0] != '/') &&
		    ex_find(&none, path, e, prog, sizeof(prog), &carried)) {
			snprintf(msg, msglen, "%s[0]: %s: not found on this host "
				 "(PATH=%s), where the bare-metal backend runs it; "
				 "install it or give its full path", names[i], e,
				 path);
			rc = -EINVAL;
		}
		free(e);
	}
	free(path);
	ex_spec_free(&s);
	return rc;
}

/* This instance's metrics: wall_time, then the declared ones. */
struct ex_instance {
	struct ex_spec spec;
	struct vb_metric table[];
};

static int ex_instance(const void *opts, struct vb_wl_instance *inst)
{
	const struct ex_opts *o = opts;
	struct ex_spec s;
	struct ex_instance *in;
	char msg[1024];
	bool any_primary = false;
	int rc = ex_spec_load(o, &s, msg, sizeof(msg));

	if (rc)
		return rc;
	in = calloc(1, sizeof(*in) + (s.nm + 2) * sizeof(struct vb_metric));
	if (!in) {
		ex_spec_free(&s);
		return -ENOMEM;
	}
	in->spec = s;
	for (size_t i = 0; i < s.nm; i++) {
		const struct ex_metric *m = &in->spec.m[i];

		in->table[i + 1] = (struct vb_metric){
			.name = m->name, .unit = m->unit, .better = m->better,
			.help = m->help ? m->help
			      : m->regex ? m->regex : m->json,
			.flags = m->primary && m->better ? VB_METRIC_PRIMARY : 0,
		};
		any_primary |= m->primary && m->better;
	}
	in->table[0] = ex_metrics[0];
	/* The declared metrics are the headline; wall_time only when
	 * there are none. */
	in->table[0].flags = any_primary ? 0 : VB_METRIC_PRIMARY;
	if (inst->size >= offsetof(struct vb_wl_instance, priv) + sizeof(void *)) {
		inst->metrics = in->table;
		inst->priv = in;
		if (o->drop_caches)
			inst->flags |= VB_WL_DROP_CACHES;
		else
			inst->flags &= ~(uint32_t)VB_WL_DROP_CACHES;
		return 0;
	}
	ex_spec_free(&in->spec);
	free(in);
	return -EINVAL;
}

static void ex_instance_free(struct vb_wl_instance *inst)
{
	struct ex_instance *in = inst->priv;

	if (!in)
		return;
	ex_spec_free(&in->spec);
	free(in);
	inst->priv = NULL;
	inst->metrics = NULL;
}

static const struct vb_workload_ops ex_ops = {
	.size = sizeof(ex_ops),
	.flags = 0,
	.validate = ex_validate,
	.scratch_bytes = ex_scratch_bytes,
	.prepare = ex_prepare,
	.run = ex_run_hook,
	.cleanup = ex_cleanup,
	.validate_host = ex_validate_host,
	.instance = ex_instance,
	.instance_free = ex_instance_free,
};

static const char ex_description[] =
	"Runs COMMAND in every environment (argv, no shell unless shell = true),\n"
	"measures wall_time around it, records the exit status (fact exit_status;\n"
	"a status not in ok_exit fails the repetition), and reads each declared\n"
	"metric from its output. A metric that cannot be read fails the\n"
	"repetition, the last 20 lines of stdout and stderr go to the cell's log.\n"
	"\n"
	"Example:\n"
	"  { plugin = \"exec\"; name = \"sysbench-cpu\";\n"
	"    files   = [\"/usr/bin/sysbench\"];   # carried into containers and VMs\n"
	"    params  = { max_prime = [5000, 10000]; };   # a list is a matrix axis\n"
	"    command = [\"sysbench\", \"cpu\", \"--cpu-max-prime={max_prime}\",\n"
	"               \"--events=10000\", \"--time=0\", \"run\"];\n"
	"    metrics = ( { name = \"events_per_second\"; unit = \"1/s\"; better = \"higher\";\n"
	"                  regex = \"events per second: *([0-9.]+)\"; } ); }\n"
	"\n"
	"A metric: name ([a-z][a-z0-9_]*), unit, better (higher | lower | neutral),\n"
	"and regex (POSIX extended, the number is group 1; ^ and $ match at line\n"
	"ends; write [0-9] and [[:space:]], not \\d and \\s) or json (an RFC 6901\n"
	"pointer, e.g. \"/jobs/0/read/iops\" for fio --output-format=json);\n"
	"optionally scale (multiplies the value: 0.001 for ms -> s), stream\n"
	"(stdout | stderr, default stdout) and primary (false: not charted).\n"
	"\n"
	"Placeholders: {name} in command, prepare, cleanup, env and workdir is a\n"
	"parameter of params; {workdir} is the working directory, {files} where\n"
	"carried files are (\"\" on the host); {{ is a literal {.\n"
	"\n"
	"prepare and cleanup run before and after, untimed; with drop_caches =\n"
	"true the page cache is dropped between prepare and the command. timeout\n"
	"kills the command's process group and fails the repetition; the\n"
	"environment is restarted. stdout and stderr keep output_limit bytes\n"
	"each plus their last 64K; the rest is counted (stdout_dropped_bytes).\n"
	"In a container or VM, a carried program runs through the agent bundle's\n"
	"own loader, so it needs no libc in the image; a program that is neither\n"
	"carried nor in the image fails the cell with what to do.\n"
	"Full reference: docs/workloads.md (\"exec\").\n";

static const struct vb_plugin_info ex_info = {
	VB_PLUGIN_ABI,
	.description = ex_description,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "exec",
	.version = "1.0.0",
	.summary = "any program as a workload: metrics read from its output",
	.options = ex_options,
	.options_size = sizeof(struct ex_opts),
	.metrics = ex_metrics,
	.ops = &ex_ops,
};

VB_PLUGIN_DEFINE(exec, &ex_info)
