/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Plugin loader on the system libltdl. A refused file is reported with the
 * file name and the real reason, and the other plugins still load; nothing
 * is registered before validation passes, so there is nothing to unwind.
 * Every plugin is read through a copy of its descriptor in this ABI's
 * layout (normalize()), made by the rules of plugin.h's "Versioning".
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ------------------------------------------------------------------ */
/* The ABI rules (include/virtbench/plugin.h, "Versioning")             */
/* ------------------------------------------------------------------ */

/* Bytes of `type` up to and including `member`. */
#define END_OF(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/*
 * What each minor version's tables look like: the smallest ops table a
 * plugin of that minor may have (through its last hook), and the option
 * and metric element sizes of that minor's header (1.0 descriptors do not
 * say; from 1.1 they do, and must give at least these). A row per minor,
 * appended when a minor grows one of them.
 */
static const struct abi_sizes {
	size_t backend_ops, workload_ops, option, metric;
} abi_sizes[] = {
	[0] = { END_OF(struct vb_backend_ops, destroy),
		END_OF(struct vb_workload_ops, cleanup),
		END_OF(struct vb_option, help), END_OF(struct vb_metric, help) },
	[1] = { END_OF(struct vb_backend_ops, destroy),
		END_OF(struct vb_workload_ops, cleanup),
		END_OF(struct vb_option, flags), END_OF(struct vb_metric, flags) },
};
_Static_assert(sizeof(abi_sizes) / sizeof(abi_sizes[0]) ==
		       VB_PLUGIN_ABI_MINOR + 1,
	       "abi_sizes needs a row for every minor version");

/* Table entries beyond this count mean a missing terminator. */
#define TABLE_MAX 4096

/* The engine's copy of a descriptor (struct vb_plugin.copy). */
struct copy {
	struct vb_plugin_info info;
	union {
		struct vb_backend_ops b;
		struct vb_workload_ops w;
	} ops;
	struct vb_option *options;
	struct vb_metric *metrics;
	size_t metric_elem;   /* the plugin's sizeof(struct vb_metric) */
};

static void copy_free(struct copy *c)
{
	if (!c)
		return;
	free(c->options);
	free(c->metrics);
	free(c);
}

static bool good_name(const char *s)
{
	size_t n = 0;

	if (!s || !(*s >= 'a' && *s <= 'z'))
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n <= 63;
}

/*
 * Copies a table of `elem`-byte entries ending with a NULL name (the
 * first member of both kinds) into `n`-byte engine entries: the fields a
 * plugin's header did not have are zero.
 */
static void *copy_table(const void *tab, size_t elem, size_t n, size_t *count,
			const char *what, char *err, size_t errlen)
{
	const char *p = tab;
	size_t k = 0;
	char *out;

	while (k < TABLE_MAX && *(const char *const *)(p + k * elem))
		k++;
	if (k == TABLE_MAX) {
		snprintf(err, errlen, "%s table has no end (an entry with name NULL) within %d entries",
			 what, TABLE_MAX);
		return NULL;
	}
	out = calloc(k + 1, n);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < k; i++)
		memcpy(out + i * n, p + i * elem, elem < n ? elem : n);
	*count = k;
	return out;
}

static size_t type_size(enum vb_opt_type t, size_t *align)
{
	switch (t) {
	case VB_OPT_INT:
	case VB_OPT_SIZE:
		*align = _Alignof(int64_t);
		return sizeof(int64_t);
	case VB_OPT_DURATION:
	case VB_OPT_DOUBLE:
		*align = _Alignof(double);
		return sizeof(double);
	case VB_OPT_BOOL:
		*align = _Alignof(bool);
		return sizeof(bool);
	case VB_OPT_ENUM:
		*align = _Alignof(int);
		return sizeof(int);
	case VB_OPT_STRING:
		*align = _Alignof(char *);
		return sizeof(char *);
	case VB_OPT_LIST:
		*align = _Alignof(char **);
		return sizeof(char **);
	}
	return 0;
}

/* Every entry must be something the engine can fill without writing
 * outside the plugin's options block. */
