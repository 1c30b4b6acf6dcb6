// SPDX-License-Identifier: MIT
/*
 * event.c - a tracefs "format" text compiled into a flat field table, and
 * the readers that decode a raw record with it.
 *
 * libtraceevent parses the text once; every field is then copied into a
 * struct engine_field (strings duplicated) and the tep handle is freed.
 * Reading a record is an offset, a size check and a memcpy: the raw payload
 * is only 4-byte aligned, so nothing is ever read through a cast pointer.
 *
 * What the compiler decides, field by field (libtraceevent's own flags are
 * not trusted for any of it):
 *
 *  - "__data_loc T[] x" / "__rel_loc T[] x": a u32 loc word, data offset
 *    in the low 16 bits and byte length in the high 16.  T char (or signed
 *    char) is text (STRING); anything else is a DYN_ARRAY whose element
 *    width comes from T (cpumask_t: unsigned long); an unknown T falls back
 *    to unsigned bytes.  The format's "signed:" of a loc field describes T,
 *    never the loc word, which is always read unsigned.
 *  - "char x[N]" is text (CHAR_ARRAY); "u8 x[N]" and "unsigned char x[N]"
 *    are numbers (INT_ARRAY), whatever libtraceevent's IS_STRING says.
 *  - "T x[]; size:0" (ftrace's print/function events) is a flexible array
 *    that runs to the end of the record.
 *  - A known integer type narrower than its stored size is read at its own
 *    width and signedness: syscall tracepoints store every argument in 8
 *    bytes with "signed:0", so "int dfd" = AT_FDCWD must read as -100.
 *    For the same reason a known signed type of the stored width ("long",
 *    "loff_t", "off_t") is signed whatever "signed:" says.  Other types
 *    (typedefs not in the table, enums, char) take the format's flag.
 *  - A type with a '*' is a POINTER, read unsigned.
 *  - A field of any other size (a struct of 12 bytes) becomes an INT_ARRAY
 *    of unsigned bytes so that nothing is lost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "err-private.h"
#include "event-private.h"

/* A record is at most 64 KiB (perf_event_header.size is a u16). */
#define EVENT_MAX_END 65535u

/* libtraceevent's tokenizer keeps its input in static variables. */
static pthread_mutex_t event_tep_lock = PTHREAD_MUTEX_INITIALIZER;


/* ------------------------------------------------------------------ */
/* C types                                                             */

#define CT_SIGNED	1
#define CT_UNSIGNED	0
#define CT_FORMAT	(-1)	/* signedness as the format says */

struct ctype {
	const char *name;
	unsigned char width;	/* bytes; 0: as stored (long-sized) */
	signed char sign;	/* CT_SIGNED, CT_UNSIGNED or CT_FORMAT */
};

/*
 * Integer types whose width and signedness are known.  Long-sized types
 * have width 0: they are read at the stored size, which is the kernel's
 * long.  char is CT_FORMAT: its signedness differs between kernels
 * (-funsigned-char since 6.2, signed before on x86).
 */
