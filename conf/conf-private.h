/* SPDX-License-Identifier: MIT */
/*
 * conf-private.h - what the files of conf/ share: the error list's
 * insides, the sections and keys as read from the file before they are
 * checked, and the value parsers.
 */
#ifndef TRACELOGD_CONF_PRIVATE_H
#define TRACELOGD_CONF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* ------------------------------------------------------------------ */
/* errors.c                                                            */

struct conf_error {
	unsigned line;
	size_t seq;		/* order of discovery, for a stable sort */
	char *text;		/* "FILE:LINE: message" */
	const char *msg;	/* inside text */
};

struct conf_errors {
	char *file;
	struct conf_error *v;
	size_t n, cap;
	size_t dropped;		/* past CONF_ERRORS_MAX */
	bool nomem;		/* an error could not be recorded */
};

/* conf_errors_new - an empty list for file, or NULL (ENOMEM). */
struct conf_errors *conf_errors_new(const char *file);

/*
 * conf_error_add - record an error at line (0: the whole file).  Never
 * fails: an allocation failure sets errs->nomem.
 */
void conf_error_add(struct conf_errors *errs, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* conf_errors_sort - by line, file-wide errors first, stable. */
void conf_errors_sort(struct conf_errors *errs);

/* ------------------------------------------------------------------ */
/* The file as read (conf.c), checked by daemon.c and probe.c          */

struct conf_entry {
	char *key;
	char *value;
	unsigned line;
	bool tainted;		/* the line had an error already: no more about it */
};

enum conf_section_type {
	CONF_SECTION_DAEMON,
	CONF_SECTION_PROBE,
	CONF_SECTION_BAD,	/* reported; its keys are ignored */
};

struct conf_section {
	enum conf_section_type type;
	enum probe_kind kind;	/* CONF_SECTION_PROBE */
	char *name;		/* CONF_SECTION_PROBE */
	char *title;		/* "[daemon]", "[kprobe open]", for messages */
	unsigned line;
	struct conf_entry *entries;
	size_t nr_entries;
};

/*
 * conf_section_check_keys - report the unknown and duplicate keys of sec.
 * keys: the valid ones, NULL-terminated; one ending in '.' is a prefix
 * ("render." takes render.FIELD).  repeatable: those that may be given
 * more than once (NULL: none).  skip[i] (nr_entries of them) is set for
 * the entries not to be looked at further: unknown, duplicate, tainted.
 */
void conf_section_check_keys(const struct conf_section *sec, const char *const *keys,
			     const char *const *repeatable, bool *skip,
			     struct conf_errors *errs);

/* conf_section_find - the first entry of sec named key, or NULL. */
const struct conf_entry *conf_section_find(const struct conf_section *sec, const char *key);

/*
 * daemon.c: conf_daemon_parse - the [daemon] section into d, over the
 * defaults (sec NULL: the defaults alone); errors reported.  0 or -ENOMEM.
 * conf_daemon_defaults - d set to the defaults: 0 or -ENOMEM.
 * conf_daemon_release - free d's strings and handlers (d zeroed).
 * conf_daemon_equal - every value the same.
 */
int conf_daemon_parse(struct conf_daemon *d, const struct conf_section *sec,
		      struct conf_errors *errs);
int conf_daemon_defaults(struct conf_daemon *d);
void conf_daemon_release(struct conf_daemon *d);
bool conf_daemon_equal(const struct conf_daemon *a, const struct conf_daemon *b);

/*
 * probe.c: conf_probe_parse - a probe section into p (zeroed by the
 * caller).  Returns 1 when p holds a valid probe, 0 when the section had
 * errors (reported, p released), -ENOMEM.  p's handlers are left empty
 * when the section names none (the caller gives it the daemon's).
 * conf_probe_release - free what p holds (p zeroed).
 */
int conf_probe_parse(struct conf_probe *p, const struct conf_section *sec,
		     struct conf_errors *errs);
void conf_probe_release(struct conf_probe *p);

/* ------------------------------------------------------------------ */
/* handler.c                                                           */

/*
 * conf_handlers_add - append the comma-separated handlers of value to
 * *list.  Returns 0, -EINVAL (message in msg; *list unchanged) or
 * -ENOMEM.
 */
int conf_handlers_add(struct conf_handler **list, size_t *n, const char *value,
		      char *msg, size_t msglen);
/* conf_handlers_copy - a deep copy of src into *dst (free with conf_handlers_free()). */
int conf_handlers_copy(struct conf_handler **dst, size_t *dn,
		       const struct conf_handler *src, size_t sn);
/* conf_handlers_free - free a list of n handlers and their strings; NULL is ok. */
void conf_handlers_free(struct conf_handler *list, size_t n);
/* conf_handlers_equal - the same handlers in the same order */
bool conf_handlers_equal(const struct conf_handler *a, size_t an,
			 const struct conf_handler *b, size_t bn);

/* ------------------------------------------------------------------ */
/* value.c                                                             */

/* a decimal number without sign: 0, -EINVAL (malformed), -ERANGE (> 2^64-1) */
int conf_value_uint(const char *s, uint64_t *v);

/* a number (decimal or 0x hex): as conf_value_uint() */
int conf_value_uint_hex(const char *s, uint64_t *v);

/* N, NK, NM, NG (powers of 1024) in bytes: as conf_value_uint() */
int conf_value_size(const char *s, uint64_t *v);

/* N (seconds), Nms, Ns, Nm, Nh in milliseconds: as conf_value_uint() */
int conf_value_duration(const char *s, uint64_t *ms);

/* yes/no, true/false, on/off, 1/0: 0 or -EINVAL */
int conf_value_bool(const char *s, bool *v);

/* "64M", "1G": the largest unit that is exact */
void conf_format_size(uint64_t bytes, char *buf, size_t len);

/* "10ms", "1h": the largest unit that is exact */
void conf_format_duration(uint64_t ms, char *buf, size_t len);

/*
 * conf_value_path - an absolute path with no ".." component, no empty
 * or trailing '/', no tab or other control character, and shorter than
 * PATH_MAX: NULL, or why not (static).
 */
const char *conf_value_path(const char *s);


#endif
