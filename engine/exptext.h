/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The text of an experiment file and of what it includes, read and
 * checked before libconfig sees any of it (engine/exptext.c): a file
 * that is not a regular file, too big, with a string too long, a control
 * character, or an integer libconfig would silently change, is refused
 * with file:line here, so the parser never blocks on a FIFO, never spends
 * minutes on a huge value, and no message echoes a number the user did
 * not write.
 */
#ifndef VB_ENGINE_EXPTEXT_H
#define VB_ENGINE_EXPTEXT_H

#include <limits.h>
#include <stddef.h>

#include "lib/diag.h"
#include "lib/util.h"

/* An experiment file, and each file it includes, is at most this big. */
#define VB_EXPERIMENT_MAX_BYTES (1 << 20)
/* A string literal is at most this long. */
#define VB_EXPERIMENT_MAX_STRING 65536
/* @include nests at most this deep (libconfig's own limit). */
#define VB_EXPERIMENT_MAX_DEPTH 10

struct vb_exptext {
	char *text;            /* the file, NUL-terminated */
	size_t len;
	char incdir[PATH_MAX]; /* where @include names are relative to */
	/* Each @include name as written (what libconfig reports) and the
	 * path it resolves to (what messages show). */
	struct vb_strv inc_written, inc_path;
};

/*
 * Read and check `path` and everything it includes. 0, or -EINVAL with
 * every problem found in d ("file:line: what; what to do").
 */
int vb_exptext_load(const char *path, struct vb_exptext *t,
		    struct vb_diag *d);
/* The path to show for a file libconfig names `written` (an include),
 * or `written` itself. */
const char *vb_exptext_path(const struct vb_exptext *t, const char *written);
void vb_exptext_free(struct vb_exptext *t);

#endif /* VB_ENGINE_EXPTEXT_H */
