/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bare-metal: the agent runs as a child process on the host. CPUs are
 * limited with affinity to the first N online CPUs; memory with a cgroup
 * (v1 or v2) where the host lets us create one. What cannot be enforced is
 * reported as such, so the verdict says "warn", never a silent "ok".
 * The agent is a child of the engine (vb_proc_run): it dies with the
 * engine, and a cgroup a killed run left behind is removed by the next.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtbench/plugin.h"

enum { BM_CGROUP_AUTO, BM_CGROUP_NONE };

struct bm_opts {
	int cgroup;
	char *cgroup_parent;
};

static const char *const bm_cgroup_choices[] = { "auto", "none", NULL };

static const struct vb_option bm_options[] = {
	{ .name = "cgroup", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct bm_opts, cgroup), .def = "auto",
	  .choices = bm_cgroup_choices,
	  .help = "limit memory with a cgroup (auto: when the host has a writable v1 or v2 memory controller; none: never)" },
	{ .name = "cgroup_parent", .type = VB_OPT_STRING,
	  .offset = offsetof(struct bm_opts, cgroup_parent), .def = "virtbench",
	  .help = "where the environments' cgroups go, relative to the memory controller's root (e.g. a subtree delegated to you); a run removes only the cgroups it finds here whose run is gone" },
	{ .name = NULL },
};

struct bm_state {
	int cgroup_mode;
	char cg_base[PATH_MAX];    /* where our cgroups go; "" = none */
	bool cg_v2;
	char cg_dir[PATH_MAX];     /* this environment's cgroup */
	int64_t memory;            /* its limit */
	cpu_set_t cpus;
};

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;
	ssize_t len = (ssize_t)strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, (size_t)len) != len)
		rc = -errno;
	close(fd);
	return rc;
}

/* mkdir -p ROOT/REL, one component at a time; on v2, each new level
 * hands the memory controller down (an existing one may already have it,
 * or not be ours to change: only the last level must succeed). */
static int mkdir_under(const char *root, const char *rel, bool v2)
{
	char path[PATH_MAX], ctl[PATH_MAX + 32];
	size_t len = strlen(root);
	const char *p = rel;

	if (len + 1 + strlen(rel) >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, root, len + 1);
	if (v2) {
		snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", path);
		write_file(ctl, "+memory");
	}
	while (*p) {
		size_t n = strcspn(p, "/");
		int rc = 0;

		path[len++] = '/';
		memcpy(path + len, p, n);
		len += n;
		path[len] = '\0';
		p += n + (p[n] == '/');
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (v2) {
			snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", path);
			rc = write_file(ctl, "+memory");
			if (rc < 0 && !*p)
				return rc;
		}
	}
	return 0;
}

/* Find a memory controller we may create children in. */
static void bm_find_cgroup(struct bm_state *s, const char *parent)
{
	const char *root;

	s->cg_base[0] = '\0';
	s->cg_v2 = access("/sys/fs/cgroup/cgroup.controllers", R_OK) == 0;
	root = s->cg_v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
	if (mkdir_under(root, parent, s->cg_v2) < 0)
		return;
	snprintf(s->cg_base, sizeof(s->cg_base), "%s/%s", root, parent);
}

/* A counter line "KEY N" of a cgroup file; -1 when there is none. */
static long long cg_counter(const struct bm_state *s, const char *file,
			    const char *key)
{
	char path[PATH_MAX + 64], line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->cg_dir, file);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!key[0] || (strncmp(line, key, klen) == 0 && line[klen] == ' ')) {
			v = strtoll(line + (key[0] ? klen + 1 : 0), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* OOM kills in this environment's cgroup so far (v2 memory.events, v1
 * memory.oom_control), or -1 when the kernel does not count them. */
static long long cg_oom_kills(const struct bm_state *s)
{
	return cg_counter(s, s->cg_v2 ? "memory.events" : "memory.oom_control",
			  "oom_kill");
}

/*
 * Cgroups named PID-LABEL whose PID no longer runs: a virtbench killed
 * before its close() ran. Their agents died with it (vb_proc children get
 * SIGKILL when the engine dies); anything still in them is killed.
 */
static void bm_sweep_stale(struct bm_state *s, struct vb_ctx *ctx)
{
	DIR *d = opendir(s->cg_base);
	struct dirent *e;
	int removed = 0;

	while (d && (e = readdir(d))) {
		char dir[PATH_MAX + 300], procs[PATH_MAX + 320], *end;
		long pid = strtol(e->d_name, &end, 10);
		FILE *f;

		if (pid <= 0 || *end != '-' || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", s->cg_base, e->d_name);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		if ((f = fopen(procs, "re"))) {
			long p;

			while (fscanf(f, "%ld", &p) == 1)
				kill((pid_t)p, SIGKILL);
			fclose(f);
		}
		for (int i = 0; i < 50 && rmdir(dir) < 0 && errno == EBUSY; i++)
			usleep(20000);
		if (access(dir, F_OK) != 0)
			removed++;
	}
	if (d)
		closedir(d);
	if (removed)
		vb_log(ctx, VB_LOG_WARN,
		       "removed %d cgroup(s) left in %s by virtbench runs that no longer exist",
		       removed, s->cg_base);
}

static int bm_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	const struct bm_opts *o = opts;
	struct bm_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->cgroup_mode = o->cgroup;
	if (o->cgroup == BM_CGROUP_AUTO)
		bm_find_cgroup(s, o->cgroup_parent);
	if (s->cg_base[0])
		bm_sweep_stale(s, ctx);
	else
		vb_log(ctx, VB_LOG_INFO,
		       "no writable memory cgroup: memory limits will not be enforced");
	*state = s;
	return 0;
}

