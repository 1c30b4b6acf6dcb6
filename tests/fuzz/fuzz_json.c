// SPDX-License-Identifier: MIT
/*
 * fuzz_json.c - libFuzzer harness for daemon/json.c: json_put_str against a
 * plain reference encoder of the rule in json.h, and the round trip through
 * jansson (the string's bytes, or the array's numbers, equal the input);
 * then the number writers and json_fmt_rfc3339 against printf and gmtime.
 *
 * Input: byte 0: bits 0-3  initial buffer capacity - 1 (growth from small
 *                          buffers), bits 4-7  bytes already in the buffer
 *                          (the value starts at any alignment);
 *        the rest: the value's bytes (and, its first 12, the numbers).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* json.h's rule, written out byte by byte */
static void ref_str(struct jbuf *o, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char e[8];
	size_t i;

	if (!fuzz_utf8_valid(s, n)) {
		json_put_raw(o, "[", 1);
		for (i = 0; i < n; i++) {
			int k = snprintf(e, sizeof(e), "%s%u", i ? "," : "", s[i]);

			json_put_raw(o, e, (size_t)k);
		}
		json_put_raw(o, "]", 1);
		return;
	}
	json_put_raw(o, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"': json_put_raw(o, "\\\"", 2); continue;
		case '\\': json_put_raw(o, "\\\\", 2); continue;
		case 0x08: json_put_raw(o, "\\b", 2); continue;
		case 0x0c: json_put_raw(o, "\\f", 2); continue;
		case 0x0a: json_put_raw(o, "\\n", 2); continue;
		case 0x0d: json_put_raw(o, "\\r", 2); continue;
		case 0x09: json_put_raw(o, "\\t", 2); continue;
		}
		if (c < 0x20 || c == 0x7f) {
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			json_put_raw(o, e, 6);
		} else if (c == 0xe2 && i + 2 < n && s[i + 1] == 0x80 &&
			   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			json_put_raw(o, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			i += 2;
		} else {
			json_put_raw(o, (const char *)&c, 1);
		}
	}
	json_put_raw(o, "\"", 1);
}

static void check_str(const unsigned char *s, size_t n, unsigned cap, unsigned pre)
{
	struct jbuf b, r = { 0 };
	json_error_t je;
	json_t *j;
	size_t i, len;

	if (jbuf_init(&b, cap) < 0)
		abort();
	for (i = 0; i < pre; i++)
		json_put_raw(&b, "x", 1);
	FUZZ_CHECK(json_put_str(&b, (const char *)s, n) == 0, "ENOMEM");
	FUZZ_CHECK(b.len >= pre && b.len <= b.cap, "len %zu cap %zu", b.len, b.cap);
	for (i = 0; i < pre; i++)
		FUZZ_CHECK(b.p[i] == 'x', "the prefix was overwritten");
	len = b.len - pre;

	ref_str(&r, s, n);
	FUZZ_CHECK(len == r.len && !memcmp(b.p + pre, r.p, len),
		   "json_put_str (%zu bytes) differs from the rule (%zu bytes): %.*s / %.*s", len,
		   r.len, (int)len, b.p + pre, (int)r.len, r.p);
	for (i = pre; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.p[i] >= 0x20 && b.p[i] != 0x7f, "byte 0x%02x",
			   (unsigned char)b.p[i]);

	/* the round trip */
	j = json_loadb(b.p + pre, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	FUZZ_CHECK(j, "jansson: %s at %d", je.text, je.position);
	if (json_is_string(j)) {
		FUZZ_CHECK(fuzz_utf8_valid(s, n), "a string for invalid UTF-8");
		FUZZ_CHECK(json_string_length(j) == n && !memcmp(json_string_value(j), s, n),
			   "the string is not the input");
	} else {
		FUZZ_CHECK(json_is_array(j) && json_array_size(j) == n, "not an array of %zu", n);
		FUZZ_CHECK(!fuzz_utf8_valid(s, n), "an array for valid UTF-8");
		for (i = 0; i < n; i++)
			FUZZ_CHECK(json_integer_value(json_array_get(j, i)) == s[i], "element %zu", i);
	}
	json_decref(j);
	jbuf_free(&r);
	jbuf_free(&b);
}

static void check_numbers(uint64_t v, uint32_t ns)
{
	struct jbuf b = { 0 };
	char want[64], out[32];
	int64_t sec = (int64_t)v;
	/* json.c's bounds: 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
	const int64_t min = -62167219200LL, max = 253402300799LL;
	__int128 t = (__int128)sec + ns / 1000000000u;
	uint32_t frac = ns % 1000000000u;
	struct tm tm;
	time_t tt;
	int k;

	json_put_u64(&b, v);
	k = snprintf(want, sizeof(want), "%" PRIu64, v);
	FUZZ_CHECK(b.len == (size_t)k && !memcmp(b.p, want, b.len), "u64 %s", want);
	jbuf_reset(&b);
	json_put_s64(&b, (int64_t)v);
	k = snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
	FUZZ_CHECK(b.len == (size_t)k && !memcmp(b.p, want, b.len), "s64 %s", want);
	jbuf_reset(&b);
	json_put_hex(&b, v);
	k = snprintf(want, sizeof(want), "\"0x%" PRIx64 "\"", v);
	FUZZ_CHECK(b.len == (size_t)k && !memcmp(b.p, want, b.len), "hex %s", want);
	jbuf_free(&b);

	if (t > max) {
		t = max;
		frac = 999999999u;
	} else if (t < min) {
		t = min;
		frac = 0;
	}
	tt = (time_t)t;
	FUZZ_CHECK(gmtime_r(&tt, &tm), "gmtime");
	snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	FUZZ_CHECK(json_fmt_rfc3339(out, sec, ns) == JSON_RFC3339_LEN && !strcmp(out, want),
		   "rfc3339(%" PRId64 ", %u): %s, want %s", sec, ns, out, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v = 0;
	uint32_t ns = 0;

	if (!size)
		return 0;
	check_str(data + 1, size - 1, (data[0] & 15) + 1, data[0] >> 4);
	if (size >= 13) {
		memcpy(&v, data + 1, 8);
		memcpy(&ns, data + 9, 4);
		check_numbers(v, ns);
	}
	return 0;
}
