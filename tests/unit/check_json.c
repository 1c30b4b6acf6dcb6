// SPDX-License-Identifier: MIT
/*
 * check_json.c - unit tests of daemon/json.c: the output buffer, the string
 * rule (escapes, strict UTF-8, byte arrays for the rest), numbers, hex and
 * RFC 3339 time.  Every string output is checked against a plain reference
 * written here and parsed back by jansson, a strict parser.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

#define RANDOM_STRINGS	100000
#define RANDOM_NUMBERS	100000
#define RANDOM_TIMES	100000

/*
 * Check's ck_assert records a mark point per call, a write in fork mode:
 * too slow for loops of millions of checks.  This one costs nothing until
 * it fails.
 */
#define expect(cond, ...)						\
	do {								\
		if (!(cond))						\
			ck_abort_msg(__VA_ARGS__);			\
	} while (0)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static struct jbuf buf;

static void buf_setup(void)
{
	ck_assert_int_eq(jbuf_init(&buf, 1), 0);
}

static void buf_teardown(void)
{
	jbuf_free(&buf);
}

/* splitmix64, fixed seed: every run tests the same inputs */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* "61 ff 62" for failure messages; a static buffer, tests only */
static const char *hex(const void *p, size_t n)
{
	static char s[3 * 400 + 8];
	const unsigned char *b = p;
	size_t i, o = 0;

	s[0] = '\0';
	for (i = 0; i < n && i < 400; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%02x", i ? " " : "", b[i]);
	if (i < n)
		snprintf(s + o, sizeof(s) - o, " ...");
	return s;
}

/* Strict UTF-8 by decoding, the obvious way: the reference for the DFA. */
static bool ref_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp, min;

	while (i < n) {
		unsigned c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* The string rule of json.h, written plainly.  Returns a malloc'd string. */
static char *ref_render(const unsigned char *s, size_t n, size_t *outlen)
{
	char *o = malloc(6 * n + 3), *p = o;
	size_t i;

	ck_assert_ptr_nonnull(o);
	if (!ref_utf8_valid(s, n)) {
		*p++ = '[';
		for (i = 0; i < n; i++)
			p += sprintf(p, "%s%u", i ? "," : "", s[i]);
		*p++ = ']';
		*outlen = (size_t)(p - o);
		return o;
	}
	*p++ = '"';
	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		switch (c) {
		case '"':  p += sprintf(p, "\\\""); break;
		case '\\': p += sprintf(p, "\\\\"); break;
		case '\b': p += sprintf(p, "\\b"); break;
		case '\f': p += sprintf(p, "\\f"); break;
		case '\n': p += sprintf(p, "\\n"); break;
		case '\r': p += sprintf(p, "\\r"); break;
		case '\t': p += sprintf(p, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				p += sprintf(p, "\\u%04x", c);
			} else if (c == 0xe2 && n - i >= 3 && s[i + 1] == 0x80 &&
				   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
				p += sprintf(p, "\\u%04x", s[i + 2] == 0xa8 ? 0x2028 : 0x2029);
				i += 2;
			} else {
				*p++ = (char)c;
			}
		}
	}
	*p++ = '"';
	*outlen = (size_t)(p - o);
	return o;
}

/*
 * Render s with json_put_str inside {"s":...} after some text already in
 * the buffer, compare with the reference, parse it with jansson and check
 * the bytes come back.  Returns whether the value was a string.
 */
static bool check_roundtrip(const unsigned char *s, size_t n)
{
	static const char pre[] = "xyz{\"s\":";
	json_error_t err;
	json_t *root, *v;
	size_t i, rlen, olen;
	char *ref, *out;
	bool valid = ref_utf8_valid(s, n);
	int flags;

	jbuf_reset(&buf);
	expect(json_put_raw(&buf, pre, strlen(pre)) == 0, "put_raw");
	expect(json_put_str(&buf, (const char *)s, n) == 0, "put_str");
	expect(json_put_raw(&buf, "}", 1) == 0, "put_raw");
	expect(buf.len <= buf.cap, "len %zu > cap %zu", buf.len, buf.cap);
	expect(memcmp(buf.p, pre, 3) == 0, "prefix overwritten");

	out = buf.p + 3;
	olen = buf.len - 3;
	for (i = 0; i < olen; i++)
		expect((unsigned char)out[i] >= 0x20 && out[i] != 0x7f,
		       "raw byte %02x in output for input %s", (unsigned char)out[i], hex(s, n));
	expect(!memmem(out, olen, "\xe2\x80\xa8", 3) && !memmem(out, olen, "\xe2\x80\xa9", 3),
	       "raw U+2028/9 in output for %s", hex(s, n));

	ref = ref_render(s, n, &rlen);
	expect(rlen == olen - 6 && memcmp(out + 5, ref, rlen) == 0,
	       "input %s: got '%.*s' want '%.*s'", hex(s, n),
	       (int)(olen - 6), out + 5, (int)rlen, ref);
	free(ref);

	/*
	 * Strict defaults; JSON_ALLOW_NUL only because jansson otherwise
	 * refuses \u0000, which RFC 8259 allows, as its strings are C strings.
	 */
	flags = memchr(s, 0, n) ? JSON_ALLOW_NUL : 0;
	root = json_loadb(out, olen, (size_t)flags, &err);
	expect(root, "jansson: %s at %d for input %s: '%.*s'", err.text,
	       err.position, hex(s, n), (int)olen, out);
	v = json_object_get(root, "s");
	expect(v, "no member s");
	if (valid) {
		expect(json_is_string(v), "valid UTF-8 %s not a string", hex(s, n));
		expect(json_string_length(v) == n &&
		       !memcmp(json_string_value(v), s, n),
		       "string of %s decodes to other bytes", hex(s, n));
	} else {
		expect(json_is_array(v), "invalid UTF-8 %s not an array", hex(s, n));
		expect(json_array_size(v) == n, "array size %zu want %zu",
		       json_array_size(v), n);
		for (i = 0; i < n; i++) {
			json_t *e = json_array_get(v, i);

			expect(json_is_integer(e) && json_integer_value(e) == s[i],
			       "array element %zu of %s", i, hex(s, n));
		}
	}
	json_decref(root);
	return valid;
}

/* json_put_str of s[0..n) into a fresh buffer must give exactly want. */
static void check_str(const void *s, size_t n, const char *want)
{
	jbuf_reset(&buf);
	ck_assert_int_eq(json_put_str(&buf, s, n), 0);
	ck_assert_msg(buf.len == strlen(want) && !memcmp(buf.p, want, buf.len),
		      "input %s: got '%.*s' want '%s'", hex(s, n),
		      (int)buf.len, buf.p, want);
	check_roundtrip(s, n);
}

/* ------------------------------------------------------------------ */
/* Buffer                                                              */

START_TEST(test_buf_growth)
{
	size_t i, caps = 0, last = buf.cap;
	char c;

	ck_assert_uint_eq(buf.cap, 1);
	ck_assert_uint_eq(buf.len, 0);
	for (i = 0; i < 100000; i++) {
		c = (char)('a' + i % 26);
		ck_assert_int_eq(json_put_raw(&buf, &c, 1), 0);
		if (buf.cap != last) {
			ck_assert_uint_ge(buf.cap, 2 * last);
			last = buf.cap;
			caps++;
		}
	}
	ck_assert_uint_eq(buf.len, 100000);
	ck_assert_uint_le(caps, 20);	/* geometric from 1: 17 doublings */
	for (i = 0; i < buf.len; i++)
		expect(buf.p[i] == (char)('a' + i % 26), "byte %zu", i);

	jbuf_reset(&buf);
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_uint_eq(buf.cap, last);
	ck_assert_int_eq(jbuf_reserve(&buf, last), 0);
	ck_assert_uint_eq(buf.cap, last);
	ck_assert_int_eq(jbuf_reserve(&buf, last + 1), 0);
	ck_assert_uint_ge(buf.cap, 2 * last);
}
END_TEST

START_TEST(test_buf_lifecycle)
{
	struct jbuf b;
	static const char big[] = "a value longer than the first reservation";

	ck_assert_int_eq(jbuf_init(&b, 0), 0);
	ck_assert_ptr_nonnull(b.p);
	ck_assert_uint_eq(b.cap, 256);
	ck_assert_int_eq(jbuf_reserve(&b, 0), 0);
	jbuf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.len, 0);
	jbuf_free(&b);
	jbuf_free(NULL);

	/* a freed buffer grows again from nothing */
	ck_assert_int_eq(json_put_raw(&b, "", 0), 0);
	ck_assert_int_eq(json_put_str(&b, NULL, 0), 0);
	ck_assert_int_eq(json_put_raw(&b, big, sizeof(big) - 1), 0);
	ck_assert_uint_eq(b.len, 2 + sizeof(big) - 1);
	ck_assert_mem_eq(b.p, "\"\"" "a value", 9);
	jbuf_free(&b);
	jbuf_free(&b);
}
END_TEST

