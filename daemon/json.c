// SPDX-License-Identifier: MIT
/*
 * json.c - growable output buffer and JSON value writers.
 *
 * json_put_str is the hot one.  Its plan:
 *   1. find the clean prefix (printable ASCII needing no escape) sixteen
 *      bytes at a time (SSE2; SWAR words of eight elsewhere); when that is
 *      the whole value: reserve, quote, memcpy, quote;
 *   2. otherwise one pass over the rest validates UTF-8 with a shift DFA
 *      (no branch on the sequence shape, no dependent load per byte) and
 *      adds up what escaping costs, skipping clean blocks as in 1;
 *   3. then reserve the exact size once and write, copying blocks with
 *      nothing to escape whole; or, for invalid UTF-8, write the byte array.
 * Measuring before writing keeps the buffer untouched on -ENOMEM and never
 * reserves more than is written.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* x86-64 always has SSE2; JSON_NO_SSE2 builds the portable SWAR code instead */
#if defined(__SSE2__) && !defined(JSON_NO_SSE2)
#define JSON_SSE2 1
#include <emmintrin.h>
#endif

#include "json.h"

#define JBUF_DEFAULT_CAP	256

int jbuf_init(struct jbuf *b, size_t cap)
{
	if (!cap)
		cap = JBUF_DEFAULT_CAP;
	b->len = 0;
	b->real_cap = 0;
	b->err = 0;
	b->p = malloc(cap);
	if (!b->p) {
		b->cap = 0;
		return -ENOMEM;
	}
	b->cap = cap;
	return 0;
}

void jbuf_free(struct jbuf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->real_cap = 0;
	b->err = 0;
}

/* the first failure: every later write comes here, and is refused */
static int jbuf_fail(struct jbuf *b)
{
	b->real_cap = b->cap;
	b->cap = b->len;
	b->err = -ENOMEM;
	return -ENOMEM;
}

int jbuf_grow(struct jbuf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return b->err;
	if (more > SIZE_MAX - b->len)
		return jbuf_fail(b);
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->p, cap);
	if (!p)
		return jbuf_fail(b);
	b->p = p;
	b->cap = cap;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

/* shared with the inline writers of json.h */
const char json_dec2[201] =
	"00010203040506070809"
	"10111213141516171819"
	"20212223242526272829"
	"30313233343536373839"
	"40414243444546474849"
	"50515253545556575859"
	"60616263646566676869"
	"70717273747576777879"
	"80818283848586878889"
	"90919293949596979899";

static const char hexdig[16] = "0123456789abcdef";

