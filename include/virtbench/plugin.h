/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * virtbench plugin ABI — the one header a backend or workload plugin needs.
 *
 * A plugin is a shared module that exports exactly one symbol, made by
 * VB_PLUGIN_DEFINE(), returning a constant struct vb_plugin_info. The engine
 * validates the experiment file against the plugin's option table, fills a
 * zeroed block of info->options_size bytes with the values, and hands that
 * block to every hook. Plugins never touch libconfig, never print, never exit
 * and keep no global mutable state: everything they need comes through the
 * struct vb_ctx handle and the service functions at the end of this file.
 * docs/plugins.md (installed under share/doc/virtbench/) walks through a
 * backend hook by hook; skeleton-backend.c and skeleton-workload.c next to
 * it are complete examples.
 *
 * Versioning. VB_PLUGIN_ABI_MAJOR must match exactly. A minor version only
 * appends: hooks to the end of the ops tables (which is why each starts
 * with `size`), fields to the end of structs, services to the end of this
 * file; a struct is never reordered. So a plugin built against 1.m loads
 * under every engine 1.n with n >= m, and one needing a newer minor than the
 * engine has is refused with both versions named. Concretely the loader
 *  - refuses abi_minor above its own;
 *  - reads every hook only when the plugin's ops `size` covers it (hooks a
 *    plugin's table does not reach count as NULL), and refuses an ops table
 *    smaller than its minor's;
 *  - steps through the option and metric tables with the element sizes the
 *    descriptor gives (option_size, metric_size, present from 1.1; a 1.0
 *    plugin has 1.0's) and copies them into tables of its own layout, so
 *    both tables can grow fields too;
 *  - gives structs the engine fills for a plugin (vb_env_spec, vb_exec,
 *    vb_env_granted) its newest layout: a plugin only reads and writes the
 *    fields its header knows. Structs a plugin fills for the engine
 *    (vb_proc) start with `size`: initialise them with their INIT macro.
 * Start every descriptor with VB_PLUGIN_ABI, which records all of this.
 *
 * Functions return 0 or a negative errno value.
 */
#ifndef VIRTBENCH_PLUGIN_H
#define VIRTBENCH_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VB_PLUGIN_ABI_MAJOR 1
#define VB_PLUGIN_ABI_MINOR 1

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
 *                              the value itself, not a matrix axis (numbers
 *                              and booleans in it arrive as their text)
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
 * effective configuration. The loader refuses a plugin whose table has an
 * entry with a bad name, an unknown type, a field that does not fit in
 * options_size (offset + the type's size) or is misaligned, an enum without
 * choices, or a name used twice.
 */
struct vb_option {
	const char *name;          /* key in the experiment file, [a-z][a-z0-9_]* */
	enum vb_opt_type type;
	size_t offset;             /* offsetof(struct my_opts, field) */
	const char *def;           /* default, written as in a file; NULL: none */
	double min, max;           /* inclusive range, checked when max > min
	                              (sizes in bytes, durations in seconds) */
	const char *const *choices;/* VB_OPT_ENUM: NULL-terminated names */
	bool required;             /* no default; the file must give it */
	const char *help;          /* one line, shown by `virtbench plugins` */
	/* Added in 1.1: VB_OPTF_*, for VB_OPT_LIST options only. */
	uint32_t flags;
};

/*
 * vb_option.flags (1.1): what a VB_OPT_LIST option's elements are, which
 * decides how an experiment file may write it and what the engine does
 * with it. At most one of PARAMS and RECORDS.
 *
 * VB_OPTF_PARAMS: named parameters. In a file, a group
 *     params = { max_prime = [5000, 10000]; mode = "rndrw"; };
 * whose members arrive as elements "max_prime=5000", "mode=rndrw" (file
 * order, values as canonical text). A member written as a list is a
 * matrix axis named by the member, exactly like a list for a scalar
 * option: it multiplies the cells and shows in runs.csv's params under
 * its own name, and `exclude` may filter on it. Member names are
 * [a-z][a-z0-9_]* and must not be names of the plugin's options.
 *
 * VB_OPTF_RECORDS: structured entries. In a file, a list of groups
 *     metrics = ( { name = "eps"; unit = "1/s"; regex = "..."; }, ... );
 * (or one group) of scalar members; each group arrives as one element,
 * the group written as a compact JSON object with its members in file
 * order (strings, integers, reals, booleans). The plugin checks the
 * members in validate() (see "OPTION[INDEX]: " below).
 *
 * VB_OPTF_FILES: host paths. Each element must be an absolute path that
 * exists on the host (checked with the experiment); the engine copies
 * them into every container and VM with the agent bundle, under the
 * bundle's files/ at their host paths, directories with what they hold,
 * dynamically linked ELF programs with their shared-library closure in
 * the bundle's lib/ (engine/bundle.c). A workload finds them relative to
 * the bundle it was loaded from.
 */
#define VB_OPTF_PARAMS (1u << 0)
#define VB_OPTF_RECORDS (1u << 1)
#define VB_OPTF_FILES (1u << 2)

/* ------------------------------------------------------------------ */
/* Metrics (workloads)                                                  */
/* ------------------------------------------------------------------ */

enum vb_better {
	VB_LOWER_IS_BETTER = -1,
	VB_NEUTRAL = 0,
	VB_HIGHER_IS_BETTER = 1,
};

/* vb_metric.flags (1.1). */
/* A headline metric: charted, and compared in the report's tables. The
 * others are summarized only (summary.csv, comparisons.csv). */
#define VB_METRIC_PRIMARY (1u << 0)

/* One metric a workload reports; tables end with a NULL `name`. */
struct vb_metric {
	const char *name;   /* [a-z][a-z0-9_]*, e.g. "events_per_second" */
	const char *unit;   /* e.g. "s", "ms", "1/s", "MiB/s", "" */
	enum vb_better better;
	const char *help;
	/* Added in 1.1. VB_METRIC_*. A workload whose table flags no metric
	 * primary (every 1.0 workload) gets each metric with a direction
	 * charted. */
	uint32_t flags;
};

/* ------------------------------------------------------------------ */
/* Context handed to every hook                                         */
/* ------------------------------------------------------------------ */

/* Opaque; owned by the engine (host side) or the agent (guest side). */
struct vb_ctx;

/* VB_LOG_DEBUG lines are shown only when VIRTBENCH_DEBUG=1 is in the
 * environment of the engine (backends) or of the agent (workloads). */
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

/*
 * What one instance of a workload reports (1.1, vb_workload_ops.instance):
 * for a workload whose metrics follow from its options, such as one whose
 * user declares them.
 */
struct vb_wl_instance {
	/* Set by the caller: sizeof(struct vb_wl_instance) as it was built.
	 * The plugin writes only fields that fit in it. */
	size_t size;
	/* VB_WL_* for this instance; the caller preset it to ops->flags. */
	uint32_t flags;
	/* NULL-name terminated, entries of the plugin's own struct vb_metric
	 * (the descriptor's metric_size). Names, units and directions obey
	 * the rules of the descriptor's table. */
	const struct vb_metric *metrics;
	/* The plugin's, for instance_free(). */
	void *priv;
};

struct vb_workload_ops {
	size_t size;    /* sizeof(struct vb_workload_ops) */
	uint32_t flags; /* VB_WL_* */

	/*
	 * Optional. Engine side, before anything runs: checks that need more
	 * than one option (e.g. total_size >= files * block_size). Writes a
	 * one-line reason to msg and returns -EINVAL when opts make no sense.
	 * A reason that starts with an option's name, optionally with an
	 * element index, and ": " ("metrics[1]: regex ... does not compile")
	 * is reported at that option's (element's) line of the file (1.1).
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

	/* ---- added in 1.1 (read only when `size` covers them) ---- */

	/*
	 * Optional. Engine side, like validate(), but only when the
	 * experiment has a backend whose environment is the host's own
	 * userland (VB_BACKEND_HOST, e.g. bare-metal): checks that need the
	 * host, such as "the program to run exists in PATH". Same contract.
	 */
	int (*validate_host)(const void *opts, char *msg, size_t msglen);

	/*
	 * Optional. Engine and agent side: this instance's metric table and
	 * flags, when they depend on opts (validate() accepted them). Fills
	 * *inst (see struct vb_wl_instance) and returns 0, or -ENOMEM /
	 * -EINVAL (with nothing to free). The table must be the same for
	 * every cell of a workload entry (a matrix axis may change flags,
	 * not metrics). Everything it points to stays valid until
	 * instance_free(inst). Without this hook, info->metrics and
	 * ops->flags hold for every instance; vb_report_metric() accepts
	 * the names of the instance's table.
	 */
	int (*instance)(const void *opts, struct vb_wl_instance *inst);
	/* Required with instance(): release what instance() made. */
	void (*instance_free)(struct vb_wl_instance *inst);
};

/* ------------------------------------------------------------------ */
/* Backend plugins (run by the engine on the host)                      */
/* ------------------------------------------------------------------ */

/*
 * The engine calls a backend's hooks from one thread, one at a time: no
 * hook of a backend runs while another of the same backend does (close()
 * never runs while exec() waits; on Ctrl-C exec() returns -EINTR first,
 * then close() is called).
 */

/* What one cell asks of an environment. */
struct vb_env_spec {
	/* "BACKEND-CONFIG": the backend entry's label, '-', the config's
	 * name, every character outside [A-Za-z0-9._-] written as '_' (e.g.
	 * "docker-2cpu-2g"); "probe" under `virtbench probe`. Unique within
	 * a run, so it can name containers, VMs and log files. */
	const char *label;
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
	/*
	 * Added in 1.1. Limits the backend read back on the host side (from
	 * the environment's own cgroup) because its inside does not show them:
	 * a gVisor sandbox has no cgroupfs. 0: not read. The engine uses one
	 * only where the probe found no such limit, and the verification's
	 * reason then says "host-side" for it: a value is never "ok" on trust.
	 */
	double host_cpu_quota;  /* CPUs: the CFS quota / period */
	int64_t host_mem_limit; /* bytes */
	/*
	 * Added in 1.1. What the agent's probe must call the environment from
	 * inside (its `virt`: "gvisor" for a gVisor sandbox, "docker" for runc
	 * under dockerd, ...); "": not checked. A cell that lands elsewhere
	 * (a runc container where gVisor was asked for) is refused.
	 */
	char expect_virt[32];
};

/* One request to the agent inside an open environment. */
struct vb_exec {
	/* Agent arguments, NULL-terminated, without the program name: the
	 * engine's global agent options first, then the command, e.g.
	 *   {"--seed", "1", "--plugin-dir", "/work/my-plugins:...",
	 *    "run", "cpu-prime", "max_prime=10000", NULL}.
	 * Pass them unchanged after the agent program (and after options of
	 * the backend's own, such as the bundle's --plugin-dir or --scratch):
	 * --plugin-dir carries the directories the engine found its workload
	 * plugins in, so an agent on the host finds the same ones. An agent
	 * in a container or VM runs from the bundle (vb_bundle_get), which
	 * holds copies of those same plugins; the host directories are then
	 * simply not there and are skipped. */
	const char *const *argv;
	double timeout;        /* seconds; 0 means none */
	/* Called for each line the agent writes on stdout, without '\n'.
	 * A non-zero return stops reading and is returned by exec(). */
	int (*on_line)(void *user, const char *line);
	void *user;
	int log_fd;            /* the agent's stderr goes here; -1 discards */
};

/*
 * Where an open environment's CPU time shows on the host (1.1), filled by
 * the optional accounting() hook. The engine samples it around every
 * measured request, so that what *other* processes used of the
 * environment's CPUs can be told apart (docs/results-format.md, "Host
 * noise"). Fill what you know; the engine zeroes it first.
 */
struct vb_env_accounting {
	/* The environment's cgroup directory on the host: a cgroup v2
	 * directory (its cpu.stat) or a v1 cpuacct one (cpuacct.usage),
	 * counting everything inside. "" when none. */
	char cgroup[4096];
	/* A host process inside that cgroup (a container's first process):
	 * the engine finds the cgroup itself from /proc/PID/cgroup. 0: none. */
	pid_t cgroup_member;
	/* A host process whose own CPU time, with its threads, is the
	 * environment's (a VM's emulator); its CPU affinity is the host CPUs
	 * the environment runs on. 0: none. */
	pid_t pid;
};

/* vb_backend_ops.flags (1.1): the environment is the host's own userland
 * (its programs and files), so host-side checks of workloads apply
 * (vb_workload_ops.validate_host). */
#define VB_BACKEND_HOST (1u << 0)

struct vb_backend_ops {
	size_t size;    /* sizeof(struct vb_backend_ops) */
	uint32_t flags; /* VB_BACKEND_* (1.1; 1.0: reserved, 0) */

	/*
	 * Optional. Engine side, before anything runs: cross-option checks.
	 * Same contract as vb_workload_ops.validate. `virtbench check` runs
	 * it, so refuse here what would otherwise fail hours into a run.
	 */
	int (*validate)(const void *opts, char *msg, size_t msglen);

	/*
	 * Required. Once per backend entry of an experiment, before its first
	 * cell: host-side checks (is the engine running? is the kernel there?)
	 * and preparation (images, bundles), and removing what an earlier run
	 * that was killed left behind. Allocates *state. Returns -EHOSTDOWN
	 * (or another -errno) with vb_error() explaining what to do when the
	 * backend cannot work; the engine then fails its cells and goes on
	 * with the other backends. After a failed create() the engine calls
	 * destroy() only if *state was set (non-NULL): free what you
	 * allocated and leave *state NULL, or set it early and let
	 * destroy() free a state made in part. opts stays valid until
	 * destroy(), so state may point into it.
	 */
	int (*create)(struct vb_ctx *ctx, const void *opts, void **state);

	/*
	 * Required. Start an environment for one cell with spec's resources.
	 * Fills *granted. On failure, leaves nothing running (the engine still
	 * calls close()). What is started should not outlive the engine, even
	 * one killed with SIGKILL: vb_proc_spawn() ties a host process to the
	 * engine; a container or VM needs a process of that kind holding it.
	 */
	int (*open)(void *state, struct vb_ctx *ctx,
		    const struct vb_env_spec *spec,
		    struct vb_env_granted *granted);

	/*
	 * Required. Run the agent once inside the open environment and wait.
	 * Returns 0 when the agent ran to its end (its exit status in
	 * *exit_status: 128 + N when signal N killed it), -ETIMEDOUT when
	 * ex->timeout passed (the agent was killed), -EINTR when
	 * vb_interrupted() became true (likewise), -ENOMEM through
	 * vb_oom_killed() when the OOM killer of the environment's memory
	 * limit killed the agent, or another -errno when the environment
	 * itself failed. After any error but -EIO the engine closes and
	 * reopens the environment before the next repetition. Must poll
	 * vb_interrupted() at least every 200 ms while waiting (vb_proc_run()
	 * does).
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
	 * the engine's interrupt path (vb_interrupted() is then true: use
	 * VB_PROC_UNINTERRUPTIBLE for the steps that must run all the same).
	 */
	int (*close)(void *state, struct vb_ctx *ctx);

	/* Required. Free *state from create(). */
	void (*destroy)(void *state);

	/*
	 * Optional, added in 1.1 (read only when .size covers it). Where the
	 * environment open() just opened shows its CPU time on the host: fill
	 * *a (zeroed) and return 0, or return -ENOTSUP. Called once per
	 * successful open, after the probe. Without it (or on an error) the
	 * engine takes the agent's own accounting, which is right for anything
	 * that runs on the host's kernel (a process, a container), and for a
	 * VM its own child processes.
	 */
	int (*accounting)(void *state, struct vb_ctx *ctx,
			  struct vb_env_accounting *a);
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
	/* Added in 1.1, read only when abi_minor >= 1: the element sizes of
	 * the two tables, sizeof(struct vb_option) and
	 * sizeof(struct vb_metric) as this plugin was built. */
	size_t option_size;
	size_t metric_size;
	/* Added in 1.1, may be NULL: how to use the plugin, several lines
	 * with an example, printed by `virtbench plugins NAME` after the
	 * tables. */
	const char *description;
};

/*
 * The first line of every descriptor:
 *   static const struct vb_plugin_info my_info = {
 *           VB_PLUGIN_ABI,
 *           .kind = VB_PLUGIN_WORKLOAD, .name = "my-workload", ...
 *   };
 */
#define VB_PLUGIN_ABI                                                        \
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,  \
	.option_size = sizeof(struct vb_option),                             \
	.metric_size = sizeof(struct vb_metric)

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
 * stderr (host) or to the agent's stderr (guest). Thread-safe. Debug
 * lines only with VIRTBENCH_DEBUG=1 (see enum vb_log_level).
 */
VB_EXPORT void vb_log(struct vb_ctx *ctx, enum vb_log_level level,
		      const char *fmt, ...) VB_PRINTF(3, 4);

/*
 * Record an error and return `err` unchanged, so hooks can write
 * `return VB_ERROR(ctx, -errno, "open %s", path);`. Only the first error
 * per hook call is kept; the engine shows it as "PLUGIN: FILE:LINE:
 * message", so the message itself need not name the plugin. `err` must
 * be negative. Thread-safe.
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
 * repetition in the results. A key is 1 to 63 of [a-z0-9_]; a value has
 * no newline, carriage return or ';'. Returns 0, or -EINVAL (nothing
 * recorded) for a key or value that breaks those rules.
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
 * the cell and shown in the report. Same key and value rules as
 * vb_report_fact(); 0 or -EINVAL.
 */
VB_EXPORT int vb_env_fact(struct vb_ctx *ctx, const char *key,
			  const char *value);

/*
 * Backends: host path of the virtbench-agent to run for bare-metal, i.e.
 * the one built next to (or installed with) the running engine.
 */
VB_EXPORT const char *vb_agent_path(struct vb_ctx *ctx);

/*
 * Backends: colon-separated directories the engine found its workload
 * plugins in. The engine already passes them to the agent in every
 * vb_exec.argv (--plugin-dir) and copies those plugins into the bundle;
 * a backend needs this only to show it.
 */
VB_EXPORT const char *vb_workload_path(struct vb_ctx *ctx);

/*
 * Backends: directory of a self-contained agent bundle that runs in any
 * Linux userland: bin/virtbench-agent, lib/ (libvirtbench, libltdl, libc
 * ... and the dynamic loader), plugins/ (the workload modules the engine
 * found, from every directory of its search path) and a `manifest` file.
 * Built on first use and cached by content hash under
 * $XDG_CACHE_HOME/virtbench (or ~/.cache/virtbench). *dir stays valid for
 * the life of ctx; *hash (may be NULL) gets the bundle's hex hash.
 * Start the agent as
 *   DIR/lib/ld-linux.so --library-path DIR/lib DIR/bin/virtbench-agent
 *       --plugin-dir DIR/plugins
 * (vb_bundle_argv() gives this prefix), then the request's vb_exec.argv.
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

/* ------------------------------------------------------------------ */
/* Services added in ABI 1.1                                            */
/* ------------------------------------------------------------------ */

/*
 * The error recorded so far by VB_ERROR during the current hook call, with
 * the plugin name and source location ("" when none). A hook that retries
 * a step (say, a boot with a fallback) reads it to log why the first try
 * failed, then clears it with vb_error_clear() so the retry's own error is
 * the one the engine shows.
 */
VB_EXPORT const char *vb_error_message(struct vb_ctx *ctx);
VB_EXPORT void vb_error_clear(struct vb_ctx *ctx);

/*
 * Backends, from exec(): the OOM killer of the environment's memory limit
 * killed the agent. Records the repetition's error as "killed by the OOM
 * killer: the workload needs more than LIMIT (EVIDENCE)", in place of any
 * error recorded before in this hook call, and returns -ENOMEM for exec()
 * to return. `limit` is the environment's memory in bytes (spec->memory);
 * `evidence` says what showed it, e.g. "memory.events: oom_kill 1" (may be
 * NULL).
 */
VB_EXPORT int vb_oom_killed(struct vb_ctx *ctx, int64_t limit,
			    const char *evidence);

/* ---- processes ---------------------------------------------------- */

/*
 * Flags of struct vb_proc.
 *
 * VB_PROC_UNINTERRUPTIBLE: vb_interrupted() does not stop the wait; only
 * the timeout does. For steps that must not be cut short by Ctrl-C, such
 * as creating or removing a container (the daemon would finish creating a
 * container nobody removes). Give such a step a timeout.
 *
 * VB_PROC_STDIN_PIPE: the child's stdin is a pipe whose write end the
 * engine holds and never writes to. The child reads end of file when
 * vb_proc_stop() closes it or when the engine dies in any way, even by
 * SIGKILL: tie a container's or helper's life to the engine with it
 * (`docker run -i` with a first process that exits at end of input).
 * Without it stdin is /dev/null.
 */
#define VB_PROC_UNINTERRUPTIBLE (1u << 0)
#define VB_PROC_STDIN_PIPE (1u << 1)

/*
 * One child process for vb_proc_run() or vb_proc_spawn(). Declare it as
 *   struct vb_proc p = VB_PROC_INIT;
 * so that fields later minor versions add get their defaults, then set
 * what you need. Only argv is required.
 */
struct vb_proc {
	size_t size;                 /* sizeof(struct vb_proc), by VB_PROC_INIT */
	/* Program and arguments, NULL-terminated; argv[0] is looked up in
	 * PATH unless it contains '/'. Never a shell. */
	const char *const *argv;
	/* vb_proc_run(): seconds before the whole process group is killed
	 * and -ETIMEDOUT returned; 0: no limit. Not used by vb_proc_spawn(). */
	double timeout;
	/* Called for each line the child writes on stdout, without '\n'
	 * (lines over 64 KiB are cut). A non-zero return stops the wait and
	 * is returned by vb_proc_run() (which kills the child first) or
	 * vb_proc_wait() (which leaves it running). NULL: stdout goes where
	 * stderr goes. */
	int (*on_line)(void *user, const char *line);
	void *user;                  /* passed to on_line */
	/* The child's stderr (and stdout when on_line is NULL) goes to this
	 * descriptor; -1 (VB_PROC_INIT's default): /dev/null. */
	int log_fd;
	/* Optional. Runs in the child between fork and exec (CPU affinity,
	 * joining a cgroup); returns 0 or -errno, which vb_proc_run() or
	 * vb_proc_spawn() then returns (the program is not started). Only
	 * async-signal-safe calls belong here. */
	int (*child_setup)(void *arg);
	void *setup_arg;             /* passed to child_setup */
	uint32_t flags;              /* VB_PROC_* */
};
#define VB_PROC_INIT { .size = sizeof(struct vb_proc), .log_fd = -1 }

/*
 * What every child of vb_proc_run() and vb_proc_spawn() gets: its own
 * process group (the terminal's Ctrl-C reaches only the engine, which
 * then stops children in order); signals at their defaults and unblocked;
 * no descriptors but 0, 1 and 2; and SIGKILL from the kernel if the
 * engine dies first, even by SIGKILL (PR_SET_PDEATHSIG: a child of the
 * child is not covered, which is what VB_PROC_STDIN_PIPE is for).
 */

/*
 * Run p->argv to its end. On timeout the whole process group is killed
 * (-ETIMEDOUT). When the user interrupts (vb_interrupted), unless
 * VB_PROC_UNINTERRUPTIBLE, the group gets SIGTERM, 10 s to clean up, then
 * SIGKILL (-EINTR). A program that cannot be started returns its -errno
 * (-ENOENT: not found, -EACCES: not executable), never a fake exit status.
 * Otherwise returns 0 with *status = its exit status, or 128 + N when
 * signal N killed it. Checks vb_interrupted() at least every 100 ms; safe
 * to call from any hook.
 */
VB_EXPORT int vb_proc_run(struct vb_ctx *ctx, const struct vb_proc *p,
			  int *status);

/* A running child of vb_proc_spawn(); opaque. */
struct vb_child;

/*
 * Start p->argv and return at once, for a child that lives across hooks
 * (a VM, an attached `docker run`). *child is valid until vb_proc_stop().
 * 0, or -errno (the program could not be started: nothing is running).
 */
VB_EXPORT int vb_proc_spawn(struct vb_ctx *ctx, const struct vb_proc *p,
			    struct vb_child **child);

/*
 * Wait for the child to end, handing its stdout lines to p->on_line on
 * the way. `timeout` in seconds; 0: only look (deliver what is there,
 * reap it if it ended); below 0: no limit. Returns 0 when the child has
 * ended (*status as for vb_proc_run(); may be NULL), -ETIMEDOUT when it
 * still runs after `timeout`, -EINTR when vb_interrupted() (unless
 * VB_PROC_UNINTERRUPTIBLE), or on_line's non-zero return value. Only the
 * first 0 reaps; later calls keep returning 0 with the same status.
 */
VB_EXPORT int vb_proc_wait(struct vb_ctx *ctx, struct vb_child *child,
			   double timeout, int *status);

/* The child's pid, which is also its process group id (for logs). */
VB_EXPORT pid_t vb_proc_pid(const struct vb_child *child);

/*
 * End the child and free the handle: close its stdin pipe, and if it
 * still runs, SIGTERM its process group, wait up to `grace` seconds
 * (0: SIGKILL at once), then SIGKILL; reap it. *status (may be NULL) as
 * for vb_proc_run(). Not interrupted by vb_interrupted(). NULL is a
 * no-op. 0 or -errno.
 */
VB_EXPORT int vb_proc_stop(struct vb_ctx *ctx, struct vb_child *child,
			   double grace, int *status);

/*
 * sync(), then drop the host's page cache, dentries and inodes (what
 * `echo 3 > /proc/sys/vm/drop_caches` does). Backends whose environment
 * shares the host kernel implement drop_caches() with it. 0 or -errno
 * (-EACCES/-EROFS when not root or /proc/sys is read-only).
 */
VB_EXPORT int vb_drop_host_caches(struct vb_ctx *ctx);

/*
 * The directory for this plugin's cached artifacts (images, kernels):
 * $XDG_CACHE_HOME/virtbench/SUB, else ~/.cache/virtbench/SUB, created.
 * `sub` may be NULL or "" for the top. Writes the path into out (n bytes).
 * 0 or -errno with the reason recorded through VB_ERROR.
 */
VB_EXPORT int vb_cache_dir(struct vb_ctx *ctx, const char *sub, char *out,
			   size_t n);

/*
 * What the 64-bit ELF program at `path` needs to start in another root
 * filesystem (a container image, a VM's initramfs, the agent bundle):
 * its program interpreter (PT_INTERP, the dynamic loader, e.g.
 * "/lib64/ld-linux-x86-64.so.2") in interp (n bytes), or "" for a static
 * program, which runs where there is no libc at all. *dynamic (may be
 * NULL) says whether it has a dynamic section, i.e. shared libraries to
 * carry with it. 0; -ENOEXEC when the file is not a 64-bit ELF (a script,
 * data, a 32-bit program); -ENAMETOOLONG when the interpreter's name does
 * not fit; another -errno when it cannot be read. Needs no ctx: safe
 * anywhere, engine or agent side (1.1).
 */
VB_EXPORT int vb_elf_interp(const char *path, char *interp, size_t n,
			    bool *dynamic);

/*
 * The host directory of process pid's cgroup for controller `ctrl`
 * ("cpu", "cpuacct", "memory", "cpuset", ...) into out (n bytes): on
 * cgroup v1 in that controller's hierarchy, on v2 (or for a controller
 * v1 does not have on a hybrid host) the unified one. 0; -ENOENT when it
 * has none that this process can see; -ENAMETOOLONG when the path does
 * not fit; another -errno when /proc/PID is unreadable (the process is
 * gone). Needs no ctx (1.1).
 */
VB_EXPORT int vb_cgroup_dir(pid_t pid, const char *ctrl, char *out,
			    size_t n);

/*
 * Read back on the host the limits the cgroups of process pid (a
 * container's first process) set: the CFS quota (v1 cpu.cfs_quota_us /
 * cpu.cfs_period_us, v2 cpu.max) into granted->host_cpu_quota and the
 * memory limit (memory.limit_in_bytes / memory.max) into
 * granted->host_mem_limit, 0 where there is none; and record them as the
 * environment's facts host_cgroup, host_cpu_quota ("none" without a
 * quota), host_cpuset and host_memory_limit (only a real limit). Call it
 * from open(). The engine takes the host values only where the probe
 * inside sees none (gVisor shows no cgroup) and says "host-side" in the
 * verdict. 0, or -errno when pid has no CPU cgroup (nothing recorded).
 * (1.1)
 */
VB_EXPORT int vb_host_limits(struct vb_ctx *ctx, pid_t pid,
			     struct vb_env_granted *granted);

/* Run-time ABI of the engine or agent that loaded the plugin (1.0). */
VB_EXPORT void vb_abi_version(uint32_t *major, uint32_t *minor);

#ifdef __cplusplus
}
#endif

#endif /* VIRTBENCH_PLUGIN_H */
