/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * virtbench-agent: the guest-side program. Runs one request (probe, or a
 * workload phase) inside the environment and answers in protocol lines on
 * stdout (docs/agent-protocol.md). The same binary runs on the host, in a
 * container and in a VM.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lib/ctx.h"
#include "lib/loader.h"
#include "lib/options.h"
#include "lib/protocol.h"
#include "lib/util.h"

static char *plugin_dirs;
static char *scratch;
static uint64_t seed = 1;

static int print_metric(void *u, const char *name, double v)
{
	FILE *out = u;

	fprintf(out, VB_PROTO_TAG " metric %s %.17g\n", name, v);
	fflush(out);
	return 0;
}

static int print_fact(void *u, const char *k, const char *v)
{
	FILE *out = u;

	fprintf(out, VB_PROTO_TAG " fact %s %s\n", k, v);
	fflush(out);
	return 0;
}

static int done(FILE *out, int status)
{
	fprintf(out, VB_PROTO_TAG " done %d\n", status);
	fflush(out);
	return status;
}

static int fail_with(FILE *out, int err, const char *msg, int status)
{
	/* Protocol lines are single lines: fold any newline in msg. */
	char buf[1024];
	char *p;

	snprintf(buf, sizeof(buf), "%s", msg);
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(out, VB_PROTO_TAG " error %d %s\n", err, buf);
	fprintf(stderr, "virtbench-agent: %s\n", buf);
	return done(out, status);
}

static int fail(FILE *out, int err, const char *msg)
{
	return fail_with(out, err, msg, vb_is_interrupted() ? 130 : 1);
}

static int hook_error(FILE *out, struct vb_ctx *ctx, const char *phase, int rc)
{
	char msg[1200];

	if (vb_ctx_error(ctx)[0])
		snprintf(msg, sizeof(msg), "%s: %s", phase, vb_ctx_error(ctx));
	else
		snprintf(msg, sizeof(msg), "%s: %s", phase, strerror(-rc));
	return fail(out, rc, msg);
}

/* The workload plugin argv[1] and its options from argv[2..]: 0, or the
 * agent's answer already written and its status in *status. */
static int load_workload(struct vb_registry *reg, int argc, char **argv,
			 FILE *out, const struct vb_plugin **p, void **opts,
			 int *status)
{
	char err[1024];

	vb_registry_load(reg, plugin_dirs, 1u << VB_PLUGIN_WORKLOAD);
	*p = vb_registry_find(reg, VB_PLUGIN_WORKLOAD, argv[1]);
	if (!*p) {
		snprintf(err, sizeof(err),
			 "no workload plugin '%s' (searched %s)", argv[1],
			 reg->search_path ? reg->search_path : "nothing");
		*status = fail(out, -ENOENT, err);
		return -ENOENT;
	}
	if (vb_opts_from_kv((*p)->info, (const char *const *)argv + 2,
			    (size_t)argc - 2, opts, err, sizeof(err)) < 0) {
		*status = fail_with(out, -EINVAL, err, VB_AGENT_USAGE);
		return -EINVAL;
	}
	return 0;
}

/* The phases cmd asks for (run = prepare + measure + cleanup). */
static int run_phases(const char *cmd, const struct vb_workload_ops *ops,
		      struct vb_ctx *ctx, void *opts, FILE *out,
		      const struct vb_usage_mark *mark)
{
	bool all = strcmp(cmd, "run") == 0;
	bool do_prepare = all || strcmp(cmd, "prepare") == 0;
	bool do_run = all || strcmp(cmd, "measure") == 0;
	bool do_cleanup = all || strcmp(cmd, "cleanup") == 0;
	int rc = 0;

	if (do_prepare && ops->prepare && !vb_is_interrupted())
		rc = ops->prepare(ctx, opts);
	if (rc == 0 && do_run)
		rc = vb_is_interrupted() ? -EINTR : ops->run(ctx, opts);
	if (rc < 0) {
		char msg[1200];

		snprintf(msg, sizeof(msg), "%s", vb_ctx_error(ctx));
		/* Whatever failed, leave no files behind. */
		if (ops->cleanup)
			ops->cleanup(ctx, opts);
		vb_ctx_clear_error(ctx);
		if (msg[0])
			vb_ctx_restore_error(ctx, msg);
		return hook_error(out, ctx, do_run ? "run" : "prepare", rc);
	}
	if (do_cleanup && ops->cleanup && (rc = ops->cleanup(ctx, opts)) < 0)
		return hook_error(out, ctx, "cleanup", rc);
	vb_usage_print(mark, out);
	return done(out, vb_is_interrupted() ? 130 : 0);
}

static int cmd_workload(const char *cmd, int argc, char **argv, FILE *out)
{
	const struct vb_plugin *p = NULL;
	struct vb_registry reg = { 0 };
	struct vb_usage_mark mark;
	struct vb_ctx *ctx;
	void *opts = NULL;
	struct vb_wl_desc desc = { 0 };
	char err[1024];
	int status;

	vb_usage_begin(&mark);
	if (argc < 2) {
		fprintf(stderr, "usage: virtbench-agent %s WORKLOAD [key=value]...\n",
			cmd);
		return done(out, VB_AGENT_USAGE);
	}
	if (load_workload(&reg, argc, argv, out, &p, &opts, &status) == 0 &&
	    vb_workload_describe(p, opts, &desc, err, sizeof(err)) < 0)
		status = fail_with(out, -EINVAL, err, VB_AGENT_USAGE);
	else if (desc.metrics) {
		ctx = vb_ctx_new(p);
		/* The metrics this instance may report (exec's are the user's). */
		vb_ctx_set_metrics(ctx, desc.metrics);
		vb_ctx_set_sinks(ctx, print_metric, print_fact, print_fact, out);
		vb_ctx_set_seed(ctx, seed);
		if (scratch)
			vb_ctx_set_scratch(ctx, scratch);
		status = run_phases(cmd, p->info->ops, ctx, opts, out, &mark);
		vb_ctx_free(ctx);
	}
	if (opts && p) {
		vb_opts_free(p->info->options, opts);
		free(opts);
	}
	vb_wl_desc_free(&desc);
	vb_registry_free(&reg);
	return status;
}

