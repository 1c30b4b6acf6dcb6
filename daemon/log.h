/* SPDX-License-Identifier: MIT */
/*
 * log.h - the daemon's own diagnostics, to stderr (journald collects them
 * under systemd).  log_warn appends strerror(errno); the x variants do not.
 * errno is preserved across every call.
 */
#ifndef TRACELOGD_LOG_H
#define TRACELOGD_LOG_H

void log_init(const char *progname, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void fatalx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
