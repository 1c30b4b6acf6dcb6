// SPDX-License-Identifier: MIT
/*
 * daemon.c - the [daemon] section: its keys, their defaults and ranges.
 * The ranges are the command line's (daemon/main.c) where it has the same
 * option.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

#define DEFAULT_LOG	"/var/log/tracelogd/events.jsonl"
#define DEFAULT_GROUP	"tracelogd"

#define KIB	(1ull << 10)
#define GIB	(1ull << 30)

enum dkey_type {
	DK_UINT,	/* unsigned */
	DK_SIZE,	/* uint64_t bytes */
	DK_DURATION,	/* uint64_t milliseconds */
	DK_ENUM,	/* an enum, the index of the value in names */
	DK_BOOL,
	DK_LOG,		/* char *: an absolute path or "-" */
	DK_PATH,	/* char *: an absolute path */
	DK_GROUP,	/* char *: a tracefs group name */
	DK_HANDLER,	/* the handler list */
};

struct dkey {
	const char *name;
	enum dkey_type type;
	size_t off;		/* in struct conf_daemon */
	uint64_t min, max;
	bool zero;		/* 0 is allowed besides min..max */
	bool pow2;
	const char *const *names;	/* DK_ENUM, NULL-terminated */
	const char *names_text;		/* "drop or block" */
};

static const char *const overflow_names[] = {
	[CONF_OVERFLOW_DROP] = "drop", [CONF_OVERFLOW_BLOCK] = "block", NULL
};
static const char *const clock_names[] = {
	[CONF_CLOCK_PERF] = "perf", [CONF_CLOCK_MONOTONIC] = "monotonic", NULL
};
static const char *const flush_names[] = {
	[CONF_FLUSH_IDLE] = "idle", [CONF_FLUSH_INTERVAL] = "interval",
	[CONF_FLUSH_LINE] = "line", NULL
};

#define OFF(f) offsetof(struct conf_daemon, f)

static const struct dkey dkeys[] = {
	{ "log", DK_LOG, OFF(log), 0, 0, false, false, NULL, NULL },
	{ "rotate_size", DK_SIZE, OFF(rotate_size), 4 * KIB, 1024 * GIB, true, false, NULL, NULL },
	{ "rotate_keep", DK_UINT, OFF(rotate_keep), 0, 1000, false, false, NULL, NULL },
	{ "workers", DK_UINT, OFF(workers), 1, 256, false, false, NULL, NULL },
	{ "ring_pages", DK_UINT, OFF(ring_pages), 1, 1u << 20, false, true, NULL, NULL },
	{ "queue_depth", DK_UINT, OFF(queue_depth), 16, 1u << 24, false, false, NULL, NULL },
	{ "overflow", DK_ENUM, OFF(overflow), 0, 0, false, false, overflow_names, "drop or block" },
	{ "clock", DK_ENUM, OFF(clock), 0, 0, false, false, clock_names, "perf or monotonic" },
	{ "flush", DK_ENUM, OFF(flush), 0, 0, false, false, flush_names, "idle, interval or line" },
	{ "flush_interval", DK_DURATION, OFF(flush_interval_ms), 10, 3600 * 1000, false, false,
	  NULL, NULL },
	{ "stats_interval", DK_DURATION, OFF(stats_interval_ms), 1000, 24 * 3600 * 1000, true,
	  false, NULL, NULL },
	{ "metrics_file", DK_PATH, OFF(metrics_file), 0, 0, false, false, NULL, NULL },
	{ "group", DK_GROUP, OFF(group), 0, 0, false, false, NULL, NULL },
	{ "handler", DK_HANDLER, 0, 0, 0, false, false, NULL, NULL },
	{ "journald", DK_BOOL, OFF(journald), 0, 0, false, false, NULL, NULL },
};

#define NR_DKEYS (sizeof(dkeys) / sizeof(dkeys[0]))

void conf_daemon_release(struct conf_daemon *d)
{
	free(d->log);
	free(d->metrics_file);
	free(d->group);
	conf_handlers_free(d->handlers, d->nr_handlers);
	memset(d, 0, sizeof(*d));
}

