/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The agent bundle: a directory that runs virtbench-agent in any Linux
 * userland, whatever its libc, because the agent is started through the
 * bundle's own copy of the dynamic loader with --library-path pointing at
 * the bundle's own copies of every shared library it needs.
 *
 *   bin/virtbench-agent   the real ELF (never the libtool wrapper script)
 *   bin/sleep             the host's sleep: keeps a container alive in
 *                         images that have no sleep of their own
 *   lib/                  the shared-library closure of everything in bin/
 *                         and plugins/, plus the loader itself
 *   plugins/              the workload modules (*.so)
 *   files/                host files a workload asked for (vb_bundle_carry),
 *                         at their host paths: files/usr/bin/sysbench
 *   manifest              one line per file: path, size, SHA-256, source
 *
 * The closure is what the host's real loader resolves (`ld.so --list`), so
 * RUNPATH, $ORIGIN, ld.so.cache and the build tree's .libs all behave as
 * they do when the agent runs on the host.
 *
 * Bundles are content-addressed: the directory name is the SHA-256 over the
 * bundle's file names, modes and contents, so a rebuilt agent or plugin gets
 * a new bundle and an unchanged tree reuses the cached one. A bundle is
 * assembled in a temporary directory next to its final place and renamed
 * into place, so a concurrent run sees either no bundle or a whole one.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "engine/bundle.h"
#include "lib/loader.h"
#include "lib/util.h"

/* Bumped when the layout changes, so old caches are not mistaken for new. */
#define BUNDLE_FORMAT "virtbench-bundle-1"

struct bfile {
	char *rel;    /* path inside the bundle, e.g. "lib/libc.so.6" */
	char *src;    /* host file it is copied from */
	mode_t mode;  /* 0755 or 0644 */
	off_t size;
	char sha[SHA256_DIGEST_SIZE * 2 + 1];
};

struct blist {
	struct bfile *v;
	size_t n, cap;
};

/*
 * What vb_bundle_get() found, kept for the life of the process: the engine
 * hands out pointers into it ("valid for the life of ctx") and runs this
 * path from one thread, the mutex only guards against surprises.
 */
struct bundle {
	char *agent_path;     /* inputs, to tell bundles of different trees apart */
	char *workload_path;
	char *carry_key;      /* the carried paths, each ending in '\n' */
	char *dir;
	char *hash;
	char *loader_name;    /* e.g. "ld-linux-x86-64.so.2" */
	struct bundle *next;
};

struct bundle_argv {
	char *mount;
	const struct bundle *b;
	char *v[6];
	struct bundle_argv *next;
};

static pthread_mutex_t bundle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bundle *bundles;
static struct bundle_argv *argvs;
static struct vb_strv carried;  /* vb_bundle_carry(), sorted, unique */

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void blist_free(struct blist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].rel);
		free(l->v[i].src);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static struct bfile *blist_find(const struct blist *l, const char *rel)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].rel, rel) == 0)
			return &l->v[i];
	return NULL;
}

/* Adds dir/name from src unless that bundle path is already taken (the
 * first one wins, as in a search path). */
static int blist_add(struct blist *l, const char *dir, const char *name,
		     const char *src, mode_t mode)
{
	char *rel = vb_path_join(dir, name);
	char *real;

	if (blist_find(l, rel)) {
		free(rel);
		return 0;
	}
	/* Copy what the symlink points to: libc.so.6 -> libc-2.36.so. */
	real = realpath(src, NULL);
	if (!real) {
		int err = -errno;

		free(rel);
		return err;
	}
	VB_GROW(l->v, l->n + 1, l->cap);
	l->v[l->n++] = (struct bfile){ .rel = rel, .src = real, .mode = mode };
	return 0;
}

static int bfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bfile *)a)->rel,
		      ((const struct bfile *)b)->rel);
}

static bool is_elf(const char *path)
{
	unsigned char m[SELFMAG];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, m, sizeof(m)) == (ssize_t)sizeof(m) &&
	     memcmp(m, ELFMAG, SELFMAG) == 0;
	close(fd);
	return ok;
}

/* A 64-bit ELF with a dynamic section: its closure can be listed (a
 * static program or a data file has none). */
static bool elf_dynamic(const char *path)
{
	char interp[PATH_MAX];
	bool dyn;

	return vb_elf_interp(path, interp, sizeof(interp), &dyn) == 0 && dyn;
}

