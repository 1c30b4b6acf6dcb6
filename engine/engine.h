/* SPDX-License-Identifier: MIT */
/*
 * engine.h - the tracelogd engine: tracefs event formats compiled into field
 * tables, per-CPU perf rings, records, dispatch on common_type and a pool of
 * worker threads running handlers.
 *
 * The engine knows nothing of configuration files, JSON or systemd.  Library
 * conventions: functions return 0 (or a positive value) on success and
 * -errno on failure; constructors return NULL and set errno.  Where a caller
 * passes an "err" buffer, a one-line human message is written there on
 * failure.  Nothing here prints or exits.
 */
#ifndef TRACELOGD_ENGINE_H
#define TRACELOGD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
struct engine_event;
struct engine_field;

/* ------------------------------------------------------------------ */
/* tracefs                                                             */

/*
 * engine_tracefs_dir - the tracefs mount point, mounting it on
 * /sys/kernel/tracing when it is not mounted anywhere.
 * Returns a static string (do not free), or NULL with errno set and a
 * message in err.
 */
const char *engine_tracefs_dir(char *err, size_t errlen);

/*
 * engine_tracefs_mounted - true when engine_tracefs_dir() found tracefs
 * mounted nowhere and mounted it itself (the caller says so once).
 */
bool engine_tracefs_mounted(void);

/* ------------------------------------------------------------------ */
/* Events and their compiled fields                                    */

enum engine_field_kind {
	ENGINE_FIELD_INT,	/* integer of 1, 2, 4 or 8 bytes */
	ENGINE_FIELD_POINTER,	/* a kernel or user address */
	ENGINE_FIELD_CHAR_ARRAY,	/* char name[N]: text up to the first NUL */
	ENGINE_FIELD_INT_ARRAY,	/* type name[N] of integers */
	ENGINE_FIELD_STRING,	/* __data_loc / __rel_loc char[] */
	ENGINE_FIELD_DYN_ARRAY,	/* __data_loc / __rel_loc of integers */
};

/*
 * engine_event_parse - compile an event from the text of its tracefs
 * "format" file.  system names the event's group ("sched").
 * Returns the event, to be freed with engine_event_free(), or NULL with
 * errno (EINVAL: the text does not parse, ENOMEM) and a message in err.
 */
struct engine_event *engine_event_parse(const char *system, const char *format,
					size_t len, char *err, size_t errlen);

/* engine_event_free - free an event made by engine_event_parse(); NULL is ok. */
void engine_event_free(struct engine_event *ev);

/* The event's id (common_type), group, name and "group/name". Do not free. */
unsigned engine_event_id(const struct engine_event *ev);
const char *engine_event_system(const struct engine_event *ev);
const char *engine_event_name(const struct engine_event *ev);
const char *engine_event_fullname(const struct engine_event *ev);

/*
 * engine_event_min_size - the smallest raw record this event can produce:
 * the end of its last fixed-size field.  Shorter records are malformed.
 */
size_t engine_event_min_size(const struct engine_event *ev);

/*
 * Fields other than the common_* ones, in format order.  Index runs from 0
 * to engine_event_nr_fields() - 1.  Handles stay valid as long as the event.
 */
size_t engine_event_nr_fields(const struct engine_event *ev);
const struct engine_field *engine_event_field_at(const struct engine_event *ev,
						 size_t i);

/*
 * engine_event_field - look a field up by name (common_* fields included).
 * Done once, at registration; reading a record with the handle is then an
 * offset and a bounds check.  Returns NULL with errno ENOENT when absent.
 */
const struct engine_field *engine_event_field(const struct engine_event *ev,
					      const char *name);

const char *engine_field_name(const struct engine_field *f);
const char *engine_field_type(const struct engine_field *f);	/* C type as in the format */
enum engine_field_kind engine_field_kind(const struct engine_field *f);
bool engine_field_is_signed(const struct engine_field *f);	/* of the value, or of each element */
unsigned engine_field_offset(const struct engine_field *f);
unsigned engine_field_size(const struct engine_field *f);	/* bytes in the fixed part */
unsigned engine_field_elem_size(const struct engine_field *f);	/* value width: 1, 2, 4, 8 */
unsigned engine_field_array_len(const struct engine_field *f);	/* fixed arrays; 0 otherwise */

