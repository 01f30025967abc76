/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The process runner of plugin.h (lib/proc.c), with real processes, and
 * vb_elf_interp (lib/elf.c) on files of our making, vb_cgroup_dir
 * (lib/cgroup.c) on our own cgroups. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ctx.h"

struct lines {
	char v[16][256];
	int n;
	int stop_at; /* return 7 on this line (1-based); 0: never */
};

static int on_line(void *u, const char *line)
{
	struct lines *l = u;

	if (l->n < 16)
		snprintf(l->v[l->n], sizeof(l->v[0]), "%s", line);
	l->n++;
	return l->n == l->stop_at ? 7 : 0;
}

/* A process ended: no such process, or a zombie nobody reaps yet. */
static bool ended(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	bool z = false;

	if (kill(pid, 0) < 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r"))) {
		/* "PID (comm) S ..." */
		if (fgets(buf, sizeof(buf), f) && strrchr(buf, ')'))
			z = strrchr(buf, ')')[2] == 'Z';
		fclose(f);
	}
	return z;
}

static bool ends_within(pid_t pid, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		if (ended(pid))
			return true;
		usleep(50000);
	}
	return ended(pid);
}

static struct vb_ctx *ctx;

static void setup(void)
{
	ctx = vb_ctx_new(NULL);
	alarm(60);
}

static void teardown(void)
{
	vb_ctx_free(ctx);
	alarm(0);
}

START_TEST(test_lines_and_status)
{
	const char *argv[] = { "sh", "-c", "echo a; echo b; printf c; exit 3", NULL };
	struct vb_proc p = VB_PROC_INIT;
	struct lines l = { .n = 0 };
	int st = -1;

	p.argv = argv;
	p.on_line = on_line;
	p.user = &l;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), 0);
	ck_assert_int_eq(st, 3);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.v[0], "a");
	ck_assert_str_eq(l.v[2], "c"); /* the unterminated last line too */
}
END_TEST

START_TEST(test_signal_status)
{
	const char *argv[] = { "sh", "-c", "kill -9 $$", NULL };
	struct vb_proc p = VB_PROC_INIT;
	int st = -1;

	p.argv = argv;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), 0);
	ck_assert_int_eq(st, 128 + SIGKILL);
}
END_TEST

/* Not started: its errno, not an exit status of 127. */
START_TEST(test_exec_failure)
{
	char file[] = "/tmp/vb-proc-XXXXXX";
	int fd = mkstemp(file);
	const char *missing[] = { "/nonexistent/virtbench-no-such-program", NULL };
	const char *notexec[] = { file, NULL };
	struct vb_proc p = VB_PROC_INIT;
	int st = -1;

	ck_assert_int_ge(fd, 0);
	close(fd); /* mode 0600: not executable */
	p.argv = missing;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), -ENOENT);
	p.argv = notexec;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), -EACCES);
	unlink(file);
}
END_TEST

static int failing_setup(void *arg)
{
	(void)arg;
	return -EPERM;
}

START_TEST(test_child_setup_error)
{
	const char *argv[] = { "true", NULL };
	struct vb_proc p = VB_PROC_INIT;
	int st;

	p.argv = argv;
	p.child_setup = failing_setup;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), -EPERM);
}
END_TEST

/* on_line's non-zero return is returned, and the child does not run on. */
START_TEST(test_on_line_stops)
{
	const char *argv[] = { "sh", "-c", "echo $$; echo two; exec sleep 100", NULL };
	struct vb_proc p = VB_PROC_INIT;
	struct lines l = { .stop_at = 2 };
	int st;

	p.argv = argv;
	p.on_line = on_line;
	p.user = &l;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), 7);
	ck_assert(ends_within((pid_t)atoi(l.v[0]), 5));
}
END_TEST

/* A timeout kills the whole process group, grandchildren too. */
START_TEST(test_timeout_kills_group)
{
	const char *argv[] = { "sh", "-c", "sleep 100 & echo $!; wait", NULL };
	struct vb_proc p = VB_PROC_INIT;
	struct lines l = { .n = 0 };
	int st;

	p.argv = argv;
	p.timeout = 0.5;
	p.on_line = on_line;
	p.user = &l;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), -ETIMEDOUT);
	ck_assert_int_eq(l.n, 1);
	ck_assert(ends_within((pid_t)atoi(l.v[0]), 5));
}
END_TEST

