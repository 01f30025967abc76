/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Host noise around a measured request (engine/noise.h). Everything here
 * reads files the kernel exports; what a host does not export is recorded
 * as unknown (an empty column), never as 0.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/journal.h"
#include "engine/noise.h"
#include "lib/util.h"
#include "virtbench/plugin.h"

/* /proc/stat has one line per CPU: more than this many is not a host we
 * can sample (the kernel's own limit is far lower in practice). */
#define MAX_CPUS 8192

void vb_agent_usage_init(struct vb_agent_usage *u)
{
	u->cpu_seconds = u->steal_seconds = NAN;
	u->cpus[0] = '\0';
}

static bool parse_num(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

void vb_agent_usage_set(struct vb_agent_usage *u, const char *key,
			const char *value)
{
	if (!strcmp(key, "cpu_seconds"))
		parse_num(value, &u->cpu_seconds);
	else if (!strcmp(key, "steal_seconds"))
		parse_num(value, &u->steal_seconds);
	else if (!strcmp(key, "cpus") && vb_cpulist_count(value) > 0)
		snprintf(u->cpus, sizeof(u->cpus), "%s", value);
}

void vb_noise_init(struct vb_noise *n)
{
	memset(n, 0, sizeof(*n));
	n->window = n->busy = n->steal = n->iowait = NAN;
	n->env_cpu = n->foreign = n->loadavg = n->cpufreq = NAN;
	n->throttled = n->swap_in = n->swap_out = n->guest_steal = NAN;
}

double vb_noise_steal_share(const struct vb_noise *n)
{
	if (!n->sampled || !(n->window > 0) || n->ncpus <= 0)
		return NAN;
	return n->steal / (n->window * n->ncpus);
}

double vb_noise_foreign_share(const struct vb_noise *n)
{
	if (!n->sampled || !(n->window > 0))
		return NAN;
	return n->foreign / n->window;
}

static double ticks_s(unsigned long long t);

/*
 * /proc/stat counts whole ticks, so a count over a short window can be a
 * tick per CPU more than what happened: a repetition is flagged only when
 * even one tick less per CPU passes the limit (a 20 ms repetition cannot
 * be told from its neighbours' load; a 2 s one is judged within 0.5 %).
 */
unsigned vb_noise_judge(const struct vb_noise *n,
			const struct vb_noise_rule *r)
{
	double tick = ticks_s(1) * (n->ncpus > 0 ? n->ncpus : 1);
	double s = NAN, f = NAN;
	unsigned flags = 0;

	if (n->sampled && n->window > 0 && n->ncpus > 0) {
		s = fmax(0, n->steal - tick) / (n->window * n->ncpus);
		f = fmax(0, n->foreign - tick) / n->window;
	}

	if (isfinite(s) && s > r->steal)
		flags |= VB_NOISE_STEAL_FLAG;
	if (isfinite(f) && f > r->foreign)
		flags |= VB_NOISE_FOREIGN_FLAG;
	return flags;
}

const char *vb_noise_flags_name(unsigned flags)
{
	static const char *const names[] = { "", "steal", "foreign",
					      "steal,foreign" };

	return names[flags & 3u];
}

void vb_noise_explain(const struct vb_noise *n, unsigned flags,
		      const struct vb_noise_rule *r, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	if (flags & VB_NOISE_STEAL_FLAG)
		k += (size_t)snprintf(buf, len, "the hypervisor took %.1f %% of "
				      "the CPU time (steal; limit %.3g %%)",
				      100 * vb_noise_steal_share(n),
				      100 * r->steal);
	if ((flags & VB_NOISE_FOREIGN_FLAG) && k < len)
		snprintf(buf + k, len - k, "%sother processes used %.2f CPU "
			 "of CPU %s (limit %.3g)", k ? "; " : "",
			 vb_noise_foreign_share(n), n->cpus, r->foreign);
}

/* ------------------------------------------------------------------ */
/* CPU lists                                                            */
/* ------------------------------------------------------------------ */

/* "0-2,5" into set[0..n); false when it is not a list. */
static bool cpulist_parse(const char *s, bool *set, size_t n)
{
	const char *p = s;

	if (!*s)
		return false;
	while (*p) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*p))
			return false;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return false;
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (b < a || b >= MAX_CPUS)
			return false;
		for (unsigned long c = a; c <= b; c++)
			if (set && c < n)
				set[c] = true;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return false;
		else if (*p == '\n')
			break;
	}
	return true;
}

