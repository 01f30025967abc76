/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One environment: a backend's instance, and the environment it opens,
 * probes, verifies, runs agent requests in and closes (engine/env.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "engine/env.h"
#include "lib/ctx.h"

/* ------------------------------------------------------------------ */
/* The backend's instance                                               */
/* ------------------------------------------------------------------ */

static const struct vb_backend_ops *ops_of(const struct vb_backend_rt *b)
{
	return b->plugin->info->ops;
}

/* The ctx's error, else errno's text. */
static const char *why(struct vb_ctx *ctx, int rc)
{
	return vb_ctx_error(ctx)[0] ? vb_ctx_error(ctx) : strerror(-rc);
}

int vb_backend_start(struct vb_backend_rt *b, const struct vb_plugin *p,
		     const void *opts, const char *agent,
		     const char *workload_path, uint64_t seed)
{
	if (b->created)
		return b->create_rc;
	b->created = true;
	b->plugin = p;
	b->ctx = vb_ctx_new(p);
	vb_ctx_set_paths(b->ctx, agent, workload_path);
	vb_ctx_set_bundle(b->ctx, &vb_engine_bundle);
	vb_ctx_set_seed(b->ctx, seed);
	b->create_rc = ops_of(b)->create(b->ctx, opts, &b->state);
	if (b->create_rc < 0) {
		snprintf(b->create_err, sizeof(b->create_err), "%s",
			 why(b->ctx, b->create_rc));
		if (vb_is_interrupted())
			b->create_rc = -EINTR;
	}
	return b->create_rc;
}

void vb_backend_stop(struct vb_backend_rt *b)
{
	/* After a failed create() too: the plugin may have set *state to
	 * something only destroy() can free (plugin.h). */
	if (b->state)
		ops_of(b)->destroy(b->state);
	b->state = NULL;
	vb_ctx_free(b->ctx);
	b->ctx = NULL;
}

/* ------------------------------------------------------------------ */
/* Agent answers                                                        */
/* ------------------------------------------------------------------ */

void vb_reply_reset(struct vb_reply *r)
{
	free(r->m);
	vb_buf_free(&r->facts);
	*r = (struct vb_reply)VB_REPLY_INIT;
}

static void add_metric(struct vb_reply *r, const char *name, double v)
{
	VB_GROW(r->m, r->nm + 1, r->cap);
	snprintf(r->m[r->nm].name, sizeof(r->m[0].name), "%s", name);
	r->m[r->nm++].value = v;
}

struct line_sink {
	struct vb_reply *r;
	struct vb_probe *probe;
};

static int on_agent_line(void *u, const char *line)
{
	struct line_sink *s = u;
	struct vb_line l;

	switch (vb_line_parse(line, &l)) {
	case VB_LINE_METRIC:
		add_metric(s->r, l.key, l.num);
		break;
	case VB_LINE_FACT:
		vb_buf_add_kv(&s->r->facts, l.key, l.value);
		break;
	case VB_LINE_PROBE:
		if (s->probe)
			vb_probe_set(s->probe, l.key, l.value);
		break;
	case VB_LINE_ERROR:
		if (!s->r->error[0]) {
			snprintf(s->r->error, sizeof(s->r->error), "%s", l.value);
			s->r->error_code = (int)l.num;
		}
		break;
	case VB_LINE_DONE:
		s->r->done_status = (int)l.num;
		break;
	case VB_LINE_USAGE:
		vb_agent_usage_set(&s->r->usage, l.key, l.value);
		break;
	case VB_LINE_NONE:
		break;
	}
	return 0;
}

static void warn(struct vb_env *env, const char *fmt, ...) VB_PRINTF(2, 3);
static void warn(struct vb_env *env, const char *fmt, ...)
{
	char msg[1600];
	va_list ap;

	if (!env->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	env->warn(env->warn_user, msg);
}

/* r->error for a request that did not end in "done 0". */
static void explain_failure(struct vb_env *env, struct vb_reply *r, int rc,
			    int status)
{
	if (r->error[0])
		return;
	if (rc == -ETIMEDOUT)
		snprintf(r->error, sizeof(r->error),
			 "agent did not answer within %.0f s (timeout); environment restarted",
			 env->timeout);
	else if (rc == -EINTR)
		snprintf(r->error, sizeof(r->error), "interrupted");
	else if (rc < 0)
		snprintf(r->error, sizeof(r->error), "%s", why(env->b->ctx, rc));
	else if (r->done_status < 0)
		snprintf(r->error, sizeof(r->error),
			 "agent ended without an answer (exit status %d); see logs/%s.log",
			 status, env->label);
	else
		snprintf(r->error, sizeof(r->error),
			 "agent failed with status %d", r->done_status);
}

int vb_env_call(struct vb_env *env, const char *const *argv,
		struct vb_reply *r, struct vb_probe *probe,
		double *host_seconds)
{
	struct vb_reply tmp = VB_REPLY_INIT;
	struct line_sink sink = { .r = r ? r : &tmp, .probe = probe };
	struct vb_exec ex = {
		.argv = argv,
		.timeout = env->timeout,
		.on_line = on_agent_line,
		.user = &sink,
		.log_fd = env->log_fd,
	};
	struct vb_backend_rt *b = env->b;
	uint64_t t0;
	int status = -1, rc;

	vb_agent_usage_init(&sink.r->usage);
	vb_ctx_clear_error(b->ctx);
	t0 = vb_now_ns();
	rc = ops_of(b)->exec(b->state, b->ctx, &ex, &status);
	if (host_seconds)
		*host_seconds = (double)(vb_now_ns() - t0) / 1e9;
	if (rc == 0 && sink.r->done_status == 0 && status == 0) {
		vb_reply_reset(&tmp);
		return 0;
	}
	/* A request the signal broke, whatever it says: not a result. */
	if (vb_is_interrupted())
		rc = -EINTR;
	explain_failure(env, sink.r, rc, status);
	if (!r && rc != -EINTR)
		warn(env, "%s: %s", env->label, tmp.error);
	/* A workload that timed out inside (exec's `timeout` killed its
	 * command's process group): the environment is restarted as after
	 * the engine's own timeout, since anything may be left in it. */
	if (rc >= 0 && sink.r->error_code == -ETIMEDOUT)
		rc = -ETIMEDOUT;
	vb_reply_reset(&tmp);
	return rc < 0 ? rc : -EIO;
}

/* ------------------------------------------------------------------ */
/* Open and close                                                       */
/* ------------------------------------------------------------------ */

static int collect_env_fact(void *u, const char *k, const char *v)
{
	struct vb_env *env = u;

	vb_buf_add_kv(&env->facts, k, v);
	return 0;
}

/* Label, log directory and log file, spec. */
static void env_prepare(struct vb_env *env, struct vb_backend_rt *b,
			const struct vb_env_want *w)
{
	char *path;

	env->b = b;
	env->timeout = w->timeout;
	snprintf(env->label, sizeof(env->label), "%s", w->label);
	for (char *c = env->label; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		      *c == '-'))
			*c = '_';
	snprintf(env->log_dir, sizeof(env->log_dir), "%s", w->log_dir);
	if (vb_mkdir_p(env->log_dir, 0755) == 0) {
		path = vb_xasprintf("%s/%s.log", env->log_dir, env->label);
		env->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				   0644);
		free(path);
	}
	env->spec = (struct vb_env_spec){
		.label = env->label,
		.cpus = w->cpus,
		.memory = w->memory,
		.scratch_bytes = w->scratch_bytes,
		.log_dir = env->log_dir,
	};
	memset(&env->granted, 0, sizeof(env->granted));
	vb_buf_free(&env->facts);
	env->error[0] = '\0';
}

