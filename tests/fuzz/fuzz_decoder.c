// SPDX-License-Identifier: MIT
/*
 * fuzz_decoder.c - libFuzzer harness for the record decoder: a format
 * compiled by engine_event_parse(), every field of a raw record read with
 * the engine_field_read_* functions, and the record's JSON line rendered as
 * the log writes it (jlog_render_record()).
 *
 * Input:
 *
 *   byte 0     flags: bit 0  a fuzzed format text follows (else a canned one)
 *                     bit 1  record metadata follows (comm, time, pid, tid, cpu)
 *                     bit 2  render hints follow
 *                     bit 3  a u16 pad length follows: the record is the rest
 *                            of the input repeated to that many more bytes
 *                            (records up to 64 KiB from short inputs)
 *                     bits 4-7  initial capacity of the output buffer - 1
 *   canned:    u16 LE  index into tests/fuzz/formats (sorted), modulo the count
 *   text:      u16 LE  length L, then L bytes of format text (system "fuzz")
 *   metadata:  16 bytes comm, u64 time, u32 pid, u32 tid, u32 cpu (LE)
 *   hints:     u8 count (mod 5), then per hint u8 field index, u8 render
 *              (bit 7: name a field that does not exist)
 *   pad:       u16 LE  extra bytes
 *   the rest:  the raw record, malloc'ed at exactly its size
 *
 * Checks, beyond ASan/UBSan's (no read outside the record, no UB):
 *  - each read agrees with an independent little-endian reading of the
 *    record: success exactly when the field (or its loc word's data) lies
 *    inside it, the value at the field's width and sign, strings inside the
 *    record and stopping at the first NUL, counts and indexes consistent;
 *  - a record of at least min_size reads every fixed field;
 *  - the line is one line, no byte below 0x20 nor DEL before its newline,
 *    strict JSON for jansson (integers above INT64_MAX retried as reals),
 *    and each member holds exactly the value the readers gave.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "event-private.h"
#include "jlog.h"
#include "json.h"
#include "fuzz.h"

#define F_TEXT		0x01
#define F_META		0x02
#define F_HINTS		0x04
#define F_PAD		0x08

#define MAX_HINTS	4

static struct engine_event **canned;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i, ok = 0;
	char err[256];

	(void)argc;
	(void)argv;
	fuzz_formats_load();
	canned = calloc(fuzz_nr_formats, sizeof(*canned));
	if (!canned)
		abort();
	for (i = 0; i < fuzz_nr_formats; i++) {
		const struct fuzz_format *f = &fuzz_formats[i];

		canned[i] = engine_event_parse(f->system, f->text, f->len, err, sizeof(err));
		ok += canned[i] != NULL;
	}
	fprintf(stderr, "fuzz_decoder: %zu canned formats, %zu compile\n", fuzz_nr_formats, ok);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading, checked against a plain little-endian reading              */

/* the w-byte little-endian integer at p, sign-extended when sign */
static uint64_t le(const unsigned char *p, unsigned w, bool sign)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < w; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (sign && w < 8 && (v >> (8 * w - 1)) & 1)
		v |= ~UINT64_C(0) << (8 * w);
	return v;
}

static bool width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

/*
 * Where a field's values lie in a record of raw_size bytes, as the format
 * defines it: [*start, *start + *len).  false when outside the record.
 */
static bool extent(const struct engine_field *f, const unsigned char *raw, size_t raw_size,
		   size_t *start, size_t *len)
{
	uint64_t s, l;

	if ((uint64_t)f->offset + f->size > raw_size)
		return false;
	switch (f->kind) {
	case ENGINE_FIELD_STRING:
	case ENGINE_FIELD_DYN_ARRAY:
		s = le(raw + f->offset, 2, false);
		l = le(raw + f->offset + 2, 2, false);
		if (f->relative)
			s += (uint64_t)f->offset + 4;
		if (s + l > raw_size)
			return false;
		*start = (size_t)s;
		*len = (size_t)l;
		return true;
	default:
		*start = f->offset;
		*len = f->flexible ? raw_size - f->offset : f->size;
		return true;
	}
}

