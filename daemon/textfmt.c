// SPDX-License-Identifier: MIT
/*
 * textfmt.c - field values as text, and terminal-safe escaping (see
 * textfmt.h for the rules).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "textfmt.h"

static const char hexdig[] = "0123456789abcdef";

/*
 * The length of the valid UTF-8 sequence at s (n bytes available), its
 * code point in *cp; 0 when s does not start one (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF, no truncated sequence).
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)		/* a continuation byte, or an overlong 2-byte lead */
		return 0;
	if (c < 0xe0) {
		if (n < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		*cp = (c & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		*cp = (c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		if (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		*cp = (c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		if (*cp < 0x10000 || *cp > 0x10ffff)
			return 0;
		return 4;
	}
	return 0;
}

/* a code point a terminal must not receive as itself */
static bool cp_unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ||
	       (cp >= 0x80 && cp <= 0x9f) ||		/* C1: 8-bit CSI, OSC, DCS */
	       cp == 0x061c ||				/* Arabic letter mark */
	       (cp >= 0x200b && cp <= 0x200f) ||	/* zero-width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||	/* separators, embeddings, overrides */
	       (cp >= 0x2060 && cp <= 0x2069) ||	/* word joiner .. isolates */
	       cp == 0xfeff;				/* zero-width no-break space */
}

int textfmt_put_escaped(struct jbuf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lim = max && n > max ? max : n, i = 0;
	char *o;
	int r;

	/*
	 * Worst case: 4 output bytes per input byte, for lim bytes and the at
	 * most 3 of a sequence begun before lim, and the marker.
	 */
	r = jbuf_reserve(b, (lim + 3) * 4 + 48);
	if (r)
		return r;
	o = b->p + b->len;
	while (i < lim) {
		uint32_t cp;
		size_t k = utf8_seq(u + i, n - i, &cp), j;

		if (k == 1 && cp != '\\' && !cp_unsafe(cp)) {
			*o++ = (char)u[i++];
		} else if (k == 1 && cp == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			i++;
		} else if (k > 1 && !cp_unsafe(cp)) {
			/* a sequence begun before lim may end after it: never cut one */
			memcpy(o, u + i, k);
			o += k;
			i += k;
		} else {
			if (!k)
				k = 1;	/* an invalid byte: escape it, resync on the next */
			for (j = 0; j < k; j++) {
				*o++ = '\\';
				*o++ = 'x';
				*o++ = hexdig[u[i + j] >> 4];
				*o++ = hexdig[u[i + j] & 15];
			}
			i += k;
		}
	}
	if (i < n)
		o += sprintf(o, "...[+%zu bytes]", n - i);
	b->len = (size_t)(o - b->p);
	return 0;
}

/* 0x and lowercase hex, no leading zeros */
static int put_hex(struct jbuf *b, uint64_t v)
{
	size_t n = ((64u - (unsigned)__builtin_clzll(v | 1)) + 3) / 4, k;
	char *o;
	int r;

	r = jbuf_reserve(b, n + 2);
	if (r)
		return r;
	o = b->p + b->len;
	o[0] = '0';
	o[1] = 'x';
	for (k = n + 1; k > 1; k--, v >>= 4)
		o[k] = hexdig[v & 15];
	b->len += n + 2;
	return 0;
}

/* v at the field's own width, without sign extension */
static uint64_t narrow(uint64_t v, unsigned esz)
{
	return esz < 8 ? v & ((UINT64_C(1) << (esz * 8)) - 1) : v;
}

/* the bytes of an INT or INT_ARRAY field as they were in memory; 0 or -ERANGE */
static int field_bytes(const struct engine_field *f, const struct engine_record *rec,
		       unsigned char *out, size_t want)
{
	unsigned esz = engine_field_elem_size(f);
	size_t i, n = engine_field_kind(f) == ENGINE_FIELD_INT ? 1 : want / esz;
	uint64_t v;

	for (i = 0; i < n; i++) {
		if (engine_field_read_int(f, rec->raw, rec->raw_size, i, &v) < 0)
			return -ERANGE;
		/* native order back to the bytes the kernel copied */
		switch (esz) {
		case 1: { uint8_t x = (uint8_t)v; memcpy(out + i, &x, 1); break; }
		case 2: { uint16_t x = (uint16_t)v; memcpy(out + i * 2, &x, 2); break; }
		case 4: { uint32_t x = (uint32_t)v; memcpy(out + i * 4, &x, 4); break; }
		default: memcpy(out + i * 8, &v, 8); break;
		}
	}
	return 0;
}

static int put_int(struct jbuf *b, uint64_t v, bool is_signed, bool hex, unsigned esz)
{
	if (hex)
		return put_hex(b, narrow(v, esz));
	return is_signed ? json_put_s64(b, (int64_t)v) : json_put_u64(b, v);
}

/* a field with a hint; 0, -ERANGE or -ENOMEM */
static int put_rendered(struct jbuf *b, const struct engine_field *f, enum jlog_render render,
			const struct engine_record *rec)
{
	unsigned esz = engine_field_elem_size(f);
	unsigned char bytes[16];
	char text[64];
	const char *name;
	uint64_t v;
	int64_t sv;

	switch (render) {
	case JLOG_RENDER_IPV4:
	case JLOG_RENDER_IPV6:
		if (field_bytes(f, rec, bytes, render == JLOG_RENDER_IPV4 ? 4 : 16) < 0 ||
		    !inet_ntop(render == JLOG_RENDER_IPV4 ? AF_INET : AF_INET6, bytes, text,
			       sizeof(text)))
			return -ERANGE;
		return json_put_raw(b, text, strlen(text));
	case JLOG_RENDER_ERRNO:
		if (engine_field_read_int(f, rec->raw, rec->raw_size, 0, &v) < 0)
			return -ERANGE;
		/* negative at the field's own width, whatever its declared sign */
		sv = esz == 1 ? (int8_t)v : esz == 2 ? (int16_t)v : esz == 4 ? (int32_t)v : (int64_t)v;
		if (sv < 0 && sv >= -4095 && (name = strerrorname_np((int)-sv)))
			return json_put_raw(b, name, strlen(name));
		return json_put_s64(b, sv);
	case JLOG_RENDER_PORT:
		if (engine_field_read_int(f, rec->raw, rec->raw_size, 0, &v) < 0)
			return -ERANGE;
		return json_put_u64(b, ntohs((uint16_t)v));
	case JLOG_RENDER_HEX:		/* with the plain kinds, below */
	case JLOG_RENDER_DEFAULT:
		break;
	}
	return -ERANGE;
}

int textfmt_put_field(struct jbuf *b, const struct engine_field *f, enum jlog_render render,
		      const struct engine_record *rec, enum textfmt_strings strings, size_t max)
{
	bool hex = render == JLOG_RENDER_HEX, sgn = engine_field_is_signed(f);
	unsigned esz = engine_field_elem_size(f);
	size_t start = b->len, len, n, i;
	const char *s;
	uint64_t v;
	int r = 0;

	if (render != JLOG_RENDER_DEFAULT && !hex)
		return put_rendered(b, f, render, rec);
	switch (engine_field_kind(f)) {
	case ENGINE_FIELD_INT:
		if (engine_field_read_int(f, rec->raw, rec->raw_size, 0, &v) < 0)
			return -ERANGE;
		return put_int(b, v, sgn, hex, esz);
	case ENGINE_FIELD_POINTER:
		if (engine_field_read_int(f, rec->raw, rec->raw_size, 0, &v) < 0)
			return -ERANGE;
		return put_hex(b, v);
	case ENGINE_FIELD_CHAR_ARRAY:
	case ENGINE_FIELD_STRING:
		if (engine_field_read_str(f, rec->raw, rec->raw_size, &s, &len) < 0)
			return -ERANGE;
		if (strings == TEXTFMT_RAW)
			return json_put_raw(b, s, len);
		return textfmt_put_escaped(b, s, len, max);
	case ENGINE_FIELD_INT_ARRAY:
	case ENGINE_FIELD_DYN_ARRAY:
		if (engine_field_read_count(f, rec->raw, rec->raw_size, &n) < 0)
			return -ERANGE;
		r = json_put_raw(b, "[", 1);
		for (i = 0; i < n && !r; i++) {
			if (engine_field_read_int(f, rec->raw, rec->raw_size, i, &v) < 0) {
				r = -ERANGE;
				break;
			}
			if (i)
				r = json_put_raw(b, ", ", 2);
			if (!r)
				r = put_int(b, v, sgn, hex, esz);
		}
		if (!r)
			r = json_put_raw(b, "]", 1);
		if (r)
			b->len = start;
		return r;
	}
	return -ERANGE;
}


int textfmt_hints_resolve(const struct engine_event *ev, const char *probe,
			  const struct jlog_hint *hints, size_t nh, enum jlog_render *out,
			  char *err, size_t errlen)
{
	size_t n = engine_event_nr_fields(ev), h, i;

	for (i = 0; i < n; i++)
		out[i] = JLOG_RENDER_DEFAULT;
	for (h = 0; h < nh; h++) {
		const struct engine_field *f = NULL;
		const char *need;

		for (i = 0; i < n; i++) {
			f = engine_event_field_at(ev, i);
			if (!strcmp(engine_field_name(f), hints[h].field))
				break;
		}
		if (i == n) {
			snprintf(err, errlen, "probe %s: render.%s: %s has no field %s", probe,
				 hints[h].field, engine_event_fullname(ev), hints[h].field);
			return -ENOENT;
		}
		need = jlog_render_fits(f, hints[h].render);
		if (need) {
			snprintf(err, errlen, "probe %s: render.%s: this hint needs %s; %s is %s",
				 probe, hints[h].field, need, hints[h].field, engine_field_type(f));
			return -EINVAL;
		}
		out[i] = hints[h].render;
	}
	return 0;
}
