/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The results journal: runs.csv and verify.csv, their columns, the one
 * reader and the one writer (engine/journal.h, docs/results-format.md).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lib/csv.h"

static const char *const run_columns[VB_RC_N] = {
	[VB_RC_EXPERIMENT] = "experiment",
	[VB_RC_BACKEND] = "backend",
	[VB_RC_CONFIG] = "config",
	[VB_RC_CPUS] = "cpus",
	[VB_RC_MEMORY] = "memory",
	[VB_RC_WORKLOAD] = "workload",
	[VB_RC_PARAMS] = "params",
	[VB_RC_REPETITION] = "repetition",
	[VB_RC_METRIC] = "metric",
	[VB_RC_VALUE] = "value",
	[VB_RC_UNIT] = "unit",
	[VB_RC_STATUS] = "status",
	[VB_RC_VERDICT] = "verdict",
	[VB_RC_STARTED] = "started",
	[VB_RC_FINISHED] = "finished",
	[VB_RC_FACTS] = "facts",
	[VB_RC_ERROR] = "error",
	[VB_RC_CONFIG_HASH] = "config_hash",
	[VB_RC_RECORD] = "record",
	[VB_RC_HOST] = "host",
	[VB_RC_ORDER] = "order",
	[VB_RC_NOISE_WINDOW] = "noise_window",
	[VB_RC_NOISE_CPUS] = "noise_cpus",
	[VB_RC_NOISE_BUSY] = "noise_busy",
	[VB_RC_NOISE_STEAL] = "noise_steal",
	[VB_RC_NOISE_IOWAIT] = "noise_iowait",
	[VB_RC_NOISE_ENV_CPU] = "noise_env_cpu",
	[VB_RC_NOISE_ENV_FROM] = "noise_env_from",
	[VB_RC_NOISE_FOREIGN] = "noise_foreign",
	[VB_RC_NOISE_LOADAVG] = "noise_loadavg",
	[VB_RC_NOISE_CPUFREQ] = "noise_cpufreq",
	[VB_RC_NOISE_THROTTLED] = "noise_throttled",
	[VB_RC_NOISE_SWAP_IN] = "noise_swap_in",
	[VB_RC_NOISE_SWAP_OUT] = "noise_swap_out",
	[VB_RC_NOISE_GUEST_STEAL] = "noise_guest_steal",
	[VB_RC_NOISE] = "noise",
	[VB_RC_STOP] = "stop",
};

static const char *const verify_columns[VB_VC_N] = {
	[VB_VC_BACKEND] = "backend",
	[VB_VC_CONFIG] = "config",
	[VB_VC_CPUS_REQUESTED] = "cpus_requested",
	[VB_VC_CPUS_OBSERVED] = "cpus_observed",
	[VB_VC_MEMORY_REQUESTED] = "memory_requested",
	[VB_VC_MEMORY_OBSERVED] = "memory_observed",
	[VB_VC_CPUS_ENFORCED] = "cpus_enforced",
	[VB_VC_MEMORY_ENFORCED] = "memory_enforced",
	[VB_VC_VERDICT] = "verdict",
	[VB_VC_REASON] = "reason",
	[VB_VC_PROBE] = "probe",
	[VB_VC_FACTS] = "facts",
	[VB_VC_TIME] = "time",
};

/* 0.1's runs.csv had the first 17 columns: still readable. */
const struct vb_journal_format vb_runs_format = {
	.file = "runs.csv",
	.columns = run_columns,
	.ncolumns = VB_RC_N,
	.nrequired = VB_RC_ERROR + 1,
};

const struct vb_journal_format vb_verify_format = {
	.file = "verify.csv",
	.columns = verify_columns,
	.ncolumns = VB_VC_N,
	.nrequired = VB_VC_N,
};

static bool has_records(const struct vb_journal_format *fmt)
{
	return fmt == &vb_runs_format;
}

/* ------------------------------------------------------------------ */
/* Time                                                                 */
/* ------------------------------------------------------------------ */

void vb_iso_now(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
		 tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (int)(ts.tv_nsec / 1000000) % 1000);
}

