/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shards (engine/shard.c): a deterministic part of an experiment's matrix,
 * for running it on several machines at once (docs/scale-out.md).
 *
 * The matrix is cut into units: by default one config with all its
 * backends, so that every backend/baseline ratio compares numbers measured
 * on one machine; with shard_by = "environment" one backend x config.
 * Only units with at least one cell count, in file order, and unit u goes
 * to shard (u mod N) + 1: shards are numbered 1..N like the tasks of the
 * Slurm array that runs them. Shard K journals into DIR/shards/K/, a
 * results directory of its own (own lock, own runs.csv); the merge
 * (engine/merge.h) puts them together. DIR/shards/plan.json records N and
 * the unit, so that every shard of a directory cuts the same way.
 */
#ifndef VB_ENGINE_SHARD_H
#define VB_ENGINE_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/experiment.h"
#include "engine/matrix.h"
#include "engine/estimate.h"

struct vb_shard {
	int index;               /* 1..count */
	int count;
	enum vb_shard_by by;
	/* Filled by vb_shard_bind for one experiment: owns[b * nconfigs + c]
	 * says whether backend b x config c belongs to this shard. */
	bool *owns;
	size_t nconfigs;
};

/* "config" / "environment". */
const char *vb_shard_by_name(enum vb_shard_by by);

/* "K/N" -> index, count (1 <= K <= N). 0, or -EINVAL with a reason. */
int vb_shard_parse(const char *text, struct vb_shard *s, char *err,
		   size_t errlen);

/* The number of units of the expanded matrix (configs, or backend x
 * config environments, that have at least one cell). */
size_t vb_shard_units(const struct vb_experiment *ex,
		      const struct vb_cell *cells, size_t ncells,
		      enum vb_shard_by by);

/*
 * Work out which environments shard s holds (s->owns). -ERANGE when
 * s->count exceeds the number of units (a shard would be empty), with a
 * reason in err.
 */
int vb_shard_bind(struct vb_shard *s, const struct vb_experiment *ex,
		  const struct vb_cell *cells, size_t ncells, char *err,
		  size_t errlen);
void vb_shard_unbind(struct vb_shard *s);

/*
 * Does backend x config belong to shard s? A NULL s (no sharding) holds
 * everything. The runner drops every other environment from its work list.
 */
bool vb_shard_owns(const struct vb_shard *s, size_t backend, size_t config);

/* DIR/shards/K (malloc'd). */
char *vb_shard_dir(const char *dir, int index);

/*
 * The plan of DIR (DIR/shards/plan.json): how many shards and by what.
 * vb_shard_plan_read: 0, -ENOENT when DIR is not sharded, -EINVAL when the
 * file is damaged (err says so). vb_shard_plan_ensure: write it when DIR
 * has none (refusing a DIR that holds an unsharded run: -EEXIST), or check
 * that it matches (-EINVAL: "DIR is sharded 3 ways by config, not ...").
 */
int vb_shard_plan_read(const char *dir, struct vb_shard *plan, char *err,
		       size_t errlen);
int vb_shard_plan_ensure(const char *dir, const char *experiment,
			 const struct vb_shard *plan, char *err,
			 size_t errlen);

/* What a shard has left: vb_estimate over its cells and its directory. */
struct vb_shard_left {
	int index;
	size_t nenvs;            /* environments it holds */
	char *what;              /* "1cpu-256m" or "docker/1cpu-256m, ..." */
	struct vb_estimate e;
};
/* Fill left[0..plan->count) for DIR. 0 or -errno. */
int vb_shard_left(const struct vb_experiment *ex, const struct vb_cell *cells,
		  size_t ncells, const char *dir, const struct vb_shard *plan,
		  struct vb_shard_left *left);
void vb_shard_left_free(struct vb_shard_left *left, size_t n);

#endif /* VB_ENGINE_SHARD_H */
