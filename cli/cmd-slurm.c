/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * virtbench slurm: an experiment's shards as a Slurm job array; and the
 * shard parts of run, check and report (docs/scale-out.md).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/experiment.h"
#include "engine/journal.h"
#include "engine/matrix.h"
#include "engine/merge.h"
#include "engine/runner.h"
#include "engine/shard.h"
#include "engine/slurm.h"
#include "lib/ctx.h"
#include "lib/diag.h"
#include "lib/loader.h"
#include "lib/util.h"

const char vb_usage_slurm[] =
	"usage: virtbench slurm FILE [-o DIR] [--wait] [--shards N] [options]\n"
	"\n"
	"Runs the experiment FILE on a Slurm cluster: writes DIR/slurm/job.sh, an\n"
	"sbatch script for a job array of one task per shard (a config with all\n"
	"its backends, or per shard_by), each alone on its node (--exclusive), and\n"
	"submits it. DIR must be on a filesystem the compute nodes share. Running\n"
	"it again submits only the shards that still miss repetitions and are not\n"
	"queued or running. `virtbench report DIR` merges the shards.\n"
	"\n"
	"  -o, --output DIR      results directory (default: results/NAME)\n"
	"  --wait                wait for the array (progress on stderr), then merge\n"
	"                        and report; Ctrl-C cancels the array\n"
	"  --no-report           with --wait: merge and summarise, no charts or report\n"
	"  --shards N            N shards (default: slurm.shards, else one per unit)\n"
	"  --max-running N       at most N tasks of the array at once\n"
	"  --partition P, --time T, --account A, --constraint C\n"
	"                        passed to sbatch (override the file's slurm section)\n"
	"  --sbatch-arg ARG      one more sbatch option for job.sh (repeatable)\n"
	"  --virtbench PATH      the program the tasks run (default: this one)\n"
	"  --dry-run             write job.sh and say what would be submitted\n"
	"\n"
	"Exit status: 0 submitted (or nothing left to do) / all shards complete,\n"
	"1 a shard failed or misses repetitions after --wait, 2 usage, Slurm\n"
	"not there or not answering, 130 interrupted.\n";

/* ------------------------------------------------------------------ */
/* Loading                                                              */
/* ------------------------------------------------------------------ */

struct loaded {
	struct vb_registry reg;
	struct vb_experiment *ex;
	struct vb_cell *cells;
	size_t ncells;
};

static int load(const struct vb_cli *cli, const char *file, struct loaded *l)
{
	struct vb_diag diag = { 0 };

	memset(l, 0, sizeof(*l));
	vb_registry_load(&l->reg, cli->plugin_dirs,
			 (1u << VB_PLUGIN_BACKEND) | (1u << VB_PLUGIN_WORKLOAD));
	if (vb_experiment_load(file, &l->reg, &l->ex, &diag) < 0) {
		vb_diag_print(&diag, stderr);
		vb_diag_free(&diag);
		return VB_EXIT_USAGE;
	}
	vb_diag_free(&diag);
	if (vb_matrix_expand(l->ex, &l->cells, &l->ncells) < 0) {
		fprintf(stderr, "virtbench: %s: cannot expand the matrix\n", file);
		return VB_EXIT_USAGE;
	}
	return VB_EXIT_OK;
}

static void unload(struct loaded *l)
{
	if (l->cells)
		vb_matrix_free(l->cells, l->ncells, l->ex);
	vb_experiment_free(l->ex);
	vb_registry_free(&l->reg);
}

/* ------------------------------------------------------------------ */
/* run --shard                                                          */
/* ------------------------------------------------------------------ */

static char *shard_outdir;

