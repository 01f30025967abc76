/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Plugin loader on the system libltdl. A refused file is reported with the
 * file name and the real reason, and the other plugins still load; nothing
 * is registered before validation passes, so there is nothing to unwind.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/loader.h"
#include "lib/util.h"

static int ltdl_users;

static int ltdl_up(void)
{
	if (ltdl_users++ == 0 && lt_dlinit() != 0)
		return -EIO;
	return 0;
}

static void ltdl_down(void)
{
	if (ltdl_users > 0 && --ltdl_users == 0)
		lt_dlexit();
}

int vb_plugin_check(const struct vb_plugin_info *info, const char *expect_name,
		    char *err, size_t errlen)
{
	if (info->abi_major != VB_PLUGIN_ABI_MAJOR) {
		snprintf(err, errlen,
			 "ABI major version mismatch: plugin built for %u.%u, engine speaks %u.%u; rebuild the plugin against this virtbench",
			 info->abi_major, info->abi_minor, VB_PLUGIN_ABI_MAJOR,
			 VB_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	if (!info->name || !info->version || !info->summary) {
		snprintf(err, errlen, "descriptor lacks name, version or summary");
		return -EINVAL;
	}
	if (expect_name && strcmp(info->name, expect_name) != 0) {
		snprintf(err, errlen,
			 "plugin calls itself '%s' but its file is named '%s'; the name must equal the file name",
			 info->name, expect_name);
		return -EINVAL;
	}
	if (info->options && info->options_size == 0) {
		snprintf(err, errlen, "has options but options_size is 0");
		return -EINVAL;
	}
	if (!info->ops) {
		snprintf(err, errlen, "ops table is missing");
		return -EINVAL;
	}
	if (info->kind == VB_PLUGIN_BACKEND) {
		const struct vb_backend_ops *o = info->ops;

		if (o->size < sizeof(*o)) {
			snprintf(err, errlen, "backend ops size %zu < %zu",
				 o->size, sizeof(*o));
			return -EINVAL;
		}
		if (!o->create || !o->open || !o->exec || !o->close ||
		    !o->destroy) {
			snprintf(err, errlen,
				 "backend lacks a required hook (create, open, exec, close, destroy: %s missing)",
				 !o->create ? "create" : !o->open ? "open"
				 : !o->exec ? "exec" : !o->close ? "close"
				 : "destroy");
			return -EINVAL;
		}
	} else if (info->kind == VB_PLUGIN_WORKLOAD) {
		const struct vb_workload_ops *o = info->ops;

		if (o->size < sizeof(*o)) {
			snprintf(err, errlen, "workload ops size %zu < %zu",
				 o->size, sizeof(*o));
			return -EINVAL;
		}
		if (!o->run) {
			snprintf(err, errlen,
				 "workload lacks the required hook 'run'");
			return -EINVAL;
		}
		if (!info->metrics || !info->metrics[0].name) {
			snprintf(err, errlen, "workload declares no metrics");
			return -EINVAL;
		}
	} else {
		snprintf(err, errlen, "unknown plugin kind %d", (int)info->kind);
		return -EINVAL;
	}
	return 0;
}

static int add(struct vb_registry *reg, const struct vb_plugin_info *info,
	       const char *path, void *handle)
{
	struct vb_plugin *items =
		realloc(reg->items, (reg->count + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	reg->items = items;
	items[reg->count].info = info;
	items[reg->count].path = strdup(path);
	items[reg->count].handle = handle;
	reg->count++;
	return 0;
}

const struct vb_plugin *vb_registry_find(const struct vb_registry *reg,
					 enum vb_plugin_kind kind,
					 const char *name)
{
	size_t i;

	for (i = 0; i < reg->count; i++)
		if (reg->items[i].info->kind == kind &&
		    strcmp(reg->items[i].info->name, name) == 0)
			return &reg->items[i];
	return NULL;
}

/* "dir/bare-metal.so" -> "bare-metal" */
static void module_name(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strcspn(base, ".");
	if (len >= n)
		len = n - 1;
	memcpy(out, base, len);
	out[len] = '\0';
}

int vb_registry_load_file(struct vb_registry *reg, const char *path,
			  char *err, size_t errlen)
{
	const struct vb_plugin_info *info;
	vb_plugin_entry_fn entry;
	lt_dladvise advise;
	lt_dlhandle h = NULL;
	char name[256];
	int rc;

	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return -ENOENT;
	}
	if ((rc = ltdl_up()) < 0) {
		snprintf(err, errlen, "lt_dlinit failed");
		return rc;
	}
	if (lt_dladvise_init(&advise) == 0) {
		lt_dladvise_ext(&advise);
		lt_dladvise_local(&advise);
		h = lt_dlopenadvise(path, advise);
		lt_dladvise_destroy(&advise);
	}
	if (!h) {
		/* libltdl says "file not found" for any failure; dlopen
		 * tells the real reason (missing library, bad ELF...). */
		void *d = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		const char *why = d ? lt_dlerror() : dlerror();

		snprintf(err, errlen,
			 "cannot be loaded: %s (try: ldd -r %s)",
			 why ? why : "unknown error", path);
		if (d)
			dlclose(d);
		ltdl_down();
		return -ENOEXEC;
	}
	module_name(path, name, sizeof(name));
	/* lt_dlsym tries "<module>_LTX_vb_plugin_entry" first. */
	entry = (vb_plugin_entry_fn)(uintptr_t)lt_dlsym(h, "vb_plugin_entry");
	if (!entry) {
		char sym[300];

		snprintf(sym, sizeof(sym), "%s_LTX_vb_plugin_entry", name);
		for (char *p = sym; *p && p < sym + strlen(name); p++)
			if (*p == '-')
				*p = '_';
		snprintf(err, errlen,
			 "no entry point: symbol %s not found (was the file renamed? plugins must use VB_PLUGIN_DEFINE)",
			 sym);
		lt_dlclose(h);
		ltdl_down();
		return -ENOEXEC;
	}
	info = entry();
	if (!info) {
		snprintf(err, errlen, "entry point returned no descriptor");
		rc = -EINVAL;
	} else {
		rc = vb_plugin_check(info, name, err, errlen);
	}
	if (rc == 0 && vb_registry_find(reg, info->kind, info->name)) {
		/* An earlier directory wins, as in PATH. */
		lt_dlclose(h);
		ltdl_down();
		return 0;
	}
	if (rc == 0)
		rc = add(reg, info, path, h);
	if (rc) {
		lt_dlclose(h);
		ltdl_down();
	}
	return rc;
}

bool vb_in_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t blen = strlen(ABS_BUILDDIR);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strncmp(exe, ABS_BUILDDIR, blen) == 0 && exe[blen] == '/';
}

char *vb_find_agent(void)
{
	char buf[PATH_MAX];

	if (!vb_in_build_tree()) {
		snprintf(buf, sizeof(buf), "%s/virtbench-agent", BINDIR);
		return strdup(buf);
	}
	/* The real ELF, not libtool's wrapper script: bundles copy it. */
	snprintf(buf, sizeof(buf), "%s/agent/.libs/virtbench-agent",
		 ABS_BUILDDIR);
	if (access(buf, X_OK) != 0)
		snprintf(buf, sizeof(buf), "%s/agent/virtbench-agent",
			 ABS_BUILDDIR);
	else {
		/* ...which finds the uninstalled libvirtbench only so. */
		const char *old = getenv("LD_LIBRARY_PATH");
		char lp[2 * PATH_MAX];

		snprintf(lp, sizeof(lp), "%s/lib/.libs%s%s", ABS_BUILDDIR,
			 old && *old ? ":" : "", old ? old : "");
		setenv("LD_LIBRARY_PATH", lp, 1);
	}
	return strdup(buf);
}

char *vb_default_plugin_path(void)
{
	const char *env = getenv("VIRTBENCH_PLUGIN_PATH");
	char buf[4 * PATH_MAX];

	if (env && *env)
		return strdup(env);
	if (vb_in_build_tree())
		snprintf(buf, sizeof(buf),
			 "%s/plugins/backends/.libs:%s/plugins/workloads/.libs",
			 ABS_BUILDDIR, ABS_BUILDDIR);
	else
		snprintf(buf, sizeof(buf), "%s/backends:%s/workloads",
			 PKGLIBDIR, PKGLIBDIR);
	return strdup(buf);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_dir(struct vb_registry *reg, const char *dir, unsigned kinds)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **nn;

		if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0)
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	/* Sorted, so which file wins a duplicate name does not depend on
	 * the directory's order. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX], err[1024];
		size_t before = reg->count;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = vb_registry_load_file(reg, path, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "virtbench: plugin %s refused: %s\n",
			       path, err);
			reg->nfailed++;
		} else if (reg->count > before &&
			   !(kinds & (1u << reg->items[before].info->kind))) {
			/* Loaded a kind nobody asked for: unload it. */
			reg->count--;
			lt_dlclose(reg->items[reg->count].handle);
			free(reg->items[reg->count].path);
			ltdl_down();
		}
		free(names[i]);
	}
	free(names);
}

