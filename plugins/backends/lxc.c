/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lxc backend: one LXC system container per cell (LXC 5, no systemd, no
 * network), written on the public SDK services only. See docs/lxc.md.
 *
 * The container's rootfs is a read-only busybox tree made once in the
 * cache; the agent bundle is bind-mounted read-only at /opt/virtbench and
 * a per-environment host directory read-write at /scratch. CPUs and
 * memory are LXC cgroup keys (CFS quota and/or cpuset, memory limit);
 * /sys/fs/cgroup is mounted read-only inside (cgroup:ro:force, with
 * CAP_SYS_ADMIN dropped), so the agent's probe reads the very limits the
 * kernel applies and the payload cannot raise them.
 *
 * `lxc-start -F` runs in the foreground as the engine's child
 * (vb_proc_spawn with VB_PROC_STDIN_PIPE), and the container's init is
 * busybox `cat` reading that pipe, whose write end only the engine holds:
 * when the engine closes it, or dies in any way (even by SIGKILL), init
 * reads end of file and exits, the container stops and LXC removes its
 * cgroups. Agent requests are `lxc-attach`, which passes
 * the exit status through. What a dead run still left (cgroups of a
 * monitor that was killed, state directories) is removed by the next
 * run's create().
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "virtbench/plugin.h"
#include "lib/protocol.h"

#define LX_MOUNT "/opt/virtbench"
#define LX_SCRATCH "/scratch"
#define LX_INFO_TIMEOUT 10.0
#define LX_STOP_GRACE 5.0
#define LX_ARGV_MAX 96
#define LX_ROOTFS_LAYOUT "virtbench-lxc-rootfs-1"
#define LX_NAME_PREFIX "vb-"
#define LX_TOP_PREFIX "virtbench-lxc-"

enum lx_cpu_mode { LX_CPU_QUOTA, LX_CPU_CPUSET, LX_CPU_BOTH };

struct lx_opts {
	int cpu_mode;
	char *include;
	char **extra_config;
	char *workdir_host;
	double start_timeout;
};

static const char *const lx_cpu_modes[] = { "quota", "cpuset", "both", NULL };

static const struct vb_option lx_options[] = {
	{ .name = "cpu_mode", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct lx_opts, cpu_mode), .def = "quota",
	  .choices = lx_cpu_modes,
	  .help = "how CPUs are limited: quota (cpu.cfs_quota_us = N "
		  "periods), cpuset (the first N CPUs) or both" },
	{ .name = "include", .type = VB_OPT_STRING,
	  .offset = offsetof(struct lx_opts, include),
	  .def = "/usr/share/lxc/config/common.conf",
	  .help = "LXC config included first (seccomp, dropped "
		  "capabilities, device rules); \"\": none" },
	{ .name = "extra_config", .type = VB_OPT_LIST,
	  .offset = offsetof(struct lx_opts, extra_config),
	  .help = "more \"lxc.KEY = VALUE\" lines, after virtbench's own "
		  "(they can override the limits: the probe will tell)" },
	{ .name = "workdir_host", .type = VB_OPT_STRING,
	  .offset = offsetof(struct lx_opts, workdir_host), .def = "",
	  .help = "host directory bind-mounted at /scratch as the "
		  "workloads' working directory; \"\": a fresh directory "
		  "per environment under $TMPDIR, removed at close" },
	{ .name = "start_timeout", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct lx_opts, start_timeout), .def = "30s",
	  .min = 1, .max = 3600,
	  .help = "limit for a container to reach RUNNING" },
	{ .name = NULL },
};

struct lx_state {
	const struct lx_opts *o;
	bool v2;              /* unified cgroup hierarchy */
	bool memsw;           /* v1 swap accounting: memsw limit too */
	bool setpriv;         /* util-linux setpriv, to clear the pdeath signal */
	char version[64];     /* "lxc 5.0.2" */
	const char *bundle_dir;
	const char *bargv[8]; /* agent argv prefix inside the container */
	int nbargv;
	char rootfs[PATH_MAX];
	char top[PATH_MAX];   /* lxcpath and state: $TMPDIR/virtbench-lxc-PID-XXXXXX */
	unsigned serial;

