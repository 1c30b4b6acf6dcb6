// SPDX-License-Identifier: MIT
/*
 * gen_seeds.c - seed inputs for fuzz_decoder and fuzz_format, made from the
 * canned formats (tests/fuzz/formats): for each distinct shape of event (the
 * sequence of its fields' kinds, widths and offsets) one plausible record
 * (common_type = the id, integers of the kind a kernel writes, text in char
 * arrays, __data_loc / __rel_loc strings and arrays appended after the fixed
 * part), and one short and one with a loc word pointing past the end.
 * Every hostile format gets its seeds whatever its shape, and a seed in the
 * text mode of fuzz_decoder.  fuzz_format gets one text per shape.
 *
 *   gen_seeds FORMATS_DIR DECODER_CORPUS FORMAT_CORPUS
 *
 * Run by tests/fuzz/seeds.sh; the seeds are committed, this is how to make
 * them again after the formats change.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "event-private.h"

#include "fuzz.h"

/* longer records are seeded padded (fuzz_decoder's flag 8): small files */
#define SEED_MAX	4096
#define SEED_HEAD	64

static void put_le(unsigned char *p, uint64_t v, unsigned w)
{
	unsigned i;

	for (i = 0; i < w; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void write_seed(const char *dir, const char *name, const unsigned char *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* a value such as a kernel would write in a field of this name and width */
static uint64_t plausible(const struct engine_field *f, unsigned i)
{
	const char *n = f->name;

	if (strstr(n, "pid") || strstr(n, "tid"))
		return 4242 + i;
	if (strstr(n, "ret") || strstr(n, "err"))
		return (uint64_t)-2;	/* -ENOENT */
	if (strstr(n, "fd"))
		return (uint64_t)-100;	/* AT_FDCWD */
	if (strstr(n, "cpu"))
		return 1;
	if (strstr(n, "prio"))
		return 120;
	if (strstr(n, "flags"))
		return 0x80241;
	return 0x1122334455667788ull >> (8 * (i % 8));
}

/*
 * A record for ev: the fixed part, then the data of every loc field.
 * Returns its size (at most cap).
 */
static size_t make_record(const struct engine_event *ev, unsigned char *raw, size_t cap)
{
	static const char *const texts[] = { "/usr/bin/ls", "bash", "eth0", "sda1", "ext4" };
	size_t n = ev->min_size, i, k;

	memset(raw, 0, cap);
	for (i = 0; i < ev->nr_common + ev->nr_fields; i++) {
		const struct engine_field *f = &ev->fields[i];
		unsigned char *p = raw + f->offset;
		size_t len, start;

		if (!strcmp(f->name, "common_type")) {
			put_le(p, ev->id, 2);
			continue;
		}
		if (!strcmp(f->name, "common_pid")) {
			put_le(p, 4242, 4);
			continue;
		}
		if (!strncmp(f->name, "common_", 7))
			continue;
		switch (f->kind) {
		case ENGINE_FIELD_INT:
			put_le(p, plausible(f, (unsigned)i), f->size);
			break;
		case ENGINE_FIELD_POINTER:
			put_le(p, 0xffff888012345678ull, f->size);
			break;
		case ENGINE_FIELD_CHAR_ARRAY:
			if (!f->flexible) {
				len = strlen(texts[i % 5]);
				memcpy(p, texts[i % 5], len < f->size ? len : f->size);
			} else if (n + 16 <= cap) {
				memcpy(raw + n, "hello, tracer\n", 15);
				n += 15;
			}
			break;
		case ENGINE_FIELD_INT_ARRAY:
			for (k = 0; k < f->size; k++)
				p[k] = (unsigned char)(k * 17 + 1);
			break;
		case ENGINE_FIELD_STRING:
		case ENGINE_FIELD_DYN_ARRAY:
			if (f->kind == ENGINE_FIELD_STRING)
				len = strlen(texts[i % 5]) + 1;
			else
				len = 3u * f->elem_size;
			if (n + len > cap || n > 0xffff)
				break;
			start = f->relative ? n - f->end : n;
			put_le(p, start | len << 16, 4);
			if (f->kind == ENGINE_FIELD_STRING)
				memcpy(raw + n, texts[i % 5], len);
			else
				for (k = 0; k < len; k++)
					raw[n + k] = (unsigned char)(0xf0 + k);
			n += len;
			break;
		}
	}
	return n;
}

/* the kinds, widths and places of ev's fields: events alike share it */
static void shape(const struct engine_event *ev, char *buf, size_t len)
{
	size_t i, o = 0;

	o += (size_t)snprintf(buf, len, "%zu:", ev->nr_common);
	for (i = 0; i < ev->nr_common + ev->nr_fields && o < len; i++) {
		const struct engine_field *f = &ev->fields[i];

		o += (size_t)snprintf(buf + o, len - o, "%d/%u/%u/%u/%d%d%d;", (int)f->kind,
				      f->offset, f->size, f->elem_size, f->is_signed, f->relative,
				      f->flexible);
	}
}

int main(int argc, char **argv)
{
	static unsigned char raw[70000], in[72000];
	char **shapes = NULL, sh[8192], name[300], err[256];
	size_t nshapes = 0, i, k, n, seeds = 0, texts = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: gen_seeds FORMATS_DIR DECODER_CORPUS FORMAT_CORPUS\n");
		return 2;
	}
	setenv("FUZZ_FORMATS", argv[1], 1);
	fuzz_formats_load();
	for (i = 0; i < fuzz_nr_formats; i++) {
		const struct fuzz_format *ff = &fuzz_formats[i];
		struct engine_event *ev = engine_event_parse(ff->system, ff->text, ff->len, err,
							      sizeof(err));
		bool hostile = !strcmp(ff->system, "hostile");

		if (!ev) {
			if (hostile) {
				/* refused ones still seed the format fuzzer */
				snprintf(name, sizeof(name), "%s-%s", ff->system, ff->name);
				write_seed(argv[3], name, (const unsigned char *)ff->text, ff->len);
				texts++;
			}
			continue;
		}
		shape(ev, sh, sizeof(sh));
		for (k = 0; k < nshapes && strcmp(shapes[k], sh); k++)
			;
		if (k < nshapes && !hostile) {
			engine_event_free(ev);
			continue;
		}
		shapes = realloc(shapes, (nshapes + 1) * sizeof(*shapes));
		shapes[nshapes++] = strdup(sh);

		/* the print fmt (most of the text) is never parsed: cut it short */
		snprintf(name, sizeof(name), "%s-%s", ff->system, ff->name);
		n = hostile || !strstr(ff->text, "\nprint fmt:") ? ff->len :
			(size_t)(strstr(ff->text, "\nprint fmt:") - ff->text) + 1;
		memcpy(in, ff->text, n);
		if (n < ff->len) {
			memcpy(in + n, "print fmt: \"x\"\n", 16);
			n += 16;
		}
		write_seed(argv[3], name, in, n);
		texts++;

		/* canned mode: flags 0, the index, the record */
		n = make_record(ev, raw, sizeof(raw));
		snprintf(name, sizeof(name), "%s-%s", ff->system, ff->name);
		put_le(in + 1, i, 2);
		if (n > SEED_MAX) {
			/* flags 8: a pad of n - SEED_HEAD bytes after the head */
			in[0] = 8;
			put_le(in + 3, n - SEED_HEAD, 2);
			memcpy(in + 5, raw, SEED_HEAD);
			write_seed(argv[2], name, in, 5 + SEED_HEAD);
			put_le(in + 3, n - SEED_HEAD - 1, 2);
			snprintf(name, sizeof(name), "%s-%s.short", ff->system, ff->name);
			write_seed(argv[2], name, in, 5 + SEED_HEAD);
			seeds += 2;
			engine_event_free(ev);
			continue;
		}
		in[0] = 0;
		memcpy(in + 3, raw, n);
		write_seed(argv[2], name, in, 3 + n);
		seeds++;
		/* one byte short of the fixed part */
		if (ev->min_size) {
			snprintf(name, sizeof(name), "%s-%s.short", ff->system, ff->name);
			write_seed(argv[2], name, in, 3 + ev->min_size - 1);
			seeds++;
		}
		if (hostile) {
			/* text mode: flags 1, the text's length, the text, the record */
			size_t tl = ff->len;
			unsigned char *t = malloc(3 + tl + n);

			t[0] = 1;
			put_le(t + 1, tl, 2);
			memcpy(t + 3, ff->text, tl);
			memcpy(t + 3 + tl, raw, n);
			snprintf(name, sizeof(name), "text-%s", ff->name);
			write_seed(argv[2], name, t, 3 + tl + n);
			free(t);
			seeds++;
		}
		engine_event_free(ev);
	}
	fprintf(stderr, "gen_seeds: %zu formats, %zu shapes, %zu decoder seeds, %zu format seeds\n",
		fuzz_nr_formats, nshapes, seeds, texts);
	return 0;
}