/*
 * The agent as an ELF file. In a shared build tree the path the engine
 * knows is libtool's wrapper script; the program it wraps is .libs/NAME
 * (or .libs/lt-NAME once the wrapper relinked it).
 */
static int real_agent(struct vb_ctx *ctx, const char *path, char **out)
{
	static const char *const tries[] = { ".libs/", ".libs/lt-" };
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		/* A bare name: the program PATH would run. */
		const char *env = getenv("PATH");
		char *dirs = vb_xstrdup(env && *env ? env : "/usr/bin:/bin");
		char *save = NULL;
		int err = -ENOENT;

		for (char *d = strtok_r(dirs, ":", &save); d;
		     d = strtok_r(NULL, ":", &save)) {
			if (snprintf(dir, sizeof(dir), "%s/%s", d, path) <
				    (int)sizeof(dir) &&
			    access(dir, X_OK) == 0) {
				err = 0;
				break;
			}
		}
		free(dirs);
		if (err)
			return VB_ERROR(ctx, err, "%s not found in PATH", path);
		return real_agent(ctx, dir, out);
	}
	if (is_elf(path)) {
		*out = vb_xstrdup(path);
		return 0;
	}
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		int n;

		n = snprintf(dir, sizeof(dir), "%.*s/%s%s", (int)(slash - path),
			     path, tries[i], slash + 1);
		if (n < 0 || (size_t)n >= sizeof(dir))
			continue;
		if (is_elf(dir)) {
			*out = vb_xstrdup(dir);
			return 0;
		}
	}
	return VB_ERROR(ctx, -ENOEXEC,
			"agent %s is neither an ELF program nor a libtool "
			"wrapper with the program in .libs/; rebuild the "
			"tree (make) or reinstall virtbench", path);
}

/* ------------------------------------------------------------------ */
/* The closure, as the host's loader resolves it                        */
/* ------------------------------------------------------------------ */

/*
 * Runs `loader --list --library-path LP object` and returns its stdout.
 * Not vb_proc_run(): the loader must run with an empty environment so
 * that the caller's LD_PRELOAD or LD_LIBRARY_PATH (sanitizer runtimes,
 * a user's tweaks) cannot change what gets listed.
 */
static int loader_list(const char *loader, const char *libpath,
		       const char *object, char **out, int *status)
{
	char *const argv[] = { (char *)loader, (char *)"--list",
			       (char *)"--library-path", (char *)libpath,
			       (char *)object, NULL };
	char *const envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	struct vb_buf b = VB_BUF_INIT;
	int pfd[2], err, st;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	err = posix_spawn_file_actions_init(&fa);
	if (err) {
		close(pfd[0]);
		close(pfd[1]);
		return -err;
	}
	err = posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
						       "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn(&pid, loader, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return -err;
	}
	for (;;) {
		char chunk[4096];
		ssize_t r = read(pfd[0], chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		vb_buf_addn(&b, chunk, (size_t)r);
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			err = err ? err : -errno;
			break;
		}
	if (err) {
		vb_buf_free(&b);
		return err;
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	*out = vb_buf_detach(&b);
	return 0;
}

/*
 * Adds the libraries `object` needs to l as lib/NAME, NAME being what the
 * object asks for (its DT_NEEDED), which is also what the loader will look
 * for under --library-path inside the environment.
 */
static int add_closure(struct vb_ctx *ctx, struct blist *l,
		       const char *loader, const char *libpath,
		       const char *object)
{
	char *text = NULL, *save = NULL;
	int status = 0, err;

	err = loader_list(loader, libpath, object, &text, &status);
	if (err < 0)
		return VB_ERROR(ctx, err, "cannot run %s --list %s: %s",
				loader, object, strerror(-err));
	if (status != 0) {
		free(text);
		return VB_ERROR(ctx, -ENOEXEC,
				"%s --list %s failed (status %d): not a "
				"loadable ELF object for this loader",
				loader, object, status);
	}
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " => ");
		char *name = line, *path, *end;

		if (!arrow)
			continue; /* linux-vdso.so.1 and the loader itself */
		while (*name == '\t' || *name == ' ')
			name++;
		*arrow = '\0';
		path = arrow + 4;
		if (strncmp(path, "not found", 9) == 0) {
			err = VB_ERROR(ctx, -ENOENT,
				       "%s needs %s, which the loader cannot "
				       "find (searched %s and the system "
				       "paths); install it or set "
				       "LD_LIBRARY_PATH", object, name,
				       libpath);
			break;
		}
		end = strstr(path, " (0x");
		if (end)
			*end = '\0';
		if (path[0] != '/')
			continue;
		err = blist_add(l, "lib", name, path, 0755);
		if (err < 0) {
			err = VB_ERROR(ctx, err, "%s (needed by %s): %s", path,
				       object, strerror(-err));
			break;
		}
	}
	free(text);
	return err < 0 ? err : 0;
}

