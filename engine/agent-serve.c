/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the qemu backend lands the real serial server. */
#include <errno.h>
#include "engine.h"
int vb_agent_serve(const char *device, vb_agent_dispatch_fn fn)
{
	(void)device;
	(void)fn;
	return -ENOSYS;
}
