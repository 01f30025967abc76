/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Verification of requested against observed resources (DESIGN §5,
 * docs/verification.md, engine/verify.c).
 */
#ifndef VB_ENGINE_VERIFY_H
#define VB_ENGINE_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "virtbench/plugin.h"
#include "engine/experiment.h"
#include "lib/protocol.h"

enum vb_verdict { VB_VERDICT_OK = 0, VB_VERDICT_WARN, VB_VERDICT_REFUSED };
struct vb_verification {
	enum vb_verdict verdict;
	double cpus_observed;     /* usable CPUs: min(affinity, quota) */
	int64_t mem_observed;     /* min(MemTotal, limit) */
	char reason[512];
};
/*
 * Compare. `vm` selects the VM rule for memory: MemTotal within
 * [requested - max(VB_VM_MEM_SLACK_MIN, VB_VM_MEM_SLACK_FRACTION ×
 * requested), requested] (the guest kernel keeps a roughly fixed ~50 MiB
 * plus a small share); otherwise the observed limit must equal the
 * request. Unenforced resources only warn. A CPU quota or memory limit the
 * probe did not find is taken from granted->host_cpu_quota/host_mem_limit
 * when the backend read one back on the host, and the reason says
 * "host-side"; granted->expect_virt, when set, must equal the probe's virt.
 */
#define VB_VM_MEM_SLACK_MIN (96LL << 20)
#define VB_VM_MEM_SLACK_FRACTION 0.10
void vb_verify(const struct vb_env_spec *spec,
	       const struct vb_env_granted *granted,
	       const struct vb_probe *p, bool vm,
	       enum vb_verify_mode mode,
	       struct vb_verification *out);
const char *vb_verdict_name(enum vb_verdict v);

#endif /* VB_ENGINE_VERIFY_H */
