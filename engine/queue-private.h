/* SPDX-License-Identifier: MIT */
/*
 * queue-private.h - a bounded single-producer single-consumer queue of
 * variable-sized records (engine internal).  The queue is also the records'
 * allocator: the reader builds each record in place, the worker runs the
 * handlers on it there and then releases the space.
 */
#ifndef TRACELOGD_QUEUE_PRIVATE_H
#define TRACELOGD_QUEUE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine_queue {
	unsigned char *buf;
	uint64_t size;			/* bytes, power of two */
	/* producer side */
	uint64_t head __attribute__((aligned(64)));	/* published with release */
	uint64_t phead;			/* reserved, not yet published */
	uint64_t cached_tail;
	uint32_t prod_wait;		/* futex word: producer sleeps (block policy) */
	/* consumer side */
	uint64_t tail __attribute__((aligned(64)));	/* published with release */
	uint64_t cached_head;
	uint32_t cons_wait;		/* futex word: consumer sleeps */
	uint32_t closed;		/* no more records will come */
};

/* engine_queue_init - a queue of at least `bytes` (rounded up to a power of two). */
int engine_queue_init(struct engine_queue *q, size_t bytes);
void engine_queue_fini(struct engine_queue *q);

/*
 * engine_queue_reserve - room for a record of len bytes (8-aligned), or
 * NULL when the queue is full.  Producer only; the record becomes visible
 * at engine_queue_commit().
 */
void *engine_queue_reserve(struct engine_queue *q, size_t len);
void engine_queue_commit(struct engine_queue *q);

/* engine_queue_wait_space - block until len bytes may be free (block policy). */
void engine_queue_wait_space(struct engine_queue *q, size_t len);

/* engine_queue_kick - wake the consumer if it sleeps.  Producer only. */
void engine_queue_kick(struct engine_queue *q);

/* engine_queue_close - no more records; the consumer drains then sees NULL. */
void engine_queue_close(struct engine_queue *q);

/*
 * engine_queue_peek - the oldest record, its length in *len, or NULL when
 * empty.  Consumer only.  engine_queue_pop() releases it.
 */
void *engine_queue_peek(struct engine_queue *q, size_t *len);
/* wake: also wake a producer waiting for space (costs a full fence) */
void engine_queue_pop(struct engine_queue *q, size_t len, bool wake);

/* engine_queue_wake_producer - wake a producer waiting for space.  Consumer only. */
void engine_queue_wake_producer(struct engine_queue *q);

/*
 * engine_queue_sleep - wait until a record is there or the queue is
 * closed.  Returns false when closed and empty.  Consumer only.
 */
bool engine_queue_sleep(struct engine_queue *q);

/* engine_queue_used - bytes queued now (any thread, approximate). */
uint64_t engine_queue_used(const struct engine_queue *q);

#endif
