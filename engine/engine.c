// SPDX-License-Identifier: MIT
/*
 * engine.c - events opened on every CPU, one ring per CPU, the reader
 * thread that copies records out and dispatches them, the worker pool.
 *
 * Per CPU there are two rings, each owned by a dummy software event:
 *  - the sample ring: every tracepoint fd of the CPU is redirected into it
 *    with PERF_EVENT_IOC_SET_OUTPUT, so PERF_RECORD_LOST there counts
 *    samples and nothing else;
 *  - the side-band ring: COMM, FORK and EXIT records (task names), kept
 *    apart so that their losses never blur the sample accounting.
 *
 * A sweep (on a watermark wake-up or every timeout_ms) snapshots the heads
 * of the sample rings, then drains the side-band rings to their current
 * heads, then drains the sample rings to the snapshot.  A sample in the
 * snapshot was written before the snapshot, and the COMM record of any
 * rename before it was written earlier still, so it is in the side-band
 * drain: the name of the task at the event's time is known when the sample
 * is copied out.
 *
 * CPU hotplug (Linux 6.18, measured): when a CPU goes offline the kernel
 * takes every per-CPU perf event off it for good.  The fds stay open and
 * read() works, nothing says POLLHUP and no record tells it; the rings stay
 * mapped and what they hold is still there to read; PERF_EVENT_IOC_ENABLE
 * succeeds and changes nothing, also once the CPU is back; perf_event_open
 * on an offline CPU fails with ENODEV.  The one sign on the events is that
 * the owner's time enabled stops.  So the reader looks, every timeout_ms,
 * at /sys/devices/system/cpu/online and at each owner's time enabled (an
 * offline and online between two looks leaves the CPU online with its
 * events dead); a CPU gone is drained, its unreported losses read from its
 * fds (PERF_FORMAT_LOST), and closed; a CPU online and untraced gets a new
 * set of fds and rings.  There is one slot per possible CPU.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "engine.h"
#include "err-private.h"
#include "event-private.h"
#include "comm-private.h"
#include "clock-private.h"
#include "queue-private.h"
#include "ring-private.h"
#include "sample-private.h"

#define SIDEBAND_PAGES	64
#define KICK_EVERY	256		/* records between consumer wake-ups */
#define COMM_LINGER_NS	(5ULL * 1000000000ULL)	/* names kept after exit */
#define NR_STAGES	4
#define CPU_RETRY_NS	1000000000ULL	/* a CPU that could not be reopened */

struct engine_cpu {
	int cpu;
	/*
	 * Whether the fds and rings below exist.  Once the reader runs it is
	 * written by the reader only, under cpus_lock; other threads read it
	 * under that lock.
	 */
	bool open;
	bool failed;			/* a reopen failed and was told */
	uint64_t retry_ns;		/* reader: not reopened before, CLOCK_MONOTONIC */
	uint64_t enabled_ns;		/* the owner's time enabled at the last look */
	uint64_t lost_base;		/* lost[RING] when these fds were opened */
	int owner_fd;			/* dummy owning the sample ring */
	int side_fd;			/* dummy owning the side-band ring */
	struct engine_ring ring;
	struct engine_ring side;
	uint64_t head;			/* snapshot of this sweep */
	uint64_t lost[NR_STAGES];	/* written by the reader, read atomically */
	uint64_t reported[NR_STAGES];
	int *fds;			/* one per event, -1 when not open */
	bool *solo;			/* fds[i] is outside the group (opened by a reload) */
	size_t nr_fds;
	uint64_t closed_lost;		/* PERF_FORMAT_LOST of this set's fds closed while running */
};

struct engine_worker {
	struct engine *e;
	unsigned index;
	pthread_t thread;
	bool started;
	struct engine_queue q;
	unsigned pending;		/* records since the last kick (reader) */
	uint64_t handled;		/* atomic */
};

struct engine {
	struct engine_opts opts;
	struct engine_event **events;
	size_t nr_events;
	/*
	 * common_type -> event, for every possible id: the reader looks it up
	 * while reloads open and close events, so it never moves (entries are
	 * stored and loaded atomically; untouched pages cost no memory).
	 */
	struct engine_event **by_id;
	unsigned max_id;

	struct engine_cpu *cpus;	/* one per possible CPU */
	unsigned nr_cpus;
	/*
	 * Held by the reader while it closes or opens a CPU's set, and by the
	 * other threads while they use the fds of the CPUs: the reader only
	 * tries it, and looks again at its next sweep when it is taken (a
	 * reload holds it while it waits for sweeps).
	 */
	pthread_mutex_t cpus_lock;
	bool hotplug_off;		/* under cpus_lock: stopping, the owners are disabled */
	uint64_t hotplug_next;		/* reader: the next look at the CPUs, CLOCK_MONOTONIC ns */
	uint64_t cpu_offline;		/* atomics, for stats */
	uint64_t cpu_online;
	struct engine_worker *workers;
	size_t page_size;

	int epfd;
	int stopfd;			/* eventfd: tells the reader to finish */
	int gofd;			/* eventfd: the reader may begin */
	int wakefd;			/* eventfd: sweep now */
	uint64_t sweeps;		/* atomic: sweeps completed */
	pthread_t reader;
	bool reader_started;
	bool running;
	uint32_t stopping;

	struct comm_table comm;
	uint64_t last_time;		/* newest record time seen (reader) */
	uint64_t last_expire;

	/*
	 * ENGINE_CLOCK_PERF: record times are perf's clock + clock_off, the
	 * offset measured by the reader (clock, on its thread) every
	 * timeout_ms.  clock_err is read by other threads (atomic).
	 */
	bool perf_clock;
	int64_t clock_off;
	uint64_t clock_err;
	uint64_t clock_next;		/* reader: the next measurement, CLOCK_MONOTONIC ns */
	struct engine_clock clock;
	sem_t reader_ready;		/* the reader opened its fds: the count is final */

	bool has_format_lost;		/* the kernel knows PERF_FORMAT_LOST */
	bool sample_tid;		/* PERF_SAMPLE_TID: not in the initial pid ns */
	uint64_t sample_type;

	uint64_t samples;		/* atomics, for stats */
	uint64_t comm_records;
};

const char *engine_stage_name(enum engine_stage stage)
{
	switch (stage) {
	case ENGINE_STAGE_RING: return "ring";
	case ENGINE_STAGE_QUEUE: return "queue";
	case ENGINE_STAGE_INVALID: return "invalid";
	case ENGINE_STAGE_SIDEBAND: return "sideband";
	}
	return "unknown";
}


/* ------------------------------------------------------------------ */
/* tracefs                                                             */

static const char *tracefs_mounted(void)
{
	static char dir[256];
	char line[512], dev[128], path[256], type[64];
	FILE *f = fopen("/proc/mounts", "re");
	const char *found = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %255s %63s", dev, path, type) != 3)
			continue;
		if (!strcmp(type, "tracefs")) {
			snprintf(dir, sizeof(dir), "%s", path);
			found = dir;
			if (!strcmp(path, "/sys/kernel/tracing"))
				break;
		}
	}
	fclose(f);
	return found;
}

static const char *tracefs_usable(const char *dir, char *err, size_t errlen)
{
	int saved;

	if (access(dir, R_OK | X_OK) == 0)
		return dir;
	saved = errno;
	if (saved == EACCES || saved == EPERM)
		engine_seterr(err, errlen,
		       "permission denied on tracefs (%s): tracelogd needs root (tracefs belongs to root) and CAP_PERFMON",
		       dir);
	else
		engine_seterr(err, errlen, "tracefs (%s): %s", dir, strerror(saved));
	errno = saved;
	return NULL;
}

static bool tracefs_mounted_here;	/* engine_tracefs_dir() mounted it */

