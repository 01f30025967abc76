/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Host noise (engine/noise.c): what the host did while one repetition was
 * measured. The engine takes a snapshot just before and just after the
 * measured agent request and keeps the difference with the repetition
 * (runs.csv's noise_* columns, docs/results-format.md "Host noise"):
 * steal, iowait and busy time of the host CPUs the environment could run
 * on (/proc/stat), the CPU time the environment itself used, so that what
 * other processes used on those CPUs follows, the load average, the CPU
 * frequency where cpufreq exists, throttling where the platform counts
 * it, swap-in/out (/proc/vmstat), and inside a VM the guest's own steal.
 *
 * A repetition is flagged when steal or foreign load passes the
 * experiment's limits (vb_noise_judge); `noise = "exclude"` leaves it out
 * of the statistics and of the adaptive rule, never silently.
 */
#ifndef VB_ENGINE_NOISE_H
#define VB_ENGINE_NOISE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/experiment.h"

/* What the agent said about its own request (the `usage` protocol lines,
 * docs/agent-protocol.md). NAN / "" when it did not say. */
struct vb_agent_usage {
	double cpu_seconds;      /* its process tree's CPU time (getrusage) */
	double steal_seconds;    /* its kernel's steal during the request */
	char cpus[256];          /* the CPUs it could run on, "0-1,4" */
};
void vb_agent_usage_init(struct vb_agent_usage *u);
/* One `usage KEY VALUE` line into u; unknown keys are ignored. */
void vb_agent_usage_set(struct vb_agent_usage *u, const char *key,
			const char *value);

/* One repetition's noise. NAN: not known (not exposed on this host). */
struct vb_noise {
	bool sampled;            /* false: no snapshot (failed, or old journal) */
	double window;           /* s between the two snapshots */
	char cpus[256];          /* the host CPUs sampled, "0-1,4" */
	int ncpus;
	double busy;             /* s of user+nice+system+irq+softirq on them */
	double steal, iowait;    /* s on them */
	double env_cpu;          /* s the environment used, host view */
	char env_from[16];       /* "cgroup", "process", "agent", "" */
	double foreign;          /* s others used on them: busy - env_cpu, >= 0 */
	double loadavg;          /* 1-minute load average at the end */
	double cpufreq;          /* MHz, mean over the CPUs at the end */
	double throttled;        /* CFS throttled periods + thermal events */
	double swap_in, swap_out;   /* pages */
	double guest_steal;      /* s, a VM's own steal (the guest kernel's) */
};
void vb_noise_init(struct vb_noise *n);

/* Steal as a share of the CPU time the environment was given:
 * steal / (window x ncpus). NAN when not sampled. */
double vb_noise_steal_share(const struct vb_noise *n);
/* Other processes' use of the environment's CPUs, in CPUs: foreign /
 * window (0.1 = a tenth of one CPU). NAN when not known. */
double vb_noise_foreign_share(const struct vb_noise *n);

/* vb_noise_judge() bits. */
#define VB_NOISE_STEAL_FLAG 1u
#define VB_NOISE_FOREIGN_FLAG 2u
/* Which limits of r the repetition passed (0: quiet or not sampled). */
unsigned vb_noise_judge(const struct vb_noise *n,
			const struct vb_noise_rule *r);
/* "", "steal", "foreign" or "steal,foreign". */
const char *vb_noise_flags_name(unsigned flags);
/* One line for a person: "steal 3.1 % > 2 %; other processes used 0.48
 * CPU > 0.1 on CPU 0". */
void vb_noise_explain(const struct vb_noise *n, unsigned flags,
		      const struct vb_noise_rule *r, char *buf, size_t len);

/* "0-2,5" -> count of CPUs; -1 when it is not such a list. */
int vb_cpulist_count(const char *list);

/* ------------------------------------------------------------------ */
/* The journal's columns                                                */
/* ------------------------------------------------------------------ */

/* Text for the noise columns of one repetition, f[VB_RC_NOISE_*]
 * pointing into t. */
struct vb_noise_text {
	char v[14][32];
	char cpus[256];
};
void vb_noise_to_row(const struct vb_noise *n, struct vb_noise_text *t,
		     const char **f);
/* A runs.csv row's noise columns back (empty ones as NAN; a row of a
 * journal without them gives sampled = false). */
void vb_noise_from_row(char *const *f, struct vb_noise *n);

/* ------------------------------------------------------------------ */
/* Sampling                                                             */
/* ------------------------------------------------------------------ */

/*
 * Where the environment's CPU time is on the host. Filled from what the
 * backend says of an environment, or by vb_noise_where_guess().
 */
struct vb_noise_where {
	char cgroup[PATH_MAX];  /* its cgroup (v2 dir, or v1 cpuacct dir); "" */
	pid_t pid;              /* a host process that is it (a VM's QEMU); 0 */
	/* The engine's own child processes that live across the request
	 * are it (a VM process the backend started; no backend hook says
	 * which). */
	bool children;
	bool vm;                /* the agent's own numbers are a guest's */
};
/* Without the backend's word: a VM is the engine's child processes
 * (QEMU), anything else is known from the agent's own accounting. */
void vb_noise_where_guess(struct vb_noise_where *w, bool vm);
/* The backend's word (its accounting() hook, plugin.h) over the guess: a
 * cgroup, a member's cgroup, a process. */
struct vb_env_accounting;
void vb_noise_where_from(struct vb_noise_where *w,
			 const struct vb_env_accounting *a);
/* The cgroup directory of process pid that counts its CPU time: the v1
 * cpuacct one, else the v2 one. 0, or -ENOENT. */
int vb_noise_cgroup_of(pid_t pid, char *dir, size_t n);

struct vb_noise_snap;
/* A snapshot now. Never NULL; what cannot be read is marked unknown. */
struct vb_noise_snap *vb_noise_snap_take(const struct vb_noise_where *w);
void vb_noise_snap_free(struct vb_noise_snap *s);
/*
 * The difference of two snapshots of w, with what the agent said of its
 * request (may be NULL), into *n.
 */
void vb_noise_measure(const struct vb_noise_where *w,
		      const struct vb_noise_snap *before,
		      const struct vb_noise_snap *after,
		      const struct vb_agent_usage *agent, struct vb_noise *n);

/* Parsers of the files a snapshot reads, exposed for the unit tests. */
struct vb_cpu_ticks {
	unsigned long long busy, idle, iowait, steal;
	bool seen;
};
/* /proc/stat text -> per-CPU ticks, cpus[0..ncpu); returns the number
 * of CPU slots filled (max CPU number + 1), 0 if none. */
size_t vb_noise_parse_stat(const char *text, struct vb_cpu_ticks *cpus,
			   size_t ncpu);
/* /proc/PID/stat text -> utime + stime + cutime + cstime in ticks and the
 * start time; false when it is not such a line. */
bool vb_noise_parse_pidstat(const char *text, unsigned long long *ticks,
			    unsigned long long *start, pid_t *ppid);

#endif /* VB_ENGINE_NOISE_H */
