/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the qemu control channel's frames (lib/frame.h).
 *
 * The first byte picks what the rest is:
 *   even: a line as the host or the guest reads it; both parsers must
 *         refuse or accept it without a sanitizer report;
 *   odd:  an answer to send (kind from the byte, then id, then the text,
 *         one line of an agent's stdout/stderr).
 * Whatever an answer parsed from the input or built from it, it must
 * survive the channel: formatted as the guest does (agent/serve.c),
 * received as the host does (plugins/backends/qemu.c: lines of
 * VBQ_LINE_MAX bytes or more are cut, a trailing '\r' is stripped) and
 * parsed, it yields the same kind and id and a prefix of its text. A
 * request header as the host formats it parses back to its fields, and
 * vbq_crc32() agrees with a table-driven CRC-32.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frame.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t table[256];

static uint32_t ref_crc32(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = 0xffffffffu;

	while (len--)
		c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	if (ref_crc32("123456789", 9) != 0xcbf43926u ||
	    vbq_crc32("123456789", 9) != 0xcbf43926u)
		abort();
	return 0;
}

/* The host's read_frame(): a line cut to fit, a console's '\r' dropped. */
static void receive(char *line)
{
	size_t l = strlen(line);

	if (l > VBQ_LINE_MAX - 1)
		l = VBQ_LINE_MAX - 1;
	line[l] = '\0';
	if (l && line[l - 1] == '\r')
		line[l - 1] = '\0';
}

static void check_channel(const char *kind, unsigned long id, const char *text)
{
	/* agent/serve.c's send_frame() */
	char line[VBQ_LINE_MAX + 64];
	size_t n = vbq_format_answer(line, sizeof(line) - 1, kind, id, text);
	const char *k2, *t2;
	unsigned long id2;

	if (n != strlen(line))
		abort();
	receive(line);
	if (!vbq_parse_answer(line, &k2, &id2, &t2))
		abort();
	if (strcmp(k2, kind) || id2 != id || strncmp(t2, text, strlen(t2)))
		abort();
}

static void check_request(unsigned long id, size_t len, uint32_t crc)
{
	/* plugins/backends/qemu.c's header */
	char hdr[128], *nl;
	unsigned long id2;
	size_t len2;
	uint32_t crc2;

	snprintf(hdr, sizeof(hdr), "@@vbreq %lu %zu %08x\n", id, len,
		 (unsigned)crc);
	nl = strchr(hdr, '\n');
	*nl = '\0'; /* agent/serve.c reads lines without their '\n' */
	int ok = vbq_parse_request(hdr, &id2, &len2, &crc2);
	if (ok != (len > 0 && len <= VBQ_PAYLOAD_MAX))
		abort();
	if (ok && (id2 != id || len2 != len || crc2 != crc))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "out", "err", "end", "ready" };
	char *s;

	if (size < 1)
		return 0;
	if (vbq_crc32(data, size) != ref_crc32(data, size))
		abort();
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	if (!(data[0] & 1)) {
		const char *kind, *text;
		unsigned long id, rid;
		size_t len;
		uint32_t crc;

		s[strcspn(s, "\n")] = '\0'; /* both sides read lines */
		if (vbq_parse_answer(s, &kind, &id, &text)) {
			if (text < s || text > s + strlen(s))
				abort();
			check_channel(kind, id, text);
		}
		if (vbq_parse_request(s, &rid, &len, &crc))
			check_request(rid, len, crc);
	} else {
		/* kind, then 8 bytes of id, then one line of text */
		unsigned long id = 0;
		size_t off = 0, k;
		char *nl;

		for (k = 0; k < 8 && off < size - 1; k++, off++)
			id = id << 8 | (unsigned char)s[off];
		nl = strchr(s + off, '\n');
		if (nl)
			*nl = '\0';
		check_channel(kinds[(data[0] >> 1) & 3], id, s + off);
		check_request(id, strlen(s + off), vbq_crc32(s + off, strlen(s + off)));
	}
	free(s);
	return 0;
}
