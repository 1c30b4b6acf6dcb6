/* SPDX-License-Identifier: MIT */
/*
 * pretty.h - the "pretty" handler: human-readable blocks for a terminal,
 * one per record, the probe's fields aligned under a header line:
 *
 *   04:31:47.123456789 exec sched/sched_process_exec cpu 1 pid 275389/275389 sh
 *       filename = /bin/sh
 *       pid      = 275389
 *       old_pid  = 275389
 *
 * The time is local wall-clock time.  Every byte that comes from the
 * traced system (strings, the task name) is escaped by textfmt.h's rules:
 * no control character, no invalid UTF-8 and no bidirectional override
 * ever reaches the terminal; long values are cut at TEXTFMT_VALUE_MAX
 * bytes, with the count of bytes left out.
 *
 * A block is made in its worker's own buffer and written whole, with one
 * write(2) under the output's lock: blocks never interleave, whatever the
 * number of workers.  Unbatched (the default), each block is written as
 * soon as it is made; batched, a worker's blocks are written when its
 * buffer fills and when pretty_on_idle() runs for it.
 */
#ifndef TRACELOGD_PRETTY_H
#define TRACELOGD_PRETTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "jlog.h"
#include "json.h"

struct pretty;

/*
 * pretty_open - blocks to path (NULL or "-": standard output; a file is
 * appended to, created with mode 0640).  workers: the engine's worker
 * count.  batch: see above (the caller then runs pretty_on_idle() from the
 * engine's on_idle).  Returns the handler (free with pretty_close()) or
 * NULL with errno and a message in err.
 */
struct pretty *pretty_open(const char *path, unsigned workers, bool batch,
			   char *err, size_t errlen);

/* pretty_close - write what is buffered and close; NULL is ok. */
void pretty_close(struct pretty *pp);

/*
 * pretty_add_event - print every record of ev as probe's, with the JSON
 * log's rendering hints (checked here, as jlog_add_event_hints() checks
 * them; not kept).  Returns 0, or -ENOENT / -EINVAL (a hint) or -ENOMEM,
 * with a message in err.
 */
int pretty_add_event(struct pretty *pp, struct engine_event *ev, const char *probe,
		     const struct jlog_hint *hints, size_t nh, char *err, size_t errlen);

/*
 * pretty_render_record - append rec's block, as pretty_add_event() would
 * print it, to b: no output, no handler (for tests and tools).  rec->time
 * is read as nanoseconds since the epoch (no clock offset).  err may be
 * NULL.  Returns 0, or the errors of pretty_add_event(), with b as it was.
 */
int pretty_render_record(struct jbuf *b, const struct engine_record *rec, const char *probe,
			 const struct jlog_hint *hints, size_t nh, char *err, size_t errlen);

/* pretty_clock_set - realtime - monotonic, for the time of each block (any thread). */
void pretty_clock_set(struct pretty *pp, int64_t offset_ns);

/* Engine callbacks: pass the pretty handler as arg. */
void pretty_on_idle(unsigned worker, void *arg);

/*
 * pretty_on_loss - a "-- N records lost (STAGE, cpu C)" line, so that a
 * reader of the terminal sees the gap (any thread but the workers').
 */
void pretty_on_loss(const struct engine_loss *loss, void *arg);

/* pretty_flush_all - write every worker's buffer (only when the workers are stopped). */
void pretty_flush_all(struct pretty *pp);

struct pretty_stats {
	uint64_t written;	/* blocks written */
	uint64_t dropped;	/* blocks the output refused (EPIPE, ENOSPC...) or no memory */
};

void pretty_stats_get(struct pretty *pp, struct pretty_stats *st);

#endif
