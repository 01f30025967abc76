/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench probe: open one environment and show what it grants. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/runner.h"
#include "lib/options.h"
const char vb_usage_probe[] =
	"usage: virtbench probe BACKEND [--cpus N] [--memory SIZE] [key=value]...\n"
	"\n"
	"Opens one environment of BACKEND (options as key=value), asks the agent\n"
	"inside what it sees, compares with the request and closes it again.\n"
	"  --cpus N        CPUs to request (default 1)\n"
	"  --memory SIZE   memory to request (default 512M)\n";

int vb_cmd_probe(const struct vb_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int cpus = 1, c;
	int64_t mem = 512LL << 20;

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
			cpus = (int)v;
		} else if (c == 'm') {
			if (vb_parse_size(optarg, &mem) < 0 || mem < (16 << 20)) {
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
	return vb_probe_backend(cli->plugin_dirs, argv[optind], cpus, mem,
				argv + optind + 1,
				(size_t)(argc - optind - 1));
}

