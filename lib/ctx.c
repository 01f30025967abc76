/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vb_ctx handle: one per plugin in use. The engine and the agent point
 * its sinks at their own recorders; libvirtbench.so's service functions
 * reach it through the ops table (lib/ctx.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "lib/loader.h"
#include "lib/util.h"

struct ctx {
	struct vb_ctx pub;  /* first: plugins hold &pub */
	const struct vb_plugin *plugin;
	pthread_mutex_t lock;
	char error[1024];
	char *scratch;
	char *agent;
	char *workload_path;
	uint64_t seed;
	int (*metric)(void *u, const char *name, double v);
	int (*fact)(void *u, const char *k, const char *v);
	int (*env_fact)(void *u, const char *k, const char *v);
	void *user;
	const struct vb_bundle_provider *bundle;
	const struct vb_metric *metrics;  /* the instance's, else the plugin's */
};

static struct ctx *impl(struct vb_ctx *c)
{
	return (struct ctx *)c;
}

static volatile sig_atomic_t interrupted;

bool vb_is_interrupted(void)
{
	return interrupted != 0;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void vb_install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking waits must wake up and see the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static const char *plugin_name(const struct ctx *c)
{
	return c->plugin && c->plugin->info ? c->plugin->info->name
					    : "virtbench";
}

/* ------------------------------------------------------------------ */
/* the ops behind plugin.h                                              */
/* ------------------------------------------------------------------ */

static void op_log(struct vb_ctx *pub, enum vb_log_level level,
		   const char *msg)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };

	if (level == VB_LOG_DEBUG && !getenv("VIRTBENCH_DEBUG"))
		return;
	/* One fprintf so lines from threads do not interleave mid-line. */
	fprintf(stderr, "virtbench: %s: %s: %s\n", plugin_name(impl(pub)),
		names[level <= VB_LOG_DEBUG ? level : VB_LOG_DEBUG], msg);
}

static void op_error(struct vb_ctx *pub, const char *file, int line,
		     const char *msg)
{
	struct ctx *c = impl(pub);

	pthread_mutex_lock(&c->lock);
	if (c->error[0] == '\0' && !file) {
		snprintf(c->error, sizeof(c->error), "%s: %s", plugin_name(c),
			 msg);
	} else if (c->error[0] == '\0') {
		const char *base = strrchr(file, '/');

		snprintf(c->error, sizeof(c->error), "%s: %s:%d: %s",
			 plugin_name(c), base ? base + 1 : file, line, msg);
	}
	pthread_mutex_unlock(&c->lock);
}

static const char *op_error_message(struct vb_ctx *pub)
{
	return impl(pub)->error;
}

static void op_error_clear(struct vb_ctx *pub)
{
	struct ctx *c = impl(pub);

	pthread_mutex_lock(&c->lock);
	c->error[0] = '\0';
	pthread_mutex_unlock(&c->lock);
}

static bool op_interrupted(struct vb_ctx *pub)
{
	(void)pub;
	return interrupted != 0;
}

static int op_metric(struct vb_ctx *pub, const char *name, double value)
{
	struct ctx *c = impl(pub);
	const struct vb_metric *m;
	int rc = 0;

	m = c->metrics ? c->metrics
	    : c->plugin ? c->plugin->info->metrics : NULL;
	if (!m)
		return -ENOENT;
	for (; m->name; m++)
		if (strcmp(m->name, name) == 0)
			break;
	if (!m->name)
		return -ENOENT;
	pthread_mutex_lock(&c->lock);
	if (c->metric)
		rc = c->metric(c->user, name, value);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static bool valid_key(const char *k)
{
	if (!k || !*k || strlen(k) > 63)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		      *k == '_'))
			return false;
	return true;
}

