/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fileio-rndrw: sysbench's file-IO test in random read/write mode
 * (research/sysbench.md §3, docs/workloads.md).
 *
 * prepare writes WORKDIR/virtbench-fileio/test_file.0 .. N-1 full of zeros,
 * the engine drops the page cache (VB_WL_DROP_CACHES), run issues random
 * block reads and writes with periodic fsync rounds, and cleanup removes
 * the files and the directory. Nothing outside virtbench-fileio/ is ever
 * created or removed, so a workdir can be any existing directory.
 */
/* O_DIRECT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "virtbench/plugin.h"
#include "fileio-gen.h"
#include "wl-stats.h"

#define FIO_SUBDIR "virtbench-fileio"
/* O_DIRECT buffers: page alignment satisfies every logical block size. */
#define FIO_ALIGN 4096

enum { FIO_FSYNC = 0, FIO_FDATASYNC };

struct fio_opts {
	int64_t files;
	int64_t total_size;
	int64_t block_size;
	double rw_ratio;
	int64_t fsync_freq;
	bool fsync_end;
	int fsync_mode;
	bool direct;
	int64_t threads;
	int64_t events;
	double time;
	int64_t seed;
	char *workdir;
};

struct fio_shared {
	struct vb_ctx *ctx;
	const struct fio_opts *opts;
	struct fg_gen gen;
	struct wl_start start;
	int *fds;
	atomic_bool stop;
	const char *dir;
};

struct fio_worker {
	struct fio_shared *sh;
	pthread_t tid;
	void *buf;
	uint64_t reads, writes, fsyncs;
	struct wl_stats stats;
	int err;
};

static uint64_t fio_file_size(const struct fio_opts *o)
{
	return (uint64_t)(o->total_size / o->files);
}

/* prepare writes whole blocks, so each file ends on a block boundary. */
static uint64_t fio_alloc_size(const struct fio_opts *o)
{
	uint64_t bs = (uint64_t)o->block_size;
	return (fio_file_size(o) + bs - 1) / bs * bs;
}

static int fio_validate(const void *opts, char *msg, size_t msglen)
{
	const struct fio_opts *o = opts;
	/* The engine range-checks first; this only guards the division. */
	if (o->files < 1 || o->block_size < 1) {
		snprintf(msg, msglen, "files and block_size must be positive");
		return -EINVAL;
	}
	if (o->total_size / o->files < o->block_size) {
		snprintf(msg, msglen,
			 "total_size (%" PRId64 " bytes) is smaller than files "
			 "x block_size (%" PRId64 " x %" PRId64 "): every file "
			 "needs at least one block; raise total_size or lower "
			 "files or block_size",
			 o->total_size, o->files, o->block_size);
		return -EINVAL;
	}
	if (o->direct && o->block_size % 512) {
		snprintf(msg, msglen,
			 "block_size %" PRId64 " is not a multiple of 512, "
			 "which direct = true (O_DIRECT) needs",
			 o->block_size);
		return -EINVAL;
	}
	if (o->events == 0 && o->time <= 0) {
		snprintf(msg, msglen,
			 "events = 0 and time = 0 would never end; "
			 "set events, time or both");
		return -EINVAL;
	}
	return 0;
}

static int64_t fio_scratch_bytes(const void *opts)
{
	const struct fio_opts *o = opts;
	return o->files * (int64_t)fio_alloc_size(o);
}

static const char *fio_workdir(struct vb_ctx *ctx, const struct fio_opts *o)
{
	return o->workdir && o->workdir[0] ? o->workdir : vb_scratch_dir(ctx);
}

static int fio_path(struct vb_ctx *ctx, char *buf, size_t n, const char *dir,
		    const char *name)
{
	int len = snprintf(buf, n, "%s/" FIO_SUBDIR "%s%s", dir,
			   name ? "/" : "", name ? name : "");
	if (len < 0 || (size_t)len >= n)
		return VB_ERROR(ctx, -ENAMETOOLONG,
				"workdir path too long: %s", dir);
	return 0;
}

