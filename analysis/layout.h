/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Text extents and label placement for the charts (analysis/layout.c).
 *
 * virtbench places every text of a chart that comes from the data (title,
 * axis labels, the labels under clusters and ticks, the note) itself, in
 * pixels, from the advance widths of DejaVu Sans (the font the chart
 * templates name): gnuplot only knows a fixed width per character and
 * lets long labels run into each other. Each label gets a box that its
 * ink stays inside (the chart test renders every label alone and checks
 * that), and the layout keeps the boxes apart: by wrapping, rotating,
 * shortening with an ellipsis, thinning numeric ticks, and as a last
 * resort by making the image wider.
 */
#ifndef VB_ANALYSIS_LAYOUT_H
#define VB_ANALYSIS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Pixels per point of gnuplot's pngcairo terminal (96 dpi). */
#define VB_PX_PER_PT (96.0 / 72.0)

/* Width in pixels of s set in DejaVu Sans at pt points (UTF-8; characters
 * outside ASCII are counted as the widest). */
double vb_text_width(const char *s, double pt);
/* Height of a line (ascent + descent): gnuplot centres it on the anchor. */
double vb_text_height(double pt);
/* s, shortened in the middle with "…" to at most w pixels, malloc'd. */
char *vb_text_fit(const char *s, double pt, double w);

enum vb_just { VB_LEFT, VB_CENTRE, VB_RIGHT };

/* One label. Coordinates in pixels from the image's bottom left. */
struct vb_label {
	char *text;
	double x, y;          /* the anchor */
	double pt;
	enum vb_just just;
	bool rotate;          /* by 90 degrees, reading upwards */
	double x0, y0, x1, y1; /* the box its ink stays inside */
};

/* A label at (x, y) and its box. text is copied. */
void vb_label_set(struct vb_label *l, const char *text, double x, double y,
		  double pt, enum vb_just just, bool rotate);
bool vb_label_overlap(const struct vb_label *a, const struct vb_label *b,
		      double gap);

/* The labels of one chart. */
struct vb_labels {
	struct vb_label *v;
	size_t n, cap;
};
struct vb_label *vb_labels_add(struct vb_labels *ls);
void vb_labels_free(struct vb_labels *ls);

/*
 * Break text at blanks into at most maxlines lines of at most w pixels
 * (the last one shortened with "…" if need be). Returns the number of
 * lines; lines[] get malloc'd strings.
 */
size_t vb_text_wrap(const char *text, double pt, double w, char **lines,
		    size_t maxlines);

#endif /* VB_ANALYSIS_LAYOUT_H */