const char *engine_tracefs_dir(char *err, size_t errlen)
{
	const char *dir = tracefs_mounted();

	if (dir)
		return tracefs_usable(dir, err, errlen);
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0) {
		int saved = errno;

		/*
		 * EPERM without CAP_SYS_ADMIN (the systemd unit grants only
		 * CAP_PERFMON and filters mount(2)): the operator mounts it.
		 */
		engine_seterr(err, errlen,
		       "tracefs is not mounted and mounting it on /sys/kernel/tracing failed: %s; "
		       "mount it with: mount -t tracefs nodev /sys/kernel/tracing "
		       "(under systemd: systemctl start sys-kernel-tracing.mount)",
		       strerror(saved));
		errno = saved;
		return NULL;
	}
	tracefs_mounted_here = true;
	dir = tracefs_mounted();
	if (!dir) {
		engine_seterr(err, errlen, "tracefs was mounted but does not show in /proc/mounts");
		errno = ENODEV;
		return NULL;
	}
	return tracefs_usable(dir, err, errlen);
}

bool engine_tracefs_mounted(void)
{
	return tracefs_mounted_here;
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */

struct engine *engine_new(const struct engine_opts *opts, char *err, size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e) {
		engine_seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (opts)
		e->opts = *opts;
	if (!e->opts.ring_pages)
		e->opts.ring_pages = 256;
	if (!e->opts.workers)
		e->opts.workers = 2;
	if (!e->opts.queue_depth)
		e->opts.queue_depth = 65536;
	if (!e->opts.timeout_ms)
		e->opts.timeout_ms = 100;
	if (e->opts.ring_pages & (e->opts.ring_pages - 1)) {
		engine_seterr(err, errlen, "ring_pages %u is not a power of two", e->opts.ring_pages);
		free(e);
		errno = EINVAL;
		return NULL;
	}
	if (e->opts.workers > 256) {
		engine_seterr(err, errlen, "workers %u: at most 256", e->opts.workers);
		free(e);
		errno = EINVAL;
		return NULL;
	}
	e->epfd = -1;
	e->stopfd = -1;
	e->gofd = -1;
	e->wakefd = -1;
	e->clock.fd[0] = e->clock.fd[1] = e->clock.fd[2] = -1;
	e->has_format_lost = true;
	e->max_id = 65536;
	e->by_id = calloc(e->max_id, sizeof(*e->by_id));
	if (!e->by_id) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	e->page_size = (size_t)sysconf(_SC_PAGESIZE);
	pthread_mutex_init(&e->cpus_lock, NULL);
	if (comm_table_init(&e->comm) < 0) {
		pthread_mutex_destroy(&e->cpus_lock);
		free(e->by_id);
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

struct engine_event *engine_event_add(struct engine *e, const char *system,
				      const char *name, char *err, size_t errlen)
{
	struct engine_event *ev, **evs;
	char *text;
	int size = 0;
	size_t i;

	for (i = 0; i < e->nr_events; i++)
		if (e->events[i]->state != EVENT_CLOSED &&
		    !strcmp(e->events[i]->system, system) && !strcmp(e->events[i]->name, name))
			return e->events[i];
	text = tracefs_event_file_read(NULL, system, name, "format", &size);
	if (!text) {
		int saved = errno ? errno : ENOENT;

		engine_seterr(err, errlen, "%s/%s: no such event (%s)", system, name, strerror(saved));
		errno = saved;
		return NULL;
	}
	ev = engine_event_parse(system, text, (size_t)size, err, errlen);
	free(text);
	if (!ev)
		return NULL;
	if (ev->id > 65535) {
		engine_seterr(err, errlen, "%s/%s: event id %u out of range", system, name, ev->id);
		engine_event_free(ev);
		errno = ERANGE;
		return NULL;
	}
	/* the reader walks the events when a CPU comes online */
	pthread_mutex_lock(&e->cpus_lock);
	evs = realloc(e->events, (e->nr_events + 1) * sizeof(*evs));
	if (!evs) {
		pthread_mutex_unlock(&e->cpus_lock);
		goto nomem;
	}
	e->events = evs;
	ev->index = e->nr_events;
	ev->state = EVENT_NEW;
	e->events[e->nr_events++] = ev;
	ev->engine = e;
	pthread_mutex_unlock(&e->cpus_lock);
	return ev;
nomem:
	engine_event_free(ev);
	engine_seterr(err, errlen, "out of memory");
	errno = ENOMEM;
	return NULL;
}

int engine_event_handler_add(struct engine_event *ev, engine_handler_fn fn, void *arg)
{
	struct engine_handler *h;

	if (ev->state != EVENT_NEW)
		return -EBUSY;
	h = realloc(ev->handlers, (ev->nr_handlers + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	h[ev->nr_handlers].fn = fn;
	h[ev->nr_handlers].arg = arg;
	ev->handlers = h;
	ev->nr_handlers++;
	return 0;
}

int engine_event_set_filter(struct engine_event *ev, const char *filter)
{
	char *copy = NULL;

	if (ev->state != EVENT_NEW)
		return -EBUSY;
	if (filter && *filter) {
		copy = strdup(filter);
		if (!copy)
			return -ENOMEM;
	}
	free(ev->filter);
	ev->filter = copy;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The reader                                                          */

static inline struct engine_worker *worker_for(struct engine *e, uint32_t tid)
{
	/* Fibonacci hashing: consecutive tids spread over the workers */
	uint32_t h = tid * 2654435761u;

	return &e->workers[(uint64_t)h * e->opts.workers >> 32];
}

static inline void lost_add(struct engine_cpu *c, enum engine_stage s, uint64_t n)
{
	__atomic_store_n(&c->lost[s], c->lost[s] + n, __ATOMIC_RELAXED);
}

/* FNV-1a over the raw bytes: equal time, size and hash is the same hit */
static uint32_t raw_hash(const unsigned char *p, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static bool dedupe_repeat(struct engine_dedupe *d, const struct engine_sample *smp)
{
	uint32_t h = raw_hash(smp->raw, smp->raw_size);

	if (d->time == smp->time && d->raw_size == smp->raw_size && d->hash == h)
		return true;
	d->time = smp->time;
	d->raw_size = smp->raw_size;
	d->hash = h;
	return false;
}

/*
 * A sample is PERF_SAMPLE_TIME | RAW, plus TID only where the tracer sits
 * in a child pid namespace.  In the initial namespace the raw record's
 * common_pid is the thread id and the process id comes from the side-band
 * records (FORK and COMM carry both): PERF_SAMPLE_TID costs the traced
 * program 35 ns per event on the development VM (bench/sample_cost.c:
 * RAW|TIME 175 ns, RAW|TID|TIME 201 ns over an untraced getppid).
 */
static void reader_sample(struct engine *e, struct engine_cpu *c,
			  const struct perf_event_header *hdr)
{
	struct engine_sample smp;
	struct engine_event *ev;
	struct engine_dedupe *dd;
	struct engine_worker *w;
	struct engine_record *rec;
	uint32_t tgid;

	if (engine_sample_parse(hdr, e->sample_tid, &smp) < 0)
		goto invalid;
	ev = engine_sample_event(&smp, e->by_id, e->max_id);	/* acquire */
	if (!ev)
		goto invalid;
	/* loaded once: a reload may set it to NULL (and free it) between two loads */
	dd = __atomic_load_n(&ev->dedupe, __ATOMIC_ACQUIRE);
	if (__builtin_expect(dd != NULL, 0) && dedupe_repeat(dd + (c - e->cpus), &smp))
		return;
	w = worker_for(e, smp.tid);
	for (;;) {
		rec = engine_queue_reserve(&w->q, sizeof(*rec) + smp.raw_size);
		if (rec)
			break;
		if (e->opts.overflow == ENGINE_OVERFLOW_DROP) {
			lost_add(c, ENGINE_STAGE_QUEUE, 1);
			__atomic_store_n(&ev->dropped, ev->dropped + 1, __ATOMIC_RELAXED);
			return;
		}
		w->pending = 0;
		engine_queue_wait_space(&w->q, sizeof(*rec) + smp.raw_size);
	}
	rec->event = ev;
	rec->time = smp.time + (uint64_t)e->clock_off;
	rec->tid = smp.tid;
	rec->cpu = (uint32_t)c->cpu;
	rec->raw_size = smp.raw_size;
	comm_table_get_task(&e->comm, smp.tid, rec->time, rec->comm, &tgid);
	/* a task we never heard of (its FORK lost): its own thread id */
	rec->pid = e->sample_tid ? smp.pid : (tgid ? tgid : smp.tid);
	memcpy(rec->raw, smp.raw, smp.raw_size);
	engine_queue_commit(&w->q);
	if (++w->pending >= KICK_EVERY) {
		w->pending = 0;
		engine_queue_kick(&w->q);
	}
	__atomic_store_n(&ev->count, ev->count + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->samples, e->samples + 1, __ATOMIC_RELAXED);
	if (rec->time > e->last_time)
		e->last_time = rec->time;
	return;
invalid:
	lost_add(c, ENGINE_STAGE_INVALID, 1);
}

struct ring_ctx {
	struct engine *e;
	struct engine_cpu *c;
};

static void reader_on_sample_ring(const struct perf_event_header *hdr, void *arg)
{
	struct ring_ctx *x = arg;

	switch (hdr->type) {
	case PERF_RECORD_SAMPLE:
		reader_sample(x->e, x->c, hdr);
		break;
	case PERF_RECORD_LOST:
		if (hdr->size >= 24) {
			uint64_t lost;

			memcpy(&lost, (const unsigned char *)hdr + 16, 8);
			lost_add(x->c, ENGINE_STAGE_RING, lost);
		}
		break;
	default:
		break;
	}
}

static void reader_on_side_ring(const struct perf_event_header *hdr, void *arg)
{
	struct ring_ctx *x = arg;
	const unsigned char *p = (const unsigned char *)hdr;
	struct engine *e = x->e;
	uint32_t v[4];
	uint64_t time;

	switch (hdr->type) {
	case PERF_RECORD_COMM:
		/* pid, tid, comm[] (8-padded), then sample_id: pid, tid, time */
		if (hdr->size < 8 + 8 + 16)
			break;
		memcpy(v, p + 8, 8);
		memcpy(&time, p + hdr->size - 8, 8);
		time += (uint64_t)e->clock_off;
		comm_table_set(&e->comm, v[1], time, (const char *)p + 16,
			       hdr->size - 16 - 16);
		comm_table_set_tgid(&e->comm, v[1], v[0]);
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		/* pid, ppid, tid, ptid, time */
		if (hdr->size < 8 + 16 + 8)
			break;
		memcpy(v, p + 8, 16);
		memcpy(&time, p + 24, 8);
		time += (uint64_t)e->clock_off;
		if (hdr->type == PERF_RECORD_FORK) {
			comm_table_fork(&e->comm, v[3], v[2], time);
			comm_table_set_tgid(&e->comm, v[2], v[0]);
		} else
			comm_table_exit(&e->comm, v[2], time);
		break;
	case PERF_RECORD_LOST:
		if (hdr->size >= 24) {
			uint64_t lost;

			memcpy(&lost, p + 16, 8);
			lost_add(x->c, ENGINE_STAGE_SIDEBAND, lost);
		}
		return;
	default:
		return;
	}
	__atomic_store_n(&e->comm_records, e->comm_records + 1, __ATOMIC_RELAXED);
}

static void kick_workers(struct engine *e)
{
	unsigned i;

	for (i = 0; i < e->opts.workers; i++) {
		e->workers[i].pending = 0;
		engine_queue_kick(&e->workers[i].q);
	}
}

/* on_loss for what c lost since it was last told (reader) */
static void report_losses(struct engine *e, struct engine_cpu *c)
{
	unsigned s;

	for (s = 0; s < NR_STAGES; s++) {
		struct engine_loss l;

		if (c->lost[s] == c->reported[s])
			continue;
		l.stage = (enum engine_stage)s;
		l.cpu = c->cpu;
		l.count = c->lost[s] - c->reported[s];
		c->reported[s] = c->lost[s];
		if (e->opts.on_loss)
			e->opts.on_loss(&l, e->opts.arg);
	}
}

static void reader_hotplug(struct engine *e);

/* one pass over every ring; returns the records read */
static uint64_t reader_sweep(struct engine *e)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < e->nr_cpus; i++)
		if (e->cpus[i].open)
			e->cpus[i].head = engine_ring_head(&e->cpus[i].ring);
	for (i = 0; i < e->nr_cpus; i++) {
		struct ring_ctx x = { e, &e->cpus[i] };

		if (e->cpus[i].open)
			engine_ring_read(&e->cpus[i].side, engine_ring_head(&e->cpus[i].side),
					 reader_on_side_ring, &x);
	}
	for (i = 0; i < e->nr_cpus; i++) {
		struct ring_ctx x = { e, &e->cpus[i] };

		if (e->cpus[i].open)
			n += engine_ring_read(&e->cpus[i].ring, e->cpus[i].head,
					      reader_on_sample_ring, &x);
	}
	kick_workers(e);
	for (i = 0; i < e->nr_cpus; i++)
		report_losses(e, &e->cpus[i]);
	reader_hotplug(e);
	if (e->last_time > e->last_expire + COMM_LINGER_NS) {
		comm_table_expire(&e->comm, e->last_time - COMM_LINGER_NS);
		e->last_expire = e->last_time;
	}
	__atomic_add_fetch(&e->sweeps, 1, __ATOMIC_RELEASE);
	return n;
}

static uint64_t mono_ns(void);

/*
 * Measure perf's clock's offset again, at most every timeout_ms: it moves
 * by nanoseconds per second.  Only between sweeps, so that the records of
 * one sweep share one offset.
 */
static void reader_clock(struct engine *e, bool now)
{
	uint64_t t;

	if (e->clock.fd[0] < 0)
		return;
	t = mono_ns();
	if (!now && t < e->clock_next)
		return;
	e->clock_next = t + (uint64_t)e->opts.timeout_ms * 1000000ULL;
	if (engine_clock_sync(&e->clock) == 0) {
		e->clock_off = e->clock.offset;
		__atomic_store_n(&e->clock_err, e->clock.error, __ATOMIC_RELAXED);
	}
}

static void *reader_main(void *arg)
{
	struct engine *e = arg;
	struct epoll_event evs[64];
	uint64_t go;

	/*
	 * The offset from perf's clock, measured on this thread from now on
	 * (engine_start() took the first).  If this thread cannot open the
	 * events, the first offset stays.
	 */
	if (e->perf_clock && engine_clock_open(&e->clock) == 0)
		reader_clock(e, true);
	sem_post(&e->reader_ready);
	/* not before on_started: its line comes before any record's */
	if (read(e->gofd, &go, sizeof(go)) < 0) {
		engine_clock_close(&e->clock);
		return NULL;
	}
	/*
	 * The reader copies records out of the rings, which the kernel fills
	 * whether or not we keep up: let it preempt the workers (whose queues
	 * are the larger buffer).  Needs CAP_SYS_NICE; without it, nice 0.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -5) < 0) {
		/* not fatal: only a smaller margin under load */
	}

	for (;;) {
		int n = epoll_wait(e->epfd, evs, 64, (int)e->opts.timeout_ms);

		if (n < 0 && errno != EINTR)
			break;
		if (__atomic_load_n(&e->stopping, __ATOMIC_ACQUIRE))
			break;
		{
			uint64_t v;

			if (read(e->wakefd, &v, sizeof(v)) < 0) {
				/* nothing asked for: a watermark or the timeout */
			}
		}
		reader_sweep(e);
		reader_clock(e, false);
	}
	/*
	 * The events are disabled.  A sample being written while the disable
	 * ran is published when its writer leaves perf_output_end(): sweep
	 * until two passes a millisecond apart find nothing.
	 */
	for (int quiet = 0; quiet < 2;) {
		struct timespec ms = { 0, 1000000 };

		if (reader_sweep(e))
			quiet = 0;
		else
			quiet++;
		nanosleep(&ms, NULL);
	}
	engine_clock_close(&e->clock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The workers                                                         */

static void *worker_main(void *arg)
{
	struct engine_worker *w = arg;
	struct engine *e = w->e;
	unsigned since_idle = 0;

	for (;;) {
		struct engine_record *rec;
		const struct engine_event *ev;
		size_t len, i;

		rec = engine_queue_peek(&w->q, &len);
		if (!rec) {
			engine_queue_wake_producer(&w->q);
			if (since_idle && e->opts.on_idle)
				e->opts.on_idle(w->index, e->opts.arg);
			since_idle = 0;
			if (!engine_queue_sleep(&w->q))
				break;
			continue;
		}
		ev = rec->event;
		for (i = 0; i < ev->nr_handlers; i++)
			ev->handlers[i].fn(rec, w->index, ev->handlers[i].arg);
		since_idle++;
		engine_queue_pop(&w->q, len, (since_idle & 63) == 0);
		__atomic_store_n(&w->handled, w->handled + 1, __ATOMIC_RELAXED);
	}
	if (e->opts.on_idle)
		e->opts.on_idle(w->index, e->opts.arg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

static int perf_open(struct perf_event_attr *attr, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, attr, -1, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

#define CPU_ONLINE	"/sys/devices/system/cpu/online"
#define CPU_POSSIBLE	"/sys/devices/system/cpu/possible"

/* the CPUs of a sysfs cpu list ("0-3,6"): *list to be freed, or -errno */
static int cpu_list(const char *path, int **list)
{
	char buf[4096];
	int *cpus = NULL, n = 0;
	ssize_t len;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = 0;
	p = buf;
	while (*p && *p != '\n') {
		char *start = p;
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		if (p == start || a < 0 || b > 65535) {
			/* not a cpu list: read every sweep, it must not loop */
			free(cpus);
			return -EIO;
		}
		for (; a <= b; a++) {
			int *nc = realloc(cpus, (size_t)(n + 1) * sizeof(*nc));

			if (!nc) {
				free(cpus);
				return -ENOMEM;
			}
			cpus = nc;
			cpus[n++] = (int)a;
		}
		if (*p == ',')
			p++;
	}
	*list = cpus;
	return n;
}

/*
 * pid_ns_is_initial - whether we see pids as the kernel's common_pid does:
 * NSpid in /proc/self/status lists one id per nested namespace.
 */
static bool pid_ns_is_initial(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	bool initial = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p;
		int fields = 0;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (p = strtok(line + 6, " \t\n"); p; p = strtok(NULL, " \t\n"))
			fields++;
		initial = fields == 1;
		break;
	}
	fclose(f);
	return initial;
}

static void attr_common(const struct engine *e, struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->disabled = 1;
	/* all fds of a ring share one clock (perf_event_set_output checks) */
	if (!e->perf_clock) {
		a->use_clockid = 1;
		a->clockid = CLOCK_MONOTONIC;
	}
}

static const char *open_error(int err)
{
	static __thread char buf[160];
	int paranoid = -9;
	FILE *f;

	switch (err) {
	case EACCES:
	case EPERM:
		f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
		if (f) {
			if (fscanf(f, "%d", &paranoid) != 1)
				paranoid = -9;
			fclose(f);
		}
		snprintf(buf, sizeof(buf),
			 "permission denied: run as root with CAP_PERFMON (kernel.perf_event_paranoid = %d)",
			 paranoid);
		return buf;
	case EMFILE:
	case ENFILE:
		return "too many open files";
	default:
		return strerror(err);
	}
}

/*
 * The online CPUs' descriptors are needed; those of the CPUs that may come
 * online later are asked for, and a CPU that finds none is told (on_cpu
 * FAILED) when it comes.
 */
static int raise_nofile(struct engine *e, unsigned online, char *err, size_t errlen)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)online * (e->nr_events + 2) + 64;
	rlim_t want = (rlim_t)e->nr_cpus * (e->nr_events + 2) + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want) {
		struct rlimit up = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return 0;
		if (rl.rlim_max < need) {
			engine_seterr(err, errlen,
			       "%zu events on %u CPUs need %llu file descriptors but the limit is %llu (raise LimitNOFILE or ulimit -n)",
			       e->nr_events, online, (unsigned long long)need,
			       (unsigned long long)rl.rlim_max);
			return -EMFILE;
		}
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	return 0;
}

static int map_ring(struct engine *e, int fd, unsigned pages, struct engine_ring *r)
{
	size_t len = (1 + (size_t)pages) * e->page_size;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int ret;

	if (m == MAP_FAILED)
		return -errno;
	ret = engine_ring_init(r, m, len, e->page_size);
	if (ret < 0)
		munmap(m, len);
	return ret;
}

static void unmap_ring(struct engine_ring *r)
{
	if (r->map_len)
		munmap(r->meta, r->map_len);
	engine_ring_fini(r);
	r->map_len = 0;
}

/* room in c->fds for every event (main thread only: the reader never reads it) */
static int cpu_fds_grow(struct engine *e, struct engine_cpu *c)
{
	size_t i;
	int *fds;

	if (c->nr_fds >= e->nr_events)
		return 0;
	bool *solo;

	fds = realloc(c->fds, e->nr_events * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	c->fds = fds;
	solo = realloc(c->solo, e->nr_events * sizeof(*solo));
	if (!solo)
		return -ENOMEM;
	c->solo = solo;
	for (i = c->nr_fds; i < e->nr_events; i++) {
		fds[i] = -1;
		solo[i] = false;
	}
	c->nr_fds = e->nr_events;
	return 0;
}

/*
 * One tracepoint on one CPU, into the CPU's ring: in its owner's group when
 * the owner is not enabled yet, alone and enabled when it is (live: a
 * reload).
 */
static int open_event_on_cpu(struct engine *e, struct engine_cpu *c,
			     struct engine_event *ev, bool live, char *err, size_t errlen)
{
	struct perf_event_attr a;
	int fd, ret, group;

	attr_common(e, &a);
	a.disabled = 0;		/* counts once the leader is enabled */
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = ev->id;
	a.sample_period = 1;
	/* minimal: the cpu is the ring's, the event is common_type */
	a.sample_type = e->sample_type;
	/*
	 * Losses the ring has not reported yet when tracing stops (the
	 * kernel writes PERF_RECORD_LOST only with the next record that
	 * fits) are read from each fd at the end (Linux 6.0+).
	 */
	a.read_format = e->has_format_lost ? PERF_FORMAT_LOST : 0;
	/*
	 * Members of the owner's group, so that one ioctl per CPU enables
	 * or disables them all: an ioctl per fd costs an IPI to that CPU,
	 * 0.25 ms each on the development VM.
	 */
	/*
	 * Opened while tracing (a reload), it stays out of the group: a member
	 * added to an enabled group counted nothing here, even once enabled.
	 * It starts disabled and is enabled once redirected and filtered.
	 */
	if (live)
		a.disabled = 1;
	group = live ? -1 : c->owner_fd;
	fd = perf_open(&a, c->cpu, group);
	if (fd < 0 && errno == EINVAL && e->has_format_lost) {
		e->has_format_lost = false;
		a.read_format = 0;
		fd = perf_open(&a, c->cpu, group);
	}
	/*
	 * The CPU went offline and the reader has not seen it yet: its other
	 * events are dead too, and the reader closes the lot, then opens
	 * this one with them when the CPU is back.
	 */
	if (fd < 0 && errno == ENODEV && live)
		return 0;
	if (fd < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "perf_event_open %s (cpu %d): %s",
			      ev->fullname, c->cpu, open_error(errno));
		return ret;
	}
	c->fds[ev->index] = fd;
	c->solo[ev->index] = group < 0;
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, c->owner_fd) < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "%s: redirecting into the cpu %d ring: %s",
			      ev->fullname, c->cpu, strerror(errno));
		return ret;
	}
	if (ev->filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, ev->filter) < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "%s: the kernel rejected the filter \"%s\": %s",
			      ev->fullname, ev->filter, strerror(errno));
		return ret;
	}
	if (live && ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "%s: enabling on cpu %d: %s",
			      ev->fullname, c->cpu, strerror(errno));
		return ret;
	}
	return 0;
}

