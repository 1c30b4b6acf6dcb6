// SPDX-License-Identifier: MIT
/*
 * check_jlog.c - the JSON-lines log's field rendering hints (ipv4, ipv6,
 * hex, errno, port): resolved at registration, applied to hand-built
 * records of a canned kretprobe format, and refused where the field's type
 * cannot take them.  The handler is called directly, as a worker would.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine.h"
#include "event-private.h"	/* the handlers jlog added */
#include "jlog.h"
#include "json.h"

/* a kretprobe on inet_csk_accept, as a 6.x kernel writes its format */
static const char fmt_accept[] =
	"name: accept\n"
	"ID: 2001\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 daddr;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 saddr;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:u16 dport;\toffset:32;\tsize:2;\tsigned:0;\n"
	"\tfield:u16 sport;\toffset:34;\tsize:2;\tsigned:0;\n"
	"\tfield:u8 a6[];\toffset:36;\tsize:16;\tsigned:0;\n"
	"\tfield:s32 ret;\toffset:52;\tsize:4;\tsigned:1;\n"
	"\tfield:u64 r64;\toffset:56;\tsize:8;\tsigned:0;\n"
	"\tfield:u8 a4[];\toffset:64;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip\n";

#define RAW_SIZE 68

static char path[64];
static char err[1024];

static void setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_jlog.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

static struct engine_event *event(void)
{
	struct engine_event *ev = engine_event_parse("tracelogd", fmt_accept, strlen(fmt_accept),
						     err, sizeof(err));

	ck_assert_msg(ev != NULL, "%s", err);
	return ev;
}

/* a record of the accept event */
static struct engine_record *record(int32_t ret, uint64_t r64)
{
	struct engine_record *rec = calloc(1, sizeof(*rec) + RAW_SIZE);
	unsigned char *r = rec->raw;
	uint16_t type = 2001, dport_be = (uint16_t)((22 >> 8) | (22 << 8)), sport = 40000;
	uint64_t func = 0x7f0000001000ull, ret_ip = 0x7f0000002abcull;	/* jansson: < 2^63 */
	static const unsigned char daddr[4] = { 127, 0, 0, 1 }, saddr[4] = { 10, 1, 2, 3 };
	static const unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const unsigned char a4[4] = { 192, 168, 0, 254 };

	ck_assert_ptr_nonnull(rec);
	rec->raw_size = RAW_SIZE;
	rec->pid = rec->tid = 42;
	rec->time = 1000000000;
	strcpy(rec->comm, "sshd");
	memcpy(r, &type, 2);
	memcpy(r + 8, &func, 8);
	memcpy(r + 16, &ret_ip, 8);
	memcpy(r + 24, daddr, 4);
	memcpy(r + 28, saddr, 4);
	memcpy(r + 32, &dport_be, 2);
	memcpy(r + 34, &sport, 2);
	memcpy(r + 36, a6, 16);
	memcpy(r + 52, &ret, 4);
	memcpy(r + 56, &r64, 8);
	memcpy(r + 64, a4, 4);
	return rec;
}

/* run ev's jlog handler on each record, close the log, parse its lines */
static json_t *run(struct jlog *jl, struct engine_event *ev, struct engine_record **recs, size_t n)
{
	json_t *lines = json_array();
	char line[4096];
	FILE *f;
	size_t i;

	ck_assert_uint_eq(ev->nr_handlers, 1);
	for (i = 0; i < n; i++) {
		recs[i]->event = ev;
		ev->handlers[0].fn(recs[i], 0, ev->handlers[0].arg);
	}
	jlog_close(jl);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);

		ck_assert_msg(j != NULL, "not JSON: %s (%s)", line, je.text);
		json_array_append_new(lines, j);
	}
	fclose(f);
	return lines;
}

static json_t *fields(json_t *lines, size_t i)
{
	json_t *f = json_object_get(json_array_get(lines, i), "fields");

	ck_assert_ptr_nonnull(f);
	return f;
}