static bool fio_is_test_file(const char *name)
{
	const char *p = name + strlen("test_file.");
	if (strncmp(name, "test_file.", strlen("test_file.")) || !*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/*
 * Remove test_file.* (whatever `files` they were made with) and the
 * subdirectory. Only names this workload creates are touched.
 */
static int fio_remove_all(struct vb_ctx *ctx, const char *dir)
{
	char sub[4096];
	int rc = fio_path(ctx, sub, sizeof(sub), dir, NULL);
	if (rc)
		return rc;
	DIR *d = opendir(sub);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return VB_ERROR(ctx, -errno, "cannot open %s: %s", sub,
				strerror(errno));
	}
	int dfd = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!fio_is_test_file(e->d_name))
			continue;
		if (unlinkat(dfd, e->d_name, 0) && errno != ENOENT && !rc)
			rc = VB_ERROR(ctx, -errno, "cannot remove %s/%s: %s",
				      sub, e->d_name, strerror(errno));
	}
	closedir(d);
	if (!rc && rmdir(sub) && errno != ENOENT) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			vb_log(ctx, VB_LOG_WARN,
			       "%s holds files that are not ours; left it there",
			       sub);
		else
			rc = VB_ERROR(ctx, -errno, "cannot remove %s: %s",
				      sub, strerror(errno));
	}
	return rc;
}

static int fio_open_flags(const struct fio_opts *o)
{
	return o->direct ? O_DIRECT : 0;
}

static int fio_direct_error(struct vb_ctx *ctx, const char *path)
{
	return VB_ERROR(ctx, -EINVAL,
			"%s: the filesystem rejects O_DIRECT (as tmpfs did "
			"before Linux 6.6); "
			"set workdir to a disk-backed directory or "
			"direct = false", path);
}

static int fio_write_file(struct vb_ctx *ctx, const struct fio_opts *o,
			  const char *path, const void *buf)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC |
			    fio_open_flags(o), 0600);
	if (fd < 0) {
		if (errno == EINVAL && o->direct)
			return fio_direct_error(ctx, path);
		return VB_ERROR(ctx, -errno, "cannot create %s: %s", path,
				strerror(errno));
	}
	size_t bs = (size_t)o->block_size;
	uint64_t size = fio_file_size(o);
	int rc = 0;
	for (uint64_t off = 0; off < size && !rc; off += bs) {
		if (vb_interrupted(ctx)) {
			rc = VB_ERROR(ctx, -EINTR, "prepare interrupted");
			break;
		}
		ssize_t w = pwrite(fd, buf, bs, (off_t)off);
		if (w < 0 && errno == EINVAL && o->direct)
			rc = fio_direct_error(ctx, path);
		else if (w < 0)
			rc = VB_ERROR(ctx, -errno, "write %s at %" PRIu64 ": %s",
				      path, off, strerror(errno));
		else if ((size_t)w != bs)
			rc = VB_ERROR(ctx, -ENOSPC,
				      "short write to %s at %" PRIu64
				      " (%zd of %zu bytes): disk full?",
				      path, off, w, bs);
	}
	if (!rc && fsync(fd))
		rc = VB_ERROR(ctx, -errno, "fsync %s: %s", path,
			      strerror(errno));
	if (close(fd) && !rc)
		rc = VB_ERROR(ctx, -errno, "close %s: %s", path,
			      strerror(errno));
	return rc;
}

static int fio_check_space(struct vb_ctx *ctx, const struct fio_opts *o,
			   const char *sub)
{
	struct statvfs sv;
	if (statvfs(sub, &sv))
		return VB_ERROR(ctx, -errno, "statvfs %s: %s", sub,
				strerror(errno));
	uint64_t need = (uint64_t)o->files * fio_alloc_size(o);
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	/* ramfs and some FUSE filesystems report no size at all (0 blocks):
	 * nothing to compare with, so the writes themselves will tell. */
	if (sv.f_blocks == 0)
		return 0;
	if (need > avail)
		return VB_ERROR(ctx, -ENOSPC,
				"%s: needs %" PRIu64 " bytes (%.1f MiB: %" PRId64
				" files of %" PRIu64 " bytes) but only %" PRIu64
				" bytes (%.1f MiB) are available; lower "
				"total_size or set workdir elsewhere",
				sub, need, need / 1048576.0, o->files,
				fio_alloc_size(o), avail, avail / 1048576.0);
	return 0;
}