static int open_cpu(struct engine *e, struct engine_cpu *c, char *err, size_t errlen)
{
	struct perf_event_attr a;
	struct epoll_event ee;
	size_t i;
	int ret;

	/* the sample ring's owner and group leader: a dummy that never samples */
	attr_common(e, &a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.sample_type = e->sample_type;
	a.watermark = 1;
	a.wakeup_watermark = (uint32_t)((size_t)e->opts.ring_pages * e->page_size / 4);
	/* its time enabled stops when the CPU's events are taken off (hotplug) */
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED;
	c->owner_fd = perf_open(&a, c->cpu, -1);
	if (c->owner_fd < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "perf_event_open (cpu %d): %s", c->cpu, open_error(errno));
		return ret;
	}
	ret = map_ring(e, c->owner_fd, e->opts.ring_pages, &c->ring);
	if (ret < 0) {
		engine_seterr(err, errlen, "mmap of a %u-page ring on cpu %d: %s (perf_event_mlock_kb too low?)",
		       e->opts.ring_pages, c->cpu, strerror(-ret));
		return ret;
	}

	/* the side-band ring: task names */
	attr_common(e, &a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	a.sample_id_all = 1;
	a.comm = 1;
	a.comm_exec = 1;
	a.task = 1;
	a.watermark = 1;
	a.wakeup_watermark = (uint32_t)(SIDEBAND_PAGES * e->page_size / 2);
	c->side_fd = perf_open(&a, c->cpu, -1);
	if (c->side_fd < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "perf_event_open (task names, cpu %d): %s", c->cpu, open_error(errno));
		return ret;
	}
	ret = map_ring(e, c->side_fd, SIDEBAND_PAGES, &c->side);
	if (ret < 0) {
		engine_seterr(err, errlen, "mmap of the task-name ring on cpu %d: %s", c->cpu, strerror(-ret));
		return ret;
	}

	ret = cpu_fds_grow(e, c);
	if (ret < 0)
		return ret;
	/* NEW: added by a reload that has not opened it yet */
	for (i = 0; i < e->nr_events; i++) {
		if (e->events[i]->state != EVENT_OPEN)
			continue;
		ret = open_event_on_cpu(e, c, e->events[i], false, err, errlen);
		if (ret < 0)
			return ret;
	}
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.u32 = (uint32_t)c->cpu;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, c->owner_fd, &ee) < 0 ||
	    epoll_ctl(e->epfd, EPOLL_CTL_ADD, c->side_fd, &ee) < 0)
		return -errno;
	return 0;
}

