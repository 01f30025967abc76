/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The plugin registry and loader (lib/loader.c): finds modules on the
 * search path, checks their descriptors and keeps them loaded.
 */
#ifndef VB_LIB_LOADER_H
#define VB_LIB_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "virtbench/plugin.h"

struct vb_plugin {
	const struct vb_plugin_info *info;
	char *path;       /* file it was loaded from ("(preloaded)" if static) */
	void *handle;     /* lt_dlhandle, NULL for static test entries */
};

struct vb_registry {
	struct vb_plugin *items;
	size_t count;
	char *search_path; /* colon-separated dirs that were searched */
	size_t nfailed;    /* plugins that were refused (reasons on stderr) */
};

/*
 * Load every plugin found in `dirs` (colon-separated; NULL: the default
 * search path: VIRTBENCH_PLUGIN_PATH, then the build tree or install dir),
 * plus the preloaded ones in a static build. Refused files are reported on
 * stderr (file: reason) and skipped. `kinds` is a mask of
 * (1 << VB_PLUGIN_BACKEND) | (1 << VB_PLUGIN_WORKLOAD).
 */
int vb_registry_load(struct vb_registry *reg, const char *dirs,
		     unsigned kinds);
/* Load one file; 0 or -ENOENT/-ENOEXEC/-EPROTO/-EINVAL with a reason. */
int vb_registry_load_file(struct vb_registry *reg,
			  const char *path, char *err,
			  size_t errlen);
const struct vb_plugin *
vb_registry_find(const struct vb_registry *reg, enum vb_plugin_kind kind,
		 const char *name);
void vb_registry_free(struct vb_registry *reg);
/* main() hands over libtool's preload table (lt_preloaded_symbols) so a
 * static build finds its linked-in plugins. */
void vb_set_preloaded(const void *symlist);
/* True when the running program is the one in this build tree. */
bool vb_in_build_tree(void);
/* VIRTBENCH_PLUGIN_PATH, else the build tree's or the installed dirs. */
char *vb_default_plugin_path(void);
/* Path of the agent ELF to run on the host (malloc'd). In the build tree
 * also puts the uninstalled libvirtbench on LD_LIBRARY_PATH for children. */
char *vb_find_agent(void);
/* Validate a descriptor (ABI, kind, name, ops size, required hooks). */
int vb_plugin_check(const struct vb_plugin_info *info,
		    const char *expect_name, char *err,
		    size_t errlen);

#endif /* VB_LIB_LOADER_H */
