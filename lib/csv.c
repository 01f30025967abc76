/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Minimal RFC 4180 writing and reading for the results files. */
#include "config.h"

#include <string.h>

#include "lib/csv.h"

void vb_csv_field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int vb_csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *r = line, *w;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		fields[n++] = w = r;
		if (*r == '"') {
			/* Unquote in place; "" is a literal quote. */
			r++;
			for (;;) {
				if (*r == '\0')
					break;
				if (*r == '"') {
					if (r[1] == '"') {
						*w++ = '"';
						r += 2;
						continue;
					}
					r++;
					break;
				}
				*w++ = *r++;
			}
			while (*r && *r != ',')
				r++;
		} else {
			while (*r && *r != ',')
				r++;
			w = r;
		}
		if (*r == ',') {
			*w = '\0';
			r++;
			continue;
		}
		*w = '\0';
		break;
	}
	return n;
}
