/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * virtbench plugin ABI — the one header a backend or workload plugin needs.
 *
 * A plugin is a libtool module that exports exactly one symbol, made by
 * VB_PLUGIN_DEFINE(), returning a constant struct vb_plugin_info. The engine
 * validates the experiment file against the plugin's option table, fills a
 * zeroed block of info->options_size bytes with the values, and hands that
 * block to every hook. Plugins never touch libconfig, never print, never exit
 * and keep no global mutable state: everything they need comes through the
 * struct vb_ctx handle and the service functions at the end of this file.
 *
 * Versioning: VB_PLUGIN_ABI_MAJOR must match exactly; minor versions only
 * append fields to the ops tables, which is why each starts with `size`.
 * Struct layouts here are never reordered.
 *
 * Functions return 0 or a negative errno value.
 */
#ifndef VIRTBENCH_PLUGIN_H
#define VIRTBENCH_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VB_PLUGIN_ABI_MAJOR 1
#define VB_PLUGIN_ABI_MINOR 0

#if defined(__GNUC__)
#define VB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define VB_EXPORT __attribute__((visibility("default")))
#else
#define VB_PRINTF(fmt, args)
#define VB_EXPORT
#endif

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

/*
 * Option types and the C type each one is stored as, at `offset` in the
 * plugin's options struct:
 *   VB_OPT_INT       int64_t   plain integer ("8", 8)
 *   VB_OPT_SIZE      int64_t   bytes; accepts K/M/G/T suffixes, powers of 1024
 *   VB_OPT_DURATION  double    seconds; accepts "ms", "s", "m", "h" suffixes
 *   VB_OPT_BOOL      bool      true/false (also "on"/"off", "yes"/"no", 1/0)
 *   VB_OPT_DOUBLE    double
 *   VB_OPT_ENUM      int       index into `choices`
 *   VB_OPT_STRING    char *    owned by the engine, never NULL once filled
 *   VB_OPT_LIST      char **   NULL-terminated strings, owned by the engine;
 *                              in an experiment file a list for this type is
 *                              the value itself, not a matrix axis
 */
enum vb_opt_type {
	VB_OPT_INT = 1,
	VB_OPT_SIZE,
	VB_OPT_DURATION,
	VB_OPT_BOOL,
	VB_OPT_DOUBLE,
	VB_OPT_ENUM,
	VB_OPT_STRING,
	VB_OPT_LIST,
};

/*
 * One entry of a plugin's option table. Tables end with an entry whose
 * `name` is NULL. The engine uses the table to validate experiment files,
 * to fill defaults, to print `virtbench plugins NAME` and to record the
 * effective configuration.
 */
struct vb_option {
	const char *name;          /* key in the experiment file, [a-z0-9_]+ */
	enum vb_opt_type type;
	size_t offset;             /* offsetof(struct my_opts, field) */
	const char *def;           /* default, written as in a file; NULL: none */
	double min, max;           /* inclusive range, checked when max > min
	                              (sizes in bytes, durations in seconds) */
	const char *const *choices;/* VB_OPT_ENUM: NULL-terminated names */
	bool required;             /* no default; the file must give it */
	const char *help;          /* one line, shown by `virtbench plugins` */
};

/* ------------------------------------------------------------------ */
/* Metrics (workloads)                                                  */
/* ------------------------------------------------------------------ */

enum vb_better {
	VB_LOWER_IS_BETTER = -1,
	VB_NEUTRAL = 0,
	VB_HIGHER_IS_BETTER = 1,
};

/* One metric a workload reports; tables end with a NULL `name`. */
struct vb_metric {
	const char *name;   /* [a-z0-9_]+, e.g. "events_per_second" */
	const char *unit;   /* e.g. "s", "ms", "1/s", "MiB/s", "" */
	enum vb_better better;
	const char *help;
};

/* ------------------------------------------------------------------ */
/* Context handed to every hook                                         */
/* ------------------------------------------------------------------ */

/* Opaque; owned by the engine (host side) or the agent (guest side). */
struct vb_ctx;

