/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the fileio-rndrw workload: the request generator against
 * sysbench's worked numbers (research/sysbench.md §3.7), and prepare / run
 * / cleanup on real files. The module's source is compiled in with a
 * recording mock of the engine services it calls.
 */
/* nftw, and O_DIRECT in the module */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fileio-rndrw.c"

#include "mock-services.h"

static char test_root[256];

static void mock_start(struct vb_ctx *c)
{
	mock_init(c, fio_info.metrics);
	snprintf(c->scratch, sizeof(c->scratch), "%s", test_root);
}

/* ---- the request generator ---------------------------------------------- */

static const struct fg_config defaults_cfg = {
	.files = 128,
	.file_size = 2147483648ULL / 128,
	.block_size = 16384,
	.rw_ratio = 1.5,
	.fsync_freq = 100,
	.fsync_end = true,
	.events = 10000,
	.seed = 1,
};

static void check_req(const struct fg_config *c, const struct fg_req *r)
{
	uint64_t alloc = (c->file_size + c->block_size - 1) / c->block_size *
			 c->block_size;
	ck_assert_uint_lt(r->file, c->files);
	if (r->op == FG_READ || r->op == FG_WRITE) {
		ck_assert_uint_eq(r->offset % c->block_size, 0);
		ck_assert_uint_le(r->offset + c->block_size, alloc);
		ck_assert_uint_lt(r->offset, c->file_size);
	}
}

START_TEST(gen_defaults_worked_numbers)
{
	struct fg_gen g;
	ck_assert_int_eq(fg_init(&g, &defaults_cfg), 0);
	uint64_t reads = 0, writes = 0, fsyncs = 0;
	char seq[16] = "";
	size_t nseq = 0;
	uint64_t rw = 0, in_round = 0;
	struct fg_req r;
	for (;;) {
		fg_next(&g, &r);
		if (r.op == FG_END)
			break;
		check_req(&defaults_cfg, &r);
		if (r.op == FG_FSYNC) {
			/* Rounds come right after every 100th request, as
			 * 128 consecutive fsyncs of files 0..127. */
			ck_assert_uint_eq(rw % 100, 0);
			ck_assert_uint_eq(r.file, in_round);
			in_round = (in_round + 1) % 128;
			fsyncs++;
			continue;
		}
		ck_assert_uint_eq(in_round, 0);
		rw++;
		if (r.op == FG_READ)
			reads++;
		else
			writes++;
		if (nseq < 7)
			seq[nseq++] = r.op == FG_READ ? 'R' : 'W';
		/* Exactly 60 % reads at every multiple of 5. */
		if (rw % 5 == 0)
			ck_assert_uint_eq(reads * 5, rw * 3);
	}
	ck_assert_str_eq(seq, "RWRWRRW");
	ck_assert_uint_eq(reads, 6000);
	ck_assert_uint_eq(writes, 4000);
	ck_assert_uint_eq(fsyncs, 12800);   /* 99 rounds x 128 + 128 end */
	/* END is sticky. */
	fg_next(&g, &r);
	ck_assert_int_eq(r.op, FG_END);
	fg_destroy(&g);
}
END_TEST

struct gen_thread {
	struct fg_gen *g;
	uint64_t reads, writes, fsyncs;
	uint64_t per_file[128];
	bool bad;
};

static void *gen_thread_fn(void *arg)
{
	struct gen_thread *t = arg;
	struct fg_req r;
	for (;;) {
		fg_next(t->g, &r);
		if (r.op == FG_END)
			break;
		if (r.file >= 128 || (r.op != FG_FSYNC && r.offset % 16384))
			t->bad = true;
		if (r.op == FG_READ)
			t->reads++;
		else if (r.op == FG_WRITE)
			t->writes++;
		else
			t->per_file[r.file]++;
		if (r.op == FG_FSYNC)
			t->fsyncs++;
	}
	return NULL;
}

