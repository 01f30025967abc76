/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench probe: open one environment and show what it grants. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/probe.h"
#include "lib/diag.h"
#include "lib/options.h"

const char vb_usage_probe[] =
	"usage: virtbench probe BACKEND [--cpus N] [--memory SIZE] [key=value]...\n"
	"\n"
	"Opens one environment of BACKEND (options as key=value), asks the agent\n"
	"inside what it sees, compares with the request and closes it again.\n"
	"  --cpus N        CPUs to request (default 1)\n"
	"  --memory SIZE   memory to request (default 512M)\n";

static void print_probe(const char *backend, const struct vb_probe_result *r)
{
	const struct vb_probe *pr = &r->probe;
	const struct vb_verification *v = &r->ver;

	printf("backend         %s\n", backend);
	printf("cpus            requested %d, observed %.2f (online %d, affinity %d, quota %.2f, cpuset '%s')%s\n",
	       r->spec.cpus, v->cpus_observed, pr->cpus_online,
	       pr->cpus_affinity, pr->cpu_quota, pr->cpuset,
	       r->granted.cpus_enforced ? "" : " [not enforced]");
	printf("memory          requested %lld, observed %lld (MemTotal %lld, limit %lld)%s\n",
	       (long long)r->spec.memory, (long long)v->mem_observed,
	       (long long)pr->mem_total, (long long)pr->mem_limit,
	       r->granted.memory_enforced ? "" : " [not enforced]");
	printf("kernel          %s\nvirtualization  %s\ncgroup          %s\n",
	       pr->kernel, pr->virt, pr->cgroup);
	printf("facts           %s\n", r->facts);
	printf("verdict         %s%s%s\n", vb_verdict_name(v->verdict),
	       v->reason[0] ? ": " : "", v->reason);
}

/* Exit status: 0 ok or warn, 1 refused or did not open, 2 bad request,
 * 130 interrupted. */
static int probe(const struct vb_probe_opts *o)
{
	struct vb_probe_result res;
	struct vb_diag d = { 0 };
	int rc = vb_probe_backend(o, &res, &d), status;

	vb_cli_print_diag(&d, false);
	if (rc == -EINTR)
		status = VB_EXIT_INTERRUPTED;
	else if (rc < 0 && res.bad_request)
		status = VB_EXIT_USAGE;
	else if (rc < 0)
		status = VB_EXIT_FAILED;
	else
		status = res.ver.verdict == VB_VERDICT_REFUSED ? VB_EXIT_FAILED
							       : VB_EXIT_OK;
	if (rc == 0)
		print_probe(o->backend, &res);
	if (res.logs && status != VB_EXIT_INTERRUPTED)
		fprintf(stderr, "virtbench: logs kept in %s\n", res.logs);
	vb_probe_result_free(&res);
	vb_diag_free(&d);
	return status;
}

int vb_cmd_probe(const struct vb_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct vb_probe_opts o = { .plugin_dirs = cli->plugin_dirs, .cpus = 1,
				   .memory = 512LL << 20 };
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:m:", longopts, NULL)) != -1) {
		char *end;

		if (c == 'c') {
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || v > 4096) {
				fprintf(stderr, "virtbench: --cpus: expected 1..4096, got '%s'\n",
					optarg);
				return VB_EXIT_USAGE;
			}
			o.cpus = (int)v;
		} else if (c == 'm') {
			if (vb_parse_size(optarg, &o.memory) < 0 ||
			    o.memory < (16 << 20)) {
				fprintf(stderr, "virtbench: --memory: expected a size of at least 16M such as 512M or 2G, got '%s'\n",
					optarg);
				return VB_EXIT_USAGE;
			}
		} else {
			return vb_usage_error(vb_usage_probe);
		}
	}
	if (optind >= argc)
		return vb_usage_error(vb_usage_probe);
	o.backend = argv[optind];
	o.kv = (const char *const *)argv + optind + 1;
	o.nkv = (size_t)(argc - optind - 1);
	return probe(&o);
}
