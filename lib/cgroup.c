/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cgroup services of plugin.h: where a host process's cgroup is, and
 * the limits it sets, read the way the kernel applies them. Container
 * backends read back what they asked for, and the engine finds where an
 * environment's CPU time is counted, through this one reader of
 * /proc/PID/cgroup (v1, v2 and hybrid hosts).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtbench/plugin.h"

/* A v1 line's controller list ("cpu,cpuacct") has ctrl as a whole item. */
static bool has_item(const char *list, size_t len, const char *ctrl)
{
	size_t n = strlen(ctrl);

	for (const char *p = list; p < list + len;) {
		size_t k = strcspn(p, ",");

		if (k > (size_t)(list + len - p))
			k = (size_t)(list + len - p);
		if (k == n && memcmp(p, ctrl, n) == 0)
			return true;
		p += k + 1;
	}
	return false;
}

/* out = ROOT MID PATH, if that directory exists (and is a cgroup v2
 * one when `v2`). 1: found, 0: not there, -ENAMETOOLONG. */
static int found(char *out, size_t n, const char *root, const char *mid,
		 size_t midlen, const char *path, bool v2)
{
	char probe[PATH_MAX + 32];
	int w = snprintf(out, n, "%s%.*s%s", root, (int)midlen, mid, path);

	if (w < 0 || (size_t)w >= n)
		return -ENAMETOOLONG;
	if (!v2)
		return access(out, F_OK) == 0;
	snprintf(probe, sizeof(probe), "%s/cgroup.controllers", out);
	return access(probe, F_OK) == 0;
}

int vb_cgroup_dir(pid_t pid, const char *ctrl, char *out, size_t n)
{
	char proc[64], line[4096];
	bool v1_has = false;
	FILE *f;
	int r = 0;

	if (n)
		out[0] = '\0';
	snprintf(proc, sizeof(proc), "/proc/%ld/cgroup", (long)pid);
	f = fopen(proc, "re");
	if (!f)
		return -errno;
	/* A v1 hierarchy with the controller first: on a hybrid host the
	 * controllers are v1's and the unified hierarchy ("0::PATH") has
	 * none of them; it is asked only when no v1 one has ctrl. */
	for (int pass = 0; pass < 2 && r == 0 && !(pass == 1 && v1_has); pass++) {
		rewind(f);
		while (r == 0 && fgets(line, sizeof(line), f)) {
			char *c1 = strchr(line, ':'), *c2;
			size_t len;

			if (!c1 || !(c2 = strchr(c1 + 1, ':')))
				continue;
			c2[1 + strcspn(c2 + 1, "\n")] = '\0';
			len = (size_t)(c2 - c1 - 1);
			if (pass == 0 && ctrl && len && has_item(c1 + 1, len, ctrl)) {
				/* Mounted as "cpu,cpuacct" with a "cpu" link
				 * beside it, or under the controller's name. */
				v1_has = true;
				r = found(out, n, "/sys/fs/cgroup/", c1 + 1, len,
					  c2 + 1, false);
				if (r == 0)
					r = found(out, n, "/sys/fs/cgroup/", ctrl,
						  strlen(ctrl), c2 + 1, false);
			} else if (pass == 1 && len == 0) {
				r = found(out, n, "/sys/fs/cgroup", "", 0, c2 + 1, true);
				if (r == 0)
					r = found(out, n, "/sys/fs/cgroup/unified", "",
						  0, c2 + 1, true);
			}
		}
	}
	fclose(f);
	if (r <= 0 && n)
		out[0] = '\0';
	return r > 0 ? 0 : r < 0 ? r : -ENOENT;
}

/* The first line of DIR/FILE, without its newline; 0 or -errno. */
static int read_first(const char *dir, const char *file, char *buf, size_t n)
{
	char path[PATH_MAX + 64];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return -errno;
	if (!fgets(buf, (int)n, f))
		err = -EIO;
	fclose(f);
	buf[err ? 0 : strcspn(buf, "\n")] = '\0';
	return err;
}

/* v2's "max" and v1's page-rounded LONG_MAX both mean no limit. */
static int64_t limit_value(const char *s)
{
	long long v;

	if (strncmp(s, "max", 3) == 0)
		return 0;
	v = strtoll(s, NULL, 10);
	return v > 0 && v < (1LL << 60) ? v : 0;
}

int vb_host_limits(struct vb_ctx *ctx, pid_t pid, struct vb_env_granted *granted)
{
	char dir[PATH_MAX], a[128], b[128], val[64];
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	int err;

	if ((err = vb_cgroup_dir(pid, "cpu", dir, sizeof(dir))) < 0)
		return err;
	vb_env_fact(ctx, "host_cgroup", dir);
	granted->host_cpu_quota = 0;
	if (read_first(dir, "cpu.max", a, sizeof(a)) == 0) {
		double q = 0, p = 0;

		if (sscanf(a, "%lf %lf", &q, &p) == 2 && p > 0)
			granted->host_cpu_quota = q / p;
	} else if (read_first(dir, "cpu.cfs_quota_us", a, sizeof(a)) == 0 &&
		   read_first(dir, "cpu.cfs_period_us", b, sizeof(b)) == 0 &&
		   atoll(a) > 0 && atoll(b) > 0) {
		granted->host_cpu_quota = (double)atoll(a) / (double)atoll(b);
	}
	snprintf(val, sizeof(val), granted->host_cpu_quota > 0 ? "%.4g" : "none",
		 granted->host_cpu_quota);
	vb_env_fact(ctx, "host_cpu_quota", val);
	if (vb_cgroup_dir(pid, "cpuset", dir, sizeof(dir)) == 0 &&
	    read_first(dir, v2 ? "cpuset.cpus.effective" : "cpuset.cpus", a,
		       sizeof(a)) == 0 && a[0])
		vb_env_fact(ctx, "host_cpuset", a);
	granted->host_mem_limit = 0;
	if (vb_cgroup_dir(pid, "memory", dir, sizeof(dir)) == 0 &&
	    (read_first(dir, "memory.max", a, sizeof(a)) == 0 ||
	     read_first(dir, "memory.limit_in_bytes", a, sizeof(a)) == 0) &&
	    (granted->host_mem_limit = limit_value(a)) > 0) {
		snprintf(val, sizeof(val), "%lld", (long long)granted->host_mem_limit);
		vb_env_fact(ctx, "host_memory_limit", val);
	}
	return 0;
}