START_TEST(gen_threads_exact_totals)
{
	struct fg_gen g;
	ck_assert_int_eq(fg_init(&g, &defaults_cfg), 0);
	enum { N = 6 };
	struct gen_thread *t = calloc(N, sizeof(*t));
	pthread_t tid[N];
	for (int i = 0; i < N; i++) {
		t[i].g = &g;
		ck_assert_int_eq(pthread_create(&tid[i], NULL, gen_thread_fn,
						&t[i]), 0);
	}
	uint64_t reads = 0, writes = 0, fsyncs = 0, per_file[128] = { 0 };
	for (int i = 0; i < N; i++) {
		pthread_join(tid[i], NULL);
		ck_assert(!t[i].bad);
		reads += t[i].reads;
		writes += t[i].writes;
		fsyncs += t[i].fsyncs;
		for (int f = 0; f < 128; f++)
			per_file[f] += t[i].per_file[f];
	}
	ck_assert_uint_eq(reads, 6000);
	ck_assert_uint_eq(writes, 4000);
	ck_assert_uint_eq(fsyncs, 12800);
	for (int f = 0; f < 128; f++)
		ck_assert_uint_eq(per_file[f], 100);
	free(t);
	fg_destroy(&g);
}
END_TEST

static void count_ops(const struct fg_config *c, uint64_t *rd, uint64_t *wr,
		      uint64_t *fs)
{
	struct fg_gen g;
	ck_assert_int_eq(fg_init(&g, c), 0);
	*rd = *wr = *fs = 0;
	struct fg_req r;
	for (fg_next(&g, &r); r.op != FG_END; fg_next(&g, &r)) {
		check_req(c, &r);
		*(r.op == FG_READ ? rd : r.op == FG_WRITE ? wr : fs) += 1;
	}
	fg_destroy(&g);
}

START_TEST(gen_fsync_switches)
{
	struct fg_config c = defaults_cfg;
	uint64_t rd, wr, fs;
	c.fsync_freq = 0;
	count_ops(&c, &rd, &wr, &fs);
	ck_assert_uint_eq(fs, 128);            /* the end fsync only */
	c.fsync_end = false;
	count_ops(&c, &rd, &wr, &fs);
	ck_assert_uint_eq(fs, 0);
	ck_assert_uint_eq(rd + wr, 10000);
	/* Reads only: never dirty, so no periodic round. */
	c = defaults_cfg;
	c.rw_ratio = 1e9;
	count_ops(&c, &rd, &wr, &fs);
	ck_assert_uint_eq(rd, 10000);
	ck_assert_uint_eq(wr, 0);
	ck_assert_uint_eq(fs, 128);
	/* Ratio 0: writes only, a round after every 100. */
	c.rw_ratio = 0;
	count_ops(&c, &rd, &wr, &fs);
	ck_assert_uint_eq(wr, 10000);
	ck_assert_uint_eq(fs, 12800);
	/* Few files, frequent rounds: 150 requests, 4 files, freq 10. */
	c = defaults_cfg;
	c.files = 4;
	c.file_size = 4 * 16384;
	c.events = 150;
	c.fsync_freq = 10;
	count_ops(&c, &rd, &wr, &fs);
	ck_assert_uint_eq(rd, 90);
	ck_assert_uint_eq(wr, 60);
	ck_assert_uint_eq(fs, 14 * 4 + 4);
}
END_TEST

START_TEST(gen_seed_and_coverage)
{
	struct fg_config c = defaults_cfg;
	c.files = 3;
	c.file_size = 10000;        /* not a multiple of the block */
	c.block_size = 4096;
	c.events = 20000;
	c.fsync_freq = 0;
	struct fg_gen a, b, d;
	c.seed = 42;
	ck_assert_int_eq(fg_init(&a, &c), 0);
	ck_assert_int_eq(fg_init(&b, &c), 0);
	c.seed = 43;
	ck_assert_int_eq(fg_init(&d, &c), 0);
	uint64_t hits[3][3] = { { 0 } };
	int differ = 0;
	struct fg_req ra, rb, rd;
	for (int i = 0; i < 20000; i++) {
		fg_next(&a, &ra);
		fg_next(&b, &rb);
		fg_next(&d, &rd);
		ck_assert_int_eq(ra.op, rb.op);
		ck_assert_uint_eq(ra.file, rb.file);
		ck_assert_uint_eq(ra.offset, rb.offset);
		differ += ra.file != rd.file || ra.offset != rd.offset;
		check_req(&c, &ra);
		hits[ra.file][ra.offset / 4096]++;
	}
	ck_assert_int_gt(differ, 10000);
	/* Every block of every file (three per file, the last one partly
	 * past file_size but inside the rounded-up file) is equally likely:
	 * 20000 / 9 = 2222 each. */
	for (int f = 0; f < 3; f++)
		for (int k = 0; k < 3; k++)
			ck_assert_msg(hits[f][k] > 1950 && hits[f][k] < 2500,
				      "file %d block %d: %llu", f, k,
				      (unsigned long long)hits[f][k]);
	fg_destroy(&a);
	fg_destroy(&b);
	fg_destroy(&d);
}
END_TEST