/* The agent's probe of the open environment, into env->probe. */
static int env_probe(struct vb_env *env)
{
	static const char *const argv[] = { "probe", NULL };
	struct vb_reply r = VB_REPLY_INIT;
	int rc;

	vb_probe_init(&env->probe);
	rc = vb_env_call(env, argv, &r, &env->probe, NULL);
	if (rc < 0 && rc != -EINTR)
		snprintf(env->error, sizeof(env->error), "probe failed: %s",
			 r.error);
	vb_reply_reset(&r);
	return rc;
}

/* Where the open environment's CPU time shows on the host: the backend's
 * word when it has the hook (plugin.h, 1.1), else the engine's guess. */
static void env_accounting(struct vb_env *env)
{
	const struct vb_backend_ops *ops = ops_of(env->b);
	struct vb_env_accounting a;

	vb_noise_where_guess(&env->where, env->granted.vm);
	if (!ops->accounting)
		return;
	memset(&a, 0, sizeof(a));
	vb_ctx_clear_error(env->b->ctx);
	if (ops->accounting(env->b->state, env->b->ctx, &a) == 0)
		vb_noise_where_from(&env->where, &a);
	vb_ctx_clear_error(env->b->ctx);
}

int vb_env_open(struct vb_env *env, struct vb_backend_rt *b,
		const struct vb_env_want *w)
{
	int rc;

	env_prepare(env, b, w);
	vb_ctx_set_sinks(b->ctx, NULL, NULL, collect_env_fact, env);
	vb_ctx_clear_error(b->ctx);
	rc = ops_of(b)->open(b->state, b->ctx, &env->spec, &env->granted);
	env->open = true; /* close() is called after a failed open too */
	if (rc < 0 && vb_is_interrupted())
		return -EINTR;
	if (rc < 0) {
		snprintf(env->error, sizeof(env->error),
			 "cannot open environment: %s", why(b->ctx, rc));
		return rc;
	}
	rc = env_probe(env);
	if (rc < 0)
		return rc;
	env_accounting(env);
	vb_verify(&env->spec, &env->granted, &env->probe, env->granted.vm,
		  w->verify, &env->ver);
	return 0;
}

