// SPDX-License-Identifier: MIT
/*
 * check_sample.c - samples taken apart and validated before any raw byte
 * is read: short records, raw sizes running past the record, unknown event
 * types and raw parts shorter than the event's fixed fields are refused.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event-private.h"
#include "sample-private.h"

static const char exec_format[] =
	"name: sched_process_exec\n"
	"ID: 7\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"filename=%s\", __get_str(filename)\n";

static struct engine_event *ev;
static struct engine_event *by_id[8];

static void setup(void)
{
	char err[256];

	ev = engine_event_parse("sched", exec_format, sizeof(exec_format) - 1, err, sizeof(err));
	ck_assert_msg(ev != NULL, "%s", err);
	memset(by_id, 0, sizeof(by_id));
	by_id[7] = ev;
}

static void teardown(void)
{
	engine_event_free(ev);
}

/* a sample record: header, [pid tid], time, raw_size, raw (padded to 8) */
static size_t build(unsigned char *buf, int with_tid, uint32_t raw_size, size_t raw_len,
		    uint16_t type, int32_t common_pid)
{
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, 0 };
	uint64_t time = 123456789;
	size_t off = sizeof(h);
	unsigned char raw[256] = { 0 };

	if (with_tid) {
		uint32_t ids[2] = { 40, 41 };

		memcpy(buf + off, ids, 8);
		off += 8;
	}
	memcpy(buf + off, &time, 8);
	memcpy(buf + off + 8, &raw_size, 4);
	off += 12;
	memcpy(raw, &type, 2);
	memcpy(raw + 4, &common_pid, 4);
	memcpy(buf + off, raw, raw_len);
	off += raw_len;
	off = (off + 7) & ~(size_t)7;
	h.size = (uint16_t)off;
	memcpy(buf, &h, sizeof(h));
	return off;
}

START_TEST(test_good)
{
	unsigned char buf[512];
	struct engine_sample s;

	build(buf, 0, 20, 20, 7, 4242);
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), 0);
	ck_assert_uint_eq(s.time, 123456789);
	ck_assert_uint_eq(s.tid, 4242);		/* common_pid */
	ck_assert_uint_eq(s.pid, 0);
	ck_assert_uint_eq(s.type, 7);
	ck_assert_uint_eq(s.raw_size, 20);
	ck_assert_ptr_eq(engine_sample_event(&s, by_id, 8), ev);

	build(buf, 1, 20, 20, 7, 4242);
	ck_assert_int_eq(engine_sample_parse((void *)buf, true, &s), 0);
	ck_assert_uint_eq(s.pid, 40);
	ck_assert_uint_eq(s.tid, 41);		/* PERF_SAMPLE_TID wins */
	ck_assert_ptr_eq(engine_sample_event(&s, by_id, 8), ev);
}
END_TEST

START_TEST(test_short_record)
{
	unsigned char buf[512];
	struct engine_sample s;
	struct perf_event_header h;

	build(buf, 0, 20, 20, 7, 1);
	memcpy(&h, buf, sizeof(h));
	/* cut the header's size below the fixed fields */
	for (h.size = 8; h.size < 28; h.size += 4) {
		memcpy(buf, &h, sizeof(h));
		ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), -EINVAL);
	}
	h.size = 16;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(engine_sample_parse((void *)buf, true, &s), -EINVAL);
}
END_TEST

START_TEST(test_raw_size_past_record)
{
	unsigned char buf[512];
	struct engine_sample s;

	/* raw_size says 200, the record holds 24 */
	build(buf, 0, 200, 20, 7, 1);
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), -EINVAL);
	build(buf, 0, 0xffffffffu, 20, 7, 1);
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), -EINVAL);
	/* too short for the common fields */
	build(buf, 0, 6, 6, 7, 1);
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), -EINVAL);
}
END_TEST

START_TEST(test_unknown_and_short_event)
{
	unsigned char buf[512];
	struct engine_sample s;

	build(buf, 0, 20, 20, 3, 1);		/* no event 3 */
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), 0);
	ck_assert_ptr_null(engine_sample_event(&s, by_id, 8));
	build(buf, 0, 20, 20, 60000, 1);	/* past the table */
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), 0);
	ck_assert_ptr_null(engine_sample_event(&s, by_id, 8));
	build(buf, 0, 16, 16, 7, 1);		/* exec needs 20 bytes */
	ck_assert_int_eq(engine_sample_parse((void *)buf, false, &s), 0);
	ck_assert_ptr_null(engine_sample_event(&s, by_id, 8));
}
END_TEST

static Suite *sample_suite(void)
{
	Suite *s = suite_create("sample");
	struct { const char *name; const TTest *t; } cases[] = {
		{ "good", test_good },
		{ "short record", test_short_record },
		{ "raw size", test_raw_size_past_record },
		{ "unknown event", test_unknown_and_short_event },
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
	SRunner *sr = srunner_create(sample_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
