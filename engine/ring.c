// SPDX-License-Identifier: MIT
/*
 * ring.c - reading a perf mmap ring buffer.
 *
 * The kernel writes records at data_head and we consume at data_tail.  The
 * pairing is the one of tools/lib/perf/mmap.c and kernel/events/ring_buffer.c:
 * the kernel stores the records, then data_head (smp_store_release in
 * perf_output_put_handle); we load data_head with acquire before reading the
 * records, and store data_tail with release after we are done with them, which
 * pairs with the kernel's READ_ONCE(data_tail) + smp_mb() in
 * perf_output_begin() before it overwrites that space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring-private.h"

#define RING_MAX_RECORD 65536	/* header.size is a u16 */

int engine_ring_init(struct engine_ring *r, void *map, size_t map_len, size_t page_size)
{
	memset(r, 0, sizeof(*r));
	r->scratch = malloc(RING_MAX_RECORD);
	if (!r->scratch)
		return -ENOMEM;
	r->meta = map;
	r->data = (unsigned char *)map + page_size;
	r->size = map_len - page_size;
	r->map_len = map_len;
	return 0;
}

void engine_ring_fini(struct engine_ring *r)
{
	free(r->scratch);
	r->scratch = NULL;
}

uint64_t engine_ring_head(const struct engine_ring *r)
{
	/* pairs with smp_store_release(&rb->user_page->data_head) */
	return __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
}

static void ring_publish(struct engine_ring *r, uint64_t tail)
{
	/* pairs with the kernel's READ_ONCE(data_tail) + smp_mb() */
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

uint64_t engine_ring_read(struct engine_ring *r, uint64_t head, engine_ring_fn fn, void *arg)
{
	uint64_t tail = r->meta->data_tail;	/* only we write it */
	uint64_t mask = r->size - 1;
	uint64_t step = r->size / 8, published = tail;
	uint64_t n = 0;

	while (tail < head) {
		struct perf_event_header hdr;
		uint64_t off = tail & mask;
		const unsigned char *p = r->data + off;

		if (head - tail < sizeof(hdr))
			goto corrupt;
		if (off + sizeof(hdr) <= r->size) {
			memcpy(&hdr, p, sizeof(hdr));
		} else {
			size_t part = r->size - off;

			memcpy(&hdr, p, part);
			memcpy((unsigned char *)&hdr + part, r->data, sizeof(hdr) - part);
		}
		if (hdr.size < sizeof(hdr) || hdr.size > head - tail || hdr.size > r->size)
			goto corrupt;
		if (off + hdr.size > r->size) {
			size_t part = r->size - off;

			memcpy(r->scratch, p, part);
			memcpy(r->scratch + part, r->data, hdr.size - part);
			p = r->scratch;
		}
		fn((const struct perf_event_header *)p, arg);
		tail += hdr.size;
		n++;
		if (tail - published >= step) {
			ring_publish(r, tail);
			published = tail;
		}
	}
	ring_publish(r, tail);
	return n;
corrupt:
	r->bad++;
	ring_publish(r, head);
	return n;
}