static int check_options(const struct vb_option *o, size_t n,
			 size_t options_size, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		size_t align = 1, sz = type_size(o[i].type, &align);

		if (!good_name(o[i].name)) {
			snprintf(err, errlen,
				 "option %zu: name \"%s\" is not [a-z][a-z0-9_]* (at most 63 characters)",
				 i + 1, o[i].name);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(o[i].name, o[j].name) == 0) {
				snprintf(err, errlen, "option '%s' is declared twice",
					 o[i].name);
				return -EINVAL;
			}
		if (sz == 0) {
			snprintf(err, errlen, "option '%s': unknown type %d",
				 o[i].name, (int)o[i].type);
			return -EINVAL;
		}
		if (o[i].offset > options_size || sz > options_size - o[i].offset) {
			snprintf(err, errlen,
				 "option '%s': offset %zu + %zu bytes is past options_size %zu (use offsetof() in the table and sizeof() of the options struct)",
				 o[i].name, o[i].offset, sz, options_size);
			return -EINVAL;
		}
		if (o[i].offset % align) {
			snprintf(err, errlen,
				 "option '%s': offset %zu is not aligned for its type (use offsetof())",
				 o[i].name, o[i].offset);
			return -EINVAL;
		}
		if (o[i].type == VB_OPT_ENUM && (!o[i].choices || !o[i].choices[0])) {
			snprintf(err, errlen, "option '%s': an enum without choices",
				 o[i].name);
			return -EINVAL;
		}
		if (o[i].flags & ~(uint32_t)(VB_OPTF_PARAMS | VB_OPTF_RECORDS |
					     VB_OPTF_FILES)) {
			snprintf(err, errlen, "option '%s': unknown flags 0x%x",
				 o[i].name, (unsigned)o[i].flags);
			return -EINVAL;
		}
		if (o[i].flags && o[i].type != VB_OPT_LIST) {
			snprintf(err, errlen,
				 "option '%s': VB_OPTF_* flags are for VB_OPT_LIST options only",
				 o[i].name);
			return -EINVAL;
		}
		if ((o[i].flags & VB_OPTF_PARAMS) && (o[i].flags & VB_OPTF_RECORDS)) {
			snprintf(err, errlen,
				 "option '%s': VB_OPTF_PARAMS and VB_OPTF_RECORDS exclude each other",
				 o[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_metrics(const struct vb_metric *m, size_t n, char *err,
			 size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (!good_name(m[i].name)) {
			snprintf(err, errlen,
				 "metric %zu: name \"%s\" is not [a-z][a-z0-9_]* (at most 63 characters)",
				 i + 1, m[i].name);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0) {
				snprintf(err, errlen, "metric '%s' is declared twice",
					 m[i].name);
				return -EINVAL;
			}
		if (!m[i].unit) {
			snprintf(err, errlen, "metric '%s' has no unit (use \"\" for none)",
				 m[i].name);
			return -EINVAL;
		}
		if (m[i].better < VB_LOWER_IS_BETTER || m[i].better > VB_HIGHER_IS_BETTER) {
			snprintf(err, errlen, "metric '%s': better = %d is not -1, 0 or 1",
				 m[i].name, (int)m[i].better);
			return -EINVAL;
		}
	}
	return 0;
}

/* The ops table: at least its minor's, copied into a table of ours, so a
 * hook the plugin's table does not reach reads as NULL. */
static int copy_ops(const struct vb_plugin_info *in, const struct abi_sizes *sz,
		    struct copy *c, char *err, size_t errlen)
{
	bool be = in->kind == VB_PLUGIN_BACKEND;
	size_t have = *(const size_t *)in->ops;
	size_t need = be ? sz->backend_ops : sz->workload_ops;
	size_t ours = be ? sizeof(c->ops.b) : sizeof(c->ops.w);

	if (have < need) {
		snprintf(err, errlen,
			 "%s ops size %zu is smaller than ABI %u.%u's %zu bytes (set .size = sizeof(struct vb_%s_ops))",
			 be ? "backend" : "workload", have, in->abi_major,
			 in->abi_minor, need, be ? "backend" : "workload");
		return -EINVAL;
	}
	memcpy(&c->ops, in->ops, have < ours ? have : ours);
	if (be) {
		const struct vb_backend_ops *o = &c->ops.b;

		if (!o->create || !o->open || !o->exec || !o->close ||
		    !o->destroy) {
			snprintf(err, errlen,
				 "backend lacks a required hook (create, open, exec, close, destroy: %s missing)",
				 !o->create ? "create" : !o->open ? "open"
				 : !o->exec ? "exec" : !o->close ? "close"
				 : "destroy");
			return -EINVAL;
		}
	} else if (!c->ops.w.run) {
		snprintf(err, errlen, "workload lacks the required hook 'run'");
		return -EINVAL;
	} else if (!c->ops.w.instance != !c->ops.w.instance_free) {
		snprintf(err, errlen, "workload has %s without %s",
			 c->ops.w.instance ? "instance" : "instance_free",
			 c->ops.w.instance ? "instance_free" : "instance");
		return -EINVAL;
	}
	return 0;
}

/* Check a plugin's descriptor and make the engine's copy of it. */
static int normalize(const struct vb_plugin_info *in, const char *expect_name,
		     struct copy **out, char *err, size_t errlen)
{
	const struct abi_sizes *sz;
	size_t osz, msz, nopt = 0, nmet = 0;
	struct copy *c;
	int rc;

	*out = NULL;
	if (in->abi_major != VB_PLUGIN_ABI_MAJOR) {
		snprintf(err, errlen,
			 "ABI major version mismatch: plugin built for %u.%u, engine speaks %u.%u; rebuild the plugin against this virtbench",
			 in->abi_major, in->abi_minor, VB_PLUGIN_ABI_MAJOR,
			 VB_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	if (in->abi_minor > VB_PLUGIN_ABI_MINOR) {
		snprintf(err, errlen,
			 "built for plugin ABI %u.%u, but this virtbench has ABI %u.%u: upgrade virtbench, or rebuild the plugin against this virtbench's plugin.h",
			 in->abi_major, in->abi_minor, VB_PLUGIN_ABI_MAJOR,
			 VB_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	sz = &abi_sizes[in->abi_minor];
	if (!in->name || !in->version || !in->summary) {
		snprintf(err, errlen, "descriptor lacks name, version or summary");
		return -EINVAL;
	}
	if (expect_name && strcmp(in->name, expect_name) != 0) {
		snprintf(err, errlen,
			 "plugin calls itself '%s' but its file is named '%s'; the name must equal the file name",
			 in->name, expect_name);
		return -EINVAL;
	}
	if (in->kind != VB_PLUGIN_BACKEND && in->kind != VB_PLUGIN_WORKLOAD) {
		snprintf(err, errlen, "unknown plugin kind %d", (int)in->kind);
		return -EINVAL;
	}
	if (!in->ops) {
		snprintf(err, errlen, "ops table is missing");
		return -EINVAL;
	}
	/* 1.0 descriptors end before option_size: never read it there. */
	osz = in->abi_minor >= 1 ? in->option_size : sz->option;
	msz = in->abi_minor >= 1 ? in->metric_size : sz->metric;
	if (osz < sz->option || msz < sz->metric || osz > 1024 || msz > 1024) {
		snprintf(err, errlen,
			 "ABI %u.%u descriptor gives option_size %zu and metric_size %zu, expected at least %zu and %zu (start the descriptor with VB_PLUGIN_ABI)",
			 in->abi_major, in->abi_minor, osz, msz, sz->option,
			 sz->metric);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(&c->info, in, in->abi_minor >= 1 ? sizeof(*in)
				: offsetof(struct vb_plugin_info, option_size));
	c->info.option_size = sizeof(struct vb_option);
	c->info.metric_size = sizeof(struct vb_metric);
	c->metric_elem = msz;
	c->info.ops = &c->ops;
	rc = copy_ops(in, sz, c, err, errlen);
	if (rc == 0 && in->options) {
		c->options = copy_table(in->options, osz, sizeof(struct vb_option),
					&nopt, "option", err, errlen);
		rc = c->options ? check_options(c->options, nopt,
						in->options_size, err, errlen)
				: -EINVAL;
		c->info.options = c->options;
	}
	if (rc == 0 && in->metrics) {
		c->metrics = copy_table(in->metrics, msz, sizeof(struct vb_metric),
					&nmet, "metric", err, errlen);
		rc = c->metrics ? check_metrics(c->metrics, nmet, err, errlen)
				: -EINVAL;
		c->info.metrics = c->metrics;
	}
	if (rc == 0 && in->kind == VB_PLUGIN_WORKLOAD && nmet == 0) {
		snprintf(err, errlen, "workload declares no metrics");
		rc = -EINVAL;
	}
	if (rc) {
		copy_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int vb_workload_describe(const struct vb_plugin *p, const void *opts,
			 struct vb_wl_desc *out, char *err, size_t errlen)
{
	const struct vb_plugin_info *in = p->info;
	const struct vb_workload_ops *ops = in->ops;
	const struct copy *c = p->copy;
	struct vb_wl_instance inst = { .size = sizeof(inst), .flags = ops->flags };
	const struct vb_metric *tab = in->metrics;
	size_t elem = sizeof(struct vb_metric), n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->flags = ops->flags;
	if (ops->instance) {
		rc = ops->instance(opts, &inst);
		if (rc < 0) {
			char why[512] = "";

			/* instance() has no message; validate() says why. */
			if (ops->validate)
				ops->validate(opts, why, sizeof(why));
			snprintf(err, errlen, "the plugin cannot describe this instance: %s",
				 *why ? why : strerror(-rc));
			return rc;
		}
		out->flags = inst.flags;
		/* Static test entries have no copy: their layout is ours. */
		if (inst.metrics) {
			tab = inst.metrics;
			elem = c && c->metric_elem ? c->metric_elem : elem;
		}
	}
	{
		const struct vb_metric *m = NULL;
		struct vb_metric *v = copy_table(tab, elem, sizeof(*v), &n,
						 "metric", err, errlen);

		rc = v ? check_metrics(v, n, err, errlen) : -EINVAL;
		if (rc == 0 && n == 0) {
			snprintf(err, errlen, "the instance declares no metrics");
			rc = -EINVAL;
		}
		out->metrics = vb_xcalloc(n + 1, sizeof(*out->metrics));
		for (size_t i = 0; rc == 0 && i < n; i++) {
			m = &v[i];
			out->metrics[i] = (struct vb_metric){
				.name = vb_xstrdup(m->name),
				.unit = vb_xstrdup(m->unit),
				.better = m->better,
				.help = m->help ? vb_xstrdup(m->help) : NULL,
				.flags = m->flags,
			};
			out->nmetrics++;
		}
		free(v);
	}
	if (ops->instance)
		ops->instance_free(&inst);
	if (rc)
		vb_wl_desc_free(out);
	return rc;
}

void vb_wl_desc_free(struct vb_wl_desc *d)
{
	for (size_t i = 0; d->metrics && i < d->nmetrics; i++) {
		free((char *)d->metrics[i].name);
		free((char *)d->metrics[i].unit);
		free((char *)d->metrics[i].help);
	}
	free(d->metrics);
	memset(d, 0, sizeof(*d));
}

const struct vb_metric *vb_wl_desc_find(const struct vb_wl_desc *d,
					const char *name)
{
	for (size_t i = 0; d->metrics && i < d->nmetrics; i++)
		if (strcmp(d->metrics[i].name, name) == 0)
			return &d->metrics[i];
	return NULL;
}

int vb_plugin_check(const struct vb_plugin_info *info, const char *expect_name,
		    char *err, size_t errlen)
{
	struct copy *c;
	int rc = normalize(info, expect_name, &c, err, errlen);

	copy_free(c);
	return rc;
}

static int add(struct vb_registry *reg, struct copy *c, const char *path,
	       void *handle)
{
	struct vb_plugin *items =
		realloc(reg->items, (reg->count + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	reg->items = items;
	memset(&items[reg->count], 0, sizeof(items[0]));
	items[reg->count].info = &c->info;
	items[reg->count].copy = c;
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

/* ------------------------------------------------------------------ */
/* Looking at a file before dlopen() does                               */
/* ------------------------------------------------------------------ */

static const char *machine_name(unsigned m, char *buf, size_t n)
{
	static const struct { unsigned m; const char *name; } names[] = {
		{ EM_386, "i386" }, { EM_X86_64, "x86_64" },
		{ EM_AARCH64, "aarch64" }, { EM_ARM, "arm" },
		{ EM_RISCV, "riscv" }, { EM_PPC, "ppc" }, { EM_PPC64, "ppc64" },
		{ EM_S390, "s390" }, { EM_MIPS, "mips" },
		{ EM_SPARCV9, "sparc64" }, { 258, "loongarch" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].m == m)
			return names[i].name;
	snprintf(buf, n, "ELF machine %u", m);
	return buf;
}

/* e_ident and e_machine of an ELF header in h (64 bytes); false if h is
 * not ELF (dlopen then says what it is). */
static bool elf_id(const unsigned char *h, unsigned *cls, unsigned *machine)
{
	if (memcmp(h, ELFMAG, SELFMAG) != 0)
		return false;
	*cls = h[EI_CLASS];
	/* e_machine sits at offset 18 in both classes. */
	*machine = h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[18] << 8 | h[19])
					     : (unsigned)(h[19] << 8 | h[18]);
	return true;
}

/* Our own class and machine, from the running program. */
static bool own_elf(unsigned *cls, unsigned *machine)
{
	static unsigned c, m;
	static int known = -1;

	if (known < 0) {
		unsigned char h[64];
		int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

		known = fd >= 0 && pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
			elf_id(h, &c, &m);
		if (fd >= 0)
			close(fd);
	}
	*cls = c;
	*machine = m;
	return known > 0;
}

/*
 * Refuse what dlopen() would block on (a FIFO named x.so) or misreport (a
 * directory, a module for another machine, which it calls "No such file
 * or directory"). The open never blocks.
 */
static int check_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	unsigned char h[64];
	unsigned cls, m, ocls, om;
	struct stat st;
	char b1[32], b2[32];
	ssize_t r;

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot read: %s", strerror(e));
		return -ENOENT;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file (%s)",
			 S_ISDIR(st.st_mode)    ? "a directory"
			 : S_ISFIFO(st.st_mode) ? "a FIFO"
			 : S_ISSOCK(st.st_mode) ? "a socket"
			 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
								   : "unknown type");
		close(fd);
		return -ENOEXEC;
	}
	r = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (r != (ssize_t)sizeof(h) || !elf_id(h, &cls, &m) ||
	    !own_elf(&ocls, &om))
		return 0;
	if (cls != ocls) {
		snprintf(err, errlen,
			 "a %s-bit ELF file, but this virtbench is %s-bit: rebuild the plugin for this machine",
			 cls == ELFCLASS32 ? "32" : "64",
			 ocls == ELFCLASS32 ? "32" : "64");
		return -ENOEXEC;
	}
	if (m != om) {
		snprintf(err, errlen,
			 "built for %s, but this virtbench runs on %s: rebuild the plugin for this machine",
			 machine_name(m, b1, sizeof(b1)),
			 machine_name(om, b2, sizeof(b2)));
		return -ENOEXEC;
	}
	return 0;
}

int vb_registry_load_file(struct vb_registry *reg, const char *path,
			  char *err, size_t errlen)
{
	const struct vb_plugin_info *info;
	struct vb_plugin *dup;
	struct copy *c = NULL;
	vb_plugin_entry_fn entry;
	lt_dladvise advise;
	lt_dlhandle h = NULL;
	char name[256];
	int rc;

	if ((rc = check_file(path, err, errlen)) < 0)
		return rc;
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
		rc = normalize(info, name, &c, err, errlen);
	}
	dup = rc == 0 ? (struct vb_plugin *)vb_registry_find(reg, info->kind,
							      info->name)
		      : NULL;
	if (dup) {
		/* An earlier directory wins, as in PATH. */
		if (!dup->shadows)
			dup->shadows = strdup(path);
		copy_free(c);
		lt_dlclose(h);
		ltdl_down();
		return 0;
	}
	if (rc == 0)
		rc = add(reg, c, path, h);
	if (rc) {
		copy_free(c);
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

/* Appends the dirs of a colon list that are not in `out` yet. */
static void path_add(char *out, size_t n, const char *list)
{
	char *copy = list ? strdup(list) : NULL, *save = NULL, *d;

	for (d = copy ? strtok_r(copy, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		size_t len = strlen(d), have = strlen(out);
		const char *p = out;
		bool seen = false;

		while (len > 1 && d[len - 1] == '/')
			d[--len] = '\0';
		while (*p && !seen) {
			size_t l = strcspn(p, ":");

			seen = l == len && strncmp(p, d, len) == 0;
			p += l + (p[l] == ':');
		}
		if (!seen && have + len + 2 <= n)
			snprintf(out + have, n - have, "%s%s", have ? ":" : "", d);
	}
	free(copy);
}

char *vb_plugin_search_path(const char *extra)
{
	char out[8 * PATH_MAX] = "", builtin[2 * PATH_MAX + 64];

	if (vb_in_build_tree())
		snprintf(builtin, sizeof(builtin),
			 "%s/plugins/backends/.libs:%s/plugins/workloads/.libs",
			 ABS_BUILDDIR, ABS_BUILDDIR);
	else
		snprintf(builtin, sizeof(builtin), "%s/backends:%s/workloads",
			 PKGLIBDIR, PKGLIBDIR);
	path_add(out, sizeof(out), extra);
	path_add(out, sizeof(out), getenv("VIRTBENCH_PLUGIN_PATH"));
	path_add(out, sizeof(out), builtin);
	return strdup(out);
}

size_t vb_registry_missing_dirs(const struct vb_registry *reg, char *buf,
				size_t n)
{
	char *copy = reg->search_path ? strdup(reg->search_path) : NULL;
	char *save = NULL, *d;
	size_t count = 0, len = 0;

	if (n)
		buf[0] = '\0';
	for (d = copy ? strtok_r(copy, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		struct stat st;

		if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s",
						count ? ", " : "", d);
		count++;
	}
	free(copy);
	return count;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void unload_last(struct vb_registry *reg)
{
	struct vb_plugin *p = &reg->items[--reg->count];

	lt_dlclose(p->handle);
	free(p->path);
	free(p->shadows);
	copy_free(p->copy);
	ltdl_down();
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
	if (n)
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
			unload_last(reg);
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
		struct copy *c;
		char err[512];

		if (!s->address || len <= sizeof(suffix) - 1 ||
		    strcmp(s->name + len - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		info = ((vb_plugin_entry_fn)(uintptr_t)s->address)();
		if (!info || !(kinds & (1u << info->kind)) || !info->name ||
		    vb_registry_find(reg, info->kind, info->name))
			continue;
		if (normalize(info, NULL, &c, err, sizeof(err)) != 0) {
			fprintf(stderr, "virtbench: built-in plugin %s refused: %s\n",
				info->name, err);
			reg->nfailed++;
			continue;
		}
		if (add(reg, c, "(preloaded)", NULL) < 0)
			copy_free(c);
	}
}

int vb_registry_load_dirs(struct vb_registry *reg, const char *dirs,
			  unsigned kinds)
{
	char *path = strdup(dirs ? dirs : "");
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

int vb_registry_load(struct vb_registry *reg, const char *extra,
		     unsigned kinds)
{
	char *path = vb_plugin_search_path(extra);
	int rc;

	if (!path)
		return -ENOMEM;
	rc = vb_registry_load_dirs(reg, path, kinds);
	free(path);
	return rc;
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
		free(reg->items[i].shadows);
		copy_free(reg->items[i].copy);
	}
	free(reg->items);
	/* search_path marks the ltdl_up() of vb_registry_load(). */
	if (reg->search_path)
		ltdl_down();
	free(reg->search_path);
	memset(reg, 0, sizeof(*reg));
}
