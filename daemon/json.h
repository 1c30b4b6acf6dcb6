/* SPDX-License-Identifier: MIT */
/*
 * json.h - a growable output buffer and the JSON value writers of the
 * JSON-lines event log.
 *
 * These run for every field of every event: no printf, no allocation
 * unless the buffer must grow, no locale, no global state.  All tables are
 * const, so every function is thread-safe as long as each thread writes its
 * own buffer.
 *
 * Strings (json_put_str) - part of the documented schema of the event log
 * -----------------------------------------------------------------------
 *
 * 1. A value whose bytes are valid UTF-8 is written as a JSON string
 *    (RFC 8259).  Valid means strict UTF-8 as in RFC 3629: shortest form
 *    only (no overlong encoding such as C0 80 or E0 80 80), no surrogate
 *    code point (U+D800..U+DFFF, i.e. ED A0 80..ED BF BF), nothing above
 *    U+10FFFF (F4 90 80 80 and up, bytes F5..FF), no truncated sequence,
 *    no stray continuation byte.  Inside the quotes:
 *
 *        "   ->  \"              \   ->  \\
 *        08  ->  \b    0C  ->  \f    0A  ->  \n    0D  ->  \r    09  ->  \t
 *        any other byte 00..1F, and DEL 7F  ->  \u00XX, lowercase hex
 *                                               (\u0000, \u001b, \u007f)
 *        U+2028 (E2 80 A8)  ->  \u2028       U+2029 (E2 80 A9)  ->  \u2029
 *
 *    Every other byte, multibyte sequences included, is copied unchanged
 *    ('/' is not escaped, no other \u escape is produced).  The empty value
 *    is "".  U+0000 is valid UTF-8: a NUL byte inside the value is written
 *    as \u0000.
 *
 * 2. A value that is not valid UTF-8 is written as a JSON array of its
 *    byte values, decimal, in order, with no spaces: the bytes 61 FF 62
 *    become [97,255,98].  This is the rule journald's JSON export uses for
 *    binary fields.
 *
 * So a consumer sees a string exactly when the data was valid UTF-8 and an
 * array of numbers 0..255 otherwise, and gets the original bytes back in
 * both cases (the string's UTF-8 encoding, or the array's numbers).  No
 * output byte is below 0x20 or is DEL, so a value never breaks a line, and
 * the output is valid JavaScript as well as JSON.
 *
 * Errors: every writer reserves the room it needs first; on failure it
 * returns -ENOMEM and leaves the buffer's content and length unchanged.
 * The failure is sticky: every later write to the buffer fails too, however
 * small, until jbuf_reset() or jbuf_rewind().  A line built from many
 * writes is then checked once, at its end (jbuf_failed()), and can never
 * come out whole-looking with a piece of its middle missing.
 */
#ifndef TRACELOGD_JSON_H
#define TRACELOGD_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * An output buffer: p[0..len) is the text written so far, cap the room
 * allocated.  Not NUL-terminated.  Owned by whoever called jbuf_init().
 * { 0 } is an empty buffer that grows from nothing.
 */
struct jbuf {
	char *p;
	size_t len, cap;
	/*
	 * After a failed growth: err is -ENOMEM, cap is lowered to len so
	 * that jbuf_reserve()'s fast path sends every later write to
	 * jbuf_grow(), which refuses it, and the allocation's real size is
	 * kept in real_cap.  No cost on the path that does not fail.
	 */
	size_t real_cap;
	int err;
};

/*
 * jbuf_init - allocate a buffer of cap bytes (0 picks a default of 256)
 * with len 0.  Free it with jbuf_free().
 * Returns 0, or -ENOMEM with *b left empty ({NULL, 0, 0}, safe to free).
 */
int jbuf_init(struct jbuf *b, size_t cap);

/*
 * jbuf_free - free the buffer's memory and leave it empty ({NULL, 0, 0}).
 * b may be NULL; freeing twice is harmless.  An emptied buffer can be
 * written again: it grows from nothing.
 */
void jbuf_free(struct jbuf *b);

/*
 * jbuf_grow - the slow path of jbuf_reserve(): reallocate so that
 * len + more <= cap, at least doubling cap.  Use jbuf_reserve().
 * Returns 0, or -ENOMEM (len + more overflows, realloc failed, or the
 * buffer failed before) with the content unchanged and the buffer failed.
 */
int jbuf_grow(struct jbuf *b, size_t more);

/*
 * jbuf_failed - the sticky error: -ENOMEM when a write failed since the
 * last jbuf_reset()/jbuf_rewind(), else 0.
 */
static inline int jbuf_failed(const struct jbuf *b)
{
	return b->err;
}

/*
 * jbuf_rewind - cut the content back to len (<= b->len: the start of a
 * line that failed) and clear the sticky error.
 */
static inline void jbuf_rewind(struct jbuf *b, size_t len)
{
	if (__builtin_expect(b->err, 0)) {
		b->cap = b->real_cap;
		b->err = 0;
	}
	if (len < b->len)
		b->len = len;
}