/* Directory of the libvirtbench this process runs, so the agent gets the
 * same one even from an uninstalled build tree. */
static char *own_libdir(void)
{
	Dl_info info;
	char *real, *slash;

	if (!dladdr((void *)&vb_bundle_get, &info) || !info.dli_fname)
		return NULL;
	real = realpath(info.dli_fname, NULL);
	if (!real)
		return NULL;
	slash = strrchr(real, '/');
	if (!slash) {
		free(real);
		return NULL;
	}
	*slash = '\0';
	return real;
}

static char *make_libpath(void)
{
	char *own = own_libdir();
	const char *env = getenv("LD_LIBRARY_PATH");
	char *p = vb_xasprintf("%s%s%s", own ? own : "",
			       own && env && *env ? ":" : "", env ? env : "");

	free(own);
	return p;
}

/*
 * Workload modules: what the engine's own loader accepts as a workload in
 * those dirs (the engine's search path also holds backends, which the
 * agent never loads). Preloaded modules of a static build are inside the
 * agent already.
 */
static int add_plugins(struct vb_ctx *ctx, struct blist *l, const char *dirs)
{
	struct vb_registry reg = { 0 };
	int err;

	if (!dirs || !*dirs)
		return 0;
	err = vb_registry_load(&reg, dirs, 1u << VB_PLUGIN_WORKLOAD);
	for (size_t i = 0; !err && i < reg.count; i++) {
		const char *p = reg.items[i].path;

		if (!reg.items[i].handle || !p || p[0] != '/')
			continue;
		err = blist_add(l, "plugins", base_name(p), p, 0644);
		if (err < 0)
			err = VB_ERROR(ctx, err, "%s: %s", p, strerror(-err));
	}
	vb_registry_free(&reg);
	return err;
}

static const char *find_sleep(void)
{
	static const char *const c[] = { "/bin/sleep", "/usr/bin/sleep" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (is_elf(c[i]))
			return c[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Hashing and copying                                                  */
/* ------------------------------------------------------------------ */

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Reads src once, feeding the per-file hash (for the manifest) and, when
 * dst_fd >= 0, writing a copy.
 */
static int hash_file(struct bfile *f, int dst_fd)
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	enum { BUFSZ = 1 << 16 };
	uint8_t *buf;
	int fd = open(f->src, O_RDONLY | O_CLOEXEC);
	off_t size = 0;
	int err = 0;

	if (fd < 0)
		return -errno;
	buf = vb_xmalloc(BUFSZ);
	sha256_init(&h);
	for (;;) {
		ssize_t r = read(fd, buf, BUFSZ);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		sha256_update(&h, (size_t)r, buf);
		size += r;
		if (dst_fd >= 0 && (err = vb_write_all(dst_fd, buf, (size_t)r)) < 0)
			break;
	}
	close(fd);
	free(buf);
	if (err)
		return err;
	sha256_digest(&h, sizeof(d), d);
	hex(d, sizeof(d), f->sha);
	f->size = size;
	return 0;
}

/* The bundle hash covers the format, and per file its path, mode, size
 * and content hash (so it is the hash of the manifest's essential part). */
static void bundle_hash(const struct blist *l, char *out)
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	char line[PATH_MAX + 128];

	sha256_init(&h);
	sha256_update(&h, sizeof(BUNDLE_FORMAT), (const uint8_t *)BUNDLE_FORMAT);
	for (size_t i = 0; i < l->n; i++) {
		int n = snprintf(line, sizeof(line), "%s %o %lld %s\n",
				 l->v[i].rel, (unsigned)l->v[i].mode,
				 (long long)l->v[i].size, l->v[i].sha);

		sha256_update(&h, (size_t)n, (const uint8_t *)line);
	}
	sha256_digest(&h, sizeof(d), d);
	hex(d, sizeof(d), out);
}

static int cache_root(struct vb_ctx *ctx, char **out)
{
	char buf[PATH_MAX];
	int err = vb_cache_dir(ctx, "bundles", buf, sizeof(buf));

	if (err < 0)
		return err;
	*out = vb_xstrdup(buf);
	return 0;
}

/* Written whole and fsync'ed (docs/errors.md: every write checked). */
static int write_manifest(const char *dir, const struct blist *l,
			  const char *hash, const char *loader)
{
	char *p = vb_path_join(dir, "manifest");
	struct vb_buf b = VB_BUF_INIT;
	int err;

	vb_buf_addf(&b, "# %s\n# hash %s\n# loader lib/%s\n"
		    "# path\tmode\tsize\tsha256\tsource\n",
		    BUNDLE_FORMAT, hash, loader);
	for (size_t i = 0; i < l->n; i++)
		vb_buf_addf(&b, "%s\t%o\t%lld\t%s\t%s\n", l->v[i].rel,
			    (unsigned)l->v[i].mode, (long long)l->v[i].size,
			    l->v[i].sha, l->v[i].src);
	err = vb_write_file_atomic(p, b.s, b.len);
	vb_buf_free(&b);
	free(p);
	return err;
}

/* One file into the bundle being built at tmp, hashed as it is copied:
 * it must still be what was hashed when the bundle was named. */
static int copy_in(struct vb_ctx *ctx, const char *tmp, const struct bfile *want)
{
	struct bfile f = *want;
	char *dst = vb_path_join(tmp, f.rel);
	char *slash = strrchr(dst, '/');
	int fd, err;

	*slash = '\0';
	err = vb_mkdir_p(dst, 0755);
	*slash = '/';
	fd = err ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, f.mode);
	if (!err && fd < 0)
		err = -errno;
	if (!err)
		err = hash_file(&f, fd);
	if (fd >= 0 && close(fd) < 0 && !err)
		err = -errno;
	if (err)
		err = VB_ERROR(ctx, err, "copy %s to %s: %s", f.src, dst,
			       strerror(-err));
	else if (strcmp(f.sha, want->sha) != 0)
		err = VB_ERROR(ctx, -EAGAIN,
			       "%s changed while the agent bundle was built (a "
			       "rebuild running?); try again", f.src);
	free(dst);
	return err;
}

