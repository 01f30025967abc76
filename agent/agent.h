/* SPDX-License-Identifier: GPL-3.0-or-later */
/* virtbench-agent's two parts: one request (agent/main.c) and the serve
 * loop of a VM's control channel (agent/serve.c). */
#ifndef VB_AGENT_AGENT_H
#define VB_AGENT_AGENT_H

#include <stdio.h>

/* The agent's exit statuses (docs/agent-protocol.md). */
enum {
	VB_AGENT_OK = 0,
	VB_AGENT_FAILED = 1,
	VB_AGENT_USAGE = 2,
	VB_AGENT_INTERRUPTED = 130,
};

/*
 * Run one agent command line (argv[0] is the command: probe, run, prepare,
 * measure, cleanup, list) writing protocol lines to out. Returns the exit
 * status the agent process would have (0 ok, 1 failed, 2 usage).
 */
typedef int (*vb_agent_dispatch_fn)(int argc, char **argv, FILE *out);
/*
 * Serve framed requests on a serial device until the host says stop
 * (docs/agent-protocol.md, "serve"). Each request is dispatched with fn.
 */
int vb_agent_serve(const char *device, vb_agent_dispatch_fn fn);

#endif /* VB_AGENT_AGENT_H */
