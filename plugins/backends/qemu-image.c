/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The guest the qemu backend boots: the host's kernel (its vmlinux pulled
 * out of the bzImage for QEMU's fast PVH entry) and an initramfs made here
 * with libarchive. Both are cached by what went into them, so a second run
 * boots straight away and a changed input (new kernel, rebuilt agent)
 * never boots a stale image.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtbench/plugin.h"
#include "qemu-image.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

struct hash {
	uint64_t a, b; /* two FNV-1a lanes with different seeds: 128 bits */
};

static void hash_init(struct hash *h)
{
	h->a = FNV_OFFSET;
	h->b = FNV_OFFSET ^ 0x9e3779b97f4a7c15ull;
}

static void hash_add(struct hash *h, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ p[i]) * FNV_PRIME;
		h->b = (h->b ^ (unsigned char)(p[i] + 0x5bu)) * FNV_PRIME;
	}
}

static void hash_str(struct hash *h, const char *s)
{
	hash_add(h, s, strlen(s) + 1);
}

static void hash_hex(const struct hash *h, char *out, size_t n)
{
	snprintf(out, n, "%016llx%016llx", (unsigned long long)h->a,
		 (unsigned long long)h->b);
}

static int read_file(struct vb_ctx *ctx, const char *path, unsigned char **buf,
		     size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return VB_ERROR(ctx, -errno, "cannot open %s: %s", path,
				strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return VB_ERROR(ctx, e, "stat %s: %s", path, strerror(-e));
	}
	*buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!*buf) {
		close(fd);
		return VB_ERROR(ctx, -ENOMEM, "out of memory reading %s", path);
	}
	size_t have = 0;
	while (have < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + have, (size_t)st.st_size - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? -errno : -EIO;
			free(*buf);
			*buf = NULL;
			close(fd);
			return VB_ERROR(ctx, e, "read %s: %s", path, strerror(-e));
		}
		have += (size_t)r;
	}
	close(fd);
	*len = have;
	return 0;
}

/* Write buf to path atomically (temp file + rename), so a crash or a
 * concurrent run never leaves a half-written image in the cache. */
static int write_atomic(struct vb_ctx *ctx, const char *path,
			const unsigned char *buf, size_t len)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return VB_ERROR(ctx, -errno, "cannot create %s: %s", tmp,
				strerror(errno));
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = -errno;
			close(fd);
			unlink(tmp);
			return VB_ERROR(ctx, e, "write %s: %s", tmp, strerror(-e));
		}
		done += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = -errno;
		unlink(tmp);
		return VB_ERROR(ctx, e, "cannot store %s: %s", path, strerror(-e));
	}
	return 0;
}

int vbq_cache_dir(struct vb_ctx *ctx, char *out, size_t n)
{
	return vb_cache_dir(ctx, NULL, out, n);
}

/* A kernel built with "# CONFIG_MODULES is not set" in the config next to
 * it (virtbench-build-kernel writes one) needs no modules. */
