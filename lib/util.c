/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Allocation, strings, lists, files and names shared by every room. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

void vb_oom(void)
{
	static const char msg[] = "virtbench: out of memory\n";

	/* write(2), not stdio: stdio may need the memory we lack. */
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		abort();
	abort();
}

void *vb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		vb_oom();
	return p;
}

void *vb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		vb_oom();
	return p;
}

void *vb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		vb_oom();
	return q;
}

void *vb_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		vb_oom();
	return vb_xrealloc(p, n * size);
}

char *vb_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		vb_oom();
	return d;
}

char *vb_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s ? s : "", n);

	if (!d)
		vb_oom();
	return d;
}

char *vb_xasprintf(const char *fmt, ...)
{
	struct vb_buf b = VB_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vb_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return vb_buf_detach(&b);
}

/* ------------------------------------------------------------------ */

static void buf_grow(struct vb_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		vb_oom();
	VB_GROW(b->s, b->len + extra + 1, b->cap);
}

void vb_buf_addn(struct vb_buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void vb_buf_add(struct vb_buf *b, const char *s)
{
	vb_buf_addn(b, s ? s : "", s ? strlen(s) : 0);
}

void vb_buf_addc(struct vb_buf *b, char c)
{
	vb_buf_addn(b, &c, 1);
}

void vb_buf_vaddf(struct vb_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void vb_buf_addf(struct vb_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vb_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

const char *vb_buf_str(const struct vb_buf *b)
{
	return b->s ? b->s : "";
}

void vb_buf_reset(struct vb_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

char *vb_buf_detach(struct vb_buf *b)
{
	char *s = b->s ? b->s : vb_xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void vb_buf_free(struct vb_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void vb_buf_add_kv(struct vb_buf *b, const char *key, const char *value)
{
	vb_buf_addf(b, "%s%s=%s", b->len ? ";" : "", key, value ? value : "");
}

/* ------------------------------------------------------------------ */

void vb_strv_take(struct vb_strv *l, char *s)
{
	VB_GROW(l->v, l->n + 2, l->cap);
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void vb_strv_add(struct vb_strv *l, const char *s)
{
	vb_strv_take(l, vb_xstrdup(s));
}

void vb_strv_addf(struct vb_strv *l, const char *fmt, ...)
{
	struct vb_buf b = VB_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vb_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	vb_strv_take(l, vb_buf_detach(&b));
}

ssize_t vb_strv_find(const struct vb_strv *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return (ssize_t)i;
	return -1;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void vb_strv_sort(struct vb_strv *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(char *), str_cmp);
}

void vb_free_strings(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void vb_strv_free(struct vb_strv *l)
{
	vb_free_strings(l->v, l->n);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ------------------------------------------------------------------ */

int vb_mkdir_p(const char *path, mode_t mode)
{
	char *buf = vb_xstrdup(path);
	int rc = 0;

	for (char *p = buf + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			rc = -errno;
		*p = '/';
	}
	if (rc == 0 && mkdir(buf, mode) < 0 && errno != EEXIST)
		rc = -errno;
	free(buf);
	return rc;
}

static int rm_first_error;

static int rm_entry(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(p) < 0 && errno != ENOENT && rm_first_error == 0)
		rm_first_error = -errno;
	return 0;
}

int vb_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	rm_first_error = 0;
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return -errno;
	return rm_first_error;
}

char *vb_path_join(const char *dir, const char *name)
{
	size_t l = strlen(dir);

	return vb_xasprintf("%s%s%s", dir, l && dir[l - 1] == '/' ? "" : "/",
			    name);
}

int vb_read_file(const char *path, size_t max, char **data, size_t *len)
{
	struct vb_buf b = VB_BUF_INIT;
	struct stat st;
	char chunk[65536];
	int fd, rc = 0;

	*data = NULL;
	if (len)
		*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		rc = -EFBIG;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			rc = -EFBIG;
			goto out;
		}
		vb_buf_addn(&b, chunk, (size_t)n);
	}
	if (len)
		*len = b.len;
	*data = vb_buf_detach(&b);
out:
	vb_buf_free(&b);
	close(fd);
	return rc;
}

int vb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int vb_write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = vb_xasprintf("%s.tmp", path);
	int fd, rc;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	rc = vb_write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int vb_copy_file(const char *from, const char *to)
{
	char *data;
	size_t len;
	int rc = vb_read_file(from, SIZE_MAX / 2, &data, &len);

	if (rc < 0)
		return rc;
	rc = vb_write_file_atomic(to, data, len);
	free(data);
	return rc;
}

/* ------------------------------------------------------------------ */

void vb_fmt_duration(double s, char *buf, size_t n)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
	else
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}

const char *vb_better_name(enum vb_better b)
{
	return b == VB_LOWER_IS_BETTER	 ? "lower"
	       : b == VB_HIGHER_IS_BETTER ? "higher"
					  : "neutral";
}

enum vb_better vb_better_from_name(const char *s)
{
	if (s && strcmp(s, "lower") == 0)
		return VB_LOWER_IS_BETTER;
	if (s && strcmp(s, "higher") == 0)
		return VB_HIGHER_IS_BETTER;
	return VB_NEUTRAL;
}

const char *vb_kind_name(enum vb_plugin_kind k)
{
	return k == VB_PLUGIN_BACKEND	 ? "backend"
	       : k == VB_PLUGIN_WORKLOAD ? "workload"
					 : "plugin";
}