enum vb_log_level {
	VB_LOG_ERROR = 0,
	VB_LOG_WARN,
	VB_LOG_INFO,
	VB_LOG_DEBUG,
};

/* ------------------------------------------------------------------ */
/* Workload plugins (run by virtbench-agent inside the environment)     */
/* ------------------------------------------------------------------ */

/* The engine must drop the page cache (through the backend) after prepare
 * and before run, so that the run does not measure cached data. */
#define VB_WL_DROP_CACHES (1u << 0)

struct vb_workload_ops {
	size_t size;    /* sizeof(struct vb_workload_ops) */
	uint32_t flags; /* VB_WL_* */

	/*
	 * Optional. Engine side, before anything runs: checks that need more
	 * than one option (e.g. total_size >= files * block_size). Writes a
	 * one-line reason to msg and returns -EINVAL when opts make no sense.
	 */
	int (*validate)(const void *opts, char *msg, size_t msglen);

	/*
	 * Optional. Engine side: bytes of disk the workload needs in its
	 * working directory, so a VM backend can size a scratch disk.
	 */
	int64_t (*scratch_bytes)(const void *opts);

	/*
	 * Optional. Agent side: create what run needs (files...). State that
	 * must survive until run lives in the working directory, because
	 * prepare, run and cleanup may be separate agent processes (the engine
	 * drops caches in between). Must check vb_interrupted() in long loops
	 * and return -EINTR, leaving cleanup able to remove partial results.
	 */
	int (*prepare)(struct vb_ctx *ctx, const void *opts);

	/*
	 * Required. Agent side: the measured part. Reports every metric in
	 * the table once through vb_report_metric().
	 */
	int (*run)(struct vb_ctx *ctx, const void *opts);

	/*
	 * Optional. Agent side: remove everything prepare made. Called after
	 * run, after a failed or interrupted prepare/run, and must succeed when
	 * there is nothing to remove.
	 */
	int (*cleanup)(struct vb_ctx *ctx, const void *opts);
};

/* ------------------------------------------------------------------ */
/* Backend plugins (run by the engine on the host)                      */
/* ------------------------------------------------------------------ */

/* What one cell asks of an environment. */
struct vb_env_spec {
	const char *label;      /* "backend/config", safe for names: [A-Za-z0-9._-] */
	int cpus;               /* CPUs the workload may use */
	int64_t memory;         /* bytes */
	int64_t scratch_bytes;  /* largest scratch need of the cell's workloads */
	const char *log_dir;    /* existing directory for this cell's logs */
};

/* What the backend could apply; filled by open(). */
struct vb_env_granted {
	bool cpus_enforced;     /* false: observed CPUs are not a limit we set */
	bool memory_enforced;
	bool vm;                /* a virtual machine: memory shows as MemTotal,
	                           which the guest kernel keeps a part of */
	char note[256];         /* e.g. "no memory cgroup: limit not enforced" */
};

/* One request to the agent inside an open environment. */
struct vb_exec {
	/* Agent arguments, NULL-terminated, without the program name, e.g.
	 * {"run", "cpu-prime", "max_prime=10000", NULL}. */
	const char *const *argv;
	double timeout;        /* seconds; 0 means none */
	/* Called for each line the agent writes on stdout, without '\n'.
	 * A non-zero return stops reading and is returned by exec(). */
	int (*on_line)(void *user, const char *line);
	void *user;
	int log_fd;            /* the agent's stderr goes here; -1 discards */
};

struct vb_backend_ops {
	size_t size;    /* sizeof(struct vb_backend_ops) */
	uint32_t flags; /* reserved, 0 */

	/*
	 * Optional. Engine side, before anything runs: cross-option checks.
	 * Same contract as vb_workload_ops.validate.
	 */
	int (*validate)(const void *opts, char *msg, size_t msglen);

	/*
	 * Required. Once per backend entry of an experiment, before its first
	 * cell: host-side checks (is the engine running? is the kernel there?)
	 * and preparation (images, bundles). Allocates *state. Returns
	 * -EHOSTDOWN (or another -errno) with vb_error() explaining what to do
	 * when the backend cannot work; the engine then fails its cells and
	 * goes on with the other backends.
	 */
	int (*create)(struct vb_ctx *ctx, const void *opts, void **state);

