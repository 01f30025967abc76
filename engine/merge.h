/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The merge of a sharded results directory (engine/merge.c): DIR/shards/K/
 * (engine/shard.h) -> DIR's own runs.csv, verify.csv and environment.json,
 * which the analysis reads as it reads any results directory.
 *
 * The merge is a rebuild, not an append: each time, from every shard's
 * whole records, written to a temporary file and renamed into place, so it
 * can run while shards are still writing (a record being written is not
 * whole yet and is left for the next merge) and running it twice changes
 * nothing. Each runs.csv row keeps the `host` its shard recorded;
 * environment.json gets `shards`: per shard its host facts, virtbench
 * version, times and its last Slurm task (DIR/slurm/jobs.json), and every
 * environment record names its shard and host.
 */
#ifndef VB_ENGINE_MERGE_H
#define VB_ENGINE_MERGE_H

#include <stddef.h>

struct vb_merge_info {
	int nshards;             /* of the plan */
	int nwith_results;       /* shards that have a journal */
	size_t nrecords;         /* repetitions (records) merged */
};

/*
 * Merge DIR's shards; the caller holds DIR's lock. Returns 0, -ENOENT when
 * DIR is not sharded (no shards/plan.json: nothing to do), -ENODATA when
 * no shard has results yet, -EPROTO when shards hold different
 * experiments, or -errno; err says which file and why.
 */
int vb_merge_shards(const char *dir, struct vb_merge_info *info, char *err,
		    size_t errlen);

#endif /* VB_ENGINE_MERGE_H */
