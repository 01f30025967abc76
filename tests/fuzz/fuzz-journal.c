/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the results journal's reader and writer
 * (engine/journal.c, lib/csv.c), on a runs.csv or verify.csv that a crash,
 * a full disk, another program or a hostile user left.
 *
 * The first byte picks the file (bit 0: verify.csv) and whether the writer
 * runs too (bit 1); the rest is the file. Besides the sanitizers it checks
 * what resume and the analysis rely on: the reader returns rows or an
 * error, every row has all its fields; reopening for append keeps every
 * whole record (it only sets aside what is not whole), after which the
 * file has no torn tail; and a record appended (made of fields the input
 * held) reads back field for field.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lib/util.h"
#include "tests/fuzz/fuzz-tmp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_dir_make("vb-fuzz-journal");
	return 0;
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || vb_write_all(fd, p, n) < 0 || close(fd) < 0) {
		fprintf(stderr, "fuzz-journal: %s: %s\n", path, strerror(errno));
		abort();
	}
}

static void check_data(const struct vb_journal_data *d, size_t size)
{
	const struct vb_journal_format *fmt = d->format;

	if ((size_t)d->whole_size > size || d->whole_size < 0)
		abort();
	for (size_t i = 0; i < d->nrows; i++) {
		const struct vb_jrow *row = &d->rows[i];

		if (row->line < 2 || (i && row->line <= d->rows[i - 1].line))
			abort();
		for (size_t c = 0; c < fmt->ncolumns; c++)
			if (!row->f[c])
				abort();
		if (fmt == &vb_runs_format) {
			/* what resume and the analysis do with a row */
			free(vb_rep_key_row(row));
			(void)vb_iso_seconds(row->f[VB_RC_STARTED]);
			(void)vb_iso_seconds(row->f[VB_RC_FINISHED]);
		}
	}
}

static bool same_rows(const struct vb_journal_data *a,
		      const struct vb_journal_data *b, size_t n)
{
	if (a->nrows < n || b->nrows < n)
		return false;
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < a->format->ncolumns; c++)
			if (strcmp(a->rows[i].f[c], b->rows[i].f[c]))
				return false;
	return true;
}

/* Reopen for append, append up to three rows made of the input's fields,
 * read it all back. */
static void write_and_reread(const struct vb_journal_format *fmt,
			     const struct vb_journal_data *before)
{
	const size_t nc = fmt->ncolumns;
	struct vb_journal *jn = NULL;
	struct vb_journal_data after, again;
	const char **rows[3];
	char err[1024] = "", rec[3][48];
	size_t torn = 0, n, i;
	const char *exp = before->nrows ? before->rows[0].f[0] : "fuzz";
	const char *hash = fmt == &vb_runs_format && before->nrows
				   ? before->rows[0].f[VB_RC_CONFIG_HASH]
				   : "0123abcd";
	char *exp_copy = vb_xstrdup(exp), *hash_copy = vb_xstrdup(hash);
	int rc = vb_journal_open(dir, fmt, exp_copy, hash_copy, &jn, &torn,
				 err, sizeof(err));

	if (rc < 0) {
		if (!err[0] || jn)
			abort();
		goto out;
	}
	if (vb_journal_read(dir, fmt, &after, err, sizeof(err)) < 0)
		abort();
	/* Nothing whole is lost, nothing torn is left. */
	if (after.nrows != before->nrows || after.torn_tail ||
	    !same_rows(before, &after, before->nrows))
		abort();

	n = before->nrows < 3 ? before->nrows : 3;
	if (n == 0)
		n = 1;
	for (i = 0; i < n; i++) {
		rows[i] = vb_xcalloc(nc, sizeof(char *));
		for (size_t c = 0; c < nc; c++)
			rows[i][c] = before->nrows ? before->rows[i].f[nc - 1 - c] : "";
	}
	if (vb_journal_append(jn, (const char *const *const *)rows, n) < 0)
		abort();
	if (vb_journal_read(dir, fmt, &again, err, sizeof(err)) < 0)
		abort();
	if (again.nrows != after.nrows + n || again.torn_tail ||
	    !same_rows(&after, &again, after.nrows))
		abort();
	for (i = 0; i < n; i++) {
		const struct vb_jrow *r = &again.rows[after.nrows + i];

		for (size_t c = 0; c < nc; c++) {
			const char *want = rows[i][c];

			if (fmt == &vb_runs_format) {
				if (c == VB_RC_EXPERIMENT)
					want = exp_copy;
				else if (c == VB_RC_CONFIG_HASH)
					want = hash_copy;
				else if (c == VB_RC_RECORD) {
					snprintf(rec[i], sizeof(rec[i]),
						 "%zu/%zu", i + 1, n);
					want = rec[i];
				}
			}
			if (strcmp(r->f[c], want))
				abort();
		}
	}
	for (i = 0; i < n; i++)
		free(rows[i]);
	vb_journal_data_free(&again);
	vb_journal_data_free(&after);
out:
	if (vb_journal_close(jn) < 0)
		abort();
	free(exp_copy);
	free(hash_copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vb_journal_format *fmt;
	struct vb_journal_data d;
	char path[PATH_MAX + 32], err[1024] = "";
	int rc;

	if (size < 1)
		return 0;
	fmt = data[0] & 1 ? &vb_verify_format : &vb_runs_format;
	snprintf(path, sizeof(path), "%s/%s", dir, fmt->file);
	write_file(path, data + 1, size - 1);
	snprintf(path, sizeof(path), "%s/%s.torn", dir, fmt->file);
	unlink(path);

	rc = vb_journal_read(dir, fmt, &d, err, sizeof(err));
	if (rc < 0) {
		if (!err[0] || d.nrows || d.rows)
			abort();
		return 0;
	}
	if (rc != 0 || d.format != fmt)
		abort();
	check_data(&d, size - 1);
	if (data[0] & 2)
		write_and_reread(fmt, &d);
	vb_journal_data_free(&d);
	return 0;
}
