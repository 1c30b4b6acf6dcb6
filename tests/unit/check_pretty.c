// SPDX-License-Identifier: MIT
/*
 * check_pretty.c - the pretty handler: the block's layout, terminal-safe
 * escaping (ANSI and OSC injection through a file name or a task name, C1
 * controls hidden in UTF-8, bidirectional overrides, invalid UTF-8, long
 * values), rendering hints, unreadable fields, and whole blocks from
 * concurrent workers.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event-private.h"	/* the handlers pretty added */
#include "handler_records.h"
#include "json.h"
#include "pretty.h"
#include "textfmt.h"

static char err[1024];

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* s escaped, as a NUL-terminated string (static) */
static const char *esc(const char *s, size_t n, size_t max)
{
	static char out[65536];
	struct jbuf b = { 0 };

	ck_assert_int_eq(textfmt_put_escaped(&b, s, n, max), 0);
	ck_assert_uint_lt(b.len, sizeof(out));
	memcpy(out, b.p, b.len);
	out[b.len] = 0;
	jbuf_free(&b);
	return out;
}

#define ESC(lit) esc(lit, sizeof(lit) - 1, 0)

/* the inverse of the escaping: \\ and \xNN; -1 on anything else after \ */
static ssize_t unescape(const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\\') {
			out[o++] = '\\';
			i++;
		} else if (i + 3 < n && s[i + 1] == 'x') {
			unsigned v;

			if (sscanf(s + i + 2, "%2x", &v) != 1)
				return -1;
			out[o++] = (char)v;
			i += 3;
		} else {
			return -1;
		}
	}
	return (ssize_t)o;
}

