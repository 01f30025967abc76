/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `virtbench probe BACKEND` (engine/probe.c): open one environment, probe
 * it, verify, close; the command line prints what came back.
 */
#ifndef VB_ENGINE_PROBE_H
#define VB_ENGINE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/verify.h"
#include "lib/diag.h"
#include "lib/protocol.h"

struct vb_probe_opts {
	const char *plugin_dirs;      /* NULL: default search path */
	const char *backend;          /* plugin name */
	int cpus;
	int64_t memory;
	const char *const *kv;        /* backend options, "key=value" */
	size_t nkv;
};

struct vb_probe_result {
	struct vb_env_spec spec;      /* cpus and memory requested */
	struct vb_env_granted granted;
	struct vb_probe probe;
	struct vb_verification ver;
	char *facts;                  /* environment facts, "k=v;k=v" */
	char *logs;                   /* kept console and agent logs, or NULL */
	bool bad_request;             /* the error is the request's: no such
	                                 backend, bad options, more than the
	                                 host has */
};
void vb_probe_result_free(struct vb_probe_result *res);

/*
 * 0: the environment opened and was verified (res->ver.verdict may be
 * refused). -EINTR: interrupted. Otherwise -errno with the reason in d,
 * and res->bad_request when the request itself was wrong; else the
 * backend could not create, open or probe (res->logs names the logs
 * kept).
 */
int vb_probe_backend(const struct vb_probe_opts *o,
		     struct vb_probe_result *res, struct vb_diag *d);

#endif /* VB_ENGINE_PROBE_H */