static const struct ctype ctypes[] = {
	{ "char", 1, CT_FORMAT },
	{ "signed char", 1, CT_SIGNED },
	{ "unsigned char", 1, CT_UNSIGNED },
	{ "bool", 1, CT_UNSIGNED },
	{ "_Bool", 1, CT_UNSIGNED },
	{ "short", 2, CT_SIGNED },
	{ "short int", 2, CT_SIGNED },
	{ "signed short", 2, CT_SIGNED },
	{ "unsigned short", 2, CT_UNSIGNED },
	{ "unsigned short int", 2, CT_UNSIGNED },
	{ "int", 4, CT_SIGNED },
	{ "signed", 4, CT_SIGNED },
	{ "signed int", 4, CT_SIGNED },
	{ "unsigned", 4, CT_UNSIGNED },
	{ "unsigned int", 4, CT_UNSIGNED },
	{ "long", 0, CT_SIGNED },
	{ "long int", 0, CT_SIGNED },
	{ "signed long", 0, CT_SIGNED },
	{ "unsigned long", 0, CT_UNSIGNED },
	{ "unsigned long int", 0, CT_UNSIGNED },
	{ "long long", 8, CT_SIGNED },
	{ "long long int", 8, CT_SIGNED },
	{ "unsigned long long", 8, CT_UNSIGNED },
	{ "unsigned long long int", 8, CT_UNSIGNED },
	{ "u8", 1, CT_UNSIGNED },
	{ "__u8", 1, CT_UNSIGNED },
	{ "uint8_t", 1, CT_UNSIGNED },
	{ "s8", 1, CT_SIGNED },
	{ "__s8", 1, CT_SIGNED },
	{ "int8_t", 1, CT_SIGNED },
	{ "u16", 2, CT_UNSIGNED },
	{ "__u16", 2, CT_UNSIGNED },
	{ "uint16_t", 2, CT_UNSIGNED },
	{ "__le16", 2, CT_UNSIGNED },
	{ "__be16", 2, CT_UNSIGNED },
	{ "s16", 2, CT_SIGNED },
	{ "__s16", 2, CT_SIGNED },
	{ "int16_t", 2, CT_SIGNED },
	{ "u32", 4, CT_UNSIGNED },
	{ "__u32", 4, CT_UNSIGNED },
	{ "uint32_t", 4, CT_UNSIGNED },
	{ "__le32", 4, CT_UNSIGNED },
	{ "__be32", 4, CT_UNSIGNED },
	{ "s32", 4, CT_SIGNED },
	{ "__s32", 4, CT_SIGNED },
	{ "int32_t", 4, CT_SIGNED },
	{ "u64", 8, CT_UNSIGNED },
	{ "__u64", 8, CT_UNSIGNED },
	{ "uint64_t", 8, CT_UNSIGNED },
	{ "__le64", 8, CT_UNSIGNED },
	{ "__be64", 8, CT_UNSIGNED },
	{ "s64", 8, CT_SIGNED },
	{ "__s64", 8, CT_SIGNED },
	{ "int64_t", 8, CT_SIGNED },
	/* kernel typedefs seen as syscall arguments */
	{ "pid_t", 4, CT_SIGNED },
	{ "uid_t", 4, CT_UNSIGNED },
	{ "gid_t", 4, CT_UNSIGNED },
	{ "qid_t", 4, CT_UNSIGNED },
	{ "umode_t", 2, CT_UNSIGNED },
	{ "mode_t", 4, CT_UNSIGNED },
	{ "dev_t", 4, CT_UNSIGNED },
	{ "gfp_t", 4, CT_UNSIGNED },
	{ "clockid_t", 4, CT_SIGNED },
	{ "timer_t", 4, CT_SIGNED },
	{ "key_t", 4, CT_SIGNED },
	{ "key_serial_t", 4, CT_SIGNED },
	{ "mqd_t", 4, CT_SIGNED },
	{ "rwf_t", 4, CT_SIGNED },
	{ "loff_t", 8, CT_SIGNED },
	{ "time64_t", 8, CT_SIGNED },
	{ "ktime_t", 8, CT_SIGNED },
	{ "sector_t", 8, CT_UNSIGNED },
	{ "blkcnt_t", 8, CT_UNSIGNED },
	{ "size_t", 0, CT_UNSIGNED },
	{ "ssize_t", 0, CT_SIGNED },
	{ "off_t", 0, CT_SIGNED },
	{ "ino_t", 0, CT_UNSIGNED },
	{ "uintptr_t", 0, CT_UNSIGNED },
	{ "intptr_t", 0, CT_SIGNED },
	/* a bitmap of unsigned longs (__cpumask / __bitmask) */
	{ "cpumask_t", 0, CT_UNSIGNED },
};

/*
 * ctype_normalize - t without "const"/"volatile", "__user" and the like,
 * with single spaces, into buf.  Returns buf.
 */
