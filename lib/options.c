/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Units and option tables. One parser serves the experiment file (engine
 * side) and the agent's key=value arguments (guest side), so a value means
 * the same thing on both sides of the wire. The canonical text written by
 * vb_opt_to_text() is what crosses it; vb_opts_from_kv() must rebuild the
 * identical block from it, which is why doubles are printed with enough
 * digits to round-trip and list elements escape ',' and '\'.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/options.h"
#include "lib/util.h"

#define FIELD(block, o) ((char *)(block) + (o)->offset)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	VB_PRINTF(3, 4);

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Scan an unsigned decimal number "12", "1.5", ".5", "2." at s. strtod
 * alone would also take "inf", "nan", hex and exponents, none of which
 * belongs in a size or a duration. Returns the length, 0 if none.
 */
static size_t scan_decimal(const char *s, bool *has_point)
{
	size_t i = 0, digits = 0;

	*has_point = false;
	while (isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (s[i] == '.') {
		*has_point = true;
		i++;
		while (isdigit((unsigned char)s[i])) {
			i++;
			digits++;
		}
	}
	return digits ? i : 0;
}

static int unit_shift(const char *u, int *shift)
{
	static const char units[] = "KMGT";
	const char *p;

	if (*u == '\0' || !strcmp(u, "B") || !strcmp(u, "b")) {
		*shift = 0;
		return 0;
	}
	p = strchr(units, toupper((unsigned char)u[0]));
	if (!p || u[0] == '\0')
		return -EINVAL;
	/* "2G", "2GB", "2GiB" (and lower case, fio-style "4k") */
	if (u[1] != '\0' && strcmp(u + 1, "B") && strcmp(u + 1, "iB") &&
	    strcmp(u + 1, "b") && strcmp(u + 1, "ib"))
		return -EINVAL;
	*shift = 10 * (int)(p - units + 1);
	return 0;
}

int vb_parse_size(const char *s, int64_t *out)
{
	bool point;
	size_t len;
	int shift;
	char *end;
	uint64_t ip;

	if (!s)
		return -EINVAL;
	len = scan_decimal(s, &point);
	if (!len || unit_shift(s + len, &shift))
		return -EINVAL;
	errno = 0;
	ip = s[0] == '.' ? 0 : strtoull(s, &end, 10);
	if (errno == ERANGE || ip > (uint64_t)INT64_MAX >> shift)
		return -ERANGE;
	ip <<= shift;
	if (point) {
		/* The fraction alone goes through floating point, so "1.5G"
		 * is exact and a whole part of 2^62 keeps every digit. */
		long double frac = strtold(strchr(s, '.'), NULL);
		uint64_t extra = (uint64_t)floorl(frac * (long double)(1ULL << shift));

		if (ip + extra > (uint64_t)INT64_MAX)
			return -ERANGE;
		ip += extra;
	}
	*out = (int64_t)ip;
	return 0;
}

int vb_parse_duration(const char *s, double *out)
{
	static const struct {
		const char *suffix;
		double factor;
	} units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "m", 60 },
		{ "h", 3600 }, { "min", 60 }, { "sec", 1 },
	};
	bool point;
	size_t len, i;
	double v;

	if (!s)
		return -EINVAL;
	len = scan_decimal(s, &point);
	if (!len)
		return -EINVAL;
	v = strtod(s, NULL);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(s + len, units[i].suffix)) {
			v *= units[i].factor;
			if (!isfinite(v))
				return -ERANGE;
			*out = v;
			return 0;
		}
	}
	return -EINVAL;
}

int vb_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

void vb_format_size(int64_t bytes, char *buf, size_t n)
{
	static const char units[] = "TGMK";
	uint64_t mag;
	int i;

	if (!buf || !n)
		return;
	mag = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
	for (i = 0; mag && i < 4; i++) {
		int shift = 10 * (4 - i);

		if (mag % (1ULL << shift) == 0) {
			snprintf(buf, n, "%s%" PRIu64 "%c", bytes < 0 ? "-" : "",
				 mag >> shift, units[i]);
			return;
		}
	}
	snprintf(buf, n, "%" PRId64, bytes);
}

