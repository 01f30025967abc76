/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Diagnostics: validation collects every problem of an experiment file
 * before reporting, so a user fixes them all in one edit instead of one per
 * run. Messages are "file:line: text", the form editors jump to.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/util.h"

void vb_diag_add(struct vb_diag *d, const char *file, int line,
		 const char *fmt, ...)
{
	char body[2048];
	char *msg = NULL;
	char **grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);

	if (file && line > 0)
		n = asprintf(&msg, "%s:%d: %s", file, line, body);
	else if (file)
		n = asprintf(&msg, "%s: %s", file, body);
	else
		n = asprintf(&msg, "%s", body);
	if (n < 0)
		msg = NULL;

	grown = realloc(d->msgs, (d->count + 1) * sizeof(*d->msgs));
	if (!grown) {
		/* Out of memory: keep the newest text in the last slot so
		 * at least one message survives; an empty diag stays empty
		 * only if even the first slot cannot be had. */
		if (d->count) {
			free(d->msgs[d->count - 1]);
			d->msgs[d->count - 1] = msg;
		} else {
			free(msg);
		}
		return;
	}
	d->msgs = grown;
	d->msgs[d->count++] = msg;
}

void vb_diag_print(const struct vb_diag *d, FILE *out)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		fprintf(out, "%s\n",
			d->msgs && d->msgs[i] ? d->msgs[i] : "(out of memory)");
}

void vb_diag_free(struct vb_diag *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; d->msgs && i < d->count; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->count = 0;
}
