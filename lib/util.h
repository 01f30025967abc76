/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Small utilities every room uses instead of writing its own: allocation
 * that cannot return NULL, one growable string, one string list, a few
 * filesystem helpers and the names of the plugin ABI's enums.
 *
 * Allocation failure is handled one way (docs/errors.md): vb_x*() print
 * "virtbench: out of memory" and abort. A benchmark host that cannot
 * allocate a few bytes of bookkeeping gives no number worth keeping, and
 * every journal record is written whole or not at all, so nothing already
 * recorded is damaged. Plugins, which must never exit, do not use these.
 */
#ifndef VB_LIB_UTIL_H
#define VB_LIB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "virtbench/plugin.h"

void *vb_xmalloc(size_t n);
void *vb_xcalloc(size_t n, size_t size);
void *vb_xrealloc(void *p, size_t n);
/* realloc to n elements of size, checking the multiplication. */
void *vb_xreallocarray(void *p, size_t n, size_t size);
char *vb_xstrdup(const char *s);
char *vb_xstrndup(const char *s, size_t n);
char *vb_xasprintf(const char *fmt, ...) VB_PRINTF(1, 2);
/* Never returns: prints the message and aborts. */
void vb_oom(void) __attribute__((noreturn));

/* Grow *v (holding *cap elements of size) to hold at least n. */
#define VB_GROW(v, n, cap)                                                   \
	do {                                                                 \
		if ((n) > (cap)) {                                           \
			size_t vb_nc_ = (cap) ? (cap) * 2 : 8;               \
			while (vb_nc_ < (n))                                 \
				vb_nc_ *= 2;                                 \
			(v) = vb_xreallocarray((v), vb_nc_, sizeof(*(v)));   \
			(cap) = vb_nc_;                                      \
		}                                                            \
	} while (0)

/* ------------------------------------------------------------------ */
/* A growable string (git's strbuf, smaller)                            */
/* ------------------------------------------------------------------ */

struct vb_buf {
	char *s;      /* NUL-terminated once anything was added; may be NULL */
	size_t len, cap;
};
#define VB_BUF_INIT { NULL, 0, 0 }

void vb_buf_add(struct vb_buf *b, const char *s);
void vb_buf_addn(struct vb_buf *b, const char *s, size_t n);
void vb_buf_addc(struct vb_buf *b, char c);
void vb_buf_addf(struct vb_buf *b, const char *fmt, ...) VB_PRINTF(2, 3);
void vb_buf_vaddf(struct vb_buf *b, const char *fmt, va_list ap) VB_PRINTF(2, 0);
/* The text so far; "" (never NULL) when nothing was added. */
const char *vb_buf_str(const struct vb_buf *b);
/* Empty it, keeping the memory. */
void vb_buf_reset(struct vb_buf *b);
/* Hand over the string (malloc'd, never NULL) and empty b. */
char *vb_buf_detach(struct vb_buf *b);
void vb_buf_free(struct vb_buf *b);

/*
 * The "key=value;key=value" form facts are stored in (runs.csv's facts
 * column, verify.csv's). Keys are [a-z0-9_]; values never hold ';' or a
 * newline (vb_report_fact refuses them).
 */
void vb_buf_add_kv(struct vb_buf *b, const char *key, const char *value);

/* ------------------------------------------------------------------ */
/* A list of strings                                                    */
/* ------------------------------------------------------------------ */

struct vb_strv {
	char **v;     /* NULL-terminated once anything was added */
	size_t n, cap;
};
#define VB_STRV_INIT { NULL, 0, 0 }

/* Append a copy of s. */
void vb_strv_add(struct vb_strv *l, const char *s);
void vb_strv_addf(struct vb_strv *l, const char *fmt, ...) VB_PRINTF(2, 3);
/* Append s itself (malloc'd; the list frees it). */
void vb_strv_take(struct vb_strv *l, char *s);
/* Index of s, or -1. */
ssize_t vb_strv_find(const struct vb_strv *l, const char *s);
void vb_strv_sort(struct vb_strv *l);
void vb_strv_free(struct vb_strv *l);
/* Free a plain array of n malloc'd strings and the array itself. */
void vb_free_strings(char **v, size_t n);

/* ------------------------------------------------------------------ */
/* Files and directories                                                */
/* ------------------------------------------------------------------ */

/* mkdir -p. 0 or -errno. */
int vb_mkdir_p(const char *path, mode_t mode);
/* rm -rf, never following symlinks and never crossing into another
 * filesystem. 0 or -errno of the first failure (it still goes on). */
int vb_rm_rf(const char *path);
/* dir + "/" + name, malloc'd. */
char *vb_path_join(const char *dir, const char *name);
/*
 * Read a whole regular file (at most `max` bytes; -EFBIG beyond) into a
 * NUL-terminated malloc'd buffer. Refuses what is not a regular file
 * (-EISDIR for a directory, -EINVAL for a FIFO or device) without
 * blocking on it. 0 or -errno.
 */
int vb_read_file(const char *path, size_t max, char **data, size_t *len);
/* Write all of buf to fd, retrying short writes and EINTR. 0 or -errno. */
int vb_write_all(int fd, const void *buf, size_t len);
/*
 * Write data to path through path.tmp, fsync and rename, so a reader
 * never sees half a file and a crash leaves the old one. 0 or -errno.
 */
int vb_write_file_atomic(const char *path, const void *data, size_t len);
/* Copy a regular file (same atomic rule). 0 or -errno. */
int vb_copy_file(const char *from, const char *to);

/* ------------------------------------------------------------------ */
/* Time                                                                 */
/* ------------------------------------------------------------------ */

/* "12m05s", or "3h02m" from an hour on (progress line, check). */
void vb_fmt_duration(double seconds, char *buf, size_t n);

/* ------------------------------------------------------------------ */
/* Names of the ABI's enums, the one place they are spelled             */
/* ------------------------------------------------------------------ */

/* "lower", "higher", "neutral". */
const char *vb_better_name(enum vb_better b);
/* The reverse; 0 (neutral) for anything else. */
enum vb_better vb_better_from_name(const char *s);
/* "backend", "workload". */
const char *vb_kind_name(enum vb_plugin_kind k);

#endif /* VB_LIB_UTIL_H */