static const lt_dlsymlist *preloaded;

void vb_set_preloaded(const void *symlist)
{
	preloaded = symlist;
}

/*
 * A static build links the in-tree plugins in with -dlopen; libtool lists
 * their symbols in the program's preload table. Walking that table is
 * simpler and safer than libltdl's handle iteration.
 */
static void load_preloaded(struct vb_registry *reg, unsigned kinds)
{
	static const char suffix[] = "_LTX_vb_plugin_entry";
	const lt_dlsymlist *s;

	for (s = preloaded; s && s->name; s++) {
		size_t len = strlen(s->name);
		const struct vb_plugin_info *info;
		char err[512];

		if (!s->address || len <= sizeof(suffix) - 1 ||
		    strcmp(s->name + len - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		info = ((vb_plugin_entry_fn)(uintptr_t)s->address)();
		if (!info || !(kinds & (1u << info->kind)) ||
		    vb_registry_find(reg, info->kind, info->name))
			continue;
		if (vb_plugin_check(info, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "virtbench: built-in plugin %s refused: %s\n",
				info->name ? info->name : s->name, err);
			reg->nfailed++;
			continue;
		}
		add(reg, info, "(preloaded)", NULL);
	}
}

int vb_registry_load(struct vb_registry *reg, const char *dirs, unsigned kinds)
{
	char *path = dirs ? strdup(dirs) : vb_default_plugin_path();
	char *save = NULL, *dir;
	int rc;

	if (!path)
		return -ENOMEM;
	if ((rc = ltdl_up()) < 0) {
		free(path);
		return rc;
	}
	if (reg->search_path)
		ltdl_down();
	free(reg->search_path);
	reg->search_path = strdup(path);
	for (dir = strtok_r(path, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save))
		if (*dir)
			load_dir(reg, dir, kinds);
	free(path);
	/* Files found on the path take precedence over preloaded ones. */
	load_preloaded(reg, kinds);
	return 0;
}

void vb_registry_free(struct vb_registry *reg)
{
	size_t i;

	for (i = reg->count; i-- > 0;) {
		if (reg->items[i].handle) {
			lt_dlclose(reg->items[i].handle);
			ltdl_down();
		}
		free(reg->items[i].path);
	}
	free(reg->items);
	/* search_path marks the ltdl_up() of vb_registry_load(). */
	if (reg->search_path)
		ltdl_down();
	free(reg->search_path);
	memset(reg, 0, sizeof(*reg));
}