int vb_cpulist_count(const char *list)
{
	bool *set = vb_xcalloc(MAX_CPUS, sizeof(bool));
	int n = 0;

	if (list && cpulist_parse(list, set, MAX_CPUS))
		for (size_t i = 0; i < MAX_CPUS; i++)
			n += set[i];
	else
		n = -1;
	free(set);
	return n;
}

static void cpulist_format(const bool *set, size_t n, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++) {
		size_t j = i;

		if (!set[i])
			continue;
		while (j + 1 < n && set[j + 1])
			j++;
		if (j == i)
			k += (size_t)snprintf(buf + k, len - k, "%s%zu",
					      k ? "," : "", i);
		else
			k += (size_t)snprintf(buf + k, len - k, "%s%zu-%zu",
					      k ? "," : "", i, j);
		i = j;
	}
}

/* ------------------------------------------------------------------ */
/* Parsers                                                              */
/* ------------------------------------------------------------------ */

size_t vb_noise_parse_stat(const char *text, struct vb_cpu_ticks *cpus,
			   size_t ncpu)
{
	size_t used = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long v[10] = { 0 };
		unsigned long cpu;
		char *end;
		int n = 0;

		if (strncmp(p, "cpu", 3) || !isdigit((unsigned char)p[3]))
			continue;
		cpu = strtoul(p + 3, &end, 10);
		for (const char *q = end; n < 10; n++) {
			while (*q == ' ')
				q++;
			if (!isdigit((unsigned char)*q))
				break;
			v[n] = strtoull(q, &end, 10);
			q = end;
		}
		if (n < 4 || cpu >= ncpu)
			continue;
		/* user nice system idle iowait irq softirq steal guest
		 * guest_nice: guest time is inside user and nice already. */
		cpus[cpu] = (struct vb_cpu_ticks){
			.busy = v[0] + v[1] + v[2] + v[5] + v[6],
			.idle = v[3], .iowait = v[4], .steal = v[7],
			.seen = true,
		};
		if (cpu + 1 > used)
			used = cpu + 1;
	}
	return used;
}

bool vb_noise_parse_pidstat(const char *text, unsigned long long *ticks,
			    unsigned long long *start, pid_t *ppid)
{
	/* The command name is in parentheses and may hold anything: the
	 * fields start after the last ')'. */
	const char *p = strrchr(text, ')');
	unsigned long long f[20];
	char *end;
	int n;

	if (!p)
		return false;
	p++;
	/* state, then ppid (field 4): fields 3.. of proc(5) */
	while (*p == ' ')
		p++;
	if (!*p)
		return false;
	p++;
	for (n = 0; n < 20; n++) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p) && *p != '-')
			break;
		f[n] = (unsigned long long)strtoll(p, &end, 10);
		p = end;
	}
	/* f[0] = ppid (4), f[10..13] = utime stime cutime cstime (14..17),
	 * f[18] = starttime (22). */
	if (n < 19)
		return false;
	*ppid = (pid_t)f[0];
	*ticks = f[10] + f[11] + f[12] + f[13];
	*start = f[18];
	return true;
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                            */
/* ------------------------------------------------------------------ */

struct kid {
	pid_t pid;
	unsigned long long start, ticks;
};

struct vb_noise_snap {
	uint64_t t_ns;
	struct vb_cpu_ticks *cpu;
	size_t ncpu;
	double *freq;           /* MHz per CPU, NAN */
	double *thermal;        /* throttle events per CPU, NAN */
	double loadavg, swap_in, swap_out;
	double cg_cpu;          /* s, NAN */
	double cg_throttled;    /* NAN */
	double pid_cpu;         /* s, NAN */
	struct kid *kids;
	size_t nkids;
};

