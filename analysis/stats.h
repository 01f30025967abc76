/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The statistics of one sample and of two (analysis/stats.c): pure
 * functions of numbers, no files. Formulas: docs/report.md.
 */
#ifndef VB_ANALYSIS_STATS_H
#define VB_ANALYSIS_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define VB_OUTLIER_Z 3.5          /* modified z-score, Iglewicz & Hoaglin */

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
/* Modified z-scores 0.6745 (x - median) / MAD, with the mean absolute
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

#endif /* VB_ANALYSIS_STATS_H */