static void close_cpu(struct engine *e, struct engine_cpu *c)
{
	size_t i;

	/*
	 * The last close of a tracepoint waits for an RCU grace period in the
	 * kernel, under event_mutex (perf_trace_destroy ->
	 * tracepoint_synchronize_unregister): about 35 ms each on the
	 * development VM, so 720 syscall tracepoints take 25 s to close, from
	 * one thread or many alike (measured).
	 */
	if (e->epfd >= 0 && c->owner_fd >= 0) {
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->owner_fd, NULL);
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->side_fd, NULL);
	}
	if (c->fds) {
		for (i = 0; i < c->nr_fds; i++)
			if (c->fds[i] >= 0)
				close(c->fds[i]);
		free(c->fds);
		free(c->solo);
		c->fds = NULL;
		c->solo = NULL;
		c->nr_fds = 0;
	}
	unmap_ring(&c->ring);
	unmap_ring(&c->side);
	if (c->owner_fd >= 0)
		close(c->owner_fd);
	if (c->side_fd >= 0)
		close(c->side_fd);
	c->owner_fd = c->side_fd = -1;
	__atomic_store_n(&c->open, false, __ATOMIC_RELAXED);
}

static void close_all(struct engine *e)
{
	unsigned i;

	for (i = 0; i < e->nr_cpus; i++)
		close_cpu(e, &e->cpus[i]);
	if (e->workers)
		for (i = 0; i < e->opts.workers; i++)
			engine_queue_fini(&e->workers[i].q);
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->stopfd >= 0)
		close(e->stopfd);
	if (e->gofd >= 0)
		close(e->gofd);
	if (e->wakefd >= 0)
		close(e->wakefd);
	e->epfd = e->stopfd = e->gofd = e->wakefd = -1;
}