int json_put_hex(struct jbuf *b, uint64_t v)
{
	size_t n = ((64u - (unsigned)__builtin_clzll(v | 1)) + 3) / 4, k;
	char *o;
	int r;

	r = jbuf_reserve(b, n + 4);
	if (r)
		return r;
	o = b->p + b->len;
	memcpy(o, "\"0x", 3);
	for (k = n + 2; k > 2; k--, v >>= 4)
		o[k] = hexdig[v & 15];
	o[n + 3] = '"';
	b->len += n + 4;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Strings: finding the bytes that matter, a block at a time           */

/*
 * Two classes of bytes are searched for:
 *   unclean:   anything but printable ASCII that needs no escape, i.e.
 *              00..1F, '"', '\', 7F and 80..FF (what json_put_str's fast
 *              path and the validator must look at);
 *   escapable: 00..1F, '"', '\', 7F and E2 (what the writer must look at
 *              once the value is known to be valid UTF-8: E2 may start
 *              U+2028/U+2029).
 *
 * SWAR: eight bytes in a uint64_t.  A test's mask has the high bit set in
 * the bytes that match, and possibly in bytes above a match (a borrow or a
 * carry moves up from it), never below the first: so the mask is nonzero
 * exactly when a byte matches and its lowest set bit is in the first
 * matching byte.  load64 returns the bytes in little-endian order on every
 * host so that the lowest byte is the first in memory.
 */
#define ONES	0x0101010101010101ull
#define HIGHS	0x8080808080808080ull

/* bytes < n, for n <= 0x80 */
static inline uint64_t swar_below(uint64_t w, unsigned n)
{
	return (w - ONES * n) & ~w & HIGHS;
}

static inline uint64_t swar_eq(uint64_t w, unsigned c)
{
	return swar_below(w ^ (ONES * c), 1);
}

/* bytes >= 0x7f: DEL and everything not ASCII */
static inline uint64_t swar_above7e(uint64_t w)
{
	return ((w + ONES) | w) & HIGHS;
}

static inline uint64_t swar_unclean(uint64_t w)
{
	return swar_below(w, 0x20) | swar_above7e(w) |
	       swar_eq(w, '"') | swar_eq(w, '\\');
}

/*
 * Blocks: sixteen bytes with SSE2 (part of x86-64, so always there),
 * SWAR words elsewhere, or on x86-64 when built with -DJSON_NO_SSE2 (to
 * test them).  blk_unclean/blk_escapable give a nonzero mask when the
 * block at s holds such a byte, blk_first the offset of the first.
 * blk_tail_*(s, n, i), for 0 < n - i < BLK <= n, give the offset from i of
 * the first such byte of s[i..n), or n - i: they test the last block of
 * the string, shifted past the bytes before i that it overlaps.
 */
#ifdef JSON_SSE2
#define BLK	16
typedef uint32_t blkmask_t;

static inline __m128i blk_load(const unsigned char *s)
{
	return _mm_loadu_si128((const __m128i *)s);
}

static inline blkmask_t blk_unclean_x(__m128i x)
{
	__m128i m;

	/* signed compare: 80..FF are negative, so one test takes 00..1F and them */
	m = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
	return (blkmask_t)_mm_movemask_epi8(m);
}

static inline blkmask_t blk_unclean(const unsigned char *s)
{
	return blk_unclean_x(blk_load(s));
}

static inline blkmask_t blk_escapable(const unsigned char *s)
{
	__m128i x = blk_load(s), m;

	/* unsigned x <= 0x1f */
	m = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xe2)));
	return (blkmask_t)_mm_movemask_epi8(m);
}

static inline size_t blk_first(blkmask_t m)
{
	return (size_t)__builtin_ctz(m);
}

static inline size_t blk_tail_unclean(const unsigned char *s, size_t n, size_t i)
{
	blkmask_t m = blk_unclean(s + n - BLK) >> (i - (n - BLK));

	return m ? blk_first(m) : n - i;
}

static inline size_t blk_tail_escapable(const unsigned char *s, size_t n, size_t i)
{
	blkmask_t m = blk_escapable(s + n - BLK) >> (i - (n - BLK));

	return m ? blk_first(m) : n - i;
}

#else /* SWAR blocks */

#define BLK	8
typedef uint64_t blkmask_t;

