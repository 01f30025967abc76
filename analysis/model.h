/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The model of a results directory (analysis/model.c): runs.csv and
 * environment.json read into cells (backend, config, workload, params)
 * and their samples per metric, with statistics; the comparisons between
 * them (analysis/summary.c). The three steps (summary, plot, report) never
 * pass data to each other in memory: each one rebuilds this model from the
 * directory, so `virtbench plot DIR` and `virtbench report DIR` work on a
 * directory alone.
 */
#ifndef VB_ANALYSIS_MODEL_H
#define VB_ANALYSIS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "analysis/stats.h"
#include "engine/adaptive.h"
#include "engine/noise.h"
#include "engine/threshold.h"
#include "lib/csv.h"
#include "lib/diag.h"
#include "lib/util.h"

/* ------------------------------------------------------------------ */
/* Cells and samples                                                    */
/* ------------------------------------------------------------------ */

/* One ok repetition of a cell: the host's noise around it. */
struct vb_arep {
	int rep;
	struct vb_noise noise;
	unsigned flags;         /* vb_noise_judge() with the experiment's rule */
	bool excluded;          /* flagged under noise = "exclude" */
};

/* One (backend, config, workload, params): the repetitions of a cell. */
struct vb_agroup {
	char *backend, *config, *workload, *params;
	int cpus;
	int64_t memory;
	char *verdict;          /* worst verdict seen: ok < warn < refused */
	char *facts;            /* facts of the first row that had any */
	size_t nok;             /* ok repetitions */
	size_t nfailed;         /* failed repetitions */
	int *failed_reps;
	char **failed_errors;
	int order[4];           /* sort keys: workload, params rank, backend, config */
	char *hosts;            /* hosts its rows ran on, ','-joined; NULL: unknown */
	struct vb_arep *reps;   /* its ok repetitions, in journal order */
	size_t nreps, capreps;
	size_t nflagged, nexcluded;
	/* The orders its repetitions ran in: bit 1 << enum vb_order, and
	 * VB_ORDERS_UNKNOWN for rows without an order (before it was kept). */
	unsigned orders;
	enum vb_stop stop;      /* the adaptive rule's last recorded stop */
};
#define VB_ORDERS_UNKNOWN (1u << 8)

/* One (group, metric): the sample the statistics are computed over. */
struct vb_acell {
	struct vb_agroup *group;
	size_t group_index;
	char *metric, *unit;
	int better;             /* enum vb_better from environment.json, 0 if unknown */
	int metric_rank;
	size_t n, cap;
	double *values;
	int *reps;
	bool *outlier;
	struct vb_stats st;
};

/* What a comparison varies; everything else is the same on both sides. */
enum vb_varies {
	VB_VARIES_BACKEND,      /* a backend against the baseline, same config */
	VB_VARIES_CPUS,         /* one backend, a config with more CPUs, same memory */
	VB_VARIES_MEMORY,       /* one backend, a config with more memory, same CPUs */
};

struct vb_acmp {
	enum vb_varies varies;
	const struct vb_acell *cell, *base;
	struct vb_ratio r;
	struct vb_welch w;
	char *threshold;        /* "violated: EXPR" / "ok: EXPR" / NULL */
	/* Both sides ran in interleaved rounds only, so drift of the host
	 * fell on them alike (VB_VARIES_BACKEND; false when unknown). */
	bool interleaved;
};

struct vb_athreshold {
	char *text;
	struct vb_threshold th;
	bool valid;
	char err[200];
	size_t ncells, nviolated;
};

struct vb_analysis {
	char *dir;
	json_t *env;            /* environment.json, or an empty object */
	const char *name;       /* experiment name ("" if unknown) */
	const char *baseline;   /* NULL when there is none */
	int host_cpus;          /* 0 if unknown */
	size_t ngroups, ncells, ncmp, nthr;
	struct vb_agroup *groups;
	struct vb_acell *cells;     /* sorted: workload, params, metric, backend, config */
	struct vb_acmp *cmp;        /* backend rows first, then cpus and memory rows */
	struct vb_athreshold *thr;
	int violations;             /* thresholds violated */
	size_t journal_ignored;     /* runs.csv rows not counted (torn records) */
	bool journal_torn;          /* runs.csv ends in a torn record */
	/* The experiment's rules, from environment.json (the defaults when
	 * it has none): which repetitions are flagged or excluded, and the
	 * adaptive rule (adaptive.on false: a fixed number). */
	struct vb_noise_rule noise;
	struct vb_adaptive adaptive;
	bool noise_sampled;         /* some repetition has a noise sample */
};

