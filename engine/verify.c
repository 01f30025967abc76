/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Requested against observed resources (DESIGN §5, docs/verification.md). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "engine/verify.h"

/* Docker and the kernel round memory limits to pages; allow that. */
#define MEM_SLACK (64 * 1024)

const char *vb_verdict_name(enum vb_verdict v)
{
	switch (v) {
	case VB_VERDICT_OK:
		return "ok";
	case VB_VERDICT_WARN:
		return "warn";
	case VB_VERDICT_REFUSED:
		return "refused";
	}
	return "?";
}

static void append(char *buf, size_t n, const char *what)
{
	size_t len = strlen(buf);

	snprintf(buf + len, n - len, "%s%s", len ? "; " : "", what);
}

/* What a problem with one resource makes of the verdict. */
struct judgement {
	bool bad, warn;
};

static void verify_cpus(const struct vb_env_spec *spec,
			const struct vb_env_granted *granted,
			const struct vb_probe *p, struct vb_verification *out,
			struct judgement *j)
{
	double cpus = p->cpus_affinity > 0 ? p->cpus_affinity : p->cpus_online;
	double quota = p->cpu_quota;
	bool host = false;
	char msg[512];

	/* A quota the inside does not show, read back on the host. */
	if (quota <= 0 && granted->host_cpu_quota > 0) {
		quota = granted->host_cpu_quota;
		host = true;
	}
	if (quota > 0 && quota < cpus)
		cpus = quota;
	out->cpus_observed = cpus;
	if (fabs(cpus - spec->cpus) > 0.01) {
		snprintf(msg, sizeof(msg),
			 "cpus: requested %d, observed %.2f (affinity %d, quota %.2f%s)",
			 spec->cpus, cpus, p->cpus_affinity, quota,
			 host ? " host-side" : "");
		append(out->reason, sizeof(out->reason), msg);
		if (granted->cpus_enforced)
			j->bad = true;
		else
			j->warn = true;
	} else if (!granted->cpus_enforced) {
		append(out->reason, sizeof(out->reason), "cpus not enforced");
		j->warn = true;
	} else if (host) {
		snprintf(msg, sizeof(msg),
			 "cpus: quota %.2f read host-side (not visible inside)",
			 quota);
		append(out->reason, sizeof(out->reason), msg);
	}
}

/* What the backend says the probe must see inside (gvisor, docker ...). */
static void verify_virt(const struct vb_env_granted *granted,
			const struct vb_probe *p, struct vb_verification *out,
			struct judgement *j)
{
	char msg[512];

	if (!granted->expect_virt[0] || strcmp(p->virt, granted->expect_virt) == 0)
		return;
	snprintf(msg, sizeof(msg),
		 "environment: expected %s inside, the probe saw %s (kernel %s)",
		 granted->expect_virt, p->virt, p->kernel);
	append(out->reason, sizeof(out->reason), msg);
	j->bad = true;
}

/* A VM: MemTotal within the guest kernel's share below the request. */
static void verify_vm_memory(const struct vb_env_spec *spec,
			     const struct vb_probe *p,
			     struct vb_verification *out, struct judgement *j)
{
	int64_t slack = (int64_t)(VB_VM_MEM_SLACK_FRACTION * (double)spec->memory);
	char msg[512];

	if (slack < VB_VM_MEM_SLACK_MIN)
		slack = VB_VM_MEM_SLACK_MIN;
	if (p->mem_total > spec->memory + MEM_SLACK ||
	    p->mem_total < spec->memory - slack) {
		snprintf(msg, sizeof(msg),
			 "memory: requested %lld, guest MemTotal %lld (expected %lld..%lld)",
			 (long long)spec->memory, (long long)p->mem_total,
			 (long long)(spec->memory - slack),
			 (long long)spec->memory);
		append(out->reason, sizeof(out->reason), msg);
		j->bad = true;
	}
}

static void verify_memory(const struct vb_env_spec *spec,
			  const struct vb_env_granted *granted,
			  const struct vb_probe *p, bool vm,
			  struct vb_verification *out, struct judgement *j)
{
	int64_t mem = p->mem_total, limit = p->mem_limit;
	bool host = false;
	char msg[512];

	/* A limit the inside does not show, read back on the host. */
	if (limit <= 0 && granted->host_mem_limit > 0 && !vm) {
		limit = granted->host_mem_limit;
		host = true;
	}
	if (limit > 0 && (mem <= 0 || limit < mem))
		mem = limit;
	out->mem_observed = mem;
	if (vm) {
		verify_vm_memory(spec, p, out, j);
	} else if (granted->memory_enforced) {
		if (limit <= 0 || llabs(limit - spec->memory) > MEM_SLACK) {
			snprintf(msg, sizeof(msg),
				 "memory: requested %lld, observed cgroup limit %lld%s",
				 (long long)spec->memory, (long long)limit,
				 host ? " host-side" : "");
			append(out->reason, sizeof(out->reason), msg);
			j->bad = true;
		} else if (host) {
			snprintf(msg, sizeof(msg),
				 "memory: limit %lld read host-side (not visible inside; MemTotal inside %lld)",
				 (long long)limit, (long long)p->mem_total);
			append(out->reason, sizeof(out->reason), msg);
		}
	} else {
		snprintf(msg, sizeof(msg),
			 "memory not enforced (%s); observed %lld",
			 granted->note[0] ? granted->note : "backend cannot limit it",
			 (long long)mem);
		append(out->reason, sizeof(out->reason), msg);
		j->warn = true;
	}
}

void vb_verify(const struct vb_env_spec *spec,
	       const struct vb_env_granted *granted, const struct vb_probe *p,
	       bool vm, enum vb_verify_mode mode, struct vb_verification *out)
{
	struct judgement j = { false, false };

	memset(out, 0, sizeof(*out));
	verify_virt(granted, p, out, &j);
	verify_cpus(spec, granted, p, out, &j);
	verify_memory(spec, granted, p, vm, out, &j);
	if (j.bad)
		out->verdict = mode == VB_VERIFY_WARN ? VB_VERDICT_WARN
						      : VB_VERDICT_REFUSED;
	else if (j.warn)
		out->verdict = VB_VERDICT_WARN;
	else
		out->verdict = VB_VERDICT_OK;
}