static inline uint64_t load64(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* index of the first matching byte of a nonzero mask */
static inline size_t swar_first(uint64_t m)
{
	return (size_t)__builtin_ctzll(m) >> 3;
}

/*
 * The end of a string, s[i..n) with 0 < n - i < 8 <= n: test the last
 * eight bytes shifted so that s[i] is the lowest.  The zero bytes shifted
 * in count as matches (both classes include 00), so the answer is the
 * offset from i of the first unclean byte, n - i when there is none.
 */
static inline size_t swar_tail_unclean(const unsigned char *s, size_t n, size_t i)
{
	return swar_first(swar_unclean(load64(s + n - 8) >> (8 * (i - (n - 8)))));
}

static inline uint64_t swar_escapable(uint64_t w)
{
	return swar_below(w, 0x20) | swar_eq(w, 0x7f) | swar_eq(w, '"') |
	       swar_eq(w, '\\') | swar_eq(w, 0xe2);
}

/* as swar_tail_unclean */
static inline size_t swar_tail_escapable(const unsigned char *s, size_t n, size_t i)
{
	return swar_first(swar_escapable(load64(s + n - 8) >> (8 * (i - (n - 8)))));
}

static inline blkmask_t blk_unclean(const unsigned char *s)
{
	return swar_unclean(load64(s));
}

static inline blkmask_t blk_escapable(const unsigned char *s)
{
	return swar_escapable(load64(s));
}

static inline size_t blk_first(blkmask_t m)
{
	return swar_first(m);
}

#define blk_tail_unclean	swar_tail_unclean
#define blk_tail_escapable	swar_tail_escapable
#endif

/* ------------------------------------------------------------------ */
/* Strings: UTF-8 validation and escaping                              */

/* 1: printable ASCII, copied as is */
static const uint8_t str_clean[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

/* the writer's byte kinds: 0 copy, 'u' \u00XX, 'E' maybe U+2028/9, else \<c> */
static const char str_esc[256] = {
	[0x00 ... 0x07] = 'u', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
	[0x0b] = 'u', ['\f'] = 'f', ['\r'] = 'r', [0x0e ... 0x1f] = 'u',
	['"'] = '"', ['\\'] = '\\', [0x7f] = 'u', [0xe2] = 'E',
};

/*
 * Strict UTF-8 (RFC 3629) as a shift DFA (Per Vognsen's layout): each
 * state is a bit offset, and each byte has a 64-bit row holding, at every
 * state's offset, the state to go to.  A step is
 *
 *	st = (u8_row[c] >> st) & 63;
 *
 * where the load does not depend on st, so the chain from byte to byte is
 * a shift and an and, not a dependent load per byte as in a classic
 * next[state][class] table.
 *
 * The lead bytes whose second byte has a narrower range get their own
 * states: E0 (A0..BF: no overlong), ED (80..9F: no surrogate), F0 (90..BF:
 * no overlong), F4 (80..8F: nothing above U+10FFFF).  C0, C1 and F5..FF
 * have an all-zero row.  U8_REJ is 0 so every transition not listed
 * rejects, and stays rejected.  Bits 56..59 of a row hold how many bytes
 * escaping that byte adds (\n: 1, \u001b: 5), so one load serves both.
 */
enum {
	U8_REJ	= 0,
	U8_OK	= 6,	/* between characters */
	U8_N1	= 12,	/* one continuation byte to go */
	U8_N2	= 18,	/* two to go */
	U8_E0	= 24,	/* after E0: A0..BF, then one */
	U8_ED	= 30,	/* after ED: 80..9F, then one */
	U8_N3	= 36,	/* three to go */
	U8_F0	= 42,	/* after F0: 90..BF, then two */
	U8_F4	= 48,	/* after F4: 80..8F, then two */
};

#define T(from, to)	((uint64_t)(to) << (from))
#define ROW_ASCII	T(U8_OK, U8_OK)
#define ROW_80_8F	(T(U8_N1, U8_OK) | T(U8_N2, U8_N1) | T(U8_N3, U8_N2) | \
			 T(U8_ED, U8_N1) | T(U8_F4, U8_N2))
#define ROW_90_9F	(T(U8_N1, U8_OK) | T(U8_N2, U8_N1) | T(U8_N3, U8_N2) | \
			 T(U8_ED, U8_N1) | T(U8_F0, U8_N2))
#define ROW_A0_BF	(T(U8_N1, U8_OK) | T(U8_N2, U8_N1) | T(U8_N3, U8_N2) | \
			 T(U8_E0, U8_N1) | T(U8_F0, U8_N2))
#define ESC(k)		((uint64_t)(k) << 56)

static const uint64_t u8_row[256] = {
	[0x00 ... 0x07] = ROW_ASCII | ESC(5),
	[0x08 ... 0x0a] = ROW_ASCII | ESC(1),	/* \b \t \n */
	[0x0b]          = ROW_ASCII | ESC(5),
	[0x0c ... 0x0d] = ROW_ASCII | ESC(1),	/* \f \r */
	[0x0e ... 0x1f] = ROW_ASCII | ESC(5),
	[0x20 ... 0x21] = ROW_ASCII,
	['"']           = ROW_ASCII | ESC(1),
	[0x23 ... 0x5b] = ROW_ASCII,
	['\\']          = ROW_ASCII | ESC(1),
	[0x5d ... 0x7e] = ROW_ASCII,
	[0x7f]          = ROW_ASCII | ESC(5),
	[0x80 ... 0x8f] = ROW_80_8F,
	[0x90 ... 0x9f] = ROW_90_9F,
	[0xa0 ... 0xbf] = ROW_A0_BF,
	[0xc2 ... 0xdf] = T(U8_OK, U8_N1),
	[0xe0]          = T(U8_OK, U8_E0),
	[0xe1 ... 0xec] = T(U8_OK, U8_N2),
	[0xed]          = T(U8_OK, U8_ED),
	[0xee ... 0xef] = T(U8_OK, U8_N2),
	[0xf0]          = T(U8_OK, U8_F0),
	[0xf1 ... 0xf3] = T(U8_OK, U8_N3),
	[0xf4]          = T(U8_OK, U8_F4),
};
#undef T
#undef ROW_ASCII
#undef ROW_80_8F
#undef ROW_90_9F
#undef ROW_A0_BF
#undef ESC