/* The engine's descriptors (a journal opened without O_CLOEXEC) do not
 * reach children. */
START_TEST(test_no_inherited_fds)
{
	int fd = open("/dev/null", O_RDONLY);
	char script[128];
	const char *argv[] = { "sh", "-c", script, NULL };
	struct vb_proc p = VB_PROC_INIT;
	struct lines l = { .n = 0 };
	int st;

	ck_assert_int_ge(fd, 3);
	snprintf(script, sizeof(script),
		 "if [ -e /proc/$$/fd/%d ]; then echo leaked; else echo clean; fi", fd);
	p.argv = argv;
	p.on_line = on_line;
	p.user = &l;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), 0);
	ck_assert_str_eq(l.v[0], "clean");
	close(fd);
}
END_TEST

START_TEST(test_interrupt)
{
	const char *argv[] = { "sh", "-c", "sleep 0.3; echo done", NULL };
	struct vb_proc p = VB_PROC_INIT;
	struct lines l = { .n = 0 };
	int st;

	vb_install_signal_handlers();
	raise(SIGINT);
	ck_assert(vb_interrupted(ctx));
	p.argv = argv;
	p.on_line = on_line;
	p.user = &l;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), -EINTR);
	ck_assert_int_eq(l.n, 0);
	/* ...but a step that must not be cut short runs to its end. */
	p.flags = VB_PROC_UNINTERRUPTIBLE;
	p.timeout = 30;
	ck_assert_int_eq(vb_proc_run(ctx, &p, &st), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.v[0], "done");
}
END_TEST

/* A child that lives across calls: look, wait for a line, stop. */
START_TEST(test_spawn_wait_stop)
{
	const char *argv[] = { "sh", "-c", "sleep 0.2; echo ready; exec sleep 100", NULL };
	struct vb_proc p = VB_PROC_INIT;
	struct lines l = { .stop_at = 1 };
	struct vb_child *c;
	pid_t pid;
	int st = -1;

	p.argv = argv;
	p.on_line = on_line;
	p.user = &l;
	ck_assert_int_eq(vb_proc_spawn(ctx, &p, &c), 0);
	pid = vb_proc_pid(c);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(vb_proc_wait(ctx, c, 0, &st), -ETIMEDOUT);
	ck_assert_int_eq(vb_proc_wait(ctx, c, 10, &st), 7); /* "ready" */
	ck_assert_int_eq(vb_proc_wait(ctx, c, 0.2, &st), -ETIMEDOUT);
	ck_assert_int_eq(vb_proc_stop(ctx, c, 5, &st), 0);
	ck_assert_int_eq(st, 128 + SIGTERM);
	ck_assert(ended(pid));
}
END_TEST

/* A child the engine left behind by dying (even by SIGKILL) is killed. */
START_TEST(test_dies_with_the_engine)
{
	int pp[2];
	pid_t engine, child = 0;

	ck_assert_int_eq(pipe(pp), 0);
	engine = fork();
	if (engine == 0) {
		const char *argv[] = { "sleep", "100", NULL };
		struct vb_proc p = VB_PROC_INIT;
		struct vb_child *c;

		p.argv = argv;
		if (vb_proc_spawn(ctx, &p, &c) == 0) {
			pid_t pid = vb_proc_pid(c);

			if (write(pp[1], &pid, sizeof(pid)) != sizeof(pid))
				_exit(2);
		}
		pause();
		_exit(0);
	}
	close(pp[1]);
	ck_assert_int_eq(read(pp[0], &child, sizeof(child)), (int)sizeof(child));
	ck_assert(!ended(child));
	kill(engine, SIGKILL);
	waitpid(engine, NULL, 0);
	ck_assert(ends_within(child, 10));
}
END_TEST

/* An ELF64 file of our making: a header, and a PT_INTERP naming interp
 * unless interp is NULL (a static program). */
static void write_elf(const char *path, const char *interp)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	ck_assert_int_ge(fd, 0);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = interp ? 1 : 0;
	ck_assert_int_eq(write(fd, &eh, sizeof(eh)), (int)sizeof(eh));
	if (interp) {
		ph.p_type = PT_INTERP;
		ph.p_offset = sizeof(eh) + sizeof(ph);
		ph.p_filesz = strlen(interp) + 1;
		ck_assert_int_eq(write(fd, &ph, sizeof(ph)), (int)sizeof(ph));
		ck_assert_int_eq(write(fd, interp, ph.p_filesz), (int)ph.p_filesz);
	}
	close(fd);
}