static bool kernel_builtin(const char *bzimage)
{
	char cfg[PATH_MAX], line[256];
	const char *slash = strrchr(bzimage, '/');
	bool found = false;

	if (!slash)
		return false;
	snprintf(cfg, sizeof(cfg), "%.*s/config", (int)(slash - bzimage),
		 bzimage);
	FILE *f = fopen(cfg, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strcmp(line, "# CONFIG_MODULES is not set\n") == 0;
	if (f)
		fclose(f);
	return found;
}

static int kernel_checked(struct vb_ctx *ctx, const char *path, char *out,
			  size_t n, bool *builtin)
{
	char real[PATH_MAX];

	if (access(path, R_OK) != 0 || !realpath(path, real))
		return VB_ERROR(ctx, -errno,
				"kernel %s is not readable: %s; set kernel = "
				"\"auto\", \"host\" or a bzImage path",
				path, strerror(errno));
	/* The real path, so the vmlinux cache key changes with a rebuild
	 * behind the kernel/current link. */
	snprintf(out, n, "%s", real);
	*builtin = kernel_builtin(real);
	return 0;
}

static int kernel_host(struct vb_ctx *ctx, const char *opt, char *out,
		       size_t n, bool *builtin)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	char best[256] = "", path[PATH_MAX];

	if (!d)
		return VB_ERROR(ctx, -ENOENT,
				"kernel = \"%s\" but /boot is missing: install "
				"linux-image-amd64 or set kernel to a bzImage",
				opt);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vmlinuz-", 8) != 0)
			continue;
		if (!*best || strverscmp(e->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	if (!*best)
		return VB_ERROR(ctx, -ENOENT,
				"kernel = \"%s\" found no /boot/vmlinuz-*: "
				"install linux-image-amd64 or set kernel",
				opt);
	snprintf(path, sizeof(path), "/boot/%s", best);
	return kernel_checked(ctx, path, out, n, builtin);
}

int vbq_kernel_resolve(struct vb_ctx *ctx, const char *opt, const char *cache,
		       char *out, size_t n, bool *builtin)
{
	char own[PATH_MAX];

	*builtin = false;
	snprintf(own, sizeof(own), "%s/kernel/current/bzImage", cache);
	if (!strcmp(opt, "virtbench")) {
		if (access(own, R_OK) != 0)
			return VB_ERROR(ctx, -ENOENT,
					"kernel = \"virtbench\" but %s is missing: "
					"run virtbench-build-kernel (docs/qemu.md)",
					own);
		return kernel_checked(ctx, own, out, n, builtin);
	}
	if (!strcmp(opt, "auto")) {
		if (access(own, R_OK) == 0)
			return kernel_checked(ctx, own, out, n, builtin);
		return kernel_host(ctx, opt, out, n, builtin);
	}
	if (!strcmp(opt, "host"))
		return kernel_host(ctx, opt, out, n, builtin);
	return kernel_checked(ctx, opt, out, n, builtin);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool is_bzimage(const unsigned char *k, size_t len)
{
	return len > 0x260 && memcmp(k + 0x202, "HdrS", 4) == 0;
}

int vbq_kernel_release(struct vb_ctx *ctx, const char *bzimage, char *out,
		       size_t n)
{
	unsigned char *k;
	size_t len;
	int err = read_file(ctx, bzimage, &k, &len);

	if (err < 0)
		return err;
	if (!is_bzimage(k, len)) {
		free(k);
		return VB_ERROR(ctx, -EINVAL, "%s is not a bzImage (no HdrS)",
				bzimage);
	}
	/* kernel_version: offset of "6.1.0-56-amd64 (debian-kernel@...) #1"
	 * minus 0x200, see Documentation/x86/boot.rst. */
	size_t off = (size_t)(k[0x20e] | k[0x20f] << 8) + 0x200;
	if (off >= len) {
		free(k);
		return VB_ERROR(ctx, -EINVAL, "%s: no kernel version string",
				bzimage);
	}
	size_t i = 0;
	while (off + i < len && i + 1 < n && k[off + i] > ' ' &&
	       k[off + i] < 0x7f) {
		out[i] = (char)k[off + i];
		i++;
	}
	out[i] = '\0';
	free(k);
	return i ? 0 : VB_ERROR(ctx, -EINVAL, "%s: empty version", bzimage);
}

/* Decompress one xz stream (trailing bytes after it are ignored: the
 * kernel appends the uncompressed size). */
static int unxz(struct vb_ctx *ctx, const char *what, const unsigned char *in,
		size_t inlen, unsigned char **out, size_t *outlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = inlen * 4 + 4096;
	unsigned char *buf = malloc(cap);

	if (!buf)
		return VB_ERROR(ctx, -ENOMEM, "out of memory for %s", what);
	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
		free(buf);
		return VB_ERROR(ctx, -ENOMEM, "liblzma decoder init failed");
	}
	s.next_in = in;
	s.avail_in = inlen;
	s.next_out = buf;
	s.avail_out = cap;
	for (;;) {
		lzma_ret r = lzma_code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK || r == LZMA_BUF_ERROR) {
			if (s.avail_out == 0) {
				size_t used = cap;
				unsigned char *nb = realloc(buf, cap * 2);
				if (!nb) {
					lzma_end(&s);
					free(buf);
					return VB_ERROR(ctx, -ENOMEM,
							"out of memory for %s", what);
				}
				buf = nb;
				cap *= 2;
				s.next_out = buf + used;
				s.avail_out = cap - used;
				continue;
			}
		}
		lzma_end(&s);
		free(buf);
		return VB_ERROR(ctx, -EINVAL,
				"%s: xz data is corrupt (liblzma error %d)", what,
				(int)r);
	}
	*outlen = cap - s.avail_out;
	*out = buf;
	lzma_end(&s);
	return 0;
}

int vbq_vmlinux_get(struct vb_ctx *ctx, const char *bzimage,
		    const char *cache, char *out, size_t n)
{
	struct stat st;
	struct hash h;
	char hex[40];

	if (stat(bzimage, &st) < 0)
		return VB_ERROR(ctx, -errno, "stat %s: %s", bzimage,
				strerror(errno));
	hash_init(&h);
	hash_str(&h, bzimage);
	hash_add(&h, &st.st_size, sizeof(st.st_size));
	hash_add(&h, &st.st_mtim, sizeof(st.st_mtim));
	hash_hex(&h, hex, sizeof(hex));
	snprintf(out, n, "%s/vmlinux-%s", cache, hex);
	if (access(out, R_OK) == 0)
		return 0;

	unsigned char *k, *elf = NULL;
	size_t len, elflen = 0;
	int err = read_file(ctx, bzimage, &k, &len);
	if (err < 0)
		return err;
	if (!is_bzimage(k, len)) {
		free(k);
		return VB_ERROR(ctx, -ENOTSUP, "%s is not a bzImage", bzimage);
	}
	size_t setup = (k[0x1f1] ? k[0x1f1] : 4) + 1;
	size_t poff = setup * 512 + le32(k + 0x248);
	size_t plen = le32(k + 0x24c);
	static const unsigned char xzmagic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	if (poff + plen > len || plen < 6 || memcmp(k + poff, xzmagic, 6) != 0) {
		free(k);
		return VB_ERROR(ctx, -ENOTSUP,
				"%s: payload is not xz-compressed; use "
				"boot_path = \"bzimage\"", bzimage);
	}
	err = unxz(ctx, bzimage, k + poff, plen, &elf, &elflen);
	free(k);
	if (err < 0)
		return err;
	if (elflen < 4 || memcmp(elf, "\177ELF", 4) != 0) {
		free(elf);
		return VB_ERROR(ctx, -ENOTSUP, "%s: payload is not an ELF vmlinux",
				bzimage);
	}
	err = write_atomic(ctx, out, elf, elflen);
	free(elf);
	return err;
}

/* ------------------------------------------------------------------ */
/* initramfs                                                            */
/* ------------------------------------------------------------------ */

struct entry {
	char *path;        /* in the archive, without leading '/' */
	char *src;         /* host file, NULL for dirs and symlinks */
	char *link;        /* symlink target */
	mode_t mode;       /* type and permissions */
	bool unxz;         /* decompress src (.ko.xz) */
};

struct plan {
	struct entry *e;
	size_t n, cap;
	char *order;       /* /lib/modules/order */
	size_t orderlen;
	char *argv;        /* /etc/virtbench/agent-argv */
};

static int plan_add(struct plan *p, const char *path, const char *src,
		    const char *link, mode_t mode)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct entry *ne = realloc(p->e, cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		p->e = ne;
		p->cap = cap;
	}
	struct entry *e = &p->e[p->n];
	*e = (struct entry){ .mode = mode };
	e->path = strdup(path);
	e->src = src ? strdup(src) : NULL;
	e->link = link ? strdup(link) : NULL;
	if (!e->path || (src && !e->src) || (link && !e->link)) {
		free(e->path);
		free(e->src);
		free(e->link);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->e[i].path);
		free(p->e[i].src);
		free(p->e[i].link);
	}
	free(p->e);
	free(p->order);
	free(p->argv);
}

