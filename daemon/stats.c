// SPDX-License-Identifier: MIT
/*
 * stats.c - the "stats" line and the Prometheus metrics file (stats.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "stats.h"

struct stats_probe {
	char *name;
	const struct engine_event **evs;
	size_t nr_evs;
	/* the last update */
	uint64_t events, dropped, ring_lost;
	bool ring_known;		/* the kernel counts the probe's ring losses */
	uint64_t prev_events;		/* at the update before */
	double rate;			/* events per second between the two */
	bool seen;			/* updated at least once */
};

struct stats {
	struct engine *e;
	struct jlog *jl;
	char *metrics_file;
	uint64_t start_ns;		/* CLOCK_MONOTONIC */
	double start_real;		/* seconds since the epoch */
	struct stats_probe *probes;
	size_t nr_probes;
	/* the last update */
	uint64_t now_ns, prev_ns;
	double real;			/* its wall-clock time */
	struct engine_stats es;
	struct jlog_stats js;
	uint64_t *queued;		/* bytes per worker */
	unsigned nr_queued;
};

static double realtime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct stats *stats_new(struct engine *e, struct jlog *jl, const char *metrics_file,
			uint64_t now_ns)
{
	struct stats *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->e = e;
	st->jl = jl;
	if (metrics_file && !(st->metrics_file = strdup(metrics_file))) {
		free(st);
		errno = ENOMEM;
		return NULL;
	}
	st->start_ns = st->now_ns = st->prev_ns = now_ns;
	st->start_real = st->real = realtime_s();
	return st;
}

void stats_free(struct stats *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nr_probes; i++) {
		free(st->probes[i].name);
		free(st->probes[i].evs);
	}
	free(st->probes);
	free(st->queued);
	free(st->metrics_file);
	free(st);
}