/* "interleaved", "sequential", "shuffled", "a, b" for several, "unknown". */
void vb_orders_text(unsigned orders, char *buf, size_t n);

/* A cell's host noise at its worst (analysis/summary.c): NAN when none
 * of its repetitions has that number. */
struct vb_group_noise {
	size_t sampled;          /* repetitions with a sample */
	double steal;            /* the largest vb_noise_steal_share() */
	double foreign;          /* the largest vb_noise_foreign_share() */
	double guest_steal;      /* the largest guest steal / window */
};
void vb_group_noise(const struct vb_agroup *g, struct vb_group_noise *n);
/* Why the adaptive rule stopped g: "precision", "max", "budget", "not
 * finished"; "" when the experiment had a fixed number. */
const char *vb_stop_text(const struct vb_analysis *a, const struct vb_agroup *g);

/* Build the model from DIR/runs.csv and DIR/environment.json, with the
 * comparisons and thresholds. 0 or -errno (msgs says which file and why;
 * it also gets warnings about rows that were ignored). */
int vb_analysis_load(const char *dir, struct vb_analysis **out,
		     struct vb_diag *msgs);
void vb_analysis_free(struct vb_analysis *a);
/* The cell for (backend, config, workload, params, metric), or NULL. */
const struct vb_acell *
vb_analysis_find(const struct vb_analysis *a, const char *backend,
		 const char *config, const char *workload, const char *params,
		 const char *metric);
/* The order a reader sees results in (report tables, comparisons,
 * compare): by workload and metric, then parameters, backend and config,
 * each in the experiment file's order. A qsort-style comparison. */
int vb_acell_display_cmp(const struct vb_acell *m, const struct vb_acell *n);

/* Is this one of the metrics charts and the report focus on? */
bool vb_analysis_primary(const struct vb_analysis *a,
			 const char *workload, const char *metric);
/* The workload's headline metric: its first primary metric, or NULL. */
const char *vb_analysis_headline(const struct vb_analysis *a,
				 const char *workload);
/* The overhead charts (each "backend" against the baseline) of a model
 * into plots_dir (analysis/plot.c), for a model `compare` makes. `again`
 * is the command that redraws them, for the messages. */
int vb_plot_ratios(const struct vb_analysis *a, const char *plots_dir,
		   const char *again, struct vb_diag *msgs);
/* Comparisons and thresholds of a loaded model (analysis/summary.c). */
void vb_analysis_compare(struct vb_analysis *a);
/* "backend", "cpus", "memory": comparisons.csv's varies column. */
const char *vb_varies_name(enum vb_varies v);

/* ------------------------------------------------------------------ */
/* Hosts (analysis/hosts.c): results from several machines              */
/* ------------------------------------------------------------------ */

/* Add host (a runs.csv `host`; "" is ignored) to the ','-joined set. */
void vb_hosts_note(char **hosts, const char *host);
/* May cell group g be compared with group base? Only when both ran on
 * the same one host (or shard_by = "environment" said so). */
bool vb_hosts_comparable(const struct vb_analysis *a,
			 const struct vb_agroup *g,
			 const struct vb_agroup *base);
/* The report's Hosts section, for a directory merged from shards. */
void vb_report_hosts(FILE *f, const struct vb_analysis *a);

/* ------------------------------------------------------------------ */
/* Shared helpers                                                       */
/* ------------------------------------------------------------------ */

/* An output file built in memory, then written to DIR/NAME through
 * NAME.tmp and a rename, so a reader never sees half a file. */
struct vb_out {
	FILE *f;
	char *data;
	size_t len;
};
FILE *vb_out_begin(struct vb_out *o);
/* 0 or -errno (with a message in msgs). Frees the buffer either way. */
int vb_out_end(struct vb_out *o, const char *dir, const char *name,
	       struct vb_diag *msgs);

/* Display form of one params value: sizes as 2G, else unchanged. */
void vb_param_display(const char *key, const char *value,
		      char *buf, size_t n);
/* "max_prime=5000;x=1" with sizes shown as 2G, blank-separated ("" -> "-"). */
void vb_params_display(const char *params, char *buf, size_t n);
/* The value of key in "k1=v1;k2=v2", copied into buf; false if absent. */
bool vb_param_get(const char *params, const char *key, char *buf, size_t n);
/* params without key (in order), e.g. the other axes of a line chart. */
void vb_param_without(const char *params, const char *key, char *buf,
		      size_t n);
/* "lower"/"higher" of a cell's direction, "" when it has none. */
const char *vb_better_text(int better);

#endif /* VB_ANALYSIS_MODEL_H */
