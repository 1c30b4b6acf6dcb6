/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz/ share: the canned
 * format texts (tests/fuzz/formats/SYSTEM/EVENT, loaded once) and a reader
 * that takes the fields of an input in order.
 *
 * Everything here is static: each harness is one translation unit.
 */
#ifndef TRACELOGD_FUZZ_H
#define TRACELOGD_FUZZ_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failed check: print why, then abort so that libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

/*
 * FUZZ_NOTE - a finding that is not a crash (a policy a value breaks):
 * printed the first time only, so that the run goes on; FUZZ_STRICT=1 in
 * the environment makes it a failure instead.
 */
#define FUZZ_NOTE(cond, ...)						\
	do {								\
		static int noted_;					\
		if (!(cond) && !noted_) {				\
			noted_ = 1;					\
			fprintf(stderr, "%s:%d: NOTE: %s: ",		\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			if (getenv("FUZZ_STRICT"))			\
				abort();				\
		}							\
	} while (0)

/* fuzz_cstr - data[0..n) as a NUL-terminated string, malloc'ed exactly. */
static inline char *fuzz_cstr(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* The input, taken in order                                           */

struct fuzz_in {
	const uint8_t *p;
	size_t len;
};

/* fuzz_take - the next n bytes, or NULL when fewer are left. */
static inline const uint8_t *fuzz_take(struct fuzz_in *in, size_t n)
{
	const uint8_t *p = in->p;

	if (in->len < n)
		return NULL;
	in->p += n;
	in->len -= n;
	return p;
}

/* fuzz_u8, fuzz_u16 - the next byte or little-endian u16, 0 past the end. */
static inline unsigned fuzz_u8(struct fuzz_in *in)
{
	const uint8_t *p = fuzz_take(in, 1);

	return p ? p[0] : 0;
}

static inline unsigned fuzz_u16(struct fuzz_in *in)
{
	const uint8_t *p = fuzz_take(in, 2);

	return p ? (unsigned)p[0] | (unsigned)p[1] << 8 : 0;
}

/* ------------------------------------------------------------------ */
/* The canned formats                                                  */

#ifndef FUZZ_FORMATS_DIR
#define FUZZ_FORMATS_DIR "tests/fuzz/formats"
#endif

struct fuzz_format {
	char *system;		/* the directory: "sched", "hostile" */
	char *name;		/* the file: "sched_switch" */
	char *text;		/* NUL-terminated */
	size_t len;
};

static struct fuzz_format *fuzz_formats __attribute__((unused));
static size_t fuzz_nr_formats __attribute__((unused));

static inline char *fuzz_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = (cap ? cap * 2 : 8192));

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static inline int fuzz_dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * fuzz_formats_load - read every FORMATS/SYSTEM/EVENT file, in byte order
 * of the names (so that an index picks the same format on every machine).
 * The directory is $FUZZ_FORMATS, or the one compiled in.  Exits when it
 * holds nothing: a harness without its formats would fuzz nothing.
 */
static inline void fuzz_formats_load(void)
{
	const char *dir = getenv("FUZZ_FORMATS");
	struct dirent **sys = NULL, **evs;
	int ns, ne, i, j;
	char path[4096];

	if (!dir || !*dir)
		dir = FUZZ_FORMATS_DIR;
	ns = scandir(dir, &sys, NULL, fuzz_dirent_cmp);
	for (i = 0; i < ns; i++) {
		if (sys[i]->d_name[0] == '.')
			goto next_sys;
		snprintf(path, sizeof(path), "%s/%s", dir, sys[i]->d_name);
		ne = scandir(path, &evs, NULL, fuzz_dirent_cmp);
		for (j = 0; j < ne; j++) {
			struct fuzz_format *f;

			if (evs[j]->d_name[0] != '.') {
				f = realloc(fuzz_formats, (fuzz_nr_formats + 1) * sizeof(*f));
				if (!f)
					abort();
				fuzz_formats = f;
				f += fuzz_nr_formats;
				snprintf(path, sizeof(path), "%s/%s/%s", dir, sys[i]->d_name,
					 evs[j]->d_name);
				f->text = fuzz_read_file(path, &f->len);
				f->system = strdup(sys[i]->d_name);
				f->name = strdup(evs[j]->d_name);
				if (f->text && f->system && f->name)
					fuzz_nr_formats++;
			}
			free(evs[j]);
		}
		if (ne >= 0)
			free(evs);
next_sys:
		free(sys[i]);
	}
	free(sys);
	if (!fuzz_nr_formats) {
		fprintf(stderr, "fuzz: no format files under %s (set FUZZ_FORMATS)\n", dir);
		exit(2);
	}
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */

/*
 * fuzz_utf8_valid - strict UTF-8 (RFC 3629): shortest form, no surrogate,
 * nothing above U+10FFFF, no truncated sequence.  Written plainly, as the
 * reference the fast validator of daemon/json.c is checked against.
 */
static inline int fuzz_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp, min;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

#endif
