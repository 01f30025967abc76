/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Experiment files as text, before libconfig (engine/exptext.h).
 *
 * The scanner skips comments and strings the way libconfig 1.5's does,
 * follows @include as it will (names relative to the experiment's
 * directory, at most 10 deep), and looks at every literal:
 *
 *  - libconfig silently truncates an integer beyond 32 bits that lacks
 *    the L suffix (10000000000 reads as 1410065408), and clamps or wraps
 *    one beyond 64 bits; the parsed tree cannot tell, so it is caught
 *    here, and refused before parsing so that no later message quotes
 *    the number libconfig made of it;
 *  - libconfig reads a file through flex, which rescans a long token from
 *    its start at every buffer refill: quadratic (a 1.6 MB string takes
 *    2.6 s, 50 MB hours). Files and strings are bounded, and the file
 *    itself is handed to libconfig as a string, which it scans linearly;
 *  - a control character in a string (other than newline and tab) has no
 *    business in a name or a value, and the journal's keys rely on names
 *    and values holding none.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exptext.h"

struct scan {
	struct vb_exptext *t;
	struct vb_diag *d;
	const char *file;     /* name for messages */
	const char *s;
	size_t len, i;
	int line;
	int depth;
};

static int scan_text(struct vb_exptext *t, struct vb_diag *d,
		     const char *file, const char *text, size_t len, int depth);

/* What a file that cannot be read is, for the message. */
static const char *read_problem(int rc, char *buf, size_t n)
{
	switch (rc) {
	case -EISDIR:
		return "is a directory, not an experiment file";
	case -EINVAL:
		return "is not a regular file (a FIFO, a device or a socket); "
		       "give the path of an experiment file";
	case -EFBIG:
		snprintf(buf, n, "is bigger than %d bytes, the most an "
			 "experiment file may have", VB_EXPERIMENT_MAX_BYTES);
		return buf;
	default:
		snprintf(buf, n, "cannot read the experiment file: %s; check the path",
			 strerror(-rc));
		return buf;
	}
}

/* ------------------------------------------------------------------ */
/* Literals                                                             */
/* ------------------------------------------------------------------ */

static bool at(const struct scan *sc, size_t k, char c)
{
	return sc->i + k < sc->len && sc->s[sc->i + k] == c;
}

static void skip_comment(struct scan *sc)
{
	if (sc->s[sc->i] == '#' || at(sc, 1, '/')) {
		while (sc->i < sc->len && sc->s[sc->i] != '\n')
			sc->i++;
		return;
	}
	for (sc->i += 2; sc->i < sc->len && !(sc->s[sc->i] == '*' && at(sc, 1, '/'));
	     sc->i++)
		if (sc->s[sc->i] == '\n')
			sc->line++;
	sc->i += 2;
}

/* A control character a string must not hold, from its escape. */
static int escape_value(const struct scan *sc, size_t k)
{
	char c = sc->s[k];

	if (c == 'f' || c == 'r')
		return c == 'f' ? '\f' : '\r';
	if (c == 'x' && k + 2 < sc->len && isxdigit((unsigned char)sc->s[k + 1]) &&
	    isxdigit((unsigned char)sc->s[k + 2])) {
		char hex[3] = { sc->s[k + 1], sc->s[k + 2], '\0' };

		return (int)strtol(hex, NULL, 16);
	}
	return 'x';
}

static bool is_control(int c)
{
	return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
}

static void scan_string(struct scan *sc)
{
	int first = sc->line;
	size_t start = ++sc->i;
	bool reported = false;

	for (; sc->i < sc->len && sc->s[sc->i] != '"'; sc->i++) {
		int c = (unsigned char)sc->s[sc->i];

		if (c == '\\' && sc->i + 1 < sc->len)
			c = escape_value(sc, ++sc->i);
		else if (c == '\n')
			sc->line++;
		if (is_control(c) && !reported) {
			vb_diag_add(sc->d, sc->file, sc->line,
				    "control character \\x%02x in a string: names "
				    "and values may hold newlines and tabs, no "
				    "other control characters; remove it", c);
			reported = true;
		}
	}
	if (sc->i - start > VB_EXPERIMENT_MAX_STRING)
		vb_diag_add(sc->d, sc->file, first,
			    "a string of %zu bytes; a value may have at most %d",
			    sc->i - start, VB_EXPERIMENT_MAX_STRING);
	sc->i++;
}