static double ticks_s(unsigned long long t)
{
	static long hz;

	if (!hz && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = 100;
	return (double)t / (double)hz;
}

/* A small file's text (NULL if it cannot be read). */
static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	if (vb_read_file(path, 1 << 22, &buf, &len) < 0)
		return NULL;
	return buf;
}

static double file_number(const char *path)
{
	char *t = slurp(path);
	double v = NAN;

	if (t) {
		t[strcspn(t, "\n")] = '\0';
		if (!parse_num(t, &v))
			v = NAN;
	}
	free(t);
	return v;
}

/* "KEY N" in a key-value file (vmstat, cpu.stat). */
static double kv_number(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return NAN;
}

static void read_cgroup(struct vb_noise_snap *s, const char *dir)
{
	char path[PATH_MAX + 32], *t;
	double v;

	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	t = slurp(path);
	if (t) {
		/* v2: usage_usec; v1's cpu.stat has only the throttling. */
		if (isfinite(v = kv_number(t, "usage_usec")))
			s->cg_cpu = v / 1e6;
		s->cg_throttled = kv_number(t, "nr_throttled");
		free(t);
	}
	if (!isfinite(s->cg_cpu)) {
		snprintf(path, sizeof(path), "%s/cpuacct.usage", dir);
		if (isfinite(v = file_number(path)))
			s->cg_cpu = v / 1e9;
	}
}

static bool pid_ticks(pid_t pid, unsigned long long *ticks,
		      unsigned long long *start, pid_t *ppid)
{
	char path[64], *t;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(t = slurp(path)))
		return false;
	ok = vb_noise_parse_pidstat(t, ticks, start, ppid);
	free(t);
	return ok;
}

/* The engine's child processes and their CPU time so far. */
static void read_kids(struct vb_noise_snap *s)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	size_t cap = 0;

	while (d && (de = readdir(d))) {
		unsigned long long ticks, start;
		pid_t pid, ppid;
		char *end;

		pid = (pid_t)strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || !pid_ticks(pid, &ticks, &start, &ppid) ||
		    ppid != self)
			continue;
		VB_GROW(s->kids, s->nkids + 1, cap);
		s->kids[s->nkids++] = (struct kid){ pid, start, ticks };
	}
	if (d)
		closedir(d);
}

static void read_cpu_files(struct vb_noise_snap *s)
{
	static int has_freq = -1, has_thermal = -1;
	char path[128];

	if (has_freq < 0)
		has_freq = access("/sys/devices/system/cpu/cpu0/cpufreq", F_OK) == 0;
	if (has_thermal < 0)
		has_thermal = access("/sys/devices/system/cpu/cpu0/thermal_throttle",
				     F_OK) == 0;
	for (size_t c = 0; c < s->ncpu; c++) {
		s->freq[c] = s->thermal[c] = NAN;
		if (!s->cpu[c].seen)
			continue;
		if (has_freq) {
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%zu/cpufreq/scaling_cur_freq",
				 c);
			s->freq[c] = file_number(path) / 1000;
		}
		if (has_thermal) {
			double a, b;

			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%zu/thermal_throttle/core_throttle_count",
				 c);
			a = file_number(path);
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%zu/thermal_throttle/package_throttle_count",
				 c);
			b = file_number(path);
			s->thermal[c] = (isfinite(a) ? a : 0) + (isfinite(b) ? b : 0);
			if (!isfinite(a) && !isfinite(b))
				s->thermal[c] = NAN;
		}
	}
}

struct vb_noise_snap *vb_noise_snap_take(const struct vb_noise_where *w)
{
	struct vb_noise_snap *s = vb_xcalloc(1, sizeof(*s));
	char *t;

