// SPDX-License-Identifier: MIT
/*
 * journald.c - records as journal entries (see journald.h).
 *
 * The entry is built into the worker's own buffers by a pure function
 * (journald_msg_build, unit-tested without a journal) and handed to
 * sd_journal_sendv(), which serializes it into one datagram on journald's
 * native socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "journald.h"
#include "log.h"
#include "textfmt.h"

#define FIXED_ITEMS	11	/* MESSAGE .. TRACELOGD_MONO_NS */
#define FIELD_PREFIX	"TRACELOGD_F_"

struct journald_field {
	const struct engine_field *f;
	enum jlog_render render;
	char *key;		/* "TRACELOGD_F_NAME=" */
	size_t key_len;
	char *label;		/* " name=" for MESSAGE (escaped) */
	size_t label_len;
};

struct journald_emitter {
	struct journald *jd;
	char *head;		/* "MESSAGE=PROBE EVENT pid " (escaped) */
	size_t head_len;
	char *probe;		/* "TRACELOGD_PROBE=PROBE" */
	size_t probe_len;
	char *event;		/* "TRACELOGD_EVENT=SYSTEM/NAME" */
	size_t event_len;
	struct journald_field *fields;
	size_t nr_fields;
};

struct journald_worker {
	struct journald_msg msg;
	uint64_t sent;		/* written by this worker only */
	uint64_t dropped;
} __attribute__((aligned(64)));

struct journald {
	struct journald_worker *workers;
	unsigned nr_workers;
	struct journald_emitter **emitters;
	size_t nr_emitters;
	int64_t offset_ns;	/* atomic: realtime - monotonic */
	int warned;		/* atomic: the first failure was logged */
};

/* ------------------------------------------------------------------ */
/* Names                                                               */