START_TEST(gen_stop_unlimited)
{
	struct fg_config c = defaults_cfg;
	c.events = 0;
	struct fg_gen g;
	ck_assert_int_eq(fg_init(&g, &c), 0);
	struct fg_req r;
	uint64_t rw = 0;
	for (int i = 0; i < 25000; i++) {
		fg_next(&g, &r);
		ck_assert_int_ne(r.op, FG_END);
		rw += r.op != FG_FSYNC;
	}
	ck_assert_uint_gt(rw, 10000);
	fg_stop(&g);
	for (uint64_t f = 0; f < 128; f++) {
		fg_next(&g, &r);
		ck_assert_int_eq(r.op, FG_FSYNC);
		ck_assert_uint_eq(r.file, f);
	}
	fg_next(&g, &r);
	ck_assert_int_eq(r.op, FG_END);
	fg_destroy(&g);
	/* A file smaller than a block is refused. */
	c.file_size = 100;
	ck_assert_int_eq(fg_init(&g, &c), -EINVAL);
}
END_TEST

/* ---- options ------------------------------------------------------------ */

static struct fio_opts small_opts(void)
{
	static char empty[] = "";
	return (struct fio_opts){
		.files = 4,
		.total_size = 1 << 20,
		.block_size = 16384,
		.rw_ratio = 1.5,
		.fsync_freq = 100,
		.fsync_end = true,
		.fsync_mode = FIO_FSYNC,
		.direct = false,
		.threads = 2,
		.events = 1000,
		.time = 0,
		.seed = 0,
		.workdir = empty,
	};
}

START_TEST(validate_cross_options)
{
	char msg[512];
	struct fio_opts o = small_opts();
	ck_assert_int_eq(fio_validate(&o, msg, sizeof(msg)), 0);
	o.total_size = 4 * 16384 - 1;
	ck_assert_int_eq(fio_validate(&o, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "total_size"));
	o = small_opts();
	o.direct = true;
	o.block_size = 1000;
	ck_assert_int_eq(fio_validate(&o, msg, sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "512"));
	o.direct = false;
	ck_assert_int_eq(fio_validate(&o, msg, sizeof(msg)), 0);
	o = small_opts();
	o.events = 0;
	ck_assert_int_eq(fio_validate(&o, msg, sizeof(msg)), -EINVAL);
	o.time = 1;
	ck_assert_int_eq(fio_validate(&o, msg, sizeof(msg)), 0);

	/* Defaults: 128 x 16M = 2G; odd sizes round each file up. */
	o = small_opts();
	o.files = 128;
	o.total_size = 2147483648LL;
	ck_assert_int_eq(fio_scratch_bytes(&o), 2147483648LL);
	o.files = 3;
	o.total_size = 30000;
	o.block_size = 4096;
	ck_assert_int_eq(fio_scratch_bytes(&o), 3 * 12288);
}
END_TEST

/* ---- prepare / run / cleanup on real files ------------------------------- */

