/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `virtbench probe`: one environment opened, probed, verified and closed
 * the way the runner does it (engine/env.c), without an experiment.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/env.h"
#include "engine/experiment.h"
#include "engine/probe.h"
#include "lib/ctx.h"
#include "lib/loader.h"
#include "lib/options.h"
#include "lib/util.h"

/* A request to the agent never takes longer than this here. */
#define PROBE_TIMEOUT 120.0

void vb_probe_result_free(struct vb_probe_result *res)
{
	free(res->facts);
	free(res->logs);
	res->facts = res->logs = NULL;
}

/* A backend's errors start with its name ("docker: docker.c:12: ..."):
 * say it once. */
static void backend_error(struct vb_diag *d, const char *backend,
			  const char *msg)
{
	size_t n = strlen(backend);

	if (strncmp(msg, backend, n) == 0 && msg[n] == ':')
		vb_diag_add(d, NULL, 0, "%s", msg);
	else
		vb_diag_add(d, NULL, 0, "%s: %s", backend, msg);
}

/* The environment, opened and verified, into res. */
static int probe_env(const struct vb_probe_opts *o, struct vb_backend_rt *b,
		     struct vb_probe_result *res, struct vb_diag *d)
{
	char tmpdir[] = "/tmp/virtbench-probe-XXXXXX";
	struct vb_env env = VB_ENV_INIT;
	struct vb_env_want w = {
		.label = "probe", .cpus = o->cpus, .memory = o->memory,
		.log_dir = mkdtemp(tmpdir), .verify = VB_VERIFY_STRICT,
		.timeout = PROBE_TIMEOUT,
	};
	int rc;

	if (!w.log_dir) {
		rc = -errno;
		vb_diag_add(d, NULL, 0, "cannot make a log directory in /tmp: %s",
			    strerror(-rc));
		return rc;
	}
	rc = vb_env_open(&env, b, &w);
	if (rc < 0 && rc != -EINTR)
		backend_error(d, o->backend, env.error);
	res->spec = env.spec;
	res->spec.label = NULL;
	res->spec.log_dir = NULL;
	res->granted = env.granted;
	res->probe = env.probe;
	res->ver = env.ver;
	res->facts = vb_xstrdup(vb_buf_str(&env.facts));
	vb_env_close(&env);
	/* The console and agent logs are kept only when something went
	 * wrong: the error message points at them. */
	if (rc == 0 && res->ver.verdict != VB_VERDICT_REFUSED)
		vb_rm_rf(tmpdir);
	else
		res->logs = vb_xstrdup(tmpdir);
	return rc;
}

int vb_probe_backend(const struct vb_probe_opts *o,
		     struct vb_probe_result *res, struct vb_diag *d)
{
	struct vb_registry reg = { 0 };
	struct vb_backend_rt b = { 0 };
	const struct vb_plugin *p;
	void *opts = NULL;
	char err[1024], *agent = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if (o->memory > vb_host_memory()) {
		vb_diag_add(d, NULL, 0, "--memory: %lld bytes is more than this "
			    "host's memory (%lld bytes); no backend can grant it",
			    (long long)o->memory, (long long)vb_host_memory());
		res->bad_request = true;
		return -EINVAL;
	}
	vb_registry_load(&reg, o->plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	p = vb_registry_find(&reg, VB_PLUGIN_BACKEND, o->backend);
	if (!p) {
		vb_diag_add(d, NULL, 0, "no backend plugin '%s'; 'virtbench "
			    "plugins' lists them", o->backend);
		res->bad_request = true;
		rc = -ENOENT;
	} else if ((rc = vb_opts_from_kv(p->info, o->kv, o->nkv, &opts, err,
					 sizeof(err))) < 0) {
		vb_diag_add(d, NULL, 0, "%s: %s", o->backend, err);
		res->bad_request = true;
		rc = -EINVAL;
	} else {
		agent = vb_find_agent();
		rc = vb_backend_start(&b, p, opts, agent, reg.search_path, 1);
		if (rc < 0 && rc != -EINTR)
			backend_error(d, o->backend, b.create_err);
		if (rc == 0)
			rc = probe_env(o, &b, res, d);
		vb_backend_stop(&b);
	}
	if (opts) {
		vb_opts_free(p->info->options, opts);
		free(opts);
	}
	free(agent);
	vb_registry_free(&reg);
	return rc;
}
