/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Experiment files: one case per kind of mistake, each pinned to the line
 * it must be reported at, plus one valid file that uses every key.
 */
#include "config.h"

#include <check.h>
#include <libconfig.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/experiment.h"
#include "engine/exptext.h"
#include "engine/matrix.h"
#include "lib/ctx.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "lib/options.h"
#include "fake-plugins.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vb-check-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/t.cfg", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static const char *write_cfg(const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.cfg", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *srcdir(void)
{
	const char *s = getenv("VIRTBENCH_SRCDIR");

	return s ? s : ABS_SRCDIR;
}

/* Skeleton lines most cases build on. */
#define B "backends = ( { plugin = \"bare-metal\"; } );\n"
#define C "configs = ( { name = \"c1\"; cpus = 1; memory = \"64M\"; } );\n"
#define W "workloads = ( { plugin = \"cpu-prime\"; } );\n"

static const struct {
	const char *kind;
	const char *text;
	int line;           /* 0: the message carries no line */
	const char *msg;    /* substring of the message at that line */
} err_cases[] = {
	{ "syntax error",
	  B C "workloads = ( { plugin = \"cpu-prime\"; threads = ; } );\n", 3,
	  "syntax error; check this line" },
	{ "unknown top-level key",
	  B C W "repetitons = 3;\n", 4,
	  "repetitons: unknown key; did you mean 'repetitions'?" },
	{ "unknown option",
	  B C "workloads = (\n  { plugin = \"cpu-prime\"; max_prim = 5; } );\n", 4,
	  "workloads[0] (cpu-prime): max_prim: unknown option; did you mean 'max_prime'? (see 'virtbench plugins cpu-prime')" },
	{ "wrong type",
	  B C "workloads = ( { plugin = \"cpu-prime\"; threads = \"4\"; } );\n", 3,
	  "workloads[0] (cpu-prime): threads: wrong type: expected an integer, got a string \"4\"; write the number without quotes" },
	{ "wrong type (string option)",
	  "backends = ( { plugin = \"qemu\"; kernel = 5; } );\n" C W, 1,
	  "backends[0] (qemu): kernel: wrong type: expected a string in double quotes, got 5; put the value in double quotes" },
	{ "out of range",
	  B C "workloads = ( { plugin = \"cpu-prime\"; threads = 0; } );\n", 3,
	  "threads: out of range: expected 1..1024, got '0'" },
	{ "out of range (size shown with unit)",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = \"2T\"; } );\n", 3,
	  "total_size: out of range: expected 16K..1T, got '2T'" },
	{ "bad unit",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = \"2Q\"; } );\n", 3,
	  "total_size: bad size: expected a number with an optional unit K, M, G or T" },
	{ "bad duration unit",
	  B C "workloads = ( { plugin = \"cpu-prime\"; time = \"10 minutes\"; } );\n", 3,
	  "time: bad duration" },
	{ "bad enum value",
	  "backends = ( { plugin = \"qemu\"; accel = \"kvmm\"; } );\n" C W, 1,
	  "accel: bad value: expected one of 'auto', 'kvm', 'tcg', got 'kvmm'; did you mean 'kvm'?" },
	{ "bad top-level enum",
	  B C W "order = \"random\";\n", 4,
	  "order: bad value: expected one of 'sequential', 'shuffled', 'interleaved', got 'random'" },
	{ "adaptive: min above max",
	  B C W "repetitions = { min = 9; max = 4; precision = 0.02; };\n", 4,
	  "repetitions: min (9) is more than max (4); expected min <= max" },
	{ "adaptive: unknown key",
	  B C W "repetitions = { max = 9;\n precison = 0.02; };\n", 5,
	  "repetitions: precison: unknown key; did you mean 'precision'?" },
	{ "adaptive: precision missing",
	  B C W "repetitions = { min = 3; max = 9; };\n", 4,
	  "repetitions: missing key 'precision'" },
	{ "adaptive: precision out of range",
	  B C W "repetitions = { precision = 2.0; };\n", 4,
	  "repetitions: precision: out of range" },
	{ "adaptive: min below 2",
	  B C W "repetitions = { min = 1; precision = 0.1; };\n", 4,
	  "repetitions: min: out of range: expected 2..1000000, got '1'" },
	{ "adaptive: unknown metric",
	  B C W "repetitions = { precision = 0.1; metrics = [\"event_per_second\"]; };\n", 4,
	  "repetitions: metrics: 'event_per_second' is not a metric of any workload; did you mean 'events_per_second'?" },
	{ "adaptive: budget",
	  B C W "repetitions = { precision = 0.1; budget = \"ten\"; };\n", 4,
	  "repetitions: budget: bad duration" },
	{ "noise: bad action",
	  B C W "noise = \"drop\";\n", 4,
	  "noise: bad value: expected one of 'flag', 'exclude', got 'drop'" },
	{ "noise: group key",
	  B C W "noise = { action = \"exclude\"; stael = 0.1; };\n", 4,
	  "noise: stael: unknown key; did you mean 'steal'?" },
	{ "noise: negative limit",
	  B C W "noise = { foreign = -1.0; };\n", 4,
	  "noise: foreign: out of range" },
	{ "missing plugin",
	  "backends = ( { name = \"x\"; } );\n" C W, 1,
	  "backends[0]: plugin: missing required key; add plugin = \"NAME\"" },
	{ "missing config cpus",
	  B "configs = ( { name = \"c1\"; memory = \"1G\"; } );\n" W, 2,
	  "configs[0]: cpus: missing required key" },
	{ "missing config name",
	  B "configs = ( { cpus = 1; memory = \"1G\"; } );\n" W, 2,
	  "configs[0]: name: missing required key" },
	{ "missing required option",
	  B C "workloads = ( { plugin = \"cpu-prime\"; },\n  { plugin = \"all-types\"; } );\n", 4,
	  "workloads[1] (all-types): level: missing required option; add level = ...; (see 'virtbench plugins all-types')" },
	{ "duplicate config names",
	  B "configs = ( { name = \"c1\"; cpus = 1; memory = \"1G\"; },\n"
	  "  { name = \"c1\"; cpus = 2; memory = \"1G\"; } );\n" W, 3,
	  "configs[1]: duplicate config name 'c1' (configs[0] at line 2 has it too)" },
	{ "duplicate backend labels",
	  "backends = ( { plugin = \"bare-metal\"; },\n  { plugin = \"bare-metal\"; } );\n" C W, 2,
	  "backends[1]: duplicate backend label 'bare-metal' (backends[0] at line 1 has it too); give one of them a different name" },
	{ "duplicate workload labels",
	  B C "workloads = ( { plugin = \"cpu-prime\"; },\n  { plugin = \"all-types\"; level = 1; name = \"cpu-prime\"; } );\n", 4,
	  "workloads[1]: duplicate workload label 'cpu-prime'" },
	{ "unknown plugin",
	  "backends = ( { plugin = \"qemuu\"; } );\n" C W, 1,
	  "backends[0] (qemuu): plugin: unknown backend plugin 'qemuu'; did you mean 'qemu'? (run 'virtbench plugins' to list the backends found)" },
	{ "unknown workload plugin",
	  B C "workloads = ( { plugin = \"cpu_prime\"; } );\n", 3,
	  "unknown workload plugin 'cpu_prime'; did you mean 'cpu-prime'?" },
	{ "plugin of the other kind",
	  "backends = ( { plugin = \"cpu-prime\"; } );\n" C W, 1,
	  "plugin: 'cpu-prime' is a workload plugin, expected a backend plugin" },
	{ "empty backends",
	  "backends = ( );\n" C W, 1,
	  "backends: empty list: at least one entry is needed" },
	{ "empty configs",
	  B "configs = ( );\n" W, 2,
	  "configs: empty list" },
	{ "missing workloads",
	  B C, 0,
	  "workloads: missing required key; add workloads = (" },
	{ "backends not a list",
	  "backends = { plugin = \"qemu\"; };\n" C W, 1,
	  "backends: wrong type: expected a list ( { plugin = \"bare-metal\"; } ), got a group { ... }" },
	{ "bad exclude key",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = [\"2G\", \"4G\"]; } );\n"
	  "exclude = (\n  { totl_size = \"4G\"; } );\n", 5,
	  "exclude[0]: totl_size: unknown filter key; did you mean 'total_size'?" },
	{ "exclude value that is a list",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = [\"2G\", \"4G\"]; } );\n"
	  "exclude = (\n  { total_size = [\"2G\", \"4G\"]; } );\n", 5,
	  "exclude[0]: total_size: wrong type: expected one value, got an array [ ... ]; a filter matches single values, so write one filter per value" },
	{ "exclude unknown label",
	  B C W "exclude = ( { backend = \"bare-metl\"; } );\n", 4,
	  "exclude[0]: backend: unknown backend label 'bare-metl'; did you mean 'bare-metal'?" },
	{ "exclude matches nothing",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = [\"2G\", \"4G\"]; } );\n"
	  "exclude = ( { total_size = \"8G\"; } );\n", 4,
	  "exclude[0]: matches no cell of the matrix" },
	{ "exclude drops everything",
	  B C W "exclude = ( { config = \"c1\"; } );\n", 4,
	  "exclude: the filters drop every cell of the matrix" },
	{ "bad threshold syntax",
	  B C W "thresholds = ( \"bare-metal total_time <= 1.5\" );\n", 4,
	  "thresholds[0]: bad threshold \"bare-metal total_time <= 1.5\": expected \"BACKEND/BASELINE METRIC OP LIMIT\"" },
	{ "bad threshold operator",
	  B C W "thresholds = ( \"bare-metal/bare-metal total_time =< 1.5\" );\n", 4,
	  "comparison '=<' unknown" },
	{ "threshold unknown backend",
	  B C W "thresholds = ( \"qemu/bare-metal total_time <= 1.5\" );\n", 4,
	  "thresholds[0]: unknown backend label 'qemu' in \"qemu/bare-metal total_time <= 1.5\"" },
	{ "threshold unknown metric",
	  B C W "thresholds = ( \"bare-metal/bare-metal totl_time <= 1.5\" );\n", 4,
	  "unknown metric 'totl_time' in \"bare-metal/bare-metal totl_time <= 1.5\"; did you mean 'total_time'?" },
	{ "memory below 16M",
	  B "configs = ( { name = \"c1\"; cpus = 1; memory = \"8M\"; } );\n" W, 2,
	  "configs[0]: memory: out of range: expected 16M..64T, got '8M'" },
	{ "cpus below 1",
	  B "configs = ( { name = \"c1\"; cpus = 0; memory = \"1G\"; } );\n" W, 2,
	  "configs[0]: cpus: out of range: expected 1..4096, got '0'" },
	{ "workload validate fails for a cell",
	  B C "workloads = (\n  { plugin = \"fileio-rndrw\"; total_size = [\"16K\", \"2G\"]; threads = [1, 2]; } );\n", 4,
	  "workloads[0] (fileio-rndrw): total_size=16384;threads=1: options rejected by the plugin: total_size / file_num is smaller than block_size" },
	{ "workload validate fails without axes",
	  B C "workloads = ( { plugin = \"cpu-prime\"; time = 0; } );\n", 3,
	  "workloads[0] (cpu-prime): options rejected by the plugin: events = 0 and time = 0 would run forever" },
	{ "backend validate fails",
	  "backends = ( { plugin = \"qemu\"; accel = \"kvm\"; tcg_thread = \"single\"; } );\n" C W, 1,
	  "backends[0] (qemu): options rejected by the plugin: tcg_thread applies to accel = \"tcg\" only" },
	{ "integer beyond 32 bits without L",
	  B C "workloads = ( { plugin = \"fileio-rndrw\";\n  total_size = 10000000000; } );\n", 4,
	  "integer 10000000000 does not fit in 32 bits and libconfig would silently truncate it; write 10000000000L" },
	{ "backend option as an axis",
	  "backends = ( { plugin = \"qemu\"; accel = [\"kvm\", \"tcg\"]; } );\n" C W, 1,
	  "backends[0] (qemu): accel: a list here would be a matrix axis, but only workload options can be axes" },
	{ "bad label",
	  "backends = ( { plugin = \"qemu\"; name = \"my qemu\"; } );\n" C W, 1,
	  "backends[0] (qemu): name: bad name 'my qemu'" },
	{ "unknown baseline",
	  B C W "baseline = \"bare_metal\";\n", 4,
	  "baseline: unknown backend label 'bare_metal'; did you mean 'bare-metal'?" },
	{ "mixed array (libconfig's own error)",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = [\"2G\", 2147483648L]; } );\n", 3,
	  "syntax error: mismatched element type in array" },
	{ "duplicate axis value (list)",
	  B C "workloads = ( { plugin = \"fileio-rndrw\"; total_size = (\"2G\", 2147483648L); } );\n", 3,
	  "total_size[1]: duplicate value '2147483648' (same as element [0])" },
	{ "empty axis",
	  B C "workloads = ( { plugin = \"cpu-prime\"; max_prime = []; } );\n", 3,
	  "max_prime: empty list: a matrix axis needs at least one value" },
	{ "retries out of range",
	  "backends = ( { plugin = \"bare-metal\"; retries = 11; } );\n" C W, 1,
	  "backends[0] (bare-metal): retries: out of range: expected 0..10, got '11'" },
	{ "repetitions out of range",
	  B C W "repetitions = 0;\n", 4,
	  "repetitions: out of range: expected 1..1000000, got '0'" },
	{ "list option element of wrong type",
	  "backends = ( { plugin = \"qemu\"; extra_args = (\"-m\", { m = 5; }); } );\n" C W, 1,
	  "extra_args[1]: wrong type: expected a string or an array of strings [\"a\", \"b\"], got a group" },
	{ "entry not a group",
	  B C "workloads = ( \"cpu-prime\" );\n", 3,
	  "workloads[0]: wrong type: expected a group { plugin = \"NAME\"; ... }, got a string \"cpu-prime\"" },
	{ "unknown config key",
	  B "configs = ( { name = \"c1\"; cpu = 1; memory = \"1G\"; } );\n" W, 2,
	  "configs[0]: cpu: unknown key; did you mean 'cpus'?" },
	/* Issue 11, item 9: messages that were unclear or quoted a number
	 * the user did not write. */
	{ "seed below 0",
	  B C W "seed = -1;\n", 4,
	  "seed: out of range: expected 0..9223372036854775807, got '-1'" },
	{ "integer beyond 64 bits",
	  B C W "seed = 99999999999999999999L;\n", 4,
	  "integer 99999999999999999999L does not fit in 64 bits" },
	{ "hex beyond 64 bits",
	  B C "workloads = ( { plugin = \"cpu-prime\"; max_prime = 0xFFFFFFFFFFFFFFFFL; } );\n", 3,
	  "integer 0xFFFFFFFFFFFFFFFFL does not fit in 64 bits" },
	{ "control character escaped in a value",
	  B C "workloads = ( { plugin = \"cpu-prime\"; name = \"a\\x01b\"; } );\n", 3,
	  "control character \\x01 in a string" },
	{ "control character in a label",
	  "backends = ( { plugin = \"qemu\";\n name = \"q\x7f\"; } );\n" C W, 2,
	  "control character \\x7f in a string" },
	{ "control character in an experiment name",
	  "name = \"e\x1f\";\n" B C W, 1,
	  "control character \\x1f in a string" },
	{ "memory above the host's",
	  B "configs = ( { name = \"c1\"; cpus = 1; memory = \"64T\"; } );\n" W, 2,
	  "configs[0]: memory: 64T is more than this host's memory" },
	{ "unknown shard_by",
	  B C W "shard_by = \"node\";\n", 4,
	  "shard_by: bad value: expected one of" },
	{ "unknown slurm key",
	  B C W "slurm = { partiton = \"batch\"; };\n", 4,
	  "slurm: partiton: unknown key; did you mean 'partition'?" },
	{ "slurm time not a Slurm time",
	  B C W "slurm = {\n  time = \"2h\"; };\n", 5,
	  "slurm: time: '2h' is not a Slurm time limit; expected minutes, MM:SS, HH:MM:SS" },
	{ "slurm sbatch_args not options",
	  B C W "slurm = { sbatch_args = [\"qos=long\"]; };\n", 4,
	  "slurm: sbatch_args: 'qos=long' is not an sbatch option" },
	{ "slurm shards below 1",
	  B C W "slurm = { shards = 0; };\n", 4,
	  "slurm: shards: expected a number of shards >= 1, got 0" },
	{ "slurm not a group",
	  B C W "slurm = \"batch\";\n", 4,
	  "slurm: wrong type: expected a group { partition" },
};

START_TEST(test_error_kind)
{
	struct vb_experiment *ex = (void *)1;
	struct vb_diag d = { 0 };
	const char *path;
	char prefix[256];
	size_t i;
	bool found = false;
	int rc;

	make_tmpdir();
	path = write_cfg(err_cases[_i].text);
	rc = vb_experiment_load(path, &fake_registry, &ex, &d);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(ex);
	ck_assert_uint_ge(d.count, 1);
	if (err_cases[_i].line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path,
			 err_cases[_i].line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	for (i = 0; i < d.count; i++)
		if (!strncmp(d.msgs[i], prefix, strlen(prefix)) &&
		    strstr(d.msgs[i], err_cases[_i].msg))
			found = true;
	if (getenv("VB_SHOW_DIAG"))
		vb_diag_print(&d, stderr);
	if (!found) {
		fprintf(stderr, "case '%s': want '%s' + '%s', got:\n",
			err_cases[_i].kind, prefix, err_cases[_i].msg);
		vb_diag_print(&d, stderr);
	}
	ck_assert_msg(found, "case '%s'", err_cases[_i].kind);
	vb_diag_free(&d);
	remove_tmpdir();
}
END_TEST

/* Errors are collected, not stopped at the first. */
START_TEST(test_collects_all)
{
	static const char text[] =
		"repetitons = 3;\n"
		"backends = ( { plugin = \"qemuu\"; } );\n"
		"configs = ( { name = \"c1\"; cpus = 0; memory = \"1Q\"; } );\n"
		"workloads = ( { plugin = \"cpu-prime\"; max_prim = 1; threads = -1; } );\n";
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };

	make_tmpdir();
	ck_assert_int_eq(vb_experiment_load(write_cfg(text), &fake_registry,
					    &ex, &d), -EINVAL);
	ck_assert_uint_eq(d.count, 6);
	ck_assert_ptr_nonnull(strstr(d.msgs[0], ":1: repetitons"));
	ck_assert_ptr_nonnull(strstr(d.msgs[1], ":2: backends[0] (qemuu)"));
	ck_assert_ptr_nonnull(strstr(d.msgs[2], ":3: configs[0]: cpus"));
	ck_assert_ptr_nonnull(strstr(d.msgs[3], ":3: configs[0]: memory"));
	ck_assert_ptr_nonnull(strstr(d.msgs[4], ":4: workloads[0] (cpu-prime): max_prim"));
	ck_assert_ptr_nonnull(strstr(d.msgs[5], ":4: workloads[0] (cpu-prime): threads"));
	vb_diag_free(&d);
	remove_tmpdir();
}
END_TEST

/* One typo in a plugin name gives one message, not one per reference. */
START_TEST(test_no_cascade)
{
	static const char text[] =
		"backends = ( { plugin = \"qemuu\"; }, { plugin = \"bare-metal\"; } );\n"
		"configs = ( { name = \"c1\"; cpus = 1; memory = \"1G\"; } );\n"
		"workloads = ( { plugin = \"cpu_prime\"; max_prime = [5, 7]; } );\n"
		"exclude = ( { backend = \"qemu\"; workload = \"cpu-prime\"; max_prime = 5; } );\n"
		"thresholds = ( \"qemu/bare-metal events_per_second >= 0.5\" );\n"
		"baseline = \"qemu\";\n";
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };

	make_tmpdir();
	ck_assert_int_eq(vb_experiment_load(write_cfg(text), &fake_registry,
					    &ex, &d), -EINVAL);
	if (d.count != 2)
		vb_diag_print(&d, stderr);
	ck_assert_uint_eq(d.count, 2);
	ck_assert_ptr_nonnull(strstr(d.msgs[0], ":1: backends[0] (qemuu): plugin: unknown backend plugin"));
	ck_assert_ptr_nonnull(strstr(d.msgs[1], ":3: workloads[0] (cpu_prime): plugin: unknown workload plugin"));
	vb_diag_free(&d);
	remove_tmpdir();
}
END_TEST

/* @include is found next to the file; errors point into the included
 * file. A literal libconfig would change is refused before parsing, so
 * no later message quotes what it made of it. */
static void write_inc(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_include)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	char inc[128];

	make_tmpdir();
	snprintf(inc, sizeof(inc), "%s/inc.cfg", tmpdir);
	write_inc(inc, "# shared configs\n"
		  "configs = ( { name = \"c1\"; cpus = 1; memory = \"1G\"; },\n"
		  "  { name = \"c2\"; cpus = 1; memory = \"1X\"; },\n"
		  "  { name = \"c3\"; cpus = 1; memory = 8589934592; } );\n");
	ck_assert_int_eq(vb_experiment_load(write_cfg(B "@include \"inc.cfg\"\n" W),
					    &fake_registry, &ex, &d), -EINVAL);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_msg(!strncmp(d.msgs[0], inc, strlen(inc)) &&
		      strstr(d.msgs[0], "inc.cfg:4: integer 8589934592 does not fit in 32 bits"),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);

	write_inc(inc, "# shared configs\n"
		  "configs = ( { name = \"c1\"; cpus = 1; memory = \"1G\"; },\n"
		  "  { name = \"c2\"; cpus = 1; memory = \"1X\"; },\n"
		  "  { name = \"c3\"; cpus = 1; memory = 8589934592L; } );\n");
	ck_assert_int_eq(vb_experiment_load(write_cfg(B "@include \"inc.cfg\"\n" W),
					    &fake_registry, &ex, &d), -EINVAL);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_msg(!strncmp(d.msgs[0], inc, strlen(inc)) &&
		      strstr(d.msgs[0], "inc.cfg:3: configs[1]: memory: bad size"),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);
	unlink(inc);
	remove_tmpdir();
}
END_TEST

/* A path that is a directory or a FIFO, as the file or as an include:
 * said so with file:line, and a FIFO never blocks (Check's timeout). */
START_TEST(test_not_regular)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	char sub[128], fifo[128], want[400];

	make_tmpdir();
	snprintf(sub, sizeof(sub), "%s/dir.cfg", tmpdir);
	snprintf(fifo, sizeof(fifo), "%s/fifo.cfg", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);

	ck_assert_int_eq(vb_experiment_load(sub, &fake_registry, &ex, &d), -EINVAL);
	snprintf(want, sizeof(want), "%s: is a directory, not an experiment file", sub);
	ck_assert_msg(d.count == 1 && !strcmp(d.msgs[0], want), "%s", d.msgs[0]);
	vb_diag_free(&d);

	ck_assert_int_eq(vb_experiment_load(fifo, &fake_registry, &ex, &d), -EINVAL);
	snprintf(want, sizeof(want), "%s: is not a regular file (a FIFO", fifo);
	ck_assert_msg(d.count == 1 && !strncmp(d.msgs[0], want, strlen(want)),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);

	ck_assert_int_eq(vb_experiment_load(write_cfg(B "@include \"dir.cfg\"\n" C W),
					    &fake_registry, &ex, &d), -EINVAL);
	snprintf(want, sizeof(want), "%s/t.cfg:2: @include \"dir.cfg\" (%s): is a directory",
		 tmpdir, sub);
	ck_assert_msg(d.count == 1 && !strncmp(d.msgs[0], want, strlen(want)),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);

	ck_assert_int_eq(vb_experiment_load(write_cfg(B C "\n@include \"fifo.cfg\"\n" W),
					    &fake_registry, &ex, &d), -EINVAL);
	snprintf(want, sizeof(want), "%s/t.cfg:4: @include \"fifo.cfg\" (%s): is not a regular file",
		 tmpdir, fifo);
	ck_assert_msg(d.count == 1 && !strncmp(d.msgs[0], want, strlen(want)),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);
	unlink(fifo);
	rmdir(sub);
	remove_tmpdir();
}
END_TEST

/* An include outside the experiment's directory works; its errors name
 * the path it resolved to, not "dir/../x". */
START_TEST(test_include_outside)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	char sub[128], top[160], inc[128], want[300];
	FILE *f;

	make_tmpdir();
	snprintf(sub, sizeof(sub), "%s/exp", tmpdir);
	snprintf(top, sizeof(top), "%s/t.cfg", sub);
	snprintf(inc, sizeof(inc), "%s/common.cfg", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	write_inc(inc, C);
	f = fopen(top, "w");
	ck_assert_ptr_nonnull(f);
	fputs(B "@include \"../common.cfg\"\n" W, f);
	fclose(f);
	ck_assert_int_eq(vb_experiment_load(top, &fake_registry, &ex, &d), 0);
	ck_assert_uint_eq(ex->nconfigs, 1);
	vb_experiment_free(ex);

	write_inc(inc, "configs = ( { name = \"c1\"; cpus = 1; memory = \"1X\"; } );\n");
	ck_assert_int_eq(vb_experiment_load(top, &fake_registry, &ex, &d), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: configs[0]: memory: bad size", inc);
	ck_assert_msg(d.count == 1 && !strncmp(d.msgs[0], want, strlen(want)),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);
	unlink(top);
	rmdir(sub);
	unlink(inc);
	remove_tmpdir();
}
END_TEST

/* The bounds checked before libconfig parses (a 50 MB value took hours). */
START_TEST(test_limits)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	struct vb_buf b = VB_BUF_INIT;

	make_tmpdir();
	/* A file above 1 MiB. */
	vb_buf_add(&b, B C W "# ");
	for (size_t i = 0; i < VB_EXPERIMENT_MAX_BYTES; i++)
		vb_buf_addc(&b, 'x');
	ck_assert_int_eq(vb_experiment_load(write_cfg(vb_buf_str(&b)),
					    &fake_registry, &ex, &d), -EINVAL);
	ck_assert_msg(d.count == 1 && strstr(d.msgs[0], "t.cfg: is bigger than 1048576 bytes"),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);

	/* A string above 64 KiB. */
	vb_buf_reset(&b);
	vb_buf_add(&b, B C "workloads = ( { plugin = \"cpu-prime\";\n name = \"");
	for (size_t i = 0; i <= VB_EXPERIMENT_MAX_STRING; i++)
		vb_buf_addc(&b, 'a');
	vb_buf_add(&b, "\"; } );\n");
	ck_assert_int_eq(vb_experiment_load(write_cfg(vb_buf_str(&b)),
					    &fake_registry, &ex, &d), -EINVAL);
	ck_assert_msg(d.count == 1 && strstr(d.msgs[0], "t.cfg:4: a string of 65537 bytes; a value may have at most 65536"),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);

	/* One workload's axes beyond the matrix limit (1001 x 1000). */
	vb_buf_reset(&b);
	vb_buf_add(&b, B C "workloads = ( { plugin = \"cpu-prime\"; max_prime = [3");
	for (int i = 4; i < 1004; i++)
		vb_buf_addf(&b, ", %d", i);
	vb_buf_add(&b, "];\n threads = [1");
	for (int i = 2; i <= 1000; i++)
		vb_buf_addf(&b, ", %d", i);
	vb_buf_add(&b, "]; } );\n");
	ck_assert_int_eq(vb_experiment_load(write_cfg(vb_buf_str(&b)),
					    &fake_registry, &ex, &d), -EINVAL);
	ck_assert_msg(d.count == 1 && strstr(d.msgs[0], "t.cfg:3: workloads[0] (cpu-prime): its axes make 1001000 points, more than the 1000000"),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);

	/* The whole matrix beyond it: 2 configs x 800 x 800 points. */
	vb_buf_reset(&b);
	vb_buf_add(&b, B "configs = ( { name = \"a\"; cpus = 1; memory = \"1G\"; },"
		   " { name = \"b\"; cpus = 1; memory = \"1G\"; } );\n"
		   "workloads = ( { plugin = \"cpu-prime\"; max_prime = [3");
	for (int i = 4; i < 803; i++)
		vb_buf_addf(&b, ", %d", i);
	vb_buf_add(&b, "];\n events = [1");
	for (int i = 2; i <= 800; i++)
		vb_buf_addf(&b, ", %d", i);
	vb_buf_add(&b, "]; } );\n");
	ck_assert_int_eq(vb_experiment_load(write_cfg(vb_buf_str(&b)),
					    &fake_registry, &ex, &d), -EINVAL);
	ck_assert_msg(d.count == 1 && strstr(d.msgs[0], "t.cfg: the matrix has 1280000 cells"),
		      "%s", d.msgs[0]);
	vb_diag_free(&d);
	vb_buf_free(&b);
	remove_tmpdir();
}
END_TEST

/* SIGINT/SIGTERM while a big matrix is validated or expanded: -EINTR
 * at once, not minutes later (a 1000^3 matrix ran 530 s). */
START_TEST(test_interrupt)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	struct vb_cell *cells;
	size_t n;
	struct vb_buf b = VB_BUF_INIT;

	make_tmpdir();
	vb_buf_add(&b, B C "workloads = ( { plugin = \"cpu-prime\"; max_prime = [3");
	for (int i = 4; i < 1003; i++)
		vb_buf_addf(&b, ", %d", i);
	vb_buf_add(&b, "]; threads = [1");
	for (int i = 2; i <= 1000; i++)
		vb_buf_addf(&b, ", %d", i);
	vb_buf_add(&b, "]; } );\n");
	ck_assert_int_eq(vb_experiment_load(write_cfg(vb_buf_str(&b)),
					    &fake_registry, &ex, &d), 0);
	vb_install_signal_handlers();
	raise(SIGTERM);
	ck_assert(vb_is_interrupted());
	ck_assert_int_eq(vb_matrix_expand(ex, &cells, &n), -EINTR);
	vb_experiment_free(ex);
	ck_assert_int_eq(vb_experiment_load(write_cfg(vb_buf_str(&b)),
					    &fake_registry, &ex, &d), -EINTR);
	ck_assert_ptr_null(ex);
	vb_buf_free(&b);
	vb_diag_free(&d);
	remove_tmpdir();
}
END_TEST