START_TEST(test_buf_enomem)
{
	/* a buffer that is full at SIZE_MAX: every reservation must fail */
	static char backing[8] = "keep";
	struct jbuf full = { backing, SIZE_MAX, SIZE_MAX, 0, 0 };
	const struct jbuf same = full;
	/* volatile: an inlined json_put_raw must not see the size at compile time */
	volatile size_t huge = SIZE_MAX - 2;
	char t[32] = "";

	ck_assert_int_eq(jbuf_reserve(&full, 1), -ENOMEM);
	ck_assert_int_eq(jbuf_reserve(&full, SIZE_MAX), -ENOMEM);
	ck_assert_int_eq(json_put_raw(&full, "x", 1), -ENOMEM);
	ck_assert_int_eq(json_put_str(&full, "", 0), -ENOMEM);
	ck_assert_int_eq(json_put_str(&full, "abc", 3), -ENOMEM);
	ck_assert_int_eq(json_put_str(&full, "a\nb", 3), -ENOMEM);
	ck_assert_int_eq(json_put_str(&full, "a\xffz", 3), -ENOMEM);
	ck_assert_int_eq(json_put_u64(&full, 7), -ENOMEM);
	ck_assert_int_eq(json_put_s64(&full, -7), -ENOMEM);
	ck_assert_int_eq(json_put_hex(&full, 7), -ENOMEM);
	ck_assert(full.p == same.p && full.len == same.len && full.cap == same.cap);
	ck_assert_str_eq(backing, "keep");

	/* len + more overflowing on a real buffer: content stays */
	ck_assert_int_eq(json_put_raw(&buf, "abc", 3), 0);
	ck_assert_int_eq(jbuf_reserve(&buf, SIZE_MAX - 1), -ENOMEM);
	ck_assert_int_eq(json_put_raw(&buf, t, huge), -ENOMEM);
	ck_assert_uint_eq(buf.len, 3);
	ck_assert_mem_eq(buf.p, "abc", 3);
}
END_TEST

