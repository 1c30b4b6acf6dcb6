// SPDX-License-Identifier: MIT
/*
 * jlog.c - JSON lines.
 *
 * Each event gets an emitter at registration: the constant text of its
 * lines (probe, event name, field keys) is rendered once, and each field's
 * handle and kind are resolved, so writing a record is integer formatting,
 * string escaping and memcpy: no lookup, no printf.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jlog.h"
#include "json.h"
#include "sink.h"

#define FLUSH_BYTES	(256 * 1024)

struct jlog_field {
	const struct engine_field *f;
	enum engine_field_kind kind;
	bool is_signed;
	enum jlog_render render;	/* JLOG_RENDER_DEFAULT for most */
	char *key;			/* "name": with a comma before all but the first */
	size_t key_len;
};

struct jlog_emitter {
	struct jlog *jl;
	char *prefix;			/* ,"probe":"..","event":"..","cpu": */
	size_t prefix_len;
	struct jlog_field *fields;
	size_t nr_fields;
};

struct jlog_worker {
	struct jbuf buf;
	uint64_t lines;			/* event lines in buf */
	size_t flush_at;		/* write buf once it holds this much (1: each line) */
	uint64_t first_ns;		/* atomic: time of buf's oldest line; 0: empty */
	uint32_t flush_req;		/* atomic: jlog_tick() asks for a flush */
	bool held;			/* the worker holds mu (read by its own thread) */
	int64_t sec;			/* second of sec_text */
	char sec_text[32];		/* "2026-11-22T01:31:47." */
	/*
	 * buf is the worker's while it is busy: it takes mu with its first
	 * line after an idle and gives it back at the idle, so that a line
	 * costs no lock.  jlog_tick() flushes a parked buffer under mu, and
	 * asks a busy worker through flush_req, which it reads per line.
	 */
	pthread_mutex_t mu;
} __attribute__((aligned(64)));

struct jlog {
	struct sink *sink;
	struct jlog_opts opts;
	pthread_mutex_t lock;		/* the sink, and the counters below */
	struct jlog_worker *workers;
	unsigned nr_workers;
	struct jlog_emitter **emitters;
	size_t nr_emitters;
	int64_t offset_ns;		/* atomic: realtime - monotonic */
	uint64_t written;
	uint64_t dropped;		/* event lines the sink lost */
	uint64_t dropped_reported;	/* of those, told by "lost" lines */
	uint64_t lost_reported[4];
	uint64_t lost_pending[4];	/* engine losses whose "lost" line failed */
	uint64_t other_dropped;		/* daemon, stats and lost lines not written */
	/*
	 * An outage runs from a failure of the sink until a tick reports it
	 * over; failures that come and go inside it are one outage.
	 */
	bool outage;
	uint64_t fail_seen;		/* the sink's failure count, last looked at */
	uint64_t dropped_at_fail;	/* dropped when the outage began */
	int fail_err;			/* the latest failure */
	enum sink_op fail_op;
	int rep_err;			/* the health jlog_tick() reported last */
	enum sink_op rep_op;
	uint64_t rep_failures;
	struct jbuf line;		/* for daemon and lost lines, under lock */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void jlog_clock_update(struct jlog *jl)
{
	int64_t best = INT64_MAX, off = 0;
	int i;

	/* the tightest of three brackets of the realtime read */
	for (i = 0; i < 3; i++) {
		int64_t m1 = clock_ns(CLOCK_MONOTONIC);
		int64_t r = clock_ns(CLOCK_REALTIME);
		int64_t m2 = clock_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best) {
			best = m2 - m1;
			off = r - (m1 + (m2 - m1) / 2);
		}
	}
	__atomic_store_n(&jl->offset_ns, off, __ATOMIC_RELAXED);
}

struct jlog *jlog_open(const char *path, unsigned workers, char *err, size_t errlen)
{
	return jlog_open_opts(path, workers, NULL, err, errlen);
}

static void sink_opts_of(const struct jlog_opts *o, struct sink_opts *so)
{
	so->rotate_size = o->rotate_size;
	so->rotate_keep = o->rotate_keep;
}

