// SPDX-License-Identifier: MIT
/*
 * plugin.c - handler plugins (tracelogd-plugin.h is the plugin's side).
 *
 * The file is opened once and checked on that descriptor (owner, mode,
 * type: conf_file_open(), the configuration's own rules), then loaded from
 * the very same descriptor through /proc/self/fd: a file swapped in after
 * the check is never the one loaded.
 */
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "plugin.h"
#include "tracelogd-plugin.h"

struct plugin_counters {
	uint64_t calls;
	uint64_t failures;
} __attribute__((aligned(64)));

struct plugin_binding {
	struct plugin *p;
	tracelogd_event_fn *fn;
	char *probe;
	char *function;
};

struct plugin {
	char *path;
	void *dl;
	const struct tracelogd_plugin *desc;
	void *state;
	bool inited;
	unsigned workers;
	int64_t offset_ns;		/* atomic: realtime - monotonic */
	struct plugin_counters *counters;	/* one per worker, written by it alone */
	struct plugin_binding **bindings;
	size_t nr_bindings;
	int fd;				/* open while loaded: see plugin_load() */
};

/* ------------------------------------------------------------------ */
/* The accessors behind tracelogd_field_*()                            */

static const struct engine_record *ev_rec(const struct tracelogd_event *ev)
{
	return ev->priv;
}

static const struct engine_field *ev_field(const struct tracelogd_event *ev, unsigned i)
{
	const struct engine_record *rec = ev_rec(ev);

	if (i >= engine_event_nr_fields(rec->event))
		return NULL;
	return engine_event_field_at(rec->event, i);
}

static int op_field_index(const struct tracelogd_event *ev, const char *name)
{
	const struct engine_event *e = ev_rec(ev)->event;
	size_t i, n = engine_event_nr_fields(e);

	if (!name)
		return -ENOENT;
	for (i = 0; i < n; i++)
		if (!strcmp(engine_field_name(engine_event_field_at(e, i)), name))
			return (int)i;
	return -ENOENT;
}

static const char *op_field_name(const struct tracelogd_event *ev, unsigned i)
{
	const struct engine_field *f = ev_field(ev, i);

	return f ? engine_field_name(f) : NULL;
}

static int op_field_type(const struct tracelogd_event *ev, unsigned i)
{
	const struct engine_field *f = ev_field(ev, i);

	if (!f)
		return -EINVAL;
	switch (engine_field_kind(f)) {
	case ENGINE_FIELD_INT:
		return TRACELOGD_FIELD_INT;
	case ENGINE_FIELD_POINTER:
		return TRACELOGD_FIELD_POINTER;
	case ENGINE_FIELD_CHAR_ARRAY:
	case ENGINE_FIELD_STRING:
		return TRACELOGD_FIELD_STRING;
	case ENGINE_FIELD_INT_ARRAY:
	case ENGINE_FIELD_DYN_ARRAY:
		return TRACELOGD_FIELD_ARRAY;
	}
	return -EINVAL;
}

static int op_field_signed(const struct tracelogd_event *ev, unsigned i)
{
	const struct engine_field *f = ev_field(ev, i);

	return f ? engine_field_is_signed(f) : -EINVAL;
}

static int op_field_width(const struct tracelogd_event *ev, unsigned i)
{
	const struct engine_field *f = ev_field(ev, i);

	return f ? (int)engine_field_elem_size(f) : -EINVAL;
}

static int op_field_int(const struct tracelogd_event *ev, unsigned i, size_t elem, uint64_t *v)
{
	const struct engine_field *f = ev_field(ev, i);
	const struct engine_record *rec = ev_rec(ev);

	if (!f || !v)
		return -EINVAL;
	return engine_field_read_int(f, rec->raw, rec->raw_size, elem, v);
}

static int op_field_str(const struct tracelogd_event *ev, unsigned i, const char **s, size_t *len)
{
	const struct engine_field *f = ev_field(ev, i);
	const struct engine_record *rec = ev_rec(ev);

	if (!f || !s || !len)
		return -EINVAL;
	return engine_field_read_str(f, rec->raw, rec->raw_size, s, len);
}

static int op_field_count(const struct tracelogd_event *ev, unsigned i, size_t *n)
{
	const struct engine_field *f = ev_field(ev, i);
	const struct engine_record *rec = ev_rec(ev);

	if (!f || !n)
		return -EINVAL;
	return engine_field_read_count(f, rec->raw, rec->raw_size, n);
}

static const struct tracelogd_ops plugin_ops = {
	.size = sizeof(struct tracelogd_ops),
	.field_index = op_field_index,
	.field_name = op_field_name,
	.field_type = op_field_type,
	.field_signed = op_field_signed,
	.field_width = op_field_width,
	.field_int = op_field_int,
	.field_str = op_field_str,
	.field_count = op_field_count,
};