static int add_tree(struct vb_ctx *ctx, struct plan *p, const char *src,
		    const char *dst, int depth)
{
	DIR *d;
	struct dirent *de;
	int err = 0;

	if (depth > 16)
		return VB_ERROR(ctx, -ELOOP, "%s: directories nest too deep", src);
	d = opendir(src);
	if (!d)
		return VB_ERROR(ctx, -errno, "cannot read bundle directory %s: %s",
				src, strerror(errno));
	while (!err && (de = readdir(d))) {
		char s[4096], t[4096];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		if (lstat(s, &st) < 0) {
			err = VB_ERROR(ctx, -errno, "stat %s: %s", s, strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t l = readlink(s, target, sizeof(target) - 1);
			if (l < 0) {
				err = VB_ERROR(ctx, -errno, "readlink %s", s);
			} else {
				target[l] = '\0';
				err = plan_add(p, t, NULL, target, S_IFLNK | 0777);
			}
		} else if (S_ISDIR(st.st_mode)) {
			err = plan_add(p, t, NULL, NULL, S_IFDIR | 0755);
			if (!err)
				err = add_tree(ctx, p, s, t, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			err = plan_add(p, t, s, NULL, S_IFREG | (st.st_mode & 0777));
		}
	}
	closedir(d);
	return err;
}


/* modules.dep line "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko ..." for a
 * module name (e.g. "ext4"); NULL when absent. */
static char *dep_line(const char *dep, const char *name)
{
	const char *p = dep;
	size_t nl = strlen(name);

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		const char *colon = memchr(p, ':', ll);
		if (colon) {
			const char *base = colon;
			while (base > p && base[-1] != '/')
				base--;
			if ((size_t)(colon - base) > nl && !strncmp(base, name, nl) &&
			    !strncmp(base + nl, ".ko", 3)) {
				char *r = strndup(p, ll);
				return r;
			}
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}

static void mod_name(const char *path, char *out, size_t n)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(out, n, "%s", b);
	char *dot = strstr(out, ".ko");
	if (dot)
		*dot = '\0';
}

/* Is module `name` already in order (a list of modules.dep paths)? */
static bool has(char **order, size_t n, const char *name)
{
	char b[256];

	for (size_t i = 0; i < n; i++) {
		mod_name(order[i], b, sizeof(b));
		if (!strcmp(b, name))
			return true;
	}
	return false;
}

/* Depth-first: dependencies land in `order` before the module itself. */
static int resolve_mod(struct vb_ctx *ctx, const char *dep, const char *name,
		       char **order, size_t *norder, int depth)
{
	char *line;
	int err = 0;

	if (has(order, *norder, name))
		return 0;
	if (depth > 32)
		return VB_ERROR(ctx, -ELOOP, "module dependency loop at %s", name);
	line = dep_line(dep, name);
	if (!line)
		return -ENOENT; /* built in, or not built: the caller decides */
	char *colon = strchr(line, ':');
	char *save = NULL;
	for (char *tok = strtok_r(colon + 1, " \t", &save); tok && !err;
	     tok = strtok_r(NULL, " \t", &save)) {
		char dn[256];
		mod_name(tok, dn, sizeof(dn));
		err = resolve_mod(ctx, dep, dn, order, norder, depth + 1);
		if (err == -ENOENT)
			err = VB_ERROR(ctx, -ENOENT,
				       "modules.dep names %s but has no line for it",
				       tok);
	}
	if (!err) {
		*colon = '\0';
		order[(*norder)++] = line; /* "kernel/.../x.ko" */
	} else {
		free(line);
	}
	return err;
}

static int plan_modules(struct vb_ctx *ctx, struct plan *p,
			const struct vbq_image_in *in)
{
	char path[4096];
	unsigned char *dep;
	size_t deplen;
	char *order[128];
	size_t norder = 0;
	int err;

	if (!in->moddir || !in->modules)
		return 0;
	snprintf(path, sizeof(path), "%s/modules.dep", in->moddir);
	err = read_file(ctx, path, &dep, &deplen);
	if (err < 0)
		return err;
	char *text = realloc(dep, deplen + 1);
	if (!text) {
		free(dep);
		return -ENOMEM;
	}
	text[deplen] = '\0';
	for (size_t i = 0; in->modules[i] && !err; i++) {
		if (norder > 96) {
			err = VB_ERROR(ctx, -E2BIG, "too many kernel modules");
			break;
		}
		err = resolve_mod(ctx, text, in->modules[i], order, &norder, 0);
		if (err == -ENOENT) /* built into this kernel: nothing to load */
			err = 0;
	}
	free(text);
	if (!err)
		err = plan_add(p, "lib", NULL, NULL, S_IFDIR | 0755);
	if (!err)
		err = plan_add(p, "lib/modules", NULL, NULL, S_IFDIR | 0755);
	size_t cap = 1;
	for (size_t i = 0; i < norder; i++)
		cap += strlen(order[i]) + 2;
	p->order = calloc(1, cap);
	if (!p->order && !err)
		err = -ENOMEM;
	for (size_t i = 0; i < norder; i++) {
		if (!err) {
			char src[4096], name[256], dst[512];
			bool xz = strstr(order[i], ".ko.xz") != NULL;
			snprintf(src, sizeof(src), "%s/%s", in->moddir, order[i]);
			mod_name(order[i], name, sizeof(name));
			snprintf(dst, sizeof(dst), "lib/modules/%s.ko", name);
			err = plan_add(p, dst, src, NULL, S_IFREG | 0644);
			if (!err) {
				p->e[p->n - 1].unxz = xz;
				strcat(p->order, name);
				strcat(p->order, ".ko\n");
			}
		}
		free(order[i]);
	}
	p->orderlen = p->order ? strlen(p->order) : 0;
	return err;
}

static int write_entry(struct vb_ctx *ctx, struct archive *a,
		       const struct entry *e, const unsigned char *data,
		       size_t len)
{
	struct archive_entry *ae = archive_entry_new();
	int err = 0;

	if (!ae)
		return -ENOMEM;
	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_mode(ae, e->mode);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, 0, 0); /* reproducible archives */
	archive_entry_set_nlink(ae, S_ISDIR(e->mode) ? 2 : 1);
	if (e->link)
		archive_entry_set_symlink(ae, e->link);
	archive_entry_set_size(ae, S_ISREG(e->mode) ? (la_int64_t)len : 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		err = VB_ERROR(ctx, -EIO, "initramfs: %s: %s", e->path,
			       archive_error_string(a));
	else if (S_ISREG(e->mode) && len &&
		 archive_write_data(a, data, len) != (la_ssize_t)len)
		err = VB_ERROR(ctx, -EIO, "initramfs: %s: %s", e->path,
			       archive_error_string(a));
	archive_entry_free(ae);
	return err;
}

/* Content of one entry (file contents, decompressed modules, or the
 * generated files); *owned tells the caller to free it. */
static int entry_data(struct vb_ctx *ctx, const struct plan *p,
		      const struct entry *e, unsigned char **data, size_t *len)
{
	if (!strcmp(e->path, "lib/modules/order")) {
		*data = (unsigned char *)strdup(p->order ? p->order : "");
		*len = p->orderlen;
		return *data ? 0 : -ENOMEM;
	}
	if (!strcmp(e->path, "etc/virtbench/agent-argv")) {
		*data = (unsigned char *)strdup(p->argv);
		*len = strlen(p->argv);
		return *data ? 0 : -ENOMEM;
	}
	if (!e->src) {
		*data = NULL;
		*len = 0;
		return 0;
	}
	int err = read_file(ctx, e->src, data, len);
	if (err < 0 || !e->unxz)
		return err;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	err = unxz(ctx, e->src, *data, *len, &raw, &rawlen);
	free(*data);
	*data = raw;
	*len = rawlen;
	return err;
}

/* Hash and size of a file's contents; 0 or -errno. */
static int file_digest(const char *path, char *hex, size_t n, long long *size)
{
	unsigned char buf[65536];
	struct hash h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	hash_init(&h);
	*size = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		hash_add(&h, buf, (size_t)r);
		*size += r;
	}
	close(fd);
	if (r < 0)
		return -EIO;
	hash_hex(&h, hex, n);
	return 0;
}

/* The "HASH SIZE" line stored next to a cached image when it was made. */
static void sum_path(const char *image, char *out, size_t n)
{
	snprintf(out, n, "%s.sum", image);
}

/*
 * Is the cached image the one that was stored? A truncated or damaged
 * copy (disk full, a copy cut short) must be built again, not booted
 * into a guest that panics. *why says what is wrong.
 */
static bool image_intact(const char *image, const char **why)
{
	char sp[4200], want[64] = "", have[40];
	long long wsize = -1, size;
	FILE *f;

	sum_path(image, sp, sizeof(sp));
	if (!(f = fopen(sp, "re"))) {
		*why = "no checksum stored with it";
		return false;
	}
	if (fscanf(f, "%39s %lld", want, &wsize) != 2)
		want[0] = '\0';
	fclose(f);
	if (file_digest(image, have, sizeof(have), &size) < 0) {
		*why = "unreadable";
		return false;
	}
	if (size != wsize) {
		*why = "its size differs from the stored one (truncated?)";
		return false;
	}
	if (strcmp(want, have) != 0) {
		*why = "its checksum differs from the stored one";
		return false;
	}
	return true;
}

/* Stored before the image is renamed into place, so whoever finds the
 * image finds its checksum. */
static int store_sum(struct vb_ctx *ctx, const char *tmp, const char *image)
{
	char sp[4200], hex[40], line[80];
	long long size;
	int err = file_digest(tmp, hex, sizeof(hex), &size);

	if (err < 0)
		return VB_ERROR(ctx, err, "cannot read back %s: %s", tmp,
				strerror(-err));
	sum_path(image, sp, sizeof(sp));
	snprintf(line, sizeof(line), "%s %lld\n", hex, size);
	return write_atomic(ctx, sp, (const unsigned char *)line, strlen(line));
}

int vbq_initramfs_get(struct vb_ctx *ctx, const struct vbq_image_in *in,
		      const char *cache, char *out, size_t n, char *hexout,
		      size_t hexlen)
{
	struct plan p = { 0 };
	struct hash h;
	char hex[40], tmp[4200];
	int err = 0;
	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "tmp",
					    "etc", "etc/virtbench", "scratch",
					    "opt", "opt/virtbench", NULL };

	for (size_t i = 0; dirs[i] && !err; i++)
		err = plan_add(&p, dirs[i], NULL, NULL, S_IFDIR | 0755);
	if (!err)
		err = plan_add(&p, "bin/busybox", in->busybox, NULL, S_IFREG | 0755);
	if (!err)
		err = plan_add(&p, "bin/sh", NULL, "busybox", S_IFLNK | 0777);
	if (!err)
		err = plan_add(&p, "init", in->init, NULL, S_IFREG | 0755);
	if (!err)
		err = plan_modules(ctx, &p, in);
	if (!err && p.order)
		err = plan_add(&p, "lib/modules/order", NULL, NULL, S_IFREG | 0644);
	if (!err)
		err = add_tree(ctx, &p, in->bundle, "opt/virtbench", 0);
	if (!err) {
		size_t cap = 1;
		for (size_t i = 0; in->agent_argv[i]; i++)
			cap += strlen(in->agent_argv[i]) + 1;
		p.argv = calloc(1, cap);
		if (!p.argv)
			err = -ENOMEM;
		for (size_t i = 0; !err && in->agent_argv[i]; i++) {
			strcat(p.argv, in->agent_argv[i]);
			strcat(p.argv, "\n");
		}
	}
	if (!err)
		err = plan_add(&p, "etc/virtbench/agent-argv", NULL, NULL,
			       S_IFREG | 0644);
	if (err < 0) {
		plan_free(&p);
		return err == -ENOMEM ? VB_ERROR(ctx, err, "out of memory") : err;
	}

	/* The key: every path, mode, link and content that goes in. */
	hash_init(&h);
	hash_str(&h, "virtbench-initramfs-1");
	for (size_t i = 0; i < p.n && !err; i++) {
		struct entry *e = &p.e[i];
		unsigned char *data = NULL;
		size_t len = 0;
		hash_str(&h, e->path);
		hash_add(&h, &e->mode, sizeof(e->mode));
		if (e->link)
			hash_str(&h, e->link);
		if (S_ISREG(e->mode)) {
			err = entry_data(ctx, &p, e, &data, &len);
			hash_add(&h, data, len);
			hash_add(&h, &len, sizeof(len));
			free(data);
		}
	}
	hash_hex(&h, hex, sizeof(hex));
	if (hexout)
		snprintf(hexout, hexlen, "%s", hex);
	snprintf(out, n, "%s/initramfs-%s.cpio", cache, hex);
	if (err < 0) {
		plan_free(&p);
		return err;
	}
	if (access(out, R_OK) == 0) {
		const char *why = "";

		if (image_intact(out, &why)) {
			plan_free(&p);
			return 0;
		}
		if (!strncmp(why, "no checksum", 11))
			vb_log(ctx, VB_LOG_INFO,
			       "cached initramfs %s has no checksum (an older virtbench made it): building it again",
			       out);
		else
			vb_log(ctx, VB_LOG_WARN,
			       "cached initramfs %s is damaged (%s): building it again",
			       out, why);
		unlink(out);
	}

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
	struct archive *a = archive_write_new();
	if (!a) {
		plan_free(&p);
		return VB_ERROR(ctx, -ENOMEM, "out of memory");
	}
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tmp) != ARCHIVE_OK)
		err = VB_ERROR(ctx, -EIO, "initramfs %s: %s", tmp,
			       archive_error_string(a));
	for (size_t i = 0; i < p.n && !err; i++) {
		unsigned char *data = NULL;
		size_t len = 0;
		err = entry_data(ctx, &p, &p.e[i], &data, &len);
		if (!err)
			err = write_entry(ctx, a, &p.e[i], data, len);
		free(data);
	}
	if (archive_write_close(a) != ARCHIVE_OK && !err)
		err = VB_ERROR(ctx, -EIO, "initramfs %s: %s", tmp,
			       archive_error_string(a));
	archive_write_free(a);
	plan_free(&p);
	if (!err)
		err = store_sum(ctx, tmp, out);
	if (!err && rename(tmp, out) < 0)
		err = VB_ERROR(ctx, -errno, "cannot store %s: %s", out,
			       strerror(errno));
	if (err)
		unlink(tmp);
	return err;
}