static char *ctype_normalize(const char *t, char *buf, size_t len)
{
	static const char *const drop[] = { "const", "volatile", "__user", "__rcu" };
	size_t o = 0, i;
	const char *p = t;

	while (*p && o + 1 < len) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
			size_t n = strlen(drop[i]);

			if (!strncmp(p, drop[i], n) &&
			    (p[n] == ' ' || p[n] == '\t' || p[n] == '\0' || p[n] == '*'))
				break;
		}
		if (i < sizeof(drop) / sizeof(drop[0])) {
			p += strlen(drop[i]);
			continue;
		}
		if (o)
			buf[o++] = ' ';
		while (*p && *p != ' ' && *p != '\t' && o + 1 < len)
			buf[o++] = *p++;
	}
	buf[o] = '\0';
	return buf;
}

/* ctype_find - the entry of a normalized type, or NULL. */
static const struct ctype *ctype_find(const char *t)
{
	static const struct ctype enum_type = { "enum", 4, CT_FORMAT };
	size_t i;

	if (!strncmp(t, "enum ", 5))
		return &enum_type;
	for (i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++)
		if (!strcmp(ctypes[i].name, t))
			return &ctypes[i];
	return NULL;
}

static bool ctype_is_text(const char *t)
{
	return !strcmp(t, "char") || !strcmp(t, "signed char");
}

static bool width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

/* ------------------------------------------------------------------ */
/* The format text, scanned beside libtraceevent                      */

/*
 * libtraceevent 1.7 returns success for a text whose field list it gave up
 * on half way (it only sets TEP_EVENT_FL_FAILED, which it also sets when
 * just the print fmt does not parse), and it stores offsets and sizes
 * through strtoul into an int.  So the field lines are counted and their
 * numbers read here too, and the two must agree.
 *
 * libtraceevent is not shown the print fmt at all: nothing here uses it,
 * it is most of the text, 18 events of a 6.18 kernel have one it cannot
 * parse, and libtraceevent 1.7.1 leaks memory on kvm_inj_exception's
 * ("__print_symbolic(x, { })") and segfaults on the same when x is not a
 * field.  An empty print fmt takes its place.
 */
struct scan_field {
	unsigned long long offset, size;
	bool ok;
};

struct scan {
	bool has_name, has_id, has_format;
	unsigned long long id;
	size_t print_at;	/* where the "print fmt:" line starts, or the length */
	struct scan_field *fields;
	size_t nr;
};

static bool scan_number(const char *line, const char *key, const char **after,
			unsigned long long *v)
{
	const char *p = strstr(line, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	*v = strtoull(p, &end, 0);
	if (errno || end == p)
		return false;
	*after = end;
	return true;
}

static int scan_text(const char *text, struct scan *sc)
{
	const char *line = text, *nl;
	char *buf = NULL;
	size_t cap = 0;
	bool in_format = false;
	int ret = 0;

	sc->print_at = strlen(text);

	for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
		const char *p = line, *q;
		size_t n;

		nl = strchr(line, '\n');
		n = nl ? (size_t)(nl - line) : strlen(line);
		if (n + 1 > cap) {
			char *b = realloc(buf, n + 1);

			if (!b) {
				ret = -ENOMEM;
				break;
			}
			buf = b;
			cap = n + 1;
		}
		memcpy(buf, line, n);
		buf[n] = '\0';
		p = buf;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!in_format) {
			if (!strncmp(p, "name:", 5)) {
				sc->has_name = true;
			} else if (!strncmp(p, "ID:", 3)) {
				const char *after;

				sc->has_id = scan_number(p, "ID:", &after, &sc->id);
			} else if (!strncmp(p, "format:", 7)) {
				sc->has_format = in_format = true;
			}
			continue;
		}
		if (!strncmp(p, "print fmt:", 10)) {
			sc->print_at = (size_t)(line - text);
			break;
		}
		if (strncmp(p, "field:", 6) && strncmp(p, "field special:", 14))
			continue;
		if (sc->nr % 16 == 0) {
			struct scan_field *f = realloc(sc->fields, (sc->nr + 16) * sizeof(*f));

			if (!f) {
				ret = -ENOMEM;
				break;
			}
			sc->fields = f;
		}
		q = strchr(p, ';');
		sc->fields[sc->nr].ok = q &&
			scan_number(q, "offset:", &q, &sc->fields[sc->nr].offset) &&
			scan_number(q, "size:", &q, &sc->fields[sc->nr].size);
		sc->nr++;
	}
	free(buf);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Compiling a field                                                   */

