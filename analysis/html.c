/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.html: report.md as one self-contained page, for people who would
 * rather look than read and for handing in. It is rendered from the text
 * of report.md itself, so both always say the same; this renderer knows
 * exactly the Markdown report.c writes: headings, paragraphs, pipe tables,
 * lists, images on a line of their own, **bold**, *emphasis*, `code` and
 * backslash escapes. Charts are embedded as data: URIs; no network, no
 * JavaScript; a print style sheet for paper. Everything from the results
 * directory is HTML-escaped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"

/* PNG charts are a few hundred KiB; refuse to embed anything huge. */
#define MAX_IMAGE ((size_t)64 << 20)

static const char style[] =
	"body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;line-height:1.45;"
	"color:#1b1b1b;background:#fff;margin:0}"
	"main{max-width:62rem;margin:0 auto;padding:1rem}"
	"h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.3rem;margin-top:2rem;"
	"border-bottom:1px solid #ccc;padding-bottom:.2rem}h3{font-size:1.05rem}"
	".scroll{overflow-x:auto;margin:0 0 1rem}"
	"table{border-collapse:collapse;font-size:.85rem}"
	"th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:left;vertical-align:top}"
	"th{background:#f2f2f2}tr:nth-child(even) td{background:#fafafa}"
	"code{font-family:'DejaVu Sans Mono',monospace;font-size:.9em;background:#f4f4f4;"
	"padding:0 .15em}"
	"img{max-width:100%;height:auto;display:block;margin:.5rem 0 1rem}"
	"li{margin:.25rem 0}"
	"@media (max-width:40rem){main{padding:.5rem}table{font-size:.75rem}}"
	"@media print{main{max-width:none;padding:0}.scroll{overflow:visible}"
	"h2,h3{break-after:avoid}img,tr,li{break-inside:avoid}"
	"img{max-height:45vh;width:auto}th{background:#eee}}";

void vb_base64(struct vb_buf *b, const unsigned char *d, size_t n)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)d[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		vb_buf_addc(b, t[v >> 18 & 63]);
		vb_buf_addc(b, t[v >> 12 & 63]);
		vb_buf_addc(b, i + 1 < n ? t[v >> 6 & 63] : '=');
		vb_buf_addc(b, i + 2 < n ? t[v & 63] : '=');
	}
}

static void esc(struct vb_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '&': vb_buf_add(b, "&amp;"); break;
		case '<': vb_buf_add(b, "&lt;"); break;
		case '>': vb_buf_add(b, "&gt;"); break;
		case '"': vb_buf_add(b, "&quot;"); break;
		default: vb_buf_addc(b, s[i]);
		}
}

/* Inline Markdown of s[0..n): escapes, code spans, bold and emphasis. */
static void inline_md(struct vb_buf *b, const char *s, size_t n)
{
	bool strong = false, em = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && strchr("\\`*_|[]()#-", s[i + 1])) {
			esc(b, s + i + 1, 1);
			i++;
		} else if (s[i] == '`') {
			const char *e = memchr(s + i + 1, '`', n - i - 1);

			if (!e) {
				esc(b, s + i, 1);
				continue;
			}
			vb_buf_add(b, "<code>");
			esc(b, s + i + 1, (size_t)(e - s - i - 1));
			vb_buf_add(b, "</code>");
			i = (size_t)(e - s);
		} else if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
			vb_buf_add(b, strong ? "</strong>" : "<strong>");
			strong = !strong;
			i++;
		} else if (s[i] == '*' && (em || (i + 1 < n && s[i + 1] != ' '))) {
			vb_buf_add(b, em ? "</em>" : "<em>");
			em = !em;
		} else {
			esc(b, s + i, 1);
		}
	}
	if (em)
		vb_buf_add(b, "</em>");
	if (strong)
		vb_buf_add(b, "</strong>");
}

/* The cells of "| a | b \| c |". */
static void table_row(struct vb_buf *b, const char *s, size_t n, bool head)
{
	size_t i = 0;

	vb_buf_add(b, "<tr>");
	while (i < n && s[i] == '|') {
		size_t j = i + 1, start;

		while (j < n && s[j] == ' ')
			j++;
		start = j;
		while (j < n && !(s[j] == '|' && s[j - 1] != '\\'))
			j++;
		if (j >= n)
			break;
		{
			size_t end = j;

			while (end > start && s[end - 1] == ' ')
				end--;
			vb_buf_add(b, head ? "<th>" : "<td>");
			inline_md(b, s + start, end - start);
			vb_buf_add(b, head ? "</th>" : "</td>");
		}
		i = j;
	}
	vb_buf_add(b, "</tr>\n");
}

