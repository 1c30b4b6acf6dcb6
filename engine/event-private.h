/* SPDX-License-Identifier: MIT */
/*
 * event-private.h - a tracefs event compiled into a flat field table
 * (event.c), and the per-event state the engine keeps beside it
 * (engine.c: handlers, filter, counter).  Only engine/ includes this.
 */
#ifndef TRACELOGD_EVENT_PRIVATE_H
#define TRACELOGD_EVENT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/*
 * One field, compiled from its format line.  Reading a record uses only
 * the numbers here: no string compare, no libtraceevent.
 */
struct engine_field {
	char *name;
	char *type;		/* as libtraceevent spells it: "int", "char[16]", "__data_loc char[]" */
	enum engine_field_kind kind;
	uint32_t offset;	/* from the start of the raw record */
	uint32_t size;		/* stored bytes: 4 for a loc word, 0 for a flexible "x[]" */
	uint32_t end;		/* offset + size: a record shorter than this is -ERANGE */
	uint32_t array_len;	/* fixed arrays: elements; 0 otherwise (and for flexible ones) */
	uint8_t elem_size;	/* width of the value, or of each element: 1, 2, 4, 8 */
	bool is_signed;		/* of the value or of each element; false for text */
	bool relative;		/* __rel_loc: the data offset counts from end */
	bool flexible;		/* "type x[]; size:0": the array runs to the end of the record */
};

struct engine_dedupe {
	uint64_t time;
	uint32_t raw_size;
	uint32_t hash;
};

struct engine_handler {
	engine_handler_fn fn;
	void *arg;
};

struct engine_event {
	unsigned id;			/* common_type */
	char *system, *name, *fullname;	/* "sched", "sched_switch", "sched/sched_switch" */
	size_t min_size;		/* end of the last fixed part, common fields included */

	/*
	 * The common_* fields first (nr_common of them), then the event's own
	 * (nr_fields), each group in format order.
	 */
	struct engine_field *fields;
	size_t nr_common;
	size_t nr_fields;

	/* managed by engine.c; engine_event_free() frees handlers and filter */
	struct engine_handler *handlers;
	size_t nr_handlers;
	char *filter;
	uint64_t count;			/* atomic: __atomic builtins only */
	uint64_t dropped;		/* atomic: records a full queue dropped */
	uint64_t lost;			/* samples the ring refused, known when closed */
	struct engine *engine;		/* the owner, NULL until engine_event_add() */
	size_t index;			/* in engine->events and each CPU's fds */
	/*
	 * While a filter is replaced the old and the new fds both trace, and
	 * one tracepoint hit that passes both filters is written twice, back
	 * to back, with the same time and bytes: the reader drops the second.
	 * Per CPU, the last sample of this event (reader only); NULL outside
	 * a replacement (atomic pointer).
	 */
	struct engine_dedupe *dedupe;
	enum { EVENT_NEW, EVENT_OPEN, EVENT_CLOSED } state;
};

#endif