/* an element value fits the field's width and sign */
static void check_range(const struct engine_field *f, uint64_t v)
{
	unsigned w = f->elem_size;

	if (w >= 8)
		return;
	if (f->is_signed) {
		int64_t sv = (int64_t)v, lim = INT64_C(1) << (8 * w - 1);

		FUZZ_CHECK(sv >= -lim && sv < lim, "%s: %" PRId64 " in %u bytes", f->name, sv, w);
	} else {
		FUZZ_CHECK(v >> (8 * w) == 0, "%s: %" PRIu64 " in %u bytes", f->name, v, w);
	}
}

static void check_field(const struct engine_event *ev, const struct engine_field *f,
			const unsigned char *raw, size_t raw_size)
{
	size_t start = 0, len = 0, count, i;
	bool in = extent(f, raw, raw_size, &start, &len);
	const char *s;
	uint64_t v;
	int r;

	FUZZ_CHECK(width_ok(f->elem_size), "%s: elem_size %u", f->name, f->elem_size);
	FUZZ_CHECK(f->end == f->offset + f->size && f->end <= 65535, "%s", f->name);
	if (!f->flexible && f->kind != ENGINE_FIELD_STRING && f->kind != ENGINE_FIELD_DYN_ARRAY)
		FUZZ_CHECK(f->end <= engine_event_min_size(ev), "%s", f->name);
	if (raw_size >= engine_event_min_size(ev))
		FUZZ_CHECK(raw_size >= f->end, "%s: min_size %zu, end %u", f->name,
			   engine_event_min_size(ev), f->end);

	switch (f->kind) {
	case ENGINE_FIELD_INT:
	case ENGINE_FIELD_POINTER:
		r = engine_field_read_int(f, raw, raw_size, 0, &v);
		FUZZ_CHECK(r == (in ? 0 : -ERANGE), "%s: read_int %d", f->name, r);
		if (!r) {
			/* the low elem_size bytes: the value on little-endian */
			FUZZ_CHECK(v == le(raw + f->offset, f->elem_size, f->is_signed),
				   "%s: %" PRIx64, f->name, v);
			check_range(f, v);
		}
		FUZZ_CHECK(engine_field_read_int(f, raw, raw_size, 1, &v) == -ERANGE, "%s", f->name);
		FUZZ_CHECK(engine_field_read_str(f, raw, raw_size, &s, &len) == -EINVAL, "%s",
			   f->name);
		FUZZ_CHECK(engine_field_read_count(f, raw, raw_size, &count) == -EINVAL, "%s",
			   f->name);
		if (f->kind == ENGINE_FIELD_POINTER)
			FUZZ_CHECK(!f->is_signed && f->elem_size == f->size, "%s", f->name);
		else
			FUZZ_CHECK(f->elem_size <= f->size, "%s", f->name);
		break;
	case ENGINE_FIELD_CHAR_ARRAY:
	case ENGINE_FIELD_STRING:
		r = engine_field_read_str(f, raw, raw_size, &s, &count);
		FUZZ_CHECK(r == (in ? 0 : -ERANGE), "%s: read_str %d", f->name, r);
		if (!r) {
			const unsigned char *nul = memchr(raw + start, 0, len);

			FUZZ_CHECK((const unsigned char *)s == raw + start, "%s", f->name);
			FUZZ_CHECK(count == (nul ? (size_t)(nul - (raw + start)) : len),
				   "%s: len %zu of %zu", f->name, count, len);
		}
		FUZZ_CHECK(engine_field_read_int(f, raw, raw_size, 0, &v) == -EINVAL, "%s", f->name);
		FUZZ_CHECK(engine_field_read_count(f, raw, raw_size, &count) == -EINVAL, "%s",
			   f->name);
		FUZZ_CHECK(f->elem_size == 1 && !f->is_signed, "%s", f->name);
		break;
	case ENGINE_FIELD_INT_ARRAY:
	case ENGINE_FIELD_DYN_ARRAY:
		r = engine_field_read_count(f, raw, raw_size, &count);
		FUZZ_CHECK(r == (in ? 0 : -ERANGE), "%s: read_count %d", f->name, r);
		if (!r) {
			FUZZ_CHECK(count == len / f->elem_size, "%s: count %zu of %zu bytes",
				   f->name, count, len);
			if (f->kind == ENGINE_FIELD_INT_ARRAY && !f->flexible)
				FUZZ_CHECK(count == f->array_len, "%s", f->name);
			for (i = 0; i < count; i++) {
				r = engine_field_read_int(f, raw, raw_size, i, &v);
				FUZZ_CHECK(r == 0, "%s[%zu]: %d", f->name, i, r);
				FUZZ_CHECK(v == le(raw + start + i * f->elem_size, f->elem_size,
						   f->is_signed), "%s[%zu]", f->name, i);
				check_range(f, v);
			}
		}
		FUZZ_CHECK(engine_field_read_int(f, raw, raw_size, r ? 0 : count, &v) == -ERANGE,
			   "%s", f->name);
		FUZZ_CHECK(engine_field_read_int(f, raw, raw_size, SIZE_MAX, &v) == -ERANGE, "%s",
			   f->name);
		FUZZ_CHECK(engine_field_read_str(f, raw, raw_size, &s, &len) == -EINVAL, "%s",
			   f->name);
		break;
	default:
		FUZZ_CHECK(0, "%s: kind %d", f->name, (int)f->kind);
	}
	if (f->kind == ENGINE_FIELD_STRING || f->kind == ENGINE_FIELD_DYN_ARRAY)
		FUZZ_CHECK(f->size == 4, "%s", f->name);
}