	/*
	 * Required. Start an environment for one cell with spec's resources.
	 * Fills *granted. On failure, leaves nothing running (the engine still
	 * calls close()).
	 */
	int (*open)(void *state, struct vb_ctx *ctx,
		    const struct vb_env_spec *spec,
		    struct vb_env_granted *granted);

	/*
	 * Required. Run the agent once inside the open environment and wait.
	 * Returns 0 when the agent ran to its end (its exit status in
	 * *exit_status), -ETIMEDOUT when ex->timeout passed (the agent was
	 * killed), -EINTR when vb_interrupted() became true (likewise), or
	 * another -errno when the environment itself failed. Must poll
	 * vb_interrupted() at least every 200 ms while waiting.
	 */
	int (*exec)(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		    int *exit_status);

	/*
	 * Optional. Drop the page cache that the environment's file IO goes
	 * through (host cache for host and containers, guest cache in a VM).
	 * -ENOTSUP when it cannot; the engine records that and goes on.
	 */
	int (*drop_caches)(void *state, struct vb_ctx *ctx);

	/*
	 * Required. Tear down the environment of the current cell: stop,
	 * remove, reap. Idempotent; called after a failed open too, and from
	 * the engine's interrupt path.
	 */
	int (*close)(void *state, struct vb_ctx *ctx);

	/* Required. Free *state from create(). */
	void (*destroy)(void *state);
};

/* ------------------------------------------------------------------ */
/* Plugin descriptor and entry point                                    */
/* ------------------------------------------------------------------ */

enum vb_plugin_kind {
	VB_PLUGIN_BACKEND = 1,
	VB_PLUGIN_WORKLOAD = 2,
};

struct vb_plugin_info {
	uint32_t abi_major;        /* VB_PLUGIN_ABI_MAJOR */
	uint32_t abi_minor;        /* VB_PLUGIN_ABI_MINOR */
	enum vb_plugin_kind kind;
	const char *name;          /* = module file name, e.g. "bare-metal" */
	const char *version;       /* the plugin's own version, "1.0.0" */
	const char *summary;       /* one line */
	const struct vb_option *options; /* NULL-name terminated; may be NULL */
	size_t options_size;       /* sizeof(struct my_opts) */
	const struct vb_metric *metrics; /* workloads: NULL-name terminated */
	const void *ops;           /* struct vb_backend_ops / vb_workload_ops */
};

typedef const struct vb_plugin_info *(*vb_plugin_entry_fn)(void);

/*
 * Defines the module's only exported symbol. `modname` is the file name
 * with '-' written as '_' (libltdl's rule), e.g.
 *   VB_PLUGIN_DEFINE(bare_metal, &bare_metal_info)
 * The entry is a function rather than data so a plugin may build its
 * descriptor lazily.
 */
#define VB_PLUGIN_DEFINE(modname, info_ptr)                                  \
	VB_EXPORT const struct vb_plugin_info *                              \
		modname##_LTX_vb_plugin_entry(void);                         \
	VB_EXPORT const struct vb_plugin_info *                              \
		modname##_LTX_vb_plugin_entry(void)                          \
	{                                                                    \
		return (info_ptr);                                           \
	}

/* ------------------------------------------------------------------ */
/* Services the engine and the agent provide to plugins                 */
/* ------------------------------------------------------------------ */

/*
 * Log a message; the plugin's name is prefixed by the engine. Goes to
 * stderr (host) or to the agent's stderr (guest). Thread-safe.
 */
VB_EXPORT void vb_log(struct vb_ctx *ctx, enum vb_log_level level,
		      const char *fmt, ...) VB_PRINTF(3, 4);

/*
 * Record an error and return `err` unchanged, so hooks can write
 * `return VB_ERROR(ctx, -errno, "open %s", path);`. Only the first error
 * per hook call is kept; the engine shows it with the plugin name and the
 * source location. `err` must be negative. Thread-safe.
 */
