/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * RFC 4180 CSV, the one writer and reader of the results files
 * (lib/csv.c).
 */
#ifndef VB_LIB_CSV_H
#define VB_LIB_CSV_H

#include <stdio.h>

/* CSV field quoting (RFC 4180) into f. */
void vb_csv_field(FILE *f, const char *s);
/* Split one CSV record (no embedded newlines) into fields; returns count. */
int vb_csv_split(char *line, char **fields, int max);

#endif /* VB_LIB_CSV_H */
