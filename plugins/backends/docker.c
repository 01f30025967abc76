/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * docker backend: one container per cell, started once with the cell's CPU
 * and memory limits; every agent request is a `docker exec` of the agent
 * bundle, which is bind-mounted read-only at /opt/virtbench and started
 * through its own dynamic loader, so any image works, whatever its libc.
 *
 * The container's first process is the bundle's agent in `hold` mode
 * (started through the bundle's loader, so images without a shell or a
 * libc of their own work too), under an attached `docker run -i --rm`
 * whose stdin is a pipe from the engine: when the engine dies, even by
 * SIGKILL, the pipe closes, `hold` sees end of input and the container
 * ends and is removed. See docs/docker.md.
 *
 * Everything goes through the engine's CLI (`docker`, or a CLI-compatible
 * one such as podman) as argv vectors.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "virtbench/plugin.h"
#include "lib/protocol.h"

#define DK_MOUNT "/opt/virtbench"
#define DK_SCRATCH_TMP "/tmp/virtbench"
#define DK_SCRATCH_PODMAN "/tmp"
#define DK_SCRATCH_HOST "/scratch"
#define DK_INFO_TIMEOUT 10.0
#define DK_RM_TIMEOUT 30.0
#define DK_IMPORT_TIMEOUT 120.0
#define DK_PULL_TIMEOUT 600.0
#define DK_ARGV_MAX 96

enum dk_cpu_mode { DK_CPU_QUOTA, DK_CPU_CPUSET, DK_CPU_BOTH };

struct dk_opts {
	char *image;
	int cpu_mode;
	char *engine;
	char **extra_args;
	char *workdir_host;
	double start_timeout;
	char *runtime;
};

static const char *const dk_cpu_modes[] = { "quota", "cpuset", "both", NULL };

static const struct vb_option dk_options[] = {
	{ .name = "image", .type = VB_OPT_STRING,
	  .offset = offsetof(struct dk_opts, image), .def = "auto",
	  .help = "image to run in; \"auto\": a busybox image made locally "
		  "with docker import (the agent bundle is always "
		  "bind-mounted, so any image works)" },
	{ .name = "cpu_mode", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct dk_opts, cpu_mode), .def = "quota",
	  .choices = dk_cpu_modes,
	  .help = "how CPUs are limited: quota (--cpus=N), cpuset "
		  "(--cpuset-cpus=0..N-1) or both" },
	{ .name = "engine", .type = VB_OPT_STRING,
	  .offset = offsetof(struct dk_opts, engine), .def = "docker",
	  .help = "container engine CLI: docker, or a compatible one "
		  "(podman)" },
	{ .name = "extra_args", .type = VB_OPT_LIST,
	  .offset = offsetof(struct dk_opts, extra_args),
	  .help = "more arguments for `docker run`, after virtbench's own "
		  "(they can override the limits: the probe will tell)" },
	{ .name = "workdir_host", .type = VB_OPT_STRING,
	  .offset = offsetof(struct dk_opts, workdir_host), .def = "",
	  .help = "host directory bind-mounted at /scratch as the "
		  "workloads' working directory; \"\": /tmp/virtbench on "
		  "the container's own filesystem" },
	{ .name = "start_timeout", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct dk_opts, start_timeout), .def = "60s",
	  .min = 1, .max = 3600,
	  .help = "limit for `docker run` to start a container" },
	{ .name = "runtime", .type = VB_OPT_STRING,
	  .offset = offsetof(struct dk_opts, runtime), .def = "",
	  .help = "OCI runtime: \"runc\", \"runsc\" (gVisor) or another one "
		  "the engine has; \"\": the engine's default. Verified "
		  "from inside (gVisor's kernel)" },
	{ .name = NULL },
};

struct dk_state {
	const struct dk_opts *o;
	bool podman;
	char *image;          /* reference passed to docker run */
	char *image_id;       /* sha256:..., for the results */
	char *engine_version; /* "docker 20.10.24" */
	const char *bundle_dir;
	const char *bundle_hash;
	const char *bargv[8]; /* agent argv prefix inside the container */
	int nbargv;
	char ulimit_nofile[64], ulimit_nproc[64];
	unsigned serial;
	char name[128];       /* current container; "" when none */
	struct vb_child *holder; /* its attached `docker run -i` */
	int64_t memory;       /* its memory limit */
	char scratch[32];
	/* The runtime (docs/docker.md "Runtimes"): its name as the engine
	 * knows it, what the probe must see inside, gVisor's facts. */
	char runtime[64];
	char expect_virt[32];
	bool gvisor;
	bool gvisor_overlay;  /* root fs in the sandbox's memory: not dropped */
	bool overlay_said;
	char gvisor_platform[32];
	char gvisor_version[64];
};

/* ------------------------------------------------------------------ */
/* Running the engine's CLI                                             */
/* ------------------------------------------------------------------ */

struct dk_buf {
	char *p;
	size_t len, cap;
};

static int dk_buf_add(struct dk_buf *b, const char *s, size_t n)
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

static int dk_collect_line(void *u, const char *line)
{
	struct dk_buf *b = u;

	if (dk_buf_add(b, line, strlen(line)) < 0 || dk_buf_add(b, "\n", 1) < 0)
		return -ENOMEM;
	return 0;
}

/* Reads back what a command wrote to its stderr memfd: the last
 * non-empty line that is not a usage hint, which is docker's reason. */
static char *dk_read_err(int fd)
{
	struct dk_buf b = { 0 };
	char chunk[4096], *last, *end;
	ssize_t r;

	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return strdup("");
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (dk_buf_add(&b, chunk, (size_t)r) < 0)
			break;
	if (!b.p)
		return strdup("");
	end = b.p + b.len;
	while (end > b.p && (end[-1] == '\n' || end[-1] == '\r' ||
			     end[-1] == ' '))
		*--end = '\0';
	/* docker ends with a "Run 'docker run --help'..." or "See '...'"
	 * hint; the reason is the line before it. */
	for (;;) {
		end = b.p + strlen(b.p);
		while (end > b.p && (end[-1] == '\n' || end[-1] == '\r' ||
				     end[-1] == ' '))
			*--end = '\0';
		last = strrchr(b.p, '\n');
		last = last ? last + 1 : b.p;
		if (last == b.p || (strncmp(last, "Run '", 5) != 0 &&
				    strncmp(last, "See '", 5) != 0))
			break;
		last[-1] = '\0';
	}
	memmove(b.p, last, strlen(last) + 1);
	return b.p;
}

/*
 * Runs an engine command through vb_proc_run, with a timeout, and returns
 * its stdout and the last line of its stderr. `flags` VB_PROC_* (see
 * dk_cmd_sure).
 */
