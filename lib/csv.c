/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 4180 writing and reading for the results files. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/csv.h"

void vb_csv_add_field(struct vb_buf *b, const char *s)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		vb_buf_add(b, s);
		return;
	}
	vb_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			vb_buf_addc(b, '"');
		vb_buf_addc(b, *s);
	}
	vb_buf_addc(b, '"');
}

void vb_csv_field(FILE *f, const char *s)
{
	struct vb_buf b = VB_BUF_INIT;

	vb_csv_add_field(&b, s);
	fputs(vb_buf_str(&b), f);
	vb_buf_free(&b);
}

int vb_csv_parse_record(const char **pp, const char *end, struct vb_strv *fields,
			int *line)
{
	const char *p = *pp;
	struct vb_buf field = VB_BUF_INIT;
	int lines = 0;

	vb_strv_free(fields);
	for (;;) {
		bool quoted = false;

		vb_buf_reset(&field);
		if (p < end && *p == '"') {
			quoted = true;
			p++;
			for (;;) {
				if (p >= end)
					goto incomplete;
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						vb_buf_addc(&field, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					lines++;
				vb_buf_addc(&field, *p++);
			}
		}
		while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
			if (quoted) {
				vb_buf_free(&field);
				return -EINVAL; /* text after a closing quote */
			}
			vb_buf_addc(&field, *p++);
		}
		vb_strv_add(fields, vb_buf_str(&field));
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '\r') {
			/* CRLF, or a lone CR, which ends the record too: at
			 * the end of the text as well, or a record whole
			 * before a cut would be incomplete after it. */
			p++;
			if (p < end && *p == '\n')
				p++;
			break;
		}
		if (p >= end)
			goto incomplete_field_done;
		p++; /* '\n' */
		break;
	}
	vb_buf_free(&field);
	*pp = p;
	if (line)
		*line += lines + 1;
	return VB_CSV_RECORD;
incomplete:
	vb_strv_add(fields, vb_buf_str(&field));
	vb_buf_free(&field);
	*pp = end;
	return VB_CSV_UNTERMINATED;
incomplete_field_done:
	vb_buf_free(&field);
	*pp = end;
	return VB_CSV_INCOMPLETE;
}

int vb_table_read(const char *path, struct vb_table *t, char *err,
		  size_t errlen)
{
	struct vb_strv r = VB_STRV_INIT;
	const char *p, *end;
	size_t len = 0;
	char *buf;
	int line = 1, rc;

	memset(t, 0, sizeof(*t));
	rc = vb_read_file(path, SIZE_MAX / 2, &buf, &len);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	p = buf;
	end = buf + len;
	while (p < end) {
		int start = line;

		/* A blank line (e.g. a trailing one) is no record. */
		if (*p == '\n' || *p == '\r') {
			if (*p == '\n')
				line++;
			p++;
			continue;
		}
		rc = vb_csv_parse_record(&p, end, &r, &line);
		if (rc < 0) {
			snprintf(err, errlen,
				 "%s:%d: text after a closing quote; the file "
				 "is not RFC 4180 CSV", path, start);
			goto fail;
		}
		if (rc == VB_CSV_UNTERMINATED) {
			snprintf(err, errlen, "%s:%d: unterminated quoted field",
				 path, start);
			rc = -EINVAL;
			goto fail;
		}
		if (!t->header) {
			t->header = r.v;
			t->ncols = r.n;
			r = (struct vb_strv)VB_STRV_INIT;
			continue;
		}
		/* Pad short rows; drop fields past the header. */
		while (r.n < t->ncols)
			vb_strv_add(&r, "");
		while (r.n > t->ncols)
			free(r.v[--r.n]);
		t->rows = vb_xreallocarray(t->rows, t->nrows + 1, sizeof(*t->rows));
		t->lines = vb_xreallocarray(t->lines, t->nrows + 1,
					    sizeof(*t->lines));
		t->rows[t->nrows] = r.v;
		t->lines[t->nrows] = start;
		t->nrows++;
		r = (struct vb_strv)VB_STRV_INIT;
	}
	free(buf);
	if (!t->header) {
		snprintf(err, errlen, "%s:1: empty file; expected a CSV header row",
			 path);
		return -EINVAL;
	}
	return 0;
fail:
	vb_strv_free(&r);
	free(buf);
	vb_table_free(t);
	return -EINVAL;
}

void vb_table_free(struct vb_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		vb_free_strings(t->rows[i], t->ncols);
	vb_free_strings(t->header, t->ncols);
	free(t->rows);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

int vb_table_col(const struct vb_table *t, const char *name)
{
	for (size_t j = 0; j < t->ncols; j++)
		if (strcmp(t->header[j], name) == 0)
			return (int)j;
	return -1;
}