/*
 * The filesystem the files live on changes what is measured (tmpfs is
 * memory, overlayfs adds a layer), so run records it as a fact.
 */
static const char *fio_fstype(const char *path, char *buf, size_t n)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} known[] = {
		{ 0xEF53, "ext4" },        { 0x58465342, "xfs" },
		{ 0x9123683E, "btrfs" },   { 0x01021994, "tmpfs" },
		{ 0x858458F6, "ramfs" },   { 0x794C7630, "overlayfs" },
		{ 0x01021997, "9p" },      { 0x6969, "nfs" },
		{ 0x2FC12FC1, "zfs" },     { 0xF2F52010, "f2fs" },
		{ 0x65735546, "fuse" },
	};
	struct statfs sf;
	if (statfs(path, &sf))
		return "unknown";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((unsigned long)sf.f_type == known[i].magic)
			return known[i].name;
	snprintf(buf, n, "0x%lx", (unsigned long)sf.f_type);
	return buf;
}

static int fio_prepare_files(struct vb_ctx *ctx, const struct fio_opts *o,
			     const char *dir)
{
	struct stat st;
	if (stat(dir, &st))
		return VB_ERROR(ctx, -errno, "workdir %s: %s; create it or "
				"set workdir", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return VB_ERROR(ctx, -ENOTDIR, "workdir %s is not a directory",
				dir);
	char sub[4096];
	int rc = fio_path(ctx, sub, sizeof(sub), dir, NULL);
	/* Old files would count against the free space checked next. */
	if (!rc)
		rc = fio_remove_all(ctx, dir);
	if (!rc && mkdir(sub, 0700) && errno != EEXIST)
		rc = VB_ERROR(ctx, -errno, "cannot create %s: %s", sub,
			      strerror(errno));
	if (!rc)
		rc = fio_check_space(ctx, o, sub);
	if (rc)
		return rc;
	char fsbuf[32];
	const char *fs = fio_fstype(sub, fsbuf, sizeof(fsbuf));
	if (!strcmp(fs, "tmpfs") || !strcmp(fs, "ramfs"))
		vb_log(ctx, VB_LOG_WARN,
		       "%s is on %s: its file IO is memory IO, and dropping "
		       "the page cache cannot change that", sub, fs);

	void *buf = NULL;
	int prc = posix_memalign(&buf, FIO_ALIGN, (size_t)o->block_size);
	if (prc)
		return VB_ERROR(ctx, -prc, "no memory for a %" PRId64
				"-byte buffer", o->block_size);
	memset(buf, 0, (size_t)o->block_size);
	uint64_t t0 = vb_now_ns();
	for (int64_t i = 0; i < o->files && !rc; i++) {
		char path[4096 + 32];
		snprintf(path, sizeof(path), "%s/test_file.%" PRId64, sub, i);
		rc = fio_write_file(ctx, o, path, buf);
	}
	free(buf);
	if (!rc) {
		double s = (double)(vb_now_ns() - t0) / 1e9;
		double mib = (double)o->files * (double)fio_alloc_size(o) /
			     1048576.0;
		vb_log(ctx, VB_LOG_INFO,
		       "%" PRId64 " files, %.1f MiB written in %.2f s "
		       "(%.1f MiB/s) in %s",
		       o->files, mib, s, s > 0 ? mib / s : 0.0, sub);
	}
	return rc;
}

static int fio_prepare(struct vb_ctx *ctx, const void *opts)
{
	const struct fio_opts *o = opts;
	const char *dir = fio_workdir(ctx, o);
	int rc = fio_prepare_files(ctx, o, dir);
	/* A failed or interrupted prepare leaves nothing behind even if the
	 * caller never gets to cleanup; the first error is already kept. */
	if (rc)
		(void)fio_remove_all(ctx, dir);
	return rc;
}

static int fio_cleanup(struct vb_ctx *ctx, const void *opts)
{
	return fio_remove_all(ctx, fio_workdir(ctx, opts));
}

static int fio_do(struct fio_worker *w, const struct fg_req *r)
{
	struct fio_shared *sh = w->sh;
	const struct fio_opts *o = sh->opts;
	int fd = sh->fds[r->file];
	size_t bs = (size_t)o->block_size;
	ssize_t n;

	switch (r->op) {
	case FG_READ:
		n = pread(fd, w->buf, bs, (off_t)r->offset);
		break;
	case FG_WRITE:
		n = pwrite(fd, w->buf, bs, (off_t)r->offset);
		break;
	case FG_FSYNC:
		if ((o->fsync_mode == FIO_FDATASYNC ? fdatasync(fd)
						    : fsync(fd)))
			return VB_ERROR(sh->ctx, -errno,
					"%s test_file.%" PRIu64 ": %s",
					o->fsync_mode == FIO_FDATASYNC
						? "fdatasync" : "fsync",
					r->file, strerror(errno));
		return 0;
	default:
		return 0;
	}
	const char *what = r->op == FG_READ ? "read" : "write";
	if (n < 0) {
		int e = errno;
		return VB_ERROR(sh->ctx, -e,
				"%s %s/" FIO_SUBDIR "/test_file.%" PRIu64
				" at %" PRIu64 ": %s%s",
				what, sh->dir, r->file, r->offset,
				strerror(e),
				e == EINVAL && o->direct
					? " (O_DIRECT: is block_size a "
					  "multiple of the device's sector "
					  "size?)"
					: "");
	}
	if ((size_t)n != bs)
		return VB_ERROR(sh->ctx, -EIO,
				"short %s of test_file.%" PRIu64 " at %" PRIu64
				": %zd of %zu bytes; run prepare again",
				what, r->file, r->offset, n, bs);
	return 0;
}

static void *fio_thread(void *arg)
{
	struct fio_worker *w = arg;
	struct fio_shared *sh = w->sh;

	if (!wl_start_wait(&sh->start))
		return NULL;
	uint64_t deadline = sh->opts->time > 0
		? sh->start.start_ns + (uint64_t)(sh->opts->time * 1e9) : 0;
	for (;;) {
		if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
			break;
		if (vb_interrupted(sh->ctx)) {
			w->err = -EINTR;
			atomic_store(&sh->stop, true);
			break;
		}
		if (deadline && vb_now_ns() >= deadline)
			fg_stop(&sh->gen);
		struct fg_req r;
		fg_next(&sh->gen, &r);
		if (r.op == FG_END)
			break;
		uint64_t t0 = vb_now_ns();
		int rc = fio_do(w, &r);
		uint64_t t1 = vb_now_ns();
		if (rc) {
			w->err = rc;
			atomic_store(&sh->stop, true);
			break;
		}
		/* Latency is per read/write request, the events; fsyncs are
		 * counted but not events (sysbench 0.4.12 and 1.0.0-1.0.14). */
		if (r.op == FG_READ) {
			w->reads++;
			wl_stats_add(&w->stats, t1 - t0);
		} else if (r.op == FG_WRITE) {
			w->writes++;
			wl_stats_add(&w->stats, t1 - t0);
		} else {
			w->fsyncs++;
		}
	}
	return NULL;
}

static int fio_open_all(struct vb_ctx *ctx, const struct fio_opts *o,
			const char *dir, int *fds)
{
	char sub[4096];
	int rc = fio_path(ctx, sub, sizeof(sub), dir, NULL);
	for (int64_t i = 0; i < o->files && !rc; i++) {
		char path[4096 + 32];
		snprintf(path, sizeof(path), "%s/test_file.%" PRId64, sub, i);
		fds[i] = open(path, O_RDWR | O_CLOEXEC | fio_open_flags(o));
		if (fds[i] < 0) {
			if (errno == ENOENT)
				return VB_ERROR(ctx, -ENOENT,
						"%s does not exist: did prepare "
						"run with the same workdir and "
						"files?", path);
			if (errno == EINVAL && o->direct)
				return fio_direct_error(ctx, path);
			return VB_ERROR(ctx, -errno, "cannot open %s: %s",
					path, strerror(errno));
		}
		struct stat st;
		if (fstat(fds[i], &st))
			return VB_ERROR(ctx, -errno, "fstat %s: %s", path,
					strerror(errno));
		if ((uint64_t)st.st_size < fio_alloc_size(o))
			return VB_ERROR(ctx, -EINVAL,
					"%s has %jd bytes, %" PRIu64 " expected: "
					"prepare ran with other options; run "
					"prepare again",
					path, (intmax_t)st.st_size,
					fio_alloc_size(o));
	}
	return rc;
}

static int fio_report(struct vb_ctx *ctx, const struct fio_opts *o,
		      const char *dir, const struct fio_worker *w, size_t n,
		      double secs, uint64_t seed)
{
	uint64_t reads = 0, writes = 0, fsyncs = 0;
	struct wl_stats *all = malloc(sizeof(*all));
	if (!all)
		return VB_ERROR(ctx, -ENOMEM, "no memory for statistics");
	wl_stats_init(all);
	for (size_t i = 0; i < n; i++) {
		reads += w[i].reads;
		writes += w[i].writes;
		fsyncs += w[i].fsyncs;
		wl_stats_merge(all, &w[i].stats);
	}
	double bs = (double)o->block_size;
	double div = secs > 0 ? secs : 1.0;
	struct {
		const char *name;
		double v;
	} m[] = {
		{ "total_time", secs },
		{ "events", (double)(reads + writes) },
		{ "reads_per_second", (double)reads / div },
		{ "writes_per_second", (double)writes / div },
		{ "fsyncs_per_second", (double)fsyncs / div },
		{ "read_mib_per_second", (double)reads * bs / 1048576.0 / div },
		{ "written_mib_per_second",
		  (double)writes * bs / 1048576.0 / div },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]) && !rc; i++)
		rc = vb_report_metric(ctx, m[i].name, m[i].v);
	if (!rc)
		rc = wl_report_latency(ctx, all);
	free(all);
	if (rc)
		return VB_ERROR(ctx, rc, "reporting metrics failed");
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, seed);
	rc = vb_report_fact(ctx, "seed", buf);
	if (!rc) {
		char sub[4096], fsbuf[32];
		snprintf(sub, sizeof(sub), "%s/" FIO_SUBDIR, dir);
		rc = vb_report_fact(ctx, "workdir_fs",
				    fio_fstype(sub, fsbuf, sizeof(fsbuf)));
	}
	if (!rc) {
		snprintf(buf, sizeof(buf), "%" PRIu64, fsyncs);
		rc = vb_report_fact(ctx, "fsyncs", buf);
	}
	if (rc)
		return VB_ERROR(ctx, rc, "reporting a fact failed");
	return 0;
}

