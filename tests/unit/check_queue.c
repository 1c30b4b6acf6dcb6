// SPDX-License-Identifier: MIT
/*
 * check_queue.c - the SPSC record queue: FIFO order, padding at the end of
 * the buffer, full detection, and two threads passing a million records
 * with the producer blocking on a full queue.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "queue-private.h"

START_TEST(test_fifo_and_wrap)
{
	struct engine_queue q;
	uint64_t next_in = 0, next_out = 0;
	int round;

	ck_assert_int_eq(engine_queue_init(&q, 4096), 0);
	ck_assert_uint_eq(q.size, 4096);
	/* sizes that do not divide the buffer force padding entries */
	for (round = 0; round < 2000; round++) {
		size_t len = 24 + (size_t)(round % 7) * 40;
		uint64_t *p = engine_queue_reserve(&q, len);
		size_t got;

		if (p) {
			p[0] = next_in++;
			engine_queue_commit(&q);
		}
		if (!p || round % 3 == 0) {
			uint64_t *r = engine_queue_peek(&q, &got);

			ck_assert_ptr_nonnull(r);
			ck_assert_uint_eq(r[0], next_out);
			next_out++;
			engine_queue_pop(&q, got, true);
		}
	}
	for (;;) {
		size_t got;
		uint64_t *r = engine_queue_peek(&q, &got);

		if (!r)
			break;
		ck_assert_uint_eq(r[0], next_out);
		next_out++;
		engine_queue_pop(&q, got, false);
	}
	ck_assert_uint_eq(next_in, next_out);
	ck_assert_uint_eq(engine_queue_used(&q), 0);
	engine_queue_fini(&q);
}
END_TEST

START_TEST(test_full)
{
	struct engine_queue q;
	int n = 0;

	ck_assert_int_eq(engine_queue_init(&q, 4096), 0);
	while (engine_queue_reserve(&q, 56)) {	/* 64-byte entries */
		engine_queue_commit(&q);
		n++;
	}
	ck_assert_int_eq(n, 64);
	/* a record larger than half the queue never fits */
	ck_assert_ptr_null(engine_queue_reserve(&q, 3000));
	engine_queue_fini(&q);
}
END_TEST

#define STRESS_N 1000000

static void *consumer(void *arg)
{
	struct engine_queue *q = arg;
	uint64_t expect = 0;
	size_t len;

	for (;;) {
		uint64_t *r = engine_queue_peek(q, &len);

		if (!r) {
			engine_queue_wake_producer(q);
			if (!engine_queue_sleep(q))
				break;
			continue;
		}
		if (r[0] != expect || r[1] != ~expect)
			return (void *)1;
		expect++;
		engine_queue_pop(q, len, (expect & 63) == 0);
	}
	return expect == STRESS_N ? NULL : (void *)2;
}

START_TEST(test_two_threads_block)
{
	struct engine_queue q;
	pthread_t t;
	void *ret;
	uint64_t i;

	ck_assert_int_eq(engine_queue_init(&q, 8192), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, consumer, &q), 0);
	for (i = 0; i < STRESS_N; i++) {
		size_t len = 16 + (i % 5) * 8;
		uint64_t *p;

		while (!(p = engine_queue_reserve(&q, len)))
			engine_queue_wait_space(&q, len);
		p[0] = i;
		p[1] = ~i;
		engine_queue_commit(&q);
		if ((i & 255) == 0)
			engine_queue_kick(&q);
	}
	engine_queue_close(&q);
	pthread_join(t, &ret);
	ck_assert_ptr_null(ret);
	engine_queue_fini(&q);
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc;

	tc = tcase_create("fifo");
	tcase_add_test(tc, test_fifo_and_wrap);
	suite_add_tcase(s, tc);
	tc = tcase_create("full");
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_two_threads_block);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(queue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
