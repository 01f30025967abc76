/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The parts of the report (analysis/report.c, findings.c, warnings.c,
 * html.c): Markdown helpers they share, and the sections they write.
 */
#ifndef VB_ANALYSIS_REPORT_H
#define VB_ANALYSIS_REPORT_H

#include <stdio.h>

#include "analysis/model.h"

/* Thresholds of the report's warnings (docs/report.md). */
#define VB_NOISY_CV 0.05          /* coefficient of variation */
#define VB_TIME_DISAGREE 0.05     /* |host_time / total_time - 1| */
/* ...and by more than this many seconds: every request pays a start-up
 * cost outside the workload's clock (the agent starting; ~0.13 s in a TCG
 * guest), which is not clock drift. */
#define VB_TIME_DISAGREE_ABS 0.25
/* Rows of one warning table before "and N more". */
#define VB_WARN_ROWS 10

/* Text for a Markdown table cell or line: '|' escaped, newlines as blanks. */
void vb_md(FILE *f, const char *s);
/* "| a | b | c" escaped; the caller goes on with " | ..." and ends the row. */
void vb_md_cells(FILE *f, const char *const *cells, size_t n);
/* A name inside `code`: backquotes in it become ', newlines blanks. */
void vb_md_code(FILE *f, const char *s);
/* "qemu 1cpu-2g cpu-prime max_prime=5000" of a group, malloc'd. */
char *vb_cell_name(const struct vb_agroup *g);
/* Is this cell one of the metrics the report looks at (charted)? */
bool vb_is_noisy(const struct vb_acell *c);
/* "k=v" in a ';'-joined facts string. */
bool vb_has_fact(const char *facts, const char *kv);

struct vb_journal_data;

/* The sections other files write. vd is verify.csv (empty if missing). */
void vb_section_findings(FILE *f, const struct vb_analysis *a);
void vb_section_warnings(FILE *f, const struct vb_analysis *a,
			 const struct vb_journal_data *vd);

/* report.html from the text of report.md: the same content, charts
 * embedded as data: URIs. 0 or -errno (a message in msgs). */
int vb_report_html(const char *dir, const char *md, size_t len,
		   struct vb_diag *msgs);
/* RFC 4648 base64 of data into b. */
void vb_base64(struct vb_buf *b, const unsigned char *data, size_t len);

#endif /* VB_ANALYSIS_REPORT_H */