/* An integer literal: does libconfig keep what it says? */
static void check_integer(struct scan *sc, size_t start, bool hex, bool wide)
{
	bool neg = start > 0 && sc->s[start - 1] == '-';
	char lit[64];
	size_t n = sc->i - start < sizeof(lit) - 1 ? sc->i - start : sizeof(lit) - 1;
	unsigned long long v, max;

	memcpy(lit, sc->s + start, n);
	lit[n] = '\0';
	errno = 0;
	v = strtoull(lit, NULL, 0);
	if (wide) {
		if (errno || v > (neg ? 9223372036854775808ULL : 9223372036854775807ULL))
			vb_diag_add(sc->d, sc->file, sc->line,
				    "integer %s%sL does not fit in 64 bits (%s9223372036854775%s); "
				    "write a smaller number, or a string with a unit such as \"10T\"",
				    neg ? "-" : "", n < sc->i - start ? "..." : lit,
				    neg ? "-" : "", neg ? "808" : "807");
		return;
	}
	max = neg ? 2147483648ULL : hex ? 4294967295ULL : 2147483647ULL;
	if (errno || v > max)
		vb_diag_add(sc->d, sc->file, sc->line,
			    "integer %s%s does not fit in 32 bits and libconfig would silently truncate it; write %s%sL, or a string with a unit such as \"10G\"",
			    neg ? "-" : "", lit, neg ? "-" : "", lit);
}

static void scan_number(struct scan *sc)
{
	size_t start = sc->i;
	bool hex = sc->s[sc->i] == '0' && (at(sc, 1, 'x') || at(sc, 1, 'X'));

	sc->i += hex ? 2 : 0;
	while (sc->i < sc->len && (hex ? isxdigit((unsigned char)sc->s[sc->i])
				       : isdigit((unsigned char)sc->s[sc->i])))
		sc->i++;
	if (!hex && sc->i < sc->len && strchr(".eE", sc->s[sc->i])) {
		/* a float: skip the rest of it */
		while (sc->i < sc->len && (isalnum((unsigned char)sc->s[sc->i]) ||
					   strchr(".+-", sc->s[sc->i])))
			sc->i++;
		return;
	}
	check_integer(sc, start, hex, sc->i < sc->len && sc->s[sc->i] == 'L');
}

/* ------------------------------------------------------------------ */
/* @include                                                             */
/* ------------------------------------------------------------------ */

/* The path an include name resolves to, as libconfig opens it. */
static char *include_path(const struct vb_exptext *t, const char *name)
{
	char *joined = name[0] == '/' || !t->incdir[0]
			       ? vb_xstrdup(name)
			       : vb_path_join(t->incdir, name);
	char *real = realpath(joined, NULL);

	if (!real)
		return joined;
	free(joined);
	return real;
}

/* Check and scan the included file `name` (written at sc's line). */
static void scan_include(struct scan *sc, const char *name)
{
	struct vb_exptext *t = sc->t;
	char *path = include_path(t, name), *text = NULL, buf[128];
	size_t len = 0;
	int rc;

	if (vb_strv_find(&t->inc_written, name) < 0) {
		vb_strv_add(&t->inc_written, name);
		vb_strv_add(&t->inc_path, path);
	}
	/* Refused here, libconfig would block on a FIFO or fail on a
	 * directory with "input in flex scanner failed" and no line. */
	rc = vb_read_file(path, VB_EXPERIMENT_MAX_BYTES, &text, &len);
	if (rc < 0)
		vb_diag_add(sc->d, sc->file, sc->line, "@include \"%s\" (%s): %s",
			    name, path, read_problem(rc, buf, sizeof(buf)));
	else if (sc->depth + 1 < VB_EXPERIMENT_MAX_DEPTH)
		scan_text(t, sc->d, path, text, len, sc->depth + 1);
	free(text);
	free(path);
}