static int dk_cmd_flags(struct vb_ctx *ctx, const char *const *argv,
			double timeout, uint32_t flags, char **out,
			char **err_line, int *status)
{
	struct dk_buf b = { 0 };
	int efd = memfd_create("vb-docker-stderr", MFD_CLOEXEC);
	struct vb_proc p = VB_PROC_INIT;
	int err;

	*status = -1;

	p.argv = argv;
	p.timeout = timeout;
	p.on_line = dk_collect_line;
	p.user = &b;
	p.log_fd = efd;
	p.flags = flags;
	err = vb_proc_run(ctx, &p, status);
	if (err_line)
		*err_line = dk_read_err(efd);
	if (efd >= 0)
		close(efd);
	if (out && err == 0) {
		*out = b.p ? b.p : strdup("");
		b.p = NULL;
	}
	free(b.p);
	return err;
}

/* Interruptible (Ctrl-C stops it). */
static int dk_cmd(struct vb_ctx *ctx, const char *const *argv,
		  double timeout, char **out, char **err_line, int *status)
{
	return dk_cmd_flags(ctx, argv, timeout, 0, out, err_line, status);
}

/*
 * Runs a command to its end even when the user asked to stop: removing a
 * container (`docker rm -f`) must not be cut short by Ctrl-C, or the
 * daemon would finish with a container nobody removes. Bounded by
 * `timeout` all the same.
 */
static int dk_cmd_sure(struct vb_ctx *ctx, const char *const *argv,
		       double timeout, char **out, char **err_line,
		       int *status)
{
	return dk_cmd_flags(ctx, argv, timeout, VB_PROC_UNINTERRUPTIBLE, out,
			    err_line, status);
}

static void dk_chomp(char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* ------------------------------------------------------------------ */
/* The default image: busybox, made with `docker import`                */
/* ------------------------------------------------------------------ */

/* A static busybox has no program interpreter, so it runs in an image
 * that has no libc at all. */
static bool dk_is_static_elf(const char *path)
{
	char interp[PATH_MAX];

	return vb_elf_interp(path, interp, sizeof(interp), NULL) == 0 &&
	       !interp[0];
}

static const char *dk_find_busybox(void)
{
	static const char *const c[] = { "/bin/busybox", "/usr/bin/busybox",
					 "/usr/lib/initramfs-tools/bin/busybox" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (dk_is_static_elf(c[i]))
			return c[i];
	return NULL;
}

static int dk_tar_add(struct archive *a, const char *path, mode_t type,
		      mode_t perm, const char *link, const void *data,
		      size_t size)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, 0, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	if (type == AE_IFREG)
		archive_entry_set_size(e, (la_int64_t)size);
	r = archive_write_header(a, e);
	if (r == ARCHIVE_OK && size &&
	    archive_write_data(a, data, size) != (la_ssize_t)size)
		r = ARCHIVE_FATAL;
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : -EIO;
}

static int dk_slurp(const char *path, char **data, size_t *size)
{
	struct dk_buf b = { 0 };
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (dk_buf_add(&b, chunk, (size_t)r) < 0) {
			r = -1;
			errno = ENOMEM;
			break;
		}
	close(fd);
	if (r < 0) {
		int err = -errno;

		free(b.p);
		return err;
	}
	*data = b.p;
	*size = b.len;
	return 0;
}

/* Writes the rootfs tar: busybox with a link per applet, the directories
 * a container runtime and the agent expect, and an /etc/passwd. */
static int dk_write_rootfs(struct vb_ctx *ctx, const char *busybox,
			   const char *tar)
{
	static const char *const dirs[] = {
		"bin", "dev", "etc", "proc", "sys", "root", "var", "opt",
		"opt/virtbench", "scratch",
	};
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
	static const char group[] = "root:x:0:\n";
	const char *argv[] = { busybox, "--list", NULL };
	char *list = NULL, *data = NULL, *save = NULL, *errl = NULL;
	size_t size = 0;
	struct archive *a;
	int err, status;

	err = dk_cmd(ctx, argv, 10, &list, &errl, &status);
	if (err == 0 && status != 0)
		err = -ENOEXEC;
	if (err < 0) {
		err = VB_ERROR(ctx, err, "%s --list failed: %s", busybox,
			       errl && *errl ? errl : strerror(-err));
		goto out;
	}
	err = dk_slurp(busybox, &data, &size);
	if (err < 0) {
		err = VB_ERROR(ctx, err, "read %s: %s", busybox, strerror(-err));
		goto out;
	}
	a = archive_write_new();
	if (!a) {
		err = -ENOMEM;
		goto out;
	}
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, tar) != ARCHIVE_OK) {
		err = VB_ERROR(ctx, -EIO, "write %s: %s", tar,
			       archive_error_string(a));
		archive_write_free(a);
		goto out;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !err; i++)
		err = dk_tar_add(a, dirs[i], AE_IFDIR, 0755, NULL, NULL, 0);
	if (!err)
		err = dk_tar_add(a, "tmp", AE_IFDIR, 01777, NULL, NULL, 0);
	if (!err)
		err = dk_tar_add(a, "bin/busybox", AE_IFREG, 0755, NULL, data,
				 size);
	for (char *ap = strtok_r(list, "\n", &save); ap && !err;
	     ap = strtok_r(NULL, "\n", &save)) {
		char path[256];

		if (!*ap || strchr(ap, '/') || strcmp(ap, "busybox") == 0)
			continue;
		snprintf(path, sizeof(path), "bin/%s", ap);
		err = dk_tar_add(a, path, AE_IFLNK, 0777, "busybox", NULL, 0);
	}
	if (!err)
		err = dk_tar_add(a, "etc/passwd", AE_IFREG, 0644, NULL, passwd,
				 sizeof(passwd) - 1);
	if (!err)
		err = dk_tar_add(a, "etc/group", AE_IFREG, 0644, NULL, group,
				 sizeof(group) - 1);
	if (archive_write_close(a) != ARCHIVE_OK && !err)
		err = -EIO;
	if (err)
		err = VB_ERROR(ctx, err, "write %s: %s", tar,
			       archive_error_string(a) ? archive_error_string(a)
						       : strerror(-err));
	archive_write_free(a);
out:
	free(list);
	free(errl);
	free(data);
	return err;
}

