/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the agent's line protocol (lib/protocol.c) and the
 * probe it answers (lib/probe.c), as the engine reads an agent's stdout:
 * line by line, each probe line fed to vb_probe_set().
 *
 * Besides the sanitizers it checks what the engine relies on: a parsed
 * line's strings are terminated inside their arrays; a done STATUS and an
 * error ERRNO are integers an int holds (the engine converts them); and a
 * probe survives the trip the agent makes it take: printed by
 * vb_probe_print() and parsed back, it reads the same.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const struct vb_line *l, enum vb_line_kind k)
{
	if (k != l->kind || k < VB_LINE_NONE || k > VB_LINE_DONE)
		abort();
	if (!memchr(l->key, '\0', sizeof(l->key)) ||
	    !memchr(l->value, '\0', sizeof(l->value)))
		abort();
	if ((k == VB_LINE_DONE || k == VB_LINE_ERROR) &&
	    !(l->num >= -2147483648.0 && l->num <= 2147483647.0 &&
	      l->num == floor(l->num)))
		abort();
	if ((k == VB_LINE_METRIC || k == VB_LINE_FACT || k == VB_LINE_PROBE) &&
	    !l->key[0])
		abort();
}

/* What the engine does with an agent's output, one line at a time. */
static void feed(struct vb_probe *p, char *text)
{
	char *save = NULL, *line;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct vb_line l;
		enum vb_line_kind k = vb_line_parse(line, &l);

		check_line(&l, k);
		if (k == VB_LINE_PROBE)
			vb_probe_set(p, l.key, l.value);
	}
}

static bool same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (isinf(a) || isinf(b) || a == b)
		return a == b;
	/* printed with %.6g */
	return fabs(a - b) <= 1e-5 * fmax(fabs(a), fabs(b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_probe p, back;
	char *text, *printed = NULL;
	size_t plen = 0;
	FILE *out;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	vb_probe_init(&p);
	feed(&p, text);
	free(text);

	out = open_memstream(&printed, &plen);
	if (!out)
		return 0;
	vb_probe_print(&p, out);
	fclose(out);
	vb_probe_init(&back);
	feed(&back, printed);
	free(printed);
	if (back.cpus_online != p.cpus_online ||
	    back.cpus_affinity != p.cpus_affinity ||
	    back.mem_total != p.mem_total || back.mem_limit != p.mem_limit ||
	    !same_double(back.cpu_quota, p.cpu_quota) ||
	    strcmp(back.cpuset, p.cpuset) || strcmp(back.kernel, p.kernel) ||
	    strcmp(back.virt, p.virt) || strcmp(back.cgroup, p.cgroup))
		abort();
	return 0;
}