/* ![alt](plots/NAME.png): the image itself, or its alt text if it cannot
 * be read. Only files under plots/ with a plain name are embedded. */
static void image(struct vb_buf *b, const char *dir, const char *s, size_t n)
{
	const char *mid = memchr(s, ']', n);
	char *src, *path, *data;
	size_t len;

	if (!mid || mid + 1 >= s + n || mid[1] != '(' || s[n - 1] != ')')
		return;
	src = vb_xstrndup(mid + 2, (size_t)(s + n - 1 - mid - 2));
	vb_buf_add(b, "<figure>");
	if (!strncmp(src, "plots/", 6) && !strstr(src, "..") && !strchr(src + 6, '/')) {
		path = vb_path_join(dir, src);
		if (vb_read_file(path, MAX_IMAGE, &data, &len) == 0) {
			vb_buf_add(b, "<img alt=\"");
			esc(b, s + 2, (size_t)(mid - s - 2));
			vb_buf_add(b, "\" src=\"data:image/png;base64,");
			vb_base64(b, (const unsigned char *)data, len);
			vb_buf_add(b, "\">");
			free(data);
		} else {
			esc(b, s + 2, (size_t)(mid - s - 2));
		}
		free(path);
	}
	vb_buf_add(b, "</figure>\n");
	free(src);
}

enum block { B_NONE, B_PARA, B_LIST, B_TABLE };

static void close_block(struct vb_buf *b, enum block *k)
{
	static const char *const end[] = { "", "</p>\n", "</li></ul>\n",
					   "</tbody></table></div>\n" };

	vb_buf_add(b, end[*k]);
	*k = B_NONE;
}

int vb_report_html(const char *dir, const char *md, size_t len,
		   struct vb_diag *msgs)
{
	struct vb_buf b = VB_BUF_INIT;
	enum block k = B_NONE;
	const char *p = md, *end = md + len, *title = "virtbench report";
	size_t title_len = strlen(title);
	char *path;
	int rc;

	if (len > 2 && !strncmp(md, "# ", 2)) {
		title = md + 2;
		title_len = strcspn(title, "\n");
	}
	vb_buf_add(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>");
	inline_md(&b, title, title_len);
	vb_buf_addf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", style);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n == 0) {
			close_block(&b, &k);
		} else if (p[0] == '#') {
			size_t lvl = strspn(p, "#");

			close_block(&b, &k);
			if (lvl > 6)
				lvl = 6;
			vb_buf_addf(&b, "<h%zu>", lvl);
			inline_md(&b, p + lvl + 1 <= p + n ? p + lvl + 1 : p + n,
				  n > lvl ? n - lvl - 1 : 0);
			vb_buf_addf(&b, "</h%zu>\n", lvl);
		} else if (p[0] == '|') {
			const char *next = nl ? nl + 1 : end;
			bool head = k != B_TABLE && next + 5 < end && !strncmp(next, "| ---", 5);

			if (k != B_TABLE) {
				close_block(&b, &k);
				vb_buf_add(&b, "<div class=\"scroll\"><table>");
				vb_buf_add(&b, head ? "<thead>" : "<tbody>");
				k = B_TABLE;
			}
			if (!strncmp(p, "| ---", 5)) {
				vb_buf_add(&b, "</thead><tbody>");
			} else {
				table_row(&b, p, n, head);
			}
		} else if (n > 2 && !strncmp(p, "- ", 2)) {
			if (k == B_LIST) {
				vb_buf_add(&b, "</li><li>");
			} else {
				close_block(&b, &k);
				vb_buf_add(&b, "<ul><li>");
				k = B_LIST;
			}
			inline_md(&b, p + 2, n - 2);
		} else if (n > 4 && !strncmp(p, "![", 2) && p[n - 1] == ')') {
			close_block(&b, &k);
			image(&b, dir, p, n);
		} else {
			if (k == B_PARA || k == B_LIST) {
				vb_buf_addc(&b, '\n');
			} else {
				close_block(&b, &k);
				vb_buf_add(&b, "<p>");
				k = B_PARA;
			}
			inline_md(&b, p, n);
		}
		p += n + (nl != NULL);
	}
	close_block(&b, &k);
	vb_buf_add(&b, "</main>\n</body>\n</html>\n");
	path = vb_path_join(dir, "report.html");
	rc = vb_write_file_atomic(path, b.s, b.len);
	if (rc < 0)
		vb_diag_add(msgs, path, 0, "cannot write: %s", strerror(-rc));
	free(path);
	vb_buf_free(&b);
	return rc;
}
