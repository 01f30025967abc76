/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Slurm (engine/slurm.c): the job array script, submitting it, following
 * its tasks and cancelling them, through Slurm's own commands (sbatch,
 * squeue, scancel, scontrol, sacct) as argv vectors. Slurm places the
 * work; nothing here schedules anything (docs/scale-out.md).
 *
 * What virtbench knows about its jobs is kept in DIR/slurm/jobs.json:
 * every submission (array job id, which shards) and the last state seen
 * of each task (Slurm state, exit status, node, output file). Slurm
 * forgets a finished job after MinJobAge; this file does not.
 */
#ifndef VB_ENGINE_SLURM_H
#define VB_ENGINE_SLURM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Slurm's client commands virtbench calls, for messages. */
extern const char vb_slurm_install_hint[];

/*
 * Are sbatch, squeue, scancel and scontrol on PATH? 0, or -ENOENT with
 * the missing one named in err.
 */
int vb_slurm_check_tools(char *err, size_t errlen);

/*
 * Does the controller answer (`scontrol ping`, which answers at once where
 * other clients retry for MessageTimeout)? A SLURM_CONF that names no
 * file is refused first: the clients would retry it for a minute. 0, or
 * -ENOENT / -EHOSTUNREACH with err naming SLURM_CONF and the controller.
 */
int vb_slurm_ping(char *err, size_t errlen);

/* What job.sh is made of. Paths are absolute. */
struct vb_slurm_job {
	const char *dir;          /* the results directory (shared) */
	const char *experiment;   /* the experiment file */
	const char *name;         /* the experiment's name */
	const char *virtbench;    /* the program the tasks run */
	const char *plugin_dirs;  /* --plugin-dir for the tasks, or NULL */
	int nshards;
	const char *shard_by;     /* "config" / "environment", for comments */
	const char *partition, *time, *account, *constraint; /* or NULL */
	const char *const *extra; /* further sbatch options, one each */
	size_t nextra;
};

/*
 * Write DIR/slurm/job.sh: a readable sbatch script for the array of
 * nshards tasks, one shard each, --exclusive, one node per task; creates
 * DIR/slurm/out/ for the tasks' output. 0, or -EINVAL (a path or value
 * an #SBATCH line cannot hold) / -errno with err.
 */
int vb_slurm_write_script(const struct vb_slurm_job *job, char *err,
			  size_t errlen);

/*
 * sbatch --parsable --array=LIST DIR/slurm/job.sh for shards[0..n), at
 * most max_running of them at once (0: no limit); the job is recorded in
 * DIR/slurm/jobs.json. *jobid (malloc'd) is the array job id. -EIO with
 * sbatch's own message in err when it refuses.
 */
int vb_slurm_submit(const char *dir, const int *shards, size_t n,
		    int max_running, char **jobid, char *err, size_t errlen);

/* Shards 1,2,3,5 (ascending) as sbatch's --array: "1-3,5". */
struct vb_buf;
void vb_slurm_array_spec(const int *shards, size_t n, struct vb_buf *b);

/* One task as last seen. */
struct vb_slurm_task {
	int shard;
	char job[32];             /* array job id */
	char state[32];           /* PENDING, RUNNING, COMPLETED, FAILED, ... */
	int exit_code, signal;    /* -1: not known */
	char node[256];
	char reason[128];
	char output[4096];        /* the task's output file */
	bool final;               /* will not change any more */
};

/*
 * One line of a jobcomp/filetxt file (Slurm's jobcomp_filetxt.c format):
 * job is the array job id and task its task id, or job the JobId and task
 * "" for a line of no single task (a whole array cancelled while tasks
 * still waited). 0, or -EINVAL when the line has no JobId or JobState.
 */
struct vb_jobcomp {
	char job[32], task[32], state[32], node[256];
	int exit_code, signal;    /* -1: not given */
};
int vb_slurm_jobcomp_parse(const char *line, struct vb_jobcomp *r);

/* The latest task of every shard that was ever submitted. */
struct vb_slurm_status {
	struct vb_slurm_task *tasks;
	size_t n;
	size_t pending, running, finished;
};

/*
 * Ask Slurm about every task of DIR's jobs that was not final yet (one
 * squeue call for all; sacct, else the jobcomp/filetxt file, for tasks
 * Slurm has already forgotten) and update DIR/slurm/jobs.json. Fills *st
 * (may be NULL). A directory that never submitted anything gives n = 0.
 * -EHOSTUNREACH (err: squeue's message) when Slurm cannot be asked;
 * *st then holds the last states known.
 */
int vb_slurm_refresh(const char *dir, struct vb_slurm_status *st, char *err,
		     size_t errlen);
/* The same from jobs.json alone, without asking Slurm. */
int vb_slurm_status_load(const char *dir, struct vb_slurm_status *st);
void vb_slurm_status_free(struct vb_slurm_status *st);
/* The latest task of shard k, or NULL. */
const struct vb_slurm_task *vb_slurm_task_of(const struct vb_slurm_status *st,
					     int shard);
/* Is the task done well (COMPLETED, exit 0)? */
bool vb_slurm_task_ok(const struct vb_slurm_task *t);

/*
 * A task's end in words: "completed", or its state, exit status or
 * signal and what it points at (an output file that was never created:
 * the node cannot see DIR). Writes into buf.
 */
void vb_slurm_task_explain(const struct vb_slurm_task *t, char *buf,
			   size_t n);

/* The last nlines lines of a task's output file, or NULL. */
char *vb_slurm_output_tail(const char *path, int nlines);

/* The task as JSON for environment.json (with its output's tail when it
 * did not complete). */
json_t *vb_slurm_task_json(const struct vb_slurm_task *t);

/*
 * scancel every job of DIR that still has tasks queued or running. Runs
 * even after SIGINT (the point of it). *cancelled gets the ids,
 * space-separated (malloc'd, "" when none). 0 or -errno.
 */
int vb_slurm_cancel(const char *dir, char **cancelled, char *err,
		    size_t errlen);

#endif /* VB_ENGINE_SLURM_H */
