// SPDX-License-Identifier: MIT
/*
 * queue.c - bounded SPSC byte queue with futex wake-ups.
 *
 * Entries are an 8-byte header (length, flags) then the record, 8-aligned.
 * An entry never wraps: when the space left before the end is too small,
 * a padding entry fills it and the record starts at offset 0.
 *
 * Sleeping follows the usual Dekker pattern with sequentially consistent
 * accesses (no bare fences, which ThreadSanitizer cannot follow): the
 * sleeper stores wait = 1 and then loads the condition; the waker stores its
 * change and then loads the wait flag.  In the single total order of those
 * four accesses either the sleeper sees the change or the waker sees the
 * flag, so no wake-up is lost.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "queue-private.h"

#define ENTRY_PAD 1u

struct entry_hdr {
	uint32_t len;		/* whole entry, header included */
	uint32_t flags;
};

static void futex_wait(uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int engine_queue_init(struct engine_queue *q, size_t bytes)
{
	uint64_t size = 4096;

	memset(q, 0, sizeof(*q));
	while (size < bytes)
		size <<= 1;
	/* mmap rather than malloc: untouched pages cost no memory */
	q->buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->buf == MAP_FAILED) {
		q->buf = NULL;
		return -ENOMEM;
	}
	q->size = size;
	return 0;
}

void engine_queue_fini(struct engine_queue *q)
{
	if (q->buf)
		munmap(q->buf, q->size);
	q->buf = NULL;
}

static uint64_t entry_len(size_t len)
{
	return (sizeof(struct entry_hdr) + len + 7) & ~(uint64_t)7;
}

void *engine_queue_reserve(struct engine_queue *q, size_t len)
{
	uint64_t need = entry_len(len);
	uint64_t off = q->phead & (q->size - 1);
	uint64_t pad = 0;
	struct entry_hdr *h;

	if (need > q->size / 2)
		return NULL;
	if (off + need > q->size)
		pad = q->size - off;
	if (q->phead + pad + need - q->cached_tail > q->size) {
		/* pairs with the release store of tail in engine_queue_pop() */
		q->cached_tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
		if (q->phead + pad + need - q->cached_tail > q->size)
			return NULL;
	}
	if (pad) {
		h = (struct entry_hdr *)(q->buf + off);
		h->len = (uint32_t)pad;
		h->flags = ENTRY_PAD;
		q->phead += pad;
		off = 0;
	}
	h = (struct entry_hdr *)(q->buf + off);
	h->len = (uint32_t)need;
	h->flags = 0;
	q->phead += need;
	return h + 1;
}

void engine_queue_commit(struct engine_queue *q)
{
	/* the record's bytes before head: pairs with the acquire in peek */
	__atomic_store_n(&q->head, q->phead, __ATOMIC_RELEASE);
}

void engine_queue_kick(struct engine_queue *q)
{
	__atomic_store_n(&q->head, q->phead, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->cons_wait, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&q->cons_wait, 0, __ATOMIC_RELAXED);
		futex_wake(&q->cons_wait);
	}
}

void engine_queue_wait_space(struct engine_queue *q, size_t len)
{
	uint64_t need = entry_len(len) * 2;	/* room for a padding entry too */

	for (;;) {
		engine_queue_kick(q);
		__atomic_store_n(&q->prod_wait, 1, __ATOMIC_SEQ_CST);
		q->cached_tail = __atomic_load_n(&q->tail, __ATOMIC_SEQ_CST);
		if (q->phead + need - q->cached_tail <= q->size)
			break;
		futex_wait(&q->prod_wait, 1);
	}
	__atomic_store_n(&q->prod_wait, 0, __ATOMIC_RELAXED);
}

void engine_queue_close(struct engine_queue *q)
{
	engine_queue_commit(q);
	__atomic_store_n(&q->closed, 1, __ATOMIC_RELEASE);
	engine_queue_kick(q);
}

void *engine_queue_peek(struct engine_queue *q, size_t *len)
{
	for (;;) {
		struct entry_hdr *h;

		if (q->tail == q->cached_head) {
			q->cached_head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
			if (q->tail == q->cached_head)
				return NULL;
		}
		h = (struct entry_hdr *)(q->buf + (q->tail & (q->size - 1)));
		if (h->flags & ENTRY_PAD) {
			__atomic_store_n(&q->tail, q->tail + h->len, __ATOMIC_RELEASE);
			continue;
		}
		*len = h->len;
		return h + 1;
	}
}

void engine_queue_pop(struct engine_queue *q, size_t len, bool wake)
{
	uint64_t t = q->tail + len;

	/* the record is no longer read: pairs with the acquire in reserve */
	__atomic_store_n(&q->tail, t, __ATOMIC_RELEASE);
	if (wake)
		engine_queue_wake_producer(q);
}

void engine_queue_wake_producer(struct engine_queue *q)
{
	__atomic_store_n(&q->tail, q->tail, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->prod_wait, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&q->prod_wait, 0, __ATOMIC_RELAXED);
		futex_wake(&q->prod_wait);
	}
}

bool engine_queue_sleep(struct engine_queue *q)
{
	for (;;) {
		__atomic_store_n(&q->cons_wait, 1, __ATOMIC_SEQ_CST);
		q->cached_head = __atomic_load_n(&q->head, __ATOMIC_SEQ_CST);
		if (q->cached_head != q->tail) {
			__atomic_store_n(&q->cons_wait, 0, __ATOMIC_RELAXED);
			return true;
		}
		if (__atomic_load_n(&q->closed, __ATOMIC_ACQUIRE)) {
			q->cached_head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
			__atomic_store_n(&q->cons_wait, 0, __ATOMIC_RELAXED);
			return q->cached_head != q->tail;
		}
		futex_wait(&q->cons_wait, 1);
	}
}

uint64_t engine_queue_used(const struct engine_queue *q)
{
	return __atomic_load_n(&q->head, __ATOMIC_RELAXED) -
	       __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
}
