/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Plugin descriptors for the config and matrix tests. They mirror the
 * option tables of the real plugins closely enough to write realistic
 * experiment files, but live here so the tests do not depend on the loader
 * or on the plugins' state of progress. Only the tables matter: no hook
 * but validate() is ever called.
 */
#ifndef VB_TEST_FAKE_PLUGINS_H
#define VB_TEST_FAKE_PLUGINS_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/loader.h"

/* ---- backends ---- */

struct fake_bm_opts {
	bool cgroup;
};

static const struct vb_option fake_bm_options[] = {
	{ .name = "cgroup", .type = VB_OPT_BOOL,
	  .offset = offsetof(struct fake_bm_opts, cgroup), .def = "true" },
	{ .name = NULL },
};

static const struct vb_backend_ops fake_backend_ops = {
	.size = sizeof(struct vb_backend_ops),
};

static const struct vb_plugin_info fake_bare_metal = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_BACKEND, .name = "bare-metal", .version = "1.0.0",
	.summary = "test", .options = fake_bm_options,
	.options_size = sizeof(struct fake_bm_opts), .ops = &fake_backend_ops,
};

struct fake_qemu_opts {
	int accel;
	int tcg_thread;
	int64_t smp_sockets;
	double boot_timeout;
	char *kernel;
	char **extra_args;
};

static const char *const fake_accels[] = { "auto", "kvm", "tcg", NULL };
static const char *const fake_threads[] = { "single", "multi", NULL };

static const struct vb_option fake_qemu_options[] = {
	{ .name = "accel", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct fake_qemu_opts, accel), .def = "auto",
	  .choices = fake_accels },
	{ .name = "tcg_thread", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct fake_qemu_opts, tcg_thread), .def = "multi",
	  .choices = fake_threads },
	{ .name = "smp_sockets", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_qemu_opts, smp_sockets), .def = "1",
	  .min = 1, .max = 64 },
	{ .name = "boot_timeout", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct fake_qemu_opts, boot_timeout), .def = "60s",
	  .min = 1, .max = 3600 },
	{ .name = "kernel", .type = VB_OPT_STRING,
	  .offset = offsetof(struct fake_qemu_opts, kernel) },
	{ .name = "extra_args", .type = VB_OPT_LIST,
	  .offset = offsetof(struct fake_qemu_opts, extra_args) },
	{ .name = NULL },
};

static int fake_qemu_validate(const void *opts, char *msg, size_t len)
{
	const struct fake_qemu_opts *o = opts;

	if (o->accel == 1 && o->tcg_thread == 0) {
		snprintf(msg, len, "tcg_thread applies to accel = \"tcg\" only");
		return -EINVAL;
	}
	return 0;
}

static const struct vb_backend_ops fake_qemu_ops = {
	.size = sizeof(struct vb_backend_ops),
	.validate = fake_qemu_validate,
};

static const struct vb_plugin_info fake_qemu = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_BACKEND, .name = "qemu", .version = "1.0.0",
	.summary = "test", .options = fake_qemu_options,
	.options_size = sizeof(struct fake_qemu_opts), .ops = &fake_qemu_ops,
};

static const struct vb_plugin_info fake_docker = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_BACKEND, .name = "docker", .version = "1.0.0",
	.summary = "test", .options = NULL, .options_size = 0,
	.ops = &fake_backend_ops,
};

/* ---- workloads ---- */

struct fake_cpu_opts {
	int64_t max_prime;
	int64_t threads;
	int64_t events;
	double time;
};

static const struct vb_option fake_cpu_options[] = {
	{ .name = "max_prime", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_cpu_opts, max_prime), .def = "10000",
	  .min = 3, .max = 1000000000 },
	{ .name = "threads", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_cpu_opts, threads), .def = "1",
	  .min = 1, .max = 1024 },
	{ .name = "events", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_cpu_opts, events), .def = "0",
	  .min = 0, .max = 1e12 },
	{ .name = "time", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct fake_cpu_opts, time), .def = "10s",
	  .min = 0, .max = 86400 },
	{ .name = NULL },
};

static const struct vb_metric fake_cpu_metrics[] = {
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER },
	{ .name = "events_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER },
	{ .name = NULL },
};

static int fake_cpu_validate(const void *opts, char *msg, size_t len)
{
	const struct fake_cpu_opts *o = opts;

	if (o->events == 0 && o->time == 0) {
		snprintf(msg, len, "events = 0 and time = 0 would run forever");
		return -EINVAL;
	}
	return 0;
}

static int fake_run(struct vb_ctx *ctx, const void *opts)
{
	(void)ctx;
	(void)opts;
	return 0;
}

static const struct vb_workload_ops fake_cpu_ops = {
	.size = sizeof(struct vb_workload_ops),
	.validate = fake_cpu_validate,
	.run = fake_run,
};

static const struct vb_plugin_info fake_cpu_prime = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_WORKLOAD, .name = "cpu-prime", .version = "1.0.0",
	.summary = "test", .options = fake_cpu_options,
	.options_size = sizeof(struct fake_cpu_opts),
	.metrics = fake_cpu_metrics, .ops = &fake_cpu_ops,
};

struct fake_fio_opts {
	int64_t total_size;
	int64_t file_num;
	int64_t block_size;
	double rw_ratio;
	bool direct;
	int64_t threads;
};