/* Newlines and tabs are the control characters a value may hold. */
START_TEST(test_newline_tab)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };

	make_tmpdir();
	ck_assert_int_eq(vb_experiment_load(write_cfg(
		B C "workloads = ( { plugin = \"all-types\"; level = 1;\n"
		"  label = [\"a\\nb\", \"c\\td\"]; } );\n"),
		&fake_registry, &ex, &d), 0);
	ck_assert_str_eq(ex->workloads[0].axes[0].values[0], "a\nb");
	ck_assert_str_eq(ex->workloads[0].axes[0].values[1], "c\td");
	vb_experiment_free(ex);
	remove_tmpdir();
}
END_TEST

START_TEST(test_missing_file)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };

	ck_assert_int_eq(vb_experiment_load("/nonexistent/x.cfg", &fake_registry,
					    &ex, &d), -EINVAL);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_ptr_nonnull(strstr(d.msgs[0], "/nonexistent/x.cfg: cannot read the experiment file: No such file or directory"));
	vb_diag_free(&d);
}
END_TEST

/* The trap itself, pinned (if libconfig ever stops truncating, the scan
 * in config.c can go), and the two ways around it. */
START_TEST(test_wide_integers)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	config_t cfg;
	long long v = 0;

	config_init(&cfg);
	ck_assert_int_eq(config_read_string(&cfg, "x = 10000000000;"), CONFIG_TRUE);
	ck_assert_int_eq(config_lookup_int64(&cfg, "x", &v), CONFIG_TRUE);
	ck_assert(v == 1410065408LL);
	config_destroy(&cfg);

	static const char text[] =
		B "configs = ( { name = \"c1\"; cpus = 1; memory = 4294967296L; },\n"
		"  { name = \"c2\"; cpus = 1; memory = \"4G\"; } );\n" W;

	make_tmpdir();
	ck_assert_int_eq(vb_experiment_load(write_cfg(text), &fake_registry,
					    &ex, &d), 0);
	ck_assert(ex->configs[0].memory == 4294967296LL);
	ck_assert(ex->configs[1].memory == 4294967296LL);
	vb_experiment_free(ex);
	remove_tmpdir();
}
END_TEST

