/* SPDX-License-Identifier: MIT */
/*
 * daemon-private.h - what the files of the running daemon share
 * (daemon.c: start, main loop, stop; dprobe.c: a probe's events and
 * handlers; reload.c: SIGHUP; check.c: -n).  See daemon.h.
 */
#ifndef TRACELOGD_DAEMON_PRIVATE_H
#define TRACELOGD_DAEMON_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "handler.h"
#include "jlog.h"
#include "probes.h"
#include "stats.h"

#define EXIT_USAGE	DAEMON_EXIT_USAGE

/*
 * A probe of the configuration, as it traces: the events it names
 * ("system/event": GROUP/NAME for a dynamic probe, one or more for a
 * tracepoint or a glob), their engine events with their filter and
 * handlers, and its dynamic event in the group.
 */
struct dprobe {
	char *name;
	const struct conf_probe *cp;	/* in the configuration in force */
	char *filter;			/* the filter in force on its events, or NULL */
	bool stale;			/* its events do not all run cp as written */
	bool created;			/* its dynamic event exists in the group */
	char **names;			/* "system/event", NULL-terminated */
	size_t nr_names;
	struct engine_event **evs;	/* per name; NULL: traced by another probe */
};

struct daemon {
	const struct daemon_opts *o;
	struct conf *conf;		/* in force (non-live [daemon] values: the ones running) */
	char *group;			/* of the dynamic events */
	struct engine *e;
	struct jlog *jl;
	struct handler_ctx *hc;		/* pretty, journald, plugins */
	struct stats *st;
	struct probe_group *grp;
	struct dprobe **probes;		/* the probes that trace */
	size_t nr_probes;
	char *started_extra;
	unsigned workers;
	int sfd;

	uint64_t wd_usec;		/* the watchdog's timeout, 0: none */
	uint64_t wd_next;		/* CLOCK_MONOTONIC ns of the next ping */
	uint64_t wd_sweeps;		/* the reader's sweeps at the last ping */
	uint64_t wd_handled, wd_samples;
	bool wd_warned;

	uint64_t st_next;		/* STATUS= */
	uint64_t st_time, st_samples;
	char status[256];
	uint64_t stats_due;		/* the next stats line */
	int metrics_err;		/* the metrics file's last result */
};

/* daemon.c */
uint64_t daemon_now_ns(void);		/* CLOCK_MONOTONIC */
/* STATUS= text: "tracing N probes (M events), R events/s, L lost" (in d) */
const char *daemon_status_text(struct daemon *d, uint64_t now);
/* a watchdog ping when one is due and the engine works (long reloads) */
void daemon_keepalive(struct daemon *d);

/* dprobe.c */
/* "FILE:LINE: " for a probe of a file (in buf), "" for the command line's */
const char *daemon_where(const struct daemon_opts *o, const struct conf *conf,
			 const struct conf_probe *cp, char *buf, size_t len);
/*
 * dprobe_hints_build - the log's hints for spec: its render.FIELD tokens,
 * then implicit hex for the x8..x64 fields and the probe's own addresses.
 * *out points into spec: free() it, not its strings.  0, -EINVAL (a hint
 * the log does not know, message) or -ENOMEM.
 */
int dprobe_hints_build(const struct probe_spec *ps, struct jlog_hint **out, size_t *n,
		       char *err, size_t errlen);
/*
 * dprobe_prepare - what can be refused before tracefs changes: the kind's
 * support, a uprobe's symbol (resolved into cp's spec: the daemon owns the
 * configuration), a tracepoint's (or glob's) events.  Dynamic events are
 * named group/NAME.  Returns 0 with *out set (free with dprobe_free()), or
 * an exit status (1, 2) with a message.
 */
int dprobe_prepare(const struct conf_probe *cp, const char *group, struct dprobe **out,
		   char *err, size_t errlen);
/*
 * dprobe_open - create the probe's dynamic event, add its events with
 * their filter and handlers, and open them when the engine runs (live).
 * Events another probe of d traces already are left to it.  On failure
 * nothing of the probe stays.  Returns 0, or an exit status with a
 * message.
 */
int dprobe_open(struct daemon *d, struct dprobe *dp, bool live, char *err, size_t errlen);
/*
 * dprobe_close - close the probe's events (what the rings hold of them
 * still reaches their handlers), then remove its dynamic event.
 */
void dprobe_close(struct daemon *d, struct dprobe *dp);
void dprobe_free(struct dprobe *dp);	/* NULL is ok; close it first */
/* the kernel's words on filter for name ("system/event"), appended to err */
void dprobe_filter_explain(char *err, size_t errlen, const char *name, const char *filter);
/* d->probes: the probes that trace */
int daemon_probes_push(struct daemon *d, struct dprobe *dp);
struct dprobe *daemon_probes_find(const struct daemon *d, const char *name);
void daemon_probes_drop(struct daemon *d, struct dprobe *dp);

/* reload.c */
/* daemon_reload - SIGHUP: read the file again, apply what changed */
void daemon_reload(struct daemon *d);

#endif