	s->t_ns = vb_now_ns();
	s->loadavg = s->swap_in = s->swap_out = NAN;
	s->cg_cpu = s->cg_throttled = s->pid_cpu = NAN;
	if ((t = slurp("/proc/stat"))) {
		struct vb_cpu_ticks *all = vb_xcalloc(MAX_CPUS, sizeof(*all));

		s->ncpu = vb_noise_parse_stat(t, all, MAX_CPUS);
		s->cpu = vb_xcalloc(s->ncpu ? s->ncpu : 1, sizeof(*s->cpu));
		memcpy(s->cpu, all, s->ncpu * sizeof(*all));
		free(all);
		free(t);
	}
	s->freq = vb_xcalloc(s->ncpu ? s->ncpu : 1, sizeof(double));
	s->thermal = vb_xcalloc(s->ncpu ? s->ncpu : 1, sizeof(double));
	read_cpu_files(s);
	if ((t = slurp("/proc/loadavg"))) {
		s->loadavg = strtod(t, NULL);
		free(t);
	}
	if ((t = slurp("/proc/vmstat"))) {
		s->swap_in = kv_number(t, "pswpin");
		s->swap_out = kv_number(t, "pswpout");
		free(t);
	}
	if (w->cgroup[0])
		read_cgroup(s, w->cgroup);
	if (w->pid > 0) {
		unsigned long long ticks, start;
		pid_t ppid;

		if (pid_ticks(w->pid, &ticks, &start, &ppid))
			s->pid_cpu = ticks_s(ticks);
	}
	if (w->children)
		read_kids(s);
	return s;
}

void vb_noise_snap_free(struct vb_noise_snap *s)
{
	if (!s)
		return;
	free(s->cpu);
	free(s->freq);
	free(s->thermal);
	free(s->kids);
	free(s);
}

void vb_noise_where_guess(struct vb_noise_where *w, bool vm)
{
	memset(w, 0, sizeof(*w));
	w->vm = vm;
	w->children = vm;
}

/* dir, if it is a cgroup directory that counts CPU time. */
static bool cpu_cgroup(const char *dir)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/cpuacct.usage", dir);
	if (access(path, R_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	if (access(path, R_OK) < 0)
		return false;
	/* A v2 cpu.stat has usage_usec; a v1 one only throttling. */
	{
		char *t = slurp(path);
		bool ok = t && isfinite(kv_number(t, "usage_usec"));

		free(t);
		return ok;
	}
}

int vb_noise_cgroup_of(pid_t pid, char *dir, size_t n)
{
	/* cpuacct: on v1 (and hybrid) hosts the CPU time is counted there,
	 * on v2 in the unified hierarchy vb_cgroup_dir falls back to. */
	if (vb_cgroup_dir(pid, "cpuacct", dir, n) == 0 && cpu_cgroup(dir))
		return 0;
	dir[0] = '\0';
	return -ENOENT;
}

void vb_noise_where_from(struct vb_noise_where *w,
			 const struct vb_env_accounting *a)
{
	char dir[PATH_MAX];

	if (a->cgroup[0] && cpu_cgroup(a->cgroup))
		snprintf(w->cgroup, sizeof(w->cgroup), "%s", a->cgroup);
	else if (a->cgroup_member > 0 &&
		 vb_noise_cgroup_of(a->cgroup_member, dir, sizeof(dir)) == 0)
		snprintf(w->cgroup, sizeof(w->cgroup), "%s", dir);
	if (a->pid > 0)
		w->pid = a->pid;
	/* What the backend named replaces the engine's guess. */
	if (w->cgroup[0] || w->pid > 0)
		w->children = false;
}

/* ------------------------------------------------------------------ */
/* The difference                                                       */
/* ------------------------------------------------------------------ */

static void affinity_into(pid_t pid, bool *set, size_t n)
{
	cpu_set_t cs;

	CPU_ZERO(&cs);
	if (sched_getaffinity(pid, sizeof(cs), &cs) < 0)
		return;
	for (size_t c = 0; c < n && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &cs))
			set[c] = true;
}

/* The engine's children alive in both snapshots: their CPU time and the
 * CPUs they may run on. */
