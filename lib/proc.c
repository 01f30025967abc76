/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Child processes with argv vectors (never a shell), line-wise stdout,
 * timeouts, and a kill of the whole process group when the user
 * interrupts, so nothing outlives a run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "virtbench/plugin.h"

static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* SIGTERM the group, give it `grace` seconds, then SIGKILL. Returns 0
 * when the child is still to be reaped by the caller, 1 when reaped. */
static int stop_group(pid_t pid, double grace)
{
	uint64_t until = vb_now_ns() + (uint64_t)(grace * 1e9);

	kill(-pid, SIGTERM);
	while (vb_now_ns() < until) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			kill(-pid, SIGKILL); /* stragglers in the group */
			return 1;
		}
		if (r < 0 && errno != EINTR)
			return 1;
		usleep(20000);
	}
	kill_group(pid);
	return 0;
}

static int wait_child(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st)
					: 128 + WTERMSIG(st);
	return 0;
}

/* Hand complete lines in buf to on_line; keep the partial tail. */
static int flush_lines(char *buf, size_t *len,
		       int (*on_line)(void *u, const char *line), void *user,
		       bool final)
{
	size_t start = 0, i;
	int rc = 0;

	for (i = 0; i < *len && rc == 0; i++) {
		if (buf[i] != '\n')
			continue;
		buf[i] = '\0';
		if (on_line)
			rc = on_line(user, buf + start);
		start = i + 1;
	}
	if (rc == 0 && final && start < *len) {
		buf[*len] = '\0';
		if (on_line)
			rc = on_line(user, buf + start);
		start = *len;
	}
	memmove(buf, buf + start, *len - start);
	*len -= start;
	return rc;
}

int vb_proc_run(struct vb_ctx *ctx, const struct vb_proc *p, int *status)
{
	const char *const *argv = p->argv;
	double timeout = p->timeout;
	int (*on_line)(void *u, const char *line) = p->on_line;
	void *user = p->user;
	int log_fd = p->log_fd;
	int (*child_setup)(void *arg) = p->child_setup;
	void *setup_arg = p->setup_arg;
	int out[2], err_pipe[2], rc = 0;
	uint64_t deadline = 0;
	size_t len = 0, cap = 65536;
	char *buf;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	/* Reports a failed exec or child_setup to the parent. */
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		rc = -errno;
		close(out[0]);
		close(out[1]);
		return rc;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(out[0]);
		close(out[1]);
		close(err_pipe[0]);
		close(err_pipe[1]);
		return rc;
	}
	if (pid == 0) {
		int e, devnull;

		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(log_fd >= 0 ? log_fd : devnull, 2);
		if (child_setup && (e = child_setup(setup_arg)) < 0) {
			e = -e;
			if (write(err_pipe[1], &e, sizeof(e)) < 0)
				_exit(127);
			_exit(127);
		}
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(err_pipe[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(err_pipe[1]);
	{
		int e;
		ssize_t r;

		while ((r = read(err_pipe[0], &e, sizeof(e))) < 0 &&
		       errno == EINTR)
			;
		close(err_pipe[0]);
		if (r == (ssize_t)sizeof(e)) {
			close(out[0]);
			wait_child(pid, NULL);
			return -e;
		}
	}
	buf = malloc(cap + 1);
	if (!buf) {
		kill_group(pid);
		close(out[0]);
		wait_child(pid, NULL);
		return -ENOMEM;
	}
	if (timeout > 0)
		deadline = vb_now_ns() + (uint64_t)(timeout * 1e9);
	for (;;) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		int n = poll(&pfd, 1, 100);
		ssize_t r;

		if (vb_interrupted(ctx)) {
			rc = -EINTR;
			break;
		}
		if (deadline && vb_now_ns() > deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		if (n <= 0)
			continue;
		if (len == cap) {
			/* A line longer than the buffer is cut, not fatal. */
			buf[len] = '\n';
			len++;
			flush_lines(buf, &len, on_line, user, false);
		}
		r = read(out[0], buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		rc = flush_lines(buf, &len, on_line, user, false);
		if (rc)
			break;
	}
	if (rc == 0)
		rc = flush_lines(buf, &len, on_line, user, true);
	free(buf);
	close(out[0]);
	if (rc == -EINTR) {
		/* Let the agent clean up (it removes its files on SIGTERM),
		 * but do not wait for ever. */
		if (stop_group(pid, 10.0) == 0)
			wait_child(pid, status);
		return rc;
	}
	if (rc) {
		kill_group(pid);
		wait_child(pid, status);
		return rc;
	}
	return wait_child(pid, status);
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