/* Builds the bundle in a temporary sibling of `final` and renames it. */
static int build(struct vb_ctx *ctx, const char *root, const char *final,
		 const struct blist *l, const char *hash, const char *loader)
{
	char *tmp = vb_path_join(root, ".tmp-XXXXXX");
	int err = 0;

	if (!mkdtemp(tmp)) {
		err = -errno;
		err = VB_ERROR(ctx, err, "mkdtemp in %s: %s", root,
			       strerror(-err));
		free(tmp);
		return err;
	}
	chmod(tmp, 0755); /* mkdtemp makes 0700; guests may run as others */
	/* plugins/ even when empty (a static agent has its workloads built
	 * in): the agent is always started with --plugin-dir pointing there. */
	for (size_t i = 0; i < 3 && !err; i++) {
		static const char *const sub[] = { "bin", "lib", "plugins" };
		char *d = vb_path_join(tmp, sub[i]);

		err = mkdir(d, 0755) < 0 ? -errno : 0;
		free(d);
	}
	for (size_t i = 0; i < l->n && !err; i++)
		err = copy_in(ctx, tmp, &l->v[i]);
	if (!err) {
		err = write_manifest(tmp, l, hash, loader);
		if (err)
			err = VB_ERROR(ctx, err, "write %s/manifest: %s", tmp,
				       strerror(-err));
	}
	if (!err && rename(tmp, final) < 0) {
		int e = errno;
		char *m = vb_path_join(final, "manifest");

		/* Another run finished the same bundle first: use theirs,
		 * unless what is there is not a bundle (a hand-made mess). */
		if (e != EEXIST && e != ENOTEMPTY) {
			err = VB_ERROR(ctx, -e, "rename %s to %s: %s", tmp,
				       final, strerror(e));
		} else if (access(m, R_OK) != 0) {
			err = VB_ERROR(ctx, -EEXIST,
				       "%s exists but is not a complete agent "
				       "bundle (no manifest); remove it", final);
		}
		free(m);
		vb_rm_rf(tmp);
	} else if (err) {
		vb_rm_rf(tmp);
	}
	free(tmp);
	return err;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                  */
/* ------------------------------------------------------------------ */

/* The files of the bundle: agent, sleep, loader, workload modules and
 * their library closure, sorted and hashed; *hash over all of them. */
/* The carried set as one string, to tell bundles apart. */
static char *carry_key(void)
{
	struct vb_buf b = VB_BUF_INIT;

	for (size_t i = 0; i < carried.n; i++) {
		vb_buf_add(&b, carried.v[i]);
		vb_buf_addc(&b, '\n');
	}
	return vb_buf_detach(&b);
}

int vb_bundle_carry(const char *const *paths, size_t n)
{
	pthread_mutex_lock(&bundle_lock);
	vb_strv_free(&carried);
	for (size_t i = 0; i < n; i++)
		if (paths[i] && paths[i][0] == '/' &&
		    vb_strv_find(&carried, paths[i]) < 0)
			vb_strv_add(&carried, paths[i]);
	vb_strv_sort(&carried);
	pthread_mutex_unlock(&bundle_lock);
	return 0;
}

/* nftw() has no user pointer: the walk of one carried directory. */
static struct {
	struct vb_ctx *ctx;
	struct blist *l;
	int err;
} walk;

static int carry_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	struct stat target;

	(void)ftw;
	/* A symlink is carried as what it points to, if that is a file. */
	if (flag == FTW_SL && (stat(path, &target) != 0 ||
			       !S_ISREG(target.st_mode)))
		return 0;
	if (flag == FTW_SL)
		st = &target;
	if (flag != FTW_F && flag != FTW_SL)
		return 0;
	walk.err = blist_add(walk.l, "files", path + 1, path,
			     st->st_mode & 0111 ? 0755 : 0644);
	if (walk.err < 0) {
		walk.err = VB_ERROR(walk.ctx, walk.err, "carry %s: %s", path,
				    strerror(-walk.err));
		return 1;
	}
	return 0;
}

