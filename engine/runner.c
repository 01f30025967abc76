/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The runner: opens one environment per backend × config, verifies it,
 * runs that group's repetitions through the agent, and journals every
 * repetition to runs.csv the moment it ends, so an interrupted run resumes
 * where it stopped (docs/results-format.md).
 *
 * vb_run() is its phases in order: load the experiment, open the results
 * directory, write the environment record, plan the work, run it, finish.
 * Opening, probing and talking to an environment is engine/env.c's, the
 * environment record engine/record.c's, the journal engine/journal.c's.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "engine/env.h"
#include "engine/experiment.h"
#include "engine/journal.h"
#include "engine/matrix.h"
#include "engine/record.h"
#include "engine/runner.h"
#include "engine/shard.h"
#include "lib/ctx.h"
#include "lib/loader.h"
#include "lib/util.h"

struct item {
	size_t cell;
	int rep;      /* 1..N, or <= 0 for a warmup */
};

/* The repetitions of one environment (backend × config). */
struct group {
	size_t backend, config;
	struct item *items;
	size_t nitems, cap;
};

struct run {
	const struct vb_run_opts *o;
	struct vb_diag *d;
	struct vb_registry reg;
	struct vb_experiment *ex;
	const struct vb_shard *shard;   /* NULL: every environment */
	struct vb_cell *cells;
	size_t ncells;
	char *dir;
	int lock;
	char hash[VB_CONFIG_HASH_LEN];
	struct vb_journal *runs, *verify;
	struct vb_strv done;     /* sorted resume keys of the ok repetitions */
	struct vb_record *rec;
	struct vb_backend_rt *brt;
	struct group *groups;
	size_t ngroups;
	char *agent;
	/* progress */
	size_t total_items, finished_items, todo_items;
	uint64_t t0;
	bool tty, started;
	size_t failed_reps, refused_envs;
	int write_error;         /* first failed journal write: the run stops */
};

/* ------------------------------------------------------------------ */
/* Progress (the engine's one output, docs/errors.md)                   */
/* ------------------------------------------------------------------ */

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

static void env_warning(void *u, const char *msg)
{
	say(u, "%s", msg);
}

static void progress(struct run *r, size_t cell, int rep)
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
}

/* ------------------------------------------------------------------ */
/* Resume                                                               */
/* ------------------------------------------------------------------ */

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_done(const struct run *r, size_t cell, int rep)
{
	const struct vb_cell *c = &r->cells[cell];
	char *k;
	bool found;

	if (rep <= 0 || r->done.n == 0)
		return false;
	k = vb_rep_key(r->ex->backends[c->backend].label,
		       r->ex->configs[c->config].name,
		       r->ex->workloads[c->workload].label, c->params, rep);
	found = bsearch(&k, r->done.v, r->done.n, sizeof(char *), key_cmp);
	free(k);
	return found;
}

/*
 * Collect the ok repetitions already in runs.csv, and check that the
 * journal belongs to this experiment: its rows carry the experiment's
 * identity, so a missing or damaged environment.json, or a runs.csv
 * copied from elsewhere, cannot mix two experiments.
 */