/*
 * Shortest plain decimal that reads back as the same double: "%g" picks
 * the digits, but its exponent form ("3.6e+03") is not something the
 * duration and size parsers accept, so fall back to "%f" widths then.
 */
static void format_double(double v, char *buf, size_t n)
{
	int prec;

	if (!isfinite(v)) {
		snprintf(buf, n, "%g", v);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strchr(buf, 'e'))
		return;
	for (prec = 0; prec <= 340; prec++) {
		snprintf(buf, n, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Durations for humans (ranges in messages): "250ms", "2m", "1h". */
static void format_duration(double s, char *buf, size_t n)
{
	char num[40];

	if (s != 0 && fmod(s, 3600) == 0) {
		format_double(s / 3600, num, sizeof(num));
		snprintf(buf, n, "%sh", num);
	} else if (s != 0 && fmod(s, 60) == 0) {
		format_double(s / 60, num, sizeof(num));
		snprintf(buf, n, "%sm", num);
	} else if (s != 0 && fabs(s) < 1) {
		format_double(s * 1000, num, sizeof(num));
		snprintf(buf, n, "%sms", num);
	} else {
		format_double(s, num, sizeof(num));
		snprintf(buf, n, "%ss", num);
	}
}

const struct vb_option *vb_option_find(const struct vb_option *tab,
				       const char *name)
{
	if (!tab || !name)
		return NULL;
	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab;
	return NULL;
}

/* Optimal string alignment distance: a swap of two neighbours counts
 * once, the commonest typo in a key ("max_pirme"). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, r;
	size_t *d;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	d = calloc((la + 1) * (lb + 1), sizeof(*d));
	if (!d)
		return SIZE_MAX;
#define D(x, y) d[(x) * (lb + 1) + (y)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = D(i - 1, j) + 1;

			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < best)
				best = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *vb_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = 3, i;

	if (!word || !candidates)
		return NULL;
	for (i = 0; candidates[i]; i++) {
		size_t dist = edit_distance(word, candidates[i]);

		/* A two-letter word is two edits from any other two-letter
		 * word: only suggest when something of the word survives. */
		if (dist < best_d && dist < strlen(word) &&
		    dist < strlen(candidates[i])) {
			best = candidates[i];
			best_d = dist;
		}
	}
	return best;
}

static int list_append(char ***listp, const char *s)
{
	char **list = *listp, **grown;
	size_t n = 0;
	char *dup;

	while (list && list[n])
		n++;
	dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	grown = realloc(list, (n + 2) * sizeof(*grown));
	if (!grown) {
		free(dup);
		return -ENOMEM;
	}
	grown[n] = dup;
	grown[n + 1] = NULL;
	*listp = grown;
	return 0;
}

static int list_make_empty(char ***listp)
{
	if (*listp)
		return 0;
	*listp = calloc(1, sizeof(**listp));
	return *listp ? 0 : -ENOMEM;
}

static void list_free(char ***listp)
{
	size_t i;

	for (i = 0; *listp && (*listp)[i]; i++)
		free((*listp)[i]);
	free(*listp);
	*listp = NULL;
}

/*
 * Replace the list with the elements of a joined text (as vb_opt_to_text
 * writes it): split on ',' not preceded by '\', unescape "\," and "\\".
 * "" is the empty list.
 */
static int list_set_joined(const struct vb_option *o, void *block,
			   const char *text, char *err, size_t errlen)
{
	char ***listp = (char ***)FIELD(block, o);
	char *elem, *w;
	const char *p;
	int rc = 0;

	list_free(listp);
	rc = list_make_empty(listp);
	if (rc || !*text)
		return rc;
	elem = malloc(strlen(text) + 1);
	if (!elem)
		return -ENOMEM;
	w = elem;
	for (p = text;; p++) {
		if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) {
			*w++ = *++p;
			continue;
		}
		if (*p == ',' || *p == '\0') {
			*w = '\0';
			rc = vb_opt_set_text(o, block, elem, err, errlen);
			if (rc || *p == '\0')
				break;
			w = elem;
			continue;
		}
		*w++ = *p;
	}
	free(elem);
	return rc;
}