/*
 * Reading a raw record (the bytes after PERF_SAMPLE_RAW's size word).  Every
 * call checks the field against raw_size; dynamic fields check their loc
 * word.  They return 0, or -ERANGE when the record is too short or a loc
 * word points outside it, or -EINVAL when the field is not of that kind.
 *
 * engine_field_read_int - an INT or POINTER field, or element idx of an
 * INT_ARRAY or DYN_ARRAY.  Signed values are sign-extended, so that
 * (int64_t)*v is the value.  Declared C types narrower than the stored
 * size (syscall arguments: "int dfd; size:8") are read at their own width
 * and signedness.
 */
int engine_field_read_int(const struct engine_field *f, const void *raw,
			  size_t raw_size, size_t idx, uint64_t *v);

/*
 * engine_field_read_str - a CHAR_ARRAY or STRING field.  *s points into raw
 * (not NUL-terminated); *len stops at the first NUL and never passes the
 * field's bounds.
 */
int engine_field_read_str(const struct engine_field *f, const void *raw,
			  size_t raw_size, const char **s, size_t *len);

/* engine_field_read_count - the element count of an INT_ARRAY or DYN_ARRAY. */
int engine_field_read_count(const struct engine_field *f, const void *raw,
			    size_t raw_size, size_t *count);

/* ------------------------------------------------------------------ */
/* Records                                                             */

#define ENGINE_COMM_LEN 16

/*
 * A sample, copied out of the ring.  The worker that runs the handlers owns
 * it until the last handler returns; handlers copy what they keep longer.
 */
struct engine_record {
	const struct engine_event *event;
	uint64_t time;			/* CLOCK_MONOTONIC, ns */
	uint32_t pid;			/* PERF_SAMPLE_TID: in the tracer's pid namespace */
	uint32_t tid;
	uint32_t cpu;
	uint32_t raw_size;
	char comm[ENGINE_COMM_LEN];	/* the task's name at the time, NUL-terminated */
	unsigned char raw[];		/* 8-byte aligned */
};

/*
 * A handler runs on worker thread `worker` (0 .. workers - 1).  Records of
 * one thread (tid) always reach the same worker, in kernel order.
 */
typedef void (*engine_handler_fn)(const struct engine_record *rec,
				  unsigned worker, void *arg);

/* ------------------------------------------------------------------ */
/* The engine                                                          */

enum engine_overflow {
	ENGINE_OVERFLOW_DROP,	/* a full queue drops the newest record, counted */
	ENGINE_OVERFLOW_BLOCK,	/* the reader waits; the ring counts its losses */
};

/*
 * Which clock stamps the samples.  Either way a record's time is
 * CLOCK_MONOTONIC nanoseconds.
 */
enum engine_clock_source {
	/*
	 * perf's own clock, cheapest for the traced program; the reader adds
	 * an offset to CLOCK_MONOTONIC measured every timeout_ms, exact to
	 * engine_clock_error() (about a microsecond).  When the offset cannot
	 * be measured the engine falls back to ENGINE_CLOCK_MONOTONIC.
	 */
	ENGINE_CLOCK_PERF,
	/* CLOCK_MONOTONIC taken by the kernel (use_clockid): exact, dearer */
	ENGINE_CLOCK_MONOTONIC,
};

enum engine_stage {
	ENGINE_STAGE_RING,	/* PERF_RECORD_LOST: the kernel found the ring full */
	ENGINE_STAGE_QUEUE,	/* a worker's queue was full (overflow = drop) */
	ENGINE_STAGE_INVALID,	/* short, unknown or malformed record, not decoded */
	ENGINE_STAGE_SIDEBAND,	/* task-name records lost: comm may be stale */
};

const char *engine_stage_name(enum engine_stage stage);

struct engine_loss {
	enum engine_stage stage;
	int cpu;
	uint64_t count;
};