START_TEST(test_minimal_defaults)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	char path[1024];
	const struct fake_cpu_opts *co;

	snprintf(path, sizeof(path), "%s/tests/data/minimal.cfg", srcdir());
	ck_assert_int_eq(vb_experiment_load(path, &fake_registry, &ex, &d), 0);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(ex->name, "minimal");
	ck_assert_int_eq(ex->repetitions, 5);
	ck_assert_int_eq(ex->warmup, 0);
	ck_assert_int_eq(ex->order, VB_ORDER_SEQUENTIAL);
	ck_assert(ex->seed == 1);
	ck_assert(!ex->seed_given);
	ck_assert(ex->timeout == 3600);
	ck_assert_int_eq(ex->verify, VB_VERIFY_STRICT);
	ck_assert_str_eq(ex->baseline, "bare-metal");
	ck_assert_uint_eq(ex->nbackends, 1);
	ck_assert_str_eq(ex->backends[0].label, "bare-metal");
	ck_assert_int_eq(ex->backends[0].retries, 1);
	ck_assert_int_eq(ex->backends[0].verify, VB_VERIFY_STRICT);
	ck_assert(((struct fake_bm_opts *)ex->backends[0].opts)->cgroup);
	ck_assert_uint_eq(ex->nconfigs, 1);
	ck_assert_uint_eq(ex->nworkloads, 1);
	ck_assert_uint_eq(ex->workloads[0].naxes, 0);
	co = ex->workloads[0].opts;
	ck_assert(co->max_prime == 10000);
	ck_assert(co->time == 10);
	ck_assert_uint_eq(ex->nexcludes, 0);
	ck_assert_uint_eq(ex->nthresholds, 0);
	ck_assert_int_eq(ex->shard_by, VB_SHARD_BY_CONFIG);
	ck_assert_ptr_null(ex->slurm.partition);
	ck_assert_ptr_null(ex->slurm.sbatch_args);
	ck_assert_int_eq(ex->slurm.shards, 0);
	vb_experiment_free(ex);
}
END_TEST

