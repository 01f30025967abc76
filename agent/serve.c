/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Guest side of the qemu backend's control channel: `virtbench-agent serve
 * DEVICE`. Reads framed requests from a serial port, runs each one in a
 * child process (so a crashing workload cannot take the server down) and
 * sends the child's stdout and stderr back line by line, framed. The
 * framing is in plugins/backends/qemu-frame.h and docs/qemu.md.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lib/ctx.h"
#include "lib/frame.h"
#include "lib/util.h"

struct serve {
	int fd;
	/* Our own command line up to "serve": each request re-executes it,
	 * so requests take the global options (--seed...) like any agent
	 * run, and a crash or leak in one cannot touch the next. */
	char **self;
	size_t nself;
	char *selfbuf;
	char in[VBQ_LINE_MAX];
	size_t inlen;
};

static int send_frame(struct serve *s, const char *kind, unsigned long id,
		      const char *text)
{
	char line[VBQ_LINE_MAX + 64];
	size_t n = vbq_format_answer(line, sizeof(line) - 1, kind, id, text);

	line[n++] = '\n';
	return vb_write_all(s->fd, line, n);
}

/* Reads exactly n bytes of payload following a request header. */
static int read_exact(struct serve *s, char *buf, size_t n)
{
	size_t have = s->inlen < n ? s->inlen : n;

	memcpy(buf, s->in, have);
	memmove(s->in, s->in + have, s->inlen - have);
	s->inlen -= have;
	while (have < n) {
		ssize_t r = read(s->fd, buf + have, n - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		have += (size_t)r;
	}
	return 0;
}

/* Next line from the device into line (without '\n'); over-long lines
 * are returned truncated, which the frame check then rejects. */
static int read_line(struct serve *s, char *line, size_t n)
{
	for (;;) {
		char *nl = memchr(s->in, '\n', s->inlen);
		if (nl || s->inlen == sizeof(s->in)) {
			size_t len = nl ? (size_t)(nl - s->in) : s->inlen;
			size_t cp = len < n - 1 ? len : n - 1;
			memcpy(line, s->in, cp);
			line[cp] = '\0';
			size_t drop = nl ? len + 1 : len;
			memmove(s->in, s->in + drop, s->inlen - drop);
			s->inlen -= drop;
			return 0;
		}
		ssize_t r = read(s->fd, s->in + s->inlen,
				 sizeof(s->in) - s->inlen);
		/* SIGTERM/SIGINT (the agent's handlers set the flag) end
		 * serving; a request in flight has its own process. */
		if (r < 0 && errno == EINTR && vb_is_interrupted())
			return -EINTR;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		s->inlen += (size_t)r;
	}
}

static unsigned long boot_nonce(void)
{
	char buf[4096];
	unsigned long nonce = 0;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		const char *p = strstr(buf, "vb.nonce=");
		if (p)
			nonce = strtoul(p + 9, NULL, 10);
	}
	fclose(f);
	return nonce;
}

/* Forward complete lines of one pipe as frames of `kind`. */
static int pump(struct serve *s, int pfd, char *buf, size_t *len,
		const char *kind, unsigned long id)
{
	ssize_t r = read(pfd, buf + *len, VBQ_LINE_MAX - 1 - *len);

	if (r < 0)
		return errno == EINTR ? 1 : -errno;
	if (r == 0) {
		if (*len > 0) {
			buf[*len] = '\0';
			send_frame(s, kind, id, buf);
			*len = 0;
		}
		return 0;
	}
	*len += (size_t)r;
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		if (!nl && *len < VBQ_LINE_MAX - 1)
			break;
		size_t l = nl ? (size_t)(nl - buf) : *len;
		char save = buf[l];
		buf[l] = '\0';
		send_frame(s, kind, id, buf);
		buf[l] = save;
		size_t drop = nl ? l + 1 : l;
		memmove(buf, buf + drop, *len - drop);
		*len -= drop;
	}
	return 1;
}

/* In the child: run the request, its stdout and stderr to the pipes. */
static void __attribute__((noreturn))
request_child(struct serve *s, int op[2], int ep[2], int argc, char **argv,
	      vb_agent_dispatch_fn fn)
{
	FILE *out;
	int st;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	close(s->fd);
	close(op[0]);
	close(ep[0]);
	dup2(ep[1], STDERR_FILENO);
	dup2(op[1], STDOUT_FILENO);
	if (!(out = fdopen(op[1], "w")))
		_exit(1);
	setvbuf(out, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (s->self) {
		char *nargv[300];
		size_t k = 0;

		for (size_t i = 0; i < s->nself && k < 40; i++)
			nargv[k++] = s->self[i];
		for (int i = 0; i < argc && k < 299; i++)
			nargv[k++] = argv[i];
		nargv[k] = NULL;
		execvp(nargv[0], nargv);
		fprintf(stderr, "serve: cannot execute %s: %s\n", nargv[0],
			strerror(errno));
	}
	/* The dispatcher wants the command first: skip the global options
	 * it cannot take here. */
	while (argc > 1 && argv[0][0] == '-') {
		int skip = strchr(argv[0], '=') ? 1 : 2;

		argc -= skip;
		argv += skip;
	}
	st = argc > 0 ? fn(argc, argv, out) : 2;
	fflush(out);
	fflush(stderr);
	_exit(st & 0xff);
}

/* The child's stdout and stderr as "out" and "err" frames, to their end. */
static void relay(struct serve *s, unsigned long id, int ofd, int efd)
{
	char obuf[VBQ_LINE_MAX], ebuf[VBQ_LINE_MAX];
	size_t olen = 0, elen = 0;
	bool oopen = true, eopen = true;

	while (oopen || eopen) {
		struct pollfd pf[2] = {
			{ .fd = oopen ? ofd : -1, .events = POLLIN },
			{ .fd = eopen ? efd : -1, .events = POLLIN },
		};

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents && pump(s, ofd, obuf, &olen, "out", id) <= 0)
			oopen = false;
		if (pf[1].revents && pump(s, efd, ebuf, &elen, "err", id) <= 0)
			eopen = false;
	}
}

static int run_request(struct serve *s, unsigned long id, int argc,
		       char **argv, vb_agent_dispatch_fn fn)
{
	int op[2], ep[2], status = 0, e;
	char t[16];
	pid_t pid;

	if (pipe2(op, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		e = -errno;
		close(op[0]);
		close(op[1]);
		return e;
	}
	if ((pid = fork()) < 0) {
		e = -errno;
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		return e;
	}
	if (pid == 0)
		request_child(s, op, ep, argc, argv, fn);
	close(op[1]);
	close(ep[1]);
	relay(s, id, op[0], ep[0]);
	close(op[0]);
	close(ep[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	snprintf(t, sizeof(t), "%d", WIFEXITED(status) ? WEXITSTATUS(status)
						       : 128 + WTERMSIG(status));
	return send_frame(s, "end", id, t);
}

/* Reads /proc/self/cmdline; keeps the words before "serve DEVICE". */
static void load_self(struct serve *s)
{
	char *buf = vb_xmalloc(65536);
	size_t len = 0;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		goto out;
	for (;;) {
		ssize_t r = read(fd, buf + len, 65535 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	size_t n = 0;
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		n++;
	if (n < 3)
		goto out;
	s->self = vb_xcalloc(n + 1, sizeof(char *));
	n = 0;
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		s->self[n++] = buf + off;
	if (strcmp(s->self[n - 2], "serve") != 0) {
		free(s->self);
		s->self = NULL;
		goto out;
	}
	s->nself = n - 2;
	s->selfbuf = buf;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
}

/* One request of len bytes in payload (NUL-separated words). -errno
 * ends serving. */
static int serve_request(struct serve *s, unsigned long id, char *payload,
			 size_t len, vb_agent_dispatch_fn fn)
{
	char *argv[256];
	int argc = 0, e;

	for (size_t off = 0; off < len && argc < 255;
	     off += strlen(payload + off) + 1)
		argv[argc++] = payload + off;
	argv[argc] = NULL;
	/* A frame that cannot be sent is the host's to notice (it times
	 * out); serving goes on. */
	if (strcmp(argv[0], VBQ_CMD_PING) == 0) {
		send_frame(s, "end", id, "0");
		return 0;
	}
	if (strcmp(argv[0], VBQ_CMD_DROP_CACHES) == 0) {
		e = vb_drop_host_caches(NULL);
		if (e < 0)
			send_frame(s, "err", id, strerror(-e));
		send_frame(s, "end", id, e < 0 ? "1" : "0");
		return 0;
	}
	if (strcmp(argv[0], VBQ_CMD_SHUTDOWN) == 0) {
		send_frame(s, "end", id, "0");
		sync();
		reboot(RB_POWER_OFF);
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	if ((e = run_request(s, id, argc, argv, fn)) < 0) {
		send_frame(s, "err", id, strerror(-e));
		send_frame(s, "end", id, "1");
	}
	return 0;
}

/* The device, raw (a tty would echo, translate CR/LF and buffer by
 * line). */
static int serve_open(struct serve *s, const char *device)
{
	struct termios tio;

	s->fd = open(device, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->fd < 0) {
		int e = -errno;

		fprintf(stderr, "serve: open %s: %s\n", device, strerror(errno));
		return e;
	}
	if (tcgetattr(s->fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(s->fd, TCSANOW, &tio);
	}
	return 0;
}

int vb_agent_serve(const char *device, vb_agent_dispatch_fn fn)
{
	struct serve s = { .fd = -1 };
	char line[VBQ_LINE_MAX], *payload;
	int err;

	if ((err = serve_open(&s, device)) < 0)
		return err;
	load_self(&s);
	payload = vb_xmalloc(VBQ_PAYLOAD_MAX + 1);
	send_frame(&s, "ready", boot_nonce(), "hello");
	for (;;) {
		unsigned long id;
		size_t len;
		uint32_t crc;

		if ((err = read_line(&s, line, sizeof(line))) < 0)
			break;
		if (!vbq_parse_request(line, &id, &len, &crc))
			continue;
		if ((err = read_exact(&s, payload, len)) < 0)
			break;
		payload[len] = '\0';
		if (vbq_crc32(payload, len) != crc || payload[len - 1] != '\0') {
			send_frame(&s, "err", id, "serve: request failed its CRC check");
			send_frame(&s, "end", id, "nak");
			continue;
		}
		if ((err = serve_request(&s, id, payload, len, fn)) < 0)
			break;
	}
	free(payload);
	free(s.self);
	free(s.selfbuf);
	close(s.fd);
	return err;
}
