# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests/integration/slurm*.sh: a real single-node Slurm cluster
# of the test's own (scripts/slurm-start: private munged, slurmctld and
# slurmd on free ports, a slurm.conf in a temp dir), stopped at exit
# whatever happened (scripts/slurm-stop, by the pids it recorded).
# Skips (77) only when Slurm is not installed or cannot run here.

: "${VIRTBENCH_BUILDDIR:?run through make check}"
: "${VIRTBENCH_SRCDIR:?run through make check}"

for b in slurmctld slurmd munged sbatch squeue scancel scontrol; do
	if ! command -v "$b" >/dev/null 2>&1; then
		echo "SKIP: $b not installed (scripts/install-deps installs slurm-wlm and munge)"
		exit 77
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: a private slurmd must run as root (it starts jobs as their submitter)"
	exit 77
fi

# A user's Slurm settings must not reach this cluster's clients: an
# SBATCH_PARTITION or SQUEUE_FORMAT of the shell that runs make check
# would change what is submitted or printed.
for v in $(env | sed -n 's/^\(SBATCH_[A-Za-z0-9_]*\|SQUEUE_[A-Za-z0-9_]*\|SALLOC_[A-Za-z0-9_]*\|SRUN_[A-Za-z0-9_]*\|SLURM_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$v"
done

# The cluster's directory: short (munge's socket path has a limit).
SLURM_W=$(mktemp -d /tmp/vbslurm.XXXXXX)
# munged wants every directory above its socket searchable by all.
chmod 0755 "$SLURM_W"

# Every daemon or job process of this cluster still alive: its command
# line names the cluster's directory (munged, slurmctld, slurmd), or it
# holds a file there open (slurmstepd keeps slurmd.log).
slurm_leftovers() {
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")
		case $c in *"$SLURM_W/"*) echo "${p#/proc/}" ;; esac
	done
	find /proc/[0-9]*/fd -maxdepth 1 -lname "$SLURM_W/*" 2>/dev/null |
		sed 's|^/proc/\([0-9]*\)/.*|\1|' | sort -u
}

slurm_cleanup() {
	"$VIRTBENCH_SRCDIR/scripts/slurm-stop" "$SLURM_W" 2>/dev/null
	left=$(slurm_leftovers)
	if [ -n "$left" ]; then
		echo "FAIL: processes of the test cluster left after slurm-stop: $left" >&2
		return 1
	fi
	rm -rf "$SLURM_W"
	return 0
}

slurm_start() {
	out=$("$VIRTBENCH_SRCDIR/scripts/slurm-start" "$SLURM_W") || {
		echo "FAIL: the test cluster did not start (logs above)" >&2
		exit 1
	}
	eval "$out"
	export SLURM_CONF
}

# slurm_wait_gone JOB: until no task of JOB is queued or running (a hang
# guard of 5 minutes, not a timing margin).
slurm_wait_gone() {
	i=0
	while [ -n "$(squeue -h -j "$1" -t all -o '%i %T' 2>/dev/null | grep -v -E ' (COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)$')" ]; do
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo "FAIL: job $1 still in the queue after 5 minutes" >&2; return 1; }
		sleep 0.1
	done
}

# wait_file PATH: until it exists (hang guard as above).
wait_file() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo "FAIL: $1 did not appear within 5 minutes" >&2; return 1; }
		sleep 0.1
	done
}
