// SPDX-License-Identifier: MIT
/*
 * pretty.c - human-readable blocks (see pretty.h).
 *
 * As for the JSON log, what does not change from one record to the next
 * is made once per event: the header's probe and event names (escaped),
 * each field's "    name<padding> = " prefix and its rendering hint.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pretty.h"
#include "textfmt.h"

#define FLUSH_BYTES	(64 * 1024)

struct pretty_field {
	const struct engine_field *f;
	enum jlog_render render;
	char *prefix;			/* "    name   = " */
	size_t prefix_len;
};

struct pretty_emitter {
	struct pretty *pp;
	char *head;			/* " PROBE EVENT cpu " */
	size_t head_len;
	struct pretty_field *fields;
	size_t nr_fields;
};

struct pretty_worker {
	struct jbuf buf;
	uint64_t blocks;		/* blocks in buf */
	int64_t sec;			/* second of sec_text */
	char sec_text[16];		/* "HH:MM:SS." */
} __attribute__((aligned(64)));

struct pretty {
	int fd;
	bool own_fd;
	bool batch;
	pthread_mutex_t lock;		/* the fd and the counters */
	struct pretty_worker *workers;
	unsigned nr_workers;
	struct pretty_emitter **emitters;
	size_t nr_emitters;
	int64_t offset_ns;		/* atomic: realtime - monotonic */
	uint64_t written;
	uint64_t dropped;
};

static void emitter_free(struct pretty_emitter *em)
{
	size_t i;

	if (!em)
		return;
	for (i = 0; i < em->nr_fields; i++)
		free(em->fields[i].prefix);
	free(em->fields);
	free(em->head);
	free(em);
}

static struct pretty_emitter *emitter_new(const struct engine_event *ev, const char *probe,
					  const struct jlog_hint *hints, size_t nh,
					  char *err, size_t errlen, int *ret)
{
	struct pretty_emitter *em = calloc(1, sizeof(*em));
	size_t i, n = engine_event_nr_fields(ev), width = 0;
	enum jlog_render *renders = calloc(n ? n : 1, sizeof(*renders));
	const char *full = engine_event_fullname(ev);
	struct jbuf b = { 0 };

	*ret = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	if (!em || !renders)
		goto fail;
	*ret = textfmt_hints_resolve(ev, probe, hints, nh, renders, err, errlen);
	if (*ret < 0)
		goto fail;
	*ret = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	if (jbuf_init(&b, 128) < 0)
		goto fail;
	json_put_raw(&b, " ", 1);
	textfmt_put_escaped(&b, probe, strlen(probe), 0);
	json_put_raw(&b, " ", 1);
	textfmt_put_escaped(&b, full, strlen(full), 0);
	if (json_put_raw(&b, " cpu ", 5) < 0)
		goto fail;
	em->head = b.p;
	em->head_len = b.len;
	b.p = NULL;
	em->fields = calloc(n ? n : 1, sizeof(*em->fields));
	if (!em->fields)
		goto fail;
	for (i = 0; i < n; i++) {
		size_t w = strlen(engine_field_name(engine_event_field_at(ev, i)));

		if (w > width)
			width = w;
	}
	for (i = 0; i < n; i++) {
		struct pretty_field *pf = &em->fields[i];
		const char *name;
		size_t w;

		pf->f = engine_event_field_at(ev, i);
		pf->render = renders[i];
		name = engine_field_name(pf->f);
		w = strlen(name);
		if (jbuf_init(&b, width + 16) < 0)
			goto fail;
		json_put_raw(&b, "    ", 4);
		textfmt_put_escaped(&b, name, w, 0);
		while (w++ < width)
			json_put_raw(&b, " ", 1);
		if (json_put_raw(&b, " = ", 3) < 0)
			goto fail;
		pf->prefix = b.p;
		pf->prefix_len = b.len;
		b.p = NULL;
		em->nr_fields++;
	}
	free(renders);
	return em;
fail:
	jbuf_free(&b);
	free(renders);
	emitter_free(em);
	return NULL;
}

