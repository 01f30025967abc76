/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private interfaces of the analysis part of libvirtbench (stats.c, plot.c,
 * report.c). The three steps never pass data to each other in memory: each
 * one rebuilds the model below from the results directory, so `virtbench
 * plot DIR` and `virtbench report DIR` work on a directory alone.
 */
#ifndef VIRTBENCH_ANALYSIS_H
#define VIRTBENCH_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "engine/experiment.h"
#include "lib/csv.h"
#include "lib/util.h"

/* Thresholds for the report's warnings (docs/report.md). */
#define VB_NOISY_CV 0.05          /* coefficient of variation */
#define VB_TIME_DISAGREE 0.05     /* |host_time / total_time - 1| */
/* ...and by more than this many seconds: every request pays a start-up
 * cost outside the workload's clock (the agent starting; ~0.13 s in a TCG
 * guest), which is not clock drift. */
#define VB_TIME_DISAGREE_ABS 0.25
#define VB_OUTLIER_Z 3.5          /* modified z-score, Iglewicz & Hoaglin */

/* ------------------------------------------------------------------ */
/* Statistics on one sample                                             */
/* ------------------------------------------------------------------ */

struct vb_stats {
	size_t n;
	double mean, sd, min, median, max;  /* sd: sample (n - 1) */
	double ci_low, ci_high, ci_half;    /* 95 % CI of the mean; NaN if n < 2 */
	double cv;                          /* sd / |mean|; NaN if n < 2 or mean 0 */
	size_t noutliers;
};

/* Describe x[0..n). `outlier` (n entries, may be NULL) gets the flags of
 * the modified z-score rule. n == 0 gives n = 0 and NaNs. */
void vb_stats_describe(const double *x, size_t n,
		       struct vb_stats *st, bool *outlier);
/* Two-sided 95 % Student t quantile t(0.975, df). */
double vb_stats_t975(double df);
/* Modified z-scores (x - median) / (1.4826 MAD), with the mean absolute
 * deviation fallback when MAD is 0; z[i] = 0 when all values are equal. */
void vb_stats_modz(const double *x, size_t n, double *z);

/* Welch's unequal-variances t-test of mean a vs mean b. */
struct vb_welch {
	double t, df, p;                     /* p two-sided; NaN if undefined */
};
void vb_stats_welch(const struct vb_stats *a,
		    const struct vb_stats *b, struct vb_welch *w);

/* Ratio of means a/b with a 95 % Fieller interval. lo/hi are NaN when n < 2
 * on either side; lo = -inf / hi = +inf when the baseline mean is not
 * significantly different from 0 (the Fieller set is unbounded). */
struct vb_ratio {
	double ratio, lo, hi, df;
};
void vb_stats_ratio(const struct vb_stats *a,
		    const struct vb_stats *b, struct vb_ratio *r);

/* "qemu/bare-metal total_time <= 1.5" -> th (strings malloc'd). 0 or
 * -EINVAL with a reason in err. */
int vb_threshold_parse(const char *text, struct vb_threshold *th,
		       char *err, size_t errlen);
void vb_threshold_clear(struct vb_threshold *th);
/* Does value satisfy "value OP limit"? */
bool vb_threshold_holds(const struct vb_threshold *th, double value);

/* ------------------------------------------------------------------ */
/* The model of a results directory                                     */
/* ------------------------------------------------------------------ */

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
};

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

struct vb_acmp {
	const struct vb_acell *cell, *base;
	struct vb_ratio r;
	struct vb_welch w;
	char *threshold;        /* "violated: EXPR" / "ok: EXPR" / NULL */
};

struct vb_athreshold {
	char *text;
	struct vb_threshold th;
	bool valid;
	char err[160];
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
	struct vb_acmp *cmp;
	struct vb_athreshold *thr;
	int violations;             /* thresholds violated */
	size_t journal_ignored;     /* runs.csv rows not counted (torn records) */
	bool journal_torn;          /* runs.csv ends in a torn record */
};

/* Build the model from DIR/runs.csv and DIR/environment.json. 0 or -errno
 * (a message on stderr says which file and why). */
int vb_analysis_load(const char *dir, struct vb_analysis **out);
void vb_analysis_free(struct vb_analysis *a);
/* The cell for (backend, config, workload, params, metric), or NULL. */
const struct vb_acell *
vb_analysis_find(const struct vb_analysis *a, const char *backend,
		 const char *config, const char *workload, const char *params,
		 const char *metric);
/* Is this one of the metrics charts and the report focus on? */
bool vb_analysis_primary(const struct vb_analysis *a,
			 const char *workload, const char *metric);

/* Shared helpers. */
/* Open DIR/NAME.tmp for writing; vb_out_close renames it to DIR/NAME, so a
 * reader never sees half a file. Both free *tmp and *final. */
FILE *vb_out_open(const char *dir, const char *name, char **tmp,
		  char **final);
int vb_out_close(FILE *f, char *tmp, char *final);
/* Display form of one params value: sizes as 2G, else unchanged. */
void vb_param_display(const char *key, const char *value,
		      char *buf, size_t n);
/* "max_prime=5000;x=1" with sizes shown as 2G ("" -> "-"). */
void vb_params_display(const char *params, char *buf, size_t n);

/* ------------------------------------------------------------------ */
/* The three steps                                                      */
/* ------------------------------------------------------------------ */

/*
 * Rebuild summary.csv, summary.json and comparisons from runs.csv in dir.
 * Returns 0, or -errno. *violations gets the number of failed thresholds.
 */
int vb_analyze(const char *dir, int *violations);
/* Write plots/ (.dat, .gp, .png) from the summary in dir. */
int vb_plot(const char *dir);
/* Write report.md from everything in dir. */
int vb_report(const char *dir);

/* ------------------------------------------------------------------ */
/* Hosts (analysis/hosts.c): results from several machines              */
/* ------------------------------------------------------------------ */

/* Add host (a runs.csv `host`; "" is ignored) to the ','-joined set. */
void vb_hosts_note(char **hosts, const char *host);
/* May cell group g be compared with the baseline's group? Only when both
 * ran on the same one host (or shard_by = "environment" said so). */
bool vb_hosts_comparable(const struct vb_analysis *a,
			 const struct vb_agroup *g,
			 const struct vb_agroup *base);
/* The report's Hosts section, for a directory merged from shards. */
void vb_report_hosts(FILE *f, const struct vb_analysis *a);

#endif /* VIRTBENCH_ANALYSIS_H */
