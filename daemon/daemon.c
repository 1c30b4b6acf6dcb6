// SPDX-License-Identifier: MIT
/*
 * daemon.c - the running daemon (see daemon.h): start, main loop, stop.
 *
 * The probes are prepared first (dprobe.c: every refusal that needs no
 * change in tracefs, all of them told for a file), then the log, the
 * handlers, the engine and the group are made, the probes opened, the
 * engine started ("started" line, then READY=1).  The main loop is the
 * only place that reads signals (signalfd: every thread blocks them),
 * talks to systemd and changes the probes: SIGHUP reloads (reload.c),
 * SIGUSR1 reopens the log, SIGINT and SIGTERM stop (STOPPING=1, drain,
 * "stopped" line, probes removed after the engine closed their perf fds).
 *
 * The watchdog (WATCHDOG_USEC) is fed from the main loop only while the
 * reader sweeps the rings and the workers keep up, so that systemd
 * restarts a daemon whose threads hung.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon-private.h"
#include "json.h"
#include "log.h"
#include "notify.h"

#define STATUS_EVERY_NS	(5ULL * 1000000000ULL)	/* STATUS= at most this often */

uint64_t daemon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Log lines                                                           */

/* ,"version":"..","pid":N,["config":"FILE",]"probes":[every traced event] */
static char *started_extra(const struct daemon *d)
{
	struct jbuf b;
	size_t i, j, n = 0;

	if (jbuf_init(&b, 256) < 0)
		return NULL;
	json_put_raw(&b, ",\"version\":\"" TRACELOGD_VERSION "\",\"pid\":",
		     strlen(",\"version\":\"" TRACELOGD_VERSION "\",\"pid\":"));
	json_put_u64(&b, (uint64_t)getpid());
	if (d->o->conf_path) {
		json_put_raw(&b, ",\"config\":", 10);
		json_put_str(&b, d->o->conf_path, strlen(d->o->conf_path));
	}
	json_put_raw(&b, ",\"probes\":[", 11);
	for (i = 0; i < d->nr_probes; i++)
		for (j = 0; j < d->probes[i]->nr_names; j++) {
			const char *name = d->probes[i]->names[j];

			if (!d->probes[i]->evs[j])
				continue;
			if (n++)
				json_put_raw(&b, ",", 1);
			json_put_str(&b, name, strlen(name));
		}
	if (json_put_raw(&b, "]\0", 2) < 0) {
		jbuf_free(&b);
		return NULL;
	}
	return b.p;
}

/* ,"emitted":N,"written":N,"lost":{"ring":N,...} */
static void stopped_extra(char *buf, size_t len, const struct engine_stats *es,
			  const struct jlog_stats *js)
{
	uint64_t lost = es->lost[ENGINE_STAGE_RING] + es->lost[ENGINE_STAGE_QUEUE] +
			es->lost[ENGINE_STAGE_INVALID] + js->sink_dropped;

	snprintf(buf, len,
		 ",\"emitted\":%llu,\"written\":%llu,\"lost\":{\"ring\":%llu,\"queue\":%llu,"
		 "\"invalid\":%llu,\"sink\":%llu,\"total\":%llu},\"sideband_lost\":%llu",
		 (unsigned long long)(js->events_written + lost),
		 (unsigned long long)js->events_written,
		 (unsigned long long)es->lost[ENGINE_STAGE_RING],
		 (unsigned long long)es->lost[ENGINE_STAGE_QUEUE],
		 (unsigned long long)es->lost[ENGINE_STAGE_INVALID],
		 (unsigned long long)js->sink_dropped,
		 (unsigned long long)lost,
		 (unsigned long long)es->lost[ENGINE_STAGE_SIDEBAND]);
}

/* ------------------------------------------------------------------ */
/* Engine callbacks: arg is the daemon                                 */

