/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Engine-internal interfaces of libvirtbench (not installed). Shared by the
 * CLI, the agent, the unit tests, the engine's own modules and the in-tree
 * plugins (which are built with the engine and may use these helpers, e.g.
 * vb_proc_run). Out-of-tree plugins use include/virtbench/plugin.h only.
 */
#ifndef VIRTBENCH_ENGINE_H
#define VIRTBENCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "virtbench/plugin.h"

#define VB_INTERNAL __attribute__((visibility("default")))

/* Exit codes (DESIGN §8). */
enum { VB_EXIT_OK = 0, VB_EXIT_FAILED = 1, VB_EXIT_USAGE = 2 };

/* ------------------------------------------------------------------ */
/* Diagnostics: "file:line: message" collected while validating         */
/* ------------------------------------------------------------------ */

struct vb_diag {
	size_t count;      /* number of errors */
	char **msgs;       /* "file:line: what was expected; what to do" */
};
VB_INTERNAL void vb_diag_add(struct vb_diag *d, const char *file, int line,
			     const char *fmt, ...) VB_PRINTF(4, 5);
VB_INTERNAL void vb_diag_print(const struct vb_diag *d, FILE *out);
VB_INTERNAL void vb_diag_free(struct vb_diag *d);

/* ------------------------------------------------------------------ */
/* Units and option tables (engine/options.c)                           */
/* ------------------------------------------------------------------ */

/* "512", "16K", "2G", "1.5G" (rounded down to bytes). 0 or -EINVAL/-ERANGE */
VB_INTERNAL int vb_parse_size(const char *s, int64_t *out);
/* "10", "10s", "250ms", "2m", "1h" -> seconds. 0 or -EINVAL */
VB_INTERNAL int vb_parse_duration(const char *s, double *out);
VB_INTERNAL int vb_parse_bool(const char *s, bool *out);
/* Render bytes as the shortest exact "16K"/"2G" form, else plain bytes. */
VB_INTERNAL void vb_format_size(int64_t bytes, char *buf, size_t n);

/* Look up an option by name; NULL if absent. */
VB_INTERNAL const struct vb_option *vb_option_find(const struct vb_option *tab,
						   const char *name);
/* Closest name within edit distance 2 (or NULL), for "did you mean". */
VB_INTERNAL const char *vb_suggest(const char *word,
				   const char *const *candidates);

/*
 * Set one option from its text form (as in key=value). For VB_OPT_LIST the
 * text is one element, appended. On error writes a reason (without
 * file:line) to err and returns -EINVAL or -ERANGE.
 */
VB_INTERNAL int vb_opt_set_text(const struct vb_option *o, void *block,
				const char *text, char *err, size_t errlen);
/* Apply every default of tab to a zeroed block. Same error contract. */
VB_INTERNAL int vb_opts_defaults(const struct vb_option *tab, void *block,
				 char *err, size_t errlen);
/* Free the strings and lists the engine put into block (not block). */
VB_INTERNAL void vb_opts_free(const struct vb_option *tab, void *block);
/* One option's value in canonical text form (malloc'd): sizes in bytes,
 * durations in seconds, enums by name, lists joined with ','. */
VB_INTERNAL char *vb_opt_to_text(const struct vb_option *o, const void *block);
/*
 * Parse "key=value" strings (as the agent receives them) into a fresh
 * block: defaults first, then each assignment in order. Unknown keys are
 * errors. Returns 0 and *block (free with vb_opts_free + free), or -EINVAL
 * with a reason in err.
 */
