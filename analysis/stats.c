/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Statistics of one sample (mean, sd, CI, CV, outliers) and of two
 * (Welch's t-test, Fieller's interval of a ratio of means). GSL does the
 * arithmetic, quantiles and distribution functions. Formulas are
 * documented in docs/report.md; keep the two in step.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/stats.h"
#include "lib/util.h"

double vb_stats_t975(double df)
{
	if (!(df > 0))
		return NAN;
	return gsl_cdf_tdist_Pinv(0.975, df);
}

static double median_of(const double *x, size_t n)
{
	double *s = vb_xreallocarray(NULL, n, sizeof(*s));
	double m;

	memcpy(s, x, n * sizeof(*s));
	gsl_sort(s, 1, n);
	m = gsl_stats_median_from_sorted_data(s, 1, n);
	free(s);
	return m;
}

void vb_stats_modz(const double *x, size_t n, double *z)
{
	double med, mad, meanad = 0;
	double *dev;

	if (n == 0)
		return;
	med = median_of(x, n);
	dev = vb_xreallocarray(NULL, n, sizeof(*dev));
	for (size_t i = 0; i < n; i++) {
		dev[i] = fabs(x[i] - med);
		meanad += dev[i];
	}
	meanad /= (double)n;
	mad = median_of(dev, n);
	free(dev);
	for (size_t i = 0; i < n; i++) {
		if (mad > 0)
			z[i] = 0.6745 * (x[i] - med) / mad;
		else if (meanad > 0)
			/* More than half the values equal the median: MAD is 0 and
			 * the rule would flag every other value. 1.253314·MeanAD
			 * estimates the same scale (the usual fallback). */
			z[i] = (x[i] - med) / (1.253314 * meanad);
		else
			z[i] = 0;
	}
}

void vb_stats_describe(const double *x, size_t n, struct vb_stats *st,
		       bool *outlier)
{
	double *z;

	memset(st, 0, sizeof(*st));
	st->n = n;
	st->mean = st->sd = st->min = st->median = st->max = NAN;
	st->ci_low = st->ci_high = st->ci_half = st->cv = NAN;
	if (n == 0)
		return;
	st->mean = gsl_stats_mean(x, 1, n);
	gsl_stats_minmax(&st->min, &st->max, x, 1, n);
	st->median = median_of(x, n);
	if (n >= 2) {
		st->sd = gsl_stats_sd_m(x, 1, n, st->mean);
		st->ci_half = vb_stats_t975((double)(n - 1)) * st->sd / sqrt((double)n);
		st->ci_low = st->mean - st->ci_half;
		st->ci_high = st->mean + st->ci_half;
		if (st->mean != 0)
			st->cv = st->sd / fabs(st->mean);
	}
	z = vb_xreallocarray(NULL, n, sizeof(*z));
	vb_stats_modz(x, n, z);
	for (size_t i = 0; i < n; i++) {
		bool o = fabs(z[i]) > VB_OUTLIER_Z;

		if (outlier)
			outlier[i] = o;
		st->noutliers += o;
	}
	free(z);
}

void vb_stats_welch(const struct vb_stats *a, const struct vb_stats *b,
		    struct vb_welch *w)
{
	double va, vb, se2;

	w->t = w->df = w->p = NAN;
	if (a->n < 2 || b->n < 2)
		return;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	se2 = va + vb;
	if (se2 == 0) {
		/* No spread at all: the means either are or are not equal. */
		w->df = (double)(a->n + b->n - 2);
		w->p = a->mean == b->mean ? 1.0 : 0.0;
		return;
	}
	w->t = (a->mean - b->mean) / sqrt(se2);
	w->df = se2 * se2 / (va * va / (double)(a->n - 1) +
			     vb * vb / (double)(b->n - 1));
	w->p = 2.0 * gsl_cdf_tdist_Q(fabs(w->t), w->df);
	if (w->p > 1)
		w->p = 1;
}

void vb_stats_ratio(const struct vb_stats *a, const struct vb_stats *b,
		    struct vb_ratio *r)
{
	double va, vb, R, den, t, g, half;

	r->ratio = r->lo = r->hi = r->df = NAN;
	if (a->n < 1 || b->n < 1 || b->mean == 0)
		return;
	R = r->ratio = a->mean / b->mean;
	if (a->n < 2 || b->n < 2)
		return;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	/* Satterthwaite degrees of freedom of var(a - R·b), independent samples. */
	den = va * va / (double)(a->n - 1) + R * R * R * R * vb * vb / (double)(b->n - 1);
	if (den == 0) {
		r->lo = r->hi = R;
		r->df = (double)(a->n + b->n - 2);
		return;
	}
	r->df = (va + R * R * vb) * (va + R * R * vb) / den;
	t = vb_stats_t975(r->df);
	g = t * t * vb / (b->mean * b->mean);
	if (g >= 1) {
		r->lo = -INFINITY;
		r->hi = INFINITY;
		return;
	}
	half = t / fabs(b->mean) * sqrt(va * (1 - g) + R * R * vb);
	r->lo = (R - half) / (1 - g);
	r->hi = (R + half) / (1 - g);
}