/*
 * A CPU that went offline or came (back) online while tracing.  The kernel
 * removes per-CPU perf events from a CPU that goes offline and never puts
 * them back: the engine notices within timeout_ms (the CPU missing from
 * /sys/devices/system/cpu/online, or its ring's owner no longer counting
 * time, for an offline and online between two looks), reads what the
 * CPU's rings still hold, counts what its events lost, and closes them;
 * when the CPU is online again it opens every event there anew.
 */
enum engine_cpu_state {
	ENGINE_CPU_OFFLINE,	/* its rings are drained and its events closed */
	ENGINE_CPU_ONLINE,	/* its events are open and enabled again */
	ENGINE_CPU_FAILED,	/* online, but its events could not be opened: untraced */
};

struct engine_cpu_change {
	int cpu;
	enum engine_cpu_state state;
	uint64_t drained;	/* OFFLINE: records read from its ring after it went */
	int error;		/* FAILED: -errno */
	const char *message;	/* FAILED: what failed, naming the event; else "" */
};

struct engine_opts {
	unsigned ring_pages;		/* data pages per CPU ring, power of two; 0: 256 */
	unsigned workers;		/* 0: 2 */
	unsigned queue_depth;		/* records per worker queue; 0: 65536 */
	enum engine_overflow overflow;
	enum engine_clock_source clock;	/* 0: ENGINE_CLOCK_PERF */
	unsigned timeout_ms;		/* sweep of rings below the watermark; 0: 100 */
	/*
	 * on_loss runs on the reader thread, once per sweep and stage for each
	 * CPU that lost something.  It may block briefly.
	 */
	void (*on_loss)(const struct engine_loss *loss, void *arg);
	/* on_idle runs on a worker when its queue runs empty (flush buffers). */
	void (*on_idle)(unsigned worker, void *arg);
	/*
	 * on_started runs in engine_start() once every event is enabled,
	 * before any record reaches a handler.
	 */
	void (*on_started)(void *arg);
	/*
	 * on_cpu runs on the reader thread for each CPU change it handles,
	 * after the losses of that CPU were told (on_loss) and, for ONLINE,
	 * once its events are enabled.  FAILED is told once, then tried
	 * again quietly every second until the CPU is traced or offline.
	 * A CPU offline at engine_start() is traced from its first ONLINE.
	 * It runs with the engine's CPU lock held, as on_loss may: neither
	 * may call engine functions other than engine_stats_get() and
	 * engine_sweeps().
	 */
	void (*on_cpu)(const struct engine_cpu_change *ch, void *arg);
	void *arg;
};

/*
 * engine_new - an engine with no events yet.  opts may be NULL (defaults).
 * Returns the engine, to be freed with engine_free(), or NULL with errno.
 */
struct engine *engine_new(const struct engine_opts *opts, char *err, size_t errlen);

/*
 * engine_free - stop (if running), close every fd, free the events and the
 * engine.  NULL is ok.
 */
void engine_free(struct engine *e);

/*
 * engine_event_add - read system/name's format from tracefs, compile it and
 * add it to the engine.  Returns the event (owned by the engine: do not
 * free), or NULL with errno (ENOENT: no such event) and a message.  An
 * event added before engine_start() opens with it; one added while the
 * engine runs (a reload) opens at engine_event_open().
 */
struct engine_event *engine_event_add(struct engine *e, const char *system,
				      const char *name, char *err, size_t errlen);

/*
 * engine_event_handler_add - run fn(rec, worker, arg) for each record of ev,
 * after the handlers added before it.  Only before engine_start().
 */
int engine_event_handler_add(struct engine_event *ev, engine_handler_fn fn, void *arg);

/*
 * engine_event_set_filter - an ftrace filter expression ("common_pid ==
 * 42") applied in the kernel with PERF_EVENT_IOC_SET_FILTER at start.  The
 * string is copied.  Only before engine_start().
 */
int engine_event_set_filter(struct engine_event *ev, const char *filter);

/*
 * engine_start - open every event on every online CPU, map the rings,
 * start the reader and the workers, then enable the events.  CPUs offline
 * now are traced once they come online (see on_cpu).  On failure
 * nothing stays open.  Returns 0 or -errno with a message naming the event
 * and the cause (permission, paranoid level, fd limit, bad filter).
 */
