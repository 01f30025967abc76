/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shards of an experiment's matrix (engine/shard.h, docs/scale-out.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/shard.h"
#include "lib/util.h"

const char *vb_shard_by_name(enum vb_shard_by by)
{
	return by == VB_SHARD_BY_ENVIRONMENT ? "environment" : "config";
}

int vb_shard_parse(const char *text, struct vb_shard *s, char *err,
		   size_t errlen)
{
	char *end;
	long k, n;

	memset(s, 0, sizeof(*s));
	k = strtol(text, &end, 10);
	if (end == text || *end != '/')
		goto bad;
	text = end + 1;
	n = strtol(text, &end, 10);
	if (end == text || *end)
		goto bad;
	if (n < 1 || n > 100000 || k < 1 || k > n) {
		snprintf(err, errlen, "--shard %ld/%ld: K must be between 1 and N", k, n);
		return -EINVAL;
	}
	s->index = (int)k;
	s->count = (int)n;
	return 0;
bad:
	snprintf(err, errlen, "--shard: expected K/N (shard K of N, e.g. 2/3), got '%s'",
		 text);
	return -EINVAL;
}

/* unit[b * nconfigs + c]: the unit number of that environment, or -1
 * when it has no cells. Returns the number of units. */
static size_t number_units(const struct vb_experiment *ex,
			   const struct vb_cell *cells, size_t ncells,
			   enum vb_shard_by by, long *unit)
{
	size_t nenv = ex->nbackends * ex->nconfigs, n = 0;
	bool *has = vb_xcalloc(nenv ? nenv : 1, sizeof(bool));

	for (size_t i = 0; i < ncells; i++)
		has[cells[i].backend * ex->nconfigs + cells[i].config] = true;
	for (size_t i = 0; i < nenv; i++)
		unit[i] = -1;
	if (by == VB_SHARD_BY_ENVIRONMENT) {
		/* Config-major, so that consecutive shards hold different
		 * configs' environments and a config's backends spread. */
		for (size_t c = 0; c < ex->nconfigs; c++)
			for (size_t b = 0; b < ex->nbackends; b++)
				if (has[b * ex->nconfigs + c])
					unit[b * ex->nconfigs + c] = (long)n++;
	} else {
		for (size_t c = 0; c < ex->nconfigs; c++) {
			bool any = false;

			for (size_t b = 0; b < ex->nbackends; b++)
				if (has[b * ex->nconfigs + c]) {
					unit[b * ex->nconfigs + c] = (long)n;
					any = true;
				}
			n += any;
		}
	}
	free(has);
	return n;
}

size_t vb_shard_units(const struct vb_experiment *ex,
		      const struct vb_cell *cells, size_t ncells,
		      enum vb_shard_by by)
{
	size_t nenv = ex->nbackends * ex->nconfigs;
	long *unit = vb_xcalloc(nenv ? nenv : 1, sizeof(long));
	size_t n = number_units(ex, cells, ncells, by, unit);

	free(unit);
	return n;
}

int vb_shard_bind(struct vb_shard *s, const struct vb_experiment *ex,
		  const struct vb_cell *cells, size_t ncells, char *err,
		  size_t errlen)
{
	size_t nenv = ex->nbackends * ex->nconfigs;
	long *unit = vb_xcalloc(nenv ? nenv : 1, sizeof(long));
	size_t n = number_units(ex, cells, ncells, s->by, unit);

	vb_shard_unbind(s);
	if ((size_t)s->count > n) {
		snprintf(err, errlen,
			 "%d shards of %zu %s%s: shard %d would be empty; use at most %zu",
			 s->count, n, s->by == VB_SHARD_BY_ENVIRONMENT ? "environment" : "config",
			 n == 1 ? "" : "s", (int)n + 1, n);
		free(unit);
		return -ERANGE;
	}
	s->owns = vb_xcalloc(nenv ? nenv : 1, sizeof(bool));
	s->nconfigs = ex->nconfigs;
	for (size_t i = 0; i < nenv; i++)
		s->owns[i] = unit[i] >= 0 &&
			     unit[i] % s->count == s->index - 1;
	free(unit);
	return 0;
}

void vb_shard_unbind(struct vb_shard *s)
{
	free(s->owns);
	s->owns = NULL;
	s->nconfigs = 0;
}

bool vb_shard_owns(const struct vb_shard *s, size_t backend, size_t config)
{
	return !s || (s->owns && s->owns[backend * s->nconfigs + config]);
}

char *vb_shard_dir(const char *dir, int index)
{
	return vb_xasprintf("%s/shards/%d", dir, index);
}

/* ------------------------------------------------------------------ */
/* The plan: DIR/shards/plan.json                                       */
/* ------------------------------------------------------------------ */

