/* SPDX-License-Identifier: MIT */
/*
 * journald.h - the "journald" handler: each record as one journal entry
 * (libsystemd's sd_journal_sendv), with structured fields, so that events
 * can travel through the journal and systemd-journal-remote:
 *
 *   MESSAGE=exec sched/sched_process_exec pid 275389/275389 sh filename=/bin/sh pid=275389 old_pid=275389
 *   PRIORITY=6
 *   SYSLOG_IDENTIFIER=tracelogd
 *   TRACELOGD_PROBE=exec
 *   TRACELOGD_EVENT=sched/sched_process_exec
 *   TRACELOGD_PID=275389
 *   TRACELOGD_TID=275389
 *   TRACELOGD_CPU=1
 *   TRACELOGD_COMM=sh
 *   TRACELOGD_TS=1795915907123456        (wall clock, us since the epoch,
 *                                         as _SOURCE_REALTIME_TIMESTAMP)
 *   TRACELOGD_MONO_NS=911006068149       (the log's "mono_ns")
 *   TRACELOGD_F_FILENAME=/bin/sh         (one per field of the event)
 *   TRACELOGD_F_PID=275389
 *   TRACELOGD_F_OLD_PID=275389
 *
 * Field names are the event's names in upper case, every byte but A-Z,
 * 0-9 and _ made _, cut to journald's 64 bytes (a clash after that gets
 * the field's index as a suffix).  Values are written as the pretty
 * handler writes them (integers in decimal, pointers 0x hex, arrays
 * "[1, 2]", rendering hints applied), except strings: in the TRACELOGD_F_
 * fields and TRACELOGD_COMM they are the kernel's bytes unchanged (the
 * journal stores binary values), in MESSAGE they are escaped for a
 * terminal (textfmt.h) and cut at 256 bytes.  A field the record is too
 * short for is left out.
 *
 * sd_journal_sendv() is thread-safe: each worker builds its entry in its
 * own buffers and sends it at once, one datagram per record.  The send
 * blocks while journald's socket is full (journald rate-limits and may be
 * slow): the worker waits, and its queue counts what it then drops.  An
 * entry sd_journal_sendv() fails on is counted dropped (the first failure
 * is logged).
 * libsystemd drops an entry silently, reporting success, when the socket
 * does not exist (ENOENT): journald_open() checks that it exists and that
 * journald listens, so that a host without a journal is told at start.
 */
#ifndef TRACELOGD_JOURNALD_H
#define TRACELOGD_JOURNALD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "engine.h"
#include "jlog.h"
#include "json.h"

#define JOURNALD_SOCKET		"/run/systemd/journal/socket"
#define JOURNALD_FIELD_MAX	64	/* bytes in a journal field name */
#define JOURNALD_MESSAGE_VALUE_MAX 256	/* bytes of a value in MESSAGE */

struct journald;
struct journald_emitter;

/*
 * journald_open - check that journald listens on socket (NULL:
 * JOURNALD_SOCKET, the socket sd_journal_sendv() writes to) and make the
 * handler.  workers: the engine's worker count.  Returns the handler (free
 * with journald_close()), or NULL with errno (ENOENT: no socket,
 * ENOTSOCK, ECONNREFUSED: nothing listens) and a message in err.
 */
struct journald *journald_open(const char *socket, unsigned workers, char *err, size_t errlen);

/* journald_close - free the handler; NULL is ok. */
void journald_close(struct journald *jd);

/*
 * journald_add_event - send every record of ev as probe's, with the JSON
 * log's rendering hints (checked here; not kept).  Returns 0, or -ENOENT /
 * -EINVAL (a hint) or -ENOMEM, with a message in err.
 */
int journald_add_event(struct journald *jd, struct engine_event *ev, const char *probe,
		       const struct jlog_hint *hints, size_t nh, char *err, size_t errlen);

/* journald_clock_set - realtime - monotonic, for TRACELOGD_TS (any thread). */
void journald_clock_set(struct journald *jd, int64_t offset_ns);

struct journald_stats {
	uint64_t sent;		/* entries journald accepted */
	uint64_t dropped;	/* entries sd_journal_sendv() refused, or no memory */
};

void journald_stats_get(struct journald *jd, struct journald_stats *st);

/* ------------------------------------------------------------------ */
/* Building an entry: pure functions, no socket                        */

/*
 * journald_emitter_new - what does not change between ev's records: the
 * fields' names, the probe's and event's fields.  err may be NULL.
 * Returns the emitter (free with journald_emitter_free()) or NULL with
 * errno (ENOENT, EINVAL: a hint; ENOMEM) and a message.
 */
struct journald_emitter *journald_emitter_new(const struct engine_event *ev, const char *probe,
					      const struct jlog_hint *hints, size_t nh,
					      char *err, size_t errlen);

void journald_emitter_free(struct journald_emitter *em);

/* An entry: iov[0..nr_iov) are "NAME=value" items pointing into text. */
struct journald_msg {
	struct jbuf text;
	struct iovec *iov;
	size_t nr_iov;
	size_t cap_iov;
	size_t *ends;		/* end offset in text of each item (cap_iov of them) */
};

/* journald_msg_free - free an entry's buffers; a zeroed msg needs no init. */
void journald_msg_free(struct journald_msg *m);

/*
 * journald_msg_build - rec's entry into m (what it held before is
 * replaced), as the handler sends it.  offset_ns: realtime - monotonic
 * (0: rec->time is read as wall-clock time).  Returns 0 or -ENOMEM.
 */
int journald_msg_build(struct journald_msg *m, const struct journald_emitter *em,
		       const struct engine_record *rec, int64_t offset_ns);

/*
 * journald_field_name - the journal's name for an event field: "TRACELOGD_F_"
 * and name in upper case, other bytes as _, at most JOURNALD_FIELD_MAX
 * bytes.  out has JOURNALD_FIELD_MAX + 1 bytes.  Returns its length.
 */
size_t journald_field_name(char *out, const char *name);

#endif
