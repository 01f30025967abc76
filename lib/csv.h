/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * RFC 4180 CSV (lib/csv.c): the one quoting rule and the one record
 * parser behind every results file. Quoted fields may hold commas, quotes
 * and newlines (error messages do), so records are parsed from a buffer,
 * never line by line.
 */
#ifndef VB_LIB_CSV_H
#define VB_LIB_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "lib/util.h"

/* Append s (NULL: "") as one field, quoted when it holds , " CR or LF. */
void vb_csv_add_field(struct vb_buf *b, const char *s);
/* The same, written to f. */
void vb_csv_field(FILE *f, const char *s);

/* What vb_csv_parse_record() found. */
enum vb_csv_result {
	VB_CSV_RECORD = 0,       /* a whole record, ended by a newline */
	VB_CSV_INCOMPLETE = 1,   /* the text ends before the newline */
	VB_CSV_UNTERMINATED = 2, /* the text ends inside a quoted field */
};

/*
 * Parse one record starting at *p (before end) into fields (appended to
 * the emptied list). On VB_CSV_RECORD *p moves past the record's newline
 * and *line (may be NULL) past the newlines it held. Otherwise the
 * fields hold what was there and *p is end. Returns -EINVAL for text
 * after a closing quote. CRLF is accepted; a quote inside an unquoted
 * field is taken literally.
 */
int vb_csv_parse_record(const char **p, const char *end, struct vb_strv *fields,
			int *line);

/* A whole CSV file with a header row, in memory. */
struct vb_table {
	size_t ncols, nrows;
	char **header;
	char ***rows;       /* rows[i][j]; short rows are padded with "" */
	int *lines;         /* line number of each row, for messages */
};

/*
 * Read path. 0, -ENOENT, -EINVAL (with "file:line: what" in err) or
 * -errno. A last record without its newline is kept (the files read this
 * way are written whole, through a rename).
 */
int vb_table_read(const char *path, struct vb_table *t, char *err,
		  size_t errlen);
void vb_table_free(struct vb_table *t);
/* Column index by name, or -1. */
int vb_table_col(const struct vb_table *t, const char *name);

#endif /* VB_LIB_CSV_H */
