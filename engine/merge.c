/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shard journals -> one results directory (engine/merge.h). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/journal.h"
#include "engine/merge.h"
#include "engine/shard.h"
#include "engine/slurm.h"
#include "lib/util.h"

struct merge {
	const char *dir;
	char tmp[PATH_MAX];
	struct vb_journal *runs, *verify;
	char *experiment, *hash;   /* of the first shard with rows */
	int ref_shard;
	json_t *env;               /* the merged environment.json */
	size_t nrecords;
	char *err;
	size_t errlen;
};

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int open_journals(struct merge *m)
{
	int rc;

	if (m->runs)
		return 0;
	rc = vb_journal_open(m->tmp, &vb_runs_format, m->experiment, m->hash,
			     &m->runs, NULL, m->err, m->errlen);
	if (rc == 0)
		rc = vb_journal_open(m->tmp, &vb_verify_format, m->experiment,
				     m->hash, &m->verify, NULL, m->err, m->errlen);
	return rc;
}

/* One shard's runs.csv into the merged journal, record by record. */
static int merge_runs(struct merge *m, int k, const char *sdir,
		      const char *hostname, bool *has)
{
	struct vb_journal_data d;
	const char **fields = NULL;
	const char *const **rows = NULL;
	size_t *sizes = NULL, nrec = 0;
	int rc;

	rc = vb_journal_read(sdir, &vb_runs_format, &d, m->err, m->errlen);
	if (rc < 0)
		return rc;
	*has = d.nrows > 0 || d.ignored > 0;
	if (d.nrows == 0) {
		char *p = vb_path_join(sdir, "runs.csv");

		*has = access(p, F_OK) == 0;
		free(p);
		vb_journal_data_free(&d);
		return 0;
	}
	if (!m->experiment) {
		m->experiment = vb_xstrdup(d.rows[0].f[VB_RC_EXPERIMENT]);
		m->hash = vb_xstrdup(d.rows[0].f[VB_RC_CONFIG_HASH]);
		m->ref_shard = k;
	}
	fields = vb_xcalloc(d.nrows * VB_RC_N, sizeof(*fields));
	rows = vb_xcalloc(d.nrows, sizeof(*rows));
	sizes = vb_xcalloc(d.nrows, sizeof(*sizes));
	for (size_t i = 0; i < d.nrows; i++) {
		char **f = d.rows[i].f;
		const char **o = fields + i * VB_RC_N;
		long rk = 1, rn = 1;

		if (strcmp(f[VB_RC_EXPERIMENT], m->experiment) ||
		    strcmp(f[VB_RC_CONFIG_HASH], m->hash)) {
			snprintf(m->err, m->errlen,
				 "%s/runs.csv:%d holds results of another experiment (%s, configuration %s) "
				 "than shard %d (%s, %s): the shards of one directory must run the same "
				 "experiment file; rerun that shard into another directory",
				 sdir, d.rows[i].line, f[VB_RC_EXPERIMENT], f[VB_RC_CONFIG_HASH],
				 m->ref_shard, m->experiment, m->hash);
			rc = -EPROTO;
			goto out;
		}
		for (size_t c = 0; c < VB_RC_N; c++)
			o[c] = f[c];
		/* The journal renumbers records and fills the identity. */
		o[VB_RC_EXPERIMENT] = o[VB_RC_CONFIG_HASH] = o[VB_RC_RECORD] = NULL;
		if (!*o[VB_RC_HOST])
			o[VB_RC_HOST] = hostname;
		rows[i] = o;
		if (!d.legacy && sscanf(f[VB_RC_RECORD], "%ld/%ld", &rk, &rn) == 2 &&
		    rk > 1 && nrec)
			sizes[nrec - 1]++;
		else
			sizes[nrec++] = 1;
	}
	if ((rc = open_journals(m)) == 0)
		rc = vb_journal_append_records(m->runs, rows, sizes, nrec);
	if (rc < 0 && !m->err[0])
		snprintf(m->err, m->errlen, "cannot write the merged runs.csv: %s",
			 strerror(-rc));
	m->nrecords += nrec;
out:
	free(fields);
	free(rows);
	free(sizes);
	vb_journal_data_free(&d);
	return rc;
}

