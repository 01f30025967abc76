/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One environment (engine/env.c): a backend plugin's instance, and one
 * environment it opens: open, probe through the agent, verify, agent
 * requests, close. The runner and `virtbench probe` both go through here,
 * so the two open, probe and verify an environment the same way.
 */
#ifndef VB_ENGINE_ENV_H
#define VB_ENGINE_ENV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/experiment.h"
#include "engine/noise.h"
#include "engine/verify.h"
#include "lib/loader.h"
#include "lib/protocol.h"
#include "lib/util.h"

/* A backend plugin's instance: create() once, destroy() at the end. */
struct vb_backend_rt {
	const struct vb_plugin *plugin;
	struct vb_ctx *ctx;
	void *state;
	bool created;
	int create_rc;
	char create_err[1024];
};

/*
 * Call the plugin's create() (once; later calls return the first result).
 * The state rule (docs/errors.md, plugin.h): a create() that fails leaves
 * *state NULL or a state destroy() can free, and vb_backend_stop()
 * destroys whatever is there, after a failed create() too. Returns 0,
 * -EINTR when interrupted, or create()'s -errno with create_err set.
 */
int vb_backend_start(struct vb_backend_rt *b, const struct vb_plugin *p,
		     const void *opts, const char *agent,
		     const char *workload_path, uint64_t seed);
/* destroy() (when *state is set) and free the ctx. Idempotent. */
void vb_backend_stop(struct vb_backend_rt *b);

/* What the agent answered to one request. */
struct vb_metric_val {
	char name[64];
	double value;
};
struct vb_reply {
	struct vb_metric_val *m;
	size_t nm, cap;
	struct vb_buf facts;   /* the request's facts, "k=v;k=v" */
	char error[1024];      /* the first error line, or why it failed */
	int done_status;       /* -1: no done line */
	int error_code;        /* the first error line's -errno, 0: none */
	struct vb_agent_usage usage;  /* the agent's usage lines */
	/* vb_env_measure(): the host's noise around the measured request
	 * (noise.sampled false when there is none). */
	struct vb_noise noise;
};
#define VB_REPLY_INIT { .done_status = -1 }
/* Free and empty r (it can be used again). */
void vb_reply_reset(struct vb_reply *r);

/* What to open. */
struct vb_env_want {
	const char *label;      /* made safe for file names */
	int cpus;
	int64_t memory;
	int64_t scratch_bytes;
	const char *log_dir;    /* created; the agent's stderr goes to
	                           log_dir/LABEL.log */
	enum vb_verify_mode verify;
	double timeout;         /* per agent request, seconds */
};

struct vb_env {
	struct vb_backend_rt *b;
	bool open;              /* close() is due (after a failed open too) */
	int log_fd;
	double timeout;
	struct vb_env_spec spec;
	struct vb_env_granted granted;
	struct vb_probe probe;
	struct vb_verification ver;
	struct vb_buf facts;    /* environment facts from the backend */
	char label[256];
	char log_dir[PATH_MAX];
	char error[1400];       /* why vb_env_open() failed */
	/* Where its CPU time shows on the host, for the noise sample. */
	struct vb_noise_where where;
	/* Warnings worth a line on stderr during a run (docs/errors.md:
	 * progress output); NULL drops them. */
	void (*warn)(void *user, const char *msg);
	void *warn_user;
};
#define VB_ENV_INIT { .log_fd = -1 }

/*
 * Open an environment of b, probe it through the agent and verify the
 * probe against the request. 0: open and verified (env->ver.verdict may
 * be refused: the caller decides). -EINTR: SIGINT/SIGTERM came while it
 * opened or probed, so nothing about it is a result. Otherwise -errno
 * with env->error saying why. Call vb_env_close() in every case.
 */
int vb_env_open(struct vb_env *env, struct vb_backend_rt *b,
		const struct vb_env_want *w);
/* close() when due, the log closed, facts freed. Idempotent. */
void vb_env_close(struct vb_env *env);

/*
 * One agent request (argv without the program name). 0 when the agent
 * answered "done 0"; otherwise -errno (-ETIMEDOUT, -EINTR, the backend's
 * error, or -EIO for an agent that failed) with r->error set. A NULL r
 * keeps no answer and sends the error to env->warn. probe (may be NULL)
 * takes probe lines; *host_seconds (may be NULL) the wall time.
 */
int vb_env_call(struct vb_env *env, const char *const *argv,
		struct vb_reply *r, struct vb_probe *probe,
		double *host_seconds);

/*
 * One repetition or warmup of a workload in the open environment: `run`,
 * or, when `flags` (the instance's, vb_workload_describe) have
 * VB_WL_DROP_CACHES, prepare, drop the page cache, measure and cleanup.
 * Adds the host_time metric (and page_cache_dropped), and samples the
 * host's noise around the measured request into r->noise. Returns as
 * vb_env_call().
 */
int vb_env_measure(struct vb_env *env, const struct vb_plugin_info *wl,
		   uint32_t flags, char *const *kv, size_t nkv, uint64_t seed,
		   struct vb_reply *r);

#endif /* VB_ENGINE_ENV_H */