size_t journald_field_name(char *out, const char *name)
{
	size_t n = sizeof(FIELD_PREFIX) - 1, i;

	memcpy(out, FIELD_PREFIX, n);
	for (i = 0; name[i] && n < JOURNALD_FIELD_MAX; i++) {
		char c = name[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		out[n++] = c;
	}
	out[n] = 0;
	return n;
}

/* ------------------------------------------------------------------ */
/* Emitters                                                            */

void journald_emitter_free(struct journald_emitter *em)
{
	size_t i;

	if (!em)
		return;
	for (i = 0; i < em->nr_fields; i++) {
		free(em->fields[i].key);
		free(em->fields[i].label);
	}
	free(em->fields);
	free(em->head);
	free(em->probe);
	free(em->event);
	free(em);
}

/* prefix, s[0..n) (raw or escaped) and suffix as a new string; NULL: no memory */
static char *make_text(const char *prefix, const char *s, size_t n, bool escape,
		       const char *suffix, size_t *len)
{
	struct jbuf b;
	int r;

	if (jbuf_init(&b, strlen(prefix) + n + 16) < 0)
		return NULL;
	r = json_put_raw(&b, prefix, strlen(prefix));
	r |= escape ? textfmt_put_escaped(&b, s, n, 0) : json_put_raw(&b, s, n);
	r |= json_put_raw(&b, suffix, strlen(suffix) + 1);	/* and the NUL */
	if (r) {
		jbuf_free(&b);
		return NULL;
	}
	*len = b.len - 1;
	return b.p;
}

struct journald_emitter *journald_emitter_new(const struct engine_event *ev, const char *probe,
					      const struct jlog_hint *hints, size_t nh,
					      char *err, size_t errlen)
{
	struct journald_emitter *em = calloc(1, sizeof(*em));
	size_t i, k, n = engine_event_nr_fields(ev);
	enum jlog_render *renders = calloc(n ? n : 1, sizeof(*renders));
	const char *full = engine_event_fullname(ev);
	char dummy[8], name[JOURNALD_FIELD_MAX + 1];	/* journald_field_name() */
	struct jbuf b = { 0 };
	int ret = -ENOMEM;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!em || !renders)
		goto fail;
	ret = textfmt_hints_resolve(ev, probe, hints, nh, renders, err, errlen);
	if (ret < 0)
		goto fail;
	ret = -ENOMEM;
	em->probe = make_text("TRACELOGD_PROBE=", probe, strlen(probe), false, "", &em->probe_len);
	em->event = make_text("TRACELOGD_EVENT=", full, strlen(full), false, "", &em->event_len);
	if (!em->probe || !em->event || jbuf_init(&b, 128) < 0)
		goto fail;
	json_put_raw(&b, "MESSAGE=", 8);
	textfmt_put_escaped(&b, probe, strlen(probe), 0);
	json_put_raw(&b, " ", 1);
	textfmt_put_escaped(&b, full, strlen(full), 0);
	if (json_put_raw(&b, " pid ", 5) < 0)
		goto fail;
	em->head = b.p;
	em->head_len = b.len;
	b.p = NULL;
	em->fields = calloc(n ? n : 1, sizeof(*em->fields));
	if (!em->fields)
		goto fail;
	for (i = 0; i < n; i++) {
		struct journald_field *jf = &em->fields[i];
		const char *fname;
		size_t len;

		jf->f = engine_event_field_at(ev, i);
		jf->render = renders[i];
		fname = engine_field_name(jf->f);
		len = journald_field_name(name, fname);
		for (k = 0; k < i; k++)
			if (em->fields[k].key_len == len + 1 && !memcmp(em->fields[k].key, name, len))
				break;
		if (k < i) {
			/* two names the same once mangled: the later one gets its index */
			char suffix[24];
			int sl = snprintf(suffix, sizeof(suffix), "_%zu", i);

			if (len + (size_t)sl > JOURNALD_FIELD_MAX)
				len = JOURNALD_FIELD_MAX - (size_t)sl;
			memcpy(name + len, suffix, (size_t)sl + 1);
			len += (size_t)sl;
		}
		name[len] = 0;
		jf->key = make_text(name, "", 0, false, "=", &jf->key_len);
		jf->label = make_text(" ", fname, strlen(fname), true, "=", &jf->label_len);
		if (!jf->key || !jf->label) {
			free(jf->key);
			free(jf->label);
			goto fail;
		}
		em->nr_fields++;
	}
	free(renders);
	return em;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	jbuf_free(&b);
	free(renders);
	journald_emitter_free(em);
	errno = -ret;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */

void journald_msg_free(struct journald_msg *m)
{
	jbuf_free(&m->text);
	free(m->iov);
	free(m->ends);
	memset(m, 0, sizeof(*m));
}

static int msg_reserve(struct journald_msg *m, size_t items)
{
	struct iovec *iov;
	size_t *ends;

	if (items <= m->cap_iov)
		return 0;
	iov = realloc(m->iov, items * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	m->iov = iov;
	ends = realloc(m->ends, items * sizeof(*ends));
	if (!ends)
		return -ENOMEM;
	m->ends = ends;
	m->cap_iov = items;
	return 0;
}

/* the item written since the last one ends here */
static void item_end(struct journald_msg *m)
{
	m->ends[m->nr_iov++] = m->text.len;
}

static int put_item(struct journald_msg *m, const char *s, size_t n)
{
	int r = json_put_raw(&m->text, s, n);

	if (!r)
		item_end(m);
	return r;
}

static int put_num_item(struct journald_msg *m, const char *key, uint64_t v)
{
	int r = json_put_raw(&m->text, key, strlen(key));

	r |= json_put_u64(&m->text, v);
	if (!r)
		item_end(m);
	return r;
}

int journald_msg_build(struct journald_msg *m, const struct journald_emitter *em,
		       const struct engine_record *rec, int64_t offset_ns)
{
	struct jbuf *b = &m->text;
	size_t comm_len = strnlen(rec->comm, ENGINE_COMM_LEN), i, start;
	int64_t sec;
	uint32_t nsec;
	int r = 0;

	if (msg_reserve(m, FIXED_ITEMS + em->nr_fields) < 0)
		return -ENOMEM;
	if (!b->p && jbuf_init(b, 1024) < 0)
		return -ENOMEM;
	jbuf_reset(b);
	m->nr_iov = 0;

	/* MESSAGE: one line for journalctl's default view, terminal-safe */
	r |= json_put_raw(b, em->head, em->head_len);
	r |= json_put_u64(b, rec->pid);
	r |= json_put_raw(b, "/", 1);
	r |= json_put_u64(b, rec->tid);
	r |= json_put_raw(b, " ", 1);
	r |= comm_len ? textfmt_put_escaped(b, rec->comm, comm_len, 0) : json_put_raw(b, "-", 1);
	for (i = 0; i < em->nr_fields && !r; i++) {
		const struct journald_field *jf = &em->fields[i];
		int fr;

		start = b->len;
		r |= json_put_raw(b, jf->label, jf->label_len);
		fr = textfmt_put_field(b, jf->f, jf->render, rec, TEXTFMT_ESCAPE,
				       JOURNALD_MESSAGE_VALUE_MAX);
		if (fr == -ERANGE)
			b->len = start;
		else
			r |= fr;
	}
	if (!r)
		item_end(m);
	r |= put_item(m, "PRIORITY=6", 10);
	r |= put_item(m, "SYSLOG_IDENTIFIER=tracelogd", 27);
	r |= put_item(m, em->probe, em->probe_len);
	r |= put_item(m, em->event, em->event_len);
	r |= put_num_item(m, "TRACELOGD_PID=", rec->pid);
	r |= put_num_item(m, "TRACELOGD_TID=", rec->tid);
	r |= put_num_item(m, "TRACELOGD_CPU=", rec->cpu);
	r |= json_put_raw(b, "TRACELOGD_COMM=", 15);
	r |= json_put_raw(b, rec->comm, comm_len);
	if (!r)
		item_end(m);
	/* no overflow for any time the record carries */
	json_mono_to_real(rec->time, offset_ns, &sec, &nsec);
	r |= put_num_item(m, "TRACELOGD_TS=", (uint64_t)sec * 1000000 + nsec / 1000);
	r |= put_num_item(m, "TRACELOGD_MONO_NS=", rec->time);
	for (i = 0; i < em->nr_fields && !r; i++) {
		const struct journald_field *jf = &em->fields[i];
		int fr;

		start = b->len;
		r |= json_put_raw(b, jf->key, jf->key_len);
		fr = textfmt_put_field(b, jf->f, jf->render, rec, TEXTFMT_RAW, 0);
		if (fr == -ERANGE) {
			b->len = start;		/* unreadable: left out */
			continue;
		}
		r |= fr;
		if (!r)
			item_end(m);
	}
	if (r) {
		m->nr_iov = 0;
		return -ENOMEM;
	}
	/* the text stopped moving: point the items into it */
	for (i = 0, start = 0; i < m->nr_iov; i++) {
		m->iov[i].iov_base = b->p + start;
		m->iov[i].iov_len = m->ends[i] - start;
		start = m->ends[i];
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The handler                                                         */

static void journald_handle(const struct engine_record *rec, unsigned worker, void *arg)
{
	struct journald_emitter *em = arg;
	struct journald *jd = em->jd;
	struct journald_worker *w = &jd->workers[worker % jd->nr_workers];
	int r;

	r = journald_msg_build(&w->msg, em, rec, __atomic_load_n(&jd->offset_ns, __ATOMIC_RELAXED));
	if (!r)
		r = sd_journal_sendv(w->msg.iov, (int)w->msg.nr_iov);
	if (r < 0) {
		/* one writer per counter (its worker); readers snapshot them */
		__atomic_store_n(&w->dropped, w->dropped + 1, __ATOMIC_RELAXED);
		if (!__atomic_exchange_n(&jd->warned, 1, __ATOMIC_RELAXED))
			log_warnx("journald: cannot send an entry: %s (counting the entries lost)",
				  strerror(-r));
		return;
	}
	__atomic_store_n(&w->sent, w->sent + 1, __ATOMIC_RELAXED);
}

struct journald *journald_open(const char *socket_path, unsigned workers, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct journald *jd = NULL;
	struct stat st;
	int fd, saved;
	unsigned i;

	if (!socket_path)
		socket_path = JOURNALD_SOCKET;
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "journald: socket path %s is too long", socket_path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (stat(socket_path, &st) < 0) {
		saved = errno;
		if (saved == ENOENT)
			snprintf(err, errlen,
				 "journald: %s does not exist: systemd-journald does not run here (handler journald needs it)",
				 socket_path);
		else
			snprintf(err, errlen, "journald: %s: %s", socket_path, strerror(saved));
		errno = saved;
		return NULL;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "journald: %s is not a socket", socket_path);
		errno = ENOTSOCK;
		return NULL;
	}
	/* a socket file outlives its journald: ask whether anyone listens */
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		saved = errno;
		if (saved == ECONNREFUSED)
			snprintf(err, errlen, "journald: nothing listens on %s: is systemd-journald running?",
				 socket_path);
		else
			snprintf(err, errlen, "journald: cannot connect to %s: %s", socket_path,
				 strerror(saved));
		if (fd >= 0)
			close(fd);
		errno = saved;
		return NULL;
	}
	close(fd);

	jd = calloc(1, sizeof(*jd));
	if (!jd)
		goto nomem;
	jd->nr_workers = workers ? workers : 1;
	jd->workers = aligned_alloc(64, sizeof(*jd->workers) * jd->nr_workers);
	if (!jd->workers)
		goto nomem;
	memset(jd->workers, 0, sizeof(*jd->workers) * jd->nr_workers);
	for (i = 0; i < jd->nr_workers; i++)
		if (jbuf_init(&jd->workers[i].msg.text, 4096) < 0)
			goto nomem;
	return jd;
nomem:
	snprintf(err, errlen, "out of memory");
	journald_close(jd);
	errno = ENOMEM;
	return NULL;
}

void journald_close(struct journald *jd)
{
	size_t i;

	if (!jd)
		return;
	if (jd->workers) {
		for (i = 0; i < jd->nr_workers; i++)
			journald_msg_free(&jd->workers[i].msg);
		free(jd->workers);
	}
	for (i = 0; i < jd->nr_emitters; i++)
		journald_emitter_free(jd->emitters[i]);
	free(jd->emitters);
	free(jd);
}

int journald_add_event(struct journald *jd, struct engine_event *ev, const char *probe,
		       const struct jlog_hint *hints, size_t nh, char *err, size_t errlen)
{
	struct journald_emitter *em, **ems;
	int ret;

	em = journald_emitter_new(ev, probe, hints, nh, err, errlen);
	if (!em)
		return -errno;
	em->jd = jd;
	ret = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	ems = realloc(jd->emitters, (jd->nr_emitters + 1) * sizeof(*ems));
	if (!ems)
		goto fail;
	jd->emitters = ems;
	ret = engine_event_handler_add(ev, journald_handle, em);
	if (ret < 0) {
		snprintf(err, errlen, "probe %s: %s", probe, strerror(-ret));
		goto fail;
	}
	jd->emitters[jd->nr_emitters++] = em;
	return 0;
fail:
	journald_emitter_free(em);
	return ret;
}

void journald_clock_set(struct journald *jd, int64_t offset_ns)
{
	__atomic_store_n(&jd->offset_ns, offset_ns, __ATOMIC_RELAXED);
}

void journald_stats_get(struct journald *jd, struct journald_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < jd->nr_workers; i++) {
		st->sent += __atomic_load_n(&jd->workers[i].sent, __ATOMIC_RELAXED);
		st->dropped += __atomic_load_n(&jd->workers[i].dropped, __ATOMIC_RELAXED);
	}
}
