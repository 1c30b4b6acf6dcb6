// SPDX-License-Identifier: MIT
/*
 * check_ring.c - the perf ring reader on synthetic rings: records in
 * order, a record crossing the end of the ring, tail publication during a
 * long drain, a corrupt header.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ring-private.h"

#define PAGE 4096

static unsigned char *map;
static struct engine_ring ring;

static void setup(void)
{
	map = aligned_alloc(PAGE, PAGE * 2);	/* control page + 1 data page */
	memset(map, 0, PAGE * 2);
	ck_assert_int_eq(engine_ring_init(&ring, map, PAGE * 2, PAGE), 0);
}

static void teardown(void)
{
	engine_ring_fini(&ring);
	free(map);
}

/* write a record of `size` bytes at absolute position pos, wrapping */
static void put_record(uint64_t pos, uint32_t type, uint16_t size, unsigned char fill)
{
	unsigned char rec[1024];
	struct perf_event_header h = { .type = type, .misc = 0, .size = size };
	uint64_t i;

	memset(rec, fill, sizeof(rec));
	memcpy(rec, &h, sizeof(h));
	for (i = 0; i < size; i++)
		ring.data[(pos + i) & (ring.size - 1)] = rec[i];
}

struct seen {
	int n;
	uint32_t types[64];
	uint16_t sizes[64];
	int intact[64];
	uint64_t tail_at[64];
};

static void on_record(const struct perf_event_header *h, void *arg)
{
	struct seen *s = arg;
	const unsigned char *p = (const unsigned char *)h;
	int ok = 1;
	unsigned i;

	for (i = sizeof(*h); i < h->size; i++)
		if (p[i] != (unsigned char)(0x40 + s->n))
			ok = 0;
	s->types[s->n] = h->type;
	s->sizes[s->n] = h->size;
	s->intact[s->n] = ok;
	s->tail_at[s->n] = ring.meta->data_tail;
	s->n++;
}

START_TEST(test_in_order)
{
	struct seen s = { 0 };

	put_record(0, PERF_RECORD_SAMPLE, 40, 0x40);
	put_record(40, PERF_RECORD_LOST, 24, 0x41);
	put_record(64, PERF_RECORD_SAMPLE, 64, 0x42);
	ring.meta->data_head = 128;
	ck_assert_uint_eq(engine_ring_read(&ring, engine_ring_head(&ring), on_record, &s), 3);
	ck_assert_int_eq(s.n, 3);
	ck_assert_uint_eq(s.types[1], PERF_RECORD_LOST);
	ck_assert(s.intact[0] && s.intact[1] && s.intact[2]);
	ck_assert_uint_eq(ring.meta->data_tail, 128);
}
END_TEST

START_TEST(test_wrap)
{
	struct seen s = { 0 };
	uint64_t start = PAGE - 24;	/* header fits, body crosses the end */

	ring.meta->data_tail = start;
	put_record(start, PERF_RECORD_SAMPLE, 80, 0x40);
	put_record(start + 80, PERF_RECORD_SAMPLE, 32, 0x41);
	ring.meta->data_head = start + 112;
	ck_assert_uint_eq(engine_ring_read(&ring, ring.meta->data_head, on_record, &s), 2);
	ck_assert(s.intact[0]);
	ck_assert(s.intact[1]);
	ck_assert_uint_eq(s.sizes[0], 80);
	ck_assert_uint_eq(ring.meta->data_tail, start + 112);
}
END_TEST

START_TEST(test_wrap_header)
{
	struct seen s = { 0 };
	uint64_t start = 3 * PAGE + PAGE - 4;	/* the header itself crosses the end */

	ring.meta->data_tail = start;
	put_record(start, PERF_RECORD_SAMPLE, 48, 0x40);
	ring.meta->data_head = start + 48;
	ck_assert_uint_eq(engine_ring_read(&ring, ring.meta->data_head, on_record, &s), 1);
	ck_assert_uint_eq(s.sizes[0], 48);
	ck_assert(s.intact[0]);
}
END_TEST

START_TEST(test_publish_during_drain)
{
	struct seen s = { 0 };
	uint64_t pos = 0;
	int i;

	/* 8 records of 256 bytes: the tail must move before the end */
	for (i = 0; i < 8; i++, pos += 256)
		put_record(pos, PERF_RECORD_SAMPLE, 256, (unsigned char)(0x40 + i));
	ring.meta->data_head = pos;
	engine_ring_read(&ring, pos, on_record, &s);
	ck_assert_int_eq(s.n, 8);
	/* a ring of 4096 publishes every 512 bytes */
	ck_assert_uint_eq(s.tail_at[0], 0);
	ck_assert_uint_eq(s.tail_at[2], 512);
	ck_assert_uint_eq(s.tail_at[7], 1536);
	ck_assert_uint_eq(ring.meta->data_tail, 2048);
}
END_TEST

START_TEST(test_corrupt)
{
	struct seen s = { 0 };

	put_record(0, PERF_RECORD_SAMPLE, 32, 0x40);
	put_record(32, PERF_RECORD_SAMPLE, 0, 0x41);	/* size 0: cannot advance */
	ring.meta->data_head = 96;
	ck_assert_uint_eq(engine_ring_read(&ring, 96, on_record, &s), 1);
	ck_assert_uint_eq(ring.bad, 1);
	ck_assert_uint_eq(ring.meta->data_tail, 96);	/* skipped to head */

	/* a size running past head */
	s.n = 0;
	put_record(96, PERF_RECORD_SAMPLE, 200, 0x40);
	ring.meta->data_head = 96 + 100;
	ck_assert_uint_eq(engine_ring_read(&ring, 196, on_record, &s), 0);
	ck_assert_uint_eq(ring.bad, 2);
}
END_TEST

START_TEST(test_empty)
{
	struct seen s = { 0 };

	ck_assert_uint_eq(engine_ring_read(&ring, 0, on_record, &s), 0);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "in order", test_in_order },
		{ "wrap", test_wrap },
		{ "wrap header", test_wrap_header },
		{ "publish", test_publish_during_drain },
		{ "corrupt", test_corrupt },
		{ "empty", test_empty },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ring_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