int conf_daemon_defaults(struct conf_daemon *d)
{
	char msg[64];

	memset(d, 0, sizeof(*d));
	d->log = strdup(DEFAULT_LOG);
	d->rotate_size = 64 << 20;
	d->rotate_keep = 8;
	d->workers = 2;
	d->ring_pages = 256;
	d->queue_depth = 65536;
	d->overflow = CONF_OVERFLOW_DROP;
	d->clock = CONF_CLOCK_PERF;
	d->flush = CONF_FLUSH_IDLE;
	d->flush_interval_ms = 1000;
	d->stats_interval_ms = 60 * 1000;
	d->group = strdup(DEFAULT_GROUP);
	if (!d->log || !d->group ||
	    conf_handlers_add(&d->handlers, &d->nr_handlers, "json", msg, sizeof(msg)) < 0) {
		conf_daemon_release(d);
		return -ENOMEM;
	}
	return 0;
}

/* what probe_group_open() takes */
static bool group_valid(const char *s)
{
	size_t n = strlen(s);

	return n && n <= PROBE_NAME_MAX && probe_name_valid(s, n) && !(s[0] >= '0' && s[0] <= '9');
}

/* "(1 to 256)", "(0 for none, or 1s to 24h)" */
static void range_text(const struct dkey *k, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (k->type == DK_SIZE) {
		conf_format_size(k->min, lo, sizeof(lo));
		conf_format_size(k->max, hi, sizeof(hi));
	} else if (k->type == DK_DURATION) {
		conf_format_duration(k->min, lo, sizeof(lo));
		conf_format_duration(k->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%" PRIu64, k->min);
		snprintf(hi, sizeof(hi), "%" PRIu64, k->max);
	}
	if (k->zero)
		snprintf(buf, len, "0 for %s, or %s to %s",
			 k->type == DK_SIZE ? "no rotation" : "none", lo, hi);
	else
		snprintf(buf, len, "%s to %s", lo, hi);
}

/* a number-like value into *v: 0, or -EINVAL reported */
static int number(const struct dkey *k, const struct conf_entry *e, uint64_t *v,
		  struct conf_errors *errs)
{
	char range[96];
	int ret;

	if (k->type == DK_SIZE)
		ret = conf_value_size(e->value, v);
	else if (k->type == DK_DURATION)
		ret = conf_value_duration(e->value, v);
	else
		ret = conf_value_uint(e->value, v);
	if (ret == -EINVAL) {
		if (k->type == DK_SIZE)
			conf_error_add(errs, e->line,
				       "%s: \"%s\" is not a size (a number with an optional K, M or G suffix)",
				       k->name, e->value);
		else if (k->type == DK_DURATION)
			conf_error_add(errs, e->line,
				       "%s: \"%s\" is not a duration (a number with an optional ms, s, m or h suffix)",
				       k->name, e->value);
		else
			conf_error_add(errs, e->line, "%s: \"%s\" is not a number", k->name, e->value);
		return ret;
	}
	if (ret < 0 || ((*v < k->min || *v > k->max) && !(k->zero && *v == 0))) {
		range_text(k, range, sizeof(range));
		conf_error_add(errs, e->line, "%s: %s is out of range (%s)", k->name, e->value, range);
		return -EINVAL;
	}
	if (k->pow2 && (*v & (*v - 1))) {
		conf_error_add(errs, e->line, "%s: %s is not a power of two", k->name, e->value);
		return -EINVAL;
	}
	return 0;
}

/* one key's value into d: 0, -EINVAL (reported), -ENOMEM */
static int dkey_apply(struct conf_daemon *d, const struct dkey *k, const struct conf_entry *e,
		      bool *handlers_set, struct conf_errors *errs)
{
	char *field = (char *)d + k->off, msg[512], *copy;
	const char *why;
	uint64_t v;
	size_t i;
	bool b;
	int ret;

	if (!e->value[0]) {
		conf_error_add(errs, e->line, "%s: no value", k->name);
		return -EINVAL;
	}
	switch (k->type) {
	case DK_UINT:
	case DK_SIZE:
	case DK_DURATION:
		if (number(k, e, &v, errs) < 0)
			return -EINVAL;
		if (k->type == DK_UINT)
			*(unsigned *)(void *)field = (unsigned)v;
		else
			*(uint64_t *)(void *)field = v;
		return 0;
	case DK_ENUM:
		for (i = 0; k->names[i]; i++)
			if (!strcmp(e->value, k->names[i]))
				break;
		if (!k->names[i]) {
			conf_error_add(errs, e->line, "%s: \"%s\" is not %s", k->name, e->value,
				       k->names_text);
			return -EINVAL;
		}
		*(int *)(void *)field = (int)i;
		return 0;
	case DK_BOOL:
		if (conf_value_bool(e->value, &b) < 0) {
			conf_error_add(errs, e->line, "%s: \"%s\" is not yes or no", k->name, e->value);
			return -EINVAL;
		}
		*(bool *)(void *)field = b;
		return 0;
	case DK_LOG:
	case DK_PATH:
		why = k->type == DK_LOG && !strcmp(e->value, "-") ? NULL : conf_value_path(e->value);
		if (why) {
			conf_error_add(errs, e->line, "%s: \"%s\" %s%s", k->name, e->value, why,
				       k->type == DK_LOG && e->value[0] != '/' ?
				       " (or \"-\" for standard output)" : "");
			return -EINVAL;
		}
		break;
	case DK_GROUP:
		if (!group_valid(e->value)) {
			conf_error_add(errs, e->line,
				       "%s: \"%s\" is not a group name (1 to %d letters, digits and _, not starting with a digit)",
				       k->name, e->value, PROBE_NAME_MAX);
			return -EINVAL;
		}
		break;
	case DK_HANDLER:
		/* the first handler line replaces the default, the next ones add */
		if (!*handlers_set) {
			conf_handlers_free(d->handlers, d->nr_handlers);
			d->handlers = NULL;
			d->nr_handlers = 0;
			*handlers_set = true;
		}
		ret = conf_handlers_add(&d->handlers, &d->nr_handlers, e->value, msg, sizeof(msg));
		if (ret == -EINVAL)
			conf_error_add(errs, e->line, "%s", msg);
		return ret;
	}
	copy = strdup(e->value);
	if (!copy)
		return -ENOMEM;
	free(*(char **)(void *)field);
	*(char **)(void *)field = copy;
	return 0;
}

int conf_daemon_parse(struct conf_daemon *d, const struct conf_section *sec,
		      struct conf_errors *errs)
{
	const char *keys[NR_DKEYS + 1];
	static const char *const repeatable[] = { "handler", NULL };
	const struct conf_entry *metrics = NULL;
	bool *skip = NULL, handlers_set = false;
	size_t i, k;
	int ret;

	ret = conf_daemon_defaults(d);
	if (ret < 0 || !sec)
		return ret;
	for (k = 0; k < NR_DKEYS; k++)
		keys[k] = dkeys[k].name;
	keys[k] = NULL;
	skip = calloc(sec->nr_entries + 1, sizeof(*skip));
	if (!skip)
		return -ENOMEM;
	conf_section_check_keys(sec, keys, repeatable, skip, errs);
	for (i = 0; i < sec->nr_entries; i++) {
		const struct conf_entry *e = &sec->entries[i];

		if (skip[i])
			continue;
		for (k = 0; strcmp(dkeys[k].name, e->key); k++)
			;
		ret = dkey_apply(d, &dkeys[k], e, &handlers_set, errs);
		if (ret == -ENOMEM)
			break;
		if (ret == 0 && !strcmp(e->key, "metrics_file"))
			metrics = e;
		ret = 0;
	}
	free(skip);
	if (ret == 0 && metrics && !d->stats_interval_ms)
		conf_error_add(errs, metrics->line,
			       "metrics_file: it is written every stats_interval, which is 0 (off)");
	return ret;
}

bool conf_daemon_equal(const struct conf_daemon *a, const struct conf_daemon *b)
{
	return !strcmp(a->log, b->log) && a->rotate_size == b->rotate_size &&
	       a->rotate_keep == b->rotate_keep && a->workers == b->workers &&
	       a->ring_pages == b->ring_pages && a->queue_depth == b->queue_depth &&
	       a->overflow == b->overflow && a->clock == b->clock && a->flush == b->flush &&
	       a->flush_interval_ms == b->flush_interval_ms &&
	       a->stats_interval_ms == b->stats_interval_ms &&
	       !a->metrics_file == !b->metrics_file &&
	       (!a->metrics_file || !strcmp(a->metrics_file, b->metrics_file)) &&
	       !strcmp(a->group, b->group) && a->journald == b->journald &&
	       conf_handlers_equal(a->handlers, a->nr_handlers, b->handlers, b->nr_handlers);
}