static int bm_open(void *state, struct vb_ctx *ctx,
		   const struct vb_env_spec *spec,
		   struct vb_env_granted *granted)
{
	struct bm_state *s = state;
	cpu_set_t online;
	char buf[64], list[256] = "";
	int n = 0, cpu;

	/* The first N CPUs this process may use: that is what "online"
	 * means to us when we ourselves run inside a cpuset. */
	CPU_ZERO(&online);
	if (sched_getaffinity(0, sizeof(online), &online) < 0)
		return VB_ERROR(ctx, -errno, "sched_getaffinity");
	CPU_ZERO(&s->cpus);
	for (cpu = 0; cpu < CPU_SETSIZE && n < spec->cpus; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		CPU_SET(cpu, &s->cpus);
		snprintf(buf, sizeof(buf), "%s%d", n ? "," : "", cpu);
		strncat(list, buf, sizeof(list) - strlen(list) - 1);
		n++;
	}
	if (n < spec->cpus)
		vb_log(ctx, VB_LOG_WARN,
		       "%d CPUs requested but only %d available to this process",
		       spec->cpus, n);
	granted->cpus_enforced = true;
	vb_env_fact(ctx, "affinity", list);

	s->cg_dir[0] = '\0';
	s->memory = spec->memory;
	if (s->cg_base[0]) {
		char path[PATH_MAX + 64];
		int rc;

		snprintf(s->cg_dir, sizeof(s->cg_dir), "%.2000s/%ld-%.200s",
			 s->cg_base, (long)getpid(), spec->label);
		if (mkdir(s->cg_dir, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			s->cg_dir[0] = '\0';
			snprintf(granted->note, sizeof(granted->note),
				 "cannot create a cgroup: %s", strerror(-rc));
			return 0;
		}
		snprintf(buf, sizeof(buf), "%lld", (long long)spec->memory);
		snprintf(path, sizeof(path), "%s/%s", s->cg_dir,
			 s->cg_v2 ? "memory.max" : "memory.limit_in_bytes");
		rc = write_file(path, buf);
		if (rc == 0 && s->cg_v2) {
			/* No swap either, so the limit is real. */
			snprintf(path, sizeof(path), "%s/memory.swap.max",
				 s->cg_dir);
			write_file(path, "0");
		} else if (rc == 0) {
			snprintf(path, sizeof(path),
				 "%s/memory.memsw.limit_in_bytes", s->cg_dir);
			if (access(path, W_OK) == 0)
				write_file(path, buf);
		}
		if (rc < 0) {
			rmdir(s->cg_dir);
			s->cg_dir[0] = '\0';
			snprintf(granted->note, sizeof(granted->note),
				 "cannot set the memory limit: %s",
				 strerror(-rc));
			return 0;
		}
		granted->memory_enforced = true;
		vb_env_fact(ctx, "cgroup", s->cg_dir);
	} else {
		snprintf(granted->note, sizeof(granted->note),
			 "no writable memory cgroup on this host");
	}
	return 0;
}

/* Runs in the child between fork and exec. */
static int bm_child_setup(void *arg)
{
	struct bm_state *s = arg;

	if (sched_setaffinity(0, sizeof(s->cpus), &s->cpus) < 0)
		return -errno;
	if (s->cg_dir[0]) {
		char path[PATH_MAX + 32], pid[32];

		snprintf(path, sizeof(path), "%s/cgroup.procs", s->cg_dir);
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		return write_file(path, pid);
	}
	return 0;
}

static int bm_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		   int *exit_status)
{
	struct vb_proc p = VB_PROC_INIT;
	struct bm_state *s;
	const char **argv;
	size_t n = 0, i;
	long long ooms, fails;
	int rc;

	while (ex->argv[n])
		n++;
	argv = calloc(n + 2, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[0] = vb_agent_path(ctx);
	for (i = 0; i < n; i++)
		argv[i + 1] = ex->argv[i];
	p.argv = argv;
	p.timeout = ex->timeout;
	p.on_line = ex->on_line;
	p.user = ex->user;
	p.log_fd = ex->log_fd;
	p.child_setup = bm_child_setup;
	p.setup_arg = state;
	s = state;
	ooms = s->cg_dir[0] ? cg_oom_kills(s) : -1;
	fails = s->cg_dir[0] ? cg_counter(s, "memory.failcnt", "") : -1;
	rc = vb_proc_run(ctx, &p, exit_status);
	if (rc < 0 && rc != -ETIMEDOUT && rc != -EINTR)
		VB_ERROR(ctx, rc, "cannot run %s: %s", argv[0], strerror(-rc));
	free(argv);
	if (rc == 0 && *exit_status == 128 + SIGKILL && s->cg_dir[0]) {
		/* SIGKILL: the memory limit's OOM killer, or someone else? */
		char why[96];
		long long now = cg_oom_kills(s);

		if (ooms >= 0 && now > ooms) {
			snprintf(why, sizeof(why), "%s: oom_kill %lld",
				 s->cg_v2 ? "memory.events" : "memory.oom_control",
				 now - ooms);
			return vb_oom_killed(ctx, s->memory, why);
		}
		now = cg_counter(s, "memory.failcnt", "");
		if (ooms < 0 && fails >= 0 && now > fails)
			return vb_oom_killed(ctx, s->memory,
					     "SIGKILL with memory.failcnt rising");
	}
	return rc;
}

static int bm_drop_caches(void *state, struct vb_ctx *ctx)
{
	int rc = vb_drop_host_caches(ctx);

	(void)state;
	if (rc < 0)
		return VB_ERROR(ctx, rc, "cannot write /proc/sys/vm/drop_caches: %s",
				strerror(-rc));
	return 0;
}

static int bm_close(void *state, struct vb_ctx *ctx)
{
	struct bm_state *s = state;

	(void)ctx;
	if (s && s->cg_dir[0]) {
		/* Every child was reaped, so the cgroup is empty. */
		rmdir(s->cg_dir);
		s->cg_dir[0] = '\0';
	}
	return 0;
}

static void bm_destroy(void *state)
{
	free(state);
}

/* A v2 cgroup counts the agent's CPU time (cpu.stat); the v1 one is the
 * memory controller's and does not: the agent's own accounting is exact
 * for a process on the host anyway. */
static int bm_accounting(void *state, struct vb_ctx *ctx,
			 struct vb_env_accounting *a)
{
	struct bm_state *s = state;

	(void)ctx;
	if (!s->cg_dir[0] || !s->cg_v2)
		return -ENOTSUP;
	snprintf(a->cgroup, sizeof(a->cgroup), "%s", s->cg_dir);
	return 0;
}

/* cgroup_parent is a path below the controller's root, never above it
 * or at it: the sweep removes what it finds there. */
static bool below_root(const char *p)
{
	if (!*p || *p == '/' ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-/@") != strlen(p))
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;
	}
	return true;
}

static int bm_validate(const void *opts, char *msg, size_t msglen)
{
	const char *p = ((const struct bm_opts *)opts)->cgroup_parent;

	if (!p || !below_root(p)) {
		snprintf(msg, msglen, "cgroup_parent \"%s\" must be a relative "
			 "path of names (letters, digits, . _ - @) below the "
			 "memory controller's root, e.g. \"virtbench\" or "
			 "\"mylab/virtbench\"", p ? p : "");
		return -EINVAL;
	}
	return 0;
}

static const struct vb_backend_ops bm_ops = {
	.size = sizeof(struct vb_backend_ops),
	.validate = bm_validate,
	/* The agent runs in the host's own userland. */
	.flags = VB_BACKEND_HOST,
	.create = bm_create,
	.open = bm_open,
	.exec = bm_exec,
	.drop_caches = bm_drop_caches,
	.close = bm_close,
	.destroy = bm_destroy,
	.accounting = bm_accounting,
};

static const struct vb_plugin_info bm_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_BACKEND,
	.name = "bare-metal",
	.version = "1.2.0",
	.summary = "the host itself: CPU affinity and a memory cgroup",
	.options = bm_options,
	.options_size = sizeof(struct bm_opts),
	.ops = &bm_ops,
};

VB_PLUGIN_DEFINE(bare_metal, &bm_info)