static bool exists(const char *dir, const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

static void assert_clean(const char *dir)
{
	ck_assert_msg(!exists(dir, FIO_SUBDIR), "%s/" FIO_SUBDIR " left behind",
		      dir);
}

START_TEST(full_cycle)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	ck_assert_int_eq(fio_prepare(&c, &o), 0);
	for (int i = 0; i < 4; i++) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof(p), "%s/" FIO_SUBDIR "/test_file.%d",
			 c.scratch, i);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_int_eq(st.st_size, 262144);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
	}
	ck_assert_int_eq(fio_run(&c, &o), 0);
	ck_assert_msg(c.error_code == 0, "%s", c.error);
	int n = 0;
	for (const struct vb_metric *m = fio_info.metrics; m->name; m++, n++)
		(void)metric(&c, m->name);
	ck_assert_int_eq(c.nmetrics, n);
	ck_assert_double_eq(metric(&c, "events"), 1000);
	double t = metric(&c, "total_time");
	ck_assert(t > 0);
	ck_assert_double_eq_tol(metric(&c, "reads_per_second") * t, 600, 1e-6);
	ck_assert_double_eq_tol(metric(&c, "writes_per_second") * t, 400, 1e-6);
	/* 9 rounds of 4 after 100..900, then 4 at the end. */
	ck_assert_double_eq_tol(metric(&c, "fsyncs_per_second") * t, 40, 1e-6);
	ck_assert_double_eq_tol(metric(&c, "read_mib_per_second") * t,
				600 * 16384 / 1048576.0, 1e-6);
	ck_assert_double_eq_tol(metric(&c, "written_mib_per_second") * t,
				400 * 16384 / 1048576.0, 1e-6);
	double mn = metric(&c, "latency_min"), av = metric(&c, "latency_avg"),
	       mx = metric(&c, "latency_max"), p95 = metric(&c, "latency_p95");
	ck_assert(mn <= av && av <= mx && p95 <= mx * 1.02);
	ck_assert_str_eq(fact(&c, "seed"), "1");
	ck_assert_str_eq(fact(&c, "fsyncs"), "40");
	ck_assert_str_ne(fact(&c, "workdir_fs"), "unknown");

	/* An explicit seed wins over the experiment's. */
	mock_start(&c);
	o.seed = 77;
	o.fsync_mode = FIO_FDATASYNC;
	o.threads = 3;
	ck_assert_int_eq(fio_run(&c, &o), 0);
	ck_assert_str_eq(fact(&c, "seed"), "77");

	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	assert_clean(c.scratch);
	/* Nothing there: cleanup still succeeds. */
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
}
END_TEST

START_TEST(time_limited)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	o.events = 0;
	o.time = 0.3;
	ck_assert_int_eq(fio_prepare(&c, &o), 0);
	ck_assert_int_eq(fio_run(&c, &o), 0);
	ck_assert_msg(c.error_code == 0, "%s", c.error);
	ck_assert(metric(&c, "total_time") >= 0.3);
	ck_assert(metric(&c, "events") > 0);
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	assert_clean(c.scratch);
}
END_TEST

START_TEST(run_without_prepare)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	ck_assert_int_eq(fio_run(&c, &o), -ENOENT);
	ck_assert_ptr_nonnull(strstr(c.error, "prepare"));
	ck_assert_int_eq(c.nmetrics, 0);
}
END_TEST

START_TEST(run_after_smaller_prepare)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	ck_assert_int_eq(fio_prepare(&c, &o), 0);
	o.total_size *= 2;
	ck_assert_int_eq(fio_run(&c, &o), -EINVAL);
	ck_assert_ptr_nonnull(strstr(c.error, "prepare again"));
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	assert_clean(c.scratch);
}
END_TEST

START_TEST(not_enough_space)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	o.files = 2;
	o.total_size = 1LL << 50;  /* 1 PiB */
	ck_assert_int_eq(fio_prepare(&c, &o), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(c.error, "needs 1125899906842624 bytes"));
	ck_assert_ptr_nonnull(strstr(c.error, "available"));
	assert_clean(c.scratch);
}
END_TEST

START_TEST(missing_workdir)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	char wd[300];
	snprintf(wd, sizeof(wd), "%s/nope", test_root);
	o.workdir = wd;
	ck_assert_int_eq(fio_prepare(&c, &o), -ENOENT);
	ck_assert_ptr_nonnull(strstr(c.error, "nope"));
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
}
END_TEST

START_TEST(direct_on_disk)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	o.direct = true;
	o.block_size = 4096;
	ck_assert_int_eq(fio_prepare(&c, &o), 0);
	ck_assert_int_eq(fio_run(&c, &o), 0);
	ck_assert_msg(c.error_code == 0, "%s", c.error);
	ck_assert_double_eq(metric(&c, "events"), 1000);
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	assert_clean(c.scratch);
}
END_TEST

/* tmpfs rejected O_DIRECT at open() before Linux 6.6; newer kernels
 * accept it, and then there is no rejecting filesystem to try here. */
