/* SPDX-License-Identifier: MIT */
/* ring-private.h - reading one perf mmap ring (engine internal). */
#ifndef TRACELOGD_RING_PRIVATE_H
#define TRACELOGD_RING_PRIVATE_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct engine_ring {
	struct perf_event_mmap_page *meta;	/* the control page */
	unsigned char *data;			/* data_size bytes after it */
	uint64_t size;				/* power of two */
	unsigned char *scratch;			/* a record that crosses the end */
	size_t map_len;				/* what was mmapped, 0 if not ours */
	uint64_t bad;				/* headers that made no sense */
};

/*
 * Called with each record, contiguous (a record that crosses the end of the
 * ring has been copied into a scratch buffer), header included.  The bytes
 * are valid until the callback returns.
 */
typedef void (*engine_ring_fn)(const struct perf_event_header *hdr, void *arg);

/*
 * engine_ring_init - point a ring at a mapping of 1 + 2^n pages: the control
 * page then the data.  Returns 0 or -ENOMEM (scratch).
 */
int engine_ring_init(struct engine_ring *r, void *map, size_t map_len, size_t page_size);
void engine_ring_fini(struct engine_ring *r);

/* engine_ring_head - data_head, loaded with acquire. */
uint64_t engine_ring_head(const struct engine_ring *r);

/*
 * engine_ring_read - hand every record between data_tail and head to fn,
 * publishing data_tail every eighth of the ring so that the kernel may
 * write again during a long drain.  Returns the records read.  A header of
 * size 0 or larger than the ring ends the read and skips to head (counted
 * in r->bad): the ring's contents cannot be trusted beyond it.
 */
uint64_t engine_ring_read(struct engine_ring *r, uint64_t head, engine_ring_fn fn, void *arg);

#endif