static void scan_directive(struct scan *sc)
{
	size_t q = sc->i + 8, e;

	sc->i += 8;
	while (q < sc->len && (sc->s[q] == ' ' || sc->s[q] == '\t'))
		q++;
	if (q >= sc->len || sc->s[q] != '"')
		return; /* libconfig reports the syntax */
	for (e = q + 1; e < sc->len && sc->s[e] != '"' && sc->s[e] != '\n'; e++)
		;
	if (e < sc->len && sc->s[e] == '"') {
		char *name = vb_xstrndup(sc->s + q + 1, e - q - 1);

		scan_include(sc, name);
		free(name);
		sc->i = e + 1;
	}
}

/* ------------------------------------------------------------------ */
/* The scan                                                             */
/* ------------------------------------------------------------------ */

static void scan_token(struct scan *sc)
{
	char c = sc->s[sc->i];

	if (c == '\n') {
		sc->line++;
		sc->i++;
	} else if (c == '#' || (c == '/' && (at(sc, 1, '/') || at(sc, 1, '*')))) {
		skip_comment(sc);
	} else if (c == '@' && !strncmp(sc->s + sc->i, "@include", 8)) {
		scan_directive(sc);
	} else if (c == '"') {
		scan_string(sc);
	} else if (isalpha((unsigned char)c) || c == '_' || c == '*') {
		while (sc->i < sc->len && (isalnum((unsigned char)sc->s[sc->i]) ||
					   strchr("_-*", sc->s[sc->i])))
			sc->i++;
	} else if (isdigit((unsigned char)c)) {
		scan_number(sc);
	} else {
		sc->i++;
	}
}

static int scan_text(struct vb_exptext *t, struct vb_diag *d,
		     const char *file, const char *text, size_t len, int depth)
{
	struct scan sc = { .t = t, .d = d, .file = file, .s = text,
			   .len = len, .line = 1, .depth = depth };
	const char *nul = memchr(text, '\0', len);
	size_t before = d->count;

	if (nul) {
		for (const char *p = text; p < nul; p++)
			sc.line += *p == '\n';
		vb_diag_add(d, file, sc.line, "a NUL byte: an experiment file is text");
		return -EINVAL;
	}
	while (sc.i < sc.len)
		scan_token(&sc);
	return d->count > before ? -EINVAL : 0;
}

int vb_exptext_load(const char *path, struct vb_exptext *t, struct vb_diag *d)
{
	const char *slash = strrchr(path, '/');
	char buf[128];
	size_t before = d->count;
	int rc;

	memset(t, 0, sizeof(*t));
	/* @include "common.cfg" is relative to the experiment file, not to
	 * wherever virtbench was started. */
	if (slash)
		snprintf(t->incdir, sizeof(t->incdir), "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	rc = vb_read_file(path, VB_EXPERIMENT_MAX_BYTES, &t->text, &t->len);
	if (rc < 0) {
		vb_diag_add(d, path, 0, "%s", read_problem(rc, buf, sizeof(buf)));
		return -EINVAL;
	}
	scan_text(t, d, path, t->text, t->len, 0);
	return d->count > before ? -EINVAL : 0;
}

const char *vb_exptext_path(const struct vb_exptext *t, const char *written)
{
	ssize_t k = vb_strv_find(&t->inc_written, written);

	return k >= 0 ? t->inc_path.v[k] : written;
}

void vb_exptext_free(struct vb_exptext *t)
{
	free(t->text);
	t->text = NULL;
	vb_strv_free(&t->inc_written);
	vb_strv_free(&t->inc_path);
}