struct jlog *jlog_open_opts(const char *path, unsigned workers, const struct jlog_opts *opts,
			    char *err, size_t errlen)
{
	struct jlog *jl = calloc(1, sizeof(*jl));
	struct sink_opts so;
	unsigned i;

	if (!jl)
		goto nomem;
	pthread_mutex_init(&jl->lock, NULL);
	if (opts)
		jl->opts = *opts;
	if (!jl->opts.flush_interval_ms)
		jl->opts.flush_interval_ms = 1000;
	sink_opts_of(&jl->opts, &so);
	jl->sink = sink_open(path, &so, err, errlen);
	if (!jl->sink) {
		int saved = errno;

		jlog_close(jl);
		errno = saved;
		return NULL;
	}
	jl->nr_workers = workers ? workers : 1;
	jl->workers = aligned_alloc(64, sizeof(*jl->workers) * jl->nr_workers);
	if (!jl->workers)
		goto nomem;
	memset(jl->workers, 0, sizeof(*jl->workers) * jl->nr_workers);
	for (i = 0; i < jl->nr_workers; i++) {
		jl->workers[i].sec = -1;
		jl->workers[i].flush_at = jl->opts.flush == JLOG_FLUSH_LINE ? 1 : FLUSH_BYTES;
		pthread_mutex_init(&jl->workers[i].mu, NULL);
	}
	for (i = 0; i < jl->nr_workers; i++)
		if (jbuf_init(&jl->workers[i].buf, FLUSH_BYTES + 65536) < 0)
			goto nomem;
	if (jbuf_init(&jl->line, 4096) < 0)
		goto nomem;
	jlog_clock_update(jl);
	return jl;
nomem:
	snprintf(err, errlen, "out of memory");
	jlog_close(jl);
	errno = ENOMEM;
	return NULL;
}

