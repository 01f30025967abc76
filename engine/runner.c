/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The runner: opens one environment per backend × config, verifies it,
 * runs that group's repetitions through the agent, and journals every
 * repetition to runs.csv the moment it ends, so an interrupted run resumes
 * where it stopped (docs/results-format.md).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "engine/runner.h"
#include "engine/bundle.h"
#include "engine/estimate.h"
#include "engine/experiment.h"
#include "engine/journal.h"
#include "engine/matrix.h"
#include "engine/shard.h"
#include "engine/verify.h"
#include "lib/csv.h"
#include "lib/ctx.h"
#include "lib/loader.h"
#include "lib/options.h"
#include "lib/protocol.h"
#include "lib/util.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                        */
/* ------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
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

/* ------------------------------------------------------------------ */
/* effective configuration and host facts (environment.json)            */
/* ------------------------------------------------------------------ */

static json_t *options_json(const struct vb_option *tab, const void *block)
{
	json_t *o = json_object();

	for (; tab && tab->name; tab++) {
		char *t = vb_opt_to_text(tab, block);

		json_object_set_new(o, tab->name, json_string(t ? t : ""));
		free(t);
	}
	return o;
}

static const char *better_name(enum vb_better b)
{
	return b == VB_LOWER_IS_BETTER	 ? "lower"
	       : b == VB_HIGHER_IS_BETTER ? "higher"
					  : "neutral";
}

static json_t *plugins_json(const struct vb_registry *reg)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < reg->count; i++) {
		const struct vb_plugin_info *in = reg->items[i].info;
		json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name",
				      in->name, "kind",
				      in->kind == VB_PLUGIN_BACKEND ? "backend"
								    : "workload",
				      "version", in->version, "summary",
				      in->summary, "path", reg->items[i].path);
		if (in->metrics) {
			json_t *ms = json_array();
			const struct vb_metric *m;

			for (m = in->metrics; m->name; m++)
				json_array_append_new(
					ms, json_pack("{s:s, s:s, s:s}", "name",
						      m->name, "unit", m->unit,
						      "better",
						      better_name(m->better)));
			json_object_set_new(p, "metrics", ms);
		}
		json_array_append_new(arr, p);
	}
	return arr;
}

/* What decides whether results in a directory mean the same thing. */
static json_t *matrix_json(const struct vb_experiment *ex)
{
	json_t *bs = json_array(), *cs = json_array(), *ws = json_array();
	size_t i, j;

	for (i = 0; i < ex->nbackends; i++) {
		const struct vb_backend_entry *b = &ex->backends[i];

		json_array_append_new(
			bs, json_pack("{s:s, s:s, s:o}", "name", b->label,
				      "plugin", b->plugin->info->name, "options",
				      options_json(b->plugin->info->options,
						   b->opts)));
	}
	for (i = 0; i < ex->nconfigs; i++)
		json_array_append_new(
			cs, json_pack("{s:s, s:i, s:I}", "name",
				      ex->configs[i].name, "cpus",
				      ex->configs[i].cpus, "memory",
				      (json_int_t)ex->configs[i].memory));
	for (i = 0; i < ex->nworkloads; i++) {
		const struct vb_workload_entry *w = &ex->workloads[i];
		json_t *axes = json_object();

		for (j = 0; j < w->naxes; j++) {
			json_t *vals = json_array();
			size_t k;

			for (k = 0; k < w->axes[j].nvalues; k++)
				json_array_append_new(
					vals, json_string(w->axes[j].values[k]));
			json_object_set_new(axes, w->axes[j].opt->name, vals);
		}
		json_array_append_new(
			ws, json_pack("{s:s, s:s, s:o, s:o}", "name", w->label,
				      "plugin", w->plugin->info->name, "options",
				      options_json(w->plugin->info->options,
						   w->opts),
				      "axes", axes));
	}
	return json_pack("{s:o, s:o, s:o}", "backends", bs, "configs", cs,
			 "workloads", ws);
}

