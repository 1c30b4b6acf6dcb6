/* SPDX-License-Identifier: MIT */
/*
 * conf.h - the INI configuration file: a [daemon] section and one section
 * per probe, parsed into plain data (struct conf) with every error of the
 * file collected as "FILE:LINE: message" (struct conf_errors), and the
 * difference between two configurations for a live reload.
 *
 * The file (conf/examples/ shows every kind of probe):
 *
 *   [daemon]
 *   log = /var/log/tracelogd/events.jsonl   ; "-" is standard output
 *   rotate_size = 64M
 *
 *   [tracepoint exec]
 *   event = sched/sched_process_exec
 *
 *   [kretprobe accept]
 *   function = inet_csk_accept
 *   fetch = daddr=+0($retval):u32 dport=+12($retval):u16
 *   render.daddr = ipv4
 *
 * Keys and defaults are listed in conf/tracelogd.ini.  A probe section
 * becomes the struct probe_spec the command line's -p makes (probes.h), so
 * names, targets and fetch arguments are checked by the same code.
 *
 * Library conventions as in engine.h: 0 or -errno, nothing printed.  Not
 * thread-safe: parse from one thread at a time (libinih's options are
 * process-wide; see conf.c).
 */
#ifndef TRACELOGD_CONF_H
#define TRACELOGD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* bytes in a configuration file */
#define CONF_LINE_MAX	4096		/* bytes in a line, as a tracefs command */
#define CONF_ERRORS_MAX	1000		/* errors kept; the rest are counted */

/* ------------------------------------------------------------------ */
/* Errors                                                              */

struct conf_errors;

/* conf_errors_count - the number of errors kept (at most CONF_ERRORS_MAX). */
size_t conf_errors_count(const struct conf_errors *errs);

/* conf_errors_dropped - errors past CONF_ERRORS_MAX, counted but not kept. */
size_t conf_errors_dropped(const struct conf_errors *errs);

/*
 * conf_errors_text - error i as "FILE:LINE: message", or "FILE: message"
 * for what concerns the whole file (line 0).  Errors are sorted by line,
 * file-wide ones first.  Owned by errs: do not free.
 */
const char *conf_errors_text(const struct conf_errors *errs, size_t i);

/* conf_errors_line - the line of error i (1-based), or 0 for the file. */
unsigned conf_errors_line(const struct conf_errors *errs, size_t i);

/* conf_errors_message - error i without "FILE:LINE: " (do not free). */
const char *conf_errors_message(const struct conf_errors *errs, size_t i);

/* conf_errors_free - free an error list; NULL is ok. */
void conf_errors_free(struct conf_errors *errs);

/* ------------------------------------------------------------------ */
/* The configuration                                                   */

/* What stamps the samples; either way the log's times are CLOCK_MONOTONIC. */
enum conf_clock {
	CONF_CLOCK_PERF,	/* perf's clock + a measured offset: cheapest */
	CONF_CLOCK_MONOTONIC,	/* the kernel's CLOCK_MONOTONIC: exact, dearer */
};

enum conf_overflow {
	CONF_OVERFLOW_DROP,	/* a full queue drops the newest record, counted */
	CONF_OVERFLOW_BLOCK,	/* the reader waits; the kernel counts ring losses */
};

/*
 * When the log's buffered lines are written (the buffer is written when it
 * is full, and at a stop, a reload and a rotation, whatever the policy):
 */
enum conf_flush {
	CONF_FLUSH_IDLE,	/* when a worker's queue runs empty, and at least
				   every flush_interval: batches under load,
				   prompt when quiet (the default) */
	CONF_FLUSH_INTERVAL,	/* every flush_interval only: fewest writes */
	CONF_FLUSH_LINE,	/* every line as it is made: slowest, for
				   consumers that tail the log line by line */
};

enum conf_handler_kind {
	CONF_HANDLER_JSON,	/* the JSON-lines log */
	CONF_HANDLER_PRETTY,	/* human-readable blocks */
	CONF_HANDLER_PLUGIN,	/* FUNCTION in the shared object PATH */
};

struct conf_handler {
	enum conf_handler_kind kind;
	char *path;		/* plugin: absolute path of the .so; else NULL */
	char *function;		/* plugin: the symbol to call; else NULL */
};

/* [daemon]: every field has its default when the key is not given. */
struct conf_daemon {
	char *log;			/* absolute path, or "-" (stdout) */
	uint64_t rotate_size;		/* bytes; 0: never rotate */
	unsigned rotate_keep;		/* rotated files kept: log.1 .. log.N */
	unsigned workers;
	unsigned ring_pages;		/* per CPU, a power of two */
	unsigned queue_depth;		/* records per worker queue */
	enum conf_overflow overflow;
	enum conf_clock clock;
	enum conf_flush flush;
	uint64_t flush_interval_ms;
	uint64_t stats_interval_ms;	/* 0: no stats lines */
	char *metrics_file;		/* absolute path, or NULL: none */
	char *group;			/* tracefs group of the dynamic events */
	struct conf_handler *handlers;	/* for probes without a handler key */
	size_t nr_handlers;
	bool journald;			/* also send events to the journal */
};