/* "HH:MM:SS.nnnnnnnnn" in local time, the second's text cached */
static int put_time(struct jbuf *b, uint64_t mono, int64_t offset_ns, int64_t *sec_cache,
		    char *sec_text)
{
	int64_t sec;
	uint32_t ns;
	char *p;
	int i;

	/* no overflow for any time the record carries */
	json_mono_to_real(mono, offset_ns, &sec, &ns);
	if (sec != *sec_cache) {
		time_t t = (time_t)sec;
		struct tm tm;

		if (!localtime_r(&t, &tm))
			memset(&tm, 0, sizeof(tm));
		snprintf(sec_text, 16, "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min, tm.tm_sec);
		*sec_cache = sec;
	}
	if (jbuf_reserve(b, 18) < 0)
		return -ENOMEM;
	p = b->p + b->len;
	memcpy(p, sec_text, 9);
	for (i = 17; i >= 9; i--) {
		p[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	b->len += 18;
	return 0;
}

/* rec's block into b; 0, or -ENOMEM with b as it was */
static int put_block(struct jbuf *b, const struct pretty_emitter *em, int64_t offset_ns,
		     int64_t *sec_cache, char *sec_text, const struct engine_record *rec)
{
	size_t start = b->len, i;
	int r;

	r = put_time(b, rec->time, offset_ns, sec_cache, sec_text);
	r |= json_put_raw(b, em->head, em->head_len);
	r |= json_put_u64(b, rec->cpu);
	r |= json_put_raw(b, " pid ", 5);
	r |= json_put_u64(b, rec->pid);
	r |= json_put_raw(b, "/", 1);
	r |= json_put_u64(b, rec->tid);
	r |= json_put_raw(b, " ", 1);
	if (rec->comm[0])
		r |= textfmt_put_escaped(b, rec->comm, strnlen(rec->comm, ENGINE_COMM_LEN), 0);
	else
		r |= json_put_raw(b, "-", 1);
	r |= json_put_raw(b, "\n", 1);
	for (i = 0; i < em->nr_fields && !r; i++) {
		const struct pretty_field *pf = &em->fields[i];
		int fr;

		r |= json_put_raw(b, pf->prefix, pf->prefix_len);
		fr = textfmt_put_field(b, pf->f, pf->render, rec, TEXTFMT_ESCAPE,
				       TEXTFMT_VALUE_MAX);
		if (fr == -ERANGE)	/* a dynamic field pointing outside its record */
			fr = json_put_raw(b, "<unreadable>", 12);
		r |= fr;
		r |= json_put_raw(b, "\n", 1);
	}
	if (r) {
		b->len = start;
		return -ENOMEM;
	}
	return 0;
}

/* write all of p; returns 0 or -errno */
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

/* the worker's buffer to the output; the caller holds no lock */
static void worker_flush(struct pretty *pp, struct pretty_worker *w)
{
	int ret;

	if (!w->buf.len)
		return;
	pthread_mutex_lock(&pp->lock);
	ret = write_all(pp->fd, w->buf.p, w->buf.len);
	/*
	 * A terminal or a pipe that went away: the whole batch counts as
	 * dropped (a human reads this output; the JSON log keeps the record).
	 */
	if (ret < 0)
		pp->dropped += w->blocks;
	else
		pp->written += w->blocks;
	pthread_mutex_unlock(&pp->lock);
	jbuf_reset(&w->buf);
	w->blocks = 0;
}

static void pretty_handle(const struct engine_record *rec, unsigned worker, void *arg)
{
	struct pretty_emitter *em = arg;
	struct pretty *pp = em->pp;
	struct pretty_worker *w = &pp->workers[worker % pp->nr_workers];

	if (put_block(&w->buf, em, __atomic_load_n(&pp->offset_ns, __ATOMIC_RELAXED), &w->sec,
		      w->sec_text, rec) < 0) {
		pthread_mutex_lock(&pp->lock);
		pp->dropped++;
		pthread_mutex_unlock(&pp->lock);
		return;
	}
	w->blocks++;
	if (!pp->batch || w->buf.len >= FLUSH_BYTES)
		worker_flush(pp, w);
}

void pretty_on_idle(unsigned worker, void *arg)
{
	struct pretty *pp = arg;

	if (pp && worker < pp->nr_workers)
		worker_flush(pp, &pp->workers[worker]);
}

void pretty_flush_all(struct pretty *pp)
{
	unsigned i;

	for (i = 0; i < pp->nr_workers; i++)
		worker_flush(pp, &pp->workers[i]);
}

void pretty_on_loss(const struct engine_loss *loss, void *arg)
{
	struct pretty *pp = arg;
	const char *stage = engine_stage_name(loss->stage);
	char text[160];
	int n;

	n = snprintf(text, sizeof(text), "-- %llu record%s lost (%s, cpu %d)\n",
		     (unsigned long long)loss->count, loss->count == 1 ? "" : "s", stage, loss->cpu);
	if (n <= 0)
		return;
	pthread_mutex_lock(&pp->lock);
	write_all(pp->fd, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
	pthread_mutex_unlock(&pp->lock);
}

void pretty_clock_set(struct pretty *pp, int64_t offset_ns)
{
	__atomic_store_n(&pp->offset_ns, offset_ns, __ATOMIC_RELAXED);
}

void pretty_stats_get(struct pretty *pp, struct pretty_stats *st)
{
	pthread_mutex_lock(&pp->lock);
	st->written = pp->written;
	st->dropped = pp->dropped;
	pthread_mutex_unlock(&pp->lock);
}

struct pretty *pretty_open(const char *path, unsigned workers, bool batch,
			   char *err, size_t errlen)
{
	struct pretty *pp = calloc(1, sizeof(*pp));
	unsigned i;

	if (!pp)
		goto nomem;
	pthread_mutex_init(&pp->lock, NULL);
	pp->batch = batch;
	if (!path || !strcmp(path, "-")) {
		pp->fd = STDOUT_FILENO;
	} else {
		pp->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (pp->fd < 0) {
			int saved = errno;

			snprintf(err, errlen, "pretty: cannot open %s: %s", path, strerror(saved));
			pretty_close(pp);
			errno = saved;
			return NULL;
		}
		pp->own_fd = true;
	}
	pp->nr_workers = workers ? workers : 1;
	pp->workers = aligned_alloc(64, sizeof(*pp->workers) * pp->nr_workers);
	if (!pp->workers)
		goto nomem;
	memset(pp->workers, 0, sizeof(*pp->workers) * pp->nr_workers);
	for (i = 0; i < pp->nr_workers; i++) {
		pp->workers[i].sec = -1;
		if (jbuf_init(&pp->workers[i].buf, batch ? FLUSH_BYTES + 16384 : 4096) < 0)
			goto nomem;
	}
	return pp;
nomem:
	snprintf(err, errlen, "out of memory");
	pretty_close(pp);
	errno = ENOMEM;
	return NULL;
}

void pretty_close(struct pretty *pp)
{
	size_t i;

	if (!pp)
		return;
	if (pp->workers) {
		pretty_flush_all(pp);
		for (i = 0; i < pp->nr_workers; i++)
			jbuf_free(&pp->workers[i].buf);
		free(pp->workers);
	}
	for (i = 0; i < pp->nr_emitters; i++)
		emitter_free(pp->emitters[i]);
	free(pp->emitters);
	if (pp->own_fd && pp->fd >= 0)
		close(pp->fd);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
}

int pretty_add_event(struct pretty *pp, struct engine_event *ev, const char *probe,
		     const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	struct pretty_emitter *em, **ems;
	char dummy[8];
	int ret;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	em = emitter_new(ev, probe, hints, nh, err, errlen, &ret);
	if (!em)
		return ret;
	em->pp = pp;
	ret = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	ems = realloc(pp->emitters, (pp->nr_emitters + 1) * sizeof(*ems));
	if (!ems)
		goto fail;
	pp->emitters = ems;
	ret = engine_event_handler_add(ev, pretty_handle, em);
	if (ret < 0) {
		snprintf(err, errlen, "probe %s: %s", probe, strerror(-ret));
		goto fail;
	}
	pp->emitters[pp->nr_emitters++] = em;
	return 0;
fail:
	emitter_free(em);
	return ret;
}

int pretty_render_record(struct jbuf *b, const struct engine_record *rec, const char *probe,
			 const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	struct pretty_emitter *em;
	int64_t sec = -1;
	char sec_text[16], dummy[8];
	int ret;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	em = emitter_new(rec->event, probe, hints, nh, err, errlen, &ret);
	if (!em)
		return ret;
	ret = put_block(b, em, 0, &sec, sec_text, rec);
	emitter_free(em);
	return ret;
}