static int op_fact(struct vb_ctx *pub, bool env, const char *key,
		   const char *value)
{
	struct ctx *c = impl(pub);
	int (*fn)(void *u, const char *k, const char *v) =
		env ? c->env_fact : c->fact;
	int rc = 0;

	if (!valid_key(key) || !value || strpbrk(value, "\n\r;"))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if (fn)
		rc = fn(c->user, key, value);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static const char *op_scratch_dir(struct vb_ctx *pub)
{
	struct ctx *c = impl(pub);
	const char *d;

	if (c->scratch)
		return c->scratch;
	d = getenv("VIRTBENCH_SCRATCH");
	if (d && *d)
		return d;
	d = getenv("TMPDIR");
	return d && *d ? d : "/var/tmp";
}

static uint64_t op_seed(struct vb_ctx *pub)
{
	return impl(pub)->seed;
}

static const char *op_agent_path(struct vb_ctx *pub)
{
	struct ctx *c = impl(pub);

	return c->agent ? c->agent : "virtbench-agent";
}

static const char *op_workload_path(struct vb_ctx *pub)
{
	struct ctx *c = impl(pub);

	return c->workload_path ? c->workload_path : "";
}

static int op_bundle_get(struct vb_ctx *pub, const char **dir,
			 const char **hash)
{
	struct ctx *c = impl(pub);

	if (!c->bundle || !c->bundle->get)
		return -ENOSYS;
	return c->bundle->get(pub, dir, hash);
}

static int op_bundle_argv(struct vb_ctx *pub, const char *mount,
			  const char **out, size_t n)
{
	struct ctx *c = impl(pub);

	if (!c->bundle || !c->bundle->argv)
		return -ENOSYS;
	return c->bundle->argv(pub, mount, out, n);
}

static int op_cache_dir(struct vb_ctx *pub, const char *sub, char *out,
			size_t n)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	const char *sep = sub && *sub ? "/" : "";
	int len, err;

	/* The XDG spec says to ignore a relative XDG_CACHE_HOME. */
	if (xdg && xdg[0] == '/')
		len = snprintf(out, n, "%s/virtbench%s%s", xdg, sep,
			       sub ? sub : "");
	else if (home && home[0] == '/')
		len = snprintf(out, n, "%s/.cache/virtbench%s%s", home, sep,
			       sub ? sub : "");
	else
		return VB_ERROR(pub, -ENOENT,
				"no cache directory: set XDG_CACHE_HOME or HOME "
				"to an absolute path");
	if (len < 0 || (size_t)len >= n)
		return VB_ERROR(pub, -ENAMETOOLONG, "cache path too long");
	err = vb_mkdir_p(out, 0755);
	if (err < 0)
		return VB_ERROR(pub, err, "cannot create cache directory %s: %s",
				out, strerror(-err));
	return 0;
}

static const struct vb_ctx_ops ctx_ops = {
	.size = sizeof(struct vb_ctx_ops),
	.log = op_log,
	.error = op_error,
	.error_message = op_error_message,
	.error_clear = op_error_clear,
	.interrupted = op_interrupted,
	.metric = op_metric,
	.fact = op_fact,
	.scratch_dir = op_scratch_dir,
	.seed = op_seed,
	.agent_path = op_agent_path,
	.workload_path = op_workload_path,
	.bundle_get = op_bundle_get,
	.bundle_argv = op_bundle_argv,
	.cache_dir = op_cache_dir,
};

/* ------------------------------------------------------------------ */
/* what the engine and the agent call                                   */
/* ------------------------------------------------------------------ */

struct vb_ctx *vb_ctx_new(const struct vb_plugin *plugin)
{
	struct ctx *c = vb_xcalloc(1, sizeof(*c));

	c->pub.ops = &ctx_ops;
	c->plugin = plugin;
	c->seed = 1;
	pthread_mutex_init(&c->lock, NULL);
	return &c->pub;
}

void vb_ctx_free(struct vb_ctx *pub)
{
	struct ctx *c = impl(pub);

	if (!pub)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->scratch);
	free(c->agent);
	free(c->workload_path);
	free(c);
}

const char *vb_ctx_error(struct vb_ctx *pub)
{
	return op_error_message(pub);
}

void vb_ctx_clear_error(struct vb_ctx *pub)
{
	op_error_clear(pub);
}

void vb_ctx_restore_error(struct vb_ctx *pub, const char *msg)
{
	struct ctx *c = impl(pub);

	pthread_mutex_lock(&c->lock);
	snprintf(c->error, sizeof(c->error), "%s", msg);
	pthread_mutex_unlock(&c->lock);
}

static void replace(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? vb_xstrdup(v) : NULL;
}

void vb_ctx_set_scratch(struct vb_ctx *pub, const char *dir)
{
	replace(&impl(pub)->scratch, dir);
}

void vb_ctx_set_seed(struct vb_ctx *pub, uint64_t seed)
{
	impl(pub)->seed = seed;
}

void vb_ctx_set_paths(struct vb_ctx *pub, const char *agent,
		      const char *workload_path)
{
	replace(&impl(pub)->agent, agent);
	replace(&impl(pub)->workload_path, workload_path);
}

void vb_ctx_set_sinks(struct vb_ctx *pub,
		      int (*metric)(void *u, const char *name, double v),
		      int (*fact)(void *u, const char *k, const char *v),
		      int (*env_fact)(void *u, const char *k, const char *v),
		      void *user)
{
	struct ctx *c = impl(pub);

	c->metric = metric;
	c->fact = fact;
	c->env_fact = env_fact;
	c->user = user;
}

void vb_ctx_set_metrics(struct vb_ctx *pub, const struct vb_metric *table)
{
	impl(pub)->metrics = table;
}

void vb_ctx_set_bundle(struct vb_ctx *pub,
		       const struct vb_bundle_provider *provider)
{
	impl(pub)->bundle = provider;
}
