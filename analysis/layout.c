/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text extents and label boxes for the charts (see analysis/layout.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/layout.h"
#include "lib/util.h"

/* DejaVu Sans (Book) advance widths of ' '..'~' in font units of 2048 per
 * em, read from the font's hmtx table; ascent 1901, descent 483. */
static const short advance[95] = {
	 651,  821,  942, 1716, 1303, 1946, 1597,  563,  799,  799, 1024, 1716,
	 651,  739,  651,  690, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303,
	1303, 1303,  690,  690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430,
	1577, 1294, 1178, 1587, 1540,  604,  604, 1343, 1141, 1767, 1532, 1612,
	1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403,  799,
	 690,  799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260,  721, 1300,
	1298,  569,  569, 1186,  569, 1995, 1298, 1253, 1300, 1300,  842, 1067,
	 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303,  690, 1303, 1716,
};
#define UNITS_PER_EM 2048.0
#define WIDEST 2048
#define LINE_EM ((1901.0 + 483.0) / UNITS_PER_EM)
/* Room for antialiasing, hinting and a font that is not quite DejaVu. */
#define SLACK 1.04
#define PAD 2.0

double vb_text_width(const char *s, double pt)
{
	double units = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 32 && *p < 127)
			units += advance[*p - 32];
		else if ((*p & 0xc0) != 0x80)
			units += WIDEST; /* the first byte of a character */
	}
	return units / UNITS_PER_EM * pt * VB_PX_PER_PT * SLACK;
}

double vb_text_height(double pt)
{
	return LINE_EM * pt * VB_PX_PER_PT;
}

char *vb_text_fit(const char *s, double pt, double w)
{
	size_t len = strlen(s), head, tail;
	char *out = NULL;

	if (vb_text_width(s, pt) <= w)
		return vb_xstrdup(s);
	/* Keep as much of both ends as fits: a shared prefix (e.g. config
	 * names) shortened at the end would make labels equal. */
	for (size_t keep = len; keep > 0; keep--) {
		head = (keep + 1) / 2;
		tail = keep - head;
		while (head > 0 && ((unsigned char)s[head] & 0xc0) == 0x80)
			head--;
		while (tail > 0 && ((unsigned char)s[len - tail] & 0xc0) == 0x80)
			tail--;
		free(out);
		out = vb_xasprintf("%.*s\xe2\x80\xa6%s", (int)head, s, s + len - tail);
		if (vb_text_width(out, pt) <= w)
			return out;
	}
	free(out);
	return vb_xstrdup(vb_text_width("\xe2\x80\xa6", pt) <= w ? "\xe2\x80\xa6" : "");
}

size_t vb_text_wrap(const char *text, double pt, double w, char **lines,
		    size_t maxlines)
{
	struct vb_buf cur = VB_BUF_INIT;
	size_t n = 0;
	const char *p = text;

	while (*p && n < maxlines) {
		size_t wl;

		p += strspn(p, " ");
		if (!*p)
			break;
		wl = strcspn(p, " ");
		if (cur.len) {
			struct vb_buf t = VB_BUF_INIT;

			vb_buf_addf(&t, "%s %.*s", vb_buf_str(&cur), (int)wl, p);
			if (vb_text_width(vb_buf_str(&t), pt) <= w || n + 1 == maxlines) {
				vb_buf_free(&cur);
				cur = t;
				p += wl;
				continue;
			}
			vb_buf_free(&t);
			lines[n++] = vb_text_fit(vb_buf_str(&cur), pt, w);
			vb_buf_reset(&cur);
			continue;
		}
		vb_buf_addn(&cur, p, wl);
		p += wl;
	}
	if (cur.len && n < maxlines)
		lines[n++] = vb_text_fit(vb_buf_str(&cur), pt, w);
	vb_buf_free(&cur);
	return n;
}

void vb_label_set(struct vb_label *l, const char *text, double x, double y,
		  double pt, enum vb_just just, bool rotate)
{
	double w = vb_text_width(text, pt), h = vb_text_height(pt);
	double a = just == VB_LEFT ? 0 : just == VB_CENTRE ? -w / 2 : -w;

	l->text = vb_xstrdup(text);
	l->x = x;
	l->y = y;
	l->pt = pt;
	l->just = just;
	l->rotate = rotate;
	if (rotate) {
		/* Reading upwards: "along" runs up the y axis. */
		l->x0 = x - h / 2;
		l->x1 = x + h / 2;
		l->y0 = y + a;
		l->y1 = y + a + w;
	} else {
		l->x0 = x + a;
		l->x1 = x + a + w;
		l->y0 = y - h / 2;
		l->y1 = y + h / 2;
	}
	l->x0 -= PAD;
	l->y0 -= PAD;
	l->x1 += PAD;
	l->y1 += PAD;
}

bool vb_label_overlap(const struct vb_label *a, const struct vb_label *b,
		      double gap)
{
	return a->x0 < b->x1 + gap && b->x0 < a->x1 + gap &&
	       a->y0 < b->y1 + gap && b->y0 < a->y1 + gap;
}

struct vb_label *vb_labels_add(struct vb_labels *ls)
{
	VB_GROW(ls->v, ls->n + 1, ls->cap);
	memset(&ls->v[ls->n], 0, sizeof(ls->v[0]));
	return &ls->v[ls->n++];
}

void vb_labels_free(struct vb_labels *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i].text);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}
