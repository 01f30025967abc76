/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vb_elf_interp of plugin.h: what a program needs to start in another
 * root filesystem. The engine's bundle, the exec workload and the container
 * backends all ask it, so the ELF headers are read in this one place.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "virtbench/plugin.h"

static int read_at(int fd, void *buf, size_t n, off_t at)
{
	ssize_t r = pread(fd, buf, n, at);

	if (r < 0)
		return -errno;
	return (size_t)r == n ? 0 : -ENOEXEC;
}

int vb_elf_interp(const char *path, char *interp, size_t n, bool *dynamic)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (n)
		interp[0] = '\0';
	if (dynamic)
		*dynamic = false;
	if (fd < 0)
		return -errno;
	err = read_at(fd, &eh, sizeof(eh), 0);
	if (!err && (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
		     eh.e_ident[EI_CLASS] != ELFCLASS64 ||
		     eh.e_phentsize != sizeof(Elf64_Phdr)))
		err = -ENOEXEC;
	for (unsigned i = 0; !err && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		err = read_at(fd, &ph, sizeof(ph),
			      (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize);
		if (err)
			break;
		if (ph.p_type == PT_DYNAMIC && dynamic)
			*dynamic = true;
		if (ph.p_type != PT_INTERP)
			continue;
		/* p_filesz counts the terminating NUL. */
		if (ph.p_filesz < 2)
			err = -ENOEXEC;
		else if (ph.p_filesz > n)
			err = -ENAMETOOLONG;
		else if (!(err = read_at(fd, interp, ph.p_filesz,
					 (off_t)ph.p_offset)))
			interp[ph.p_filesz - 1] = '\0';
	}
	close(fd);
	if (err && n)
		interp[0] = '\0';
	return err;
}
