/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What an environment grants, seen from inside: the agent's `probe`.
 * Containers do not virtualise /proc (no lxcfs here), so CPU and memory
 * limits are read from the agent's own cgroup, v1 or v2.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/protocol.h"

void vb_probe_init(struct vb_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->cpus_online = -1;
	p->cpus_affinity = -1;
	p->mem_total = -1;
	snprintf(p->virt, sizeof(p->virt), "unknown");
	snprintf(p->cgroup, sizeof(p->cgroup), "none");
}

static int read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)n, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* "0-3,6,8-9" -> 7 */
static int count_cpu_list(const char *s)
{
	int count = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s)
				return -1;
		}
		count += (int)(b - a + 1);
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return count;
}

/*
 * Find a cgroup file for controller `ctrl`: first at the agent's own path
 * under the controller's mount (host view), then at the mount's root
 * (what a container with a private cgroup mount sees).
 */
static int cgroup_file(bool v2, const char *ctrl, const char *file,
		       char *out, size_t n)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[1024];

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char *c1 = strchr(line, ':'), *c2;

			if (!c1 || !(c2 = strchr(c1 + 1, ':')))
				continue;
			*c2 = '\0';
			c2[1 + strcspn(c2 + 1, "\n")] = '\0';
			if (v2 ? strcmp(c1 + 1, "") != 0 : false)
				continue;
			if (!v2) {
				/* c1+1 is "cpu,cpuacct": match a whole item */
				char list[256], *tok, *save = NULL;
				bool hit = false;

				snprintf(list, sizeof(list), "%s", c1 + 1);
				for (tok = strtok_r(list, ",", &save); tok;
				     tok = strtok_r(NULL, ",", &save))
					if (strcmp(tok, ctrl) == 0)
						hit = true;
				if (!hit)
					continue;
				snprintf(out, n, "/sys/fs/cgroup/%s%s/%s",
					 c1 + 1, c2 + 1, file);
				if (access(out, R_OK) != 0)
					snprintf(out, n, "/sys/fs/cgroup/%s%s/%s",
						 ctrl, c2 + 1, file);
			} else {
				snprintf(out, n, "/sys/fs/cgroup%s/%s", c2 + 1,
					 file);
			}
			if (access(out, R_OK) == 0) {
				fclose(f);
				return 0;
			}
		}
		fclose(f);
	}
	if (v2)
		snprintf(out, n, "/sys/fs/cgroup/%s", file);
	else
		snprintf(out, n, "/sys/fs/cgroup/%s/%s", ctrl, file);
	return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

static void probe_cgroup(struct vb_probe *p)
{
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", R_OK) == 0;
	char path[1024], buf[256];

	if (!v2 && access("/sys/fs/cgroup/memory", R_OK) != 0 &&
	    access("/sys/fs/cgroup/cpu", R_OK) != 0)
		return;
	snprintf(p->cgroup, sizeof(p->cgroup), v2 ? "v2" : "v1");
	if (v2) {
		if (cgroup_file(true, "", "cpu.max", path, sizeof(path)) == 0 &&
		    read_line(path, buf, sizeof(buf)) == 0 &&
		    strncmp(buf, "max", 3) != 0) {
			double q = 0, per = 0;

			if (sscanf(buf, "%lf %lf", &q, &per) == 2 && per > 0)
				p->cpu_quota = q / per;
		}
		if (cgroup_file(true, "", "memory.max", path, sizeof(path)) == 0 &&
		    read_line(path, buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "max") != 0)
			p->mem_limit = strtoll(buf, NULL, 10);
		if (cgroup_file(true, "", "cpuset.cpus.effective", path,
				sizeof(path)) == 0 &&
		    read_line(path, buf, sizeof(buf)) == 0)
			snprintf(p->cpuset, sizeof(p->cpuset), "%.127s", buf);
		return;
	}
	if (cgroup_file(false, "cpu", "cpu.cfs_quota_us", path, sizeof(path)) == 0 &&
	    read_line(path, buf, sizeof(buf)) == 0) {
		long long q = strtoll(buf, NULL, 10);
		char *slash = strrchr(path, '/');

		snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path),
			 "cpu.cfs_period_us");
		if (q > 0 && read_line(path, buf, sizeof(buf)) == 0) {
			long long per = strtoll(buf, NULL, 10);

			if (per > 0)
				p->cpu_quota = (double)q / (double)per;
		}
	}
	if (cgroup_file(false, "memory", "memory.limit_in_bytes", path,
			sizeof(path)) == 0 &&
	    read_line(path, buf, sizeof(buf)) == 0) {
		long long lim = strtoll(buf, NULL, 10);

		/* "Unlimited" is PAGE_COUNTER_MAX pages, about 2^63. */
		if (lim > 0 && lim < (1LL << 60))
			p->mem_limit = lim;
	}
	if (cgroup_file(false, "cpuset", "cpuset.cpus", path, sizeof(path)) == 0 &&
	    read_line(path, buf, sizeof(buf)) == 0)
		snprintf(p->cpuset, sizeof(p->cpuset), "%.127s", buf);
}