static size_t count_lines(const char *p, size_t len)
{
	size_t n = 0;
	const char *end = p + len;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/* after each use of the sink: an outage that begins, the latest failure */
static void note_failure_locked(struct jlog *jl)
{
	uint64_t failures;
	enum sink_op op;
	int err = sink_health(jl->sink, &op, &failures);

	if (failures != jl->fail_seen) {
		jl->fail_seen = failures;
		if (!jl->outage) {
			jl->outage = true;
			jl->dropped_at_fail = jl->dropped;
		}
	}
	if (err) {
		jl->fail_err = err;
		jl->fail_op = op;
	}
}

/* whole lines to the sink; 0, or -EIO when not all of them went */
static int write_locked(struct jlog *jl, const char *p, size_t len)
{
	size_t n = sink_write(jl->sink, p, len);

	note_failure_locked(jl);
	return n == len ? 0 : -EIO;
}

static void line_start(struct jlog *jl, const char *type);

/*
 * The "lost" lines that are due: sink losses not told yet, and engine
 * losses whose own line failed.  They go before any other line, so that a
 * gap in the log is followed by the line that counts it.  0, or -EIO
 * while the sink cannot take them.
 */
static int report_pending_locked(struct jlog *jl)
{
	unsigned s;

	for (s = 0; s < 4; s++) {
		const char *stage = engine_stage_name((enum engine_stage)s);
		uint64_t n = jl->lost_pending[s];

		if (!n)
			continue;
		if (!sink_is_up(jl->sink))
			return -EIO;
		line_start(jl, "lost");
		json_put_raw(&jl->line, ",\"count\":", 9);
		json_put_u64(&jl->line, n);
		json_put_raw(&jl->line, ",\"stage\":\"", 10);
		json_put_raw(&jl->line, stage, strlen(stage));
		json_put_raw(&jl->line, "\"}\n", 3);
		if (jbuf_failed(&jl->line) || write_locked(jl, jl->line.p, jl->line.len) < 0)
			return -EIO;
		jl->lost_pending[s] = 0;
		jl->lost_reported[s] += n;
	}
	if (jl->dropped != jl->dropped_reported) {
		uint64_t n = jl->dropped - jl->dropped_reported;

		if (!sink_is_up(jl->sink))
			return -EIO;
		line_start(jl, "lost");
		json_put_raw(&jl->line, ",\"count\":", 9);
		json_put_u64(&jl->line, n);
		json_put_raw(&jl->line, ",\"stage\":\"sink\"}\n", 17);
		if (jbuf_failed(&jl->line) || write_locked(jl, jl->line.p, jl->line.len) < 0)
			return -EIO;
		jl->dropped_reported += n;
	}
	return 0;
}

/*
 * The worker's buffer to the sink.  The caller owns the buffer: it is the
 * worker holding w->mu, or the holder of w->mu while the worker is idle.
 */
static void worker_flush(struct jlog *jl, struct jlog_worker *w)
{
	size_t len = w->buf.len;
	uint64_t ok = 0;

	__atomic_store_n(&w->flush_req, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->first_ns, 0, __ATOMIC_RELAXED);
	if (!len)
		return;
	pthread_mutex_lock(&jl->lock);
	/* while the sink refuses even the "lost" line, the batch is lost whole */
	if (report_pending_locked(jl) == 0) {
		size_t n = sink_write(jl->sink, w->buf.p, len);

		note_failure_locked(jl);
		ok = n == len ? w->lines : count_lines(w->buf.p, n);
	}
	jl->written += ok;
	jl->dropped += w->lines - ok;
	pthread_mutex_unlock(&jl->lock);
	jbuf_reset(&w->buf);
	w->lines = 0;
}

void jlog_on_idle(unsigned worker, void *arg)
{
	struct jlog *jl = arg;
	struct jlog_worker *w;

	if (worker >= jl->nr_workers)
		return;
	w = &jl->workers[worker];
	if (!w->held)
		return;		/* no line since the last idle */
	if (__atomic_load_n(&jl->opts.flush, __ATOMIC_RELAXED) != JLOG_FLUSH_INTERVAL ||
	    __atomic_load_n(&w->flush_req, __ATOMIC_RELAXED))
		worker_flush(jl, w);
	w->held = false;
	pthread_mutex_unlock(&w->mu);
}

void jlog_flush_all(struct jlog *jl)
{
	unsigned i;

	for (i = 0; i < jl->nr_workers; i++) {
		struct jlog_worker *w = &jl->workers[i];

		if (w->held) {
			/*
			 * The workers are stopped, and a stopped worker gave mu
			 * back at its last idle: the holder is this thread,
			 * which ran a handler itself (the tests do).
			 */
			worker_flush(jl, w);
			w->held = false;
			pthread_mutex_unlock(&w->mu);
			continue;
		}
		pthread_mutex_lock(&w->mu);
		worker_flush(jl, w);
		pthread_mutex_unlock(&w->mu);
	}
}

int jlog_tick(struct jlog *jl, uint64_t now_ns, struct jlog_health *h)
{
	uint64_t age = __atomic_load_n(&jl->opts.flush_interval_ms, __ATOMIC_RELAXED) * 1000000;
	uint64_t failures;
	enum sink_op op;
	unsigned i;
	int err, changed;

	/* buffers older than flush_interval (line: there are none) */
	for (i = 0; i < jl->nr_workers; i++) {
		struct jlog_worker *w = &jl->workers[i];
		uint64_t first = __atomic_load_n(&w->first_ns, __ATOMIC_RELAXED);

		if (!first || now_ns < first + age)
			continue;
		if (pthread_mutex_trylock(&w->mu) == 0) {
			/* parked: the worker sleeps, or comes back after us */
			worker_flush(jl, w);
			pthread_mutex_unlock(&w->mu);
		} else {
			/* busy: it flushes at its next line or idle */
			__atomic_store_n(&w->flush_req, 1, __ATOMIC_RELAXED);
		}
	}

	pthread_mutex_lock(&jl->lock);
	sink_check(jl->sink);
	note_failure_locked(jl);
	/* losses are told as soon as the sink takes lines again */
	if (sink_is_up(jl->sink))
		report_pending_locked(jl);
	err = sink_health(jl->sink, &op, &failures);
	if (err)
		changed = err != jl->rep_err || op != jl->rep_op;
	else	/* over, or a failure came and went since the last tick */
		changed = jl->rep_err || failures != jl->rep_failures;
	if (changed && h) {
		h->error = err;
		h->op = sink_op_name(op);
		h->last_error = jl->fail_err;
		h->last_op = sink_op_name(jl->fail_op);
		h->lost = jl->dropped - jl->dropped_at_fail;
		h->lost_total = jl->dropped;
	}
	if (changed && !err)
		jl->outage = false;
	jl->rep_err = err;
	jl->rep_op = op;
	jl->rep_failures = failures;
	pthread_mutex_unlock(&jl->lock);
	return changed;
}

int jlog_reopen(struct jlog *jl)
{
	int ret;

	pthread_mutex_lock(&jl->lock);
	ret = sink_reopen(jl->sink);
	note_failure_locked(jl);
	pthread_mutex_unlock(&jl->lock);
	return ret;
}

void jlog_set_opts(struct jlog *jl, const struct jlog_opts *opts)
{
	struct sink_opts so;
	unsigned i;

	pthread_mutex_lock(&jl->lock);
	jl->opts.rotate_size = opts->rotate_size;
	jl->opts.rotate_keep = opts->rotate_keep;
	sink_opts_of(&jl->opts, &so);
	sink_set_opts(jl->sink, &so);
	pthread_mutex_unlock(&jl->lock);
	/* the flush policy: read by the workers as they go */
	__atomic_store_n(&jl->opts.flush, opts->flush, __ATOMIC_RELAXED);
	__atomic_store_n(&jl->opts.flush_interval_ms,
			 opts->flush_interval_ms ? opts->flush_interval_ms : 1000, __ATOMIC_RELAXED);
	for (i = 0; i < jl->nr_workers; i++)
		__atomic_store_n(&jl->workers[i].flush_at,
				 opts->flush == JLOG_FLUSH_LINE ? 1 : FLUSH_BYTES, __ATOMIC_RELAXED);
}

/*
 * "ts":"..." for a monotonic time, with the second's text cached.  Any u64
 * is a valid mono (the record's time is the kernel's word): the sum is
 * made without overflow, clamped to the epoch below, and
 * json_fmt_rfc3339() clamps above.
 */
static void put_ts(struct jbuf *b, int64_t offset_ns, int64_t *sec_cache, char *sec_text,
		   uint64_t mono)
{
	int64_t sec;
	uint32_t ns;
	char *p;
	int i;

	json_mono_to_real(mono, offset_ns, &sec, &ns);
	if (sec != *sec_cache) {
		json_fmt_rfc3339(sec_text, sec, 0);
		sec_text[20] = 0;	/* keep "YYYY-MM-DDTHH:MM:SS." */
		*sec_cache = sec;
	}
	json_put_raw(b, "\"ts\":\"", 6);
	json_put_raw(b, sec_text, 20);
	if (jbuf_reserve(b, 11) < 0)
		return;
	p = b->p + b->len;
	for (i = 8; i >= 0; i--) {
		p[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	p[9] = 'Z';
	p[10] = '"';
	b->len += 11;
}

/* the bytes of an INT or INT_ARRAY field as they were in memory; 0 or -ERANGE */
static int field_bytes(const struct jlog_field *jf, const struct engine_record *rec,
		       unsigned char *out, size_t want)
{
	unsigned esz = engine_field_elem_size(jf->f);
	size_t i, n = jf->kind == ENGINE_FIELD_INT ? 1 : want / esz;
	uint64_t v;

	for (i = 0; i < n; i++) {
		if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, i, &v) < 0)
			return -ERANGE;
		/* native order back to the bytes the kernel copied */
		switch (esz) {
		case 1: { uint8_t x = (uint8_t)v; memcpy(out + i, &x, 1); break; }
		case 2: { uint16_t x = (uint16_t)v; memcpy(out + i * 2, &x, 2); break; }
		case 4: { uint32_t x = (uint32_t)v; memcpy(out + i * 4, &x, 4); break; }
		default: memcpy(out + i * 8, &v, 8); break;
		}
	}
	return 0;
}

/* a field with a rendering hint (rare: off the common path of put_field) */
static void __attribute__((noinline))
put_rendered(struct jbuf *b, const struct jlog_field *jf, const struct engine_record *rec)
{
	unsigned char bytes[16];
	char text[64];
	const char *name;
	size_t n, i;
	uint64_t v;
	int64_t sv;
	unsigned esz = engine_field_elem_size(jf->f);

	switch (jf->render) {
	case JLOG_RENDER_IPV4:
	case JLOG_RENDER_IPV6:
		if (field_bytes(jf, rec, bytes, jf->render == JLOG_RENDER_IPV4 ? 4 : 16) < 0 ||
		    !inet_ntop(jf->render == JLOG_RENDER_IPV4 ? AF_INET : AF_INET6, bytes, text,
			       sizeof(text)))
			break;
		json_put_str(b, text, strlen(text));
		return;
	case JLOG_RENDER_HEX:
		if (jf->kind == ENGINE_FIELD_INT || jf->kind == ENGINE_FIELD_POINTER) {
			if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, 0, &v) < 0)
				break;
			if (esz < 8)
				v &= (UINT64_C(1) << (esz * 8)) - 1;	/* no sign extension */
			json_put_hex(b, v);
			return;
		}
		if (engine_field_read_count(jf->f, rec->raw, rec->raw_size, &n) < 0)
			break;
		json_put_raw(b, "[", 1);
		for (i = 0; i < n; i++) {
			if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, i, &v) < 0)
				v = 0;
			if (esz < 8)
				v &= (UINT64_C(1) << (esz * 8)) - 1;
			if (i)
				json_put_raw(b, ",", 1);
			json_put_hex(b, v);
		}
		json_put_raw(b, "]", 1);
		return;
	case JLOG_RENDER_ERRNO:
		if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, 0, &v) < 0)
			break;
		/* negative at the field's own width, whatever its declared sign */
		sv = esz == 1 ? (int8_t)v : esz == 2 ? (int16_t)v : esz == 4 ? (int32_t)v : (int64_t)v;
		if (sv < 0 && sv >= -4095 && (name = strerrorname_np((int)-sv))) {
			json_put_str(b, name, strlen(name));
			return;
		}
		json_put_s64(b, sv);
		return;
	case JLOG_RENDER_PORT:
		if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, 0, &v) < 0)
			break;
		json_put_u64(b, ntohs((uint16_t)v));
		return;
	case JLOG_RENDER_DEFAULT:
		break;
	}
	json_put_raw(b, "null", 4);
}