/* ------------------------------------------------------------------ */
/* The JSON line                                                       */

/* j is the number v (an integer, or a real when the line had to be read so) */
static void check_num(const char *what, const json_t *j, uint64_t v, bool is_signed, bool real)
{
	if (real) {
		double d = is_signed ? (double)(int64_t)v : (double)v;

		FUZZ_CHECK(json_is_real(j) && json_real_value(j) == d, "%s", what);
		return;
	}
	FUZZ_CHECK(json_is_integer(j), "%s", what);
	if (is_signed)
		FUZZ_CHECK(json_integer_value(j) == (json_int_t)(int64_t)v, "%s", what);
	else
		FUZZ_CHECK(v <= INT64_MAX && json_integer_value(j) == (json_int_t)v, "%s", what);
}

/* j holds the bytes s[0..n): a string when they are UTF-8, else their array */
static void check_bytes(const char *what, const json_t *j, const char *s, size_t n, bool real)
{
	size_t i;

	if (json_is_string(j)) {
		FUZZ_CHECK(json_string_length(j) == n && !memcmp(json_string_value(j), s, n),
			   "%s", what);
		FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)s, n), "%s", what);
		return;
	}
	FUZZ_CHECK(json_is_array(j) && json_array_size(j) == n, "%s", what);
	FUZZ_CHECK(!fuzz_utf8_valid((const unsigned char *)s, n), "%s: valid UTF-8 as an array",
		   what);
	for (i = 0; i < n; i++)
		check_num(what, json_array_get(j, i), (unsigned char)s[i], false, real);
}

static void check_value(const struct engine_field *f, const json_t *j,
			const unsigned char *raw, size_t raw_size, bool real)
{
	char hex[24];
	const char *s;
	size_t len, n, i;
	uint64_t v;

	switch (f->kind) {
	case ENGINE_FIELD_INT:
		if (engine_field_read_int(f, raw, raw_size, 0, &v) < 0)
			break;
		check_num(f->name, j, v, f->is_signed, real);
		return;
	case ENGINE_FIELD_POINTER:
		if (engine_field_read_int(f, raw, raw_size, 0, &v) < 0)
			break;
		snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
		FUZZ_CHECK(json_is_string(j) && !strcmp(json_string_value(j), hex), "%s", f->name);
		return;
	case ENGINE_FIELD_CHAR_ARRAY:
	case ENGINE_FIELD_STRING:
		if (engine_field_read_str(f, raw, raw_size, &s, &len) < 0)
			break;
		check_bytes(f->name, j, s, len, real);
		return;
	case ENGINE_FIELD_INT_ARRAY:
	case ENGINE_FIELD_DYN_ARRAY:
		if (engine_field_read_count(f, raw, raw_size, &n) < 0)
			break;
		FUZZ_CHECK(json_is_array(j) && json_array_size(j) == n, "%s", f->name);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(engine_field_read_int(f, raw, raw_size, i, &v) == 0, "%s", f->name);
			check_num(f->name, json_array_get(j, i), v, f->is_signed, real);
		}
		return;
	}
	FUZZ_CHECK(json_is_null(j), "%s: a value for a field outside the record", f->name);
}