VB_EXPORT int vb_error_at(struct vb_ctx *ctx, int err, const char *file,
			  int line, const char *fmt, ...) VB_PRINTF(5, 6);
#define VB_ERROR(ctx, err, ...) \
	vb_error_at((ctx), (err), __FILE__, __LINE__, __VA_ARGS__)

/* CLOCK_MONOTONIC in nanoseconds. */
VB_EXPORT uint64_t vb_now_ns(void);

/*
 * True once the user asked to stop (SIGINT/SIGTERM). Long loops in hooks
 * check it and return -EINTR. Async-signal-safe to read, thread-safe.
 */
VB_EXPORT bool vb_interrupted(struct vb_ctx *ctx);

/*
 * Workloads: report one value of a metric declared in the plugin's table.
 * Returns -ENOENT for an undeclared name. Call from run() only.
 */
VB_EXPORT int vb_report_metric(struct vb_ctx *ctx, const char *name,
			       double value);

/*
 * Workloads: record a fact about the run that is not a number to average
 * (e.g. "page_cache_dropped" = "yes", "seed" = "42"). Stored with the
 * repetition in the results. Returns 0 or -EINVAL for a bad key.
 */
VB_EXPORT int vb_report_fact(struct vb_ctx *ctx, const char *key,
			     const char *value);

/*
 * Workloads: the default working directory inside the environment (a
 * scratch directory the agent owns, never the results directory). The
 * string lives as long as ctx.
 */
VB_EXPORT const char *vb_scratch_dir(struct vb_ctx *ctx);

/*
 * Workloads: the seed for this run's random choices. Either the
 * experiment's `seed` or a fixed default; recorded in the results.
 */
VB_EXPORT uint64_t vb_seed(struct vb_ctx *ctx);

/*
 * Backends: record a fact about the environment of the current cell (e.g.
 * "accel" = "tcg", "image" = "sha256:..."); stored with every result of
 * the cell and shown in the report. Returns 0 or -EINVAL for a bad key.
 */
VB_EXPORT int vb_env_fact(struct vb_ctx *ctx, const char *key,
			  const char *value);

/*
 * Backends: host path of the virtbench-agent to run for bare-metal, i.e.
 * the one built next to (or installed with) the running engine.
 */
VB_EXPORT const char *vb_agent_path(struct vb_ctx *ctx);

/*
 * Backends: colon-separated directories the agent must search for
 * workload plugins (what the engine itself found them in).
 */
VB_EXPORT const char *vb_workload_path(struct vb_ctx *ctx);

/*
 * Backends: directory of a self-contained agent bundle that runs in any
 * Linux userland: bin/virtbench-agent, lib/ (libvirtbench, libltdl, libc
 * ... and the dynamic loader), plugins/ (workload modules) and a
 * `manifest` file. Built on first use and cached by content hash under
 * $XDG_CACHE_HOME/virtbench (or ~/.cache/virtbench). *dir stays valid for
 * the life of ctx; *hash (may be NULL) gets the bundle's hex hash.
 * Start the agent as
 *   DIR/lib/ld-linux.so --library-path DIR/lib DIR/bin/virtbench-agent
 * with VIRTBENCH_PLUGIN_PATH=DIR/plugins (vb_bundle_argv() does this).
 */
VB_EXPORT int vb_bundle_get(struct vb_ctx *ctx, const char **dir,
			    const char **hash);

/*
 * Backends: the argv prefix that starts the agent of a bundle mounted at
 * `mount` (e.g. "/opt/virtbench") inside an environment: loader,
 * --library-path, agent binary, and "--plugin-dir", mount/plugins. Writes
 * at most n pointers into out (strings owned by ctx) and returns how many,
 * or -ENOSPC.
 */
VB_EXPORT int vb_bundle_argv(struct vb_ctx *ctx, const char *mount,
			     const char **out, size_t n);

/* Run-time ABI of the engine or agent that loaded the plugin. */
VB_EXPORT void vb_abi_version(uint32_t *major, uint32_t *minor);

#ifdef __cplusplus
}
#endif

#endif /* VIRTBENCH_PLUGIN_H */
