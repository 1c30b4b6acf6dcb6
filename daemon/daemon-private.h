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
#include <sys/types.h>

#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "handler.h"
#include "jlog.h"
#include "probes.h"
#include "stats.h"

#define EXIT_USAGE	DAEMON_EXIT_USAGE

/*
 * What the watcher (watch.c) knows of a uprobe's binary: the file the
 * armed probe is on, and the last file the path was seen to name.
 */
struct dprobe_file {
	bool known;			/* armed_* were taken */
	bool gone;			/* the path names nothing (said once) */
	uint64_t due;			/* CLOCK_MONOTONIC ns of the next check, 0: none */
	uint64_t first;			/* the first event the check waits for */
	dev_t armed_dev;		/* the file the kernel's probe is on */
	ino_t armed_ino;
	uint64_t armed_offset;
	dev_t seen_dev;			/* the file last checked */
	ino_t seen_ino;
	off_t seen_size;
	int64_t seen_mtime_ns;
};

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
	/*
	 * A uprobe re-armed on a replaced binary runs a spec of its own
	 * (another file offset, another tracefs name, see watch.c); NULL:
	 * cp->spec.  Owned.
	 */
	struct probe_spec *spec;
	struct dprobe_file file;	/* uprobes: the watcher's */
};

/* the spec dp runs: its own after a re-arm, else its configuration's */
static inline const struct probe_spec *dprobe_spec(const struct dprobe *dp)
{
	return dp->spec ? dp->spec : dp->cp->spec;
}

struct watch;

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
	struct watch *watch;		/* the uprobes' binaries (watch.c), or NULL */
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

/* watch.c */
/*
 * daemon_watch_sync - watch the directory of every uprobe's binary
 * (inotify), first taking the file each new probe is armed on; drop the
 * watches no probe needs any more, and the inotify descriptor with the last
 * uprobe.  Called once the engine runs and after each reload.  A failure is
 * said on stderr: the probes trace on, unwatched.
 */
void daemon_watch_sync(struct daemon *d);
/* the inotify descriptor to poll, or -1 */
int daemon_watch_fd(const struct daemon *d);
/* read what inotify has, and schedule the checks of the probes it names */
void daemon_watch_read(struct daemon *d, uint64_t now);
/* CLOCK_MONOTONIC ns of the next scheduled check, or 0 */
uint64_t daemon_watch_next(const struct daemon *d);
/*
 * daemon_watch_run - the checks due by now: a path naming another file,
 * or a rewritten one, gets its probe re-armed ("probe-rearmed" line) or
 * said stale ("probe-stale").
 */
void daemon_watch_run(struct daemon *d, uint64_t now);
void daemon_watch_free(struct daemon *d);	/* NULL is ok */

#endif
