/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - the running daemon: a configuration (struct conf, read from
 * the INI file of -c or made from the command line's -e, -p and -f) turned
 * into dynamic events, engine events and handlers; the main loop (signals,
 * the log's tick, sd_notify and the watchdog); reload on SIGHUP; the stop.
 * And tracelogd -n, which checks a configuration against this kernel.
 *
 * Both ways in (file and command line) go through the same code: the
 * command line is made into a struct conf first (daemon/main.c).
 */
#ifndef TRACELOGD_DAEMON_H
#define TRACELOGD_DAEMON_H

#include <signal.h>

#include "conf.h"

#define DAEMON_EXIT_USAGE 2	/* usage, configuration or probe error */

struct daemon_opts {
	const char *conf_path;	/* -c FILE: re-read at SIGHUP; NULL: the command line */
	const char *log;	/* -o with -c: replaces the file's log (at reloads too); or NULL */
	double duration;	/* seconds; 0: until SIGINT or SIGTERM */
};

/*
 * daemon_conf_override - apply what the command line changes in a
 * configuration read from a file (o->log).  Returns 0 or -ENOMEM.
 */
int daemon_conf_override(struct conf *conf, const struct daemon_opts *o);

/*
 * daemon_check - tracelogd -n: check that every probe of conf (enabled or
 * not) can be traced on this kernel.  Nothing of the daemon's own group is
 * touched, so a running daemon can be checked against its next
 * configuration: the dynamic events are created in a group of their own
 * (GROUP_check, at most 63 characters), their formats read, the render
 * hints checked against the fields, the filters against the kernel's
 * filter parser, the handlers' plugins loaded and their functions looked
 * up, then everything is removed again.  Every problem is printed on
 * stderr (FILE:LINE: message for a file); "configuration OK" on stdout
 * when there is none.  Returns the exit status: 0, or 2.
 */
int daemon_check(struct conf *conf, const struct daemon_opts *o);

/*
 * daemon_signals_block - block the signals the daemon reads from its
 * signalfd (SIGINT, SIGTERM, SIGHUP, SIGUSR1) and ignore SIGPIPE, so that
 * one that comes while it starts waits for the main loop (a stop during
 * the start is a clean one).  The mask is stored in mask unless NULL.
 * daemon_run() does it too; call it early to cover what comes before.
 */
void daemon_signals_block(sigset_t *mask);

/*
 * daemon_run - trace conf until SIGINT, SIGTERM or the end of
 * o->duration; SIGHUP re-reads o->conf_path and applies the difference,
 * SIGUSR1 reopens the log.  Takes conf (frees it).  Returns the exit
 * status: 0 clean stop, 1 runtime failure, 2 a probe that cannot be
 * traced.
 */
int daemon_run(struct conf *conf, const struct daemon_opts *o);

#endif