static int merge_verify(struct merge *m, const char *sdir)
{
	struct vb_journal_data d;
	const char *const **rows;
	size_t *sizes;
	int rc;

	if (!m->experiment)
		return 0; /* no journal to name it: no repetition ran */
	rc = vb_journal_read(sdir, &vb_verify_format, &d, m->err, m->errlen);
	if (rc < 0 || d.nrows == 0) {
		vb_journal_data_free(&d);
		return rc;
	}
	if ((rc = open_journals(m)) < 0) {
		vb_journal_data_free(&d);
		return rc;
	}
	rows = vb_xcalloc(d.nrows, sizeof(*rows));
	sizes = vb_xcalloc(d.nrows, sizeof(*sizes));
	for (size_t i = 0; i < d.nrows; i++) {
		rows[i] = (const char *const *)d.rows[i].f;
		sizes[i] = 1;
	}
	rc = vb_journal_append_records(m->verify, rows, sizes, d.nrows);
	if (rc < 0)
		snprintf(m->err, m->errlen, "cannot write the merged verify.csv: %s",
			 strerror(-rc));
	free(rows);
	free(sizes);
	vb_journal_data_free(&d);
	return rc;
}

/* ISO timestamps compare as strings. */
static void keep_extreme(json_t *env, const char *key, const char *v, int sign)
{
	const char *have = jstr(env, key);

	if (*v && (!*have || sign * strcmp(v, have) > 0))
		json_object_set_new(env, key, json_string(v));
}

/* Shard k's environment.json into the merged one. */
static void merge_env(struct merge *m, int k, json_t *senv, bool has,
		      const struct vb_slurm_status *st, bool *all_finished)
{
	json_t *shard, *envs = json_object_get(m->env, "environments"), *e;
	json_t *host = json_object_get(senv, "host");
	const struct vb_slurm_task *t = vb_slurm_task_of(st, k);
	char rel[32];
	size_t i;

	snprintf(rel, sizeof(rel), "shards/%d", k);
	shard = json_pack("{s:i, s:s, s:b}", "shard", k, "dir", rel, "results", has);
	if (senv) {
		json_object_set(shard, "host", host ? host : json_null());
		json_object_set_new(shard, "virtbench", json_string(jstr(senv, "virtbench")));
		json_object_set_new(shard, "config_hash", json_string(jstr(senv, "config_hash")));
		json_object_set_new(shard, "started", json_string(jstr(senv, "started")));
		json_object_set_new(shard, "finished", json_string(jstr(senv, "finished")));
		json_object_set(shard, "interrupted",
				json_is_true(json_object_get(senv, "interrupted"))
					? json_true() : json_false());
		keep_extreme(m->env, "started", jstr(senv, "started"), -1);
		keep_extreme(m->env, "finished", jstr(senv, "finished"), 1);
		if (!*jstr(senv, "finished"))
			*all_finished = false;
		if (json_is_true(json_object_get(senv, "interrupted")))
			json_object_set(m->env, "interrupted", json_true());
		json_array_foreach(json_object_get(senv, "environments"), i, e) {
			json_t *c = json_deep_copy(e);

			json_object_set_new(c, "shard", json_integer(k));
			json_object_set_new(c, "hostname",
					    json_string(jstr(host, "hostname")));
			json_array_append_new(envs, c);
		}
	} else {
		*all_finished = false;
	}
	if (t)
		json_object_set_new(shard, "slurm", vb_slurm_task_json(t));
	json_array_append_new(json_object_get(m->env, "shards"), shard);
}