/*
 * jbuf_reserve - make room for more bytes after len, growing the buffer
 * geometrically.  p may move: do not keep pointers into it across calls.
 * Returns 0, or -ENOMEM with the buffer unchanged.
 */
static inline int jbuf_reserve(struct jbuf *b, size_t more)
{
	if (__builtin_expect(more <= b->cap - b->len, 1))
		return 0;
	return jbuf_grow(b, more);
}

/* jbuf_reset - forget the content (len = 0) and the error, keep the memory. */
static inline void jbuf_reset(struct jbuf *b)
{
	jbuf_rewind(b, 0);
}

/*
 * json_put_raw - append n bytes as they are (keys, punctuation, text the
 * caller has already rendered).  The caller answers for their validity.
 * Inline so that a constant key's copy compiles to a few moves.
 * Returns 0 or -ENOMEM.
 */
static inline int json_put_raw(struct jbuf *b, const char *s, size_t n)
{
	int r;

	if (!n)
		return 0;
	r = jbuf_reserve(b, n);
	if (r)
		return r;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/*
 * json_put_str - append s[0..n) as a JSON value following the string rule
 * at the top of this file: a quoted, escaped string when the bytes are
 * valid UTF-8, an array of byte values otherwise.  s may be NULL when n is
 * 0.  Returns 0 or -ENOMEM.
 */
int json_put_str(struct jbuf *b, const char *s, size_t n);

/*
 * json_put_hex - append v as a JSON string of lowercase hex with a "0x"
 * prefix and no leading zeros: "0x0", "0x1f", "0xffffffffffffffff".
 * Returns 0 or -ENOMEM.
 */
int json_put_hex(struct jbuf *b, uint64_t v);

/*
 * Decimal integers, inline: they run for every number of every line.
 * json_put_u64 / json_put_s64 append v in decimal (INT64_MIN included).
 * Return 0 or -ENOMEM.
 */
extern const char json_dec2[201];	/* "00" "01" ... "99" */

/* Number of decimal digits of v, 1 for 0. */
static inline size_t json_u64_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	/*
	 * 1233 / 4096 ~ log10(2): from the bit length, t is the digit count
	 * minus 1, or one less.  v | 1 gives 0 a digit and never crosses a
	 * power of ten (those above 1 are even).
	 */
	uint64_t x = v | 1;
	unsigned t = ((64u - (unsigned)__builtin_clzll(x)) * 1233u) >> 12;

	return t + 1 - (x < pow10[t]);
}

/* Write v in decimal so that it ends just before end. */
static inline void json_u64_write(char *end, uint64_t v)
{
	/* two digits per division by a constant: half the multiplications */
	while (v >= 100) {
		end -= 2;
		memcpy(end, json_dec2 + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(end - 2, json_dec2 + v * 2, 2);
	else
		end[-1] = (char)('0' + v);
}

static inline int json_put_u64(struct jbuf *b, uint64_t v)
{
	size_t n = json_u64_digits(v);
	int r;

	r = jbuf_reserve(b, n);
	if (r)
		return r;
	b->len += n;
	json_u64_write(b->p + b->len, v);
	return 0;
}

static inline int json_put_s64(struct jbuf *b, int64_t v)
{
	/* 0 - (uint64_t)v is the magnitude, INT64_MIN included, without UB */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = json_u64_digits(u) + (v < 0);
	int r;

	r = jbuf_reserve(b, n);
	if (r)
		return r;
	b->p[b->len] = '-';	/* overwritten by a digit when v >= 0 */
	b->len += n;
	json_u64_write(b->p + b->len, u);
	return 0;
}

#define JSON_RFC3339_LEN	30	/* "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ" */

/*
 * json_mono_to_real - the wall-clock time of a CLOCK_MONOTONIC time mono
 * (nanoseconds, any u64) given offset_ns = realtime - monotonic, as
 * seconds and nanoseconds since the Unix epoch, with no overflow for any
 * input (mono + offset_ns would pass INT64_MAX for a mono near 2^64).
 * A time before the epoch is clamped to it.  *nsec < 1e9.
 */
void json_mono_to_real(uint64_t mono, int64_t offset_ns, int64_t *sec, uint32_t *nsec);

/*
 * json_fmt_rfc3339 - format sec.nsec seconds since the Unix epoch as an
 * RFC 3339 UTC time with nanoseconds, "2026-11-22T01:31:47.123456789Z"
 * (proleptic Gregorian calendar, no leap seconds, like gmtime).  No quotes.
 * nsec of 1e9 or more carries into sec.  RFC 3339 years have four digits:
 * a time before 0000-01-01T00:00:00Z or after 9999-12-31T23:59:59.999999999Z
 * is clamped to that bound.  out is NUL-terminated.
 * Returns the length, always JSON_RFC3339_LEN.  Thread-safe, no gmtime.
 */
size_t json_fmt_rfc3339(char out[32], int64_t sec, uint32_t nsec);

#endif /* TRACELOGD_JSON_H */