int vb_cli_shard_setup(const struct vb_cli *cli, struct vb_run_opts *o,
		       const char *text)
{
	struct vb_shard *s;
	struct loaded l;
	char err[1024];
	int status;

	if (!text) {
		struct vb_shard plan;

		if (o->outdir && vb_shard_plan_read(o->outdir, &plan, err, sizeof(err)) == 0) {
			fprintf(stderr,
				"virtbench: %s is sharded (%d shards by %s, shards/plan.json): run a "
				"shard with --shard K/%d, all of them with `virtbench slurm`, or use "
				"another -o DIR\n", o->outdir, plan.count,
				vb_shard_by_name(plan.by), plan.count);
			return VB_EXIT_USAGE;
		}
		return VB_EXIT_OK;
	}
	if (!o->outdir) {
		fprintf(stderr, "virtbench: --shard needs -o DIR, the results directory "
			"all shards share\n");
		return VB_EXIT_USAGE;
	}
	s = vb_xcalloc(1, sizeof(*s));
	if (vb_shard_parse(text, s, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtbench: %s\n", err);
		free(s);
		return VB_EXIT_USAGE;
	}
	if ((status = load(cli, o->experiment, &l)) != VB_EXIT_OK) {
		unload(&l);
		free(s);
		return status;
	}
	s->by = l.ex->shard_by;
	if ((status = vb_mkdir_p(o->outdir, 0755)) < 0) {
		fprintf(stderr, "virtbench: cannot create %s: %s\n", o->outdir,
			strerror(-status));
		free(s);
		unload(&l);
		return VB_EXIT_USAGE;
	}
	if (vb_shard_bind(s, l.ex, l.cells, l.ncells, err, sizeof(err)) < 0 ||
	    vb_shard_plan_ensure(o->outdir, l.ex->name, s, err, sizeof(err)) < 0) {
		fprintf(stderr, "virtbench: %s: %s\n", o->experiment, err);
		vb_shard_unbind(s);
		free(s);
		unload(&l);
		return VB_EXIT_USAGE;
	}
	vb_shard_unbind(s);
	unload(&l);
	shard_outdir = vb_shard_dir(o->outdir, s->index);
	o->outdir = shard_outdir;
	o->shard = s;
	return VB_EXIT_OK;
}

void vb_cli_shard_done(struct vb_run_opts *o)
{
	if (o->shard) {
		vb_shard_unbind(o->shard);
		free(o->shard);
		o->shard = NULL;
	}
	free(shard_outdir);
	shard_outdir = NULL;
}

/* ------------------------------------------------------------------ */
/* check and report                                                     */
/* ------------------------------------------------------------------ */

static void print_left(FILE *f, const struct vb_shard_left *l, int count,
		       const struct vb_slurm_task *t)
{
	char a[32];

	fprintf(f, "  shard %d/%d (%s): %zu of %zu repetitions recorded", l->index,
		count, l->what, l->e.recorded, l->e.runs);
	if (!l->e.left)
		fprintf(f, ", complete");
	else if (l->e.likely_left >= 0) {
		vb_fmt_duration(l->e.likely_left, a, sizeof(a));
		fprintf(f, ", %zu left (~%s)", l->e.left, a);
	} else {
		fprintf(f, ", %zu left", l->e.left);
	}
	if (t) {
		char why[1024];

		vb_slurm_task_explain(t, why, sizeof(why));
		fprintf(f, "; Slurm job %s_%d: %s", t->job, t->shard,
			t->final && !vb_slurm_task_ok(t) ? why : t->state);
	}
	fputc('\n', f);
}

/* Ask Slurm for the latest states when it can tell (quietly: check and
 * report work without a cluster, on the last states known). */
static void refresh_if_possible(const char *dir)
{
	struct vb_slurm_status st = { 0 };
	char err[2048];

	if (vb_slurm_check_tools(err, sizeof(err)) < 0)
		return;
	vb_slurm_status_load(dir, &st);
	if (st.n > st.finished && vb_slurm_ping(err, sizeof(err)) == 0)
		vb_slurm_refresh(dir, NULL, err, sizeof(err));
	vb_slurm_status_free(&st);
}

void vb_cli_print_shards(const struct vb_experiment *ex,
			 const struct vb_cell *cells, size_t ncells,
			 const char *dir)
{
	struct vb_slurm_status st = { 0 };
	struct vb_shard_left *left;
	struct vb_shard plan;
	char err[1024];
	size_t sum = 0;
	int rc = vb_shard_plan_read(dir, &plan, err, sizeof(err));

	if (rc < 0) {
		if (rc != -ENOENT)
			printf("%s\n", err);
		return;
	}
	left = vb_xcalloc((size_t)plan.count, sizeof(*left));
	if (vb_shard_left(ex, cells, ncells, dir, &plan, left) < 0) {
		printf("%s: shards: cannot read them\n", dir);
		goto out;
	}
	refresh_if_possible(dir);
	vb_slurm_status_load(dir, &st);
	for (int k = 0; k < plan.count; k++)
		sum += left[k].e.left;
	printf("%s: %d shards by %s, %zu repetitions left:\n", dir, plan.count,
	       vb_shard_by_name(plan.by), sum);
	for (int k = 0; k < plan.count; k++)
		print_left(stdout, &left[k], plan.count, vb_slurm_task_of(&st, k + 1));
out:
	vb_shard_left_free(left, (size_t)plan.count);
	free(left);
	vb_slurm_status_free(&st);
}

int vb_cli_merge(const char *dir)
{
	struct vb_merge_info mi;
	char err[2048];
	int rc;

	/* The report shows each shard's last task. */
	refresh_if_possible(dir);
	rc = vb_merge_shards(dir, &mi, err, sizeof(err));
	if (rc == -ENOENT)
		return VB_EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, "virtbench: %s\n", err);
		return VB_EXIT_USAGE;
	}
	if (mi.nwith_results < mi.nshards)
		fprintf(stderr, "virtbench: %s: %d of %d shards have results so far\n",
			dir, mi.nwith_results, mi.nshards);
	return VB_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* virtbench slurm                                                      */