/* files/HOSTPATH for every carried path, directories walked. */
static int add_files(struct vb_ctx *ctx, struct blist *l)
{
	for (size_t i = 0; i < carried.n; i++) {
		const char *p = carried.v[i];
		struct stat st;
		int err;

		if (stat(p, &st) != 0) {
			err = -errno;
			return VB_ERROR(ctx, err, "cannot carry %s into the "
					"environment: %s", p, strerror(-err));
		}
		if (S_ISDIR(st.st_mode)) {
			walk.ctx = ctx;
			walk.l = l;
			walk.err = 0;
			if (nftw(p, carry_one, 16, FTW_PHYS) != 0)
				return walk.err < 0 ? walk.err
					: VB_ERROR(ctx, -errno, "cannot read %s: %s",
						   p, strerror(errno));
			continue;
		}
		err = blist_add(l, "files", p + 1, p,
				st.st_mode & 0111 ? 0755 : 0644);
		if (err < 0)
			return VB_ERROR(ctx, err, "carry %s: %s", p,
					strerror(-err));
	}
	return 0;
}

static int bundle_collect(struct vb_ctx *ctx, const char *agent,
			  const char *loader, const char *workload_path,
			  struct blist *l, char *hash)
{
	const char *sleep_bin = find_sleep();
	char *libpath = make_libpath();
	int err;

	err = blist_add(l, "bin", "virtbench-agent", agent, 0755);
	if (!err && sleep_bin)
		err = blist_add(l, "bin", "sleep", sleep_bin, 0755);
	if (!err)
		err = blist_add(l, "lib", base_name(loader), loader, 0755);
	if (!err)
		err = add_plugins(ctx, l, workload_path);
	if (err < 0)
		err = VB_ERROR(ctx, err, "collecting the agent bundle: %s",
			       strerror(-err));
	if (!err)
		err = add_files(ctx, l);
	/* Only bin/, plugins/ and carried ELF objects need their closure;
	 * the libraries appear in their own lists, as the loader lists them
	 * recursively. */
	for (size_t i = 0, n = l->n; i < n && !err; i++)
		if (strncmp(l->v[i].rel, "lib/", 4) != 0 &&
		    (strncmp(l->v[i].rel, "files/", 6) != 0 ||
		     elf_dynamic(l->v[i].src)))
			err = add_closure(ctx, l, loader, libpath, l->v[i].src);
	free(libpath);
	if (err < 0)
		return err;
	qsort(l->v, l->n, sizeof(l->v[0]), bfile_cmp);
	for (size_t i = 0; i < l->n && !err; i++)
		if ((err = hash_file(&l->v[i], -1)) < 0)
			err = VB_ERROR(ctx, err, "read %s: %s", l->v[i].src,
				       strerror(-err));
	if (!err)
		bundle_hash(l, hash);
	return err;
}

