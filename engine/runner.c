/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The runner: opens one environment per backend × config, verifies it,
 * runs that group's repetitions through the agent, and journals every
 * repetition to runs.csv the moment it ends, so an interrupted run resumes
 * where it stopped (docs/results-format.md).
 *
 * vb_run() is its phases in order: load the experiment, open the results
 * directory, write the environment record, plan the work, run it, finish.
 * The work is a series of visits: one opening of an environment and the
 * repetitions run in it (all of them in sequential and shuffled order,
 * one round's in interleaved order); a repetition runs when it is not
 * recorded yet and, under the adaptive rule (engine/adaptive.h), while
 * its cell goes on.
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

#include "engine/adaptive.h"
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

/* The environments: one per backend x config, with its cells. */
struct group {
	size_t backend, config;
	size_t *cells;           /* its cells, in file order */
	size_t ncells, cap;
	bool owned;              /* this shard's (always, without shards) */
	/* Refused by verification or its backend unavailable in this run:
	 * later visits record its repetitions as failed without opening it
	 * again (interleaved rounds would otherwise reopen it each round). */
	bool gone;
	char *gone_verdict, *gone_facts, *gone_error;
};

/* What the adaptive rule knows of a cell (engine/adaptive.h). */
struct cstate {
	struct vb_adaptive_cell ac;
	enum vb_stop stop;
	size_t left;             /* items it may still run, for the ETA */
};

struct run {
	const struct vb_run_opts *o;
	struct vb_diag *d;
	struct vb_registry reg;
	struct vb_experiment *ex;
	const struct vb_shard *shard;   /* NULL: every environment */
	struct vb_cell *cells;
	size_t ncells;
	int reps;                /* repetition numbers 1..reps (adaptive: max) */
	char *dir;
	int lock;
	char hash[VB_CONFIG_HASH_LEN];
	struct vb_journal *runs, *verify;
	struct vb_strv done;     /* sorted resume keys of the ok repetitions */
	struct cstate *cs;       /* per cell */
	struct vb_record *rec;
	struct vb_backend_rt *brt;
	struct group *groups;
	size_t ngroups;
	char *agent;
	/* progress */
	size_t todo_items, finished_items, left_items;
	uint64_t t0;
	bool tty, started;
	size_t failed_reps, refused_envs, noisy_reps, excluded_reps;
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
	size_t all = r->finished_items + r->left_items;
	char e[32], eta[32] = "?", of[32];

	vb_fmt_duration(el, e, sizeof(e));
	if (r->finished_items > 0)
		vb_fmt_duration(el / (double)r->finished_items *
				(double)r->left_items, eta, sizeof(eta));
	if (rep <= 0)
		snprintf(of, sizeof(of), "warmup %d/%d", -rep + 1, ex->warmup);
	else
		snprintf(of, sizeof(of), "rep %d/%s%d", rep,
			 ex->adaptive.on ? "<=" : "", r->reps);
	fprintf(stderr,
		"%s[%zu/%s%zu] %s %s %s%s%s %s  elapsed %s  eta %s%s%s",
		r->tty ? "\r\033[K" : "", r->finished_items + 1,
		ex->adaptive.on ? "<=" : "", all,
		ex->backends[c->backend].label, ex->configs[c->config].name,
		ex->workloads[c->workload].label, c->params[0] ? " " : "",
		c->params, of, e, ex->adaptive.on ? "<=" : "", eta,
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

/* Is repetition rep of cell still to run? Not recorded yet, and under the
 * adaptive rule its cell goes on. */
static bool live(const struct run *r, size_t cell, int rep)
{
	if (rep > r->reps || is_done(r, cell, rep))
		return false;
	return !r->ex->adaptive.on || r->cs[cell].stop == VB_STOP_NONE;
}

/*
 * Collect the ok repetitions already in runs.csv, and check that the
 * journal belongs to this experiment: its rows carry the experiment's
 * identity, so a missing or damaged environment.json, or a runs.csv
 * copied from elsewhere, cannot mix two experiments. Under the adaptive
 * rule, what the journal holds is where each cell's rule goes on from.
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
	r->cs = vb_xcalloc(r->ncells ? r->ncells : 1, sizeof(*r->cs));
	if (rc == 0 && r->ex->adaptive.on) {
		struct vb_adaptive_cell *ac =
			vb_xcalloc(r->ncells ? r->ncells : 1, sizeof(*ac));

		vb_adaptive_load(r->ex, r->cells, r->ncells, &j, ac);
		for (size_t c = 0; c < r->ncells; c++) {
			r->cs[c].ac = ac[c];
			r->cs[c].stop = vb_adaptive_decide(&r->ex->adaptive,
							   &ac[c], NULL);
		}
		free(ac);
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

/* The repetition's shared state for its rows. */
struct rep_ctx {
	size_t cell;
	int rep;
	const char *verdict, *started, *env_facts;
	const struct vb_noise *noise;   /* NULL: none (a failed repetition) */
	unsigned noise_flags;
	enum vb_stop stop;
};

/* The fields every row of a repetition shares; f holds VB_RC_N. */
struct row_base {
	char cpus[16], memory[32], rep[16], finished[40];
	struct vb_noise_text nt;
};

static void row_common(struct run *r, const struct rep_ctx *rc,
		       struct row_base *rb, const char **f)
{
	const struct vb_cell *c = &r->cells[rc->cell];
	const struct vb_config_entry *ce = &r->ex->configs[c->config];
	struct vb_noise none;

	snprintf(rb->cpus, sizeof(rb->cpus), "%d", ce->cpus);
	snprintf(rb->memory, sizeof(rb->memory), "%lld", (long long)ce->memory);
	snprintf(rb->rep, sizeof(rb->rep), "%d", rc->rep);
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
	f[VB_RC_VERDICT] = rc->verdict;
	f[VB_RC_STARTED] = rc->started;
	f[VB_RC_ORDER] = vb_order_name(r->ex->order);
	vb_noise_init(&none);
	vb_noise_to_row(rc->noise ? rc->noise : &none, &rb->nt, f);
	f[VB_RC_NOISE] = vb_noise_flags_name(rc->noise_flags);
	f[VB_RC_STOP] = vb_stop_name(rc->stop);
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

static int record_ok(struct run *r, const struct rep_ctx *rc,
		     const struct vb_reply *rr)
{
	const struct vb_workload_entry *we =
		&r->ex->workloads[r->cells[rc->cell].workload];
	size_t n = rr->nm ? rr->nm : 1;
	const char *(*rows)[VB_RC_N] = vb_xcalloc(n, sizeof(*rows));
	const char **rowp[n];
	char (*vals)[32] = vb_xcalloc(n, sizeof(*vals));
	struct row_base *rb = vb_xcalloc(n, sizeof(*rb));
	struct vb_buf facts = VB_BUF_INIT;
	int w;

	vb_buf_add(&facts, rc->env_facts);
	if (rr->facts.len && facts.len)
		vb_buf_addc(&facts, ';');
	vb_buf_add(&facts, vb_buf_str(&rr->facts));
	for (size_t i = 0; i < rr->nm; i++) {
		const char **f = rows[i];

		row_common(r, rc, &rb[i], f);
		snprintf(vals[i], sizeof(vals[i]), "%.17g", rr->m[i].value);
		f[VB_RC_METRIC] = rr->m[i].name;
		f[VB_RC_VALUE] = vals[i];
		f[VB_RC_UNIT] = metric_unit(we, rr->m[i].name);
		f[VB_RC_STATUS] = "ok";
		f[VB_RC_FACTS] = vb_buf_str(&facts);
		f[VB_RC_ERROR] = "";
		rowp[i] = f;
	}
	w = vb_journal_append(r->runs, (const char *const *const *)rowp, rr->nm);
	vb_buf_free(&facts);
	free(rb);
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
	row_common(r, rc, &rb, f);
	f[VB_RC_METRIC] = f[VB_RC_VALUE] = f[VB_RC_UNIT] = "";
	f[VB_RC_STATUS] = "failed";
	f[VB_RC_FACTS] = rc->env_facts;
	f[VB_RC_ERROR] = error;
	w = vb_journal_append(r->runs, rows, 1);
	if (w < 0)
		return journal_failed(r, "runs.csv", w);
	r->failed_reps++;
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
/* An environment                                                       */
/* ------------------------------------------------------------------ */

static int64_t group_scratch(struct run *r, const struct group *g)
{
	int64_t need = 0;

	for (size_t i = 0; i < g->ncells; i++) {
		const struct vb_cell *c = &r->cells[g->cells[i]];
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
			    struct vb_env *env, size_t cell,
			    struct vb_reply *rr)
{
	const struct vb_cell *c = &r->cells[cell];
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
			/* Closed, so the rest of the visit fails with it. */
			vb_env_close(env);
			snprintf(rr->error, sizeof(rr->error), "%.1000s", env->error);
			return -EIO;
		}
	}
}

/* ------------------------------------------------------------------ */
/* A visit: one opening of an environment, and what runs in it          */
/* ------------------------------------------------------------------ */

struct visit {
	struct run *r;
	struct group *g;
	struct vb_env env;
	unsigned gen;            /* openings so far: warmups are per opening */
	unsigned *warmed;        /* per cell of g: the opening it warmed up in */
	/* The environment could not be (re)opened: what is left of the
	 * visit is recorded as failed, with this. */
	bool broken;
	char verdict[16];
	char *facts, *error;
};

static void visit_break(struct visit *v, const char *verdict,
			const char *facts, const char *error)
{
	v->broken = true;
	snprintf(v->verdict, sizeof(v->verdict), "%s", verdict);
	free(v->facts);
	free(v->error);
	v->facts = vb_xstrdup(facts);
	v->error = vb_xstrdup(error);
}

/* The group will not be opened again in this run. */
static void group_gone(struct group *g, const struct visit *v)
{
	g->gone = true;
	g->gone_verdict = vb_xstrdup(v->verdict);
	g->gone_facts = vb_xstrdup(v->facts);
	g->gone_error = vb_xstrdup(v->error);
}

/*
 * The environment of the visit, opened if it is not. 0 when it is open;
 * -EINTR or a write error to stop; 1 when it could not be opened (the
 * visit is then broken: its repetitions are recorded as failed).
 */
static int visit_env(struct visit *v)
{
	struct run *r = v->r;
	struct group *g = v->g;
	const struct vb_backend_entry *be = &r->ex->backends[g->backend];
	struct vb_backend_rt *b = &r->brt[g->backend];
	bool first = !b->created;
	char why[1100];
	int rc;

	if (v->broken)
		return 1;
	if (v->env.open)
		return 0;
	if (g->gone) {
		visit_break(v, g->gone_verdict, g->gone_facts, g->gone_error);
		return 1;
	}
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
		visit_break(v, "none", "", why);
		group_gone(g, v);
		return 1;
	}
	rc = group_open(r, g, &v->env);
	if (rc == -EINTR || r->write_error) {
		vb_env_close(&v->env);
		return r->write_error ? r->write_error : rc;
	}
	if (rc < 0) {
		say(r, "%s: %s", v->env.label, v->env.error);
		visit_break(v, rc == -EPERM ? "refused" : "none",
			    vb_buf_str(&v->env.facts), v->env.error);
		/* A refusal is the same next round: do not reopen it. */
		if (rc == -EPERM)
			group_gone(g, v);
		vb_env_close(&v->env);
		return 1;
	}
	v->gen++;
	return 0;
}

/* Repetition rep of cell as failed, without running it. */
static int fail_item(struct visit *v, size_t cell, int rep)
{
	char t[40];
	struct rep_ctx rc = { cell, rep, v->verdict, t, v->facts, NULL, 0,
			      VB_STOP_NONE };
	int w;

	vb_iso_now(t, sizeof(t));
	if ((w = record_failed(v->r, &rc, v->error)) < 0)
		return w;
	v->r->finished_items++;
	if (v->r->cs[cell].left)
		v->r->cs[cell].left--, v->r->left_items--;
	return 0;
}

/* The adaptive rule after repetition rep of cell, which took dt s: its
 * state and its verdict. */
static enum vb_stop account(struct run *r, size_t cell, double dt,
			    const struct vb_reply *rr, bool excluded)
{
	struct cstate *cs = &r->cs[cell];
	const struct vb_plugin_info *wl =
		r->ex->workloads[r->cells[cell].workload].plugin->info;

	if (!r->ex->adaptive.on)
		return VB_STOP_NONE;
	cs->ac.used += dt;
	if (rr) {
		cs->ac.nok++;
		if (excluded)
			cs->ac.nexcluded++;
		for (size_t i = 0; rr && !excluded && i < rr->nm; i++)
			if (vb_adaptive_watches(&r->ex->adaptive, wl, rr->m[i].name))
				vb_adaptive_add(&cs->ac, rr->m[i].name,
						rr->m[i].value);
	}
	cs->stop = vb_adaptive_decide(&r->ex->adaptive, &cs->ac, NULL);
	if (cs->stop != VB_STOP_NONE) {
		/* What it will no longer run leaves the ETA. */
		r->left_items -= cs->left;
		cs->left = 0;
	}
	return cs->stop;
}

/* Record one finished measured repetition (warmups are not recorded). */
static int record_rep(struct visit *v, size_t cell, int rep,
		      const char *started, int rc, const struct vb_reply *rr)
{
	struct run *r = v->r;
	const struct vb_noise *nz = rc == 0 ? &rr->noise : NULL;
	unsigned flags = nz ? vb_noise_judge(nz, &r->ex->noise) : 0;
	bool excl = flags && r->ex->noise.action == VB_NOISE_EXCLUDE;
	double t0 = vb_iso_seconds(started), dt;
	char now[40];
	struct rep_ctx c = { cell, rep, vb_verdict_name(v->env.ver.verdict),
			     started, vb_buf_str(&v->env.facts), nz, flags,
			     VB_STOP_NONE };

	vb_iso_now(now, sizeof(now));
	dt = t0 >= 0 ? vb_iso_seconds(now) - t0 : 0;
	c.stop = account(r, cell, dt > 0 ? dt : 0, rc == 0 ? rr : NULL, excl);
	if (flags) {
		char why[600];

		r->noisy_reps++;
		r->excluded_reps += excl;
		if (excl) {
			vb_noise_explain(nz, flags, &r->ex->noise, why, sizeof(why));
			say(r, "%s: repetition %d excluded as noisy: %s",
			    v->env.label, rep, why);
		}
	}
	if (rc == 0)
		return record_ok(r, &c, rr);
	say(r, "%s: repetition %d failed: %s", v->env.label, rep, rr->error);
	return record_failed(r, &c, rr->error);
}

/* One warmup (rep <= 0) or measured repetition in the visit's
 * environment, which must be open. */
static int run_one(struct visit *v, size_t cell, int rep)
{
	struct run *r = v->r;
	struct vb_reply rr = VB_REPLY_INIT;
	char started[40];
	int rc, w;

	progress(r, cell, rep);
	vb_iso_now(started, sizeof(started));
	rc = rep_with_retries(r, v->g, &v->env, cell, &rr);
	/* An interrupted repetition is no result: it is redone. */
	if (rc == -EINTR || vb_is_interrupted() || r->write_error) {
		vb_reply_reset(&rr);
		return r->write_error ? r->write_error : -EINTR;
	}
	w = rep > 0 ? record_rep(v, cell, rep, started, rc, &rr) : 0;
	vb_reply_reset(&rr);
	if (w < 0)
		return w;
	r->finished_items++;
	if (r->cs[cell].left)
		r->cs[cell].left--, r->left_items--;
	/* An environment that failed itself (timeout, lost container or
	 * VM) is closed; the next repetition opens a fresh one. One that
	 * could not be reopened by the retries is closed already. */
	if (v->env.open && rc < 0 && rc != -EIO)
		vb_env_close(&v->env);
	else if (!v->env.open && rc < 0)
		visit_break(v, "none", "", rr.error[0] ? rr.error : v->env.error);
	return 0;
}

/* Repetition rep of cell, with the cell's warmups first when this
 * opening of the environment has not run them; nothing when it is not
 * live. */
static int visit_item(struct visit *v, size_t gi, int rep)
{
	struct run *r = v->r;
	size_t cell = v->g->cells[gi];
	int rc;

	if (vb_is_interrupted())
		return -EINTR;
	if (!live(r, cell, rep))
		return 0;
	if ((rc = visit_env(v)) < 0)
		return rc;
	if (rc > 0)
		return fail_item(v, cell, rep);
	for (int k = 0; v->warmed[gi] != v->gen && k < r->ex->warmup; k++) {
		if ((rc = run_one(v, cell, -k)) < 0)
			return rc;
		if ((rc = visit_env(v)) < 0)
			return rc;
		if (rc > 0)
			return fail_item(v, cell, rep);
	}
	v->warmed[gi] = v->gen;
	return run_one(v, cell, rep);
}

/* ------------------------------------------------------------------ */
/* The orders                                                           */
/* ------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A permutation of 0..n-1 from the seed and (a, b) alone, so that a
 * rerun shuffles a round exactly as the first run did, whatever it
 * skips. */
static size_t *permutation(uint64_t seed, uint64_t a, uint64_t b, size_t n)
{
	size_t *p = vb_xcalloc(n ? n : 1, sizeof(*p));
	uint64_t rng = seed ^ (a * 0xd1342543de82ef95ull) ^
		       (b * 0xa0761d6478bd642full);

	for (size_t i = 0; i < n; i++)
		p[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix(&rng) % i), t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	return p;
}

/* round = 0: every repetition of g (cell by cell, or round by round in
 * a shuffled order); else repetition `round` of each of its cells. */
static int visit_work(struct visit *v, size_t gidx, int round)
{
	const struct run *r = v->r;
	const struct group *g = v->g;
	uint64_t seed = r->ex->seed;
	size_t *p;
	int rc = 0;

	if (round > 0 || r->ex->order == VB_ORDER_SHUFFLED) {
		for (int k = round ? round : 1;
		     rc == 0 && k <= (round ? round : r->reps); k++) {
			p = permutation(seed, (uint64_t)k, gidx + 1, g->ncells);
			for (size_t i = 0; rc == 0 && i < g->ncells; i++)
				rc = visit_item(v, p[i], k);
			free(p);
		}
		return rc;
	}
	for (size_t i = 0; rc == 0 && i < g->ncells; i++)
		for (int k = 1; rc == 0 && k <= r->reps; k++)
			rc = visit_item(v, i, k);
	return rc;
}

static int visit(struct run *r, size_t gidx, int round)
{
	struct visit v = { .r = r, .g = &r->groups[gidx],
			   .env = VB_ENV_INIT };
	int rc;

	v.warmed = vb_xcalloc(v.g->ncells ? v.g->ncells : 1, sizeof(unsigned));
	rc = visit_work(&v, gidx, round);
	vb_env_close(&v.env);
	free(v.warmed);
	free(v.facts);
	free(v.error);
	return rc < 0 ? rc : vb_is_interrupted() ? -EINTR : 0;
}

/*
 * sequential: each environment once, in file order, its cells one after
 * the other. shuffled: the environments in an order shuffled by the seed,
 * each once, its cells' repetitions round by round, each round shuffled.
 * interleaved: round k opens every environment in an order shuffled for
 * that round and runs repetition k of each of its cells.
 */
static int run_visits(struct run *r)
{
	size_t *p;
	int rc = 0;

	if (r->ex->order == VB_ORDER_INTERLEAVED) {
		for (int k = 1; rc == 0 && k <= r->reps; k++) {
			p = permutation(r->ex->seed, (uint64_t)k, 0, r->ngroups);
			for (size_t i = 0; rc == 0 && i < r->ngroups; i++)
				if (r->groups[p[i]].owned)
					rc = visit(r, p[i], k);
			free(p);
		}
		return rc;
	}
	p = r->ex->order == VB_ORDER_SHUFFLED
		    ? permutation(r->ex->seed, 0, 0, r->ngroups)
		    : permutation(0, 0, 0, 0);
	for (size_t i = 0; rc == 0 && i < r->ngroups; i++) {
		size_t gi = r->ex->order == VB_ORDER_SHUFFLED ? p[i] : i;

		if (r->groups[gi].owned)
			rc = visit(r, gi, 0);
	}
	free(p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The work list                                                        */
/* ------------------------------------------------------------------ */

/*
 * The environments, one per backend x config, with their cells in file
 * order. The one place the work is cut (a shard keeps its own
 * environments; another machine runs the others).
 */
static void build_groups(struct run *r)
{
	const struct vb_experiment *ex = r->ex;
	size_t ng = ex->nbackends * ex->nconfigs;
	struct group *gs = vb_xcalloc(ng ? ng : 1, sizeof(*gs));

	for (size_t gi = 0; gi < ng; gi++) {
		gs[gi].backend = gi / ex->nconfigs;
		gs[gi].config = gi % ex->nconfigs;
		gs[gi].owned = vb_shard_owns(r->shard, gs[gi].backend,
					     gs[gi].config);
	}
	for (size_t ci = 0; ci < r->ncells; ci++) {
		const struct vb_cell *c = &r->cells[ci];
		struct group *g = &gs[c->backend * ex->nconfigs + c->config];

		VB_GROW(g->cells, g->ncells + 1, g->cap);
		g->cells[g->ncells++] = ci;
	}
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
	r->reps = r->ex->repetitions;
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

/* "5 repetitions", "3..20 repetitions (until the 95 % CI is within 2 %)" */
static void reps_text(const struct vb_experiment *ex, char *buf, size_t n)
{
	const struct vb_adaptive *a = &ex->adaptive;

	if (!a->on)
		snprintf(buf, n, "%d repetitions", ex->repetitions);
	else
		snprintf(buf, n, "%d..%d repetitions (until the 95 %% CI is "
			 "within %.3g %% of the mean)", a->min, a->max,
			 100 * a->precision);
}

/* The work list, what is left of it (at most, under the adaptive rule),
 * and the line that says so. */
static void plan(struct run *r)
{
	char reps[160];

	build_groups(r);
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		const struct group *g = &r->groups[gi];

		for (size_t i = 0; g->owned && i < g->ncells; i++) {
			size_t c = g->cells[i], n = 0;

			for (int k = 1; k <= r->reps; k++)
				n += live(r, c, k);
			/* Warmups once per opening: each round's in
			 * interleaved order. */
			if (n)
				n += (size_t)r->ex->warmup *
				     (r->ex->order == VB_ORDER_INTERLEAVED ? n : 1);
			r->cs[c].left = n;
			r->todo_items += n;
		}
	}
	r->left_items = r->todo_items;
	r->tty = isatty(2);
	r->t0 = vb_now_ns();
	reps_text(r->ex, reps, sizeof(reps));
	say(r, "%s: %zu cells x %s%s, %s order; %s%zu to run, results in %s",
	    r->ex->name, r->ncells, reps, r->ex->warmup ? " (+ warmups)" : "",
	    vb_order_name(r->ex->order), r->ex->adaptive.on ? "at most " : "",
	    r->todo_items, r->dir);
}

static int run_groups(struct run *r)
{
	int rc;

	r->agent = vb_find_agent();
	r->brt = vb_xcalloc(r->ex->nbackends, sizeof(*r->brt));
	r->started = true;
	rc = run_visits(r);
	if (r->tty)
		fputs("\r\033[K", stderr);
	if (r->noisy_reps && r->ex->noise.action == VB_NOISE_FLAG)
		say(r, "%zu repetition%s flagged as disturbed by the host (steal "
		    "or other processes on its CPUs; the report's Host noise "
		    "lists them)", r->noisy_reps, r->noisy_reps == 1 ? "" : "s");
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
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		free(r->groups[gi].cells);
		free(r->groups[gi].gone_verdict);
		free(r->groups[gi].gone_facts);
		free(r->groups[gi].gone_error);
	}
	free(r->groups);
	for (size_t c = 0; r->cs && c < r->ncells; c++)
		vb_adaptive_cell_free(&r->cs[c].ac);
	free(r->cs);
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
	res->noisy = r.noisy_reps;
	res->excluded = r.excluded_reps;
	res->started = r.started;
	run_free(&r);
	return rc;
}

void vb_run_result_free(struct vb_run_result *res)
{
	free(res->dir);
	res->dir = NULL;
}
