/* SPDX-License-Identifier: MIT */
/*
 * sample-private.h - a PERF_RECORD_SAMPLE taken apart and checked before
 * anything is read from its raw part (engine internal).
 */
#ifndef TRACELOGD_SAMPLE_PRIVATE_H
#define TRACELOGD_SAMPLE_PRIVATE_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>

struct engine_event;

struct engine_sample {
	uint64_t time;
	uint32_t pid;			/* PERF_SAMPLE_TID, or 0 */
	uint32_t tid;			/* PERF_SAMPLE_TID, or common_pid */
	uint16_t type;			/* common_type */
	uint32_t raw_size;
	const unsigned char *raw;	/* points into the record */
};

/*
 * engine_sample_parse - a sample of PERF_SAMPLE_TIME | RAW, with TID first
 * when with_tid.  Every length is checked against the header: returns 0,
 * or -EINVAL for a record too short for its own fields or a raw part
 * shorter than the 8 common bytes.
 */
int engine_sample_parse(const struct perf_event_header *hdr, bool with_tid,
			struct engine_sample *s);

/*
 * engine_sample_event - the event of a parsed sample by common_type, or
 * NULL when the type is unknown or the raw part shorter than the event's
 * fixed fields: such a record is counted, never decoded.
 */
struct engine_event *engine_sample_event(const struct engine_sample *s,
					 struct engine_event *const *by_id, unsigned max_id);

#endif