/* `docker image inspect` → the image's id, or -ENOENT. */
static int dk_image_id(struct dk_state *s, struct vb_ctx *ctx, const char *ref,
		       char **id)
{
	const char *argv[] = { s->o->engine, "image", "inspect", "--format",
			       "{{.Id}}", ref, NULL };
	int status, err = dk_cmd(ctx, argv, DK_INFO_TIMEOUT, id, NULL, &status);

	if (err < 0)
		return err;
	if (status != 0 || !**id) {
		free(*id);
		*id = NULL;
		return -ENOENT;
	}
	dk_chomp(*id);
	return 0;
}

static int dk_import_auto_image(struct dk_state *s, struct vb_ctx *ctx)
{
	const char *busybox = dk_find_busybox();
	const char *tmpdir = getenv("TMPDIR");
	char tar[4096], label[128], *errl = NULL, *out = NULL;
	int fd, err, status;

	if (!busybox)
		return VB_ERROR(ctx, -ENOENT,
				"image = \"auto\" is built from a static "
				"busybox, and none was found (/bin/busybox): "
				"apt-get install busybox-static, or set image "
				"to an existing image");
	snprintf(tar, sizeof(tar), "%s/virtbench-rootfs-XXXXXX.tar",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemps(tar, 4);
	if (fd < 0)
		return VB_ERROR(ctx, -errno, "mkstemps %s: %s", tar,
				strerror(errno));
	close(fd);
	err = dk_write_rootfs(ctx, busybox, tar);
	if (!err) {
		const char *argv[] = { s->o->engine, "import", "--change",
				       label, "--message",
				       "virtbench agent image (busybox)", tar,
				       s->image, NULL };

		snprintf(label, sizeof(label), "LABEL org.virtbench.bundle=%s",
			 s->bundle_hash);
		err = dk_cmd(ctx, argv, DK_IMPORT_TIMEOUT, &out, &errl, &status);
		if (err == 0 && status != 0)
			err = -EIO;
		if (err < 0)
			err = VB_ERROR(ctx, err, "%s import %s failed: %s",
				       s->o->engine, tar,
				       errl && *errl ? errl : strerror(-err));
	}
	unlink(tar);
	free(out);
	free(errl);
	if (!err && dk_image_id(s, ctx, s->image, &s->image_id) < 0)
		err = VB_ERROR(ctx, -ENOENT, "%s import reported success but "
			       "image %s is not there", s->o->engine, s->image);
	if (!err)
		vb_log(ctx, VB_LOG_INFO, "made image %s (busybox from %s)",
		       s->image, busybox);
	return err;
}

static int dk_make_auto_image(struct dk_state *s, struct vb_ctx *ctx)
{
	char lock[4200];
	int lfd, err;

	if (asprintf(&s->image, "virtbench/agent:%.32s", s->bundle_hash) < 0) {
		s->image = NULL;
		return -ENOMEM;
	}
	if (dk_image_id(s, ctx, s->image, &s->image_id) == 0)
		return 0;
	/*
	 * One import at a time on this host: concurrent first runs would each
	 * import, and all but the last image would be left untagged.
	 */
	snprintf(lock, sizeof(lock), "%s/../.auto-image.lock", s->bundle_dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	while (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR)
			break; /* no locking here: import regardless */
		if (vb_interrupted(ctx)) {
			close(lfd);
			return VB_ERROR(ctx, -EINTR, "interrupted");
		}
		nanosleep(&ts, NULL);
	}
	err = dk_image_id(s, ctx, s->image, &s->image_id) == 0
		      ? 0
		      : dk_import_auto_image(s, ctx);
	if (lfd >= 0)
		close(lfd);
	return err;
}

static int dk_user_image(struct dk_state *s, struct vb_ctx *ctx)
{
	char *errl = NULL, *out = NULL;
	int err, status;

	s->image = strdup(s->o->image);
	if (!s->image)
		return -ENOMEM;
	if (dk_image_id(s, ctx, s->image, &s->image_id) == 0)
		return 0;
	vb_log(ctx, VB_LOG_INFO, "image %s not found locally, pulling it",
	       s->image);
	{
		const char *argv[] = { s->o->engine, "pull", "--quiet",
				       s->image, NULL };

		err = dk_cmd(ctx, argv, DK_PULL_TIMEOUT, &out, &errl, &status);
	}
	free(out);
	if (err == -EINTR || err == -ETIMEDOUT) {
		free(errl);
		return VB_ERROR(ctx, err, "%s pull %s: %s", s->o->engine,
				s->image, strerror(-err));
	}
	if (err < 0 || status != 0 ||
	    dk_image_id(s, ctx, s->image, &s->image_id) < 0) {
		err = VB_ERROR(ctx, -ENOENT,
			       "image %s is not on this host and could not "
			       "be pulled (%s); docker pull or docker import "
			       "it, or use image = \"auto\"",
			       s->image, errl && *errl ? errl : "no reason given");
		free(errl);
		return err;
	}
	free(errl);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Hooks                                                                */
/* ------------------------------------------------------------------ */

static int dk_validate(const void *opts, char *msg, size_t msglen)
{
	const struct dk_opts *o = opts;

	if (!o->image || !*o->image) {
		snprintf(msg, msglen, "image must not be empty (use \"auto\")");
		return -EINVAL;
	}
	if (!o->engine || !*o->engine) {
		snprintf(msg, msglen, "engine must name a docker-compatible "
			 "CLI, e.g. \"docker\" or \"podman\"");
		return -EINVAL;
	}
	if (o->workdir_host && strchr(o->workdir_host, ':')) {
		snprintf(msg, msglen, "workdir_host \"%s\" contains ':', which "
			 "docker -v reads as the end of the host path; use a "
			 "path without ':' (a symlink to it will do)",
			 o->workdir_host);
		return -EINVAL;
	}
	/* It goes into a `docker info` template: a plain name or path. */
	if (o->runtime && o->runtime[0] &&
	    strspn(o->runtime, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789._/-") != strlen(o->runtime)) {
		snprintf(msg, msglen, "runtime \"%s\" must be a runtime's "
			 "name (runc, runsc, ...) or path", o->runtime);
		return -EINVAL;
	}
	if (o->workdir_host && *o->workdir_host && o->workdir_host[0] != '/') {
		snprintf(msg, msglen, "workdir_host \"%s\" must be an "
			 "absolute path (or \"\" for the container's own "
			 "filesystem)", o->workdir_host);
		return -EINVAL;
	}
	return 0;
}

static void dk_free(struct dk_state *s)
{
	if (!s)
		return;
	vb_proc_stop(NULL, s->holder, 0, NULL);
	free(s->image);
	free(s->image_id);
	free(s->engine_version);
	free(s);
}

/* podman asks for rlimits above a hard limit that a process without
 * CAP_SYS_RESOURCE cannot raise (research/engines.md); ask for the
 * caller's own hard limits instead (nproc at most 32768: conmon's). */
static void dk_podman_ulimits(struct dk_state *s)
{
	struct rlimit nf = { 1024, 1024 }, np = { 4096, 4096 };

	getrlimit(RLIMIT_NOFILE, &nf);
	getrlimit(RLIMIT_NPROC, &np);
	if (nf.rlim_max == RLIM_INFINITY || nf.rlim_max > 1048576)
		nf.rlim_max = 1048576;
	if (np.rlim_max == RLIM_INFINITY || np.rlim_max > 32768)
		np.rlim_max = 32768;
	snprintf(s->ulimit_nofile, sizeof(s->ulimit_nofile),
		 "--ulimit=nofile=%llu:%llu", (unsigned long long)nf.rlim_max,
		 (unsigned long long)nf.rlim_max);
	snprintf(s->ulimit_nproc, sizeof(s->ulimit_nproc),
		 "--ulimit=nproc=%llu:%llu", (unsigned long long)np.rlim_max,
		 (unsigned long long)np.rlim_max);
}

/*
 * Containers that a virtbench run left behind when it could not clean up
 * (killed with SIGKILL, power loss): ours by label, named vb-PID-..., and
 * that PID no longer exists on this host. Removed, and said so.
 */
static void dk_sweep_stale(struct dk_state *s, struct vb_ctx *ctx)
{
	const char *argv[] = { s->o->engine, "ps", "-a", "--filter",
			       "label=virtbench=1", "--format", "{{.Names}}",
			       NULL };
	const char *rm[40] = { s->o->engine, "rm", "-f", "--volumes" };
	char *out = NULL, *save = NULL;
	size_t n = 4;
	int status;

	if (dk_cmd(ctx, argv, DK_INFO_TIMEOUT, &out, NULL, &status) < 0 ||
	    status != 0 || !out) {
		free(out);
		return;
	}
	for (char *name = strtok_r(out, "\n", &save);
	     name && n < sizeof(rm) / sizeof(rm[0]) - 1;
	     name = strtok_r(NULL, "\n", &save)) {
		char *end;
		long pid;

		if (strncmp(name, "vb-", 3) != 0)
			continue;
		pid = strtol(name + 3, &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		rm[n++] = name;
	}
	rm[n] = NULL;
	if (n > 4) {
		vb_log(ctx, VB_LOG_WARN,
		       "removing %zu container(s) left by virtbench runs that "
		       "no longer exist (%s%s)", n - 4, rm[4],
		       n > 5 ? ", ..." : "");
		dk_cmd_sure(ctx, rm, DK_RM_TIMEOUT, NULL, NULL, &status);
	}
	free(out);
}

/* ------------------------------------------------------------------ */
/* Runtimes: runc, runsc (gVisor), NAME                                  */
/* ------------------------------------------------------------------ */

static const char *dk_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* "--platform=kvm" or "--platform kvm" in a runtime's arguments. */
static bool dk_arg_value(const char *args, const char *flag, char *out,
			 size_t n)
{
	const char *p = strstr(args, flag);
	size_t l = strlen(flag);

	if (!p || (p[l] != '=' && p[l] != ' '))
		return false;
	p += l + 1;
	snprintf(out, n, "%.*s", (int)strcspn(p, " "), p);
	return true;
}

/* gVisor's facts: version, platform (an explicit --platform, else the
 * default `runsc flags` names), and whether the root filesystem is an
 * overlay in the sandbox's memory (which no host cache drop reaches). */
static void dk_gvisor_facts(struct dk_state *s, struct vb_ctx *ctx,
			    const char *path, const char *args)
{
	const char *vargv[] = { path, "--version", NULL };
	const char *fargv[] = { path, "flags", NULL };
	char *out = NULL, val[64];
	int status;

	snprintf(s->gvisor_version, sizeof(s->gvisor_version), "unknown");
	if (dk_cmd(ctx, vargv, DK_INFO_TIMEOUT, &out, NULL, &status) == 0 &&
	    status == 0 && out) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(s->gvisor_version, sizeof(s->gvisor_version), "%s",
			 strncmp(out, "runsc version ", 14) == 0 ? out + 14 : out);
	}
	free(out);
	out = NULL;
	if (dk_arg_value(args, "--platform", s->gvisor_platform,
			 sizeof(s->gvisor_platform)))
		goto overlay;
	snprintf(s->gvisor_platform, sizeof(s->gvisor_platform), "unknown");
	/* runsc prints its flags on stderr in some versions: both read. */
	{
		struct vb_proc p = VB_PROC_INIT;
		int efd = memfd_create("vb-runsc-flags", MFD_CLOEXEC);
		struct dk_buf b = { 0 };

		p.argv = fargv;
		p.timeout = DK_INFO_TIMEOUT;
		p.on_line = dk_collect_line;
		p.user = &b;
		p.log_fd = efd;
		if (vb_proc_run(ctx, &p, &status) == 0 && efd >= 0) {
			char chunk[4096];
			ssize_t r;

			lseek(efd, 0, SEEK_SET);
			while ((r = read(efd, chunk, sizeof(chunk))) > 0)
				dk_buf_add(&b, chunk, (size_t)r);
		}
		if (efd >= 0)
			close(efd);
		if (b.p) {
			const char *f = strstr(b.p, "-platform string");
			const char *d = f ? strstr(f, "(default \"") : NULL;

			if (d && d - f < 400) {
				d += 10;
				snprintf(s->gvisor_platform,
					 sizeof(s->gvisor_platform), "%.*s",
					 (int)strcspn(d, "\""), d);
			}
		}
		free(b.p);
	}
overlay:
	/* args: each argument followed by one space. */
	s->gvisor_overlay = strstr(args, "--overlay ") != NULL ||
			    strstr(args, "--overlay=true ") != NULL;
	if (dk_arg_value(args, "--overlay2", val, sizeof(val)) &&
	    strcmp(val, "none") != 0)
		s->gvisor_overlay = true;
	(void)ctx;
}

/*
 * Resolves the runtime option against the engine: the name it knows, its
 * path and arguments (docker info), and from them what the probe must see
 * inside: "gvisor" for runsc, the engine's own container marker for runc
 * and crun, nothing for a runtime we do not know (kata, ...).
 */
static int dk_runtime(struct dk_state *s, struct vb_ctx *ctx)
{
	const struct dk_opts *o = s->o;
	char fmt[256], *out = NULL, *bar, *errl = NULL;
	const char *path = "", *args = "";
	int err, status;

	if (s->podman) {
		const char *argv[] = { o->engine, "info", "--format",
				       "{{.Host.OCIRuntime.Name}}|{{.Host.OCIRuntime.Path}}|",
				       NULL };
		const char *rargv[] = { o->engine, "--runtime", o->runtime,
					"info", "--format",
					"{{.Host.OCIRuntime.Name}}|{{.Host.OCIRuntime.Path}}|",
					NULL };

		err = dk_cmd(ctx, o->runtime[0] ? rargv : argv, DK_INFO_TIMEOUT,
			     &out, &errl, &status);
	} else {
		const char *argv[] = { o->engine, "info", "--format", fmt, NULL };

		/* The default runtime's name, or the one asked for: its path
		 * and arguments ("" when the engine has no such runtime). */
		if (o->runtime[0])
			snprintf(fmt, sizeof(fmt),
				 "%s|{{with index .Runtimes \"%s\"}}{{.Path}}|"
				 "{{range .Args}}{{.}} {{end}}{{end}}",
				 o->runtime, o->runtime);
		else
			snprintf(fmt, sizeof(fmt),
				 "{{.DefaultRuntime}}|{{with index .Runtimes "
				 ".DefaultRuntime}}{{.Path}}|{{range .Args}}{{.}} "
				 "{{end}}{{end}}");
		err = dk_cmd(ctx, argv, DK_INFO_TIMEOUT, &out, &errl, &status);
	}
	if (err == 0 && status != 0)
		err = -EIO;
	if (err < 0) {
		err = VB_ERROR(ctx, err == -EINTR ? err : -EHOSTDOWN,
			       "%s info (runtime %s): %s", o->engine,
			       o->runtime[0] ? o->runtime : "default",
			       errl && *errl ? errl : strerror(-err));
		free(out);
		free(errl);
		return err;
	}
	free(errl);
	dk_chomp(out);
	bar = strchr(out, '|');
	if (bar) {
		*bar++ = '\0';
		path = bar;
		bar = strchr(bar, '|');
		if (bar) {
			*bar++ = '\0';
			args = bar;
		}
	}
	snprintf(s->runtime, sizeof(s->runtime), "%s", out);
	if (!s->podman && !*path) {
		err = VB_ERROR(ctx, -EHOSTDOWN,
			       "the Docker engine has no runtime \"%s\": "
			       "register it in its daemon.json (\"runtimes\": "
			       "{\"runsc\": {\"path\": \"/usr/bin/runsc\", "
			       "\"runtimeArgs\": [\"--network=none\"]}}) and "
			       "send dockerd SIGHUP, or start one with "
			       "scripts/ensure-dockerd (docs/docker.md)",
			       s->runtime);
		free(out);
		return err;
	}
	/* A name docker passes on as is ("runc") has no path of its own. */
	s->gvisor = strcmp(dk_base(path), "runsc") == 0 ||
		    strcmp(s->runtime, "runsc") == 0;
	if (s->gvisor) {
		snprintf(s->expect_virt, sizeof(s->expect_virt), "gvisor");
		dk_gvisor_facts(s, ctx, *path == '/' ? path : "runsc", args);
	} else if (!strcmp(dk_base(path), "runc") || !strcmp(dk_base(path), "crun") ||
		   !strcmp(s->runtime, "runc") || !strcmp(s->runtime, "crun")) {
		snprintf(s->expect_virt, sizeof(s->expect_virt), "%s",
			 s->podman ? "podman" : "docker");
	}
	free(out);
	return 0;
}

/* The container's main process on the host (runc: its PID 1; runsc: the
 * sandbox), or 0. */
static long dk_container_pid(struct dk_state *s, struct vb_ctx *ctx)
{
	const char *argv[] = { s->o->engine, "inspect", "--format",
			       "{{.State.Pid}}", s->name, NULL };
	char *out = NULL;
	long pid = 0;
	int status;

	if (dk_cmd(ctx, argv, DK_INFO_TIMEOUT, &out, NULL, &status) == 0 &&
	    status == 0 && out)
		pid = atol(out);
	free(out);
	return pid;
}

/*
 * The container's CPU quota and memory limit read back on the host, from
 * the cgroups of its main process (for every runtime; only gVisor's
 * inside needs them).
 */
static void dk_host_readback(struct dk_state *s, struct vb_ctx *ctx,
			     struct vb_env_granted *granted)
{
	long pid = dk_container_pid(s, ctx);

	if (pid > 0)
		vb_host_limits(ctx, (pid_t)pid, granted);
}

static int dk_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	const struct dk_opts *o = opts;
	struct dk_state *s = calloc(1, sizeof(*s));
	const char *base;
	char *out = NULL, *errl = NULL;
	int err, status, n;

	if (!s)
		return -ENOMEM;
	s->o = o;
	base = strrchr(o->engine, '/');
	base = base ? base + 1 : o->engine;
	s->podman = strstr(base, "podman") != NULL;
	if (s->podman)
		dk_podman_ulimits(s);

	/* Is an engine answering? `docker version` fails fast without one. */
	{
		const char *argv[] = { o->engine, "version", "--format",
				       s->podman ? "{{.Client.Version}}"
						 : "{{.Server.Version}}",
				       NULL };

		err = dk_cmd(ctx, argv, DK_INFO_TIMEOUT, &out, &errl, &status);
	}
	if (err == -EINTR) {
		err = VB_ERROR(ctx, err, "interrupted");
		goto fail;
	}
	if (err < 0 || status != 0 || !out || !*out) {
		const char *why = errl && *errl ? errl
				  : err == -ETIMEDOUT ? "no answer within 10 s"
				  : status == 127 ? "command not found"
				  : "no reason given";

		if (status == 127 || err == -ENOENT)
			err = VB_ERROR(ctx, -EHOSTDOWN,
				       "container engine CLI \"%s\" not found: "
				       "apt-get install docker.io, or set "
				       "engine to the path of docker or "
				       "podman", o->engine);
		else
			err = VB_ERROR(ctx, -EHOSTDOWN,
				       "the container engine is not running "
				       "(%s version: %s). Start it, e.g. "
				       "`dockerd --iptables=false "
				       "--bridge=none &` or "
				       "scripts/ensure-dockerd PIDFILE, and "
				       "check DOCKER_HOST",
				       o->engine, why);
		goto fail;
	}
	dk_chomp(out);
	if (asprintf(&s->engine_version, "%s %s", base, out) < 0) {
		s->engine_version = NULL;
		err = -ENOMEM;
		goto fail;
	}

	dk_sweep_stale(s, ctx);

	err = dk_runtime(s, ctx);
	if (err < 0)
		goto fail;

	err = vb_bundle_get(ctx, &s->bundle_dir, &s->bundle_hash);
	if (err < 0)
		goto fail;
	n = vb_bundle_argv(ctx, DK_MOUNT, s->bargv,
			   sizeof(s->bargv) / sizeof(s->bargv[0]));
	if (n < 0) {
		err = n;
		goto fail;
	}
	s->nbargv = n;

	err = strcmp(o->image, "auto") == 0 ? dk_make_auto_image(s, ctx)
					     : dk_user_image(s, ctx);
	if (err < 0)
		goto fail;
	/*
	 * docker creates a missing -w directory, podman 4 refuses to start
	 * ("workdir does not exist"), and no image is sure to have a mkdir:
	 * with podman the scratch is the image's own /tmp.
	 */
	snprintf(s->scratch, sizeof(s->scratch), "%s",
		 o->workdir_host && *o->workdir_host ? DK_SCRATCH_HOST
		 : s->podman			     ? DK_SCRATCH_PODMAN
						     : DK_SCRATCH_TMP);
	free(out);
	free(errl);
	*state = s;
	return 0;
fail:
	free(out);
	free(errl);
	dk_free(s);
	return err;
}

/* Container names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
static void dk_make_name(struct dk_state *s, const char *label)
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
	snprintf(s->name, sizeof(s->name), "vb-%ld-%s-%u", (long)getpid(),
		 i ? clean : "env", ++s->serial);
}

/* Remove the current container and let its `docker run` go. */
static void dk_remove(struct dk_state *s, struct vb_ctx *ctx)
{
	const char *argv[] = { s->o->engine, "rm", "-f", "--volumes", s->name,
			       NULL };
	int status;

	if (s->name[0])
		dk_cmd_sure(ctx, argv, DK_RM_TIMEOUT, NULL, NULL, &status);
	/* Without its container the client ends; a short grace lets it
	 * notice before the kill. */
	vb_proc_stop(ctx, s->holder, 2.0, NULL);
	s->holder = NULL;
	s->name[0] = '\0';
}

/* Until the container's `hold` says it is up. */
static int dk_on_ready(void *u, const char *line)
{
	(void)u;
	return strcmp(line, VB_PROTO_TAG " ready") == 0 ? 1 : 0;
}

/* What a failed `docker run` said on stderr (the memfd). */
static char *dk_holder_err(int efd)
{
	char *e = dk_read_err(efd);

	if (efd >= 0)
		close(efd);
	return e;
}

static int dk_open(void *state, struct vb_ctx *ctx,
		   const struct vb_env_spec *spec,
		   struct vb_env_granted *granted)
{
	struct dk_state *s = state;
	const struct dk_opts *o = s->o;
	const char *argv[DK_ARGV_MAX];
	char cpus[32], cpuset[32], mem[64], swap[64], bundle[4200];
	char scratch_env[64], workdir[4200], pidlabel[64], runtime[96];
	struct vb_proc p = VB_PROC_INIT;
	size_t n = 0, nextra = 0;
	int err, status = -1, efd;

	if (s->name[0] || s->holder)
		dk_remove(s, ctx); /* a previous cell's, if never closed */
	dk_make_name(s, spec->label);
	s->memory = spec->memory;
	for (char **e = o->extra_args; e && *e; e++)
		nextra++;
	if (nextra > DK_ARGV_MAX - 48)
		return VB_ERROR(ctx, -E2BIG, "extra_args: too many (%zu)",
				nextra);

	snprintf(cpus, sizeof(cpus), "--cpus=%d", spec->cpus);
	if (spec->cpus > 1)
		snprintf(cpuset, sizeof(cpuset), "--cpuset-cpus=0-%d",
			 spec->cpus - 1);
	else
		snprintf(cpuset, sizeof(cpuset), "--cpuset-cpus=0");
	snprintf(mem, sizeof(mem), "--memory=%lld", (long long)spec->memory);
	/* Swap equal to memory: no swap, so the limit is a real limit. */
	snprintf(swap, sizeof(swap), "--memory-swap=%lld",
		 (long long)spec->memory);
	snprintf(bundle, sizeof(bundle), "%s:%s:ro", s->bundle_dir, DK_MOUNT);
	snprintf(scratch_env, sizeof(scratch_env), "VIRTBENCH_SCRATCH=%s",
		 s->scratch);
	snprintf(pidlabel, sizeof(pidlabel), "virtbench.pid=%ld",
		 (long)getpid());

	argv[n++] = o->engine;
	if (o->runtime[0] && s->podman) {
		/* podman takes the runtime as a global option. */
		argv[n++] = "--runtime";
		argv[n++] = o->runtime;
		if (s->gvisor)
			argv[n++] = "--runtime-flag=network=none";
	}
	argv[n++] = "run";
	/* Attached, stdin open: the container lives as long as the pipe
	 * from this engine does (and --rm removes it when it ends). */
	argv[n++] = "-i";
	argv[n++] = "--rm";
	argv[n++] = "--name";
	argv[n++] = s->name;
	argv[n++] = "--label";
	argv[n++] = "virtbench=1";
	argv[n++] = "--label";
	argv[n++] = pidlabel;
	argv[n++] = "--network";
	argv[n++] = "none";
	if (o->cpu_mode == DK_CPU_QUOTA || o->cpu_mode == DK_CPU_BOTH)
		argv[n++] = cpus;
	if (o->cpu_mode == DK_CPU_CPUSET || o->cpu_mode == DK_CPU_BOTH)
		argv[n++] = cpuset;
	if (spec->memory > 0) {
		argv[n++] = mem;
		argv[n++] = swap;
	}
	argv[n++] = "-v";
	argv[n++] = bundle;
	if (o->workdir_host && *o->workdir_host) {
		snprintf(workdir, sizeof(workdir), "%s:%s", o->workdir_host,
			 DK_SCRATCH_HOST);
		argv[n++] = "-v";
		argv[n++] = workdir;
	}
	/* -w makes the runtime create the directory in any image. */
	argv[n++] = "-w";
	argv[n++] = s->scratch;
	argv[n++] = "-e";
	argv[n++] = scratch_env;
	if (s->podman) {
		argv[n++] = s->ulimit_nofile;
		argv[n++] = s->ulimit_nproc;
	}
	/* Before extra_args, which may override it (the probe will tell). */
	if (o->runtime[0] && !s->podman) {
		snprintf(runtime, sizeof(runtime), "--runtime=%s", o->runtime);
		argv[n++] = runtime;
	}
	for (char **e = o->extra_args; e && *e; e++)
		argv[n++] = *e;
	/* The bundle's loader starts the bundle's agent: no shell and no
	 * libc of the image needed. */
	argv[n++] = "--entrypoint";
	argv[n++] = s->bargv[0];
	argv[n++] = s->image;
	for (int i = 1; i < s->nbargv; i++)
		argv[n++] = s->bargv[i];
	argv[n++] = "hold";
	argv[n] = NULL;

	efd = memfd_create("vb-docker-stderr", MFD_CLOEXEC);
	p.argv = argv;
	p.on_line = dk_on_ready;
	p.log_fd = efd;
	/* Creating a container is not cut short by Ctrl-C (start_timeout
	 * bounds it): the daemon would finish one nobody removes. */
	p.flags = VB_PROC_STDIN_PIPE | VB_PROC_UNINTERRUPTIBLE;
	err = vb_proc_spawn(ctx, &p, &s->holder);
	if (err == 0) {
		err = vb_proc_wait(ctx, s->holder, o->start_timeout, &status);
		err = err == 1 ? 0 : err == 0 ? -EIO : err;
	}
	if (err < 0) {
		char *errl = dk_holder_err(efd);

		err = VB_ERROR(ctx, err, "%s run (container %s) failed: %s",
			       o->engine, s->name,
			       err == -ETIMEDOUT ? "no container within "
						   "start_timeout"
			       : errl && *errl ? errl : strerror(-err));
		free(errl);
		dk_remove(s, ctx); /* it may exist, created not started */
		return err;
	}
	close(efd);

	granted->cpus_enforced = true;
	granted->memory_enforced = spec->memory > 0;
	granted->vm = false;
	snprintf(granted->note, sizeof(granted->note), "%s%s%s",
		 o->cpu_mode == DK_CPU_CPUSET ? "" : cpus + 2,
		 o->cpu_mode == DK_CPU_BOTH ? " " : "",
		 o->cpu_mode == DK_CPU_QUOTA ? "" : cpuset + 2);
	vb_env_fact(ctx, "engine", s->engine_version);
	vb_env_fact(ctx, "image", s->image_id);
	vb_env_fact(ctx, "container", s->name);
	vb_env_fact(ctx, "cpu_mode", dk_cpu_modes[o->cpu_mode]);
	vb_env_fact(ctx, "runtime", s->runtime);
	snprintf(granted->expect_virt, sizeof(granted->expect_virt), "%s",
		 s->expect_virt);
	if (s->gvisor) {
		vb_env_fact(ctx, "gvisor_version", s->gvisor_version);
		vb_env_fact(ctx, "gvisor_platform", s->gvisor_platform);
		/* What drop_caches reaches (docs/docker.md "Runtimes"). */
		vb_env_fact(ctx, "gvisor_page_cache",
			    s->gvisor_overlay ? "sentry (overlay in the sandbox's memory: not dropped)"
					      : "host (dropped with the host's)");
	}
	dk_host_readback(s, ctx, granted);
	return 0;
}

struct dk_lines {
	const struct vb_exec *ex;
	bool done;
};

static int dk_on_line(void *u, const char *line)
{
	struct dk_lines *l = u;

	if (strncmp(line, VB_PROTO_TAG " done ", sizeof(VB_PROTO_TAG " done ") - 1) == 0)
		l->done = true;
	return l->ex->on_line ? l->ex->on_line(l->ex->user, line) : 0;
}

/* "running, exit code 0, ...", "exited, exit code 137, OOM-killed true",
 * or "" when the container is gone. */
static void dk_container_state(struct dk_state *s, struct vb_ctx *ctx,
			       char *buf, size_t n)
{
	const char *argv[] = { s->o->engine, "inspect", "--format",
			       "{{.State.Status}}, exit code "
			       "{{.State.ExitCode}}, OOM-killed "
			       "{{.State.OOMKilled}}",
			       s->name, NULL };
	char *out = NULL;
	int status;

	buf[0] = '\0';
	if (dk_cmd_sure(ctx, argv, DK_INFO_TIMEOUT, &out, NULL, &status) == 0 &&
	    status == 0 && out) {
		dk_chomp(out);
		snprintf(buf, n, "%s", out);
	}
	free(out);
}

/*
 * Did the container's OOM killer strike since `since` (a Unix time)? The
 * daemon says so in an "oom" event at once; State.OOMKilled only once the
 * container has ended.
 */
static bool dk_oom_since(struct dk_state *s, struct vb_ctx *ctx, double since)
{
	char from[32], until[32], filter[160];
	const char *argv[] = { s->o->engine, "events", "--since", from,
			       "--until", until, "--filter", filter,
			       "--filter", "event=oom", "--format",
			       "{{.Status}}", NULL };
	struct timespec now;
	char *out = NULL;
	int status;
	bool oom;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(from, sizeof(from), "%.3f", since);
	snprintf(until, sizeof(until), "%lld.%03ld", (long long)now.tv_sec,
		 now.tv_nsec / 1000000);
	snprintf(filter, sizeof(filter), "container=%s", s->name);
	oom = dk_cmd_sure(ctx, argv, DK_INFO_TIMEOUT, &out, NULL, &status) == 0 &&
	      status == 0 && out && strstr(out, "oom");
	free(out);
	return oom;
}

static double dk_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs `docker exec` to its end, like vb_proc_run(), while watching the
 * container's holder: when the container dies (killed, OOM-killed as a
 * whole, removed) the holder ends, but `docker exec` into a gVisor
 * sandbox that was killed never does (the daemon keeps its streams open).
 * Then the exec is stopped and *status is 137, as if it had been killed
 * with its container, and the caller looks at what happened.
 */
static int dk_exec_wait(struct dk_state *s, struct vb_ctx *ctx,
			const struct vb_proc *p, double timeout, int *status)
{
	uint64_t deadline = timeout > 0 ? vb_now_ns() + (uint64_t)(timeout * 1e9) : 0;
	struct vb_child *child;
	int err;

	err = vb_proc_spawn(ctx, p, &child);
	if (err < 0)
		return err;
	for (;;) {
		double slice = 0.25;

		if (deadline) {
			int64_t left = (int64_t)(deadline - vb_now_ns());

			if (left <= 0) {
				err = -ETIMEDOUT;
				break;
			}
			if ((double)left / 1e9 < slice)
				slice = (double)left / 1e9;
		}
		err = vb_proc_wait(ctx, child, slice, status);
		if (err != -ETIMEDOUT)
			break;
		if (s->holder && vb_proc_wait(ctx, s->holder, 0, NULL) == 0) {
			/* The container is gone; its exec may not notice. */
			vb_proc_stop(ctx, child, 1.0, NULL);
			*status = 137;
			return 0;
		}
	}
	if (err == 0)
		return vb_proc_stop(ctx, child, 0, status);
	/* Timeout or Ctrl-C: as vb_proc_run() does, SIGTERM and some time
	 * for the agent to clean up (Ctrl-C), SIGKILL at once (timeout). */
	vb_proc_stop(ctx, child, err == -EINTR ? 10.0 : 0, status);
	return err;
}

static int dk_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		   int *exit_status)
{
	struct dk_state *s = state;
	const char *argv[DK_ARGV_MAX];
	char scratch_env[64], cstate[128];
	struct dk_lines lines = { .ex = ex };
	struct vb_proc p = VB_PROC_INIT;
	double t0 = dk_realtime() - 1; /* the daemon's clock is ours, in s */
	size_t n = 0;
	int err;

	if (!s->name[0])
		return VB_ERROR(ctx, -EPIPE, "no container is open");
	snprintf(scratch_env, sizeof(scratch_env), "VIRTBENCH_SCRATCH=%s",
		 s->scratch);
	argv[n++] = s->o->engine;
	argv[n++] = "exec";
	argv[n++] = "-e";
	argv[n++] = scratch_env;
	argv[n++] = s->name;
	for (int i = 0; i < s->nbargv; i++)
		argv[n++] = s->bargv[i];
	for (size_t i = 0; ex->argv && ex->argv[i]; i++) {
		if (n >= DK_ARGV_MAX - 1)
			return VB_ERROR(ctx, -E2BIG, "agent request too long");
		argv[n++] = ex->argv[i];
	}
	argv[n] = NULL;

	p.argv = argv;
	p.on_line = dk_on_line;
	p.user = &lines;
	p.log_fd = ex->log_fd;
	err = dk_exec_wait(s, ctx, &p, ex->timeout, exit_status);
	if (err == -ETIMEDOUT || err == -EINTR) {
		/*
		 * Killing `docker exec` leaves the agent running inside:
		 * remove the container, so nothing runs on after a timeout
		 * or Ctrl-C. The engine opens a new one for the next
		 * repetition.
		 */
		dk_remove(s, ctx);
		return err;
	}
	if (err < 0)
		return VB_ERROR(ctx, err, "%s exec in %s: %s", s->o->engine,
				s->name, strerror(-err));
	if (lines.done)
		return 0;
	/*
	 * No answer: did the OOM killer strike, did the agent fail, or is
	 * the container gone? A killed container's exec ends (status 137) a
	 * moment before the daemon marks the container exited, and the OOM
	 * event may trail the exec's end: both are looked at a few times
	 * over a second.
	 */
	for (int i = 0; i < 6; i++) {
		struct timespec ts = { .tv_nsec = 200 * 1000 * 1000 };

		if (*exit_status == 137 && dk_oom_since(s, ctx, t0)) {
			dk_remove(s, ctx); /* a fresh one for the next */
			return vb_oom_killed(ctx, s->memory, "an oom event of "
					     "the container's memory cgroup");
		}
		dk_container_state(s, ctx, cstate, sizeof(cstate));
		if (strncmp(cstate, "running", 7) != 0 || *exit_status < 128 ||
		    i == 5)
			break;
		nanosleep(&ts, NULL);
	}
	if (strncmp(cstate, "running", 7) != 0) {
		if (strstr(cstate, "OOM-killed true"))
			err = vb_oom_killed(ctx, s->memory, "State.OOMKilled");
		else
			err = VB_ERROR(ctx, -EPIPE,
				       "container %s stopped during the request (%s)",
				       s->name, cstate[0] ? cstate : "removed");
		dk_remove(s, ctx);
		return err;
	}
	return 0;
}

