/* SPDX-License-Identifier: MIT */
/* clock-private.h - perf's clock to CLOCK_MONOTONIC (engine internal). */
#ifndef TRACELOGD_CLOCK_PRIVATE_H
#define TRACELOGD_CLOCK_PRIVATE_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Three side-band events on the calling thread, opened in this order:
 * CLOCK_MONOTONIC, perf's own clock, CLOCK_MONOTONIC.  One mmap() by the
 * thread makes each write a MMAP record stamped with its own clock, one
 * after the other, so that the perf-clock stamp lies between the two
 * monotonic ones: the offset is taken at their middle and is wrong by at
 * most half their distance.
 */
struct engine_clock {
	int fd[3];
	struct perf_event_mmap_page *meta[3];	/* one page of data after each */
	size_t page_size;
	int64_t offset;		/* CLOCK_MONOTONIC = perf's clock + offset */
	uint64_t error;		/* ns: half the bracket of the last sync */
};

/*
 * engine_clock_open - open the three events on the calling thread, which
 * is the one to call engine_clock_sync().  Returns 0 or -errno; k is then
 * closed.
 */
int engine_clock_open(struct engine_clock *k);

/*
 * engine_clock_sync - measure the offset again (an anonymous mmap and
 * munmap, a few microseconds).  Returns 0, or -errno with offset and error
 * unchanged.
 */
int engine_clock_sync(struct engine_clock *k);

/* engine_clock_close - close what engine_clock_open() opened; idempotent. */
void engine_clock_close(struct engine_clock *k);

#endif