static void enable_all(struct engine *e, unsigned long req)
{
	unsigned i;

	for (i = 0; i < e->nr_cpus; i++) {
		struct engine_cpu *c = &e->cpus[i];

		if (c->side_fd >= 0)
			ioctl(c->side_fd, req, 0);
		/* the leader and every tracepoint of the CPU */
		if (c->owner_fd >= 0)
			ioctl(c->owner_fd, req, PERF_IOC_FLAG_GROUP);
	}
}

/*
 * The samples c's current fds lost (PERF_FORMAT_LOST) beyond what its
 * ring's LOST records told: the kernel writes a LOST record only with the
 * next record that fits, which never comes once the events stop.  Added to
 * its ring losses, and each fd's share to its event's.
 */
static void cpu_pending_lost(struct engine *e, struct engine_cpu *c)
{
	uint64_t total = c->closed_lost;
	uint64_t told = c->lost[ENGINE_STAGE_RING] - c->lost_base;
	size_t j;

	if (!e->has_format_lost)
		return;
	for (j = 0; c->fds && j < c->nr_fds; j++) {
		uint64_t v[2];

		if (c->fds[j] < 0 || read(c->fds[j], v, sizeof(v)) != (ssize_t)sizeof(v))
			continue;
		total += v[1];
		e->events[j]->lost += v[1];
	}
	if (total > told)
		lost_add(c, ENGINE_STAGE_RING, total - told);
}

/* ------------------------------------------------------------------ */
/* CPU hotplug: the reader's look at the CPUs (see the top of the file) */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Whether c's events still count: its owner's time enabled moved since the
 * last look (the read runs on that CPU, by IPI, while the owner is on it).
 */
static bool cpu_alive(struct engine_cpu *c)
{
	uint64_t v[2];	/* value, time enabled */

	if (read(c->owner_fd, v, sizeof(v)) != (ssize_t)sizeof(v))
		return true;	/* cannot tell: the online list still can */
	if (v[1] == c->enabled_ns)
		return false;
	c->enabled_ns = v[1];
	return true;
}

static void tell_cpu(struct engine *e, const struct engine_cpu_change *ch)
{
	if (e->opts.on_cpu)
		e->opts.on_cpu(ch, e->opts.arg);
}

/*
 * c went offline: read what its rings hold, count what its events lost,
 * close them.  Its events are dead, save those a reload opened after an
 * offline and online between two looks (alone, into the old ring): every
 * one is disabled first (a dead one takes it as a no-op), and the rings
 * read until two passes a millisecond apart find nothing, as at the end.
 */