void vb_env_close(struct vb_env *env)
{
	if (env->open) {
		ops_of(env->b)->close(env->b->state, env->b->ctx);
		env->open = false;
	}
	if (env->log_fd >= 0) {
		close(env->log_fd);
		env->log_fd = -1;
	}
	vb_buf_free(&env->facts);
}

/* ------------------------------------------------------------------ */
/* A repetition                                                         */
/* ------------------------------------------------------------------ */

/* argv for one agent request: --seed N --plugin-dir DIRS CMD WORKLOAD
 * kv... DIRS is the engine's own workload path, on every backend
 * (plugin.h, struct vb_exec), so the agent finds what the engine found. */
static const char **agent_argv(const char *wl, const char *cmd,
			       char *const *kv, size_t nkv,
			       const char *seed, const char *path)
{
	const char **argv = vb_xcalloc(nkv + 8, sizeof(char *));
	size_t n = 0;

	argv[n++] = "--seed";
	argv[n++] = seed;
	if (path && *path) {
		argv[n++] = "--plugin-dir";
		argv[n++] = path;
	}
	argv[n++] = cmd;
	argv[n++] = wl;
	for (size_t i = 0; i < nkv; i++)
		argv[n++] = kv[i];
	return argv;
}

/* One request `cmd` for the workload; r may be NULL. */
static int wl_call(struct vb_env *env, const struct vb_plugin_info *wl,
		   const char *cmd, char *const *kv, size_t nkv,
		   const char *seed, struct vb_reply *r, double *host)
{
	const char **argv = agent_argv(wl->name, cmd, kv, nkv, seed,
				       vb_workload_path(env->b->ctx));
	int rc = vb_env_call(env, argv, r, NULL, host);

	free(argv);
	return rc;
}

/* The measured request, with the host's noise around it in r->noise. */
static int measured_call(struct vb_env *env, const struct vb_plugin_info *wl,
			 const char *cmd, char *const *kv, size_t nkv,
			 const char *seed, struct vb_reply *r, double *host)
{
	struct vb_noise_snap *before = vb_noise_snap_take(&env->where), *after;
	int rc = wl_call(env, wl, cmd, kv, nkv, seed, r, host);

	after = vb_noise_snap_take(&env->where);
	if (rc == 0)
		vb_noise_measure(&env->where, before, after, &r->usage,
				 &r->noise);
	vb_noise_snap_free(before);
	vb_noise_snap_free(after);
	return rc;
}

static bool drop_caches(struct vb_env *env)
{
	const struct vb_backend_ops *ops = ops_of(env->b);
	int d = ops->drop_caches ? ops->drop_caches(env->b->state, env->b->ctx)
				 : -ENOTSUP;

	if (d < 0)
		warn(env, "%s: warning: page cache not dropped before the run (%s)",
		     env->label, strerror(-d));
	return d == 0;
}

/* prepare, drop the page cache, measure, cleanup. */
static int measure_cold(struct vb_env *env, const struct vb_plugin_info *wl,
			char *const *kv, size_t nkv, const char *seed,
			struct vb_reply *r)
{
	struct vb_reply prep = VB_REPLY_INIT;
	double host = 0;
	bool dropped;
	int rc;

	rc = wl_call(env, wl, "prepare", kv, nkv, seed, &prep, NULL);
	if (rc < 0)
		snprintf(r->error, sizeof(r->error), "prepare: %.1000s",
			 prep.error);
	vb_reply_reset(&prep);
	if (rc < 0)
		return rc;
	dropped = drop_caches(env);
	rc = measured_call(env, wl, "measure", kv, nkv, seed, r, &host);
	/* Cleanup whatever happened, but not after a timeout or an
	 * interrupt: that environment is being restarted or closed. */
	if (rc != -ETIMEDOUT && rc != -EINTR)
		wl_call(env, wl, "cleanup", kv, nkv, seed, NULL, NULL);
	if (rc == 0) {
		add_metric(r, "host_time", host);
		add_metric(r, "page_cache_dropped", dropped ? 1 : 0);
	}
	return rc;
}

int vb_env_measure(struct vb_env *env, const struct vb_plugin_info *wl,
		   uint32_t flags, char *const *kv, size_t nkv, uint64_t seed,
		   struct vb_reply *r)
{
	char s[32];
	double host = 0;
	int rc;

	snprintf(s, sizeof(s), "%llu", (unsigned long long)seed);
	if (flags & VB_WL_DROP_CACHES)
		return measure_cold(env, wl, kv, nkv, s, r);
	rc = measured_call(env, wl, "run", kv, nkv, s, r, &host);
	if (rc == 0)
		add_metric(r, "host_time", host);
	return rc;
}
