/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The agent's line protocol (docs/agent-protocol.md, lib/protocol.c) and
 * the probe it answers (lib/probe.c): what the agent prints and the
 * engine reads.
 */
#ifndef VB_LIB_PROTOCOL_H
#define VB_LIB_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VB_PROTO_TAG "@vb1"

enum vb_line_kind {
	VB_LINE_NONE = 0,   /* not a protocol line: ignore */
	VB_LINE_METRIC,     /* @vb1 metric NAME VALUE */
	VB_LINE_FACT,       /* @vb1 fact KEY VALUE... */
	VB_LINE_PROBE,      /* @vb1 probe KEY VALUE... */
	VB_LINE_ERROR,      /* @vb1 error ERRNO MESSAGE... */
	VB_LINE_DONE,       /* @vb1 done STATUS */
	VB_LINE_USAGE,      /* @vb1 usage KEY VALUE: the request's own use of
	                       the environment (engine/noise.h) */
};
struct vb_line {
	enum vb_line_kind kind;
	char key[64];
	char value[512];    /* raw text of the value / message */
	double num;         /* metric value, errno, or status */
};
enum vb_line_kind vb_line_parse(const char *line,
				struct vb_line *out);

/* What `virtbench-agent probe` reports. -1 / 0 = unknown. */
struct vb_probe {
	int cpus_online;          /* /sys/devices/system/cpu/online */
	int cpus_affinity;        /* sched_getaffinity count */
	double cpu_quota;         /* CFS quota/period in CPUs; 0 = none */
	char cpuset[128];         /* cgroup cpuset.cpus; "" = unknown */
	int64_t mem_total;        /* MemTotal, bytes */
	int64_t mem_limit;        /* cgroup limit, bytes; 0 = none */
	char kernel[128];
	char virt[64];            /* "none", "docker", "kvm", "qemu-tcg", ... */
	char cgroup[16];          /* "v1", "v2", "none" */
};
void vb_probe_init(struct vb_probe *p);
/* Feed one probe line's key/value into p; unknown keys are ignored. */
void vb_probe_set(struct vb_probe *p, const char *key,
		  const char *value);
/* Fill p from the running system (used by the agent). */
int vb_probe_self(struct vb_probe *p);
/* Print p as protocol lines. */
void vb_probe_print(const struct vb_probe *p, FILE *out);

/*
 * The agent's `usage` lines of a workload request: its process's CPU time
 * (getrusage of itself and its children), the steal its kernel counted
 * since vb_usage_begin() (what a VM's vCPUs lost to the host) and the
 * CPUs it may run on. The engine sets them beside its own host-side
 * sample (engine/noise.h).
 */
struct vb_usage_mark {
	unsigned long long steal;
	bool steal_ok;
};
void vb_usage_begin(struct vb_usage_mark *m);
void vb_usage_print(const struct vb_usage_mark *m, FILE *out);

#endif /* VB_LIB_PROTOCOL_H */