static double kids_cpu(const struct vb_noise_snap *a,
		       const struct vb_noise_snap *b, bool *set, size_t n,
		       bool *any)
{
	unsigned long long t = 0;

	*any = false;
	for (size_t i = 0; i < b->nkids; i++)
		for (size_t j = 0; j < a->nkids; j++)
			if (a->kids[j].pid == b->kids[i].pid &&
			    a->kids[j].start == b->kids[i].start) {
				t += b->kids[i].ticks - a->kids[j].ticks;
				affinity_into(b->kids[i].pid, set, n);
				*any = true;
			}
	return ticks_s(t);
}

/* The CPUs to sample, into set; the environment's CPU time and where it
 * came from into n. */
static void env_side(const struct vb_noise_where *w,
		     const struct vb_noise_snap *a,
		     const struct vb_noise_snap *b,
		     const struct vb_agent_usage *ag, bool *set, size_t ncpu,
		     struct vb_noise *n)
{
	bool any = false;

	if (w->pid > 0)
		affinity_into(w->pid, set, ncpu);
	if (isfinite(a->cg_cpu) && isfinite(b->cg_cpu)) {
		n->env_cpu = b->cg_cpu - a->cg_cpu;
		snprintf(n->env_from, sizeof(n->env_from), "cgroup");
	} else if (isfinite(a->pid_cpu) && isfinite(b->pid_cpu)) {
		n->env_cpu = b->pid_cpu - a->pid_cpu;
		snprintf(n->env_from, sizeof(n->env_from), "process");
	} else if (w->children) {
		double t = kids_cpu(a, b, set, ncpu, &any);

		if (any) {
			n->env_cpu = t;
			snprintf(n->env_from, sizeof(n->env_from), "process");
		}
	} else if (ag && !w->vm && isfinite(ag->cpu_seconds)) {
		n->env_cpu = ag->cpu_seconds;
		snprintf(n->env_from, sizeof(n->env_from), "agent");
	}
	/* Inside a VM the agent's CPUs are vCPUs, not host CPUs. */
	if (!w->vm && ag && ag->cpus[0] && w->pid <= 0)
		cpulist_parse(ag->cpus, set, ncpu);
}

void vb_noise_measure(const struct vb_noise_where *w,
		      const struct vb_noise_snap *a,
		      const struct vb_noise_snap *b,
		      const struct vb_agent_usage *ag, struct vb_noise *n)
{
	size_t ncpu = a->ncpu < b->ncpu ? a->ncpu : b->ncpu;
	bool *set = vb_xcalloc(ncpu ? ncpu : 1, sizeof(bool));
	unsigned long long busy = 0, steal = 0, iow = 0;
	double freq = 0, therm = 0;
	int nfreq = 0, ntherm = 0;

	vb_noise_init(n);
	if (!ncpu) {
		free(set);
		return;
	}
	n->sampled = true;
	n->window = (double)(b->t_ns - a->t_ns) / 1e9;
	env_side(w, a, b, ag, set, ncpu, n);
	if (!memchr(set, true, ncpu)) /* nothing narrower known: every CPU */
		for (size_t c = 0; c < ncpu; c++)
			set[c] = a->cpu[c].seen;
	for (size_t c = 0; c < ncpu; c++) {
		if (!set[c] || !a->cpu[c].seen || !b->cpu[c].seen) {
			set[c] = false;
			continue;
		}
		n->ncpus++;
		/* Counters only grow; a CPU taken offline and back could
		 * reset them: count nothing then. */
		if (b->cpu[c].busy >= a->cpu[c].busy)
			busy += b->cpu[c].busy - a->cpu[c].busy;
		if (b->cpu[c].steal >= a->cpu[c].steal)
			steal += b->cpu[c].steal - a->cpu[c].steal;
		if (b->cpu[c].iowait >= a->cpu[c].iowait)
			iow += b->cpu[c].iowait - a->cpu[c].iowait;
		if (isfinite(b->freq[c])) {
			freq += b->freq[c];
			nfreq++;
		}
		if (isfinite(a->thermal[c]) && isfinite(b->thermal[c])) {
			therm += b->thermal[c] - a->thermal[c];
			ntherm++;
		}
	}
	cpulist_format(set, ncpu, n->cpus, sizeof(n->cpus));
	/* A count can pass the window by the ticks at its two ends. */
	n->busy = fmin(ticks_s(busy), n->window * n->ncpus);
	n->steal = fmin(ticks_s(steal), n->window * n->ncpus);
	n->iowait = fmin(ticks_s(iow), n->window * n->ncpus);
	if (isfinite(n->env_cpu))
		n->foreign = n->busy > n->env_cpu ? n->busy - n->env_cpu : 0;
	n->loadavg = b->loadavg;
	n->cpufreq = nfreq ? freq / nfreq : NAN;
	if (isfinite(a->cg_throttled) && isfinite(b->cg_throttled))
		n->throttled = b->cg_throttled - a->cg_throttled;
	if (ntherm)
		n->throttled = (isfinite(n->throttled) ? n->throttled : 0) + therm;
	if (isfinite(a->swap_in) && isfinite(b->swap_in))
		n->swap_in = b->swap_in - a->swap_in;
	if (isfinite(a->swap_out) && isfinite(b->swap_out))
		n->swap_out = b->swap_out - a->swap_out;
	if (w->vm && ag)
		n->guest_steal = ag->steal_seconds;
	free(set);
}