static int dk_drop_caches(void *state, struct vb_ctx *ctx)
{
	struct dk_state *s = state;
	int err;

	/* gVisor reads files through the host's page cache, so dropping the
	 * host's drops its too; an overlay in the sandbox's memory is out of
	 * reach, and then nothing is said to be dropped. */
	if (s && s->gvisor && s->gvisor_overlay) {
		/* The engine shows only "not supported": say why, once. */
		if (!s->overlay_said)
			vb_log(ctx, VB_LOG_WARN,
			       "runtime %s keeps the container's root "
			       "filesystem in gVisor's own memory "
			       "(--overlay): no host cache drop reaches it, "
			       "so the page cache is recorded as not dropped",
			       s->runtime);
		s->overlay_said = true;
		return VB_ERROR(ctx, -ENOTSUP,
				"gVisor keeps this container's root filesystem "
				"in the sandbox's memory (runtime %s has "
				"--overlay): no host cache drop reaches it",
				s->runtime);
	}
	err = vb_drop_host_caches(ctx);
	if (err < 0)
		return VB_ERROR(ctx, err,
				"cannot drop the host page cache (the "
				"container shares the host kernel): %s; run "
				"as root", strerror(-err));
	return 0;
}

static int dk_close(void *state, struct vb_ctx *ctx)
{
	struct dk_state *s = state;

	if (s && (s->name[0] || s->holder))
		dk_remove(s, ctx);
	return 0;
}

