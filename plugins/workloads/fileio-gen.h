/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The request generator of fileio-rndrw: sysbench's rndrw generator
 * (research/sysbench.md §3.3) behind one mutex, so any number of threads
 * can pull requests and the totals stay exact.
 *
 * A header of static functions so that the module and its unit test
 * compile the very same code.
 */
#ifndef VB_FILEIO_GEN_H
#define VB_FILEIO_GEN_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum fg_op {
	FG_END = 0,  /* nothing more: the thread stops */
	FG_READ,
	FG_WRITE,
	FG_FSYNC,
};

struct fg_req {
	enum fg_op op;
	uint64_t file;    /* index into test_file.0 .. files-1 */
	uint64_t offset;  /* byte offset in that file, block-aligned */
};

struct fg_config {
	uint64_t files;
	uint64_t file_size;   /* total_size / files (integer division) */
	uint64_t block_size;
	double rw_ratio;      /* reads per write */
	uint64_t fsync_freq;  /* read/write requests per fsync round; 0: none */
	bool fsync_end;       /* fsync every file once at the end */
	uint64_t events;      /* read/write requests in all; 0: no limit */
	uint64_t seed;
};

struct fg_gen {
	pthread_mutex_t lock;
	struct fg_config cfg;
	uint64_t file_blocks; /* blocks per file, the last one maybe partial */
	uint64_t nblocks;     /* files × file_blocks: what offsets pick from */
	/* Counts of *issued* requests: they decide read or write, and they
	 * are what the request budget counts (fsyncs are not events). */
	uint64_t reads, writes, fsyncs;
	uint64_t next_fsync;  /* file of the running periodic round */
	uint64_t next_end;    /* file of the end fsync */
	bool dirty;           /* written since the last round */
	bool ending;          /* budget spent or stopped: end fsyncs only */
	uint64_t rng[2];      /* xoroshiro128+ */
};

static inline uint64_t fg_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t fg_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoroshiro128+, the generator sysbench 1.0 uses for fileio offsets. */
static inline uint64_t fg_rand(struct fg_gen *g)
{
	uint64_t s0 = g->rng[0], s1 = g->rng[1];
	uint64_t r = s0 + s1;
	s1 ^= s0;
	g->rng[0] = fg_rotl(s0, 24) ^ s1 ^ (s1 << 16);
	g->rng[1] = fg_rotl(s1, 37);
	return r;
}

/* Uniform in [0, 1) from the top 53 bits. */
static inline double fg_uniform(struct fg_gen *g)
{
	return (double)(fg_rand(g) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int fg_init(struct fg_gen *g, const struct fg_config *cfg)
{
	if (cfg->files == 0 || cfg->block_size == 0 ||
	    cfg->file_size < cfg->block_size)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	g->file_blocks = (cfg->file_size + cfg->block_size - 1) /
			 cfg->block_size;
	g->nblocks = cfg->files * g->file_blocks;
	uint64_t x = cfg->seed;
	g->rng[0] = fg_splitmix(&x);
	g->rng[1] = fg_splitmix(&x);
	return -pthread_mutex_init(&g->lock, NULL);
}

static inline void fg_destroy(struct fg_gen *g)
{
	pthread_mutex_destroy(&g->lock);
}

/* The time limit passed: no more reads or writes, only the end fsyncs. */
static inline void fg_stop(struct fg_gen *g)
{
	pthread_mutex_lock(&g->lock);
	g->ending = true;
	pthread_mutex_unlock(&g->lock);
}

static inline void fg_next(struct fg_gen *g, struct fg_req *req)
{
	const struct fg_config *c = &g->cfg;
	uint64_t done = 0;

	pthread_mutex_lock(&g->lock);
	done = g->reads + g->writes;
	/* The end is checked before the periodic round, as in sysbench: the
	 * end fsync replaces the round that would fall on the last request. */
	if (c->events && done >= c->events)
		g->ending = true;
	if (g->ending) {
		if (c->fsync_end && g->next_end < c->files) {
			*req = (struct fg_req){ .op = FG_FSYNC,
						.file = g->next_end++ };
			g->fsyncs++;
		} else {
			*req = (struct fg_req){ .op = FG_END };
		}
		goto out;
	}
	/* A round is files consecutive single-file fsyncs; they do not
	 * advance the request count, so the condition holds until the
	 * round wraps and clears dirty. */
	if (c->fsync_freq && g->dirty && done % c->fsync_freq == 0) {
		*req = (struct fg_req){ .op = FG_FSYNC,
					.file = g->next_fsync++ };
		g->fsyncs++;
		if (g->next_fsync == c->files) {
			g->next_fsync = 0;
			g->dirty = false;
		}
		goto out;
	}
	bool read = (double)(g->reads + 1) / (double)(g->writes + 1) <
		    c->rw_ratio;
	/*
	 * sysbench draws a byte position uniform over total_size and aligns
	 * it down to a block. Drawing a block index uniform over every
	 * file's blocks is the same thing when file_size is a multiple of
	 * block_size, and when it is not, it still reaches every block
	 * prepare wrote (files are rounded up to whole blocks) with every
	 * offset aligned, which O_DIRECT needs.
	 */
	uint64_t k = (uint64_t)(fg_uniform(g) * (double)g->nblocks);
	if (k >= g->nblocks)
		k = g->nblocks - 1;
	req->op = read ? FG_READ : FG_WRITE;
	req->file = k / g->file_blocks;
	req->offset = k % g->file_blocks * c->block_size;
	if (read) {
		g->reads++;
	} else {
		g->writes++;
		g->dirty = true;
	}
out:
	pthread_mutex_unlock(&g->lock);
}

#endif /* VB_FILEIO_GEN_H */