/* The adaptive rule, the noise rule, and the order's default. */
START_TEST(test_trust_keys)
{
	static const char two[] =
		"backends = ( { plugin = \"bare-metal\"; }, { plugin = \"docker\"; } );\n"
		C W;
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };

	make_tmpdir();
	/* A baseline compared with another backend: interleaved. */
	ck_assert_int_eq(vb_experiment_load(write_cfg(two), &fake_registry,
					    &ex, &d), 0);
	ck_assert_int_eq(ex->order, VB_ORDER_INTERLEAVED);
	ck_assert(ex->order_default);
	ck_assert(!ex->adaptive.on);
	ck_assert_int_eq(ex->repetitions, 5);
	ck_assert_int_eq(ex->noise.action, VB_NOISE_FLAG);
	ck_assert(ex->noise.steal == 0.02 && ex->noise.foreign == 0.1);
	vb_experiment_free(ex);
	/* The order given wins. */
	{
		char text[1024];

		snprintf(text, sizeof(text), "%sorder = \"shuffled\";\n", two);
		ck_assert_int_eq(vb_experiment_load(write_cfg(text),
						    &fake_registry, &ex, &d), 0);
		ck_assert_int_eq(ex->order, VB_ORDER_SHUFFLED);
		ck_assert(!ex->order_default);
		vb_experiment_free(ex);
	}
	/* One backend: nothing to compare, sequential. */
	ck_assert_int_eq(vb_experiment_load(write_cfg(
		B C W "repetitions = { min = 4; max = 12; precision = 0.015;\n"
		"  budget = \"2m\"; metrics = \"total_time\"; };\n"
		"noise = { action = \"exclude\"; steal = 0.05; foreign = 0.5; };\n"),
		&fake_registry, &ex, &d), 0);
	ck_assert_int_eq(ex->order, VB_ORDER_SEQUENTIAL);
	ck_assert(ex->adaptive.on);
	ck_assert_int_eq(ex->adaptive.min, 4);
	ck_assert_int_eq(ex->adaptive.max, 12);
	ck_assert_int_eq(ex->repetitions, 12);
	ck_assert(ex->adaptive.precision == 0.015);
	ck_assert(ex->adaptive.budget == 120);
	ck_assert_str_eq(ex->adaptive.metrics[0], "total_time");
	ck_assert_ptr_null(ex->adaptive.metrics[1]);
	ck_assert_int_eq(ex->noise.action, VB_NOISE_EXCLUDE);
	ck_assert(ex->noise.steal == 0.05 && ex->noise.foreign == 0.5);
	vb_experiment_free(ex);
	ck_assert_int_eq(vb_experiment_load(write_cfg(B C W "noise = \"exclude\";\n"),
					    &fake_registry, &ex, &d), 0);
	ck_assert_int_eq(ex->noise.action, VB_NOISE_EXCLUDE);
	ck_assert(ex->noise.foreign == 0.1);
	vb_experiment_free(ex);
	vb_diag_free(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_full_file)
{
	struct vb_experiment *ex = NULL;
	struct vb_diag d = { 0 };
	char path[1024];
	const struct fake_qemu_opts *qo;
	const struct fake_fio_opts *fo;
	const struct fake_all_opts *ao;
	const struct vb_workload_entry *w;

	snprintf(path, sizeof(path), "%s/tests/data/full.cfg", srcdir());
	if (vb_experiment_load(path, &fake_registry, &ex, &d))
		vb_diag_print(&d, stderr);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_eq(ex->path, path);
	ck_assert_str_eq(ex->name, "full-test");
	ck_assert_int_eq(ex->repetitions, 3);
	ck_assert_int_eq(ex->warmup, 1);
	ck_assert_int_eq(ex->order, VB_ORDER_SHUFFLED);
	ck_assert(ex->seed == 42);
	ck_assert(ex->seed_given);
	ck_assert(ex->timeout == 5400);
	ck_assert_int_eq(ex->verify, VB_VERIFY_WARN);
	ck_assert_str_eq(ex->baseline, "bm");

	ck_assert_uint_eq(ex->nbackends, 3);
	ck_assert_str_eq(ex->backends[0].label, "qemu-single");
	ck_assert_str_eq(ex->backends[0].plugin->info->name, "qemu");
	ck_assert_int_eq(ex->backends[0].verify, VB_VERIFY_STRICT);
	ck_assert_int_eq(ex->backends[0].retries, 2);
	ck_assert_int_eq(ex->backends[0].line, 13);
	qo = ex->backends[0].opts;
	ck_assert_int_eq(qo->accel, 2);
	ck_assert_int_eq(qo->tcg_thread, 0);
	ck_assert(qo->boot_timeout == 60);
	ck_assert_str_eq(qo->kernel, "");
	ck_assert_str_eq(qo->extra_args[0], "-device");
	ck_assert_str_eq(qo->extra_args[1], "virtio-rng-pci,max-bytes=1024");
	ck_assert_ptr_null(qo->extra_args[2]);
	ck_assert_str_eq(ex->backends[1].label, "bm");
	ck_assert_int_eq(ex->backends[1].verify, VB_VERIFY_WARN); /* inherited */
	ck_assert(!((struct fake_bm_opts *)ex->backends[1].opts)->cgroup);
	ck_assert_str_eq(ex->backends[2].label, "docker");
	ck_assert_int_eq(ex->backends[2].retries, 1);

	ck_assert_uint_eq(ex->nconfigs, 2);
	ck_assert_str_eq(ex->configs[0].name, "1cpu-2g");
	ck_assert_int_eq(ex->configs[0].cpus, 1);
	ck_assert(ex->configs[0].memory == 2147483648LL);
	ck_assert(ex->configs[1].memory == 4294967296LL);
	ck_assert_int_eq(ex->configs[1].line, 21);

	ck_assert_uint_eq(ex->nworkloads, 3);
	w = &ex->workloads[0];
	ck_assert_str_eq(w->label, "cpu-prime");
	ck_assert_uint_eq(w->naxes, 1);
	ck_assert_str_eq(w->axes[0].opt->name, "max_prime");
	ck_assert_uint_eq(w->axes[0].nvalues, 3);
	ck_assert_str_eq(w->axes[0].values[0], "5000");
	ck_assert_str_eq(w->axes[0].values[2], "20000");
	ck_assert(((struct fake_cpu_opts *)w->opts)->time == 30);
	w = &ex->workloads[1];
	ck_assert_str_eq(w->label, "fio");
	ck_assert_str_eq(w->axes[0].values[0], "2147483648");
	ck_assert_str_eq(w->axes[0].values[1], "4294967296");
	fo = w->opts;
	ck_assert(fo->threads == 16);
	ck_assert(fo->rw_ratio == 2.0);
	ck_assert(fo->direct);
	w = &ex->workloads[2];
	ao = w->opts;
	ck_assert(ao->level == 3);
	ck_assert(ao->size == 1048576);
	ck_assert(ao->wait == 1.5);
	ck_assert(ao->loud);
	ck_assert_str_eq(ao->label, "hello");
	ck_assert_str_eq(ao->args[0], "-q");   /* replaced the default */
	ck_assert_ptr_null(ao->args[1]);
	ck_assert_str_eq(w->axes[0].opt->name, "color");
	ck_assert_str_eq(w->axes[0].values[1], "blue");

	ck_assert_uint_eq(ex->nexcludes, 2);
	ck_assert_uint_eq(ex->excludes[0].n, 3);
	ck_assert_str_eq(ex->excludes[0].keys[2], "total_size");
	ck_assert_str_eq(ex->excludes[0].values[2], "4294967296");
	ck_assert_str_eq(ex->excludes[1].keys[0], "workload");
	ck_assert_str_eq(ex->excludes[1].values[1], "blue");

	ck_assert_uint_eq(ex->nthresholds, 2);
	ck_assert_str_eq(ex->thresholds[0].backend, "qemu-single");
	ck_assert_str_eq(ex->thresholds[0].baseline, "bm");
	ck_assert_str_eq(ex->thresholds[0].metric, "total_time");
	ck_assert_str_eq(ex->thresholds[0].op, "<=");
	ck_assert(ex->thresholds[0].limit == 1.5);
	ck_assert_str_eq(ex->thresholds[1].op, ">=");
	ck_assert_int_eq(ex->thresholds[1].line, 38);

	ck_assert_int_eq(ex->shard_by, VB_SHARD_BY_ENVIRONMENT);
	ck_assert_str_eq(ex->slurm.partition, "batch");
	ck_assert_str_eq(ex->slurm.time, "1-12:00:00");
	ck_assert_str_eq(ex->slurm.account, "lab");
	ck_assert_str_eq(ex->slurm.constraint, "intel");
	ck_assert_str_eq(ex->slurm.sbatch_args[0], "--qos=long");
	ck_assert_str_eq(ex->slurm.sbatch_args[1], "--mem=0");
	ck_assert_ptr_null(ex->slurm.sbatch_args[2]);
	ck_assert_int_eq(ex->slurm.shards, 2);
	vb_experiment_free(ex);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("errors");

	tcase_add_loop_test(tc, test_error_kind, 0, N(err_cases));
	tcase_add_test(tc, test_collects_all);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_no_cascade);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_include_outside);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_interrupt);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid");
	tcase_add_test(tc, test_wide_integers);
	tcase_add_test(tc, test_newline_tab);
	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_trust_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