	/* The open environment; name[0] == '\0' when none. */
	char name[128];
	char dir[PATH_MAX + 140];  /* top/NAME.d: config, scratch */
	char log[PATH_MAX + 300];  /* LXC's log */
	off_t log_off;             /* its size when this environment started */
	struct vb_child *start;    /* lxc-start -F; init's stdin is its pipe */
	pid_t init_pid;
	char cg_memory[PATH_MAX];  /* host path of the payload's memory cgroup */
	int64_t memory;
	long long oom_base;        /* OOM kills in the payload at open */
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

struct lx_buf {
	char *p;
	size_t len, cap;
};

static int lx_buf_add(struct lx_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int lx_collect_line(void *u, const char *line)
{
	struct lx_buf *b = u;

	if (lx_buf_add(b, line, strlen(line)) < 0 || lx_buf_add(b, "\n", 1) < 0)
		return -ENOMEM;
	return 0;
}

static void lx_chomp(char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* The last non-empty line of what a command wrote to memfd `fd`. */
static void lx_last_line(int fd, char *out, size_t n)
{
	char buf[8192], *start, *nl;
	off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	ssize_t r;

	out[0] = '\0';
	if (size <= 0)
		return;
	r = pread(fd, buf, sizeof(buf) - 1,
		  size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0);
	if (r <= 0)
		return;
	buf[r] = '\0';
	lx_chomp(buf);
	nl = strrchr(buf, '\n');
	start = nl ? nl + 1 : buf;
	snprintf(out, n, "%s", start);
}

/* Runs a command through the SDK's process runner; its stdout in *out
 * (may be NULL), the last line of its stderr in errl. */
static int lx_cmd(struct vb_ctx *ctx, const char *const *argv, double timeout,
		  char **out, char *errl, size_t errn, int *status)
{
	struct lx_buf b = { 0 };
	struct vb_proc p = VB_PROC_INIT;
	int efd = memfd_create("vb-lxc-stderr", MFD_CLOEXEC);
	int err;

	*status = -1;
	p.argv = argv;
	p.timeout = timeout;
	p.on_line = lx_collect_line;
	p.user = &b;
	p.log_fd = efd;
	err = vb_proc_run(ctx, &p, status);
	if (errl)
		lx_last_line(efd, errl, errn);
	if (efd >= 0)
		close(efd);
	if (out && err == 0) {
		*out = b.p ? b.p : strdup("");
		b.p = NULL;
		if (!*out)
			err = -ENOMEM;
	}
	free(b.p);
	return err;
}

static bool lx_pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

static void lx_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* LXC's config and fstab-style mount lines cannot quote: a path with
 * white space or a newline would be split or end the line. */
static bool lx_path_ok(const char *p)
{
	return p && p[0] == '/' && !strpbrk(p, " \t\n\r\\");
}

/*
 * LOCAL until the SDK has it: remove a directory tree without crossing
 * into other mounts (the engine's vb_rm_rf is not a plugin service).
 */
static int lx_rm_one(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void lx_rm_rf(const char *path)
{
	nftw(path, lx_rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ------------------------------------------------------------------ */
/* The rootfs: busybox, made once in the cache                          */
/* ------------------------------------------------------------------ */

/* The rootfs has no libc: only a static busybox runs in it. */
static const char *lx_find_busybox(void)
{
	static const char *const c[] = { "/bin/busybox", "/usr/bin/busybox" };
	char interp[PATH_MAX];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (vb_elf_interp(c[i], interp, sizeof(interp), NULL) == 0 &&
		    !interp[0] && access(c[i], X_OK) == 0)
			return c[i];
	return NULL;
}

static int lx_write(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = data;
	int err = 0;

	if (fd < 0)
		return -errno;
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static int lx_slurp(const char *path, struct lx_buf *b)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (lx_buf_add(b, chunk, (size_t)r) < 0) {
			err = -ENOMEM;
			break;
		}
	}
	close(fd);
	return err;
}

/* FNV-1a: names the rootfs after the busybox it holds. Not a security
 * boundary: the cache is the user's own. */
static uint64_t lx_fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int lx_fill_rootfs(struct vb_ctx *ctx, const char *dir,
			  const char *busybox, const struct lx_buf *bb)
{
	static const char *const dirs[] = {
		"bin", "dev", "etc", "proc", "sys", "tmp", "root", "opt",
		"opt/virtbench", "scratch", "var",
	};
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
	static const char group[] = "root:x:0:\n";
	const char *argv[] = { busybox, "--list", NULL };
	char path[PATH_MAX + 300], errl[256], *list = NULL, *save = NULL;
	int err, status;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		if (mkdir(path, 0755) < 0)
			return VB_ERROR(ctx, -errno, "mkdir %s: %s", path,
					strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/tmp", dir);
	chmod(path, 01777);
	snprintf(path, sizeof(path), "%s/bin/busybox", dir);
	err = lx_write(path, bb->p, bb->len, 0755);
	if (!err) {
		snprintf(path, sizeof(path), "%s/etc/passwd", dir);
		err = lx_write(path, passwd, sizeof(passwd) - 1, 0644);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/etc/group", dir);
		err = lx_write(path, group, sizeof(group) - 1, 0644);
	}
	if (err)
		return VB_ERROR(ctx, err, "write %s: %s", path, strerror(-err));
	err = lx_cmd(ctx, argv, 10, &list, errl, sizeof(errl), &status);
	if (err == 0 && status != 0)
		err = -ENOEXEC;
	if (err < 0) {
		free(list);
		return VB_ERROR(ctx, err, "%s --list failed: %s", busybox,
				errl[0] ? errl : strerror(-err));
	}
	for (char *ap = strtok_r(list, "\n", &save); ap;
	     ap = strtok_r(NULL, "\n", &save)) {
		if (!*ap || strchr(ap, '/') || strcmp(ap, "busybox") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/bin/%s", dir, ap);
		if (symlink("busybox", path) < 0 && errno != EEXIST) {
			err = VB_ERROR(ctx, -errno, "symlink %s: %s", path,
				       strerror(errno));
			break;
		}
	}
	free(list);
	return err;
}

/*
 * CACHE/lxc/rootfs-HASH: assembled in a temporary directory next to it
 * and renamed into place, so concurrent first runs never see half of one.
 */
static int lx_make_rootfs(struct lx_state *s, struct vb_ctx *ctx)
{
	const char *busybox = lx_find_busybox();
	struct lx_buf bb = { 0 };
	char cache[PATH_MAX], tmp[PATH_MAX + 64];
	uint64_t h = 1469598103934665603ULL;
	struct stat st;
	int err;

	if (!busybox)
		return VB_ERROR(ctx, -ENOENT,
				"the container's rootfs is a static busybox, "
				"and none was found (/bin/busybox): apt-get "
				"install busybox-static");
	err = lx_slurp(busybox, &bb);
	if (err < 0) {
		free(bb.p);
		return VB_ERROR(ctx, err, "read %s: %s", busybox, strerror(-err));
	}
	h = lx_fnv(h, LX_ROOTFS_LAYOUT, sizeof(LX_ROOTFS_LAYOUT));
	h = lx_fnv(h, bb.p, bb.len);
	err = vb_cache_dir(ctx, "lxc", cache, sizeof(cache));
	if (err < 0)
		goto out;
	snprintf(s->rootfs, sizeof(s->rootfs), "%.*s/rootfs-%016llx",
		 (int)(sizeof(s->rootfs) - 32), cache, (unsigned long long)h);
	if (!lx_path_ok(s->rootfs)) {
		err = VB_ERROR(ctx, -EINVAL,
			       "the cache path %s has white space in it, which "
			       "LXC's config cannot hold: set XDG_CACHE_HOME "
			       "to a plain path", s->rootfs);
		goto out;
	}
	if (stat(s->rootfs, &st) == 0 && S_ISDIR(st.st_mode))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-rootfs-XXXXXX", cache);
	if (!mkdtemp(tmp)) {
		err = VB_ERROR(ctx, -errno, "mkdtemp %s: %s", tmp,
			       strerror(errno));
		goto out;
	}
	chmod(tmp, 0755);
	err = lx_fill_rootfs(ctx, tmp, busybox, &bb);
	if (!err && rename(tmp, s->rootfs) < 0 && errno != EEXIST &&
	    errno != ENOTEMPTY)
		err = VB_ERROR(ctx, -errno, "rename %s: %s", tmp,
			       strerror(errno));
	lx_rm_rf(tmp); /* the loser of a concurrent rename, or a failure */
out:
	free(bb.p);
	return err;
}

/* ------------------------------------------------------------------ */
/* Cgroups of the payload, seen from the host                           */
/* ------------------------------------------------------------------ */

/* OOM kills in the payload's memory cgroup so far; -1: cannot tell. */
static long long lx_oom_kills(const struct lx_state *s)
{
	char path[PATH_MAX + 32], line[256];
	long long n = -1;
	FILE *f;

	if (!s->cg_memory[0])
		return -1;
	snprintf(path, sizeof(path), "%s/%s", s->cg_memory,
		 s->v2 ? "memory.events" : "memory.oom_control");
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * Reads back on the host what the kernel applies to the payload and
 * records it as environment facts (host_cpu_quota, host_cpuset,
 * host_memory_limit), beside what the agent's probe reads inside; and
 * finds the memory cgroup whose OOM kills are counted.
 */
static void lx_host_readback(struct lx_state *s, struct vb_ctx *ctx,
			     struct vb_env_granted *granted)
{
	s->cg_memory[0] = '\0';
	if (s->init_pid <= 0)
		return;
	vb_cgroup_dir(s->init_pid, "memory", s->cg_memory, sizeof(s->cg_memory));
	vb_host_limits(ctx, s->init_pid, granted);
	s->oom_base = lx_oom_kills(s);
}

/* Kill every process of a cgroup directory and its children, then
 * remove the directories, deepest first. Returns how many it removed. */
static int lx_cgroup_kill_rm(const char *dir, int depth)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if (depth > 8)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	for (int round = 0; round < 50; round++) {
		FILE *f = fopen(path, "re");
		long pid;
		bool any = false;

		if (!f)
			break;
		while (fscanf(f, "%ld", &pid) == 1) {
			kill((pid_t)pid, SIGKILL);
			any = true;
		}
		fclose(f);
		if (!any)
			break;
		lx_sleep_ms(20);
	}
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			removed += lx_cgroup_kill_rm(path, depth + 1);
		}
		closedir(d);
	}
	for (int i = 0; i < 25; i++) {
		if (rmdir(dir) == 0)
			return removed + 1;
		if (errno != EBUSY)
			break;
		lx_sleep_ms(20); /* a killed process takes a moment to leave */
	}
	return removed;
}

/* The cgroup hierarchies to look in: each v1 controller, or the v2 root. */
static int lx_hierarchies(bool v2, char roots[][64], int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (v2) {
		snprintf(roots[0], 64, "/sys/fs/cgroup");
		return 1;
	}
	d = opendir("/sys/fs/cgroup");
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		char probe[128];

		if (de->d_name[0] == '.' || strlen(de->d_name) > 40)
			continue;
		snprintf(probe, sizeof(probe), "/sys/fs/cgroup/%s/cgroup.procs",
			 de->d_name);
		if (access(probe, R_OK) == 0)
			snprintf(roots[n++], 64, "/sys/fs/cgroup/%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* "lxc.payload.vb-123-..." or "lxc.monitor.vb-123-..." -> 123; else 0.
 * `name` (may be NULL) narrows it to one container name. */
static long lx_cgroup_owner(const char *entry, const char *name)
{
	static const char *const kinds[] = { "lxc.payload.", "lxc.monitor." };

	for (size_t k = 0; k < 2; k++) {
		size_t l = strlen(kinds[k]);
		const char *rest = entry + l;
		char *end;
		long pid;

		if (strncmp(entry, kinds[k], l) != 0)
			continue;
		if (name) {
			size_t nl = strlen(name);

			/* LXC appends -1, -2 ... when the name is taken. */
			return strncmp(rest, name, nl) == 0 &&
					       (rest[nl] == '\0' || rest[nl] == '-')
				       ? 1 : 0;
		}
		if (strncmp(rest, LX_NAME_PREFIX, strlen(LX_NAME_PREFIX)) != 0)
			return 0;
		pid = strtol(rest + strlen(LX_NAME_PREFIX), &end, 10);
		return pid > 0 && *end == '-' ? pid : 0;
	}
	return 0;
}

/* Adds `name` to the newline-separated list; true if it was there. */
static bool lx_seen(struct lx_buf *b, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = b->p; p && *p;) {
		const char *nl = strchr(p, '\n');

		if ((size_t)(nl - p) == n && strncmp(p, name, n) == 0)
			return true;
		p = nl + 1;
	}
	if (lx_buf_add(b, name, n) < 0 || lx_buf_add(b, "\n", 1) < 0)
		return true; /* out of memory: count it as seen */
	return false;
}

/*
 * Removes the cgroups of container `name`, or (name NULL) of every
 * virtbench container whose run (the pid in its name) no longer exists,
 * killing what still runs in them. The empty lxc.pivot LXC leaves after
 * every start goes too (rmdir fails harmlessly while another LXC uses
 * it). Fills `first` with one removed container name; returns how many.
 */
static int lx_cgroup_sweep(bool v2, const char *name, char *first,
			   size_t firstn)
{
	char roots[32][64], path[PATH_MAX];
	int nroots = lx_hierarchies(v2, roots, 32), count = 0;
	struct lx_buf seen = { 0 }; /* one count per container, not per controller */

	for (int i = 0; i < nroots; i++) {
		struct dirent *de;
		DIR *d = opendir(roots[i]);

		if (!d)
			continue;
		while ((de = readdir(d))) {
			long owner;

			if (de->d_type != DT_DIR)
				continue;
			if (strcmp(de->d_name, "lxc.pivot") == 0) {
				snprintf(path, sizeof(path), "%s/%s", roots[i],
					 de->d_name);
				rmdir(path);
				continue;
			}
			owner = lx_cgroup_owner(de->d_name, name);
			if (!owner || (!name && (owner == (long)getpid() ||
						 lx_pid_alive(owner))))
				continue;
			snprintf(path, sizeof(path), "%s/%s", roots[i],
				 de->d_name);
			if (lx_cgroup_kill_rm(path, 0) > 0 &&
			    strncmp(de->d_name, "lxc.payload.", 12) == 0 &&
			    !lx_seen(&seen, de->d_name + 12)) {
				if (first && !first[0])
					snprintf(first, firstn, "%s",
						 de->d_name + 12);
				count++;
			}
		}
		closedir(d);
	}
	free(seen.p);
	return count;
}

/* State directories ($TMPDIR/virtbench-lxc-PID-XXXXXX) of dead runs. */
static int lx_dir_sweep(const char *tmpdir)
{
	struct dirent *de;
	char path[PATH_MAX + 300];
	int count = 0;
	DIR *d = opendir(tmpdir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, LX_TOP_PREFIX, strlen(LX_TOP_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(LX_TOP_PREFIX), &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid() ||
		    lx_pid_alive(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		lx_rm_rf(path);
		count++;
	}
	closedir(d);
	return count;
}

static const char *lx_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* ------------------------------------------------------------------ */
/* Hooks                                                                */
/* ------------------------------------------------------------------ */

static int lx_validate(const void *opts, char *msg, size_t msglen)
{
	const struct lx_opts *o = opts;

	if (o->include && *o->include && !lx_path_ok(o->include)) {
		snprintf(msg, msglen, "include \"%s\" must be an absolute path "
			 "without white space (or \"\" for none)", o->include);
		return -EINVAL;
	}
	if (o->workdir_host && *o->workdir_host &&
	    !lx_path_ok(o->workdir_host)) {
		snprintf(msg, msglen, "workdir_host \"%s\" must be an absolute "
			 "path without white space (or \"\" for a fresh "
			 "directory per environment)", o->workdir_host);
		return -EINVAL;
	}
	for (char **e = o->extra_config; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (strncmp(*e, "lxc.", 4) != 0 || !eq || strpbrk(*e, "\n\r")) {
			snprintf(msg, msglen, "extra_config entry \"%s\" must "
				 "be one \"lxc.KEY = VALUE\" line", *e);
			return -EINVAL;
		}
	}
	return 0;
}

static void lx_free(struct lx_state *s)
{
	if (!s)
		return;
	if (s->top[0])
		lx_rm_rf(s->top);
	free(s);
}

static void lx_sweep_stale(struct lx_state *s, struct vb_ctx *ctx)
{
	char first[128] = "";
	int n = lx_cgroup_sweep(s->v2, NULL, first, sizeof(first));
	int d = lx_dir_sweep(lx_tmpdir());

	if (n > 0)
		vb_log(ctx, VB_LOG_WARN,
		       "removed %d container(s) left by virtbench runs that no "
		       "longer exist (%s%s)", n, first, n > 1 ? ", ..." : "");
	if (d > 0)
		vb_log(ctx, VB_LOG_INFO,
		       "removed %d state director%s of virtbench runs that no "
		       "longer exist", d, d > 1 ? "ies" : "y");
}

static int lx_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	const struct lx_opts *o = opts;
	struct lx_state *s = calloc(1, sizeof(*s));
	const char *argv[] = { "lxc-start", "--version", NULL };
	char errl[256], *out = NULL, path[PATH_MAX];
	int err, status, n;

	if (!s)
		return -ENOMEM;
	s->o = o;
	if (geteuid() != 0) {
		err = VB_ERROR(ctx, -EPERM,
			       "the lxc backend runs privileged containers and "
			       "needs root (unprivileged LXC needs subuid "
			       "maps this backend does not set up)");
		goto fail;
	}
	err = lx_cmd(ctx, argv, LX_INFO_TIMEOUT, &out, errl, sizeof(errl),
		     &status);
	if (err == -EINTR) {
		err = VB_ERROR(ctx, err, "interrupted");
		goto fail;
	}
	if (err < 0 || status != 0) {
		err = VB_ERROR(ctx, -EHOSTDOWN,
			       "LXC is not installed (lxc-start --version: %s): "
			       "apt-get install lxc",
			       err < 0 ? strerror(-err)
			       : errl[0] ? errl : "failed");
		goto fail;
	}
	lx_chomp(out);
	snprintf(s->version, sizeof(s->version), "lxc %s", out);
	free(out);
	out = NULL;
	if (o->include && *o->include && access(o->include, R_OK) != 0) {
		err = VB_ERROR(ctx, -ENOENT,
			       "include = \"%s\": %s (set include = \"\" to "
			       "start without LXC's common config)",
			       o->include, strerror(errno));
		goto fail;
	}
	{
		const char *sargv[] = { "setpriv", "--version", NULL };

		s->setpriv = lx_cmd(ctx, sargv, LX_INFO_TIMEOUT, NULL, NULL, 0,
				    &status) == 0 && status == 0;
	}
	s->v2 = access("/sys/fs/cgroup/cgroup.controllers", R_OK) == 0;
	s->memsw = !s->v2 &&
		   access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
			  F_OK) == 0;

	lx_sweep_stale(s, ctx);

	err = vb_bundle_get(ctx, &s->bundle_dir, NULL);
	if (err < 0)
		goto fail;
	if (!lx_path_ok(s->bundle_dir)) {
		err = VB_ERROR(ctx, -EINVAL,
			       "the agent bundle's path %s has white space in "
			       "it, which LXC's config cannot hold: set "
			       "XDG_CACHE_HOME to a plain path", s->bundle_dir);
		goto fail;
	}
	n = vb_bundle_argv(ctx, LX_MOUNT, s->bargv,
			   sizeof(s->bargv) / sizeof(s->bargv[0]));
	if (n < 0) {
		err = n;
		goto fail;
	}
	s->nbargv = n;
	err = lx_make_rootfs(s, ctx);
	if (err < 0)
		goto fail;

	snprintf(path, sizeof(path), "%s/" LX_TOP_PREFIX "%ld-XXXXXX",
		 lx_tmpdir(), (long)getpid());
	if (!lx_path_ok(path)) {
		err = VB_ERROR(ctx, -EINVAL,
			       "TMPDIR %s has white space in it, which LXC's "
			       "config cannot hold", lx_tmpdir());
		goto fail;
	}
	if (!mkdtemp(path)) {
		err = VB_ERROR(ctx, -errno, "mkdtemp %s: %s", path,
			       strerror(errno));
		goto fail;
	}
	snprintf(s->top, sizeof(s->top), "%s", path);
	*state = s;
	return 0;
fail:
	free(out);
	lx_free(s);
	return err;
}

/* Container names: vb-PID-LABEL-N, [A-Za-z0-9_.-] only. */
static void lx_make_name(struct lx_state *s, const char *label)
{
	char clean[48];
	size_t i;

	for (i = 0; label && label[i] && i < sizeof(clean) - 1; i++) {
		char c = label[i];

		clean[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   (c >= '0' && c <= '9') || c == '_' ||
				   c == '.' || c == '-' ? c : '-';
	}
	clean[i] = '\0';
	snprintf(s->name, sizeof(s->name), LX_NAME_PREFIX "%ld-%s-%u",
		 (long)getpid(), i ? clean : "env", ++s->serial);
}

/* "0,1,..." — the first n CPUs this process may use. */
static int lx_first_cpus(int n, char *out, size_t len)
{
	cpu_set_t set;
	int got = 0;

	out[0] = '\0';
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	for (int c = 0; c < CPU_SETSIZE && got < n; c++) {
		size_t l = strlen(out);

		if (!CPU_ISSET(c, &set))
			continue;
		snprintf(out + l, len - l, "%s%d", got ? "," : "", c);
		got++;
	}
	return got;
}

static int lx_write_config(struct lx_state *s, struct vb_ctx *ctx,
			   const struct vb_env_spec *spec, const char *scratch,
			   const char *conf, char *cpus_note, size_t notelen)
{
	const struct lx_opts *o = s->o;
	struct lx_buf b = { 0 };
	char line[PATH_MAX * 2 + 128], cpulist[512];
	bool quota = o->cpu_mode != LX_CPU_CPUSET;
	bool cpuset = o->cpu_mode != LX_CPU_QUOTA;
	long long q = (long long)spec->cpus * 100000;
	int err = 0, got;

#define ADD(...)                                                       \
	do {                                                           \
		snprintf(line, sizeof(line), __VA_ARGS__);             \
		if (!err)                                              \
			err = lx_buf_add(&b, line, strlen(line));      \
	} while (0)

	ADD("# Written by virtbench's lxc backend for %s (docs/lxc.md).\n",
	    spec->label);
	if (o->include && *o->include)
		ADD("lxc.include = %s\n", o->include);
	ADD("lxc.uts.name = virtbench\n");
	ADD("lxc.rootfs.path = dir:%s\n", s->rootfs);
	ADD("lxc.rootfs.options = ro\n");
	ADD("lxc.net.0.type = empty\n");
	/* init: cat on the engine's pipe; see the top of this file. */
	ADD("lxc.init.cmd = /bin/cat\n");
	ADD("lxc.console.path = none\n");
	ADD("lxc.tty.max = 0\n");
	ADD("lxc.mount.auto =\n");
	/* cgroup:ro:force: without "force" LXC mounts no cgroups for a
	 * payload that keeps CAP_SYS_ADMIN; "mixed" would let the payload
	 * raise its own limits. Read-only, the probe sees the real ones. */
	ADD("lxc.mount.auto = proc:mixed sys:ro cgroup:ro:force\n");
	ADD("lxc.mount.entry = %s opt/virtbench none ro,bind 0 0\n",
	    s->bundle_dir);
	ADD("lxc.mount.entry = %s scratch none rw,bind 0 0\n", scratch);
	ADD("lxc.mount.entry = tmpfs tmp tmpfs rw,nosuid,nodev 0 0\n");
	ADD("lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0\n");
	/* No remount of the cgroups read-write, no raising our own limits. */
	ADD("lxc.cap.drop = sys_admin\n");
	cpus_note[0] = '\0';
	if (quota) {
		if (s->v2) {
			ADD("lxc.cgroup2.cpu.max = %lld 100000\n", q);
		} else {
			ADD("lxc.cgroup.cpu.cfs_period_us = 100000\n");
			ADD("lxc.cgroup.cpu.cfs_quota_us = %lld\n", q);
		}
		snprintf(cpus_note, notelen, "cpu quota %d", spec->cpus);
	}
	if (cpuset) {
		got = lx_first_cpus(spec->cpus, cpulist, sizeof(cpulist));
		if (got < 0) {
			free(b.p);
			return VB_ERROR(ctx, got, "sched_getaffinity: %s",
					strerror(-got));
		}
		if (got < spec->cpus)
			vb_log(ctx, VB_LOG_WARN,
			       "%d CPUs requested but only %d available to "
			       "this process", spec->cpus, got);
		ADD("lxc.cgroup%s.cpuset.cpus = %s\n", s->v2 ? "2" : "",
		    cpulist);
		snprintf(cpus_note + strlen(cpus_note),
			 notelen - strlen(cpus_note), "%scpuset %s",
			 cpus_note[0] ? ", " : "", cpulist);
	}
	if (spec->memory > 0) {
		if (s->v2) {
			ADD("lxc.cgroup2.memory.max = %lld\n",
			    (long long)spec->memory);
			ADD("lxc.cgroup2.memory.swap.max = 0\n");
		} else {
			ADD("lxc.cgroup.memory.limit_in_bytes = %lld\n",
			    (long long)spec->memory);
			/* Swap equal to memory: no swap, a real limit. */
			if (s->memsw)
				ADD("lxc.cgroup.memory.memsw.limit_in_bytes = %lld\n",
				    (long long)spec->memory);
		}
	}
	ADD("lxc.log.file = %s\n", s->log);
	ADD("lxc.log.level = WARN\n");
	for (char **e = o->extra_config; e && *e; e++)
		ADD("%s\n", *e);
#undef ADD
	if (!err)
		err = lx_write(conf, b.p, b.len, 0644);
	free(b.p);
	if (err)
		return VB_ERROR(ctx, err, "write %s: %s", conf, strerror(-err));
	return 0;
}

/* The first ERROR line LXC logged since this environment's start: the
 * cause (the later ones say what failed because of it). */
static void lx_log_error(const struct lx_state *s, char *out, size_t n)
{
	char line[1024];
	FILE *f = fopen(s->log, "re");

	out[0] = '\0';
	if (!f)
		return;
	if (fseeko(f, s->log_off, SEEK_SET) < 0)
		rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *e = strstr(line, " ERROR ");

		/* A legacy-key query every LXC tool makes; not a reason. */
		if (e && !strstr(line, "lxc.seccomp\"")) {
			lx_chomp(line);
			snprintf(out, n, "%s", e + 1);
			break;
		}
	}
	fclose(f);
}

static bool lx_init_alive(const struct lx_state *s)
{
	return s->init_pid > 0 && (kill(s->init_pid, 0) == 0 || errno != ESRCH);
}

/* Reaps lxc-start if it ended; true while it runs. */
static bool lx_start_alive(struct lx_state *s, struct vb_ctx *ctx, int *status)
{
	return s->start && vb_proc_wait(ctx, s->start, 0, status) != 0;
}

/*
 * Stops the current container and removes everything it had: closing
 * init's stdin stops it the clean way (vb_proc_stop() closes it first,
 * and LXC's monitor passes the SIGTERM that follows on to init, which is
 * ending anyway); what still runs after the grace time is killed, by
 * lxc-start's process group and the payload's cgroups. Runs to its end
 * even after Ctrl-C.
 */
static void lx_teardown(struct lx_state *s, struct vb_ctx *ctx)
{
	if (!s->name[0])
		return;
	if (s->start) {
		vb_proc_stop(ctx, s->start, LX_STOP_GRACE, NULL);
		s->start = NULL;
	}
	/* Processes lxc-start could not stop, and the cgroups LXC leaves
	 * when it was killed; lxc.pivot always. */
	lx_cgroup_sweep(s->v2, s->name, NULL, 0);
	if (s->dir[0])
		lx_rm_rf(s->dir);
	s->dir[0] = '\0';
	s->name[0] = '\0';
	s->init_pid = 0;
	s->cg_memory[0] = '\0';
}

/* Waits for RUNNING (lxc-wait), watching lxc-start: it ends at once when
 * the config or a mount is wrong. */
static int lx_wait_running(struct lx_state *s, struct vb_ctx *ctx)
{
	const char *argv[] = { "lxc-wait", "-P", s->top, "-n", s->name, "-s",
			       "RUNNING", "-t", "1", NULL };
	uint64_t until = vb_now_ns() + (uint64_t)(s->o->start_timeout * 1e9);
	char why[512];
	int err, status;

	for (;;) {
		err = lx_cmd(ctx, argv, 5, NULL, NULL, 0, &status);
		if (err == 0 && status == 0 && lx_start_alive(s, ctx, NULL))
			return 0;
		if (err == -EINTR || vb_interrupted(ctx))
			return VB_ERROR(ctx, -EINTR, "interrupted");
		if (err < 0 && err != -ETIMEDOUT)
			return VB_ERROR(ctx, err, "lxc-wait: %s", strerror(-err));
		if (!lx_start_alive(s, ctx, &status)) {
			lx_log_error(s, why, sizeof(why));
			return VB_ERROR(ctx, -EIO,
					"lxc-start (container %s) ended at "
					"once with status %d: %s (log: %s)",
					s->name, status,
					why[0] ? why : "no reason logged",
					s->log);
		}
		if (vb_now_ns() > until)
			return VB_ERROR(ctx, -ETIMEDOUT,
					"container %s not RUNNING within "
					"start_timeout (%.0f s); log: %s",
					s->name, s->o->start_timeout, s->log);
	}
}

static int lx_init_pid(struct lx_state *s, struct vb_ctx *ctx)
{
	const char *argv[] = { "lxc-info", "-P", s->top, "-n", s->name, "-p",
			       "-H", NULL };
	char *out = NULL, errl[256];
	int err, status;

	err = lx_cmd(ctx, argv, LX_INFO_TIMEOUT, &out, errl, sizeof(errl),
		     &status);
	if (err == 0 && status == 0 && out)
		s->init_pid = (pid_t)atol(out);
	free(out);
	if (err < 0)
		return VB_ERROR(ctx, err, "lxc-info %s: %s", s->name,
				strerror(-err));
	if (status != 0 || s->init_pid <= 0)
		return VB_ERROR(ctx, -EIO, "lxc-info %s: no init pid (%s)",
				s->name, errl[0] ? errl : "no reason given");
	return 0;
}

static int lx_open(void *state, struct vb_ctx *ctx,
		   const struct vb_env_spec *spec,
		   struct vb_env_granted *granted)
{
	struct lx_state *s = state;
	char conf[PATH_MAX + 200], scratch[PATH_MAX + 200], note[256];
	char cwd[PATH_MAX];
	/* setpriv --pdeathsig clear: a child of the process runner would
	 * be SIGKILLed with the engine, and a killed lxc-start leaves its
	 * cgroups behind; the end of init's stdin stops it cleanly instead. */
	const char *argv[] = { "setpriv", "--pdeathsig", "clear", "lxc-start",
			       "-P", s->top, "-n", NULL, "-f", conf, "-F", NULL };
	struct vb_proc p = VB_PROC_INIT;
	int err, logfd;

	lx_teardown(s, ctx); /* a previous cell's, if never closed */
	lx_make_name(s, spec->label);
	argv[7] = s->name;
	snprintf(s->dir, sizeof(s->dir), "%s/%s.d", s->top, s->name);
	if (mkdir(s->dir, 0700) < 0) {
		err = VB_ERROR(ctx, -errno, "mkdir %s: %s", s->dir,
			       strerror(errno));
		s->dir[0] = '\0';
		goto fail;
	}
	snprintf(conf, sizeof(conf), "%s/lxc.conf", s->dir);
	/* LXC's log beside the agent's, in the results, when LXC can
	 * spell its path; else in the state directory. */
	s->log[0] = '\0';
	if (spec->log_dir && spec->log_dir[0] != '/' &&
	    getcwd(cwd, sizeof(cwd)))
		snprintf(s->log, sizeof(s->log), "%s/%s/%s.lxc.log", cwd,
			 spec->log_dir, spec->label);
	else if (spec->log_dir)
		snprintf(s->log, sizeof(s->log), "%s/%s.lxc.log",
			 spec->log_dir, spec->label);
	if (!lx_path_ok(s->log))
		snprintf(s->log, sizeof(s->log), "%s/lxc.log", s->dir);
	if (s->o->workdir_host && *s->o->workdir_host) {
		snprintf(scratch, sizeof(scratch), "%s", s->o->workdir_host);
	} else {
		snprintf(scratch, sizeof(scratch), "%s/scratch", s->dir);
		if (mkdir(scratch, 0755) < 0) {
			err = VB_ERROR(ctx, -errno, "mkdir %s: %s", scratch,
				       strerror(errno));
			goto fail;
		}
	}
	err = lx_write_config(s, ctx, spec, scratch, conf, note, sizeof(note));
	if (err < 0)
		goto fail;

	logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	s->log_off = logfd >= 0 ? lseek(logfd, 0, SEEK_END) : 0;
	p.argv = s->setpriv ? argv : argv + 3;
	p.log_fd = logfd;
	/* Init's stdin: a pipe only the engine holds (see the top). Looking
	 * at whether it still runs must say so even after Ctrl-C. */
	p.flags = VB_PROC_STDIN_PIPE | VB_PROC_UNINTERRUPTIBLE;
	err = vb_proc_spawn(ctx, &p, &s->start);
	if (logfd >= 0)
		close(logfd);
	if (err < 0) {
		err = VB_ERROR(ctx, err, "cannot start lxc-start: %s",
			       strerror(-err));
		goto fail;
	}
	err = lx_wait_running(s, ctx);
	if (err < 0)
		goto fail;
	err = lx_init_pid(s, ctx);
	if (err < 0)
		goto fail;
	s->memory = spec->memory;
	lx_host_readback(s, ctx, granted);

	granted->cpus_enforced = true;
	granted->memory_enforced = spec->memory > 0;
	granted->vm = false;
	snprintf(granted->note, sizeof(granted->note), "%s", note);
	vb_env_fact(ctx, "engine", s->version);
	vb_env_fact(ctx, "container", s->name);
	vb_env_fact(ctx, "cpu_mode", lx_cpu_modes[s->o->cpu_mode]);
	vb_env_fact(ctx, "rootfs", s->rootfs);
	return 0;
fail:
	lx_teardown(s, ctx);
	return err;
}

struct lx_lines {
	const struct vb_exec *ex;
	bool done;
};

static int lx_on_line(void *u, const char *line)
{
	struct lx_lines *l = u;

	if (strncmp(line, VB_PROTO_TAG " done ",
		    sizeof(VB_PROTO_TAG " done ") - 1) == 0)
		l->done = true;
	return l->ex->on_line ? l->ex->on_line(l->ex->user, line) : 0;
}

static int lx_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		   int *exit_status)
{
	struct lx_state *s = state;
	const char *argv[LX_ARGV_MAX];
	struct lx_lines lines = { .ex = ex };
	struct vb_proc p = VB_PROC_INIT;
	char name[sizeof(s->name)];
	long long oom;
	size_t n = 0;
	int err;

	if (!s->name[0])
		return VB_ERROR(ctx, -EPIPE, "no container is open");
	argv[n++] = "lxc-attach";
	argv[n++] = "-P";
	argv[n++] = s->top;
	argv[n++] = "-n";
	argv[n++] = s->name;
	argv[n++] = "--clear-env";
	argv[n++] = "-v";
	argv[n++] = "PATH=/bin";
	argv[n++] = "-v";
	argv[n++] = "VIRTBENCH_SCRATCH=" LX_SCRATCH;
	argv[n++] = "--";
	for (int i = 0; i < s->nbargv; i++)
		argv[n++] = s->bargv[i];
	for (size_t i = 0; ex->argv && ex->argv[i]; i++) {
		if (n >= LX_ARGV_MAX - 1)
			return VB_ERROR(ctx, -E2BIG, "agent request too long");
		argv[n++] = ex->argv[i];
	}
	argv[n] = NULL;

	p.argv = argv;
	p.timeout = ex->timeout;
	p.on_line = lx_on_line;
	p.user = &lines;
	p.log_fd = ex->log_fd;
	err = vb_proc_run(ctx, &p, exit_status);
	if (err == -ETIMEDOUT || err == -EINTR) {
		/* Killing lxc-attach can leave the agent running inside:
		 * the container goes, the engine opens a fresh one. */
		lx_teardown(s, ctx);
		return err;
	}
	if (err < 0)
		return VB_ERROR(ctx, err, "lxc-attach to %s: %s", s->name,
				strerror(-err));
	if (lines.done)
		return 0;
	snprintf(name, sizeof(name), "%s", s->name);
	/* No answer: killed by the memory limit, or the container gone? */
	oom = lx_oom_kills(s);
	if (s->oom_base >= 0 && oom > s->oom_base) {
		char why[256];

		snprintf(why, sizeof(why), "%s of container %s: oom_kill %lld",
			 s->v2 ? "memory.events" : "memory.oom_control", name,
			 oom);
		/* A fresh container for the next repetition: the one that hit
		 * its limit may still be full (files on a tmpfs). */
		lx_teardown(s, ctx);
		return vb_oom_killed(ctx, s->memory, why);
	}
	for (int i = 0; i < 5 && lx_start_alive(s, ctx, NULL) &&
			*exit_status >= 128 && lx_init_alive(s);
	     i++)
		lx_sleep_ms(100); /* a killed container takes a moment */
	if (!lx_start_alive(s, ctx, NULL) || !lx_init_alive(s)) {
		lx_teardown(s, ctx);
		return VB_ERROR(ctx, -EPIPE,
				"container %s stopped during the request "
				"(lxc-attach exit status %d)", name,
				*exit_status);
	}
	return 0;
}

static int lx_drop_caches(void *state, struct vb_ctx *ctx)
{
	int err = vb_drop_host_caches(ctx);

	(void)state;
	if (err < 0)
		return VB_ERROR(ctx, err,
				"cannot drop the host page cache (the "
				"container shares the host kernel): %s; run "
				"as root", strerror(-err));
	return 0;
}

static int lx_close(void *state, struct vb_ctx *ctx)
{
	if (state)
		lx_teardown(state, ctx);
	return 0;
}

static void lx_destroy(void *state)
{
	struct lx_state *s = state;

	if (s)
		lx_teardown(s, NULL); /* close() normally did it already */
	lx_free(s);
}

static const struct vb_backend_ops lx_ops = {
	.size = sizeof(lx_ops),
	.validate = lx_validate,
	.create = lx_create,
	.open = lx_open,
	.exec = lx_exec,
	.drop_caches = lx_drop_caches,
	.close = lx_close,
	.destroy = lx_destroy,
};

static const struct vb_plugin_info lx_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_BACKEND,
	.name = "lxc",
	.version = "1.0.0",
	.summary = "LXC system containers (busybox rootfs, no network) with "
		   "cgroup CPU quota/cpuset and memory limits",
	.options = lx_options,
	.options_size = sizeof(struct lx_opts),
	.ops = &lx_ops,
};

VB_PLUGIN_DEFINE(lxc, &lx_info)
