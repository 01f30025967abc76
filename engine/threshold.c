/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The threshold parser of engine/threshold.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/threshold.h"
#include "lib/util.h"

void vb_threshold_clear(struct vb_threshold *th)
{
	free(th->backend);
	free(th->baseline);
	free(th->metric);
	free(th->op);
	memset(th, 0, sizeof(*th));
}

/* The next blank-separated word of *p, or NULL. */
static char *word(char **p)
{
	char *w = *p + strspn(*p, " \t");
	size_t n = strcspn(w, " \t");

	if (!n)
		return NULL;
	*p = w + n + (w[n] != '\0');
	w[n] = '\0';
	return w;
}

int vb_threshold_parse(const char *text, struct vb_threshold *th, char *err,
		       size_t errlen)
{
	static const char *const ops[][2] = {
		{ "<=", "<=" }, { ">=", ">=" }, { "<", "<" }, { ">", ">" },
		{ "\xe2\x89\xa4", "<=" }, { "\xe2\x89\xa5", ">=" },
	};
	char *copy = vb_xstrdup(text ? text : ""), *p = copy;
	char *pair = word(&p), *metric = word(&p), *op = word(&p);
	char *limit = word(&p), *extra = word(&p);
	char *slash = pair ? strchr(pair, '/') : NULL, *end;
	const char *canon = NULL;
	double v = 0;

	memset(th, 0, sizeof(*th));
	if (!limit || extra || !slash || slash == pair || !slash[1]) {
		snprintf(err, errlen, "expected \"BACKEND/BASELINE METRIC OP LIMIT\" "
			 "with OP one of <=, <, >=, >, e.g. \"qemu/bare-metal "
			 "total_time <= 1.5\"");
		goto bad;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && !canon; i++)
		if (strcmp(op, ops[i][0]) == 0)
			canon = ops[i][1];
	if (!canon) {
		snprintf(err, errlen, "comparison '%s' unknown; use one of <=, <, >=, >",
			 op);
		goto bad;
	}
	errno = 0;
	v = strtod(limit, &end);
	if (*end || errno || !isfinite(v)) {
		snprintf(err, errlen, "limit '%s' is not a number; write the ratio, "
			 "e.g. 1.5", limit);
		goto bad;
	}
	*slash = '\0';
	th->backend = vb_xstrdup(pair);
	th->baseline = vb_xstrdup(slash + 1);
	th->metric = vb_xstrdup(metric);
	th->op = vb_xstrdup(canon);
	th->limit = v;
	free(copy);
	return 0;
bad:
	free(copy);
	return -EINVAL;
}

bool vb_threshold_holds(const struct vb_threshold *th, double ratio)
{
	if (strcmp(th->op, "<=") == 0)
		return ratio <= th->limit;
	if (strcmp(th->op, "<") == 0)
		return ratio < th->limit;
	if (strcmp(th->op, ">=") == 0)
		return ratio >= th->limit;
	return ratio > th->limit;
}