/* s[i - 1] = E2 was just read: do s[i], s[i + 1] make U+2028 or U+2029? */
static inline int str_is_ls_ps(const unsigned char *s, size_t i, size_t n)
{
	return n - i >= 2 && s[i] == 0x80 && (s[i + 1] | 1) == 0xa9;
}

/*
 * Validate s[i..n) and count the bytes escaping adds; s[0..i) is a clean
 * prefix, passed so that the last block may overlap it.
 * Returns that count, or SIZE_MAX when s is not valid UTF-8.
 */
static size_t str_measure(const unsigned char *s, size_t n, size_t i)
{
	size_t extra = 0;
	unsigned st = U8_OK;
	blkmask_t m;
	uint64_t row;
	unsigned c;

	while (i < n) {
		/* between characters here: skip clean ASCII a block at a time */
		if (n - i >= BLK) {
			m = blk_unclean(s + i);
			if (!m) {
				i += BLK;
				continue;
			}
			i += blk_first(m);
		} else if (n >= BLK) {
			i += blk_tail_unclean(s, n, i);
			if (i == n)
				break;
		}
		/*
		 * then through the DFA to the end of the character, and on while
		 * the next byte is not clean ASCII (dense non-ASCII text would
		 * otherwise test a block per character)
		 */
		do {
			c = s[i++];
			row = u8_row[c];
			st = (unsigned)(row >> st) & 63;
			extra += (size_t)(row >> 56);
			if (__builtin_expect(c == 0xe2, 0) && str_is_ls_ps(s, i, n))
				extra += 3;
		} while (i < n && (st > U8_OK || !str_clean[s[i]]));
		if (st == U8_REJ)
			return SIZE_MAX;
	}
	return st == U8_OK ? extra : SIZE_MAX;
}

/* Write the escaping of the valid UTF-8 at s[*ip], one byte or U+2028/9. */
static inline char *str_escape_one(char *o, const unsigned char *s,
				   size_t *ip, size_t n)
{
	size_t i = *ip;
	unsigned c = s[i++];
	char k = str_esc[c];

	if (!k) {
		*o++ = (char)c;
	} else if (k == 'u') {
		memcpy(o, "\\u00", 4);
		o[4] = hexdig[c >> 4];
		o[5] = hexdig[c & 15];
		o += 6;
	} else if (k == 'E') {
		if (str_is_ls_ps(s, i, n)) {
			memcpy(o, "\\u202", 5);
			o[5] = s[i + 1] == 0xa8 ? '8' : '9';
			o += 6;
			i += 2;
		} else {
			*o++ = (char)c;
		}
	} else {
		o[0] = '\\';
		o[1] = k;
		o += 2;
	}
	*ip = i;
	return o;
}

/*
 * Write valid UTF-8 s[i..n) escaped at o, where the size str_measure
 * counted is reserved; return the end.  Each block is stored whole before
 * its first escapable byte is known: the room left is at least the input
 * left, a block or more, and the escape then overwrites what followed.
 */