/* the started line: what started_extra() says, then the engine's clock */
static void on_started(void *arg)
{
	struct daemon *d = arg;
	const char *extra = d->started_extra ? d->started_extra : "";
	size_t len = strlen(extra) + 64;
	char *line = malloc(len);

	if (!line) {
		jlog_write_daemon(d->jl, "started", d->started_extra);
		return;
	}
	if (engine_clock_used(d->e) == ENGINE_CLOCK_PERF)
		snprintf(line, len, "%s,\"clock\":\"perf\",\"clock_error_ns\":%llu", extra,
			 (unsigned long long)engine_clock_error(d->e));
	else
		snprintf(line, len, "%s,\"clock\":\"monotonic\"", extra);
	jlog_write_daemon(d->jl, "started", line);
	free(line);
}

static void on_idle(unsigned worker, void *arg)
{
	struct daemon *d = arg;

	jlog_on_idle(worker, d->jl);
	handler_ctx_on_idle(worker, d->hc);
}

static void on_loss(const struct engine_loss *loss, void *arg)
{
	struct daemon *d = arg;

	jlog_on_loss(loss, d->jl);
	handler_ctx_on_loss(loss, d->hc);
}

/*
 * A CPU went offline or came back (engine.h, on_cpu): a daemon line, so
 * that a reader of the log knows which stretch of which CPU was traced.
 * The CPU's "lost" lines, if any, come before its cpu-offline line.
 */
