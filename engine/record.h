/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The environment record, DIR/environment.json (engine/record.c): what a
 * results directory was made with (virtbench and ABI version, host facts,
 * plugins, the effective experiment, and per opened environment its
 * probe and verdict), and the experiment's identity, the config hash.
 * docs/results-format.md documents the file.
 */
#ifndef VB_ENGINE_RECORD_H
#define VB_ENGINE_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/env.h"
#include "engine/experiment.h"
#include "lib/loader.h"

/*
 * The experiment's identity: what makes two runs' numbers the same
 * measurement. Every option (axes or not, defaults included), the matrix
 * and the seed; not the repetition count, so a rerun may add
 * repetitions. 16 hex digits and a NUL into out.
 */
#define VB_CONFIG_HASH_LEN 17
void vb_config_hash(const struct vb_experiment *ex,
		    char out[VB_CONFIG_HASH_LEN]);

struct vb_record;

/* A new record (it is written by vb_record_write()). Never NULL. */
struct vb_record *vb_record_new(const struct vb_experiment *ex,
				const struct vb_registry *reg,
				const char *config_hash);
/* Add one opened environment's probe and verification. */
void vb_record_add_env(struct vb_record *rec, const struct vb_env *env);
/* Mark the run as ended (finished time, interrupted or not). */
void vb_record_finish(struct vb_record *rec, bool interrupted);
/* Write DIR/environment.json atomically. 0 or -errno. */
int vb_record_write(const struct vb_record *rec, const char *dir);
void vb_record_free(struct vb_record *rec);

/*
 * The config hash of DIR/environment.json, malloc'd; NULL when there is
 * no such file or it has none (the journal's own identity still holds).
 */
char *vb_record_config_hash(const char *dir);

#endif /* VB_ENGINE_RECORD_H */