static const char *fstr(json_t *f, const char *key)
{
	json_t *v = json_object_get(f, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

static long long fint(json_t *f, const char *key)
{
	json_t *v = json_object_get(f, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

START_TEST(test_render_parse)
{
	ck_assert_int_eq(jlog_render_parse("ipv4"), JLOG_RENDER_IPV4);
	ck_assert_int_eq(jlog_render_parse("ipv6"), JLOG_RENDER_IPV6);
	ck_assert_int_eq(jlog_render_parse("hex"), JLOG_RENDER_HEX);
	ck_assert_int_eq(jlog_render_parse("errno"), JLOG_RENDER_ERRNO);
	ck_assert_int_eq(jlog_render_parse("port"), JLOG_RENDER_PORT);
	ck_assert_int_eq(jlog_render_parse("IPV4"), -EINVAL);
	ck_assert_int_eq(jlog_render_parse(""), -EINVAL);
	ck_assert_int_eq(jlog_render_parse("default"), -EINVAL);
}
END_TEST

START_TEST(test_render_accept)
{
	static const struct jlog_hint hints[] = {
		{ "daddr", JLOG_RENDER_IPV4 }, { "saddr", JLOG_RENDER_IPV4 },
		{ "dport", JLOG_RENDER_PORT }, { "a6", JLOG_RENDER_IPV6 },
		{ "ret", JLOG_RENDER_ERRNO }, { "r64", JLOG_RENDER_ERRNO },
		{ "__probe_func", JLOG_RENDER_HEX }, { "a4", JLOG_RENDER_IPV4 },
	};
	struct engine_event *ev = event();
	struct jlog *jl = jlog_open(path, 1, err, sizeof(err));
	struct engine_record *recs[3];
	json_t *lines, *f;

	ck_assert_ptr_nonnull(jl);
	ck_assert_int_eq(jlog_add_event_hints(jl, ev, "accept", hints, 8, err, sizeof(err)), 0);
	recs[0] = record(-2, (uint64_t)-13);
	recs[1] = record(5, (uint64_t)-5000);
	recs[2] = record(-4096, 7);
	lines = run(jl, ev, recs, 3);
	ck_assert_uint_eq(json_array_size(lines), 3);

	f = fields(lines, 0);
	ck_assert_str_eq(fstr(f, "daddr"), "127.0.0.1");
	ck_assert_str_eq(fstr(f, "saddr"), "10.1.2.3");
	ck_assert_int_eq(fint(f, "dport"), 22);
	ck_assert_int_eq(fint(f, "sport"), 40000);	/* no hint: as stored */
	ck_assert_str_eq(fstr(f, "a6"), "2001:db8::1");
	ck_assert_str_eq(fstr(f, "a4"), "192.168.0.254");
	ck_assert_str_eq(fstr(f, "ret"), "ENOENT");
	ck_assert_str_eq(fstr(f, "r64"), "EACCES");
	ck_assert_str_eq(fstr(f, "__probe_func"), "0x7f0000001000");
	/* no hint: the default rendering */
	ck_assert_int_eq(fint(f, "__probe_ret_ip"), 0x7f0000002abcll);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 0), "probe")), "accept");

	/* errno: only -1..-4095 are names */
	f = fields(lines, 1);
	ck_assert_int_eq(fint(f, "ret"), 5);
	ck_assert_int_eq(fint(f, "r64"), -5000);
	f = fields(lines, 2);
	ck_assert_int_eq(fint(f, "ret"), -4096);
	ck_assert_int_eq(fint(f, "r64"), 7);

	json_decref(lines);
	for (int i = 0; i < 3; i++)
		free(recs[i]);
	engine_event_free(ev);
}
END_TEST

START_TEST(test_render_hex)
{
	static const struct jlog_hint hints[] = {
		{ "a4", JLOG_RENDER_HEX }, { "ret", JLOG_RENDER_HEX }, { "dport", JLOG_RENDER_HEX },
	};
	struct engine_event *ev = event();
	struct jlog *jl = jlog_open(path, 1, err, sizeof(err));
	struct engine_record *rec = record(-1, 0);
	json_t *lines, *f, *a;

	ck_assert_int_eq(jlog_add_event_hints(jl, ev, "x", hints, 3, err, sizeof(err)), 0);
	lines = run(jl, ev, &rec, 1);
	f = fields(lines, 0);
	/* a negative s32 in hex is its 32 bits, not 64 */
	ck_assert_str_eq(fstr(f, "ret"), "0xffffffff");
	ck_assert_str_eq(fstr(f, "dport"), "0x1600");
	a = json_object_get(f, "a4");
	ck_assert(json_is_array(a));
	ck_assert_uint_eq(json_array_size(a), 4);
	ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "0xc0");
	ck_assert_str_eq(json_string_value(json_array_get(a, 3)), "0xfe");
	json_decref(lines);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* a short record: a hinted field past its end is null, like any field */