int stats_probe_add(struct stats *st, const char *probe, const struct engine_event *ev)
{
	struct stats_probe *p = NULL;
	const struct engine_event **evs;
	size_t i;

	for (i = 0; i < st->nr_probes; i++)
		if (!strcmp(st->probes[i].name, probe))
			p = &st->probes[i];
	if (!p) {
		p = realloc(st->probes, (st->nr_probes + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		st->probes = p;
		p += st->nr_probes;
		memset(p, 0, sizeof(*p));
		p->name = strdup(probe);
		if (!p->name)
			return -ENOMEM;
		st->nr_probes++;
	}
	for (i = 0; i < p->nr_evs; i++)
		if (p->evs[i] == ev)
			return 0;
	evs = realloc(p->evs, (p->nr_evs + 1) * sizeof(*evs));
	if (!evs)
		return -ENOMEM;
	p->evs = evs;
	p->evs[p->nr_evs++] = ev;
	return 0;
}

void stats_probe_remove(struct stats *st, const struct engine_event *ev)
{
	size_t i, j;

	for (i = 0; i < st->nr_probes; i++) {
		struct stats_probe *p = &st->probes[i];

		for (j = 0; j < p->nr_evs; j++)
			if (p->evs[j] == ev) {
				memmove(&p->evs[j], &p->evs[j + 1], (p->nr_evs - j - 1) * sizeof(*p->evs));
				p->nr_evs--;
				break;
			}
		if (!p->nr_evs) {
			free(p->name);
			free(p->evs);
			memmove(p, p + 1, (st->nr_probes - i - 1) * sizeof(*p));
			st->nr_probes--;
			i--;
		}
	}
}

void stats_update(struct stats *st, uint64_t now_ns)
{
	double secs;
	size_t i, j;

	st->prev_ns = st->now_ns;
	st->now_ns = now_ns;
	st->real = realtime_s();
	secs = (double)(now_ns - st->prev_ns) / 1e9;
	if (st->e)
		engine_stats_get(st->e, &st->es);
	if (st->jl)
		jlog_stats_get(st->jl, &st->js);
	if (st->e && st->es.workers != st->nr_queued) {
		uint64_t *q = realloc(st->queued, st->es.workers * sizeof(*q) + 1);

		if (q) {
			st->queued = q;
			st->nr_queued = st->es.workers;
		}
	}
	for (i = 0; i < st->nr_queued; i++)
		st->queued[i] = engine_worker_queued(st->e, (unsigned)i);
	for (i = 0; i < st->nr_probes; i++) {
		struct stats_probe *p = &st->probes[i];

		p->prev_events = p->seen ? p->events : 0;
		p->events = p->dropped = p->ring_lost = 0;
		p->ring_known = true;
		for (j = 0; j < p->nr_evs; j++) {
			uint64_t lost;

			p->events += engine_event_count(p->evs[j]);
			p->dropped += engine_event_dropped(p->evs[j]);
			if (engine_event_lost(p->evs[j], &lost) < 0)
				p->ring_known = false;
			else
				p->ring_lost += lost;
		}
		/* a reload may have removed an event: no negative rate */
		p->rate = secs > 0 && p->events >= p->prev_events ?
			  (double)(p->events - p->prev_events) / secs : 0;
		p->seen = true;
	}
}

/* printf to b; 0 or -ENOMEM */
static int __attribute__((format(printf, 2, 3))) put_fmt(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || jbuf_reserve(b, (size_t)n + 1) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

static uint64_t lost_total(const struct stats *st)
{
	return st->es.lost[ENGINE_STAGE_RING] + st->es.lost[ENGINE_STAGE_QUEUE] +
	       st->es.lost[ENGINE_STAGE_INVALID] + st->js.sink_dropped;
}

static uint64_t queued_records(const struct stats *st)
{
	/* handled can pass samples for a moment: they are read one by one */
	return st->es.samples > st->es.handled ? st->es.samples - st->es.handled : 0;
}

/* the members after "ts", starting with a comma */
static int render_line(const struct stats *st, struct jbuf *b)
{
	const char *ename;
	size_t i;

	put_fmt(b, ",\"interval_s\":%.3f,\"uptime_s\":%.3f",
		(double)(st->now_ns - st->prev_ns) / 1e9, (double)(st->now_ns - st->start_ns) / 1e9);
	put_fmt(b, ",\"written\":%llu,\"samples\":%llu,\"handled\":%llu",
		(unsigned long long)st->js.events_written, (unsigned long long)st->es.samples,
		(unsigned long long)st->es.handled);
	put_fmt(b, ",\"lost\":{\"ring\":%llu,\"queue\":%llu,\"invalid\":%llu,\"sink\":%llu,"
		"\"total\":%llu},\"sideband_lost\":%llu",
		(unsigned long long)st->es.lost[ENGINE_STAGE_RING],
		(unsigned long long)st->es.lost[ENGINE_STAGE_QUEUE],
		(unsigned long long)st->es.lost[ENGINE_STAGE_INVALID],
		(unsigned long long)st->js.sink_dropped, (unsigned long long)lost_total(st),
		(unsigned long long)st->es.lost[ENGINE_STAGE_SIDEBAND]);
	put_fmt(b, ",\"queue\":{\"records\":%llu,\"bytes\":[", (unsigned long long)queued_records(st));
	for (i = 0; i < st->nr_queued; i++)
		put_fmt(b, "%s%llu", i ? "," : "", (unsigned long long)st->queued[i]);
	ename = st->js.error ? strerrorname_np(st->js.error) : NULL;
	put_fmt(b, "]},\"log\":{\"up\":%s,\"error\":", st->js.up ? "true" : "false");
	if (ename)
		json_put_str(b, ename, strlen(ename));
	else
		json_put_raw(b, st->js.error ? "\"unknown\"" : "null", st->js.error ? 9 : 4);
	put_fmt(b, ",\"bytes\":%llu,\"rotations\":%llu,\"reopens\":%llu},\"probes\":{",
		(unsigned long long)st->js.file_bytes, (unsigned long long)st->js.rotations,
		(unsigned long long)st->js.reopens);
	for (i = 0; i < st->nr_probes; i++) {
		const struct stats_probe *p = &st->probes[i];

		if (i)
			json_put_raw(b, ",", 1);
		json_put_str(b, p->name, strlen(p->name));
		put_fmt(b, ":{\"events\":%llu,\"rate\":%.1f,\"lost\":{", (unsigned long long)p->events,
			p->rate);
		if (p->ring_known)
			put_fmt(b, "\"ring\":%llu,", (unsigned long long)p->ring_lost);
		put_fmt(b, "\"queue\":%llu}}", (unsigned long long)p->dropped);
	}
	if (put_fmt(b, "}") < 0)
		return -ENOMEM;
	return json_put_raw(b, "", 1);	/* NUL: a C string for jlog_write_line() */
}

int stats_write_line(struct stats *st)
{
	struct jbuf b;
	int ret;

	if (!st->jl)
		return 0;
	if (jbuf_init(&b, 1024) < 0)
		return -ENOMEM;
	ret = render_line(st, &b);
	if (ret == 0)
		ret = jlog_write_line(st->jl, "stats", b.p);
	jbuf_free(&b);
	return ret;
}

/* a label value: backslash, double quote and newline escaped */
static void put_label(struct jbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			put_fmt(b, "\\%c", *s);
		else if (*s == '\n')
			json_put_raw(b, "\\n", 2);
		else
			json_put_raw(b, s, 1);
	}
}

static void family(struct jbuf *b, const char *name, const char *type, const char *help)
{
	put_fmt(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int render_metrics(const struct stats *st, struct jbuf *b, bool up)
{
	static const struct { enum engine_stage s; const char *name; } stages[] = {
		{ ENGINE_STAGE_RING, "ring" }, { ENGINE_STAGE_QUEUE, "queue" },
		{ ENGINE_STAGE_INVALID, "invalid" }, { ENGINE_STAGE_SIDEBAND, "sideband" },
	};
	size_t i;

	family(b, "tracelogd_up", "gauge", "1 while tracelogd runs, 0 after it stopped cleanly.");
	put_fmt(b, "tracelogd_up %d\n", up ? 1 : 0);
	family(b, "tracelogd_start_time_seconds", "gauge", "When tracelogd started, in seconds since the epoch.");
	put_fmt(b, "tracelogd_start_time_seconds %.3f\n", st->start_real);
	family(b, "tracelogd_last_update_seconds", "gauge", "When these values were read, in seconds since the epoch.");
	put_fmt(b, "tracelogd_last_update_seconds %.3f\n", st->real);

	family(b, "tracelogd_events_total", "counter", "Records of the probe handed to its handlers.");
	for (i = 0; i < st->nr_probes; i++) {
		json_put_raw(b, "tracelogd_events_total{probe=\"", 30);
		put_label(b, st->probes[i].name);
		put_fmt(b, "\"} %llu\n", (unsigned long long)st->probes[i].events);
	}
	family(b, "tracelogd_events_per_second", "gauge",
	       "Records of the probe per second over the last stats interval.");
	for (i = 0; i < st->nr_probes; i++) {
		json_put_raw(b, "tracelogd_events_per_second{probe=\"", 35);
		put_label(b, st->probes[i].name);
		put_fmt(b, "\"} %.3f\n", st->probes[i].rate);
	}
	family(b, "tracelogd_probe_lost_total", "counter",
	       "Records of the probe lost: ring (the kernel's count), queue (a full queue dropped them).");
	for (i = 0; i < st->nr_probes; i++) {
		const struct stats_probe *p = &st->probes[i];

		if (p->ring_known) {
			json_put_raw(b, "tracelogd_probe_lost_total{probe=\"", 34);
			put_label(b, p->name);
			put_fmt(b, "\",stage=\"ring\"} %llu\n", (unsigned long long)p->ring_lost);
		}
		json_put_raw(b, "tracelogd_probe_lost_total{probe=\"", 34);
		put_label(b, p->name);
		put_fmt(b, "\",stage=\"queue\"} %llu\n", (unsigned long long)p->dropped);
	}

	family(b, "tracelogd_lost_total", "counter",
	       "Records lost, by stage: ring, queue, invalid, sink (the log refused them), sideband (task names).");
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		put_fmt(b, "tracelogd_lost_total{stage=\"%s\"} %llu\n", stages[i].name,
			(unsigned long long)st->es.lost[stages[i].s]);
	put_fmt(b, "tracelogd_lost_total{stage=\"sink\"} %llu\n", (unsigned long long)st->js.sink_dropped);
	family(b, "tracelogd_written_total", "counter", "Event lines written to the log.");
	put_fmt(b, "tracelogd_written_total %llu\n", (unsigned long long)st->js.events_written);
	family(b, "tracelogd_samples_total", "counter", "Records read from the perf rings and queued.");
	put_fmt(b, "tracelogd_samples_total %llu\n", (unsigned long long)st->es.samples);
	family(b, "tracelogd_handled_total", "counter", "Records the workers ran handlers on.");
	put_fmt(b, "tracelogd_handled_total %llu\n", (unsigned long long)st->es.handled);

	family(b, "tracelogd_queue_bytes", "gauge", "Bytes of records waiting in the worker's queue.");
	for (i = 0; i < st->nr_queued; i++)
		put_fmt(b, "tracelogd_queue_bytes{worker=\"%zu\"} %llu\n", i,
			(unsigned long long)st->queued[i]);
	family(b, "tracelogd_queue_records", "gauge", "Records waiting in the queues.");
	put_fmt(b, "tracelogd_queue_records %llu\n", (unsigned long long)queued_records(st));

	family(b, "tracelogd_log_up", "gauge", "1 while the log takes lines, 0 while writing it fails.");
	put_fmt(b, "tracelogd_log_up %d\n", st->js.up && !st->js.error ? 1 : 0);
	family(b, "tracelogd_log_bytes", "gauge", "Bytes in the current log file.");
	put_fmt(b, "tracelogd_log_bytes %llu\n", (unsigned long long)st->js.file_bytes);
	family(b, "tracelogd_log_rotations_total", "counter", "Log files rotated away.");
	put_fmt(b, "tracelogd_log_rotations_total %llu\n", (unsigned long long)st->js.rotations);
	family(b, "tracelogd_log_reopens_total", "counter", "Log files reopened (SIGUSR1, or deleted).");
	put_fmt(b, "tracelogd_log_reopens_total %llu\n", (unsigned long long)st->js.reopens);
	family(b, "tracelogd_log_lines_dropped_total", "counter",
	       "Daemon, stats and lost lines the log could not take.");
	return put_fmt(b, "tracelogd_log_lines_dropped_total %llu\n",
		       (unsigned long long)st->js.other_dropped);
}

/* all of p to fd; 0 or -errno */
static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* give fd the group of the directory holding path; best effort */
static void dir_group(const char *path, int fd)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat sd;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &sd) == 0 && fchown(fd, (uid_t)-1, sd.st_gid) < 0) {
		/* not ours to change (another owner): root's group stays */
	}
}

int stats_write_metrics(struct stats *st, bool up, char *err, size_t errlen)
{
	struct jbuf b;
	char *tmp = NULL;
	int fd = -1, ret;

	if (!st->metrics_file)
		return 0;
	if (jbuf_init(&b, 4096) < 0 || asprintf(&tmp, "%s.tmp", st->metrics_file) < 0) {
		tmp = NULL;
		ret = -ENOMEM;
		snprintf(err, errlen, "metrics: out of memory");
		goto out;
	}
	ret = render_metrics(st, &b, up);
	if (ret < 0) {
		snprintf(err, errlen, "metrics: out of memory");
		goto out;
	}
	/* the textfile collector reads *.prom only: PATH.tmp is never read half-written */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "metrics file %s: %s", tmp, strerror(errno));
		goto out;
	}
	/*
	 * node_exporter runs as another user: the file takes the group of its
	 * directory (chgrp the textfile directory to the collector's group),
	 * mode 0640 whatever the umask, never world-readable: probe names and
	 * rates say what is being watched.
	 */
	dir_group(st->metrics_file, fd);
	if (fchmod(fd, 0640) < 0) {
		/* the open's mode, masked by our umask (027), still holds */
	}
	ret = write_all(fd, b.p, b.len);
	if (ret == 0 && close(fd) < 0)
		ret = -errno;
	else if (ret < 0)
		close(fd);
	fd = -1;
	if (ret == 0 && rename(tmp, st->metrics_file) < 0)
		ret = -errno;
	if (ret < 0) {
		snprintf(err, errlen, "metrics file %s: %s", st->metrics_file, strerror(-ret));
		unlink(tmp);
	}
out:
	free(tmp);
	jbuf_free(&b);
	return ret;
}