static int fio_threads(struct vb_ctx *ctx, struct fio_shared *sh,
		       struct fio_worker *w, size_t n, uint64_t seed)
{
	int rc = wl_start_init(&sh->start, (unsigned)n);
	if (rc)
		return VB_ERROR(ctx, rc, "cannot set up the start barrier");
	size_t started = 0;
	for (; started < n; started++) {
		int e = pthread_create(&w[started].tid, NULL, fio_thread,
				       &w[started]);
		if (e) {
			rc = VB_ERROR(ctx, -e, "cannot start thread %zu of %zu",
				      started + 1, n);
			wl_start_cancel(&sh->start);
			break;
		}
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	uint64_t end_ns = vb_now_ns();
	for (size_t i = 0; i < n && !rc; i++)
		if (w[i].err)
			rc = w[i].err;
	if (rc == -EINTR)
		rc = VB_ERROR(ctx, -EINTR, "run interrupted");
	if (!rc)
		rc = fio_report(ctx, sh->opts, sh->dir, w, n,
				(double)(end_ns - sh->start.start_ns) / 1e9,
				seed);
	wl_start_destroy(&sh->start);
	return rc;
}

static int fio_run(struct vb_ctx *ctx, const void *opts)
{
	const struct fio_opts *o = opts;
	size_t n = (size_t)o->threads;
	uint64_t seed = o->seed ? (uint64_t)o->seed : vb_seed(ctx);
	struct fio_shared sh = { .ctx = ctx, .opts = o,
				 .dir = fio_workdir(ctx, o) };
	atomic_init(&sh.stop, false);

	const struct fg_config cfg = {
		.files = (uint64_t)o->files,
		.file_size = fio_file_size(o),
		.block_size = (uint64_t)o->block_size,
		.rw_ratio = o->rw_ratio,
		.fsync_freq = (uint64_t)o->fsync_freq,
		.fsync_end = o->fsync_end,
		.events = (uint64_t)o->events,
		.seed = seed,
	};
	int rc = fg_init(&sh.gen, &cfg);
	if (rc)
		return VB_ERROR(ctx, rc, "bad file set (file size below "
				"block_size?)");
	sh.fds = malloc((size_t)o->files * sizeof(*sh.fds));
	struct fio_worker *w = calloc(n, sizeof(*w));
	if (!sh.fds || !w) {
		rc = VB_ERROR(ctx, -ENOMEM, "no memory for %" PRId64
			      " files and %zu threads", o->files, n);
		goto out;
	}
	for (int64_t i = 0; i < o->files; i++)
		sh.fds[i] = -1;
	rc = fio_open_all(ctx, o, sh.dir, sh.fds);
	/* One zeroed, aligned buffer per thread, as sysbench 1.0 has. */
	for (size_t i = 0; i < n && !rc; i++) {
		w[i].sh = &sh;
		wl_stats_init(&w[i].stats);
		int e = posix_memalign(&w[i].buf, FIO_ALIGN,
				       (size_t)o->block_size);
		if (e) {
			w[i].buf = NULL;
			rc = VB_ERROR(ctx, -e, "no memory for IO buffers");
		} else {
			memset(w[i].buf, 0, (size_t)o->block_size);
		}
	}
	if (!rc)
		rc = fio_threads(ctx, &sh, w, n, seed);
out:
	if (sh.fds) {
		for (int64_t i = 0; i < o->files; i++)
			if (sh.fds[i] >= 0)
				close(sh.fds[i]);
	}
	if (w)
		for (size_t i = 0; i < n; i++)
			free(w[i].buf);
	free(w);
	free(sh.fds);
	fg_destroy(&sh.gen);
	return rc;
}

static const char *const fio_fsync_modes[] = { "fsync", "fdatasync", NULL };

static const struct vb_option fio_options[] = {
	{ .name = "files", .type = VB_OPT_INT,
	  .offset = offsetof(struct fio_opts, files), .def = "128",
	  .min = 1, .max = 1000000,
	  .help = "number of test files (sysbench --file-num)" },
	{ .name = "total_size", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct fio_opts, total_size), .def = "2G",
	  .min = 1, .max = 1125899906842624.0,
	  .help = "size of all files together; each is total_size / files" },
	{ .name = "block_size", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct fio_opts, block_size), .def = "16K",
	  .min = 1, .max = 1073741824.0,
	  .help = "size of every read and write" },
	{ .name = "rw_ratio", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct fio_opts, rw_ratio), .def = "1.5",
	  .min = 0, .max = 1e9,
	  .help = "reads per write (1.5: 60 % reads)" },
	{ .name = "fsync_freq", .type = VB_OPT_INT,
	  .offset = offsetof(struct fio_opts, fsync_freq), .def = "100",
	  .min = 0, .max = 1e15,
	  .help = "fsync every file after this many requests; 0 = never" },
	{ .name = "fsync_end", .type = VB_OPT_BOOL,
	  .offset = offsetof(struct fio_opts, fsync_end), .def = "true",
	  .help = "fsync every file at the end of the run" },
	{ .name = "fsync_mode", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct fio_opts, fsync_mode), .def = "fsync",
	  .choices = fio_fsync_modes,
	  .help = "fsync or fdatasync" },
	{ .name = "direct", .type = VB_OPT_BOOL,
	  .offset = offsetof(struct fio_opts, direct), .def = "false",
	  .help = "open files with O_DIRECT (bypasses the page cache)" },
	{ .name = "threads", .type = VB_OPT_INT,
	  .offset = offsetof(struct fio_opts, threads), .def = "1",
	  .min = 1, .max = 1024,
	  .help = "worker threads sharing the requests" },
	{ .name = "events", .type = VB_OPT_INT,
	  .offset = offsetof(struct fio_opts, events), .def = "10000",
	  .min = 0, .max = 1e15,
	  .help = "read/write requests in total; 0 = no limit (set time)" },
	{ .name = "time", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct fio_opts, time), .def = "0",
	  .min = 0, .max = 1e7,
	  .help = "stop issuing requests after this long; 0 = no limit" },
	{ .name = "seed", .type = VB_OPT_INT,
	  .offset = offsetof(struct fio_opts, seed), .def = "0",
	  .min = 0, .max = 9e18,
	  .help = "seed of the random offsets; 0 = the experiment's seed" },
	{ .name = "workdir", .type = VB_OPT_STRING,
	  .offset = offsetof(struct fio_opts, workdir), .def = "",
	  .help = "existing directory for virtbench-fileio/; "
		  "\"\" = the agent's scratch directory" },
	{ .name = NULL },
};

