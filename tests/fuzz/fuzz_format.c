// SPDX-License-Identifier: MIT
/*
 * fuzz_format.c - libFuzzer harness for engine_event_parse(): any text, no
 * crash, no leak (LeakSanitizer), errno EINVAL (or ENOMEM) and a message
 * when refused.  When it compiles, the event is self-consistent:
 *
 *  - every field's offset + size <= 65535, and min_size is the end of the
 *    furthest fixed part (loc words included): no fixed field ends past it;
 *  - each kind has the sizes it promises (a loc word is 4 bytes, a value
 *    1, 2, 4 or 8 bytes wide, a fixed array array_len * elem_size bytes,
 *    a flexible array 0 bytes in the fixed part);
 *  - the table: common_* fields first, field_at() and field() agree, and
 *    common_type, when there is one, is the u16 at offset 0;
 *  - a zeroed record of min_size bytes reads every fixed field, and one
 *    byte less fails for the field that ends there.
 *
 * The input is the whole text; the system name is "fuzz".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "event-private.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

static void check_kind(const struct engine_field *f)
{
	FUZZ_CHECK(f->name && f->type, "no name or type");
	FUZZ_CHECK(f->end == f->offset + f->size, "%s: end", f->name);
	FUZZ_CHECK(f->offset <= 65535 && f->size <= 65535 && f->end <= 65535,
		   "%s: offset %u size %u", f->name, f->offset, f->size);
	FUZZ_CHECK(width_ok(f->elem_size), "%s: elem_size %u", f->name, f->elem_size);
	FUZZ_CHECK(!f->relative || f->kind == ENGINE_FIELD_STRING ||
		   f->kind == ENGINE_FIELD_DYN_ARRAY, "%s: relative", f->name);
	FUZZ_CHECK(!f->flexible || (f->size == 0 && (f->kind == ENGINE_FIELD_CHAR_ARRAY ||
						     f->kind == ENGINE_FIELD_INT_ARRAY)),
		   "%s: flexible", f->name);
	switch (f->kind) {
	case ENGINE_FIELD_INT:
		FUZZ_CHECK(width_ok(f->size) && f->elem_size <= f->size, "%s: int of %u/%u",
			   f->name, f->elem_size, f->size);
		break;
	case ENGINE_FIELD_POINTER:
		FUZZ_CHECK(width_ok(f->size) && f->elem_size == f->size && !f->is_signed,
			   "%s: pointer of %u/%u", f->name, f->elem_size, f->size);
		break;
	case ENGINE_FIELD_CHAR_ARRAY:
		FUZZ_CHECK(f->elem_size == 1 && !f->is_signed && f->array_len == f->size,
			   "%s: char[%u] of %u", f->name, f->array_len, f->size);
		break;
	case ENGINE_FIELD_INT_ARRAY:
		FUZZ_CHECK(f->array_len * f->elem_size == f->size, "%s: %u x %u in %u", f->name,
			   f->array_len, f->elem_size, f->size);
		break;
	case ENGINE_FIELD_STRING:
		FUZZ_CHECK(f->size == 4 && f->elem_size == 1 && !f->is_signed, "%s: string",
			   f->name);
		break;
	case ENGINE_FIELD_DYN_ARRAY:
		FUZZ_CHECK(f->size == 4, "%s: loc of %u", f->name, f->size);
		break;
	default:
		FUZZ_CHECK(0, "%s: kind %d", f->name, (int)f->kind);
	}
}

/* a zeroed record: every fixed field reads at min_size; each fails one byte short */
static void check_reads(const struct engine_event *ev)
{
	size_t n = ev->min_size, i, cnt, len;
	unsigned char *raw = calloc(1, n ? n : 1);
	const char *s;
	uint64_t v;

	if (!raw)
		abort();
	for (i = 0; i < ev->nr_common + ev->nr_fields; i++) {
		const struct engine_field *f = &ev->fields[i];
		int r, r_short = 0;

		switch (f->kind) {
		case ENGINE_FIELD_INT:
		case ENGINE_FIELD_POINTER:
			r = engine_field_read_int(f, raw, n, 0, &v);
			FUZZ_CHECK(r == 0 && v == 0, "%s: %d", f->name, r);
			if (f->end)
				r_short = engine_field_read_int(f, raw, f->end - 1, 0, &v);
			break;
		case ENGINE_FIELD_CHAR_ARRAY:
		case ENGINE_FIELD_STRING:
			r = engine_field_read_str(f, raw, n, &s, &len);
			FUZZ_CHECK(r == 0 && len == 0, "%s: %d", f->name, r);
			if (f->end)
				r_short = engine_field_read_str(f, raw, f->end - 1, &s, &len);
			break;
		default:
			r = engine_field_read_count(f, raw, n, &cnt);
			FUZZ_CHECK(r == 0, "%s: %d", f->name, r);
			if (f->kind == ENGINE_FIELD_INT_ARRAY)
				FUZZ_CHECK(cnt == (f->flexible ? (n - f->offset) / f->elem_size :
						   f->array_len), "%s: count %zu", f->name, cnt);
			else
				FUZZ_CHECK(cnt == 0, "%s: count %zu", f->name, cnt);
			if (f->end)
				r_short = engine_field_read_count(f, raw, f->end - 1, &cnt);
			break;
		}
		FUZZ_CHECK(r_short == (f->end ? -ERANGE : 0), "%s: %u bytes short: %d", f->name,
			   f->end, r_short);
	}
	free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_event *ev;
	char err[512];
	size_t i, end = 0;

	err[0] = '\0';
	errno = 0;
	ev = engine_event_parse("fuzz", (const char *)data, size, err, sizeof(err));
	if (!ev) {
		FUZZ_CHECK(errno == EINVAL || errno == ENOMEM, "errno %d", errno);
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)), "no message");
		return 0;
	}

	FUZZ_CHECK(engine_event_min_size(ev) <= 65535, "min_size %zu", engine_event_min_size(ev));
	FUZZ_CHECK(!strcmp(engine_event_system(ev), "fuzz"), "system");
	FUZZ_CHECK(engine_event_fullname(ev) && engine_event_name(ev), "names");
	FUZZ_CHECK(engine_event_nr_fields(ev) == ev->nr_fields, "nr_fields");
	for (i = 0; i < ev->nr_common + ev->nr_fields; i++) {
		const struct engine_field *f = &ev->fields[i];

		check_kind(f);
		FUZZ_CHECK(!strncmp(f->name, "common_", 7) == (i < ev->nr_common),
			   "%s: common_* fields first", f->name);
		FUZZ_CHECK(f->end <= ev->min_size, "%s: ends at %u past min_size %zu", f->name,
			   f->end, ev->min_size);
		if (f->end > end)
			end = f->end;
		/* field() finds the first of a name */
		FUZZ_CHECK(engine_event_field(ev, f->name) <= f, "%s: lookup", f->name);
		if (!strcmp(f->name, "common_type"))
			FUZZ_CHECK(f->offset == 0 && f->size == 2, "common_type");
		if (i >= ev->nr_common)
			FUZZ_CHECK(engine_event_field_at(ev, i - ev->nr_common) == f, "field_at");
	}
	FUZZ_CHECK(end == ev->min_size, "min_size %zu, furthest end %zu", ev->min_size, end);
	FUZZ_CHECK(engine_event_field_at(ev, ev->nr_fields) == NULL, "field_at past the end");
	FUZZ_CHECK(engine_event_field(ev, NULL) == NULL, "field(NULL)");
	check_reads(ev);
	engine_event_free(ev);
	return 0;
}