/*
 * A failed write is sticky: a line built of many writes must not come out
 * with a value missing from its middle because the writes after the failed
 * one were small enough to fit.
 */
START_TEST(test_buf_sticky)
{
	volatile size_t huge = SIZE_MAX - 2;
	size_t cap;
	char t[8] = "";

	ck_assert_int_eq(jbuf_reserve(&buf, 64), 0);
	cap = buf.cap;
	ck_assert_int_eq(json_put_raw(&buf, "{\"a\":", 5), 0);
	ck_assert_int_eq(jbuf_failed(&buf), 0);
	/* a value that cannot be made room for */
	ck_assert_int_eq(json_put_raw(&buf, t, huge), -ENOMEM);
	ck_assert_int_eq(jbuf_failed(&buf), -ENOMEM);
	/* the rest of the line would fit: refused all the same */
	ck_assert_int_le(buf.len + 2, cap);
	ck_assert_int_eq(json_put_raw(&buf, "}", 1), -ENOMEM);
	ck_assert_int_eq(json_put_raw(&buf, "}\n", 2), -ENOMEM);
	ck_assert_int_eq(json_put_u64(&buf, 1), -ENOMEM);
	ck_assert_int_eq(json_put_s64(&buf, -1), -ENOMEM);
	ck_assert_int_eq(json_put_hex(&buf, 1), -ENOMEM);
	ck_assert_int_eq(json_put_str(&buf, "x", 1), -ENOMEM);
	ck_assert_int_eq(json_put_str(&buf, "\xff", 1), -ENOMEM);
	ck_assert_int_eq(jbuf_reserve(&buf, 1), -ENOMEM);
	ck_assert_int_eq(jbuf_failed(&buf), -ENOMEM);
	/* nothing was written after the failure */
	ck_assert_uint_eq(buf.len, 5);
	ck_assert_mem_eq(buf.p, "{\"a\":", 5);

	/* rewinding to the line's start clears it, with the room it had */
	jbuf_rewind(&buf, 1);
	ck_assert_int_eq(jbuf_failed(&buf), 0);
	ck_assert_uint_eq(buf.cap, cap);
	ck_assert_uint_eq(buf.len, 1);
	ck_assert_int_eq(json_put_raw(&buf, "}", 1), 0);
	ck_assert_mem_eq(buf.p, "{}", 2);

	/* and so does a reset */
	ck_assert_int_eq(jbuf_reserve(&buf, SIZE_MAX), -ENOMEM);
	ck_assert_int_eq(json_put_raw(&buf, "x", 1), -ENOMEM);
	jbuf_reset(&buf);
	ck_assert_int_eq(jbuf_failed(&buf), 0);
	ck_assert_uint_eq(buf.cap, cap);
	ck_assert_int_eq(json_put_u64(&buf, 42), 0);
	ck_assert_mem_eq(buf.p, "42", 2);

	/* a freed buffer starts afresh */
	ck_assert_int_eq(jbuf_reserve(&buf, SIZE_MAX), -ENOMEM);
	jbuf_free(&buf);
	ck_assert_int_eq(jbuf_failed(&buf), 0);
	ck_assert_int_eq(json_put_raw(&buf, "ok", 2), 0);
	printf("jbuf sticky: 9 writes after a failed growth refused, content kept at 5 bytes\n");
}
END_TEST

/* ------------------------------------------------------------------ */
/* String escapes                                                      */