static void on_cpu(const struct engine_cpu_change *ch, void *arg)
{
	struct daemon *d = arg;
	char extra[128];
	struct jbuf b;

	switch (ch->state) {
	case ENGINE_CPU_OFFLINE:
		snprintf(extra, sizeof(extra), ",\"cpu\":%d,\"drained\":%llu", ch->cpu,
			 (unsigned long long)ch->drained);
		jlog_write_daemon(d->jl, "cpu-offline", extra);
		log_info("cpu %d went offline: %llu records read from its ring, its events closed",
			 ch->cpu, (unsigned long long)ch->drained);
		break;
	case ENGINE_CPU_ONLINE:
		snprintf(extra, sizeof(extra), ",\"cpu\":%d", ch->cpu);
		jlog_write_daemon(d->jl, "cpu-online", extra);
		log_info("cpu %d is online: its events are open again", ch->cpu);
		break;
	case ENGINE_CPU_FAILED:
		log_warnx("cpu %d is online but cannot be traced: %s (trying again every second while it is online)",
			  ch->cpu, ch->message);
		if (jbuf_init(&b, 128) < 0)
			break;
		snprintf(extra, sizeof(extra), ",\"cpu\":%d,\"error\":", ch->cpu);
		json_put_raw(&b, extra, strlen(extra));
		json_put_str(&b, ch->message, strlen(ch->message));
		if (json_put_raw(&b, "", 1) == 0)	/* the terminating NUL */
			jlog_write_daemon(d->jl, "cpu-untraced", b.p);
		jbuf_free(&b);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* systemd: status and watchdog                                        */

static size_t traced_events(const struct daemon *d)
{
	size_t i, j, n = 0;

	for (i = 0; i < d->nr_probes; i++)
		for (j = 0; j < d->probes[i]->nr_names; j++)
			n += d->probes[i]->evs[j] != NULL;
	return n;
}

/* d->status: "N probes (M events), R events/s, L lost" */
const char *daemon_status_text(struct daemon *d, uint64_t now)
{
	struct engine_stats st;
	double rate = 0;
	uint64_t lost;

	engine_stats_get(d->e, &st);
	if (d->st_time && now > d->st_time)
		rate = (double)(st.samples - d->st_samples) * 1e9 / (double)(now - d->st_time);
	d->st_time = now;
	d->st_samples = st.samples;
	lost = st.lost[ENGINE_STAGE_RING] + st.lost[ENGINE_STAGE_QUEUE] +
	       st.lost[ENGINE_STAGE_INVALID];
	snprintf(d->status, sizeof(d->status), "tracing %zu probe%s (%zu event%s), %.1f events/s, %llu lost",
		 d->nr_probes, d->nr_probes == 1 ? "" : "s", traced_events(d),
		 traced_events(d) == 1 ? "" : "s", rate, (unsigned long long)lost);
	return d->status;
}

/*
 * The daemon is alive when the reader swept the rings since the last ping
 * (it sweeps at least every 100 ms) and the workers handled every record
 * queued by then or are still moving: a hung reader or worker stops the
 * pings, and systemd restarts the service.
 */
static bool alive(struct daemon *d, struct engine_stats *st, uint64_t *sweeps)
{
	engine_stats_get(d->e, st);
	*sweeps = engine_sweeps(d->e);
	return *sweeps != d->wd_sweeps &&
	       (st->handled != d->wd_handled || st->handled >= d->wd_samples);
}

static void watchdog(struct daemon *d, uint64_t now)
{
	struct engine_stats st;
	uint64_t sweeps;

	if (!d->wd_usec || now < d->wd_next)
		return;
	if (!alive(d, &st, &sweeps)) {
		/* looked at again at each wake-up until the next ping is overdue */
		if (!d->wd_warned && now > d->wd_next + d->wd_usec * 1000 / 2) {
			log_warnx("the %s made no progress for %.1f s: no watchdog ping",
				  sweeps == d->wd_sweeps ? "reader" : "workers",
				  (double)(now - d->wd_next) / 1e9 + (double)d->wd_usec / 2e6);
			d->wd_warned = true;
		}
		return;
	}
	notify_watchdog();
	d->wd_warned = false;
	d->wd_sweeps = sweeps;
	d->wd_handled = st.handled;
	d->wd_samples = st.samples;
	d->wd_next = now + d->wd_usec * 1000 / 2;
}

void daemon_keepalive(struct daemon *d)
{
	if (d->wd_usec)
		watchdog(d, daemon_now_ns());
}

/* ------------------------------------------------------------------ */
/* Run                                                                 */

int daemon_conf_override(struct conf *conf, const struct daemon_opts *o)
{
	if (o->log) {
		char *log = strdup(o->log);

		if (!log)
			return -ENOMEM;
		free(conf->daemon.log);
		conf->daemon.log = log;
	}
	return 0;
}

/*
 * The periodic work: the log's tick, with each change of its health said
 * once on stderr; the stats line and the metrics file when they are due.
 */
static void tick(struct daemon *d, uint64_t now)
{
	const char *path = d->conf->daemon.log;
	uint64_t interval = d->conf->daemon.stats_interval_ms * 1000000ULL;
	struct jlog_health h;
	char err[1024];
	int ret;

	jlog_clock_update(d->jl);
	handler_ctx_clock_update(d->hc);
	if (jlog_tick(d->jl, now, &h)) {
		if (!h.error)
			log_warnx("log %s: written again (after %s: %s); %llu event lines lost", path,
				  h.last_op, strerror(h.last_error), (unsigned long long)h.lost);
		else if (!strcmp(h.op, "rotate"))
			log_warnx("log %s: cannot rotate: %s; the file grows past its rotate size, "
				  "retrying", path, strerror(h.error));
		else if (!strcmp(h.op, "open"))
			log_warnx("log %s: cannot open: %s; event lines are counted lost, retrying",
				  path, strerror(h.error));
		else
			log_warnx("log %s: %s: %s; event lines are counted lost until it works again",
				  path, h.op, strerror(h.error));
	}
	if (!d->st || !interval)
		return;
	if (!d->stats_due)
		d->stats_due = now + interval;
	if (now < d->stats_due)
		return;
	d->stats_due += interval;
	if (d->stats_due < now)
		d->stats_due = now + interval;
	stats_update(d->st, now);
	stats_write_line(d->st);
	ret = stats_write_metrics(d->st, true, err, sizeof(err));
	if (ret != d->metrics_err) {
		if (ret < 0)
			log_warnx("%s", err);
		else
			log_info("the metrics file is written again");
		d->metrics_err = ret;
	}
}

/* 0: stop cleanly; 1: a failure of the loop */
static int main_loop(struct daemon *d)
{
	uint64_t deadline = 0, tick_ms;

	if (d->o->duration > 0)
		deadline = daemon_now_ns() + (uint64_t)(d->o->duration * 1e9);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = d->sfd, .events = POLLIN },
			{ .fd = daemon_watch_fd(d), .events = POLLIN },
		};
		struct signalfd_siginfo si;
		uint64_t now = daemon_now_ns(), wait_ns, next;
		bool stop = false;

		/* the log's tick: more often than its flush interval, 10 ms to 1 s */
		tick_ms = d->conf->daemon.flush_interval_ms;
		tick_ms = tick_ms < 10 ? 10 : tick_ms > 1000 ? 1000 : tick_ms;
		wait_ns = tick_ms * 1000000ULL;
		if (deadline) {
			if (now >= deadline)
				break;
			if (deadline - now < wait_ns)
				wait_ns = deadline - now;
		}
		if (d->wd_usec) {
			/* a ping is due, or the check waits for the reader's next sweep */
			uint64_t w = d->wd_next > now ? d->wd_next - now : 20000000ULL;

			if (w < wait_ns)
				wait_ns = w;
		}
		/* a uprobe's binary to look at (watch.c) */
		next = daemon_watch_next(d);
		if (next)
			wait_ns = next > now ? (next - now < wait_ns ? next - now : wait_ns) : 0;
		if (poll(pfd, 2, (int)((wait_ns + 999999) / 1000000)) < 0 && errno != EINTR) {
			log_warn("poll");
			return 1;
		}
		now = daemon_now_ns();
		tick(d, now);
		while (read(d->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGINT:
			case SIGTERM:
				stop = true;
				break;
			case SIGHUP:
				if (stop)
					break;
				if (d->o->conf_path)
					daemon_reload(d);
				else
					log_warnx("SIGHUP: no configuration file (-c) to reload");
				break;
			case SIGUSR1:
				if (jlog_reopen(d->jl) < 0)
					log_warn("SIGUSR1: cannot reopen the log %s", d->conf->daemon.log);
				else
					log_debug("SIGUSR1: log %s reopened", d->conf->daemon.log);
				break;
			}
		}
		if (stop)
			break;
		now = daemon_now_ns();
		if (pfd[1].revents & POLLIN)
			daemon_watch_read(d, now);
		daemon_watch_run(d, now);
		watchdog(d, now);
		if (now >= d->st_next) {
			notify_status(daemon_status_text(d, now));
			d->st_next = now + STATUS_EVERY_NS;
		}
	}
	return 0;
}