static char *str_escape(char *o, const unsigned char *s, size_t n, size_t i)
{
	size_t k;
	blkmask_t m;

	while (n - i >= BLK) {
		memcpy(o, s + i, BLK);
		m = blk_escapable(s + i);
		if (!m) {
			o += BLK;
			i += BLK;
			continue;
		}
		k = blk_first(m);
		o += k;
		i += k;
		o = str_escape_one(o, s, &i, n);
	}
	while (i < n) {
		if (n >= BLK) {
			k = blk_tail_escapable(s, n, i);
			memcpy(o, s + i, k);
			o += k;
			i += k;
			if (i == n)
				break;
		}
		o = str_escape_one(o, s, &i, n);
	}
	return o;
}

/* Write s[0..n) as an array of byte values: [97,255,98]. */
static int str_put_bytes(struct jbuf *b, const unsigned char *s, size_t n)
{
	size_t i, len = 2 + 2 * n;	/* brackets, a digit and a comma each */
	char *o;
	int r;

	for (i = 0; i < n; i++)
		len += (s[i] >= 10) + (s[i] >= 100);
	if (n)
		len--;		/* no comma after the last */
	r = jbuf_reserve(b, len);
	if (r)
		return r;
	o = b->p + b->len;
	*o++ = '[';
	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (c >= 100) {
			*o++ = (char)('0' + c / 100);
			memcpy(o, json_dec2 + (c % 100) * 2, 2);
			o += 2;
		} else if (c >= 10) {
			memcpy(o, json_dec2 + c * 2, 2);
			o += 2;
		} else {
			*o++ = (char)('0' + c);
		}
		*o++ = ',';
	}
	if (n)
		o--;
	*o++ = ']';
	assert((size_t)(o - b->p) == b->len + len);
	b->len += len;
	return 0;
}

/* json_put_str past a clean prefix of i < n bytes. */
static int __attribute__((noinline))
str_put_slow(struct jbuf *b, const unsigned char *s, size_t n, size_t i)
{
	size_t extra, len;
	char *o;
	int r;

	/* output is at most 6 bytes per input byte: keep the sums in range */
	if (n > (SIZE_MAX - 2) / 6)
		return -ENOMEM;
	extra = str_measure(s, n, i);
	if (extra == SIZE_MAX)
		return str_put_bytes(b, s, n);
	len = n + 2 + extra;
	r = jbuf_reserve(b, len);
	if (r)
		return r;
	o = b->p + b->len;
	*o++ = '"';
	memcpy(o, s, i);
	o = str_escape(o + i, s, n, i);
	*o++ = '"';
	assert((size_t)(o - b->p) == b->len + len);
	b->len += len;
	return 0;
}

/*
 * Length of the prefix of s[0..n) that is printable ASCII needing no
 * escape; for fewer than 8 bytes only n (all clean) or 0 (look at all).
 */
static inline size_t str_clean_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;
	blkmask_t m;

	if (n >= BLK) {
		for (; n - i >= BLK; i += BLK) {
			m = blk_unclean(s + i);
			if (m)
				return i + blk_first(m);
		}
		return i == n ? n : i + blk_tail_unclean(s, n, i);
	}
	/* 8..15 bytes (a task's comm is up to 15): the first and last eight */
	if (n >= 8) {
#ifdef JSON_SSE2
		__m128i x = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)s),
					       _mm_loadl_epi64((const __m128i *)(s + n - 8)));
		blkmask_t m8 = blk_unclean_x(x);

		if (!m8)
			return n;
		i = blk_first(m8);
		return i < 8 ? i : n - 8 + (i - 8);
#else
		uint64_t w = swar_unclean(load64(s));

		if (w)
			return swar_first(w);
		return n == 8 ? 8 : 8 + swar_tail_unclean(s, n, 8);
#endif
	}
	/* 4..7 bytes: two overlapping halves in one word; 1..3: first, middle, last */
	if (n >= 4) {
		uint32_t lo, hi;

		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		return swar_unclean((uint64_t)hi << 32 | lo) ? 0 : n;
	}
	if (n)
		return str_clean[s[0]] & str_clean[s[n >> 1]] & str_clean[s[n - 1]] ? n : 0;
	return 0;
}

/* memcpy for the fast path: up to 32 bytes, two fixed-size moves, no call */
static inline void str_copy(char *d, const unsigned char *s, size_t n)
{
	if (n > 32) {
		memcpy(d, s, n);
	} else if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n) {
		d[0] = (char)s[0];
		d[n >> 1] = (char)s[n >> 1];
		d[n - 1] = (char)s[n - 1];
	}
}