static int cmd_list(FILE *out)
{
	struct vb_registry reg = { 0 };
	size_t i;

	vb_registry_load(&reg, plugin_dirs, 1u << VB_PLUGIN_WORKLOAD);
	for (i = 0; i < reg.count; i++)
		fprintf(out, VB_PROTO_TAG " fact workload %s %s\n",
			reg.items[i].info->name, reg.items[i].info->version);
	vb_registry_free(&reg);
	return done(out, 0);
}

/* A container's first process (docker backend): says it is up, then holds
 * until its stdin ends (the engine that started it let go or died) or a
 * signal comes. */
static int cmd_hold(FILE *out)
{
	char buf[256];
	ssize_t r;

	fprintf(out, VB_PROTO_TAG " ready\n");
	fflush(out);
	while ((r = read(0, buf, sizeof(buf))) != 0 && !vb_is_interrupted())
		if (r < 0 && errno != EINTR)
			break;
	return done(out, 0);
}

static int dispatch(int argc, char **argv, FILE *out)
{
	const char *cmd = argc > 0 ? argv[0] : "";

	if (strcmp(cmd, "probe") == 0) {
		struct vb_probe p;

		vb_probe_self(&p);
		vb_probe_print(&p, out);
		return done(out, 0);
	}
	if (strcmp(cmd, "list") == 0)
		return cmd_list(out);
	if (strcmp(cmd, "hold") == 0)
		return cmd_hold(out);
	if (!strcmp(cmd, "run") || !strcmp(cmd, "prepare") ||
	    !strcmp(cmd, "measure") || !strcmp(cmd, "cleanup"))
		return cmd_workload(cmd, argc, argv, out);
	if (strcmp(cmd, "drop-caches") == 0) {
		int rc = vb_drop_host_caches(NULL);

		if (rc < 0)
			return fail(out, rc, "cannot drop the page cache");
		return done(out, 0);
	}
	fprintf(stderr, "virtbench-agent: unknown command '%s' (try --help)\n",
		cmd);
	return done(out, VB_AGENT_USAGE);
}

static void usage(FILE *f)
{
	fputs("usage: virtbench-agent [--plugin-dir DIRS]... [--scratch DIR] [--seed N] COMMAND\n"
	      "\n"
	      "  probe                          what this environment grants\n"
	      "  list                           workload plugins found\n"
	      "  run      WORKLOAD [key=value]… prepare + measure + cleanup\n"
	      "  prepare  WORKLOAD [key=value]… prepare only\n"
	      "  measure  WORKLOAD [key=value]… the measured phase only\n"
	      "  cleanup  WORKLOAD [key=value]… cleanup only\n"
	      "  drop-caches                    sync and drop the page cache\n"
	      "  hold                           say ready, wait for the end of stdin\n"
	      "  serve    DEVICE                serve framed requests (VMs)\n"
	      "\nAnswers are protocol lines on stdout: see docs/agent-protocol.md.\n",
	      f);
}

/* The global options; optind is then the command. -1 to go on, else
 * the exit status. */
static int parse_options(int argc, char **argv, struct vb_buf *dirs)
{
	static const struct option longopts[] = {
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "scratch", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* '+': stop at the command, its arguments are key=value pairs. */
	while ((c = getopt_long(argc, argv, "+P:s:S:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			vb_buf_addf(dirs, "%s%s", dirs->len ? ":" : "", optarg);
			break;
		case 's':
			scratch = optarg;
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("virtbench-agent %s (plugin ABI %d.%d)\n",
			       PACKAGE_VERSION, VB_PLUGIN_ABI_MAJOR,
			       VB_PLUGIN_ABI_MINOR);
			return 0;
		default:
			usage(stderr);
			return VB_AGENT_USAGE;
		}
	}
	if (optind >= argc ||
	    (strcmp(argv[optind], "serve") == 0 && optind + 1 >= argc)) {
		usage(stderr);
		return VB_AGENT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct vb_buf dirs = VB_BUF_INIT;
	int status;

	LTDL_SET_PRELOADED_SYMBOLS();
	vb_set_preloaded(lt_preloaded_symbols);
	vb_install_signal_handlers();
	status = parse_options(argc, argv, &dirs);
	plugin_dirs = dirs.len ? dirs.s : NULL;
	if (status >= 0) {
		/* --help, --version or a usage error */
	} else if (strcmp(argv[optind], "serve") == 0) {
		status = vb_agent_serve(argv[optind + 1], dispatch);
		status = status < 0 ? 1 : status;
	} else {
		status = dispatch(argc - optind, argv + optind, stdout);
	}
	vb_buf_free(&dirs);
	return status;
}