VB_INTERNAL int vb_opts_from_kv(const struct vb_plugin_info *info,
				const char *const *kv, size_t nkv, void **block,
				char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Plugin registry and loader (engine/loader.c)                         */
/* ------------------------------------------------------------------ */

struct vb_plugin {
	const struct vb_plugin_info *info;
	char *path;       /* file it was loaded from ("(preloaded)" if static) */
	void *handle;     /* lt_dlhandle, NULL for static test entries */
};

struct vb_registry {
	struct vb_plugin *items;
	size_t count;
	char *search_path; /* colon-separated dirs that were searched */
	size_t nfailed;    /* plugins that were refused (reasons on stderr) */
};

/*
 * Load every plugin found in `dirs` (colon-separated; NULL: the default
 * search path: VIRTBENCH_PLUGIN_PATH, then the build tree or install dir),
 * plus the preloaded ones in a static build. Refused files are reported on
 * stderr (file: reason) and skipped. `kinds` is a mask of
 * (1 << VB_PLUGIN_BACKEND) | (1 << VB_PLUGIN_WORKLOAD).
 */
VB_INTERNAL int vb_registry_load(struct vb_registry *reg, const char *dirs,
				 unsigned kinds);
/* Load one file; 0 or -ENOENT/-ENOEXEC/-EPROTO/-EINVAL with a reason. */
VB_INTERNAL int vb_registry_load_file(struct vb_registry *reg,
				      const char *path, char *err,
				      size_t errlen);
/* Add a descriptor directly (unit tests). Validates like a loaded file. */
VB_INTERNAL int vb_registry_add_static(struct vb_registry *reg,
				       const struct vb_plugin_info *info,
				       char *err, size_t errlen);
VB_INTERNAL const struct vb_plugin *
vb_registry_find(const struct vb_registry *reg, enum vb_plugin_kind kind,
		 const char *name);
VB_INTERNAL void vb_registry_free(struct vb_registry *reg);
/* main() hands over libtool's preload table (lt_preloaded_symbols) so a
 * static build finds its linked-in plugins. */
VB_INTERNAL void vb_set_preloaded(const void *symlist);
/* True when the running program is the one in this build tree. */
VB_INTERNAL bool vb_in_build_tree(void);
/* VIRTBENCH_PLUGIN_PATH, else the build tree's or the installed dirs. */
VB_INTERNAL char *vb_default_plugin_path(void);
/* Path of the agent ELF to run on the host (malloc'd). In the build tree
 * also puts the uninstalled libvirtbench on LD_LIBRARY_PATH for children. */
VB_INTERNAL char *vb_find_agent(void);
/* Validate a descriptor (ABI, kind, name, ops size, required hooks). */
VB_INTERNAL int vb_plugin_check(const struct vb_plugin_info *info,
				const char *expect_name, char *err,
				size_t errlen);

/* ------------------------------------------------------------------ */
/* Experiments (engine/config.c) and the matrix (engine/matrix.c)       */
/* ------------------------------------------------------------------ */

enum vb_verify_mode { VB_VERIFY_STRICT = 0, VB_VERIFY_WARN };
enum vb_order { VB_ORDER_SEQUENTIAL = 0, VB_ORDER_SHUFFLED };

struct vb_backend_entry {
	char *label;              /* `name`, default: the plugin name */
	const struct vb_plugin *plugin;
	void *opts;               /* filled option block */
	enum vb_verify_mode verify;
	int retries;              /* default 1 */
	int line;
};

struct vb_config_entry {
	char *name;
	int cpus;
	int64_t memory;
	int line;
};

/* One workload option that is a matrix axis (a list in the file). */
struct vb_axis {
	const struct vb_option *opt;
	size_t nvalues;
	char **values;            /* canonical text of each value */
};

struct vb_workload_entry {
	char *label;              /* `name`, default: the plugin name */
	const struct vb_plugin *plugin;
	void *opts;               /* block with the scalar options filled */
	size_t naxes;
	struct vb_axis *axes;     /* in file order */
	int line;
};

/* exclude = ( { backend = "qemu"; config = "4cpu-4g"; total_size = "4G"; } )
 * A cell is dropped when every key of one filter matches it. */
struct vb_filter {
	size_t n;
	char **keys;              /* "backend", "config", "workload", or an option */
	char **values;            /* canonical text */
	int line;
};

/* thresholds = ( "qemu/bare-metal total_time <= 1.5" ) — used by report. */
struct vb_threshold {
	char *backend, *baseline, *metric, *op;
	double limit;
	int line;
};

struct vb_experiment {
	char *path;
	char *name;
	int repetitions;          /* default 5 */
	int warmup;               /* default 0 */
	enum vb_order order;
	uint64_t seed;            /* shuffling and workloads; default 1 */
	bool seed_given;
	double timeout;           /* per agent request, seconds; default 3600 */
	char *baseline;           /* default "bare-metal" when present, else NULL */
	enum vb_verify_mode verify;
	size_t nbackends, nconfigs, nworkloads, nexcludes, nthresholds;
	struct vb_backend_entry *backends;
	struct vb_config_entry *configs;
	struct vb_workload_entry *workloads;
	struct vb_filter *excludes;
	struct vb_threshold *thresholds;
};

/*
 * Parse and validate an experiment file against the plugins in reg. Every
 * problem found is added to diag as "file:line: ..." (unknown key with a
 * did-you-mean, wrong type, out of range, bad unit, missing required,
 * duplicate names, unknown plugin, failed cross-option validate). Returns
 * 0 and *out, or -EINVAL when diag has errors (then *out is NULL).
 */
VB_INTERNAL int vb_experiment_load(const char *path,
				   const struct vb_registry *reg,
				   struct vb_experiment **out,
				   struct vb_diag *diag);
VB_INTERNAL void vb_experiment_free(struct vb_experiment *ex);

/* One cell of the matrix: backend × config × one point of a workload's axes. */
struct vb_cell {
	size_t backend, config, workload;   /* indices into the experiment */
	size_t *axis_index;                 /* per axis of the workload */
	void *opts;                         /* workload block with axes applied */
	char *params;      /* "max_prime=10000" or "total_size=2147483648;threads=16",
	                      axes only, in file order; "" when no axes */
	char **kv;         /* all options as "key=value" for the agent */
	size_t nkv;
};

/* Value of option `key` in a cell's kv ("key=value"), NULL if absent. */
VB_INTERNAL const char *vb_kv_value(char *const *kv, size_t nkv,
				    const char *key);

/*
 * A repetition's identity in runs.csv (engine/runner.c),
 * "backend\tconfig\tworkload\tparams\trep": of cell c, or of a runs.csv
 * row split into fields. Both malloc'd; NULL when out of memory.
 */
VB_INTERNAL char *vb_rep_key(const struct vb_experiment *ex,
			     const struct vb_cell *c, int rep);
VB_INTERNAL char *vb_rep_key_row(char *const *fields);

/* Expand backends × configs × workload axes minus excludes, in file order. */
VB_INTERNAL int vb_matrix_expand(const struct vb_experiment *ex,
				 struct vb_cell **cells, size_t *ncells);
VB_INTERNAL void vb_matrix_free(struct vb_cell *cells, size_t ncells,
				const struct vb_experiment *ex);

/* "12m05s", or "3h02m" from an hour on (progress line, check). */
VB_INTERNAL void vb_fmt_duration(double seconds, char *buf, size_t n);

/* How long a run takes (engine/estimate.c, for `virtbench check`). */
struct vb_estimate {
	size_t runs;          /* cells x repetitions (warmup not counted) */
	double bound;         /* s: every run, warmup too, to its time limit */
	size_t unbounded;     /* cells bounded only by the experiment timeout */
	size_t recorded;      /* ok repetitions of this experiment in runs.csv */
	size_t left;          /* repetitions a rerun into that directory does */
	double likely;        /* s: a whole run at the recorded pace; -1: none */
	double likely_left;   /* s: what is left, at that pace; -1: none */
};

/*
 * Fill *e for the expanded matrix. runs_csv (may not exist) is read for
 * this experiment's earlier repetitions (started/finished columns). The
 * time limit of a repetition is the cell's `time` option when it has one,
 * else ex->timeout. Environment start-up is not included.
 */
VB_INTERNAL int vb_estimate(const struct vb_experiment *ex,
			    const struct vb_cell *cells, size_t ncells,
			    const char *runs_csv, struct vb_estimate *e);

/* ------------------------------------------------------------------ */
/* Context (engine/ctx.c): what plugins' service calls reach            */
/* ------------------------------------------------------------------ */

struct vb_ctx_ops;
VB_INTERNAL struct vb_ctx *vb_ctx_new(const struct vb_plugin *plugin);
VB_INTERNAL void vb_ctx_free(struct vb_ctx *ctx);
/* The first error recorded by a hook through VB_ERROR ("" if none). */
VB_INTERNAL const char *vb_ctx_error(struct vb_ctx *ctx);
VB_INTERNAL void vb_ctx_clear_error(struct vb_ctx *ctx);
VB_INTERNAL void vb_ctx_set_plugin(struct vb_ctx *ctx, const struct vb_plugin *p);
VB_INTERNAL void vb_ctx_set_scratch(struct vb_ctx *ctx, const char *dir);
VB_INTERNAL void vb_ctx_set_seed(struct vb_ctx *ctx, uint64_t seed);
VB_INTERNAL void vb_ctx_set_paths(struct vb_ctx *ctx, const char *agent,
				  const char *workload_path);
/* Where metrics, facts and env facts go. */
VB_INTERNAL void vb_ctx_set_sinks(
	struct vb_ctx *ctx,
	int (*metric)(void *u, const char *name, double v),
	int (*fact)(void *u, const char *k, const char *v),
	int (*env_fact)(void *u, const char *k, const char *v), void *user);

/* Process-wide interrupt flag set by the signal handlers. */
VB_INTERNAL void vb_install_signal_handlers(void);
VB_INTERNAL void vb_set_interrupted(void);
VB_INTERNAL bool vb_is_interrupted(void);

/* ------------------------------------------------------------------ */
/* Agent line protocol (docs/agent-protocol.md, engine/protocol.c)      */
/* ------------------------------------------------------------------ */

#define VB_PROTO_TAG "@vb1"

enum vb_line_kind {
	VB_LINE_NONE = 0,   /* not a protocol line: ignore */
	VB_LINE_METRIC,     /* @vb1 metric NAME VALUE */
	VB_LINE_FACT,       /* @vb1 fact KEY VALUE... */
	VB_LINE_PROBE,      /* @vb1 probe KEY VALUE... */
	VB_LINE_ERROR,      /* @vb1 error ERRNO MESSAGE... */
	VB_LINE_DONE,       /* @vb1 done STATUS */
};
struct vb_line {
	enum vb_line_kind kind;
	char key[64];
	char value[512];    /* raw text of the value / message */
	double num;         /* metric value, errno, or status */
};
VB_INTERNAL enum vb_line_kind vb_line_parse(const char *line,
					    struct vb_line *out);

/* What `virtbench-agent probe` reports. -1 / 0 = unknown. */
struct vb_probe {
	int cpus_online;          /* /sys/devices/system/cpu/online */
	int cpus_affinity;        /* sched_getaffinity count */
	double cpu_quota;         /* CFS quota/period in CPUs; 0 = none */
	char cpuset[128];         /* cgroup cpuset.cpus; "" = unknown */
	int64_t mem_total;        /* MemTotal, bytes */
	int64_t mem_limit;        /* cgroup limit, bytes; 0 = none */
	char kernel[128];
	char virt[64];            /* "none", "docker", "kvm", "qemu-tcg", ... */
	char cgroup[16];          /* "v1", "v2", "none" */
};
VB_INTERNAL void vb_probe_init(struct vb_probe *p);
/* Feed one probe line's key/value into p; unknown keys are ignored. */
VB_INTERNAL void vb_probe_set(struct vb_probe *p, const char *key,
			      const char *value);
/* Fill p from the running system (used by the agent). */
VB_INTERNAL int vb_probe_self(struct vb_probe *p);
/* Print p as protocol lines. */
VB_INTERNAL void vb_probe_print(const struct vb_probe *p, FILE *out);

/* Verification of requested against observed resources (DESIGN §5). */
enum vb_verdict { VB_VERDICT_OK = 0, VB_VERDICT_WARN, VB_VERDICT_REFUSED };
struct vb_verification {
	enum vb_verdict verdict;
	double cpus_observed;     /* usable CPUs: min(affinity, quota) */
	int64_t mem_observed;     /* min(MemTotal, limit) */
	char reason[512];
};
/*
 * Compare. `vm` selects the VM rule for memory: MemTotal within
 * [requested - max(VB_VM_MEM_SLACK_MIN, VB_VM_MEM_SLACK_FRACTION ×
 * requested), requested] (the guest kernel keeps a roughly fixed ~50 MiB
 * plus a small share); otherwise the observed limit must equal the
 * request. Unenforced resources only warn.
 */
#define VB_VM_MEM_SLACK_MIN (96LL << 20)
#define VB_VM_MEM_SLACK_FRACTION 0.10
VB_INTERNAL void vb_verify(const struct vb_env_spec *spec,
			   const struct vb_env_granted *granted,
			   const struct vb_probe *p, bool vm,
			   enum vb_verify_mode mode,
			   struct vb_verification *out);
VB_INTERNAL const char *vb_verdict_name(enum vb_verdict v);

/* ------------------------------------------------------------------ */
/* Subprocess helper (engine/proc.c) for backends and the engine        */
/* ------------------------------------------------------------------ */

/*
 * Run argv (argv[0] looked up in PATH), feed stdout lines to on_line,
 * send stderr to log_fd (-1: /dev/null), kill the child's process group
 * on timeout or vb_interrupted(). If `child_setup` is non-NULL it runs in
 * the child before exec (affinity, cgroups). Returns 0 with *status
 * (exit code, or 128+signal), -ETIMEDOUT, -EINTR or -errno.
 */
VB_INTERNAL int vb_proc_run(const char *const *argv, double timeout,
			    int (*on_line)(void *u, const char *line),
			    void *user, int log_fd,
			    int (*child_setup)(void *arg), void *setup_arg,
			    int *status);
/* $XDG_CACHE_HOME/virtbench[/sub] (or ~/.cache/...), created. Bundles,
 * VM images and kernels all live there. 0 or -errno with VB_ERROR. */
VB_INTERNAL int vb_cache_dir(struct vb_ctx *ctx, const char *sub, char *out,
			     size_t n);
/* mkdir -p. 0 or -errno. */
VB_INTERNAL int vb_mkdir_p(const char *path, mode_t mode);
/* sync(), then write 3 to /proc/sys/vm/drop_caches. 0 or -errno. */
VB_INTERNAL int vb_drop_host_caches(void);
/* Run argv and capture its stdout (malloc'd, NUL-terminated) */
VB_INTERNAL int vb_proc_capture(const char *const *argv, double timeout,
				char **out, int *status);

/* ------------------------------------------------------------------ */
/* Results (engine/results.c): see docs/results-format.md                */
/* ------------------------------------------------------------------ */

/* CSV field quoting (RFC 4180) into f. */
VB_INTERNAL void vb_csv_field(FILE *f, const char *s);
/* Split one CSV record (no embedded newlines) into fields; returns count. */
VB_INTERNAL int vb_csv_split(char *line, char **fields, int max);

/* ------------------------------------------------------------------ */
/* Agent (engine/agent.c runs commands; engine/agent-serve.c serves them)*/
/* ------------------------------------------------------------------ */

/*
 * Run one agent command line (argv[0] is the command: probe, run, prepare,
 * measure, cleanup, list) writing protocol lines to out. Returns the exit
 * status the agent process would have (0 ok, 1 failed, 2 usage).
 */
typedef int (*vb_agent_dispatch_fn)(int argc, char **argv, FILE *out);
/*
 * Serve framed requests on a serial device until the host says stop
 * (docs/agent-protocol.md, "serve"). Each request is dispatched with fn.
 */
VB_INTERNAL int vb_agent_serve(const char *device, vb_agent_dispatch_fn fn);

/* ------------------------------------------------------------------ */
/* Analysis (engine/stats.c, plot.c, report.c)                          */
/* ------------------------------------------------------------------ */

/*
 * Rebuild summary.csv, summary.json and comparisons from runs.csv in dir.
 * Returns 0, or -errno. *violations gets the number of failed thresholds.
 */
VB_INTERNAL int vb_analyze(const char *dir, int *violations);
/* Write plots/ (.dat, .gp, .png) from the summary in dir. */
VB_INTERNAL int vb_plot(const char *dir);
/* Write report.md from everything in dir. */
VB_INTERNAL int vb_report(const char *dir);

#endif /* VIRTBENCH_ENGINE_H */