int json_put_str(struct jbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i;
	char *o;
	int r;

	i = str_clean_prefix(s, n);
	if (__builtin_expect(i < n, 0))
		return str_put_slow(b, s, n, i);

	r = jbuf_reserve(b, n + 2);
	if (r)
		return r;
	o = b->p + b->len;
	o[0] = '"';
	str_copy(o + 1, s, n);
	o[n + 1] = '"';
	b->len += n + 2;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Time                                                                */

#define RFC3339_MIN_SEC	(-62167219200LL)	/* 0000-01-01T00:00:00Z */
#define RFC3339_MAX_SEC	253402300799LL		/* 9999-12-31T23:59:59Z */

void json_mono_to_real(uint64_t mono, int64_t offset_ns, int64_t *sec, uint32_t *nsec)
{
	/* seconds and nanoseconds apart: each sum is far from overflowing */
	int64_t s = (int64_t)(mono / 1000000000) + offset_ns / 1000000000;
	int64_t ns = (int64_t)(mono % 1000000000) + offset_ns % 1000000000;

	if (ns < 0) {
		ns += 1000000000;
		s--;
	} else if (ns >= 1000000000) {
		ns -= 1000000000;
		s++;
	}
	if (s < 0) {
		s = 0;
		ns = 0;
	}
	*sec = s;
	*nsec = (uint32_t)ns;
}

size_t json_fmt_rfc3339(char out[32], int64_t sec, uint32_t nsec)
{
	int64_t days, sod, z, era;
	uint32_t doe, yoe, doy, mp, d, m, y, carry;

	carry = nsec / 1000000000u;
	nsec %= 1000000000u;
	if (sec > RFC3339_MAX_SEC - carry) {
		sec = RFC3339_MAX_SEC;
		nsec = 999999999u;
	} else if (sec + carry < RFC3339_MIN_SEC) {
		sec = RFC3339_MIN_SEC;
		nsec = 0;
	} else {
		sec += carry;
	}

	days = sec / 86400;
	sod = sec % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}

	/*
	 * civil_from_days, Howard Hinnant, "chrono-Compatible Low-Level Date
	 * Algorithms": shift the year to start on March 1 so the leap day is
	 * the last day, then split into 400-year eras of 146097 days.
	 */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (uint32_t)(z - era * 146097);			/* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		/* [0, 365] */
	mp = (5 * doy + 2) / 153;				/* [0, 11], March = 0 */
	d = doy - (153 * mp + 2) / 5 + 1;			/* [1, 31] */
	m = mp < 10 ? mp + 3 : mp - 9;				/* [1, 12] */
	y = (uint32_t)(yoe + era * 400) + (m <= 2);		/* [0, 9999] after clamping */

	memcpy(out + 0, json_dec2 + (y / 100) * 2, 2);
	memcpy(out + 2, json_dec2 + (y % 100) * 2, 2);
	out[4] = '-';
	memcpy(out + 5, json_dec2 + m * 2, 2);
	out[7] = '-';
	memcpy(out + 8, json_dec2 + d * 2, 2);
	out[10] = 'T';
	memcpy(out + 11, json_dec2 + (sod / 3600) * 2, 2);
	out[13] = ':';
	memcpy(out + 14, json_dec2 + (sod / 60 % 60) * 2, 2);
	out[16] = ':';
	memcpy(out + 17, json_dec2 + (sod % 60) * 2, 2);
	out[19] = '.';
	out[20] = (char)('0' + nsec / 100000000u);
	nsec %= 100000000u;
	memcpy(out + 21, json_dec2 + (nsec / 1000000u) * 2, 2);
	memcpy(out + 23, json_dec2 + (nsec / 10000u % 100) * 2, 2);
	memcpy(out + 25, json_dec2 + (nsec / 100u % 100) * 2, 2);
	memcpy(out + 27, json_dec2 + (nsec % 100) * 2, 2);
	out[29] = 'Z';
	out[30] = '\0';
	return JSON_RFC3339_LEN;
}