static void put_field(struct jbuf *b, const struct jlog_field *jf,
		      const struct engine_record *rec)
{
	const char *s;
	size_t len, n, i;
	uint64_t v;

	json_put_raw(b, jf->key, jf->key_len);
	if (__builtin_expect(jf->render != JLOG_RENDER_DEFAULT, 0)) {
		put_rendered(b, jf, rec);
		return;
	}
	switch (jf->kind) {
	case ENGINE_FIELD_INT:
		if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, 0, &v) < 0)
			break;
		if (jf->is_signed)
			json_put_s64(b, (int64_t)v);
		else
			json_put_u64(b, v);
		return;
	case ENGINE_FIELD_POINTER:
		if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, 0, &v) < 0)
			break;
		json_put_hex(b, v);
		return;
	case ENGINE_FIELD_CHAR_ARRAY:
	case ENGINE_FIELD_STRING:
		if (engine_field_read_str(jf->f, rec->raw, rec->raw_size, &s, &len) < 0)
			break;
		json_put_str(b, s, len);
		return;
	case ENGINE_FIELD_INT_ARRAY:
	case ENGINE_FIELD_DYN_ARRAY:
		if (engine_field_read_count(jf->f, rec->raw, rec->raw_size, &n) < 0)
			break;
		json_put_raw(b, "[", 1);
		for (i = 0; i < n; i++) {
			if (i)
				json_put_raw(b, ",", 1);
			if (engine_field_read_int(jf->f, rec->raw, rec->raw_size, i, &v) < 0)
				v = 0;
			if (jf->is_signed)
				json_put_s64(b, (int64_t)v);
			else
				json_put_u64(b, v);
		}
		json_put_raw(b, "]", 1);
		return;
	}
	/* a dynamic field pointing outside its record */
	json_put_raw(b, "null", 4);
}

