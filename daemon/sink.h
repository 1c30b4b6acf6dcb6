/* SPDX-License-Identifier: MIT */
/*
 * sink.h - where the log's lines go: a file (rotated by size, reopened on
 * request, recreated when deleted) or standard output.  The sink writes
 * whole lines only: a write that fails half-way through a line (disk full)
 * is cut back to the last complete line, so the file never holds a torn
 * line; a failure is remembered as the sink's health until writing works
 * again.
 *
 * Not thread-safe: the log (jlog.c) calls it under its lock.  Nothing here
 * prints; errors are -errno and the health state.
 */
#ifndef TRACELOGD_SINK_H
#define TRACELOGD_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink;

struct sink_opts {
	uint64_t rotate_size;	/* bytes; 0: never rotate */
	unsigned rotate_keep;	/* PATH.1 (newest) .. PATH.N kept; 0: none */
};

/* What failed, in struct sink_health and the daemon's messages. */
enum sink_op {
	SINK_OP_NONE,
	SINK_OP_WRITE,		/* write(2) failed (ENOSPC, EDQUOT, EIO, EFBIG...) */
	SINK_OP_OPEN,		/* the file could not be (re)created: no log now */
	SINK_OP_ROTATE,		/* renaming the file away failed: still written */
};

/* sink_op_name - "write", "open", "rotate" ("" for none).  Static. */
const char *sink_op_name(enum sink_op op);

/*
 * sink_open - a sink appending to path ("-": standard output, never
 * rotated nor reopened).  A file is opened O_WRONLY|O_APPEND|O_CLOEXEC;
 * one it creates gets mode 0640 whatever the umask (fchmod).  o may be
 * NULL (no rotation).  A file whose last line has no newline (its writer
 * died in the middle of a write) is cut back to its last newline first,
 * so that appended lines are never glued to a torn one; the bytes cut are
 * sink_stats.tail_cut.  Returns the sink (free with sink_close()), or NULL
 * with errno and a message in err.
 */
struct sink *sink_open(const char *path, const struct sink_opts *o, char *err, size_t errlen);

/* sink_close - close the file; NULL is ok. */
void sink_close(struct sink *s);

/* sink_set_opts - new rotation settings (from the next write on). */
void sink_set_opts(struct sink *s, const struct sink_opts *o);

/*
 * sink_write - write len bytes of complete lines (p[len - 1] is '\n').
 * Rotates first whenever the next line would take the file past
 * rotate_size (a file holds at least one line, so a single line longer
 * than rotate_size makes a file of its own).  Returns the bytes of whole
 * lines written: len when all went, less after a failure, which is then
 * the sink's health (sink_health()).  A line the failure cut is truncated
 * away (a regular file) or, in a pipe, ended with a newline before the
 * next write and counted in sink_torn().  While the sink is down (no file
 * could be opened) nothing is tried and 0 is returned.
 */
size_t sink_write(struct sink *s, const char *p, size_t len);

/*
 * sink_reopen - close the file and open path again (SIGUSR1, for
 * logrotate's create mode).  Every line written before goes to the old
 * file, every line after to the new one.  Standard output: nothing to do.
 * Returns 0, or -errno when path cannot be opened: the sink is then down
 * (the old file is closed) and sink_check() retries.
 */
int sink_reopen(struct sink *s);

/*
 * sink_check - the periodic check (each jlog_tick()): a file whose last
 * name was removed (st_nlink 0: the file, or its directory, deleted) is
 * reopened under path; a down sink retries the open; the size is re-read
 * (logrotate's copytruncate); a rotation that failed is tried again from
 * the next write on.
 */
void sink_check(struct sink *s);

/* sink_is_up - a file is open (lines are tried). */
bool sink_is_up(const struct sink *s);

/*
 * sink_health - 0 while writing works, else the errno of the failure and
 * what failed in *op (SINK_OP_ROTATE: the file is still written, past
 * rotate_size).  *failures (may be NULL) counts failures that started since
 * the sink opened, so that a failure and a recovery between two looks are
 * seen.
 */
int sink_health(const struct sink *s, enum sink_op *op, uint64_t *failures);

struct sink_stats {
	uint64_t bytes;		/* in the current file */
	uint64_t rotations;
	uint64_t reopens;	/* sink_reopen() and reopens after deletion */
	uint64_t torn;		/* cut lines a pipe kept (a file's are truncated) */
	uint64_t tail_cut;	/* bytes of a torn last line cut by sink_open() */
};

void sink_stats_get(const struct sink *s, struct sink_stats *st);

#endif