double vb_iso_seconds(const char *s)
{
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	double frac = 0;

	if (!rest)
		return -1;
	if (*rest == '.') {
		char *end;

		frac = strtod(rest, &end);
		rest = end;
	}
	if (*rest != 'Z' || rest[1])
		return -1;
	return (double)timegm(&tm) + frac;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                 */
/* ------------------------------------------------------------------ */

/* The unit separator: the experiment parser refuses control characters
 * in names and values, so no field holds it. */
#define KEY_SEP "\x1f"

char *vb_rep_key(const char *backend, const char *config,
		 const char *workload, const char *params, int rep)
{
	return vb_xasprintf("%s" KEY_SEP "%s" KEY_SEP "%s" KEY_SEP "%s" KEY_SEP
			    "%d", backend, config, workload, params, rep);
}

char *vb_rep_key_row(const struct vb_jrow *row)
{
	return vb_xasprintf("%s" KEY_SEP "%s" KEY_SEP "%s" KEY_SEP "%s" KEY_SEP
			    "%s", row->f[VB_RC_BACKEND], row->f[VB_RC_CONFIG],
			    row->f[VB_RC_WORKLOAD], row->f[VB_RC_PARAMS],
			    row->f[VB_RC_REPETITION]);
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

/* "k/n" -> k, n; false when it is not that. */
static bool parse_record_no(const char *s, long *k, long *n)
{
	char *end;

	*k = strtol(s, &end, 10);
	if (end == s || *end != '/' || *k < 1)
		return false;
	s = end + 1;
	*n = strtol(s, &end, 10);
	return end != s && *end == '\0' && *n >= *k;
}

/* Map a header onto the format: col[i] = header index of column i or -1. */
static int map_header(const struct vb_journal_format *fmt,
		      const struct vb_strv *hdr, int *col, const char *path,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < fmt->ncolumns; i++) {
		ssize_t k = vb_strv_find(hdr, fmt->columns[i]);

		col[i] = (int)k;
		if (k < 0 && i < fmt->nrequired) {
			snprintf(err, errlen,
				 "%s:1: missing column '%s'; expected the header "
				 "of docs/results-format.md", path,
				 fmt->columns[i]);
			return -EINVAL;
		}
	}
	return 0;
}

struct reader {
	const struct vb_journal_format *fmt;
	struct vb_journal_data *j;
	int *col;
	/* The block being read: rows[block_first..] since its "1/n" row. */
	size_t block_first;
	long block_next, block_n;
	off_t block_start;   /* file offset of the block's first row */
};

static void add_row(struct reader *r, const struct vb_strv *fields, int line)
{
	struct vb_journal_data *j = r->j;
	struct vb_jrow *row;

	j->rows = vb_xreallocarray(j->rows, j->nrows + 1, sizeof(*j->rows));
	row = &j->rows[j->nrows++];
	row->line = line;
	row->f = vb_xcalloc(r->fmt->ncolumns, sizeof(char *));
	for (size_t i = 0; i < r->fmt->ncolumns; i++)
		row->f[i] = vb_xstrdup(r->col[i] >= 0 &&
						       (size_t)r->col[i] < fields->n
					       ? fields->v[r->col[i]]
					       : "");
}

static void drop_rows_from(struct vb_journal_data *j, size_t from)
{
	for (size_t i = from; i < j->nrows; i++)
		vb_free_strings(j->rows[i].f, j->format->ncolumns);
	j->ignored += j->nrows - from;
	j->nrows = from;
}

/* One whole CSV record at [start, end) of the file. */
static void take_record(struct reader *r, const struct vb_strv *fields,
			int line, off_t start, off_t end)
{
	struct vb_journal_data *j = r->j;
	long k, n;

	if (!has_records(r->fmt) || j->legacy) {
		add_row(r, fields, line);
		j->whole_size = end;
		return;
	}
	if (r->col[VB_RC_RECORD] < 0 ||
	    (size_t)r->col[VB_RC_RECORD] >= fields->n ||
	    !parse_record_no(fields->v[r->col[VB_RC_RECORD]], &k, &n)) {
		/* Not a row of ours: it cannot complete any block. */
		drop_rows_from(j, r->block_first);
		j->ignored++;
		r->block_next = 0;
		return;
	}
	if (k == 1) {
		/* A new block; one left open before it was torn. */
		drop_rows_from(j, r->block_first);
		r->block_first = j->nrows;
		r->block_n = n;
		r->block_next = 1;
		r->block_start = start;
	} else if (k != r->block_next || n != r->block_n) {
		drop_rows_from(j, r->block_first);
		j->ignored++;
		r->block_next = 0;
		return;
	}
	add_row(r, fields, line);
	if (++r->block_next > r->block_n) {
		r->block_first = j->nrows;
		r->block_next = 0;
		j->whole_size = end;
	}
}

/* The rows after the header, [p, end) of buf. */
static int read_rows(struct reader *r, const char *buf, const char *p,
		     const char *end, int line, const char *path, char *err,
		     size_t errlen)
{
	struct vb_journal_data *j = r->j;
	struct vb_strv fields = VB_STRV_INIT;
	int rc = 0;

	while (p < end) {
		const char *start = p;
		int first = line;

		if (*p == '\n') { /* a blank line holds no record */
			p++;
			line++;
			continue;
		}
		rc = vb_csv_parse_record(&p, end, &fields, &line);
		if (rc < 0) {
			snprintf(err, errlen,
				 "%s:%d: text after a closing quote; the file "
				 "is not RFC 4180 CSV", path, first);
			rc = -EINVAL;
			break;
		}
		if (rc != VB_CSV_RECORD) {
			/* The last record was cut (a crash mid-write). */
			j->ignored++;
			j->torn_tail = true;
			rc = 0;
			break;
		}
		take_record(r, &fields, first, start - buf, p - buf);
		rc = 0;
	}
	if (rc == 0 && has_records(r->fmt) && !j->legacy && r->block_next) {
		/* The last block never got its last row. */
		drop_rows_from(j, r->block_first);
		j->torn_tail = true;
	}
	vb_strv_free(&fields);
	return rc;
}

/* The header of buf mapped onto fmt, then the rows. */
static int parse_journal(struct reader *r, const char *buf, size_t len,
			 const char *path, char *err, size_t errlen)
{
	struct vb_strv hdr = VB_STRV_INIT;
	const char *p = buf;
	int line = 1, rc;

	rc = vb_csv_parse_record(&p, buf + len, &hdr, &line);
	if (rc != VB_CSV_RECORD) {
		/* A header torn by a crash before the first row: empty. */
		r->j->torn_tail = rc > 0;
		rc = rc > 0 ? 0 : -EINVAL;
		if (rc < 0)
			snprintf(err, errlen, "%s:1: not a CSV header", path);
		vb_strv_free(&hdr);
		return rc;
	}
	r->col = vb_xcalloc(r->fmt->ncolumns, sizeof(int));
	rc = map_header(r->fmt, &hdr, r->col, path, err, errlen);
	vb_strv_free(&hdr);
	if (rc < 0)
		return rc;
	r->j->legacy = has_records(r->fmt) && r->col[VB_RC_RECORD] < 0;
	r->j->whole_size = p - buf;
	return read_rows(r, buf, p, buf + len, line, path, err, errlen);
}

int vb_journal_read(const char *dir, const struct vb_journal_format *fmt,
		    struct vb_journal_data *j, char *err, size_t errlen)
{
	char *path = vb_path_join(dir, fmt->file), *buf = NULL;
	struct reader r = { .fmt = fmt, .j = j };
	size_t len = 0;
	int rc;

	memset(j, 0, sizeof(*j));
	j->format = fmt;
	rc = vb_read_file(path, SIZE_MAX / 2, &buf, &len);
	if (rc == -ENOENT)
		rc = 0;
	else if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	else if (len > 0)
		rc = parse_journal(&r, buf, len, path, err, errlen);
	if (rc < 0)
		vb_journal_data_free(j);
	free(r.col);
	free(buf);
	free(path);
	return rc;
}

void vb_journal_data_free(struct vb_journal_data *j)
{
	for (size_t i = 0; i < j->nrows; i++)
		vb_free_strings(j->rows[i].f, j->format->ncolumns);
	free(j->rows);
	j->rows = NULL;
	j->nrows = 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

struct vb_journal {
	const struct vb_journal_format *fmt;
	int fd;
	off_t size;          /* where the next record starts */
	char *experiment, *config_hash;
	char host[256];
};

static void header_text(const struct vb_journal_format *fmt,
			struct vb_buf *b)
{
	for (size_t i = 0; i < fmt->ncolumns; i++) {
		if (i)
			vb_buf_addc(b, ',');
		vb_csv_add_field(b, fmt->columns[i]);
	}
	vb_buf_addc(b, '\n');
}

/* Move [from, size) of fd's file to path.torn and cut it off. */
static int move_tail(int fd, const char *path, off_t from, off_t size)
{
	char *torn = vb_xasprintf("%s.torn", path);
	size_t n = (size_t)(size - from);
	char *data = vb_xmalloc(n);
	int tfd, rc = 0;
	ssize_t got = pread(fd, data, n, from);

	if (got != (ssize_t)n) {
		rc = got < 0 ? -errno : -EIO;
		goto out;
	}
	tfd = open(torn, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (tfd < 0) {
		rc = -errno;
		goto out;
	}
	/* Kept, not thrown away: it is evidence of what happened. */
	rc = vb_write_all(tfd, data, n);
	if (rc == 0 && data[n - 1] != '\n')
		rc = vb_write_all(tfd, "\n", 1);
	if (rc == 0 && fsync(tfd) < 0)
		rc = -errno;
	close(tfd);
	if (rc == 0 && ftruncate(fd, from) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
out:
	free(data);
	free(torn);
	return rc;
}

/* An existing file must be one of ours, with our columns in our order,
 * or we would mix formats. */
static int check_header(int fd, off_t size, const struct vb_journal_data *d,
			const struct vb_buf *hdr, const char *path, char *err,
			size_t errlen)
{
	char *have;
	bool same;

	if (size > 0 && d->whole_size == 0 && !d->torn_tail) {
		snprintf(err, errlen, "%s: not a journal this virtbench can "
			 "append to", path);
		return -EPROTO;
	}
	if (size == 0 || d->whole_size == 0)
		return 0;
	have = vb_xmalloc(hdr->len);
	same = pread(fd, have, hdr->len, 0) == (ssize_t)hdr->len &&
	       memcmp(have, hdr->s, hdr->len) == 0;
	free(have);
	if (!same) {
		snprintf(err, errlen,
			 "%s was written by another virtbench version (other "
			 "columns); run into a new directory (-o DIR) to keep "
			 "it as it is", path);
		return -EPROTO;
	}
	return 0;
}

/* A new (or emptied) file gets the header, synced. */
static int write_header(int fd, const struct vb_buf *hdr, const char *path,
			char *err, size_t errlen)
{
	int rc = vb_write_all(fd, hdr->s, hdr->len);

	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
		if (ftruncate(fd, 0) < 0) {
			/* Nothing more to do: reported above. */
		}
	}
	return rc;
}

/* fd ready to append at j->size: header checked, torn tail set aside,
 * header written to a new file. */
static int prepare_file(struct vb_journal *j, const struct vb_journal_data *d,
			const char *path, size_t *torn_bytes, char *err,
			size_t errlen)
{
	struct vb_buf hdr = VB_BUF_INIT;
	struct stat st;
	int rc;

	if (fstat(j->fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	header_text(j->fmt, &hdr);
	rc = check_header(j->fd, st.st_size, d, &hdr, path, err, errlen);
	if (rc == 0 && (d->torn_tail || st.st_size > d->whole_size)) {
		rc = move_tail(j->fd, path, d->whole_size, st.st_size);
		if (rc < 0)
			snprintf(err, errlen, "cannot set aside the torn end of "
				 "%s: %s", path, strerror(-rc));
		else if (torn_bytes)
			*torn_bytes = (size_t)(st.st_size - d->whole_size);
		st.st_size = d->whole_size;
	}
	if (rc == 0 && st.st_size == 0 &&
	    (rc = write_header(j->fd, &hdr, path, err, errlen)) == 0)
		st.st_size = (off_t)hdr.len;
	j->size = st.st_size;
	vb_buf_free(&hdr);
	return rc;
}

int vb_journal_open(const char *dir, const struct vb_journal_format *fmt,
		    const char *experiment, const char *config_hash,
		    struct vb_journal **out, size_t *torn_bytes, char *err,
		    size_t errlen)
{
	char *path = vb_path_join(dir, fmt->file);
	struct vb_journal_data d;
	struct vb_journal *j;
	int rc;

	*out = NULL;
	if (torn_bytes)
		*torn_bytes = 0;
	if ((rc = vb_journal_read(dir, fmt, &d, err, errlen)) < 0) {
		free(path);
		return rc;
	}
	j = vb_xcalloc(1, sizeof(*j));
	j->fmt = fmt;
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(errno));
	} else {
		rc = prepare_file(j, &d, path, torn_bytes, err, errlen);
	}
	vb_journal_data_free(&d);
	free(path);
	if (rc < 0) {
		if (j->fd >= 0)
			close(j->fd);
		free(j);
		return rc;
	}
	if (gethostname(j->host, sizeof(j->host) - 1) < 0)
		j->host[0] = '\0';
	j->experiment = vb_xstrdup(experiment);
	j->config_hash = vb_xstrdup(config_hash);
	*out = j;
	return 0;
}

int vb_journal_append(struct vb_journal *j, const char *const *const *rows,
		      size_t nrows)
{
	return vb_journal_append_records(j, rows, &nrows, 1);
}

static void add_record(const struct vb_journal *j, struct vb_buf *b,
		       const char *const *const *rows, size_t nrows)
{
	for (size_t r = 0; r < nrows; r++) {
		for (size_t i = 0; i < j->fmt->ncolumns; i++) {
			const char *v = rows[r][i];
			char rec[48];

			if (has_records(j->fmt)) {
				if (i == VB_RC_EXPERIMENT)
					v = j->experiment;
				else if (i == VB_RC_CONFIG_HASH)
					v = j->config_hash;
				else if (i == VB_RC_RECORD) {
					snprintf(rec, sizeof(rec), "%zu/%zu",
						 r + 1, nrows);
					v = rec;
				} else if (i == VB_RC_HOST && !v)
					v = j->host;
			}
			if (i)
				vb_buf_addc(b, ',');
			vb_csv_add_field(b, v ? v : "");
		}
		vb_buf_addc(b, '\n');
	}
}

int vb_journal_append_records(struct vb_journal *j,
			      const char *const *const *rows,
			      const size_t *sizes, size_t nrecords)
{
	struct vb_buf b = VB_BUF_INIT;
	int rc;

	for (size_t k = 0; k < nrecords; rows += sizes[k], k++)
		add_record(j, &b, rows, sizes[k]);
	/* pwrite at our own end: a short write (ENOSPC) is cut off below,
	 * and the next record starts where this one should have. */
	rc = 0;
	for (size_t done = 0; done < b.len;) {
		ssize_t n = pwrite(j->fd, b.s + done, b.len - done,
				   j->size + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (rc == 0 && fsync(j->fd) < 0)
		rc = -errno;
	if (rc < 0) {
		/* Nothing half-written stays in the journal. */
		if (ftruncate(j->fd, j->size) < 0) {
			/* The next open moves the partial block aside. */
		}
	} else {
		j->size += (off_t)b.len;
	}
	vb_buf_free(&b);
	return rc;
}

int vb_journal_close(struct vb_journal *j)
{
	int rc = 0;

	if (!j)
		return 0;
	if (close(j->fd) < 0)
		rc = -errno;
	free(j->experiment);
	free(j->config_hash);
	free(j);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The lock                                                             */
/* ------------------------------------------------------------------ */

int vb_results_lock(const char *dir, pid_t *holder)
{
	char *path = vb_path_join(dir, ".virtbench.lock");
	char pid[32];
	int fd, rc;

	*holder = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	free(path);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (rc == -EBUSY) {
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			pid[n > 0 ? n : 0] = '\0';
			*holder = (pid_t)strtol(pid, NULL, 10);
		}
		close(fd);
		return rc;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* The pid is only for the message of a second run. */
	}
	return fd;
}

void vb_results_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