static void daemon_free(struct daemon *d)
{
	char err[1024];
	size_t i;

	daemon_watch_free(d);
	engine_free(d->e);	/* closes the perf fds: the probes can go now */
	d->e = NULL;
	if (d->grp && probe_group_remove(d->grp, err, sizeof(err)) < 0)
		log_warnx("%s", err);
	probe_group_close(d->grp);
	stats_free(d->st);
	handler_ctx_free(d->hc);	/* after engine_free(): handlers point into it */
	jlog_close(d->jl);
	for (i = 0; i < d->nr_probes; i++)
		dprobe_free(d->probes[i]);
	free(d->probes);
	free(d->started_extra);
	free(d->group);
	conf_free(d->conf);
	if (d->sfd >= 0)
		close(d->sfd);
}

/*
 * After engine_start() failed: perf's filter ioctl only says EINVAL, so ask
 * the kernel's filter parser for its words about the first filter it
 * refuses.
 */
static void explain_start(const struct daemon *d, char *err, size_t len)
{
	size_t i, j, before = strlen(err);

	for (i = 0; i < d->nr_probes; i++)
		for (j = 0; j < d->probes[i]->nr_names; j++) {
			if (!d->probes[i]->evs[j] || !d->probes[i]->filter)
				continue;
			dprobe_filter_explain(err, len, d->probes[i]->names[j], d->probes[i]->filter);
			if (strlen(err) != before)
				return;
		}
}