/* A range edge as an int64_t: a table may write INT64_MAX as a double,
 * which rounds up to 2^63, one past what converts. */
static int64_t edge_i64(double v)
{
	if (v != v)
		return 0;
	if (v >= 9223372036854775808.0)
		return INT64_MAX;
	if (v < -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

static void describe_range(const struct vb_option *o, char *buf, size_t n)
{
	char lo[64], hi[64];

	switch (o->type) {
	case VB_OPT_SIZE:
		vb_format_size(edge_i64(o->min), lo, sizeof(lo));
		vb_format_size(edge_i64(o->max), hi, sizeof(hi));
		break;
	case VB_OPT_DURATION:
		format_duration(o->min, lo, sizeof(lo));
		format_duration(o->max, hi, sizeof(hi));
		break;
	case VB_OPT_INT:
		snprintf(lo, sizeof(lo), "%" PRId64, edge_i64(o->min));
		snprintf(hi, sizeof(hi), "%" PRId64, edge_i64(o->max));
		break;
	default:
		format_double(o->min, lo, sizeof(lo));
		format_double(o->max, hi, sizeof(hi));
		break;
	}
	snprintf(buf, n, "%s..%s", lo, hi);
}

static int check_range(const struct vb_option *o, double v, const char *text,
		       char *err, size_t errlen)
{
	char range[140];

	if (!(o->max > o->min) || (v >= o->min && v <= o->max))
		return 0;
	describe_range(o, range, sizeof(range));
	seterr(err, errlen, "out of range: expected %s, got '%s'", range, text);
	return -ERANGE;
}

static void join_choices(const struct vb_option *o, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; o->choices && o->choices[i] && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s'%s'",
					 i ? ", " : "", o->choices[i]);
}

int vb_opt_set_text(const struct vb_option *o, void *block, const char *text,
		    char *err, size_t errlen)
{
	char *field = FIELD(block, o), *end;
	int rc;

	if (!text)
		text = "";
	switch (o->type) {
	case VB_OPT_INT: {
		long long v;

		errno = 0;
		v = strtoll(text, &end, 10);
		if (!*text || *end || isspace((unsigned char)*text)) {
			seterr(err, errlen,
			       "expected an integer, got '%s'", text);
			return -EINVAL;
		}
		if (errno == ERANGE) {
			seterr(err, errlen,
			       "out of range: '%s' does not fit in 64 bits",
			       text);
			return -ERANGE;
		}
		rc = check_range(o, (double)v, text, err, errlen);
		if (rc)
			return rc;
		*(int64_t *)(void *)field = v;
		return 0;
	}
	case VB_OPT_SIZE: {
		int64_t v;

		rc = vb_parse_size(text, &v);
		if (rc == -ERANGE) {
			seterr(err, errlen,
			       "out of range: size '%s' does not fit in 64 bits",
			       text);
			return rc;
		}
		if (rc) {
			seterr(err, errlen,
			       "bad size: expected a number with an optional unit K, M, G or T (powers of 1024), e.g. 512, 16K, 2G, 1.5G, got '%s'",
			       text);
			return -EINVAL;
		}
		rc = check_range(o, (double)v, text, err, errlen);
		if (rc)
			return rc;
		*(int64_t *)(void *)field = v;
		return 0;
	}
	case VB_OPT_DURATION: {
		double v;

		rc = vb_parse_duration(text, &v);
		if (rc) {
			seterr(err, errlen,
			       "bad duration: expected a number with an optional unit ms, s, m or h (plain number = seconds), e.g. 250ms, 30s, 2m, got '%s'",
			       text);
			return -EINVAL;
		}
		rc = check_range(o, v, text, err, errlen);
		if (rc)
			return rc;
		*(double *)(void *)field = v;
		return 0;
	}
	case VB_OPT_BOOL: {
		bool v;

		if (vb_parse_bool(text, &v)) {
			seterr(err, errlen,
			       "expected a boolean (true/false, yes/no, on/off, 1/0), got '%s'",
			       text);
			return -EINVAL;
		}
		*(bool *)(void *)field = v;
		return 0;
	}
	case VB_OPT_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(text, &end);
		if (!*text || *end || isspace((unsigned char)*text) ||
		    !isfinite(v)) {
			seterr(err, errlen, "expected a number, got '%s'",
			       text);
			return -EINVAL;
		}
		rc = check_range(o, v, text, err, errlen);
		if (rc)
			return rc;
		*(double *)(void *)field = v;
		return 0;
	}
	case VB_OPT_ENUM: {
		char choices[512];
		const char *near;
		int i;

		for (i = 0; o->choices && o->choices[i]; i++) {
			if (!strcmp(o->choices[i], text)) {
				*(int *)(void *)field = i;
				return 0;
			}
		}
		join_choices(o, choices, sizeof(choices));
		near = vb_suggest(text, o->choices);
		seterr(err, errlen,
		       "bad value: expected one of %s, got '%s'%s%s%s", choices,
		       text, near ? "; did you mean '" : "", near ? near : "",
		       near ? "'?" : "");
		return -EINVAL;
	}
	case VB_OPT_STRING: {
		char **sp = (char **)(void *)field;
		char *dup = strdup(text);

		if (!dup)
			return -ENOMEM;
		free(*sp);
		*sp = dup;
		return 0;
	}
	case VB_OPT_LIST:
		if (!*text) {
			/* "" cannot travel in a joined list: it would read
			 * back as no element at all. */
			seterr(err, errlen,
			       "empty list element: remove it or give it a value");
			return -EINVAL;
		}
		rc = list_append((char ***)(void *)field, text);
		if (rc)
			seterr(err, errlen, "out of memory");
		return rc;
	}
	seterr(err, errlen, "option '%s' has unknown type %d", o->name,
	       (int)o->type);
	return -EINVAL;
}

