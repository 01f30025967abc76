/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vb_ctx handle behind plugin.h, and the process-wide interrupt flag.
 *
 * Two views, as in Redis's module API: plugins see an opaque struct vb_ctx
 * and call the service functions that libvirtbench.so exports; those
 * functions hold no state and forward through the ops table the handle
 * starts with. The engine and the agent (which link lib/ themselves) fill
 * that table. So libvirtbench.so exports exactly plugin.h, carries none of
 * the engine, and a plugin reaches the same ctx whichever copy of the code
 * created it.
 */
#ifndef VB_LIB_CTX_H
#define VB_LIB_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtbench/plugin.h"

struct vb_plugin;

/* What the service functions of plugin.h forward to. */
struct vb_ctx_ops {
	size_t size;  /* sizeof(struct vb_ctx_ops) */
	void (*log)(struct vb_ctx *ctx, enum vb_log_level level,
		    const char *msg);
	/* msg is already formatted; file is the caller's __FILE__, or NULL
	 * for an error the library itself words (vb_oom_killed). */
	void (*error)(struct vb_ctx *ctx, const char *file, int line,
		      const char *msg);
	const char *(*error_message)(struct vb_ctx *ctx);
	void (*error_clear)(struct vb_ctx *ctx);
	bool (*interrupted)(struct vb_ctx *ctx);
	int (*metric)(struct vb_ctx *ctx, const char *name, double value);
	int (*fact)(struct vb_ctx *ctx, bool env, const char *key,
		    const char *value);
	const char *(*scratch_dir)(struct vb_ctx *ctx);
	uint64_t (*seed)(struct vb_ctx *ctx);
	const char *(*agent_path)(struct vb_ctx *ctx);
	const char *(*workload_path)(struct vb_ctx *ctx);
	int (*bundle_get)(struct vb_ctx *ctx, const char **dir,
			  const char **hash);
	int (*bundle_argv)(struct vb_ctx *ctx, const char *mount,
			   const char **out, size_t n);
	int (*cache_dir)(struct vb_ctx *ctx, const char *sub, char *out,
			 size_t n);
};

/* The first member of every handle; the rest is private to lib/ctx.c. */
struct vb_ctx {
	const struct vb_ctx_ops *ops;
};

/*
 * A handle for one plugin (NULL: the engine itself, named "virtbench").
 * Never NULL (allocation failure aborts, docs/errors.md).
 */
struct vb_ctx *vb_ctx_new(const struct vb_plugin *plugin);
void vb_ctx_free(struct vb_ctx *ctx);
/* The first error recorded by a hook through VB_ERROR ("" if none). */
const char *vb_ctx_error(struct vb_ctx *ctx);
void vb_ctx_clear_error(struct vb_ctx *ctx);
/* Put back an error taken with vb_ctx_error() as it was (already
 * prefixed with its plugin, file and line). */
void vb_ctx_restore_error(struct vb_ctx *ctx, const char *msg);
void vb_ctx_set_scratch(struct vb_ctx *ctx, const char *dir);
void vb_ctx_set_seed(struct vb_ctx *ctx, uint64_t seed);
void vb_ctx_set_paths(struct vb_ctx *ctx, const char *agent,
		      const char *workload_path);
/* Where metrics, facts and environment facts go (the agent prints them,
 * the runner records them). */
void vb_ctx_set_sinks(struct vb_ctx *ctx,
		      int (*metric)(void *u, const char *name, double v),
		      int (*fact)(void *u, const char *k, const char *v),
		      int (*env_fact)(void *u, const char *k, const char *v),
		      void *user);
/* The metric table vb_report_metric() accepts (engine layout, NULL-name
 * terminated; NULL: the plugin's own). The workload instance's, from
 * vb_workload_describe(); it must outlive ctx's use. */
void vb_ctx_set_metrics(struct vb_ctx *ctx, const struct vb_metric *table);
/* What vb_bundle_get()/vb_bundle_argv() do: the engine provides the agent
 * bundle (engine/bundle.c); without one they return -ENOSYS. */
struct vb_bundle_provider {
	int (*get)(struct vb_ctx *ctx, const char **dir, const char **hash);
	int (*argv)(struct vb_ctx *ctx, const char *mount, const char **out,
		    size_t n);
};
void vb_ctx_set_bundle(struct vb_ctx *ctx,
		       const struct vb_bundle_provider *provider);

/* SIGINT/SIGTERM/SIGHUP set the process-wide interrupt flag (no
 * SA_RESTART: blocking waits must wake up and see it); SIGPIPE ignored. */
void vb_install_signal_handlers(void);
bool vb_is_interrupted(void);

#endif /* VB_LIB_CTX_H */
