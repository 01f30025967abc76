/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Diagnostics: "file:line: message" collected while validating, so a user
 * fixes every problem of a file in one edit (lib/diag.c).
 */
#ifndef VB_LIB_DIAG_H
#define VB_LIB_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "virtbench/plugin.h"

struct vb_diag {
	size_t count;      /* number of errors */
	char **msgs;       /* "file:line: what was expected; what to do" */
};
void vb_diag_add(struct vb_diag *d, const char *file, int line,
		 const char *fmt, ...) VB_PRINTF(4, 5);
void vb_diag_print(const struct vb_diag *d, FILE *out);
void vb_diag_free(struct vb_diag *d);

#endif /* VB_LIB_DIAG_H */