/* gVisor's own kernel log starts "Starting gVisor..."; a real kernel
 * refuses the read in a container (EPERM) or shows its own boot log. */
static bool is_gvisor(void)
{
	char buf[4096];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "Starting gVisor") != NULL;
}

/* LXC, podman and systemd-nspawn give init container=NAME in its
 * environment; docker does not. */
static bool init_container_env(char *out, size_t n)
{
	char buf[8192];
	FILE *f = fopen("/proc/1/environ", "r");
	size_t len;

	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (strncmp(buf + i, "container=", 10) == 0 && buf[i + 10]) {
			snprintf(out, n, "%s", buf + i + 10);
			return true;
		}
	return false;
}

static void probe_virt(struct vb_probe *p)
{
	char buf[256];
	FILE *f;

	/* First: a gVisor sandbox under docker has /.dockerenv too. */
	if (is_gvisor()) {
		snprintf(p->virt, sizeof(p->virt), "gvisor");
		return;
	}
	if (access("/.dockerenv", F_OK) == 0) {
		snprintf(p->virt, sizeof(p->virt), "docker");
		return;
	}
	/* "lxc", "podman" (which also writes /run/.containerenv) ... */
	if (init_container_env(buf, sizeof(buf))) {
		snprintf(p->virt, sizeof(p->virt), "%.63s", buf);
		return;
	}
	if (access("/run/.containerenv", F_OK) == 0) {
		snprintf(p->virt, sizeof(p->virt), "container");
		return;
	}
	if (read_line("/sys/class/dmi/id/sys_vendor", buf, sizeof(buf)) == 0 &&
	    strstr(buf, "QEMU")) {
		snprintf(p->virt, sizeof(p->virt), "qemu");
		return;
	}
	snprintf(p->virt, sizeof(p->virt), "none");
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "flags", 5) == 0 && strstr(buf, " hypervisor")) {
			snprintf(p->virt, sizeof(p->virt), "vm");
			break;
		}
	}
	fclose(f);
}

int vb_probe_self(struct vb_probe *p)
{
	char buf[1024];
	cpu_set_t set;
	struct utsname u;
	FILE *f;

	vb_probe_init(p);
	if (read_line("/sys/devices/system/cpu/online", buf, sizeof(buf)) == 0)
		p->cpus_online = count_cpu_list(buf);
	if (p->cpus_online <= 0)
		p->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		p->cpus_affinity = CPU_COUNT(&set);
	f = fopen("/proc/meminfo", "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f)) {
			long long kb;

			if (sscanf(buf, "MemTotal: %lld kB", &kb) == 1)
				p->mem_total = kb * 1024;
		}
		fclose(f);
	}
	if (uname(&u) == 0)
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	probe_cgroup(p);
	probe_virt(p);
	return 0;
}