START_TEST(test_render_short)
{
	static const struct jlog_hint hints[] = { { "a4", JLOG_RENDER_IPV4 } };
	struct engine_event *ev = event();
	struct jlog *jl = jlog_open(path, 1, err, sizeof(err));
	struct engine_record *rec = record(0, 0);
	json_t *lines;

	ck_assert_int_eq(jlog_add_event_hints(jl, ev, "x", hints, 1, err, sizeof(err)), 0);
	rec->raw_size = 66;
	lines = run(jl, ev, &rec, 1);
	ck_assert(json_is_null(json_object_get(fields(lines, 0), "a4")));
	json_decref(lines);
	free(rec);
	engine_event_free(ev);
}
END_TEST

static void hint_bad(const char *field, enum jlog_render r, int want, const char *needle)
{
	struct jlog_hint h = { field, r };
	struct engine_event *ev = event();
	struct jlog *jl = jlog_open(path, 1, err, sizeof(err));

	err[0] = 0;
	ck_assert_int_eq(jlog_add_event_hints(jl, ev, "acc", &h, 1, err, sizeof(err)), want);
	ck_assert_msg(strstr(err, needle), "%s: message \"%s\" lacks \"%s\"", field, err, needle);
	ck_assert_uint_eq(ev->nr_handlers, 0);
	jlog_close(jl);
	engine_event_free(ev);
}

START_TEST(test_render_refused)
{
	hint_bad("nosuch", JLOG_RENDER_HEX, -ENOENT, "no field nosuch (fields: __probe_func, __probe_ret_ip, daddr");
	hint_bad("common_pid", JLOG_RENDER_HEX, -ENOENT, "no field common_pid");
	hint_bad("daddr", JLOG_RENDER_PORT, -EINVAL, "a 2-byte integer");
	hint_bad("daddr", JLOG_RENDER_IPV6, -EINVAL, "a 16-byte array");
	hint_bad("dport", JLOG_RENDER_IPV4, -EINVAL, "a 4-byte integer");
	hint_bad("a6", JLOG_RENDER_IPV4, -EINVAL, "probe acc: render.a6");
	hint_bad("a6", JLOG_RENDER_ERRNO, -EINVAL, "an integer");
}
END_TEST

/* ------------------------------------------------------------------ */
/* A line is written whole or not at all                               */

/* an event with a string, as a tracepoint's format has it */
static const char fmt_str[] =
	"name: str\n"
	"ID: 2002\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__data_loc char[] s;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:int n;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"%s %d\", __get_str(s), REC->n\n";

/* a record of fmt_str whose string is len bytes of c */
static struct engine_record *str_record(struct engine_event *ev, char c, size_t len, int32_t n)
{
	struct engine_record *rec = calloc(1, sizeof(*rec) + 16 + len + 1);
	uint16_t type = 2002;
	uint32_t loc = (uint32_t)((len + 1) << 16 | 16);

	ck_assert_ptr_nonnull(rec);
	ck_assert_uint_lt(len + 1, 65536);
	rec->event = ev;
	rec->raw_size = (uint32_t)(16 + len + 1);
	rec->pid = rec->tid = 7;
	rec->time = 2000000000;
	strcpy(rec->comm, "w");
	memcpy(rec->raw, &type, 2);
	memcpy(rec->raw + 8, &loc, 4);
	memcpy(rec->raw + 12, &n, 4);
	memset(rec->raw + 16, c, len);
	return rec;
}

/*
 * Room for a little more data than the process has now, so that the next
 * large allocation fails for real.  false where the limit cannot work: a
 * sanitizer's or valgrind's allocator needs room of its own.
 */
static bool data_limit(struct rlimit *old)
{
	char line[256];
	unsigned long kb = 0;
	struct rlimit rl;
	FILE *f;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return false;
#endif
	f = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "vgpreload")) {
			fclose(f);
			return false;
		}
	fclose(f);
	f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "VmData: %lu kB", &kb);
	fclose(f);
	ck_assert_uint_gt(kb, 0);
	ck_assert_int_eq(getrlimit(RLIMIT_DATA, old), 0);
	rl = *old;
	rl.rlim_cur = (kb + 128) * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_DATA, &rl), 0);
	return true;
}

/*
 * A value that needs the worker's buffer to grow, and the growth fails:
 * the rest of the line ("}}\n") would still fit, yet the line must be
 * dropped and counted, never written without its value.
 */
