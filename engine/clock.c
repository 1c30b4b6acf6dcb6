// SPDX-License-Identifier: MIT
/*
 * clock.c - perf's clock to CLOCK_MONOTONIC.
 *
 * The samples are stamped with perf's own clock (local_clock): asking the
 * kernel for CLOCK_MONOTONIC instead (use_clockid) costs the traced program
 * 8 ns per event on one VM and 71 ns on another (bench/sample_cost.c), for
 * a clock that differs from CLOCK_MONOTONIC by an offset that moves by
 * nanoseconds per second.  So the reader measures that offset now and then
 * and adds it to every time it reads.
 *
 * Side-band records (unlike samples, whose time the kernel takes once for
 * all the events of a hit) are stamped per event, each with its event's
 * clock.  Three events of this thread with attr.mmap_data see one mmap()
 * of an anonymous page in their order of creation or its reverse: the
 * middle one, in perf's clock, is bracketed by the other two, in
 * CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock-private.h"

#define SYNC_TRIES 3	/* the narrowest bracket of these is kept */

static int open_one(bool monotonic)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.mmap = 1;
	a.mmap_data = 1;
	a.sample_id_all = 1;
	a.sample_type = PERF_SAMPLE_TIME;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	/* no wake-up: nobody polls these */
	a.watermark = 1;
	a.wakeup_watermark = UINT32_MAX;
	if (monotonic) {
		a.use_clockid = 1;
		a.clockid = CLOCK_MONOTONIC;
	}
	/* this thread only, any CPU */
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

int engine_clock_open(struct engine_clock *k)
{
	int i, ret;

	memset(k, 0, sizeof(*k));
	k->page_size = (size_t)sysconf(_SC_PAGESIZE);
	for (i = 0; i < 3; i++)
		k->fd[i] = -1;
	for (i = 0; i < 3; i++) {
		void *m;

		k->fd[i] = open_one(i != 1);
		if (k->fd[i] < 0)
			goto fail;
		m = mmap(NULL, 2 * k->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->fd[i], 0);
		if (m == MAP_FAILED)
			goto fail;
		k->meta[i] = m;
	}
	return 0;
fail:
	ret = -errno;
	engine_clock_close(k);
	return ret ? ret : -EIO;
}

void engine_clock_close(struct engine_clock *k)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (k->meta[i])
			munmap(k->meta[i], 2 * k->page_size);
		k->meta[i] = NULL;
		if (k->fd[i] >= 0)
			close(k->fd[i]);
		k->fd[i] = -1;
	}
}

/*
 * The time of the newest MMAP record (its last 8 bytes: sample_id_all with
 * TIME only), and every record consumed.  Returns false if none.
 */
static bool newest_time(struct engine_clock *k, int i, uint64_t *time)
{
	struct perf_event_mmap_page *m = k->meta[i];
	const unsigned char *data = (const unsigned char *)m + k->page_size;
	uint64_t size = k->page_size, head, tail;
	bool found = false;

	/* the ring is mapped writable: the kernel never passes data_tail */
	head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
	tail = m->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		unsigned char b[sizeof(h)];
		uint64_t j;

		for (j = 0; j < sizeof(h); j++)
			b[j] = data[(tail + j) & (size - 1)];
		memcpy(&h, b, sizeof(h));
		if (h.size < sizeof(h) + 8 || h.size > head - tail)
			break;	/* torn by an overwrite: nothing more to trust */
		if (h.type == PERF_RECORD_MMAP) {
			unsigned char t[8];

			for (j = 0; j < 8; j++)
				t[j] = data[(tail + h.size - 8 + j) & (size - 1)];
			memcpy(time, t, 8);
			found = true;
		}
		tail += h.size;
	}
	__atomic_store_n(&m->data_tail, head, __ATOMIC_RELEASE);
	return found;
}

int engine_clock_sync(struct engine_clock *k)
{
	uint64_t best = UINT64_MAX, t[3];
	int64_t offset = 0;
	int n, i;

	if (k->fd[0] < 0)
		return -EBADF;
	for (i = 0; i < 3; i++)
		newest_time(k, i, &t[i]);	/* what came before: not ours */
	for (n = 0; n < SYNC_TRIES; n++) {
		void *p = mmap(NULL, k->page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t lo, hi;

		if (p == MAP_FAILED)
			return -errno;
		munmap(p, k->page_size);
		if (!newest_time(k, 0, &t[0]) || !newest_time(k, 1, &t[1]) ||
		    !newest_time(k, 2, &t[2]))
			continue;
		lo = t[0] < t[2] ? t[0] : t[2];
		hi = t[0] < t[2] ? t[2] : t[0];
		if (hi - lo < best) {
			best = hi - lo;
			offset = (int64_t)(lo + (hi - lo) / 2 - t[1]);
		}
	}
	if (best == UINT64_MAX)
		return -EAGAIN;
	k->offset = offset;
	k->error = (best + 1) / 2;
	return 0;
}
