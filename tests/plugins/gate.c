/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test-only workload that holds a repetition while a file exists, so a
 * test can act (scancel a Slurm task) while it is surely in the middle of
 * a run, without depending on how fast anything is. In directory `dir`:
 *   hold   while it exists, run() waits (and makes `held` to say so) ...
 *   pass   ... unless it can take (remove) this file: that run goes on.
 * Without `hold` it reports at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "virtbench/plugin.h"

struct gate_opts {
	char *dir;
};

static const struct vb_option gate_options[] = {
	{ .name = "dir", .type = VB_OPT_STRING,
	  .offset = offsetof(struct gate_opts, dir), .required = true,
	  .help = "directory of the hold and pass files" },
	{ .name = NULL },
};

static const struct vb_metric gate_metrics[] = {
	{ .name = "held", .unit = "", .better = VB_NEUTRAL,
	  .help = "1 when the run was held" },
	{ .name = NULL },
};

static int gate_run(struct vb_ctx *ctx, const void *opts)
{
	const struct gate_opts *o = opts;
	char hold[PATH_MAX], pass[PATH_MAX], held[PATH_MAX];
	int was_held = 0;

	snprintf(hold, sizeof(hold), "%s/hold", o->dir);
	snprintf(pass, sizeof(pass), "%s/pass", o->dir);
	snprintf(held, sizeof(held), "%s/held", o->dir);
	if (access(hold, F_OK) == 0 && unlink(pass) < 0) {
		int fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
		was_held = 1;
		while (access(hold, F_OK) == 0) {
			if (vb_interrupted(ctx))
				return -EINTR;
			usleep(20000);
		}
	}
	return vb_report_metric(ctx, "held", was_held);
}

static const struct vb_workload_ops gate_ops = {
	.size = sizeof(struct vb_workload_ops),
	.run = gate_run,
};

static const struct vb_plugin_info gate_info = {
	VB_PLUGIN_ABI,
	.kind = VB_PLUGIN_WORKLOAD,
	.name = "gate",
	.version = "1.0.0",
	.summary = "test only: run() waits while DIR/hold exists",
	.options = gate_options,
	.options_size = sizeof(struct gate_opts),
	.metrics = gate_metrics,
	.ops = &gate_ops,
};

VB_PLUGIN_DEFINE(gate, &gate_info)