/*
 * field_compile - fill f from libtraceevent's field and the numbers the
 * scan read (off, size, already range-checked).  Returns 0 or -errno with
 * a message.
 */
static int field_compile(struct engine_field *f, const struct tep_format_field *tf,
			 unsigned off, unsigned size, char *err, size_t errlen)
{
	bool fmt_signed = tf->flags & TEP_FIELD_IS_SIGNED;
	const struct ctype *ct;
	char elem[128], norm[128];
	const char *t = tf->type, *br;
	size_t n;

	f->name = strdup(tf->name);
	f->type = strdup(tf->type);
	if (!f->name || !f->type)
		return -ENOMEM;
	f->offset = off;
	f->size = size;
	f->end = off + size;

	/* the element type: without __data_loc/__rel_loc and brackets */
	if (!strncmp(t, "__data_loc", 10) && (t[10] == ' ' || t[10] == '\t')) {
		t += 10;
	} else if (!strncmp(t, "__rel_loc", 9) && (t[9] == ' ' || t[9] == '\t')) {
		t += 9;
		f->relative = true;
	} else {
		t = NULL;
	}
	if (t) {
		/* dynamic: a u32 loc word in the fixed part */
		br = strchr(t, '[');
		n = br ? (size_t)(br - t) : strlen(t);
		if (n >= sizeof(elem))
			n = sizeof(elem) - 1;
		memcpy(elem, t, n);
		elem[n] = '\0';
		ctype_normalize(elem, norm, sizeof(norm));
		if (size != 4) {
			engine_seterr(err, errlen, "field %s: a %s field must have size 4, not %u",
			       tf->name, f->relative ? "__rel_loc" : "__data_loc", size);
			return -EINVAL;
		}
		if (ctype_is_text(norm)) {
			f->kind = ENGINE_FIELD_STRING;
			f->elem_size = 1;
			return 0;
		}
		f->kind = ENGINE_FIELD_DYN_ARRAY;
		ct = ctype_find(norm);
		if (strchr(norm, '*')) {
			f->elem_size = sizeof(void *);
		} else if (ct) {
			f->elem_size = ct->width ? ct->width : sizeof(long);
			f->is_signed = ct->sign == CT_FORMAT ? fmt_signed : ct->sign == CT_SIGNED;
		} else {
			/* unknown element type (a struct): unsigned bytes */
			f->elem_size = 1;
		}
		return 0;
	}

	ctype_normalize(tf->type, norm, sizeof(norm));
	br = strchr(norm, '[');
	if (br) {
		unsigned w = 0;

		/* a fixed array, or a flexible "x[]" when size is 0 */
		n = (size_t)(br - norm);
		while (n && norm[n - 1] == ' ')
			n--;
		memcpy(elem, norm, n);
		elem[n] = '\0';
		f->flexible = size == 0;
		if (ctype_is_text(elem)) {
			f->kind = ENGINE_FIELD_CHAR_ARRAY;
			f->elem_size = 1;
			f->array_len = size;
			return 0;
		}
		f->kind = ENGINE_FIELD_INT_ARRAY;
		ct = ctype_find(elem);
		if (strchr(elem, '*'))
			w = sizeof(void *);
		else if (ct)
			w = ct->width ? ct->width : sizeof(long);
		if (w && size % w == 0) {
			f->is_signed = ct && (ct->sign == CT_FORMAT ? fmt_signed :
					      ct->sign == CT_SIGNED);
		} else if (tf->arraylen && size % tf->arraylen == 0 &&
			   width_ok(size / tf->arraylen)) {
			w = size / tf->arraylen;
			f->is_signed = fmt_signed;
		} else {
			/* elements of no integer width: unsigned bytes */
			w = 1;
		}
		f->elem_size = (uint8_t)w;
		f->array_len = size / w;
		return 0;
	}

	if (!width_ok(size)) {
		/* a struct or odd-sized value: keep its bytes */
		f->kind = ENGINE_FIELD_INT_ARRAY;
		f->elem_size = 1;
		f->array_len = size;
		return 0;
	}
	if (strchr(norm, '*')) {
		f->kind = ENGINE_FIELD_POINTER;
		f->elem_size = (uint8_t)size;
		return 0;
	}
	f->kind = ENGINE_FIELD_INT;
	f->elem_size = (uint8_t)size;
	f->is_signed = fmt_signed;
	ct = ctype_find(norm);
	if (ct && ct->width && ct->width < size) {
		/* syscall arguments: "int dfd; size:8; signed:0" */
		f->elem_size = ct->width;
		f->is_signed = ct->sign == CT_FORMAT ? fmt_signed : ct->sign == CT_SIGNED;
	} else if (ct && (!ct->width || ct->width == size) && ct->sign != CT_FORMAT) {
		/* "long nr; size:8; signed:0" (syscalls again): C says signed */
		f->is_signed = ct->sign == CT_SIGNED;
	}
	return 0;
}

