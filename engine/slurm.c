/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Slurm through its commands (engine/slurm.h, docs/scale-out.md). Every
 * query passes its output format and state filter explicitly, so a
 * user's SQUEUE_FORMAT or SQUEUE_STATES cannot change what is parsed;
 * decisions are made from the job state, never from the exit code alone
 * (Slurm records 0:0 for a task it cancelled or timed out).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/journal.h"
#include "engine/slurm.h"
#include "lib/util.h"

const char vb_slurm_install_hint[] =
	"install Slurm's client commands (Debian/Ubuntu: apt-get install "
	"slurm-client; RHEL: dnf install slurm), or load them (module load "
	"slurm), so that sbatch, squeue, scancel and scontrol are on PATH";

/* ------------------------------------------------------------------ */
/* Running a client command                                             */
/* ------------------------------------------------------------------ */

/*
 * argv to its end, stdout and stderr collected. Not vb_proc_run(): that
 * one stops at the first SIGINT, and scancel must still run after it.
 * 0 with *status (exit status, or 128 + signal), -ENOENT when the
 * program is not there, -ETIMEDOUT after `timeout` seconds, -errno.
 */
static int run_cmd(const char *const *argv, double timeout, struct vb_buf *out,
		   struct vb_buf *err, int *status)
{
	int po[2], pe[2], ep[2], e, st;
	uint64_t deadline = vb_now_ns() + (uint64_t)(timeout * 1e9);
	struct pollfd pfd[2];
	bool open_o = true, open_e = true;
	pid_t pid;
	ssize_t r;

	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		e = -errno;
		close(po[0]);
		close(po[1]);
		return e;
	}
	pid = fork();
	if (pid < 0) {
		e = -errno;
		for (int i = 0; i < 2; i++) {
			close(po[i]);
			close(pe[i]);
			close(ep[i]);
		}
		return e;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		signal(SIGPIPE, SIG_DFL);
		dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(ep[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	close(ep[1]);
	while ((r = read(ep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (r == (ssize_t)sizeof(e)) {
		close(po[0]);
		close(pe[0]);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return -e;
	}
	while (open_o || open_e) {
		char buf[4096];
		int n;

		pfd[0] = (struct pollfd){ .fd = open_o ? po[0] : -1, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = open_e ? pe[0] : -1, .events = POLLIN };
		n = poll(pfd, 2, 200);
		if (vb_now_ns() > deadline) {
			kill(pid, SIGKILL);
			break;
		}
		if (n <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (i == 0)
					open_o = false;
				else
					open_e = false;
				continue;
			}
			vb_buf_addn(i == 0 ? out : err, buf, (size_t)r);
		}
	}
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (open_o || open_e)
		return -ETIMEDOUT;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* A command's message for err: its stderr, trimmed to one paragraph. */
static void cmd_message(const struct vb_buf *b, char *msg, size_t n)
{
	const char *s = vb_buf_str(b);
	size_t len;
	char *p;

	while (*s == '\n' || *s == ' ')
		s++;
	snprintf(msg, n, "%s", *s ? s : "(no message)");
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	for (p = msg; *p; p++)
		if (*p == '\n')
			*p = ';';
}

static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path || !*path)
		return false;
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", name);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

int vb_slurm_check_tools(char *err, size_t errlen)
{
	static const char *const tools[] = { "sbatch", "squeue", "scancel",
					     "scontrol", NULL };

	for (const char *const *t = tools; *t; t++)
		if (!on_path(*t)) {
			snprintf(err, errlen, "%s not found on PATH: %s", *t,
				 vb_slurm_install_hint);
			return -ENOENT;
		}
	return 0;
}

static const char *conf_name(void)
{
	const char *c = getenv("SLURM_CONF");

	return c && *c ? c : NULL;
}

int vb_slurm_ping(char *err, size_t errlen)
{
	const char *argv[] = { "scontrol", "ping", NULL };
	const char *conf = conf_name();
	struct vb_buf out = VB_BUF_INIT, e = VB_BUF_INIT;
	char msg[512];
	struct stat st;
	int rc, status = 0;

	if (conf && stat(conf, &st) < 0) {
		snprintf(err, errlen,
			 "SLURM_CONF=%s: %s; point it at the cluster's slurm.conf, or unset it",
			 conf, strerror(errno));
		return -ENOENT;
	}
	rc = run_cmd(argv, 60, &out, &e, &status);
	if (rc == 0 && status == 0) {
		vb_buf_free(&out);
		vb_buf_free(&e);
		return 0;
	}
	/* scontrol ping says "Slurmctld(primary) at HOST is DOWN" on
	 * stdout, with a banner; configuration errors go to stderr. */
	if (rc < 0)
		snprintf(msg, sizeof(msg), "%s", strerror(-rc));
	else if (e.len)
		cmd_message(&e, msg, sizeof(msg));
	else {
		const char *s = vb_buf_str(&out), *at = strstr(s, "Slurmctld");
		size_t n = at ? strcspn(at, "\n") : 0;

		snprintf(msg, sizeof(msg), "%.*s", at ? (int)n : 200,
			 at ? at : s);
	}
	if (!conf && strstr(vb_buf_str(&e), "configuration source"))
		snprintf(err, errlen,
			 "Slurm has no configuration here: SLURM_CONF is unset and there is no "
			 "/etc/slurm/slurm.conf (scontrol ping: %s); set SLURM_CONF to the "
			 "cluster's slurm.conf, or run this on a login node of the cluster", msg);
	else
		snprintf(err, errlen,
			 "the Slurm controller does not answer (scontrol ping: %s); "
			 "the cluster is the one SLURM_CONF=%s names; is slurmctld running there?",
			 msg, conf ? conf : "(unset: /etc/slurm/slurm.conf)");
	vb_buf_free(&out);
	vb_buf_free(&e);
	return -EHOSTUNREACH;
}

/* ------------------------------------------------------------------ */
/* job.sh                                                               */
/* ------------------------------------------------------------------ */

/* A value an #SBATCH line carries as it is: no blanks, quotes or
 * control characters (sbatch splits directives on blanks). */
static bool directive_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr("\"'\\", *s))
			return false;
	return true;
}

/* s in single quotes for sh. */
static void sh_quote(struct vb_buf *b, const char *s)
{
	vb_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			vb_buf_add(b, "'\\''");
		else
			vb_buf_addc(b, *s);
	}
	vb_buf_addc(b, '\'');
}

static int directive(struct vb_buf *b, const char *opt, const char *value,
		     char *err, size_t errlen)
{
	if (!value || !*value)
		return 0;
	if (!directive_ok(value)) {
		snprintf(err, errlen,
			 "%s%s%s: blanks, quotes and control characters cannot go on an #SBATCH line",
			 opt, *opt ? "=" : "", value);
		return -EINVAL;
	}
	vb_buf_addf(b, "#SBATCH %s%s%s\n", opt, *opt ? "=" : "", value);
	return 0;
}

int vb_slurm_write_script(const struct vb_slurm_job *job, char *err,
			  size_t errlen)
{
	char *sdir = vb_path_join(job->dir, "slurm"), *odir, *path, *out;
	struct vb_buf b = VB_BUF_INIT;
	int rc;

	if (!directive_ok(job->dir) || strchr(job->dir, '%')) {
		snprintf(err, errlen,
			 "%s: a results directory for Slurm needs a path without blanks, quotes or '%%' "
			 "(it goes on the #SBATCH --output line); use another -o DIR",
			 job->dir);
		free(sdir);
		return -EINVAL;
	}
	odir = vb_path_join(sdir, "out");
	if ((rc = vb_mkdir_p(odir, 0755)) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", odir, strerror(-rc));
		free(odir);
		free(sdir);
		return rc;
	}
	out = vb_xasprintf("%s/%%A_%%a.out", odir);
	vb_buf_addf(&b,
		    "#!/bin/sh\n"
		    "# virtbench job array for the experiment \"%s\": one task per shard of\n"
		    "# its matrix (%d shards, by %s), written by virtbench %s.\n"
		    "#\n"
		    "# Each task runs `virtbench run --shard K/%d` alone on its node (--exclusive:\n"
		    "# nothing else measures there at the same time) and journals into\n"
		    "# %s/shards/K/. `virtbench report %s` merges the shards.\n"
		    "# `virtbench slurm` submits this file and resubmits only the shards that\n"
		    "# still miss repetitions; by hand:\n"
		    "#   sbatch %s/slurm/job.sh                # every shard\n"
		    "#   sbatch --array=2,3 %s/slurm/job.sh    # some of them\n",
		    job->name, job->nshards, job->shard_by, PACKAGE_VERSION,
		    job->nshards, job->dir, job->dir, job->dir, job->dir);
	vb_buf_addf(&b, "#SBATCH --job-name=vb-%s\n", job->name);
	vb_buf_addf(&b, "#SBATCH --array=1-%d\n", job->nshards);
	vb_buf_add(&b, "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n#SBATCH --exclusive\n");
	vb_buf_addf(&b, "#SBATCH --chdir=%s\n#SBATCH --output=%s\n", job->dir, out);
	rc = directive(&b, "--partition", job->partition, err, errlen);
	if (rc == 0)
		rc = directive(&b, "--time", job->time, err, errlen);
	if (rc == 0)
		rc = directive(&b, "--account", job->account, err, errlen);
	if (rc == 0)
		rc = directive(&b, "--constraint", job->constraint, err, errlen);
	for (size_t i = 0; rc == 0 && i < job->nextra; i++)
		rc = directive(&b, "", job->extra[i], err, errlen);
	if (rc < 0)
		goto out;
	vb_buf_add(&b, "\nset -u\ndir=");
	sh_quote(&b, job->dir);
	vb_buf_add(&b, "\nexperiment=");
	sh_quote(&b, job->experiment);
	vb_buf_add(&b, "\nvirtbench=");
	sh_quote(&b, job->virtbench);
	vb_buf_add(&b,
		   "\n\n"
		   "# The results directory must be the same directory on every node (a\n"
		   "# shared filesystem): say so plainly rather than fail later.\n"
		   "if [ ! -d \"$dir/shards\" ]; then\n"
		   "\techo \"virtbench: $dir is not visible on $(hostname): the results directory must be on a filesystem the compute nodes share (-o DIR)\" >&2\n"
		   "\texit 2\n"
		   "fi\n"
		   "if [ ! -r \"$experiment\" ]; then\n"
		   "\techo \"virtbench: $experiment is not readable on $(hostname): the experiment file must be on a filesystem the compute nodes share\" >&2\n"
		   "\texit 2\n"
		   "fi\n"
		   "if [ ! -x \"$virtbench\" ]; then\n"
		   "\techo \"virtbench: $virtbench is not on $(hostname): install virtbench at the same path on every node\" >&2\n"
		   "\texit 2\n"
		   "fi\n"
		   "echo \"virtbench: shard ${SLURM_ARRAY_TASK_ID}/");
	vb_buf_addf(&b, "%d of job ${SLURM_ARRAY_JOB_ID} on $(hostname)\" >&2\n",
		    job->nshards);
	vb_buf_add(&b, "exec \"$virtbench\" ");
	if (job->plugin_dirs) {
		vb_buf_add(&b, "--plugin-dir ");
		sh_quote(&b, job->plugin_dirs);
		vb_buf_addc(&b, ' ');
	}
	vb_buf_addf(&b, "run --shard \"${SLURM_ARRAY_TASK_ID}/%d\" -o \"$dir\" "
		    "--no-report \"$experiment\"\n", job->nshards);
	path = vb_path_join(sdir, "job.sh");
	rc = vb_write_file_atomic(path, b.s, b.len);
	if (rc == 0 && chmod(path, 0755) < 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	free(path);
out:
	vb_buf_free(&b);
	free(out);
	free(odir);
	free(sdir);
	return rc;
}

/* ------------------------------------------------------------------ */
/* DIR/slurm/jobs.json                                                  */
/* ------------------------------------------------------------------ */

static json_t *jobs_load(const char *dir)
{
	char *path = vb_xasprintf("%s/slurm/jobs.json", dir);
	json_t *root = json_load_file(path, 0, NULL);

	free(path);
	if (!json_is_object(root) || !json_is_array(json_object_get(root, "jobs"))) {
		json_decref(root);
		root = json_pack("{s:[]}", "jobs");
	}
	return root;
}

static int jobs_save(const char *dir, json_t *root)
{
	char *path = vb_xasprintf("%s/slurm/jobs.json", dir);
	char *text = json_dumps(root, JSON_INDENT(2));
	int rc;

	if (!text)
		vb_oom();
	rc = vb_write_file_atomic(path, text, strlen(text));
	free(text);
	free(path);
	return rc;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

static void task_from_json(json_t *t, const char *job, int shard,
			   struct vb_slurm_task *out)
{
	memset(out, 0, sizeof(*out));
	out->shard = shard;
	snprintf(out->job, sizeof(out->job), "%s", job);
	snprintf(out->state, sizeof(out->state), "%s", jstr(t, "state"));
	out->exit_code = jint(t, "exit_code");
	out->signal = jint(t, "signal");
	snprintf(out->node, sizeof(out->node), "%s", jstr(t, "node"));
	snprintf(out->reason, sizeof(out->reason), "%s", jstr(t, "reason"));
	snprintf(out->output, sizeof(out->output), "%s", jstr(t, "output"));
	out->final = json_is_true(json_object_get(t, "final"));
}

static void set_state(json_t *t, const char *state, int exit_code,
		      int signal, const char *node, const char *reason,
		      bool final)
{
	json_object_set_new(t, "state", json_string(state));
	json_object_set_new(t, "exit_code", exit_code >= 0 ? json_integer(exit_code) : json_null());
	json_object_set_new(t, "signal", signal >= 0 ? json_integer(signal) : json_null());
	if (node && *node && strcmp(node, "(null)"))
		json_object_set_new(t, "node", json_string(node));
	if (reason)
		json_object_set_new(t, "reason", json_string(reason));
	json_object_set_new(t, "final", json_boolean(final));
}

/* The task's real output file, from the --output pattern Slurm holds
 * (an --sbatch-arg may have replaced job.sh's): %A and %a expanded; a
 * pattern with other fields keeps the path recorded at submission. */
static void set_output(json_t *t, const char *pattern, const char *job,
		       const char *task)
{
	struct vb_buf b = VB_BUF_INIT;

	if (!*pattern || !strcmp(pattern, "(null)"))
		return;
	for (const char *p = pattern; *p; p++) {
		if (*p != '%') {
			vb_buf_addc(&b, *p);
			continue;
		}
		p++;
		if (*p == 'A')
			vb_buf_add(&b, job);
		else if (*p == 'a')
			vb_buf_add(&b, task);
		else if (*p == '%')
			vb_buf_addc(&b, '%');
		else {
			vb_buf_free(&b);
			return;
		}
	}
	json_object_set_new(t, "output", json_string(vb_buf_str(&b)));
	vb_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Submitting                                                           */
/* ------------------------------------------------------------------ */

void vb_slurm_array_spec(const int *s, size_t n, struct vb_buf *b)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && s[j + 1] == s[j] + 1)
			j++;
		vb_buf_addf(b, "%s%d", b->len ? "," : "", s[i]);
		if (j > i)
			vb_buf_addf(b, "-%d", s[j]);
		i = j + 1;
	}
}

int vb_slurm_submit(const char *dir, const int *shards, size_t n,
		    int max_running, char **jobid, char *err, size_t errlen)
{
	struct vb_buf spec = VB_BUF_INIT, arr = VB_BUF_INIT, out = VB_BUF_INIT,
		      e = VB_BUF_INIT;
	char *script = vb_xasprintf("%s/slurm/job.sh", dir), msg[1024], t[40];
	const char *argv[] = { "sbatch", "--parsable", NULL, script, NULL };
	json_t *root, *job, *tasks;
	int rc, status = 0;
	size_t len;

	*jobid = NULL;
	vb_slurm_array_spec(shards, n, &spec);
	vb_buf_addf(&arr, "--array=%s", vb_buf_str(&spec));
	if (max_running > 0)
		vb_buf_addf(&arr, "%%%d", max_running);
	argv[2] = arr.s;
	rc = run_cmd(argv, 300, &out, &e, &status);
	if (rc < 0 || status != 0) {
		if (rc < 0)
			snprintf(msg, sizeof(msg), "%s", strerror(-rc));
		else
			cmd_message(&e, msg, sizeof(msg));
		snprintf(err, errlen, "sbatch %s %s refused the job: %s", arr.s,
			 script, msg);
		rc = -EIO;
		goto out;
	}
	/* "15\n", or "15;cluster\n" in a federation. */
	len = strspn(vb_buf_str(&out), "0123456789");
	if (!len) {
		snprintf(err, errlen, "sbatch --parsable printed no job id: '%s'",
			 vb_buf_str(&out));
		rc = -EPROTO;
		goto out;
	}
	*jobid = vb_xstrndup(out.s, len);
	vb_iso_now(t, sizeof(t));
	root = jobs_load(dir);
	tasks = json_object();
	for (size_t i = 0; i < n; i++) {
		char key[16], *o = vb_xasprintf("%s/slurm/out/%s_%d.out", dir,
						 *jobid, shards[i]);
		json_t *tk = json_pack("{s:i, s:s, s:s, s:n, s:n, s:b}", "shard",
				       shards[i], "state", "PENDING", "output", o,
				       "exit_code", "signal", "final", 0);

		snprintf(key, sizeof(key), "%d", shards[i]);
		json_object_set_new(tasks, key, tk);
		free(o);
	}
	job = json_pack("{s:s, s:s, s:s, s:o}", "id", *jobid, "submitted", t,
			"array", vb_buf_str(&spec), "tasks", tasks);
	json_array_append_new(json_object_get(root, "jobs"), job);
	rc = jobs_save(dir, root);
	json_decref(root);
	if (rc < 0)
		snprintf(err, errlen,
			 "job %s was submitted, but %s/slurm/jobs.json cannot be written: %s "
			 "(scancel %s if it must not run)", *jobid, dir, strerror(-rc), *jobid);
out:
	vb_buf_free(&spec);
	vb_buf_free(&arr);
	vb_buf_free(&out);
	vb_buf_free(&e);
	free(script);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Following the tasks                                                  */
/* ------------------------------------------------------------------ */

/* Slurm's final job states (slurm.h JOB_COMPLETE and after). */
static bool state_final(const char *s)
{
	static const char *const fin[] = {
		"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL",
		"PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "GONE",
		NULL,
	};

	for (const char *const *f = fin; *f; f++)
		if (!strcmp(s, *f))
			return true;
	return false;
}

/* Split line at '|' into at most n fields (in place). */
static size_t split_bar(char *line, char **f, size_t n)
{
	size_t k = 0;

	while (k < n) {
		f[k++] = line;
		line = strchr(line, '|');
		if (!line)
			break;
		*line++ = '\0';
	}
	return k;
}

static json_t *task_get(json_t *root, const char *job, const char *shard)
{
	size_t i;
	json_t *j;

	json_array_foreach(json_object_get(root, "jobs"), i, j)
		if (!strcmp(jstr(j, "id"), job))
			return json_object_get(json_object_get(j, "tasks"), shard);
	return NULL;
}

/* `scontrol show config`: the jobcomp/filetxt file, when there is one. */
static char *jobcomp_file(void)
{
	const char *argv[] = { "scontrol", "show", "config", NULL };
	struct vb_buf out = VB_BUF_INIT, e = VB_BUF_INIT;
	char *loc = NULL;
	bool filetxt = false;
	int status = 0;

	if (run_cmd(argv, 60, &out, &e, &status) == 0 && status == 0) {
		for (char *l = out.s; l && *l;) {
			char *nl = strchr(l, '\n'), *eq;

			if (nl)
				*nl = '\0';
			eq = strstr(l, " = ");
			if (eq && !strncmp(l, "JobCompType ", 12))
				filetxt = !strcmp(eq + 3, "jobcomp/filetxt");
			else if (eq && !strncmp(l, "JobCompLoc ", 11))
				loc = vb_xstrdup(eq + 3);
			l = nl ? nl + 1 : NULL;
		}
	}
	vb_buf_free(&out);
	vb_buf_free(&e);
	if (!filetxt) {
		free(loc);
		loc = NULL;
	}
	return loc;
}

/* The value of KEY= in a jobcomp line ("" when absent). Matched after
 * a blank or at the start: DerivedExitCode= holds ExitCode=. */
static void jc_field(const char *line, const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);
	const char *p = line;
	size_t len;

	for (;;) {
		p = strstr(p, key);
		if (!p)
			break;
		if ((p == line || p[-1] == ' ') && p[kl] == '=')
			break;
		p += kl;
	}
	if (!p) {
		buf[0] = '\0';
		return;
	}
	p += kl + 1;
	len = strcspn(p, " \n");
	snprintf(buf, n, "%.*s", (int)len, p);
}

/* "3:0" -> 3, 0 */
static void exit_pair(const char *s, int *code, int *sig)
{
	char *end;

	*code = (int)strtol(s, &end, 10);
	*sig = *end == ':' ? (int)strtol(end + 1, NULL, 10) : 0;
	if (end == s)
		*code = *sig = -1;
}

int vb_slurm_jobcomp_parse(const char *line, struct vb_jobcomp *r)
{
	char aj[32], at[32], ex[32];

	memset(r, 0, sizeof(*r));
	jc_field(line, "JobState", r->state, sizeof(r->state));
	jc_field(line, "JobId", r->job, sizeof(r->job));
	if (!r->state[0] || !r->job[0])
		return -EINVAL;
	jc_field(line, "ArrayJobId", aj, sizeof(aj));
	jc_field(line, "ArrayTaskId", at, sizeof(at));
	if (aj[0] && at[0]) {
		snprintf(r->job, sizeof(r->job), "%s", aj);
		snprintf(r->task, sizeof(r->task), "%s", at);
	}
	jc_field(line, "NodeList", r->node, sizeof(r->node));
	if (!strcmp(r->node, "(null)"))
		r->node[0] = '\0';
	jc_field(line, "ExitCode", ex, sizeof(ex));
	exit_pair(ex, &r->exit_code, &r->signal);
	return 0;
}

/*
 * Tasks Slurm no longer lists: from accounting (sacct) when it is on,
 * else from the jobcomp/filetxt file. A task found nowhere was cancelled
 * while it waited (Slurm keeps nothing of those) or forgotten: GONE.
 */
static void resolve_missing(json_t *root, struct vb_strv *missing)
{
	struct vb_buf ids = VB_BUF_INIT, out = VB_BUF_INIT, e = VB_BUF_INIT;
	struct vb_strv jobs = VB_STRV_INIT;
	char *loc;
	int status = 0;

	for (size_t i = 0; i < missing->n; i++) {
		char job[64];

		snprintf(job, sizeof(job), "%.*s", (int)strcspn(missing->v[i], "_"),
			 missing->v[i]);
		if (vb_strv_find(&jobs, job) < 0) {
			vb_strv_add(&jobs, job);
			vb_buf_addf(&ids, "%s%s", ids.len ? "," : "", job);
		}
	}
	{
		const char *argv[] = { "sacct", "-n", "-P", "-X", "-j", ids.s,
				       "-o", "JobID,State,ExitCode,NodeList", NULL };

		if (on_path("sacct") && run_cmd(argv, 60, &out, &e, &status) == 0 &&
		    status == 0) {
			for (char *l = out.s; l && *l;) {
				char *nl = strchr(l, '\n'), *f[4], *us;
				int code, sig;

				if (nl)
					*nl = '\0';
				if (split_bar(l, f, 4) == 4 && (us = strchr(f[0], '_'))) {
					json_t *t;

					*us = '\0';
					t = task_get(root, f[0], us + 1);
					f[1][strcspn(f[1], " ")] = '\0';
					exit_pair(f[2], &code, &sig);
					if (t && !json_is_true(json_object_get(t, "final")) &&
					    state_final(f[1]))
						set_state(t, f[1], code, sig, f[3], NULL, true);
				}
				l = nl ? nl + 1 : NULL;
			}
		}
	}
	loc = jobcomp_file();
	if (loc) {
		char *data = NULL;
		size_t len = 0;

		if (vb_read_file(loc, SIZE_MAX / 2, &data, &len) == 0) {
			/* First the lines of single tasks, then the line of
			 * a whole array cancelled while tasks still waited. */
			for (int pass = 0; pass < 2; pass++)
				for (char *l = data; l && *l;) {
					char *nl = strchr(l, '\n');
					struct vb_jobcomp r;

					if (nl)
						*nl = '\0';
					if (vb_slurm_jobcomp_parse(l, &r) == 0 &&
					    (pass == 0) == (r.task[0] != '\0'))
						for (size_t i = 0; i < missing->n; i++) {
							const char *m = missing->v[i];
							size_t jl = strcspn(m, "_");
							json_t *t;

							if (jl != strlen(r.job) || strncmp(m, r.job, jl) ||
							    (pass == 0 && strcmp(m + jl + 1, r.task)))
								continue;
							t = task_get(root, r.job, m + jl + 1);
							if (t && !json_is_true(json_object_get(t, "final")))
								set_state(t, r.state, r.exit_code, r.signal,
									  pass == 0 ? r.node : NULL, NULL, true);
						}
					if (nl)
						*nl = '\n';
					l = nl ? nl + 1 : NULL;
				}
			free(data);
		}
		free(loc);
	}
	for (size_t i = 0; i < missing->n; i++) {
		char *us = strchr(missing->v[i], '_');
		json_t *t;

		*us = '\0';
		t = task_get(root, missing->v[i], us + 1);
		*us = '_';
		if (t && !json_is_true(json_object_get(t, "final")))
			set_state(t, "GONE", -1, -1, NULL, NULL, true);
	}
	vb_buf_free(&ids);
	vb_buf_free(&out);
	vb_buf_free(&e);
	vb_strv_free(&jobs);
}

static void status_fill(json_t *root, struct vb_slurm_status *st)
{
	size_t i;
	json_t *j;

	memset(st, 0, sizeof(*st));
	json_array_foreach(json_object_get(root, "jobs"), i, j) {
		const char *k;
		json_t *t;

		json_object_foreach(json_object_get(j, "tasks"), k, t) {
			int shard = atoi(k);
			size_t s;

			for (s = 0; s < st->n && st->tasks[s].shard != shard; s++)
				;
			if (s == st->n)
				st->tasks = vb_xreallocarray(st->tasks, ++st->n,
							     sizeof(*st->tasks));
			/* A later submission of the shard replaces the
			 * earlier one: jobs are in submission order. */
			task_from_json(t, jstr(j, "id"), shard, &st->tasks[s]);
		}
	}
	for (size_t s = 0; s < st->n; s++) {
		const struct vb_slurm_task *t = &st->tasks[s];

		if (t->final)
			st->finished++;
		else if (!strcmp(t->state, "PENDING"))
			st->pending++;
		else
			st->running++;
	}
}

int vb_slurm_status_load(const char *dir, struct vb_slurm_status *st)
{
	json_t *root = jobs_load(dir);

	status_fill(root, st);
	json_decref(root);
	return 0;
}

void vb_slurm_status_free(struct vb_slurm_status *st)
{
	free(st->tasks);
	memset(st, 0, sizeof(*st));
}

const struct vb_slurm_task *vb_slurm_task_of(const struct vb_slurm_status *st,
					     int shard)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->tasks[i].shard == shard)
			return &st->tasks[i];
	return NULL;
}