int vb_opts_defaults(const struct vb_option *tab, void *block, char *err,
		     size_t errlen)
{
	char why[512];
	int rc;

	for (; tab && tab->name; tab++) {
		rc = 0;
		if (tab->type == VB_OPT_LIST)
			rc = list_set_joined(tab, block,
					     tab->def ? tab->def : "", why,
					     sizeof(why));
		else if (tab->def)
			rc = vb_opt_set_text(tab, block, tab->def, why,
					     sizeof(why));
		else if (tab->type == VB_OPT_STRING)
			/* Plugins may rely on strings never being NULL. */
			rc = vb_opt_set_text(tab, block, "", why, sizeof(why));
		if (rc) {
			seterr(err, errlen, "%s: bad default '%s': %s",
			       tab->name, tab->def ? tab->def : "", why);
			return rc;
		}
	}
	return 0;
}

void vb_opts_free(const struct vb_option *tab, void *block)
{
	if (!block)
		return;
	for (; tab && tab->name; tab++) {
		char *field = FIELD(block, tab);

		if (tab->type == VB_OPT_STRING) {
			free(*(char **)(void *)field);
			*(char **)(void *)field = NULL;
		} else if (tab->type == VB_OPT_LIST) {
			list_free((char ***)(void *)field);
		}
	}
}

