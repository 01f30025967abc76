/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parsing of the agent's protocol lines (docs/agent-protocol.md). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/protocol.h"

static const struct {
	const char *word;
	enum vb_line_kind kind;
} kinds[] = {
	{ "metric", VB_LINE_METRIC }, { "fact", VB_LINE_FACT },
	{ "probe", VB_LINE_PROBE },   { "error", VB_LINE_ERROR },
	{ "done", VB_LINE_DONE },     { "usage", VB_LINE_USAGE },
};

static size_t copy_word(const char **p, char *out, size_t n)
{
	size_t len = strcspn(*p, " ");

	if (len >= n)
		len = n - 1;
	memcpy(out, *p, len);
	out[len] = '\0';
	*p += strcspn(*p, " ");
	if (**p == ' ')
		(*p)++;
	return len;
}

/* An exit status or an errno, which the engine keeps in an int: a decimal
 * integer in range, ended by a space or the end of the line. */
static bool int_field(const char **p, double *num)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p || errno == ERANGE || v < INT_MIN || v > INT_MAX ||
	    (*end && !isspace((unsigned char)*end)))
		return false;
	*num = (double)v;
	*p = end;
	return true;
}

enum vb_line_kind vb_line_parse(const char *line, struct vb_line *out)
{
	const char *p = line;
	char word[16];
	char *end;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (strncmp(p, VB_PROTO_TAG " ", sizeof(VB_PROTO_TAG)) != 0)
		return VB_LINE_NONE;
	p += sizeof(VB_PROTO_TAG);
	copy_word(&p, word, sizeof(word));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(word, kinds[i].word) == 0)
			out->kind = kinds[i].kind;
	switch (out->kind) {
	case VB_LINE_METRIC:
		if (copy_word(&p, out->key, sizeof(out->key)) == 0)
			return out->kind = VB_LINE_NONE;
		snprintf(out->value, sizeof(out->value), "%s", p);
		out->num = strtod(p, &end);
		if (end == p || *end != '\0')
			return out->kind = VB_LINE_NONE;
		break;
	case VB_LINE_FACT:
	case VB_LINE_PROBE:
	case VB_LINE_USAGE:
		if (copy_word(&p, out->key, sizeof(out->key)) == 0)
			return out->kind = VB_LINE_NONE;
		snprintf(out->value, sizeof(out->value), "%s", p);
		break;
	case VB_LINE_ERROR:
		if (!int_field(&p, &out->num))
			return out->kind = VB_LINE_NONE;
		while (*p == ' ')
			p++;
		snprintf(out->value, sizeof(out->value), "%s", p);
		break;
	case VB_LINE_DONE:
		if (!int_field(&p, &out->num))
			return out->kind = VB_LINE_NONE;
		break;
	case VB_LINE_NONE:
		break;
	}
	return out->kind;
}