static json_t *host_json(void)
{
	char buf[512], host[256] = "";
	struct utsname u;
	json_t *h = json_object();
	FILE *f;

	gethostname(host, sizeof(host) - 1);
	json_object_set_new(h, "hostname", json_string(host));
	if (uname(&u) == 0) {
		json_object_set_new(h, "kernel", json_string(u.release));
		json_object_set_new(h, "machine", json_string(u.machine));
	}
	json_object_set_new(h, "cpus",
			    json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(h, "memory",
			    json_integer((json_int_t)sysconf(_SC_PHYS_PAGES) *
					 sysconf(_SC_PAGESIZE)));
	if ((f = fopen("/etc/os-release", "r"))) {
		while (fgets(buf, sizeof(buf), f))
			if (strncmp(buf, "PRETTY_NAME=", 12) == 0) {
				char *v = buf + 12;

				v[strcspn(v, "\n")] = '\0';
				if (*v == '"') {
					v++;
					v[strcspn(v, "\"")] = '\0';
				}
				json_object_set_new(h, "os", json_string(v));
			}
		fclose(f);
	}
	if ((f = fopen("/proc/cpuinfo", "r"))) {
		while (fgets(buf, sizeof(buf), f))
			if (strncmp(buf, "model name", 10) == 0) {
				char *v = strchr(buf, ':');

				if (v) {
					v += 2;
					v[strcspn(v, "\n")] = '\0';
					json_object_set_new(h, "cpu_model",
							    json_string(v));
				}
				break;
			}
		fclose(f);
	}
	return h;
}

static const char *op_text(const struct vb_threshold *t)
{
	return t->op;
}

static json_t *experiment_json(const struct vb_experiment *ex, json_t *matrix)
{
	json_t *e = json_deep_copy(matrix), *th = json_array();
	size_t i;

	json_object_set_new(e, "name", json_string(ex->name));
	json_object_set_new(e, "path", json_string(ex->path));
	json_object_set_new(e, "repetitions", json_integer(ex->repetitions));
	json_object_set_new(e, "warmup", json_integer(ex->warmup));
	json_object_set_new(e, "order",
			    json_string(ex->order == VB_ORDER_SHUFFLED
						? "shuffled"
						: "sequential"));
	json_object_set_new(e, "seed", json_integer((json_int_t)ex->seed));
	json_object_set_new(e, "timeout", json_real(ex->timeout));
	json_object_set_new(e, "verify",
			    json_string(ex->verify == VB_VERIFY_WARN ? "warn"
								     : "strict"));
	json_object_set_new(e, "baseline",
			    ex->baseline ? json_string(ex->baseline)
					 : json_null());
	for (i = 0; i < ex->nthresholds; i++) {
		const struct vb_threshold *t = &ex->thresholds[i];
		char buf[512];

		snprintf(buf, sizeof(buf), "%s/%s %s %s %.17g", t->backend,
			 t->baseline, t->metric, op_text(t), t->limit);
		json_array_append_new(th, json_string(buf));
	}
	json_object_set_new(e, "thresholds", th);
	return e;
}

/* ------------------------------------------------------------------ */
/* run state                                                            */
/* ------------------------------------------------------------------ */

struct item {
	size_t cell;
	int rep;      /* 1..N, or <= 0 for a warmup */
};

struct group {
	size_t backend, config;
	struct item *items;
	size_t nitems;
};

struct backend_rt {
	struct vb_ctx *ctx;
	void *state;
	bool created;
	int create_rc;
	char create_err[1024];
};

struct run {
	const struct vb_experiment *ex;
	const struct vb_shard *shard;   /* NULL: every environment */
	struct vb_cell *cells;
	size_t ncells;
	const char *dir;
	struct vb_journal *runs, *verify;
	char hash[32];      /* the experiment's identity (config_hash) */
	char **done_keys;   /* sorted resume keys of the ok repetitions */
	size_t ndone, done_cap;
	size_t torn_rows;   /* journal rows not counted (torn blocks) */
	int write_error;    /* first failed journal write: the run stops */
	struct backend_rt *brt;
	json_t *envs;       /* per opened environment: probe and verdict */
	/* progress */
	size_t total_items, finished_items, todo_items;
	uint64_t t0;
	bool tty;
	size_t failed_reps, refused_envs;
	char *agent;
	char *wl_path;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The resume key of repetition rep of cell. */
static char *cell_key(const struct run *r, size_t cell, int rep)
{
	const struct vb_cell *c = &r->cells[cell];

	return vb_rep_key(r->ex->backends[c->backend].label,
			  r->ex->configs[c->config].name,
			  r->ex->workloads[c->workload].label, c->params, rep);
}

static bool is_done(const struct run *r, size_t cell, int rep)
{
	char *k;
	bool found;

	if (rep <= 0 || r->ndone == 0)
		return false;
	k = cell_key(r, cell, rep);
	found = k && bsearch(&k, r->done_keys, r->ndone, sizeof(char *),
			     str_cmp) != NULL;
	free(k);
	return found;
}

/*
 * Collect the ok repetitions already in runs.csv, and check that the
 * journal belongs to this experiment: its rows carry the experiment's
 * identity, so a missing or damaged environment.json, or a runs.csv
 * copied from elsewhere, cannot mix two experiments.
 */
static int load_journal(struct run *r, char *err, size_t errlen)
{
	struct vb_journal_data d;
	int rc = vb_journal_read(r->dir, &vb_runs_format, &d, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < d.nrows; i++) {
		const struct vb_jrow *row = &d.rows[i];

		if (strcmp(row->f[VB_RC_EXPERIMENT], r->ex->name) != 0 ||
		    (!d.legacy &&
		     strcmp(row->f[VB_RC_CONFIG_HASH], r->hash) != 0)) {
			snprintf(err, errlen,
				 "%s/runs.csv:%d holds results of another experiment "
				 "(%s, configuration %s; this is %s, %s): refusing to "
				 "mix them. Use another directory with -o, or remove it",
				 r->dir, row->line, row->f[VB_RC_EXPERIMENT],
				 d.legacy ? "unknown" : row->f[VB_RC_CONFIG_HASH],
				 r->ex->name, r->hash);
			vb_journal_data_free(&d);
			return -EEXIST;
		}
		if (strcmp(row->f[VB_RC_STATUS], "ok") == 0) {
			VB_GROW(r->done_keys, r->ndone + 1, r->done_cap);
			r->done_keys[r->ndone++] = vb_rep_key_row(row);
		}
	}
	r->torn_rows = d.ignored;
	vb_journal_data_free(&d);
	if (r->ndone > 1)
		qsort(r->done_keys, r->ndone, sizeof(char *), str_cmp);
	return 0;
}

/* ------------------------------------------------------------------ */
/* progress                                                             */
/* ------------------------------------------------------------------ */

static void progress(struct run *r, size_t cell, int rep, const char *what)
{
	const struct vb_cell *c = &r->cells[cell];
	const struct vb_experiment *ex = r->ex;
	double el = (double)(vb_now_ns() - r->t0) / 1e9;
	char e[32], eta[32] = "?";

	vb_fmt_duration(el, e, sizeof(e));
	if (r->finished_items > 0 && r->todo_items >= r->finished_items)
		vb_fmt_duration(el / (double)r->finished_items *
				(double)(r->todo_items - r->finished_items),
			eta, sizeof(eta));
	fprintf(stderr,
		"%s[%zu/%zu] %s %s %s%s%s %s %d/%d  elapsed %s  eta %s%s",
		r->tty ? "\r\033[K" : "", r->finished_items + 1, r->todo_items,
		ex->backends[c->backend].label, ex->configs[c->config].name,
		ex->workloads[c->workload].label, c->params[0] ? " " : "",
		c->params, rep > 0 ? "rep" : "warmup", rep > 0 ? rep : -rep + 1,
		rep > 0 ? ex->repetitions : ex->warmup, e, eta,
		r->tty ? "" : "\n");
	(void)what;
}

static void say(struct run *r, const char *fmt, ...) VB_PRINTF(2, 3);
static void say(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->tty)
		fputs("\r\033[K", stderr);
	fputs("virtbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* recording                                                            */
/* ------------------------------------------------------------------ */

/*
 * The fields of one runs.csv row that every row of a repetition shares;
 * f must hold VB_RC_N entries. The strings point into r, c and buf.
 */
static void row_common(struct run *r, size_t cell, int rep, char *buf,
		       size_t n, const char **f)
{
	const struct vb_cell *c = &r->cells[cell];
	const struct vb_experiment *ex = r->ex;
	const struct vb_config_entry *ce = &ex->configs[c->config];

	snprintf(buf, n, "%d%c%lld%c%d", ce->cpus, '\0',
		 (long long)ce->memory, '\0', rep);
	memset(f, 0, VB_RC_N * sizeof(*f));
	f[VB_RC_BACKEND] = ex->backends[c->backend].label;
	f[VB_RC_CONFIG] = ce->name;
	f[VB_RC_CPUS] = buf;
	f[VB_RC_MEMORY] = buf + strlen(buf) + 1;
	f[VB_RC_WORKLOAD] = ex->workloads[c->workload].label;
	f[VB_RC_PARAMS] = c->params;
	f[VB_RC_REPETITION] = f[VB_RC_MEMORY] + strlen(f[VB_RC_MEMORY]) + 1;
}

/* A failed journal write ends the run (docs/errors.md): going on would
 * report repetitions that are not on disk. */
static int journal_failed(struct run *r, int rc)
{
	if (!r->write_error)
		r->write_error = rc;
	say(r, "cannot write %s/runs.csv: %s; stopping (what is recorded "
	    "stays; free space and run the same command again to resume)",
	    r->dir, strerror(-rc));
	return rc;
}

struct metric_val {
	char name[64];
	double value;
};

struct rep_result {
	struct metric_val *m;
	size_t nm;
	struct vb_buf facts;
	char error[1024];
	int done_status;   /* -1: no done line */
};

static void rep_reset(struct rep_result *rr)
{
	free(rr->m);
	vb_buf_free(&rr->facts);
	memset(rr, 0, sizeof(*rr));
	rr->done_status = -1;
}

static const char *metric_unit(const struct vb_plugin_info *in, const char *name)
{
	const struct vb_metric *m;

	for (m = in->metrics; m && m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m->unit;
	return "";
}

static int record_ok(struct run *r, size_t cell, int rep,
		     const struct rep_result *rr, const char *verdict,
		     const char *started, const char *env_facts)
{
	const struct vb_plugin_info *in =
		r->ex->workloads[r->cells[cell].workload].plugin->info;
	struct vb_buf facts = VB_BUF_INIT;
	const char *(*rows)[VB_RC_N] = vb_xcalloc(rr->nm ? rr->nm : 1,
						  sizeof(*rows));
	const char **rowp[rr->nm ? rr->nm : 1];
	char finished[40], common[64], (*vals)[32];
	int rc;

	vb_iso_now(finished, sizeof(finished));
	vb_buf_add(&facts, env_facts);
	if (rr->facts.len) {
		if (facts.len)
			vb_buf_addc(&facts, ';');
		vb_buf_add(&facts, vb_buf_str(&rr->facts));
	}
	vals = vb_xcalloc(rr->nm ? rr->nm : 1, sizeof(*vals));
	for (size_t i = 0; i < rr->nm; i++) {
		const char **f = rows[i];

		row_common(r, cell, rep, common, sizeof(common), f);
		snprintf(vals[i], sizeof(vals[i]), "%.17g", rr->m[i].value);
		f[VB_RC_METRIC] = rr->m[i].name;
		f[VB_RC_VALUE] = vals[i];
		f[VB_RC_UNIT] = strcmp(rr->m[i].name, "host_time") == 0 ? "s"
			: strcmp(rr->m[i].name, "page_cache_dropped") == 0 ? ""
			: metric_unit(in, rr->m[i].name);
		f[VB_RC_STATUS] = "ok";
		f[VB_RC_VERDICT] = verdict;
		f[VB_RC_STARTED] = started;
		f[VB_RC_FINISHED] = finished;
		f[VB_RC_FACTS] = vb_buf_str(&facts);
		f[VB_RC_ERROR] = "";
		rowp[i] = f;
	}
	rc = vb_journal_append(r->runs, (const char *const *const *)rowp,
			       rr->nm);
	vb_buf_free(&facts);
	free(vals);
	free(rows);
	return rc < 0 ? journal_failed(r, rc) : 0;
}

static int record_failed(struct run *r, size_t cell, int rep,
			 const char *verdict, const char *started,
			 const char *env_facts, const char *error)
{
	const char *f[VB_RC_N];
	const char *const *rows[1] = { f };
	char finished[40], common[64];
	int rc;

	if (rep <= 0)
		return 0;
	vb_iso_now(finished, sizeof(finished));
	row_common(r, cell, rep, common, sizeof(common), f);
	f[VB_RC_METRIC] = f[VB_RC_VALUE] = f[VB_RC_UNIT] = "";
	f[VB_RC_STATUS] = "failed";
	f[VB_RC_VERDICT] = verdict;
	f[VB_RC_STARTED] = started;
	f[VB_RC_FINISHED] = finished;
	f[VB_RC_FACTS] = env_facts;
	f[VB_RC_ERROR] = error;
	rc = vb_journal_append(r->runs, rows, 1);
	if (rc < 0)
		return journal_failed(r, rc);
	r->failed_reps++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* talking to the agent through a backend                               */
/* ------------------------------------------------------------------ */

struct line_sink {
	struct rep_result *rr;
	struct vb_probe *probe;
};

static int on_agent_line(void *u, const char *line)
{
	struct line_sink *s = u;
	struct vb_line l;

	switch (vb_line_parse(line, &l)) {
	case VB_LINE_METRIC:
		if (s->rr) {
			struct metric_val *m = realloc(
				s->rr->m, (s->rr->nm + 1) * sizeof(*m));

			if (!m)
				return -ENOMEM;
			s->rr->m = m;
			snprintf(m[s->rr->nm].name, sizeof(m[0].name), "%s",
				 l.key);
			m[s->rr->nm++].value = l.num;
		}
		break;
	case VB_LINE_FACT:
		if (s->rr)
			vb_buf_add_kv(&s->rr->facts, l.key, l.value);
		break;
	case VB_LINE_PROBE:
		if (s->probe)
			vb_probe_set(s->probe, l.key, l.value);
		break;
	case VB_LINE_ERROR:
		if (s->rr && !s->rr->error[0])
			snprintf(s->rr->error, sizeof(s->rr->error), "%s",
				 l.value);
		break;
	case VB_LINE_DONE:
		if (s->rr)
			s->rr->done_status = (int)l.num;
		break;
	case VB_LINE_NONE:
		break;
	}
	return 0;
}

struct env_rt {
	bool open;
	int log_fd;
	struct vb_env_spec spec;
	struct vb_env_granted granted;
	struct vb_verification ver;
	struct vb_buf facts;
	char label[256];
	char log_dir[PATH_MAX];
};

static int collect_env_fact(void *u, const char *k, const char *v)
{
	struct env_rt *e = u;

	vb_buf_add_kv(&e->facts, k, v);
	return 0;
}

/* Send one agent command; fills rr. Returns 0 when the agent answered
 * "done 0", else -errno / 1 with rr->error set. */
static int agent_call(struct run *r, struct backend_rt *b, struct env_rt *env,
		      const struct vb_backend_ops *ops, const char *const *argv,
		      struct rep_result *rr, struct vb_probe *probe,
		      double *host_seconds)
{
	struct line_sink sink = { .rr = rr, .probe = probe };
	struct vb_exec ex = {
		.argv = argv,
		.timeout = r->ex->timeout,
		.on_line = on_agent_line,
		.user = &sink,
		.log_fd = env->log_fd,
	};
	struct rep_result tmp = { .done_status = -1 };
	uint64_t t0;
	int status = -1, rc;

	if (!rr)
		sink.rr = rr = &tmp;
	vb_ctx_clear_error(b->ctx);
	t0 = vb_now_ns();
	rc = ops->exec(b->state, b->ctx, &ex, &status);
	if (host_seconds)
		*host_seconds = (double)(vb_now_ns() - t0) / 1e9;
	if (rc == 0 && rr->done_status == 0 && status == 0) {
		if (rr == &tmp)
			rep_reset(&tmp);
		return 0;
	}
	if (!rr->error[0]) {
		if (rc == -ETIMEDOUT)
			snprintf(rr->error, sizeof(rr->error),
				 "agent did not answer within %.0f s (timeout); environment restarted",
				 r->ex->timeout);
		else if (rc == -EINTR)
			snprintf(rr->error, sizeof(rr->error), "interrupted");
		else if (rc < 0)
			snprintf(rr->error, sizeof(rr->error), "%s",
				 vb_ctx_error(b->ctx)[0] ? vb_ctx_error(b->ctx)
							 : strerror(-rc));
		else if (rr->done_status < 0)
			snprintf(rr->error, sizeof(rr->error),
				 "agent ended without an answer (exit status %d); see logs/%s.log",
				 status, env->label);
		else
			snprintf(rr->error, sizeof(rr->error),
				 "agent failed with status %d", rr->done_status);
	}
	rc = rc < 0 ? rc : -EIO;
	if (rr == &tmp) {
		say(r, "%s: %s", env->label, tmp.error);
		rep_reset(&tmp);
	}
	return rc;
}

static void env_close(struct run *r, struct backend_rt *b,
		      const struct vb_backend_ops *ops, struct env_rt *env)
{
	(void)r;
	if (env->open) {
		ops->close(b->state, b->ctx);
		env->open = false;
	}
	if (env->log_fd >= 0) {
		close(env->log_fd);
		env->log_fd = -1;
	}
	vb_buf_free(&env->facts);
}

/* The same verification, kept for environment.json. */
static void record_verify(struct run *r, struct env_rt *env,
			  const struct vb_probe *p)
{
	char t[40];
	json_t *e;

	vb_iso_now(t, sizeof(t));
	e = json_pack("{s:s, s:i, s:f, s:I, s:I, s:b, s:b, s:s, s:s, s:s, s:{s:i, s:i, s:f, s:s, s:I, s:I, s:s, s:s, s:s}}",
		      "label", env->label, "cpus_requested", env->spec.cpus,
		      "cpus_observed", env->ver.cpus_observed,
		      "memory_requested", (json_int_t)env->spec.memory,
		      "memory_observed", (json_int_t)env->ver.mem_observed,
		      "cpus_enforced", env->granted.cpus_enforced,
		      "memory_enforced", env->granted.memory_enforced,
		      "verdict", vb_verdict_name(env->ver.verdict), "reason",
		      env->ver.reason, "facts", vb_buf_str(&env->facts), "probe",
		      "cpus_online", p->cpus_online, "cpus_affinity",
		      p->cpus_affinity, "cpu_quota", p->cpu_quota, "cpuset",
		      p->cpuset, "mem_total", (json_int_t)p->mem_total,
		      "mem_limit", (json_int_t)p->mem_limit, "kernel",
		      p->kernel, "virt", p->virt, "cgroup", p->cgroup);
	if (e) {
		json_object_set_new(e, "time", json_string(t));
		json_array_append_new(r->envs, e);
	}
}

static int write_verify_row(struct run *r, size_t bi, size_t ci,
			    struct env_rt *env, const struct vb_probe *p)
{
	char t[40], probe_s[1024], cr[16], co[32], mr[32], mo[32];
	const char *f[VB_VC_N];
	const char *const *rows[1] = { f };
	int rc;

	vb_iso_now(t, sizeof(t));
	snprintf(probe_s, sizeof(probe_s),
		 "cpus_online=%d;cpus_affinity=%d;cpu_quota=%.6g;cpuset=%s;mem_total=%lld;mem_limit=%lld;kernel=%s;virt=%s;cgroup=%s",
		 p->cpus_online, p->cpus_affinity, p->cpu_quota, p->cpuset,
		 (long long)p->mem_total, (long long)p->mem_limit, p->kernel,
		 p->virt, p->cgroup);
	snprintf(cr, sizeof(cr), "%d", env->spec.cpus);
	snprintf(co, sizeof(co), "%.4g", env->ver.cpus_observed);
	snprintf(mr, sizeof(mr), "%lld", (long long)env->spec.memory);
	snprintf(mo, sizeof(mo), "%lld", (long long)env->ver.mem_observed);
	f[VB_VC_BACKEND] = r->ex->backends[bi].label;
	f[VB_VC_CONFIG] = r->ex->configs[ci].name;
	f[VB_VC_CPUS_REQUESTED] = cr;
	f[VB_VC_CPUS_OBSERVED] = co;
	f[VB_VC_MEMORY_REQUESTED] = mr;
	f[VB_VC_MEMORY_OBSERVED] = mo;
	f[VB_VC_CPUS_ENFORCED] = env->granted.cpus_enforced ? "yes" : "no";
	f[VB_VC_MEMORY_ENFORCED] = env->granted.memory_enforced ? "yes" : "no";
	f[VB_VC_VERDICT] = vb_verdict_name(env->ver.verdict);
	f[VB_VC_REASON] = env->ver.reason;
	f[VB_VC_PROBE] = probe_s;
	f[VB_VC_FACTS] = vb_buf_str(&env->facts);
	f[VB_VC_TIME] = t;
	rc = vb_journal_append(r->verify, rows, 1);
	return rc < 0 ? journal_failed(r, rc) : 0;
}

static int64_t group_scratch(struct run *r, const struct group *g)
{
	int64_t need = 0;
	size_t i;

	for (i = 0; i < g->nitems; i++) {
		const struct vb_cell *c = &r->cells[g->items[i].cell];
		const struct vb_workload_ops *wo =
			r->ex->workloads[c->workload].plugin->info->ops;

		if (wo->scratch_bytes) {
			int64_t s = wo->scratch_bytes(c->opts);

			if (s > need)
				need = s;
		}
	}
	return need;
}

/* Open, probe and verify the environment of group g. */
static int env_open(struct run *r, struct backend_rt *b,
		    const struct vb_backend_ops *ops, const struct group *g,
		    struct env_rt *env, char *why, size_t whylen)
{
	const struct vb_backend_entry *be = &r->ex->backends[g->backend];
	const struct vb_config_entry *ce = &r->ex->configs[g->config];
	const char *probe_argv[] = { "probe", NULL };
	struct vb_probe p;
	struct rep_result rr = { .done_status = -1 };
	char path[PATH_MAX + 300];
	int rc;

	snprintf(env->label, sizeof(env->label), "%s-%s", be->label, ce->name);
	for (char *c = env->label; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		      *c == '-'))
			*c = '_';
	snprintf(env->log_dir, sizeof(env->log_dir), "%s/logs", r->dir);
	vb_mkdir_p(env->log_dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.log", env->log_dir, env->label);
	env->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	env->spec = (struct vb_env_spec){
		.label = env->label,
		.cpus = ce->cpus,
		.memory = ce->memory,
		.scratch_bytes = group_scratch(r, g),
		.log_dir = env->log_dir,
	};
	memset(&env->granted, 0, sizeof(env->granted));
	vb_buf_free(&env->facts);
	vb_ctx_set_sinks(b->ctx, NULL, NULL, collect_env_fact, env);
	vb_ctx_clear_error(b->ctx);
	rc = ops->open(b->state, b->ctx, &env->spec, &env->granted);
	env->open = true; /* close() is called after a failed open too */
	if (rc < 0) {
		snprintf(why, whylen, "cannot open environment: %s",
			 vb_ctx_error(b->ctx)[0] ? vb_ctx_error(b->ctx)
						 : strerror(-rc));
		return rc;
	}
	vb_probe_init(&p);
	rc = agent_call(r, b, env, ops, probe_argv, &rr, &p, NULL);
	if (rc < 0) {
		snprintf(why, whylen, "probe failed: %s", rr.error);
		rep_reset(&rr);
		return rc;
	}
	rep_reset(&rr);
	vb_verify(&env->spec, &env->granted, &p, env->granted.vm, be->verify,
		  &env->ver);
	rc = write_verify_row(r, g->backend, g->config, env, &p);
	if (rc < 0) {
		snprintf(why, whylen, "cannot record the verification: %s",
			 strerror(-rc));
		return rc;
	}
	record_verify(r, env, &p);
	if (env->ver.verdict == VB_VERDICT_REFUSED) {
		snprintf(why, whylen, "refused: %s", env->ver.reason);
		r->refused_envs++;
		return -EPERM;
	}
	if (env->ver.verdict == VB_VERDICT_WARN)
		say(r, "%s: warning: %s", env->label, env->ver.reason);
	return 0;
}

/* argv for one agent request: --seed N CMD WORKLOAD kv... */
static const char **agent_argv(struct run *r, const struct vb_cell *c,
			       const char *cmd, char *seedbuf, size_t seedlen)
{
	const char **argv = calloc(c->nkv + 6, sizeof(char *));
	size_t i, n = 0;

	if (!argv)
		return NULL;
	snprintf(seedbuf, seedlen, "%llu", (unsigned long long)r->ex->seed);
	argv[n++] = "--seed";
	argv[n++] = seedbuf;
	argv[n++] = cmd;
	argv[n++] = r->ex->workloads[c->workload].plugin->info->name;
	for (i = 0; i < c->nkv; i++)
		argv[n++] = c->kv[i];
	argv[n] = NULL;
	return argv;
}

static void add_metric(struct rep_result *rr, const char *name, double v)
{
	struct metric_val *m = realloc(rr->m, (rr->nm + 1) * sizeof(*m));

	if (!m)
		return;
	rr->m = m;
	snprintf(m[rr->nm].name, sizeof(m[0].name), "%s", name);
	m[rr->nm++].value = v;
}

/* One repetition (or warmup) of a cell in an open environment. */
static int run_rep(struct run *r, struct backend_rt *b,
		   const struct vb_backend_ops *ops, struct env_rt *env,
		   size_t cell, struct rep_result *rr)
{
	const struct vb_cell *c = &r->cells[cell];
	const struct vb_plugin_info *wi =
		r->ex->workloads[c->workload].plugin->info;
	const struct vb_workload_ops *wo = wi->ops;
	char seed[32];
	double host = 0;
	int rc;

	if (wo->flags & VB_WL_DROP_CACHES) {
		const char **pa = agent_argv(r, c, "prepare", seed, sizeof(seed));
		const char **ma = agent_argv(r, c, "measure", seed, sizeof(seed));
		const char **ca = agent_argv(r, c, "cleanup", seed, sizeof(seed));
		struct rep_result scratch_rr = { .done_status = -1 };
		bool dropped = false;

		if (!pa || !ma || !ca) {
			free(pa);
			free(ma);
			free(ca);
			return -ENOMEM;
		}
		rc = agent_call(r, b, env, ops, pa, &scratch_rr, NULL, NULL);
		if (rc < 0)
			snprintf(rr->error, sizeof(rr->error), "prepare: %.1000s",
				 scratch_rr.error);
		rep_reset(&scratch_rr);
		if (rc == 0) {
			int d = ops->drop_caches
					? ops->drop_caches(b->state, b->ctx)
					: -ENOTSUP;

			dropped = d == 0;
			if (!dropped)
				say(r, "%s: warning: page cache not dropped before the run (%s)",
				    env->label, strerror(-d));
			rc = agent_call(r, b, env, ops, ma, rr, NULL, &host);
			/* Cleanup whatever happened, but not after a
			 * timeout: that environment is being restarted. */
			if (rc != -ETIMEDOUT && rc != -EINTR)
				agent_call(r, b, env, ops, ca, NULL, NULL, NULL);
		}
		if (rc == 0) {
			add_metric(rr, "host_time", host);
			add_metric(rr, "page_cache_dropped", dropped ? 1 : 0);
		}
		free(pa);
		free(ma);
		free(ca);
		return rc;
	}
	{
		const char **ra = agent_argv(r, c, "run", seed, sizeof(seed));

		if (!ra)
			return -ENOMEM;
		rc = agent_call(r, b, env, ops, ra, rr, NULL, &host);
		free(ra);
	}
	if (rc == 0)
		add_metric(rr, "host_time", host);
	return rc;
}

static int ensure_backend(struct run *r, size_t bi)
{
	struct backend_rt *b = &r->brt[bi];
	const struct vb_backend_entry *be = &r->ex->backends[bi];
	const struct vb_backend_ops *ops = be->plugin->info->ops;

	if (b->created)
		return b->create_rc;
	b->created = true;
	b->ctx = vb_ctx_new(be->plugin);
	if (!b->ctx)
		return b->create_rc = -ENOMEM;
	vb_ctx_set_paths(b->ctx, r->agent, r->wl_path);
	vb_ctx_set_bundle(b->ctx, &vb_engine_bundle);
	vb_ctx_set_seed(b->ctx, r->ex->seed);
	b->create_rc = ops->create(b->ctx, be->opts, &b->state);
	if (b->create_rc < 0) {
		snprintf(b->create_err, sizeof(b->create_err), "%s",
			 vb_ctx_error(b->ctx)[0] ? vb_ctx_error(b->ctx)
						 : strerror(-b->create_rc));
		say(r, "backend %s unavailable: %s", be->label, b->create_err);
		b->state = NULL;
	}
	return b->create_rc;
}

static int fail_pending(struct run *r, const struct group *g, size_t from,
			const char *verdict, const char *facts,
			const char *error)
{
	char t[40];
	size_t i;
	int rc;

	vb_iso_now(t, sizeof(t));
	for (i = from; i < g->nitems; i++) {
		if (g->items[i].rep <= 0 ||
		    is_done(r, g->items[i].cell, g->items[i].rep))
			continue;
		rc = record_failed(r, g->items[i].cell, g->items[i].rep,
				   verdict, t, facts, error);
		if (rc < 0)
			return rc;
		r->finished_items++;
	}
	return 0;
}

static int run_group(struct run *r, const struct group *g)
{
	const struct vb_backend_entry *be = &r->ex->backends[g->backend];
	const struct vb_backend_ops *ops = be->plugin->info->ops;
	struct backend_rt *b = &r->brt[g->backend];
	struct env_rt env = { .log_fd = -1 };
	char why[1400];
	size_t i;
	int rc;

	for (i = 0; i < g->nitems; i++)
		if (g->items[i].rep > 0 &&
		    !is_done(r, g->items[i].cell, g->items[i].rep))
			break;
	if (i == g->nitems)
		return 0; /* all done in an earlier run */
	if (ensure_backend(r, g->backend) < 0) {
		snprintf(why, sizeof(why), "backend unavailable: %s",
			 b->create_err);
		return fail_pending(r, g, 0, "none", "", why);
	}
	rc = env_open(r, b, ops, g, &env, why, sizeof(why));
	if (rc < 0) {
		say(r, "%s: %s", env.label, why);
		rc = r->write_error ? r->write_error
			: fail_pending(r, g, 0, rc == -EPERM ? "refused" : "none",
				       vb_buf_str(&env.facts), why);
		env_close(r, b, ops, &env);
		return rc < 0 ? rc : vb_is_interrupted() ? -EINTR : 0;
	}
	for (i = 0; i < g->nitems && !vb_is_interrupted(); i++) {
		const struct item *it = &g->items[i];
		struct rep_result rr = { .done_status = -1 };
		char started[40];
		int attempt;

		if (is_done(r, it->cell, it->rep))
			continue;
		progress(r, it->cell, it->rep, "");
		vb_iso_now(started, sizeof(started));
		for (attempt = 0;; attempt++) {
			rep_reset(&rr);
			rc = run_rep(r, b, ops, &env, it->cell, &rr);
			if (rc == 0 || rc == -EINTR || vb_is_interrupted() ||
			    attempt >= be->retries)
				break;
			say(r, "%s: repetition failed (%s); restarting the environment and retrying",
			    env.label, rr.error);
			env_close(r, b, ops, &env);
			if (env_open(r, b, ops, g, &env, why, sizeof(why)) < 0) {
				snprintf(rr.error, sizeof(rr.error), "%.1000s", why);
				rc = -EIO;
				break;
			}
		}
		if (vb_is_interrupted() && rc != 0) {
			rep_reset(&rr);
			break;
		}
		if (it->rep > 0) {
			int w;

			if (rc == 0) {
				w = record_ok(r, it->cell, it->rep, &rr,
					      vb_verdict_name(env.ver.verdict),
					      started, vb_buf_str(&env.facts));
			} else {
				say(r, "%s: repetition %d failed: %s",
				    env.label, it->rep, rr.error);
				w = record_failed(r, it->cell, it->rep,
						  vb_verdict_name(env.ver.verdict),
						  started, vb_buf_str(&env.facts),
						  rr.error);
			}
			if (w < 0) {
				rep_reset(&rr);
				env_close(r, b, ops, &env);
				return w;
			}
		}
		r->finished_items++;
		rep_reset(&rr);
		if (env.open && rc < 0 && rc != -EIO) {
			/* The environment itself failed (timeout, lost
			 * container or VM): the next repetition gets a fresh
			 * one, even when no retry was left for this one. */
			env_close(r, b, ops, &env);
			if (i + 1 < g->nitems &&
			    env_open(r, b, ops, g, &env, why, sizeof(why)) < 0)
				env_close(r, b, ops, &env);
		}
		if (!env.open) {
			/* A retry could not reopen it: the rest fails too. */
			rc = fail_pending(r, g, i + 1, "none", "", why);
			if (rc < 0)
				return rc;
			break;
		}
	}
	env_close(r, b, ops, &env);
	return vb_is_interrupted() ? -EINTR : 0;
}

/* ------------------------------------------------------------------ */
/* building the work list                                               */
/* ------------------------------------------------------------------ */

static void shuffle(void *base, size_t n, size_t size, uint64_t *rng)
{
	char tmp[64];
	char *a = base;
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix(rng) % i);

		memcpy(tmp, a + (i - 1) * size, size);
		memcpy(a + (i - 1) * size, a + j * size, size);
		memcpy(a + j * size, tmp, size);
	}
}

static struct group *build_groups(struct run *r, size_t *ngroups)
{
	const struct vb_experiment *ex = r->ex;
	size_t ng = ex->nbackends * ex->nconfigs, gi, ci;
	struct group *gs = calloc(ng ? ng : 1, sizeof(*gs));
	uint64_t rng = ex->seed;

	if (!gs)
		return NULL;
	for (gi = 0; gi < ng; gi++) {
		gs[gi].backend = gi / ex->nconfigs;
		gs[gi].config = gi % ex->nconfigs;
	}
	for (ci = 0; ci < r->ncells; ci++) {
		const struct vb_cell *c = &r->cells[ci];
		struct group *g = &gs[c->backend * ex->nconfigs + c->config];
		size_t add = (size_t)(ex->warmup + ex->repetitions);
		struct item *ni = realloc(g->items,
					  (g->nitems + add) * sizeof(*ni));
		int k;

		if (!ni)
			continue;
		g->items = ni;
		/* Warmups of a cell just before its measured repetitions. */
		for (k = 0; k < ex->warmup; k++)
			g->items[g->nitems++] = (struct item){ ci, -k };
		for (k = 1; k <= ex->repetitions; k++)
			g->items[g->nitems++] = (struct item){ ci, k };
	}
	if (ex->order == VB_ORDER_SHUFFLED) {
		/* Environments are booted once per group, so shuffle the
		 * groups and the repetitions inside each: drift spreads over
		 * cells without a VM boot per repetition. */
		shuffle(gs, ng, sizeof(*gs), &rng);
		for (gi = 0; gi < ng; gi++)
			shuffle(gs[gi].items, gs[gi].nitems,
				sizeof(struct item), &rng);
	}
	for (gi = 0; gi < ng; gi++) {
		/* Another shard's environment: another machine runs it. */
		if (!vb_shard_owns(r->shard, gs[gi].backend, gs[gi].config))
			gs[gi].nitems = 0;
		r->total_items += gs[gi].nitems;
	}
	*ngroups = ng;
	return gs;
}

/* ------------------------------------------------------------------ */
/* entry points                                                         */
/* ------------------------------------------------------------------ */

static int write_env_json(struct run *r, json_t *root)
{
	char *path = vb_path_join(r->dir, "environment.json");
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!text)
		vb_oom();
	rc = vb_write_file_atomic(path, text, strlen(text));
	free(text);
	free(path);
	return rc;
}

int vb_run(struct vb_run_opts *o)
{
	struct vb_registry reg = { 0 };
	struct vb_experiment *ex = NULL;
	struct vb_diag diag = { 0 };
	struct run r = { 0 };
	struct group *groups = NULL;
	size_t ngroups = 0, gi;
	char dir[PATH_MAX], path[PATH_MAX + 64];
	json_t *root = NULL, *matrix = NULL;
	char *matrix_s = NULL, *ident = NULL, err[1024];
	size_t torn = 0;
	pid_t holder;
	int status = VB_RUN_OK, rc, lock = -1;

	vb_registry_load(&reg, o->plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	if (vb_experiment_load(o->experiment, &reg, &ex, &diag) < 0) {
		vb_diag_print(&diag, stderr);
		vb_diag_free(&diag);
		vb_registry_free(&reg);
		return VB_RUN_USAGE;
	}
	vb_diag_free(&diag);
	if (vb_matrix_expand(ex, &r.cells, &r.ncells) < 0) {
		fprintf(stderr, "virtbench: %s: cannot expand the matrix\n",
			o->experiment);
		status = VB_RUN_USAGE;
		goto out;
	}
	r.ex = ex;
	if (o->shard &&
	    vb_shard_bind(o->shard, ex, r.cells, r.ncells, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtbench: %s: %s\n", o->experiment, err);
		status = VB_RUN_USAGE;
		goto out;
	}
	r.shard = o->shard;
	if (o->outdir)
		snprintf(dir, sizeof(dir), "%s", o->outdir);
	else
		snprintf(dir, sizeof(dir), "results/%s", ex->name);
	r.dir = dir;
	o->dir = vb_xstrdup(dir);
	if ((rc = vb_mkdir_p(dir, 0755)) < 0) {
		fprintf(stderr, "virtbench: cannot create %s: %s\n", dir,
			strerror(-rc));
		status = VB_RUN_USAGE;
		goto out;
	}

	lock = vb_results_lock(dir, &holder);
	if (lock < 0) {
		if (lock == -EBUSY)
			fprintf(stderr, "virtbench: %s is in use by another virtbench "
				"(pid %ld); one writer per results directory\n",
				dir, (long)holder);
		else
			fprintf(stderr, "virtbench: cannot lock %s: %s\n", dir,
				strerror(-lock));
		status = VB_RUN_USAGE;
		goto out;
	}
	matrix = matrix_json(ex);
	matrix_s = json_dumps(matrix, JSON_SORT_KEYS | JSON_COMPACT);
	/* What makes two runs' numbers the same measurement: every option
	 * (axes or not, defaults included), the matrix and the seed. Not the
	 * repetition count, so a rerun may add repetitions. */
	ident = vb_xasprintf("%s\nseed=%llu", matrix_s ? matrix_s : "",
			     (unsigned long long)ex->seed);
	snprintf(r.hash, sizeof(r.hash), "%016llx",
		 (unsigned long long)fnv1a(ident));
	snprintf(path, sizeof(path), "%s/environment.json", dir);
	{
		json_t *old = json_load_file(path, 0, NULL);
		const char *oh = old ? json_string_value(json_object_get(
					       old, "config_hash"))
				     : NULL;

		if (oh && strcmp(oh, r.hash) != 0) {
			fprintf(stderr,
				"virtbench: %s holds results of a different experiment configuration (hash %s, this one %s);\n"
				"  refusing to mix them. Use another directory with -o, or remove it.\n",
				dir, oh, r.hash);
			json_decref(old);
			status = VB_RUN_USAGE;
			goto out;
		}
		json_decref(old);
	}
	if ((rc = load_journal(&r, err, sizeof(err))) < 0 ||
	    (rc = vb_journal_open(dir, &vb_runs_format, ex->name, r.hash,
				  &r.runs, &torn, err, sizeof(err))) < 0 ||
	    (rc = vb_journal_open(dir, &vb_verify_format, ex->name, r.hash,
				  &r.verify, NULL, err, sizeof(err))) < 0) {
		fprintf(stderr, "virtbench: %s\n", err);
		status = VB_RUN_USAGE;
		goto out;
	}
	if (torn)
		say(&r, "%s/runs.csv ended in a torn record (%zu bytes, a run "
		    "that was killed or ran out of space): moved to "
		    "runs.csv.torn; its repetition is run again", dir, torn);
	snprintf(path, sizeof(path), "%s/experiment.cfg", dir);
	if ((rc = vb_copy_file(o->experiment, path)) < 0) {
		fprintf(stderr, "virtbench: cannot copy %s to %s: %s\n",
			o->experiment, path, strerror(-rc));
		status = VB_RUN_USAGE;
		goto out;
	}

	r.agent = vb_find_agent();
	r.wl_path = reg.search_path ? strdup(reg.search_path) : NULL;
	r.brt = calloc(ex->nbackends, sizeof(*r.brt));
	r.envs = json_array();
	root = json_object();
	{
		char t[40];

		vb_iso_now(t, sizeof(t));
		json_object_set_new(root, "virtbench", json_string(PACKAGE_VERSION));
		json_object_set_new(root, "abi", json_sprintf("%d.%d",
			VB_PLUGIN_ABI_MAJOR, VB_PLUGIN_ABI_MINOR));
		json_object_set_new(root, "config_hash", json_string(r.hash));
		json_object_set_new(root, "started", json_string(t));
		json_object_set_new(root, "host", host_json());
		json_object_set_new(root, "plugins", plugins_json(&reg));
		json_object_set_new(root, "experiment", experiment_json(ex, matrix));
		json_object_set_new(root, "environments", json_incref(r.envs));
		if ((rc = write_env_json(&r, root)) < 0) {
			fprintf(stderr, "virtbench: cannot write %s/environment.json: %s\n",
				dir, strerror(-rc));
			status = VB_RUN_USAGE;
			goto out;
		}
	}

	groups = build_groups(&r, &ngroups);
	for (gi = 0; gi < ngroups; gi++) {
		size_t i;

		for (i = 0; i < groups[gi].nitems; i++)
			if (!is_done(&r, groups[gi].items[i].cell,
				     groups[gi].items[i].rep))
				r.todo_items++;
	}
	r.tty = isatty(2);
	r.t0 = vb_now_ns();
	say(&r, "%s: %zu cells x %d repetitions%s; %zu to run, results in %s",
	    ex->name, r.ncells, ex->repetitions,
	    ex->warmup ? " (+ warmups)" : "", r.todo_items, dir);
	for (gi = 0; gi < ngroups; gi++) {
		rc = run_group(&r, &groups[gi]);
		if (rc == -EINTR || vb_is_interrupted() || r.write_error)
			break;
	}
	if (r.tty)
		fputs("\r\033[K", stderr);
	for (gi = 0; gi < ex->nbackends; gi++) {
		if (r.brt[gi].state)
			((const struct vb_backend_ops *)ex->backends[gi]
				 .plugin->info->ops)
				->destroy(r.brt[gi].state);
		vb_ctx_free(r.brt[gi].ctx);
	}
	{
		char t[40];

		vb_iso_now(t, sizeof(t));
		json_object_set_new(root, "finished", json_string(t));
		json_object_set_new(root, "interrupted",
				    json_boolean(vb_is_interrupted()));
		if ((rc = write_env_json(&r, root)) < 0 && !r.write_error) {
			say(&r, "cannot write %s/environment.json: %s", dir,
			    strerror(-rc));
			r.write_error = rc;
		}
	}
	if (r.write_error) {
		status = VB_RUN_FAILED;
		goto out;
	}
	if (vb_is_interrupted()) {
		say(&r, "interrupted: %zu repetitions recorded this time; run the same command again to resume",
		    r.finished_items);
		status = 130;
		goto out;
	}
	if (r.failed_reps || r.refused_envs)
		status = VB_RUN_FAILED;
	say(&r, "done: %zu repetitions run, %zu failed, %zu environments refused",
	    r.finished_items, r.failed_reps, r.refused_envs);
out:
	vb_journal_close(r.runs);
	vb_journal_close(r.verify);
	vb_results_unlock(lock);
	free(ident);
	for (size_t i = 0; i < r.ndone; i++)
		free(r.done_keys[i]);
	free(r.done_keys);
	for (gi = 0; gi < ngroups; gi++)
		free(groups[gi].items);
	free(groups);
	free(r.brt);
	free(r.agent);
	free(r.wl_path);
	json_decref(r.envs);
	json_decref(root);
	json_decref(matrix);
	free(matrix_s);
	if (r.cells)
		vb_matrix_free(r.cells, r.ncells, ex);
	vb_experiment_free(ex);
	vb_registry_free(&reg);
	return status;
}

int vb_probe_backend(const char *plugin_dirs, const char *backend, int cpus,
		     int64_t memory, char **kv, size_t nkv)
{
	struct vb_registry reg = { 0 };
	const struct vb_plugin *p;
	const struct vb_backend_ops *ops;
	struct vb_ctx *ctx = NULL;
	void *opts = NULL, *state = NULL;
	char err[1024], *agent = NULL;
	int status = VB_RUN_USAGE, rc;

	vb_registry_load(&reg, plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	p = vb_registry_find(&reg, VB_PLUGIN_BACKEND, backend);
	if (!p) {
		fprintf(stderr,
			"virtbench: no backend plugin '%s'; 'virtbench plugins' lists them\n",
			backend);
		goto out;
	}
	if (vb_opts_from_kv(p->info, (const char *const *)kv, nkv, &opts, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "virtbench: %s: %s\n", backend, err);
		goto out;
	}
	ops = p->info->ops;
	ctx = vb_ctx_new(p);
	agent = vb_find_agent();
	vb_ctx_set_paths(ctx, agent, reg.search_path);
	vb_ctx_set_bundle(ctx, &vb_engine_bundle);
	if ((rc = ops->create(ctx, opts, &state)) < 0) {
		fprintf(stderr, "virtbench: %s: %s\n", backend,
			vb_ctx_error(ctx)[0] ? vb_ctx_error(ctx) : strerror(-rc));
		status = VB_RUN_FAILED;
		goto out;
	}
	{
		char tmpdir[] = "/tmp/virtbench-probe-XXXXXX";
		struct vb_env_spec spec = { .label = "probe", .cpus = cpus,
					    .memory = memory,
					    .log_dir = mkdtemp(tmpdir) };
		struct vb_env_granted g = { 0 };
		struct vb_probe pr;
		struct vb_verification v;
		struct env_rt env = { .log_fd = -1 };
		struct run r = { 0 };
		struct vb_experiment fake = { .timeout = 120 };
		struct backend_rt b = { .ctx = ctx, .state = state };
		const char *argv[] = { "probe", NULL };
		struct rep_result rr = { .done_status = -1 };

		r.ex = &fake;
		snprintf(env.label, sizeof(env.label), "probe");
		vb_ctx_set_sinks(ctx, NULL, NULL, collect_env_fact, &env);
		rc = ops->open(state, ctx, &spec, &g);
		vb_probe_init(&pr);
		if (rc == 0)
			rc = agent_call(&r, &b, &env, ops, argv, &rr, &pr, NULL);
		if (rc < 0) {
			fprintf(stderr, "virtbench: %s: %s\n", backend,
				rr.error[0] ? rr.error
				: vb_ctx_error(ctx)[0] ? vb_ctx_error(ctx)
						       : strerror(-rc));
			status = VB_RUN_FAILED;
		} else {
			vb_verify(&spec, &g, &pr, g.vm, VB_VERIFY_STRICT, &v);
			printf("backend         %s\n", backend);
			printf("cpus            requested %d, observed %.2f (online %d, affinity %d, quota %.2f, cpuset '%s')%s\n",
			       cpus, v.cpus_observed, pr.cpus_online,
			       pr.cpus_affinity, pr.cpu_quota, pr.cpuset,
			       g.cpus_enforced ? "" : " [not enforced]");
			printf("memory          requested %lld, observed %lld (MemTotal %lld, limit %lld)%s\n",
			       (long long)memory, (long long)v.mem_observed,
			       (long long)pr.mem_total, (long long)pr.mem_limit,
			       g.memory_enforced ? "" : " [not enforced]");
			printf("kernel          %s\nvirtualization  %s\ncgroup          %s\n",
			       pr.kernel, pr.virt, pr.cgroup);
			printf("facts           %s\n", vb_buf_str(&env.facts));
			printf("verdict         %s%s%s\n", vb_verdict_name(v.verdict),
			       v.reason[0] ? ": " : "", v.reason);
			status = v.verdict == VB_VERDICT_REFUSED ? VB_RUN_FAILED
								 : VB_RUN_OK;
		}
		rep_reset(&rr);
		ops->close(state, ctx);
		vb_buf_free(&env.facts);
		/* The console and agent logs are kept only when something
		 * went wrong: the error message points at them. */
		if (spec.log_dir && status == VB_RUN_OK)
			vb_rm_rf(spec.log_dir);
		else if (spec.log_dir)
			fprintf(stderr, "virtbench: logs kept in %s\n",
				spec.log_dir);
	}
	ops->destroy(state);
out:
	if (opts) {
		vb_opts_free(p->info->options, opts);
		free(opts);
	}
	free(agent);
	vb_ctx_free(ctx);
	vb_registry_free(&reg);
	return status;
}