static void dk_destroy(void *state)
{
	dk_free(state);
}

/*
 * The container's cgroup counts everything in it: the agents `exec`
 * starts and, under gVisor, the sandbox that runs them (whose own
 * accounting inside would be the sandbox's). The engine finds it from the
 * container's first process.
 */
static int dk_accounting(void *state, struct vb_ctx *ctx,
			 struct vb_env_accounting *a)
{
	struct dk_state *s = state;
	const char *argv[] = { s->o->engine, "inspect", "--format",
			       "{{.State.Pid}}", s->name, NULL };
	char *out = NULL;
	long pid = 0;
	int status;

	if (!s->name[0])
		return -ENOTSUP;
	if (dk_cmd_sure(ctx, argv, DK_INFO_TIMEOUT, &out, NULL, &status) == 0 &&
	    status == 0 && out)
		pid = strtol(out, NULL, 10);
	free(out);
	if (pid <= 0)
		return -ENOTSUP;
	a->cgroup_member = (pid_t)pid;
	return 0;
}

static const struct vb_backend_ops dk_ops = {
	.size = sizeof(dk_ops),
	.validate = dk_validate,
	.create = dk_create,
	.open = dk_open,
	.exec = dk_exec,
	.drop_caches = dk_drop_caches,
	.close = dk_close,
	.destroy = dk_destroy,
	.accounting = dk_accounting,
};

static const struct vb_plugin_info dk_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_BACKEND,
	.name = "docker",
	.version = "1.1.0",
	.summary = "Docker (or podman) containers with --cpus/--cpuset-cpus "
		   "and --memory; the agent bundle is bind-mounted",
	.options = dk_options,
	.options_size = sizeof(struct dk_opts),
	.ops = &dk_ops,
};

VB_PLUGIN_DEFINE(docker, &dk_info)