/* ------------------------------------------------------------------ */
/* Calls                                                               */

static int call_one(struct plugin *p, tracelogd_event_fn *fn, const struct engine_record *rec,
		    const char *probe, unsigned worker)
{
	struct plugin_counters *c = &p->counters[worker % p->workers];
	int64_t off = __atomic_load_n(&p->offset_ns, __ATOMIC_RELAXED);
	struct tracelogd_event ev = {
		.size = sizeof(ev),
		.abi = TRACELOGD_PLUGIN_ABI,
		.probe = probe,
		.event = engine_event_fullname(rec->event),
		.time_ns = rec->time + (uint64_t)off,	/* wraps, never UB */
		.mono_ns = rec->time,
		.pid = rec->pid,
		.tid = rec->tid,
		.cpu = rec->cpu,
		.worker = worker,
		.comm = rec->comm,
		.nr_fields = (unsigned)engine_event_nr_fields(rec->event),
		.ops = &plugin_ops,
		.priv = rec,
	};
	int ret = fn(&ev, p->state);

	/* one writer per slot (its worker); readers take a relaxed snapshot */
	__atomic_store_n(&c->calls, c->calls + 1, __ATOMIC_RELAXED);
	if (ret < 0)
		__atomic_store_n(&c->failures, c->failures + 1, __ATOMIC_RELAXED);
	return ret;
}

static void plugin_handle(const struct engine_record *rec, unsigned worker, void *arg)
{
	struct plugin_binding *b = arg;

	call_one(b->p, b->fn, rec, b->probe, worker);
}

int plugin_call(struct plugin *p, const char *function, const struct engine_record *rec,
		const char *probe, unsigned worker, int64_t offset_ns)
{
	tracelogd_event_fn *fn;
	void *sym;

	dlerror();
	sym = dlsym(p->dl, function);
	if (!sym)
		return -ENOENT;
	fn = (tracelogd_event_fn *)sym;
	__atomic_store_n(&p->offset_ns, offset_ns, __ATOMIC_RELAXED);
	return call_one(p, fn, rec, probe, worker);
}

void plugin_clock_set(struct plugin *p, int64_t offset_ns)
{
	__atomic_store_n(&p->offset_ns, offset_ns, __ATOMIC_RELAXED);
}

void plugin_stats_get(const struct plugin *p, struct plugin_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < p->workers; i++) {
		st->calls += __atomic_load_n(&p->counters[i].calls, __ATOMIC_RELAXED);
		st->failures += __atomic_load_n(&p->counters[i].failures, __ATOMIC_RELAXED);
	}
}

const char *plugin_path(const struct plugin *p)
{
	return p->path;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

void plugin_unload(struct plugin *p)
{
	size_t i;

	if (!p)
		return;
	if (p->inited && p->desc->fini)
		p->desc->fini(p->state);
	if (p->dl)
		dlclose(p->dl);
	if (p->fd >= 0)
		close(p->fd);
	for (i = 0; i < p->nr_bindings; i++) {
		free(p->bindings[i]->probe);
		free(p->bindings[i]->function);
		free(p->bindings[i]);
	}
	free(p->bindings);
	free(p->counters);
	free(p->path);
	free(p);
}

/* dlerror()'s text with the /proc/self/fd/N name replaced by path */
static void dl_message(char *out, size_t len, const char *fdpath, const char *path)
{
	const char *e = dlerror(), *at;
	size_t n = strlen(fdpath);

	if (!e) {
		snprintf(out, len, "unknown dlopen error");
		return;
	}
	at = strstr(e, fdpath);
	if (at && !strncmp(at + n, ": ", 2))
		snprintf(out, len, "%.*s%s", (int)(at - e), e, at + n + 2);
	else if (at)
		snprintf(out, len, "%.*s%s%s", (int)(at - e), e, path, at + n);
	else
		snprintf(out, len, "%s", e);
}

/* dl_iterate_phdr callback: is an object loaded under the name arg? */
static int name_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	return info->dlpi_name && !strcmp(info->dlpi_name, arg);
}

