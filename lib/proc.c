/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The process runner of plugin.h: child processes with argv vectors (never
 * a shell), line-wise stdout, timeouts, interrupts, and a kill of the whole
 * process group, so nothing a backend starts outlives a run. One runner for
 * every backend: a one-shot command (vb_proc_run) is a spawn and a wait.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "virtbench/plugin.h"

#define LINE_MAX_BYTES 65536
#define STOP_GRACE 10.0

struct vb_child {
	pid_t pid;
	int out_fd;      /* stdout pipe (read end), -1 when not read */
	int in_fd;       /* stdin pipe (write end), -1 */
	int pid_fd;      /* pidfd: readable when the child ends; -1 */
	uint32_t flags;
	int (*on_line)(void *user, const char *line);
	void *user;
	char *buf;
	size_t len;
	bool reaped;
	int status;
};

static int decode(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Descriptors the child must not inherit (an engine's journal, another
 * child's pipes): all but 0-2 and the exec-error pipe. */
static void close_others(int keep)
{
#ifdef SYS_close_range
	if (keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) != 0)
		goto slow;
	if (syscall(SYS_close_range, keep + 1, ~0u, 0) == 0)
		return;
slow:
#endif
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

static void child_main(const struct vb_proc *p, pid_t parent, int in_fd,
		       int out_fd, int err_fd)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log_fd = p->log_fd >= 0 ? p->log_fd : devnull;
	sigset_t none;
	int e;

	setpgid(0, 0);
	/* Die with the engine, even one killed with SIGKILL; if it died
	 * before this line, the parent is already someone else. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in_fd >= 0 ? in_fd : devnull, 0) < 0 ||
	    dup2(out_fd >= 0 ? out_fd : log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		e = errno;
	else if (p->child_setup && (e = -p->child_setup(p->setup_arg)) > 0)
		;
	else {
		close_others(err_fd);
		execvp(p->argv[0], (char *const *)p->argv);
		e = errno;
	}
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int vb_proc_spawn(struct vb_ctx *ctx, const struct vb_proc *p,
		  struct vb_child **out)
{
	int in[2] = { -1, -1 }, pout[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct vb_child *c;
	pid_t parent = getpid();
	ssize_t r;
	int e, rc = 0;

	(void)ctx;
	*out = NULL;
	if (!p || p->size < offsetof(struct vb_proc, argv) + sizeof(p->argv) ||
	    !p->argv || !p->argv[0])
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->out_fd = c->in_fd = c->pid_fd = -1;
	/* Fields a caller's older struct vb_proc does not have: defaults. */
	c->flags = p->size >= offsetof(struct vb_proc, flags) + sizeof(p->flags)
			   ? p->flags : 0;
	c->on_line = p->on_line;
	c->user = p->user;
	if (c->on_line && !(c->buf = malloc(LINE_MAX_BYTES + 1))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((c->on_line && pipe2(pout, O_CLOEXEC) < 0) ||
	    ((c->flags & VB_PROC_STDIN_PIPE) && pipe2(in, O_CLOEXEC) < 0) ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (c->pid == 0)
		child_main(p, parent, in[0], pout[1], errp[1]);
	/* Both sides set the group, so it exists whichever runs first. */
	setpgid(c->pid, c->pid);
	close(errp[1]);
	errp[1] = -1;
	if (pout[1] >= 0)
		close(pout[1]);
	if (in[0] >= 0)
		close(in[0]);
	c->out_fd = pout[0];
	c->in_fd = in[1];
	while ((r = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errp[0]);
	if (r == (ssize_t)sizeof(e)) {
		/* Not started: reap the forked copy, report the real reason. */
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
		vb_proc_stop(ctx, c, 0, NULL);
		return -e;
	}
#ifdef SYS_pidfd_open
	c->pid_fd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pid_fd >= 0)
		fcntl(c->pid_fd, F_SETFD, FD_CLOEXEC);
#endif
	*out = c;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(c->buf);
	free(c);
	return rc;
}

pid_t vb_proc_pid(const struct vb_child *c)
{
	return c ? c->pid : -1;
}

/* Hand complete lines in the buffer to on_line; keep the partial tail.
 * `final`: the stream ended, so the tail is a line too. */
static int flush_lines(struct vb_child *c, bool final)
{
	size_t start = 0, i;
	int rc = 0;

	for (i = 0; i < c->len && rc == 0; i++) {
		if (c->buf[i] != '\n')
			continue;
		c->buf[i] = '\0';
		rc = c->on_line(c->user, c->buf + start);
		start = i + 1;
	}
	if (rc == 0 && final && start < c->len) {
		c->buf[c->len] = '\0';
		rc = c->on_line(c->user, c->buf + start);
		start = c->len;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	return rc;
}

/* Read what stdout has; *eof at its end. Returns on_line's non-zero. */
static int read_out(struct vb_child *c, bool *eof)
{
	ssize_t r;

	*eof = false;
	if (c->len == LINE_MAX_BYTES) {
		/* A line longer than the buffer is cut, not fatal (the
		 * buffer has one byte more than LINE_MAX_BYTES). */
		c->buf[c->len++] = '\n';
		int rc = flush_lines(c, false);
		if (rc)
			return rc;
	}
	r = read(c->out_fd, c->buf + c->len, LINE_MAX_BYTES - c->len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		*eof = true;
		return 0;
	}
	c->len += (size_t)r;
	return flush_lines(c, false);
}

static void out_done(struct vb_child *c)
{
	close(c->out_fd);
	c->out_fd = -1;
}

static bool try_reap(struct vb_child *c)
{
	int st;
	pid_t r;

	if (c->reaped)
		return true;
	if (c->pid <= 0)
		return c->reaped = true;
	while ((r = waitpid(c->pid, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->status = r == c->pid ? decode(st) : 127;
		c->reaped = true;
	}
	return c->reaped;
}

int vb_proc_wait(struct vb_ctx *ctx, struct vb_child *c, double timeout,
		 int *status)
{
	uint64_t deadline = timeout > 0 ? vb_now_ns() + (uint64_t)(timeout * 1e9)
					: 0;

	if (!c)
		return -EINVAL;
	for (;;) {
		struct pollfd pf[2];
		int n = 0, wait_ms = 100, rc;

		if (try_reap(c)) {
			/* It ended: take what it wrote, without waiting for a
			 * child of its own that may hold the pipe open. */
			while (c->out_fd >= 0) {
				struct pollfd q = { .fd = c->out_fd,
						    .events = POLLIN };
				bool eof = true;

				rc = poll(&q, 1, 0) > 0 ? read_out(c, &eof) : 0;
				if (rc)
					return rc;
				if (eof) {
					rc = flush_lines(c, true);
					out_done(c);
					if (rc)
						return rc;
				}
			}
			if (status)
				*status = c->status;
			return 0;
		}
		if (!(c->flags & VB_PROC_UNINTERRUPTIBLE) && vb_interrupted(ctx))
			return -EINTR;
		if (timeout == 0 || (deadline && vb_now_ns() >= deadline))
			return -ETIMEDOUT;
		if (deadline) {
			uint64_t left = (deadline - vb_now_ns()) / 1000000;

			if (left < (uint64_t)wait_ms)
				wait_ms = (int)left + 1;
		}
		if (c->out_fd >= 0)
			pf[n++] = (struct pollfd){ .fd = c->out_fd, .events = POLLIN };
		if (c->pid_fd >= 0)
			pf[n++] = (struct pollfd){ .fd = c->pid_fd, .events = POLLIN };
		else if (n == 0 || c->out_fd < 0)
			wait_ms = wait_ms < 20 ? wait_ms : 20; /* no pidfd */
		if (poll(pf, (nfds_t)n, wait_ms) <= 0 || c->out_fd < 0 ||
		    !(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		bool eof;

		rc = read_out(c, &eof);
		if (rc == 0 && eof) {
			/* End of stdout: the child is ending, or closed it. */
			rc = flush_lines(c, true);
			out_done(c);
		}
		if (rc)
			return rc;
	}
}

static void signal_group(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
}

int vb_proc_stop(struct vb_ctx *ctx, struct vb_child *c, double grace,
		 int *status)
{
	(void)ctx;
	if (!c)
		return 0;
	if (c->in_fd >= 0)
		close(c->in_fd);
	c->in_fd = -1;
	if (c->pid > 0 && !try_reap(c)) {
		uint64_t until = vb_now_ns() + (uint64_t)(grace * 1e9);

		if (grace > 0) {
			signal_group(c->pid, SIGTERM);
			while (!try_reap(c) && vb_now_ns() < until)
				usleep(20000);
		}
		if (!c->reaped) {
			int st;

			signal_group(c->pid, SIGKILL);
			while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
				;
			c->status = decode(st);
			c->reaped = true;
		}
	}
	/* Stragglers the child left in its group. */
	if (c->pid > 0)
		kill(-c->pid, SIGKILL);
	if (status)
		*status = c->status;
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->pid_fd >= 0)
		close(c->pid_fd);
	free(c->buf);
	free(c);
	return 0;
}

int vb_proc_run(struct vb_ctx *ctx, const struct vb_proc *p, int *status)
{
	struct vb_proc q = VB_PROC_INIT;
	struct vb_child *c;
	int rc, st = -1;

	/* A caller's struct may be older (smaller) than ours. */
	memcpy(&q, p, p->size < sizeof(q) ? p->size : sizeof(q));
	q.size = sizeof(q);
	q.flags &= ~(uint32_t)VB_PROC_STDIN_PIPE;
	if ((rc = vb_proc_spawn(ctx, &q, &c)) < 0)
		return rc;
	rc = vb_proc_wait(ctx, c, q.timeout > 0 ? q.timeout : -1, &st);
	if (rc == -EINTR)
		/* Let it clean up (the agent removes its files on SIGTERM),
		 * but not for ever. */
		vb_proc_stop(ctx, c, STOP_GRACE, &st);
	else
		vb_proc_stop(ctx, c, 0, &st);
	if (status)
		*status = st;
	return rc;
}

int vb_drop_host_caches(struct vb_ctx *ctx)
{
	int fd, rc = 0;

	(void)ctx;
	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "3\n", 2) != 2)
		rc = -errno;
	close(fd);
	return rc;
}