START_TEST(direct_rejected)
{
	struct statfs sf;
	if (statfs("/dev/shm", &sf) || sf.f_type != 0x01021994 /* TMPFS */ ||
	    access("/dev/shm", W_OK))
		return;
	char wd[] = "/dev/shm/check_fileio.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(wd));
	char probe[64];
	snprintf(probe, sizeof(probe), "%s/probe", wd);
	int fd = open(probe, O_CREAT | O_WRONLY | O_DIRECT, 0600);
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(probe);
	if (fd >= 0 || e != EINVAL) {
		fprintf(stderr, "direct_rejected: tmpfs accepts O_DIRECT on "
			"this kernel; error path not exercised\n");
		ck_assert_int_eq(rmdir(wd), 0);
		return;
	}
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	o.direct = true;
	o.workdir = wd;
	ck_assert_int_eq(fio_prepare(&c, &o), -EINVAL);
	ck_assert_ptr_nonnull(strstr(c.error, "O_DIRECT"));
	assert_clean(wd);
	ck_assert_int_eq(rmdir(wd), 0);
}
END_TEST

START_TEST(interrupted_prepare)
{
	struct vb_ctx c;
	mock_start(&c);
	c.interrupt_after = 20;     /* somewhere in the second file */
	struct fio_opts o = small_opts();
	ck_assert_int_eq(fio_prepare(&c, &o), -EINTR);
	ck_assert_int_eq(c.error_code, -EINTR);
	assert_clean(c.scratch);
}
END_TEST

START_TEST(interrupted_run)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	o.events = 0;
	o.time = 100;
	ck_assert_int_eq(fio_prepare(&c, &o), 0);
	c.interrupt_after = 500;
	ck_assert_int_eq(fio_run(&c, &o), -EINTR);
	ck_assert_int_eq(c.nmetrics, 0);
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	assert_clean(c.scratch);
}
END_TEST

START_TEST(cleanup_keeps_foreign_files)
{
	struct vb_ctx c;
	mock_start(&c);
	struct fio_opts o = small_opts();
	ck_assert_int_eq(fio_prepare(&c, &o), 0);
	char p[512];
	snprintf(p, sizeof(p), "%s/" FIO_SUBDIR "/notes.txt", c.scratch);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	/* Fewer files than prepared: cleanup still removes every one. */
	o.files = 1;
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	ck_assert(exists(c.scratch, FIO_SUBDIR "/notes.txt"));
	ck_assert(!exists(c.scratch, FIO_SUBDIR "/test_file.3"));
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(fio_cleanup(&c, &o), 0);
	assert_clean(c.scratch);
}
END_TEST

START_TEST(descriptor)
{
	const struct vb_plugin_info *info = fileio_rndrw_LTX_vb_plugin_entry();
	ck_assert_str_eq(info->name, "fileio-rndrw");
	const struct vb_workload_ops *ops = info->ops;
	ck_assert(ops->flags & VB_WL_DROP_CACHES);
	ck_assert_ptr_nonnull(ops->prepare);
	ck_assert_ptr_nonnull(ops->cleanup);
	ck_assert_ptr_nonnull(ops->scratch_bytes);
}
END_TEST

static int rm_entry(const char *p, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int main(void)
{
	/* A disk-backed directory: /var/tmp unless TMPDIR says otherwise. */
	const char *tmp = getenv("TMPDIR");
	snprintf(test_root, sizeof(test_root), "%s/check_fileio.XXXXXX",
		 tmp && *tmp ? tmp : "/var/tmp");
	if (!mkdtemp(test_root)) {
		perror(test_root);
		return EXIT_FAILURE;
	}
	Suite *s = suite_create("fileio-rndrw");
	TCase *gen = tcase_create("generator");
	tcase_add_test(gen, gen_defaults_worked_numbers);
	tcase_add_test(gen, gen_threads_exact_totals);
	tcase_add_test(gen, gen_fsync_switches);
	tcase_add_test(gen, gen_seed_and_coverage);
	tcase_add_test(gen, gen_stop_unlimited);
	tcase_add_test(gen, validate_cross_options);
	tcase_add_test(gen, descriptor);
	suite_add_tcase(s, gen);
	TCase *io = tcase_create("files");
	tcase_set_timeout(io, 300);
	tcase_add_test(io, full_cycle);
	tcase_add_test(io, time_limited);
	tcase_add_test(io, run_without_prepare);
	tcase_add_test(io, run_after_smaller_prepare);
	tcase_add_test(io, not_enough_space);
	tcase_add_test(io, missing_workdir);
	tcase_add_test(io, direct_on_disk);
	tcase_add_test(io, direct_rejected);
	tcase_add_test(io, interrupted_prepare);
	tcase_add_test(io, interrupted_run);
	tcase_add_test(io, cleanup_keeps_foreign_files);
	suite_add_tcase(s, io);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(test_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