static const struct vb_option fake_fio_options[] = {
	{ .name = "total_size", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct fake_fio_opts, total_size), .def = "2G",
	  .min = 16384, .max = 1099511627776.0 },
	{ .name = "file_num", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_fio_opts, file_num), .def = "128",
	  .min = 1, .max = 4096 },
	{ .name = "block_size", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct fake_fio_opts, block_size), .def = "16K",
	  .min = 512, .max = 1073741824.0 },
	{ .name = "rw_ratio", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct fake_fio_opts, rw_ratio), .def = "1.5",
	  .min = 0, .max = 1000 },
	{ .name = "direct", .type = VB_OPT_BOOL,
	  .offset = offsetof(struct fake_fio_opts, direct), .def = "false" },
	{ .name = "threads", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_fio_opts, threads), .def = "1",
	  .min = 1, .max = 1024 },
	{ .name = NULL },
};

static const struct vb_metric fake_fio_metrics[] = {
	{ .name = "reads_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER },
	{ .name = "writes_per_second", .unit = "1/s",
	  .better = VB_HIGHER_IS_BETTER },
	{ .name = "total_time", .unit = "s", .better = VB_LOWER_IS_BETTER },
	{ .name = NULL },
};

static int fake_fio_validate(const void *opts, char *msg, size_t len)
{
	const struct fake_fio_opts *o = opts;

	if (o->total_size / o->file_num < o->block_size) {
		snprintf(msg, len,
			 "total_size / file_num is smaller than block_size");
		return -EINVAL;
	}
	return 0;
}

static const struct vb_workload_ops fake_fio_ops = {
	.size = sizeof(struct vb_workload_ops),
	.flags = VB_WL_DROP_CACHES,
	.validate = fake_fio_validate,
	.run = fake_run,
};

static const struct vb_plugin_info fake_fileio = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_WORKLOAD, .name = "fileio-rndrw", .version = "1.0.0",
	.summary = "test", .options = fake_fio_options,
	.options_size = sizeof(struct fake_fio_opts),
	.metrics = fake_fio_metrics, .ops = &fake_fio_ops,
};

/* Every option type, one required option, a list. */
struct fake_all_opts {
	int64_t level;
	int64_t size;
	double wait;
	bool loud;
	double ratio;
	int color;
	char *label;
	char **args;
};

static const char *const fake_colors[] = { "red", "green", "blue", NULL };

static const struct vb_option fake_all_options[] = {
	{ .name = "level", .type = VB_OPT_INT,
	  .offset = offsetof(struct fake_all_opts, level), .required = true,
	  .min = 0, .max = 9 },
	{ .name = "size", .type = VB_OPT_SIZE,
	  .offset = offsetof(struct fake_all_opts, size), .def = "1M" },
	{ .name = "wait", .type = VB_OPT_DURATION,
	  .offset = offsetof(struct fake_all_opts, wait), .def = "250ms" },
	{ .name = "loud", .type = VB_OPT_BOOL,
	  .offset = offsetof(struct fake_all_opts, loud), .def = "no" },
	{ .name = "ratio", .type = VB_OPT_DOUBLE,
	  .offset = offsetof(struct fake_all_opts, ratio), .def = "0.5" },
	{ .name = "color", .type = VB_OPT_ENUM,
	  .offset = offsetof(struct fake_all_opts, color), .def = "red",
	  .choices = fake_colors },
	{ .name = "label", .type = VB_OPT_STRING,
	  .offset = offsetof(struct fake_all_opts, label), .def = "x" },
	{ .name = "args", .type = VB_OPT_LIST,
	  .offset = offsetof(struct fake_all_opts, args), .def = "-v" },
	{ .name = NULL },
};

static const struct vb_metric fake_all_metrics[] = {
	{ .name = "score", .unit = "", .better = VB_HIGHER_IS_BETTER },
	{ .name = NULL },
};

static const struct vb_workload_ops fake_all_ops = {
	.size = sizeof(struct vb_workload_ops),
	.run = fake_run,
};

static const struct vb_plugin_info fake_all = {
	.abi_major = VB_PLUGIN_ABI_MAJOR, .abi_minor = VB_PLUGIN_ABI_MINOR,
	.kind = VB_PLUGIN_WORKLOAD, .name = "all-types", .version = "1.0.0",
	.summary = "test", .options = fake_all_options,
	.options_size = sizeof(struct fake_all_opts),
	.metrics = fake_all_metrics, .ops = &fake_all_ops,
};

static struct vb_plugin fake_items[] = {
	{ .info = &fake_bare_metal, .path = (char *)"(test)" },
	{ .info = &fake_qemu, .path = (char *)"(test)" },
	{ .info = &fake_docker, .path = (char *)"(test)" },
	{ .info = &fake_cpu_prime, .path = (char *)"(test)" },
	{ .info = &fake_fileio, .path = (char *)"(test)" },
	{ .info = &fake_all, .path = (char *)"(test)" },
};

static const struct vb_registry fake_registry = {
	.items = fake_items,
	.count = sizeof(fake_items) / sizeof(fake_items[0]),
	.search_path = (char *)"(test)",
};

#endif /* VB_TEST_FAKE_PLUGINS_H */
