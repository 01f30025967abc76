/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The plugin registry and loader (lib/loader.c): finds modules on the
 * search path, checks their descriptors against the ABI rules of
 * include/virtbench/plugin.h and keeps them loaded.
 */
#ifndef VB_LIB_LOADER_H
#define VB_LIB_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "virtbench/plugin.h"

struct vb_plugin {
	/*
	 * The descriptor in this engine's layout: its option and metric
	 * tables and its ops table are copies with this ABI's element sizes,
	 * every hook beyond the plugin's ops `size` NULL and every field a
	 * plugin of an older minor lacks zero. abi_major/abi_minor are the
	 * plugin's own. Read plugins only through this.
	 */
	const struct vb_plugin_info *info;
	char *path;       /* file it was loaded from ("(preloaded)" if static) */
	void *handle;     /* lt_dlhandle, NULL for static test entries */
	/* A file of the same kind and name found later on the search path
	 * and not loaded (this one wins), or NULL. */
	char *shadows;
	void *copy;       /* what info points into (loader.c), or NULL */
};

struct vb_registry {
	struct vb_plugin *items;
	size_t count;
	char *search_path; /* colon-separated dirs that were searched */
	size_t nfailed;    /* plugins that were refused (reasons on stderr) */
};

/*
 * The plugin search path: `extra` (colon-separated, --plugin-dir; may be
 * NULL), then VIRTBENCH_PLUGIN_PATH, then the build tree's or the install
 * dir's plugin directories, each directory once (malloc'd). Both prepend:
 * the built-in plugins always remain findable, and a plugin in an earlier
 * directory wins over one of the same name in a later one.
 */
char *vb_plugin_search_path(const char *extra);
/*
 * Load every plugin on vb_plugin_search_path(extra), plus the preloaded
 * ones of a static build (after the files). Refused files are reported on
 * stderr (file: reason) and skipped. `kinds` is a mask of
 * (1 << VB_PLUGIN_BACKEND) | (1 << VB_PLUGIN_WORKLOAD).
 */
int vb_registry_load(struct vb_registry *reg, const char *extra,
		     unsigned kinds);
/* The same for exactly the directories in `dirs` (and the preloaded). */
int vb_registry_load_dirs(struct vb_registry *reg, const char *dirs,
			  unsigned kinds);
/*
 * Load one file; 0 or -errno with a one-line reason in err: -ENOENT
 * (missing or unreadable), -ENOEXEC (not a regular file, not a module of
 * this machine, no entry point), -EPROTO (ABI version), -EINVAL (a
 * descriptor that breaks the ABI rules). A file of a kind and name
 * already registered is not loaded (0; recorded in the winner's shadows).
 */
int vb_registry_load_file(struct vb_registry *reg,
			  const char *path, char *err,
			  size_t errlen);
const struct vb_plugin *
vb_registry_find(const struct vb_registry *reg, enum vb_plugin_kind kind,
		 const char *name);
/*
 * The directories of reg->search_path that do not exist (or are not
 * directories), joined with ", " into buf; returns how many.
 */
size_t vb_registry_missing_dirs(const struct vb_registry *reg, char *buf,
				size_t n);
void vb_registry_free(struct vb_registry *reg);
/* main() hands over libtool's preload table (lt_preloaded_symbols) so a
 * static build finds its linked-in plugins. */
void vb_set_preloaded(const void *symlist);
/* True when the running program is the one in this build tree. */
bool vb_in_build_tree(void);
/* Path of the agent ELF to run on the host (malloc'd). In the build tree
 * also puts the uninstalled libvirtbench on LD_LIBRARY_PATH for children. */
char *vb_find_agent(void);
/*
 * Validate a descriptor against the ABI rules (versions, kind, name, ops
 * size for its minor, required hooks, option and metric tables). 0 or
 * -EPROTO/-EINVAL with a one-line reason.
 */
int vb_plugin_check(const struct vb_plugin_info *info,
		    const char *expect_name, char *err,
		    size_t errlen);

/*
 * What one instance of a workload reports (plugin.h, struct
 * vb_wl_instance): its metric table in this engine's layout, strings
 * owned here, and its VB_WL_* flags. From the plugin's instance() hook
 * when it has one (checked like a descriptor's table), else the
 * descriptor's table and ops flags. Engine and agent ask this, never
 * info->metrics directly, so per-instance metrics (exec) are everywhere
 * a built-in workload's are.
 */
struct vb_wl_desc {
	struct vb_metric *metrics;  /* NULL-name terminated */
	size_t nmetrics;
	uint32_t flags;
};
/* 0, or -EINVAL / -ENOMEM with a one-line reason in err (out empty). */
int vb_workload_describe(const struct vb_plugin *p, const void *opts,
			 struct vb_wl_desc *out, char *err, size_t errlen);
void vb_wl_desc_free(struct vb_wl_desc *d);
/* The metric `name` of d, or NULL. */
const struct vb_metric *vb_wl_desc_find(const struct vb_wl_desc *d,
					const char *name);

#endif /* VB_LIB_LOADER_H */