START_TEST(test_str_escapes)
{
	check_str("", 0, "\"\"");
	check_str("plain ascii / ok", 16, "\"plain ascii / ok\"");
	check_str("\"", 1, "\"\\\"\"");
	check_str("\\", 1, "\"\\\\\"");
	check_str("\b", 1, "\"\\b\"");
	check_str("\f", 1, "\"\\f\"");
	check_str("\n", 1, "\"\\n\"");
	check_str("\r", 1, "\"\\r\"");
	check_str("\t", 1, "\"\\t\"");
	check_str("\0", 1, "\"\\u0000\"");
	check_str("\x01", 1, "\"\\u0001\"");
	check_str("\x07", 1, "\"\\u0007\"");
	check_str("\x0b", 1, "\"\\u000b\"");
	check_str("\x0e", 1, "\"\\u000e\"");
	check_str("\x1b", 1, "\"\\u001b\"");
	check_str("\x1f", 1, "\"\\u001f\"");
	check_str("\x7f", 1, "\"\\u007f\"");
	check_str("\xe2\x80\xa8", 3, "\"\\u2028\"");
	check_str("\xe2\x80\xa9", 3, "\"\\u2029\"");
	/* neighbours of U+2028/9 pass through */
	check_str("\xe2\x80\xa7", 3, "\"\xe2\x80\xa7\"");
	check_str("\xe2\x80\xaa", 3, "\"\xe2\x80\xaa\"");
	check_str("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
	check_str(" ~", 2, "\" ~\"");
	check_str("a\"b\\c\nd\te\x01" "f\x7fg", 13,
		  "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007fg\"");
	check_str("/usr/bin/caf\xc3\xa9\n", 15, "\"/usr/bin/caf\xc3\xa9\\n\"");
	/* escapes inside, across and after eight-byte words */
	check_str("0123456\n89abcdef", 16, "\"0123456\\n89abcdef\"");
	check_str("01234567\"9abcdef", 16, "\"01234567\\\"9abcdef\"");
	check_str("012345\xe2\x80\xa8" "9abcdef\xe2\x80\xa9", 19,
		  "\"012345\\u20289abcdef\\u2029\"");
	check_str("0123456789abcdef\x1f", 17, "\"0123456789abcdef\\u001f\"");
	check_str("\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xa8", 9,
		  "\"\\u2028\\u2029\\u2028\"");
}
END_TEST

/* Each escape at every position of values of 1..40 bytes: the block scans' edges. */
START_TEST(test_str_escape_positions)
{
	static const struct {
		const char *in, *out;
	} e[] = {
		{ "\"", "\\\"" }, { "\\", "\\\\" }, { "\b", "\\b" }, { "\f", "\\f" },
		{ "\n", "\\n" }, { "\r", "\\r" }, { "\t", "\\t" }, { "\x01", "\\u0001" },
		{ "\x1f", "\\u001f" }, { "\x7f", "\\u007f" },
		{ "\xe2\x80\xa8", "\\u2028" }, { "\xe2\x80\xa9", "\\u2029" },
		/* not escaped, but off the fast path */
		{ "\xc3\xa9", "\xc3\xa9" }, { "\xe2\x82\xac", "\xe2\x82\xac" },
	};
	char in[48], want[96];
	size_t i, pos, len, n;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		len = strlen(e[i].in);
		for (n = len; n <= 40; n++) {
			for (pos = 0; pos + len <= n; pos++) {
				memset(in, 'a', n);
				memcpy(in + pos, e[i].in, len);
				snprintf(want, sizeof(want), "\"%.*s%s%.*s\"",
					 (int)pos, in, e[i].out,
					 (int)(n - pos - len), in + pos + len);
				check_str(in, n, want);
			}
		}
	}
}
END_TEST

static char short_escape(unsigned char c)
{
	switch (c) {
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default:   return 0;
	}
}

