// SPDX-License-Identifier: MIT
/*
 * json.c - growable output buffer and JSON value writers.
 *
 * json_put_str is the hot one.  Its plan:
 *   1. scan the clean prefix (printable ASCII needing no escape) eight bytes
 *      at a time; if that is the whole value: reserve, quote, memcpy, quote;
 *   2. otherwise one pass over the rest validates UTF-8 with a table-driven
 *      DFA (one load per byte, no branches on the sequence shape) and adds
 *      up what escaping costs, skipping clean ASCII words as in 1;
 *   3. then reserve the exact size once and write, copying unescaped words
 *      eight bytes at a time; or, for invalid UTF-8, write the byte array.
 * Measuring before writing keeps the buffer untouched on -ENOMEM and never
 * reserves more than is written.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JBUF_DEFAULT_CAP	256

int jbuf_init(struct jbuf *b, size_t cap)
{
	if (!cap)
		cap = JBUF_DEFAULT_CAP;
	b->len = 0;
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
}

int jbuf_grow(struct jbuf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int json_put_raw(struct jbuf *b, const char *s, size_t n)
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

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

static const char dec2[201] =
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

/* Write v in decimal so that it ends at end; return where it starts. */
static char *u64_rev(char *end, uint64_t v)
{
	char *p = end;

	/* two digits per division: half the (multiply-based) divisions */
	while (v >= 100) {
		p -= 2;
		memcpy(p, dec2 + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, dec2 + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

int json_put_u64(struct jbuf *b, uint64_t v)
{
	char tmp[20], *p;

	p = u64_rev(tmp + sizeof(tmp), v);
	return json_put_raw(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int json_put_s64(struct jbuf *b, int64_t v)
{
	char tmp[21], *p;

	/* 0 - (uint64_t)v is the magnitude, INT64_MIN included, without UB */
	if (v < 0) {
		p = u64_rev(tmp + sizeof(tmp), 0 - (uint64_t)v);
		*--p = '-';
	} else {
		p = u64_rev(tmp + sizeof(tmp), (uint64_t)v);
	}
	return json_put_raw(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int json_put_hex(struct jbuf *b, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	*--p = '"';
	do {
		*--p = hexdig[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	return json_put_raw(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */

/*
 * Word-at-a-time tests on eight bytes.  A test's mask has the high bit set
 * in the bytes that match, and possibly in bytes above a match (a borrow or
 * carry moves up from it), never below the first: so the mask is nonzero
 * exactly when a byte matches, and its lowest set bit is in the first
 * matching byte.  load64 returns the bytes in little-endian order on every
 * host so that "lowest" is "first in memory".
 */
#define ONES	0x0101010101010101ull
#define HIGHS	0x8080808080808080ull

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

/* bytes that are not printable ASCII, or are '"' or '\' */
static inline uint64_t swar_unclean(uint64_t w)
{
	return swar_below(w, 0x20) | swar_above7e(w) |
	       swar_eq(w, '"') | swar_eq(w, '\\');
}

/* bytes the writer must look at in valid UTF-8: escapes, and E2 for U+2028/9 */
static inline uint64_t swar_escapable(uint64_t w)
{
	return swar_below(w, 0x20) | swar_eq(w, 0x7f) | swar_eq(w, '"') |
	       swar_eq(w, '\\') | swar_eq(w, 0xe2);
}

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

/* s[i - 1] = E2 was just read: do s[i], s[i + 1] make U+2028 or U+2029? */
static inline int str_is_ls_ps(const unsigned char *s, size_t i, size_t n)
{
	return n - i >= 2 && s[i] == 0x80 && (s[i + 1] | 1) == 0xa9;
}

/*
 * Validate s[0..n) and count the bytes escaping adds.
 * Returns that count, or SIZE_MAX when s is not valid UTF-8.
 */
static size_t str_measure(const unsigned char *s, size_t n)
{
	size_t i = 0, end, extra = 0;
	unsigned st = U8_OK;
	uint64_t m, row;
	unsigned c;

#define STEP() do {							\
		c = s[i++];						\
		row = u8_row[c];					\
		st = (unsigned)(row >> st) & 63;			\
		extra += (size_t)(row >> 56);				\
		if (__builtin_expect(c == 0xe2, 0) && str_is_ls_ps(s, i, n)) \
			extra += 3;					\
	} while (0)

	while (n - i >= 8) {
		if (st == U8_OK) {
			m = swar_unclean(load64(s + i));
			if (!m) {
				i += 8;
				continue;
			}
			i += swar_first(m);
		}
		/* up to eight bytes one by one, then look for clean words again */
		end = n - i < 8 ? n : i + 8;
		do
			STEP();
		while (i < end);
		if (st == U8_REJ)
			return SIZE_MAX;
	}
	while (i < n)
		STEP();
#undef STEP
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
 * Write valid UTF-8 s[0..n) escaped at o, where str_measure's count of
 * bytes is reserved; return the end.  Each word is stored whole before its
 * first escapable byte is known: the room left is at least the input left,
 * eight bytes or more, and the escape then overwrites what followed it.
 */
static char *str_escape(char *o, const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	uint64_t m;

	while (n - i >= 8) {
		memcpy(o, s + i, 8);
		m = swar_escapable(load64(s + i));
		if (!m) {
			o += 8;
			i += 8;
			continue;
		}
		k = swar_first(m);
		o += k;
		i += k;
		o = str_escape_one(o, s, &i, n);
	}
	while (i < n)
		o = str_escape_one(o, s, &i, n);
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
			memcpy(o, dec2 + (c % 100) * 2, 2);
			o += 2;
		} else if (c >= 10) {
			memcpy(o, dec2 + c * 2, 2);
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
	extra = str_measure(s + i, n - i);
	if (extra == SIZE_MAX)
		return str_put_bytes(b, s, n);
	len = n + 2 + extra;
	r = jbuf_reserve(b, len);
	if (r)
		return r;
	o = b->p + b->len;
	*o++ = '"';
	memcpy(o, s, i);
	o = str_escape(o + i, s + i, n - i);
	*o++ = '"';
	assert((size_t)(o - b->p) == b->len + len);
	b->len += len;
	return 0;
}

/* Length of the prefix of s[0..n) that is printable ASCII needing no escape. */
static inline size_t str_clean_prefix(const unsigned char *s, size_t n)
{
	size_t i;
	uint64_t m;

	if (n < 8) {
		for (i = 0; i < n && str_clean[s[i]]; i++)
			;
		return i;
	}
	for (i = 0; n - i >= 8; i += 8) {
		m = swar_unclean(load64(s + i));
		if (m)
			return i + swar_first(m);
	}
	/* the last partial word: re-test it as the last eight bytes */
	if (i < n) {
		m = swar_unclean(load64(s + n - 8));
		if (m)
			return n - 8 + swar_first(m);
	}
	return n;
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
	if (n)
		memcpy(o + 1, s, n);
	o[n + 1] = '"';
	b->len += n + 2;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Time                                                                */

#define RFC3339_MIN_SEC	(-62167219200LL)	/* 0000-01-01T00:00:00Z */
#define RFC3339_MAX_SEC	253402300799LL		/* 9999-12-31T23:59:59Z */

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

	memcpy(out + 0, dec2 + (y / 100) * 2, 2);
	memcpy(out + 2, dec2 + (y % 100) * 2, 2);
	out[4] = '-';
	memcpy(out + 5, dec2 + m * 2, 2);
	out[7] = '-';
	memcpy(out + 8, dec2 + d * 2, 2);
	out[10] = 'T';
	memcpy(out + 11, dec2 + (sod / 3600) * 2, 2);
	out[13] = ':';
	memcpy(out + 14, dec2 + (sod / 60 % 60) * 2, 2);
	out[16] = ':';
	memcpy(out + 17, dec2 + (sod % 60) * 2, 2);
	out[19] = '.';
	out[20] = (char)('0' + nsec / 100000000u);
	nsec %= 100000000u;
	memcpy(out + 21, dec2 + (nsec / 1000000u) * 2, 2);
	memcpy(out + 23, dec2 + (nsec / 10000u % 100) * 2, 2);
	memcpy(out + 25, dec2 + (nsec / 100u % 100) * 2, 2);
	memcpy(out + 27, dec2 + (nsec % 100) * 2, 2);
	out[29] = 'Z';
	out[30] = '\0';
	return JSON_RFC3339_LEN;
}
