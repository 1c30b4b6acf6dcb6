/* SPDX-License-Identifier: MIT */
/*
 * jlog.h - the JSON-lines event log (schema 1 of DESIGN.md): one handler
 * per traced event, compiled once into an emitter; one output buffer per
 * worker, written whole lines at a time under one lock, so that lines are
 * never torn or interleaved.
 */
#ifndef TRACELOGD_JLOG_H
#define TRACELOGD_JLOG_H

#include <stdint.h>

#include "engine.h"

struct jlog;

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
