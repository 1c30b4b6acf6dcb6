/* SPDX-License-Identifier: MIT */
/*
 * jlog.h - the JSON-lines event log (schema 1 of DESIGN.md): one handler
 * per traced event, compiled once into an emitter; one output buffer per
 * worker, written whole lines at a time under one lock, so that lines are
 * never torn or interleaved.
 */
#ifndef TRACELOGD_JLOG_H
#define TRACELOGD_JLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct jlog;
struct jbuf;

struct jlog_stats {
	uint64_t events_written;	/* event lines the sink accepted */
	uint64_t sink_dropped;		/* event lines the sink refused */
	uint64_t lost_reported[4];	/* counts of the "lost" lines, by engine stage */
	uint64_t other_dropped;		/* daemon, stats and lost lines not written */
	uint64_t rotations;		/* files rotated away */
	uint64_t reopens;		/* jlog_reopen(), and reopens after a deletion */
	uint64_t torn;			/* cut lines left in a pipe (a file has none) */
	uint64_t tail_cut;		/* bytes of a torn last line cut at open */
	uint64_t file_bytes;		/* in the current file */
	int error;			/* the sink's failure (errno), 0: it writes */
	bool up;			/* a file is open */
};

/*
 * When buffered lines are written.  Whatever the policy, a full buffer is
 * written, and so is every buffer at jlog_flush_all() and jlog_close().
 */
enum jlog_flush {
	JLOG_FLUSH_IDLE,	/* when a worker runs out of records, and at least
				   every flush_interval (jlog_tick()) */
	JLOG_FLUSH_INTERVAL,	/* when a buffer's oldest line is flush_interval old */
	JLOG_FLUSH_LINE,	/* every line at once */
};

struct jlog_opts {
	uint64_t rotate_size;		/* bytes; 0: never rotate */
	unsigned rotate_keep;		/* PATH.1 (newest) .. PATH.N kept; 0: none */
	enum jlog_flush flush;
	uint64_t flush_interval_ms;	/* 0: 1000 */
};

/*
 * jlog_open - a log writing to path ("-": standard output), appending,
 * created with mode 0640.  workers: the engine's worker count.
 * Returns the log (free with jlog_close()) or NULL with errno and a message.
 */
struct jlog *jlog_open(const char *path, unsigned workers, char *err, size_t errlen);

/*
 * jlog_open_opts - jlog_open() with rotation and a flush policy (opts may
 * be NULL: no rotation, JLOG_FLUSH_IDLE, 1 s).
 *
 * Rotation: before a write would take the file past rotate_size, PATH.N-1
 * is renamed PATH.N (replacing the oldest) ... PATH to PATH.1, and a new
 * PATH is created: a line is never split between two files, and a file
 * passes rotate_size only when a single line is longer.  Standard output
 * is never rotated.
 */
struct jlog *jlog_open_opts(const char *path, unsigned workers, const struct jlog_opts *opts,
			    char *err, size_t errlen);

/*
 * jlog_set_opts - new rotation and flush settings (a reload): the rotation
 * from the next write on, the policy from each worker's next line.
 */
void jlog_set_opts(struct jlog *jl, const struct jlog_opts *opts);

/*
 * jlog_reopen - close the log file and open its path again (SIGUSR1, for
 * logrotate's create mode): every line goes whole to the old file or to
 * the new one, none lost, none twice.  Standard output: nothing to do.
 * Returns 0, or -errno when the path cannot be opened: the log is then
 * down (as in jlog_tick()) until a tick can open it.
 */
int jlog_reopen(struct jlog *jl);

/*
 * The log's health, for the daemon to print when it changes.
 *
 * Disk full (ENOSPC, EDQUOT, EIO, EFBIG...): the lines that went whole
 * stay; the front of a line the failure cut is truncated away; the event
 * lines that did not go are counted (sink_dropped); later lines are tried
 * again; the first write that works is preceded by a {"type":"lost",
 * "stage":"sink","count":N} line.  Engine losses whose "lost" line failed
 * are told then too, without their cpu.
 *
 * The file deleted, or its directory (the file has no name left): found by
 * the next tick, which creates the file again under its path.  Lines
 * written to the deleted file between the deletion and that tick cannot
 * be known lost.  When the path cannot be opened (ENOENT: no directory,
 * EACCES, EROFS...), the log is down: every event line is counted lost
 * and each tick tries the path again; the "lost" line comes first in the
 * new file.
 *
 * A rotation whose rename fails: the file stays the log, past rotate_size,
 * and each tick allows one more try.
 */
struct jlog_health {
	int error;		/* 0: the log writes; else errno of the failure */
	const char *op;		/* what failed: "write", "open", "rotate" */
	int last_error;		/* the latest failure (when error is 0: the one over) */
	const char *last_op;
	uint64_t lost;		/* event lines lost since the outage began (when
				   error is back to 0: during it) */
	uint64_t lost_total;	/* event lines the sink lost since the start */
};

/*
 * jlog_tick - the main loop's periodic work, every 100 ms to 1 s (more
 * often than flush_interval): write buffers whose oldest line is older
 * than flush_interval (idle and interval policies: a parked worker's
 * directly, a busy one's at its next line), check the file (deleted,
 * size), retry a down log, write the "lost" lines that are due.  now_ns:
 * CLOCK_MONOTONIC (record times are on it).  Any one thread.
 * Returns 1 when the health changed since the last tick (and fills *h,
 * which may be NULL), 0 when not.
 */
int jlog_tick(struct jlog *jl, uint64_t now_ns, struct jlog_health *h);

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
 * Returns 0, or -EIO (the log could not take it: counted in other_dropped)
 * or -ENOMEM.
 */
int jlog_write_daemon(struct jlog *jl, const char *state, const char *extra);

/*
 * jlog_write_line - a {"type":TYPE,"ts":NOW...} line, written at once;
 * extra as for jlog_write_daemon().  Returns as jlog_write_daemon().
 */
int jlog_write_line(struct jlog *jl, const char *type, const char *extra);

/* jlog_flush_all - write every worker's buffer (only when the workers are stopped). */
void jlog_flush_all(struct jlog *jl);

/* jlog_clock_update - re-measure CLOCK_REALTIME - CLOCK_MONOTONIC (any thread). */
void jlog_clock_update(struct jlog *jl);

void jlog_stats_get(struct jlog *jl, struct jlog_stats *st);

/*
 * jlog_render_fits - whether field f can take render hint r: NULL, or a
 * static text saying what the hint needs ("a 4-byte field").  Shared by
 * every handler that renders hints.
 */
const char *jlog_render_fits(const struct engine_field *f, enum jlog_render r);

#endif