int vb_shard_plan_read(const char *dir, struct vb_shard *plan, char *err,
		       size_t errlen)
{
	char *path = vb_xasprintf("%s/shards/plan.json", dir);
	json_error_t je;
	json_t *root, *by;
	json_int_t n;
	int rc = 0;

	memset(plan, 0, sizeof(*plan));
	if (access(path, F_OK) < 0) {
		rc = -errno;
		if (rc != -ENOENT)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	root = json_load_file(path, 0, &je);
	n = json_integer_value(json_object_get(root, "count"));
	by = json_object_get(root, "by");
	if (!root || n < 1 || !json_is_string(by) ||
	    (strcmp(json_string_value(by), "config") &&
	     strcmp(json_string_value(by), "environment"))) {
		snprintf(err, errlen,
			 "%s: %s; it says how the directory is sharded ({\"count\": N, \"by\": \"config\"})",
			 path, root ? "no count or by" : je.text);
		rc = -EINVAL;
	} else {
		plan->count = (int)n;
		plan->by = strcmp(json_string_value(by), "environment")
				   ? VB_SHARD_BY_CONFIG
				   : VB_SHARD_BY_ENVIRONMENT;
	}
	json_decref(root);
	free(path);
	return rc;
}

int vb_shard_plan_ensure(const char *dir, const char *experiment,
			 const struct vb_shard *plan, char *err,
			 size_t errlen)
{
	char *sdir = vb_path_join(dir, "shards"), *path, *tmp, *text, *runs;
	struct vb_shard have;
	json_t *root;
	int rc, fd;

	rc = vb_shard_plan_read(dir, &have, err, errlen);
	if (rc == 0)
		goto compare;
	if (rc != -ENOENT)
		goto out_sdir;
	runs = vb_path_join(dir, "runs.csv");
	rc = access(runs, F_OK) == 0 ? -EEXIST : 0;
	free(runs);
	if (rc < 0) {
		snprintf(err, errlen,
			 "%s holds a run that was not sharded (runs.csv, no shards/plan.json); "
			 "shard into another directory (-o DIR)", dir);
		goto out_sdir;
	}
	if ((rc = vb_mkdir_p(sdir, 0755)) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", sdir, strerror(-rc));
		goto out_sdir;
	}
	root = json_pack("{s:s, s:i, s:s}", "experiment", experiment, "count",
			 plan->count, "by", vb_shard_by_name(plan->by));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		vb_oom();
	path = vb_path_join(sdir, "plan.json");
	tmp = vb_xasprintf("%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	rc = fd < 0 ? -errno : vb_write_all(fd, text, strlen(text));
	if (rc == 0 && (fsync(fd) < 0 || close(fd) < 0))
		rc = -errno;
	else if (fd >= 0 && rc < 0)
		close(fd);
	/* link(), not rename(): shards started at once on several nodes
	 * must not replace each other's plan; the first one wins and the
	 * others compare with it. */
	if (rc == 0 && link(tmp, path) < 0 && errno != EEXIST)
		rc = -errno;
	unlink(tmp);
	free(tmp);
	free(text);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
		free(path);
		goto out_sdir;
	}
	free(path);
	rc = vb_shard_plan_read(dir, &have, err, errlen);
	if (rc < 0)
		goto out_sdir;
compare:
	if (have.count != plan->count || have.by != plan->by) {
		snprintf(err, errlen,
			 "%s is sharded %d way%s by %s (shards/plan.json), not %d by %s; "
			 "use the same shards or another directory (-o DIR)",
			 dir, have.count, have.count == 1 ? "" : "s",
			 vb_shard_by_name(have.by), plan->count,
			 vb_shard_by_name(plan->by));
		rc = -EINVAL;
	}
out_sdir:
	free(sdir);
	return rc;
}

/* ------------------------------------------------------------------ */
/* What each shard has left                                             */
/* ------------------------------------------------------------------ */

int vb_shard_left(const struct vb_experiment *ex, const struct vb_cell *cells,
		  size_t ncells, const char *dir, const struct vb_shard *plan,
		  struct vb_shard_left *left)
{
	struct vb_cell *sub = vb_xcalloc(ncells ? ncells : 1, sizeof(*sub));
	char err[512];
	int rc = 0;

	memset(left, 0, (size_t)plan->count * sizeof(*left));
	for (int k = 1; k <= plan->count && rc == 0; k++) {
		struct vb_shard s = { .index = k, .count = plan->count,
				      .by = plan->by };
		struct vb_shard_left *l = &left[k - 1];
		struct vb_buf what = VB_BUF_INIT;
		size_t n = 0;
		char *sdir;

		l->index = k;
		rc = vb_shard_bind(&s, ex, cells, ncells, err, sizeof(err));
		if (rc < 0)
			break;
		for (size_t i = 0; i < ncells; i++)
			if (vb_shard_owns(&s, cells[i].backend, cells[i].config))
				sub[n++] = cells[i];
		for (size_t c = 0; c < ex->nconfigs; c++) {
			bool config_listed = false;

			for (size_t b = 0; b < ex->nbackends; b++) {
				if (!vb_shard_owns(&s, b, c))
					continue;
				l->nenvs++;
				if (plan->by == VB_SHARD_BY_CONFIG) {
					if (!config_listed)
						vb_buf_addf(&what, "%s%s", what.len ? ", " : "",
							    ex->configs[c].name);
					config_listed = true;
				} else {
					vb_buf_addf(&what, "%s%s/%s", what.len ? ", " : "",
						    ex->backends[b].label,
						    ex->configs[c].name);
				}
			}
		}
		l->what = vb_buf_detach(&what);
		sdir = vb_shard_dir(dir, k);
		rc = vb_estimate(ex, sub, n, sdir, &l->e);
		free(sdir);
		vb_shard_unbind(&s);
	}
	free(sub);
	return rc;
}

void vb_shard_left_free(struct vb_shard_left *left, size_t n)
{
	for (size_t i = 0; left && i < n; i++)
		free(left[i].what);
}