/* ------------------------------------------------------------------ */
/* The journal's columns                                                */
/* ------------------------------------------------------------------ */

/* The numeric noise columns, in the order of struct vb_noise_text.v. */
static const int num_cols[] = {
	VB_RC_NOISE_WINDOW, VB_RC_NOISE_BUSY, VB_RC_NOISE_STEAL,
	VB_RC_NOISE_IOWAIT, VB_RC_NOISE_ENV_CPU, VB_RC_NOISE_FOREIGN,
	VB_RC_NOISE_LOADAVG, VB_RC_NOISE_CPUFREQ, VB_RC_NOISE_THROTTLED,
	VB_RC_NOISE_SWAP_IN, VB_RC_NOISE_SWAP_OUT, VB_RC_NOISE_GUEST_STEAL,
};
#define NNUM (sizeof(num_cols) / sizeof(num_cols[0]))

static double *num_field(struct vb_noise *n, size_t i)
{
	double *const p[NNUM] = {
		&n->window, &n->busy, &n->steal, &n->iowait, &n->env_cpu,
		&n->foreign, &n->loadavg, &n->cpufreq, &n->throttled,
		&n->swap_in, &n->swap_out, &n->guest_steal,
	};

	return p[i];
}

void vb_noise_to_row(const struct vb_noise *n, struct vb_noise_text *t,
		     const char **f)
{
	struct vb_noise m = *n;

	for (size_t i = 0; i < NNUM; i++) {
		double v = *num_field(&m, i);

		if (n->sampled && isfinite(v))
			snprintf(t->v[i], sizeof(t->v[i]), "%.6g", v);
		else
			t->v[i][0] = '\0';
		f[num_cols[i]] = t->v[i];
	}
	snprintf(t->cpus, sizeof(t->cpus), "%s", n->sampled ? n->cpus : "");
	f[VB_RC_NOISE_CPUS] = t->cpus;
	f[VB_RC_NOISE_ENV_FROM] = n->sampled ? n->env_from : "";
}

void vb_noise_from_row(char *const *f, struct vb_noise *n)
{
	vb_noise_init(n);
	if (!f[VB_RC_NOISE_WINDOW][0])
		return;
	n->sampled = true;
	for (size_t i = 0; i < NNUM; i++)
		if (!parse_num(f[num_cols[i]], num_field(n, i)))
			*num_field(n, i) = NAN;
	snprintf(n->cpus, sizeof(n->cpus), "%s", f[VB_RC_NOISE_CPUS]);
	n->ncpus = vb_cpulist_count(n->cpus);
	if (n->ncpus < 0)
		n->ncpus = 0;
	snprintf(n->env_from, sizeof(n->env_from), "%s",
		 f[VB_RC_NOISE_ENV_FROM]);
	if (!isfinite(n->window))
		n->sampled = false;
}