/* One probe section: [KIND NAME]. */
struct conf_probe {
	struct probe_spec *spec;	/* kind, name, target, fetch args, render
					   hints, maxactive: as probes.h; owned */
	const char *name;		/* spec->name (not a copy) */
	char *filter;			/* ftrace filter, or NULL */
	struct conf_handler *handlers;	/* its own, or the daemon's */
	size_t nr_handlers;
	bool enabled;
	unsigned line;			/* the line of the section header */
	bool event_names;		/* log each event under its own name, not
					   the probe's: the command line's -e (a
					   file never sets it; not compared) */
};

/* A parsed file.  Plain data: read it, do not change it. */
struct conf {
	char *file;			/* the name it was parsed under */
	struct conf_daemon daemon;
	struct conf_probe *probes;	/* in file order */
	size_t nr_probes;
};

/*
 * conf_parse_text - parse len bytes of text (NUL bytes in it are errors,
 * no terminator needed); name is used in messages ("FILE" above).
 * Returns 0 with *out set (free with conf_free()) and *errs NULL, or
 *   -EINVAL  the text has errors: *errs lists every one
 *   -ENOMEM  (*errs may hold what was found before, or be NULL)
 * with *out NULL.  errs may be NULL when the caller wants no messages.
 * Nothing is read from the file system or the kernel: a uprobe's binary
 * and symbol, a tracepoint's existence and a filter's fields are checked
 * when the probes are created.
 */
int conf_parse_text(const char *name, const char *text, size_t len,
		    struct conf **out, struct conf_errors **errs);

/*
 * conf_file_open - open path for reading as a configuration file may be
 * opened: not through a symbolic link (O_NOFOLLOW), a regular file, owned
 * by owner (root: 0), writable by its owner alone.  The checks are made
 * with fstat() on the opened descriptor, so the file checked is the file
 * read.  Returns the descriptor (O_CLOEXEC; the caller closes it), or
 *   -ELOOP   path is a symbolic link
 *   -EINVAL  not a regular file
 *   -EPERM   wrong owner, group- or world-writable
 *   -errno   from open() or fstat()
 * with a message in err that does not repeat the path
 * ("is group-writable (mode 0664): chmod go-w it").
 */
int conf_file_open(const char *path, uid_t owner, char *err, size_t errlen);

/*
 * conf_load - conf_file_open(path, 0) then conf_parse_text() of its
 * contents (at most CONF_FILE_MAX bytes).  Returns as conf_parse_text(),
 * and also the -errno of conf_file_open() or of reading, with one error
 * "PATH: message" in *errs.
 */
int conf_load(const char *path, struct conf **out, struct conf_errors **errs);

/* conf_load_owner - conf_load() for a file owned by owner (tests). */
int conf_load_owner(const char *path, uid_t owner, struct conf **out,
		    struct conf_errors **errs);

/* conf_free - free a configuration and its specs; NULL is ok. */
void conf_free(struct conf *conf);

/*
 * The checks the file's values get, for the command line's own values.
 *
 * conf_text_check - the bytes of a line: no NUL, no control character
 * but tab, valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), no C1 control or bidirectional formatting character.
 * Returns 0, or -EINVAL with what and where in msg ("column 5: control
 * character 0x01").
 */
int conf_text_check(const char *s, size_t len, char *msg, size_t msglen);

/*
 * conf_value_filter - what an ftrace filter may not hold outside its
 * quoted strings: a ';' (the filter grammar has none; it would be a
 * second statement).  NULL, or why not (in msg).
 */
const char *conf_value_filter(const char *s, char *msg, size_t msglen);

/* conf_probe_find - the probe named name, or NULL (owned by conf). */
const struct conf_probe *conf_probe_find(const struct conf *conf, const char *name);

/*
 * conf_probe_equal - same name, kind, target, fetch arguments (in order),
 * render hints (in any order), maxactive, filter, handlers (in order) and
 * enabled: nothing about the probe changed.
 */
bool conf_probe_equal(const struct conf_probe *a, const struct conf_probe *b);

/* ------------------------------------------------------------------ */
/* Reload                                                              */

enum conf_change {
	CONF_ADDED,		/* only in the new configuration */
	CONF_REMOVED,		/* only in the old one */
	CONF_CHANGED,		/* in both, different (conf_probe_equal()) */
	CONF_UNCHANGED,		/* in both, equal */
};

struct conf_diff_item {
	enum conf_change change;
	const struct conf_probe *old;	/* NULL when added */
	const struct conf_probe *new;	/* NULL when removed */
};

struct conf_diff {
	struct conf_diff_item *items;	/* removed ones first (old order),
					   then the others in new order */
	size_t nr_items;
	size_t count[4];		/* items by enum conf_change */
	bool daemon_changed;		/* some [daemon] value differs */
};

/*
 * conf_diff - what a reload from old to new does to each probe, matched by
 * name.  Returns 0 with *out set (free with conf_diff_free(); its pointers
 * point into old and new, which must outlive it), or -ENOMEM.
 */
int conf_diff(const struct conf *old, const struct conf *new, struct conf_diff **out);

/* conf_diff_free - free a diff (not the configurations); NULL is ok. */
void conf_diff_free(struct conf_diff *diff);

/* conf_change_name - "added", "removed", "changed", "unchanged" (static). */
const char *conf_change_name(enum conf_change change);

#endif