static void cpu_gone(struct engine *e, struct engine_cpu *c)
{
	struct engine_cpu_change ch = {
		.cpu = c->cpu, .state = ENGINE_CPU_OFFLINE, .message = "",
	};
	struct ring_ctx x = { e, c };
	size_t j;

	ioctl(c->side_fd, PERF_EVENT_IOC_DISABLE, 0);
	ioctl(c->owner_fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	for (j = 0; c->fds && j < c->nr_fds; j++)
		if (c->fds[j] >= 0 && c->solo[j])
			ioctl(c->fds[j], PERF_EVENT_IOC_DISABLE, 0);
	for (int quiet = 0; quiet < 2;) {
		struct timespec ms = { 0, 1000000 };
		uint64_t n;

		engine_ring_read(&c->side, engine_ring_head(&c->side), reader_on_side_ring, &x);
		n = engine_ring_read(&c->ring, engine_ring_head(&c->ring), reader_on_sample_ring, &x);
		ch.drained += n;
		quiet = n ? 0 : quiet + 1;
		nanosleep(&ms, NULL);
	}
	kick_workers(e);
	cpu_pending_lost(e, c);
	report_losses(e, c);
	close_cpu(e, c);
	__atomic_add_fetch(&e->cpu_offline, 1, __ATOMIC_RELAXED);
	tell_cpu(e, &ch);
}

/* c is online and untraced: a new set of fds and rings, enabled */
static void cpu_back(struct engine *e, struct engine_cpu *c)
{
	struct engine_cpu_change ch = {
		.cpu = c->cpu, .state = ENGINE_CPU_ONLINE, .message = "",
	};
	char msg[512] = "";
	int ret;

	/* the losses of the new set are told against its own LOST records */
	c->lost_base = c->lost[ENGINE_STAGE_RING];
	c->closed_lost = 0;
	c->enabled_ns = 0;
	ret = open_cpu(e, c, msg, sizeof(msg));
	if (ret < 0) {
		close_cpu(e, c);
		/*
		 * ENODEV: offline again already.  Another failure is told
		 * once and tried again every second: each try opens and
		 * closes up to every event on the CPU.
		 */
		if (ret == -ENODEV)
			return;
		c->retry_ns = mono_ns() + CPU_RETRY_NS;
		if (c->failed)
			return;
		c->failed = true;
		ch.state = ENGINE_CPU_FAILED;
		ch.error = ret;
		ch.message = msg;
		tell_cpu(e, &ch);
		return;
	}
	c->failed = false;
	__atomic_store_n(&c->open, true, __ATOMIC_RELAXED);
	ioctl(c->side_fd, PERF_EVENT_IOC_ENABLE, 0);
	ioctl(c->owner_fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
	__atomic_add_fetch(&e->cpu_online, 1, __ATOMIC_RELAXED);
	tell_cpu(e, &ch);
}

/*
 * At most every timeout_ms: the CPUs whose events died are closed, the
 * online ones without events opened.  Only when no other thread uses the
 * CPUs' fds (a reload holds cpus_lock while it waits for sweeps): else at
 * the next sweep.
 */
static void reader_hotplug(struct engine *e)
{
	uint64_t now = mono_ns();
	int *online = NULL, n, k;
	unsigned i;

	if (now < e->hotplug_next || pthread_mutex_trylock(&e->cpus_lock) != 0)
		return;
	e->hotplug_next = now + (uint64_t)e->opts.timeout_ms * 1000000ULL;
	if (e->hotplug_off)
		goto out;
	n = cpu_list(CPU_ONLINE, &online);
	if (n <= 0)
		goto out;
	/* both lists ascend, as sysfs writes them */
	for (i = 0, k = 0; i < e->nr_cpus; i++) {
		struct engine_cpu *c = &e->cpus[i];
		bool up;

		while (k < n && online[k] < c->cpu)
			k++;
		up = k < n && online[k] == c->cpu;
		if (c->open && (!up || !cpu_alive(c)))
			cpu_gone(e, c);
		if (!c->open && up && now >= c->retry_ns)
			cpu_back(e, c);
	}
	free(online);
out:
	pthread_mutex_unlock(&e->cpus_lock);
}

static void stop_threads(struct engine *e)
{
	unsigned i;

	if (e->reader_started) {
		uint64_t one = 1;

		__atomic_store_n(&e->stopping, 1, __ATOMIC_RELEASE);
		if (write(e->stopfd, &one, sizeof(one)) < 0 ||
		    write(e->gofd, &one, sizeof(one)) < 0) {
			/* the reader still wakes on its timeout */
		}
		pthread_join(e->reader, NULL);
		e->reader_started = false;
	}
	for (i = 0; e->workers && i < e->opts.workers; i++) {
		struct engine_worker *w = &e->workers[i];

		if (!w->started)
			continue;
		engine_queue_close(&w->q);
		pthread_join(w->thread, NULL);
		w->started = false;
	}
}

int engine_start(struct engine *e, char *err, size_t errlen)
{
	struct epoll_event ee;
	sigset_t all, old;
	int *cpus = NULL, *online = NULL, n, nr_online, ret, k;
	unsigned i, opened = 0;

	if (e->running)
		return -EBUSY;
	if (!e->nr_events) {
		engine_seterr(err, errlen, "no events to trace");
		return -EINVAL;
	}
	nr_online = cpu_list(CPU_ONLINE, &online);
	if (nr_online <= 0) {
		engine_seterr(err, errlen, "cannot read the online CPUs (%s): %s", CPU_ONLINE,
			      strerror(nr_online ? -nr_online : EIO));
		return nr_online ? nr_online : -EIO;
	}
	/* a slot for every CPU that may come online while we trace */
	n = cpu_list(CPU_POSSIBLE, &cpus);
	if (n <= 0) {
		cpus = malloc((size_t)nr_online * sizeof(*cpus));
		if (cpus)
			memcpy(cpus, online, (size_t)nr_online * sizeof(*cpus));
		n = nr_online;
	}
	e->cpus = cpus ? calloc((size_t)n, sizeof(*e->cpus)) : NULL;
	e->workers = calloc(e->opts.workers, sizeof(*e->workers));
	if (!e->cpus || !e->workers) {
		free(cpus);
		free(online);
		engine_seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->nr_cpus = (unsigned)n;
	for (i = 0; i < e->nr_cpus; i++) {
		e->cpus[i].cpu = cpus[i];
		e->cpus[i].owner_fd = e->cpus[i].side_fd = -1;
	}
	free(cpus);
	e->hotplug_off = false;
	e->hotplug_next = 0;

	ret = raise_nofile(e, (unsigned)nr_online, err, errlen);
	if (ret < 0)
		goto fail;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->gofd = eventfd(0, EFD_CLOEXEC);
	e->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->epfd < 0 || e->stopfd < 0 || e->gofd < 0 || e->wakefd < 0) {
		ret = -errno;
		engine_seterr(err, errlen, "epoll/eventfd: %s", strerror(errno));
		goto fail;
	}
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.u32 = UINT32_MAX;
	epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->stopfd, &ee);
	epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wakefd, &ee);
	/* what the reader will dispatch on: published before any fd opens */
	for (i = 0; i < e->nr_events; i++) {
		struct engine_event *ev = e->events[i];

		if (ev->state == EVENT_CLOSED)
			continue;
		__atomic_store_n(&e->by_id[ev->id], ev, __ATOMIC_RELEASE);
		ev->state = EVENT_OPEN;
	}

	e->perf_clock = false;
	e->clock_off = 0;
	__atomic_store_n(&e->clock_err, 0, __ATOMIC_RELAXED);
	if (e->opts.clock == ENGINE_CLOCK_PERF) {
		struct engine_clock probe;

		/* the reader measures it on its own thread; first, whether it can */
		if (engine_clock_open(&probe) == 0) {
			if (engine_clock_sync(&probe) == 0) {
				e->perf_clock = true;
				e->clock_off = probe.offset;
				__atomic_store_n(&e->clock_err, probe.error, __ATOMIC_RELAXED);
			}
			engine_clock_close(&probe);
		}
	}
	e->sample_tid = !pid_ns_is_initial();
	e->sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_RAW |
			 (e->sample_tid ? PERF_SAMPLE_TID : 0);
	comm_table_seed(&e->comm, "/proc");
	for (i = 0, k = 0; i < e->nr_cpus; i++) {
		struct engine_cpu *c = &e->cpus[i];

		/* both lists ascend, as sysfs writes them */
		while (k < nr_online && online[k] < c->cpu)
			k++;
		if (k == nr_online || online[k] != c->cpu)
			continue;	/* the reader opens it when it comes online */
		ret = open_cpu(e, c, err, errlen);
		if (ret == -ENODEV) {
			/* gone offline since the list was read: the same */
			close_cpu(e, c);
			continue;
		}
		if (ret < 0) {
			if (ret == -EMFILE || ret == -ENFILE) {
				struct rlimit rl;

				getrlimit(RLIMIT_NOFILE, &rl);
				engine_seterr(err, errlen,
				       "too many open files: %zu events on %d CPUs need about %zu descriptors, the limit is %llu (raise LimitNOFILE or ulimit -n)",
				       e->nr_events, nr_online,
				       (size_t)nr_online * (e->nr_events + 2),
				       (unsigned long long)rl.rlim_cur);
			}
			goto fail;
		}
		__atomic_store_n(&c->open, true, __ATOMIC_RELAXED);
		opened++;
	}
	if (!opened) {
		engine_seterr(err, errlen, "no CPU could be traced: every one went offline");
		ret = -ENODEV;
		goto fail;
	}
	for (i = 0; i < e->opts.workers; i++) {
		struct engine_worker *w = &e->workers[i];

		w->e = e;
		w->index = i;
		ret = engine_queue_init(&w->q, (size_t)e->opts.queue_depth * 128);
		if (ret < 0) {
			engine_seterr(err, errlen, "out of memory for the queues");
			goto fail;
		}
	}

	/* threads take no signals: the daemon reads them with signalfd */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < e->opts.workers; i++) {
		struct engine_worker *w = &e->workers[i];

		char name[16];

		ret = -pthread_create(&w->thread, NULL, worker_main, w);
		if (ret < 0)
			break;
		w->started = true;
		/* named for top -H, gdb, and a supervisor that looks for them */
		snprintf(name, sizeof(name), "tld-worker-%u", i % 1000);
		pthread_setname_np(w->thread, name);
	}
	if (ret == 0) {
		sem_init(&e->reader_ready, 0, 0);
		ret = -pthread_create(&e->reader, NULL, reader_main, e);
		if (ret == 0) {
			e->reader_started = true;
			pthread_setname_np(e->reader, "tld-reader");
			/* its fds open before the started line: none come later */
			while (sem_wait(&e->reader_ready) < 0 && errno == EINTR)
				;
		}
		sem_destroy(&e->reader_ready);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0) {
		engine_seterr(err, errlen, "cannot start threads: %s", strerror(-ret));
		goto fail;
	}
	e->running = true;
	enable_all(e, PERF_EVENT_IOC_ENABLE);
	if (e->opts.on_started)
		e->opts.on_started(e->opts.arg);
	{
		uint64_t one = 1;

		if (write(e->gofd, &one, sizeof(one)) < 0)
			abort();	/* an eventfd write of 1 cannot fail */
	}
	free(online);
	return 0;
