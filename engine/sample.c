// SPDX-License-Identifier: MIT
/*
 * sample.c - taking a perf sample apart.  The raw payload is only 4-byte
 * aligned inside the record: everything is read with memcpy.
 */
#include <errno.h>
#include <string.h>

#include "event-private.h"
#include "sample-private.h"

#define COMMON_BYTES 8	/* common_type, common_flags, common_preempt_count, common_pid */

int engine_sample_parse(const struct perf_event_header *hdr, bool with_tid,
			struct engine_sample *s)
{
	const unsigned char *p = (const unsigned char *)hdr;
	uint32_t off = sizeof(*hdr);
	int32_t common_pid;

	s->pid = 0;
	if (with_tid) {
		if (hdr->size < off + 8)
			return -EINVAL;
		memcpy(&s->pid, p + off, 4);
		memcpy(&s->tid, p + off + 4, 4);
		off += 8;
	}
	if (hdr->size < off + 12)
		return -EINVAL;
	memcpy(&s->time, p + off, 8);
	memcpy(&s->raw_size, p + off + 8, 4);
	off += 12;
	if (s->raw_size > (uint32_t)hdr->size - off || s->raw_size < COMMON_BYTES)
		return -EINVAL;
	s->raw = p + off;
	memcpy(&s->type, s->raw, 2);
	if (!with_tid) {
		memcpy(&common_pid, s->raw + 4, 4);
		s->tid = (uint32_t)common_pid;
	}
	return 0;
}

struct engine_event *engine_sample_event(const struct engine_sample *s,
					 struct engine_event *const *by_id, unsigned max_id)
{
	/* pairs with the release store of a reload that opens an event */
	struct engine_event *ev = s->type < max_id ?
		__atomic_load_n(&by_id[s->type], __ATOMIC_ACQUIRE) : NULL;

	if (!ev || s->raw_size < ev->min_size)
		return NULL;
	return ev;
}