char *vb_opt_to_text(const struct vb_option *o, const void *block)
{
	const char *field = (const char *)block + o->offset;
	char buf[512], *out;

	switch (o->type) {
	case VB_OPT_INT:
	case VB_OPT_SIZE:
		snprintf(buf, sizeof(buf), "%" PRId64,
			 *(const int64_t *)(const void *)field);
		return strdup(buf);
	case VB_OPT_DURATION:
	case VB_OPT_DOUBLE:
		format_double(*(const double *)(const void *)field, buf,
			      sizeof(buf));
		return strdup(buf);
	case VB_OPT_BOOL:
		return strdup(*(const bool *)(const void *)field ? "true"
								   : "false");
	case VB_OPT_ENUM: {
		int i = *(const int *)(const void *)field, n = 0;

		while (o->choices && o->choices[n])
			n++;
		if (i >= 0 && i < n)
			return strdup(o->choices[i]);
		snprintf(buf, sizeof(buf), "%d", i);
		return strdup(buf);
	}
	case VB_OPT_STRING: {
		const char *s = *(char *const *)(const void *)field;

		return strdup(s ? s : "");
	}
	case VB_OPT_LIST: {
		char *const *list = *(char *const *const *)(const void *)field;
		size_t len = 1, i;
		char *w;

		for (i = 0; list && list[i]; i++)
			len += 2 * strlen(list[i]) + 1;
		out = malloc(len);
		if (!out)
			return NULL;
		w = out;
		for (i = 0; list && list[i]; i++) {
			const char *p;

			if (i)
				*w++ = ',';
			for (p = list[i]; *p; p++) {
				if (*p == ',' || *p == '\\')
					*w++ = '\\';
				*w++ = *p;
			}
		}
		*w = '\0';
		return out;
	}
	}
	return NULL;
}

int vb_opts_from_kv(const struct vb_plugin_info *info, const char *const *kv,
		    size_t nkv, void **block, char *err, size_t errlen)
{
	const struct vb_option *tab = info->options;
	unsigned char *seen_list = NULL;
	size_t i, nopts = 0;
	char why[512];
	void *b;
	int rc;

	*block = NULL;
	while (tab && tab[nopts].name)
		nopts++;
	b = calloc(1, info->options_size ? info->options_size : 1);
	seen_list = calloc(nopts + 1, 1);
	if (!b || !seen_list) {
		free(b);
		free(seen_list);
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = vb_opts_defaults(tab, b, err, errlen);
	for (i = 0; !rc && i < nkv; i++) {
		const char *eq = kv[i] ? strchr(kv[i], '=') : NULL;
		const struct vb_option *o;
		char key[128];
		size_t klen;

		if (!eq || eq == kv[i] ||
		    (klen = (size_t)(eq - kv[i])) >= sizeof(key)) {
			seterr(err, errlen,
			       "expected key=value, got '%s'",
			       kv[i] ? kv[i] : "(null)");
			rc = -EINVAL;
			break;
		}
		memcpy(key, kv[i], klen);
		key[klen] = '\0';
		o = vb_option_find(tab, key);
		if (!o) {
			const char **names = calloc(nopts + 1, sizeof(*names));
			const char *near;
			size_t j;

			for (j = 0; names && j < nopts; j++)
				names[j] = tab[j].name;
			near = names ? vb_suggest(key, names) : NULL;
			seterr(err, errlen,
			       "%s: unknown option of '%s'%s%s%s", key,
			       info->name, near ? "; did you mean '" : "",
			       near ? near : "", near ? "'?" : "");
			free(names);
			rc = -EINVAL;
			break;
		}
		if (o->type == VB_OPT_LIST) {
			/* The first assignment replaces the default list;
			 * repeated keys append to it. */
			size_t idx = (size_t)(o - tab);

			if (!seen_list[idx]) {
				seen_list[idx] = 1;
				rc = list_set_joined(o, b, eq + 1, why,
						     sizeof(why));
			} else if (eq[1]) {
				char ***lp = (char ***)(void *)FIELD(b, o);
				char **saved = *lp;

				/* Append: split into a scratch list first. */
				*lp = NULL;
				rc = list_set_joined(o, b, eq + 1, why,
						     sizeof(why));
				if (!rc) {
					char **add = *lp;
					size_t k;

					*lp = saved;
					for (k = 0; !rc && add[k]; k++)
						rc = list_append(lp, add[k]);
					list_free(&add);
				} else {
					list_free(lp);
					*lp = saved;
				}
			}
		} else {
			rc = vb_opt_set_text(o, b, eq + 1, why, sizeof(why));
		}
		if (rc)
			seterr(err, errlen, "%s: %s", key, why);
	}
	free(seen_list);
	if (rc) {
		vb_opts_free(tab, b);
		free(b);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	*block = b;
	return 0;
}