/* ------------------------------------------------------------------ */

struct sopts {
	const char *outdir, *partition, *time, *account, *constraint;
	const char *virtbench;
	struct vb_strv extra;
	int shards, max_running;
	bool wait, no_report, dry_run;
};

static void say(const char *fmt, ...) VB_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("virtbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The program the tasks run: this one. In the build tree that is
 * libtool's wrapper, which finds the uninstalled library. */
static char *self_path(void)
{
	char buf[PATH_MAX];

	if (vb_in_build_tree())
		return vb_xasprintf("%s/cli/virtbench", ABS_BUILDDIR);
	if (!realpath("/proc/self/exe", buf))
		return vb_xstrdup(BINDIR "/virtbench");
	return vb_xstrdup(buf);
}

/* Each colon-separated directory made absolute (the tasks start in DIR). */
static char *abs_dirs(const char *dirs)
{
	struct vb_buf b = VB_BUF_INIT;

	while (dirs && *dirs) {
		size_t n = strcspn(dirs, ":");
		char *one = vb_xstrndup(dirs, n), buf[PATH_MAX];

		vb_buf_addf(&b, "%s%s", b.len ? ":" : "",
			    realpath(one, buf) ? buf : one);
		free(one);
		dirs += n + (dirs[n] == ':');
	}
	return b.len ? vb_buf_detach(&b) : NULL;
}

static const char *pick(const char *cli, const char *file)
{
	return cli ? cli : file;
}

static int write_job(const struct vb_cli *cli, const struct sopts *so,
		     const struct loaded *l, const char *dir, const char *file,
		     int nshards)
{
	const struct vb_slurm_settings *fs = &l->ex->slurm;
	struct vb_strv extra = VB_STRV_INIT;
	char *self = so->virtbench ? vb_xstrdup(so->virtbench) : self_path();
	char *pd = abs_dirs(cli->plugin_dirs), err[1024];
	struct vb_slurm_job job = {
		.dir = dir,
		.experiment = file,
		.name = l->ex->name,
		.virtbench = self,
		.plugin_dirs = pd,
		.nshards = nshards,
		.shard_by = vb_shard_by_name(l->ex->shard_by),
		.partition = pick(so->partition, fs->partition),
		.time = pick(so->time, fs->time),
		.account = pick(so->account, fs->account),
		.constraint = pick(so->constraint, fs->constraint),
	};
	int rc;

	for (char **a = fs->sbatch_args; a && *a; a++)
		vb_strv_add(&extra, *a);
	for (size_t i = 0; i < so->extra.n; i++)
		vb_strv_add(&extra, so->extra.v[i]);
	job.extra = (const char *const *)extra.v;
	job.nextra = extra.n;
	rc = vb_slurm_write_script(&job, err, sizeof(err));
	if (rc < 0)
		say("%s", err);
	vb_strv_free(&extra);
	free(self);
	free(pd);
	return rc < 0 ? VB_EXIT_USAGE : VB_EXIT_OK;
}

/* Shards to submit: repetitions left, and no task of theirs queued or
 * running. *active gets the number that are. */
static size_t choose(const struct loaded *l, const char *dir,
		     const struct vb_shard *plan, const struct vb_slurm_status *st,
		     int *todo, size_t *active, size_t *left_total, bool quiet)
{
	struct vb_shard_left *left = vb_xcalloc((size_t)plan->count, sizeof(*left));
	size_t n = 0;

	*active = *left_total = 0;
	if (vb_shard_left(l->ex, l->cells, l->ncells, dir, plan, left) < 0)
		say("%s: cannot read the shard journals; every shard counts as not started", dir);
	for (int k = 1; k <= plan->count; k++) {
		const struct vb_shard_left *sl = &left[k - 1];
		const struct vb_slurm_task *t = vb_slurm_task_of(st, k);

		*left_total += sl->e.left;
		if (sl->e.left && t && !t->final) {
			(*active)++;
			if (!quiet)
				fprintf(stderr, "virtbench: shard %d/%d (%s): %zu of %zu left; job %s_%d is %s, not resubmitted\n",
				k, plan->count, sl->what, sl->e.left, sl->e.runs, t->job, k,
				t->state);
		} else if (sl->e.left) {
			todo[n++] = k;
			if (!quiet && (sl->e.recorded || t))
				print_left(stderr, sl, plan->count, t);
		}
	}
	vb_shard_left_free(left, (size_t)plan->count);
	free(left);
	return n;
}

/* How many repetitions the shards being waited for have recorded. */
static void count_recorded(const struct loaded *l, const char *dir,
			   const struct vb_shard *plan, size_t *rec, size_t *all)
{
	struct vb_shard_left *left = vb_xcalloc((size_t)plan->count, sizeof(*left));

	*rec = *all = 0;
	if (vb_shard_left(l->ex, l->cells, l->ncells, dir, plan, left) == 0)
		for (int k = 0; k < plan->count; k++) {
			*rec += left[k].e.recorded;
			*all += left[k].e.runs;
		}
	vb_shard_left_free(left, (size_t)plan->count);
	free(left);
}

static void report_task(const struct vb_slurm_task *t, int count)
{
	char why[1024], *tail;

	if (vb_slurm_task_ok(t)) {
		say("shard %d/%d (job %s_%d) on %s: COMPLETED", t->shard, count, t->job,
		    t->shard, *t->node ? t->node : "?");
		return;
	}
	vb_slurm_task_explain(t, why, sizeof(why));
	say("shard %d/%d (job %s_%d) on %s: %s", t->shard, count, t->job, t->shard,
	    *t->node ? t->node : "?", why);
	tail = vb_slurm_output_tail(t->output, 10);
	if (tail && *tail) {
		fprintf(stderr, "  last lines of %s:\n", t->output);
		for (char *p = tail; *p;) {
			size_t n = strcspn(p, "\n");

			fprintf(stderr, "  | %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	free(tail);
}

/*
 * Poll until no task of the shards in `shards` is queued or running:
 * one squeue call per poll, sooner at first (short tests, quick arrays),
 * then every few seconds. Returns 0, or 130 when interrupted (the array
 * is cancelled).
 */
static int wait_for(const struct loaded *l, const char *dir,
		    const struct vb_shard *plan, const int *shards, size_t n)
{
	bool tty = isatty(2), *told = vb_xcalloc((size_t)plan->count + 1, sizeof(bool));
	uint64_t t0 = vb_now_ns();
	double interval = 0.25;
	char last[512] = "", err[2048];
	bool warned = false;
	int status = 0;

	for (;;) {
		struct vb_slurm_status st = { 0 };
		size_t pending = 0, running = 0, done = 0, rec, all;
		char line[512], el[32];
		int rc = vb_slurm_refresh(dir, &st, err, sizeof(err));

		if (rc < 0 && !warned) {
			say("%s (retrying)", err);
			warned = true;
		} else if (rc == 0) {
			warned = false;
		}
		for (size_t i = 0; i < n; i++) {
			const struct vb_slurm_task *t = vb_slurm_task_of(&st, shards[i]);

			if (!t) {
				done++; /* never recorded: nothing to wait for */
				continue;
			}
			if (t->final) {
				done++;
				if (!told[t->shard]) {
					if (tty)
						fputs("\r\033[K", stderr);
					report_task(t, plan->count);
					told[t->shard] = true;
				}
			} else if (!strcmp(t->state, "PENDING")) {
				pending++;
			} else {
				running++;
			}
		}
		vb_slurm_status_free(&st);
		if (done >= n)
			break;
		count_recorded(l, dir, plan, &rec, &all);
		vb_fmt_duration((double)(vb_now_ns() - t0) / 1e9, el, sizeof(el));
		snprintf(line, sizeof(line),
			 "slurm: %zu running, %zu pending, %zu of %zu shards done; %zu of %zu repetitions recorded",
			 running, pending, done, n, rec, all);
		if (tty)
			fprintf(stderr, "\r\033[K%s  elapsed %s", line, el);
		else if (strcmp(line, last))
			fprintf(stderr, "virtbench: %s (elapsed %s)\n", line, el);
		snprintf(last, sizeof(last), "%s", line);
		{
			struct timespec ts = { (time_t)interval,
					       (long)((interval - (double)(time_t)interval) * 1e9) };

			/* A signal ends the sleep early (no SA_RESTART). */
			if (!vb_is_interrupted())
				nanosleep(&ts, NULL);
		}
		if (vb_is_interrupted()) {
			char *ids = NULL;

			if (tty)
				fputs("\r\033[K", stderr);
			rc = vb_slurm_cancel(dir, &ids, err, sizeof(err));
			if (rc < 0)
				say("interrupted; cancelling failed: %s; cancel by hand with scancel", err);
			else if (*ids)
				say("interrupted: cancelled Slurm job %s (scancel %s); the repetitions "
				    "finished so far stay in %s/shards/; run the same command again to "
				    "resubmit what is left", ids, ids, dir);
			else
				say("interrupted; no task was queued or running any more");
			free(ids);
			status = VB_EXIT_INTERRUPTED;
			break;
		}
		if (interval < 5)
			interval *= 1.25;
	}
	if (tty && status == 0)
		fputs("\r\033[K", stderr);
	free(told);
	return status;
}

static int parse_opts(int argc, char **argv, struct sopts *so)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "wait", no_argument, NULL, 'w' },
		{ "no-report", no_argument, NULL, 'n' },
		{ "shards", required_argument, NULL, 'N' },
		{ "partition", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "account", required_argument, NULL, 'A' },
		{ "constraint", required_argument, NULL, 'C' },
		{ "sbatch-arg", required_argument, NULL, 'a' },
		{ "virtbench", required_argument, NULL, 'V' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "max-running", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'o': so->outdir = optarg; break;
		case 'w': so->wait = true; break;
		case 'n': so->no_report = true; break;
		case 'p': so->partition = optarg; break;
		case 't': so->time = optarg; break;
		case 'A': so->account = optarg; break;
		case 'C': so->constraint = optarg; break;
		case 'a': vb_strv_add(&so->extra, optarg); break;
		case 'V': so->virtbench = optarg; break;
		case 'd': so->dry_run = true; break;
		case 'N':
		case 'M': {
			long v = strtol(optarg, &end, 10);

			if (*end || end == optarg || v < 1 || v > 1000000) {
				fprintf(stderr, "virtbench: --%s: expected a number >= 1, got '%s'\n",
					c == 'N' ? "shards" : "max-running", optarg);
				return VB_EXIT_USAGE;
			}
			if (c == 'N')
				so->shards = (int)v;
			else
				so->max_running = (int)v;
			break;
		}
		default:
			return vb_usage_error(vb_usage_slurm);
		}
	}
	if (optind != argc - 1)
		return vb_usage_error(vb_usage_slurm);
	return VB_EXIT_OK;
}

/* Everything up to the submission, under DIR's lock. */
static int submit(const struct vb_cli *cli, const struct sopts *so,
		  const struct loaded *l, const char *dir, const char *file,
		  struct vb_shard *plan, int *todo, size_t *ntodo, bool *wait_active)
{
	struct vb_slurm_status st = { 0 };
	size_t active = 0, left = 0;
	char err[2048], *jobid = NULL, *copy;
	pid_t holder;
	int lock, status = VB_EXIT_OK, rc;

	*ntodo = 0;
	*wait_active = false;
	lock = vb_results_lock(dir, &holder);
	if (lock < 0) {
		if (lock == -EBUSY)
			say("%s is in use by another virtbench (pid %ld); try again when it has finished",
			    dir, (long)holder);
		else
			say("cannot lock %s: %s", dir, strerror(-lock));
		return VB_EXIT_USAGE;
	}
	if (vb_shard_plan_ensure(dir, l->ex->name, plan, err, sizeof(err)) < 0) {
		say("%s", err);
		status = VB_EXIT_USAGE;
		goto out;
	}
	copy = vb_path_join(dir, "experiment.cfg");
	rc = vb_copy_file(file, copy);
	free(copy);
	if (rc < 0) {
		say("cannot copy %s into %s: %s", file, dir, strerror(-rc));
		status = VB_EXIT_USAGE;
		goto out;
	}
	if (!so->dry_run && vb_slurm_refresh(dir, &st, err, sizeof(err)) < 0) {
		say("%s", err);
		status = VB_EXIT_USAGE;
		goto out;
	}
	*ntodo = choose(l, dir, plan, &st, todo, &active, &left, false);
	if (!*ntodo) {
		if (active) {
			say("nothing submitted: %zu shard%s still queued or running; follow with "
			    "`squeue --me` or `virtbench check %s -o %s`", active,
			    active == 1 ? " is" : "s are", file, dir);
			*wait_active = true;
		} else {
			say("all %d shards of %s are complete: nothing to submit (`virtbench report %s` "
			    "merges them)", plan->count, dir, dir);
		}
		goto out;
	}
	if ((status = write_job(cli, so, l, dir, file, plan->count)) != VB_EXIT_OK)
		goto out;
	{
		struct vb_buf list = VB_BUF_INIT;

		vb_slurm_array_spec(todo, *ntodo, &list);
		if (so->dry_run) {
			say("dry run: would submit shards %s of %d: sbatch --array=%s %s/slurm/job.sh",
			    list.s, plan->count, list.s, dir);
			printf("%s/slurm/job.sh\n", dir);
			vb_buf_free(&list);
			*ntodo = 0;
			goto out;
		}
		rc = vb_slurm_submit(dir, todo, *ntodo, so->max_running, &jobid, err,
				     sizeof(err));
		if (rc < 0 && !jobid) {
			say("%s", err);
			vb_buf_free(&list);
			status = VB_EXIT_USAGE;
			*ntodo = 0;
			goto out;
		}
		if (rc < 0)
			say("%s", err);
		printf("%s\n", jobid);
		fflush(stdout);
		say("submitted Slurm job %s: shard%s %s of %d (%s/slurm/job.sh), output in %s/slurm/out/",
		    jobid, *ntodo == 1 ? "" : "s", list.s, plan->count, dir, dir);
		if (!so->wait)
			say("follow it with `squeue -j %s` or `virtbench check %s -o %s`; "
			    "`virtbench report %s` merges what has finished; run this command again "
			    "to resubmit shards that did not complete", jobid, file, dir, dir);
		vb_buf_free(&list);
	}
out:
	free(jobid);
	vb_slurm_status_free(&st);
	vb_results_unlock(lock);
	return status;
}

int vb_cmd_slurm(const struct vb_cli *cli, int argc, char **argv)
{
	struct sopts so = { 0 };
	struct loaded l;
	struct vb_shard plan = { 0 };
	char dir[PATH_MAX], file[PATH_MAX], err[2048];
	int status, *todo = NULL;
	size_t units, ntodo = 0;
	bool wait_active;

	if ((status = parse_opts(argc, argv, &so)) != VB_EXIT_OK)
		goto done;
	if ((status = load(cli, argv[optind], &l)) != VB_EXIT_OK)
		goto out;
	if (!realpath(argv[optind], file)) {
		say("%s: %s", argv[optind], strerror(errno));
		status = VB_EXIT_USAGE;
		goto out;
	}
	if (!so.dry_run &&
	    (vb_slurm_check_tools(err, sizeof(err)) < 0 || vb_slurm_ping(err, sizeof(err)) < 0)) {
		say("%s", err);
		status = VB_EXIT_USAGE;
		goto out;
	}
	{
		char rel[PATH_MAX];
		int rc;

		if (so.outdir)
			snprintf(rel, sizeof(rel), "%s", so.outdir);
		else
			snprintf(rel, sizeof(rel), "results/%s", l.ex->name);
		if ((rc = vb_mkdir_p(rel, 0755)) < 0 || !realpath(rel, dir)) {
			say("cannot create %s: %s", rel, strerror(rc < 0 ? -rc : errno));
			status = VB_EXIT_USAGE;
			goto out;
		}
	}
	units = vb_shard_units(l.ex, l.cells, l.ncells, l.ex->shard_by);
	plan.by = l.ex->shard_by;
	plan.count = so.shards ? so.shards : l.ex->slurm.shards;
	if (!plan.count) {
		/* A rerun keeps the directory's cut; a first run takes one
		 * shard per unit. */
		struct vb_shard have;

		plan.count = vb_shard_plan_read(dir, &have, err, sizeof(err)) == 0
				     ? have.count : (int)units;
	}
	if (plan.count < 1 || (size_t)plan.count > units) {
		say("%s: %d shards, but the matrix has %zu %s%s; use at most %zu", file, plan.count,
		    units, plan.by == VB_SHARD_BY_CONFIG ? "config" : "environment",
		    units == 1 ? "" : "s", units);
		status = VB_EXIT_USAGE;
		goto out;
	}
	todo = vb_xcalloc((size_t)plan.count, sizeof(int));
	status = submit(cli, &so, &l, dir, file, &plan, todo, &ntodo, &wait_active);
	if (status != VB_EXIT_OK || !so.wait || so.dry_run)
		goto out;
	if (wait_active) {
		/* Wait for what is already queued or running. */
		struct vb_slurm_status st = { 0 };

		vb_slurm_status_load(dir, &st);
		for (size_t i = 0; i < st.n; i++)
			if (!st.tasks[i].final)
				todo[ntodo++] = st.tasks[i].shard;
		vb_slurm_status_free(&st);
	}
	if (ntodo && (status = wait_for(&l, dir, &plan, todo, ntodo)) != VB_EXIT_OK)
		goto out;
	{
		size_t left = 0, active = 0;
		struct vb_slurm_status st = { 0 };
		int rc, *again = vb_xcalloc((size_t)plan.count, sizeof(int));
		bool failed = false;
		char *report;

		vb_slurm_status_load(dir, &st);
		for (size_t i = 0; i < ntodo; i++)
			failed |= !vb_slurm_task_ok(vb_slurm_task_of(&st, todo[i]));
		(void)choose(&l, dir, &plan, &st, again, &active, &left, true);
		vb_slurm_status_free(&st);
		free(again);
		rc = vb_cli_analyse(dir, !so.no_report, !so.no_report);
		status = rc;
		if (left) {
			say("%zu repetition%s still missing; run the same command again to resubmit "
			    "the shards that did not complete", left, left == 1 ? " is" : "s are");
			status = VB_EXIT_FAILED;
		} else if (failed && status == VB_EXIT_OK) {
			status = VB_EXIT_FAILED;
		}
		report = vb_path_join(dir, "report.md");
		printf("%s\n", access(report, R_OK) == 0 ? report : dir);
		free(report);
	}
out:
	free(todo);
	unload(&l);
done:
	vb_strv_free(&so.extra);
	return status;
}
