/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * skeleton-backend: a complete backend to copy from, on the services of
 * <virtbench/plugin.h> alone (docs/plugins.md walks through it). Its
 * environment is the host: the agent runs on the first N CPUs, in a
 * scratch directory close() removes; memory is not limited, and it says
 * so (the verdict is "warn"). Build: cc -shared -fPIC -o skeleton-backend.so
 * skeleton-backend.c $(pkg-config --cflags --libs virtbench-plugin)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* cpu_set_t */
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <virtbench/plugin.h>

struct skel_opts {      /* filled by the engine, from the table below */
	char *greeting; /* VB_OPT_STRING: owned by the engine */
};

static const struct vb_option skel_options[] = {
	{ .name = "greeting", .type = VB_OPT_STRING,
	  .offset = offsetof(struct skel_opts, greeting), .def = "hello",
	  .help = "recorded as an environment fact" },
	{ .name = NULL },
};

struct skel_state {
	const struct skel_opts *o; /* valid until destroy() */
	cpu_set_t cpus;            /* the open environment's CPUs */
	char scratch[512];         /* its working directory; "" when none */
};

/* Required: once per backend entry. Check the host, allocate state. */
static int skel_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	struct skel_state *s = calloc(1, sizeof(*s));

	if (!s)
		return VB_ERROR(ctx, -ENOMEM, "out of memory");
	s->o = opts;
	*state = s;
	return 0;
}

/* Required: start one cell's environment, say what is enforced; the
 * engine then asks the agent what it sees and verifies. */
static int skel_open(void *state, struct vb_ctx *ctx,
		     const struct vb_env_spec *spec,
		     struct vb_env_granted *granted)
{
	struct skel_state *s = state;
	const char *tmp = getenv("TMPDIR");
	cpu_set_t mine;

	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return VB_ERROR(ctx, -errno, "sched_getaffinity: %s",
				strerror(errno));
	CPU_ZERO(&s->cpus);
	for (int c = 0; c < CPU_SETSIZE && CPU_COUNT(&s->cpus) < spec->cpus; c++)
		if (CPU_ISSET(c, &mine))
			CPU_SET(c, &s->cpus);
	snprintf(s->scratch, sizeof(s->scratch), "%s/skeleton-%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", spec->label);
	if (!mkdtemp(s->scratch)) {
		s->scratch[0] = '\0';
		return VB_ERROR(ctx, -errno, "mkdtemp: %s", strerror(errno));
	}
	granted->cpus_enforced = true;
	snprintf(granted->note, sizeof(granted->note),
		 "skeleton backend: CPU affinity only, memory not limited");
	vb_env_fact(ctx, "greeting", s->o->greeting);
	return 0;
}

static int skel_child_setup(void *arg) /* in the child, before exec */
{
	struct skel_state *s = arg;

	return sched_setaffinity(0, sizeof(s->cpus), &s->cpus) < 0 ? -errno : 0;
}

/* Required: run the agent once. vb_proc_run does the plumbing: lines to
 * on_line, the timeout, Ctrl-C, the process group, the exit status. */
static int skel_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		     int *exit_status)
{
	struct skel_state *s = state;
	struct vb_proc p = VB_PROC_INIT;
	const char *argv[128] = { vb_agent_path(ctx), "--scratch", s->scratch };
	size_t n = 3;
	int err;

	/* ex->argv has what the agent needs from the engine (--seed,
	 * --plugin-dir, the command): pass it on unchanged. */
	for (size_t i = 0; ex->argv[i]; i++) {
		if (n == sizeof(argv) / sizeof(argv[0]) - 1)
			return VB_ERROR(ctx, -E2BIG, "agent request too long");
		argv[n++] = ex->argv[i];
	}
	p.argv = argv;
	p.timeout = ex->timeout;
	p.on_line = ex->on_line;
	p.user = ex->user;
	p.log_fd = ex->log_fd;
	p.child_setup = skel_child_setup;
	p.setup_arg = s;
	err = vb_proc_run(ctx, &p, exit_status);
	if (err < 0 && err != -ETIMEDOUT && err != -EINTR) /* not started */
		return VB_ERROR(ctx, err, "%s: %s", argv[0], strerror(-err));
	return err;
}

/* Optional: the agent shares the host kernel: drop the host's cache. */
static int skel_drop_caches(void *state, struct vb_ctx *ctx)
{
	int err = vb_drop_host_caches(ctx);

	return err < 0 ? VB_ERROR(ctx, err, "drop caches: %s", strerror(-err)) : 0;
}

/* Required: tear down; idempotent. Workloads remove their own files. */
static int skel_close(void *state, struct vb_ctx *ctx)
{
	struct skel_state *s = state;

	if (s->scratch[0] && rmdir(s->scratch) < 0)
		vb_log(ctx, VB_LOG_WARN, "%s left behind: %s", s->scratch,
		       strerror(errno));
	s->scratch[0] = '\0';
	return 0;
}

/* Required: free what create() allocated. */
static void skel_destroy(void *state) { free(state); }

/* Optional (1.1): where the environment's CPU time shows on the host. The
 * agent runs as a plain child here, so the engine's own view (the agent's
 * accounting) is exact: nothing to add. A container backend names its
 * cgroup or a process in it; a VM backend its emulator's pid. */
static int skel_accounting(void *state, struct vb_ctx *ctx,
			   struct vb_env_accounting *a)
{
	(void)state;
	(void)ctx;
	(void)a;
	return -ENOTSUP;
}

static const struct vb_backend_ops skel_ops = {
	.size = sizeof(struct vb_backend_ops),
	.create = skel_create, .open = skel_open, .exec = skel_exec,
	.drop_caches = skel_drop_caches, .close = skel_close,
	.destroy = skel_destroy, .accounting = skel_accounting,
};

static const struct vb_plugin_info skel_info = {
	VB_PLUGIN_ABI, /* first: the ABI version and table layouts */
	.kind = VB_PLUGIN_BACKEND, .name = "skeleton-backend",
	.version = "1.1.0",
	.summary = "example backend: the agent as a child process on the host",
	.options = skel_options, .options_size = sizeof(struct skel_opts),
	.ops = &skel_ops,
};

/* The one exported symbol: the file name with '-' written as '_'. */
VB_PLUGIN_DEFINE(skeleton_backend, &skel_info)