/* a member of a rendered (hinted) field has the type its hint writes */
static void check_hinted(const struct engine_field *f, const json_t *j, enum jlog_render r)
{
	size_t i;

	switch (r) {
	case JLOG_RENDER_IPV4:
	case JLOG_RENDER_IPV6:
		FUZZ_CHECK(json_is_string(j) || json_is_null(j), "%s", f->name);
		break;
	case JLOG_RENDER_HEX:
		if (json_is_array(j)) {
			for (i = 0; i < json_array_size(j); i++)
				FUZZ_CHECK(json_is_string(json_array_get(j, i)), "%s", f->name);
		} else {
			FUZZ_CHECK(json_is_string(j) || json_is_null(j), "%s", f->name);
		}
		break;
	case JLOG_RENDER_ERRNO:
		FUZZ_CHECK(json_is_string(j) || json_is_number(j) || json_is_null(j), "%s", f->name);
		break;
	case JLOG_RENDER_PORT:
		FUZZ_CHECK(json_is_number(j) || json_is_null(j), "%s", f->name);
		if (json_is_integer(j))
			FUZZ_CHECK(json_integer_value(j) >= 0 && json_integer_value(j) <= 65535,
				   "%s", f->name);
		break;
	case JLOG_RENDER_DEFAULT:
		break;
	}
}

