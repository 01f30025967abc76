/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The results journal (engine/journal.c): the one owner of runs.csv and
 * verify.csv. Their columns are spelled once, in the tables below; every
 * reader and writer (the runner, `check`'s estimate, the analysis) goes
 * through this module, so a new column cannot break resume or `check`.
 *
 * A repetition is one record: its rows (one per metric) are written with
 * one write() and carry `record` = "k/n", so a reader knows whether the
 * block is whole. Every row also carries the experiment's identity
 * (`config_hash`), so a directory can be checked against the experiment
 * from its journal alone. A block that is not whole at the end of the file
 * (a crash, a full disk) is not counted: the writer moves it to
 * runs.csv.torn when it reopens the journal, and the repetition is redone.
 * docs/results-format.md documents the format.
 */
#ifndef VB_ENGINE_JOURNAL_H
#define VB_ENGINE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/util.h"

/* runs.csv, in column order. */
enum vb_run_col {
	VB_RC_EXPERIMENT,
	VB_RC_BACKEND,
	VB_RC_CONFIG,
	VB_RC_CPUS,
	VB_RC_MEMORY,
	VB_RC_WORKLOAD,
	VB_RC_PARAMS,
	VB_RC_REPETITION,
	VB_RC_METRIC,
	VB_RC_VALUE,
	VB_RC_UNIT,
	VB_RC_STATUS,
	VB_RC_VERDICT,
	VB_RC_STARTED,
	VB_RC_FINISHED,
	VB_RC_FACTS,
	VB_RC_ERROR,
	VB_RC_CONFIG_HASH,  /* the experiment's identity (journal-filled) */
	VB_RC_RECORD,       /* "k/n": row k of the repetition's n (journal-filled) */
	VB_RC_HOST,         /* the machine that ran it (journal-filled unless
	                       given: the merge of shards keeps each row's) */
	VB_RC_ORDER,        /* sequential, shuffled or interleaved */
	/* Host noise during the measured request (engine/noise.h). */
	VB_RC_NOISE_WINDOW,
	VB_RC_NOISE_CPUS,
	VB_RC_NOISE_BUSY,
	VB_RC_NOISE_STEAL,
	VB_RC_NOISE_IOWAIT,
	VB_RC_NOISE_ENV_CPU,
	VB_RC_NOISE_ENV_FROM,
	VB_RC_NOISE_FOREIGN,
	VB_RC_NOISE_LOADAVG,
	VB_RC_NOISE_CPUFREQ,
	VB_RC_NOISE_THROTTLED,
	VB_RC_NOISE_SWAP_IN,
	VB_RC_NOISE_SWAP_OUT,
	VB_RC_NOISE_GUEST_STEAL,
	VB_RC_NOISE,        /* "", "steal", "foreign", "steal,foreign" */
	VB_RC_STOP,         /* adaptive: why the cell stopped after this one */
	VB_RC_N
};

/* verify.csv, in column order: one row per opened environment. */
enum vb_verify_col {
	VB_VC_BACKEND,
	VB_VC_CONFIG,
	VB_VC_CPUS_REQUESTED,
	VB_VC_CPUS_OBSERVED,
	VB_VC_MEMORY_REQUESTED,
	VB_VC_MEMORY_OBSERVED,
	VB_VC_CPUS_ENFORCED,
	VB_VC_MEMORY_ENFORCED,
	VB_VC_VERDICT,
	VB_VC_REASON,
	VB_VC_PROBE,
	VB_VC_FACTS,
	VB_VC_TIME,
	VB_VC_N
};

/* A file's columns, and the columns without which it cannot be read. */
struct vb_journal_format {
	const char *file;                /* "runs.csv" */
	const char *const *columns;      /* n names, in order */
	size_t ncolumns;
	size_t nrequired;                /* the first nrequired must be there */
};
extern const struct vb_journal_format vb_runs_format, vb_verify_format;

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

/* One row; f[col] is "" for a column the file does not have. */
struct vb_jrow {
	char **f;           /* format->ncolumns strings */
	int line;           /* the row's first line in the file */
};

struct vb_journal_data {
	const struct vb_journal_format *format;
	struct vb_jrow *rows;  /* whole records only, in file order */
	size_t nrows;
	/* Rows read but not counted: records that are not whole (a torn
	 * tail, or rows of a repetition whose block is incomplete). */
	size_t ignored;
	bool torn_tail;     /* the file ends inside a record or a block */
	off_t whole_size;   /* bytes up to the end of the last whole block */
	bool legacy;        /* runs.csv of virtbench 0.1 (no record column):
	                       every row counts as a whole block */
};

/*
 * Read DIR/format->file. A missing file is an empty journal (0). A header
 * that lacks a required column, or a file that is not CSV, is -EINVAL
 * with "file:line: what" in err; other failures -errno.
 */
int vb_journal_read(const char *dir, const struct vb_journal_format *format,
		    struct vb_journal_data *j, char *err, size_t errlen);
void vb_journal_data_free(struct vb_journal_data *j);

/*
 * A repetition's identity for resume: backend, config, workload, params
 * and repetition number, joined by a separator no value holds. Malloc'd.
 */
char *vb_rep_key(const char *backend, const char *config,
		 const char *workload, const char *params, int rep);
/* The same for a runs.csv row. */
char *vb_rep_key_row(const struct vb_jrow *row);

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

struct vb_journal;

/*
 * Open DIR/format->file for appending, writing the header when the file
 * is new. A tail that is not whole is moved to FILE.torn (appended) and
 * cut off, so no torn line is ever left in the middle of the journal;
 * *torn_bytes (may be NULL) says how much. `experiment` and
 * `config_hash` fill the journal-owned columns of every row. A file with
 * another header (another virtbench's) is -EPROTO with err saying so.
 */
int vb_journal_open(const char *dir, const struct vb_journal_format *format,
		    const char *experiment, const char *config_hash,
		    struct vb_journal **out, size_t *torn_bytes, char *err,
		    size_t errlen);

/*
 * Append one record: nrows rows of format->ncolumns fields each (the
 * journal-owned columns are filled in; pass NULL there — `host`, when
 * NULL, becomes this machine's name). Written with one write() and
 * fsync'ed; on failure (a full disk) the file is cut back to where it
 * was, so nothing half-written stays, and -errno is returned.
 */
int vb_journal_append(struct vb_journal *j, const char *const *const *rows,
		      size_t nrows);
/*
 * The same for many records at once (the merge of shard journals): record
 * i is the next sizes[i] rows. One write() and one fsync for all of them.
 */
int vb_journal_append_records(struct vb_journal *j,
			      const char *const *const *rows,
			      const size_t *sizes, size_t nrecords);
/* Close; returns the first error of close(). */
int vb_journal_close(struct vb_journal *j);

/* ------------------------------------------------------------------ */
/* One writer per results directory                                     */
/* ------------------------------------------------------------------ */

/*
 * Take DIR's lock (flock on DIR/.virtbench.lock, which records the
 * holder's pid). Returns an fd to keep open while working, or -EBUSY with
 * *holder set when another process holds it. A lock of a killed process
 * is released by the kernel, so it never blocks.
 */
int vb_results_lock(const char *dir, pid_t *holder);
void vb_results_unlock(int fd);

/* "2026-11-27T04:31:35.006Z" for now (UTC, milliseconds). */
void vb_iso_now(char *buf, size_t n);
/* Seconds since the epoch of such a timestamp; -1 if it is not one. */
double vb_iso_seconds(const char *s);

#endif /* VB_ENGINE_JOURNAL_H */