fail:
	free(online);
	stop_threads(e);
	close_all(e);
	free(e->cpus);
	free(e->workers);
	e->cpus = NULL;
	e->workers = NULL;
	e->nr_cpus = 0;
	return ret;
}

/*
 * The samples each event lost, summed per CPU, against what the LOST
 * records said: the difference was still pending in the kernel.  After
 * the reader is gone.
 */
static void report_pending_losses(struct engine *e)
{
	unsigned i;

	for (i = 0; i < e->nr_cpus; i++) {
		if (!e->cpus[i].open)
			continue;
		cpu_pending_lost(e, &e->cpus[i]);
		report_losses(e, &e->cpus[i]);
	}
}

void engine_stop(struct engine *e)
{
	unsigned i;
	size_t j;

	if (!e || !e->running)
		return;
	/* a disabled owner's time stops as a dead one's: no more looks */
	pthread_mutex_lock(&e->cpus_lock);
	e->hotplug_off = true;
	enable_all(e, PERF_EVENT_IOC_DISABLE);
	/* events opened by a reload are outside the groups */
	for (i = 0; i < e->nr_cpus; i++)
		for (j = 0; j < e->cpus[i].nr_fds; j++)
			if (e->cpus[i].solo && e->cpus[i].solo[j] && e->cpus[i].fds[j] >= 0)
				ioctl(e->cpus[i].fds[j], PERF_EVENT_IOC_DISABLE, 0);
	pthread_mutex_unlock(&e->cpus_lock);
	stop_threads(e);
	report_pending_losses(e);
	close_all(e);
	e->running = false;
}

/* ------------------------------------------------------------------ */
/* Reload: events opened and closed while tracing                      */

/* wait until the reader has finished n sweeps that began after this call */
static void reader_wait_sweeps(struct engine *e, unsigned n)
{
	uint64_t target = __atomic_load_n(&e->sweeps, __ATOMIC_ACQUIRE) + n + 1;
	uint64_t one = 1;

	while (__atomic_load_n(&e->sweeps, __ATOMIC_ACQUIRE) < target) {
		struct timespec ms = { 0, 1000000 };

		if (write(e->wakefd, &one, sizeof(one)) < 0) {
			/* the reader still sweeps on its timeout */
		}
		nanosleep(&ms, NULL);
	}
}

static void event_close_locked(struct engine *e, struct engine_event *ev);

int engine_event_open(struct engine *e, struct engine_event *ev, char *err, size_t errlen)
{
	unsigned i;
	int ret = 0;

	if (ev->engine != e || ev->state == EVENT_CLOSED)
		return -EINVAL;
	if (!e->running || ev->state == EVENT_OPEN)
		return 0;	/* engine_start() opens it */
	/* the CPUs traced now; one that comes online later opens it with the rest */
	pthread_mutex_lock(&e->cpus_lock);
	for (i = 0; i < e->nr_cpus; i++) {
		if (!e->cpus[i].open)
			continue;
		ret = cpu_fds_grow(e, &e->cpus[i]);
		if (ret < 0) {
			engine_seterr(err, errlen, "out of memory");
			goto out;
		}
	}
	/* published first: its first samples must find it */
	__atomic_store_n(&e->by_id[ev->id], ev, __ATOMIC_RELEASE);
	ev->state = EVENT_OPEN;
	for (i = 0; i < e->nr_cpus; i++) {
		if (!e->cpus[i].open)
			continue;
		ret = open_event_on_cpu(e, &e->cpus[i], ev, true, err, errlen);
		if (ret < 0)
			break;
	}
	if (ret < 0)
		event_close_locked(e, ev);
out:
	pthread_mutex_unlock(&e->cpus_lock);
	return ret;
}

/* close one fd of an event, keeping its PERF_FORMAT_LOST count */
static void close_event_fd(struct engine *e, struct engine_cpu *c, struct engine_event *ev, int fd)
{
	if (e->has_format_lost) {
		uint64_t v[2];

		if (read(fd, v, sizeof(v)) == (ssize_t)sizeof(v)) {
			ev->lost += v[1];
			c->closed_lost += v[1];
		}
	}
	close(fd);
}

int engine_event_close(struct engine *e, struct engine_event *ev)
{
	if (ev->engine != e)
		return -EINVAL;
	pthread_mutex_lock(&e->cpus_lock);
	event_close_locked(e, ev);
	pthread_mutex_unlock(&e->cpus_lock);
	return 0;
}