START_TEST(test_elf_interp)
{
	char dir[] = "/tmp/check_proc.XXXXXX", path[64], interp[64];
	bool dyn = true;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/static", dir);
	write_elf(path, NULL);
	ck_assert_int_eq(vb_elf_interp(path, interp, sizeof(interp), &dyn), 0);
	ck_assert_str_eq(interp, "");
	ck_assert(!dyn);

	snprintf(path, sizeof(path), "%s/dynamic", dir);
	write_elf(path, "/opt/lib/ld-test.so.1");
	ck_assert_int_eq(vb_elf_interp(path, interp, sizeof(interp), NULL), 0);
	ck_assert_str_eq(interp, "/opt/lib/ld-test.so.1");
	ck_assert_int_eq(vb_elf_interp(path, interp, 8, NULL), -ENAMETOOLONG);
	ck_assert_str_eq(interp, "");

	/* This program: what the toolchain made, with shared libraries. */
	ck_assert_int_eq(vb_elf_interp("/proc/self/exe", interp, sizeof(interp),
				       &dyn), 0);
	ck_assert(interp[0] == '/');
	ck_assert(dyn);

	snprintf(path, sizeof(path), "%s/script", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	ck_assert_int_eq(vb_elf_interp(path, interp, sizeof(interp), NULL), -ENOEXEC);
	/* Cut inside the header: not an ELF we can read. */
	ck_assert_int_eq(truncate(path, 0), 0);
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(write(fd, ELFMAG "\2", 5), 5);
	close(fd);
	ck_assert_int_eq(vb_elf_interp(path, interp, sizeof(interp), NULL), -ENOEXEC);
	snprintf(path, sizeof(path), "%s/missing", dir);
	ck_assert_int_eq(vb_elf_interp(path, interp, sizeof(interp), NULL), -ENOENT);

	unlink(strcat(strcpy(path, dir), "/static"));
	unlink(strcat(strcpy(path, dir), "/dynamic"));
	unlink(strcat(strcpy(path, dir), "/script"));
	rmdir(dir);
}
END_TEST

/* This process's own cgroups, as /proc/self/cgroup names them. */
START_TEST(test_cgroup_dir)
{
	char dir[4096], path[4200];

	ck_assert_int_eq(vb_cgroup_dir(getpid(), "cpu", dir, sizeof(dir)), 0);
	ck_assert(strncmp(dir, "/sys/fs/cgroup", 14) == 0);
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	if (access(path, F_OK) != 0)
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	ck_assert_msg(access(path, F_OK) == 0, "no CPU quota file in %s", dir);
	ck_assert_int_eq(vb_cgroup_dir(getpid(), "memory", dir, sizeof(dir)), 0);
	ck_assert_int_eq(vb_cgroup_dir(getpid(), "cpu", dir, 16), -ENAMETOOLONG);
	ck_assert_str_eq(dir, "");
	/* A controller no v1 hierarchy has: the unified hierarchy where
	 * there is one (v2, hybrid), never a v1 directory. */
	if (vb_cgroup_dir(getpid(), "nosuchctrl", dir, sizeof(dir)) == 0) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
		ck_assert_msg(access(path, F_OK) == 0, "%s is not cgroup v2", dir);
	} else {
		ck_assert_str_eq(dir, "");
	}
	/* pid 0 has no /proc entry. */
	ck_assert_int_lt(vb_cgroup_dir(0, "cpu", dir, sizeof(dir)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("proc");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lines_and_status);
	tcase_add_test(tc, test_signal_status);
	tcase_add_test(tc, test_exec_failure);
	tcase_add_test(tc, test_child_setup_error);
	tcase_add_test(tc, test_on_line_stops);
	tcase_add_test(tc, test_timeout_kills_group);
	tcase_add_test(tc, test_no_inherited_fds);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_spawn_wait_stop);
	tcase_add_test(tc, test_dies_with_the_engine);
	tcase_add_test(tc, test_elf_interp);
	tcase_add_test(tc, test_cgroup_dir);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