void vb_probe_print(const struct vb_probe *p, FILE *out)
{
	fprintf(out, VB_PROTO_TAG " probe cpus_online %d\n", p->cpus_online);
	fprintf(out, VB_PROTO_TAG " probe cpus_affinity %d\n", p->cpus_affinity);
	fprintf(out, VB_PROTO_TAG " probe cpu_quota %.6g\n", p->cpu_quota);
	fprintf(out, VB_PROTO_TAG " probe cpuset %s\n", p->cpuset);
	fprintf(out, VB_PROTO_TAG " probe mem_total %lld\n", (long long)p->mem_total);
	fprintf(out, VB_PROTO_TAG " probe mem_limit %lld\n", (long long)p->mem_limit);
	fprintf(out, VB_PROTO_TAG " probe kernel %s\n", p->kernel);
	fprintf(out, VB_PROTO_TAG " probe virt %s\n", p->virt);
	fprintf(out, VB_PROTO_TAG " probe cgroup %s\n", p->cgroup);
}

void vb_probe_set(struct vb_probe *p, const char *key, const char *value)
{
	if (strcmp(key, "cpus_online") == 0)
		p->cpus_online = atoi(value);
	else if (strcmp(key, "cpus_affinity") == 0)
		p->cpus_affinity = atoi(value);
	else if (strcmp(key, "cpu_quota") == 0)
		p->cpu_quota = strtod(value, NULL);
	else if (strcmp(key, "cpuset") == 0)
		snprintf(p->cpuset, sizeof(p->cpuset), "%s", value);
	else if (strcmp(key, "mem_total") == 0)
		p->mem_total = strtoll(value, NULL, 10);
	else if (strcmp(key, "mem_limit") == 0)
		p->mem_limit = strtoll(value, NULL, 10);
	else if (strcmp(key, "kernel") == 0)
		snprintf(p->kernel, sizeof(p->kernel), "%s", value);
	else if (strcmp(key, "virt") == 0)
		snprintf(p->virt, sizeof(p->virt), "%s", value);
	else if (strcmp(key, "cgroup") == 0)
		snprintf(p->cgroup, sizeof(p->cgroup), "%s", value);
}

/* ------------------------------------------------------------------ */
/* A request's own use of the environment (the `usage` lines)           */
/* ------------------------------------------------------------------ */

/* The steal ticks of every CPU together ("cpu" line of /proc/stat). */
static bool total_steal(unsigned long long *steal)
{
	unsigned long long v[8];
	FILE *f = fopen("/proc/stat", "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8;
	fclose(f);
	if (ok)
		*steal = v[7];
	return ok;
}

void vb_usage_begin(struct vb_usage_mark *m)
{
	m->steal_ok = total_steal(&m->steal);
}

void vb_usage_print(const struct vb_usage_mark *m, FILE *out)
{
	struct rusage self, kids;
	unsigned long long steal;
	long hz = sysconf(_SC_CLK_TCK);
	char list[256] = "";
	size_t k = 0;
	cpu_set_t set;

	/* Its own threads and the children it waited for: all the CPU time
	 * the request used, as the kernel that ran it counts it. */
	if (getrusage(RUSAGE_SELF, &self) == 0 &&
	    getrusage(RUSAGE_CHILDREN, &kids) == 0)
		fprintf(out, VB_PROTO_TAG " usage cpu_seconds %.6f\n",
			(double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
				 kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
				(double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
					 kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6);
	if (m->steal_ok && total_steal(&steal) && steal >= m->steal && hz > 0)
		fprintf(out, VB_PROTO_TAG " usage steal_seconds %.6f\n",
			(double)(steal - m->steal) / (double)hz);
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && k < sizeof(list); c++) {
			int e = c;

			if (!CPU_ISSET(c, &set))
				continue;
			while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
				e++;
			k += (size_t)snprintf(list + k, sizeof(list) - k,
					      e > c ? "%s%d-%d" : "%s%d",
					      k ? "," : "", c, e);
			c = e;
		}
		if (list[0] && k < sizeof(list))
			fprintf(out, VB_PROTO_TAG " usage cpus %s\n", list);
	}
	fflush(out);
}