/* rec's event line into b; 0, or -ENOMEM with b as it was */
static int put_event(struct jbuf *b, const struct jlog_emitter *em, int64_t offset_ns,
		     int64_t *sec_cache, char *sec_text, const struct engine_record *rec)
{
	size_t start = b->len, i;

	json_put_raw(b, "{\"type\":\"event\",", 16);
	put_ts(b, offset_ns, sec_cache, sec_text, rec->time);
	json_put_raw(b, ",\"mono_ns\":", 11);
	json_put_u64(b, rec->time);
	json_put_raw(b, em->prefix, em->prefix_len);
	json_put_u64(b, rec->cpu);
	json_put_raw(b, ",\"pid\":", 7);
	json_put_u64(b, rec->pid);
	json_put_raw(b, ",\"tid\":", 7);
	json_put_u64(b, rec->tid);
	json_put_raw(b, ",\"comm\":", 8);
	json_put_str(b, rec->comm, strnlen(rec->comm, ENGINE_COMM_LEN));
	json_put_raw(b, ",\"fields\":{", 11);
	for (i = 0; i < em->nr_fields; i++)
		put_field(b, &em->fields[i], rec);
	json_put_raw(b, "}}\n", 3);
	/* any write of the line failed (sticky): none of it goes out */
	if (jbuf_failed(b)) {
		jbuf_rewind(b, start);
		return -ENOMEM;
	}
	return 0;
}