bool vb_slurm_task_ok(const struct vb_slurm_task *t)
{
	return t && !strcmp(t->state, "COMPLETED") && t->exit_code <= 0 &&
	       t->signal <= 0;
}

int vb_slurm_refresh(const char *dir, struct vb_slurm_status *st, char *err,
		     size_t errlen)
{
	json_t *root = jobs_load(dir), *j;
	struct vb_buf ids = VB_BUF_INIT, out = VB_BUF_INIT, e = VB_BUF_INIT;
	struct vb_strv seen = VB_STRV_INIT, missing = VB_STRV_INIT;
	int rc = 0, status = 0;
	bool changed = false;
	size_t i;

	json_array_foreach(json_object_get(root, "jobs"), i, j) {
		const char *k;
		json_t *t;
		bool open = false;

		json_object_foreach(json_object_get(j, "tasks"), k, t)
			open |= !json_is_true(json_object_get(t, "final"));
		if (open)
			vb_buf_addf(&ids, "%s%s", ids.len ? "," : "", jstr(j, "id"));
	}
	if (ids.len) {
		const char *argv[] = {
			"squeue", "-h", "-r", "-j", ids.s, "-t", "all", "-O",
			"ArrayJobID:|,ArrayTaskID:|,State:|,NodeList:|,Reason:|,exit_code:|,STDOUT:|",
			NULL,
		};
		char msg[512];

		rc = run_cmd(argv, 120, &out, &e, &status);
		/* All of them forgotten: "Invalid job id specified". */
		if (rc == 0 && status != 0 && strstr(vb_buf_str(&e), "Invalid job id"))
			status = 0;
		if (rc < 0 || status != 0) {
			if (rc < 0)
				snprintf(msg, sizeof(msg), "%s", strerror(-rc));
			else
				cmd_message(&e, msg, sizeof(msg));
			snprintf(err, errlen, "squeue cannot tell the state of job %s: %s",
				 ids.s, msg);
			rc = -EHOSTUNREACH;
			goto out;
		}
		for (char *l = out.s; l && *l;) {
			char *nl = strchr(l, '\n'), *f[7];
			json_t *t;

			if (nl)
				*nl = '\0';
			if (split_bar(l, f, 7) >= 7 && (t = task_get(root, f[0], f[1]))) {
				/* exit_code is the raw wait status. */
				long ws = strtol(f[5], NULL, 10);
				int sig = (int)(ws & 0x7f);
				bool fin = state_final(f[2]);

				vb_strv_addf(&seen, "%s_%s", f[0], f[1]);
				if (!json_is_true(json_object_get(t, "final"))) {
					set_state(t, f[2], fin ? sig ? 0 : (int)((ws >> 8) & 0xff) : -1,
						  fin ? sig : -1, f[3], f[4], fin);
					set_output(t, f[6], f[0], f[1]);
					changed = true;
				}
			}
			l = nl ? nl + 1 : NULL;
		}
		json_array_foreach(json_object_get(root, "jobs"), i, j) {
			const char *k;
			json_t *t;

			json_object_foreach(json_object_get(j, "tasks"), k, t) {
				char name[64];

				snprintf(name, sizeof(name), "%s_%s", jstr(j, "id"), k);
				if (!json_is_true(json_object_get(t, "final")) &&
				    vb_strv_find(&seen, name) < 0)
					vb_strv_add(&missing, name);
			}
		}
		if (missing.n) {
			resolve_missing(root, &missing);
			changed = true;
		}
		if (changed && (rc = jobs_save(dir, root)) < 0) {
			snprintf(err, errlen, "cannot write %s/slurm/jobs.json: %s", dir,
				 strerror(-rc));
		}
	}
out:
	if (st)
		status_fill(root, st);
	json_decref(root);
	vb_buf_free(&ids);
	vb_buf_free(&out);
	vb_buf_free(&e);
	vb_strv_free(&seen);
	vb_strv_free(&missing);
	return rc;
}

