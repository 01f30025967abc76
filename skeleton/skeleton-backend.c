/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * skeleton-backend: a complete, minimal backend plugin to copy from. It
 * "opens" an environment by doing nothing and runs the agent as a plain
 * child process on the host, so it enforces no limit and says so.
 *
 * Build out of tree with only the installed header:
 *   cc -shared -fPIC -o skeleton-backend.so skeleton-backend.c \
 *      $(pkg-config --cflags --libs virtbench-plugin)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <virtbench/plugin.h>

struct skel_opts {
	char *greeting; /* VB_OPT_STRING: owned by the engine */
};

static const struct vb_option skel_options[] = {
	{ .name = "greeting", .type = VB_OPT_STRING,
	  .offset = offsetof(struct skel_opts, greeting), .def = "hello",
	  .help = "recorded as an environment fact" },
	{ .name = NULL },
};

struct skel_state {
	char greeting[64];
};

/* Required: once per backend entry. Check the host, allocate state. */
static int skel_create(struct vb_ctx *ctx, const void *opts, void **state)
{
	const struct skel_opts *o = opts;
	struct skel_state *s = calloc(1, sizeof(*s));

	if (!s)
		return VB_ERROR(ctx, -ENOMEM, "out of memory");
	snprintf(s->greeting, sizeof(s->greeting), "%s", o->greeting);
	*state = s;
	return 0;
}

/* Required: start the environment for one backend x config. Say what
 * could be enforced; the engine then verifies it with the agent's probe. */
static int skel_open(void *state, struct vb_ctx *ctx,
		     const struct vb_env_spec *spec,
		     struct vb_env_granted *granted)
{
	struct skel_state *s = state;

	(void)spec;
	granted->cpus_enforced = false;
	granted->memory_enforced = false;
	snprintf(granted->note, sizeof(granted->note),
		 "skeleton backend enforces nothing");
	vb_env_fact(ctx, "greeting", s->greeting);
	return 0;
}

/* Required: run the agent with ex->argv, hand each stdout line to
 * ex->on_line, honour ex->timeout and vb_interrupted(). */
static int skel_exec(void *state, struct vb_ctx *ctx, const struct vb_exec *ex,
		     int *exit_status)
{
	int out[2], st;
	size_t n = 0, len = 0;
	uint64_t deadline;
	char buf[8192];
	const char **argv;
	pid_t pid;

	(void)state;
	while (ex->argv[n])
		n++;
	argv = calloc(n + 2, sizeof(*argv));
	if (!argv || pipe(out) < 0) {
		free(argv);
		return VB_ERROR(ctx, -errno, "pipe");
	}
	argv[0] = vb_agent_path(ctx);
	memcpy(argv + 1, ex->argv, n * sizeof(*argv));
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		if (ex->log_fd >= 0)
			dup2(ex->log_fd, 2);
		close(out[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(argv);
	close(out[1]);
	deadline = ex->timeout > 0 ? vb_now_ns() + (uint64_t)(ex->timeout * 1e9)
				   : 0;
	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		ssize_t r;

		if (vb_interrupted(ctx) || (deadline && vb_now_ns() > deadline)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			close(out[0]);
			return vb_interrupted(ctx) ? -EINTR : -ETIMEDOUT;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		for (char *nl; (nl = strchr(buf, '\n'));) {
			*nl = '\0';
			ex->on_line(ex->user, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* an overlong line is dropped */
	}
	close(out[0]);
	waitpid(pid, &st, 0);
	*exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* Required: tear the environment down; idempotent. */
static int skel_close(void *state, struct vb_ctx *ctx)
{
	(void)state;
	(void)ctx;
	return 0;
}

/* Required: free what create() allocated. */
static void skel_destroy(void *state)
{
	free(state);
}

static const struct vb_backend_ops skel_ops = {
	.size = sizeof(struct vb_backend_ops),
	.create = skel_create,
	.open = skel_open,
	.exec = skel_exec,
	.drop_caches = NULL, /* optional: -ENOTSUP is assumed */
	.close = skel_close,
	.destroy = skel_destroy,
};

static const struct vb_plugin_info skel_info = {
	.abi_major = VB_PLUGIN_ABI_MAJOR,
	.abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_BACKEND,
	.name = "skeleton-backend",
	.version = "1.0.0",
	.summary = "example backend: the agent as a plain child process",
	.options = skel_options,
	.options_size = sizeof(struct skel_opts),
	.ops = &skel_ops,
};

VB_PLUGIN_DEFINE(skeleton_backend, &skel_info)