static void jlog_handle(const struct engine_record *rec, unsigned worker, void *arg)
{
	struct jlog_emitter *em = arg;
	struct jlog *jl = em->jl;
	struct jlog_worker *w = &jl->workers[worker % jl->nr_workers];
	struct jbuf *b = &w->buf;

	if (__builtin_expect(!w->held, 0)) {
		/* the first line since an idle: the buffer is ours until the next */
		pthread_mutex_lock(&w->mu);
		w->held = true;
	}
	if (!b->len)
		__atomic_store_n(&w->first_ns, rec->time ? rec->time : 1, __ATOMIC_RELAXED);
	if (put_event(b, em, __atomic_load_n(&jl->offset_ns, __ATOMIC_RELAXED), &w->sec,
		      w->sec_text, rec) < 0) {
		/* out of memory mid-line: drop the whole line, count it */
		pthread_mutex_lock(&jl->lock);
		jl->dropped++;
		pthread_mutex_unlock(&jl->lock);
		return;
	}
	w->lines++;
	if (b->len >= __atomic_load_n(&w->flush_at, __ATOMIC_RELAXED) ||
	    __builtin_expect(__atomic_load_n(&w->flush_req, __ATOMIC_RELAXED), 0))
		worker_flush(jl, w);
}

static char *render_key(const char *name, bool comma, size_t *len)
{
	struct jbuf b;
	char *p;

	if (jbuf_init(&b, 64) < 0)
		return NULL;
	if (comma)
		json_put_raw(&b, ",", 1);
	json_put_str(&b, name, strlen(name));
	json_put_raw(&b, ":", 1);
	if (jbuf_failed(&b)) {
		jbuf_free(&b);
		return NULL;
	}
	p = b.p;
	*len = b.len;
	return p;
}

static void emitter_free(struct jlog_emitter *em)
{
	size_t i;

	if (!em)
		return;
	for (i = 0; i < em->nr_fields; i++)
		free(em->fields[i].key);
	free(em->fields);
	free(em->prefix);
	free(em);
}

int jlog_render_parse(const char *name)
{
	static const char *const names[] = {
		[JLOG_RENDER_IPV4] = "ipv4", [JLOG_RENDER_IPV6] = "ipv6", [JLOG_RENDER_HEX] = "hex",
		[JLOG_RENDER_ERRNO] = "errno", [JLOG_RENDER_PORT] = "port",
	};
	size_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -EINVAL;
}

const char *jlog_render_fits(const struct engine_field *f, enum jlog_render r)
{
	enum engine_field_kind k = engine_field_kind(f);
	unsigned bytes = engine_field_elem_size(f) * (k == ENGINE_FIELD_INT_ARRAY ?
						      engine_field_array_len(f) : 1);

	switch (r) {
	case JLOG_RENDER_IPV4:
		if ((k == ENGINE_FIELD_INT || k == ENGINE_FIELD_INT_ARRAY) && bytes == 4)
			return NULL;
		return "a 4-byte integer or array (:u32 or :u8[4])";
	case JLOG_RENDER_IPV6:
		if (k == ENGINE_FIELD_INT_ARRAY && bytes == 16)
			return NULL;
		return "a 16-byte array (:u8[16])";
	case JLOG_RENDER_HEX:
		if (k == ENGINE_FIELD_INT || k == ENGINE_FIELD_POINTER ||
		    k == ENGINE_FIELD_INT_ARRAY || k == ENGINE_FIELD_DYN_ARRAY)
			return NULL;
		return "an integer or an array of integers";
	case JLOG_RENDER_ERRNO:
		if (k == ENGINE_FIELD_INT)
			return NULL;
		return "an integer";
	case JLOG_RENDER_PORT:
		if (k == ENGINE_FIELD_INT && engine_field_elem_size(f) == 2)
			return NULL;
		return "a 2-byte integer (:u16)";
	case JLOG_RENDER_DEFAULT:
		break;
	}
	return NULL;
}