static int bundle_make(struct vb_ctx *ctx, const char *agent_path,
		       const char *workload_path, struct bundle **out)
{
	struct blist l = { 0 };
	char loader[PATH_MAX], hash[SHA256_DIGEST_SIZE * 2 + 1];
	char *agent = NULL, *root = NULL, *final = NULL, *manifest = NULL;
	struct bundle *b;
	int err;

	if ((err = real_agent(ctx, agent_path, &agent)) < 0)
		goto out;
	err = vb_elf_interp(agent, loader, sizeof(loader), NULL);
	if (!err && !loader[0])
		err = -ENOEXEC;
	if (err < 0) {
		err = VB_ERROR(ctx, err,
			       "%s has no program interpreter (a static "
			       "build?): the bundle starts the agent through "
			       "its loader, build virtbench with shared "
			       "libc", agent);
		goto out;
	}
	if ((err = bundle_collect(ctx, agent, loader, workload_path, &l,
				  hash)) < 0 ||
	    (err = cache_root(ctx, &root)) < 0)
		goto out;
	final = vb_path_join(root, hash);
	manifest = vb_path_join(final, "manifest");
	if (access(manifest, R_OK) != 0 &&
	    (err = build(ctx, root, final, &l, hash, base_name(loader))) < 0)
		goto out;
	b = vb_xcalloc(1, sizeof(*b));
	b->agent_path = vb_xstrdup(agent_path);
	b->workload_path = vb_xstrdup(workload_path ? workload_path : "");
	b->carry_key = carry_key();
	b->hash = vb_xstrdup(hash);
	b->loader_name = vb_xstrdup(base_name(loader));
	b->dir = final;
	final = NULL;
	*out = b;
out:
	free(manifest);
	free(final);
	free(root);
	free(agent);
	blist_free(&l);
	return err;
}

static int bundle_lookup(struct vb_ctx *ctx, const struct bundle **out)
{
	const char *agent = vb_agent_path(ctx);
	const char *wl = vb_workload_path(ctx);
	struct bundle *b;
	char *key;
	int err = 0;

	if (!agent || !*agent)
		return VB_ERROR(ctx, -ENOENT,
				"no virtbench-agent known to the engine");
	pthread_mutex_lock(&bundle_lock);
	key = carry_key();
	for (b = bundles; b; b = b->next)
		if (strcmp(b->agent_path, agent) == 0 &&
		    strcmp(b->workload_path, wl ? wl : "") == 0 &&
		    strcmp(b->carry_key, key) == 0)
			break;
	free(key);
	if (!b) {
		err = bundle_make(ctx, agent, wl, &b);
		if (!err) {
			b->next = bundles;
			bundles = b;
		}
	}
	pthread_mutex_unlock(&bundle_lock);
	if (!err)
		*out = b;
	return err;
}

static int bundle_get(struct vb_ctx *ctx, const char **dir, const char **hash)
{
	const struct bundle *b;
	int err = bundle_lookup(ctx, &b);

	if (err < 0)
		return err;
	if (dir)
		*dir = b->dir;
	if (hash)
		*hash = b->hash;
	return 0;
}

static int bundle_argv(struct vb_ctx *ctx, const char *mount,
		       const char **out, size_t n)
{
	const struct bundle *b;
	struct bundle_argv *a;
	int err;

	if (!mount || mount[0] != '/')
		return VB_ERROR(ctx, -EINVAL,
				"bundle mount point must be an absolute path");
	if (n < 6)
		return -ENOSPC;
	err = bundle_lookup(ctx, &b);
	if (err < 0)
		return err;
	pthread_mutex_lock(&bundle_lock);
	for (a = argvs; a; a = a->next)
		if (a->b == b && strcmp(a->mount, mount) == 0)
			break;
	if (!a) {
		a = vb_xcalloc(1, sizeof(*a));
		a->b = b;
		a->mount = vb_xstrdup(mount);
		a->v[0] = vb_xasprintf("%s/lib/%s", mount, b->loader_name);
		a->v[1] = vb_xstrdup("--library-path");
		a->v[2] = vb_xasprintf("%s/lib", mount);
		a->v[3] = vb_xasprintf("%s/bin/virtbench-agent", mount);
		a->v[4] = vb_xstrdup("--plugin-dir");
		a->v[5] = vb_xasprintf("%s/plugins", mount);
		a->next = argvs;
		argvs = a;
	}
	pthread_mutex_unlock(&bundle_lock);
	for (size_t i = 0; i < 6; i++)
		out[i] = a->v[i];
	return 6;
}

const struct vb_bundle_provider vb_engine_bundle = {
	.get = bundle_get,
	.argv = bundle_argv,
};
