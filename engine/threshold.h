/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Thresholds, "BACKEND/BASELINE METRIC OP LIMIT": the one parser, used by
 * the experiment parser (which then checks the names against the matrix)
 * and by the analysis (which reads them back from environment.json).
 */
#ifndef VB_ENGINE_THRESHOLD_H
#define VB_ENGINE_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>

/* thresholds = ( "qemu/bare-metal total_time <= 1.5" ). */
struct vb_threshold {
	char *backend, *baseline, *metric;
	char *op;                 /* "<=", "<", ">=" or ">" (≤ and ≥ are read as these) */
	double limit;
	int line;                 /* in the experiment file; 0 when unknown */
};

/*
 * Parse text into th (its strings malloc'd; clear with
 * vb_threshold_clear). 0, or -EINVAL with what is wrong in err (without
 * the text itself, so the caller can say where it came from), th zeroed.
 */
int vb_threshold_parse(const char *text, struct vb_threshold *th,
		       char *err, size_t errlen);
void vb_threshold_clear(struct vb_threshold *th);
/* Does ratio satisfy "ratio OP limit"? */
bool vb_threshold_holds(const struct vb_threshold *th, double ratio);

#endif /* VB_ENGINE_THRESHOLD_H */