/* engine_event_close() with cpus_lock held */
static void event_close_locked(struct engine *e, struct engine_event *ev)
{
	unsigned i;

	if (ev->state != EVENT_OPEN) {
		ev->state = EVENT_CLOSED;
		return;
	}
	for (i = 0; i < e->nr_cpus; i++) {
		struct engine_cpu *c = &e->cpus[i];

		if (c->fds && ev->index < c->nr_fds && c->fds[ev->index] >= 0)
			ioctl(c->fds[ev->index], PERF_EVENT_IOC_DISABLE, 0);
	}
	/*
	 * Its samples already in the rings are read and dispatched before it
	 * stops being known: two full sweeps after the disable.
	 */
	if (e->running && e->reader_started)
		reader_wait_sweeps(e, 2);
	__atomic_store_n(&e->by_id[ev->id], NULL, __ATOMIC_RELEASE);
	for (i = 0; i < e->nr_cpus; i++) {
		struct engine_cpu *c = &e->cpus[i];
		int fd;

		if (!c->fds || ev->index >= c->nr_fds || c->fds[ev->index] < 0)
			continue;
		fd = c->fds[ev->index];
		close_event_fd(e, c, ev, fd);
		c->fds[ev->index] = -1;
	}
	/*
	 * The event itself stays allocated until engine_free(): records of it
	 * may still wait in a worker's queue, and their handlers run on them.
	 */
	ev->state = EVENT_CLOSED;
}

/*
 * The kernel takes one filter per perf event, for its life
 * (PERF_EVENT_IOC_SET_FILTER on a filtered event: EEXIST).  So a new filter
 * means new fds: opened next to the old ones, then the old ones closed.  In
 * between, a hit passing both filters is written twice and deduplicated by
 * the reader; no hit is missed.
 */
int engine_event_update_filter(struct engine *e, struct engine_event *ev,
			       const char *filter, char *err, size_t errlen)
{
	struct engine_dedupe *dd;
	char *copy = NULL, *old_filter;
	int *old_fds;
	unsigned i;
	int ret = 0;

	if (ev->engine != e || ev->state == EVENT_CLOSED)
		return -EINVAL;
	if (ev->state == EVENT_NEW || !e->running)
		return engine_event_set_filter(ev, filter);
	if (filter && *filter && !(copy = strdup(filter)))
		return -ENOMEM;
	old_fds = malloc(e->nr_cpus * sizeof(*old_fds));
	dd = calloc(e->nr_cpus, sizeof(*dd));
	if (!old_fds || !dd) {
		free(copy);
		free(old_fds);
		free(dd);
		return -ENOMEM;
	}
	/*
	 * Held to the end, sweeps included: the CPUs traced stay those whose
	 * old fds are here.  A CPU that comes online meanwhile is opened
	 * after, with the new filter.
	 */
	pthread_mutex_lock(&e->cpus_lock);
	for (i = 0; i < e->nr_cpus; i++)
		old_fds[i] = e->cpus[i].open ? e->cpus[i].fds[ev->index] : -1;
	__atomic_store_n(&ev->dedupe, dd, __ATOMIC_RELEASE);
	old_filter = ev->filter;
	ev->filter = copy;
	for (i = 0; i < e->nr_cpus; i++) {
		if (!e->cpus[i].open)
			continue;
		ret = open_event_on_cpu(e, &e->cpus[i], ev, true, err, errlen);
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		/* the new fds go, the old ones stay: nothing changed */
		unsigned j;

		for (j = 0; j <= i && j < e->nr_cpus; j++) {
			int fd;

			if (!e->cpus[j].open)
				continue;
			fd = e->cpus[j].fds[ev->index];

			if (fd >= 0 && fd != old_fds[j])
				close(fd);
			e->cpus[j].fds[ev->index] = old_fds[j];
		}
		free(ev->filter);
		ev->filter = old_filter;
	} else {
		for (i = 0; i < e->nr_cpus; i++)
			if (old_fds[i] >= 0)
				ioctl(old_fds[i], PERF_EVENT_IOC_DISABLE, 0);
		free(old_filter);
	}
	/* what both wrote is read before deduplication ends */
	reader_wait_sweeps(e, 2);
	__atomic_store_n(&ev->dedupe, NULL, __ATOMIC_RELEASE);
	reader_wait_sweeps(e, 1);	/* no sweep uses dd any more */
	free(dd);
	if (ret == 0)
		for (i = 0; i < e->nr_cpus; i++)
			if (old_fds[i] >= 0)
				close_event_fd(e, &e->cpus[i], ev, old_fds[i]);
	pthread_mutex_unlock(&e->cpus_lock);
	free(old_fds);
	return ret;
}

int engine_event_lost(const struct engine_event *ev, uint64_t *lost)
{
	struct engine *e = ev->engine;
	unsigned i;

	if (!e) {
		*lost = ev->lost;
		return 0;
	}
	if (!e->has_format_lost) {
		*lost = ev->lost;
		return -EOPNOTSUPP;
	}
	/* the reader adds a closing CPU's share to ev->lost under the lock */
	pthread_mutex_lock(&e->cpus_lock);
	*lost = ev->lost;	/* of its fds closed so far */
	for (i = 0; e->cpus && i < e->nr_cpus; i++) {
		const struct engine_cpu *c = &e->cpus[i];
		uint64_t v[2];

		if (!c->fds || ev->index >= c->nr_fds || c->fds[ev->index] < 0)
			continue;
		if (read(c->fds[ev->index], v, sizeof(v)) == (ssize_t)sizeof(v))
			*lost += v[1];
	}
	pthread_mutex_unlock(&e->cpus_lock);
	return 0;
}

uint64_t engine_worker_queued(const struct engine *e, unsigned w)
{
	if (!e->workers || w >= e->opts.workers)
		return 0;
	return engine_queue_used(&e->workers[w].q);
}

enum engine_clock_source engine_clock_used(const struct engine *e)
{
	return e->perf_clock ? ENGINE_CLOCK_PERF : ENGINE_CLOCK_MONOTONIC;
}

uint64_t engine_clock_error(const struct engine *e)
{
	return __atomic_load_n(&e->clock_err, __ATOMIC_RELAXED);
}

uint64_t engine_sweeps(const struct engine *e)
{
	return __atomic_load_n(&e->sweeps, __ATOMIC_ACQUIRE);
}

void engine_stats_get(const struct engine *e, struct engine_stats *st)
{
	unsigned i, s;

	memset(st, 0, sizeof(*st));
	st->samples = __atomic_load_n(&e->samples, __ATOMIC_RELAXED);
	st->comm_records = __atomic_load_n(&e->comm_records, __ATOMIC_RELAXED);
	st->workers = e->opts.workers;
	st->cpu_offline = __atomic_load_n(&e->cpu_offline, __ATOMIC_RELAXED);
	st->cpu_online = __atomic_load_n(&e->cpu_online, __ATOMIC_RELAXED);
	for (i = 0; e->cpus && i < e->nr_cpus; i++)
		st->cpus += __atomic_load_n(&e->cpus[i].open, __ATOMIC_RELAXED);
	for (i = 0; e->workers && i < e->opts.workers; i++)
		st->handled += __atomic_load_n(&e->workers[i].handled, __ATOMIC_RELAXED);
	for (i = 0; e->cpus && i < e->nr_cpus; i++)
		for (s = 0; s < NR_STAGES; s++)
			st->lost[s] += __atomic_load_n(&e->cpus[i].lost[s], __ATOMIC_RELAXED);
}

void engine_free(struct engine *e)
{
	size_t i;

	if (!e)
		return;
	engine_stop(e);
	free(e->cpus);
	free(e->workers);
	for (i = 0; i < e->nr_events; i++)
		engine_event_free(e->events[i]);
	free(e->events);
	free(e->by_id);
	comm_table_fini(&e->comm);
	pthread_mutex_destroy(&e->cpus_lock);
	free(e);
}