START_TEST(test_line_enomem)
{
	struct engine_event *ev = engine_event_parse("tracelogd", fmt_str, strlen(fmt_str), err,
						     sizeof(err));
	struct jlog *jl = jlog_open(path, 1, err, sizeof(err));
	struct engine_record *recs[3];
	struct jlog_stats st;
	struct rlimit old;
	json_t *lines;
	struct jbuf b = { 0 };
	int r;

	ck_assert_msg(ev != NULL, "%s", err);
	ck_assert_ptr_nonnull(jl);
	ck_assert_int_eq(jlog_add_event(jl, ev, "s"), 0);
	recs[0] = str_record(ev, 'a', 10, 1);
	/* 65000 control bytes: 390 kB escaped, past the 320 kB buffer */
	recs[1] = str_record(ev, '\x01', 65000, 2);
	recs[2] = str_record(ev, 'b', 10, 3);

	if (!data_limit(&old)) {
		printf("SKIP: the line cut by a failed growth: RLIMIT_DATA cannot be used under a sanitizer or valgrind\n");
		jlog_close(jl);
		for (int i = 0; i < 3; i++)
			free(recs[i]);
		engine_event_free(ev);
		return;
	}
	ev->handlers[0].fn(recs[0], 0, ev->handlers[0].arg);
	ev->handlers[0].fn(recs[1], 0, ev->handlers[0].arg);
	ev->handlers[0].fn(recs[2], 0, ev->handlers[0].arg);
	/* the same through jlog_render_record: b as it was */
	ck_assert_int_eq(jbuf_init(&b, 4096), 0);
	ck_assert_int_eq(json_put_raw(&b, "x", 1), 0);
	r = jlog_render_record(&b, recs[1], "s", NULL, 0, err, sizeof(err));
	ck_assert_int_eq(setrlimit(RLIMIT_DATA, &old), 0);
	ck_assert_int_eq(r, -ENOMEM);
	ck_assert_uint_eq(b.len, 1);
	ck_assert_int_eq(jbuf_failed(&b), 0);
	jbuf_free(&b);

	jlog_stats_get(jl, &st);
	ck_assert_uint_eq(st.sink_dropped, 1);	/* counted at once */
	ck_assert_uint_eq(st.events_written, 0);	/* the others still buffered */
	lines = run(jl, ev, recs, 0);	/* closes the log: flushes */
	/*
	 * Every line in the file parsed as JSON (run() checks it): the two
	 * events, and the sink's "lost" line for the third, told before the
	 * batch it was dropped from.
	 */
	ck_assert_uint_eq(json_array_size(lines), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 0), "type")), "lost");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(lines, 0), "stage")), "sink");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lines, 0), "count")), 1);
	ck_assert_int_eq(fint(fields(lines, 1), "n"), 1);
	ck_assert_int_eq(fint(fields(lines, 2), "n"), 3);
	ck_assert_str_eq(fstr(fields(lines, 2), "s"), "bbbbbbbbbb");
	printf("line cut by a failed growth: 3 records, 2 event lines written, 1 dropped whole, lost sink 1\n");
	json_decref(lines);
	for (int i = 0; i < 3; i++)
		free(recs[i]);
	engine_event_free(ev);
}
END_TEST

/* "ts" and "mono_ns" at the limits of the record's time */
START_TEST(test_line_time_limits)
{
	static const struct {
		uint64_t mono;
		const char *ts;
	} t[] = {
		{ 0, "1970-01-01T00:00:00.000000000Z" },
		{ 1, "1970-01-01T00:00:00.000000001Z" },
		{ (uint64_t)INT64_MAX, "2262-04-11T23:47:16.854775807Z" },
		{ (uint64_t)INT64_MAX + 1, "2262-04-11T23:47:16.854775808Z" },
		{ UINT64_MAX, "2554-07-21T23:34:33.709551615Z" },
	};
	struct engine_event *ev = event();
	struct engine_record *rec = record(0, 0);
	struct jbuf b = { 0 };
	char want[128];
	size_t i;

	rec->event = ev;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec->time = t[i].mono;
		jbuf_reset(&b);
		ck_assert_int_eq(jlog_render_record(&b, rec, "x", NULL, 0, err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "{\"type\":\"event\",\"ts\":\"%s\",\"mono_ns\":%" PRIu64 ",",
			 t[i].ts, t[i].mono);
		ck_assert_msg(b.len > strlen(want) && !memcmp(b.p, want, strlen(want)),
			      "mono %" PRIu64 ": %.*s", t[i].mono, (int)strlen(want), b.p);
		printf("mono_ns %" PRIu64 " -> ts %s\n", t[i].mono, t[i].ts);
	}
	jbuf_free(&b);
	free(rec);
	engine_event_free(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jlog");
	TCase *tc = tcase_create("render hints");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_render_parse);
	tcase_add_test(tc, test_render_accept);
	tcase_add_test(tc, test_render_hex);
	tcase_add_test(tc, test_render_short);
	tcase_add_test(tc, test_render_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("whole lines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_line_enomem);
	tcase_add_test(tc, test_line_time_limits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