static int resolve_hints(struct jlog_emitter *em, const struct engine_event *ev, const char *probe,
			 const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	size_t h, i;

	for (h = 0; h < nh; h++) {
		const struct engine_field *f = engine_event_field(ev, hints[h].field);
		const char *need;

		for (i = 0; f && i < em->nr_fields && em->fields[i].f != f; i++)
			;
		if (!f || i == em->nr_fields) {
			char names[512];
			size_t off = 0, k;

			names[0] = 0;
			for (k = 0; k < em->nr_fields && off < sizeof(names); k++)
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
							k ? ", " : "", engine_field_name(em->fields[k].f));
			snprintf(err, errlen, "probe %s: render.%s: %s has no field %s (fields: %s)",
				 probe, hints[h].field, engine_event_fullname(ev), hints[h].field, names);
			return -ENOENT;
		}
		need = jlog_render_fits(f, hints[h].render);
		if (need) {
			snprintf(err, errlen, "probe %s: render.%s: this hint needs %s; %s is %s",
				 probe, hints[h].field, need, hints[h].field, engine_field_type(f));
			return -EINVAL;
		}
		em->fields[i].render = hints[h].render;
	}
	return 0;
}

int jlog_add_event(struct jlog *jl, struct engine_event *ev, const char *probe)
{
	return jlog_add_event_hints(jl, ev, probe, NULL, 0, NULL, 0);
}

/*
 * emitter_new - ev's emitter (em->jl not set), or NULL with *ret (-ENOMEM,
 * or resolve_hints()'s error) and a message in err (not NULL).
 */
static struct jlog_emitter *emitter_new(const struct engine_event *ev, const char *probe,
					const struct jlog_hint *hints, size_t nh,
					char *err, size_t errlen, int *ret)
{
	struct jlog_emitter *em = calloc(1, sizeof(*em));
	struct jbuf b = { 0 };
	size_t i, n = engine_event_nr_fields(ev);

	*ret = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	if (!em || jbuf_init(&b, 128) < 0)
		goto fail;
	json_put_raw(&b, ",\"probe\":", 9);
	json_put_str(&b, probe, strlen(probe));
	json_put_raw(&b, ",\"event\":", 9);
	json_put_str(&b, engine_event_fullname(ev), strlen(engine_event_fullname(ev)));
	json_put_raw(&b, ",\"cpu\":", 7);
	if (jbuf_failed(&b))
		goto fail;
	em->prefix = b.p;
	em->prefix_len = b.len;
	b.p = NULL;
	em->fields = calloc(n ? n : 1, sizeof(*em->fields));
	if (!em->fields)
		goto fail;
	for (i = 0; i < n; i++) {
		struct jlog_field *jf = &em->fields[i];

		jf->f = engine_event_field_at(ev, i);
		jf->kind = engine_field_kind(jf->f);
		jf->is_signed = engine_field_is_signed(jf->f);
		jf->key = render_key(engine_field_name(jf->f), i > 0, &jf->key_len);
		if (!jf->key)
			goto fail;
		em->nr_fields++;
	}
	*ret = resolve_hints(em, ev, probe, hints, nh, err, errlen);
	if (*ret < 0)
		goto fail;
	return em;
fail:
	jbuf_free(&b);
	emitter_free(em);
	return NULL;
}

int jlog_add_event_hints(struct jlog *jl, struct engine_event *ev, const char *probe,
			 const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	struct jlog_emitter *em, **ems;
	int ret;
	char dummy[8];

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	em = emitter_new(ev, probe, hints, nh, err, errlen, &ret);
	if (!em)
		return ret;
	em->jl = jl;
	ret = -ENOMEM;
	ems = realloc(jl->emitters, (jl->nr_emitters + 1) * sizeof(*ems));
	if (!ems)
		goto fail;
	jl->emitters = ems;
	ret = engine_event_handler_add(ev, jlog_handle, em);
	if (ret < 0)
		goto fail;
	jl->emitters[jl->nr_emitters++] = em;
	return 0;
fail:
	emitter_free(em);
	return ret;
}

int jlog_render_record(struct jbuf *b, const struct engine_record *rec, const char *probe,
		       const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	struct jlog_emitter *em;
	int64_t sec = -1;
	char sec_text[32], dummy[8];
	int ret;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	em = emitter_new(rec->event, probe, hints, nh, err, errlen, &ret);
	if (!em)
		return ret;
	/* no clock offset: the line depends on rec alone */
	ret = put_event(b, em, 0, &sec, sec_text, rec);
	emitter_free(em);
	return ret;
}