START_TEST(test_str_every_byte)
{
	char want[32];
	unsigned char c;
	unsigned i;

	for (i = 0; i < 256; i++) {
		c = (unsigned char)i;
		if (c >= 0x80)
			snprintf(want, sizeof(want), "[%u]", i);
		else if (c == '"' || c == '\\')
			snprintf(want, sizeof(want), "\"\\%c\"", c);
		else if (short_escape(c))
			snprintf(want, sizeof(want), "\"\\%c\"", short_escape(c));
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "\"\\u%04x\"", i);
		else
			snprintf(want, sizeof(want), "\"%c\"", c);
		check_str(&c, 1, want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* UTF-8 validity                                                      */

struct u8case {
	const char *s;
	size_t n;
	bool valid;
};

#define V(lit)	{ lit, sizeof(lit) - 1, true }
#define X(lit)	{ lit, sizeof(lit) - 1, false }

static const struct u8case u8cases[] = {
	V("\xc2\x80"),			/* U+0080, smallest 2-byte */
	V("\xdf\xbf"),			/* U+07FF */
	V("\xe0\xa0\x80"),		/* U+0800, smallest 3-byte */
	V("\xed\x9f\xbf"),		/* U+D7FF, below the surrogates */
	V("\xee\x80\x80"),		/* U+E000, above them */
	V("\xef\xbf\xbd"),		/* U+FFFD */
	V("\xef\xbf\xbe"),		/* U+FFFE: a noncharacter, still UTF-8 */
	V("\xef\xbf\xbf"),		/* U+FFFF */
	V("\xf0\x90\x80\x80"),		/* U+10000, smallest 4-byte */
	V("\xf1\x80\x80\x80"),
	V("\xf3\xbf\xbf\xbf"),
	V("\xf4\x8f\xbf\xbf"),		/* U+10FFFF, the largest */
	V("\xf0\x9f\x98\x80"),		/* U+1F600 */
	V("\xe6\x97\xa5\xe6\x9c\xac"),	/* two CJK characters */
	X("\xc0\x80"),			/* overlong U+0000 */
	X("\xc0\xaf"),			/* overlong '/' */
	X("\xc1\xbf"),			/* overlong U+007F */
	X("\xe0\x80\x80"),		/* overlong U+0000 */
	X("\xe0\x9f\xbf"),		/* overlong U+07FF */
	X("\xf0\x80\x80\x80"),		/* overlong U+0000 */
	X("\xf0\x8f\xbf\xbf"),		/* overlong U+FFFF */
	X("\xed\xa0\x80"),		/* U+D800, a surrogate */
	X("\xed\xbf\xbf"),		/* U+DFFF */
	X("\xed\xa0\xbd\xed\xb8\x80"),	/* CESU-8 surrogate pair */
	X("\xf4\x90\x80\x80"),		/* U+110000 */
	X("\xf5\x80\x80\x80"),
	X("\xf7\xbf\xbf\xbf"),
	X("\xf8\x88\x80\x80\x80"),	/* old 5-byte form */
	X("\xfc\x84\x80\x80\x80\x80"),	/* old 6-byte form */
	X("\xfe"),
	X("\xff"),
	X("\xc2"),			/* truncated at the end */
	X("\xe0\xa0"),
	X("\xe2\x80"),			/* a truncated U+2028 */
	X("\xf0\x90\x80"),
	X("\xf4\x8f\xbf"),
	X("\x80"),			/* lone continuation bytes */
	X("\xbf"),
	X("\x80\x80"),
	X("\xc2\x80\x80"),		/* one continuation too many */
	X("\xc2\x41"),			/* a sequence cut by ASCII */
	X("\xe1\x80\x41"),
	X("\xf1\x80\x80\x41"),
	X("\xe1\xc2\x80"),		/* a lead where a continuation belongs */
	X("\xf0\x90\xe2\x80\xa8"),
	X("\x61\xff\x62"),
};

START_TEST(test_utf8_edges)
{
	unsigned char in[64], want[256];
	size_t pre, post, n, i, w;
	bool valid;

	/* the rule's own example */
	check_str("\x61\xff\x62", 3, "[97,255,98]");
	check_str("\xc0\x80", 2, "[192,128]");
	check_str("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
	check_str("\xed\xa0\x80", 3, "[237,160,128]");
	check_str("\0\x80", 2, "[0,128]");

	/* each case alone and at every offset within and across eight-byte words */
	for (i = 0; i < sizeof(u8cases) / sizeof(u8cases[0]); i++) {
		const struct u8case *c = &u8cases[i];

		ck_assert_msg(ref_utf8_valid((const unsigned char *)c->s, c->n) == c->valid,
			      "reference validator disagrees on case %zu", i);
		for (pre = 0; pre <= 17; pre++) {
			for (post = 0; post <= 9; post++) {
				memset(in, 'x', pre);
				memcpy(in + pre, c->s, c->n);
				memset(in + pre + c->n, 'y', post);
				n = pre + c->n + post;
				if (c->valid) {
					want[0] = '"';
					memcpy(want + 1, in, n);
					want[n + 1] = '"';
					w = n + 2;
				} else {
					w = 0;
					want[w++] = '[';
					for (size_t k = 0; k < n; k++)
						w += (size_t)sprintf((char *)want + w, "%s%u",
								     k ? "," : "", in[k]);
					want[w++] = ']';
				}
				jbuf_reset(&buf);
				ck_assert_int_eq(json_put_str(&buf, (const char *)in, n), 0);
				expect(buf.len == w && !memcmp(buf.p, want, w),
				       "case %zu pre %zu post %zu: got '%.*s'", i, pre,
				       post, (int)buf.len, buf.p);
				valid = check_roundtrip(in, n);
				expect(valid == c->valid, "case %zu", i);
			}
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Random strings                                                      */

static size_t put_cp(unsigned char *s, size_t len, size_t max, uint32_t cp)
{
	unsigned char e[4];
	size_t n;

	if (cp < 0x80) {
		e[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		e[0] = (unsigned char)(0xc0 | cp >> 6);
		e[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		e[0] = (unsigned char)(0xe0 | cp >> 12);
		e[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		e[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		e[0] = (unsigned char)(0xf0 | cp >> 18);
		e[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		e[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		e[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (len + n > max) {
		s[len] = 'a';
		return len + 1;
	}
	memcpy(s + len, e, n);
	return len + n;
}

static const uint32_t special_cps[] = {
	0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff,
	0x10000, 0x10ffff, 0x2027, 0x2028, 0x2029, 0x202a, 0x20ac,
};

/* Valid UTF-8 of max bytes: ASCII, escapes and every encoded length. */
static size_t gen_valid(unsigned char *s, size_t max)
{
	static const char esc[] = "\"\\\b\f\n\r\t\x01\x1b\x7f";
	size_t len = 0;
	uint32_t cp;
	unsigned k;

	while (len < max) {
		k = rnd(100);
		if (k < 40)
			cp = 0x20 + rnd(0x5f);
		else if (k < 50)
			cp = (unsigned char)esc[rnd(sizeof(esc) - 1)];
		else if (k < 65)
			cp = 0x80 + rnd(0x800 - 0x80);
		else if (k < 80)
			do
				cp = 0x800 + rnd(0x10000 - 0x800);
			while (cp >= 0xd800 && cp <= 0xdfff);
		else if (k < 90)
			cp = 0x10000 + rnd(0x110000 - 0x10000);
		else
			cp = special_cps[rnd(sizeof(special_cps) / sizeof(special_cps[0]))];
		len = put_cp(s, len, max, cp);
	}
	return len;
}

static size_t gen_string(unsigned char *s, unsigned mode)
{
	size_t n = rnd(301), i, k;

	switch (mode) {
	case 0:		/* clean ASCII: the fast path */
		for (i = 0; i < n; i++) {
			do
				s[i] = (unsigned char)(0x20 + rnd(0x5f));
			while (s[i] == '"' || s[i] == '\\');
		}
		break;
	case 1:		/* any ASCII, controls and DEL more often */
		for (i = 0; i < n; i++)
			s[i] = (unsigned char)(rnd(4) ? 0x20 + rnd(0x5f) : rnd(0x80));
		break;
	case 2:		/* valid UTF-8 */
		n = gen_valid(s, n);
		break;
	case 3:		/* valid UTF-8 with a few bytes replaced */
		n = gen_valid(s, n);
		for (k = rnd(4); n && k; k--)
			s[rnd((unsigned)n)] = (unsigned char)rng();
		break;
	case 4:		/* random bytes */
		for (i = 0; i < n; i++)
			s[i] = (unsigned char)rng();
		break;
	default:	/* valid UTF-8 cut short, often inside a sequence */
		n = gen_valid(s, n);
		n -= n ? rnd((unsigned)(n < 3 ? n : 3) + 1) : 0;
		break;
	}
	return n;
}

START_TEST(test_str_random)
{
	unsigned char s[320];
	unsigned long valid = 0, invalid = 0, nonascii = 0;
	size_t n;
	int i;

	rng_seed(0x747261636531ull);
	for (i = 0; i < RANDOM_STRINGS; i++) {
		n = gen_string(s, (unsigned)i % 6);
		if (check_roundtrip(s, n))
			valid++;
		else
			invalid++;
		for (size_t k = 0; k < n; k++)
			if (s[k] >= 0x80) {
				nonascii++;
				break;
			}
	}
	ck_assert_uint_eq(valid + invalid, RANDOM_STRINGS);
	/* the generator must exercise both outcomes and multibyte text */
	ck_assert_uint_ge(valid, RANDOM_STRINGS / 3);
	ck_assert_uint_ge(invalid, RANDOM_STRINGS / 5);
	ck_assert_uint_ge(nonascii, RANDOM_STRINGS / 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

static void check_u64(uint64_t v)
{
	char want[32];
	int n = snprintf(want, sizeof(want), "%" PRIu64, v);

	jbuf_reset(&buf);
	expect(json_put_u64(&buf, v) == 0, "put_u64");
	expect(buf.len == (size_t)n && !memcmp(buf.p, want, buf.len),
	       "u64 %s: got '%.*s'", want, (int)buf.len, buf.p);
}

static void check_s64(int64_t v)
{
	char want[32];
	int n = snprintf(want, sizeof(want), "%" PRId64, v);

	jbuf_reset(&buf);
	expect(json_put_s64(&buf, v) == 0, "put_s64");
	expect(buf.len == (size_t)n && !memcmp(buf.p, want, buf.len),
	       "s64 %s: got '%.*s'", want, (int)buf.len, buf.p);
}

static void check_hex(uint64_t v)
{
	char want[32];
	int n = snprintf(want, sizeof(want), "\"0x%" PRIx64 "\"", v);

	jbuf_reset(&buf);
	expect(json_put_hex(&buf, v) == 0, "put_hex");
	expect(buf.len == (size_t)n && !memcmp(buf.p, want, buf.len),
	       "hex %s: got '%.*s'", want, (int)buf.len, buf.p);
}

/* a random value with a random number of significant bits */
static uint64_t rnd_bits(void)
{
	unsigned bits = rnd(65);

	return bits ? rng() >> (64 - bits) : 0;
}

START_TEST(test_num_fixed)
{
	uint64_t p = 1;
	int i;

	jbuf_reset(&buf);
	ck_assert_int_eq(json_put_u64(&buf, 0), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_u64(&buf, 1), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_u64(&buf, 9), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_u64(&buf, 10), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_u64(&buf, UINT64_MAX), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_s64(&buf, INT64_MIN), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_s64(&buf, INT64_MAX), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_s64(&buf, -1), 0);
	ck_assert_int_eq(json_put_raw(&buf, ",", 1), 0);
	ck_assert_int_eq(json_put_s64(&buf, 0), 0);
	ck_assert_uint_eq(buf.len, strlen("0,1,9,10,18446744073709551615,"
					  "-9223372036854775808,9223372036854775807,-1,0"));
	ck_assert_mem_eq(buf.p, "0,1,9,10,18446744073709551615,"
			 "-9223372036854775808,9223372036854775807,-1,0", buf.len);

	/* every power of ten and its neighbours */
	for (i = 0; i < 20; i++, p *= 10) {
		check_u64(p - 1);
		check_u64(p);
		check_u64(p + 1);
		if (i < 19) {	/* 10^19 is above INT64_MAX */
			check_s64((int64_t)(p - 1));
			check_s64(-(int64_t)(p - 1));
			check_s64((int64_t)p);
			check_s64(-(int64_t)p);
			check_s64(-(int64_t)p - 1);
		}
	}
	check_u64(UINT64_MAX - 1);
	check_s64(INT64_MIN + 1);
	check_s64(INT64_MAX - 1);
}
END_TEST

START_TEST(test_num_random)
{
	int i;

	rng_seed(42);
	for (i = 0; i < RANDOM_NUMBERS; i++) {
		uint64_t v = rnd_bits();

		check_u64(v);
		check_s64((int64_t)v);
		check_s64(-(int64_t)(v >> 1));
	}
}
END_TEST

START_TEST(test_hex)
{
	int i;

	jbuf_reset(&buf);
	ck_assert_int_eq(json_put_hex(&buf, 0), 0);
	ck_assert_int_eq(json_put_hex(&buf, 0x1f), 0);
	ck_assert_int_eq(json_put_hex(&buf, UINT64_MAX), 0);
	ck_assert_int_eq(json_put_hex(&buf, 0xffffffff81000000ull), 0);
	ck_assert_int_eq(json_put_hex(&buf, 0x7ffc00001000ull), 0);
	ck_assert_uint_eq(buf.len, 67);
	ck_assert_mem_eq(buf.p, "\"0x0\"\"0x1f\"\"0xffffffffffffffff\""
			 "\"0xffffffff81000000\"\"0x7ffc00001000\"", 67);
	for (i = 0; i < 64; i++) {
		check_hex(1ull << i);
		check_hex((1ull << i) - 1);
	}
	rng_seed(7);
	for (i = 0; i < RANDOM_NUMBERS; i++)
		check_hex(rnd_bits());
}
END_TEST

/* ------------------------------------------------------------------ */
/* RFC 3339                                                            */

static void check_time(int64_t sec, uint32_t nsec, const char *want)
{
	char out[32];

	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(json_fmt_rfc3339(out, sec, nsec), JSON_RFC3339_LEN);
	ck_assert_str_eq(out, want);
	ck_assert(out[31] == '#');
}

START_TEST(test_time_fixed)
{
	check_time(0, 0, "1970-01-01T00:00:00.000000000Z");
	check_time(1795311107, 123456789, "2026-11-22T01:31:47.123456789Z");
	check_time(951782400, 0, "2000-02-29T00:00:00.000000000Z");
	check_time(951868799, 0, "2000-02-29T23:59:59.000000000Z");
	check_time(951868800, 0, "2000-03-01T00:00:00.000000000Z");
	check_time(1709208000, 0, "2024-02-29T12:00:00.000000000Z");
	check_time(4107542399, 0, "2100-02-28T23:59:59.000000000Z");
	check_time(4107542400, 0, "2100-03-01T00:00:00.000000000Z");
	check_time(253402300799, 999999999, "9999-12-31T23:59:59.999999999Z");
	/* nanosecond padding */
	check_time(0, 1, "1970-01-01T00:00:00.000000001Z");
	check_time(0, 10, "1970-01-01T00:00:00.000000010Z");
	check_time(0, 1000, "1970-01-01T00:00:00.000001000Z");
	check_time(0, 100000000, "1970-01-01T00:00:00.100000000Z");
	check_time(0, 999999999, "1970-01-01T00:00:00.999999999Z");
	check_time(0, 20304050, "1970-01-01T00:00:00.020304050Z");
	/* nsec of a second or more carries */
	check_time(0, 1000000000, "1970-01-01T00:00:01.000000000Z");
	check_time(59, UINT32_MAX, "1970-01-01T00:01:03.294967295Z");
	/* before the epoch */
	check_time(-1, 0, "1969-12-31T23:59:59.000000000Z");
	check_time(-2203891200, 0, "1900-03-01T00:00:00.000000000Z");
	check_time(-62135596800, 0, "0001-01-01T00:00:00.000000000Z");
	check_time(-62167219200, 0, "0000-01-01T00:00:00.000000000Z");
	/* outside 0000..9999: clamped */
	check_time(-62167219201, 5, "0000-01-01T00:00:00.000000000Z");
	check_time(INT64_MIN, 999999999, "0000-01-01T00:00:00.000000000Z");
	check_time(253402300800, 0, "9999-12-31T23:59:59.999999999Z");
	check_time(253402300799, 1000000000, "9999-12-31T23:59:59.999999999Z");
	check_time(INT64_MAX, UINT32_MAX, "9999-12-31T23:59:59.999999999Z");
}
END_TEST

static void check_real(uint64_t mono, int64_t offset, int64_t want_sec, uint32_t want_ns,
		       const char *want)
{
	int64_t sec = -7;
	uint32_t ns = 7;
	char out[32];

	json_mono_to_real(mono, offset, &sec, &ns);
	ck_assert_msg(sec == want_sec && ns == want_ns,
		      "%" PRIu64 " %+" PRId64 ": %" PRId64 ".%09" PRIu32 ", not %" PRId64 ".%09" PRIu32,
		      mono, offset, sec, ns, want_sec, want_ns);
	json_fmt_rfc3339(out, sec, ns);
	ck_assert_str_eq(out, want);
}

/* the record's time is the kernel's word: any u64, with any clock offset */
START_TEST(test_time_limits)
{
	check_real(0, 0, 0, 0, "1970-01-01T00:00:00.000000000Z");
	check_real(UINT64_MAX, 0, 18446744073, 709551615, "2554-07-21T23:34:33.709551615Z");
	check_real(UINT64_MAX, INT64_MAX, 27670116110, 564327422, "2846-10-30T23:21:50.564327422Z");
	check_real((uint64_t)INT64_MAX + 1, INT64_MAX, 18446744073, 709551615,
		   "2554-07-21T23:34:33.709551615Z");
	check_real(1500000000, 1795311105623456789, 1795311107, 123456789,
		   "2026-11-22T01:31:47.123456789Z");
	/* the nanoseconds borrow and carry */
	check_real(1999999999, -999999999, 1, 0, "1970-01-01T00:00:01.000000000Z");
	check_real(999999999, 999999999, 1, 999999998, "1970-01-01T00:00:01.999999998Z");
	check_real(1000000000, -1, 0, 999999999, "1970-01-01T00:00:00.999999999Z");
	/* before the epoch: clamped to it */
	check_real(0, -1, 0, 0, "1970-01-01T00:00:00.000000000Z");
	check_real(0, INT64_MIN, 0, 0, "1970-01-01T00:00:00.000000000Z");
	check_real(UINT64_MAX, INT64_MIN, 9223372036, 854775807, "2262-04-11T23:47:16.854775807Z");
	check_real(5, INT64_MIN, 0, 0, "1970-01-01T00:00:00.000000000Z");
}
END_TEST

START_TEST(test_time_random)
{
	char out[32], want[64];
	struct tm tm;
	int64_t sec;
	uint32_t nsec;
	size_t n;
	int i;

	rng_seed(1970);
	for (i = 0; i < RANDOM_TIMES; i++) {
		time_t t;

		sec = (int64_t)(rng() % 253402300800ull);
		nsec = (uint32_t)(rng() % 1000000000u);
		t = (time_t)sec;
		expect(gmtime_r(&t, &tm), "gmtime_r");
		n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof(want) - n, ".%09" PRIu32 "Z", nsec);
		expect(json_fmt_rfc3339(out, sec, nsec) == JSON_RFC3339_LEN, "len");
		expect(!strcmp(out, want), "%" PRId64 ".%09" PRIu32 ": got %s want %s",
		       sec, nsec, out, want);
	}
	/* years 0..1969: strftime's %Y does not pad, so print tm ourselves */
	for (i = 0; i < RANDOM_TIMES / 10; i++) {
		time_t t;

		sec = -(int64_t)(rng() % 62167219201ull);
		t = (time_t)sec;
		expect(gmtime_r(&t, &tm), "gmtime_r");
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.000000007Z",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
		json_fmt_rfc3339(out, sec, 7);
		expect(!strcmp(out, want), "%" PRId64 ": got %s want %s", sec, out, want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */

static TCase *tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, buf_setup, buf_teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase(s, "buffer", 10);
	tcase_add_test(tc, test_buf_growth);
	tcase_add_test(tc, test_buf_lifecycle);
	tcase_add_test(tc, test_buf_enomem);
	tcase_add_test(tc, test_buf_sticky);

	tc = tcase(s, "escapes", 10);
	tcase_add_test(tc, test_str_escapes);
	tcase_add_test(tc, test_str_escape_positions);

	tc = tcase(s, "every_byte", 10);
	tcase_add_test(tc, test_str_every_byte);

	tc = tcase(s, "utf8_edges", 60);
	tcase_add_test(tc, test_utf8_edges);

	tc = tcase(s, "random_strings", 300);
	tcase_add_test(tc, test_str_random);

	tc = tcase(s, "numbers", 60);
	tcase_add_test(tc, test_num_fixed);
	tcase_add_test(tc, test_num_random);

	tc = tcase(s, "hex", 60);
	tcase_add_test(tc, test_hex);

	tc = tcase(s, "rfc3339", 60);
	tcase_add_test(tc, test_time_fixed);
	tcase_add_test(tc, test_time_random);
	tcase_add_test(tc, test_time_limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