static const struct vb_metric fio_metrics[] = {
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER,
	  .help = "wall time of the run, end fsyncs included",
	  .flags = VB_METRIC_PRIMARY },
	{ .name = "events", .unit = "", .better = VB_NEUTRAL,
	  .help = "read and write requests done (fsyncs are not events)" },
	{ .name = "reads_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER, .help = "reads / total_time",
	  .flags = VB_METRIC_PRIMARY },
	{ .name = "writes_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER, .help = "writes / total_time",
	  .flags = VB_METRIC_PRIMARY },
	{ .name = "fsyncs_per_second", .unit = "1/s",
	  .better = VB_NEUTRAL,
	  .help = "fsync calls (periodic and end) / total_time" },
	{ .name = "read_mib_per_second", .unit = "MiB/s",
	  .better = VB_HIGHER_IS_BETTER, .help = "bytes read / total_time" },
	{ .name = "written_mib_per_second", .unit = "MiB/s",
	  .better = VB_HIGHER_IS_BETTER,
	  .help = "bytes written / total_time" },
	{ .name = "latency_min", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "fastest read or write" },
	{ .name = "latency_avg", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "mean read/write time" },
	{ .name = "latency_max", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "slowest read or write" },
	{ .name = "latency_p95", .unit = "ms", .better = VB_LOWER_IS_BETTER,
	  .help = "95th percentile, sysbench 1.0's histogram method" },
	{ .name = NULL },
};

static const struct vb_workload_ops fio_ops = {
	.size = sizeof(fio_ops),
	.flags = VB_WL_DROP_CACHES,
	.validate = fio_validate,
	.scratch_bytes = fio_scratch_bytes,
	.prepare = fio_prepare,
	.run = fio_run,
	.cleanup = fio_cleanup,
};

static const struct vb_plugin_info fio_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "fileio-rndrw",
	.version = "1.0.0",
	.summary = "sysbench's fileio rndrw: random block reads and writes "
		   "with fsync rounds",
	.options = fio_options,
	.options_size = sizeof(struct fio_opts),
	.metrics = fio_metrics,
	.ops = &fio_ops,
};

VB_PLUGIN_DEFINE(fileio_rndrw, &fio_info)