int engine_start(struct engine *e, char *err, size_t errlen);

/*
 * engine_event_open - start tracing an event added while the engine runs:
 * open it on every CPU traced now, into the running rings (a CPU that
 * comes online later opens it with the other events).  The other events
 * trace on without a gap.  Before engine_start() it does nothing (the
 * start opens it).  Returns 0 or -errno with a message; on failure nothing
 * stays open.
 */
int engine_event_open(struct engine *e, struct engine_event *ev, char *err, size_t errlen);

/*
 * engine_event_close - stop tracing one event: disable it, let the reader
 * dispatch what the rings hold of it, then close its fds (so that a dynamic
 * event can be removed from tracefs).  Its records already read still reach
 * its handlers; the event stays allocated, and counted, until
 * engine_free().  It cannot be opened again: add it anew.
 */
int engine_event_close(struct engine *e, struct engine_event *ev);

/*
 * engine_event_update_filter - replace an event's filter (NULL or "": none)
 * while it traces, with no gap.  On failure the old filter stays in force
 * everywhere.  Returns 0 or -errno with the kernel's refusal in err.
 */
int engine_event_update_filter(struct engine *e, struct engine_event *ev,
			       const char *filter, char *err, size_t errlen);

/*
 * engine_stop - disable the events, drain what the rings hold, let the
 * workers run the handlers on every queued record, join the threads and
 * close the perf fds.  Idempotent.
 */
void engine_stop(struct engine *e);

struct engine_stats {
	uint64_t samples;	/* records read from the rings and queued */
	uint64_t handled;	/* records the workers ran handlers on */
	uint64_t lost[4];	/* by enum engine_stage */
	uint64_t comm_records;	/* PERF_RECORD_COMM/FORK/EXIT seen */
	unsigned cpus;		/* CPUs traced now */
	unsigned workers;
	uint64_t cpu_offline;	/* CPU offline transitions handled */
	uint64_t cpu_online;	/* and CPUs traced again */
};

/* engine_stats - a snapshot of the counters (any thread, any time). */
void engine_stats_get(const struct engine *e, struct engine_stats *st);

/* engine_event_count - records of this event handed to its handlers. */
uint64_t engine_event_count(const struct engine_event *ev);

/* engine_event_dropped - records of this event a full queue dropped (any thread). */
uint64_t engine_event_dropped(const struct engine_event *ev);

/*
 * engine_event_lost - samples of this event the kernel could not write
 * into a full ring so far (PERF_FORMAT_LOST, Linux 6.0+), read from its
 * perf fds now, plus what its closed fds had lost.  Call it from the
 * thread that opens and closes events (it reads their fds).  Ring losses
 * come from the ring, per CPU (engine_stats, "lost" lines); this is their
 * share per event, which the kernel may not have put in the ring yet.
 * Returns 0, or -EOPNOTSUPP when the kernel cannot say.
 */
int engine_event_lost(const struct engine_event *ev, uint64_t *lost);

/*
 * engine_worker_queued - bytes of records waiting in worker w's queue
 * now (approximate; any thread).  0 for a worker that does not exist.
 */
uint64_t engine_worker_queued(const struct engine *e, unsigned w);

/*
 * engine_sweeps - sweeps of the rings the reader has completed since
 * engine_start() (any thread).  It moves at least every timeout_ms while
 * the reader is alive: a supervisor (the daemon's watchdog) checks that
 * it advances.
 */
uint64_t engine_sweeps(const struct engine *e);

/*
 * engine_clock_used - the clock that stamps the samples, known once
 * engine_start() succeeded.  engine_clock_error - for ENGINE_CLOCK_PERF,
 * ns by which a record's time may differ from CLOCK_MONOTONIC at the last
 * measurement of the offset (0 for ENGINE_CLOCK_MONOTONIC).  Any thread.
 */
enum engine_clock_source engine_clock_used(const struct engine *e);
uint64_t engine_clock_error(const struct engine *e);

#endif