static int install(struct merge *m, const char *name)
{
	char *from = vb_path_join(m->tmp, name), *to = vb_path_join(m->dir, name);
	int rc = rename(from, to) < 0 ? -errno : 0;

	if (rc < 0)
		snprintf(m->err, m->errlen, "cannot put the merged %s in place: %s", to,
			 strerror(-rc));
	free(from);
	free(to);
	return rc;
}

int vb_merge_shards(const char *dir, struct vb_merge_info *info, char *err,
		    size_t errlen)
{
	struct merge m = { .dir = dir, .err = err, .errlen = errlen };
	struct vb_slurm_status st = { 0 };
	struct vb_shard plan;
	bool all_finished = true;
	json_t *base = NULL;
	char *text, *path;
	int rc;

	memset(info, 0, sizeof(*info));
	err[0] = '\0';
	rc = vb_shard_plan_read(dir, &plan, err, errlen);
	if (rc < 0)
		return rc;
	info->nshards = plan.count;
	vb_slurm_status_load(dir, &st);
	snprintf(m.tmp, sizeof(m.tmp), "%s/.merge-XXXXXX", dir);
	if (!mkdtemp(m.tmp)) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a directory in %s: %s", dir,
			 strerror(errno));
		goto out;
	}
	m.env = json_object();
	json_object_set_new(m.env, "environments", json_array());
	json_object_set_new(m.env, "shards", json_array());
	for (int k = 1; k <= plan.count; k++) {
		char *sdir = vb_shard_dir(dir, k), *ep = vb_path_join(sdir, "environment.json");
		json_t *senv = json_load_file(ep, 0, NULL);
		bool has = false;

		free(ep);
		rc = merge_runs(&m, k, sdir,
				jstr(json_object_get(senv, "host"), "hostname"), &has);
		if (rc == 0 && has)
			rc = merge_verify(&m, sdir);
		free(sdir);
		if (rc < 0) {
			json_decref(senv);
			goto out;
		}
		if (has)
			info->nwith_results++;
		if (senv && !base)
			base = json_incref(senv);
		merge_env(&m, k, senv, has, &st, &all_finished);
		json_decref(senv);
	}
	if (!info->nwith_results || !m.runs) {
		snprintf(err, errlen,
			 "no shard of %s has results yet (%d shard%s; `virtbench check FILE -o %s` "
			 "shows what each has left)", dir, plan.count, plan.count == 1 ? "" : "s",
			 dir);
		rc = -ENODATA;
		goto out;
	}
	/* The first shard's record is the base: experiment, plugins,
	 * versions; the top-level host is that shard's (the Hosts table of
	 * the report lists them all). */
	if (base) {
		const char *key;
		json_t *v;

		json_object_foreach(base, key, v)
			if (!json_object_get(m.env, key))
				json_object_set(m.env, key, v);
	}
	if (!all_finished)
		json_object_del(m.env, "finished");
	json_object_set_new(m.env, "shard_plan",
			    json_pack("{s:i, s:s}", "count", plan.count, "by",
				      vb_shard_by_name(plan.by)));
	if ((rc = vb_journal_close(m.runs)) < 0 ||
	    (rc = vb_journal_close(m.verify)) < 0) {
		m.runs = m.verify = NULL;
		snprintf(err, errlen, "cannot write the merged journal: %s", strerror(-rc));
		goto out;
	}
	m.runs = m.verify = NULL;
	if ((rc = install(&m, "runs.csv")) < 0 || (rc = install(&m, "verify.csv")) < 0)
		goto out;
	text = json_dumps(m.env, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		vb_oom();
	path = vb_path_join(dir, "environment.json");
	rc = vb_write_file_atomic(path, text, strlen(text));
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	free(path);
	free(text);
	info->nrecords = m.nrecords;
out:
	vb_journal_close(m.runs);
	vb_journal_close(m.verify);
	if (m.tmp[0] && strstr(m.tmp, "/.merge-"))
		vb_rm_rf(m.tmp);
	json_decref(m.env);
	json_decref(base);
	free(m.experiment);
	free(m.hash);
	vb_slurm_status_free(&st);
	return rc;
}