int vb_slurm_cancel(const char *dir, char **cancelled, char *err,
		    size_t errlen)
{
	json_t *root = jobs_load(dir), *j;
	struct vb_buf ids = VB_BUF_INIT, out = VB_BUF_INIT, e = VB_BUF_INIT;
	const char **argv;
	size_t i, n = 0;
	int rc = 0, status = 0;

	argv = vb_xcalloc(json_array_size(json_object_get(root, "jobs")) + 2,
			  sizeof(char *));
	argv[n++] = "scancel";
	json_array_foreach(json_object_get(root, "jobs"), i, j) {
		const char *k;
		json_t *t;
		bool open = false;

		json_object_foreach(json_object_get(j, "tasks"), k, t)
			open |= !json_is_true(json_object_get(t, "final"));
		if (open) {
			argv[n++] = jstr(j, "id");
			vb_buf_addf(&ids, "%s%s", ids.len ? " " : "", jstr(j, "id"));
		}
	}
	if (n > 1) {
		rc = run_cmd(argv, 60, &out, &e, &status);
		if (rc < 0 || status != 0) {
			char msg[512];

			if (rc < 0)
				snprintf(msg, sizeof(msg), "%s", strerror(-rc));
			else
				cmd_message(&e, msg, sizeof(msg));
			snprintf(err, errlen, "scancel %s: %s", ids.s, msg);
			rc = -EIO;
		}
	}
	*cancelled = vb_buf_detach(&ids);
	free(argv);
	json_decref(root);
	vb_buf_free(&out);
	vb_buf_free(&e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Explaining a task                                                    */
/* ------------------------------------------------------------------ */

void vb_slurm_task_explain(const struct vb_slurm_task *t, char *buf, size_t n)
{
	const char *s = t->state;
	char head[128];

	if (!strcmp(t->reason, "JobLaunchFailure"))
		/* Slurm's own launch status, not the program's. */
		snprintf(head, sizeof(head), "%s", s);
	else if (t->signal > 0)
		snprintf(head, sizeof(head), "%s, killed by signal %d", s, t->signal);
	else if (t->exit_code > 0)
		snprintf(head, sizeof(head), "%s, exit status %d", s, t->exit_code);
	else
		snprintf(head, sizeof(head), "%s", s);
	if (!t->final)
		snprintf(buf, n, "%s", !strcmp(s, "PENDING") ? "waiting in the queue" : s);
	else if (vb_slurm_task_ok(t))
		snprintf(buf, n, "completed");
	else if (!strcmp(s, "FAILED") && *t->output && access(t->output, F_OK) < 0 &&
		 t->exit_code > 0 && strcmp(t->reason, "JobLaunchFailure"))
		snprintf(buf, n, "%s; its output file %s is not there (removed, or not on a "
			 "filesystem this machine shares with node %s?)", head, t->output,
			 *t->node ? t->node : "(unknown)");
	else if ((!strcmp(s, "FAILED") || !strcmp(s, "COMPLETED")) && *t->output &&
		 access(t->output, F_OK) < 0)
		snprintf(buf, n,
			 "%s%s%s before it started: its output file %s was never created, so "
			 "node %s could not write there. The results directory must be on a "
			 "filesystem every compute node shares (-o DIR under /home, /scratch or "
			 "another shared mount)", head, *t->reason ? ", " : "", t->reason,
			 t->output, *t->node ? t->node : "(unknown)");
	else if (!strcmp(s, "FAILED") && t->exit_code == 2 && t->signal <= 0)
		snprintf(buf, n, "%s: virtbench refused to run the shard (its output says why)",
			 head);
	else if (!strcmp(s, "FAILED") && t->exit_code == 1 && t->signal <= 0)
		snprintf(buf, n, "%s: repetitions of the shard failed (see the report)", head);
	else if (!strcmp(s, "CANCELLED") && !*t->node)
		snprintf(buf, n, "%s before it started (scancel, or by an administrator)", head);
	else if (!strcmp(s, "CANCELLED"))
		snprintf(buf, n, "%s (scancel, or by an administrator); the repetition it was "
			 "running is redone by the next submission", head);
	else if (!strcmp(s, "TIMEOUT"))
		snprintf(buf, n, "%s: killed at its time limit (--time, slurm.time); the "
			 "repetition it was running is redone by the next submission", head);
	else if (!strcmp(s, "NODE_FAIL"))
		snprintf(buf, n, "%s: its node %s failed", head, t->node);
	else if (!strcmp(s, "OUT_OF_MEMORY"))
		snprintf(buf, n, "%s: killed for using more memory than the job had", head);
	else if (!strcmp(s, "PREEMPTED"))
		snprintf(buf, n, "%s: preempted by a job of higher priority", head);
	else if (!strcmp(s, "GONE"))
		snprintf(buf, n, "no record left: cancelled while it waited, or Slurm forgot it "
			 "before virtbench looked (no accounting)");
	else
		snprintf(buf, n, "%s", head);
}

char *vb_slurm_output_tail(const char *path, int nlines)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[16384], *p;
	off_t size;
	ssize_t r;
	int seen = 0;

	if (fd < 0)
		return NULL;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		size = 0;
	r = pread(fd, buf, sizeof(buf) - 1,
		  size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (r < 0)
		return NULL;
	buf[r] = '\0';
	while (r > 0 && buf[r - 1] == '\n')
		buf[--r] = '\0';
	for (p = buf + r; p > buf; p--)
		if (p[-1] == '\n' && ++seen == nlines)
			break;
	return vb_xstrdup(p);
}

json_t *vb_slurm_task_json(const struct vb_slurm_task *t)
{
	char why[1024];
	json_t *o;

	vb_slurm_task_explain(t, why, sizeof(why));
	o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b}", "job", t->job,
		      "shard", t->shard, "state", t->state, "node", t->node,
		      "reason", t->reason, "output", t->output, "explanation", why,
		      "final", t->final);
	json_object_set_new(o, "exit_code", t->exit_code >= 0 ? json_integer(t->exit_code) : json_null());
	json_object_set_new(o, "signal", t->signal >= 0 ? json_integer(t->signal) : json_null());
	if (t->final && !vb_slurm_task_ok(t)) {
		char *tail = vb_slurm_output_tail(t->output, 10);

		json_object_set_new(o, "output_tail", tail ? json_string(tail) : json_null());
		free(tail);
	}
	return o;
}
