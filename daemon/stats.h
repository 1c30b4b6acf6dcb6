/* SPDX-License-Identifier: MIT */
/*
 * stats.h - the daemon's counters: per probe (events, losses, rate) and
 * overall (written, lost by stage, queues, the log), as a {"type":"stats"}
 * line in the log every stats_interval and as a Prometheus text file for
 * node_exporter's textfile collector (metrics_file).
 *
 * The log line:
 *   {"type":"stats","ts":"...","interval_s":60.000,"uptime_s":600.012,
 *    "written":N,"samples":N,"handled":N,
 *    "lost":{"ring":N,"queue":N,"invalid":N,"sink":N,"total":N},"sideband_lost":N,
 *    "queue":{"records":N,"bytes":[N,...]},        (bytes: one per worker)
 *    "log":{"up":true,"error":null,"bytes":N,"rotations":N,"reopens":N},
 *    "probes":{"exec":{"events":N,"rate":12.5,"lost":{"ring":N,"queue":N}},...}}
 * events: records handed to the probe's handlers; rate: events per second
 * since the previous line; lost.ring: the kernel's count of the probe's
 * samples a full ring refused (absent when the kernel cannot say, before
 * Linux 6.0); lost.queue: records a full queue dropped.  Sink and invalid
 * losses are not attributable to a probe, and queues are per worker.
 *
 * The metrics file: tracelogd_up, tracelogd_events_total{probe=},
 * tracelogd_probe_lost_total{probe=,stage=}, tracelogd_events_per_second
 * {probe=}, tracelogd_lost_total{stage=}, tracelogd_written_total,
 * tracelogd_queue_bytes{worker=}, tracelogd_log_up ... each with # HELP and
 * # TYPE, written to PATH.tmp and renamed over PATH, so that a reader sees
 * a whole file.
 *
 * Library conventions: 0 or -errno, nothing printed.  One thread (the
 * main loop's).
 */
#ifndef TRACELOGD_STATS_H
#define TRACELOGD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "jlog.h"

struct stats;

/*
 * stats_new - counters of engine e and log jl (jl may be NULL: no stats
 * lines), with metrics written to metrics_file (NULL: none; the string is
 * copied).  now_ns: CLOCK_MONOTONIC, the start of the first interval.
 * Returns the object (free with stats_free()) or NULL with errno.
 */
struct stats *stats_new(struct engine *e, struct jlog *jl, const char *metrics_file,
			uint64_t now_ns);

/* stats_free - NULL is ok. */
void stats_free(struct stats *st);

/*
 * stats_probe_add - count ev under probe (copied).  A probe named twice
 * sums its events.  Returns 0 or -ENOMEM.
 */
int stats_probe_add(struct stats *st, const char *probe, const struct engine_event *ev);

/* stats_probe_remove - stop counting ev (a reload removed it); a probe left
   with no event goes. */
void stats_probe_remove(struct stats *st, const struct engine_event *ev);

/* stats_update - read every counter now, the rates since the last update. */
void stats_update(struct stats *st, uint64_t now_ns);

/*
 * stats_write_line - the last update as a "stats" line in the log.
 * Returns 0, or the log's -errno (the line is then counted in the log's
 * other_dropped), or -ENOMEM.
 */
int stats_write_line(struct stats *st);

/*
 * stats_write_metrics - the last update to metrics_file, with tracelogd_up
 * set to up (0 at a clean stop).  Returns 0 (also without a metrics file),
 * or -errno with a message naming the file in err.
 */
int stats_write_metrics(struct stats *st, bool up, char *err, size_t errlen);

#endif
