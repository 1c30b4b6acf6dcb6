/* SPDX-License-Identifier: MIT */
/*
 * itest.h - running build/tracelogd from integration tests and reading its
 * log.  Tests need root and the real kernel; without them they SKIP, saying
 * why.
 */
#ifndef TRACELOGD_ITEST_H
#define TRACELOGD_ITEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tld {
	pid_t pid;
	char dir[256];		/* a temporary directory, removed by tld_cleanup */
	char log[300];
	char err[300];
	uid_t uid;		/* run as this user (0: as we are) */
	long nofile;		/* RLIMIT_NOFILE, hard and soft, without CAP_SYS_RESOURCE */
};

/* itest_skip_reason - NULL when integration tests can run, else why not. */
const char *itest_skip_reason(void);

/*
 * itest_sanitized - true when TRACELOGD_SANITIZED=1 (make check-sanitize
 * sets it): tracelogd and the engine are sanitizer builds, several times
 * slower, and may lose events at a full storm's rate.  Only the assertions
 * that nothing was lost give way to it; the accounting is still exact.
 */
bool itest_sanitized(void);

/* tld_init - a fresh temporary directory; tld_start and tld_run call it. */
void tld_init(struct tld *t);

/*
 * tld_start - run tracelogd with args (NULL-terminated) plus "-o LOG",
 * and wait up to 60 s for its "started" line.  Returns 0, or -1 when it
 * exited or timed out (its stderr is printed).
 */
int tld_start(struct tld *t, const char *const *args);

/*
 * tld_start_log - tld_start with the log at log (NULL: in t->dir), which
 * tld_cleanup removes (the directory holding it is the caller's).
 */
int tld_start_log(struct tld *t, const char *const *args, const char *log);

/* tld_stop - SIGINT, then wait; returns its exit status (or -1). */
int tld_stop(struct tld *t);

/* tld_run - run tracelogd to completion; returns the exit status. */
int tld_run(struct tld *t, const char *const *args);

/*
 * tld_run_as - tld_run as user uid (0: as we are) with RLIMIT_NOFILE set to
 * nofile (0: unchanged) and CAP_SYS_RESOURCE dropped, so it cannot raise it.
 */
int tld_run_as(struct tld *t, const char *const *args, uid_t uid, long nofile);

void tld_cleanup(struct tld *t);

/* the text of its stderr (static buffer) */
const char *tld_stderr(struct tld *t);

struct tlog {
	json_t **lines;
	size_t n;
	size_t bad;		/* lines that did not parse (each printed) */
};

/* tlog_read - parse every line of path; every line must be JSON. */
void tlog_read(struct tlog *l, const char *path);
void tlog_free(struct tlog *l);

/* the last {"type":"daemon","state":STATE} line, or NULL */
json_t *tlog_daemon(const struct tlog *l, const char *state);

/* events of name ("syscalls/sys_enter_getppid") for tid (0: any) */
size_t tlog_count(const struct tlog *l, const char *event, long tid);

/* sum of "count" over the "lost" lines */
unsigned long long tlog_lost(const struct tlog *l);

/* a getter for integers in nested objects: "lost.ring" */
long long jget_int(json_t *o, const char *path);

/* ------------------------------------------------------------------ */
/* Configuration files (-c)                                            */

/*
 * itest_conf_new - a fresh directory /tmp/tracelogd-conf.XXXXXX for a
 * configuration file; path (len bytes) is set to DIR/tracelogd.ini.
 */
void itest_conf_new(char *path, size_t len);

/*
 * itest_conf_write - the text (printf format) as the configuration at
 * path, as tracelogd wants it: owned by root (the tests run as root),
 * mode 0600, written to a temporary file renamed over path, so that a
 * reload never reads half a file.
 */
void itest_conf_write(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* itest_conf_remove - the file and the directory of itest_conf_new(). */
void itest_conf_remove(const char *path);

/*
 * tld_wait_daemon - wait up to ms for t's log to hold at least n
 * {"type":"daemon","state":STATE} lines.  Returns 0, or -1 (timed out, or
 * tracelogd exited).
 */
int tld_wait_daemon(struct tld *t, const char *state, size_t n, int ms);

/* ------------------------------------------------------------------ */
/* Time and processes                                                  */

void itest_sleep_ms(long ms);

/* CLOCK_MONOTONIC in ns */
uint64_t itest_now_ns(void);

/* pid exists (a zombie too) */
bool itest_alive(pid_t pid);

/* the descriptors pid holds (/proc/PID/fd); fails the test when unreadable */
int itest_fd_count(pid_t pid);

/* pid's VmRSS in KiB (/proc/PID/status); fails the test when unreadable */
long itest_rss_kib(pid_t pid);

#endif
