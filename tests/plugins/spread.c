/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test-only workload whose one metric follows a chosen spread: the k-th
 * run (counted in DIR/count, so a rerun goes on where the last run
 * stopped) reports value = mean * (1 + spread * z_k), z_k a standard
 * normal drawn from the seed and k alone. The adaptive repetition tests
 * know the values in advance and check where a cell stops against an
 * independent computation. With hold_at = K, run K waits while DIR/hold
 * exists (after making DIR/held), so a test can interrupt a run at a
 * known place.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "virtbench/plugin.h"

struct spread_opts {
	char *dir;
	double mean, spread;
	int64_t hold_at;
};

static const struct vb_option spread_options[] = {
	{ .name = "dir", .type = VB_OPT_STRING,
	  .offset = offsetof(struct spread_opts, dir), .required = true,
	  .help = "directory of the run counter" },
	{ .name = "mean", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct spread_opts, mean), .def = "100",
	  .help = "mean of the values" },
	{ .name = "spread", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct spread_opts, spread), .def = "0.05",
	  .min = 0, .max = 10, .help = "standard deviation / mean" },
	{ .name = "hold_at", .type = VB_OPT_INT,
	  .offset = offsetof(struct spread_opts, hold_at), .def = "0",
	  .min = 0, .max = 1000000,
	  .help = "run number that waits while DIR/hold exists; 0: none" },
	{ .name = NULL },
};

static const struct vb_metric spread_metrics[] = {
	{ .name = "value", .unit = "", .better = VB_HIGHER_IS_BETTER,
	  .help = "mean * (1 + spread * z_k)" },
	{ .name = "run", .unit = "", .better = VB_NEUTRAL,
	  .help = "k, the run's number" },
	{ .name = NULL },
};

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Uniform in (0, 1) from 53 bits. */
static double unit(uint64_t x)
{
	return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

/* Box-Muller: z_k from the seed and k. */
static double z_of(uint64_t seed, long k)
{
	uint64_t a = splitmix(seed * 1000003u + (uint64_t)k);
	uint64_t b = splitmix(a);

	return sqrt(-2 * log(unit(a))) * cos(2 * M_PI * unit(b));
}

static int next_run(const char *dir, long *k)
{
	char path[PATH_MAX], buf[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/count", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	*k = strtol(buf, NULL, 10) + 1;
	n = snprintf(buf, sizeof(buf), "%ld\n", *k);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

static int spread_run(struct vb_ctx *ctx, const void *opts)
{
	const struct spread_opts *o = opts;
	long k = 0;
	int rc = next_run(o->dir, &k);

	if (rc < 0)
		return VB_ERROR(ctx, rc, "cannot count runs in %s", o->dir);
	if (o->hold_at && k == o->hold_at) {
		char hold[PATH_MAX], held[PATH_MAX];
		int fd;

		snprintf(hold, sizeof(hold), "%s/hold", o->dir);
		snprintf(held, sizeof(held), "%s/held", o->dir);
		if ((fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
			close(fd);
		while (access(hold, F_OK) == 0) {
			if (vb_interrupted(ctx))
				return -EINTR;
			usleep(20000);
		}
	}
	rc = vb_report_metric(ctx, "value",
			      o->mean * (1 + o->spread * z_of(vb_seed(ctx), k)));
	if (rc == 0)
		rc = vb_report_metric(ctx, "run", (double)k);
	return rc;
}

static const struct vb_workload_ops spread_ops = {
	.size = sizeof(struct vb_workload_ops),
	.run = spread_run,
};

static const struct vb_plugin_info spread_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "spread",
	.version = "1.0.0",
	.summary = "test only: one value per run with a chosen spread",
	.options = spread_options,
	.options_size = sizeof(struct spread_opts),
	.metrics = spread_metrics,
	.ops = &spread_ops,
};

VB_PLUGIN_DEFINE(spread, &spread_info)
