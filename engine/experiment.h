/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An experiment file, parsed and validated against the plugins' option
 * tables (engine/experiment.c). Nothing past this point touches libconfig.
 */
#ifndef VB_ENGINE_EXPERIMENT_H
#define VB_ENGINE_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/threshold.h"
#include "lib/diag.h"
#include "lib/loader.h"

enum vb_verify_mode { VB_VERIFY_STRICT = 0, VB_VERIFY_WARN };
/*
 * The order repetitions run in (docs/experiment-files.md, "Order").
 * Interleaved: round r opens each environment in turn (shuffled per round
 * with the seed) and runs repetition r of each of its cells, so a cell
 * and its baseline are measured side by side in time.
 */
enum vb_order {
	VB_ORDER_SEQUENTIAL = 0,
	VB_ORDER_SHUFFLED,
	VB_ORDER_INTERLEAVED,
};
/* "sequential", "shuffled", "interleaved". */
const char *vb_order_name(enum vb_order o);

/*
 * repetitions = { min = 3; max = 20; precision = 0.02; budget = "10m";
 * metrics = [...]; }: repeat a cell until the 95 % confidence interval of
 * each of its primary metrics is within precision x |mean|
 * (engine/adaptive.h). `on` false: a fixed number (vb_experiment's
 * repetitions), the default.
 */
struct vb_adaptive {
	bool on;
	int min, max;
	double precision;         /* relative half-width, e.g. 0.02 */
	double budget;            /* s of measured time per cell; 0: none */
	char **metrics;           /* NULL-terminated, or NULL: the primary ones */
	int line;
};

/* noise = "flag" | "exclude", or { action; steal; foreign; }
 * (engine/noise.h): what a repetition the host disturbed does. */
enum vb_noise_action { VB_NOISE_FLAG = 0, VB_NOISE_EXCLUDE };
#define VB_NOISE_STEAL_DEFAULT 0.02    /* as the defaults of the group */
#define VB_NOISE_FOREIGN_DEFAULT 0.1
struct vb_noise_rule {
	enum vb_noise_action action;
	double steal;     /* flag above this share of the environment's CPU time stolen */
	double foreign;   /* flag above this many CPUs used by other processes */
};
/* What one shard of a scaled-out run holds (engine/shard.h). */
enum vb_shard_by { VB_SHARD_BY_CONFIG = 0, VB_SHARD_BY_ENVIRONMENT };

/* slurm = { partition = "..."; time = "2:00:00"; ... }; for `virtbench
 * slurm` (docs/scale-out.md). NULL/0: not given. */
struct vb_slurm_settings {
	char *partition, *time, *account, *constraint;
	char **sbatch_args;       /* NULL-terminated, or NULL */
	int shards;               /* 0: one per unit */
	int line;                 /* of the section, 0 when absent */
};

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

/* One workload option that is a matrix axis (a list in the file), or one
 * parameter of a VB_OPTF_PARAMS option that is (params = { n = [1, 2]; }). */
struct vb_axis {
	const struct vb_option *opt;
	char *name;               /* opt->name, or the parameter's name */
	size_t nvalues;
	char **values;            /* canonical text of each value */
};

/* The axis's name in params, filters and charts (NULL name: opt's). */
static inline const char *vb_axis_name(const struct vb_axis *ax)
{
	return ax->name ? ax->name : ax->opt->name;
}

/* A parameter axis (its value is one element "name=value" of opt). */
static inline bool vb_axis_is_param(const struct vb_axis *ax)
{
	return (ax->opt->flags & VB_OPTF_PARAMS) != 0;
}

struct vb_workload_entry {
	char *label;              /* `name`, default: the plugin name */
	const struct vb_plugin *plugin;
	void *opts;               /* block with the scalar options filled */
	size_t naxes;
	struct vb_axis *axes;     /* in file order */
	int line;
	/* What the instance reports (metric table, flags), from its
	 * options: vb_workload_describe(); empty when the entry is bad. */
	struct vb_wl_desc desc;
};

/*
 * The canonical text of option o of workload w at point idx of its axes
 * (idx: one index per axis; NULL: the first value of each): an axis
 * value, the elements of a parameter option with its axes' values in
 * place, or the scalar from the block. Malloc'd.
 */
char *vb_workload_option_text(const struct vb_workload_entry *w,
			      const struct vb_option *o, const size_t *idx);
/* The value of parameter `name` (a VB_OPTF_PARAMS element) of w at idx,
 * or NULL when w has no such parameter. Points into w. */
const char *vb_workload_param(const struct vb_workload_entry *w,
			      const char *name, const size_t *idx);

/* exclude = ( { backend = "qemu"; config = "4cpu-4g"; total_size = "4G"; } )
 * A cell is dropped when every key of one filter matches it. */
struct vb_filter {
	size_t n;
	char **keys;              /* "backend", "config", "workload", or an option */
	char **values;            /* canonical text */
	int line;
};

struct vb_experiment {
	char *path;
	char *name;
	int repetitions;          /* default 5; adaptive: its max */
	struct vb_adaptive adaptive;
	int warmup;               /* default 0 */
	enum vb_order order;      /* as given, or the default (below) */
	/* `order` was not in the file: interleaved when a baseline is
	 * compared with another backend, else sequential. */
	bool order_default;
	struct vb_noise_rule noise;
	uint64_t seed;            /* shuffling and workloads; default 1 */
	bool seed_given;
	double timeout;           /* per agent request, seconds; default 3600 */
	char *baseline;           /* default "bare-metal" when present, else NULL */
	enum vb_verify_mode verify;
	enum vb_shard_by shard_by;   /* default: by config */
	struct vb_slurm_settings slurm;
	size_t nbackends, nconfigs, nworkloads, nexcludes, nthresholds;
	struct vb_backend_entry *backends;
	struct vb_config_entry *configs;
	struct vb_workload_entry *workloads;
	struct vb_filter *excludes;
	struct vb_threshold *thresholds;
};

/*
 * Parse and validate an experiment file against the plugins in reg. Every
 * problem found is added to diag as "file:line: ..." (a file that cannot
 * be read or is not a regular file, too big, unknown key with a
 * did-you-mean, wrong type, out of range, bad unit, missing required,
 * duplicate names, unknown plugin, failed cross-option validate, a matrix
 * beyond VB_MATRIX_MAX_CELLS, memory beyond the host's). Returns 0 and
 * *out, -EINVAL when diag has errors, or -EINTR when SIGINT/SIGTERM came
 * while it validated (then *out is NULL).
 */
int vb_experiment_load(const char *path,
		       const struct vb_registry *reg,
		       struct vb_experiment **out,
		       struct vb_diag *diag);
void vb_experiment_free(struct vb_experiment *ex);

/* This host's memory in bytes (what no backend can grant more than). */
int64_t vb_host_memory(void);

#endif /* VB_ENGINE_EXPERIMENT_H */