struct plugin *plugin_load(const char *path, uid_t owner, unsigned workers,
			   char *err, size_t errlen)
{
	struct plugin *p = NULL;
	char why[512], fdpath[64];
	const void *sym;
	int fd = -1, ret, tries;

	if (!path || path[0] != '/') {
		snprintf(err, errlen, "plugin %s: the path must be absolute", path ? path : "(null)");
		errno = EINVAL;
		return NULL;
	}
	fd = conf_file_open(path, owner, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "plugin %s: %s", path, why);
		errno = -fd;
		return NULL;
	}
	ret = -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->fd = -1;
	p->workers = workers ? workers : 1;
	p->path = strdup(path);
	p->counters = aligned_alloc(64, sizeof(*p->counters) * p->workers);
	if (!p->path || !p->counters)
		goto nomem;
	memset(p->counters, 0, sizeof(*p->counters) * p->workers);

	/*
	 * The dynamic linker reuses an object already loaded under the same
	 * name, so the name must be this file's alone: the descriptor stays
	 * open while the plugin is loaded (no other plugin gets its number),
	 * and a number still naming an object that outlived its descriptor
	 * (dlclose need not unload) is traded for another.
	 */
	for (tries = 0;; tries++) {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		if (!dl_iterate_phdr(name_loaded, fdpath))
			break;
		if (tries == 64) {
			snprintf(err, errlen, "plugin %s: cannot load it: %s names another object",
				 path, fdpath);
			ret = -EBUSY;
			goto fail;
		}
		ret = fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
		if (ret < 0) {
			ret = -errno;
			snprintf(err, errlen, "plugin %s: %s", path, strerror(-ret));
			goto fail;
		}
		close(fd);
		fd = ret;
	}
	p->dl = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		dl_message(why, sizeof(why), fdpath, path);
		if (access("/proc/self/fd", X_OK) < 0)
			snprintf(err, errlen, "plugin %s: cannot load it: /proc is not mounted", path);
		else
			snprintf(err, errlen, "plugin %s: cannot load it: %s", path, why);
		ret = -ENOEXEC;
		goto fail;
	}
	p->fd = fd;
	fd = -1;

	dlerror();
	sym = dlsym(p->dl, TRACELOGD_PLUGIN_SYMBOL);
	if (!sym) {
		snprintf(err, errlen,
			 "plugin %s: not a tracelogd plugin: no symbol " TRACELOGD_PLUGIN_SYMBOL
			 " (define it with TRACELOGD_PLUGIN_DEFINE() of tracelogd-plugin.h)", path);
		ret = -ENOEXEC;
		goto fail;
	}
	p->desc = sym;
	if (p->desc->abi != TRACELOGD_PLUGIN_ABI) {
		snprintf(err, errlen,
			 "plugin %s: " TRACELOGD_PLUGIN_SYMBOL ".abi is %u, this tracelogd loads ABI %u plugins: rebuild it with this tracelogd's tracelogd-plugin.h",
			 path, (unsigned)p->desc->abi, (unsigned)TRACELOGD_PLUGIN_ABI);
		ret = -ENOEXEC;
		goto fail;
	}
	if (p->desc->init) {
		struct tracelogd_plugin_info info = {
			.size = sizeof(info),
			.abi = TRACELOGD_PLUGIN_ABI,
			.workers = p->workers,
			.path = p->path,
			.version = TRACELOGD_VERSION,
		};

		why[0] = 0;
		ret = p->desc->init(&info, &p->state, why, sizeof(why));
		if (ret < 0) {
			why[sizeof(why) - 1] = 0;
			snprintf(err, errlen, "plugin %s: %s init failed: %s", path,
				 p->desc->name ? p->desc->name : "its",
				 why[0] ? why : strerror(-ret));
			goto fail;
		}
	}
	p->inited = true;
	return p;
nomem:
	snprintf(err, errlen, "plugin %s: out of memory", path);
fail:
	if (fd >= 0)
		close(fd);
	plugin_unload(p);
	errno = -ret;
	return NULL;
}

int plugin_attach(struct plugin *p, struct engine_event *ev, const char *probe,
		  const char *function, char *err, size_t errlen)
{
	struct plugin_binding *b = NULL, **bs;
	void *sym;
	int ret;

	dlerror();
	sym = dlsym(p->dl, function);
	if (!sym) {
		snprintf(err, errlen, "plugin %s: no function %s in it (export it with default visibility)",
			 p->path, function);
		return -ENOENT;
	}
	ret = -ENOMEM;
	b = calloc(1, sizeof(*b));
	if (!b)
		goto fail;
	b->p = p;
	b->fn = (tracelogd_event_fn *)sym;
	b->probe = strdup(probe);
	b->function = strdup(function);
	if (!b->probe || !b->function)
		goto fail;
	bs = realloc(p->bindings, (p->nr_bindings + 1) * sizeof(*bs));
	if (!bs)
		goto fail;
	p->bindings = bs;
	ret = engine_event_handler_add(ev, plugin_handle, b);
	if (ret < 0)
		goto fail;
	p->bindings[p->nr_bindings++] = b;
	return 0;
fail:
	snprintf(err, errlen, "plugin %s: %s", p->path, strerror(-ret));
	if (b) {
		free(b->probe);
		free(b->function);
		free(b);
	}
	return ret;
}