static bool field_is_common(const struct tep_format_field *tf)
{
	return !strncmp(tf->name, "common_", 7);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

/*
 * engine_event_parse - see engine.h.  len may count a terminating NUL.  The
 * text is rejected (EINVAL) when it has no "name:", "ID:" or "format:"
 * line, when libtraceevent cannot read one of its field lines, when a
 * field's offset + size passes 65535 or a loc field is not 4 bytes.
 */
struct engine_event *engine_event_parse(const char *system, const char *format,
					size_t len, char *err, size_t errlen)
{
	struct engine_event *ev = NULL;
	struct tep_handle *tep = NULL;
	struct tep_event *tev = NULL;
	struct tep_format_field *lists[2], *tf;
	struct scan sc = { 0 };
	static const char empty_print[] = "\nprint fmt: \"\"\n";
	char *text = NULL, *fields_text = NULL;
	size_t i, nr = 0, nc = 0, ic = 0, io = 0;
	int ret = -EINVAL, r, k;

	if (!system || !*system || !format) {
		engine_seterr(err, errlen, "no system name or no format text");
		goto fail;
	}
	/* a caller may count the terminating NUL; any other NUL is garbage */
	while (len && format[len - 1] == '\0')
		len--;
	if (!len || memchr(format, '\0', len)) {
		engine_seterr(err, errlen, "%s: the format text is empty or holds a NUL byte", system);
		goto fail;
	}
	text = strndup(format, len);
	if (!text)
		goto nomem;
	if (scan_text(text, &sc) < 0)
		goto nomem;
	if (!sc.has_name || !sc.has_id || !sc.has_format) {
		engine_seterr(err, errlen, "%s: the format text has no %s line", system,
		       !sc.has_name ? "\"name:\"" : !sc.has_id ? "\"ID:\" (or no number in it)" :
		       "\"format:\"");
		goto fail;
	}
	/*
	 * libtraceevent 1.7.1 dereferences NULL when the token after a '[' is
	 * a byte it has no token type for ("u32 c[\x01];"; found by fuzzing).
	 * Kernels write printable ASCII only: anything else is refused here.
	 */
	for (i = 0; i < sc.print_at; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t' && c != '\n') || c > 0x7e) {
			engine_seterr(err, errlen, "%s: byte 0x%02x at offset %zu of the format text is not printable ASCII",
			       system, c, i);
			goto fail;
		}
	}

	fields_text = malloc(sc.print_at + sizeof(empty_print));
	if (!fields_text)
		goto nomem;
	memcpy(fields_text, text, sc.print_at);
	memcpy(fields_text + sc.print_at, empty_print, sizeof(empty_print));

	tep = tep_alloc();
	if (!tep)
		goto nomem;
	pthread_mutex_lock(&event_tep_lock);
	r = tep_parse_format(tep, &tev, fields_text, strlen(fields_text), system);
	pthread_mutex_unlock(&event_tep_lock);
	if (r || !tev) {
		char msg[128] = "";

		tep_strerror(tep, (enum tep_errno)r, msg, sizeof(msg));
		engine_seterr(err, errlen, "%s: libtraceevent cannot parse the format (%s)", system,
		       r ? msg : "no event");
		goto fail;
	}
	if (tev->id < 0 || (unsigned long long)tev->id != sc.id) {
		engine_seterr(err, errlen, "%s/%s: ID %llu out of range", system, tev->name, sc.id);
		goto fail;
	}

	lists[0] = tev->format.common_fields;
	lists[1] = tev->format.fields;
	for (k = 0; k < 2; k++)
		for (tf = lists[k]; tf; tf = tf->next)
			nr++;
	if (nr != sc.nr) {
		engine_seterr(err, errlen, "%s/%s: field line %zu of %zu does not parse", system,
		       tev->name, nr + 1, sc.nr);
		goto fail;
	}

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		goto nomem;
	ev->id = (unsigned)tev->id;
	ev->system = strdup(system);
	ev->name = strdup(tev->name);
	if (!ev->system || !ev->name ||
	    asprintf(&ev->fullname, "%s/%s", system, tev->name) < 0) {
		ev->fullname = NULL;
		goto nomem;
	}
	ev->fields = calloc(nr ? nr : 1, sizeof(*ev->fields));
	if (!ev->fields)
		goto nomem;
	for (k = 0; k < 2; k++)
		for (tf = lists[k]; tf; tf = tf->next)
			nc += field_is_common(tf);
	ev->nr_common = nc;
	ev->nr_fields = nr - nc;

	/*
	 * The common_* fields first, then the event's own.  Kernels separate
	 * the two groups with a blank line, which is how libtraceevent splits
	 * them; the name prefix is used here so that a text without the blank
	 * line still gets its own fields right.
	 */
	i = 0;
	for (k = 0; k < 2; k++) {
		for (tf = lists[k]; tf; tf = tf->next, i++) {
			const struct scan_field *s = &sc.fields[i];
			struct engine_field *f;

			if (!s->ok || s->offset != (unsigned long long)tf->offset ||
			    s->size != (unsigned long long)tf->size ||
			    s->offset > EVENT_MAX_END || s->size > EVENT_MAX_END ||
			    s->offset + s->size > EVENT_MAX_END) {
				engine_seterr(err, errlen,
				       "%s/%s: field %s: offset %llu + size %llu is out of range (max %u)",
				       system, tev->name, tf->name, s->offset, s->size,
				       EVENT_MAX_END);
				goto fail;
			}
			f = field_is_common(tf) ? &ev->fields[ic++] : &ev->fields[nc + io++];
			r = field_compile(f, tf, (unsigned)s->offset, (unsigned)s->size,
					  err, errlen);
			if (r == -ENOMEM)
				goto nomem;
			if (r < 0)
				goto fail;
			if (f->end > ev->min_size)
				ev->min_size = f->end;
		}
	}

	/* dispatch reads common_type as a u16 at offset 0 */
	for (i = 0; i < ev->nr_common; i++) {
		const struct engine_field *f = &ev->fields[i];

		if (!strcmp(f->name, "common_type") && (f->offset != 0 || f->size != 2)) {
			engine_seterr(err, errlen, "%s: common_type is not a u16 at offset 0",
			       ev->fullname);
			goto fail;
		}
	}

	tep_free(tep);
	free(sc.fields);
	free(fields_text);
	free(text);
	return ev;

nomem:
	ret = -ENOMEM;
	engine_seterr(err, errlen, "out of memory");
fail:
	engine_event_free(ev);
	tep_free(tep);
	free(sc.fields);
	free(fields_text);
	free(text);
	errno = -ret;
	return NULL;
}

