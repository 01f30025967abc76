/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qemu: one throw-away micro-VM per cell, booted straight from the host's
 * kernel and an initramfs built here (busybox, the agent bundle, the
 * modules the guest needs). The agent inside serves framed requests on a
 * second serial port connected to a UNIX socket this backend listens on;
 * the first port is the guest console, logged per cell. See docs/qemu.md.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "virtbench/plugin.h"
#include "lib/frame.h"
#include "lib/protocol.h"
#include "qemu-image.h"

enum { BOOT_AUTO, BOOT_PVH, BOOT_BZIMAGE };
enum { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };
enum { TCG_SINGLE, TCG_MULTI };
enum { TOPO_SOCKETS, TOPO_CORES };
enum { FMT_RAW, FMT_QCOW2 };

struct qemu_opts {
	char *kernel;
	int boot_path;
	int accel;
	int tcg_thread;
	int topology;
	char *cpu_model;
	char *machine;
	char *firmware;
	double boot_timeout;
	double kvm_probe_timeout;
	int disk_format;
	int disk_cache;
	int64_t disk_margin;
	char *qemu;
	char *bundle;
	char *append;
	char **extra_args;
};

static const char *const boot_choices[] = { "auto", "pvh", "bzimage", NULL };
static const char *const accel_choices[] = { "auto", "kvm", "tcg", NULL };
static const char *const tcg_choices[] = { "single", "multi", NULL };
static const char *const topo_choices[] = { "sockets", "cores", NULL };
static const char *const fmt_choices[] = { "raw", "qcow2", NULL };
static const char *const cache_choices[] = { "none", "writeback",
					     "writethrough", "directsync",
					     "unsafe", NULL };

#define OPT(field) offsetof(struct qemu_opts, field)
static const struct vb_option qemu_options[] = {
	{ .name = "kernel", .type = VB_OPT_STRING, .offset = OPT(kernel),
	  .def = "auto",
	  .help = "guest kernel: auto (virtbench's if built, else host), virtbench (virtbench-build-kernel's), host (the newest /boot/vmlinuz-*) or a bzImage path" },
	{ .name = "boot_path", .type = VB_OPT_ENUM, .offset = OPT(boot_path),
	  .def = "auto", .choices = boot_choices,
	  .help = "pvh: the vmlinux extracted from the bzImage (fast); bzimage; auto: pvh, falling back to bzimage" },
	{ .name = "accel", .type = VB_OPT_ENUM, .offset = OPT(accel),
	  .def = "auto", .choices = accel_choices,
	  .help = "auto: try KVM within kvm_probe_timeout, else TCG with a warning" },
	{ .name = "tcg_thread", .type = VB_OPT_ENUM, .offset = OPT(tcg_thread),
	  .def = "multi", .choices = tcg_choices,
	  .help = "TCG: one host thread per vCPU (multi) or one for all (single)" },
	{ .name = "topology", .type = VB_OPT_ENUM, .offset = OPT(topology),
	  .def = "sockets", .choices = topo_choices,
	  .help = "vCPUs as -smp N,sockets=N or -smp N,cores=N" },
	{ .name = "cpu_model", .type = VB_OPT_STRING, .offset = OPT(cpu_model),
	  .def = "",
	  .help = "-cpu model (empty: max under TCG, host under KVM)" },
	{ .name = "machine", .type = VB_OPT_STRING, .offset = OPT(machine),
	  .def = "q35", .help = "-machine type" },
	{ .name = "firmware", .type = VB_OPT_STRING, .offset = OPT(firmware),
	  .def = "auto",
	  .help = "auto: QEMU's qboot.rom if installed (boots ~0.4 s sooner under TCG), else QEMU's default; default: QEMU's own (SeaBIOS); or a -bios file" },
	{ .name = "boot_timeout", .type = VB_OPT_DURATION,
	  .offset = OPT(boot_timeout), .def = "60s", .min = 1, .max = 3600,
	  .help = "time for the guest agent to say hello after QEMU starts" },
	{ .name = "kvm_probe_timeout", .type = VB_OPT_DURATION,
	  .offset = OPT(kvm_probe_timeout), .def = "15s", .min = 1, .max = 600,
	  .help = "accel=auto: a KVM boot slower than this counts as broken" },
	{ .name = "disk_format", .type = VB_OPT_ENUM, .offset = OPT(disk_format),
	  .def = "raw", .choices = fmt_choices,
	  .help = "scratch disk image format" },
	{ .name = "disk_cache", .type = VB_OPT_ENUM, .offset = OPT(disk_cache),
	  .def = "none", .choices = cache_choices,
	  .help = "scratch disk cache mode (none: the host page cache does not flatter the VM)" },
	{ .name = "disk_margin", .type = VB_OPT_SIZE, .offset = OPT(disk_margin),
	  .def = "64M", .min = 0, .max = 1099511627776.0,
	  .help = "scratch disk size beyond the workloads' need (ext4 metadata, journal)" },
	{ .name = "qemu", .type = VB_OPT_STRING, .offset = OPT(qemu),
	  .def = "qemu-system-x86_64", .help = "QEMU program" },
	{ .name = "bundle", .type = VB_OPT_STRING, .offset = OPT(bundle),
	  .def = "",
	  .help = "agent bundle directory (empty: the one virtbench builds)" },
	{ .name = "append", .type = VB_OPT_STRING, .offset = OPT(append),
	  .def = "", .help = "extra guest kernel command line" },
	{ .name = "extra_args", .type = VB_OPT_LIST, .offset = OPT(extra_args),
	  .help = "extra QEMU arguments, one per element" },
	{ .name = NULL },
};

/* Fast, quiet boot; none of these changes what a workload measures.
 * Not rodata=off: it would save ~0.2 s but keeps ~3 MiB of kernel image
 * gaps unfreed, so MemTotal would no longer match the kernel's usual. */
#define BASE_APPEND \
	"console=ttyS0 panic=-1 quiet cryptomgr.notests " \
	"tsc=reliable no_timer_check i8042.noaux i8042.nopnp i8042.nokbd"