void daemon_signals_block(sigset_t *mask)
{
	sigset_t m;

	if (!mask)
		mask = &m;
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, mask, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int daemon_run(struct conf *conf, const struct daemon_opts *o)
{
	struct daemon dd = { .o = o, .conf = conf, .sfd = -1 }, *d = &dd;
	const struct conf_daemon *cd = &conf->daemon;
	struct engine_opts eo = { 0 };
	struct jlog_opts jo = { 0 };
	struct dprobe **prep = NULL;
	struct engine_stats es;
	struct jlog_stats js;
	char err[1024], wb[512], extra[512];
	size_t nprep = 0, i;
	bool dynamic = false;
	sigset_t mask;
	int status = 1, ret;

	/* the threads inherit this mask; signals are read from the signalfd */
	daemon_signals_block(&mask);
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sfd < 0) {
		log_warn("signalfd");
		goto out;
	}
	d->group = strdup(cd->group ? cd->group : "tracelogd");
	d->workers = cd->workers ? cd->workers : 2;
	if (!d->group) {
		log_warnx("out of memory");
		goto out;
	}
	if (!engine_tracefs_dir(err, sizeof(err))) {
		log_warnx("%s", err);
		goto out;
	}
	/* the mount is this process's doing (and its namespace's): say it once */
	if (engine_tracefs_mounted())
		log_info("tracefs was not mounted: mounted it on %s", engine_tracefs_dir(err, sizeof(err)));

	/* everything that can be refused is checked before tracefs is changed */
	prep = calloc(conf->nr_probes + 1, sizeof(*prep));
	if (!prep) {
		log_warnx("out of memory");
		goto out;
	}
	status = 0;
	for (i = 0; i < conf->nr_probes; i++) {
		const struct conf_probe *cp = &conf->probes[i];

		if (!cp->enabled)
			continue;
		ret = dprobe_prepare(cp, d->group, &prep[nprep], err, sizeof(err));
		if (ret) {
			/* a file's errors are all told; the command line stops at the first */
			log_warnx("%s%s", daemon_where(o, conf, cp, wb, sizeof(wb)), err);
			if (!status || ret == EXIT_USAGE)
				status = ret;
			if (!o->conf_path)
				goto out;
			continue;
		}
		dynamic |= probe_spec_is_dynamic(cp->spec);
		nprep++;
	}
	if (status)
		goto out;
	status = 1;

	jo.rotate_size = cd->rotate_size;
	jo.rotate_keep = cd->rotate_keep;
	jo.flush = (enum jlog_flush)cd->flush;
	jo.flush_interval_ms = cd->flush_interval_ms;
	d->jl = jlog_open_opts(cd->log, d->workers, &jo, err, sizeof(err));
	if (!d->jl) {
		log_warnx("%s", err);
		goto out;
	}
	/* an earlier instance died in the middle of a line: the sink cut it */
	jlog_stats_get(d->jl, &js);
	if (js.tail_cut) {
		snprintf(extra, sizeof(extra), ",\"torn_bytes\":%llu",
			 (unsigned long long)js.tail_cut);
		jlog_write_daemon(d->jl, "log-repaired", extra);
		log_info("log %s: cut the last %llu bytes, a line torn by an earlier instance",
			 cd->log, (unsigned long long)js.tail_cut);
	}
	{
		struct handler_opts ho = {
			.jlog = d->jl,
			.workers = d->workers,
			.pretty_batch = true,
		};

		d->hc = handler_ctx_new(&ho, err, sizeof(err));
		if (!d->hc) {
			log_warnx("%s", err);
			goto out;
		}
	}
	eo.ring_pages = cd->ring_pages;
	eo.workers = d->workers;
	eo.queue_depth = cd->queue_depth;
	eo.overflow = cd->overflow == CONF_OVERFLOW_BLOCK ? ENGINE_OVERFLOW_BLOCK : ENGINE_OVERFLOW_DROP;
	eo.clock = cd->clock == CONF_CLOCK_MONOTONIC ? ENGINE_CLOCK_MONOTONIC : ENGINE_CLOCK_PERF;
	eo.on_loss = on_loss;
	eo.on_idle = on_idle;
	eo.on_started = on_started;
	eo.on_cpu = on_cpu;
	eo.arg = d;
	d->e = engine_new(&eo, err, sizeof(err));
	if (!d->e) {
		log_warnx("%s", err);
		goto out;
	}
	/* counted from the start, written while stats_interval is set */
	d->st = stats_new(d->e, d->jl, cd->metrics_file, daemon_now_ns());
	if (!d->st) {
		log_warnx("out of memory");
		goto out;
	}

	/* a file's daemon owns its group from the start: a reload may add probes */
	if (dynamic || o->conf_path) {
		unsigned removed;

		d->grp = probe_group_open(d->group, &removed, err, sizeof(err));
		if (!d->grp) {
			log_warnx("%s", err);
			status = errno == EINVAL ? EXIT_USAGE : 1;
			goto out;
		}
		if (removed)
			log_info("group %s: removed %u probe%s left by an earlier instance", d->group,
				 removed, removed == 1 ? "" : "s");
	}

	/* from here on, every way out goes through out: (the probes are removed) */
	for (i = 0; i < nprep; i++) {
		struct dprobe *dp = prep[i];

		prep[i] = NULL;
		ret = dprobe_open(d, dp, false, err, sizeof(err));
		if (ret == 0 && daemon_probes_push(d, dp) < 0) {
			dprobe_close(d, dp);
			snprintf(err, sizeof(err), "out of memory");
			ret = 1;
		}
		if (ret) {
			log_warnx("%s%s", daemon_where(o, conf, dp->cp, wb, sizeof(wb)), err);
			dprobe_free(dp);
			status = ret;
			goto out;
		}
	}
	if (!traced_events(d)) {
		log_warnx("nothing to trace");
		status = EXIT_USAGE;
		goto out;
	}

	d->started_extra = started_extra(d);
	if (engine_start(d->e, err, sizeof(err)) < 0) {
		explain_start(d, err, sizeof(err));
		log_warnx("%s", err);
		status = 1;
		goto out;
	}
	log_debug("tracing %zu events", traced_events(d));
	/* from now on a uprobe follows its binary when the file is replaced */
	daemon_watch_sync(d);
	d->wd_usec = notify_watchdog_usec();
	d->wd_next = daemon_now_ns() + d->wd_usec * 1000 / 2;
	d->st_next = daemon_now_ns() + STATUS_EVERY_NS;
	notify_ready(daemon_status_text(d, daemon_now_ns()));
	if (d->wd_usec) {
		log_debug("watchdog: a ping every %llu ms", (unsigned long long)d->wd_usec / 2000);
		/* the first ping now: the engine just started */
		notify_watchdog();
		d->wd_sweeps = engine_sweeps(d->e);
	}

	ret = main_loop(d);

	notify_stopping();
	engine_stop(d->e);
	jlog_flush_all(d->jl);
	handler_ctx_flush(d->hc);
	engine_stats_get(d->e, &es);
	jlog_stats_get(d->jl, &js);
	stopped_extra(extra, sizeof(extra), &es, &js);
	jlog_write_daemon(d->jl, "stopped", extra);
	if (d->conf->daemon.metrics_file) {
		stats_update(d->st, daemon_now_ns());
		if (stats_write_metrics(d->st, false, err, sizeof(err)) < 0)
			log_warnx("%s", err);
	}
	status = ret;
out:
	if (prep)
		for (i = 0; i < nprep; i++)
			dprobe_free(prep[i]);
	free(prep);
	daemon_free(d);
	return status;
}