/* engine_event_free - the table, the strings, and engine.c's handlers and filter. */
void engine_event_free(struct engine_event *ev)
{
	size_t i;

	if (!ev)
		return;
	if (ev->fields) {
		/* half built: the table is calloc'ed, unfilled names are NULL */
		for (i = 0; i < ev->nr_common + ev->nr_fields; i++) {
			free(ev->fields[i].name);
			free(ev->fields[i].type);
		}
	}
	free(ev->fields);
	free(ev->system);
	free(ev->name);
	free(ev->fullname);
	free(ev->handlers);
	free(ev->filter);
	free(ev);
}

/* The event's id: the common_type of its records. */
unsigned engine_event_id(const struct engine_event *ev)
{
	return ev->id;
}

/* The event's group ("sched"); do not free. */
const char *engine_event_system(const struct engine_event *ev)
{
	return ev->system;
}

/* The event's name ("sched_switch"); do not free. */
const char *engine_event_name(const struct engine_event *ev)
{
	return ev->name;
}

/* "system/name"; do not free. */
const char *engine_event_fullname(const struct engine_event *ev)
{
	return ev->fullname;
}

/* The end of the last fixed part (loc words included), common fields included. */
size_t engine_event_min_size(const struct engine_event *ev)
{
	return ev->min_size;
}