static int load_journal(struct run *r)
{
	struct vb_journal_data j;
	char err[1024];
	int rc = vb_journal_read(r->dir, &vb_runs_format, &j, err, sizeof(err));

	if (rc < 0) {
		vb_diag_add(r->d, NULL, 0, "%s", err);
		return rc;
	}
	for (size_t i = 0; i < j.nrows && rc == 0; i++) {
		const struct vb_jrow *row = &j.rows[i];

		if (strcmp(row->f[VB_RC_EXPERIMENT], r->ex->name) != 0 ||
		    (!j.legacy && strcmp(row->f[VB_RC_CONFIG_HASH], r->hash) != 0)) {
			vb_diag_add(r->d, NULL, 0,
				    "%s/runs.csv:%d holds results of another experiment "
				    "(%s, configuration %s; this is %s, %s): refusing to "
				    "mix them. Use another directory with -o, or remove it",
				    r->dir, row->line, row->f[VB_RC_EXPERIMENT],
				    j.legacy ? "unknown" : row->f[VB_RC_CONFIG_HASH],
				    r->ex->name, r->hash);
			rc = -EEXIST;
		} else if (strcmp(row->f[VB_RC_STATUS], "ok") == 0) {
			vb_strv_take(&r->done, vb_rep_key_row(row));
		}
	}
	vb_journal_data_free(&j);
	vb_strv_sort(&r->done);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Recording                                                            */
/* ------------------------------------------------------------------ */

/* A failed journal write ends the run (docs/errors.md): going on would
 * report repetitions that are not on disk. */
static int journal_failed(struct run *r, const char *file, int rc)
{
	if (!r->write_error) {
		r->write_error = rc;
		vb_diag_add(r->d, NULL, 0,
			    "cannot write %s/%s: %s; stopped (what is recorded "
			    "stays; free space and run the same command again "
			    "to resume)", r->dir, file, strerror(-rc));
	}
	return rc;
}

/* The fields every row of a repetition shares; f holds VB_RC_N. */
struct row_base {
	char cpus[16], memory[32], rep[16], finished[40];
};

static void row_common(struct run *r, size_t cell, int rep,
		       struct row_base *rb, const char **f)
{
	const struct vb_cell *c = &r->cells[cell];
	const struct vb_config_entry *ce = &r->ex->configs[c->config];

	snprintf(rb->cpus, sizeof(rb->cpus), "%d", ce->cpus);
	snprintf(rb->memory, sizeof(rb->memory), "%lld", (long long)ce->memory);
	snprintf(rb->rep, sizeof(rb->rep), "%d", rep);
	vb_iso_now(rb->finished, sizeof(rb->finished));
	memset(f, 0, VB_RC_N * sizeof(*f));
	f[VB_RC_BACKEND] = r->ex->backends[c->backend].label;
	f[VB_RC_CONFIG] = ce->name;
	f[VB_RC_CPUS] = rb->cpus;
	f[VB_RC_MEMORY] = rb->memory;
	f[VB_RC_WORKLOAD] = r->ex->workloads[c->workload].label;
	f[VB_RC_PARAMS] = c->params;
	f[VB_RC_REPETITION] = rb->rep;
	f[VB_RC_FINISHED] = rb->finished;
}

/* The unit of a metric of workload entry w (its instance's table). */
static const char *metric_unit(const struct vb_workload_entry *w,
			       const char *name)
{
	const struct vb_metric *m = vb_wl_desc_find(&w->desc, name);

	if (!strcmp(name, "host_time"))
		return "s";
	return m ? m->unit : "";
}

/* The repetition's shared state for its rows. */
struct rep_ctx {
	size_t cell;
	int rep;
	const char *verdict, *started, *env_facts;
};

static int record_ok(struct run *r, const struct rep_ctx *rc,
		     const struct vb_reply *rr)
{
	const struct vb_workload_entry *we =
		&r->ex->workloads[r->cells[rc->cell].workload];
	size_t n = rr->nm ? rr->nm : 1;
	const char *(*rows)[VB_RC_N] = vb_xcalloc(n, sizeof(*rows));
	const char **rowp[n];
	char (*vals)[32] = vb_xcalloc(n, sizeof(*vals));
	struct vb_buf facts = VB_BUF_INIT;
	struct row_base rb;
	int w;

	vb_buf_add(&facts, rc->env_facts);
	if (rr->facts.len && facts.len)
		vb_buf_addc(&facts, ';');
	vb_buf_add(&facts, vb_buf_str(&rr->facts));
	for (size_t i = 0; i < rr->nm; i++) {
		const char **f = rows[i];

		row_common(r, rc->cell, rc->rep, &rb, f);
		snprintf(vals[i], sizeof(vals[i]), "%.17g", rr->m[i].value);
		f[VB_RC_METRIC] = rr->m[i].name;
		f[VB_RC_VALUE] = vals[i];
		f[VB_RC_UNIT] = metric_unit(we, rr->m[i].name);
		f[VB_RC_STATUS] = "ok";
		f[VB_RC_VERDICT] = rc->verdict;
		f[VB_RC_STARTED] = rc->started;
		f[VB_RC_FACTS] = vb_buf_str(&facts);
		f[VB_RC_ERROR] = "";
		rowp[i] = f;
	}
	w = vb_journal_append(r->runs, (const char *const *const *)rowp, rr->nm);
	vb_buf_free(&facts);
	free(vals);
	free(rows);
	return w < 0 ? journal_failed(r, "runs.csv", w) : 0;
}

static int record_failed(struct run *r, const struct rep_ctx *rc,
			 const char *error)
{
	const char *f[VB_RC_N];
	const char *const *rows[1] = { f };
	struct row_base rb;
	int w;

	if (rc->rep <= 0)
		return 0;
	row_common(r, rc->cell, rc->rep, &rb, f);
	f[VB_RC_METRIC] = f[VB_RC_VALUE] = f[VB_RC_UNIT] = "";
	f[VB_RC_STATUS] = "failed";
	f[VB_RC_VERDICT] = rc->verdict;
	f[VB_RC_STARTED] = rc->started;
	f[VB_RC_FACTS] = rc->env_facts;
	f[VB_RC_ERROR] = error;
	w = vb_journal_append(r->runs, rows, 1);
	if (w < 0)
		return journal_failed(r, "runs.csv", w);
	r->failed_reps++;
	return 0;
}

/* Every repetition of g from `from` on that is not done yet, as failed. */
static int fail_pending(struct run *r, const struct group *g, size_t from,
			const char *verdict, const char *facts,
			const char *error)
{
	char t[40];

	vb_iso_now(t, sizeof(t));
	for (size_t i = from; i < g->nitems; i++) {
		const struct item *it = &g->items[i];
		struct rep_ctx rc = { it->cell, it->rep, verdict, t, facts };
		int w;

		if (it->rep <= 0 || is_done(r, it->cell, it->rep))
			continue;
		if ((w = record_failed(r, &rc, error)) < 0)
			return w;
		r->finished_items++;
	}
	return 0;
}

static int write_verify_row(struct run *r, const struct group *g,
			    const struct vb_env *env)
{
	const struct vb_probe *p = &env->probe;
	char t[40], probe_s[1024], cr[16], co[32], mr[32], mo[32];
	const char *f[VB_VC_N];
	const char *const *rows[1] = { f };
	int w;

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
	f[VB_VC_BACKEND] = r->ex->backends[g->backend].label;
	f[VB_VC_CONFIG] = r->ex->configs[g->config].name;
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
	w = vb_journal_append(r->verify, rows, 1);
	return w < 0 ? journal_failed(r, "verify.csv", w) : 0;
}

/* ------------------------------------------------------------------ */
/* One group: its environment and its repetitions                       */
/* ------------------------------------------------------------------ */

static int64_t group_scratch(struct run *r, const struct group *g)
{
	int64_t need = 0;

	for (size_t i = 0; i < g->nitems; i++) {
		const struct vb_cell *c = &r->cells[g->items[i].cell];
		const struct vb_workload_ops *wo =
			r->ex->workloads[c->workload].plugin->info->ops;
		int64_t s = wo->scratch_bytes ? wo->scratch_bytes(c->opts) : 0;

		if (s > need)
			need = s;
	}
	return need;
}

/*
 * Open, probe and verify the environment of g, record the verification.
 * -EINTR: interrupted, nothing recorded; -EPERM: refused by verification;
 * other -errno: it did not open (env->error says why).
 */
static int group_open(struct run *r, const struct group *g,
		      struct vb_env *env)
{
	const struct vb_backend_entry *be = &r->ex->backends[g->backend];
	const struct vb_config_entry *ce = &r->ex->configs[g->config];
	char *label = vb_xasprintf("%s-%s", be->label, ce->name);
	char *logs = vb_path_join(r->dir, "logs");
	struct vb_env_want w = {
		.label = label, .cpus = ce->cpus, .memory = ce->memory,
		.scratch_bytes = group_scratch(r, g), .log_dir = logs,
		.verify = be->verify, .timeout = r->ex->timeout,
	};
	int rc;

	env->warn = env_warning;
	env->warn_user = r;
	rc = vb_env_open(env, &r->brt[g->backend], &w);
	free(label);
	free(logs);
	if (rc < 0)
		return rc;
	if ((rc = write_verify_row(r, g, env)) < 0) {
		snprintf(env->error, sizeof(env->error),
			 "cannot record the verification: %s", strerror(-rc));
		return rc;
	}
	vb_record_add_env(r->rec, env);
	if (env->ver.verdict == VB_VERDICT_REFUSED) {
		snprintf(env->error, sizeof(env->error), "refused: %s",
			 env->ver.reason);
		r->refused_envs++;
		return -EPERM;
	}
	if (env->ver.verdict == VB_VERDICT_WARN)
		say(r, "%s: warning: %s", env->label, env->ver.reason);
	return 0;
}

/* One repetition with its retries; the environment is reopened between
 * tries. Returns the last try's result, -EINTR when interrupted. */
static int rep_with_retries(struct run *r, const struct group *g,
			    struct vb_env *env, const struct item *it,
			    struct vb_reply *rr)
{
	const struct vb_cell *c = &r->cells[it->cell];
	const struct vb_plugin_info *wl =
		r->ex->workloads[c->workload].plugin->info;
	int retries = r->ex->backends[g->backend].retries, rc;

	for (int attempt = 0;; attempt++) {
		vb_reply_reset(rr);
		rc = vb_env_measure(env, wl, c->flags, c->kv, c->nkv,
				    r->ex->seed, rr);
		if (rc == 0 || rc == -EINTR || attempt >= retries)
			return rc;
		say(r, "%s: repetition failed (%s); restarting the environment and retrying",
		    env->label, rr->error);
		vb_env_close(env);
		rc = group_open(r, g, env);
		if (rc == -EINTR || r->write_error)
			return rc;
		if (rc < 0) {
			/* Closed, so the rest of the group fails with it. */
			vb_env_close(env);
			snprintf(rr->error, sizeof(rr->error), "%.1000s", env->error);
			return -EIO;
		}
	}
}

/* Record one finished repetition (warmups are not recorded). */
static int record_rep(struct run *r, const struct vb_env *env,
		      const struct item *it, const char *started, int rc,
		      const struct vb_reply *rr)
{
	struct rep_ctx c = { it->cell, it->rep,
			     vb_verdict_name(env->ver.verdict), started,
			     vb_buf_str(&env->facts) };

	if (it->rep <= 0)
		return 0;
	if (rc == 0)
		return record_ok(r, &c, rr);
	say(r, "%s: repetition %d failed: %s", env->label, it->rep, rr->error);
	return record_failed(r, &c, rr->error);
}

/*
 * After a failed repetition whose environment itself failed (timeout,
 * lost container or VM): the next repetition gets a fresh one, even when
 * no retry was left for this one. Returns group_open()'s result, 0 when
 * nothing had to be done.
 */
static int renew_env(struct run *r, const struct group *g,
		     struct vb_env *env, int rc, bool more)
{
	if (!env->open || rc >= 0 || rc == -EIO)
		return 0;
	vb_env_close(env);
	if (!more)
		return 0;
	rc = group_open(r, g, env);
	if (rc < 0 && rc != -EINTR)
		vb_env_close(env);
	return rc;
}

/* The repetitions of g in its open environment. */
static int group_reps(struct run *r, const struct group *g,
		      struct vb_env *env)
{
	for (size_t i = 0; i < g->nitems && !vb_is_interrupted(); i++) {
		const struct item *it = &g->items[i];
		struct vb_reply rr = VB_REPLY_INIT;
		char started[40];
		int rc, w;

		if (is_done(r, it->cell, it->rep))
			continue;
		progress(r, it->cell, it->rep);
		vb_iso_now(started, sizeof(started));
		rc = rep_with_retries(r, g, env, it, &rr);
		/* An interrupted repetition is no result: it is redone. */
		if (rc == -EINTR || vb_is_interrupted() || r->write_error) {
			vb_reply_reset(&rr);
			return r->write_error ? r->write_error : -EINTR;
		}
		w = record_rep(r, env, it, started, rc, &rr);
		vb_reply_reset(&rr);
		if (w < 0)
			return w;
		r->finished_items++;
		w = renew_env(r, g, env, rc, i + 1 < g->nitems);
		if (w == -EINTR || r->write_error)
			return r->write_error ? r->write_error : w;
		if (!env->open) /* it could not be reopened: the rest fails */
			return fail_pending(r, g, i + 1, "none", "", env->error);
	}
	return vb_is_interrupted() ? -EINTR : 0;
}

static bool group_done(const struct run *r, const struct group *g)
{
	for (size_t i = 0; i < g->nitems; i++)
		if (g->items[i].rep > 0 &&
		    !is_done(r, g->items[i].cell, g->items[i].rep))
			return false;
	return true;
}

static int run_group(struct run *r, const struct group *g)
{
	const struct vb_backend_entry *be = &r->ex->backends[g->backend];
	struct vb_backend_rt *b = &r->brt[g->backend];
	struct vb_env env = VB_ENV_INIT;
	char why[1100];
	int rc;

	bool first = !b->created;

	if (group_done(r, g))
		return 0; /* all done in an earlier run */
	rc = vb_backend_start(b, be->plugin, be->opts, r->agent,
			      r->reg.search_path, r->ex->seed);
	if (rc == -EINTR)
		return rc;
	if (rc < 0) {
		if (first)
			say(r, "backend %s unavailable: %s", be->label,
			    b->create_err);
		snprintf(why, sizeof(why), "backend unavailable: %s",
			 b->create_err);
		return fail_pending(r, g, 0, "none", "", why);
	}
	rc = group_open(r, g, &env);
	if (rc == -EINTR || r->write_error) {
		vb_env_close(&env);
		return r->write_error ? r->write_error : rc;
	}
	if (rc < 0) {
		say(r, "%s: %s", env.label, env.error);
		rc = fail_pending(r, g, 0, rc == -EPERM ? "refused" : "none",
				  vb_buf_str(&env.facts), env.error);
	} else {
		rc = group_reps(r, g, &env);
	}
	vb_env_close(&env);
	return rc < 0 ? rc : vb_is_interrupted() ? -EINTR : 0;
}

/* ------------------------------------------------------------------ */
/* The work list                                                        */
/* ------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void shuffle(void *base, size_t n, size_t size, uint64_t *rng)
{
	char tmp[64];
	char *a = base;

	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix(rng) % i);

		memcpy(tmp, a + (i - 1) * size, size);
		memcpy(a + (i - 1) * size, a + j * size, size);
		memcpy(a + j * size, tmp, size);
	}
}

static void add_item(struct group *g, size_t cell, int rep)
{
	VB_GROW(g->items, g->nitems + 1, g->cap);
	g->items[g->nitems++] = (struct item){ cell, rep };
}

/*
 * The work: one group per backend × config, holding its cells'
 * warmups and repetitions, in file order or shuffled by the seed. The
 * one place the list is made (a filter of it, such as a shard, goes
 * here).
 */
static void build_groups(struct run *r)
{
	const struct vb_experiment *ex = r->ex;
	size_t ng = ex->nbackends * ex->nconfigs;
	struct group *gs = vb_xcalloc(ng ? ng : 1, sizeof(*gs));
	uint64_t rng = ex->seed;

	for (size_t gi = 0; gi < ng; gi++) {
		gs[gi].backend = gi / ex->nconfigs;
		gs[gi].config = gi % ex->nconfigs;
	}
	for (size_t ci = 0; ci < r->ncells; ci++) {
		const struct vb_cell *c = &r->cells[ci];
		struct group *g = &gs[c->backend * ex->nconfigs + c->config];

		/* Warmups of a cell just before its measured repetitions. */
		for (int k = 0; k < ex->warmup; k++)
			add_item(g, ci, -k);
		for (int k = 1; k <= ex->repetitions; k++)
			add_item(g, ci, k);
	}
	if (ex->order == VB_ORDER_SHUFFLED) {
		/* Environments are booted once per group, so shuffle the
		 * groups and the repetitions inside each: drift spreads over
		 * cells without a VM boot per repetition. */
		shuffle(gs, ng, sizeof(*gs), &rng);
		for (size_t gi = 0; gi < ng; gi++)
			shuffle(gs[gi].items, gs[gi].nitems,
				sizeof(struct item), &rng);
	}
	/* Another shard's environment: another machine runs it. */
	for (size_t gi = 0; gi < ng; gi++)
		if (!vb_shard_owns(r->shard, gs[gi].backend, gs[gi].config))
			gs[gi].nitems = 0;
	r->groups = gs;
	r->ngroups = ng;
}

/* ------------------------------------------------------------------ */
/* The phases                                                           */
/* ------------------------------------------------------------------ */

/* Every VB_OPTF_FILES element of the workloads: into the agent bundle,
 * so containers and VMs have them (engine/bundle.c). */
static void carry_files(const struct vb_experiment *ex)
{
	struct vb_strv files = VB_STRV_INIT;

	for (size_t w = 0; w < ex->nworkloads; w++) {
		const struct vb_workload_entry *we = &ex->workloads[w];

		for (const struct vb_option *o = we->plugin->info->options;
		     o && o->name; o++) {
			char *const *list;

			if (!(o->flags & VB_OPTF_FILES))
				continue;
			list = *(char *const *const *)(const void *)
				       ((const char *)we->opts + o->offset);
			for (size_t i = 0; list && list[i]; i++)
				vb_strv_add(&files, list[i]);
		}
	}
	vb_bundle_carry((const char *const *)files.v, files.n);
	vb_strv_free(&files);
}

/* The plugins, the experiment, its matrix and the limits. */
static int load(struct run *r)
{
	const struct vb_run_opts *o = r->o;
	char err[1024];
	size_t runs;
	int rc;

	vb_registry_load(&r->reg, o->plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	if ((rc = vb_experiment_load(o->experiment, &r->reg, &r->ex, r->d)) < 0)
		return rc;
	if ((rc = vb_matrix_expand(r->ex, &r->cells, &r->ncells)) < 0) {
		if (rc != -EINTR)
			vb_diag_add(r->d, o->experiment, 0,
				    "cannot expand the matrix: %s", strerror(-rc));
		return rc;
	}
	if (o->shard && (rc = vb_shard_bind(o->shard, r->ex, r->cells, r->ncells,
					    err, sizeof(err))) < 0) {
		vb_diag_add(r->d, o->experiment, 0, "%s", err);
		return rc;
	}
	r->shard = o->shard;
	carry_files(r->ex);
	runs = r->ncells * (size_t)r->ex->repetitions;
	if (runs > VB_RUN_FORCE_LIMIT && !o->force) {
		vb_diag_add(r->d, o->experiment, 0,
			    "%zu cells x %d repetitions = %zu runs, more than %d: "
			    "check the matrix ('virtbench check'), then run with "
			    "--force if it is meant", r->ncells,
			    r->ex->repetitions, runs, VB_RUN_FORCE_LIMIT);
		return -E2BIG;
	}
	return 0;
}

/* The identity of environment.json, when there is one, must be ours. */
static int check_record(struct run *r)
{
	char *old = vb_record_config_hash(r->dir);
	int rc = 0;

	if (old && strcmp(old, r->hash) != 0) {
		vb_diag_add(r->d, NULL, 0,
			    "%s holds results of a different experiment "
			    "configuration (hash %s, this one %s); refusing to mix "
			    "them. Use another directory with -o, or remove it",
			    r->dir, old, r->hash);
		rc = -EEXIST;
	}
	free(old);
	return rc;
}

/* Directory, lock, identity, journals, and a copy of the experiment. */
static int open_results(struct run *r)
{
	char err[1024], *copy;
	size_t torn = 0;
	pid_t holder;
	int rc;

	r->dir = r->o->outdir ? vb_xstrdup(r->o->outdir)
			      : vb_xasprintf("results/%s", r->ex->name);
	if ((rc = vb_mkdir_p(r->dir, 0755)) < 0) {
		vb_diag_add(r->d, NULL, 0, "cannot create %s: %s", r->dir,
			    strerror(-rc));
		return rc;
	}
	if ((r->lock = vb_results_lock(r->dir, &holder)) < 0) {
		if (r->lock == -EBUSY)
			vb_diag_add(r->d, NULL, 0,
				    "%s is in use by another virtbench (pid %ld); "
				    "one writer per results directory",
				    r->dir, (long)holder);
		else
			vb_diag_add(r->d, NULL, 0, "cannot lock %s: %s", r->dir,
				    strerror(-r->lock));
		return r->lock;
	}
	vb_config_hash(r->ex, r->hash);
	if ((rc = check_record(r)) < 0 || (rc = load_journal(r)) < 0)
		return rc;
	if ((rc = vb_journal_open(r->dir, &vb_runs_format, r->ex->name, r->hash,
				  &r->runs, &torn, err, sizeof(err))) < 0 ||
	    (rc = vb_journal_open(r->dir, &vb_verify_format, r->ex->name,
				  r->hash, &r->verify, NULL, err,
				  sizeof(err))) < 0) {
		vb_diag_add(r->d, NULL, 0, "%s", err);
		return rc;
	}
	if (torn)
		say(r, "%s/runs.csv ended in a torn record (%zu bytes, a run "
		    "that was killed or ran out of space): moved to "
		    "runs.csv.torn; its repetition is run again", r->dir, torn);
	copy = vb_path_join(r->dir, "experiment.cfg");
	if ((rc = vb_copy_file(r->o->experiment, copy)) < 0)
		vb_diag_add(r->d, NULL, 0, "cannot copy %s to %s: %s",
			    r->o->experiment, copy, strerror(-rc));
	free(copy);
	return rc;
}

/* environment.json as the run starts. */
static int start_record(struct run *r)
{
	int rc;

	r->rec = vb_record_new(r->ex, &r->reg, r->hash);
	if ((rc = vb_record_write(r->rec, r->dir)) < 0)
		vb_diag_add(r->d, NULL, 0, "cannot write %s/environment.json: %s",
			    r->dir, strerror(-rc));
	return rc;
}

/* The work list, what is left of it, and the line that says so. */
static void plan(struct run *r)
{
	build_groups(r);
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		const struct group *g = &r->groups[gi];

		r->total_items += g->nitems;
		for (size_t i = 0; i < g->nitems; i++)
			if (!is_done(r, g->items[i].cell, g->items[i].rep))
				r->todo_items++;
	}
	r->tty = isatty(2);
	r->t0 = vb_now_ns();
	say(r, "%s: %zu cells x %d repetitions%s; %zu to run, results in %s",
	    r->ex->name, r->ncells, r->ex->repetitions,
	    r->ex->warmup ? " (+ warmups)" : "", r->todo_items, r->dir);
}

static int run_groups(struct run *r)
{
	int rc = 0;

	r->agent = vb_find_agent();
	r->brt = vb_xcalloc(r->ex->nbackends, sizeof(*r->brt));
	r->started = true;
	for (size_t gi = 0; gi < r->ngroups && rc == 0; gi++)
		rc = run_group(r, &r->groups[gi]);
	if (r->tty)
		fputs("\r\033[K", stderr);
	return rc < 0 ? rc : vb_is_interrupted() ? -EINTR : 0;
}

/* Backends destroyed, environment.json completed. */
static int finish(struct run *r, int rc)
{
	int w;

	for (size_t i = 0; r->brt && i < r->ex->nbackends; i++)
		vb_backend_stop(&r->brt[i]);
	vb_record_finish(r->rec, rc == -EINTR);
	if ((w = vb_record_write(r->rec, r->dir)) < 0 && rc == 0) {
		vb_diag_add(r->d, NULL, 0, "cannot write %s/environment.json: %s",
			    r->dir, strerror(-w));
		rc = w;
	}
	return rc;
}

static void run_free(struct run *r)
{
	vb_journal_close(r->runs);
	vb_journal_close(r->verify);
	vb_results_unlock(r->lock);
	vb_strv_free(&r->done);
	for (size_t gi = 0; gi < r->ngroups; gi++)
		free(r->groups[gi].items);
	free(r->groups);
	free(r->brt);
	free(r->agent);
	vb_record_free(r->rec);
	if (r->cells)
		vb_matrix_free(r->cells, r->ncells, r->ex);
	vb_experiment_free(r->ex);
	vb_registry_free(&r->reg);
	free(r->dir);
}

int vb_run(const struct vb_run_opts *o, struct vb_run_result *res,
	   struct vb_diag *d)
{
	struct run r = { .o = o, .d = d, .lock = -1 };
	int rc;

	memset(res, 0, sizeof(*res));
	rc = load(&r);
	if (rc == 0)
		rc = open_results(&r);
	if (rc == 0 && (rc = start_record(&r)) == 0) {
		plan(&r);
		rc = finish(&r, run_groups(&r));
	}
	if (rc == 0 && vb_is_interrupted())
		rc = -EINTR;
	res->dir = r.dir ? vb_xstrdup(r.dir) : NULL;
	res->cells = r.ncells;
	res->todo = r.todo_items;
	res->ran = r.finished_items;
	res->failed = r.failed_reps;
	res->refused = r.refused_envs;
	res->started = r.started;
	run_free(&r);
	return rc;
}

void vb_run_result_free(struct vb_run_result *res)
{
	free(res->dir);
	res->dir = NULL;
}