static void line_start(struct jlog *jl, const char *type)
{
	char ts[40];
	int64_t now = clock_ns(CLOCK_REALTIME);
	size_t n;

	jbuf_reset(&jl->line);
	json_put_raw(&jl->line, "{\"type\":\"", 9);
	json_put_raw(&jl->line, type, strlen(type));
	json_put_raw(&jl->line, "\",\"ts\":\"", 8);
	n = json_fmt_rfc3339(ts, now / 1000000000, (uint32_t)(now % 1000000000));
	json_put_raw(&jl->line, ts, n);
	json_put_raw(&jl->line, "\"", 1);
}

void jlog_on_loss(const struct engine_loss *loss, void *arg)
{
	struct jlog *jl = arg;
	const char *stage = engine_stage_name(loss->stage);
	unsigned s = (unsigned)loss->stage < 4 ? (unsigned)loss->stage : 0;

	pthread_mutex_lock(&jl->lock);
	if (report_pending_locked(jl) < 0) {
		/* told, without its cpu, once the sink takes lines again */
		jl->lost_pending[s] += loss->count;
		goto out;
	}
	line_start(jl, "lost");
	json_put_raw(&jl->line, ",\"cpu\":", 7);
	json_put_s64(&jl->line, loss->cpu);
	json_put_raw(&jl->line, ",\"count\":", 9);
	json_put_u64(&jl->line, loss->count);
	json_put_raw(&jl->line, ",\"stage\":\"", 10);
	json_put_raw(&jl->line, stage, strlen(stage));
	json_put_raw(&jl->line, "\"}\n", 3);
	if (jbuf_failed(&jl->line) || write_locked(jl, jl->line.p, jl->line.len) < 0)
		jl->lost_pending[s] += loss->count;
	else
		jl->lost_reported[s] += loss->count;
out:
	pthread_mutex_unlock(&jl->lock);
}

int jlog_write_line(struct jlog *jl, const char *type, const char *extra)
{
	int ret;

	pthread_mutex_lock(&jl->lock);
	ret = report_pending_locked(jl);
	if (ret == 0) {
		line_start(jl, type);
		if (extra)
			json_put_raw(&jl->line, extra, strlen(extra));
		json_put_raw(&jl->line, "}\n", 2);
		if (jbuf_failed(&jl->line))
			ret = -ENOMEM;
		else
			ret = write_locked(jl, jl->line.p, jl->line.len);
	}
	if (ret < 0)
		jl->other_dropped++;
	pthread_mutex_unlock(&jl->lock);
	return ret;
}

int jlog_write_daemon(struct jlog *jl, const char *state, const char *extra)
{
	struct jbuf b;
	int ret;

	if (jbuf_init(&b, 64 + strlen(state) + (extra ? strlen(extra) : 0)) < 0)
		return -ENOMEM;
	json_put_raw(&b, ",\"state\":", 9);
	json_put_str(&b, state, strlen(state));
	if (extra)
		json_put_raw(&b, extra, strlen(extra));
	json_put_raw(&b, "", 1);	/* the terminating NUL */
	if (jbuf_failed(&b))
		ret = -ENOMEM;
	else
		ret = jlog_write_line(jl, "daemon", b.p);
	jbuf_free(&b);
	return ret;
}

void jlog_stats_get(struct jlog *jl, struct jlog_stats *st)
{
	struct sink_stats ss;
	enum sink_op op;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&jl->lock);
	st->events_written = jl->written;
	st->sink_dropped = jl->dropped;
	memcpy(st->lost_reported, jl->lost_reported, sizeof(st->lost_reported));
	st->other_dropped = jl->other_dropped;
	sink_stats_get(jl->sink, &ss);
	st->rotations = ss.rotations;
	st->reopens = ss.reopens;
	st->torn = ss.torn;
	st->tail_cut = ss.tail_cut;
	st->file_bytes = ss.bytes;
	st->error = sink_health(jl->sink, &op, NULL);
	st->up = sink_is_up(jl->sink);
	pthread_mutex_unlock(&jl->lock);
}

void jlog_close(struct jlog *jl)
{
	size_t i;

	if (!jl)
		return;
	if (jl->workers) {
		jlog_flush_all(jl);
		for (i = 0; i < jl->nr_workers; i++) {
			jbuf_free(&jl->workers[i].buf);
			pthread_mutex_destroy(&jl->workers[i].mu);
		}
		free(jl->workers);
	}
	for (i = 0; i < jl->nr_emitters; i++)
		emitter_free(jl->emitters[i]);
	free(jl->emitters);
	jbuf_free(&jl->line);
	sink_close(jl->sink);
	pthread_mutex_destroy(&jl->lock);
	free(jl);
}