struct qemu_state {
	const struct qemu_opts *o;
	char bzimage[PATH_MAX];
	char vmlinux[PATH_MAX];     /* "" when PVH is not available */
	char initramfs[PATH_MAX];
	char bios[PATH_MAX];        /* "" for QEMU's default firmware */
	char image_hash[40];
	int accel;                  /* ACCEL_AUTO until decided */
	int pvh_ok;                 /* -1 unknown, 0 failed, 1 worked */

	/* The running VM: QEMU, a child of the engine (vb_proc_spawn), so
	 * it dies with the engine; NULL when none. */
	struct vb_child *vm;
	int lsock, sock;
	char dir[200];              /* mkdtemp: socket, disk (short: sun_path) */
	char sockpath[PATH_MAX];
	char disk[PATH_MAX];
	char console[PATH_MAX];
	char qlog[PATH_MAX];
	unsigned long nonce, next_id;
	/* The open cell, to boot its VM again after a timeout killed it. */
	bool opened;
	struct vb_env_spec spec;
	char label[256];
	char log_dir[PATH_MAX];
	char rbuf[VBQ_LINE_MAX];
	size_t rlen;
};

/* ------------------------------------------------------------------ */

static const char *find_prog(const char *name, char *buf, size_t n)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? name : NULL;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		const char *c = strchr(path, ':');
		size_t l = c ? (size_t)(c - path) : strlen(path);
		snprintf(buf, n, "%.*s/%s", (int)l, path, name);
		if (l && access(buf, X_OK) == 0)
			return buf;
		path += l + (c ? 1 : 0);
	}
	/* mkfs.ext4 lives in sbin, which a user's PATH may lack. */
	static const char *const sbins[] = { "/usr/sbin", "/sbin", NULL };
	for (size_t i = 0; sbins[i]; i++) {
		snprintf(buf, n, "%s/%s", sbins[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/*
 * Under TCG SeaBIOS takes ~0.4 s before the kernel runs; qboot, shipped
 * with QEMU for micro-VMs, only loads the kernel QEMU hands it. Look for
 * it where QEMU keeps its firmware: next to the binary, then the distro's.
 */
static int firmware_resolve(struct vb_ctx *ctx, const char *want,
			    const char *qemu, char *out, size_t n)
{
	char dir[PATH_MAX];

	out[0] = '\0';
	if (!strcmp(want, "default"))
		return 0;
	if (strcmp(want, "auto") != 0) {
		if (access(want, R_OK) != 0)
			return VB_ERROR(ctx, -ENOENT,
					"firmware %s: %s (use auto, default or a readable -bios file)",
					want, strerror(errno));
		snprintf(out, n, "%s", want);
		return 0;
	}
	if (realpath(qemu, dir)) {
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			int l = snprintf(out, n, "%s/../share/qemu/qboot.rom",
					 dir);
			if (l > 0 && (size_t)l < n && realpath(out, dir) &&
			    access(dir, R_OK) == 0) {
				snprintf(out, n, "%s", dir);
				return 0;
			}
		}
	}
	snprintf(out, n, "/usr/share/qemu/qboot.rom");
	if (access(out, R_OK) == 0)
		return 0;
	out[0] = '\0';
	return 0;
}

static int guest_init_path(char *out, size_t n)
{
	const char *env = getenv("VIRTBENCH_GUEST_DIR");
	const char *dirs[] = { env, ABS_SRCDIR "/guest", PKGDATADIR "/guest",
			       NULL };

	for (size_t i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(out, n, "%s/init", dirs[i]);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* The last `max` lines of a file, joined with " | " (for one-line errors)
 * or with newlines. */
static void file_tail(const char *path, int max, const char *sep, char *out,
		      size_t n)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len = 0;

	out[0] = '\0';
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	len = pread(fd, buf, sizeof(buf) - 1, start);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	/* Console output has CRs and escape sequences: keep it printable. */
	for (ssize_t i = 0; i < len; i++)
		if (buf[i] == '\r' || (buf[i] != '\n' && ((unsigned char)buf[i] < ' ' ||
						     (unsigned char)buf[i] == 0x7f)))
			buf[i] = ' ';
	char *p = buf + len;
	int lines = 0;
	while (p > buf && p[-1] == '\n')
		*--p = '\0';
	while (p > buf) {
		if (p[-1] == '\n' && ++lines == max)
			break;
		p--;
	}
	size_t o = 0;
	for (; *p && o + 4 < n; p++) {
		if (*p == '\n') {
			o += (size_t)snprintf(out + o, n - o, "%s", sep);
			if (o >= n)
				o = n - 1;
		} else {
			out[o++] = *p;
		}
	}
	out[o < n ? o : n - 1] = '\0';
}

/* ------------------------------------------------------------------ */
/* create / destroy                                                     */
/* ------------------------------------------------------------------ */

static int qemu_validate(const void *opts, char *msg, size_t msglen)
{
	const struct qemu_opts *o = opts;

	if (o->accel == ACCEL_KVM && o->tcg_thread == TCG_SINGLE) {
		snprintf(msg, msglen,
			 "tcg_thread = \"single\" has no meaning with accel = \"kvm\"; drop it or use accel = \"tcg\"");
		return -EINVAL;
	}
	return 0;
}

static const char *tmp_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

/*
 * The per-VM directories (vbq-PID-XXXXXX: control socket, scratch disk of
 * 100 MiB and more) of virtbench runs whose PID is gone: killed before
 * their close() ran. Their QEMUs died with them (vb_proc children).
 */
static void sweep_stale(struct vb_ctx *ctx)
{
	const char *tmp = tmp_dir();
	DIR *d = opendir(tmp);
	struct dirent *e;
	int removed = 0;

	while (d && (e = readdir(d))) {
		char dir[PATH_MAX], path[PATH_MAX + 256], *end;
		long pid;
		struct stat st;
		DIR *sub;

		if (strncmp(e->d_name, "vbq-", 4) != 0)
			continue;
		pid = strtol(e->d_name + 4, &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", tmp, e->d_name);
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid() || !(sub = opendir(dir)))
			continue;
		/* Flat: what qemu_open put there, nothing deeper. */
		for (struct dirent *f; (f = readdir(sub));) {
			if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
			unlink(path);
		}
		closedir(sub);
		if (rmdir(dir) == 0)
			removed++;
	}
	if (d)
		closedir(d);
	if (removed)
		vb_log(ctx, VB_LOG_WARN,
		       "removed %d VM director%s (%s/vbq-*) left by virtbench runs that no longer exist",
		       removed, removed == 1 ? "y" : "ies", tmp);
}

static int qemu_create_in(struct vb_ctx *ctx, const void *opts, void **state);

/* destroy() is not called after a failed create: free here. */
static int qemu_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	int err;

	*state = NULL;
	err = qemu_create_in(ctx, opts, state);
	if (err < 0) {
		free(*state);
		*state = NULL;
	}
	return err;
}

static int qemu_create_in(struct vb_ctx *ctx, const void *opts, void **state)
{
	const struct qemu_opts *o = opts;
	struct qemu_state *s;
	char cache[PATH_MAX], prog[PATH_MAX], init[PATH_MAX];
	char release[128], moddir[PATH_MAX];
	const char *bundle = NULL, *busybox = NULL;
	bool builtin = false;
	int err;

	if (!find_prog(o->qemu, prog, sizeof(prog)))
		return VB_ERROR(ctx, -EHOSTDOWN,
				"%s not found: install qemu-system-x86 or set qemu",
				o->qemu);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = o;
	s->lsock = s->sock = -1;
	s->pvh_ok = -1;
	s->accel = o->accel;
	*state = s;
	sweep_stale(ctx);

	if ((err = firmware_resolve(ctx, o->firmware, prog, s->bios,
				    sizeof(s->bios))) < 0)
		return err;
	if ((err = vbq_cache_dir(ctx, cache, sizeof(cache))) < 0 ||
	    (err = vbq_kernel_resolve(ctx, o->kernel, cache, s->bzimage,
				      sizeof(s->bzimage), &builtin)) < 0 ||
	    (err = vbq_kernel_release(ctx, s->bzimage, release,
				      sizeof(release))) < 0)
		return err == -ENOENT ? -EHOSTDOWN : err;

	if (!strcmp(o->kernel, "auto") && !builtin)
		vb_log(ctx, VB_LOG_INFO,
		       "booting the host kernel %s; virtbench-build-kernel builds a guest kernel that boots ~2x faster under TCG (docs/qemu.md)",
		       s->bzimage);
	if (o->boot_path != BOOT_BZIMAGE) {
		err = vbq_vmlinux_get(ctx, s->bzimage, cache, s->vmlinux,
				      sizeof(s->vmlinux));
		if (err < 0 && o->boot_path == BOOT_PVH)
			return err;
		if (err < 0) {
			vb_log(ctx, VB_LOG_WARN,
			       "no vmlinux for PVH boot (%s): booting the bzImage",
			       strerror(-err));
			s->vmlinux[0] = '\0';
		}
	}

	static const char *const bbs[] = { "/bin/busybox", "/usr/bin/busybox",
					   "/usr/lib/initramfs-tools/bin/busybox",
					   NULL };
	for (size_t i = 0; bbs[i] && !busybox; i++)
		if (access(bbs[i], X_OK) == 0)
			busybox = bbs[i];
	if (!busybox)
		return VB_ERROR(ctx, -EHOSTDOWN,
				"busybox not found: install busybox-static");
	if (guest_init_path(init, sizeof(init)) < 0)
		return VB_ERROR(ctx, -EHOSTDOWN,
				"guest/init not found in $VIRTBENCH_GUEST_DIR, %s or %s",
				ABS_SRCDIR "/guest", PKGDATADIR "/guest");

	if (o->bundle && *o->bundle) {
		bundle = o->bundle;
	} else if ((err = vb_bundle_get(ctx, &bundle, NULL)) < 0) {
		return VB_ERROR(ctx, err == -ENOSYS ? -EHOSTDOWN : err,
				"cannot build the agent bundle: %s; set bundle to a bundle directory",
				vb_error_message(ctx)[0] ? vb_error_message(ctx) : strerror(-err));
	}
	char agent[PATH_MAX];
	snprintf(agent, sizeof(agent), "%s/bin/virtbench-agent", bundle);
	if (access(agent, R_OK) != 0)
		return VB_ERROR(ctx, -EHOSTDOWN,
				"%s is not an agent bundle (no bin/virtbench-agent)",
				bundle);

	const char *argv[32];
	int na = o->bundle && *o->bundle ? -ENOSYS
		 : vb_bundle_argv(ctx, "/opt/virtbench", argv, 31);
	char loader[PATH_MAX] = "/opt/virtbench/lib/ld-linux-x86-64.so.2";
	if (na < 0) {
		/* The layout vb_bundle_get documents, for a given bundle; its
		 * manifest names the loader ("# loader lib/ld-...so.2"). */
		char mf[PATH_MAX], line[512];
		snprintf(mf, sizeof(mf), "%s/manifest", bundle);
		FILE *f = fopen(mf, "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "# loader ", 9) != 0)
				continue;
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(loader, sizeof(loader), "/opt/virtbench/%s",
				 line + 9);
			break;
		}
		if (f)
			fclose(f);
		na = 0;
		argv[na++] = loader;
		argv[na++] = "--library-path";
		argv[na++] = "/opt/virtbench/lib";
		argv[na++] = "/opt/virtbench/bin/virtbench-agent";
		argv[na++] = "--plugin-dir";
		argv[na++] = "/opt/virtbench/plugins";
	}
	argv[na] = NULL;

	snprintf(moddir, sizeof(moddir), "/lib/modules/%s", release);
	static const char *const mods[] = { "virtio_pci", "virtio_blk",
					    "crc32c_generic", "ext4", NULL };
	bool have_mods = !builtin && access(moddir, R_OK) == 0;
	if (!have_mods && !builtin)
		vb_log(ctx, VB_LOG_WARN,
		       "%s missing: the guest gets no modules, so no scratch disk",
		       moddir);
	struct vbq_image_in in = {
		.busybox = busybox,
		.init = init,
		.moddir = have_mods ? moddir : NULL,
		.modules = mods,
		.bundle = bundle,
		.agent_argv = argv,
	};
	err = vbq_initramfs_get(ctx, &in, cache, s->initramfs,
				sizeof(s->initramfs), s->image_hash,
				sizeof(s->image_hash));
	if (err < 0)
		return err;
	vb_log(ctx, VB_LOG_DEBUG, "kernel %s, initramfs %s", s->bzimage,
	       s->initramfs);
	return 0;
}

static void qemu_destroy(void *state)
{
	free(state);
}

/* ------------------------------------------------------------------ */
/* VM lifecycle                                                         */
/* ------------------------------------------------------------------ */

static void vm_kill(struct qemu_state *s)
{
	vb_proc_stop(NULL, s->vm, 0, NULL);
	s->vm = NULL;
	if (s->sock >= 0)
		close(s->sock);
	if (s->lsock >= 0)
		close(s->lsock);
	s->sock = s->lsock = -1;
	s->rlen = 0;
}

static void vm_cleanup_files(struct qemu_state *s)
{
	if (s->sockpath[0])
		unlink(s->sockpath);
	if (s->disk[0])
		unlink(s->disk);
	if (s->dir[0])
		rmdir(s->dir);
	s->sockpath[0] = s->disk[0] = s->dir[0] = '\0';
}

static int run_tool(struct vb_ctx *ctx, const char *const *argv, int log_fd)
{
	struct vb_proc p = VB_PROC_INIT;
	int status = -1, rc;

	p.argv = argv;
	p.timeout = 300;
	p.log_fd = log_fd;
	rc = vb_proc_run(ctx, &p, &status);

	if (rc < 0)
		return VB_ERROR(ctx, rc, "%s failed: %s", argv[0], strerror(-rc));
	if (status != 0)
		return VB_ERROR(ctx, -EIO, "%s exited with status %d (see %s)",
				argv[0], status, "the cell's qemu log");
	return 0;
}

/* ext4 on a raw file (mkfs.ext4 -F needs no loop device), converted to
 * qcow2 if asked. Inode tables and journal are written here, not lazily by
 * the guest while it is being measured. */
static int make_disk(struct qemu_state *s, struct vb_ctx *ctx, int64_t need,
		     int log_fd)
{
	const struct qemu_opts *o = s->o;
	char qimg[PATH_MAX], mkfs[PATH_MAX], size[32], raw[PATH_MAX + 8];
	int64_t bytes = need + need / 10 + o->disk_margin;
	int err;

	bytes = (bytes + (1 << 20) - 1) & ~(int64_t)((1 << 20) - 1);
	if (!find_prog("qemu-img", qimg, sizeof(qimg)))
		return VB_ERROR(ctx, -ENOENT, "qemu-img not found: install qemu-utils");
	if (!find_prog("mkfs.ext4", mkfs, sizeof(mkfs)))
		return VB_ERROR(ctx, -ENOENT, "mkfs.ext4 not found: install e2fsprogs");
	/* A VM whose disk fills up pauses (QEMU's werror=enospc) and the
	 * agent times out a minute later: ask for the room now, and take
	 * it (preallocation), so the guest never runs out of it. */
	struct statvfs fs;
	if (statvfs(s->dir, &fs) == 0 &&
	    (uint64_t)fs.f_bavail * fs.f_frsize < (uint64_t)bytes)
		return VB_ERROR(ctx, -ENOSPC,
				"no room for the VM's scratch disk: %lld MiB needed, %llu MiB free in %s (set TMPDIR to a filesystem with room, or lower disk_margin)",
				(long long)(bytes >> 20),
				(unsigned long long)((uint64_t)fs.f_bavail *
						     fs.f_frsize >> 20),
				s->dir);
	snprintf(size, sizeof(size), "%lld", (long long)bytes);
	snprintf(raw, sizeof(raw), "%s/scratch.raw", s->dir);
	snprintf(s->disk, sizeof(s->disk), "%s/scratch.%s", s->dir,
		 fmt_choices[o->disk_format]);
	const char *create[] = { qimg, "create", "-q", "-f", "raw", "-o",
				 "preallocation=falloc", raw, size, NULL };
	const char *mk[] = { mkfs, "-F", "-q", "-L", "vbscratch", "-E",
			     "lazy_itable_init=0,lazy_journal_init=0", raw, NULL };
	if ((err = run_tool(ctx, create, log_fd)) < 0 ||
	    (err = run_tool(ctx, mk, log_fd)) < 0) {
		unlink(raw);
		return err;
	}
	if (o->disk_format == FMT_QCOW2) {
		const char *conv[] = { qimg, "convert", "-q", "-f", "raw", "-O",
				       "qcow2", raw, s->disk, NULL };
		err = run_tool(ctx, conv, log_fd);
		unlink(raw);
		if (err < 0)
			return err;
	}
	vb_env_fact(ctx, "disk_bytes", size);
	return 0;
}

struct argv_buf {
	const char *v[128];
	size_t n;
	char store[16][PATH_MAX + 256];
	size_t ns;
};

static void av(struct argv_buf *a, const char *s)
{
	if (a->n < 127)
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void avf(struct argv_buf *a, const char *fmt, ...) VB_PRINTF(2, 3);
static void avf(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;

	if (a->ns >= 16)
		return;
	va_start(ap, fmt);
	vsnprintf(a->store[a->ns], sizeof(a->store[0]), fmt, ap);
	va_end(ap);
	av(a, a->store[a->ns++]);
}

/* QEMU option values split on ','; a literal comma is written ",,". */
static const char *qarg(const char *path, char *buf, size_t n)
{
	size_t o = 0;

	for (; *path && o + 2 < n; path++) {
		if (*path == ',')
			buf[o++] = ',';
		buf[o++] = *path;
	}
	buf[o] = '\0';
	return buf;
}

static int spawn(struct qemu_state *s, struct vb_ctx *ctx,
		 const struct argv_buf *a)
{
	int lfd = open(s->qlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	struct vb_proc p = VB_PROC_INIT;
	int err;

	if (lfd < 0)
		return VB_ERROR(ctx, -errno, "cannot create %s: %s", s->qlog,
				strerror(errno));
	{
		/* The exact command, for a user reproducing a failed boot. */
		FILE *f = fdopen(dup(lfd), "a");
		if (f) {
			fputs("+", f);
			for (size_t i = 0; i < a->n; i++)
				fprintf(f, " %s", a->v[i]);
			fputs("\n", f);
			fclose(f);
		}
	}
	/* QEMU's stdout and stderr go to the cell's qemu log. */
	p.argv = a->v;
	p.log_fd = lfd;
	err = vb_proc_spawn(ctx, &p, &s->vm);
	close(lfd);
	if (err < 0)
		return VB_ERROR(ctx, err, "cannot start %s: %s", a->v[0],
				strerror(-err));
	return 0;
}

/* Frames from the socket, one line at a time; 1 with a line, 0 on
 * timeout (ms elapsed), -EPIPE when the VM is gone. */
static int read_frame(struct qemu_state *s, char *line, size_t n, int ms)
{
	for (;;) {
		char *nl = memchr(s->rbuf, '\n', s->rlen);
		if (nl || s->rlen == sizeof(s->rbuf)) {
			size_t l = nl ? (size_t)(nl - s->rbuf) : s->rlen;
			size_t cp = l < n - 1 ? l : n - 1;
			memcpy(line, s->rbuf, cp);
			line[cp] = '\0';
			if (cp && line[cp - 1] == '\r')
				line[cp - 1] = '\0';
			size_t drop = nl ? l + 1 : l;
			memmove(s->rbuf, s->rbuf + drop, s->rlen - drop);
			s->rlen -= drop;
			return 1;
		}
		struct pollfd pf = { .fd = s->sock, .events = POLLIN };
		int r = poll(&pf, 1, ms);
		if (r < 0 && errno == EINTR)
			return 0;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		ssize_t got = read(s->sock, s->rbuf + s->rlen,
				   sizeof(s->rbuf) - s->rlen);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			return -EPIPE;
		s->rlen += (size_t)got;
		ms = 0; /* got bytes: only complete what is buffered */
	}
}

static bool vm_alive(struct qemu_state *s)
{
	if (!s->vm)
		return false;
	if (vb_proc_wait(NULL, s->vm, 0, NULL) != 0)
		return true;
	vb_proc_stop(NULL, s->vm, 0, NULL);
	s->vm = NULL;
	return false;
}

/*
 * What QEMU itself said about its latest start: the last line of the qemu
 * log after that start's "+ command" line (say "cannot set up guest
 * memory 'pc.ram': Cannot allocate memory"), or "".
 */
static void qemu_said(const char *qlog, char *out, size_t n)
{
	char buf[8192], *p, *last = NULL;
	int fd = open(qlog, O_RDONLY | O_CLOEXEC);
	ssize_t len;
	off_t end;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	len = pread(fd, buf, sizeof(buf) - 1,
		    end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		if (!strncmp(p, "+ ", 2))
			last = NULL; /* a later start: what came before is old */
		else if (p[strspn(p, " \t\r")])
			last = p;
	}
	if (last)
		snprintf(out, n, "%s", last);
}

/* Why a boot failed, quoting QEMU and the console: the user's only
 * clues, in the cell's error, not only in the logs. */
static int boot_error(struct qemu_state *s, struct vb_ctx *ctx, int err,
		      const char *what)
{
	char tail[2048], said[400];

	file_tail(s->console, 20, "\n", tail, sizeof(tail));
	qemu_said(s->qlog, said, sizeof(said));
	vb_log(ctx, VB_LOG_ERROR, "%s; last lines of %s:\n%s", what,
	       s->console, tail[0] ? tail : "(empty)");
	file_tail(s->console, 4, " | ", tail, sizeof(tail));
	if (said[0])
		return VB_ERROR(ctx, err,
				"%s: QEMU says \"%.300s\" (%s; console %s ends: %.200s)",
				what, said, s->qlog, s->console,
				tail[0] ? tail : "(nothing)");
	return VB_ERROR(ctx, err, "%s (console %s ends: %.300s)", what,
			s->console, tail[0] ? tail : "(nothing)");
}

static int boot(struct qemu_state *s, struct vb_ctx *ctx,
		const struct vb_env_spec *spec, int accel, bool pvh,
		double limit, double *seconds)
{
	const struct qemu_opts *o = s->o;
	struct argv_buf *a = calloc(1, sizeof(*a));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char esc[2 * PATH_MAX];
	int err;

	if (!a)
		return -ENOMEM;
	s->nonce = ((unsigned long)vb_now_ns() ^ ((unsigned long)getpid() << 20)) %
		   1000000000ul + 1;
	s->next_id = 0;
	snprintf(s->sockpath, sizeof(s->sockpath), "%s/ctl.sock", s->dir);
	unlink(s->sockpath);
	if (strlen(s->sockpath) >= sizeof(sa.sun_path)) {
		free(a);
		return VB_ERROR(ctx, -ENAMETOOLONG,
				"socket path %s is too long: set TMPDIR shorter",
				s->sockpath);
	}
	strcpy(sa.sun_path, s->sockpath);
	s->lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lsock < 0 || bind(s->lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lsock, 1) < 0) {
		err = VB_ERROR(ctx, -errno, "control socket %s: %s", s->sockpath,
			       strerror(errno));
		free(a);
		return err;
	}

	av(a, o->qemu);
	av(a, "-name");
	avf(a, "vbq-%s", spec->label);
	av(a, "-machine");
	av(a, o->machine);
	if (accel == ACCEL_KVM) {
		av(a, "-accel");
		av(a, "kvm");
	} else {
		av(a, "-accel");
		avf(a, "tcg,thread=%s", tcg_choices[o->tcg_thread]);
	}
	av(a, "-cpu");
	av(a, *o->cpu_model ? o->cpu_model : accel == ACCEL_KVM ? "host" : "max");
	av(a, "-smp");
	avf(a, "%d,%s=%d", spec->cpus, topo_choices[o->topology], spec->cpus);
	av(a, "-m");
	avf(a, "%lldM", (long long)(spec->memory >> 20));
	if (s->bios[0]) {
		av(a, "-bios");
		av(a, s->bios);
	}
	av(a, "-nodefaults");
	av(a, "-no-user-config");
	av(a, "-display");
	av(a, "none");
	av(a, "-no-reboot");
	av(a, "-chardev");
	avf(a, "file,id=con,path=%s,append=on",
	    qarg(s->console, esc, sizeof(esc)));
	av(a, "-serial");
	av(a, "chardev:con");
	av(a, "-chardev");
	avf(a, "socket,id=ctl,path=%s", qarg(s->sockpath, esc, sizeof(esc)));
	av(a, "-serial");
	av(a, "chardev:ctl");
	av(a, "-kernel");
	av(a, pvh ? s->vmlinux : s->bzimage);
	av(a, "-initrd");
	av(a, s->initramfs);
	av(a, "-append");
	avf(a, BASE_APPEND " vb.nonce=%lu%s %s", s->nonce,
	    s->disk[0] ? " vb.scratch=1" : "", o->append);
	if (s->disk[0]) {
		av(a, "-drive");
		/* A full host disk is an I/O error in the guest, which the
		 * workload reports, not a paused VM (QEMU's default). */
		avf(a, "file=%s,format=%s,if=virtio,cache=%s,werror=report,rerror=report",
		    qarg(s->disk, esc, sizeof(esc)),
		    fmt_choices[o->disk_format], cache_choices[o->disk_cache]);
	}
	for (size_t i = 0; o->extra_args && o->extra_args[i]; i++)
		av(a, o->extra_args[i]);

	uint64_t t0 = vb_now_ns();
	err = spawn(s, ctx, a);
	free(a);
	if (err < 0)
		return err;

	/* QEMU connects to us at startup; then the agent says hello. */
	uint64_t deadline = t0 + (uint64_t)(limit * 1e9);
	char line[VBQ_LINE_MAX];
	while (s->sock < 0) {
		struct pollfd pf = { .fd = s->lsock, .events = POLLIN };
		if (vb_interrupted(ctx))
			return -EINTR;
		if (!vm_alive(s))
			return boot_error(s, ctx, -EIO, "QEMU exited at startup");
		if (vb_now_ns() > deadline)
			return boot_error(s, ctx, -ETIMEDOUT,
					  "QEMU did not connect its serial port");
		if (poll(&pf, 1, 100) > 0)
			s->sock = accept4(s->lsock, NULL, NULL, SOCK_CLOEXEC);
	}
	for (;;) {
		if (vb_interrupted(ctx))
			return -EINTR;
		if (vb_now_ns() > deadline) {
			char msg[128];
			snprintf(msg, sizeof(msg),
				 "the guest agent did not start within %.0f s", limit);
			return boot_error(s, ctx, -ETIMEDOUT, msg);
		}
		int r = read_frame(s, line, sizeof(line), 200);
		if (r < 0 || !vm_alive(s))
			return boot_error(s, ctx, -EIO,
					  "the VM stopped before its agent started");
		const char *kind, *text;
		unsigned long id;
		if (r == 1 && vbq_parse_answer(line, &kind, &id, &text) &&
		    !strcmp(kind, "ready") && id == s->nonce)
			break;
	}
	*seconds = (double)(vb_now_ns() - t0) / 1e9;
	return 0;
}

/* Boot with the fallbacks: KVM → TCG when accel=auto, PVH → bzImage
 * when boot_path=auto. Decisions stick for the backend's later cells. */
static int vm_start(struct qemu_state *s, struct vb_ctx *ctx,
		    const struct vb_env_spec *spec, bool *pvh_out, double *secs)
{
	const struct qemu_opts *o = s->o;
	int err = -EIO;

	bool pvh = s->vmlinux[0] && o->boot_path != BOOT_BZIMAGE && s->pvh_ok != 0;
	int accel = s->accel;
	for (int attempt = 0; attempt < 3; attempt++) {
		bool probing = accel == ACCEL_AUTO;
		int use = probing ? ACCEL_KVM : accel;
		if (use == ACCEL_KVM && access("/dev/kvm", R_OK | W_OK) != 0) {
			if (!probing)
				return VB_ERROR(ctx, -EHOSTDOWN,
						"accel = \"kvm\" but /dev/kvm is not usable: %s",
						strerror(errno));
			vb_log(ctx, VB_LOG_WARN,
			       "/dev/kvm is not usable (%s): falling back to TCG",
			       strerror(errno));
			accel = s->accel = ACCEL_TCG;
			continue;
		}
		double limit = probing && o->kvm_probe_timeout < o->boot_timeout
				       ? o->kvm_probe_timeout : o->boot_timeout;
		vb_error_clear(ctx);
		err = boot(s, ctx, spec, use, pvh, limit, secs);
		if (err == 0) {
			if (pvh)
				s->pvh_ok = 1;
			s->accel = accel = use;
			break;
		}
		vm_kill(s);
		if (err == -EINTR || vb_interrupted(ctx))
			return -EINTR;
		if (probing) {
			vb_log(ctx, VB_LOG_WARN,
			       "KVM did not boot the guest within %.0f s (%s): falling back to TCG, which is much slower",
			       limit, vb_error_message(ctx));
			accel = s->accel = ACCEL_TCG;
			continue;
		}
		if (pvh && o->boot_path == BOOT_AUTO && s->pvh_ok != 1) {
			vb_log(ctx, VB_LOG_WARN,
			       "PVH boot of %s failed (%s): falling back to the bzImage",
			       s->vmlinux, vb_error_message(ctx));
			s->pvh_ok = 0;
			pvh = false;
			continue;
		}
		return err;
	}
	if (!s->vm)
		return err < 0 ? err : VB_ERROR(ctx, -EIO, "the VM did not boot");
	*pvh_out = pvh;
	return 0;
}

static int qemu_close(void *state, struct vb_ctx *ctx);

static int qemu_open(void *state, struct vb_ctx *ctx,
		     const struct vb_env_spec *spec,
		     struct vb_env_granted *granted)
{
	struct qemu_state *s = state;
	const struct qemu_opts *o = s->o;
	const char *tmp = tmp_dir();
	char label[64];
	double secs = 0;
	int err = -EIO, log_fd;

	qemu_close(s, ctx);
	if (strlen(tmp) + 24 >= sizeof(s->dir) - 16)
		return VB_ERROR(ctx, -ENAMETOOLONG,
				"TMPDIR %s is too long for a UNIX socket path", tmp);
	/* Our pid in the name: a later run removes it if we are killed. */
	snprintf(s->dir, sizeof(s->dir), "%s/vbq-%ld-XXXXXX", tmp,
		 (long)getpid());
	if (!mkdtemp(s->dir)) {
		err = -errno;
		s->dir[0] = '\0';
		return VB_ERROR(ctx, err, "mkdtemp: %s", strerror(-err));
	}
	snprintf(label, sizeof(label), "%s", spec->label);
	snprintf(s->console, sizeof(s->console), "%s/%s.console.log",
		 spec->log_dir, label);
	snprintf(s->qlog, sizeof(s->qlog), "%s/%s.qemu.log", spec->log_dir,
		 label);
	unlink(s->console);

	if (spec->scratch_bytes > 0) {
		log_fd = open(s->qlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);
		err = make_disk(s, ctx, spec->scratch_bytes, log_fd);
		if (log_fd >= 0)
			close(log_fd);
		if (err < 0)
			return err;
	}

	bool pvh;
	err = vm_start(s, ctx, spec, &pvh, &secs);
	if (err < 0)
		return err;
	int accel = s->accel;
	s->spec = *spec;
	snprintf(s->label, sizeof(s->label), "%s", spec->label);
	snprintf(s->log_dir, sizeof(s->log_dir), "%s", spec->log_dir);
	s->spec.label = s->label;
	s->spec.log_dir = s->log_dir;
	s->opened = true;

	char buf[64];
	vb_env_fact(ctx, "accel", accel == ACCEL_KVM ? "kvm" : "tcg");
	if (accel == ACCEL_TCG)
		vb_env_fact(ctx, "tcg_thread", tcg_choices[o->tcg_thread]);
	vb_env_fact(ctx, "kernel", s->bzimage);
	vb_env_fact(ctx, "boot_path", pvh ? "pvh" : "bzimage");
	snprintf(buf, sizeof(buf), "%.3f", secs);
	vb_env_fact(ctx, "boot_seconds", buf);
	vb_env_fact(ctx, "machine", o->machine);
	vb_env_fact(ctx, "firmware", s->bios[0] ? s->bios : "default");
	vb_env_fact(ctx, "cpu_model", *o->cpu_model ? o->cpu_model
				      : accel == ACCEL_KVM ? "host" : "max");
	vb_env_fact(ctx, "topology", topo_choices[o->topology]);
	vb_env_fact(ctx, "initramfs", s->image_hash);
	if (s->disk[0]) {
		vb_env_fact(ctx, "disk_format", fmt_choices[o->disk_format]);
		vb_env_fact(ctx, "disk_cache", cache_choices[o->disk_cache]);
	}
	granted->vm = true;
	granted->cpus_enforced = true;
	granted->memory_enforced = true;
	snprintf(granted->note, sizeof(granted->note),
		 "QEMU %s VM, %d vCPU, -m %lldM; booted in %.1f s",
		 accel == ACCEL_KVM ? "KVM" : "TCG", spec->cpus,
		 (long long)(spec->memory >> 20), secs);
	vb_log(ctx, VB_LOG_INFO, "%s: VM up in %.2f s (%s, %s)", spec->label,
	       secs, accel == ACCEL_KVM ? "kvm" : "tcg", pvh ? "pvh" : "bzimage");
	return 0;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/*
 * Did the guest kernel's OOM killer strike after console offset `from`?
 * Its "Out of memory: Killed process N (NAME)" line (pr_err: shown even
 * with `quiet`) reaches the console log a moment after the request ends,
 * so while the VM runs, look for up to 2 s; once it is gone, the log is
 * complete. The line, up to the task's name, goes to `line`.
 */
static bool guest_oom(const struct qemu_state *s, off_t from, char *line,
		      size_t n)
{
	for (int i = 0; i < (s->vm ? 20 : 1); i++) {
		char buf[16384], *hit;
		int fd = open(s->console, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, from) : -1;

		if (fd >= 0)
			close(fd);
		if (len > 0) {
			buf[len] = '\0';
			for (ssize_t k = 0; k < len; k++)
				if (buf[k] == '\0')
					buf[k] = ' ';
			if ((hit = strstr(buf, "Out of memory: Kill"))) {
				size_t l = strcspn(hit, "\r\n");

				/* up to the task name: "... (virtbench-agent)" */
				char *close_paren = memchr(hit, ')', l);
				if (close_paren)
					l = (size_t)(close_paren - hit) + 1;
				snprintf(line, n, "%.*s", (int)l, hit);
				return true;
			}
		}
		usleep(100000);
	}
	return false;
}

/* One request; `on_end`-style answer handling shared by exec and
 * drop_caches. */
static int request(struct qemu_state *s, struct vb_ctx *ctx,
		   const char *const *argv, double timeout,
		   int (*on_line)(void *, const char *), void *user, int log_fd,
		   int *exit_status)
{
	char hdr[96], *payload;
	size_t len = 0;

	if ((!s->vm || s->sock < 0) && s->opened) {
		/* A timeout killed it; the engine may go on with the next
		 * repetition without reopening, so the cell gets a new VM. */
		bool pvh;
		double secs;
		vb_log(ctx, VB_LOG_WARN, "%s: the VM was stopped; booting it again",
		       s->label);
		vm_kill(s);
		int e = vm_start(s, ctx, &s->spec, &pvh, &secs);
		if (e < 0)
			return e;
	}
	if (!s->vm || s->sock < 0)
		return VB_ERROR(ctx, -EIO, "no VM is running (open failed?)");
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	if (len == 0 || len > VBQ_PAYLOAD_MAX)
		return VB_ERROR(ctx, -E2BIG, "agent request of %zu bytes", len);
	payload = malloc(len);
	if (!payload)
		return -ENOMEM;
	len = 0;
	for (size_t i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(payload + len, argv[i], l);
		len += l;
	}
	unsigned long id = ++s->next_id;
	off_t con0 = file_size(s->console);
	char oom[256];
	int hl = snprintf(hdr, sizeof(hdr), "@@vbreq %lu %zu %08x\n", id, len,
			  (unsigned)vbq_crc32(payload, len));
	int err = 0;
	for (int part = 0; part < 2 && !err; part++) {
		const char *p = part ? payload : hdr;
		size_t n = part ? len : (size_t)hl;
		while (n > 0) {
			ssize_t w = send(s->sock, p, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				err = -errno;
				break;
			}
			p += w;
			n -= (size_t)w;
		}
	}
	free(payload);
	if (err) {
		vm_kill(s);
		return VB_ERROR(ctx, -EIO, "the VM's control channel failed: %s",
				strerror(-err));
	}

	uint64_t deadline = timeout > 0 ? vb_now_ns() + (uint64_t)(timeout * 1e9)
					: 0;
	char line[VBQ_LINE_MAX];
	for (;;) {
		if (vb_interrupted(ctx)) {
			vm_kill(s);
			return -EINTR;
		}
		if (deadline && vb_now_ns() > deadline) {
			vm_kill(s);
			return VB_ERROR(ctx, -ETIMEDOUT,
					"the guest did not answer within %.0f s; VM killed",
					timeout);
		}
		int r = read_frame(s, line, sizeof(line), 200);
		if (r < 0 || (r == 0 && !vm_alive(s))) {
			vm_kill(s);
			if (guest_oom(s, con0, oom, sizeof(oom)))
				return vb_oom_killed(ctx, s->spec.memory, oom);
			return boot_error(s, ctx, -EIO,
					  "the VM stopped during a request");
		}
		const char *kind, *text;
		unsigned long fid;
		if (r == 0 || !vbq_parse_answer(line, &kind, &fid, &text))
			continue;
		if (!strcmp(kind, "ready")) {
			if (fid != s->nonce)
				continue;
			vm_kill(s);
			if (guest_oom(s, con0, oom, sizeof(oom)))
				return vb_oom_killed(ctx, s->spec.memory, oom);
			return boot_error(s, ctx, -EIO,
					  "the guest agent restarted during a request (crashed?)");
		}
		if (fid != id)
			continue; /* an answer to an abandoned request */
		if (!strcmp(kind, "err")) {
			if (log_fd >= 0)
				dprintf(log_fd, "%s\n", text);
		} else if (!strcmp(kind, "out")) {
			if (on_line) {
				int rc = on_line(user, text);
				/* The request would go on in the guest and hold
				 * up the next one: the next exec() gets a new VM. */
				if (rc) {
					vm_kill(s);
					return rc;
				}
			}
			/* The answer is complete: return now, so the host's
			 * timing ends where the agent's did. */
			if (!strncmp(text, VB_PROTO_TAG " done ",
				     sizeof(VB_PROTO_TAG " done ") - 1)) {
				*exit_status = atoi(text + sizeof(VB_PROTO_TAG " done ") - 1);
				return 0;
			}
		} else if (!strcmp(kind, "end")) {
			if (!strcmp(text, "nak"))
				return VB_ERROR(ctx, -EIO,
						"the guest refused a damaged request");
			*exit_status = atoi(text);
			/* SIGKILL in a guest nobody else signals: its OOM
			 * killer, when the console says so. */
			if (*exit_status == 128 + SIGKILL &&
			    guest_oom(s, con0, oom, sizeof(oom)))
				return vb_oom_killed(ctx, s->spec.memory, oom);
			return 0;
		}
	}
}

static int qemu_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		     int *exit_status)
{
	return request(state, ctx, ex->argv, ex->timeout, ex->on_line, ex->user,
		       ex->log_fd, exit_status);
}

static int qemu_drop_caches(void *state, struct vb_ctx *ctx)
{
	const char *argv[] = { VBQ_CMD_DROP_CACHES, NULL };
	int status = -1;
	int rc = request(state, ctx, argv, 120, NULL, NULL, -1, &status);

	if (rc < 0)
		return rc;
	if (status != 0)
		return VB_ERROR(ctx, -EIO, "the guest could not drop its page cache");
	return 0;
}

static int qemu_close(void *state, struct vb_ctx *ctx)
{
	struct qemu_state *s = state;

	if (!s)
		return 0;
	if (s->vm && s->sock >= 0 && !vb_interrupted(ctx)) {
		/* Clean shutdown: the guest syncs and powers off. */
		static const char cmd[] = VBQ_CMD_SHUTDOWN;
		char hdr[64];
		snprintf(hdr, sizeof(hdr), "@@vbreq 0 %zu %08x\n", sizeof(cmd),
			 (unsigned)vbq_crc32(cmd, sizeof(cmd)));
		if (send(s->sock, hdr, strlen(hdr), MSG_NOSIGNAL) > 0 &&
		    send(s->sock, cmd, sizeof(cmd), MSG_NOSIGNAL) ==
			    (ssize_t)sizeof(cmd)) {
			uint64_t end = vb_now_ns() + 3000000000ull;
			while (vm_alive(s) && vb_now_ns() < end &&
			       !vb_interrupted(ctx))
				usleep(20000);
		}
	}
	vm_kill(s);
	vm_cleanup_files(s);
	s->opened = false;
	return 0;
}

/* The VM is its QEMU process: vCPU threads, I/O threads, emulation. */
static int qemu_accounting(void *state, struct vb_ctx *ctx,
			   struct vb_env_accounting *a)
{
	struct qemu_state *s = state;

	(void)ctx;
	if (!s->vm)
		return -ENOTSUP;
	a->pid = vb_proc_pid(s->vm);
	return a->pid > 0 ? 0 : -ENOTSUP;
}

static const struct vb_backend_ops qemu_ops = {
	.size = sizeof(struct vb_backend_ops),
	.validate = qemu_validate,
	.create = qemu_create,
	.open = qemu_open,
	.exec = qemu_exec,
	.drop_caches = qemu_drop_caches,
	.close = qemu_close,
	.destroy = qemu_destroy,
	.accounting = qemu_accounting,
};

static const struct vb_plugin_info qemu_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_BACKEND,
	.name = "qemu",
	.version = "1.1.0",
	.summary = "a micro-VM booted from the host kernel and a generated initramfs",
	.options = qemu_options,
	.options_size = sizeof(struct qemu_opts),
	.ops = &qemu_ops,
};

VB_PLUGIN_DEFINE(qemu, &qemu_info)