/* The number of fields other than the common_* ones. */
size_t engine_event_nr_fields(const struct engine_event *ev)
{
	return ev->nr_fields;
}

/*
 * The i-th field other than the common_* ones, in format order; NULL with
 * errno ERANGE when i is past the end.  Valid as long as the event.
 */
const struct engine_field *engine_event_field_at(const struct engine_event *ev,
						 size_t i)
{
	if (i >= ev->nr_fields) {
		errno = ERANGE;
		return NULL;
	}
	return &ev->fields[ev->nr_common + i];
}

/*
 * A field by name, common_* fields included; NULL with errno ENOENT when
 * absent (EINVAL for a NULL name).  Valid as long as the event.
 */
const struct engine_field *engine_event_field(const struct engine_event *ev,
					      const char *name)
{
	size_t i;

	if (!name) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < ev->nr_common + ev->nr_fields; i++)
		if (!strcmp(ev->fields[i].name, name))
			return &ev->fields[i];
	errno = ENOENT;
	return NULL;
}

/* Records of this event handed to its handlers (engine.c counts them). */
uint64_t engine_event_count(const struct engine_event *ev)
{
	return __atomic_load_n(&ev->count, __ATOMIC_RELAXED);
}

/* Records of this event a full queue dropped (engine.c counts them). */
uint64_t engine_event_dropped(const struct engine_event *ev)
{
	return __atomic_load_n(&ev->dropped, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */

/* The field's name; do not free. */
const char *engine_field_name(const struct engine_field *f)
{
	return f->name;
}

/* The C type as libtraceevent spells it ("char[16]", "__data_loc char[]"). */
const char *engine_field_type(const struct engine_field *f)
{
	return f->type;
}

/* How to read the field: see the file's head comment. */
enum engine_field_kind engine_field_kind(const struct engine_field *f)
{
	return f->kind;
}

/* Of the value, or of each element; false for text. */
bool engine_field_is_signed(const struct engine_field *f)
{
	return f->is_signed;
}

/* Bytes from the start of the raw record. */
unsigned engine_field_offset(const struct engine_field *f)
{
	return f->offset;
}

/* Bytes in the fixed part: 4 for a loc word, 0 for a flexible array. */
unsigned engine_field_size(const struct engine_field *f)
{
	return f->size;
}

/* The width of the value (narrower than size for syscall arguments). */
unsigned engine_field_elem_size(const struct engine_field *f)
{
	return f->elem_size;
}

/* Elements of a fixed array; 0 for anything else and for flexible arrays. */
unsigned engine_field_array_len(const struct engine_field *f)
{
	return f->flexible ? 0 : f->array_len;
}

/* ------------------------------------------------------------------ */
/* Reading a record                                                    */

/* load - an integer of w bytes at p, which may be unaligned. */
static inline uint64_t load(const unsigned char *p, unsigned w)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (w) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

/* extend - the low w bytes of v, sign-extended when sign. */
static inline uint64_t extend(uint64_t v, unsigned w, bool sign)
{
	uint64_t mask;

	if (w >= 8)
		return v;
	mask = (UINT64_C(1) << (8 * w)) - 1;
	v &= mask;
	if (sign && (v >> (8 * w - 1)) & 1)
		v |= ~mask;
	return v;
}

/*
 * field_data - where a dynamic field's data lies: [*start, *start + *len).
 * The loc word is unsigned whatever the format's "signed:" says.
 */
static inline int field_data(const struct engine_field *f, const unsigned char *raw,
			     size_t raw_size, size_t *start, size_t *len)
{
	uint32_t loc;
	size_t s, l;

	if (raw_size < f->end)
		return -ERANGE;
	memcpy(&loc, raw + f->offset, sizeof(loc));
	s = loc & 0xffff;
	l = loc >> 16;
	if (f->relative)
		s += f->end;	/* __rel_loc: from the end of the loc word */
	if (s > raw_size || l > raw_size - s)
		return -ERANGE;
	*start = s;
	*len = l;
	return 0;
}

/*
 * array_extent - the bytes of a fixed or flexible array: [offset, + *len).
 */
static inline int array_extent(const struct engine_field *f, size_t raw_size, size_t *len)
{
	if (raw_size < f->end)
		return -ERANGE;
	*len = f->flexible ? raw_size - f->offset : f->size;
	return 0;
}

/*
 * engine_field_read_int - see engine.h.  idx must be 0 for an INT or a
 * POINTER (-ERANGE otherwise).  A POINTER is never sign-extended.
 */
int engine_field_read_int(const struct engine_field *f, const void *raw,
			  size_t raw_size, size_t idx, uint64_t *v)
{
	const unsigned char *r = raw;
	size_t start, len;
	int ret;

	switch (f->kind) {
	case ENGINE_FIELD_INT:
	case ENGINE_FIELD_POINTER:
		if (idx)
			return -ERANGE;
		if (raw_size < f->end)
			return -ERANGE;
		/* the whole stored value, then narrowed: right on either endianness */
		*v = extend(load(r + f->offset, f->size), f->elem_size, f->is_signed);
		return 0;
	case ENGINE_FIELD_INT_ARRAY:
		ret = array_extent(f, raw_size, &len);
		if (ret < 0)
			return ret;
		start = f->offset;
		break;
	case ENGINE_FIELD_DYN_ARRAY:
		ret = field_data(f, r, raw_size, &start, &len);
		if (ret < 0)
			return ret;
		break;
	default:
		return -EINVAL;
	}
	if (idx >= len / f->elem_size)
		return -ERANGE;
	*v = extend(load(r + start + idx * f->elem_size, f->elem_size), f->elem_size,
		    f->is_signed);
	return 0;
}

/*
 * engine_field_read_str - see engine.h.  A zero-length STRING is "" (len
 * 0).  A flexible "char x[]" runs to the end of the record.
 */
int engine_field_read_str(const struct engine_field *f, const void *raw,
			  size_t raw_size, const char **s, size_t *len)
{
	const unsigned char *r = raw, *nul;
	size_t start, n;
	int ret;

	switch (f->kind) {
	case ENGINE_FIELD_CHAR_ARRAY:
		ret = array_extent(f, raw_size, &n);
		start = f->offset;
		break;
	case ENGINE_FIELD_STRING:
		ret = field_data(f, r, raw_size, &start, &n);
		break;
	default:
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	nul = memchr(r + start, '\0', n);
	*s = (const char *)r + start;
	*len = nul ? (size_t)(nul - (r + start)) : n;
	return 0;
}

/*
 * engine_field_read_count - see engine.h.  A DYN_ARRAY's count is its byte
 * length / elem_size, a trailing partial element ignored; a flexible array's
 * is what the record holds past its offset.
 */
int engine_field_read_count(const struct engine_field *f, const void *raw,
			    size_t raw_size, size_t *count)
{
	size_t start, len;
	int ret;

	switch (f->kind) {
	case ENGINE_FIELD_INT_ARRAY:
		ret = array_extent(f, raw_size, &len);
		break;
	case ENGINE_FIELD_DYN_ARRAY:
		ret = field_data(f, raw, raw_size, &start, &len);
		break;
	default:
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	*count = len / f->elem_size;
	return 0;
}
