/* SPDX-License-Identifier: MIT */
/*
 * jlog.h - the JSON-lines event log (schema 1 of DESIGN.md): one handler
 * per traced event, compiled once into an emitter; one output buffer per
 * worker, written whole lines at a time under one lock, so that lines are
 * never torn or interleaved.
 */
#ifndef TRACELOGD_JLOG_H
#define TRACELOGD_JLOG_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct jlog;
struct jbuf;

struct jlog_stats {
	uint64_t events_written;	/* event lines the sink accepted */
	uint64_t sink_dropped;		/* event lines the sink refused */
	uint64_t lost_reported[4];	/* counts of the "lost" lines, by engine stage */
};

/*
 * jlog_open - a log writing to path ("-": standard output), appending,
 * created with mode 0640.  workers: the engine's worker count.
 * Returns the log (free with jlog_close()) or NULL with errno and a message.
 */
struct jlog *jlog_open(const char *path, unsigned workers, char *err, size_t errlen);

/* jlog_close - flush and close; NULL is ok. */
void jlog_close(struct jlog *jl);

/*
 * jlog_add_event - log every record of ev as a line naming probe.  Compiles
 * the event's emitter and adds it as a handler.  Returns 0 or -errno.
 */
int jlog_add_event(struct jlog *jl, struct engine_event *ev, const char *probe);

/*
 * Field rendering hints: how a field's value is written instead of its
 * default (a number, a string, an array).  A value that cannot be read (a
 * short record) is null, as without a hint.
 */
enum jlog_render {
	JLOG_RENDER_DEFAULT,
	JLOG_RENDER_IPV4,	/* 4 bytes in memory (network) order: "127.0.0.1" */
	JLOG_RENDER_IPV6,	/* 16 bytes in memory order: "::1" */
	JLOG_RENDER_HEX,	/* an integer (or each element) as "0x1f" */
	JLOG_RENDER_ERRNO,	/* -1..-4095 as its name ("ENOENT"), else the number */
	JLOG_RENDER_PORT,	/* a 2-byte field in network order, as a number */
};

#define JLOG_RENDER_NAMES "ipv4, ipv6, hex, errno, port"

struct jlog_hint {
	const char *field;	/* a field of the event (not common_*) */
	enum jlog_render render;
};

/* jlog_render_parse - the hint named name ("ipv4"), or -EINVAL. */
int jlog_render_parse(const char *name);

/*
 * jlog_add_event_hints - as jlog_add_event(), with n rendering hints
 * (hints may be NULL when n is 0; they are not kept).  Each hint is
 * resolved to its field and checked against the field's type once, here;
 * writing a record then only switches on it.
 * Returns 0, or -ENOENT (no such field), -EINVAL (a hint the field's type
 * cannot take), -ENOMEM, with a message in err.
 */
int jlog_add_event_hints(struct jlog *jl, struct engine_event *ev, const char *probe,
			 const struct jlog_hint *hints, size_t n, char *err, size_t errlen);

/*
 * jlog_render_record - append rec's event line (newline included), as the
 * log would write it for probe with these hints, to b: no log, no sink (for
 * tests, fuzzing and tools).  The emitter is compiled for this one call
 * from rec->event, as jlog_add_event_hints() does.  "ts" reads rec->time as
 * nanoseconds since the epoch (no clock offset), so the line depends on
 * rec alone.  err may be NULL.
 * Returns 0, or -ENOENT / -EINVAL (a hint, message in err) or -ENOMEM,
 * with b as it was.
 */
int jlog_render_record(struct jbuf *b, const struct engine_record *rec, const char *probe,
		       const struct jlog_hint *hints, size_t nh, char *err, size_t errlen);

/* Engine callbacks: pass the jlog as engine_opts.arg. */
void jlog_on_idle(unsigned worker, void *arg);
void jlog_on_loss(const struct engine_loss *loss, void *arg);

/*
 * jlog_write_daemon - a {"type":"daemon","state":STATE,...} line; extra is
 * either NULL or JSON members to append, starting with a comma.
 */
int jlog_write_daemon(struct jlog *jl, const char *state, const char *extra);

/* jlog_flush_all - write every worker's buffer (only when the workers are stopped). */
void jlog_flush_all(struct jlog *jl);

/* jlog_clock_update - re-measure CLOCK_REALTIME - CLOCK_MONOTONIC (any thread). */
void jlog_clock_update(struct jlog *jl);

void jlog_stats_get(struct jlog *jl, struct jlog_stats *st);

#endif