static void check_line(const struct engine_event *ev, const struct engine_record *rec,
		       const char *p, size_t n, const enum jlog_render *render)
{
	size_t i, k, nf = engine_event_nr_fields(ev);
	json_error_t je, je2;
	json_t *root, *fields, *j;
	bool real = false, dup = false;
	void *it;

	FUZZ_CHECK(n >= 2 && p[n - 1] == '\n', "no newline at the end");
	for (i = 0; i + 1 < n; i++)
		FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f,
			   "byte 0x%02x at %zu of %.*s", (unsigned char)p[i], i, (int)n, p);
	root = json_loadb(p, n - 1, 0, &je);
	if (!root) {
		/* integers above INT64_MAX: jansson reads them as reals only */
		root = json_loadb(p, n - 1, JSON_DECODE_INT_AS_REAL, &je2);
		FUZZ_CHECK(root, "not JSON (%s at %d): %.*s", je.text, je.position, (int)n, p);
		real = true;
	}
	FUZZ_CHECK(json_is_object(root), "not an object");
	FUZZ_CHECK(json_is_string(json_object_get(root, "type")) &&
		   !strcmp(json_string_value(json_object_get(root, "type")), "event"), "type");
	j = json_object_get(root, "ts");
	FUZZ_CHECK(json_is_string(j) && json_string_length(j) == JSON_RFC3339_LEN, "ts");
	check_num("mono_ns", json_object_get(root, "mono_ns"), rec->time, false, real);
	check_num("cpu", json_object_get(root, "cpu"), rec->cpu, false, real);
	check_num("pid", json_object_get(root, "pid"), rec->pid, false, real);
	check_num("tid", json_object_get(root, "tid"), rec->tid, false, real);
	check_bytes("comm", json_object_get(root, "comm"), rec->comm,
		    strnlen(rec->comm, ENGINE_COMM_LEN), real);
	check_bytes("probe", json_object_get(root, "probe"), "fuzz", 4, real);
	check_bytes("event", json_object_get(root, "event"), engine_event_fullname(ev),
		    strlen(engine_event_fullname(ev)), real);
	fields = json_object_get(root, "fields");
	FUZZ_CHECK(json_is_object(fields), "fields");
	FUZZ_CHECK(json_object_size(root) == 10, "%zu members", json_object_size(root));

	for (i = 0; i < nf && !dup; i++)
		for (k = 0; k < i && !dup; k++)
			dup = !strcmp(engine_field_name(engine_event_field_at(ev, i)),
				      engine_field_name(engine_event_field_at(ev, k)));
	if (dup) {
		/* a hostile format: jansson keeps the last of equal keys */
		FUZZ_CHECK(json_object_size(fields) < nf, "duplicate keys");
		json_decref(root);
		return;
	}
	FUZZ_CHECK(json_object_size(fields) == nf, "%zu fields of %zu",
		   json_object_size(fields), nf);
	/* jansson keeps the members in order */
	for (i = 0, it = json_object_iter(fields); i < nf; i++, it = json_object_iter_next(fields, it)) {
		const struct engine_field *f = engine_event_field_at(ev, i);

		FUZZ_CHECK(it && !strcmp(json_object_iter_key(it), f->name), "field %zu", i);
		j = json_object_iter_value(it);
		if (render[i] != JLOG_RENDER_DEFAULT)
			check_hinted(f, j, render[i]);
		else
			check_value(f, j, rec->raw, rec->raw_size, real);
	}
	json_decref(root);
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct engine_event *own = NULL;
	const struct engine_event *ev;
	struct engine_record *rec;
	struct jlog_hint hints[MAX_HINTS];
	enum jlog_render *render = NULL;
	unsigned flags = fuzz_u8(&in), nh = 0, i;
	size_t raw_size, pad = 0;
	const uint8_t *p, *meta = NULL;
	struct jbuf b;
	size_t nf;
	char err[512];
	int r;

	if (flags & F_TEXT) {
		unsigned l = fuzz_u16(&in);

		p = fuzz_take(&in, l);
		if (!p)
			return 0;
		own = engine_event_parse("fuzz", (const char *)p, l, err, sizeof(err));
		if (!own)
			return 0;
		ev = own;
	} else {
		ev = canned[fuzz_u16(&in) % fuzz_nr_formats];
		if (!ev)
			return 0;
	}
	nf = engine_event_nr_fields(ev);
	if (flags & F_META)
		meta = fuzz_take(&in, 16 + 8 + 12);
	if (flags & F_HINTS) {
		unsigned want = fuzz_u8(&in) % (MAX_HINTS + 1);

		for (i = 0; i < want && nf; i++) {
			const struct engine_field *f = engine_event_field_at(ev, fuzz_u8(&in) % nf);
			unsigned rb = fuzz_u8(&in);

			hints[nh].field = rb & 0x80 ? "no_such_field" : engine_field_name(f);
			hints[nh].render = (enum jlog_render)((rb & 0x7f) % (JLOG_RENDER_PORT + 1));
			nh++;
		}
	}
	if (flags & F_PAD)
		pad = fuzz_u16(&in);
	raw_size = in.len + pad;

	/* exactly the record's size: ASan catches a read one byte past it */
	rec = calloc(1, offsetof(struct engine_record, raw) + raw_size);
	if (!rec)
		abort();
	rec->event = ev;
	rec->pid = rec->tid = 4242;
	rec->time = 1000000000;
	strcpy(rec->comm, "fuzz");
	if (meta) {
		/* possibly not NUL-terminated: the log reads at most 16 bytes */
		memcpy(rec->comm, meta, 16);
		rec->time = le(meta + 16, 8, false);
		rec->pid = (uint32_t)le(meta + 24, 4, false);
		rec->tid = (uint32_t)le(meta + 28, 4, false);
		rec->cpu = (uint32_t)le(meta + 32, 4, false);
	}
	rec->raw_size = (uint32_t)raw_size;
	memcpy(rec->raw, in.p, in.len);
	for (i = 0; in.len && i < pad; i++)
		rec->raw[in.len + i] = in.p[i % in.len];

	/* every field, common ones included */
	for (i = 0; i < ev->nr_common + ev->nr_fields; i++)
		check_field(ev, &ev->fields[i], rec->raw, rec->raw_size);

	render = calloc(nf ? nf : 1, sizeof(*render));
	if (!render || jbuf_init(&b, 1 + (flags >> 4)) < 0)
		abort();
	r = jlog_render_record(&b, rec, "fuzz", hints, nh, err, sizeof(err));
	if (r < 0) {
		FUZZ_CHECK((r == -EINVAL || r == -ENOENT) && nh && b.len == 0, "render: %d", r);
		r = jlog_render_record(&b, rec, "fuzz", NULL, 0, NULL, 0);
		nh = 0;
	}
	FUZZ_CHECK(r == 0, "render: %d", r);
	/* the fields each hint went to (the first of its name, as jlog finds it) */
	for (i = 0; i < nh; i++) {
		const struct engine_field *f = engine_event_field(ev, hints[i].field);

		FUZZ_CHECK(f && f >= &ev->fields[ev->nr_common], "hint %s", hints[i].field);
		render[f - &ev->fields[ev->nr_common]] = hints[i].render;
	}
	check_line(ev, rec, b.p, b.len, render);

	jbuf_free(&b);
	free(render);
	free(rec);
	engine_event_free(own);
	return 0;
}
