// SPDX-License-Identifier: MIT
/*
 * fuzz_textfmt.c - libFuzzer harness for the text sinks: textfmt's
 * terminal escaping (daemon/textfmt.h), the pretty handler's block and the
 * journald handler's entry for an exec record whose file name and task
 * name are the input.
 *
 * Input: byte 0: the value limit (0: none, else 1..255 bytes);
 *        byte 1: how many of the following bytes are the task name (0..15);
 *        then the task name, then the file name (the rest).
 *
 * Checks: the escaped text is strict UTF-8 with no C0 control, no DEL, no
 * C1 control and no bidirectional override; unescaping it (\\ and \xNN)
 * gives the input back (up to the limit, and the "...[+N bytes]" marker
 * counts the rest exactly); the pretty block is four lines each as safe;
 * the journald entry holds the file name's bytes unchanged, and a MESSAGE
 * as safe.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fuzz.h"
#include "journald.h"
#include "pretty.h"
#include "textfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fmt_exec[] =
	"name: sched_process_exec\n"
	"ID: 365\n"
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

/* no byte or code point a terminal would act on */
static void check_safe(const char *s, size_t n, const char *what)
{
	size_t i;

	FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)s, n), "%s: not UTF-8", what);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f, "%s: byte 0x%02x at %zu", what, c, i);
		if (c == 0xc2 && i + 1 < n)
			FUZZ_CHECK((unsigned char)s[i + 1] < 0x80 || (unsigned char)s[i + 1] > 0x9f,
				   "%s: C1 control at %zu", what, i);
		if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80)
			FUZZ_CHECK((unsigned char)s[i + 2] < 0xaa || (unsigned char)s[i + 2] > 0xae,
				   "%s: bidirectional override at %zu", what, i);
	}
}

/* unescape t[0..end) into back; returns the bytes, or -1 for a bad escape */
static long unescape(const char *t, size_t end, char *back)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < end; i++) {
		if (t[i] != '\\') {
			back[o++] = t[i];
			continue;
		}
		if (i + 1 < end && t[i + 1] == '\\') {
			back[o++] = '\\';
			i++;
			continue;
		}
		if (!(i + 3 < end && t[i + 1] == 'x' && sscanf(t + i + 2, "%2x", &v) == 1))
			return -1;
		back[o++] = (char)v;
		i += 3;
	}
	return (long)o;
}

static void check_escape(const unsigned char *in, size_t n, size_t max)
{
	struct jbuf b = { 0 };
	const char *marker = NULL, *p;
	size_t rest = 0;
	long o = -1;
	char *back;
	int k = 0;

	FUZZ_CHECK(textfmt_put_escaped(&b, (const char *)in, n, max) == 0, "no memory");
	check_safe(b.p, b.len, "escaped");
	/* a terminator after the text, for sscanf */
	FUZZ_CHECK(jbuf_reserve(&b, 1) == 0, "no memory");
	b.p[b.len] = 0;
	back = malloc(b.len + 1);
	if (!back)
		abort();
	/*
	 * A value cut at the limit ends with "...[+N bytes]" (the input may
	 * hold that text too: the cut reading must then add up, or the whole
	 * text is the value).
	 */
	for (p = b.p; b.len && (p = memmem(p, b.len - (size_t)(p - b.p), "...[+", 5)); p++)
		marker = p;
	if (marker && sscanf(marker, "...[+%zu bytes]%n", &rest, &k) == 1 &&
	    (size_t)(marker - b.p) + (size_t)k == b.len) {
		o = unescape(b.p, (size_t)(marker - b.p), back);
		if (o < 0 || (size_t)o + rest != n || memcmp(back, in, (size_t)o) || rest == 0)
			o = -1;
		else
			FUZZ_CHECK(max && (size_t)o >= max && (size_t)o <= max + 3,
				   "%ld bytes shown for a limit of %zu", o, max);
	}
	if (o < 0) {
		o = unescape(b.p, b.len, back);
		FUZZ_CHECK(o >= 0, "a bad escape");
		FUZZ_CHECK((size_t)o == n && !memcmp(back, in, n), "%ld bytes back of %zu", o, n);
		FUZZ_CHECK(!max || n <= max + 3, "%zu bytes shown for a limit of %zu", n, max);
	}
	free(back);
	jbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct engine_event *ev;
	struct engine_record *rec;
	struct journald_emitter *em;
	struct journald_msg m = { 0 };
	struct jbuf b = { 0 };
	size_t max, comm_len, fn_len, raw_size, i, lines = 0, start;
	const unsigned char *comm, *fn;
	uint32_t loc;
	char err[256];

	if (size < 2)
		return 0;
	if (!ev) {
		ev = engine_event_parse("sched", fmt_exec, strlen(fmt_exec), err, sizeof(err));
		FUZZ_CHECK(ev != NULL, "%s", err);
	}
	max = data[0];
	comm_len = data[1] % 16;
	if (comm_len > size - 2)
		comm_len = size - 2;
	comm = data + 2;
	fn = comm + comm_len;
	fn_len = size - 2 - comm_len;
	if (fn_len > 60000)
		fn_len = 60000;

	check_escape(data + 2, size - 2, max);

	raw_size = 20 + fn_len + 1;
	rec = calloc(1, sizeof(*rec) + raw_size);
	if (!rec)
		abort();
	rec->event = ev;
	rec->time = 1795311107123456789ull;
	rec->pid = rec->tid = 7;
	rec->raw_size = (uint32_t)raw_size;
	memcpy(rec->comm, comm, comm_len);
	loc = (uint32_t)((fn_len + 1) << 16) | 20;
	memcpy(rec->raw + 8, &loc, 4);
	memcpy(rec->raw + 20, fn, fn_len);

	/* pretty: a header and three field lines, each safe */
	FUZZ_CHECK(pretty_render_record(&b, rec, "exec", NULL, 0, err, sizeof(err)) == 0, "%s", err);
	FUZZ_CHECK(b.len && b.p[b.len - 1] == '\n', "a block ends a line");
	for (i = 0, start = 0; i < b.len; i++)
		if (b.p[i] == '\n') {
			check_safe(b.p + start, i - start, "pretty line");
			lines++;
			start = i + 1;
		}
	FUZZ_CHECK(lines == 4, "%zu lines", lines);
	jbuf_free(&b);

	/* journald: the bytes themselves in the field, a safe MESSAGE */
	em = journald_emitter_new(ev, "exec", NULL, 0, err, sizeof(err));
	FUZZ_CHECK(em != NULL, "%s", err);
	FUZZ_CHECK(journald_msg_build(&m, em, rec, 0) == 0, "no memory");
	for (i = 0; i < m.nr_iov; i++) {
		const char *p = m.iov[i].iov_base;
		size_t len = m.iov[i].iov_len;

		if (len >= 8 && !memcmp(p, "MESSAGE=", 8))
			check_safe(p, len, "MESSAGE");
		if (len >= 21 && !memcmp(p, "TRACELOGD_F_FILENAME=", 21)) {
			size_t nul = strnlen((const char *)fn, fn_len);

			FUZZ_CHECK(len - 21 == nul && !memcmp(p + 21, fn, nul), "the file name changed");
		}
	}
	journald_msg_free(&m);
	journald_emitter_free(em);
	free(rec);
	return 0;
}
