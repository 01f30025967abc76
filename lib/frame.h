/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Framing of the qemu backend's control channel (docs/qemu.md), shared by
 * the host side (plugins/backends/qemu.c) and the guest side
 * (engine/agent-serve.c). Header-only so that neither side exports it.
 *
 * Every frame is one line starting with "@@vb"; a request line is followed
 * by its binary payload. Each frame carries the request id and a CRC-32 of
 * its text, so a line cut by a guest reset, console noise or a stale answer
 * of an earlier (timed-out) request is never taken for a result.
 */
#ifndef VB_QEMU_FRAME_H
#define VB_QEMU_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest frame line either side accepts; longer lines are dropped. */
#define VBQ_LINE_MAX 8192
/* Largest request payload (the agent argv). */
#define VBQ_PAYLOAD_MAX 65536

/* Reserved request words the serve loop handles itself. */
#define VBQ_CMD_DROP_CACHES "@drop-caches"
#define VBQ_CMD_SHUTDOWN "@shutdown"
#define VBQ_CMD_PING "@ping"

/* CRC-32 (IEEE, as zlib), bitwise: frames are short. */
static inline uint32_t vbq_crc32(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/*
 * Answer line: "@@vb<kind> <id> <crc> <text>" where kind is "out" (a
 * stdout line of the agent), "err" (a stderr line) or "end" (text is the
 * exit status) and crc is over "<id> <text>". Returns the length written
 * to buf (always NUL-terminated) without '\n'.
 *
 * The frame must reach the receiver intact, so the text is cut until the
 * line fits both buf and the receiver's VBQ_LINE_MAX, and loses trailing
 * '\r's, which the receiver strips as a console's CRLF: a CRC over either
 * would fail there and drop the line.
 */
static inline size_t vbq_format_answer(char *buf, size_t n, const char *kind,
				       unsigned long id, const char *text)
{
	char body[VBQ_LINE_MAX];
	/* "@@vb" kind ' ' crc ' ' body, NUL-terminated in buf and shorter
	 * than VBQ_LINE_MAX for the receiver */
	size_t head = 4 + strlen(kind) + 1 + 8 + 1;
	size_t room = n < VBQ_LINE_MAX ? n : VBQ_LINE_MAX;
	int blen = snprintf(body, sizeof(body), "%lu %s", id, text);

	if (n == 0)
		return 0;
	if (blen < 0)
		blen = 0;
	if ((size_t)blen >= sizeof(body))
		blen = (int)sizeof(body) - 1;
	if (head + (size_t)blen >= room)
		blen = room > head + 1 ? (int)(room - head - 1) : 0;
	while (blen > 0 && body[blen - 1] == '\r')
		blen--;
	body[blen] = '\0';
	int len = snprintf(buf, n, "@@vb%s %08x %s", kind,
			   (unsigned)vbq_crc32(body, (size_t)blen), body);
	if (len < 0)
		return 0;
	return (size_t)len < n ? (size_t)len : n - 1;
}

/*
 * Parse an answer line (without '\n'). Returns 1 and sets *kind (static
 * string "out", "err", "end" or "ready"), *id and *text (points into
 * line) when the frame is intact; 0 for anything else.
 */
static inline int vbq_parse_answer(const char *line, const char **kind,
				   unsigned long *id, const char **text)
{
	static const char *const kinds[] = { "out", "err", "end", "ready" };
	const char *p;
	size_t i;

	if (strncmp(line, "@@vb", 4) != 0)
		return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t kl = strlen(kinds[i]);
		if (strncmp(line + 4, kinds[i], kl) == 0 && line[4 + kl] == ' ')
			break;
	}
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return 0;
	p = line + 4 + strlen(kinds[i]) + 1;
	char *end;
	unsigned long crc = strtoul(p, &end, 16);
	if (end != p + 8 || *end != ' ')
		return 0;
	const char *body = end + 1;
	if (vbq_crc32(body, strlen(body)) != (uint32_t)crc)
		return 0;
	unsigned long v = strtoul(body, &end, 10);
	if (end == body || (*end != ' ' && *end != '\0'))
		return 0;
	*kind = kinds[i];
	*id = v;
	*text = *end ? end + 1 : end;
	return 1;
}

/*
 * Request header: "@@vbreq <id> <len> <crc>\n" followed by len payload
 * bytes, the argv elements each terminated by a NUL byte (so elements may
 * hold spaces or any byte but NUL). crc covers the payload.
 */
static inline int vbq_parse_request(const char *line, unsigned long *id,
				    size_t *len, uint32_t *crc)
{
	unsigned long a, b, c;
	char tail;

	if (sscanf(line, "@@vbreq %lu %lu %lx%c", &a, &b, &c, &tail) != 3)
		return 0;
	if (b == 0 || b > VBQ_PAYLOAD_MAX)
		return 0;
	*id = a;
	*len = b;
	*crc = (uint32_t)c;
	return 1;
}

#endif /* VB_QEMU_FRAME_H */