/* no byte a terminal would act on: C0, DEL, and valid UTF-8 (jansson checks) */
static void assert_terminal_safe(const char *s, size_t n)
{
	size_t i;
	json_t *j;

	for (i = 0; i < n; i++)
		ck_assert_msg((unsigned char)s[i] >= 0x20 && s[i] != 0x7f,
			      "control byte 0x%02x at %zu in \"%.*s\"", (unsigned char)s[i], i,
			      (int)n, s);
	j = json_stringn(s, n);		/* NULL unless valid UTF-8 */
	ck_assert_msg(j != NULL, "not valid UTF-8: %.*s", (int)n, s);
	json_decref(j);
	/* C1 controls (U+0080..U+009F) are C2 80..C2 9F */
	for (i = 0; i + 1 < n; i++)
		ck_assert(!((unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
			    (unsigned char)s[i + 1] <= 0x9f));
	ck_assert_ptr_null(memmem(s, n, "\xe2\x80\xae", 3));	/* U+202E */
}

/* ------------------------------------------------------------------ */

START_TEST(test_escape_plain)
{
	ck_assert_str_eq(ESC("/usr/bin/ls"), "/usr/bin/ls");
	ck_assert_str_eq(ESC(""), "");
	ck_assert_str_eq(ESC("a b~!\"'{}"), "a b~!\"'{}");
	ck_assert_str_eq(ESC("a\\b"), "a\\\\b");
	/* valid UTF-8 stays as it is */
	ck_assert_str_eq(ESC("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
			 "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
	ck_assert_str_eq(ESC("\xc2\xa0\xef\xbf\xbd"), "\xc2\xa0\xef\xbf\xbd");	/* NBSP, U+FFFD */
}
END_TEST

START_TEST(test_escape_controls)
{
	/* CSI colour, cursor moves, clear screen, OSC title, BEL */
	ck_assert_str_eq(ESC("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
	ck_assert_str_eq(ESC("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H");
	ck_assert_str_eq(ESC("\x1b]0;owned\x07"), "\\x1b]0;owned\\x07");
	ck_assert_str_eq(ESC("\x1b]8;;http://x\x1b\\link"), "\\x1b]8;;http://x\\x1b\\\\link");
	ck_assert_str_eq(ESC("a\nb\rc\td\x7f"), "a\\x0ab\\x0dc\\x09d\\x7f");
	ck_assert_str_eq(esc("a\0b", 3, 0), "a\\x00b");
	/* 8-bit CSI and OSC as raw bytes (invalid UTF-8) and as UTF-8 C1 code points */
	ck_assert_str_eq(ESC("\x9b" "31m"), "\\x9b31m");
	ck_assert_str_eq(ESC("\xc2\x9b" "31m"), "\\xc2\\x9b31m");
	ck_assert_str_eq(ESC("\xc2\x9d" "0;t\xc2\x9c"), "\\xc2\\x9d0;t\\xc2\\x9c");
	ck_assert_str_eq(ESC("\xc2\x80\xc2\x9f"), "\\xc2\\x80\\xc2\\x9f");
	/* bidirectional overrides and isolates (Trojan Source), invisible ones */
	ck_assert_str_eq(ESC("evil\xe2\x80\xae" "fdp.exe"), "evil\\xe2\\x80\\xaefdp.exe");
	ck_assert_str_eq(ESC("\xe2\x81\xa6x\xe2\x81\xa9"), "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");
	ck_assert_str_eq(ESC("a\xe2\x80\x8b" "b"), "a\\xe2\\x80\\x8bb");
	ck_assert_str_eq(ESC("\xe2\x80\xa8"), "\\xe2\\x80\\xa8");
	ck_assert_str_eq(ESC("\xef\xbb\xbf"), "\\xef\\xbb\\xbf");
	ck_assert_str_eq(ESC("\xd8\x9c"), "\\xd8\\x9c");
}
END_TEST

START_TEST(test_escape_invalid_utf8)
{
	ck_assert_str_eq(ESC("a\xff" "b"), "a\\xffb");
	ck_assert_str_eq(ESC("\xc0\x80"), "\\xc0\\x80");			/* overlong NUL */
	ck_assert_str_eq(ESC("\xc1\xbf"), "\\xc1\\xbf");			/* overlong */
	ck_assert_str_eq(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");		/* overlong '/' */
	ck_assert_str_eq(ESC("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf");	/* overlong '/' */
	ck_assert_str_eq(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");		/* surrogate */
	ck_assert_str_eq(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");	/* > U+10FFFF */
	ck_assert_str_eq(ESC("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
	ck_assert_str_eq(ESC("\x80" "abc"), "\\x80abc");			/* stray continuation */
	ck_assert_str_eq(ESC("x\xe2\x82"), "x\\xe2\\x82");			/* truncated at the end */
	ck_assert_str_eq(ESC("\xe2\x82" "a\xe2\x82\xac"), "\\xe2\\x82a\xe2\x82\xac");	/* resync */
	/* a truncated sequence followed by an escape byte cannot swallow it */
	ck_assert_str_eq(ESC("\xe2\x1b[1m"), "\\xe2\\x1b[1m");
}
END_TEST

START_TEST(test_escape_long)
{
	char *s = malloc(20000), *want = malloc(20000);
	const char *out;

	memset(s, 'a', 20000);
	out = esc(s, 10000, TEXTFMT_VALUE_MAX);
	memset(want, 'a', 4096);
	strcpy(want + 4096, "...[+5904 bytes]");
	ck_assert_str_eq(out, want);
	/* exactly the limit: no marker */
	out = esc(s, 4096, 4096);
	ck_assert_uint_eq(strlen(out), 4096);
	/* a sequence across the limit is never cut in two */
	memcpy(s + 4095, "\xc3\xa9" "bbb", 5);
	out = esc(s, 4100, 4096);
	ck_assert_uint_eq(strlen(out), 4097 + strlen("...[+3 bytes]"));
	ck_assert_str_eq(out + 4095, "\xc3\xa9...[+3 bytes]");
	/* escapes count input bytes, not output: 4096 ESC bytes make 16384 */
	memset(s, 0x1b, 5000);
	out = esc(s, 5000, 4096);
	ck_assert_uint_eq(strlen(out), 4096 * 4 + strlen("...[+904 bytes]"));
	/* no limit */
	memset(s, 'z', 20000);
	out = esc(s, 20000, 0);
	ck_assert_uint_eq(strlen(out), 20000);
	free(s);
	free(want);
}
END_TEST

/* random bytes: the output is terminal-safe and gives the input back */
START_TEST(test_escape_random)
{
	char in[64], back[64 * 4];
	unsigned seed = 12345;
	int iter;

	for (iter = 0; iter < 5000; iter++) {
		size_t n = (size_t)(rand_r(&seed) % 64), i;
		const char *out;
		ssize_t m;

		for (i = 0; i < n; i++) {
			/* bias toward the interesting bytes */
			int r = rand_r(&seed) % 8;

			in[i] = (char)(r == 0 ? 0x1b : r == 1 ? 0xc2 : r == 2 ? 0xe2 :
				       r == 3 ? 0x80 + rand_r(&seed) % 64 : rand_r(&seed) % 256);
		}
		out = esc(in, n, 0);
		assert_terminal_safe(out, strlen(out));
		m = unescape(out, strlen(out), back);
		ck_assert_int_eq(m, (ssize_t)n);
		ck_assert(memcmp(back, in, n) == 0);
	}
}
END_TEST

/* ------------------------------------------------------------------ */

static char *render(const struct engine_record *rec, const char *probe,
		    const struct jlog_hint *hints, size_t nh)
{
	struct jbuf b = { 0 };
	char *s;

	ck_assert_msg(pretty_render_record(&b, rec, probe, hints, nh, err, sizeof(err)) == 0,
		      "%s", err);
	s = strndup(b.p, b.len);
	jbuf_free(&b);
	return s;
}

START_TEST(test_block_exec)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 275389, 0);
	char *s;

	utc();
	s = render(rec, "exec", NULL, 0);
	ck_assert_str_eq(s,
		"01:31:47.123456789 exec sched/sched_process_exec cpu 1 pid 275389/275389 sh\n"
		"    filename = /bin/sh\n"
		"    pid      = 275389\n"
		"    old_pid  = 275389\n");
	free(s);
	/* threads: pid and tid differ; an unknown name is "-" */
	rec->tid = 275390;
	rec->comm[0] = 0;
	rec->time = 5;
	s = render(rec, "exec", NULL, 0);
	ck_assert_str_eq(s,
		"00:00:00.000000005 exec sched/sched_process_exec cpu 1 pid 275389/275390 -\n"
		"    filename = /bin/sh\n"
		"    pid      = 275389\n"
		"    old_pid  = 275389\n");
	free(s);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* what an attacker controls: the file name and the task name */
START_TEST(test_block_injection)
{
	static const char fn[] = "/tmp/\x1b[2J\x1b[31mroot\x1b[0m\n    pid      = 1\r\x1b]0;x\x07\xc2\x9b" "1m\xff";
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, fn, sizeof(fn) - 1, 7, 0);
	char *s, *line;
	size_t lines = 0;

	utc();
	memcpy(rec->comm, "\x1b[8m\x1b]2;t\x07\xe2\x80\xae", 14);
	s = render(rec, "exec", NULL, 0);
	/* four lines, each terminal-safe; the fake "pid" line is inside the value */
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		assert_terminal_safe(line, strlen(line));
		lines++;
	}
	ck_assert_uint_eq(lines, 4);
	free(s);
	s = render(rec, "exec", NULL, 0);
	ck_assert_msg(strstr(s, "\\x1b[8m\\x1b]2;t\\x07\\xe2\\x80\\xae\n"),
		      "%s", s);
	ck_assert_msg(strstr(s, "    filename = /tmp/\\x1b[2J\\x1b[31mroot\\x1b[0m\\x0a    pid      = 1"
			     "\\x0d\\x1b]0;x\\x07\\xc2\\x9b1m\\xff\n"), "%s", s);
	free(s);
	free(rec);
	engine_event_free(ev);
}
END_TEST

START_TEST(test_block_long_value)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	char *fn = malloc(30000), *s, *p;
	struct engine_record *rec;

	memset(fn, 'x', 30000);
	rec = exec_record(ev, fn, 30000, 9, 0);
	/* __data_loc's length is 16 bits: 30001 fits */
	s = render(rec, "exec", NULL, 0);
	p = strstr(s, "filename = ");
	ck_assert_ptr_nonnull(p);
	p += strlen("filename = ");
	ck_assert_uint_eq(strspn(p, "x"), TEXTFMT_VALUE_MAX);
	ck_assert(!strncmp(p + TEXTFMT_VALUE_MAX, "...[+25904 bytes]\n", 18));
	free(s);
	free(rec);
	free(fn);
	engine_event_free(ev);
}
END_TEST

START_TEST(test_block_unreadable)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	/* the loc word says 200 bytes; the record holds 8 */
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 9, 200);
	char *s;

	utc();
	s = render(rec, "exec", NULL, 0);
	ck_assert_msg(strstr(s, "    filename = <unreadable>\n    pid      = 9\n"), "%s", s);
	free(s);
	free(rec);
	engine_event_free(ev);
}
END_TEST

START_TEST(test_block_hints)
{
	struct engine_event *ev = event_parse("tracelogd", fmt_accept);
	struct engine_record *rec = accept_record(ev, -11);
	const struct jlog_hint hints[] = {
		{ "daddr", JLOG_RENDER_IPV4 }, { "dport", JLOG_RENDER_PORT },
		{ "ret", JLOG_RENDER_ERRNO }, { "a4", JLOG_RENDER_IPV4 },
		{ "__probe_func", JLOG_RENDER_HEX },
	};
	const struct jlog_hint bad[] = { { "delta", JLOG_RENDER_IPV6 } };
	const struct jlog_hint missing[] = { { "nope", JLOG_RENDER_HEX } };
	struct jbuf b = { 0 };
	char *s;

	utc();
	s = render(rec, "acc", hints, 5);
	ck_assert_str_eq(s,
		"01:31:47.123456789 acc tracelogd/accept cpu 3 pid 42/43 sshd\n"
		"    __probe_func   = 0x7f0000001000\n"
		"    __probe_ret_ip = 139637976738492\n"
		"    daddr          = 127.0.0.1\n"
		"    dport          = 22\n"
		"    delta          = -5\n"
		"    ret            = EAGAIN\n"
		"    a4             = 192.168.0.254\n"
		"    sk             = 0xffff888012345678\n");
	free(s);
	/* arrays without a hint; hex arrays */
	s = render(rec, "acc", (const struct jlog_hint[]){ { "delta", JLOG_RENDER_HEX } }, 1);
	ck_assert_msg(strstr(s, "    a4             = [192, 168, 0, 254]\n"), "%s", s);
	ck_assert_msg(strstr(s, "    delta          = 0xfffb\n"), "%s", s);
	free(s);
	ck_assert_int_eq(pretty_render_record(&b, rec, "acc", bad, 1, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "probe acc: render.delta") && strstr(err, "16-byte"), "%s", err);
	ck_assert_int_eq(pretty_render_record(&b, rec, "acc", missing, 1, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "has no field nope"), "%s", err);
	ck_assert_uint_eq(b.len, 0);
	jbuf_free(&b);
	free(rec);
	engine_event_free(ev);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The handler: whole blocks, from several workers at once             */

#define THREADS 4
#define PER_THREAD 3000

struct worker_arg {
	struct engine_event *ev;
	unsigned worker;
};

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	char fn[64];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		/* values of varying length: a torn block would show */
		int len = snprintf(fn, sizeof(fn), "/w%u/%.*s", wa->worker, i % 40,
				   "0123456789012345678901234567890123456789");
		struct engine_record *rec = exec_record(wa->ev, fn, (size_t)len,
							(int32_t)(wa->worker * 100000 + (unsigned)i), 0);

		wa->ev->handlers[0].fn(rec, wa->worker, wa->ev->handlers[0].arg);
		free(rec);
	}
	return NULL;
}

static void run_workers(bool batch)
{
	char path[] = "/tmp/check_pretty.XXXXXX", line[512];
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct worker_arg wa[THREADS];
	pthread_t t[THREADS];
	struct pretty *pp;
	struct pretty_stats st;
	struct engine_loss loss = { ENGINE_STAGE_RING, 1, 17 };
	unsigned counts[THREADS] = { 0 }, i, state = 0, blocks = 0, losses = 0, w = 0;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	pp = pretty_open(path, THREADS, batch, err, sizeof(err));
	ck_assert_msg(pp != NULL, "%s", err);
	ck_assert_int_eq(pretty_add_event(pp, ev, "exec", NULL, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(ev->nr_handlers, 1);
	for (i = 0; i < THREADS; i++) {
		wa[i].ev = ev;
		wa[i].worker = i;
		pthread_create(&t[i], NULL, worker_main, &wa[i]);
	}
	pretty_on_loss(&loss, pp);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++)
		pretty_on_idle(i, pp);
	pretty_stats_get(pp, &st);
	ck_assert_uint_eq(st.written, THREADS * PER_THREAD);
	ck_assert_uint_eq(st.dropped, 0);
	pretty_close(pp);

	/* header, filename, pid, old_pid; again and again, never mixed */
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned pid;

		if (!strcmp(line, "-- 17 records lost (ring, cpu 1)\n")) {
			ck_assert_uint_eq(state, 0);
			losses++;
			continue;
		}
		switch (state) {
		case 0:
			ck_assert_msg(strstr(line, " exec sched/sched_process_exec cpu 1 pid "), "%s", line);
			break;
		case 1:
			ck_assert_msg(sscanf(line, "    filename = /w%u/", &w) == 1 && w < THREADS,
				      "%s", line);
			break;
		case 2:
			ck_assert_msg(sscanf(line, "    pid      = %u\n", &pid) == 1 &&
				      pid / 100000 == w, "%s", line);
			break;
		case 3:
			ck_assert_msg(!strncmp(line, "    old_pid  = ", 15), "%s", line);
			counts[w]++;
			blocks++;
			break;
		}
		state = (state + 1) % 4;
	}
	fclose(f);
	ck_assert_uint_eq(state, 0);
	ck_assert_uint_eq(losses, 1);
	ck_assert_uint_eq(blocks, THREADS * PER_THREAD);
	for (i = 0; i < THREADS; i++)
		ck_assert_uint_eq(counts[i], PER_THREAD);
	unlink(path);
	engine_event_free(ev);
}

START_TEST(test_workers_unbatched)
{
	run_workers(false);
}
END_TEST

START_TEST(test_workers_batched)
{
	run_workers(true);
}
END_TEST

START_TEST(test_output_errors)
{
	struct engine_event *ev = event_parse("sched", fmt_exec);
	struct engine_record *rec = exec_record(ev, "/bin/sh", 7, 1, 0);
	struct pretty_stats st;
	struct pretty *pp;
	int p[2];

	/* a directory cannot be opened for writing */
	ck_assert_ptr_null(pretty_open("/proc", 1, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "pretty: cannot open /proc"), "%s", err);
	/* a reader that went away: counted, no crash, no SIGPIPE (ignored here) */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
		pp = pretty_open(path, 1, false, err, sizeof(err));
	}
	ck_assert_msg(pp != NULL, "%s", err);
	ck_assert_int_eq(pretty_add_event(pp, ev, "exec", NULL, 0, err, sizeof(err)), 0);
	ev->handlers[0].fn(rec, 0, ev->handlers[0].arg);
	ev->handlers[0].fn(rec, 0, ev->handlers[0].arg);
	pretty_stats_get(pp, &st);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_uint_eq(st.dropped, 2);
	pretty_close(pp);
	close(p[1]);
	free(rec);
	engine_event_free(ev);
}
END_TEST

static Suite *pretty_suite(void)
{
	Suite *s = suite_create("pretty");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_set_timeout(tc, 60);	/* the random test, under sanitizers and valgrind */
	tcase_add_test(tc, test_escape_plain);
	tcase_add_test(tc, test_escape_controls);
	tcase_add_test(tc, test_escape_invalid_utf8);
	tcase_add_test(tc, test_escape_long);
	tcase_add_test(tc, test_escape_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("block");
	tcase_add_test(tc, test_block_exec);
	tcase_add_test(tc, test_block_injection);
	tcase_add_test(tc, test_block_long_value);
	tcase_add_test(tc, test_block_unreadable);
	tcase_add_test(tc, test_block_hints);
	suite_add_tcase(s, tc);

	tc = tcase_create("handler");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_workers_unbatched);
	tcase_add_test(tc, test_workers_batched);
	tcase_add_test(tc, test_output_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pretty_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
